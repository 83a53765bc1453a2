#!/usr/bin/env bash
# Runs every example of the README so the documentation cannot rot. In ```console blocks, a
# line "$ vmlab ARGS" is run (with the built binary) and the lines after it, up to the next
# "$ " line or the block's end, must equal its output. A last expected line "..." means the
# output may go on: only the lines before it are compared. Other "$ " lines (make ...) are not
# run. Fails if the README has no example at all.
set -u
bin=$1; readme=$2
cd "$(dirname "$readme")" || exit 1 # examples/... paths are relative to the README
n=0; fail=0; in=0; cmd=""; expect=""
run_example() {
  [ -n "$cmd" ] || return 0
  n=$((n + 1))
  local got want
  got=$(eval "\"$bin\" $cmd" 2>&1)
  want=$expect
  if [ "${want##*$'\n'}" = "..." ] || [ "$want" = "..." ]; then
    want=${want%...}; want=${want%$'\n'}
    local lines; lines=$(printf '%s\n' "$want" | wc -l)
    got=$(printf '%s\n' "$got" | head -n "$lines")
  fi
  if [ "$got" != "$want" ]; then
    echo "README example 'vmlab $cmd' differs:"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20
    fail=1
  fi
  cmd=""; expect=""
}
while IFS= read -r line || [ -n "$line" ]; do
  if [ $in = 0 ]; then
    [ "$line" = '```console' ] && in=1
    continue
  fi
  if [ "$line" = '```' ]; then run_example; in=0; continue; fi
  case "$line" in
    '$ vmlab '*) run_example; cmd=${line#'$ vmlab '}; continue ;;
    '$ '*) run_example; continue ;;
  esac
  [ -n "$cmd" ] || continue
  if [ -z "$expect" ]; then expect=$line; else expect=$expect$'\n'$line; fi
done < "$readme"
echo "$n README examples checked"
[ $n -gt 0 ] || { echo "no examples found in $readme"; exit 1; }
exit $fail
