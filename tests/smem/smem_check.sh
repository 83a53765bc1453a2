#!/usr/bin/env bash
# Exports the simulated /proc of a scenario and lets Debian's smem read it: smem's PSS and USS
# totals must equal the ones vmlab's --summary prints (both add up the smaps blocks).
# Usage: smem_check.sh VMLAB SCENARIO...   Skips (77) when smem is not installed.
set -u
bin=$1; shift
if ! command -v smem >/dev/null 2>&1; then
  echo "smem is not installed (scripts/bootstrap.sh installs it)"; exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
for scn in "$@"; do
  rm -rf "$tmp/export"
  if ! "$bin" run "$scn" --summary --export-proc "$tmp/export" >"$tmp/out" 2>"$tmp/err"; then
    echo "$scn: vmlab run failed:"; cat "$tmp/err"; fail=1; continue
  fi
  # vmlab: the totals row "N processes VSZ RSS PSS USS SWAP"; smem -t: last line "N PSS USS".
  read -r vm_pss vm_uss < <(grep -E '^ *[0-9]+ process(es)? ' "$tmp/out" | tail -n 1 | awk '{print $(NF-2), $(NF-1)}')
  smem -S "$tmp/export" -c "pid pss uss" -t >"$tmp/smem" 2>"$tmp/smem.err" || {
    echo "$scn: smem failed:"; cat "$tmp/smem.err"; fail=1; continue; }
  read -r sm_pss sm_uss < <(tail -n 1 "$tmp/smem" | awk '{print $2, $3}')
  if [ "$vm_pss" != "$sm_pss" ] || [ "$vm_uss" != "$sm_uss" ] || [ -z "$vm_pss" ]; then
    echo "$scn: vmlab PSS/USS totals $vm_pss/$vm_uss kB, smem $sm_pss/$sm_uss kB"
    cat "$tmp/out" "$tmp/smem"; fail=1
  else
    echo "$scn: PSS $vm_pss kB, USS $vm_uss kB: vmlab and smem agree"
  fi
done
exit $fail
