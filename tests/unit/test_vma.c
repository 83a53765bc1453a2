/* test_vma.c: VMA sets (split, merge, unmap, range changes) and mmap placement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/vma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB  1024ull
#define MB  (1024ull * KB)
#define PG  4096ull
#define MAY (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define RW  (VM_READ | VM_WRITE | MAY | VM_ACCOUNT) /* private writable anon mmap */
#define RO  (VM_READ | MAY | VM_ACCOUNT)
#define A   0x7f0000000000ull /* a quiet address for hand-placed mappings */

static int file_a, file_b; /* backing objects: only their addresses matter */

static struct vma_set *new_set(uint32_t max_map_count)
{
    struct vma_set_config cfg = { .max_map_count = max_map_count };
    struct vma_set *set;
    assert_int_equal(vma_set_create(&cfg, &set), 0);
    return set;
}

static void check(const struct vma_set *set)
{
    char why[256];
    if (vma_set_check(set, why, sizeof(why)))
        fail_msg("vma_set_check: %s", why);
}

static void done(struct vma_set *set)
{
    check(set);
    vma_set_destroy(set);
}

static struct vma_desc anon(uint64_t start, uint64_t len, uint64_t flags)
{
    return (struct vma_desc){ .start = start, .end = start + len, .flags = flags };
}

static struct vma *map(struct vma_set *set, struct vma_desc d)
{
    struct vma *v = NULL;
    assert_int_equal(vma_map(set, &d, &v), 0);
    check(set);
    return v;
}

/* The set holds exactly these [start, end) ranges, in order. */
static void expect_ranges(const struct vma_set *set, size_t n, const uint64_t *r)
{
    size_t i = 0;
    for (const struct vma *v = vma_first(set); v; v = vma_next(v), i++) {
        if (i >= n)
            fail_msg("extra VMA [%#llx, %#llx)", (unsigned long long)v->start,
                     (unsigned long long)v->end);
        if (v->start != r[2 * i] || v->end != r[2 * i + 1])
            fail_msg("VMA %zu is [%#llx, %#llx), want [%#llx, %#llx)", i,
                     (unsigned long long)v->start, (unsigned long long)v->end,
                     (unsigned long long)r[2 * i], (unsigned long long)r[2 * i + 1]);
    }
    assert_int_equal(i, n);
    assert_int_equal(vma_set_count(set), n);
}

#define EXPECT(set, ...)                                                                           \
    do {                                                                                           \
        const uint64_t r_[] = { __VA_ARGS__ };                                                     \
        expect_ranges(set, sizeof(r_) / sizeof(r_[0]) / 2, r_);                                    \
    } while (0)

/* ---- split --------------------------------------------------------------------------------- */

static void test_split_pgoff(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct vma_desc d = { .start = 0x10000000,
                          .end = 0x10010000,
                          .flags = VM_READ | MAY,
                          .kind = VMA_FILE,
                          .file = &file_a,
                          .pgoff = 100 };
    struct vma *v = map(set, d), *piece = NULL;
    /* upper part is new: pgoff advances by the 4 pages below it */
    assert_int_equal(vma_split(set, v, 0x10004000, false, &piece), 0);
    assert_int_equal(piece->start, 0x10004000);
    assert_int_equal(piece->end, 0x10010000);
    assert_int_equal(piece->pgoff, 104);
    assert_int_equal(v->end, 0x10004000);
    assert_int_equal(v->pgoff, 100);
    /* lower part is new: v (the upper part) advances */
    assert_int_equal(vma_split(set, v, 0x10001000, true, &piece), 0);
    assert_int_equal(piece->start, 0x10000000);
    assert_int_equal(piece->end, 0x10001000);
    assert_int_equal(piece->pgoff, 100);
    assert_int_equal(v->start, 0x10001000);
    assert_int_equal(v->pgoff, 101);
    assert_ptr_equal(piece->file, &file_a);
    /* a bare split leaves pieces that could merge (split_vma is always followed by a change in
     * Linux), which check() would report: no check() until they are gone */
    assert_int_equal(vma_split(set, v, 0x10001000, true, NULL), VML_EINVAL); /* at start */
    assert_int_equal(vma_split(set, v, 0x10001800, true, NULL), VML_EINVAL); /* misaligned */
    assert_int_equal(vma_split(set, v, 0x10004000, true, NULL), VML_EINVAL); /* at end */
    EXPECT(set, 0x10000000, 0x10001000, 0x10001000, 0x10004000, 0x10004000, 0x10010000);
    /* anonymous VMAs get pgoff = start >> 12 */
    struct vma *a;
    d = anon(A, 16 * PG, RW);
    d.pgoff = 5; /* ignored */
    assert_int_equal(vma_map(set, &d, &a), 0);
    assert_int_equal(a->pgoff, A >> 12);
    assert_int_equal(vma_split(set, a, A + 5 * PG, false, &piece), 0);
    assert_int_equal(piece->pgoff, (A >> 12) + 5);
    assert_int_equal(vma_unmap_range(set, 0x10000000, 0x10010000, NULL, NULL), 0);
    assert_int_equal(vma_unmap_range(set, A, A + 16 * PG, NULL, NULL), 0);
    assert_int_equal(vma_set_count(set), 0);
    done(set);
}

/* ---- merge of new ranges ------------------------------------------------------------------- */

static void test_merge_adjacent_anon(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct vma *v = map(set, anon(A, PG, RW));
    assert_ptr_equal(map(set, anon(A + PG, PG, RW)), v); /* extends v upwards */
    EXPECT(set, A, A + 2 * PG);
    assert_ptr_equal(map(set, anon(A - PG, PG, RW)), v); /* and downwards */
    EXPECT(set, A - PG, A + 2 * PG);
    assert_int_equal(v->pgoff, (A - PG) >> 12);
    map(set, anon(A + 3 * PG, PG, RW)); /* a hole between */
    EXPECT(set, A - PG, A + 2 * PG, A + 3 * PG, A + 4 * PG);
    assert_ptr_equal(map(set, anon(A + 2 * PG, PG, RW)), v); /* fills it: all one */
    EXPECT(set, A - PG, A + 4 * PG);
    /* different flags do not merge */
    map(set, anon(A + 4 * PG, PG, RO));
    map(set, anon(A + 5 * PG, PG, RW | VM_LOCKED));
    EXPECT(set, A - PG, A + 4 * PG, A + 4 * PG, A + 5 * PG, A + 5 * PG, A + 6 * PG);
    /* nor special mappings, even identical */
    map(set, anon(A + 8 * PG, PG, RW | VM_IO));
    map(set, anon(A + 9 * PG, PG, RW | VM_IO));
    assert_int_equal(vma_set_count(set), 5);
    /* VM_SOFTDIRTY is ignored */
    map(set, anon(A + 6 * PG, PG, RW | VM_LOCKED | VM_SOFTDIRTY));
    assert_int_equal(vma_set_count(set), 5);
    /* overlapping a VMA is refused */
    struct vma_desc d = anon(A + 3 * PG, 2 * PG, RW);
    assert_int_equal(vma_map(set, &d, NULL), VML_EEXIST);
    d = anon(A + 20 * PG, PG, RW | VM_SHARED);
    assert_int_equal(vma_map(set, &d, NULL), VML_EINVAL); /* shared anon must be shmem */
    d = anon(A + 20 * PG + 1, PG, RW);
    assert_int_equal(vma_map(set, &d, NULL), VML_EINVAL);
    done(set);
}

static void test_merge_anon_lineage(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    /* a faulted VMA (anon 7) absorbs an unfaulted neighbour */
    struct vma *v = map(set, anon(A, PG, RW));
    v->anon = 7;
    assert_ptr_equal(map(set, anon(A + PG, PG, RW)), v);
    assert_int_equal(v->anon, 7);
    /* and an unfaulted VMA takes the lineage of a faulted one it grows into */
    struct vma *w = map(set, anon(A + 4 * PG, PG, RW));
    assert_int_equal(w->anon, 0);
    struct vma_desc d = anon(A + 3 * PG, PG, RW);
    d.anon = 8; /* (as for a copy) */
    assert_int_equal(vma_map(set, &d, NULL), 0);
    assert_int_equal(w->anon, 8);
    EXPECT(set, A, A + 2 * PG, A + 3 * PG, A + 5 * PG);
    /* two lineages meet through a new range: it merges with prev only */
    assert_ptr_equal(map(set, anon(A + 2 * PG, PG, RW)), v);
    EXPECT(set, A, A + 3 * PG, A + 3 * PG, A + 5 * PG);
    assert_int_equal(v->anon, 7);
    assert_false(vma_can_merge(v, w));
    /* a VMA copied by fork (anon_forked) does not take unfaulted neighbours */
    d = anon(A + 10 * PG, PG, RW);
    d.pgoff = (A + 10 * PG) >> 12; /* vma_insert takes pgoff as given, as a copy has it */
    d.anon = 9;
    d.anon_forked = true;
    assert_int_equal(vma_insert(set, &d, &v), 0);
    map(set, anon(A + 11 * PG, PG, RW));
    map(set, anon(A + 9 * PG, PG, RW));
    assert_int_equal(vma_set_count(set), 5);
    /* but forked VMAs of the same lineage merge */
    assert_int_equal(vma_unmap_range(set, A + 11 * PG, A + 12 * PG, NULL, NULL), 0);
    d = anon(A + 11 * PG, PG, RW);
    d.anon = 9;
    d.anon_forked = true;
    assert_int_equal(vma_map(set, &d, NULL), 0);
    EXPECT(set, A, A + 3 * PG, A + 3 * PG, A + 5 * PG, A + 9 * PG, A + 10 * PG, A + 10 * PG,
           A + 12 * PG);
    done(set);
}

static void test_merge_file_pgoff(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    uint64_t f = VM_READ | MAY;
    struct vma_desc d = { .start = A,
                          .end = A + PG,
                          .flags = f,
                          .kind = VMA_FILE,
                          .file = &file_a,
                          .pgoff = 10,
                          .name = "/lib/x.so" };
    struct vma *v = map(set, d);
    d.start = A + PG, d.end = A + 2 * PG, d.pgoff = 11; /* contiguous in the file */
    assert_ptr_equal(map(set, d), v);
    d.start = A + 2 * PG, d.end = A + 3 * PG, d.pgoff = 13; /* not contiguous */
    map(set, d);
    d.start = A + 3 * PG, d.end = A + 4 * PG, d.pgoff = 14, d.file = &file_b; /* other file */
    map(set, d);
    d.start = A - PG, d.end = A, d.pgoff = 9, d.file = &file_a, d.kind = VMA_SHMEM; /* kind */
    map(set, d);
    EXPECT(set, A - PG, A, A, A + 2 * PG, A + 2 * PG, A + 3 * PG, A + 3 * PG, A + 4 * PG);
    assert_int_equal(v->pgoff, 10);
    assert_string_equal(v->name, "/lib/x.so");
    /* merging below a file VMA: it starts lower, at the new range's pgoff */
    assert_int_equal(vma_unmap_range(set, A - PG, A, NULL, NULL), 0);
    d.kind = VMA_FILE, d.start = A - PG, d.end = A, d.pgoff = 9;
    assert_ptr_equal(map(set, d), v);
    assert_int_equal(v->start, A - PG);
    assert_int_equal(v->pgoff, 9);
    assert_int_equal(vma_set_count(set), 3);
    d.start = A + 5 * PG, d.end = A + 6 * PG, d.file = NULL;
    assert_int_equal(vma_map(set, &d, NULL), VML_EINVAL); /* file kind without a file */
    done(set);
}

static void test_anon_name_and_policy(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    const char *n1 = vma_set_intern(set, "buf");
    assert_ptr_equal(vma_set_intern(set, "buf"), n1);
    char tmp[] = "buf";
    struct vma_desc d = anon(A, PG, RW);
    d.anon_name = tmp; /* equal by content */
    map(set, d);
    d = anon(A + PG, PG, RW);
    d.anon_name = n1;
    map(set, d);
    d = anon(A + 2 * PG, PG, RW);
    d.anon_name = "other";
    map(set, d);
    static int pol;
    d = anon(A + 3 * PG, PG, RW);
    d.policy = &pol;
    map(set, d);
    EXPECT(set, A, A + 2 * PG, A + 2 * PG, A + 3 * PG, A + 3 * PG, A + 4 * PG);
    /* renaming the middle merges it back; giving it the policy merges the rest */
    struct vma_change ch = { .change_anon_name = true, .anon_name = n1 };
    assert_int_equal(vma_change(set, A + 2 * PG, A + 3 * PG, &ch, NULL), 0);
    EXPECT(set, A, A + 3 * PG, A + 3 * PG, A + 4 * PG);
    ch = (struct vma_change){ .change_policy = true, .policy = &pol };
    assert_int_equal(vma_change(set, A + 3 * PG, A + 4 * PG, &ch, NULL), 0); /* no change */
    ch = (struct vma_change){ .change_anon_name = true, .anon_name = NULL };
    assert_int_equal(vma_change(set, A, A + 3 * PG, &ch, NULL), 0);
    ch = (struct vma_change){ .change_policy = true, .policy = &pol };
    assert_int_equal(vma_change(set, A, A + 3 * PG, &ch, NULL), 0);
    EXPECT(set, A, A + 4 * PG);
    done(set);
}

/* ---- mprotect, mlock, madvise ---------------------------------------------------------------- */

static void test_mprotect_middle(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    map(set, anon(A, 12 * PG, RW));
    uint64_t end;
    assert_int_equal(
        vma_change_flags(set, A + 4 * PG, A + 8 * PG, VM_WRITE, 0, VMA_HOLES_STOP, &end), 0);
    assert_int_equal(end, A + 8 * PG);
    check(set);
    EXPECT(set, A, A + 4 * PG, A + 4 * PG, A + 8 * PG, A + 8 * PG, A + 12 * PG);
    struct vma *mid = vma_find(set, A + 5 * PG);
    assert_int_equal(mid->flags, RO);
    assert_int_equal(mid->pgoff, (A >> 12) + 4);
    assert_int_equal(vma_next(mid)->pgoff, (A >> 12) + 8);
    /* back to RW: one VMA again */
    assert_int_equal(
        vma_change_flags(set, A + 4 * PG, A + 8 * PG, 0, VM_WRITE, VMA_HOLES_STOP, NULL), 0);
    check(set);
    EXPECT(set, A, A + 12 * PG);
    assert_int_equal(vma_first(set)->pgoff, A >> 12);

    /* left edge: split; then the next page merges into the changed left part */
    assert_int_equal(vma_change_flags(set, A, A + PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL), 0);
    EXPECT(set, A, A + PG, A + PG, A + 12 * PG);
    assert_int_equal(vma_change_flags(set, A + PG, A + 2 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL),
                     0);
    EXPECT(set, A, A + 2 * PG, A + 2 * PG, A + 12 * PG);
    assert_int_equal(vma_find(set, A + 2 * PG)->pgoff, (A >> 12) + 2);
    /* right edge merging into next */
    assert_int_equal(
        vma_change_flags(set, A + 10 * PG, A + 12 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL), 0);
    EXPECT(set, A, A + 2 * PG, A + 2 * PG, A + 10 * PG, A + 10 * PG, A + 12 * PG);
    assert_int_equal(
        vma_change_flags(set, A + 8 * PG, A + 10 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL), 0);
    EXPECT(set, A, A + 2 * PG, A + 2 * PG, A + 8 * PG, A + 8 * PG, A + 12 * PG);
    assert_int_equal(vma_find(set, A + 8 * PG)->pgoff, (A >> 12) + 8);
    /* the whole range across three VMAs */
    assert_int_equal(vma_change_flags(set, A, A + 12 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL), 0);
    EXPECT(set, A, A + 12 * PG);
    assert_int_equal(vma_first(set)->flags, RO);
    done(set);
}

static void test_change_holes(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    map(set, anon(A, PG, RW));
    map(set, anon(A + 2 * PG, PG, RW));
    uint64_t end;
    /* mprotect: stops at the hole, the first VMA keeps its change */
    assert_int_equal(vma_change_flags(set, A, A + 3 * PG, VM_WRITE, 0, VMA_HOLES_STOP, &end),
                     VML_ENOMEM);
    assert_int_equal(end, A + PG);
    assert_int_equal(vma_find(set, A)->flags, RO);
    assert_int_equal(vma_find(set, A + 2 * PG)->flags, RW);
    /* a hole at the start: nothing changes */
    assert_int_equal(vma_change_flags(set, A - PG, A + PG, 0, VM_WRITE, VMA_HOLES_STOP, &end),
                     VML_ENOMEM);
    assert_int_equal(end, A - PG);
    assert_int_equal(vma_find(set, A)->flags, RO);
    /* madvise: every mapped part changes, then ENOMEM */
    assert_int_equal(
        vma_change_flags(set, A - PG, A + 4 * PG, 0, VM_HUGEPAGE, VMA_HOLES_SKIP, &end),
        VML_ENOMEM);
    assert_int_equal(end, A + 4 * PG);
    assert_int_equal(vma_find(set, A)->flags, RO | VM_HUGEPAGE);
    assert_int_equal(vma_find(set, A + 2 * PG)->flags, RW | VM_HUGEPAGE);
    assert_int_equal(
        vma_change_flags(set, A - PG, A + 4 * PG, VM_HUGEPAGE, 0, VMA_HOLES_IGNORE, &end), 0);
    /* nothing mapped at all */
    assert_int_equal(
        vma_change_flags(set, A + 8 * PG, A + 9 * PG, 0, VM_LOCKED, VMA_HOLES_STOP, &end),
        VML_ENOMEM);
    assert_int_equal(vma_change_flags(set, A, A + PG + 1, 0, VM_LOCKED, VMA_HOLES_STOP, &end),
                     VML_EINVAL);
    EXPECT(set, A, A + PG, A + 2 * PG, A + 3 * PG);
    done(set);
}

static void test_mlock_munlock(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    map(set, anon(A, 8 * PG, RW));
    assert_int_equal(
        vma_change_flags(set, A + 2 * PG, A + 4 * PG, 0, VM_LOCKED, VMA_HOLES_STOP, NULL), 0);
    EXPECT(set, A, A + 2 * PG, A + 2 * PG, A + 4 * PG, A + 4 * PG, A + 8 * PG);
    assert_int_equal(vma_find(set, A + 3 * PG)->flags, RW | VM_LOCKED);
    assert_int_equal(vma_change_flags(set, A, A + 8 * PG, VM_LOCKED, 0, VMA_HOLES_STOP, NULL), 0);
    EXPECT(set, A, A + 8 * PG);
    done(set);
}

/* mprotect's VM_ACCOUNT rule through the per-piece callback */
static int mprotect_fn(void *ctx, const struct vma *v, uint64_t start, uint64_t end,
                       uint64_t *flags)
{
    unsigned *calls = ctx;
    (*calls)++;
    (void)start, (void)end;
    if ((*flags & VM_WRITE) && !(v->flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE)))
        *flags |= VM_ACCOUNT;
    if ((*flags & ~(*flags >> 4)) & VM_ACCESS_FLAGS) /* beyond VM_MAY*: EACCES */
        return -100;
    return 0;
}

static void test_change_callback(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    map(set, anon(A, 4 * PG, VM_READ | MAY)); /* mapped read-only: not accounted */
    unsigned calls = 0;
    struct vma_change ch = { .set = VM_WRITE, .fn = mprotect_fn, .ctx = &calls };
    assert_int_equal(vma_change(set, A, A + 2 * PG, &ch, NULL), 0);
    assert_int_equal(vma_first(set)->flags, RW);
    ch.set = VM_EXEC;
    assert_int_equal(vma_change(set, A, A + 4 * PG, &ch, NULL), 0);
    assert_int_equal(calls, 3);
    EXPECT(set, A, A + 2 * PG, A + 2 * PG, A + 4 * PG);
    /* an error stops the change where it happened */
    map(set, anon(A + 4 * PG, PG, VM_READ | VM_MAYREAD));
    uint64_t end;
    ch.set = VM_WRITE;
    assert_int_equal(vma_change(set, A + 2 * PG, A + 5 * PG, &ch, &end), -100);
    assert_int_equal(end, A + 4 * PG);
    assert_true(vma_find(set, A + 2 * PG)->flags & VM_WRITE);
    done(set);
}

/* ---- munmap ---------------------------------------------------------------------------------- */

struct pieces {
    unsigned n;
    uint64_t r[8][3]; /* start, end, pgoff */
    const struct vma_set *set;
    size_t count_seen;
};

static void on_unmap(void *ctx, struct vma *v)
{
    struct pieces *p = ctx;
    assert_true(p->n < 8);
    p->r[p->n][0] = v->start;
    p->r[p->n][1] = v->end;
    p->r[p->n][2] = v->pgoff;
    p->n++;
    p->count_seen = vma_set_count(p->set);
    assert_null(vma_find(p->set, v->start)); /* already gone from the set */
}

static void test_munmap(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    map(set, anon(A, 4 * PG, RW));
    struct pieces p = { .set = set };
    assert_int_equal(vma_unmap_range(set, A + PG, A + 2 * PG, on_unmap, &p), 0);
    EXPECT(set, A, A + PG, A + 2 * PG, A + 4 * PG);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.r[0][0], A + PG);
    assert_int_equal(p.r[0][1], A + 2 * PG);
    assert_int_equal(p.r[0][2], (A >> 12) + 1);
    assert_int_equal(p.count_seen, 2);
    assert_int_equal(vma_find(set, A + 2 * PG)->pgoff, (A >> 12) + 2);

    /* three VMAs, a range cutting into the first and the last */
    map(set, anon(A + 4 * PG, 4 * PG, RO));
    map(set, anon(A + 8 * PG, 4 * PG, RW | VM_LOCKED));
    p.n = 0;
    assert_int_equal(vma_unmap_range(set, A + 3 * PG, A + 9 * PG, on_unmap, &p), 0);
    EXPECT(set, A, A + PG, A + 2 * PG, A + 3 * PG, A + 9 * PG, A + 12 * PG);
    assert_int_equal(p.n, 3);
    const uint64_t want[3][3] = { { A + 3 * PG, A + 4 * PG, (A >> 12) + 3 },
                                  { A + 4 * PG, A + 8 * PG, (A >> 12) + 4 },
                                  { A + 8 * PG, A + 9 * PG, (A >> 12) + 8 } };
    for (unsigned i = 0; i < 3; i++)
        for (unsigned j = 0; j < 3; j++)
            assert_int_equal(p.r[i][j], want[i][j]);
    assert_int_equal(vma_find(set, A + 9 * PG)->pgoff, (A >> 12) + 9);
    /* nothing there: no error, no callback */
    p.n = 0;
    assert_int_equal(vma_unmap_range(set, A + 20 * PG, A + 30 * PG, on_unmap, &p), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(vma_unmap_range(set, A, A, NULL, NULL), VML_EINVAL);
    assert_int_equal(vma_unmap_range(set, A + 1, A + PG, NULL, NULL), VML_EINVAL);
    /* everything */
    assert_int_equal(vma_unmap_range(set, 0, 1ull << 47, on_unmap, &p), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(vma_set_count(set), 0);
    done(set);
}

/* ---- max_map_count, host allocation failures, hooks ------------------------------------------ */

static void test_max_map_count(void **state)
{
    (void)state;
    struct vma_set *set = new_set(10);
    /* do_mmap refuses only once there are more than max_map_count: the 11th still works */
    for (unsigned i = 0; i < 11; i++)
        map(set, anon(A + 2 * i * PG, PG, RW));
    struct vma_desc d = anon(A + 40 * PG, PG, RW);
    assert_int_equal(vma_map(set, &d, NULL), VML_ENOMEM);
    d = anon(A + PG, PG, RW); /* even one that would merge */
    assert_int_equal(vma_map(set, &d, NULL), VML_ENOMEM);
    /* splits need count < max */
    assert_int_equal(vma_unmap_range(set, A + 20 * PG, A + 21 * PG, NULL, NULL), 0); /* 10 */
    map(set, anon(A + 30 * PG, 4 * PG, RW));                                         /* 11 */
    struct vma *v = vma_find(set, A + 30 * PG);
    assert_int_equal(vma_split(set, v, A + 31 * PG, false, NULL), VML_ENOMEM);
    assert_int_equal(
        vma_change_flags(set, A + 31 * PG, A + 32 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL),
        VML_ENOMEM);
    assert_int_equal(
        vma_change_flags(set, A + 30 * PG, A + 31 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL),
        VML_ENOMEM);
    assert_int_equal(vma_unmap_range(set, A + 31 * PG, A + 32 * PG, NULL, NULL), VML_ENOMEM);
    assert_int_equal(vma_set_count(set), 11);
    /* unmapping an end of a VMA needs one split but leaves the count as it was: allowed */
    assert_int_equal(vma_unmap_range(set, A + 33 * PG, A + 34 * PG, NULL, NULL), 0);
    assert_int_equal(vma_unmap_range(set, A, A + PG, NULL, NULL), 0); /* 10 */
    /* at max - 1, a change needing two splits fails, one split works */
    assert_int_equal(vma_unmap_range(set, A + 2 * PG, A + 3 * PG, NULL, NULL), 0); /* 9 */
    assert_int_equal(
        vma_change_flags(set, A + 31 * PG, A + 32 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL),
        VML_ENOMEM);
    assert_int_equal(
        vma_change_flags(set, A + 30 * PG, A + 31 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL), 0);
    assert_int_equal(vma_set_count(set), 10);
    done(set);
}

static void test_default_max_map_count(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct mmap_layout_config cfg;
    struct mmap_layout l;
    mmap_layout_config_default(&cfg);
    assert_int_equal(mmap_layout_init(&l, &cfg), 0);
    /* 65531 one-page mappings with alternating rights, each placed below the previous one */
    uint64_t addr = 0;
    for (unsigned i = 0; i <= VMA_DEFAULT_MAX_MAP_COUNT; i++) {
        assert_int_equal(mmap_get_unmapped_area(set, &l, 0, PG, 0, 0, &addr), 0);
        assert_int_equal(addr, l.mmap_base - (i + 1) * PG);
        struct vma_desc d = anon(addr, PG, i % 2 ? RW : RO);
        assert_int_equal(vma_map(set, &d, NULL), 0);
    }
    assert_int_equal(vma_set_count(set), VMA_DEFAULT_MAX_MAP_COUNT + 1);
    struct vma_desc d = anon(addr - 2 * PG, PG, RO);
    assert_int_equal(vma_map(set, &d, NULL), VML_ENOMEM);
    done(set);
}

static void test_host_alloc_failure(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    map(set, anon(A, 8 * PG, RW));
    struct vma_desc d = anon(A + 10 * PG, PG, RO);
    vma_set_fail_alloc(set, 1);
    assert_int_equal(vma_map(set, &d, NULL), VML_EHOST);
    vma_set_fail_alloc(set, 2); /* the second split's storage */
    assert_int_equal(vma_change_flags(set, A + PG, A + 2 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL),
                     VML_EHOST);
    vma_set_fail_alloc(set, 2);
    assert_int_equal(vma_unmap_range(set, A + PG, A + 2 * PG, NULL, NULL), VML_EHOST);
    vma_set_fail_alloc(set, 1);
    assert_int_equal(vma_split(set, vma_first(set), A + PG, true, NULL), VML_EHOST);
    EXPECT(set, A, A + 8 * PG);
    assert_int_equal(vma_first(set)->flags, RW);
    /* merges allocate nothing */
    vma_set_fail_alloc(set, 1);
    map(set, anon(A + 8 * PG, PG, RW));
    vma_set_fail_alloc(set, 0);
    EXPECT(set, A, A + 9 * PG);
    done(set);
}

struct hook_counts {
    unsigned splits, releases;
};

static void on_split(void *ctx, struct vma *orig, struct vma *piece)
{
    struct hook_counts *h = ctx;
    h->splits++;
    assert_ptr_equal(orig->priv, piece->priv);
}

static void on_release(void *ctx, struct vma *v)
{
    struct hook_counts *h = ctx;
    h->releases++;
    (void)v;
}

static void test_hooks(void **state)
{
    (void)state;
    struct hook_counts h = { 0 };
    struct vma_set_ops ops = { .split = on_split, .release = on_release };
    struct vma_set_config cfg = { .ops = &ops, .ops_ctx = &h };
    struct vma_set *set;
    assert_int_equal(vma_set_create(&cfg, &set), 0);
    struct vma_desc d = anon(A, 4 * PG, RW);
    d.priv = &h;
    map(set, d);
    assert_int_equal(vma_change_flags(set, A + PG, A + 2 * PG, VM_WRITE, 0, VMA_HOLES_STOP, NULL),
                     0);
    assert_int_equal(h.splits, 2);
    assert_int_equal(vma_change_flags(set, A + PG, A + 2 * PG, 0, VM_WRITE, VMA_HOLES_STOP, NULL),
                     0);
    assert_int_equal(h.releases, 2); /* the middle and the upper VMA merged into the lower */
    assert_ptr_equal(vma_first(set)->priv, &h);
    assert_int_equal(vma_unmap_range(set, A, A + PG, NULL, NULL), 0);
    assert_int_equal(h.splits, 3);
    assert_int_equal(h.releases, 3);
    done(set);
    assert_int_equal(h.releases, 4);
}

/* ---- anon_vma reuse, stack growth ------------------------------------------------------------ */

static void test_anon_reusable(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct vma *lo = map(set, anon(A, PG, RO));
    struct vma *hi = map(set, anon(A + PG, PG, RW));
    assert_int_equal(vma_anon_reusable(lo), 0);
    hi->anon = 9;
    assert_int_equal(vma_anon_reusable(lo), 9); /* rights may differ */
    hi->anon_forked = true;
    assert_int_equal(vma_anon_reusable(lo), 0);
    hi->anon_forked = false;
    /* after adopting it, making both RW merges them */
    lo->anon = vma_anon_reusable(lo);
    assert_int_equal(vma_change_flags(set, A, A + PG, 0, VM_WRITE, VMA_HOLES_STOP, NULL), 0);
    EXPECT(set, A, A + 2 * PG);
    struct vma *other = map(set, anon(A + 2 * PG, PG, RW | VM_LOCKED));
    assert_int_equal(vma_anon_reusable(other), 0); /* flags differ beyond access bits */
    done(set);
}

static void test_stack_growth_and_guard(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    const uint64_t gap = VMA_DEFAULT_STACK_GUARD_GAP;
    struct vma_desc d = anon(A + 64 * MB, 132 * KB, VM_STACK_FLAGS);
    struct vma *st = map(set, d);
    map(set, anon(A + 60 * MB, MB, RW)); /* ends 3 MiB below the stack */
    assert_int_equal(vma_start_gap(set, st), A + 64 * MB - gap);
    /* grows to within the guard gap of the mapping below, not into it */
    assert_int_equal(vma_expand_down(set, st, A + 62 * MB + 123), 0);
    assert_int_equal(st->start, A + 62 * MB);
    assert_int_equal(st->pgoff, (A + 62 * MB) >> 12);
    assert_int_equal(vma_expand_down(set, st, A + 61 * MB + PG), VML_ENOMEM);
    assert_int_equal(vma_expand_down(set, st, A + 64 * MB), 0); /* above: nothing to do */
    assert_int_equal(vma_expand_down(set, vma_first(set), A), VML_EINVAL);
    check(set);
    /* placement keeps the guard gap below the stack */
    uint64_t end;
    assert_int_equal(vma_gap_highest(set, PG, A + 70 * MB, PG, &end), 0);
    assert_int_equal(end, A + 70 * MB);
    assert_int_equal(vma_gap_highest(set, PG, A + 62 * MB, PG, &end), 0);
    assert_int_equal(end, A + 60 * MB); /* the 1 MiB between is all guard gap */
    assert_int_equal(vma_gap_highest(set, A + 61 * MB, A + 62 * MB, PG, &end), VML_ENOMEM);
    assert_int_equal(vma_gap_lowest(set, A + 61 * MB, A + 70 * MB, PG, &end), 0);
    assert_int_equal(end, A + 64 * MB + 132 * KB);
    done(set);
}

/* ---- layout ---------------------------------------------------------------------------------- */

static struct mmap_layout layout(unsigned levels, bool aslr, uint64_t seed)
{
    struct mmap_layout_config cfg;
    struct mmap_layout l;
    mmap_layout_config_default(&cfg);
    cfg.paging_levels = levels;
    cfg.aslr = aslr;
    cfg.seed = seed;
    assert_int_equal(mmap_layout_init(&l, &cfg), 0);
    return l;
}

static void test_layout_values(void **state)
{
    (void)state;
    struct mmap_layout l = layout(4, false, 0);
    assert_int_equal(l.task_size, 0x7ffffffff000ull);
    assert_int_equal(l.map_window, 0x7ffffffff000ull);
    assert_int_equal(l.mmap_base, 0x7ffff7fff000ull);
    assert_int_equal(l.mmap_legacy_base, 0x2aaaaaaab000ull);
    assert_int_equal(l.stack_start, 0x7ffffffde000ull);
    assert_int_equal(l.stack_end, 0x7ffffffff000ull);
    assert_int_equal(l.elf_base, 0x555555554000ull);
    assert_int_equal(l.start_brk, 0x555555564000ull);
    assert_true(l.topdown);
    struct mmap_layout l5 = layout(5, false, 0);
    assert_int_equal(l5.task_size, 0xfffffffffff000ull);
    assert_int_equal(l5.mmap_base, 0x7ffff7fff000ull); /* the window decides, not the mode */

    /* ASLR: deterministic per seed, inside Linux's ranges */
    struct mmap_layout r1 = layout(4, true, 42), r2 = layout(4, true, 42), r3 = layout(4, true, 7);
    assert_int_equal(r1.mmap_base, r2.mmap_base);
    assert_int_equal(r1.stack_end, r2.stack_end);
    assert_int_equal(r1.elf_base, r2.elf_base);
    assert_int_equal(r1.start_brk, r2.start_brk);
    assert_true(r1.mmap_base != r3.mmap_base && r1.stack_end != r3.stack_end);
    const uint64_t gap = 8 * MB + (0x3fffffull << 12) + VMA_DEFAULT_STACK_GUARD_GAP;
    assert_true(r1.mmap_base <= l.map_window - gap);
    assert_true(r1.mmap_base > l.map_window - gap - (1ull << 40));
    assert_true(r1.stack_end <= l.map_window && r1.stack_end > l.map_window - (16ull << 30));
    assert_int_equal(r1.stack_end - r1.stack_start, 132 * KB);
    assert_true(r1.elf_base >= 0x555555554000ull && r1.elf_base < 0x555555554000ull + (1ull << 40));
    assert_true(r1.start_brk >= r1.end_data + PG &&
                r1.start_brk < r1.end_data + 2 * PG + (1ull << 30));
    assert_int_equal(r1.mmap_base & (PG - 1), 0);
    assert_int_equal(r1.start_brk & (PG - 1), 0);
    assert_int_equal(r1.mmap_legacy_base - 0x2aaaaaaab000ull,
                     l.map_window - gap - r1.mmap_base); /* the same rnd in both bases */

    struct mmap_layout_config cfg;
    mmap_layout_config_default(&cfg);
    cfg.paging_levels = 3;
    assert_int_equal(mmap_layout_init(&l, &cfg), VML_EINVAL);
    /* a small RLIMIT_STACK caps the initial stack */
    mmap_layout_config_default(&cfg);
    cfg.rlimit_stack = 64 * KB;
    assert_int_equal(mmap_layout_init(&l, &cfg), 0);
    assert_int_equal(l.stack_end - l.stack_start, 64 * KB);
    assert_int_equal(l.mmap_base, 0x7ffff7fff000ull);
}

static void test_map_stack(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct mmap_layout l = layout(4, false, 0);
    struct vma *st;
    assert_int_equal(mmap_map_stack(set, &l, &st), 0);
    assert_int_equal(st->start, 0x7ffffffde000ull);
    assert_int_equal(st->end, 0x7ffffffff000ull);
    assert_int_equal(st->flags, VM_STACK_FLAGS);
    assert_string_equal(st->name, "[stack]");
    done(set);
}

/* ---- placement ------------------------------------------------------------------------------- */

static uint64_t place(struct vma_set *set, const struct mmap_layout *l, uint64_t hint, uint64_t len,
                      unsigned flags)
{
    uint64_t addr = 0;
    assert_int_equal(mmap_get_unmapped_area(set, l, hint, len, 0, flags, &addr), 0);
    map(set, anon(addr, len, RW));
    return addr;
}

static void test_topdown_and_thp(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct mmap_layout l = layout(4, false, 0);
    assert_int_equal(mmap_map_stack(set, &l, NULL), 0);
    assert_int_equal(place(set, &l, 0, PG, 0), 0x7ffff7ffe000ull); /* just below mmap_base */
    assert_int_equal(place(set, &l, 0, PG, 0), 0x7ffff7ffd000ull); /* next below, merged */
    /* 2 MiB: searched as 4 MiB, placed at the highest 2 MiB boundary */
    assert_int_equal(place(set, &l, 0, 2 * MB, 0), 0x7ffff7c00000ull);
    /* 4 MiB: aligned too; the padded range ended aligned, so it sits at its top */
    assert_int_equal(place(set, &l, 0, 4 * MB, 0), 0x7ffff7800000ull);
    /* 3 MiB and 2 MiB + 4 KiB: not multiples of 2 MiB, no alignment */
    assert_int_equal(place(set, &l, 0, 3 * MB, 0), 0x7ffff7500000ull);
    assert_int_equal(place(set, &l, 0, 2 * MB + PG, 0), 0x7ffff72ff000ull);
    /* 2 MiB shared anonymous (shmem) or file: no alignment either */
    assert_int_equal(place(set, &l, 0, 2 * MB, MMAP_SHARED), 0x7ffff70ff000ull);
    assert_int_equal(place(set, &l, 0, 2 * MB, MMAP_FILE), 0x7ffff6eff000ull);
    /* a file whose fs aligns (thp_get_unmapped_area) at pgoff 512 */
    uint64_t addr;
    assert_int_equal(
        mmap_get_unmapped_area(set, &l, 0, 2 * MB, 512, MMAP_FILE | MMAP_FILE_THP, &addr), 0);
    assert_int_equal(addr, 0x7ffff6c00000ull);
    assert_int_equal(
        mmap_get_unmapped_area(set, &l, 0, 2 * MB, 1, MMAP_FILE | MMAP_FILE_THP, &addr),
        0); /* pgoff 1: no aligned 2 MiB of the file fits */
    assert_int_equal(addr, 0x7ffff6cff000ull);
    EXPECT(set, 0x7ffff6eff000ull, 0x7ffff7e00000ull, 0x7ffff7ffd000ull, 0x7ffff7fff000ull,
           0x7ffffffde000ull, 0x7ffffffff000ull);
    /* holes: 0x1fd000 left below the first pages, 2 MiB and, lower, 3 MiB: each request takes
     * the highest that fits */
    assert_int_equal(vma_unmap_range(set, 0x7ffff7400000ull, 0x7ffff7600000ull, NULL, NULL), 0);
    assert_int_equal(vma_unmap_range(set, 0x7ffff7000000ull, 0x7ffff7300000ull, NULL, NULL), 0);
    assert_int_equal(place(set, &l, 0, 0x280000, 0), 0x7ffff7080000ull);
    assert_int_equal(place(set, &l, 0, 0x100000, 0), 0x7ffff7efd000ull);
    assert_int_equal(place(set, &l, 0, 0x180000, 0), 0x7ffff7480000ull);
    assert_int_equal(vma_set_count(set), 5); /* each filled a hole's top and merged */
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, 0x7ffffffff000ull, 0, 0, &addr),
                     VML_ENOMEM);
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, 1ull << 48, 0, 0, &addr), VML_ENOMEM);
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, 0, 0, 0, &addr), VML_EINVAL);
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, 100, 0, 0, &addr), VML_EINVAL);
    done(set);
}

static void test_hints(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct mmap_layout l4 = layout(4, false, 0), l5 = layout(5, false, 0);
    uint64_t addr;
    /* a free hint is used as-is (rounded down to a page) */
    assert_int_equal(place(set, &l4, 0x400000000123ull, PG, 0), 0x400000000000ull);
    /* an occupied hint falls back to top-down; so does one too close below it */
    assert_int_equal(place(set, &l4, 0x400000000000ull, PG, 0), 0x7ffff7ffe000ull);
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 0x3ffffffff000ull, 2 * PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x7ffff7ffc000ull);
    /* a hint below mmap_min_addr is raised to it */
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 0x1000, PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x10000);
    /* hints above 47 bits: ignored with 4-level paging ... */
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 0x810000000000ull, PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x7ffff7ffd000ull);
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 1ull << 50, PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x7ffff7ffd000ull);
    /* ... honoured with 5-level */
    assert_int_equal(place(set, &l5, 0x810000000000ull, PG, 0), 0x810000000000ull);
    /* an occupied high hint searches the whole 56-bit space from mmap_base + (TASK_SIZE_MAX -
     * DEFAULT_MAP_WINDOW) down */
    assert_int_equal(mmap_get_unmapped_area(set, &l5, 0x810000000000ull, PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0xfffffff7ffe000ull);
    /* a hint straddling the 47-bit boundary is not used, in either mode */
    uint64_t straddle = (1ull << 47) - 2 * PG;
    assert_int_equal(mmap_get_unmapped_area(set, &l5, straddle, 4 * PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x7ffff7ffa000ull);
    assert_int_equal(mmap_get_unmapped_area(set, &l4, straddle, 4 * PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x7ffff7ffa000ull);
    /* beyond TASK_SIZE in 5-level: ignored */
    assert_int_equal(mmap_get_unmapped_area(set, &l5, 1ull << 57, PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0xfffffff7ffe000ull);
    /* a hint is no THP request: a free 2 MiB hint is used unaligned */
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 0x500000001000ull, 2 * MB, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x500000001000ull);
    done(set);
}

static void test_fixed(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct mmap_layout l4 = layout(4, false, 0), l5 = layout(5, false, 0);
    uint64_t addr;
    map(set, anon(A, 4 * PG, RW));
    /* MAP_FIXED: taken as given (the caller unmaps what is there) */
    assert_int_equal(mmap_get_unmapped_area(set, &l4, A + PG, PG, 0, MMAP_FIXED, &addr), 0);
    assert_int_equal(addr, A + PG);
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 1ull << 48, PG, 0, MMAP_FIXED, &addr),
                     VML_ENOMEM); /* beyond TASK_SIZE */
    assert_int_equal(mmap_get_unmapped_area(set, &l5, 1ull << 48, PG, 0, MMAP_FIXED, &addr), 0);
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 0x7ffffffff000ull, PG, 0, MMAP_FIXED, &addr),
                     VML_ENOMEM);
    assert_int_equal(mmap_get_unmapped_area(set, &l4, A + 1, PG, 0, MMAP_FIXED, &addr), VML_EINVAL);
    assert_int_equal(mmap_get_unmapped_area(set, &l4, 0x8000, PG, 0, MMAP_FIXED, &addr),
                     VML_EINVAL); /* below mmap_min_addr */
    /* MAP_FIXED_NOREPLACE */
    assert_int_equal(
        mmap_get_unmapped_area(set, &l4, A + 3 * PG, 2 * PG, 0, MMAP_FIXED_NOREPLACE, &addr),
        VML_EEXIST);
    assert_int_equal(
        mmap_get_unmapped_area(set, &l4, A - PG, 2 * PG, 0, MMAP_FIXED_NOREPLACE, &addr),
        VML_EEXIST);
    assert_int_equal(
        mmap_get_unmapped_area(set, &l4, A + 4 * PG, 2 * PG, 0, MMAP_FIXED_NOREPLACE, &addr), 0);
    assert_int_equal(addr, A + 4 * PG);
    done(set);
}

static void test_bottomup_fallback(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct mmap_layout l = layout(4, false, 0);
    assert_int_equal(mmap_map_stack(set, &l, NULL), 0);
    /* nearly everything below mmap_base is taken */
    map(set, anon(0x10000, 0x7ffff7ff0000ull - 0x10000, RW));
    uint64_t addr;
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, 15 * PG, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x7ffff7ff0000ull);
    /* 1 MiB does not fit there: the bottom-up retry finds room above mmap_base */
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, MB, 0, 0, &addr), 0);
    assert_int_equal(addr, 0x7ffff7ff0000ull);
    /* but not within the stack's guard gap */
    uint64_t room = 0x7ffffffde000ull - VMA_DEFAULT_STACK_GUARD_GAP - 0x7ffff7ff0000ull;
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, room, 0, 0, &addr), 0);
    assert_int_equal(mmap_get_unmapped_area(set, &l, 0, room + PG, 0, 0, &addr), VML_ENOMEM);
    done(set);
}

static void test_legacy_layout(void **state)
{
    (void)state;
    struct vma_set *set = new_set(0);
    struct mmap_layout_config cfg;
    struct mmap_layout l;
    mmap_layout_config_default(&cfg);
    cfg.legacy = true;
    assert_int_equal(mmap_layout_init(&l, &cfg), 0);
    assert_false(l.topdown);
    assert_int_equal(place(set, &l, 0, PG, 0), 0x2aaaaaaab000ull);
    assert_int_equal(place(set, &l, 0, PG, 0), 0x2aaaaaaac000ull);
    assert_int_equal(place(set, &l, 0, 2 * MB, 0), 0x2aaaaac00000ull); /* THP: next boundary */
    assert_int_equal(place(set, &l, 0, 3 * MB, 0), 0x2aaaaae00000ull);
    EXPECT(set, 0x2aaaaaaab000ull, 0x2aaaaaaad000ull, 0x2aaaaac00000ull, 0x2aaaab100000ull);
    done(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_pgoff),
        cmocka_unit_test(test_merge_adjacent_anon),
        cmocka_unit_test(test_merge_anon_lineage),
        cmocka_unit_test(test_merge_file_pgoff),
        cmocka_unit_test(test_anon_name_and_policy),
        cmocka_unit_test(test_mprotect_middle),
        cmocka_unit_test(test_change_holes),
        cmocka_unit_test(test_mlock_munlock),
        cmocka_unit_test(test_change_callback),
        cmocka_unit_test(test_munmap),
        cmocka_unit_test(test_max_map_count),
        cmocka_unit_test(test_default_max_map_count),
        cmocka_unit_test(test_host_alloc_failure),
        cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_anon_reusable),
        cmocka_unit_test(test_stack_growth_and_guard),
        cmocka_unit_test(test_layout_values),
        cmocka_unit_test(test_map_stack),
        cmocka_unit_test(test_topdown_and_thp),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_bottomup_fallback),
        cmocka_unit_test(test_legacy_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
