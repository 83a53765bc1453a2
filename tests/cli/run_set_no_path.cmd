run - <<< $'set'
