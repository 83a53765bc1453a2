run - <<< $'set /sys/fs/cgroup/nope/memory.max 1M'
