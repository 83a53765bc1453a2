run - <<< $'cgroup a\ncgroup a/b\nproc p\np cgroup a'
