#!/usr/bin/env bash
# explorer_test.sh VMLAB SRC BUILD: vmlab run --html in a real browser (headless Chromium driven
# by Node with puppeteer-core, installed from the npm registry into BUILD/browser, not
# committed): steps through examples/03-cow-after-fork.vml checking the shown Rss and Pss
# against vmlab run's (explorer_test.js). Exit 77 with the reason when Chromium or Node is
# missing and cannot be installed.
set -u
vmlab=${1:?usage: explorer_test.sh VMLAB SRC BUILD}
src=${2:?}
build=${3:?}
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || true
  chromium=$(command -v chromium || true)
fi
[ -n "$chromium" ] || { echo "skip: no chromium (apt-get install chromium, or set CHROMIUM)"; exit 77; }
if ! { command -v node && command -v npm; } >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 || true
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "skip: no node/npm (apt-get install nodejs npm)"; exit 77; }
dir=$build/browser
mkdir -p "$dir"
if [ ! -d "$dir/node_modules/puppeteer-core" ]; then
  (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --silent puppeteer-core@22 >/dev/null 2>&1) ||
    { echo "skip: cannot install puppeteer-core from the npm registry"; exit 77; }
fi
page=$dir/03-cow-after-fork.html
"$vmlab" run "$src/examples/03-cow-after-fork.vml" --html "$page" >/dev/null || { echo "FAIL: vmlab run --html"; exit 1; }
grep -qiE '<script[^>]+src=|<link[^>]+href=|https?://' "$page" && { echo "FAIL: the page refers to something outside itself"; exit 1; }
NODE_PATH=$dir/node_modules CHROMIUM=$chromium node "$src/tests/browser/explorer_test.js" "$vmlab" "$page" \
  "$src/examples/03-cow-after-fork.vml" "$dir/explorer.png"
