#!/usr/bin/env bash
# nonroot.sh VMLAB: the live tools as a user who cannot read another user's smaps_rollup
# (here nobody, reading PID 1, root's). PID 1's PSS and USS must not appear as numbers: null in
# JSON with the reason, empty CSV cells, no Prometheus sample, '?' in text and a count below the
# table; its VSZ and RSS (statm, readable by all) are shown, and vmlab oom, which reads only
# what every user may, shows the same RSS; a cgroup file nobody may read leaves its figures
# absent with the reason. Skipped (77) when not root or without setpriv.
set -u
bin=$1
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v python3 >/dev/null ||
  { echo "nonroot: needs root, setpriv and python3 to run as nobody; skipping"; exit 77; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" "$@"; }
fail=0
bad() { echo "nonroot: $*"; fail=1; }

json=$(as_nobody ps --pid 1 --json)
python3 - "$json" <<'PY' || fail=1
import json, sys
row = json.loads(sys.argv[1])[0]
ok = True
for k in ("PSS", "USS", "UssAnon", "Swap", "SwapPss"):
    if row[k] is not None:
        print(f"nonroot: PID 1 {k} is {row[k]!r}, not null"); ok = False
for k in ("VSZ", "RSS"):
    if not isinstance(row[k], int) or row[k] <= 0:
        print(f"nonroot: PID 1 {k} is {row[k]!r}, not a size"); ok = False
if "smaps_rollup" not in (row["Note"] or ""):
    print(f"nonroot: PID 1 Note {row['Note']!r} does not say what could not be read"); ok = False
sys.exit(0 if ok else 1)
PY
csv=$(as_nobody ps --pid 1 --csv | tr -d '\r' | tail -n 1)
[ "$(echo "$csv" | cut -d, -f5,6)" = "," ] || bad "CSV PSS,USS of PID 1 are '$(echo "$csv" | cut -d, -f5,6)', not empty"
prom=$(as_nobody ps --pid 1 --format prometheus)
echo "$prom" | grep -q '^vmlab_process_pss_bytes{pid="1"' && bad "a Prometheus PSS sample for PID 1"
echo "$prom" | grep -q '^vmlab_process_rss_bytes{pid="1"' || bad "no Prometheus RSS sample for PID 1"
text=$(as_nobody ps --pid 1)
echo "$text" | awk '$1 == 1 {exit !($5 == "?" && $6 == "?")}' || bad "text PSS, USS of PID 1 are not '?': $text"
echo "$text" | grep -q "1 could not be read whole ('?'; run as root" || bad "no count below the table: $text"
# ps and oom agree: both have PID 1's RSS (statm's and status's count the same pages).
ps_rss=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RSS"])')
oom_rss=$(as_nobody oom --csv | tr -d '\r' | awk -F, '$1 == 1 {print $2}')
[ -n "$oom_rss" ] || bad "vmlab oom has no RSS for PID 1"
if [ -n "$oom_rss" ] && [ $(( (ps_rss - oom_rss) * 100 / oom_rss )) -ne 0 ]; then
  bad "PID 1 RSS: ps $ps_rss, oom $oom_rss"
fi
# A cgroup file nobody may read (a copy of the v2 fixture, web.service's memory.events mode 000):
# its events are absent with the reason, the group's other figures and its victim stay.
cg=$(cd "$(dirname "$0")/../fixtures/live/cgroup" && pwd)
tmp=$(mktemp -d); chmod 755 "$tmp"
cp -r "$cg/proc" "$cg/sys-v2" "$tmp/" && chmod -R a+rX "$tmp"
chmod 000 "$tmp/sys-v2/fs/cgroup/system.slice/web.service/memory.events"
row=$(as_nobody oom --proc "$tmp/proc" --sys "$tmp/sys-v2" --cgroups --csv | tr -d '\r' | grep '^/system.slice/web.service,')
want="/system.slice/web.service,150000000,268435456,67108864,81920,2,201,45854,worker,,,,,,,memory.events: cannot be read"
[ "$row" = "$want" ] || bad "unreadable memory.events: '$row', want '$want'"
rm -rf "$tmp"
exit $fail
