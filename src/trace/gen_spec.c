/* trace/gen_spec.c: generator specs: "PATTERN[:KEY=VALUE,...]" to a vml_gen_config and back.
 *
 *   random:footprint=1G,count=50M,seed=7,writes=30%
 *   zipf:footprint=256M,s=1.2          seq:stride=64,size=64          chase:footprint=64M
 *
 * Keys: base, footprint, stride, size (byte sizes: 4096, 64K, 1G, 0x7f0000000000), count
 * (decimal K = 1000, M = 10^6, G = 10^9), seed, writes (per mille, or a percentage with one
 * decimal: 30%, 2.5%), s (zipf exponent, three decimals: 0.99). stride applies to seq and
 * stride only, s to zipf only; seq's stride defaults to its size. Errors point at the key or
 * value (1-based column in the spec).
 */
#include "trace/trace_int.h"
#include "util/diag.h"

#include <stdio.h>
#include <strings.h>

static const char *const pattern_names[] = { "seq", "stride", "random", "zipf", "chase" };

enum key { K_BASE, K_FOOTPRINT, K_COUNT, K_STRIDE, K_SEED, K_WRITES, K_SIZE, K_S, NR_KEYS };
static const char *const key_names[NR_KEYS] = { "base", "footprint", "count", "stride",
                                                "seed", "writes",    "size",  "s" };

void vml_gen_defaults(enum vml_gen_pattern p, struct vml_gen_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->pattern = p;
    cfg->base = 0x7f0000000000ull;
    cfg->footprint = VML_GiB;
    cfg->count = 10000000;
    cfg->size = 8;
    cfg->stride = p == VML_GEN_STRIDE ? 4096 : cfg->size;
    cfg->seed = 1;
    cfg->write_permille = 0;
    cfg->zipf_milli = 990;
}

static bool key_applies(enum key k, enum vml_gen_pattern p)
{
    if (k == K_STRIDE)
        return p == VML_GEN_SEQ || p == VML_GEN_STRIDE;
    if (k == K_S)
        return p == VML_GEN_ZIPF;
    return true;
}

/* "D[.F]" with at most frac fraction digits, scaled by 10^frac and at most limit; returns 0, or
 * the 1-based offset of the bad character (1 when the value is above limit). */
static unsigned parse_fixed(const char *s, unsigned frac, uint64_t limit, uint64_t *out)
{
    uint64_t v = 0;
    unsigned i = 0, nd = 0, nf = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++, nd++)
        v = v < (1ull << 40) ? v * 10 + (uint64_t)(s[i] - '0') : v; /* saturates */
    if (nd == 0)
        return i + 1;
    if (s[i] == '.') {
        for (i++; s[i] >= '0' && s[i] <= '9'; i++, nf++) {
            if (nf == frac)
                return i + 1;
            v = v < (1ull << 40) ? v * 10 + (uint64_t)(s[i] - '0') : v;
        }
        if (nf == 0)
            return i + 1;
    }
    if (s[i])
        return i + 1;
    for (; nf < frac; nf++)
        v *= 10;
    if (v > limit)
        return 1;
    *out = v;
    return 0;
}

/* A count: a number with an optional decimal suffix K, M or G. */
static int parse_count(const char *s, uint64_t *out, struct vml_diag *d)
{
    char buf[80];
    size_t n = strlen(s);
    uint64_t mult = 1, v;
    if (n > 1) {
        switch (s[n - 1] | 0x20) {
        case 'k': mult = 1000; break;
        case 'm': mult = 1000000; break;
        case 'g': mult = 1000000000; break;
        default: break;
        }
    }
    if (mult > 1)
        n--;
    snprintf(buf, sizeof(buf), "%.*s", (int)n, s);
    int r = vml_parse_u64(buf, &v, d);
    if (r)
        return r;
    if (v > UINT64_MAX / mult) {
        diag_set(d, 1, 1, "count '%s' is too large", s);
        return VML_EPARSE;
    }
    *out = v * mult;
    return 0;
}

/* Parses one value into c; 0 or VML_EPARSE with d->col relative to the value. */
static int parse_value(enum key k, const char *v, struct vml_gen_config *c, struct vml_diag *d)
{
    uint64_t x = 0;
    unsigned bad;
    int r = 0;
    switch (k) {
    case K_BASE: r = vml_parse_size(v, &c->base, d); break;
    case K_FOOTPRINT: r = vml_parse_size(v, &c->footprint, d); break;
    case K_STRIDE: r = vml_parse_size(v, &c->stride, d); break;
    case K_COUNT: r = parse_count(v, &c->count, d); break;
    case K_SEED: r = vml_parse_u64(v, &c->seed, d); break;
    case K_SIZE:
        r = vml_parse_size(v, &x, d);
        if (!r && x > 65535) {
            diag_set(d, 1, 1, "size '%s' is too large (at most 65535 bytes)", v);
            return VML_EPARSE;
        }
        c->size = (unsigned)x;
        break;
    case K_WRITES: {
        size_t n = strlen(v);
        char buf[80];
        bool pct = n > 0 && v[n - 1] == '%';
        snprintf(buf, sizeof(buf), "%.*s", (int)(n - pct), v);
        bad = parse_fixed(buf, pct ? 1 : 0, 1000, &x);
        if (bad) {
            diag_set(d, 1, bad,
                     pct ? "writes '%s': expected a percentage from 0%% to 100%% with at most "
                           "one decimal, such as 30%% or 2.5%%"
                         : "writes '%s': expected writes per 1000 accesses (0 to 1000), or a "
                           "percentage such as 30%%",
                     v);
            return VML_EPARSE;
        }
        c->write_permille = (unsigned)x;
        break;
    }
    case K_S:
        bad = parse_fixed(v, 3, 1000000, &x); /* gen_check() says what the range is */
        if (bad) {
            diag_set(d, 1, bad, "s '%s': expected an exponent such as 0.99 (at most 3 decimals)",
                     v);
            return VML_EPARSE;
        }
        c->zipf_milli = (unsigned)x;
        break;
    default: break;
    }
    return r;
}

static int perr(struct vml_diag *d, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int perr(struct vml_diag *d, size_t col, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        d->file = NULL;
        d->line = 1;
        d->col = (unsigned)col;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
        va_end(ap);
    }
    return VML_EPARSE;
}

int vml_gen_parse(const char *spec, struct vml_gen_config *cfg, struct vml_diag *diag)
{
    size_t plen = strcspn(spec, ":");
    int pat = -1;
    for (int i = 0; i < 5; i++)
        if (strlen(pattern_names[i]) == plen && strncmp(spec, pattern_names[i], plen) == 0)
            pat = i;
    if (pat < 0)
        return perr(diag, 1, "unknown pattern '%.*s' (seq, stride, random, zipf or chase)",
                    (int)(plen > 40 ? 40 : plen), spec);
    struct vml_gen_config c;
    vml_gen_defaults((enum vml_gen_pattern)pat, &c);
    size_t vcol[NR_KEYS] = { 0 }; /* 1-based column of each given value */
    size_t pos = plen;
    while (spec[pos] == ':' || (spec[pos] == ',' && pos > plen)) {
        pos++;
        size_t ilen = strcspn(spec + pos, ",");
        const char *eq = memchr(spec + pos, '=', ilen);
        if (!eq)
            return perr(diag, pos + 1, "expected KEY=VALUE, got '%.*s'",
                        (int)(ilen > 40 ? 40 : ilen), spec + pos);
        size_t klen = (size_t)(eq - (spec + pos)), vpos = pos + klen + 1, vlen = ilen - klen - 1;
        size_t vc = vpos + 1; /* the value's column */
        int k = -1;
        for (int i = 0; i < NR_KEYS; i++)
            if (strlen(key_names[i]) == klen && strncmp(spec + pos, key_names[i], klen) == 0)
                k = i;
        if (k < 0)
            return perr(diag, pos + 1,
                        "unknown key '%.*s' (base, footprint, count, stride, seed, writes, "
                        "size, s)",
                        (int)(klen > 40 ? 40 : klen), spec + pos);
        if (!key_applies((enum key)k, c.pattern))
            return perr(diag, pos + 1, "%s does not apply to %s (%s)", key_names[k],
                        pattern_names[pat],
                        k == K_STRIDE ? "only to seq and stride" : "only to zipf");
        if (vcol[k])
            return perr(diag, pos + 1, "%s is given twice", key_names[k]);
        if (vlen == 0)
            return perr(diag, vc, "missing value for %s", key_names[k]);
        if (vlen > 64)
            return perr(diag, vc, "value for %s is too long", key_names[k]);
        char v[80];
        struct vml_diag d = { 0 };
        snprintf(v, sizeof(v), "%.*s", (int)vlen, spec + vpos);
        if (parse_value((enum key)k, v, &c, &d))
            return perr(diag, vc + (d.col ? d.col - 1 : 0), "%s: %s", key_names[k], d.msg);
        vcol[k] = vc;
        pos += ilen;
    }
    if (c.pattern == VML_GEN_SEQ && !vcol[K_STRIDE])
        c.stride = c.size;
    char msg[200];
    const char *badkey = gen_check(&c, msg, sizeof(msg));
    if (badkey) {
        size_t col = 1;
        for (int i = 0; i < NR_KEYS; i++)
            if (strcmp(badkey, key_names[i]) == 0 && vcol[i])
                col = vcol[i];
        return perr(diag, col, "%s", msg);
    }
    *cfg = c;
    return 0;
}

/* The longest compact_size output with its NUL: up to 20 digits and a suffix letter. */
#define COMPACT_SIZE_LEN sizeof("18446744073709551615K")

/* Writes v with the largest binary suffix that divides it exactly ("1G", "4K", "12"). */
static const char *compact_size(uint64_t v, char *buf, size_t len)
{
    static const char units[] = "KMGTPE";
    int u = -1;
    while (u < 5 && v && (v & 1023) == 0) {
        v >>= 10;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%llu", (unsigned long long)v);
    else
        snprintf(buf, len, "%llu%c", (unsigned long long)v, units[u]);
    return buf;
}

char *vml_gen_format(const struct vml_gen_config *cfg, char *buf, size_t len)
{
    char fp[COMPACT_SIZE_LEN], sz[COMPACT_SIZE_LEN], st[sizeof(",stride=") - 1 + COMPACT_SIZE_LEN];
    char wr[32], s[32];
    unsigned p = (unsigned)cfg->pattern;
    unsigned w = cfg->write_permille, z = cfg->zipf_milli;
    if (w % 10)
        snprintf(wr, sizeof(wr), "%u.%u%%", w / 10, w % 10);
    else
        snprintf(wr, sizeof(wr), "%u%%", w / 10);
    if (z % 1000 == 0)
        snprintf(s, sizeof(s), ",s=%u", z / 1000);
    else if (z % 100 == 0)
        snprintf(s, sizeof(s), ",s=%u.%u", z / 1000, z % 1000 / 100);
    else if (z % 10 == 0)
        snprintf(s, sizeof(s), ",s=%u.%02u", z / 1000, z % 1000 / 10);
    else
        snprintf(s, sizeof(s), ",s=%u.%03u", z / 1000, z % 1000);
    snprintf(st, sizeof(st), ",stride=%s", compact_size(cfg->stride, sz, sizeof(sz)));
    snprintf(buf, len, "%s:base=0x%llx,footprint=%s,count=%llu%s,seed=%llu,writes=%s,size=%u%s",
             p < 5 ? pattern_names[p] : "?", (unsigned long long)cfg->base,
             compact_size(cfg->footprint, fp, sizeof(fp)), (unsigned long long)cfg->count,
             key_applies(K_STRIDE, cfg->pattern) ? st : "", (unsigned long long)cfg->seed, wr,
             cfg->size, key_applies(K_S, cfg->pattern) ? s : "");
    return buf;
}
