/* test_vma_random.c: randomized differential test of mm/vma against a page-granular model.
 *
 * A window of WIN pages just below mmap_base holds every mapping. The model keeps, per page,
 * whether it is mapped and with what: flags, kind, file, file page (pgoff of that page), anon
 * lineage, forked mark, anon name and policy. A random mix of MAP_FIXED mmaps (unmap, then
 * map), munmaps, mprotect/mlock/madvise-style changes with every hole rule, placements with and
 * without hints (checked against a brute-force search over the VMA list), MAP_FIXED_NOREPLACE,
 * first faults (anon lineage, reusing a neighbour's as Linux does), stack growth, forks (the
 * whole set copied with vma_insert, each anon VMA given a new forked lineage), a small
 * vm.max_map_count and injected host allocation failures runs against both. After every step:
 * vma_set_check (tree, order, gaps, nothing left that Linux would have merged) and a page-by-page
 * comparison. Predicted errors (holes, EEXIST, map count) must match exactly; EHOST must leave
 * the model's state.
 *
 * Fixed seeds; VMLAB_SEED and VMLAB_OPS override them. A failure prints the seed and the step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "random_seeds.h"

#include "mm/vma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG      4096ull
#define WIN     1024u /* pages in the window */
#define GUARD   (16 * PG)
#define MAY     (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define RW      (VM_READ | VM_WRITE | MAY | VM_ACCOUNT)
#define RO      (VM_READ | MAY | VM_ACCOUNT)
#define MAX_MAP 64u

struct pg {
    bool mapped;
    bool forked;
    uint8_t kind;
    uint64_t flags;
    const void *file;
    uint64_t fpg; /* pgoff of this page */
    uint64_t anon;
    const char *aname;
    const void *policy;
};

struct world {
    uint64_t seed, rng;
    unsigned long step;
    struct vma_set *set;
    struct mmap_layout l;
    uint64_t base; /* window start */
    struct pg pg[WIN];
    uint64_t next_anon;
    char why[512];
    unsigned long n_map, n_unmap, n_change, n_place, n_placed, n_hint, n_fault, n_reuse, n_grow,
        n_fork, n_noreplace, n_eexist, n_holes, n_mapcount, n_ehost, n_thp, n_gaps;
};

static int file_a, file_b, shm_obj, pol_a, pol_b;
static const char *const names[] = { NULL, "heap-ish", "buf" };

#define FAIL(w, ...)                                                                               \
    do {                                                                                           \
        char msg_[768];                                                                            \
        snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                                 \
        fail_msg("seed %llu step %lu: %s", (unsigned long long)(w)->seed, (w)->step, msg_);        \
    } while (0)

#define EXPECT_RC(w, got, want, what)                                                              \
    do {                                                                                           \
        int g_ = (got), w_ = (want);                                                               \
        if (g_ != w_)                                                                              \
            FAIL(w, "%s returned %d, expected %d", what, g_, w_);                                  \
    } while (0)

static uint64_t rnd(struct world *w)
{
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(struct world *w, uint64_t n)
{
    return rnd(w) % n;
}

static uint64_t addr_of(const struct world *w, unsigned i)
{
    return w->base + i * PG;
}

static unsigned idx_of(const struct world *w, uint64_t a)
{
    return (unsigned)((a - w->base) / PG);
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* ---- comparison ---------------------------------------------------------------------------- */

static void compare(struct world *w)
{
    if (vma_set_check(w->set, w->why, sizeof(w->why)))
        FAIL(w, "vma_set_check: %s", w->why);
    bool seen[WIN] = { false };
    for (struct vma *v = vma_first(w->set); v; v = vma_next(v)) {
        if (v->start < w->base || v->end > addr_of(w, WIN))
            FAIL(w, "VMA [%#llx, %#llx) outside the window", (unsigned long long)v->start,
                 (unsigned long long)v->end);
        for (uint64_t a = v->start; a < v->end; a += PG) {
            unsigned i = idx_of(w, a);
            struct pg *p = &w->pg[i];
            seen[i] = true;
            /* a merge may hand a lineage to pages that had none: adopt it */
            if (p->mapped && !p->anon && v->anon) {
                p->anon = v->anon;
                p->forked = v->anon_forked;
            }
            if (!p->mapped || p->flags != v->flags || p->kind != v->kind || p->file != v->file ||
                p->fpg != vma_pgoff_at(v, a) || p->anon != v->anon || p->forked != v->anon_forked ||
                !str_eq(p->aname, v->anon_name) || p->policy != v->policy)
                FAIL(w,
                     "page %#llx: model mapped %d flags %#llx kind %d fpg %#llx anon %llu/%d; "
                     "VMA [%#llx, %#llx) flags %#llx kind %d fpg %#llx anon %llu/%d",
                     (unsigned long long)a, p->mapped, (unsigned long long)p->flags, p->kind,
                     (unsigned long long)p->fpg, (unsigned long long)p->anon, p->forked,
                     (unsigned long long)v->start, (unsigned long long)v->end,
                     (unsigned long long)v->flags, (int)v->kind,
                     (unsigned long long)vma_pgoff_at(v, a), (unsigned long long)v->anon,
                     v->anon_forked);
        }
    }
    for (unsigned i = 0; i < WIN; i++)
        if (w->pg[i].mapped && !seen[i])
            FAIL(w, "page %#llx mapped in the model only", (unsigned long long)addr_of(w, i));
}

/* ---- model updates ------------------------------------------------------------------------- */

static void model_map(struct world *w, const struct vma_desc *d)
{
    for (uint64_t a = d->start; a < d->end; a += PG) {
        struct pg *p = &w->pg[idx_of(w, a)];
        p->mapped = true;
        p->flags = d->flags;
        p->kind = (uint8_t)d->kind;
        p->file = d->file;
        p->fpg = d->kind == VMA_ANON ? a / PG : d->pgoff + (a - d->start) / PG;
        p->anon = d->anon;
        p->forked = d->anon_forked;
        p->aname = d->anon_name;
        p->policy = d->policy;
    }
}

static void model_unmap(struct world *w, uint64_t start, uint64_t end)
{
    for (uint64_t a = start; a < end; a += PG)
        memset(&w->pg[idx_of(w, a)], 0, sizeof(struct pg));
}

static bool model_any_mapped(const struct world *w, uint64_t start, uint64_t end)
{
    for (uint64_t a = start; a < end; a += PG)
        if (a >= w->base && a < addr_of(w, WIN) && w->pg[idx_of(w, a)].mapped)
            return true;
    return false;
}

/* ---- random attributes --------------------------------------------------------------------- */

static uint64_t random_flags(struct world *w)
{
    static const uint64_t pal[] = {
        RW, RW, RW, RO, RW | VM_LOCKED, RW | VM_HUGEPAGE, VM_READ | VM_EXEC | MAY, VM_MAYREAD
    };
    uint64_t r = below(w, 100);
    if (r < 3)
        return RW | VM_GROWSDOWN;
    if (r < 5)
        return RW | VM_IO;
    return pal[below(w, sizeof(pal) / sizeof(pal[0]))];
}

static struct vma_desc random_desc(struct world *w, uint64_t start, uint64_t len)
{
    struct vma_desc d = { .start = start, .end = start + len, .flags = random_flags(w) };
    uint64_t k = below(w, 10);
    if (k >= 6 && !(d.flags & VM_GROWSDOWN)) {
        d.kind = k == 9 ? VMA_SHMEM : VMA_FILE;
        d.file = k == 9 ? (void *)&shm_obj : k == 8 ? (void *)&file_b : (void *)&file_a;
        uint64_t natural = (start - w->base) / PG;
        uint64_t r = below(w, 10);
        d.pgoff = r < 7 ? natural : r < 9 ? natural + 7 : below(w, 4 * WIN);
        if (d.kind == VMA_SHMEM)
            d.flags |= VM_SHARED | VM_MAYSHARE;
    }
    if (below(w, 8) == 0)
        d.anon_name = names[1 + below(w, 2)];
    if (below(w, 10) == 0)
        d.policy = below(w, 2) ? &pol_a : &pol_b;
    return d;
}

static void random_range(struct world *w, uint64_t *start, uint64_t *len, unsigned max_pages)
{
    unsigned n = 1 + (unsigned)below(w, max_pages);
    if (n > WIN)
        n = WIN;
    unsigned i = (unsigned)below(w, WIN - n + 1);
    *start = addr_of(w, i);
    *len = n * PG;
}

/* ---- operations ---------------------------------------------------------------------------- */

static void arm_failure(struct world *w)
{
    if (below(w, 20) == 0)
        vma_set_fail_alloc(w->set, 1 + (unsigned)below(w, 2));
}

/* Would munmap of [start, end) need to split one VMA twice at the map-count limit? */
static bool unmap_hits_limit(const struct world *w, uint64_t start, uint64_t end)
{
    const struct vma *v = vma_find(w->set, start);
    return v && v->start < start && end < v->end &&
           vma_set_count(w->set) >= vma_set_max_map_count(w->set);
}

static int do_unmap(struct world *w, uint64_t start, uint64_t end)
{
    bool limit = unmap_hits_limit(w, start, end);
    arm_failure(w);
    int rc = vma_unmap_range(w->set, start, end, NULL, NULL);
    vma_set_fail_alloc(w->set, 0);
    if (rc == VML_EHOST) {
        w->n_ehost++;
        return rc;
    }
    EXPECT_RC(w, rc, limit ? VML_ENOMEM : 0, "vma_unmap_range");
    if (rc == 0)
        model_unmap(w, start, end);
    else
        w->n_mapcount++;
    return rc;
}

static void do_map(struct world *w, const struct vma_desc *d)
{
    bool limit = vma_set_count(w->set) > vma_set_max_map_count(w->set);
    arm_failure(w);
    int rc = vma_map(w->set, d, NULL);
    vma_set_fail_alloc(w->set, 0);
    if (rc == VML_EHOST) {
        w->n_ehost++;
        return;
    }
    EXPECT_RC(w, rc, limit ? VML_ENOMEM : 0, "vma_map");
    if (rc == 0) {
        model_map(w, d);
        w->n_map++;
    } else {
        w->n_mapcount++;
    }
}

static void op_map_fixed(struct world *w)
{
    uint64_t start, len;
    random_range(w, &start, &len, below(w, 10) ? 24 : 200);
    struct vma_desc d = random_desc(w, start, len);
    if (do_unmap(w, start, start + len) == 0)
        do_map(w, &d);
}

static void op_unmap(struct world *w)
{
    uint64_t start, len;
    random_range(w, &start, &len, below(w, 10) ? 16 : 300);
    if (do_unmap(w, start, start + len) == 0)
        w->n_unmap++;
}

static void op_change(struct world *w)
{
    uint64_t start, len;
    random_range(w, &start, &len, below(w, 4) ? 8 : 128);
    uint64_t end = start + len;
    static const uint64_t bits[] = { VM_WRITE,    VM_WRITE, VM_LOCKED,
                                     VM_HUGEPAGE, VM_EXEC,  VM_GROWSDOWN };
    struct vma_change ch = { .holes = (enum vma_holes)below(w, 3) };
    uint64_t b = bits[below(w, sizeof(bits) / sizeof(bits[0]))];
    if (below(w, 2))
        ch.set = b;
    else
        ch.clear = b;
    if (below(w, 10) == 0) {
        ch.change_anon_name = true;
        ch.anon_name = names[below(w, 3)];
    }
    if (below(w, 12) == 0) {
        ch.change_policy = true;
        ch.policy = below(w, 2) ? &pol_a : NULL;
    }
    arm_failure(w);
    uint64_t done = 0;
    int rc = vma_change(w->set, start, end, &ch, &done);
    vma_set_fail_alloc(w->set, 0);
    if (done < start || done > end)
        FAIL(w, "vma_change done %#llx outside [%#llx, %#llx)", (unsigned long long)done,
             (unsigned long long)start, (unsigned long long)end);

    /* what the model predicts about holes */
    bool hole = false;
    uint64_t first_hole = end;
    for (uint64_t a = start; a < end; a += PG)
        if (!w->pg[idx_of(w, a)].mapped) {
            hole = true;
            first_hole = a;
            break;
        }
    if (rc == 0) {
        if (done != end || (hole && ch.holes != VMA_HOLES_IGNORE))
            FAIL(w, "vma_change succeeded over a hole at %#llx (rule %d)",
                 (unsigned long long)first_hole, (int)ch.holes);
    } else if (rc == VML_ENOMEM && done < end && !w->pg[idx_of(w, done)].mapped) {
        /* stopped at a hole: mprotect's rule, at the first hole */
        if (ch.holes != VMA_HOLES_STOP || done != first_hole)
            FAIL(w, "vma_change stopped at a hole at %#llx (first %#llx, rule %d)",
                 (unsigned long long)done, (unsigned long long)first_hole, (int)ch.holes);
        w->n_holes++;
    } else if (rc == VML_ENOMEM && done == end) {
        if (ch.holes != VMA_HOLES_SKIP || !hole)
            FAIL(w, "vma_change reported a hole that is not there (rule %d)", (int)ch.holes);
        w->n_holes++;
    } else if (rc == VML_ENOMEM) {
        /* the map-count limit, splitting the VMA at done: it must not have changed */
        const struct vma *v = vma_find(w->set, done);
        uint64_t pe = v->end < end ? v->end : end;
        unsigned need = (done > v->start) + (pe < v->end);
        size_t count = vma_set_count(w->set);
        if (!need || count + need - 1 < vma_set_max_map_count(w->set))
            FAIL(w, "vma_change ENOMEM at %#llx without reaching the map count (%zu VMAs)",
                 (unsigned long long)done, count);
        if ((ch.holes == VMA_HOLES_STOP && hole && first_hole < done))
            FAIL(w, "vma_change went past a hole");
        w->n_mapcount++;
    } else if (rc == VML_EHOST) {
        w->n_ehost++;
    } else {
        FAIL(w, "vma_change returned %d", rc);
    }
    /* everything mapped in [start, done) changed */
    for (uint64_t a = start; a < done; a += PG) {
        struct pg *p = &w->pg[idx_of(w, a)];
        if (!p->mapped)
            continue;
        p->flags = (p->flags & ~ch.clear) | ch.set;
        if (ch.change_anon_name)
            p->aname = ch.anon_name;
        if (ch.change_policy)
            p->policy = ch.policy;
    }
    w->n_change++;
}

/* mm/rmap.c: reusable_anon_vma over pages lo (last of the lower VMA) and hi (first of the
 * upper), taking old's lineage */
static bool reusable(const struct pg *lo, const struct pg *hi, const struct pg *old)
{
    return lo->policy == hi->policy && lo->file == hi->file &&
           ((lo->flags ^ hi->flags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) == 0 &&
           hi->fpg == lo->fpg + 1 && old->anon && !old->forked;
}

/* First fault somewhere: the VMA gets an anon lineage, a neighbour's when it can be reused. */
static void op_fault(struct world *w)
{
    unsigned i = (unsigned)below(w, WIN);
    struct vma *v = vma_find(w->set, addr_of(w, i));
    if (!v || v->anon)
        return;
    uint64_t anon = vma_anon_reusable(v), want = 0;
    /* the model's view: next first, then prev, must be adjacent, flags equal but for access
     * bits, same file and policy, contiguous, with a lineage that was not forked */
    const struct pg *first = &w->pg[idx_of(w, v->start)];
    if (v->end < addr_of(w, WIN)) {
        const struct pg *n = &w->pg[idx_of(w, v->end)];
        if (n->mapped && reusable(&w->pg[idx_of(w, v->end - PG)], n, n))
            want = n->anon;
    }
    if (!want && v->start > w->base) {
        const struct pg *p = &w->pg[idx_of(w, v->start - PG)];
        if (p->mapped && reusable(p, first, p))
            want = p->anon;
    }
    if (anon != want)
        FAIL(w, "vma_anon_reusable gave %llu, the model %llu", (unsigned long long)anon,
             (unsigned long long)want);
    if (anon)
        w->n_reuse++;
    else
        anon = ++w->next_anon;
    v->anon = anon;
    for (uint64_t a = v->start; a < v->end; a += PG) {
        w->pg[idx_of(w, a)].anon = anon;
        w->pg[idx_of(w, a)].forked = false;
    }
    w->n_fault++;
}

static void op_grow(struct world *w)
{
    struct vma *v = vma_find_next(w->set, addr_of(w, (unsigned)below(w, WIN)));
    while (v && !(v->flags & VM_GROWSDOWN))
        v = vma_next(v);
    if (!v || v->start == w->base)
        return;
    uint64_t addr = v->start - PG * (1 + below(w, 24));
    if (addr < w->base)
        addr = w->base;
    const struct vma *prev = vma_prev(v);
    int want = 0;
    if (prev && addr < prev->end)
        want = VML_EINVAL;
    else if (prev && !(prev->flags & VM_GROWSDOWN) && (prev->flags & VM_ACCESS_FLAGS) &&
             addr - prev->end < GUARD)
        want = VML_ENOMEM;
    else if ((v->start - addr) / PG > v->pgoff)
        want = VML_ENOMEM;
    uint64_t old = v->start;
    struct pg tmpl = w->pg[idx_of(w, old)];
    EXPECT_RC(w, vma_expand_down(w->set, v, addr), want, "vma_expand_down");
    if (want)
        return;
    for (uint64_t a = addr; a < old; a += PG) {
        struct pg *p = &w->pg[idx_of(w, a)];
        *p = tmpl;
        p->fpg = tmpl.fpg - (old - a) / PG;
    }
    w->n_grow++;
}

/* ---- placement against a brute-force search ------------------------------------------------ */

static uint64_t start_gap(const struct vma *v)
{
    uint64_t g = (v->flags & VM_GROWSDOWN) ? GUARD : 0;
    return v->start > g ? v->start - g : 0;
}

/* Highest [lo, hi) free range of len inside [low, high): its end. */
static bool bf_highest(const struct world *w, uint64_t low, uint64_t high, uint64_t len,
                       uint64_t *end)
{
    const struct vma *last = vma_last(w->set);
    uint64_t lo = last ? last->end : 0, hi = UINT64_MAX;
    for (const struct vma *v = NULL;;) {
        uint64_t clo = lo > low ? lo : low, chi = hi < high ? hi : high;
        if (chi > clo && chi - clo >= len) {
            *end = chi;
            return true;
        }
        v = v ? vma_prev(v) : last;
        if (!v)
            return false;
        hi = start_gap(v);
        lo = vma_prev(v) ? vma_prev(v)->end : 0;
    }
}

static bool bf_lowest(const struct world *w, uint64_t low, uint64_t high, uint64_t len,
                      uint64_t *start)
{
    uint64_t lo = 0;
    for (const struct vma *v = vma_first(w->set);; v = vma_next(v)) {
        uint64_t hi = v ? start_gap(v) : UINT64_MAX;
        uint64_t clo = lo > low ? lo : low, chi = hi < high ? hi : high;
        if (chi > clo && chi - clo >= len) {
            *start = clo;
            return true;
        }
        if (!v)
            return false;
        lo = v->end;
    }
}

static bool bf_area(const struct world *w, uint64_t hint, uint64_t len, uint64_t *out)
{
    const struct mmap_layout *l = &w->l;
    if (hint) {
        hint &= ~(PG - 1);
        const struct vma *v = vma_find_next(w->set, hint);
        bool valid =
            l->task_size - len >= hint && (hint > l->map_window) == (hint + len > l->map_window);
        if (valid && (!v || hint + len <= start_gap(v))) {
            *out = hint;
            return true;
        }
    }
    uint64_t end;
    if (bf_highest(w, l->mmap_min_addr, l->mmap_base, len, &end)) {
        *out = end - len;
        return true;
    }
    return bf_lowest(w, l->mmap_legacy_base, l->map_window, len, out);
}

static void op_place(struct world *w)
{
    uint64_t len = (1 + below(w, 32)) * PG, hint = 0;
    unsigned flags = 0;
    uint64_t r = below(w, 10);
    if (r < 2)
        len = (1 + below(w, 2)) * 512 * PG; /* THP-eligible */
    else if (r < 3)
        len = 512 * PG + PG;
    if (below(w, 4) == 0) {
        hint = below(w, 3) ? addr_of(w, (unsigned)below(w, WIN)) + below(w, PG) : rnd(w) >> 8;
        w->n_hint++;
    }
    if (below(w, 8) == 0)
        flags |= MMAP_SHARED;
    if (hint && hint < w->l.mmap_min_addr)
        hint = w->l.mmap_min_addr;
    uint64_t want, got = 0;
    bool thp = !hint && !(flags & MMAP_SHARED) && len % (512 * PG) == 0;
    bool ok;
    if (thp) {
        uint64_t ret;
        ok = bf_area(w, 0, len + 512 * PG, &ret);
        if (ok) {
            uint64_t sub = (0 - ret) & (512 * PG - 1);
            want = sub ? ret + sub : ret + 512 * PG;
            w->n_thp++;
        } else {
            ok = bf_area(w, 0, len, &want);
        }
    } else {
        ok = bf_area(w, hint, len, &want);
    }
    int rc = mmap_get_unmapped_area(w->set, &w->l, hint, len, 0, flags, &got);
    EXPECT_RC(w, rc, ok ? 0 : VML_ENOMEM, "mmap_get_unmapped_area");
    if (!ok)
        return;
    if (got != want)
        FAIL(w, "placed %#llx bytes (hint %#llx flags %u) at %#llx, brute force says %#llx",
             (unsigned long long)len, (unsigned long long)hint, flags, (unsigned long long)got,
             (unsigned long long)want);
    const struct vma *v = vma_find_next(w->set, got);
    if (v && got + len > start_gap(v))
        FAIL(w, "placement at %#llx collides with [%#llx, %#llx)", (unsigned long long)got,
             (unsigned long long)v->start, (unsigned long long)v->end);
    w->n_place++;
    if (got < w->base || got + len > addr_of(w, WIN))
        return;
    struct vma_desc d = { .start = got, .end = got + len, .flags = below(w, 4) ? RW : RO };
    if (flags & MMAP_SHARED) {
        d.kind = VMA_SHMEM;
        d.file = &shm_obj;
        d.flags |= VM_SHARED | VM_MAYSHARE;
    }
    do_map(w, &d);
    w->n_placed++;
}

/* The gap searches themselves, with limits anywhere in the window. */
static void op_gaps(struct world *w)
{
    uint64_t low = addr_of(w, (unsigned)below(w, WIN)), high = addr_of(w, (unsigned)below(w, WIN));
    if (below(w, 4) == 0)
        high = w->l.mmap_base;
    uint64_t len = (1 + below(w, below(w, 4) ? 8 : 64)) * PG, got, want;
    bool ok = bf_highest(w, low, high, len, &want);
    int rc = vma_gap_highest(w->set, low, high, len, &got);
    EXPECT_RC(w, rc, ok ? 0 : VML_ENOMEM, "vma_gap_highest");
    if (ok && got != want)
        FAIL(w, "vma_gap_highest(%#llx, %#llx, %#llx) = %#llx, brute force %#llx",
             (unsigned long long)low, (unsigned long long)high, (unsigned long long)len,
             (unsigned long long)got, (unsigned long long)want);
    ok = bf_lowest(w, low, high, len, &want);
    rc = vma_gap_lowest(w->set, low, high, len, &got);
    EXPECT_RC(w, rc, ok ? 0 : VML_ENOMEM, "vma_gap_lowest");
    if (ok && got != want)
        FAIL(w, "vma_gap_lowest(%#llx, %#llx, %#llx) = %#llx, brute force %#llx",
             (unsigned long long)low, (unsigned long long)high, (unsigned long long)len,
             (unsigned long long)got, (unsigned long long)want);
    w->n_gaps++;
}

static void op_noreplace(struct world *w)
{
    uint64_t start, len, got = 0;
    random_range(w, &start, &len, 16);
    bool busy = model_any_mapped(w, start, start + len);
    int rc = mmap_get_unmapped_area(w->set, &w->l, start, len, 0, MMAP_FIXED_NOREPLACE, &got);
    EXPECT_RC(w, rc, busy ? VML_EEXIST : 0, "MAP_FIXED_NOREPLACE");
    if (busy) {
        w->n_eexist++;
        return;
    }
    if (got != start)
        FAIL(w, "MAP_FIXED_NOREPLACE moved %#llx to %#llx", (unsigned long long)start,
             (unsigned long long)got);
    struct vma_desc d = random_desc(w, start, len);
    do_map(w, &d);
    w->n_noreplace++;
}

/* fork: the child's VMAs are copies; each with an anon_vma gets a new one, chained to the
 * parent's (forked). */
static void op_fork(struct world *w)
{
    struct vma_set_config cfg = { .max_map_count = vma_set_max_map_count(w->set),
                                  .stack_guard_gap = GUARD };
    struct vma_set *child;
    assert_int_equal(vma_set_create(&cfg, &child), 0);
    for (const struct vma *v = vma_first(w->set); v; v = vma_next(v)) {
        struct vma_desc d = { .start = v->start,
                              .end = v->end,
                              .flags = v->flags,
                              .kind = v->kind,
                              .file = v->file,
                              .pgoff = v->pgoff,
                              .anon = v->anon ? ++w->next_anon : 0,
                              .anon_forked = v->anon != 0,
                              .policy = v->policy,
                              .name = v->name,
                              .anon_name = v->anon_name };
        EXPECT_RC(w, vma_insert(child, &d, NULL), 0, "vma_insert");
        for (uint64_t a = v->start; a < v->end; a += PG) {
            w->pg[idx_of(w, a)].anon = d.anon;
            w->pg[idx_of(w, a)].forked = d.anon_forked;
        }
    }
    vma_set_destroy(w->set);
    w->set = child;
    w->n_fork++;
}

/* ---- driver -------------------------------------------------------------------------------- */

static void run_seed(uint64_t seed, unsigned long ops)
{
    struct world *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->seed = w->rng = seed;
    struct vma_set_config cfg = { .max_map_count = seed % 2 ? MAX_MAP : 0,
                                  .stack_guard_gap = GUARD };
    assert_int_equal(vma_set_create(&cfg, &w->set), 0);
    struct mmap_layout_config lc;
    mmap_layout_config_default(&lc);
    lc.stack_guard_gap = GUARD;
    lc.aslr = true;
    lc.seed = seed;
    assert_int_equal(mmap_layout_init(&w->l, &lc), 0);
    w->base = w->l.mmap_base - WIN * PG;

    for (w->step = 0; w->step < ops; w->step++) {
        uint64_t r = below(w, 1000);
        if (r < 220)
            op_map_fixed(w);
        else if (r < 360)
            op_unmap(w);
        else if (r < 620)
            op_change(w);
        else if (r < 780)
            op_place(w);
        else if (r < 880)
            op_fault(w);
        else if (r < 920)
            op_grow(w);
        else if (r < 960)
            op_noreplace(w);
        else
            op_gaps(w);
        if (w->step % 20000 == 19999)
            op_fork(w);
        compare(w);
    }
    printf("seed %llu: %lu steps: %lu maps, %lu unmaps, %lu changes (%lu hole errors), "
           "%lu placements (%lu hinted, %lu THP, %lu mapped), %lu NOREPLACE (%lu EEXIST), "
           "%lu faults (%lu reused), %lu stack growths, %lu forks, %lu map-count errors, "
           "%lu EHOST, %lu gap searches; %zu VMAs at the end\n",
           (unsigned long long)seed, ops, w->n_map, w->n_unmap, w->n_change, w->n_holes, w->n_place,
           w->n_hint, w->n_thp, w->n_placed, w->n_noreplace, w->n_eexist, w->n_fault, w->n_reuse,
           w->n_grow, w->n_fork, w->n_mapcount, w->n_ehost, w->n_gaps, vma_set_count(w->set));
    /* the mix must have exercised what it claims */
    assert_true(w->n_map > ops / 10 && w->n_unmap > ops / 20 && w->n_change > ops / 10);
    assert_true(w->n_holes > 0 && w->n_ehost > 0 && w->n_eexist > 0 && w->n_thp > 0);
    assert_true(w->n_placed > 0 && w->n_reuse > 0 && w->n_grow > 0 && w->n_fork > 0);
    if (seed % 2)
        assert_true(w->n_mapcount > 0);
    vma_set_destroy(w->set);
    free(w);
}

static int run_one(uint64_t seed, unsigned long ops)
{
    run_seed(seed, ops);
    return 0; /* a failure stops the test in run_seed (cmocka) */
}

static void test_seeds(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 20261124, 0xdecafbae };
    run_seeds(run_one, seeds, sizeof(seeds) / sizeof(seeds[0]), 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
