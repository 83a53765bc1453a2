run - <<< $'file create big 17T'
