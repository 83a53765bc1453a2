replay --thp madvise gen:seq:base=0x40000000,footprint=4M,count=1024,stride=4096,writes=100% --json | grep -oE '"thp":"[a-z]+"|"anon_resident":[^}]*}|"thp_fault_[a-z]+":[0-9]+'
