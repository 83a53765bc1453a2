run - <<< $'proc a\na prctl'
