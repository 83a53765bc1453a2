run - <<< $'cgroup box\nexpect cgroup box memory.stat == 1'
