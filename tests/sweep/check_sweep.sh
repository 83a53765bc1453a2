#!/usr/bin/env bash
# vmlab sweep: a local grid on two processes against each point's own `vmlab replay --json`,
# resume, determinism across job counts, a failing point, spec errors, and the same grid through
# a real one-node Slurm (scripts/slurm-local.sh: slurm-wlm and munge from Debian) whose merged
# result must equal the local one byte for byte. Exit 77 (skipped, with the reason) only when
# Slurm cannot be installed or started here; every other check has run by then.
set -u
bin=$1; top=$2
tmp=$(mktemp -d); cluster=""
cleanup() { [ -n "$cluster" ] && "$top/scripts/slurm-local.sh" stop "$cluster"; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }
cd "$tmp" || exit 1

# 2 traces x 2 CPUs x 2 page policies = 8 points; the file trace is relative to the spec.
mkdir sub
"$bin" trace convert gen:zipf:footprint=128M,count=100K,seed=4 sub/z.vmt 2>/dev/null
cat > sub/grid.spec <<'S'
# a test grid
trace  gen:random:footprint=256M,count=100K,seed=1  z.vmt
cpu    skylake zen4
pages  4k thp:always
option --cpus 1
S
"$bin" sweep sub/grid.spec -o out --jobs 2 2> err; rc=$?
check "sweep exits 0" '[ $rc = 0 ]'
check "sweep says where" 'grep -q "8 points, .* columns: out/results.csv and out/results.jsonl" err'
check "8 reports and a header" '[ $(wc -l < out/results.jsonl) = 8 ] && [ $(wc -l < out/results.csv) = 9 ]'
# Each point's report is what vmlab replay prints for that point's arguments, run here from the
# spec's directory (the order: trace, cpu, pages; paging 4 is the only level).
p=0
for t in gen:random:footprint=256M,count=100K,seed=1 z.vmt; do
  for c in skylake zen4; do
    for pg in "--pages 4k" "--thp always"; do
      want=$(cd sub && "$bin" replay "$t" --cpu "$c" --paging 4 $pg --cpus 1 --json)
      got=$(sed -n "$((p + 1))p" out/results.jsonl | sed 's/^{"point":[0-9]*,.*,"replay":\(.*\)}$/\1/')
      check "point $p is replay $t --cpu $c $pg" '[ "$want" = "$got" ]'
      p=$((p + 1))
    done
  done
done
check "point 5's axis values" 'sed -n 6p out/results.jsonl | grep -q "^{\"point\":5,\"trace\":\"z.vmt\",\"cpu\":\"skylake\",\"pages\":\"thp:always\",\"paging\":\"4\","'
# The CSV: every row as wide as the header, and its records column equals the report's.
if command -v python3 > /dev/null; then
  check "csv rows and values" 'python3 - out/results.csv out/results.jsonl <<"P"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
head, body = rows[0], rows[1:]
assert head[:5] == ["point", "trace", "cpu", "pages", "paging"], head[:5]
assert all(len(r) == len(head) for r in body)
col = head.index("report.records")
for r, line in zip(body, open(sys.argv[2])):
    assert int(r[col]) == json.loads(line)["replay"]["report"]["records"]
P'
fi

# Determinism: one job at a time gives the same bytes; resume runs only what is missing.
"$bin" sweep sub/grid.spec -o one --jobs 1 --quiet 2>/dev/null
check "--jobs 1 = --jobs 2" 'cmp -s one/results.csv out/results.csv && cmp -s one/results.jsonl out/results.jsonl'
rm one/points/6.json
"$bin" sweep sub/grid.spec -o one 2> err
check "resume runs the missing point" 'grep -q "7 points already had a report" err && [ -f one/points/6.json ]'
check "resume: same bytes" 'cmp -s one/results.csv out/results.csv'

# A point that fails: the others run, its error is shown, exit 1, then only it runs again.
printf 'trace gen:seq:footprint=1M,count=1K missing.vmt\n' > bad.spec
"$bin" sweep bad.spec -o bad 2> err; rc=$?
check "a failed point: exit 1" '[ $rc = 1 ] && grep -q "point 1 failed (exit 1): vmlab: replay: missing.vmt: cannot open" err'
check "a failed point: the other is kept" '[ -f bad/points/0.json ] && [ ! -f bad/results.csv ]'
"$bin" sweep merge bad > /dev/null 2> err; rc=$?
check "merge names the missing point" '[ $rc = 1 ] && grep -q "point 1 has no report" err'
"$bin" sweep sub/grid.spec -o bad 2> err; rc=$?
check "another spec's directory is refused" '[ $rc = 2 ] && grep -q "holds the results of another spec" err'

# Spec errors name the file, line and column.
printf 'trace gen:seq\npaging 4 6\n' > e1.spec
"$bin" sweep e1.spec -o e 2> err; rc=$?
check "paging 6: line 2 col 10" '[ $rc = 2 ] && grep -q "e1.spec:2:10: paging 6: expected 4 or 5" err'
printf 'cpu skylake\n' > e2.spec
"$bin" sweep e2.spec -o e 2> err; rc=$?
check "no trace" '[ $rc = 2 ] && grep -q "no trace: add a line" err'

# The same grid as a Slurm job array: 3 tasks of 3 points, run by a real slurmctld and slurmd.
cluster=$tmp/cluster; mkdir "$cluster"
"$top/scripts/slurm-local.sh" start "$cluster" > slurm.env 2> slurm.err; rc=$?
if [ $rc != 0 ]; then
  cat slurm.err
  [ $rc = 77 ] && [ $fail = 0 ] && { echo "SKIP: Slurm not checked: $(tail -1 slurm.err)"; exit 77; }
  echo "FAIL: a one-node Slurm did not start"; exit 1
fi
export SLURM_CONF=$cluster/slurm.conf
"$bin" sweep sub/grid.spec --slurm sl --chunk 3 > sl.out
check "--slurm: 3 array tasks" 'grep -q "8 points in 3 array tasks of 3" sl.out && grep -q "^#SBATCH --array=0-2$" sl/sweep.sbatch'
jid=$(sbatch --parsable sl/sweep.sbatch)
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$jid" 2>/dev/null)" ] && break
  sleep 0.5
done
check "the array finished" '[ -z "$(squeue -h -j "$jid" 2>/dev/null)" ]'
"$bin" sweep merge sl 2>/dev/null
check "Slurm = local, byte for byte" 'cmp -s sl/results.csv out/results.csv && cmp -s sl/results.jsonl out/results.jsonl'
[ $fail = 0 ] || { echo "slurm task logs:"; cat sl/slurm/*.out 2>/dev/null; }
exit $fail
