run - <<< $'set /proc/sys/vm/swappiness 10'
