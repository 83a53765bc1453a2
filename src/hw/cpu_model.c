/* hw/cpu_model.c: CPU model presets, their validation and their description.
 *
 * The presets carry the TLB geometries of ../shared/reference/tlb-geometries.md, figure by
 * figure; docs/cpu.md explains each one, which are approximate and why. Page-walk-cache sizes
 * are not published by any vendor: every preset uses ChampSim's defaults (PML5E 2, PML4E 4,
 * PDPTE 8, PDE 32). Latencies follow the seed article and ChampSim (L1 hit 1 cycle, STLB 8,
 * walk start 5, 24 per page-table reference: a full 4-level walk costs 110 cycles).
 * Parsing spec strings lives in cpu_spec.c.
 */
#include "vmlab/cpu.h"

#include "util/diag.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS4K VML_PS_BIT(VML_PS_4K)
#define PS2M VML_PS_BIT(VML_PS_2M)
#define PS1G VML_PS_BIT(VML_PS_1G)

#define ARRAY(s, w, sz, ap)                                                                        \
    {                                                                                              \
        .sets = (s), .ways = (w), .sizes = (sz), .approx = (ap)                                    \
    }
#define FULL(n, sz, ap) ARRAY(1, n, sz, ap) /* fully associative: one set */

#define ARRAY_ENTRIES_MAX 65536u
#define PWC_ENTRIES_MAX   4096u
#define LATENCY_MAX       100000u

/* Defaults shared by every preset (see the file comment for their sources). */
#define PWC_DEFAULTS                                                                               \
    .pwc_entries = { 2, 4, 8, 32 }, .pwc_ways = { 0, 0, 0, 4 },                                    \
    .lat = { .l1_hit = 1, .stlb_hit = 8, .walk = 5, .ref = 24 }, .pcid = true, .pdpe1gb = true,    \
    .smep = true, .smap = true

static const struct vml_cpu_model presets[] = {
    {
        .name = "skylake",
        .description = "Intel Skylake (client/server core)",
        .sources = "Intel Optimization Reference Manual 248966, Skylake TLB table; "
                   "WikiChip \"Skylake (client)\"",
        .tlb[VML_TLB_L1D] = { 3,
                              { ARRAY(16, 4, PS4K, false), ARRAY(8, 4, PS2M, true),
                                FULL(4, PS1G, false) } },
        .tlb[VML_TLB_L1I] = { 2, { ARRAY(16, 8, PS4K, false), FULL(8, PS2M, false) } },
        .tlb[VML_TLB_STLB] = { 2, { ARRAY(128, 12, PS4K | PS2M, false), ARRAY(4, 4, PS1G, true) } },
        .walkers = 2,
        .la57 = false,
        PWC_DEFAULTS,
    },
    {
        .name = "icelake",
        .description = "Intel Ice Lake (Sunny Cove core)",
        .sources = "Intel Optimization Reference Manual, Ice Lake client chapter; "
                   "WikiChip \"Sunny Cove\"",
        .tlb[VML_TLB_L1D] = { 3,
                              { ARRAY(16, 4, PS4K, false), ARRAY(8, 4, PS2M, true),
                                FULL(8, PS1G, true) } },
        .tlb[VML_TLB_L1I] = { 2, { ARRAY(16, 8, PS4K, false), FULL(16, PS2M, true) } },
        .tlb[VML_TLB_STLB] = { 2,
                               { ARRAY(128, 16, PS4K | PS2M, false), ARRAY(128, 8, PS1G, true) } },
        .walkers = 2,
        .la57 = true,
        PWC_DEFAULTS,
    },
    {
        .name = "sapphirerapids",
        .description = "Intel Sapphire Rapids (Golden Cove core)",
        .sources = "perf-book (Bakhvalov), \"Modern CPU design\", TLB hierarchy, citing Intel's "
                   "manual",
        .tlb[VML_TLB_L1D] = { 2, { ARRAY(16, 6, PS4K, true), ARRAY(8, 4, PS2M, true) } },
        .tlb[VML_TLB_L1I] = { 2, { ARRAY(32, 8, PS4K, true), FULL(32, PS2M, true) } },
        .tlb[VML_TLB_STLB] = { 1, { ARRAY(128, 16, PS4K | PS2M, true) } },
        .walkers = 4,
        .la57 = true,
        PWC_DEFAULTS,
    },
    {
        .name = "zen2",
        .description = "AMD Zen 2 (Ryzen 3000, EPYC 7002)",
        .sources = "WikiChip \"Zen 2\"; 7-cpu.com Zen 2",
        .tlb[VML_TLB_L1D] = { 1, { FULL(64, PS4K | PS2M | PS1G, false) } },
        .tlb[VML_TLB_L1I] = { 1, { FULL(64, PS4K | PS2M | PS1G, false) } },
        .tlb[VML_TLB_L2I] = { 1, { ARRAY(64, 8, PS4K | PS2M, false) } },
        .tlb[VML_TLB_STLB] = { 1, { ARRAY(128, 16, PS4K | PS2M, true) } },
        .walkers = 2,
        .la57 = false,
        PWC_DEFAULTS,
    },
    {
        .name = "zen3",
        .description = "AMD Zen 3 (Ryzen 5000, EPYC 7003)",
        .sources = "CPUID leaves 0x80000005/6 read on a Zen 3 machine; AnandTech Zen 3 deep dive",
        .tlb[VML_TLB_L1D] = { 1, { FULL(64, PS4K | PS2M, false) } },
        .tlb[VML_TLB_L1I] = { 1, { FULL(64, PS4K | PS2M, false) } },
        .tlb[VML_TLB_L2I] = { 1, { ARRAY(64, 8, PS4K | PS2M, true) } },
        .tlb[VML_TLB_STLB] = { 1, { ARRAY(256, 8, PS4K | PS2M, true) } },
        .walkers = 6,
        .la57 = false,
        PWC_DEFAULTS,
    },
    {
        .name = "zen4",
        .description = "AMD Zen 4 (Ryzen 7000, EPYC 9004)",
        .sources = "AMD Software Optimization Guide, family 19h model 10h+ (pub. 57647)",
        .tlb[VML_TLB_L1D] = { 1, { FULL(72, PS4K | PS2M | PS1G, true) } },
        .tlb[VML_TLB_L1I] = { 1, { FULL(64, PS4K | PS2M, true) } },
        .tlb[VML_TLB_L2I] = { 1, { ARRAY(64, 8, PS4K | PS2M, true) } },
        .tlb[VML_TLB_STLB] = { 1, { ARRAY(256, 12, PS4K | PS2M, true) } },
        .walkers = 6,
        .la57 = true,
        PWC_DEFAULTS,
    },
};

#define NR_PRESETS (sizeof(presets) / sizeof(presets[0]))

size_t vml_cpu_preset_count(void)
{
    return NR_PRESETS;
}

/* Returns preset i, or NULL when i is out of range. */
const struct vml_cpu_model *vml_cpu_preset(size_t i)
{
    return i < NR_PRESETS ? &presets[i] : NULL;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive equality of two NUL-terminated strings (no locale involved). */
static bool name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
    return *a == *b;
}

const struct vml_cpu_model *vml_cpu_preset_find(const char *name)
{
    for (size_t i = 0; name && i < NR_PRESETS; i++)
        if (name_eq(name, presets[i].name))
            return &presets[i];
    return NULL;
}

const char *vml_tlb_level_name(enum vml_tlb_level l)
{
    static const char *names[VML_TLB_NR_LEVELS] = { "L1 dTLB", "L1 iTLB", "L2 iTLB", "STLB" };
    return (unsigned)l < VML_TLB_NR_LEVELS ? names[l] : "?";
}

const char *vml_tlb_level_key(enum vml_tlb_level l)
{
    static const char *keys[VML_TLB_NR_LEVELS] = { "l1d", "l1i", "l2i", "stlb" };
    return (unsigned)l < VML_TLB_NR_LEVELS ? keys[l] : "?";
}

const char *vml_pwc_name(enum vml_pwc_level l)
{
    static const char *names[VML_PWC_NR] = { "PML5E", "PML4E", "PDPTE", "PDE" };
    return (unsigned)l < VML_PWC_NR ? names[l] : "?";
}

/* ---- validation ------------------------------------------------------------------------- */

/* Checks one array of a level; 0 or VML_EINVAL with diag naming level and array. */
static int validate_array(enum vml_tlb_level l, unsigned i, const struct vml_tlb_array_geom *a,
                          unsigned seen, struct vml_diag *diag)
{
    const char *name = vml_tlb_level_name(l);
    uint64_t entries = (uint64_t)a->sets * a->ways;
    if (a->sets == 0 || a->ways == 0) {
        diag_set(diag, 0, 0, "%s array %u: %u sets x %u ways (both must be at least 1)", name,
                 i + 1, a->sets, a->ways);
        return VML_EINVAL;
    }
    if (entries > ARRAY_ENTRIES_MAX) {
        diag_set(diag, 0, 0, "%s array %u: %llu entries (at most %u)", name, i + 1,
                 (unsigned long long)entries, ARRAY_ENTRIES_MAX);
        return VML_EINVAL;
    }
    if (a->sizes == 0 || (a->sizes & ~(PS4K | PS2M | PS1G))) {
        diag_set(diag, 0, 0,
                 "%s array %u: page-size mask 0x%x (need a non-empty set of 4K, 2M, 1G)", name,
                 i + 1, a->sizes);
        return VML_EINVAL;
    }
    for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
        if (a->sizes & seen & VML_PS_BIT(ps)) {
            diag_set(diag, 0, 0,
                     "%s: page size %s is held by two arrays (each size in one at most)", name,
                     vml_ps_name((enum vml_page_size)ps));
            return VML_EINVAL;
        }
    }
    return 0;
}

static int validate_level(enum vml_tlb_level l, const struct vml_tlb_level_geom *g,
                          struct vml_diag *diag)
{
    unsigned seen = 0;
    if (g->nr_arrays > VML_TLB_MAX_ARRAYS) {
        diag_set(diag, 0, 0, "%s: %u arrays (at most %d)", vml_tlb_level_name(l), g->nr_arrays,
                 VML_TLB_MAX_ARRAYS);
        return VML_EINVAL;
    }
    if (g->nr_arrays == 0 && (l == VML_TLB_L1D || l == VML_TLB_L1I)) {
        diag_set(diag, 0, 0, "%s: missing (a CPU needs an L1 dTLB and an L1 iTLB)",
                 vml_tlb_level_name(l));
        return VML_EINVAL;
    }
    for (unsigned i = 0; i < g->nr_arrays; i++) {
        int r = validate_array(l, i, &g->arr[i], seen, diag);
        if (r)
            return r;
        seen |= g->arr[i].sizes;
    }
    return 0;
}

/* Checks the page-walk caches and the cost model. */
static int validate_costs(const struct vml_cpu_model *m, struct vml_diag *diag)
{
    const uint32_t lat[4] = { m->lat.l1_hit, m->lat.stlb_hit, m->lat.walk, m->lat.ref };
    for (unsigned p = 0; p < VML_PWC_NR; p++) {
        if (m->pwc_entries[p] > PWC_ENTRIES_MAX) {
            diag_set(diag, 0, 0, "PWC %s: %u entries (at most %u)",
                     vml_pwc_name((enum vml_pwc_level)p), m->pwc_entries[p], PWC_ENTRIES_MAX);
            return VML_EINVAL;
        }
        uint32_t ways = m->pwc_ways[p];
        if (ways && (ways > m->pwc_entries[p] || m->pwc_entries[p] % ways)) {
            diag_set(diag, 0, 0, "PWC %s: %u entries is not a multiple of %u ways",
                     vml_pwc_name((enum vml_pwc_level)p), m->pwc_entries[p], ways);
            return VML_EINVAL;
        }
    }
    for (unsigned i = 0; i < 4; i++) {
        if (lat[i] > LATENCY_MAX) {
            diag_set(diag, 0, 0, "latency: %u cycles (each figure at most %u)", lat[i],
                     LATENCY_MAX);
            return VML_EINVAL;
        }
    }
    return 0;
}

int vml_cpu_model_validate(const struct vml_cpu_model *m, struct vml_diag *diag)
{
    if (!memchr(m->name, 0, sizeof(m->name)) ||
        !memchr(m->description, 0, sizeof(m->description)) ||
        !memchr(m->sources, 0, sizeof(m->sources))) {
        diag_set(diag, 0, 0, "model name, description or sources is not NUL-terminated");
        return VML_EINVAL;
    }
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        int r = validate_level((enum vml_tlb_level)l, &m->tlb[l], diag);
        if (r)
            return r;
    }
    return validate_costs(m, diag);
}

/* ---- description ------------------------------------------------------------------------ */

/* A growing string; oom latches so callers check once at the end. */

/* Writes a page-size mask as "4K+2M" into buf (at least 9 bytes). */
static const char *sizes_text(unsigned sizes, char *buf)
{
    buf[0] = 0;
    for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
        if (sizes & VML_PS_BIT(ps)) {
            if (buf[0])
                strcat(buf, "+");
            strcat(buf, vml_ps_name((enum vml_page_size)ps));
        }
    }
    return buf;
}

/* Index of the array of g holding page size ps, or -1. */
static int array_of(const struct vml_tlb_level_geom *g, unsigned ps)
{
    for (unsigned i = 0; i < g->nr_arrays && i < VML_TLB_MAX_ARRAYS; i++)
        if (g->arr[i].sizes & VML_PS_BIT(ps))
            return (int)i;
    return -1;
}

/* One line per array, then one per page size the level does not hold:
 *   "  L1 dTLB  4K          64 entries     16 sets x 4 ways"
 *   "           1G       cached as 2M entries" */
static void describe_level(struct vml_text *b, enum vml_tlb_level l,
                           const struct vml_tlb_level_geom *g)
{
    char sz[16];
    if (g->nr_arrays == 0)
        return; /* absent: Intel has no L2 iTLB, fetches go to the unified STLB */
    for (unsigned i = 0; i < g->nr_arrays && i < VML_TLB_MAX_ARRAYS; i++) {
        const struct vml_tlb_array_geom *a = &g->arr[i];
        text_printf(b, "  %-7s  %-8s %5llu entries  ", i ? "" : vml_tlb_level_name(l),
                    sizes_text(a->sizes, sz), (unsigned long long)a->sets * a->ways);
        if (a->sets == 1)
            text_printf(b, "   fully associative");
        else
            text_printf(b, "%5u sets x %u way%s", a->sets, a->ways, a->ways == 1 ? "" : "s");
        text_printf(b, "%s\n", a->approx ? "  (approximate)" : "");
    }
    for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
        int as = -1;
        if (array_of(g, ps) >= 0)
            continue;
        for (unsigned s = 0; s < ps; s++)
            if (array_of(g, s) >= 0)
                as = (int)s;
        text_printf(b, "  %-7s  %-8s %s%s%s\n", "", vml_ps_name((enum vml_page_size)ps),
                    as < 0 ? "not cached" : "cached as ",
                    as < 0 ? "" : vml_ps_name((enum vml_page_size)as), as < 0 ? "" : " entries");
    }
}

/* "L1 dTLB 256 KiB (4K) / 64 MiB (2M) / 4 GiB (1G)": entries x page size, per size held. */
static void describe_reach(struct vml_text *b, enum vml_tlb_level l,
                           const struct vml_tlb_level_geom *g)
{
    char size[32];
    const char *sep = " ";
    text_printf(b, "%s", vml_tlb_level_name(l));
    for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
        int i = array_of(g, ps);
        if (i < 0)
            continue;
        uint64_t entries = (uint64_t)g->arr[i].sets * g->arr[i].ways;
        vml_format_size(entries << vml_ps_shift((enum vml_page_size)ps), size, sizeof(size));
        text_printf(b, "%s%s (%s)", sep, size, vml_ps_name((enum vml_page_size)ps));
        sep = " / ";
    }
}

static void describe_costs(struct vml_text *b, const struct vml_cpu_model *m)
{
    const struct vml_latency *t = &m->lat;
    uint64_t walk4 = (uint64_t)t->l1_hit + t->stlb_hit + t->walk + 4ull * t->ref;
    text_printf(b, "  PWC     ");
    for (unsigned p = 0; p < VML_PWC_NR; p++) {
        uint32_t n = m->pwc_entries[p], w = m->pwc_ways[p];
        text_printf(b, " %s %u", vml_pwc_name((enum vml_pwc_level)p), n);
        if (n && w && w < n)
            text_printf(b, " %u-way", w);
        else if (n)
            text_printf(b, " full");
        text_printf(b, "%s", p + 1 < VML_PWC_NR ? "," : " (entries, LRU)\n");
    }
    text_printf(b,
                "  latency  L1 hit %u, STLB +%u, walk +%u, +%u per page-table reference (cycles); "
                "full 4-level walk %llu",
                t->l1_hit, t->stlb_hit, t->walk, t->ref, (unsigned long long)walk4);
    if (m->la57)
        text_printf(b, ", 5-level %llu", (unsigned long long)(walk4 + t->ref));
    text_printf(b, "\n");
}

static const char *yes_no(bool v)
{
    return v ? "yes" : "no";
}

/* Length of a char array's string, not reading past the array. */
static int bounded_len(const char *s, size_t max)
{
    const char *end = memchr(s, 0, max);
    return (int)(end ? (size_t)(end - s) : max);
}

/* Returns the text of `vmlab cpu show` (layout in docs/cpu.md), malloc'd; NULL on host OOM. */
char *vml_cpu_model_describe(const struct vml_cpu_model *m)
{
    struct vml_text b = { 0 };
    text_printf(&b, "%.*s: %.*s\n", bounded_len(m->name, sizeof(m->name)), m->name,
                bounded_len(m->description, sizeof(m->description)), m->description);
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++)
        describe_level(&b, (enum vml_tlb_level)l, &m->tlb[l]);
    describe_costs(&b, m);
    text_printf(&b,
                "  features PCID %s, 5-level paging %s, 1 GiB pages %s, SMEP %s, SMAP %s, "
                "%u page walker%s\n",
                yes_no(m->pcid), yes_no(m->la57), yes_no(m->pdpe1gb), yes_no(m->smep),
                yes_no(m->smap), m->walkers, m->walkers == 1 ? "" : "s");
    text_printf(&b, "  reach    ");
    describe_reach(&b, VML_TLB_L1D, &m->tlb[VML_TLB_L1D]);
    if (m->tlb[VML_TLB_STLB].nr_arrays) {
        text_printf(&b, "; ");
        describe_reach(&b, VML_TLB_STLB, &m->tlb[VML_TLB_STLB]);
    }
    text_printf(&b, "\n  sources  %.*s\n", bounded_len(m->sources, sizeof(m->sources)), m->sources);
    if (b.oom) {
        vml_text_free(&b);
        return NULL;
    }
    return b.s;
}
