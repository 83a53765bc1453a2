#!/usr/bin/env bash
# Traces a small program with valgrind's lackey and checks the reader on the real output.
# usage: lackey_real.sh LACKEY_CHECK_BINARY [CC]
# Exit 77 (skipped) only when valgrind is not installed (scripts/bootstrap.sh installs it).
set -u
check=$1; cc=${2:-cc}
command -v valgrind >/dev/null || { echo "valgrind not installed: skipping"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/prog.c" <<'PROG'
#include <stdint.h>
#include <stdio.h>
static uint64_t array[8192]; /* 64 KiB */
int main(void)
{
    volatile uint64_t *p = array;
    for (unsigned i = 0; i < 8192; i++)
        p[i] = i; /* one 8-byte store every 8 bytes */
    printf("%p\n", (void *)array);
    return 0;
}
PROG
"$cc" -O1 -o "$work/prog" "$work/prog.c" || { echo "cannot compile the traced program"; exit 1; }
addr=$(valgrind --tool=lackey --trace-mem=yes --log-file="$work/trace.lackey" "$work/prog") ||
  { echo "valgrind failed:"; cat "$work/trace.lackey"; exit 1; }
echo "array at $addr; trace: $(wc -l < "$work/trace.lackey") lines"
"$check" "$work/trace.lackey" "$addr" 65536
