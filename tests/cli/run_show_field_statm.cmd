run - <<< $'proc a\nshow a statm size'
