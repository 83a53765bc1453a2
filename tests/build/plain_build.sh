#!/usr/bin/env bash
# plain_build.sh SRC: the build a downstream packager or a newcomer runs, with no preset:
#   cmake -B DIR -DCMAKE_BUILD_TYPE=Release && cmake --build DIR
# from an empty directory, with the system's default compiler at CMake's Release flags (-O3).
# It must build, and warnings must not be errors there: -Werror is the project's own switch
# (VMLAB_WERROR, set by every preset), so another compiler's new warning cannot break it.
set -u
src=$1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dir=$work/build

if ! (cd "$work" && cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1); then
  cat "$work/configure.log"; echo "plain_build: configure failed"; exit 1
fi
if grep -q -- '-Werror' "$dir/compile_commands.json"; then
  grep -m 3 -o '"command": "[^"]*-Werror[^"]*"' "$dir/compile_commands.json"
  echo "plain_build: -Werror reached a build that did not ask for it (VMLAB_WERROR is off)"; exit 1
fi
if ! cmake --build "$dir" >"$work/build.log" 2>&1; then
  grep -E 'error|warning' "$work/build.log" | head -n 40
  echo "plain_build: the plain Release build failed"; exit 1
fi
grep -E 'warning:' "$work/build.log" | head -n 20 # shown, not fatal
if ! "$dir/vmlab" version >/dev/null; then
  echo "plain_build: the built vmlab does not run"; exit 1
fi
echo "plain_build: cmake -B DIR -DCMAKE_BUILD_TYPE=Release && cmake --build DIR: ok"
