run - <<< $'cgroup box\nshow cgroup box memory.current anon'
