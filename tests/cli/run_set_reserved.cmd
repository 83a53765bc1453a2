run - <<< $'proc set'
