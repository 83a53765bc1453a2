#!/usr/bin/env bash
# Runs every example in the README and in docs/ so the documentation cannot rot. Every fenced
# block must say what it is, after the opening ``` fence:
#   console      "$ vmlab ARGS" lines are run from the repository's root and the lines after
#                each, up to the next "$ " line or the block's end, must equal its output (stdout
#                and stderr). A last expected line "..." means the output may go on: only the
#                lines before it are compared, and a command followed by "..." alone must exit 0.
#                Other "$ " lines (make, cmake) are not run: CI runs them.
#   vml          a scenario, run with `vmlab run`: it must exit 0 (every expect holds). A comment
#                line "<!-- context: STMT; STMT -->" just before the fence puts those statements
#                first, for a fragment that uses names defined elsewhere. Files the example
#                names (a trace to replay) are taken from tests/docs/files/.
#   vml-errors   one "s.scn:LINE:COL: message" per line; "<!-- errors: DIR -->" just before the
#                fence names a directory holding 1.scn, 2.scn ... whose parse errors they are.
#   c            compiled against include/ (wrapped in main; a "<!-- context: ... -->" line is
#                put before main as declarations), warnings as errors.
#   gen          one generator spec per line, each must generate (the first 1000 records).
#   plain-trace  a trace in the plain format, which `vmlab trace info` must read as plain.
#   text, sh     shown, not run (syntax summaries, layouts, build commands).
# Usage: check_examples.sh VMLAB ROOT FILE.md...
set -u
bin=$1; root=$2; shift 2
cd "$root" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
declare -A count=()
fail=0; shown=0

bad() { echo "$where: $*"; fail=1; }

run_console() { # $1 = command after "$ vmlab ", $2 = expected lines
  local cmd=$1 want=$2 got rc tries=1
  # `vmlab diff` measures this machine's whole-machine counters, which other programs move: as
  # the fidelity suite does (docs/fidelity.md, "Retries in the suite"), it gets up to 3 runs.
  case "$cmd" in diff\ *) tries=3 ;; esac
  count[console]=$((${count[console]:-0} + 1))
  if [ "${want##*$'\n'}" = "..." ] && [ "$want" != "..." ]; then
    want=${want%...}; want=${want%$'\n'}
    local head_n; head_n=$(printf '%s\n' "$want" | wc -l)
  fi
  while :; do
    got=$(eval "\"$bin\" $cmd" 2>&1); rc=$?
    if [ "$want" = "..." ]; then
      [ $rc = 0 ] || { bad "'vmlab $cmd' exited $rc:"; printf '%s\n' "$got" | head -5; }
      return
    fi
    [ -n "${head_n:-}" ] && got=$(printf '%s\n' "$got" | head -n "$head_n")
    tries=$((tries - 1))
    [ "$got" = "$want" ] || [ $tries = 0 ] && break
  done
  if [ "$got" != "$want" ]; then
    bad "'vmlab $cmd' prints something else:"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20
  fi
}

check_console() {
  local cmd="" want="" have=0 lines=0 line
  while IFS= read -r line; do
    case "$line" in
      '$ vmlab '*)
        [ $have = 1 ] && run_console "$cmd" "$want"
        cmd=${line#'$ vmlab '}; want=""; have=1; lines=0; continue ;;
      '$ '*)
        [ $have = 1 ] && run_console "$cmd" "$want"
        have=0; continue ;;
    esac
    [ $have = 1 ] || continue
    # By count, not by emptiness: an output may begin with an empty line (numastat's do).
    if [ $lines = 0 ]; then want=$line; else want=$want$'\n'$line; fi
    lines=$((lines + 1))
  done <<< "$body"
  [ $have = 1 ] && run_console "$cmd" "$want"
}

check_vml() {
  local out
  rm -rf "$tmp/vml" && mkdir -p "$tmp/vml" && : > "$tmp/vml/example.vml"
  cp -r tests/docs/files/. "$tmp/vml/"
  [ -n "$context" ] && printf '%s\n' "$context" | tr ';' '\n' | sed 's/^ *//' > "$tmp/vml/example.vml"
  printf '%s\n' "$body" >> "$tmp/vml/example.vml"
  count[vml]=$((${count[vml]:-0} + 1))
  out=$(cd "$tmp/vml" && "$bin" run example.vml 2>&1 >/dev/null) ||
    { bad "the scenario fails:"; printf '%s\n' "$out" | head -5; }
}

check_errors() {
  local i=0 line got
  [ -n "$errdir" ] || { bad "a vml-errors block needs '<!-- errors: DIR -->' before it"; return; }
  while IFS= read -r line; do
    i=$((i + 1))
    count[vml-errors]=$((${count[vml-errors]:-0} + 1))
    [ -f "$errdir/$i.scn" ] || { bad "no $errdir/$i.scn for the error '$line'"; continue; }
    cp "$errdir/$i.scn" "$tmp/s.scn"
    got=$(cd "$tmp" && "$bin" run s.scn 2>&1 >/dev/null | head -1)
    [ "$got" = "$line" ] || bad "error $i: documented '$line', vmlab says '$got'"
  done <<< "$body"
}

check_c() {
  { printf '#include <stdio.h>\n#include <vmlab/vmlab.h>\n%s\nint main(void)\n{\n' "$context"
    printf '%s\n' "$body"; printf 'return 0;\n}\n'; } > "$tmp/example.c"
  count[c]=$((${count[c]:-0} + 1))
  command -v "$cc" > /dev/null || { bad "no C compiler ($cc) to check the C example"; return; }
  "$cc" -std=c11 -Wall -Wextra -Werror -fsyntax-only -Iinclude "$tmp/example.c" 2>&1 ||
    bad "the C example does not compile (as $tmp/example.c above)"
}

check_gen() {
  local line out
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    count[gen]=$((${count[gen]:-0} + 1))
    out=$("$bin" trace convert "gen:$line" "$tmp/gen.vmt" --limit 1000 2>&1) ||
      { bad "generator 'gen:$line' fails: $out"; }
  done <<< "$body"
}

check_plain() {
  local out
  printf '%s\n' "$body" > "$tmp/plain.trace"
  count[plain-trace]=$((${count[plain-trace]:-0} + 1))
  out=$("$bin" trace info "$tmp/plain.trace" 2>&1) || { bad "the trace is refused: $out"; return; }
  printf '%s\n' "$out" | grep -q '^format  *plain$' || bad "the trace is not read as plain: $out"
}

for doc in "$@"; do
  n=0; in=0; context=""; errdir=""; prev=""
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [ $in = 0 ]; then
      case "$line" in
        '```'*)
          in=1; tag=${line#'```'}; where="$doc:$n"; body=""; first=1
          context=""; errdir=""
          case "$prev" in
            '<!-- context: '*' -->') context=${prev#'<!-- context: '}; context=${context%' -->'} ;;
            '<!-- errors: '*' -->') errdir=${prev#'<!-- errors: '}; errdir=${errdir%' -->'} ;;
          esac ;;
      esac
      prev=$line
      continue
    fi
    if [ "$line" != '```' ]; then
      if [ $first = 1 ]; then body=$line; first=0; else body=$body$'\n'$line; fi
      continue
    fi
    in=0; prev=""
    case "$tag" in
      console) check_console ;;
      vml) check_vml ;;
      vml-errors) check_errors ;;
      c) check_c ;;
      gen) check_gen ;;
      plain-trace) check_plain ;;
      text | sh) shown=$((shown + 1)) ;;
      '') bad "a code block without a type: write \`\`\`console, vml, vml-errors, c, gen, plain-trace, text or sh" ;;
      *) bad "unknown code block type '$tag' (console, vml, vml-errors, c, gen, plain-trace, text, sh)" ;;
    esac
  done < "$doc"
  [ $in = 0 ] || { where="$doc:$n"; bad "a code block is not closed"; }
done

total=0; summary=""
for k in console vml vml-errors c gen plain-trace; do
  total=$((total + ${count[$k]:-0})); summary="$summary $k ${count[$k]:-0},"
done
echo "$total examples checked (${summary# }${summary:+ }$shown blocks shown only)"
[ $total -gt 0 ] || { echo "no examples found in $*"; exit 1; }
exit $fail
