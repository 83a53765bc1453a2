#!/usr/bin/env bash
# check_layers.sh TOP: every #include "..." in TOP/src and TOP/include/vmlab must respect the
# layering of docs/design.md ("Layers"):
#
#   util < hw < proc < mm < trace < learn < scenario < host < cli
#
# - a file includes public headers (include/vmlab/) of its own layer or a lower one;
# - it includes internal headers (src/L/) of its own layer, and src/util/ (the library's shared
#   helpers) from any library layer; another layer's internal header only by a documented
#   exception (ALLOWED below);
# - the umbrella vmlab/vmlab.h is for clients (the CLI): nothing in the library includes it;
# - the CLI is a client of the public API: no src/ header but its own (src/cli/);
# - public headers include public headers only.
# Each violation is printed as FILE:LINE: the include, and why; the exit status is 1 if any.
set -u
top=${1:?usage: check_layers.sh TOP}
cd "$top" || exit 2

layers=(util hw proc mm trace learn scenario host cli)
declare -A RANK
for i in "${!layers[@]}"; do RANK[${layers[$i]}]=$i; done

# The layer of each public header. A new header must be added here (the check says so).
declare -A PUBLIC=(
  [base.h]=util [csv.h]=util
  [phys.h]=hw [pgtable.h]=hw [cpu.h]=hw [mmu.h]=hw
  [proc.h]=proc [vmstat_items.h]=proc [thp.h]=proc [sysctl.h]=proc
  [sim.h]=mm
  [trace.h]=trace [replay.h]=trace [sweep.h]=trace [mrc.h]=trace
  [learn.h]=learn
  [scenario.h]=scenario [run.h]=scenario [explain.h]=scenario
  [host.h]=host [live.h]=host
  [vmlab.h]=umbrella
)

# Documented exceptions: a file and a lower layer's internal header it may include (design.md).
ALLOWED=(
  "src/trace/replay.c hw/mmu_hit.h" # replay's loop inlines the MMU's L1 hit path, for speed
  "src/mm/sim_internal.h hw/phys.h" # struct frame is shared by the allocator and the kernel
  "src/trace/mrc.c hw/tlb.h" # two-level curves run the L1 TLBs on replay's own TLB arrays
)
allowed() {
  local a; for a in "${ALLOWED[@]}"; do [ "$a" = "$1 $2" ] && return 0; done; return 1
}

bad=0
violation() { echo "$1:$2: #include \"$3\": $4"; bad=1; }

check_file() {
  local f=$1 layer=$2 n=0 line inc dir what r_file r_inc
  r_file=${RANK[$layer]}
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"\<]([^\"\>]+)[\"\>] ]] || continue
    inc=${BASH_REMATCH[1]}
    dir=${inc%%/*}
    if [ "$dir" = "$inc" ]; then
      [[ $line =~ \" ]] && violation "$f" "$n" "$inc" "not under vmlab/ or a layer's directory"
      continue # <stdio.h> and other system headers
    fi
    if [ "$dir" = vmlab ]; then
      what=${PUBLIC[${inc#vmlab/}]:-}
      if [ -z "$what" ]; then
        violation "$f" "$n" "$inc" "public header missing from check_layers.sh's table"
      elif [ "$what" = umbrella ]; then
        [ "$layer" = cli ] ||
          violation "$f" "$n" "$inc" "the umbrella header is for clients; include the headers of the layers this file uses"
      elif [ "${RANK[$what]}" -gt "$r_file" ]; then
        violation "$f" "$n" "$inc" "$layer includes $what, a higher layer"
      fi
      continue
    fi
    r_inc=${RANK[$dir]:-}
    if [ -z "$r_inc" ]; then
      [[ $line =~ \" ]] && violation "$f" "$n" "$inc" "not under vmlab/ or a layer's directory"
      continue
    fi
    if [[ $f == include/* ]]; then
      violation "$f" "$n" "$inc" "a public header includes an internal one"
    elif [ "$dir" = "$layer" ]; then
      :
    elif [ "$layer" = cli ]; then
      violation "$f" "$n" "$inc" "the CLI uses only the public API (include/vmlab/), not $dir/ internals"
    elif [ "$r_inc" -gt "$r_file" ]; then
      violation "$f" "$n" "$inc" "$layer includes $dir, a higher layer"
    elif [ "$dir" != util ] && ! allowed "$f" "$inc"; then
      violation "$f" "$n" "$inc" "$layer includes an internal header of $dir (not a documented exception)"
    fi
  done < "$f"
}

nfiles=0
while IFS= read -r f; do
  d=${f#src/}; d=${d%%/*}
  if [ -z "${RANK[$d]:-}" ]; then
    echo "$f: src/$d/ is not a layer (docs/design.md and check_layers.sh list them)"; bad=1
    continue
  fi
  check_file "$f" "$d"; nfiles=$((nfiles + 1))
done < <(find src -name '*.[ch]' | sort)
while IFS= read -r f; do
  h=${PUBLIC[${f#include/vmlab/}]:-}
  if [ -z "$h" ]; then
    echo "$f: public header missing from check_layers.sh's table"; bad=1
    continue
  fi
  [ "$h" = umbrella ] && h=cli # it may include everything
  check_file "$f" "$h"; nfiles=$((nfiles + 1))
done < <(find include/vmlab -name '*.h' | sort)

[ $nfiles -gt 0 ] || { echo "check_layers: no files under $top/src or $top/include/vmlab"; exit 1; }
[ $bad = 0 ] && echo "check_layers: $nfiles files, every include goes down the layers"
exit $bad
