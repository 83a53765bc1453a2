#!/usr/bin/env bash
# fidelity-report.sh: runs vmlab diff on every fidelity scenario and writes the result table
# into docs/fidelity.md, between its "results" markers (make fidelity-report).
# Usage: fidelity-report.sh VMLAB [DOC]
set -euo pipefail
bin=$1; doc=${2:-docs/fidelity.md}
root=$(cd "$(dirname "$0")/.." && pwd)
table=$(mktemp); trap 'rm -f "$table"' EXIT
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)
{
  echo "Kernel $(uname -r), THP $thp, $(date -u +%Y-%m-%d); \`make fidelity-report\` wrote this table."
  echo
  echo "| scenario | fields compared | differ | not comparable | verdict |"
  echo "|---|---:|---:|---:|---|"
  for scn in "$root"/tests/fidelity/*.vml; do
    name=$(basename "$scn" .vml)
    set +e
    out=$("$root"/tests/fidelity/check.sh "$bin" "$scn" 2>&1); rc=$?
    set -e
    line=$(printf '%s\n' "$out" | grep -E ': (same|DIFFERS): ' | tail -n 1 || true)
    if [ $rc = 77 ]; then
      echo "| $name | | | | skipped: $(printf '%s' "$out" | tail -n 1) |"
    elif [ -n "$line" ]; then
      cmp=$(sed -n 's/.*: \([0-9]*\) fields compared.*/\1/p' <<<"$line")
      dif=$(sed -n 's/.*compared, \([0-9]*\) differ.*/\1/p' <<<"$line")
      nc=$(sed -n 's/.*differ, \([0-9]*\) mapping.*/\1/p' <<<"$line")
      echo "| $name | $cmp | $dif | ${nc:-0} | $([ $rc = 0 ] && echo same || echo DIFFERS) |"
    else
      echo "| $name | | | | failed: $(printf '%s' "$out" | tail -n 1) |"
    fi
  done
} >"$table"
awk -v t="$table" '
  /<!-- results:begin -->/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
  /<!-- results:end -->/ { skip = 0 }
  !skip { print }' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
echo "fidelity-report: $(grep -c '^| [0-9]' "$doc") scenarios in $doc"
