run - <<< $'proc p\np cgroup nope'
