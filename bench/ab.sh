#!/usr/bin/env bash
# ab.sh: A/B timing of two revisions in one process (this VM's times swing by 2x within
# minutes; alternating chunks in one process exposes both builds to the same load). Builds each
# revision's libvmlab (release flags), renames its symbols A_... or B_..., links both into a
# driver from bench/ab/ and runs it:
#   mmu     the translation path (bench/ab/ab_mmu.c)   ARGS: [a|b|c] [CHUNK] [CHUNKS] [CPU]
#   replay  trace replay (bench/ab/ab_replay.c)        ARGS: [GENERATOR] [CHUNKS] [NODES]
#   pressure  bench_pressure's touches (bench/ab/ab_pressure.c)  ARGS: [RAM_MIB] [ROUNDS]
# Usage: bench/ab.sh mmu|replay|pressure REV_A REV_B [ARGS...]
set -eu
[ $# -ge 3 ] && { [ "$1" = mmu ] || [ "$1" = replay ] || [ "$1" = pressure ]; } ||
  { echo "usage: $0 mmu|replay|pressure REV_A REV_B [ARGS...]"; exit 2; }
driver=$1
shift
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
  # the library's objects from the build tree (ar x would lose those sharing a file name)
  find "$work/$x/build/CMakeFiles/vmlab.dir" -name '*.o' | while read -r o; do
    cp "$o" "$work/$x/obj/$(echo "${o#"$work/$x/build/CMakeFiles/vmlab.dir/"}" | tr / _)"
  done
  nm --defined-only "$work/$x"/obj/*.o | awk -v p="${x}_" 'NF == 3 && $2 ~ /[TDBRC]/ {print $3, p $3}' \
    | sort -u > "$work/$x.map"
  for o in "$work/$x"/obj/*.o; do objcopy --redefine-syms="$work/$x.map" "$o"; done
  ar rcs "$work/lib$x.a" "$work/$x"/obj/*.o
done
shift 2
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -I"$top/include" "$top/bench/ab/ab_$driver.c" \
    "$work/libA.a" "$work/libB.a" -lzstd -llzma -lz -lm -o "$work/ab_$driver"
if [ "$driver" = mmu ]; then
  "$work/ab_mmu" "${1:-b}" "${2:-200000}" "${3:-30}" "${4:-skylake}"
elif [ "$driver" = replay ]; then
  "$work/ab_replay" "$@"
else
  "$work/ab_pressure" "$@"
fi
