run - <<< $'machine ram=1G thp.defrag=never thp.defrag=madvise'
