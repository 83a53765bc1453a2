/* numa_words.c: the words of NUMA settings: node and CPU lists as numactl and sysfs write them
 * ("0-3,5", "all") and memory policies as /proc/PID/numa_maps prints them (mpol_to_str:
 * "bind:0-1", "interleave=relative:0,2", "local"). */
#include "util/diag.h"
#include "vmlab/scenario.h"

#include <string.h>

/* A decimal id below max at s[*i], no sign, no leading '+'. */
static int list_id(const char *s, size_t n, size_t *i, unsigned max, const char *what,
                   unsigned *out, struct vml_diag *d)
{
    size_t start = *i;
    unsigned v = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (unsigned)(s[*i] - '0');
        if (v >= max) {
            diag_set(d, 1, (unsigned)start + 1, "%s %.*s is out of range (0 to %u)", what,
                     (int)(*i + 1 - start), s + start, max - 1);
            while (*i < n && s[*i] >= '0' && s[*i] <= '9')
                (*i)++;
            return VML_EPARSE;
        }
        (*i)++;
    }
    if (*i == start) {
        diag_set(d, 1, (unsigned)start + 1, "expected a %s number at '%.*s'", what,
                 (int)(n - start > 16 ? 16 : n - start), s + start);
        return VML_EPARSE;
    }
    *out = v;
    return 0;
}

int vml_list_parse(const char *s, size_t n, unsigned max, const char *what, uint64_t *mask,
                   struct vml_diag *d)
{
    if (max == 0 || max > 256)
        max = 256;
    memset(mask, 0, ((max + 63) / 64) * sizeof(*mask));
    if (n == 3 && memcmp(s, "all", 3) == 0) {
        for (unsigned k = 0; k < max; k++)
            mask[k / 64] |= 1ull << (k % 64);
        return 0;
    }
    if (n == 0) {
        diag_set(d, 1, 1, "empty %s list (write e.g. 0, 0-3 or 0,2)", what);
        return VML_EPARSE;
    }
    for (size_t i = 0; i < n;) {
        unsigned a, b;
        int r = list_id(s, n, &i, max, what, &a, d);
        if (r)
            return r;
        b = a;
        if (i < n && s[i] == '-') {
            i++;
            size_t at = i;
            if ((r = list_id(s, n, &i, max, what, &b, d)))
                return r;
            if (b < a) {
                diag_set(d, 1, (unsigned)at + 1, "%s range %u-%u runs backwards", what, a, b);
                return VML_EPARSE;
            }
        }
        for (unsigned k = a; k <= b; k++)
            mask[k / 64] |= 1ull << (k % 64);
        if (i == n)
            break;
        if (s[i] != ',' || i + 1 == n) {
            diag_set(d, 1, (unsigned)i + 1, "expected ',' and a %s after %.*s", what, (int)i, s);
            return VML_EPARSE;
        }
        i++;
    }
    return 0;
}

static const struct {
    const char *name;
    unsigned mode;
} modes[] = {
    { "default", VML_MPOL_DEFAULT },
    { "local", VML_MPOL_LOCAL },
    { "bind", VML_MPOL_BIND },
    { "interleave", VML_MPOL_INTERLEAVE },
    { "weighted_interleave", VML_MPOL_WEIGHTED_INTERLEAVE },
    { "prefer", VML_MPOL_PREFERRED },
    { "preferred", VML_MPOL_PREFERRED },
    { "preferred_many", VML_MPOL_PREFERRED_MANY },
};
#define MODES "default, local, bind, interleave, weighted_interleave, preferred or preferred_many"

int vml_mpol_parse(const char *s, size_t n, struct vml_mpol *out, struct vml_diag *d)
{
    memset(out, 0, sizeof(*out));
    size_t m = 0;
    while (m < n && s[m] != '=' && s[m] != ':')
        m++;
    size_t k = 0;
    while (k < sizeof(modes) / sizeof(modes[0]) &&
           !(strlen(modes[k].name) == m && memcmp(modes[k].name, s, m) == 0))
        k++;
    if (k == sizeof(modes) / sizeof(modes[0])) {
        diag_set(d, 1, 1, "unknown memory policy '%.*s' (use " MODES ")", (int)(m > 32 ? 32 : m),
                 s);
        return VML_EPARSE;
    }
    out->mode = modes[k].mode;
    size_t i = m;
    if (i < n && s[i] == '=') {
        size_t f = ++i;
        while (i < n && s[i] != ':')
            i++;
        if (i - f == 6 && memcmp(s + f, "static", 6) == 0) {
            out->flags = VML_MPOL_F_STATIC_NODES;
        } else if (i - f == 8 && memcmp(s + f, "relative", 8) == 0) {
            out->flags = VML_MPOL_F_RELATIVE_NODES;
        } else {
            diag_set(d, 1, (unsigned)f + 1,
                     "unknown policy flag '%.*s' (use =static or =relative: "
                     "MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES)",
                     (int)(i - f > 32 ? 32 : i - f), s + f);
            return VML_EPARSE;
        }
    }
    if (i == n)
        return 0;
    /* s[i] == ':': the nodes. */
    uint64_t mask[4];
    int r = vml_list_parse(s + i + 1, n - i - 1, VML_MAX_NODES, "node", mask, d);
    if (r) {
        if (d)
            d->col += (unsigned)(i + 1);
        return r;
    }
    out->nodes = (uint32_t)mask[0];
    return 0;
}
