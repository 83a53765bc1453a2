run - <<< $'machine ram=1G thp=sometimes'
