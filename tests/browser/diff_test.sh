#!/usr/bin/env bash
# diff_test.sh VMLAB SRC BUILD: vmlab diff --html in a real browser (headless Chromium driven by
# Node with puppeteer-core, as explorer_test.sh installs it): runs examples/03-cow-after-fork.vml
# on the simulator and on this machine's kernel (root; under the kernel lock), then steps
# through the page checking its side-by-side pane against the table vmlab diff printed, the
# faults against hand arithmetic, and the simulator's Rss and Pss against vmlab run
# (diff_test.js). Exit 77 with the reason when it cannot run here.
set -u
vmlab=${1:?usage: diff_test.sh VMLAB SRC BUILD}
src=${2:?}
build=${3:?}
[ "$(uname -s)" = Linux ] || { echo "skip: vmlab diff needs a Linux kernel"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "skip: vmlab diff needs root (it sets the THP files and drops caches)"; exit 77; }
command -v flock >/dev/null || { echo "skip: no flock (util-linux) for the kernel lock"; exit 77; }
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chromium" ] || { echo "skip: no chromium (apt-get install chromium, or set CHROMIUM)"; exit 77; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "skip: no node/npm (apt-get install nodejs npm)"; exit 77; }
dir=$build/browser
mkdir -p "$dir"
if [ ! -d "$dir/node_modules/puppeteer-core" ]; then
  (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --silent puppeteer-core@22 >/dev/null 2>&1) ||
    { echo "skip: cannot install puppeteer-core from the npm registry"; exit 77; }
fi
page=$dir/03-cow-after-fork-diff.html
table=$dir/03-cow-after-fork-diff.txt
rm -f "$page"
# Exit 0 (same) or 1 (differs) both write the page; the pane is checked against the table.
flock /tmp/vmlab-kernel.lock "$vmlab" diff "$src/examples/03-cow-after-fork.vml" --html "$page" >"$table" 2>&1
rc=$?
[ $rc -le 1 ] && [ -s "$page" ] || { echo "FAIL: vmlab diff --html exited $rc"; cat "$table"; exit 1; }
grep -qiE '<script[^>]+src=|<link[^>]+href=|https?://' "$page" && { echo "FAIL: the page refers to something outside itself"; exit 1; }
NODE_PATH=$dir/node_modules CHROMIUM=$chromium node "$src/tests/browser/diff_test.js" "$vmlab" "$page" \
  "$src/examples/03-cow-after-fork.vml" "$table" "$dir/diff.png"
