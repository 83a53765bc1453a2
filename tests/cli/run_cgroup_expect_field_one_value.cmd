run - <<< $'cgroup box\nexpect cgroup box memory.current anon == 1'
