run - <<< $'machine ram=1G thp=always thp.enabled=never'
