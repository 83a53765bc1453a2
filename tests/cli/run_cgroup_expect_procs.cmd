run - <<< $'cgroup box\nexpect cgroup box cgroup.procs == 1000'
