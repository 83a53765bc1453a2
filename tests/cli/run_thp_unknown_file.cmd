run - <<< $'machine ram=1G thp.hugepages-8kB/enabled=never'
