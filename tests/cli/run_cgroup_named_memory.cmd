run - <<< $'cgroup memory'
