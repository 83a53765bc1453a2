run - <<< $'cgroup box\nset /sys/fs/cgroup/box/memory.oom.group 2'
