/* lackey_check.c: reads a real valgrind lackey trace and checks that it saw a program's stores.
 *
 * usage: lackey_check TRACE ADDR BYTES
 * The traced program wrote every 8 bytes of [ADDR, ADDR + BYTES). Passes (exit 0) when the
 * trace is detected as lackey, every record parses, and it holds at least BYTES / 8 writes of
 * 8 bytes inside the range (the loop's own stores; more are fine, e.g. from startup code).
 */
#include "vmlab/trace.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s TRACE ADDR BYTES\n", argv[0]);
        return 2;
    }
    uint64_t lo = strtoull(argv[2], NULL, 0), bytes = strtoull(argv[3], NULL, 0);
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    if (vml_trace_open(argv[1], VML_TRACE_AUTO, &r, &d) != 0) {
        fprintf(stderr, "%s: %s\n", argv[1], d.msg);
        return 1;
    }
    if (vml_trace_reader_format(r) != VML_TRACE_LACKEY) {
        fprintf(stderr, "%s: detected as %s, not lackey\n", argv[1],
                vml_trace_format_name(vml_trace_reader_format(r)));
        return 1;
    }
    static struct vml_trace_rec buf[4096];
    unsigned long long total = 0, kinds[3] = { 0 }, hits = 0;
    long n;
    while ((n = vml_trace_read(r, buf, 4096, &d)) > 0) {
        for (long i = 0; i < n; i++) {
            kinds[buf[i].kind]++;
            if (buf[i].kind == VML_WRITE && buf[i].size == 8 && buf[i].addr >= lo &&
                buf[i].addr + 8 <= lo + bytes)
                hits++;
        }
        total += (unsigned long long)n;
    }
    vml_trace_close(r);
    if (n < 0) {
        fprintf(stderr, "%s:%u:%u: %s\n", d.file, d.line, d.col, d.msg);
        return 1;
    }
    printf("%llu records (%llu reads, %llu writes, %llu fetches); %llu 8-byte writes in "
           "[0x%llx, +%llu)\n",
           total, kinds[VML_READ], kinds[VML_WRITE], kinds[VML_EXEC], hits, (unsigned long long)lo,
           (unsigned long long)bytes);
    if (hits < bytes / 8 || kinds[VML_EXEC] == 0 || kinds[VML_READ] == 0) {
        fprintf(stderr,
                "expected at least %llu 8-byte writes in the array, and fetches and "
                "reads\n",
                (unsigned long long)(bytes / 8));
        return 1;
    }
    return 0;
}
