run - <<< $'proc a\na prctl set_name x'
