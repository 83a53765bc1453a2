/* learn/exercise.c: seeded exercises with worked answers (vmlab learn, docs/learn.md), in the
 * manner of OSTEP's paging-linear-translate.py, paging-multilevel-translate.py and
 * paging-policy.py, with a TLB exercise after its chapter 19. */
#include "learn/learn_int.h"

#include "util/diag.h"
#include "util/text.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[VML_NR_LEARN] = {
    [VML_LEARN_LINEAR] = "linear",
    [VML_LEARN_MULTILEVEL] = "multilevel",
    [VML_LEARN_TLB] = "tlb",
    [VML_LEARN_POLICY] = "policy",
};

const struct vml_toy_config learn_default_machine[VML_NR_LEARN] = {
    [VML_LEARN_LINEAR] = { 16 * VML_KiB, 1 * VML_KiB, 64 * VML_KiB, 1, 4 },
    [VML_LEARN_MULTILEVEL] = { 32 * VML_KiB, 32, 4 * VML_KiB, 2, 1 },
    [VML_LEARN_TLB] = { 256, 16, 256, 1, 1 },
    [VML_LEARN_POLICY] = { 16 * VML_KiB, 1 * VML_KiB, 64 * VML_KiB, 1, 4 },
};

static const unsigned default_count[VML_NR_LEARN] = { 5, 5, 10, 10 };

const char *vml_learn_kind_name(enum vml_learn_kind k)
{
    return (unsigned)k < VML_NR_LEARN ? kind_names[k] : "?";
}

int vml_learn_kind_parse(const char *name, enum vml_learn_kind *out)
{
    for (unsigned i = 0; i < VML_NR_LEARN; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum vml_learn_kind)i;
            return 0;
        }
    return VML_EINVAL;
}

void learn_prng(struct prng *g, enum vml_learn_kind kind, uint64_t seed)
{
    prng_seed(g, seed + (uint64_t)kind);
}

/* ---- translation -------------------------------------------------------------------------- */

struct gen {
    struct toy *t;
    struct prng *g;
    uint64_t *pool; /* free frames, shuffled; taken from the end */
    uint64_t npool;
    uint64_t *mapped; /* page numbers given a valid PTE */
    size_t nmapped, capmapped;
    uint64_t (*leaf)[2]; /* leaf tables: frame, page-number prefix */
    size_t nleaf, capleaf;
    uint64_t ntables; /* below the top */
};

static int take_frame(struct gen *s, uint64_t *pfn)
{
    if (!s->npool)
        return VML_EINVAL;
    *pfn = s->pool[--s->npool];
    return 0;
}

static int note_mapped(struct gen *s, uint64_t vpn)
{
    if (s->nmapped == s->capmapped) {
        size_t cap = s->capmapped ? 2 * s->capmapped : 64;
        uint64_t *m = realloc(s->mapped, cap * sizeof(*m));
        if (!m)
            return VML_EHOST;
        s->mapped = m;
        s->capmapped = cap;
    }
    s->mapped[s->nmapped++] = vpn;
    return 0;
}

/* Builds the tables below the table at frame `table` (level k): a table above the leaves has
 * two to four valid entries, each a table of its own. The leaf tables are only noted here and
 * filled by fill_leaves once every table has its frame, so that data pages never take the
 * frames the tables need. */
static int build(struct gen *s, unsigned k, uint64_t table, uint64_t vpn_prefix)
{
    struct toy *t = s->t;
    const struct toy_layout *lo = &t->lo;
    if (k + 1 == t->cfg.levels) {
        if (s->nleaf == s->capleaf) {
            size_t cap = s->capleaf ? 2 * s->capleaf : 16;
            uint64_t(*l)[2] = realloc(s->leaf, cap * sizeof(*l));
            if (!l)
                return VML_EHOST;
            s->leaf = l;
            s->capleaf = cap;
        }
        s->leaf[s->nleaf][0] = table;
        s->leaf[s->nleaf++][1] = vpn_prefix;
        return 0;
    }
    uint64_t entries = 1ull << lo->bits[k];
    uint64_t base = table * t->cfg.page_size;
    uint64_t want = 2 + prng_below(s->g, 3);
    if (want > entries)
        want = entries;
    /* At most 64 tables in all: an exercise worked by hand. */
    if (want > 64 - s->ntables)
        want = 64 - s->ntables;
    s->ntables += want;
    for (uint64_t m = 0; m < want;) {
        uint64_t i = prng_below(s->g, entries);
        uint64_t addr = base + i * t->cfg.pte_size;
        if (toy_read_entry(t, addr))
            continue;
        uint64_t next;
        if (take_frame(s, &next))
            return VML_EINVAL;
        toy_write_entry(t, addr, toy_entry(t, true, next));
        int rc = build(s, k + 1, next, (vpn_prefix << lo->bits[k]) | i);
        if (rc)
            return rc;
        m++;
    }
    return 0;
}

/* Leaf entries are valid one time in two (OSTEP's default: 50% of the space used) and point at
 * a data frame: distinct ones while free frames last, then any frame. */
static int fill_leaves(struct gen *s)
{
    struct toy *t = s->t;
    unsigned k = t->cfg.levels - 1;
    uint64_t entries = 1ull << t->lo.bits[k];
    for (size_t l = 0; l < s->nleaf; l++) {
        uint64_t base = s->leaf[l][0] * t->cfg.page_size;
        for (uint64_t i = 0; i < entries; i++) {
            if (prng_below(s->g, 2) == 0)
                continue;
            uint64_t pfn;
            if (take_frame(s, &pfn))
                pfn = prng_below(s->g, t->lo.nframes);
            toy_write_entry(t, base + i * t->cfg.pte_size, toy_entry(t, true, pfn));
            if (note_mapped(s, (s->leaf[l][1] << t->lo.bits[k]) | i))
                return VML_EHOST;
        }
    }
    return 0;
}

void learn_translate_free(struct learn_translate *x)
{
    free(x->toy.mem);
    x->toy.mem = NULL;
}

int learn_make_translate(enum vml_learn_kind kind, const struct vml_toy_config *cfg, uint64_t seed,
                         unsigned count, struct learn_translate *x, struct vml_diag *d)
{
    memset(x, 0, sizeof(*x));
    struct toy *t = &x->toy;
    t->cfg = *cfg;
    int rc = toy_layout(cfg, &t->lo, d);
    if (rc)
        return rc;
    if (kind == VML_LEARN_LINEAR && cfg->levels != 1) {
        diag_set(d, 0, 0,
                 "levels=%u: the linear exercise takes a one-level machine (the "
                 "multilevel one takes more)",
                 cfg->levels);
        return VML_EINVAL;
    }
    if (kind == VML_LEARN_LINEAR && t->lo.vpn_bits > 10) {
        diag_set(d, 0, 0,
                 "va=%llu: the exercise prints the whole linear table, at most 1024 "
                 "entries; this one has %llu",
                 (unsigned long long)cfg->va_size, 1ull << t->lo.vpn_bits);
        return VML_EINVAL;
    }
    if (kind == VML_LEARN_MULTILEVEL &&
        (cfg->page_size / cfg->pte_size > 1024 || t->lo.bits[0] > 10)) {
        diag_set(d, 0, 0,
                 "page=%llu: the exercise prints its table pages, at most 1024 entries "
                 "each (the top table too)",
                 (unsigned long long)cfg->page_size);
        return VML_EINVAL;
    }
    if (kind == VML_LEARN_MULTILEVEL && cfg->levels < 2) {
        diag_set(d, 0, 0, "levels=%u: the multilevel exercise needs 2 levels or more", cfg->levels);
        return VML_EINVAL;
    }
    struct prng g;
    learn_prng(&g, kind, seed);
    t->mem = calloc(cfg->phys_size, 1);
    struct gen s = { .t = t, .g = &g };
    s.pool = malloc(t->lo.nframes * sizeof(*s.pool));
    if (!t->mem || !s.pool) {
        free(s.pool);
        learn_translate_free(x);
        return VML_EHOST;
    }
    /* The top table: its frames in a row (it can span several), placed at random. */
    uint64_t top_bytes = (1ull << t->lo.bits[0]) * cfg->pte_size;
    uint64_t top_frames = (top_bytes + cfg->page_size - 1) / cfg->page_size;
    t->root = prng_below(&g, t->lo.nframes - top_frames + 1);
    for (uint64_t f = 0; f < t->lo.nframes; f++)
        if (f < t->root || f >= t->root + top_frames)
            s.pool[s.npool++] = f;
    for (uint64_t i = s.npool; i > 1; i--) { /* Fisher-Yates */
        uint64_t j = prng_below(&g, i);
        uint64_t tmp = s.pool[i - 1];
        s.pool[i - 1] = s.pool[j];
        s.pool[j] = tmp;
    }
    rc = build(&s, 0, t->root, 0);
    if (!rc)
        rc = fill_leaves(&s);
    free(s.pool);
    free(s.leaf);
    if (rc) {
        free(s.mapped);
        learn_translate_free(x);
        if (rc == VML_EINVAL)
            diag_set(d, 0, 0, "phys=%llu: too little physical memory for the page tables",
                     (unsigned long long)cfg->phys_size);
        return rc;
    }
    /* Half the addresses in mapped pages (when there are some), half anywhere. */
    x->n = count;
    for (unsigned q = 0; q < count; q++) {
        uint64_t vpn = s.nmapped && prng_below(&g, 2) == 0 ? s.mapped[prng_below(&g, s.nmapped)]
                                                           : prng_below(&g, 1ull << t->lo.vpn_bits);
        x->va[q] = (vpn << t->lo.off_bits) | prng_below(&g, cfg->page_size);
        x->ok[q] = toy_translate(t, x->va[q], &x->pa[q], NULL);
    }
    free(s.mapped);
    return 0;
}

/* One page of a table: its entries from `first` (the top table's index when it spans pages). */
static void print_table_page(const struct toy *t, uint64_t frame, uint64_t first, uint64_t entries,
                             bool top, struct vml_text *o)
{
    unsigned per_line = 32 / t->cfg.pte_size;
    int w = (int)(2 * t->cfg.pte_size);
    for (uint64_t i = 0; i < entries; i += per_line) {
        if (i == 0)
            vml_text_printf(o, "  page %4llu%s", (unsigned long long)frame,
                            top ? " (top)" : "      ");
        else
            text_printf(o, "                 ");
        if (entries > per_line || first)
            vml_text_printf(o, " [%3llu]", (unsigned long long)(first + i));
        text_printf(o, ":");
        for (uint64_t j = i; j < i + per_line && j < entries; j++)
            vml_text_printf(o, " %0*llx", w,
                            (unsigned long long)toy_read_entry(t, frame * t->cfg.page_size +
                                                                      j * t->cfg.pte_size));
        text_printf(o, "\n");
    }
}

/* Marks the frames holding tables below table (level k), in order of frame number later. */
static void mark_tables(const struct toy *t, unsigned k, uint64_t table, uint8_t *is_table)
{
    if (k + 1 >= t->cfg.levels)
        return;
    uint64_t entries = 1ull << t->lo.bits[k];
    uint64_t vbit = 1ull << (t->lo.entry_bits - 1);
    for (uint64_t i = 0; i < entries; i++) {
        uint64_t e = toy_read_entry(t, table * t->cfg.page_size + i * t->cfg.pte_size);
        if (e & vbit) {
            uint64_t pfn = e & (vbit - 1);
            is_table[pfn] = 1;
            mark_tables(t, k + 1, pfn, is_table);
        }
    }
}

static int write_translate(enum vml_learn_kind kind, const struct vml_learn_opts *o,
                           const struct vml_toy_config *cfg, unsigned count, struct vml_text *out,
                           struct vml_diag *d)
{
    struct learn_translate *x = malloc(sizeof(*x));
    if (!x)
        return VML_EHOST;
    int rc = learn_make_translate(kind, cfg, o->seed, count, x, d);
    if (rc) {
        free(x);
        return rc;
    }
    const struct toy *t = &x->toy;
    vml_toy_describe(cfg, out);
    int w = (int)(2 * cfg->pte_size);
    if (kind == VML_LEARN_LINEAR) {
        vml_text_printf(out, "\nThe page table (entry [VPN] = value), at the PTBR, page %llu:\n",
                        (unsigned long long)t->root);
        uint64_t n = 1ull << t->lo.vpn_bits;
        for (uint64_t i = 0; i < n; i++)
            vml_text_printf(out, "  [%4llu]  0x%0*llx\n", (unsigned long long)i, w,
                            (unsigned long long)toy_read_entry(t, t->root * cfg->page_size +
                                                                      i * cfg->pte_size));
    } else {
        vml_text_printf(out,
                        "\nThe base register (PDBR) holds page %llu. The pages holding page "
                        "tables, entries in hex, entry 0 first:\n",
                        (unsigned long long)t->root);
        uint8_t *is_table = calloc(t->lo.nframes, 1);
        if (!is_table) {
            learn_translate_free(x);
            free(x);
            return VML_EHOST;
        }
        mark_tables(t, 0, t->root, is_table);
        uint64_t top_entries = 1ull << t->lo.bits[0];
        uint64_t per_page = cfg->page_size / cfg->pte_size;
        /* The top table may span pages: each is printed as a page of it, in frame order with
         * the others. */
        uint64_t top_pages = (top_entries + per_page - 1) / per_page;
        for (uint64_t f = 0; f < t->lo.nframes; f++) {
            if (f >= t->root && f < t->root + top_pages) {
                uint64_t first = (f - t->root) * per_page;
                uint64_t n = top_entries - first < per_page ? top_entries - first : per_page;
                print_table_page(t, f, first, n, true, out);
            } else if (is_table[f]) {
                print_table_page(t, f, 0, per_page, false, out);
            }
        }
        free(is_table);
    }
    text_printf(out, "\nTranslate each virtual address to a physical address, or say it faults:\n");
    for (unsigned q = 0; q < x->n; q++) {
        vml_text_printf(out, "  VA 0x%0*llx (decimal %llu) -> ", (int)((t->lo.va_bits + 3) / 4),
                        (unsigned long long)x->va[q], (unsigned long long)x->va[q]);
        if (!o->answers) {
            text_printf(out, "?\n");
            continue;
        }
        if (x->ok[q])
            vml_text_printf(out, "PA 0x%llx (decimal %llu)\n", (unsigned long long)x->pa[q],
                            (unsigned long long)x->pa[q]);
        else
            text_printf(out, "fault\n");
        uint64_t pa;
        toy_translate(t, x->va[q], &pa, out);
    }
    learn_translate_free(x);
    free(x);
    return 0;
}

/* ---- TLB ---------------------------------------------------------------------------------- */

int learn_make_tlb(const struct vml_toy_config *cfg, uint64_t seed, unsigned count,
                   struct learn_tlb *x, struct vml_diag *d)
{
    memset(x, 0, sizeof(*x));
    struct toy_layout lo;
    int rc = toy_layout(cfg, &lo, d);
    if (rc)
        return rc;
    struct prng g;
    learn_prng(&g, VML_LEARN_TLB, seed);
    static const unsigned elems[] = { 4, 8, 16 };
    x->page_size = cfg->page_size;
    x->entries = 2 + (unsigned)prng_below(&g, 3);
    x->elem = elems[prng_below(&g, 3)];
    x->n = count;
    /* An array of `count` elements read in order for the first half of the accesses, then at
     * random: spatial locality first, then temporal. */
    uint64_t bytes = (uint64_t)count * x->elem;
    if (bytes > cfg->va_size) {
        diag_set(d, 0, 0, "va=%llu: too small for an array of %u elements of %u bytes",
                 (unsigned long long)cfg->va_size, count, x->elem);
        return VML_EINVAL;
    }
    x->base = prng_below(&g, (cfg->va_size - bytes) / x->elem + 1) * x->elem;
    for (unsigned q = 0; q < count; q++) {
        uint64_t i = q < (count + 1) / 2 ? q : prng_below(&g, count);
        x->va[q] = x->base + i * x->elem;
    }
    /* The answers: an LRU list of page numbers, most recent last. */
    uint64_t tlb[8];
    unsigned n = 0;
    for (unsigned q = 0; q < count; q++) {
        uint64_t vpn = x->va[q] / cfg->page_size;
        unsigned k = 0;
        while (k < n && tlb[k] != vpn)
            k++;
        x->hit[q] = k < n;
        if (k == n && n == x->entries)
            k = 0; /* the least recently used goes */
        else if (k == n)
            n++;
        memmove(tlb + k, tlb + k + 1, (n - 1 - k) * sizeof(*tlb));
        tlb[n - 1] = vpn;
    }
    return 0;
}

static int write_tlb(const struct vml_learn_opts *o, const struct vml_toy_config *cfg,
                     unsigned count, struct vml_text *out, struct vml_diag *d)
{
    struct learn_tlb x;
    int rc = learn_make_tlb(cfg, o->seed, count, &x, d);
    if (rc)
        return rc;
    char ps[32];
    struct toy_layout lo;
    toy_layout(cfg, &lo, NULL);
    vml_text_printf(out,
                    "Toy machine (not x86-64): %u-bit virtual addresses, %s pages (the low %u "
                    "bits are the offset, the rest the VPN).\n"
                    "A TLB of %u entries, fully associative, least recently used replaced, "
                    "empty at first.\n"
                    "An array of %u element%s of %u bytes starts at VA 0x%llx; a loop reads "
                    "them at these addresses.\n",
                    lo.va_bits, vml_format_size_human(cfg->page_size, ps, sizeof(ps)), lo.off_bits,
                    x.entries, count, count == 1 ? "" : "s", x.elem, (unsigned long long)x.base);
    text_printf(out, "For each access: a TLB hit or a miss? Then the hit rate.\n");
    uint64_t tlb[8];
    unsigned n = 0, hits = 0;
    for (unsigned q = 0; q < count; q++) {
        uint64_t vpn = x.va[q] / cfg->page_size;
        vml_text_printf(out, "  %2u. VA 0x%0*llx -> ", q + 1, (int)((lo.va_bits + 3) / 4),
                        (unsigned long long)x.va[q]);
        if (!o->answers) {
            text_printf(out, "?\n");
            continue;
        }
        vml_text_printf(out, "%s: VPN = 0x%llx >> %u = %llu; TLB before [",
                        x.hit[q] ? "hit" : "miss", (unsigned long long)x.va[q], lo.off_bits,
                        (unsigned long long)vpn);
        for (unsigned k = 0; k < n; k++)
            vml_text_printf(out, "%s%llu", k ? " " : "", (unsigned long long)tlb[k]);
        text_printf(out, "] (least recent first)");
        unsigned k = 0;
        while (k < n && tlb[k] != vpn)
            k++;
        if (k < n) {
            hits++;
        } else if (n == x.entries) {
            vml_text_printf(out, ", VPN %llu evicted", (unsigned long long)tlb[0]);
            k = 0;
        } else {
            n++;
        }
        memmove(tlb + k, tlb + k + 1, (n - 1 - k) * sizeof(*tlb));
        tlb[n - 1] = vpn;
        text_printf(out, "\n");
    }
    if (o->answers)
        vml_text_printf(out, "  hits %u of %u: hit rate %u%%\n", hits, count,
                        count ? (unsigned)((hits * 100u + count / 2) / count) : 0);
    return 0;
}

/* ---- page replacement --------------------------------------------------------------------- */

struct steps {
    struct learn_policy *x;
    struct vml_text *out; /* NULL: collect the answers only */
};

static void on_step(const struct vml_policy_step *s, void *ctx)
{
    struct steps *st = ctx;
    st->x->hit[s->index] = s->hit;
    if (!st->out)
        return;
    vml_text_printf(st->out, "  %2llu. page %llu: %-4s", (unsigned long long)s->index + 1,
                    (unsigned long long)s->page, s->hit ? "hit" : "miss");
    if (s->evicted)
        vml_text_printf(st->out, "  evict %-3llu", (unsigned long long)s->victim);
    else
        text_printf(st->out, "           ");
    vml_text_printf(st->out, "  frames %s\n", s->frames);
}

static const enum vml_policy exercise_policies[] = { VML_POL_FIFO, VML_POL_LRU, VML_POL_OPT,
                                                     VML_POL_CLOCK };

static int run_policy(struct learn_policy *x, struct vml_text *out)
{
    struct vml_pages p = { .page = x->page, .n = x->n, .cap = x->n };
    struct vml_policy_config c = { .policy = x->policy, .frames = x->frames };
    struct vml_policy_result r;
    struct steps st = { x, out };
    int rc = vml_policy_run(&c, &p, &r, on_step, &st);
    x->hits = r.hits;
    x->misses = r.misses;
    return rc;
}

int learn_make_policy(uint64_t seed, unsigned count, struct learn_policy *x, struct vml_diag *d)
{
    (void)d;
    memset(x, 0, sizeof(*x));
    struct prng g;
    learn_prng(&g, VML_LEARN_POLICY, seed);
    x->policy = exercise_policies[prng_below(&g, 4)];
    x->frames = 3 + (unsigned)prng_below(&g, 2);
    unsigned maxpage = x->frames + 1 + (unsigned)prng_below(&g, 3);
    x->n = count;
    for (unsigned q = 0; q < count; q++)
        x->page[q] = prng_below(&g, maxpage + 1);
    return run_policy(x, NULL);
}

static int write_policy(const struct vml_learn_opts *o, unsigned count, struct vml_text *out,
                        struct vml_diag *d)
{
    struct learn_policy x;
    int rc = learn_make_policy(o->seed, count, &x, d);
    if (rc)
        return rc;
    vml_text_printf(out,
                    "%u frames, empty at first, replaced by %s (docs/policy.md). The pages "
                    "accessed:\n  ",
                    x.frames, vml_policy_name(x.policy));
    for (unsigned q = 0; q < x.n; q++)
        vml_text_printf(out, "%s%llu", q ? "," : "", (unsigned long long)x.page[q]);
    text_printf(out, "\nWhich accesses hit? How many misses? What is in memory at the end?\n");
    if (!o->answers)
        return 0;
    text_printf(out, "Frames after each access, the next victim leftmost");
    if (x.policy == VML_POL_CLOCK)
        text_printf(out, " (from the hand; * = use bit set)");
    text_printf(out, ":\n");
    rc = run_policy(&x, out);
    if (rc)
        return rc;
    vml_text_printf(out, "  hits %llu, misses %llu\n", (unsigned long long)x.hits,
                    (unsigned long long)x.misses);
    return 0;
}

/* ---- the entry point ---------------------------------------------------------------------- */

int vml_learn_write(enum vml_learn_kind kind, const struct vml_learn_opts *o, struct vml_text *out,
                    struct vml_diag *d)
{
    if ((unsigned)kind >= VML_NR_LEARN)
        return VML_EINVAL;
    unsigned count = o->count ? o->count : default_count[kind];
    if (count > LEARN_MAX_Q) {
        diag_set(d, 0, 0, "%u questions: at most %u", count, LEARN_MAX_Q);
        return VML_EINVAL;
    }
    const struct vml_toy_config *cfg = o->machine ? o->machine : &learn_default_machine[kind];
    int rc;
    switch (kind) {
    case VML_LEARN_LINEAR:
    case VML_LEARN_MULTILEVEL: rc = write_translate(kind, o, cfg, count, out, d); break;
    case VML_LEARN_TLB: rc = write_tlb(o, cfg, count, out, d); break;
    default: rc = write_policy(o, count, out, d); break;
    }
    if (!rc && out->oom)
        rc = VML_EHOST;
    return rc;
}
