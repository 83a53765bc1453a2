/* cli/units.c: sizes as the text tables print them (see units.h). */
#include "cli/units.h"

#include <inttypes.h>
#include <stdio.h>

/* Digits of v at the end of a 24-byte buffer ending at end; returns where they start. */
static char *digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

size_t units_human(char *buf, size_t n, uint64_t v)
{
    static const char sfx[] = " KMGTPE";
    if (v < 1024)
        return (size_t)snprintf(buf, n, "%" PRIu64, v);
    if (v >> 53) {
        /* Beyond a double's exact integers the size is the double nearest to v: printf it. */
        double x = (double)v;
        unsigned k = 0;
        while (x >= 1024 && k < 6) {
            x /= 1024;
            k++;
        }
        return (size_t)snprintf(buf, n, "%.1f%c", x, sfx[k]);
    }
    unsigned k = 1;
    while (v >> (10 * (k + 1)))
        k++;
    /* v / 1024^k in tenths, rounded to nearest with ties to even, as printf rounds the exact
     * quotient (dividing by a power of two is exact in a double). v < 2^53, so 10 v fits. */
    unsigned shift = 10 * k;
    uint64_t t = v * 10, q = t >> shift, rem = t & ((1ull << shift) - 1),
             half = 1ull << (shift - 1);
    if (rem > half || (rem == half && (q & 1)))
        q++;
    char tmp[24], *end = tmp + sizeof(tmp);
    *--end = sfx[k];
    *--end = (char)('0' + q % 10);
    *--end = '.';
    char *s = digits(end, q / 10);
    size_t len = (size_t)(tmp + sizeof(tmp) - s);
    if (n) {
        size_t m = len < n - 1 ? len : n - 1;
        for (size_t i = 0; i < m; i++)
            buf[i] = s[i];
        buf[m] = 0;
    }
    return len;
}
