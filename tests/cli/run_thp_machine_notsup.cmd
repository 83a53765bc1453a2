run - <<< $'machine ram=1G thp=always thp.defrag=defer\nproc a'
