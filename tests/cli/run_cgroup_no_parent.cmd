run - <<< $'cgroup a/b'
