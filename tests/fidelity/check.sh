#!/usr/bin/env bash
# check.sh: one fidelity scenario: `vmlab diff` on this machine's kernel must find no field
# that differs. A scenario may need a kernel setting, said in a line "# requires: thp=A,B"
# (the THP modes it holds under) or "hugepages=2M" (a 2 MiB hugetlb pool that vmlab may size:
# it exists, is writable, and nothing else holds pages of it); when the machine has another,
# the test is skipped (77) and the reason printed.
# Usage: check.sh VMLAB SCENARIO
set -u
bin=$1; scn=$2
req=$(sed -n 's/^# requires: *//p' "$scn" | head -n 1)
for r in $req; do
  case "$r" in
    thp=*)
      have=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
      case ",${r#thp=}," in
        *",$have,"*) ;;
        *) echo "skipped: needs THP ${r#thp=}, this kernel has ${have:-none}"; exit 77 ;;
      esac ;;
    hugepages=2M)
      pool=/sys/kernel/mm/hugepages/hugepages-2048kB
      if [ ! -w "$pool/nr_hugepages" ]; then
        echo "skipped: needs a writable 2 MiB hugetlb pool ($pool/nr_hugepages; run as root)"
        exit 77
      fi
      total=$(cat "$pool/nr_hugepages") free=$(cat "$pool/free_hugepages")
      rsvd=$(cat "$pool/resv_hugepages") surp=$(cat "$pool/surplus_hugepages")
      if [ "$total" != "$free" ] || [ "$rsvd" != 0 ] || [ "$surp" != 0 ]; then
        echo "skipped: the 2 MiB hugetlb pool is in use ($((total - free)) pages, $rsvd reserved)"
        exit 77
      fi ;;
    *) echo "$scn: unknown requirement '$r' (known: thp=MODES, hugepages=2M)"; exit 1 ;;
  esac
done
"$bin" diff --quiet "$scn"
