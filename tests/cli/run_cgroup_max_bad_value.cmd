run - <<< $'cgroup box\nset /sys/fs/cgroup/box/memory.max lots'
