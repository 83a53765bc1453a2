#!/usr/bin/env bash
# check.sh: one fidelity scenario: `vmlab diff` on this machine's kernel must find no field
# that differs. A scenario may need a kernel setting, said in a line "# requires: thp=A,B"
# (the THP modes it holds under); when the machine has another, the test is skipped (77) and
# the reason printed.
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
    *) echo "$scn: unknown requirement '$r' (known: thp=MODES)"; exit 1 ;;
  esac
done
"$bin" diff --quiet "$scn"
