run - <<< $'show cgroup nope memory.current'
