#!/usr/bin/env bash
# bootstrap.sh: install the Debian packages vmlab needs to build and test, if missing.
# Idempotent: a machine that already has everything is left untouched (no apt-get at all).
set -euo pipefail

# package -> why
packages=(
  build-essential   # gcc 12, make
  cmake             # build system and CTest
  pkg-config        # finds cmocka
  clang             # clang 14: second compiler and libFuzzer harnesses
  libclang-rt-14-dev # clang's sanitizer and libFuzzer runtimes
  libcmocka-dev     # unit-test framework
  smem              # reads an exported simulated /proc in the smem_export test
  libzstd-dev       # zstd-compressed native traces
  liblzma-dev       # .xz ChampSim traces
  zlib1g-dev        # .gz ChampSim traces
  libjansson-dev    # vmlab sweep: replay reports (JSON) flattened into one CSV
  valgrind          # vmlab trace record (lackey), and the lackey reader's test
  python3           # live-tool tests: a pseudo-terminal of known width, JSON checks, oom_score
  gnuplot-nox       # vmlab plot: PNG and SVG pictures (no X11)
  numactl           # numastat(8): the live_numastat_linux test compares vmlab numastat to it
  chromium          # the explorer_browser test: vmlab run --html in a real (headless) browser
  nodejs            # drives it (puppeteer-core, from the npm registry into build/browser)
  npm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
