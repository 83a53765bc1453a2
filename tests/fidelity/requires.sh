# requires.sh: sourced by the scripts that run a scenario on this machine's kernel. A scenario
# says what it needs of the machine in one line "# requires: R R ...":
#   thp=A,B        the THP modes it holds under; a scenario whose machine line sets the mode
#                  (thp= or thp.enabled=) runs under any, as root: vmlab writes it for the run;
#   hugepages=2M   a 2 MiB hugetlb pool vmlab may size: it exists, is writable (root), and
#                  nothing else holds pages of it;
#   thp_files      the THP files the scenario writes (thp.FILE= on its machine line, set
#                  statements under /sys/kernel/mm/transparent_hugepage/) exist on this kernel
#                  and vmlab may write them (root); it writes them for the run;
#   zero_page=on|off, pt_reclaim=on|off, paging=4|5, readahead=SIZE
#                  a kernel that behaves so (readahead: the read_ahead_kb of the disk holding
#                  $TMPDIR); vmlab's Linux backend probes it (the note it prints for that
#                  machine setting ends in "(differs)" when the kernel does not);
#   root           vmlab runs as root (a pressure scenario's cgroup and swap files);
#   cap_sys_resource  vmlab has CAP_SYS_RESOURCE (CapEff bit 24): lowering oom_score_adj (a
#                  negative value) needs it; root in a container may lack it;
#   swapfile       vmlab may make and enable a swap file (swap=, swapon): root, no swap area on
#                  already (the comparison would be invalid with foreign swap), and $TMPDIR (or
#                  /var/tmp) on a file system that can hold one (not tmpfs, ramfs, overlayfs);
#   memcg          a memory cgroup controller (v1, or v2 with memory enabled) vmlab may use: root;
#   noswap         no swap area is on: anonymous memory past a limit is OOM-killed, not swapped
#                  (the OOM scenarios' machines have no swap);
#   page_cluster=N vm.page-cluster is N (the swap readahead window, 2^N pages);
#   zswap=off      zswap is off or absent (/sys/module/zswap/parameters/enabled): swapped pages
#                  go to the swap device, not to a compressed pool;
#   vm_files       the /proc/sys/vm/ files the scenario writes (vm.FILE= on its machine line,
#                  set statements under /proc/sys/vm/, drop_caches included) exist and vmlab
#                  may write them (root); it writes them for the run and puts them back;
#   simulator      the scenario's point is a machine state no kernel here is in (a small RAM
#                  fragmented to its last pageblock): it never runs on Linux (skipped, 77).
# vmlab diff follows the kernel's zero page and page-table reclaim unless the scenario sets them
# (zero_page=, pt_reclaim= on its machine line), so in "diff" mode those two are needed only then.
# requires MODE VMLAB SCENARIO: MODE is run or diff. Returns 0 when the machine has everything,
# 77 with the reason printed when it lacks something, 1 for a requirement it does not know.
requires() {
  local mode=$1 bin=$2 scn=$3 r have pool total free rsvd surp key probe note
  for r in $(sed -n 's/^# requires: *//p' "$scn" | head -n 1); do
    case "$r" in
      thp=*)
        if grep -Eq '^machine .*[[:space:]]thp(\.enabled)?=' "$scn" &&
           [ "$(id -u)" = 0 ] && [ -w /sys/kernel/mm/transparent_hugepage/enabled ]; then
          continue
        fi
        have=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
        case ",${r#thp=}," in
          *",$have,"*) ;;
          *) echo "skipped: needs THP ${r#thp=}, this kernel has ${have:-none}"; return 77 ;;
        esac ;;
      thp_files)
        local t=/sys/kernel/mm/transparent_hugepage f
        for f in $(grep -oE '^machine .*' "$scn" |
                   grep -oE '[[:space:]]thp\.[^=[:space:]]+' | sed 's/^[[:space:]]*thp\.//';
                   sed -n "s|^set $t/\([^[:space:]]*\).*|\1|p" "$scn"); do
          if [ ! -e "$t/$f" ]; then
            echo "skipped: needs $t/$f, which this kernel does not have"
            return 77
          fi
          if [ ! -w "$t/$f" ]; then
            echo "skipped: needs to write $t/$f for the run (run as root)"
            return 77
          fi
        done ;;
      hugepages=2M)
        pool=/sys/kernel/mm/hugepages/hugepages-2048kB
        if [ ! -w "$pool/nr_hugepages" ]; then
          echo "skipped: needs a writable 2 MiB hugetlb pool ($pool/nr_hugepages; run as root)"
          return 77
        fi
        total=$(cat "$pool/nr_hugepages") free=$(cat "$pool/free_hugepages")
        rsvd=$(cat "$pool/resv_hugepages") surp=$(cat "$pool/surplus_hugepages")
        if [ "$total" != "$free" ] || [ "$rsvd" != 0 ] || [ "$surp" != 0 ]; then
          echo "skipped: the 2 MiB hugetlb pool is in use ($((total - free)) pages, $rsvd reserved)"
          return 77
        fi ;;
      readahead=*)
        # The read_ahead_kb of the disk holding $TMPDIR (a partition's is its disk's), read
        # from sysfs as vml_host_readahead reads it.
        local want=${r#readahead=} dir=${TMPDIR:-/tmp} mm q kb
        case "$want" in
          *K) kb=${want%K} ;; *M) kb=$((${want%M} * 1024)) ;; *G) kb=$((${want%G} * 1048576)) ;;
          *) kb=$((want / 1024)) ;;
        esac
        mm=$(findmnt -no MAJ:MIN -T "$dir" 2>/dev/null | head -n 1 | tr -d ' ')
        q=/sys/dev/block/$mm/queue/read_ahead_kb
        [ -r "$q" ] || q=/sys/dev/block/$mm/../queue/read_ahead_kb
        have=$(cat "$q" 2>/dev/null)
        if [ "$have" != "$kb" ]; then
          echo "skipped: needs read_ahead_kb $kb on the disk holding $dir, which has ${have:-none}"
          return 77
        fi ;;
      zero_page=on|zero_page=off|pt_reclaim=on|pt_reclaim=off|paging=4|paging=5)
        key=${r%%=*}
        if [ "$mode" = diff ] && [ "$key" != paging ] &&
           ! grep -Eq "^machine .*\\b$key=" "$scn"; then
          continue
        fi
        probe=$(mktemp)
        echo "machine ram=64M $r" >"$probe"
        note=$("$bin" run --on linux "$probe" 2>&1 | grep "^linux: $key=")
        rm -f "$probe"
        case "$note" in
          *"(differs)"*|"") echo "skipped: needs $r; ${note:-the kernel could not be probed}"
                            return 77 ;;
        esac ;;
      root)
        [ "$(id -u)" = 0 ] || { echo "skipped: needs root"; return 77; } ;;
      cap_sys_resource)
        have=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
        if [ -z "$have" ] || [ $(( (16#$have >> 24) & 1 )) != 1 ]; then
          echo "skipped: needs CAP_SYS_RESOURCE to lower oom_score_adj (CapEff ${have:-unknown} lacks bit 24)"
          return 77
        fi ;;
      noswap)
        if [ "$(tail -n +2 /proc/swaps | wc -l)" != 0 ]; then
          echo "skipped: the machine has swap on ($(tail -n +2 /proc/swaps | awk '{printf "%s ", $1}')): its OOM kills would be swap-outs"
          return 77
        fi ;;
      swapfile)
        local sd=${TMPDIR:-/var/tmp} fst
        [ "$(id -u)" = 0 ] || { echo "skipped: needs root to make and enable a swap file"; return 77; }
        if [ "$(tail -n +2 /proc/swaps | wc -l)" != 0 ]; then
          echo "skipped: the machine has swap on already ($(tail -n +2 /proc/swaps |
                awk '{printf "%s ", $1}')): swap comparisons need the run's own alone"
          return 77
        fi
        fst=$(stat -f -c %T "$sd" 2>/dev/null)
        case "$fst" in
          tmpfs|ramfs|overlayfs|"")
            echo "skipped: $sd (${fst:-missing}) cannot hold a swap file; set TMPDIR"
            return 77 ;;
        esac ;;
      memcg)
        [ "$(id -u)" = 0 ] || { echo "skipped: needs root to make a memory cgroup"; return 77; }
        local v2
        v2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
        if ! awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ {f = 1} END {exit !f}' \
               /proc/self/mounts &&
           ! grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
          echo "skipped: no memory cgroup controller is mounted"
          return 77
        fi ;;
      page_cluster=*)
        have=$(cat /proc/sys/vm/page-cluster 2>/dev/null)
        [ "$have" = "${r#page_cluster=}" ] ||
          { echo "skipped: needs vm.page-cluster ${r#page_cluster=}, this kernel has ${have:-none}"
            return 77; } ;;
      zswap=off)
        have=$(cat /sys/module/zswap/parameters/enabled 2>/dev/null)
        case "$have" in
          Y|y|1) echo "skipped: needs zswap off (/sys/module/zswap/parameters/enabled is $have)"
                 return 77 ;;
        esac ;;
      vm_files)
        local v=/proc/sys/vm g
        for g in $(grep -oE '^machine .*' "$scn" |
                   grep -oE '[[:space:]]vm\.[^=[:space:]]+' | sed 's/^[[:space:]]*vm\.//';
                   sed -n "s|^set $v/\([^[:space:]]*\).*|\1|p" "$scn"); do
          if [ ! -e "$v/$g" ]; then
            echo "skipped: needs $v/$g, which this kernel does not have"
            return 77
          fi
          if [ ! -w "$v/$g" ]; then
            echo "skipped: needs to write $v/$g for the run (run as root)"
            return 77
          fi
        done ;;
      simulator)
        # The scenario builds a machine state no real kernel here has (a small RAM
        # fragmented to the last pageblock): its figures are the simulator's alone.
        echo "skipped: the scenario needs the simulated machine it describes (a state this" \
             "kernel's memory is not in); it runs on the simulator only"
        return 77 ;;
      *) echo "$scn: unknown requirement '$r' (known: thp=MODES, thp_files, hugepages=2M,"\
              "zero_page=on|off, pt_reclaim=on|off, paging=4|5, readahead=SIZE, root, swapfile, noswap,"\
              "memcg, page_cluster=N, zswap=off, vm_files, simulator)"
         return 1 ;;
    esac
  done
  return 0
}
