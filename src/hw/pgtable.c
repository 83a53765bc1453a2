/* hw/pgtable.c: x86-64 page tables in simulated frames (see vmlab/pgtable.h).
 *
 * Models the table operations of mm/memory.c and arch/x86 at the hardware level: tables are
 * frames from phys holding 512 entries each; a frame's aux field counts its non-zero entries so
 * that an emptied table is found in O(1) and freed bottom up. Upper-level entries are written as
 * Linux's _PAGE_TABLE (P|RW|US|A|D): rights are decided by the leaf, the walk ANDs them.
 *
 * Two walkers do all the work, as in xv6's vm.c:
 *   walk()        descends to the table holding va's entry at a level, allocating on request;
 *   range_walk()  visits every entry of a range, for iteration, unmap, protect and freeing empty
 *                 tables.
 * Ranges are handled as "linear" addresses (va masked to 48 or 57 bits), in which the kernel
 * half follows the user half, so a range can span the non-canonical hole.
 */
#include "vmlab/pgtable.h"

#include "hw/phys.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* Upper-level entries, as Linux's _PAGE_TABLE. */
#define TABLE_FLAGS (VML_PTE_P | VML_PTE_RW | VML_PTE_US | VML_PTE_A | VML_PTE_D)
/* Flags a caller may give a leaf. */
#define LEAF_FLAGS                                                                                 \
    (VML_PTE_RW | VML_PTE_US | VML_PTE_PWT | VML_PTE_PCD | VML_PTE_A | VML_PTE_D | VML_PTE_G |     \
     VML_PTE_SPECIAL | VML_PTE_NX)
/* Flags protect may set or clear. */
#define PROT_FLAGS                                                                                 \
    (VML_PTE_RW | VML_PTE_US | VML_PTE_PWT | VML_PTE_PCD | VML_PTE_A | VML_PTE_D | VML_PTE_G |     \
     VML_PTE_NX)

struct vml_pt {
    struct vml_phys *phys;  /* where the tables live (borrowed) */
    uint64_t root;          /* pfn of the top table */
    unsigned levels;        /* 4 or 5 */
    unsigned node;          /* node tables are allocated on, without alloc */
    vml_pt_alloc_fn alloc;  /* the owner's table allocator, or NULL */
    void *alloc_ctx;        /* its argument */
    vml_pt_free_fn free_fn; /* the owner's table release, or NULL */
    uint64_t tables[6];     /* tables per level, 1..5 */
    /* A host shortcut for vml_pt_lookup: the PT (level-1 table) the last look-up that reached
     * one went through, for the 2 MiB of linear addresses it covers (pt_tag: that range's
     * number + 1; 0 = none). Rmap walks and faults look up neighbouring pages one after the
     * other; this skips the upper levels for them. Any write to an entry of another table (an
     * upper level's changing the path, or not) forgets it, as does freeing a table. */
    uint64_t pt_tag;
    uint64_t pt_pfn;
    uint64_t *pt_data;
};

/* Forgets the cached path (see pt_tag). The look-up keeps it through a const pointer: the
 * tables are not changed by it, and a vml_pt is never a const object. */
static void pt_cache_drop(const struct vml_pt *pt)
{
    ((struct vml_pt *)pt)->pt_tag = 0;
}

static uint64_t *table(const struct vml_pt *pt, uint64_t pfn)
{
    uint64_t *t = phys_data(pt->phys, pfn);
    assert(t && "page-table entry points at a frame without table content");
    return t;
}

/* Writes entry idx of a table, keeping its count of non-zero entries. */
static void set_entry(struct vml_pt *pt, uint64_t tbl_pfn, unsigned idx, uint64_t val)
{
    uint64_t *t = table(pt, tbl_pfn);
    struct frame *f = phys_frame(pt->phys, tbl_pfn);
    if (tbl_pfn != pt->pt_pfn)
        pt_cache_drop(pt);
    if (t[idx] == 0 && val != 0)
        f->aux++;
    else if (t[idx] != 0 && val == 0)
        f->aux--;
    t[idx] = val;
}

static unsigned nr_used(const struct vml_pt *pt, uint64_t tbl_pfn)
{
    return phys_frame(pt->phys, tbl_pfn)->aux;
}

/* A non-zero entry ends the walk at a PT, with PS set, or when not present (a swap or
 * migration entry stored by the simulated kernel). */
static bool is_leaf(uint64_t e, unsigned level)
{
    return level == 1 || (e & VML_PTE_PS) || !(e & VML_PTE_P);
}

static unsigned va_bits(const struct vml_pt *pt)
{
    return pt->levels == 5 ? 57u : 48u;
}

static uint64_t linear(const struct vml_pt *pt, uint64_t va)
{
    return va & ((1ull << va_bits(pt)) - 1);
}

/* Sign-extends a linear address back to a canonical one. */
static uint64_t canonical(const struct vml_pt *pt, uint64_t lin)
{
    unsigned shift = 64u - va_bits(pt);
    return (uint64_t)((int64_t)(lin << shift) >> shift);
}

/* A new zeroed table frame, from the owner's allocator or else from node. */
static int alloc_table(const struct vml_pt *pt, uint64_t *pfn)
{
    if (pt->alloc)
        return pt->alloc(pt->alloc_ctx, pfn);
    return phys_alloc_table(pt->phys, pt->node, pfn);
}

/* A table frame goes: to the owner's release, or back to phys. */
static void free_table(const struct vml_pt *pt, uint64_t pfn)
{
    pt_cache_drop(pt);
    if (pt->free_fn)
        pt->free_fn(pt->alloc_ctx, pfn);
    else
        vml_phys_free(pt->phys, pfn, 0);
}

void vml_pt_set_free(struct vml_pt *pt, vml_pt_free_fn free_fn)
{
    pt->free_fn = free_fn;
}

static int create(struct vml_phys *phys, unsigned levels, unsigned node, vml_pt_alloc_fn alloc,
                  void *ctx, struct vml_pt **out)
{
    if ((levels != 4 && levels != 5) || node >= vml_phys_nr_nodes(phys))
        return VML_EINVAL;
    struct vml_pt *pt = calloc(1, sizeof(*pt));
    if (!pt)
        return VML_EHOST;
    pt->phys = phys;
    pt->levels = levels;
    pt->node = node;
    pt->alloc = alloc;
    pt->alloc_ctx = ctx;
    int r = alloc_table(pt, &pt->root);
    if (r) {
        free(pt);
        return r;
    }
    pt->tables[levels] = 1;
    *out = pt;
    return 0;
}

int vml_pt_create(struct vml_phys *phys, unsigned levels, unsigned node, struct vml_pt **out)
{
    return create(phys, levels, node, NULL, NULL, out);
}

int vml_pt_create_alloc(struct vml_phys *phys, unsigned levels, vml_pt_alloc_fn alloc, void *ctx,
                        struct vml_pt **out)
{
    if (!alloc)
        return VML_EINVAL;
    return create(phys, levels, 0, alloc, ctx, out);
}

/* Frees a table and, below it, every table it points to. */
static void free_tree(struct vml_pt *pt, uint64_t tbl_pfn, unsigned level)
{
    if (level > 1) {
        const uint64_t *t = table(pt, tbl_pfn);
        for (unsigned i = 0; i < 512; i++)
            if ((t[i] & VML_PTE_P) && !is_leaf(t[i], level))
                free_tree(pt, vml_pte_pfn(t[i]), level - 1);
    }
    free_table(pt, tbl_pfn);
    pt->tables[level]--;
}

void vml_pt_destroy(struct vml_pt *pt)
{
    if (!pt)
        return;
    free_tree(pt, pt->root, pt->levels);
    free(pt);
}

uint64_t vml_pt_root(const struct vml_pt *pt)
{
    return pt->root;
}

unsigned vml_pt_levels(const struct vml_pt *pt)
{
    return pt->levels;
}

/* Tables allocated by one map call, so that a failure can give them back. */
struct alloc_log {
    unsigned n;
    struct {
        uint64_t pfn;        /* the new table */
        unsigned level;      /* its level */
        uint64_t parent;     /* table whose entry points at it */
        unsigned parent_idx; /* that entry's index */
    } t[4];
};

/* Descends from the root to the table holding va's entry at level `target`; stores its pfn.
 * With a log, missing tables are allocated and recorded in it. Returns 0, VML_ENOENT (a table
 * is missing and there is no log), VML_EEXIST (a leaf sits above target), VML_ENOMEM or
 * VML_EHOST. */
static int walk(struct vml_pt *pt, uint64_t va, unsigned target, struct alloc_log *log,
                uint64_t *tbl)
{
    uint64_t pfn = pt->root;
    for (unsigned level = pt->levels; level > target; level--) {
        unsigned idx = vml_level_index(va, level);
        uint64_t e = table(pt, pfn)[idx];
        if (e != 0 && is_leaf(e, level))
            return VML_EEXIST;
        if (e == 0) {
            if (!log)
                return VML_ENOENT;
            uint64_t child;
            int r = alloc_table(pt, &child);
            if (r)
                return r;
            log->t[log->n].pfn = child;
            log->t[log->n].level = level - 1;
            log->t[log->n].parent = pfn;
            log->t[log->n].parent_idx = idx;
            log->n++;
            pt->tables[level - 1]++;
            e = (child << 12) | TABLE_FLAGS;
            set_entry(pt, pfn, idx, e);
        }
        pfn = vml_pte_pfn(e);
    }
    *tbl = pfn;
    return 0;
}

/* Gives back the tables a failed map allocated, deepest first. */
static void undo_tables(struct vml_pt *pt, const struct alloc_log *log)
{
    for (unsigned i = log->n; i-- > 0;) {
        set_entry(pt, log->t[i].parent, log->t[i].parent_idx, 0);
        free_table(pt, log->t[i].pfn);
        pt->tables[log->t[i].level]--;
    }
}

int vml_pt_map(struct vml_pt *pt, uint64_t va, uint64_t pfn, enum vml_page_size ps, uint64_t flags)
{
    if (!vml_va_canonical(va, pt->levels))
        return VML_ENONCANON;
    if ((unsigned)ps >= VML_PS_COUNT || (flags & ~LEAF_FLAGS))
        return VML_EINVAL;
    uint64_t size = 1ull << vml_ps_shift(ps);
    uint64_t frames = size >> 12;
    if ((va & (size - 1)) || (pfn & (frames - 1)) || pfn + frames > vml_phys_total_pages(pt->phys))
        return VML_EINVAL;
    unsigned level = (unsigned)ps + 1;
    struct alloc_log log;
    log.n = 0; /* only its first n entries are read: no zeroing of the rest at every map */
    uint64_t tbl;
    int r = walk(pt, va, level, &log, &tbl);
    /* A non-zero entry at the leaf's slot is a mapping, or a table in the way. */
    if (r == 0 && table(pt, tbl)[vml_level_index(va, level)] != 0)
        r = VML_EEXIST;
    if (r) {
        undo_tables(pt, &log);
        return r;
    }
    uint64_t e = (pfn << 12) | flags | VML_PTE_P | (level > 1 ? VML_PTE_PS : 0);
    set_entry(pt, tbl, vml_level_index(va, level), e);
    return 0;
}

int vml_pt_set_pte(struct vml_pt *pt, uint64_t va, uint64_t entry)
{
    if (!vml_va_canonical(va, pt->levels))
        return VML_ENONCANON;
    if (entry == 0 || (va & 0xfff))
        return VML_EINVAL;
    if ((entry & VML_PTE_P) && vml_pte_pfn(entry) >= vml_phys_total_pages(pt->phys))
        return VML_EINVAL;
    struct alloc_log log;
    log.n = 0; /* only its first n entries are read: no zeroing of the rest at every map */
    uint64_t tbl;
    int r = walk(pt, va, 1, &log, &tbl);
    if (r) {
        undo_tables(pt, &log);
        return r;
    }
    set_entry(pt, tbl, vml_level_index(va, 1), entry);
    return 0;
}

int vml_pt_remap(struct vml_pt *pt, uint64_t va, uint64_t pfn)
{
    struct vml_pt_leaf leaf;
    int r = vml_pt_lookup(pt, va, &leaf);
    if (r)
        return r;
    if (leaf.level != 1)
        return VML_ENOENT;
    if (pfn >= vml_phys_total_pages(pt->phys))
        return VML_EINVAL;
    set_entry(pt, leaf.table_pfn, leaf.index, (leaf.entry & ~VML_PTE_PFN_MASK) | (pfn << 12));
    return 0;
}

int vml_pt_lookup(const struct vml_pt *pt, uint64_t va, struct vml_pt_leaf *out)
{
    if (!vml_va_canonical(va, pt->levels))
        return VML_ENONCANON;
    uint64_t tag = (linear(pt, va) >> 21) + 1;
    if (tag == pt->pt_tag) {
        unsigned idx = vml_level_index(va, 1);
        uint64_t e = pt->pt_data[idx];
        if (e == 0)
            return VML_ENOENT;
        out->va = va & ~0xfffull;
        out->entry = e;
        out->table_pfn = pt->pt_pfn;
        out->index = idx;
        out->level = 1;
        return 0;
    }
    uint64_t pfn = pt->root;
    for (unsigned level = pt->levels; level >= 1; level--) {
        unsigned idx = vml_level_index(va, level);
        uint64_t *t = table(pt, pfn);
        if (level == 1) {
            struct vml_pt *w = (struct vml_pt *)pt;
            w->pt_tag = tag;
            w->pt_pfn = pfn;
            w->pt_data = t;
        }
        uint64_t e = t[idx];
        if (e == 0)
            return VML_ENOENT;
        if (is_leaf(e, level)) {
            out->va = va & ~((1ull << vml_level_shift(level)) - 1);
            out->entry = e;
            out->table_pfn = pfn;
            out->index = idx;
            out->level = level;
            return 0;
        }
        pfn = vml_pte_pfn(e);
    }
    return VML_ENOENT; /* not reached: level 1 entries are leaves */
}

int vml_pt_leaf_set(struct vml_pt *pt, const struct vml_pt_leaf *leaf, uint64_t entry)
{
    if (entry == 0)
        return VML_EINVAL;
    if ((entry & VML_PTE_P) && vml_pte_pfn(entry) >= pt->phys->total_pages)
        return VML_EINVAL;
    /* In the remembered PT (reclaim's rmap and the swap-in set entries where their look-up
     * found them), a non-zero entry replaced by another leaves the table's count and the
     * remembered path as they are: set_entry's work without its look-ups. */
    if (pt->pt_tag && leaf->table_pfn == pt->pt_pfn && pt->pt_data[leaf->index] != 0) {
        pt->pt_data[leaf->index] = entry;
        return 0;
    }
    set_entry(pt, leaf->table_pfn, leaf->index, entry);
    return 0;
}

bool vml_pt_pmd_none(const struct vml_pt *pt, uint64_t va)
{
    if (!vml_va_canonical(va, pt->levels))
        return false;
    uint64_t tbl;
    int r = walk((struct vml_pt *)pt, va, 2, NULL, &tbl);
    if (r)
        return r == VML_ENOENT; /* no table down to the PD; a 1 GiB leaf is not none */
    return table(pt, tbl)[vml_level_index(va, 2)] == 0;
}

int vml_pt_split_huge(struct vml_pt *pt, uint64_t va, uint64_t table_pfn, bool same_pfn)
{
    if (!vml_va_canonical(va, pt->levels) || (va & ((1ull << 21) - 1)))
        return VML_EINVAL;
    uint64_t tbl;
    int r = walk(pt, va, 2, NULL, &tbl);
    if (r)
        return r;
    unsigned idx = vml_level_index(va, 2);
    uint64_t e = table(pt, tbl)[idx];
    if (!(e & VML_PTE_P) || !(e & VML_PTE_PS))
        return VML_EINVAL;
    struct frame *tf = phys_frame(pt->phys, table_pfn);
    uint64_t *t = phys_data(pt->phys, table_pfn);
    if (!t || tf->use != VML_USE_PGTABLE || tf->aux != 0)
        return VML_EINVAL;
    /* The small entries keep every flag of the huge one but PS; the PAT bit moves from bit 12
     * to bit 7 (__split_huge_pmd_locked builds each PTE from the PMD's protection). */
    uint64_t flags = e & ~VML_PTE_PFN_MASK & ~(VML_PTE_PS | VML_PTE_PAT_LARGE);
    if (e & VML_PTE_PAT_LARGE)
        flags |= VML_PTE_PAT;
    uint64_t base = vml_pte_pfn(e);
    for (unsigned i = 0; i < 512; i++)
        set_entry(pt, table_pfn, i, ((base + (same_pfn ? 0 : i)) << 12) | flags);
    set_entry(pt, tbl, idx, (table_pfn << 12) | TABLE_FLAGS);
    pt->tables[1]++;
    return 0;
}

int vml_pt_collapse_huge(struct vml_pt *pt, uint64_t va, uint64_t pfn, uint64_t flags,
                         uint64_t *table_pfn)
{
    if (!vml_va_canonical(va, pt->levels) || (va & ((1ull << 21) - 1)) || (pfn & 511) ||
        (flags & ~LEAF_FLAGS))
        return VML_EINVAL;
    uint64_t tbl;
    int r = walk(pt, va, 2, NULL, &tbl);
    if (r)
        return r;
    unsigned idx = vml_level_index(va, 2);
    uint64_t e = table(pt, tbl)[idx];
    if (!(e & VML_PTE_P) || (e & VML_PTE_PS))
        return VML_EINVAL;
    uint64_t pt_pfn = vml_pte_pfn(e);
    /* The PT table leaves the tree with its entries cleared: the caller owns it (deposited). */
    uint64_t *t = table(pt, pt_pfn);
    for (unsigned i = 0; i < 512; i++)
        if (t[i])
            set_entry(pt, pt_pfn, i, 0);
    set_entry(pt, tbl, idx, (pfn << 12) | flags | VML_PTE_P | VML_PTE_PS);
    pt->tables[1]--;
    *table_pfn = pt_pfn;
    return 0;
}

/* ---- range operations ------------------------------------------------------------------ */

enum range_op { OP_VISIT, OP_UNMAP, OP_PROTECT, OP_FREE_EMPTY };

struct range {
    enum range_op op;
    uint64_t lo, hi;        /* linear addresses, inclusive */
    unsigned flags;         /* VML_PT_KEEP_TABLES, VML_PT_FREE_PT */
    uint64_t set, clear;    /* protect */
    vml_pt_leaf_fn changed; /* unmap, protect */
    vml_pt_visit_fn visit;  /* visit */
    void *ctx;
    int64_t count; /* leaves changed, or tables freed */
    int ret;       /* visit: non-zero value that stopped it */
};

/* Converts [start, end) (end 0 = top of the address space) into an inclusive linear range,
 * clipping the non-canonical hole. Returns false if nothing is left. */
static bool to_linear(const struct vml_pt *pt, uint64_t start, uint64_t end, uint64_t *lo,
                      uint64_t *hi)
{
    uint64_t last = end - 1;
    if (end != 0 && end <= start)
        return false;
    uint64_t half = 1ull << (va_bits(pt) - 1);
    *lo = vml_va_canonical(start, pt->levels) ? linear(pt, start) : half;
    *hi = vml_va_canonical(last, pt->levels) ? linear(pt, last) : half - 1;
    return *lo <= *hi;
}

static void leaf_op(struct vml_pt *pt, uint64_t tbl, unsigned idx, unsigned level, uint64_t lin,
                    uint64_t e, struct range *rg)
{
    struct vml_pt_leaf leaf = {
        .va = canonical(pt, lin), .entry = e, .table_pfn = tbl, .index = idx, .level = level
    };
    switch (rg->op) {
    case OP_VISIT: rg->ret = rg->visit(&leaf, rg->ctx); break;
    case OP_UNMAP:
        set_entry(pt, tbl, idx, 0);
        rg->count++;
        if (rg->changed)
            rg->changed(&leaf, rg->ctx);
        break;
    case OP_PROTECT: {
        uint64_t n = (e & ~rg->clear) | rg->set;
        if (!(e & VML_PTE_P) || n == e)
            break;
        set_entry(pt, tbl, idx, n);
        rg->count++;
        if (rg->changed)
            rg->changed(&leaf, rg->ctx);
        break;
    }
    case OP_FREE_EMPTY: break;
    }
}

/* Applies rg to every entry of table tbl (at level, mapping linear addresses from base) that
 * overlaps [rg->lo, rg->hi], recursing into lower tables and freeing those left empty when the
 * operation asks for it. */
static void range_walk(struct vml_pt *pt, uint64_t tbl, unsigned level, uint64_t base,
                       struct range *rg)
{
    unsigned shift = vml_level_shift(level);
    uint64_t span = 1ull << shift;
    uint64_t lo = rg->lo > base ? rg->lo : base;
    uint64_t tbl_last = base + (span << 9) - 1;
    uint64_t hi = rg->hi < tbl_last ? rg->hi : tbl_last;
    unsigned first = (unsigned)((lo - base) >> shift), last = (unsigned)((hi - base) >> shift);
    for (unsigned i = first; i <= last && rg->ret == 0; i++) {
        uint64_t e = table(pt, tbl)[i];
        if (e == 0)
            continue;
        uint64_t ebase = base + ((uint64_t)i << shift);
        if (is_leaf(e, level)) {
            leaf_op(pt, tbl, i, level, ebase, e, rg);
            continue;
        }
        uint64_t child = vml_pte_pfn(e);
        range_walk(pt, child, level - 1, ebase, rg);
        bool covered = ebase >= rg->lo && ebase + span - 1 <= rg->hi;
        bool unmap_frees = !(rg->flags & VML_PT_KEEP_TABLES) ||
                           ((rg->flags & VML_PT_FREE_PT) && level == 2 && covered);
        bool drop = (rg->op == OP_UNMAP && unmap_frees) || (rg->op == OP_FREE_EMPTY && covered);
        if (drop && nr_used(pt, child) == 0) {
            set_entry(pt, tbl, i, 0);
            free_table(pt, child);
            pt->tables[level - 1]--;
            if (rg->op == OP_FREE_EMPTY)
                rg->count++;
        }
    }
}

/* VML_EINVAL if a huge leaf crosses either end of [lo, hi]: only the leaves at the two ends
 * can. Checked before anything changes. */
static int check_straddle(const struct vml_pt *pt, uint64_t lo, uint64_t hi)
{
    uint64_t ends[2] = { lo, hi };
    for (int k = 0; k < 2; k++) {
        struct vml_pt_leaf leaf;
        if (vml_pt_lookup(pt, canonical(pt, ends[k]), &leaf) != 0 || leaf.level == 1)
            continue;
        uint64_t first = linear(pt, leaf.va);
        uint64_t last = first + (1ull << vml_level_shift(leaf.level)) - 1;
        if (first < lo || last > hi)
            return VML_EINVAL;
    }
    return 0;
}

static int64_t run_range(struct vml_pt *pt, uint64_t start, uint64_t end, struct range *rg)
{
    if ((start & 0xfff) || (end & 0xfff))
        return VML_EINVAL;
    if (!to_linear(pt, start, end, &rg->lo, &rg->hi))
        return 0;
    if (rg->op == OP_UNMAP || rg->op == OP_PROTECT) {
        int r = check_straddle(pt, rg->lo, rg->hi);
        if (r)
            return r;
    }
    range_walk(pt, pt->root, pt->levels, 0, rg);
    return rg->count;
}

int64_t vml_pt_unmap(struct vml_pt *pt, uint64_t start, uint64_t end, unsigned flags,
                     vml_pt_leaf_fn fn, void *ctx)
{
    if (flags & ~(VML_PT_KEEP_TABLES | VML_PT_FREE_PT))
        return VML_EINVAL;
    struct range rg = { .op = OP_UNMAP, .flags = flags, .changed = fn, .ctx = ctx };
    return run_range(pt, start, end, &rg);
}

uint64_t vml_pt_free_empty(struct vml_pt *pt, uint64_t start, uint64_t end)
{
    struct range rg = { .op = OP_FREE_EMPTY };
    int64_t n = run_range(pt, start & ~0xfffull, end & ~0xfffull, &rg);
    return n > 0 ? (uint64_t)n : 0;
}

int64_t vml_pt_protect(struct vml_pt *pt, uint64_t start, uint64_t end, uint64_t set,
                       uint64_t clear, vml_pt_leaf_fn fn, void *ctx)
{
    if ((set | clear) & ~PROT_FLAGS)
        return VML_EINVAL;
    struct range rg = { .op = OP_PROTECT, .set = set, .clear = clear, .changed = fn, .ctx = ctx };
    return run_range(pt, start, end, &rg);
}

int vml_pt_for_each(const struct vml_pt *pt, uint64_t start, uint64_t end, vml_pt_visit_fn fn,
                    void *ctx)
{
    struct range rg = { .op = OP_VISIT, .visit = fn, .ctx = ctx };
    if (!to_linear(pt, start, end, &rg.lo, &rg.hi))
        return 0;
    /* Visiting changes nothing; the walker is shared with the mutating operations. */
    range_walk((struct vml_pt *)pt, pt->root, pt->levels, 0, &rg);
    return rg.ret;
}

void vml_pt_stats(const struct vml_pt *pt, struct vml_pt_stats *out)
{
    out->nr_tables = 0;
    for (unsigned l = 0; l < 6; l++) {
        out->tables[l] = pt->tables[l];
        out->nr_tables += pt->tables[l];
    }
}

/* ---- invariant checker ------------------------------------------------------------------ */

static int check_table(const struct vml_pt *pt, uint64_t pfn, unsigned level, uint64_t *counts,
                       char *why, size_t len)
{
    const struct frame *f = phys_frame(pt->phys, pfn);
    if (!f || !(f->flags & PGF_HEAD) || f->use != VML_USE_PGTABLE || !f->data) {
        snprintf(why, len, "level %u table at pfn 0x%llx is not an allocated page-table frame",
                 level, (unsigned long long)pfn);
        return -1;
    }
    counts[level]++;
    const uint64_t *t = f->data;
    unsigned used = 0;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = t[i];
        if (e == 0)
            continue;
        used++;
        if (level >= 4 && (e & VML_PTE_P) && (e & VML_PTE_PS)) {
            snprintf(why, len, "PS set in a level %u entry (pfn 0x%llx index %u)", level,
                     (unsigned long long)pfn, i);
            return -1;
        }
        if (!is_leaf(e, level)) {
            if (check_table(pt, vml_pte_pfn(e), level - 1, counts, why, len))
                return -1;
        } else if (level > 1 && (e & VML_PTE_P)) {
            /* Bit 12 of a huge leaf is PAT, not part of the frame number. */
            uint64_t frame = vml_pte_pfn(e & ~VML_PTE_PAT_LARGE);
            if (frame & ((1ull << (9 * (level - 1))) - 1)) {
                snprintf(why, len, "level %u leaf at index %u maps misaligned pfn 0x%llx", level, i,
                         (unsigned long long)frame);
                return -1;
            }
        }
    }
    if (used != f->aux) {
        snprintf(why, len, "table pfn 0x%llx counts %u entries, holds %u", (unsigned long long)pfn,
                 f->aux, used);
        return -1;
    }
    return 0;
}

int vml_pt_check(const struct vml_pt *pt, char *why, size_t len)
{
    uint64_t counts[6] = { 0 };
    if (check_table(pt, pt->root, pt->levels, counts, why, len))
        return -1;
    for (unsigned l = 1; l <= 5; l++) {
        if (counts[l] != pt->tables[l]) {
            snprintf(why, len, "level %u: %llu tables reachable, %llu counted", l,
                     (unsigned long long)counts[l], (unsigned long long)pt->tables[l]);
            return -1;
        }
    }
    return 0;
}

uint64_t vml_pt_entry(const struct vml_pt *pt, uint64_t table_pfn, unsigned index)
{
    return index < 512 ? table(pt, table_pfn)[index] : 0;
}
