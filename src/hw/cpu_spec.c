/* hw/cpu_spec.c: parsing CPU model spec strings, "PRESET[:KEY=VALUE[,KEY=VALUE...]]".
 *
 * A spec starts from a preset and changes fields item by item, left to right (a later item
 * wins). Keys, values and their limits are listed in cpu.h and docs/cpu.md. Every error is a
 * VML_EPARSE with diag->line 1 and diag->col the 1-based byte column of the offending key or
 * value. The parser reads the spec as bytes and never past its NUL: it is fuzzed
 * (tests/fuzz/fuzz_cpu_spec.c).
 *
 * Steps:
 *   1. the preset name, up to ':' or the end
 *   2. each item, split at ',': KEY=VALUE, then by key group (TLB level, pwc, lat, flag)
 *   3. the L1 levels must still exist; then vml_cpu_model_validate as a backstop
 */
#include "vmlab/cpu.h"

#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SHOW 40 /* at most this many bytes of user text are quoted in a message */

/* A piece of the spec: not NUL-terminated. */
struct span {
    const char *s;
    size_t n;
};

struct parser {
    const char *spec;                        /* the whole spec, for columns */
    struct vml_cpu_model m;                  /* the model being built */
    const char *level_at[VML_TLB_NR_LEVELS]; /* last item that changed each level, or NULL */
    struct vml_diag *diag;
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive comparison of a span with a word. */
static bool span_is(struct span x, const char *word)
{
    size_t n = strlen(word);
    if (x.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)x.s[i]) != word[i])
            return false;
    return true;
}

static struct span span_to(const char *s, const char *end)
{
    struct span x = { s, (size_t)(end - s) };
    return x;
}

/* Quoting length of a span in messages. */
static int shown(struct span x)
{
    return (int)(x.n < SHOW ? x.n : SHOW);
}

/* Fills diag with the column of at and the message; returns VML_EPARSE. */
__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, const char *at,
                                                      const char *fmt, ...)
{
    char msg[sizeof(p->diag->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* The words quoted in msg come from the user: show a byte that is not printable ASCII as
     * \xNN, so a message never carries raw control or non-UTF-8 bytes to a terminal. */
    char safe[sizeof(msg)];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)msg; *c && n + 5 < sizeof(safe); c++) {
        if (*c >= 0x20 && *c < 0x7f)
            safe[n++] = (char)*c;
        else
            n += (size_t)snprintf(safe + n, sizeof(safe) - n, "\\x%02x", *c);
    }
    safe[n] = '\0';
    diag_set(p->diag, 1, (unsigned)(at - p->spec) + 1u, "%s", safe);
    return VML_EPARSE;
}

/* Parses a decimal number of at most max. Returns 0, 1 if x is not a decimal number, 2 if it
 * is larger than max. */
static int parse_dec(struct span x, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (x.n == 0)
        return 1;
    for (size_t i = 0; i < x.n; i++) {
        if (x.s[i] < '0' || x.s[i] > '9')
            return 1;
        if (v <= max)
            v = v * 10 + (uint64_t)(x.s[i] - '0'); /* stops growing once past max */
    }
    if (v > max)
        return 2;
    *out = (uint32_t)v;
    return 0;
}

/* ---- TLB levels: LEVEL.SIZES=GEOM --------------------------------------------------------- */

static const char sizes_help[] = "use 4k, 2m, 1g joined by '+', or all";

/* Parses SIZES: "all", or 4k, 2m, 1g joined by '+', each at most once. */
static int parse_sizes(struct parser *p, struct span x, const char *key, unsigned *out)
{
    unsigned mask = 0;
    if (span_is(x, "all")) {
        *out = VML_PS_BIT(VML_PS_COUNT) - 1u;
        return 0;
    }
    const char *s = x.s, *end = x.s + x.n;
    for (;;) {
        const char *plus = memchr(s, '+', (size_t)(end - s));
        struct span tok = span_to(s, plus ? plus : end);
        unsigned ps = span_is(tok, "4k") ? 0 : span_is(tok, "2m") ? 1 : span_is(tok, "1g") ? 2 : 3;
        if (tok.n == 0)
            return fail(p, s, "missing page size in key '%s' (%s)", key, sizes_help);
        if (ps == 3)
            return fail(p, s, "unknown page size '%.*s' in key '%s' (%s)", shown(tok), tok.s, key,
                        sizes_help);
        if (mask & VML_PS_BIT(ps))
            return fail(p, s, "page size '%.*s' given twice in key '%s'", shown(tok), tok.s, key);
        mask |= VML_PS_BIT(ps);
        if (!plus)
            break;
        s = plus + 1;
    }
    *out = mask;
    return 0;
}

#define TLB_GEOM_HELP "use ENTRIESxWAYS, ENTRIESxfull or none, e.g. 64x4"
#define PWC_GEOM_HELP "use N, NxWAYS, Nxfull or none with N 1..4096, e.g. 32x4"

/* Parses GEOM: ENTRIESxWAYS, ENTRIESxfull or none (entries 0); entries at most max; accepted is
 * the help the messages end with. */
static int parse_geom(struct parser *p, struct span v, uint32_t max, const char *accepted,
                      uint32_t *entries, uint32_t *ways)
{
    const char *x = v.s;
    while (x < v.s + v.n && lower((unsigned char)*x) != 'x')
        x++;
    *entries = *ways = 0;
    if (span_is(v, "none"))
        return 0;
    if (x == v.s + v.n)
        return fail(p, v.s, "'%.*s' is not a geometry (%s)", shown(v), v.s, accepted);
    struct span e = span_to(v.s, x), w = span_to(x + 1, v.s + v.n);
    int r = parse_dec(e, max, entries);
    if (r || *entries == 0)
        return fail(p, v.s, "'%.*s': the number of entries must be 1..%u (%s)", shown(v), v.s, max,
                    accepted);
    if (span_is(w, "full")) {
        *ways = *entries;
        return 0;
    }
    r = parse_dec(w, 65536, ways);
    if (r || *ways == 0 || *ways > *entries)
        return fail(p, w.s, "'%.*s': the number of ways must be 1..%u, or full (%s)", shown(v), v.s,
                    *entries, accepted);
    if (*entries % *ways)
        return fail(p, v.s, "'%.*s': %u entries is not a multiple of %u ways", shown(v), v.s,
                    *entries, *ways);
    return 0;
}

/* Lowest page size an array holds: arrays are kept sorted by it. */
static unsigned lowest_size(const struct vml_tlb_array_geom *a)
{
    unsigned ps = 0;
    while (ps < VML_PS_COUNT - 1 && !(a->sizes & VML_PS_BIT(ps)))
        ps++;
    return ps;
}

/* Removes sizes from every array of g, dropping emptied arrays, then adds an array holding
 * sizes (unless entries is 0) and sorts the arrays by page size. Sizes stay disjoint, so a
 * level never needs more than one array per size: at most three. */
static void edit_level(struct vml_tlb_level_geom *g, unsigned sizes, uint32_t entries,
                       uint32_t ways)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < g->nr_arrays; i++) {
        g->arr[i].sizes = (uint8_t)(g->arr[i].sizes & ~sizes);
        if (g->arr[i].sizes)
            g->arr[kept++] = g->arr[i];
    }
    g->nr_arrays = kept;
    if (entries) {
        struct vml_tlb_array_geom a = { entries / ways, ways, (uint8_t)sizes, false };
        g->arr[g->nr_arrays++] = a;
    }
    for (unsigned i = 1; i < g->nr_arrays; i++) {
        for (unsigned j = i; j > 0 && lowest_size(&g->arr[j]) < lowest_size(&g->arr[j - 1]); j--) {
            struct vml_tlb_array_geom t = g->arr[j];
            g->arr[j] = g->arr[j - 1];
            g->arr[j - 1] = t;
        }
    }
}

/* LEVEL.SIZES=GEOM (key is the whole key, sub the SIZES part). */
static int apply_tlb(struct parser *p, enum vml_tlb_level l, struct span key, struct span sub,
                     struct span val)
{
    char name[SHOW + 1];
    unsigned sizes = 0;
    uint32_t entries = 0, ways = 0;
    snprintf(name, sizeof(name), "%.*s", shown(key), key.s);
    int r = parse_sizes(p, sub, name, &sizes);
    if (!r)
        r = parse_geom(p, val, 65536, TLB_GEOM_HELP, &entries, &ways);
    if (r)
        return r;
    edit_level(&p->m.tlb[l], sizes, entries, ways);
    p->level_at[l] = key.s;
    return 0;
}

/* ---- the other keys -------------------------------------------------------------------------- */

static int apply_pwc(struct parser *p, struct span sub, struct span val)
{
    static const char *names[VML_PWC_NR] = { "pml5", "pml4", "pdpt", "pd" };
    for (unsigned i = 0; i < VML_PWC_NR; i++) {
        if (!span_is(sub, names[i]))
            continue;
        const char *x = val.s;
        while (x < val.s + val.n && lower((unsigned char)*x) != 'x')
            x++;
        if (span_is(val, "none")) { /* no cache */
            p->m.pwc_entries[i] = p->m.pwc_ways[i] = 0;
            return 0;
        }
        if (x == val.s + val.n) { /* N: fully associative */
            if (parse_dec(val, 4096, &p->m.pwc_entries[i]))
                return fail(p, val.s,
                            "'%.*s': pwc.%s takes a number of entries, 0..4096 (0: no cache), "
                            "optionally xWAYS or xfull",
                            shown(val), val.s, names[i]);
            p->m.pwc_ways[i] = 0;
            return 0;
        }
        uint32_t entries, ways;
        int r = parse_geom(p, val, 4096, PWC_GEOM_HELP, &entries, &ways);
        if (r)
            return r;
        p->m.pwc_entries[i] = entries;
        p->m.pwc_ways[i] = ways == entries ? 0 : ways;
        return 0;
    }
    return fail(p, sub.s,
                "unknown page-walk cache '%.*s' (use pwc.pml5, pwc.pml4, pwc.pdpt, pwc.pd)",
                shown(sub), sub.s);
}

static int apply_lat(struct parser *p, struct span sub, struct span val)
{
    static const char *names[] = { "l1", "stlb", "walk", "ref" };
    uint32_t *fields[] = { &p->m.lat.l1_hit, &p->m.lat.stlb_hit, &p->m.lat.walk, &p->m.lat.ref };
    for (unsigned i = 0; i < 4; i++) {
        if (!span_is(sub, names[i]))
            continue;
        if (parse_dec(val, 100000, fields[i]))
            return fail(p, val.s, "'%.*s': lat.%s takes a number of cycles, 0..100000", shown(val),
                        val.s, names[i]);
        return 0;
    }
    return fail(p, sub.s, "unknown latency '%.*s' (use lat.l1, lat.stlb, lat.walk, lat.ref)",
                shown(sub), sub.s);
}

/* A flag key; returns false if key is not one. */
static bool apply_flag(struct parser *p, struct span key, struct span val, int *r)
{
    static const char *names[] = { "pcid", "la57", "1g", "smep", "smap" };
    bool *fields[] = { &p->m.pcid, &p->m.la57, &p->m.pdpe1gb, &p->m.smep, &p->m.smap };
    for (unsigned i = 0; i < 5; i++) {
        if (!span_is(key, names[i]))
            continue;
        if (span_is(val, "on") || span_is(val, "off"))
            *fields[i] = span_is(val, "on");
        else
            *r = fail(p, val.s, "'%.*s': %s takes on or off", shown(val), val.s, names[i]);
        return true;
    }
    return false;
}

/* Step 2: one KEY=VALUE item. */
static int parse_item(struct parser *p, struct span item)
{
    const char *eq = memchr(item.s, '=', item.n);
    if (item.n == 0)
        return fail(p, item.s, "empty item (items are KEY=VALUE separated by ',')");
    if (!eq)
        return fail(p, item.s, "'%.*s' is not KEY=VALUE", shown(item), item.s);
    struct span key = span_to(item.s, eq), val = span_to(eq + 1, item.s + item.n);
    const char *eq2 = memchr(val.s, '=', val.n);
    if (key.n == 0)
        return fail(p, item.s, "empty key before '=' in '%.*s'", shown(item), item.s);
    if (eq2)
        return fail(p, eq2,
                    "unexpected '=' in the value of '%.*s' (one KEY=VALUE per item, "
                    "items separated by ',')",
                    shown(key), key.s);
    if (val.n == 0)
        return fail(p, val.s, "missing value after '%.*s='", shown(key), key.s);
    const char *dot = memchr(key.s, '.', key.n);
    int r = 0;
    if (dot) {
        struct span group = span_to(key.s, dot), sub = span_to(dot + 1, key.s + key.n);
        for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++)
            if (span_is(group, vml_tlb_level_key((enum vml_tlb_level)l)))
                return apply_tlb(p, (enum vml_tlb_level)l, key, sub, val);
        if (span_is(group, "pwc"))
            return apply_pwc(p, sub, val);
        if (span_is(group, "lat"))
            return apply_lat(p, sub, val);
    } else if (apply_flag(p, key, val, &r)) {
        return r;
    }
    return fail(p, key.s,
                "unknown key '%.*s' (keys: l1d|l1i|l2i|stlb.SIZES, pwc.LEVEL, lat.WHAT, "
                "pcid, la57, 1g, smep, smap)",
                shown(key), key.s);
}

/* Step 1: the preset, spec[0, end). */
static int parse_preset(struct parser *p, struct span name)
{
    char list[128] = "", buf[VML_CPU_NAME_MAX];
    if (name.n > 0 && name.n < sizeof(buf)) {
        snprintf(buf, sizeof(buf), "%.*s", (int)name.n, name.s);
        const struct vml_cpu_model *m = vml_cpu_preset_find(buf);
        if (m) {
            p->m = *m;
            return 0;
        }
    }
    for (size_t i = 0; i < vml_cpu_preset_count(); i++) {
        strcat(list, i ? ", " : "");
        strcat(list, vml_cpu_preset(i)->name);
    }
    if (name.n == 0)
        return fail(p, name.s, "expected a CPU preset name (presets: %s)", list);
    return fail(p, name.s, "unknown CPU preset '%.*s' (presets: %s)%s", shown(name), name.s, list,
                memchr(name.s, '=', name.n) ? "; changes follow a ':', e.g. skylake:pcid=off" : "");
}

/* Step 3: what only the whole spec can break. */
static int check_result(struct parser *p)
{
    struct vml_diag vd = { 0 };
    for (unsigned l = VML_TLB_L1D; l <= VML_TLB_L1I; l++) {
        if (p->m.tlb[l].nr_arrays == 0)
            return fail(p, p->level_at[l] ? p->level_at[l] : p->spec,
                        "this leaves the %s empty; a CPU needs one (e.g. %s.4k=64x4)",
                        vml_tlb_level_name((enum vml_tlb_level)l),
                        vml_tlb_level_key((enum vml_tlb_level)l));
    }
    if (vml_cpu_model_validate(&p->m, &vd))
        return fail(p, p->spec, "%s", vd.msg);
    return 0;
}

/* Step 2 for every item after the ':'; a changed model is named PRESET*. */
static int parse_items(struct parser *p, const char *s, const char *end)
{
    for (;;) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        int r = parse_item(p, span_to(s, comma ? comma : end));
        if (r)
            return r;
        if (!comma)
            break;
        s = comma + 1;
    }
    size_t n = strlen(p->m.name);
    if (n + 1 < sizeof(p->m.name))
        memcpy(p->m.name + n, "*", 2);
    return 0;
}

int vml_cpu_model_parse(const char *spec, struct vml_cpu_model *out, struct vml_diag *diag)
{
    struct parser p = { .spec = spec ? spec : "", .diag = diag };
    const char *colon = strchr(p.spec, ':');
    const char *end = p.spec + strlen(p.spec);
    int r = parse_preset(&p, span_to(p.spec, colon ? colon : end));
    if (!r && colon)
        r = parse_items(&p, colon + 1, end);
    if (!r)
        r = check_result(&p);
    if (!r)
        *out = p.m;
    return r;
}
