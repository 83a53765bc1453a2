/* proc/memcg.c: the memory cgroup files' text (see vmlab/proc.h).
 *
 * memory.events, memory.stat and v1's memory.oom_control are printed by seq_printf as
 * "%s %lu\n" per item (mm/memcontrol.c: memory_events_show, memory_stat_format;
 * mm/memcontrol-v1.c: mem_cgroup_oom_control_read); the one-value files by
 * seq_puts_memcg_tunable ("max" for PAGE_COUNTER_MAX) or a u64 (cgroup v1's read_u64).
 * The parsers are strict: a key made of letters, digits, '_' and '.', one space, a decimal
 * number that fits in 64 bits, the end of the line. Anything else is reported with its line
 * and column, never guessed at.
 */
#include "vmlab/proc.h"

#include "util/diag.h"

#include <string.h>

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

/* Decimal digits at [*p, e) into *v; advances *p. -1 when there is none or it overflows. */
static int read_dec(const char **p, const char *e, uint64_t *v)
{
    const char *q = *p;
    uint64_t x = 0;
    for (; q < e && *q >= '0' && *q <= '9'; q++) {
        unsigned d = (unsigned)(*q - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    if (q == *p)
        return -1;
    *p = q;
    *v = x;
    return 0;
}

static int fail(struct vml_diag *d, unsigned line, const char *ls, const char *le, const char *at,
                const char *what)
{
    int len = (int)(le - ls);
    diag_set(d, line, (unsigned)(at - ls) + 1u, "%s in '%.*s'", what, len > 80 ? 80 : len, ls);
    return VML_EPARSE;
}

int vml_proc_parse_memcg_kv(const char *text, size_t len, vml_memcg_kv_fn fn, void *ctx,
                            struct vml_diag *diag)
{
    const char *p = text, *end = text + len;
    unsigned n = 0;
    while (p < end) {
        const char *ls = p, *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        p = nl ? nl + 1 : end;
        n++;
        const char *q = ls;
        while (q < le && key_char(*q))
            q++;
        if (q == ls)
            return fail(diag, n, ls, le, q, "expected a name (letters, digits, '_')");
        const char *ke = q;
        if (q == le || *q != ' ')
            return fail(diag, n, ls, le, q, "expected one space after the name");
        q++;
        uint64_t v;
        const char *vs = q;
        if (read_dec(&q, le, &v) != 0)
            return fail(diag, n, ls, le, vs, "expected a decimal number below 2^64 after the name");
        if (q != le)
            return fail(diag, n, ls, le, q, "expected the end of the line after the number");
        int r = fn ? fn(ls, (size_t)(ke - ls), v, ctx) : 0;
        if (r)
            return r;
    }
    return 0;
}

int vml_proc_parse_memcg_value(const char *text, size_t len, uint64_t *out, struct vml_diag *diag)
{
    const char *e = text + len;
    if (len && e[-1] == '\n')
        e--;
    const char *q = text;
    if (e - text == 3 && memcmp(text, "max", 3) == 0) {
        *out = UINT64_MAX; /* seq_puts_memcg_tunable: PAGE_COUNTER_MAX */
        return 0;
    }
    uint64_t v;
    if (read_dec(&q, e, &v) != 0)
        return fail(diag, 1, text, e, text, "expected a decimal number below 2^64 or 'max'");
    if (q != e)
        return fail(diag, 1, text, e, q, "expected the end of the file after the number");
    *out = v;
    return 0;
}

#define VML_MCS_NAME(id, name) name,
static const char *const stat_names[VML_MCS_N] = { VML_MEMCG_STAT_KEYS(VML_MCS_NAME) };
#undef VML_MCS_NAME
_Static_assert(VML_MCS_N <= 64, "vml_memcg_stat.have has one bit per key");

const char *vml_memcg_stat_name(enum vml_memcg_stat_key k)
{
    return (unsigned)k < VML_MCS_N ? stat_names[k] : "?";
}

struct stat_ctx {
    struct vml_memcg_stat *out;
    struct vml_diag *diag;
    unsigned line; /* the callback runs once per line, in order */
};

static int on_stat(const char *key, size_t n, uint64_t v, void *p)
{
    struct stat_ctx *c = p;
    c->line++;
    for (int k = 0; k < VML_MCS_N; k++) {
        if (strlen(stat_names[k]) != n || memcmp(stat_names[k], key, n) != 0)
            continue;
        if (c->out->have & (1ull << k)) {
            diag_set(c->diag, c->line, 1, "'%s' a second time (the kernel prints each key once)",
                     stat_names[k]);
            return VML_EPARSE;
        }
        c->out->v[k] = v;
        c->out->have |= 1ull << k;
        return 0;
    }
    return 0; /* a key vmlab does not explain */
}

int vml_proc_parse_memcg_stat(const char *text, size_t len, struct vml_memcg_stat *out,
                              struct vml_diag *diag)
{
    memset(out, 0, sizeof(*out));
    struct stat_ctx c = { out, diag, 0 };
    int r = vml_proc_parse_memcg_kv(text, len, on_stat, &c, diag);
    if (r)
        memset(out, 0, sizeof(*out)); /* a file that did not parse: none of its figures */
    return r;
}
