run - <<< $'machine ram=1G thp=always thp.shmem_enabled=always\nproc a'
