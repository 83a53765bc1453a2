/* hw/tlb.c: one TLB level (see tlb.h for the entry format).
 *
 * Models the TLB organisation of SDM vol. 3A 4.10.2: a level is a few set-associative arrays,
 * each holding some page sizes, looked up in parallel (here: 4K, then 2M, then 1G). Entries are
 * tagged with a PCID (4.10.1) unless global (G = 1 in the leaf), which match every PCID and
 * survive flushes by PCID. A page size the level has no array for is "splintered" (4.10.2.3;
 * AMD calls it "smashed"): the translation is cached as one entry of the largest smaller size
 * the level holds, for the sub-page containing the address used. Replacement is LRU per set
 * (assoc.c). The MMU (mmu.c) is the only caller on the translation path.
 */
#include "hw/tlb.h"

#include "vmlab/pgtable.h"

#include <string.h>

#define KEY_PCID_MASK 0xfffull
#define KEY_VPN_BITS  45 /* va bits 56..12 */

/* Step 1 of init: checks what vml_cpu_model_validate checks for one level's arrays. */
static bool geometry_ok(const struct vml_tlb_level_geom *g)
{
    unsigned seen = 0;
    if (g->nr_arrays > VML_TLB_MAX_ARRAYS)
        return false;
    for (unsigned i = 0; i < g->nr_arrays; i++) {
        const struct vml_tlb_array_geom *a = &g->arr[i];
        unsigned all = VML_PS_BIT(VML_PS_COUNT) - 1u;
        if (a->sets == 0 || a->ways == 0 || (uint64_t)a->sets * a->ways > 65536)
            return false;
        if (a->sizes == 0 || (a->sizes & ~all) || (a->sizes & seen))
            return false;
        seen |= a->sizes;
    }
    return true;
}

/* Step 3 of init: derives array_of, fill_ps and the probe order from the arrays' sizes. */
static void plan_lookups(struct tlb_level *t)
{
    int8_t held = -1; /* largest size held so far, scanning sizes upwards */
    for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
        t->array_of[ps] = -1;
        for (unsigned i = 0; i < t->nr_arrays; i++)
            if (t->sizes[i] & VML_PS_BIT(ps))
                t->array_of[ps] = (int8_t)i;
        if (t->array_of[ps] >= 0) {
            held = (int8_t)ps;
            t->probes[t->nr_probes].array = (uint8_t)t->array_of[ps];
            t->probes[t->nr_probes].ps = (uint8_t)ps;
            t->nr_probes++;
        }
        t->fill_ps[ps] = held;
    }
}

void tlb_set_live(struct tlb_level *t)
{
    uint8_t live = 0;
    for (unsigned i = 0; i < t->nr_probes; i++)
        if (t->held[t->probes[i].array] & VML_PS_BIT(t->probes[i].ps))
            live |= (uint8_t)(1u << i);
    t->live = live;
}

int tlb_level_init(struct tlb_level *t, const struct vml_tlb_level_geom *g)
{
    memset(t, 0, sizeof(*t));
    if (!geometry_ok(g)) {
        plan_lookups(t);
        return VML_EINVAL;
    }
    /* Step 2: the arrays; on host OOM undo the ones already made. */
    for (unsigned i = 0; i < g->nr_arrays; i++) {
        if (assoc_init(&t->arr[i], g->arr[i].sets, g->arr[i].ways) != 0) {
            tlb_level_fini(t);
            return VML_EHOST;
        }
        t->sizes[i] = g->arr[i].sizes;
        t->nr_arrays = i + 1;
    }
    plan_lookups(t);
    return 0;
}

/* Frees the arrays and leaves an empty level that never hits. Safe on a zeroed level. */
void tlb_level_fini(struct tlb_level *t)
{
    for (unsigned i = 0; i < t->nr_arrays; i++)
        assoc_fini(&t->arr[i]);
    memset(t, 0, sizeof(*t));
    plan_lookups(t);
}

/* Inserts key in the array for size ps, keeping nr_global exact: a refreshed global entry is
 * not counted twice, an evicted global one is uncounted. */
static void insert_entry(struct tlb_level *t, uint64_t va, unsigned ps, uint64_t key, uint64_t val,
                         bool absent)
{
    struct assoc *a = &t->arr[t->array_of[ps]];
    uint32_t set = assoc_set(a, tlb_vpn(va, ps));
    tlb_hold(t, (unsigned)t->array_of[ps], ps);
    uint64_t old_key = 0, old_val;
    bool refresh = !absent && (key & TLB_KEY_GLOBAL) && assoc_lookup(a, set, key, &old_val);
    bool evicted = absent ? assoc_insert_absent(a, set, key, val, &old_key)
                          : assoc_insert(a, set, key, val, &old_key, NULL);
    if (evicted && (old_key & TLB_KEY_GLOBAL))
        t->nr_global--;
    if ((key & TLB_KEY_GLOBAL) && !refresh)
        t->nr_global++;
}

void tlb_fill_general(struct tlb_level *t, uint64_t va, unsigned pcid, unsigned ps, uint64_t val,
                      bool absent)
{
    if (ps >= VML_PS_COUNT || t->fill_ps[ps] < 0)
        return;
    unsigned fps = (unsigned)t->fill_ps[ps];
    if (fps != ps) {
        /* The sub-page of size fps containing va starts this many bytes into the page; the
         * pfn field (bits 12..51) is a byte address, so the offset adds to it directly. */
        uint64_t page_mask = (1ull << vml_ps_shift((enum vml_page_size)ps)) - 1;
        uint64_t sub_mask = (1ull << vml_ps_shift((enum vml_page_size)fps)) - 1;
        uint64_t pfn_bits = (val & VML_PTE_PFN_MASK) + (va & page_mask & ~sub_mask);
        val = (val & ~VML_PTE_PFN_MASK) | (pfn_bits & VML_PTE_PFN_MASK);
        t->splinters = true;
    }
    insert_entry(t, va, fps, tlb_key(va, fps, pcid, (val & VML_PTE_G) != 0), val, absent);
}

void tlb_fill(struct tlb_level *t, uint64_t va, unsigned pcid, unsigned ps, uint64_t val)
{
    tlb_fill_general(t, va, pcid, ps, val, false);
}

/* Removes key from the array for size ps; returns 1 if it was there, else 0. */
static unsigned remove_entry(struct tlb_level *t, uint64_t va, unsigned ps, uint64_t key)
{
    struct assoc *a = &t->arr[t->array_of[ps]];
    if (!assoc_remove(a, assoc_set(a, tlb_vpn(va, ps)), key))
        return 0;
    if (key & TLB_KEY_GLOBAL)
        t->nr_global--;
    return 1;
}

static unsigned key_ps(uint64_t key)
{
    return (unsigned)(key >> TLB_KEY_PS_SHIFT) & 3u;
}

static uint64_t key_vpn(uint64_t key)
{
    return (key >> 12) & ((1ull << KEY_VPN_BITS) - 1);
}

/* What a removal sweep matches, and how many global entries it removed. */
struct sweep {
    bool any_pcid;      /* match every PCID (non-global entries only unless with_global) */
    bool with_global;   /* global entries match too */
    unsigned pcid;      /* the PCID matched when !any_pcid */
    bool in_region;     /* restrict to entries of size ps inside a larger page: */
    unsigned ps;        /*   the entries' size */
    unsigned shift;     /*   vpn bits that are the offset within the larger page */
    uint64_t big_vpn;   /*   vpn of the larger page, at its own size */
    uint32_t nr_global; /* out: global entries removed */
};

static bool sweep_match(uint64_t key, uint64_t val, void *ctx)
{
    struct sweep *s = ctx;
    bool global = (key & TLB_KEY_GLOBAL) != 0;
    (void)val;
    if (s->in_region && (key_ps(key) != s->ps || (key_vpn(key) >> s->shift) != s->big_vpn))
        return false;
    if (global ? !s->with_global : (!s->any_pcid && (key & KEY_PCID_MASK) != s->pcid))
        return false;
    s->nr_global += global;
    return true;
}

/* Runs a sweep over one array; returns how many entries it removed. */
static unsigned sweep_array(struct tlb_level *t, unsigned i, struct sweep *s)
{
    size_t n = assoc_remove_if(&t->arr[i], sweep_match, s);
    t->nr_global -= s->nr_global;
    s->nr_global = 0;
    return (unsigned)n;
}

static void sweep_all(struct tlb_level *t, struct sweep *s)
{
    for (unsigned i = 0; i < t->nr_arrays; i++)
        sweep_array(t, i, s);
}

/* Removes the splinters of every size the level does not hold from the larger page of that
 * size containing va (tagged pcid, or global). Returns how many. */
static unsigned sweep_splinters(struct tlb_level *t, uint64_t va, unsigned pcid)
{
    unsigned n = 0;
    for (unsigned big = 0; big < VML_PS_COUNT; big++) {
        int8_t small = t->fill_ps[big];
        if (small < 0 || (unsigned)small == big)
            continue;
        struct sweep s = { .with_global = true,
                           .pcid = pcid & KEY_PCID_MASK,
                           .in_region = true,
                           .ps = (unsigned)small,
                           .shift = 9u * (big - (unsigned)small),
                           .big_vpn = tlb_vpn(va, big) };
        n += sweep_array(t, (unsigned)t->array_of[small], &s);
    }
    return n;
}

unsigned tlb_invlpg(struct tlb_level *t, uint64_t va, unsigned pcid)
{
    unsigned n = 0;
    /* Only the probes tlb_lookup makes can find an entry (an array holds no size it has not
     * been filled with since it was last empty): the others have nothing to remove. */
    for (unsigned live = t->live; live; live &= live - 1) {
        unsigned ps = t->probes[__builtin_ctz(live)].ps;
        n += remove_entry(t, va, ps, tlb_key(va, ps, pcid, false));
        if (t->nr_global)
            n += remove_entry(t, va, ps, tlb_key(va, ps, 0, true));
    }
    if (t->splinters)
        n += sweep_splinters(t, va, pcid);
    return n;
}

unsigned tlb_invlpg_missed(struct tlb_level *t, uint64_t va, unsigned pcid)
{
    return t->splinters ? sweep_splinters(t, va, pcid) : 0;
}

void tlb_flush_pcid(struct tlb_level *t, unsigned pcid)
{
    struct sweep s = { .pcid = pcid & KEY_PCID_MASK };
    sweep_all(t, &s);
}

void tlb_flush_all(struct tlb_level *t, bool with_global)
{
    if (with_global || t->nr_global == 0) {
        for (unsigned i = 0; i < t->nr_arrays; i++)
            assoc_clear(&t->arr[i]);
        t->nr_global = 0;
        t->splinters = false;
        return;
    }
    struct sweep s = { .any_pcid = true };
    sweep_all(t, &s);
}

/* tlb_for_each's callback and its context, passed through assoc_for_each. */
struct visit {
    tlb_entry_fn fn;
    void *ctx;
};

static int visit_entry(uint64_t key, uint64_t val, void *ctx)
{
    const struct visit *v = ctx;
    unsigned ps = key_ps(key);
    bool global = (key & TLB_KEY_GLOBAL) != 0;
    uint64_t va = key_vpn(key) << vml_ps_shift((enum vml_page_size)ps);
    /* Keys keep va bits 56..12; canonical addresses repeat bit 56 (or bit 47, which equals
     * it with 4-level paging) up to bit 63. */
    if (va & (1ull << 56))
        va |= ~TLB_VA_MASK;
    return v->fn(global ? 0 : (unsigned)(key & KEY_PCID_MASK), global, va, ps, val, v->ctx);
}

int tlb_for_each(const struct tlb_level *t, tlb_entry_fn fn, void *ctx)
{
    struct visit v = { fn, ctx };
    for (unsigned i = 0; i < t->nr_arrays; i++) {
        int r = assoc_for_each(&t->arr[i], visit_entry, &v);
        if (r)
            return r;
    }
    return 0;
}

size_t tlb_count(const struct tlb_level *t)
{
    size_t n = 0;
    for (unsigned i = 0; i < t->nr_arrays; i++)
        n += assoc_count(&t->arr[i]);
    return n;
}
