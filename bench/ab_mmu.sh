#!/usr/bin/env bash
# ab_mmu.sh: A/B timing of two revisions' translation path in one process (bench/ab/ab_mmu.c:
# this VM's times swing by 2x within minutes; alternating chunks in one process exposes both
# builds to the same load). Builds each revision's libvmlab (release flags), renames its symbols
# A_... or B_..., links both into the driver and runs it.
# Usage: bench/ab_mmu.sh REV_A REV_B [STREAM a|b|c] [CHUNK] [CHUNKS] [CPU]
set -eu
[ $# -ge 2 ] || { echo "usage: $0 REV_A REV_B [a|b|c] [CHUNK] [CHUNKS] [CPU]"; exit 2; }
top=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for x in A B; do
  rev=$([ $x = A ] && echo "$1" || echo "$2")
  mkdir -p "$work/$x/src" "$work/$x/obj"
  git -C "$top" archive "$rev" | tar -x -C "$work/$x/src"
  cmake -S "$work/$x/src" -B "$work/$x/build" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DVMLAB_TESTS=OFF >/dev/null
  cmake --build "$work/$x/build" -j2 --target vmlab >/dev/null
  (cd "$work/$x/obj" && ar x "$work/$x/build/libvmlab.a")
  nm --defined-only "$work/$x"/obj/*.o | awk -v p="${x}_" 'NF == 3 && $2 ~ /[TDBRC]/ {print $3, p $3}' \
    | sort -u > "$work/$x.map"
  for o in "$work/$x"/obj/*.o; do objcopy --redefine-syms="$work/$x.map" "$o"; done
  ar rcs "$work/lib$x.a" "$work/$x"/obj/*.o
done
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -I"$top/include" "$top/bench/ab/ab_mmu.c" "$work/libA.a" "$work/libB.a" \
    -lzstd -llzma -lz -lm -o "$work/ab_mmu"
"$work/ab_mmu" "${3:-b}" "${4:-200000}" "${5:-30}" "${6:-skylake}"
