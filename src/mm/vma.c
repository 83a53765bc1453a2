/* mm/vma.c: an address space's VMAs: lookup, insertion, split, merge, unmap and range changes.
 *
 * Data structure: an intrusive AVL tree keyed by start, threaded with a doubly linked list in
 * address order, and augmented, per node, with the free gap below the VMA and the largest gap in
 * its subtree. Why:
 *   - lookups (find, find_next, intersection) are O(log n), iteration is O(1) a step;
 *   - insert and remove are O(log n) and allocate nothing but the struct vma itself, so every
 *     operation can allocate what it needs first and then mutate without a failure point;
 *   - the gap augmentation makes placement O(log n) (the scheme of Linux 3.9-6.0,
 *     rb_subtree_gap, before the maple tree): a sorted array would need O(n) per mmap for the
 *     search and O(n) memmove per insert, i.e. O(n^2) to build a process with
 *     vm.max_map_count (65530) mappings.
 * A VMA's gap is the free space between the end of the previous VMA (0 for the first) and its
 * vm_start_gap (start minus stack_guard_gap for VM_GROWSDOWN), so the stack guard rule of
 * placement is built into the gaps. The free range above the last VMA is handled separately.
 */
#include "mm/vma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_OFF (VMA_PAGE_SIZE - 1)

struct vma_set {
    struct vma *root;
    struct vma *first, *last;
    size_t count;
    uint32_t max_map_count;
    uint64_t guard; /* stack_guard_gap */
    struct vma_set_ops ops;
    void *ops_ctx;
    char **strings; /* vma_set_intern */
    size_t nr_strings, cap_strings;
    unsigned fail_in; /* vma_set_fail_alloc */
    /* vma_find's last answer: a VMA in the tree (forgotten when one leaves it), asked first.
     * VMAs do not overlap, so one in the tree holding the address is the one the search finds,
     * whatever bounds it has now. Reclaim's rmap walks and the faults ask about the same few
     * VMAs again and again, where the search's branches go either way at each level. */
    struct vma *hint;
};

static bool aligned(uint64_t x)
{
    return (x & PAGE_OFF) == 0;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static void *set_alloc(struct vma_set *set, size_t size)
{
    if (set->fail_in && --set->fail_in == 0)
        return NULL;
    return calloc(1, size);
}

void vma_set_fail_alloc(struct vma_set *set, unsigned nth)
{
    set->fail_in = nth;
}

static void release(struct vma_set *set, struct vma *v)
{
    if (set->hint == v)
        set->hint = NULL;
    if (set->ops.release)
        set->ops.release(set->ops_ctx, v);
    free(v);
}

/* ---- tree ------------------------------------------------------------------------------- */

uint64_t vma_start_gap(const struct vma_set *set, const struct vma *v)
{
    /* include/linux/mm.h: vm_start_gap */
    uint64_t g = (v->flags & VM_GROWSDOWN) ? set->guard : 0;
    return v->start > g ? v->start - g : 0;
}

static uint64_t own_gap(const struct vma_set *set, const struct vma *v)
{
    uint64_t lo = v->n.prev ? v->n.prev->end : 0, hi = vma_start_gap(set, v);
    return hi > lo ? hi - lo : 0;
}

static int height(const struct vma *v)
{
    return v ? v->n.height : 0;
}

static uint64_t max_gap(const struct vma *v)
{
    return v ? v->n.max_gap : 0;
}

/* Recomputes v's height and max_gap from its children. */
static void pull(struct vma *v)
{
    int hl = height(v->n.left), hr = height(v->n.right);
    v->n.height = 1 + (hl > hr ? hl : hr);
    v->n.max_gap = max64(v->n.gap, max64(max_gap(v->n.left), max_gap(v->n.right)));
}

static void fix_up(struct vma *v)
{
    for (; v; v = v->n.parent)
        pull(v);
}

static void replace_child(struct vma_set *set, struct vma *parent, struct vma *old, struct vma *nw)
{
    if (!parent)
        set->root = nw;
    else if (parent->n.left == old)
        parent->n.left = nw;
    else
        parent->n.right = nw;
    if (nw)
        nw->n.parent = parent;
}

static struct vma *rotate_left(struct vma_set *set, struct vma *x)
{
    struct vma *y = x->n.right;
    replace_child(set, x->n.parent, x, y);
    x->n.right = y->n.left;
    if (x->n.right)
        x->n.right->n.parent = x;
    y->n.left = x;
    x->n.parent = y;
    pull(x);
    pull(y);
    return y;
}

static struct vma *rotate_right(struct vma_set *set, struct vma *x)
{
    struct vma *y = x->n.left;
    replace_child(set, x->n.parent, x, y);
    x->n.left = y->n.right;
    if (x->n.left)
        x->n.left->n.parent = x;
    y->n.right = x;
    x->n.parent = y;
    pull(x);
    pull(y);
    return y;
}

/* Restores balance and the augmented values from v up to the root. */
static void rebalance(struct vma_set *set, struct vma *v)
{
    while (v) {
        pull(v);
        int bf = height(v->n.left) - height(v->n.right);
        if (bf > 1) {
            struct vma *l = v->n.left;
            if (height(l->n.left) < height(l->n.right))
                rotate_left(set, l);
            v = rotate_right(set, v);
        } else if (bf < -1) {
            struct vma *r = v->n.right;
            if (height(r->n.right) < height(r->n.left))
                rotate_right(set, r);
            v = rotate_left(set, v);
        }
        v = v->n.parent;
    }
}

/* v's start or end (or VM_GROWSDOWN) changed without changing the order: refresh the gap below
 * v and the gap below the next VMA. */
static void bounds_changed(struct vma_set *set, struct vma *v)
{
    v->n.gap = own_gap(set, v);
    fix_up(v);
    struct vma *next = v->n.next;
    if (next) {
        next->n.gap = own_gap(set, next);
        fix_up(next);
    }
}

/* Links v (start, end set; overlapping nothing) into the tree and the list. */
static void tree_insert(struct vma_set *set, struct vma *v)
{
    struct vma *p = NULL, **link = &set->root;
    while (*link) {
        p = *link;
        link = v->start < p->start ? &p->n.left : &p->n.right;
    }
    *link = v;
    v->n.parent = p;
    v->n.left = v->n.right = NULL;
    v->n.height = 1;
    if (!p) {
        v->n.prev = v->n.next = NULL;
    } else if (link == &p->n.left) {
        v->n.next = p;
        v->n.prev = p->n.prev;
    } else {
        v->n.prev = p;
        v->n.next = p->n.next;
    }
    if (v->n.prev)
        v->n.prev->n.next = v;
    else
        set->first = v;
    if (v->n.next)
        v->n.next->n.prev = v;
    else
        set->last = v;
    set->count++;

    v->n.gap = v->n.max_gap = own_gap(set, v);
    struct vma *next = v->n.next;
    if (next) {
        next->n.gap = own_gap(set, next);
        fix_up(next);
    }
    rebalance(set, v);
}

/* Unlinks v from the tree and the list (v is not freed). */
static void tree_remove(struct vma_set *set, struct vma *v)
{
    if (set->hint == v)
        set->hint = NULL;
    struct vma *prev = v->n.prev, *next = v->n.next;
    if (prev)
        prev->n.next = next;
    else
        set->first = next;
    if (next)
        next->n.prev = prev;
    else
        set->last = prev;
    if (next)
        next->n.gap = own_gap(set, next);

    struct vma *fix;
    if (v->n.left && v->n.right) {
        struct vma *y = v->n.right; /* the successor, which is next */
        while (y->n.left)
            y = y->n.left;
        if (y->n.parent != v) {
            fix = y->n.parent;
            replace_child(set, y->n.parent, y, y->n.right);
            y->n.right = v->n.right;
            y->n.right->n.parent = y;
        } else {
            fix = y;
        }
        y->n.left = v->n.left;
        y->n.left->n.parent = y;
        replace_child(set, v->n.parent, v, y);
    } else {
        fix = v->n.parent;
        replace_child(set, v->n.parent, v, v->n.left ? v->n.left : v->n.right);
    }
    rebalance(set, fix);
    if (next)
        fix_up(next);
    set->count--;
    memset(&v->n, 0, sizeof(v->n));
}

/* ---- set ------------------------------------------------------------------------------- */

int vma_set_create(const struct vma_set_config *cfg, struct vma_set **out)
{
    *out = NULL;
    uint64_t guard =
        cfg && cfg->stack_guard_gap ? cfg->stack_guard_gap : VMA_DEFAULT_STACK_GUARD_GAP;
    if (!aligned(guard))
        return VML_EINVAL;
    struct vma_set *set = calloc(1, sizeof(*set));
    if (!set)
        return VML_EHOST;
    set->guard = guard;
    set->max_map_count = cfg && cfg->max_map_count ? cfg->max_map_count : VMA_DEFAULT_MAX_MAP_COUNT;
    if (cfg && cfg->ops)
        set->ops = *cfg->ops;
    set->ops_ctx = cfg ? cfg->ops_ctx : NULL;
    *out = set;
    return 0;
}

void vma_set_destroy(struct vma_set *set)
{
    if (!set)
        return;
    struct vma *v = set->first;
    while (v) {
        struct vma *next = v->n.next;
        release(set, v);
        v = next;
    }
    for (size_t i = 0; i < set->nr_strings; i++)
        free(set->strings[i]);
    free(set->strings);
    free(set);
}

size_t vma_set_count(const struct vma_set *set)
{
    return set->count;
}

uint32_t vma_set_max_map_count(const struct vma_set *set)
{
    return set->max_map_count;
}

uint64_t vma_set_stack_guard_gap(const struct vma_set *set)
{
    return set->guard;
}

const char *vma_set_intern(struct vma_set *set, const char *s)
{
    for (size_t i = 0; i < set->nr_strings; i++)
        if (strcmp(set->strings[i], s) == 0)
            return set->strings[i];
    if (set->nr_strings == set->cap_strings) {
        size_t cap = set->cap_strings ? 2 * set->cap_strings : 8;
        char **a = realloc(set->strings, cap * sizeof(*a));
        if (!a)
            return NULL;
        set->strings = a;
        set->cap_strings = cap;
    }
    size_t len = strlen(s) + 1;
    char *copy = set_alloc(set, len);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    set->strings[set->nr_strings++] = copy;
    return copy;
}

/* ---- lookups --------------------------------------------------------------------------- */

struct vma *vma_first(const struct vma_set *set)
{
    return set->first;
}

struct vma *vma_last(const struct vma_set *set)
{
    return set->last;
}

struct vma *vma_find(const struct vma_set *set, uint64_t addr)
{
    struct vma *v = set->hint;
    if (v && v->start <= addr && addr < v->end)
        return v;
    v = set->root;
    while (v) {
        if (addr < v->start)
            v = v->n.left;
        else if (addr >= v->end)
            v = v->n.right;
        else {
            /* the set's own memo (a look-up changes nothing the set shows): the set is never
             * const itself, only in the finder's signature */
            ((struct vma_set *)set)->hint = v;
            return v;
        }
    }
    return NULL;
}

struct vma *vma_find_next(const struct vma_set *set, uint64_t addr)
{
    struct vma *v = set->root, *best = NULL;
    while (v) {
        if (v->end > addr) {
            best = v;
            v = v->n.left;
        } else {
            v = v->n.right;
        }
    }
    return best;
}

struct vma *vma_find_prev(const struct vma_set *set, uint64_t addr)
{
    struct vma *v = set->root, *best = NULL;
    while (v) {
        if (v->start < addr) {
            best = v;
            v = v->n.right;
        } else {
            v = v->n.left;
        }
    }
    return best;
}

struct vma *vma_find_intersection(const struct vma_set *set, uint64_t start, uint64_t end)
{
    struct vma *v = vma_find_next(set, start);
    return v && v->start < end ? v : NULL;
}

/* ---- gap search (for mmap_layout.c) ---------------------------------------------------- */

/* Does the gap below v, clipped to [low, high), hold len bytes? */
static bool gap_fits(const struct vma_set *set, const struct vma *v, uint64_t low, uint64_t high,
                     uint64_t len)
{
    uint64_t lo = max64(v->n.prev ? v->n.prev->end : 0, low);
    uint64_t hi = vma_start_gap(set, v);
    if (hi > high)
        hi = high;
    return hi > lo && hi - lo >= len;
}

/* The last VMA of v's subtree whose gap fits. Subtrees are skipped when their largest gap is too
 * small or when all their gaps lie outside [low, high) too far to fit, so only O(log n) nodes
 * are visited. */
static const struct vma *highest_fit(const struct vma_set *set, const struct vma *v, uint64_t low,
                                     uint64_t high, uint64_t len)
{
    if (!v || v->n.max_gap < len)
        return NULL;
    /* gaps to the right begin at v->end or above */
    if (v->end < high && high - v->end >= len) {
        const struct vma *r = highest_fit(set, v->n.right, low, high, len);
        if (r)
            return r;
    }
    if (gap_fits(set, v, low, high, len))
        return v;
    /* gaps to the left end at v->start or below */
    if (v->start > low && v->start - low >= len)
        return highest_fit(set, v->n.left, low, high, len);
    return NULL;
}

static const struct vma *lowest_fit(const struct vma_set *set, const struct vma *v, uint64_t low,
                                    uint64_t high, uint64_t len)
{
    if (!v || v->n.max_gap < len)
        return NULL;
    if (v->start > low && v->start - low >= len) {
        const struct vma *l = lowest_fit(set, v->n.left, low, high, len);
        if (l)
            return l;
    }
    if (gap_fits(set, v, low, high, len))
        return v;
    if (v->end < high && high - v->end >= len)
        return lowest_fit(set, v->n.right, low, high, len);
    return NULL;
}

/* The free range above the last VMA, clipped to [low, high): its start, or false if under len. */
static bool top_gap(const struct vma_set *set, uint64_t low, uint64_t high, uint64_t len,
                    uint64_t *lo)
{
    *lo = max64(set->last ? set->last->end : 0, low);
    return *lo < high && high - *lo >= len;
}

int vma_gap_highest(const struct vma_set *set, uint64_t low, uint64_t high, uint64_t len,
                    uint64_t *end)
{
    uint64_t lo;
    if (len == 0 || high <= low || high - low < len)
        return VML_ENOMEM;
    if (top_gap(set, low, high, len, &lo)) {
        *end = high;
        return 0;
    }
    const struct vma *v = highest_fit(set, set->root, low, high, len);
    if (!v)
        return VML_ENOMEM;
    uint64_t hi = vma_start_gap(set, v);
    *end = hi < high ? hi : high;
    return 0;
}

int vma_gap_lowest(const struct vma_set *set, uint64_t low, uint64_t high, uint64_t len,
                   uint64_t *start)
{
    if (len == 0 || high <= low || high - low < len)
        return VML_ENOMEM;
    const struct vma *v = lowest_fit(set, set->root, low, high, len);
    if (v) {
        *start = max64(v->n.prev ? v->n.prev->end : 0, low);
        return 0;
    }
    return top_gap(set, low, high, len, start) ? 0 : VML_ENOMEM;
}

/* ---- merge rules ----------------------------------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* mm/vma.c: is_mergeable_vma (flags but VM_SOFTDIRTY, file, policy, anon name). priv stands
 * for the open file (vm_file) outside hugetlb, where it is the reserve map. */
static bool attrs_equal(const struct vma *a, const struct vma *b)
{
    return ((a->flags ^ b->flags) & ~VM_SOFTDIRTY) == 0 && a->kind == b->kind &&
           a->file == b->file && a->policy == b->policy && str_eq(a->anon_name, b->anon_name) &&
           ((a->flags & VM_HUGETLB) || a->priv == b->priv);
}

/* mm/vma.c: is_mergeable_anon_vma. Two lineages can become one VMA's if they are the same, or
 * one side has none yet and the other was not copied by fork (its anon_vma_chain is singular). */
static bool anon_compatible(uint64_t a, bool a_forked, uint64_t b, bool b_forked)
{
    if (a == b)
        return true;
    if (!a)
        return !b_forked;
    if (!b)
        return !a_forked;
    return false;
}

bool vma_can_merge(const struct vma *a, const struct vma *b)
{
    /* mm/vma.c: can_vma_merge_after / can_vma_merge_before */
    return a->end == b->start && attrs_equal(a, b) && !(a->flags & VM_SPECIAL) &&
           a->pgoff + vma_pages(a) == b->pgoff &&
           anon_compatible(a->anon, a->anon_forked, b->anon, b->anon_forked);
}

/* mm/vma.c: can_vma_merge_right: prev and next merging through a middle range must also agree
 * with each other. */
static bool anon_pair_ok(const struct vma *prev, const struct vma *next)
{
    return !prev->anon || !next->anon || prev->anon == next->anon;
}

/* mm/vma.c: dup_anon_vma: a survivor without an anon_vma takes the absorbed range's. */
static void adopt(struct vma *dst, const struct vma *src)
{
    if (!dst->anon && src->anon) {
        dst->anon = src->anon;
        dst->anon_forked = src->anon_forked;
    }
    if (!dst->name)
        dst->name = src->name;
}

/* mm/rmap.c: anon_vma_compatible (flags may differ in access bits only) */
static bool anon_vma_compatible(const struct vma *a, const struct vma *b)
{
    return a->end == b->start && a->policy == b->policy && a->file == b->file &&
           ((a->flags ^ b->flags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) == 0 &&
           b->pgoff == a->pgoff + vma_pages(a);
}

uint64_t vma_anon_reusable(const struct vma *v)
{
    /* mm/rmap.c: find_mergeable_anon_vma, reusable_anon_vma: next first, then prev */
    const struct vma *next = v->n.next, *prev = v->n.prev;
    if (next && anon_vma_compatible(v, next) && next->anon && !next->anon_forked)
        return next->anon;
    if (prev && anon_vma_compatible(prev, v) && prev->anon && !prev->anon_forked)
        return prev->anon;
    return 0;
}

/* ---- map, insert, split ---------------------------------------------------------------- */

static int check_desc(const struct vma_desc *d)
{
    if (d->start >= d->end || !aligned(d->start) || !aligned(d->end))
        return VML_EINVAL;
    switch (d->kind) {
    case VMA_ANON:
        if (d->file || (d->flags & (VM_SHARED | VM_MAYSHARE)))
            return VML_EINVAL;
        return 0;
    case VMA_FILE:
    case VMA_SHMEM: return d->file ? 0 : VML_EINVAL;
    default: return VML_EINVAL;
    }
}

static void from_desc(struct vma *v, const struct vma_desc *d)
{
    memset(v, 0, sizeof(*v));
    v->start = d->start;
    v->end = d->end;
    v->flags = d->flags;
    v->kind = d->kind;
    v->file = d->file;
    v->pgoff = d->pgoff;
    v->anon = d->anon;
    v->anon_forked = d->anon_forked;
    v->policy = d->policy;
    v->name = d->name;
    v->anon_name = d->anon_name;
    v->priv = d->priv;
}

int vma_insert(struct vma_set *set, const struct vma_desc *d, struct vma **out)
{
    int err = check_desc(d);
    if (err)
        return err;
    if (vma_find_intersection(set, d->start, d->end))
        return VML_EEXIST;
    struct vma *v = set_alloc(set, sizeof(*v));
    if (!v)
        return VML_EHOST;
    from_desc(v, d);
    v->copied = true;
    tree_insert(set, v);
    if (out)
        *out = v;
    return 0;
}

int vma_map(struct vma_set *set, const struct vma_desc *d, struct vma **out)
{
    int err = check_desc(d);
    if (err)
        return err;
    if (vma_find_intersection(set, d->start, d->end))
        return VML_EEXIST;
    /* mm/mmap.c: do_mmap: "Too many mappings?" (count > max, not >=) */
    if (set->count > set->max_map_count)
        return VML_ENOMEM;

    struct vma cand;
    from_desc(&cand, d);
    if (cand.kind == VMA_ANON)
        cand.pgoff = cand.start >> VMA_PAGE_SHIFT; /* mm/mmap.c: do_mmap, MAP_PRIVATE */

    /* mm/vma.c: vma_merge_new_range */
    struct vma *prev = vma_find_prev(set, cand.start);
    struct vma *next = prev ? prev->n.next : set->first;
    bool left = false, right = false;
    if (!(cand.flags & VM_SPECIAL) && (prev || next)) {
        left = prev && vma_can_merge(prev, &cand);
        right = next && vma_can_merge(&cand, next) && (!left || anon_pair_ok(prev, next));
    }

    struct vma *v;
    if (left && right) {
        /* extend prev over the range and next, remove next */
        uint64_t end = next->end;
        tree_remove(set, next);
        adopt(prev, &cand);
        adopt(prev, next);
        prev->end = end;
        bounds_changed(set, prev);
        release(set, next);
        v = prev;
    } else if (left) {
        adopt(prev, &cand);
        prev->end = cand.end;
        bounds_changed(set, prev);
        v = prev;
    } else if (right) {
        adopt(next, &cand);
        next->start = cand.start;
        next->pgoff = cand.pgoff;
        bounds_changed(set, next);
        v = next;
    } else {
        v = set_alloc(set, sizeof(*v));
        if (!v)
            return VML_EHOST;
        *v = cand;
        tree_insert(set, v);
    }
    if (out)
        *out = v;
    return 0;
}

/* __split_vma with preallocated storage n: n becomes the part below addr (new_below) or above. */
static void split_into(struct vma_set *set, struct vma *v, uint64_t addr, struct vma *n,
                       bool new_below)
{
    *n = *v;
    memset(&n->n, 0, sizeof(n->n));
    uint64_t delta = (addr - v->start) >> VMA_PAGE_SHIFT;
    if (new_below) {
        n->end = addr;
        v->start = addr;
        v->pgoff += delta;
    } else {
        n->start = addr;
        n->pgoff += delta;
        v->end = addr;
    }
    /* v still sorts where it was; linking n refreshes the gaps around it */
    tree_insert(set, n);
    if (!new_below)
        bounds_changed(set, v);
    if (set->ops.split)
        set->ops.split(set->ops_ctx, v, n);
}

int vma_split(struct vma_set *set, struct vma *v, uint64_t addr, bool new_below, struct vma **piece)
{
    if (!aligned(addr) || addr <= v->start || addr >= v->end)
        return VML_EINVAL;
    /* mm/vma.c: split_vma */
    if (set->count >= set->max_map_count)
        return VML_ENOMEM;
    struct vma *n = set_alloc(set, sizeof(*n));
    if (!n)
        return VML_EHOST;
    split_into(set, v, addr, n, new_below);
    if (piece)
        *piece = n;
    return 0;
}

/* ---- unmap ----------------------------------------------------------------------------- */

int vma_unmap_range(struct vma_set *set, uint64_t start, uint64_t end, vma_unmap_fn fn, void *ctx)
{
    if (start >= end || !aligned(start) || !aligned(end))
        return VML_EINVAL;
    struct vma *first = vma_find_intersection(set, start, end);
    if (!first)
        return 0;
    struct vma *last = vma_find_prev(set, end);
    bool split_lo = start > first->start, split_hi = end < last->end;

    /* mm/vma.c: vms_gather_munmap_vmas: only a split in the middle of one VMA can leave more
     * VMAs than before */
    if (first == last && split_lo && split_hi && set->count >= set->max_map_count)
        return VML_ENOMEM;
    struct vma *lo = NULL, *hi = NULL;
    if (split_lo && !(lo = set_alloc(set, sizeof(*lo))))
        return VML_EHOST;
    if (split_hi && !(hi = set_alloc(set, sizeof(*hi)))) {
        free(lo);
        return VML_EHOST;
    }

    /* The original VMAs keep the parts outside the range; the pieces inside are removed. */
    if (split_lo) {
        split_into(set, first, start, lo, false);
        if (last == first)
            last = lo;
        first = lo;
    }
    if (split_hi) {
        split_into(set, last, end, hi, true);
        if (first == last)
            first = hi;
        last = hi;
    }
    /* Detach first..last, chaining them through n.next for the callbacks. */
    struct vma *head = NULL, **tail = &head;
    for (struct vma *v = first, *stop = last->n.next; v != stop;) {
        struct vma *next = v->n.next;
        tree_remove(set, v);
        *tail = v;
        tail = &v->n.next;
        v = next;
    }
    while (head) {
        struct vma *next = head->n.next;
        head->n.next = NULL;
        if (fn)
            fn(ctx, head);
        release(set, head);
        head = next;
    }
    return 0;
}

/* ---- attribute changes ----------------------------------------------------------------- */

struct attrs {
    uint64_t flags;
    const char *anon_name;
    const void *policy;
};

/* mm/vma.c: vma_modify: gives [s, e) of v the attributes a. Merges into prev and/or next when
 * possible (vma_merge_existing_range), else splits v at s and e as needed and changes v. */
static int modify_piece(struct vma_set *set, struct vma *v, uint64_t s, uint64_t e,
                        const struct attrs *a)
{
    if (a->flags == v->flags && str_eq(a->anon_name, v->anon_name) && a->policy == v->policy)
        return 0;
    bool left_side = s == v->start, right_side = e == v->end;
    struct vma *prev = v->n.prev, *next = v->n.next;
    if (set->ops.boundary) {
        if (!left_side)
            set->ops.boundary(set->ops_ctx, v, s);
        if (!right_side)
            set->ops.boundary(set->ops_ctx, v, e);
    }

    /* The piece with its new attributes, as the merge rules see it. */
    struct vma cand = *v;
    cand.start = s;
    cand.end = e;
    cand.pgoff = vma_pgoff_at(v, s);
    cand.flags = a->flags;
    cand.anon_name = a->anon_name;
    cand.policy = a->policy;

    /* mm/vma.c: vma_merge_existing_range */
    bool ml = false, mr = false;
    if (!(a->flags & VM_SPECIAL) && (left_side || right_side)) {
        ml = left_side && prev && vma_can_merge(prev, &cand);
        mr = right_side && next && vma_can_merge(&cand, next) && (!ml || anon_pair_ok(prev, next));
    }
    if (ml && mr) {
        /* prev extends over v and next; both go */
        uint64_t end = next->end;
        tree_remove(set, v);
        tree_remove(set, next);
        adopt(prev, next->anon ? next : v);
        adopt(prev, v);
        prev->end = end;
        bounds_changed(set, prev);
        release(set, v);
        release(set, next);
    } else if (ml) {
        adopt(prev, v);
        if (right_side) {
            tree_remove(set, v);
            prev->end = e;
            bounds_changed(set, prev);
            release(set, v);
        } else {
            v->pgoff = vma_pgoff_at(v, e);
            v->start = e;
            prev->end = e;
            bounds_changed(set, prev);
        }
    } else if (mr) {
        adopt(next, v);
        if (left_side) {
            tree_remove(set, v);
        } else {
            v->end = s;
            bounds_changed(set, v);
        }
        next->start = s;
        next->pgoff = cand.pgoff;
        bounds_changed(set, next);
        if (left_side)
            release(set, v);
    } else {
        /* No merge: split off what lies outside [s, e); v keeps the middle. */
        unsigned need = (s > v->start) + (e < v->end);
        /* mm/vma.c: split_vma, once per split (checked up front: all or nothing) */
        if (need && set->count + need - 1 >= set->max_map_count)
            return VML_ENOMEM;
        struct vma *n1 = NULL, *n2 = NULL;
        if (s > v->start && !(n1 = set_alloc(set, sizeof(*n1))))
            return VML_EHOST;
        if (e < v->end && !(n2 = set_alloc(set, sizeof(*n2)))) {
            free(n1);
            return VML_EHOST;
        }
        if (n1)
            split_into(set, v, s, n1, true);
        if (n2)
            split_into(set, v, e, n2, false);
        v->flags = a->flags;
        v->anon_name = a->anon_name;
        v->policy = a->policy;
        bounds_changed(set, v); /* VM_GROWSDOWN may have changed */
    }
    return 0;
}

int vma_change(struct vma_set *set, uint64_t start, uint64_t end, const struct vma_change *ch,
               uint64_t *done)
{
    uint64_t dummy, cur = start;
    if (!done)
        done = &dummy;
    *done = start;
    if (start >= end || !aligned(start) || !aligned(end))
        return VML_EINVAL;
    int hole = 0;
    while (cur < end) {
        struct vma *v = vma_find_next(set, cur);
        uint64_t vs = v && v->start < end ? v->start : end;
        if (vs > cur) {
            /* a hole at [cur, vs) */
            if (ch->holes == VMA_HOLES_STOP) {
                *done = cur;
                return VML_ENOMEM;
            }
            if (ch->holes == VMA_HOLES_SKIP)
                hole = VML_ENOMEM;
            cur = vs;
            if (cur == end)
                break;
        }
        uint64_t pe = v->end < end ? v->end : end;
        struct attrs a = { (v->flags & ~ch->clear) | ch->set,
                           ch->change_anon_name ? ch->anon_name : v->anon_name,
                           ch->change_policy ? ch->policy : v->policy };
        int err = ch->fn ? ch->fn(ch->ctx, v, cur, pe, &a.flags) : 0;
        bool same = a.flags == v->flags && a.anon_name == v->anon_name && a.policy == v->policy;
        if (!err)
            err = modify_piece(set, v, cur, pe, &a);
        struct vma *changed = err || same ? NULL : vma_find(set, cur);
        if (changed)
            changed->copied = false; /* merged if it could (vma_merge_existing_range) */
        if (err) {
            *done = cur;
            return err;
        }
        cur = pe;
    }
    *done = end;
    return hole;
}

int vma_change_flags(struct vma_set *set, uint64_t start, uint64_t end, uint64_t clear,
                     uint64_t set_bits, enum vma_holes holes, uint64_t *done)
{
    struct vma_change ch = { .clear = clear, .set = set_bits, .holes = holes };
    return vma_change(set, start, end, &ch, done);
}

int vma_expand_down(struct vma_set *set, struct vma *v, uint64_t addr)
{
    if (!(v->flags & VM_GROWSDOWN))
        return VML_EINVAL;
    addr &= ~PAGE_OFF;
    if (addr >= v->start)
        return 0;
    struct vma *prev = v->n.prev;
    if (prev && addr < prev->end)
        return VML_EINVAL;
    /* mm/mmap.c: expand_downwards: keep stack_guard_gap above an accessible VMA that does not
     * grow down */
    if (prev && !(prev->flags & VM_GROWSDOWN) && (prev->flags & VM_ACCESS_FLAGS) &&
        addr - prev->end < set->guard)
        return VML_ENOMEM;
    uint64_t grow = (v->start - addr) >> VMA_PAGE_SHIFT;
    if (grow > v->pgoff)
        return VML_ENOMEM;
    v->start = addr;
    v->pgoff -= grow;
    bounds_changed(set, v);
    return 0;
}

/* ---- invariants ------------------------------------------------------------------------ */

struct check {
    const struct vma_set *set;
    const struct vma *expect; /* next VMA the in-order walk must meet (list order) */
    size_t seen;
    char *why;
    size_t n;
};

#define BAD(c, ...)                                                                                \
    do {                                                                                           \
        snprintf((c)->why, (c)->n, __VA_ARGS__);                                                   \
        return -1;                                                                                 \
    } while (0)

static int check_vma(struct check *c, const struct vma *v)
{
    unsigned long long s = v->start, e = v->end;
    if (v != c->expect)
        BAD(c, "tree order and list order differ at [%#llx, %#llx)", s, e);
    c->seen++;
    c->expect = v->n.next;
    if (!aligned(v->start) || !aligned(v->end) || v->start >= v->end)
        BAD(c, "bad range [%#llx, %#llx)", s, e);
    if ((v->kind == VMA_ANON) != (v->file == NULL) || v->kind > VMA_SHMEM)
        BAD(c, "[%#llx, %#llx): kind %d with file %p", s, e, (int)v->kind, v->file);
    const struct vma *p = v->n.prev;
    if (!p && c->set->first != v)
        BAD(c, "[%#llx, %#llx) has no prev but is not first", s, e);
    if (p && p->n.next != v)
        BAD(c, "prev/next links broken at [%#llx, %#llx)", s, e);
    if (p && p->end > v->start)
        BAD(c, "[%#llx, %#llx) overlaps [%#llx, %#llx)", (unsigned long long)p->start,
            (unsigned long long)p->end, s, e);
    if (p && !((p->flags | v->flags) & VM_GROWSDOWN) && !p->copied && !v->copied &&
        vma_can_merge(p, v))
        BAD(c, "[%#llx, %#llx) and [%#llx, %#llx) should have merged", (unsigned long long)p->start,
            (unsigned long long)p->end, s, e);
    if (!v->n.next && c->set->last != v)
        BAD(c, "[%#llx, %#llx) has no next but is not last", s, e);
    return 0;
}

static int check_node(struct check *c, const struct vma *v, const struct vma *parent, int *h,
                      uint64_t *mg)
{
    if (!v) {
        *h = 0;
        *mg = 0;
        return 0;
    }
    if (v->n.parent != parent)
        BAD(c, "bad parent link at [%#llx, %#llx)", (unsigned long long)v->start,
            (unsigned long long)v->end);
    int hl, hr;
    uint64_t gl, gr;
    if (check_node(c, v->n.left, v, &hl, &gl) || check_vma(c, v) ||
        check_node(c, v->n.right, v, &hr, &gr))
        return -1;
    *h = 1 + (hl > hr ? hl : hr);
    uint64_t gap = own_gap(c->set, v);
    *mg = max64(gap, max64(gl, gr));
    if (v->n.height != *h || hl - hr > 1 || hr - hl > 1)
        BAD(c, "AVL height/balance wrong at [%#llx, %#llx): height %d, children %d/%d",
            (unsigned long long)v->start, (unsigned long long)v->end, v->n.height, hl, hr);
    if (v->n.gap != gap || v->n.max_gap != *mg)
        BAD(c, "gap bookkeeping wrong at [%#llx, %#llx): gap %#llx/%#llx max %#llx/%#llx",
            (unsigned long long)v->start, (unsigned long long)v->end, (unsigned long long)v->n.gap,
            (unsigned long long)gap, (unsigned long long)v->n.max_gap, (unsigned long long)*mg);
    return 0;
}

int vma_set_check(const struct vma_set *set, char *why, size_t n)
{
    struct check c = { set, set->first, 0, why, n };
    int h;
    uint64_t mg;
    if (check_node(&c, set->root, NULL, &h, &mg))
        return -1;
    if (c.expect)
        BAD(&c, "list holds VMAs the tree does not, from %#llx",
            (unsigned long long)c.expect->start);
    if (c.seen != set->count)
        BAD(&c, "count %zu, tree holds %zu", set->count, c.seen);
    if ((set->first == NULL) != (set->count == 0) || (set->last == NULL) != (set->count == 0))
        BAD(&c, "first/last pointers wrong for %zu VMAs", set->count);
    return 0;
}
