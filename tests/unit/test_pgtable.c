/* test_pgtable.c: page tables in real x86-64 format, in simulated frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/phys.h"
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

#define TABLE (VML_PTE_P | VML_PTE_RW | VML_PTE_US | VML_PTE_A | VML_PTE_D)

struct fx {
    struct vml_phys *phys;
    struct vml_pt *pt;
    char why[256];
};

static struct fx *setup_levels(unsigned levels, uint64_t ram)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct vml_phys_config cfg = { .ram_bytes = ram, .nr_nodes = 1 };
    assert_int_equal(vml_phys_create(&cfg, &f->phys, NULL), 0);
    assert_int_equal(vml_pt_create(f->phys, levels, 0, &f->pt), 0);
    return f;
}

static void teardown(struct fx *f)
{
    assert_int_equal(vml_pt_check(f->pt, f->why, sizeof(f->why)), 0);
    vml_pt_destroy(f->pt);
    struct vml_phys_usage u;
    vml_phys_usage(f->phys, 0, &u);
    assert_int_equal(u.used[VML_USE_PGTABLE], 0); /* destroy gave every table back */
    vml_phys_destroy(f->phys);
    free(f);
}

static uint64_t data_frame(struct fx *f, unsigned order)
{
    uint64_t pfn;
    assert_int_equal(vml_phys_alloc(f->phys, 0, order, VML_USE_TEST, &pfn), 0);
    return pfn;
}

static uint64_t tables(struct fx *f, unsigned level)
{
    struct vml_pt_stats st;
    vml_pt_stats(f->pt, &st);
    return level ? st.tables[level] : st.nr_tables;
}

static void test_map_4k_real_bits(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t pfn = data_frame(f, 0), va = 0x7ffd5e8a1000ull;
    assert_int_equal(vml_pt_map(f->pt, va, pfn, VML_PS_4K, VML_PTE_RW | VML_PTE_US | VML_PTE_NX),
                     0);
    /* One table per level: PML4 (root), PDPT, PD, PT. */
    assert_int_equal(tables(f, 4), 1);
    assert_int_equal(tables(f, 3), 1);
    assert_int_equal(tables(f, 2), 1);
    assert_int_equal(tables(f, 1), 1);
    assert_int_equal(tables(f, 0), 4);

    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(f->pt, va + 0x234, &leaf), 0);
    assert_int_equal(leaf.level, 1);
    assert_int_equal(leaf.va, va);
    assert_int_equal(leaf.index, 161);
    uint64_t want = VML_PTE_NX | (pfn << 12) | VML_PTE_US | VML_PTE_RW | VML_PTE_P;
    assert_int_equal(leaf.entry, want);

    /* The upper entries are Linux's _PAGE_TABLE and live in simulated memory. */
    const uint64_t *root = phys_data(f->phys, vml_pt_root(f->pt));
    uint64_t pml4e = root[255];
    assert_int_equal(pml4e & ~VML_PTE_PFN_MASK, TABLE);
    const uint64_t *pdpt = phys_data(f->phys, vml_pte_pfn(pml4e));
    assert_int_equal(pdpt[501] & ~VML_PTE_PFN_MASK, TABLE);
    const uint64_t *pd = phys_data(f->phys, vml_pte_pfn(pdpt[501]));
    assert_int_equal(pd[244] & ~VML_PTE_PFN_MASK, TABLE);
    assert_int_equal(vml_pte_pfn(pd[244]), leaf.table_pfn);
    /* Table frames are counted as page tables. */
    struct vml_phys_usage u;
    vml_phys_usage(f->phys, 0, &u);
    assert_int_equal(u.used[VML_USE_PGTABLE], 4);
    teardown(f);
}

static void test_huge_leaves(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 4 * VML_GiB);
    uint64_t p2 = data_frame(f, 9), p1;
    assert_int_equal(vml_phys_alloc_contig(f->phys, 0, VML_USE_TEST, &p1), 0);
    assert_int_equal(vml_pt_map(f->pt, 0x40000000, p1, VML_PS_1G, VML_PTE_RW | VML_PTE_US), 0);
    assert_int_equal(vml_pt_map(f->pt, 0x200000, p2, VML_PS_2M, VML_PTE_US), 0);
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(f->pt, 0x40000000 + 0x12345678, &leaf), 0);
    assert_int_equal(leaf.level, 3);
    assert_int_equal(leaf.va, 0x40000000);
    assert_int_equal(leaf.entry, (p1 << 12) | VML_PTE_PS | VML_PTE_US | VML_PTE_RW | VML_PTE_P);
    assert_int_equal(vml_pt_lookup(f->pt, 0x3fffff, &leaf), 0);
    assert_int_equal(leaf.level, 2);
    assert_int_equal(leaf.entry, (p2 << 12) | VML_PTE_PS | VML_PTE_US | VML_PTE_P);
    /* No PT was needed: PML4, PDPT, PD only. */
    assert_int_equal(tables(f, 1), 0);
    assert_int_equal(tables(f, 0), 3);
    teardown(f);
}

static void test_map_errors(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0), p2 = data_frame(f, 9);
    assert_int_equal(vml_pt_map(f->pt, 0x200000, p2, VML_PS_2M, VML_PTE_US), 0);
    /* Overlaps: inside the huge page, the same page again. */
    assert_int_equal(vml_pt_map(f->pt, 0x201000, p, VML_PS_4K, VML_PTE_US), VML_EEXIST);
    assert_int_equal(vml_pt_map(f->pt, 0x200000, p2, VML_PS_2M, VML_PTE_US), VML_EEXIST);
    assert_int_equal(vml_pt_map(f->pt, 0x1000, p, VML_PS_4K, 0), 0);
    assert_int_equal(vml_pt_map(f->pt, 0x1000, p, VML_PS_4K, 0), VML_EEXIST);
    /* A 2 MiB leaf where 4 KiB pages are mapped. */
    assert_int_equal(vml_pt_map(f->pt, 0, p2, VML_PS_2M, 0), VML_EEXIST);
    /* Misaligned address or frame, bad flags, frame beyond RAM. */
    assert_int_equal(vml_pt_map(f->pt, 0x5008, p, VML_PS_4K, 0), VML_EINVAL);
    assert_int_equal(vml_pt_map(f->pt, 0x600000, p2 + 1, VML_PS_2M, 0), VML_EINVAL);
    assert_int_equal(vml_pt_map(f->pt, 0x5000, p, VML_PS_4K, VML_PTE_P), VML_EINVAL);
    assert_int_equal(vml_pt_map(f->pt, 0x5000, p, VML_PS_4K, VML_PTE_PS), VML_EINVAL);
    assert_int_equal(vml_pt_map(f->pt, 0x5000, vml_phys_total_pages(f->phys), VML_PS_4K, 0),
                     VML_EINVAL);
    /* Non-canonical for 4-level paging. */
    assert_int_equal(vml_pt_map(f->pt, 0x0000800000000000ull, p, VML_PS_4K, 0), VML_ENONCANON);
    assert_int_equal(vml_pt_lookup(f->pt, 0x0000800000000000ull, &(struct vml_pt_leaf){ 0 }),
                     VML_ENONCANON);
    assert_int_equal(vml_pt_lookup(f->pt, 0x7000, &(struct vml_pt_leaf){ 0 }), VML_ENOENT);
    teardown(f);
}

static void test_five_level(void **state)
{
    (void)state;
    struct fx *f = setup_levels(5, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    uint64_t high = 0x0001000000000000ull + 0x5000; /* above 47 bits: needs LA57 */
    assert_int_equal(vml_pt_map(f->pt, high, p, VML_PS_4K, VML_PTE_US), 0);
    assert_int_equal(tables(f, 5), 1);
    assert_int_equal(tables(f, 0), 5);
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(f->pt, high, &leaf), 0);
    assert_int_equal(vml_pte_pfn(leaf.entry), p);
    /* 2^56 is the first non-canonical address of the user half with 57 bits. */
    assert_int_equal(vml_pt_map(f->pt, 1ull << 56, p, VML_PS_4K, 0), VML_ENONCANON);
    /* Kernel half, 5-level direct map base. */
    assert_int_equal(vml_pt_map(f->pt, 0xff11000000000000ull, p, VML_PS_4K, 0), 0);
    assert_int_equal(vml_pt_lookup(f->pt, 0xff11000000000fffull, &leaf), 0);
    assert_int_equal(leaf.va, 0xff11000000000000ull);
    teardown(f);
}

struct seen {
    uint64_t va[16];
    unsigned level[16];
    uint64_t entry[16];
    unsigned n;
    unsigned stop_at;
};

static int visit(const struct vml_pt_leaf *leaf, void *ctx)
{
    struct seen *s = ctx;
    s->va[s->n] = leaf->va;
    s->level[s->n] = leaf->level;
    s->entry[s->n] = leaf->entry;
    s->n++;
    return s->n == s->stop_at ? 42 : 0;
}

static void changed(const struct vml_pt_leaf *leaf, void *ctx)
{
    visit(leaf, ctx);
}

static void test_for_each_order_and_kernel_half(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    uint64_t vas[] = { 0xffff888000001000ull, 0x7f0000003000ull, 0x1000, 0x7f0000001000ull };
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vml_pt_map(f->pt, vas[i], p, VML_PS_4K, 0), 0);
    struct seen s = { 0 };
    assert_int_equal(vml_pt_for_each(f->pt, 0, 0, visit, &s), 0); /* whole space */
    assert_int_equal(s.n, 4);
    assert_int_equal(s.va[0], 0x1000);
    assert_int_equal(s.va[1], 0x7f0000001000ull);
    assert_int_equal(s.va[2], 0x7f0000003000ull);
    assert_int_equal(s.va[3], 0xffff888000001000ull);
    /* Clipped range, and a visitor that stops. */
    memset(&s, 0, sizeof(s));
    assert_int_equal(vml_pt_for_each(f->pt, 0x2000, 0x7f0000003000ull, visit, &s), 0);
    assert_int_equal(s.n, 1);
    memset(&s, 0, sizeof(s));
    s.stop_at = 2;
    assert_int_equal(vml_pt_for_each(f->pt, 0, 0, visit, &s), 42);
    assert_int_equal(s.n, 2);
    teardown(f);
}

static void test_unmap_frees_tables(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(vml_pt_map(f->pt, 0x400000 + i * 4096ull, p, VML_PS_4K, 0), 0);
    assert_int_equal(tables(f, 0), 4);
    struct seen s = { 0 };
    /* Half of them: the PT still holds four entries. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x400000, 0x404000, 0, changed, &s), 4);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.va[3], 0x403000);
    assert_int_equal(vml_pte_pfn(s.entry[0]), p);
    assert_int_equal(tables(f, 0), 4);
    /* The rest: PT, PD and PDPT are empty and freed; the root stays. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x404000, 0x408000, 0, NULL, NULL), 4);
    assert_int_equal(tables(f, 0), 1);
    assert_int_equal(vml_pt_unmap(f->pt, 0, 0x1000000, 0, NULL, NULL), 0);
    teardown(f);
}

static void test_unmap_keep_tables_then_free_empty(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    assert_int_equal(vml_pt_map(f->pt, 0x400000, p, VML_PS_4K, 0), 0);
    assert_int_equal(vml_pt_map(f->pt, 0x600000, p, VML_PS_4K, 0), 0);
    assert_int_equal(tables(f, 0), 5); /* root, PDPT, PD, two PTs */
    assert_int_equal(vml_pt_unmap(f->pt, 0x400000, 0x800000, VML_PT_KEEP_TABLES, NULL, NULL), 2);
    assert_int_equal(tables(f, 0), 5); /* zap leaves tables in place */
    /* A 2 MiB leaf cannot go where an empty PT sits. */
    uint64_t p2 = data_frame(f, 9);
    assert_int_equal(vml_pt_map(f->pt, 0x400000, p2, VML_PS_2M, 0), VML_EEXIST);
    /* free_empty frees only tables whose whole span lies in the range. */
    assert_int_equal(vml_pt_free_empty(f->pt, 0x401000, 0x800000), 1); /* the PT of 6 MiB */
    assert_int_equal(tables(f, 0), 4);
    assert_int_equal(vml_pt_free_empty(f->pt, 0, 1ull << 47), 3); /* PT, PD, PDPT */
    assert_int_equal(tables(f, 0), 1);
    assert_int_equal(vml_pt_map(f->pt, 0x400000, p2, VML_PS_2M, 0), 0);
    teardown(f);
}

/* VML_PT_FREE_PT: the zap frees the PT tables whose whole 2 MiB lies in the range, nothing
 * else (CONFIG_PT_RECLAIM's MADV_DONTNEED). */
static void test_unmap_free_pt(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    const unsigned keep_pt = VML_PT_KEEP_TABLES | VML_PT_FREE_PT;
    for (uint64_t va = 0x400000; va < 0xa00000; va += 0x100000) /* 3 PTs: 4, 6, 8 MiB */
        assert_int_equal(vml_pt_map(f->pt, va, p, VML_PS_4K, 0), 0);
    assert_int_equal(tables(f, VML_PT_PT), 3);
    assert_int_equal(vml_pt_unmap(f->pt, 0x400000, 0x400000, 4, NULL, NULL), VML_EINVAL);
    /* 5 MiB .. 10 MiB: the PT of 4 MiB partly (its entry at 5 MiB goes, the table stays), those
     * of 6 and 8 MiB whole. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x500000, 0xa00000, keep_pt, NULL, NULL), 5);
    assert_int_equal(tables(f, VML_PT_PT), 1);
    assert_int_equal(tables(f, VML_PT_PD), 1);
    /* The remaining PT, empty after this range, is covered whole: freed; the PD stays. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x400000, 0x600000, keep_pt, NULL, NULL), 1);
    assert_int_equal(tables(f, 0), 3); /* root, PDPT, PD */
    /* An empty PT covered whole by a later range goes too. */
    assert_int_equal(vml_pt_map(f->pt, 0x400000, p, VML_PS_4K, 0), 0);
    assert_int_equal(vml_pt_unmap(f->pt, 0x400000, 0x401000, VML_PT_KEEP_TABLES, NULL, NULL), 1);
    assert_int_equal(tables(f, VML_PT_PT), 1);
    assert_int_equal(vml_pt_unmap(f->pt, 0x400000, 0x600000, keep_pt, NULL, NULL), 0);
    assert_int_equal(tables(f, 0), 3);
    teardown(f);
}

static void test_straddle_is_rejected_unchanged(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p2 = data_frame(f, 9), p = data_frame(f, 0);
    assert_int_equal(vml_pt_map(f->pt, 0x200000, p2, VML_PS_2M, VML_PTE_RW), 0);
    assert_int_equal(vml_pt_map(f->pt, 0x1ff000, p, VML_PS_4K, VML_PTE_RW), 0);
    /* [0x1ff000, 0x201000) takes the 4 KiB page but cuts the 2 MiB one: nothing happens. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x1ff000, 0x201000, 0, NULL, NULL), VML_EINVAL);
    assert_int_equal(vml_pt_protect(f->pt, 0x1ff000, 0x201000, 0, VML_PTE_RW, NULL, NULL),
                     VML_EINVAL);
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(f->pt, 0x1ff000, &leaf), 0);
    assert_true(leaf.entry & VML_PTE_RW);
    /* Misaligned ranges and bad flags. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x1ff001, 0x200000, 0, NULL, NULL), VML_EINVAL);
    assert_int_equal(vml_pt_unmap(f->pt, 0x1ff000, 0x200000, 8, NULL, NULL), VML_EINVAL);
    assert_int_equal(vml_pt_protect(f->pt, 0, 0x1000, VML_PTE_P, 0, NULL, NULL), VML_EINVAL);
    /* The whole huge page is fine. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x1ff000, 0x400000, 0, NULL, NULL), 2);
    teardown(f);
}

static void test_protect(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vml_pt_map(f->pt, 0x10000 + i * 4096ull, p, VML_PS_4K,
                                    i == 0 ? VML_PTE_US : VML_PTE_US | VML_PTE_RW),
                         0);
    struct seen s = { 0 };
    /* Clear RW over all four: the first never had it, so three change. */
    assert_int_equal(vml_pt_protect(f->pt, 0x10000, 0x14000, 0, VML_PTE_RW, changed, &s), 3);
    assert_int_equal(s.n, 3);
    assert_true(s.entry[0] & VML_PTE_RW); /* the callback sees the old entry */
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(f->pt, 0x13000, &leaf), 0);
    assert_int_equal(leaf.entry, (p << 12) | VML_PTE_US | VML_PTE_P);
    assert_int_equal(vml_pt_protect(f->pt, 0x10000, 0x12000, VML_PTE_NX, 0, NULL, NULL), 2);
    assert_int_equal(vml_pt_lookup(f->pt, 0x11000, &leaf), 0);
    assert_true(leaf.entry & VML_PTE_NX);
    teardown(f);
}

/* vml_pt_leaf_set writes where a look-up found the leaf: the same entry vml_pt_protect or
 * vml_pt_set_pte would leave, with the table's count of entries unchanged. */
static void test_leaf_set(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    uint64_t flags = VML_PTE_US | VML_PTE_RW | VML_PTE_A;
    assert_int_equal(vml_pt_map(f->pt, 0x20000, p, VML_PS_4K, flags), 0);
    struct vml_pt_leaf leaf, again;
    assert_int_equal(vml_pt_lookup(f->pt, 0x20000, &leaf), 0);
    /* The accessed bit cleared, as reclaim's ptep_clear_flush_young does. */
    assert_int_equal(vml_pt_leaf_set(f->pt, &leaf, leaf.entry & ~VML_PTE_A), 0);
    assert_int_equal(vml_pt_lookup(f->pt, 0x20000, &again), 0);
    assert_int_equal(again.entry, (p << 12) | VML_PTE_US | VML_PTE_RW | VML_PTE_P);
    /* A not-present entry (a swap entry's shape: type and offset above bit 0, P clear). */
    uint64_t swp = 0x5ull << 12 | 0x2;
    assert_int_equal(vml_pt_leaf_set(f->pt, &again, swp), 0);
    assert_int_equal(vml_pt_lookup(f->pt, 0x20000, &leaf), 0);
    assert_int_equal(leaf.entry, swp);
    assert_int_equal(leaf.level, 1);
    /* Refused, nothing written: a zero entry, a present entry past the end of RAM. */
    assert_int_equal(vml_pt_leaf_set(f->pt, &leaf, 0), VML_EINVAL);
    uint64_t beyond = (64 * VML_MiB) >> 12;
    assert_int_equal(vml_pt_leaf_set(f->pt, &leaf, (beyond << 12) | VML_PTE_P), VML_EINVAL);
    assert_int_equal(vml_pt_lookup(f->pt, 0x20000, &again), 0);
    assert_int_equal(again.entry, swp);
    /* The table still counts one entry: unmapping it empties and frees the tables. */
    assert_int_equal(vml_pt_unmap(f->pt, 0x20000, 0x21000, 0, NULL, NULL), 1);
    assert_int_equal(vml_pt_lookup(f->pt, 0x20000, &leaf), VML_ENOENT);
    teardown(f);
}

/* An allocator that takes table frames from node 1 and refuses after `left` calls. */
struct hook {
    struct vml_phys *phys;
    unsigned calls, left;
};

static int hook_alloc(void *ctx, uint64_t *pfn)
{
    struct hook *h = ctx;
    h->calls++;
    if (h->left == 0)
        return VML_ENOMEM;
    h->left--;
    return phys_alloc_table(h->phys, 1, pfn);
}

/* vml_pt_create_alloc: every table, root included, comes from the owner's allocator. */
static void test_alloc_hook(void **state)
{
    (void)state;
    struct vml_phys *phys;
    struct vml_phys_config cfg = { .ram_bytes = 8 * VML_MiB, .nr_nodes = 2 };
    assert_int_equal(vml_phys_create(&cfg, &phys, NULL), 0);
    struct vml_pt *pt;
    struct hook h = { .phys = phys, .left = 3 };
    assert_int_equal(vml_pt_create_alloc(phys, 4, NULL, NULL, &pt), VML_EINVAL);
    assert_int_equal(vml_pt_create_alloc(phys, 4, hook_alloc, &h, &pt), 0);
    assert_int_equal(h.calls, 1);
    assert_int_equal(phys_frame(phys, vml_pt_root(pt))->node, 1);
    uint64_t pfn;
    assert_int_equal(vml_phys_alloc(phys, 0, 0, VML_USE_TEST, &pfn), 0);
    /* A first mapping needs a PDPT, a PD and a PT: the third is refused, the two go back. */
    assert_int_equal(vml_pt_map(pt, 0x400000, pfn, VML_PS_4K, 0), VML_ENOMEM);
    assert_int_equal(h.calls, 4);
    struct vml_phys_usage u;
    vml_phys_usage(phys, 1, &u);
    assert_int_equal(u.used[VML_USE_PGTABLE], 1);
    h.left = 3;
    assert_int_equal(vml_pt_map(pt, 0x400000, pfn, VML_PS_4K, 0), 0);
    assert_int_equal(h.calls, 7);
    vml_phys_usage(phys, 1, &u);
    assert_int_equal(u.used[VML_USE_PGTABLE], 4); /* root, PDPT, PD, PT: all on node 1 */
    char why[256];
    assert_int_equal(vml_pt_check(pt, why, sizeof(why)), 0);
    vml_pt_destroy(pt);
    vml_phys_free(phys, pfn, 0);
    vml_phys_usage(phys, 1, &u);
    assert_int_equal(u.used[VML_USE_PGTABLE], 0);
    vml_phys_destroy(phys);
}

static void test_enomem_rolls_back(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 4 * VML_MiB);
    /* Leave exactly two free frames: a first mapping needs three new tables. */
    struct vml_phys_usage u;
    vml_phys_usage(f->phys, 0, &u);
    uint64_t pfn, taken = 0;
    while (u.free > 2) {
        assert_int_equal(vml_phys_alloc(f->phys, 0, 0, VML_USE_TEST, &pfn), 0);
        vml_phys_usage(f->phys, 0, &u);
        taken++;
    }
    assert_int_equal(vml_pt_map(f->pt, 0x400000, pfn, VML_PS_4K, 0), VML_ENOMEM);
    vml_phys_usage(f->phys, 0, &u);
    assert_int_equal(u.free, 2);                  /* the two tables went back */
    assert_int_equal(u.used[VML_USE_PGTABLE], 1); /* only the root */
    assert_int_equal(tables(f, 0), 1);
    assert_int_equal(vml_pt_check(f->pt, f->why, sizeof(f->why)), 0);
    (void)taken;
    teardown(f);
}

static void test_checker_catches_corruption(void **state)
{
    (void)state;
    struct fx *f = setup_levels(4, 64 * VML_MiB);
    uint64_t p = data_frame(f, 0);
    assert_int_equal(vml_pt_map(f->pt, 0x1000, p, VML_PS_4K, 0), 0);
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(f->pt, 0x1000, &leaf), 0);
    uint64_t *t = phys_data(f->phys, leaf.table_pfn);
    t[7] = (p << 12) | VML_PTE_P; /* written behind the count's back */
    assert_int_equal(vml_pt_check(f->pt, f->why, sizeof(f->why)), -1);
    assert_non_null(strstr(f->why, "counts 1 entries, holds 2"));
    t[7] = 0;
    uint64_t *root = phys_data(f->phys, vml_pt_root(f->pt));
    root[0] |= VML_PTE_PS; /* PS is reserved in a PML4 entry */
    assert_int_equal(vml_pt_check(f->pt, f->why, sizeof(f->why)), -1);
    assert_non_null(strstr(f->why, "PS set in a level 4 entry"));
    root[0] &= ~VML_PTE_PS;
    teardown(f);
}

static void test_canonical(void **state)
{
    (void)state;
    assert_true(vml_va_canonical(0x00007fffffffffffull, 4));
    assert_false(vml_va_canonical(0x0000800000000000ull, 4));
    assert_true(vml_va_canonical(0xffff800000000000ull, 4));
    assert_false(vml_va_canonical(0xfffe800000000000ull, 4));
    assert_true(vml_va_canonical(0x0000800000000000ull, 5));
    assert_true(vml_va_canonical(0x00ffffffffffffffull, 5));
    assert_false(vml_va_canonical(0x0100000000000000ull, 5));
    assert_true(vml_va_canonical(0xff00000000000000ull, 5));
    assert_int_equal(vml_level_index(0x7ffd5e8a1234ull, 4), 255);
    assert_int_equal(vml_level_index(0x7ffd5e8a1234ull, 3), 501);
    assert_int_equal(vml_level_index(0x7ffd5e8a1234ull, 2), 244);
    assert_int_equal(vml_level_index(0x7ffd5e8a1234ull, 1), 161);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_map_4k_real_bits),
        cmocka_unit_test(test_huge_leaves),
        cmocka_unit_test(test_map_errors),
        cmocka_unit_test(test_five_level),
        cmocka_unit_test(test_for_each_order_and_kernel_half),
        cmocka_unit_test(test_unmap_frees_tables),
        cmocka_unit_test(test_unmap_keep_tables_then_free_empty),
        cmocka_unit_test(test_unmap_free_pt),
        cmocka_unit_test(test_straddle_is_rejected_unchanged),
        cmocka_unit_test(test_protect),
        cmocka_unit_test(test_leaf_set),
        cmocka_unit_test(test_enomem_rolls_back),
        cmocka_unit_test(test_alloc_hook),
        cmocka_unit_test(test_checker_catches_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
