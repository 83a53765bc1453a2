run - <<< $'set /sys/fs/cgroup/memory.max 1M'
