/* test_phys.c: unit tests of simulated physical memory (hw/phys.c).
 *
 * Checks configuration and its errors, zones and the boot-time buddyinfo (Linux's 11 orders,
 * against a real kernel's line and hand-computed counts), split and merge against hand-computed
 * free counts, exhaustion, zone fallback, 1 GiB contiguous ranges, use counts, the invariant
 * checker against deliberate corruption, a long fixed-seed random run, host memory on machines
 * of 1 to 8 TiB, and page-table content.
 *
 * Counts at order 10 are Linux's: a free range of 2^k frames, k > 10, is 2^(k-10) order-10
 * blocks (the kernel never merges past MAX_PAGE_ORDER), so a zone's order-10 column is worked
 * out as its free MiB / 4 where nothing smaller is free.
 */
#define _POSIX_C_SOURCE 200809L /* sysconf() */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/phys.h"

#define MiB VML_MiB
#define GiB VML_GiB
#define TiB VML_TiB

/* ---- helpers ---------------------------------------------------------------------------- */

static struct vml_phys *make_nodes(uint64_t ram, unsigned nodes)
{
    struct vml_phys_config cfg = { .ram_bytes = ram, .nr_nodes = nodes };
    struct vml_phys *phys = NULL;
    struct vml_diag diag = { 0 };
    int rc = vml_phys_create(&cfg, &phys, &diag);
    if (rc != 0)
        fail_msg("vml_phys_create(%llu, %u): %d %s", (unsigned long long)ram, nodes, rc, diag.msg);
    return phys;
}

static void check_ok(const struct vml_phys *phys)
{
    char why[256];
    if (vml_phys_check(phys, why, sizeof(why)) != 0)
        fail_msg("vml_phys_check: %s", why);
}

static uint64_t alloc_ok(struct vml_phys *phys, unsigned node, unsigned order,
                         enum vml_frame_use use)
{
    uint64_t pfn = UINT64_MAX;
    int rc = vml_phys_alloc(phys, node, order, use, &pfn);
    if (rc != 0)
        fail_msg("vml_phys_alloc(node %u, order %u): %d", node, order, rc);
    return pfn;
}

/* Appends one /proc/buddyinfo line (mm/vmstat.c frag_show_print()) with counts[order]. */
static void add_line(char *buf, size_t cap, unsigned node, const char *zone,
                     const unsigned counts[VML_NR_ORDERS])
{
    size_t len = strlen(buf);
    len += (size_t)snprintf(buf + len, cap - len, "Node %u, zone %8s ", node, zone);
    for (unsigned o = 0; o < VML_NR_ORDERS; o++)
        len += (size_t)snprintf(buf + len, cap - len, "%6u ", counts[o]);
    snprintf(buf + len, cap - len, "\n");
}

static void assert_buddyinfo(const struct vml_phys *phys, const char *expected)
{
    char *text = vml_phys_buddyinfo(phys);
    assert_non_null(text);
    assert_string_equal(text, expected);
    free(text);
}

/* Node 0's DMA32 counts, orders 0..10, against want. */
static void assert_dma32_counts(const struct vml_phys *phys, const unsigned want[VML_NR_ORDERS])
{
    for (unsigned o = 0; o < VML_NR_ORDERS; o++)
        if (vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, o) != want[o])
            fail_msg("order %u: nr_free %llu, expected %u", o,
                     (unsigned long long)vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, o), want[o]);
}

/* Resident set size of this process, from field 2 of /proc/self/statm. */
static uint64_t resident_bytes(void)
{
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%llu %llu", &size, &resident), 2);
    fclose(f);
    return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ---- creation ------------------------------------------------------------------------------ */

static void test_create_even_split(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(4 * GiB, 3);
    /* 4096 MiB / 3 = 1365.3 MiB, rounded down to 2 MiB: 1364 MiB; the last node takes the rest. */
    assert_int_equal(vml_phys_nr_nodes(phys), 3);
    assert_int_equal(vml_phys_total_pages(phys), 1048576);
    assert_int_equal(vml_phys_node_pages(phys, 0), 1364 * 256);
    assert_int_equal(vml_phys_node_pages(phys, 1), 1364 * 256);
    assert_int_equal(vml_phys_node_pages(phys, 2), 1368 * 256);
    assert_int_equal(vml_phys_node_start(phys, 0), 0);
    assert_int_equal(vml_phys_node_start(phys, 1), 349184);
    assert_int_equal(vml_phys_node_start(phys, 2), 698368);
    assert_int_equal(vml_phys_node_pages(phys, 3), 0);
    assert_int_equal(vml_phys_pfn_node(phys, 0), 0);
    assert_int_equal(vml_phys_pfn_node(phys, 349183), 0);
    assert_int_equal(vml_phys_pfn_node(phys, 349184), 1);
    assert_int_equal(vml_phys_pfn_node(phys, 698367), 1);
    assert_int_equal(vml_phys_pfn_node(phys, 698368), 2);
    assert_int_equal(vml_phys_pfn_node(phys, 1048575), 2);
    for (unsigned n = 0; n < 3; n++) {
        struct vml_phys_usage u;
        vml_phys_usage(phys, n, &u);
        assert_int_equal(u.total, vml_phys_node_pages(phys, n));
        assert_int_equal(u.free, u.total);
    }
    check_ok(phys);
    vml_phys_destroy(phys);
    vml_phys_destroy(NULL);
}

static void test_create_node_bytes(void **state)
{
    (void)state;
    struct vml_phys_config cfg = { .ram_bytes = 1 * GiB, .nr_nodes = 3 };
    cfg.node_bytes[0] = 64 * MiB;
    cfg.node_bytes[1] = 2 * MiB;
    cfg.node_bytes[2] = 128 * MiB;
    struct vml_phys *phys = NULL;
    assert_int_equal(vml_phys_create(&cfg, &phys, NULL), 0);
    assert_int_equal(vml_phys_total_pages(phys), 49664); /* ram_bytes is ignored */
    assert_int_equal(vml_phys_node_start(phys, 1), 16384);
    assert_int_equal(vml_phys_node_pages(phys, 1), 512);
    assert_int_equal(vml_phys_node_start(phys, 2), 16896);
    assert_int_equal(vml_phys_node_pages(phys, 2), 32768);
    /* Node 0: DMA 16 MiB = 4 order-10 blocks, DMA32 [16M, 64M) = 48 / 4 = 12. Node 1
     * [64M, 66M): one order-9 block. Node 2 [16896, 49664): 9@16896 10@17408 11@18432
     * 12@20480 13@24576 14@32768 9@49152, i.e. order 9: 2, order 10: 1 + 2 + 4 + 8 + 16 = 31
     * (2 x 512 + 31 x 1024 = 32768 frames). */
    char want[4096] = "";
    unsigned n0dma[VML_NR_ORDERS] = { [10] = 4 };
    unsigned n0dma32[VML_NR_ORDERS] = { [10] = 12 };
    unsigned n1[VML_NR_ORDERS] = { [9] = 1 };
    unsigned n2[VML_NR_ORDERS] = { [9] = 2, [10] = 31 };
    add_line(want, sizeof(want), 0, "DMA", n0dma);
    add_line(want, sizeof(want), 0, "DMA32", n0dma32);
    add_line(want, sizeof(want), 1, "DMA32", n1);
    add_line(want, sizeof(want), 2, "DMA32", n2);
    assert_buddyinfo(phys, want);
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_distance(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(256 * MiB, 2);
    assert_int_equal(vml_phys_distance(phys, 0, 0), 10);
    assert_int_equal(vml_phys_distance(phys, 0, 1), 20);
    assert_int_equal(vml_phys_distance(phys, 1, 0), 20);
    assert_int_equal(vml_phys_distance(phys, 1, 1), 10);
    assert_int_equal(vml_phys_distance(phys, 0, 2), 0);
    vml_phys_destroy(phys);

    struct vml_phys_config cfg = { .ram_bytes = 96 * MiB,
                                   .nr_nodes = 3,
                                   .distance = { { 10, 21, 31 }, { 21, 10, 21 }, { 31, 21, 10 } } };
    assert_int_equal(vml_phys_create(&cfg, &phys, NULL), 0);
    assert_int_equal(vml_phys_distance(phys, 0, 2), 31);
    assert_int_equal(vml_phys_distance(phys, 2, 1), 21);
    assert_int_equal(vml_phys_distance(phys, 1, 1), 10);
    vml_phys_destroy(phys);
}

struct bad_config {
    struct vml_phys_config cfg;
    const char *msg;
};

static void test_create_invalid(void **state)
{
    (void)state;
    static const struct bad_config cases[] = {
        { { .ram_bytes = 64 * MiB, .nr_nodes = 0 }, "nr_nodes 0 is out of range: accepted 1..8" },
        { { .ram_bytes = 64 * MiB, .nr_nodes = 9 }, "nr_nodes 9 is out of range: accepted 1..8" },
        { { .nr_nodes = 3, .node_bytes = { 64 * MiB, 2 * MiB, 3 * MiB } },
          "node 2 size 3 MiB is not a multiple of 2 MiB" },
        { { .nr_nodes = 1, .node_bytes = { 2 * MiB + 1 } },
          "node 0 size 2097153 B is not a multiple of 2 MiB" },
        { { .nr_nodes = 1, .node_bytes = { 1 * MiB } },
          "node 0 size 1 MiB is below the minimum of 2 MiB" },
        { { .nr_nodes = 2, .node_bytes = { 64 * MiB } },
          "node 1 size 0 B is below the minimum of 2 MiB" },
        { { .nr_nodes = 1, .node_bytes = { 16 * TiB } },
          "node 0 size 16 TiB exceeds the maximum of 8 TiB" },
        { { .nr_nodes = 2, .node_bytes = { 8 * TiB, 2 * MiB } },
          "total RAM 8388610 MiB exceeds the maximum of 8 TiB" },
        { { .nr_nodes = 2, .node_bytes = { 2 * MiB, 2 * MiB, 0, 2 * MiB } },
          "node_bytes[3] is 2 MiB but nr_nodes is 2: sizes past nr_nodes must be 0" },
        { { .ram_bytes = 9 * TiB, .nr_nodes = 1 }, "ram_bytes 9 TiB exceeds the maximum of 8 TiB" },
        { { .ram_bytes = 3 * MiB, .nr_nodes = 1 }, "ram_bytes 3 MiB is not a multiple of 2 MiB" },
        { { .ram_bytes = 4 * MiB, .nr_nodes = 3 },
          "ram_bytes 4 MiB is too small for 3 nodes: every node needs at least 2 MiB" },
        { { .ram_bytes = 0, .nr_nodes = 1 },
          "ram_bytes 0 B is too small for 1 nodes: every node needs at least 2 MiB" },
        { { .ram_bytes = 64 * MiB, .nr_nodes = 2, .distance = { { 12, 20 }, { 20, 10 } } },
          "distance[0][0] is 12: the local distance must be 10" },
        { { .ram_bytes = 64 * MiB, .nr_nodes = 2, .distance = { { 10, 10 }, { 20, 10 } } },
          "distance[0][1] is 10: a remote distance must be greater than 10" },
        { { .ram_bytes = 64 * MiB, .nr_nodes = 2, .distance = { { 10, 20 }, { 0, 10 } } },
          "distance[1][0] is 0: a remote distance must be greater than 10" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vml_phys *phys = (struct vml_phys *)&cases; /* must be reset to NULL */
        struct vml_diag diag = { 0 };
        assert_int_equal(vml_phys_create(&cases[i].cfg, &phys, &diag), VML_EINVAL);
        assert_null(phys);
        assert_string_equal(diag.msg, cases[i].msg);
        assert_int_equal(vml_phys_create(&cases[i].cfg, &phys, NULL), VML_EINVAL);
    }
}

/* ---- zones and buddyinfo -------------------------------------------------------------------- */

/* 64 MiB, one node: DMA [0,16M) is 16 / 4 = 4 free order-10 blocks; DMA32 [16M,64M) is
 * 48 / 4 = 12; no Normal zone, so no Normal line. Eleven columns, orders 0..10. */
static const char buddyinfo_64m[] =
    "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0"
    "      4 \n"
    "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0"
    "     12 \n";

static void test_buddyinfo_small(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    assert_buddyinfo(phys, buddyinfo_64m);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA, 10), 4);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, 10), 12);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, 9), 0);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_NORMAL, 10), 0);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, 11), 0); /* no order 11 */
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, 12), 0);
    assert_int_equal(vml_phys_nr_free(phys, 1, VML_ZONE_DMA32, 10), 0);
    vml_phys_destroy(phys);
}

/* Reads a file of tests/fixtures whole, NUL-terminated; the caller frees it. */
static char *read_fixture(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", VMLAB_FIXTURES, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    assert_true(n > 0 && n < 65535);
    return buf;
}

/* /proc/buddyinfo of a real 6.18 kernel (tests/fixtures/proc/buddyinfo): every line has the
 * "Node N, zone %8s " header and exactly 11 "%6lu " columns (NR_PAGE_ORDERS = MAX_PAGE_ORDER
 * + 1 = 11 on x86-64), which add_line() writes; and its DMA line, 0 x 8, then 1 1 3, is what
 * the simulator prints for a 16 MiB machine (DMA only: 4 free order-10 blocks) after one
 * order-8 allocation: it splits an order-10 block into the order-8 block taken, a free order-8
 * and a free order-9 block, leaving 3 order-10 blocks. */
static void test_buddyinfo_real_kernel(void **state)
{
    (void)state;
    char *real = read_fixture("proc/buddyinfo");
    unsigned lines = 0;
    for (char *line = real, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, lines++) {
        unsigned node = 0, counts[VML_NR_ORDERS] = { 0 }, n = 0;
        char zone[16] = "", again[512] = "";
        int used = 0;
        assert_int_equal(sscanf(line, "Node %u, zone %15s%n", &node, zone, &used), 2);
        for (const char *p = line + used; p < nl; n++) {
            char *end;
            unsigned long v = strtoul(p, &end, 10);
            if (end == p)
                break;
            assert_true(n < VML_NR_ORDERS);
            counts[n] = (unsigned)v;
            p = end + strspn(end, " ");
        }
        assert_int_equal(n, 11);
        add_line(again, sizeof(again), node, zone, counts);
        assert_int_equal(strlen(again), (size_t)(nl + 1 - line));
        assert_memory_equal(again, line, strlen(again));
    }
    assert_int_equal(lines, 3); /* DMA, DMA32, Normal */

    struct vml_phys *phys = make_nodes(16 * MiB, 1);
    assert_buddyinfo(phys, "Node 0, zone      DMA      0      0      0      0      0      0"
                           "      0      0      0      0      4 \n");
    alloc_ok(phys, 0, 8, VML_USE_TEST);
    char *sim = vml_phys_buddyinfo(phys);
    assert_non_null(sim);
    assert_memory_equal(sim, real, strlen(sim));
    assert_int_equal(strncmp(real, "Node 0, zone      DMA ", 22), 0);
    assert_int_equal(strchr(real, '\n') + 1 - real, strlen(sim));
    check_ok(phys);
    free(sim);
    free(real);
    vml_phys_destroy(phys);
}

/* A 4 GiB one-node machine: DMA [0, 16M) and DMA32 [16M, 4G), no Normal. Fresh: DMA 16 / 4 =
 * 4 order-10 blocks, DMA32 (4096 - 16) / 4 = 1020. Then allocations (DMA32 first, as Normal is
 * empty) and frees, each count worked out by hand. */
static void test_buddyinfo_4g(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(4 * GiB, 1);
    char want[4096] = "";
    unsigned dma[VML_NR_ORDERS] = { [10] = 4 };
    unsigned fresh[VML_NR_ORDERS] = { [10] = 1020 };
    add_line(want, sizeof(want), 0, "DMA", dma);
    add_line(want, sizeof(want), 0, "DMA32", fresh);
    assert_buddyinfo(phys, want);
    char *text = vml_phys_buddyinfo(phys);
    assert_int_equal(strlen(text), 2 * (strlen("Node 0, zone    DMA32 ") + 11 * 7 + 1));
    free(text);
    /* One frame: the lowest order-10 block (at 16 MiB, pfn 0x1000) is split, one block of
     * each order 0..9 stays free above the frame: 1019 order-10 blocks left. */
    assert_int_equal(alloc_ok(phys, 0, 0, VML_USE_TEST), 0x1000);
    unsigned one[VML_NR_ORDERS] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1019 };
    assert_dma32_counts(phys, one);
    /* An order-10 block: 1018 left; an order-3 block: the free order-3 half at 0x1008. */
    assert_int_equal(alloc_ok(phys, 0, 10, VML_USE_TEST), 0x1400);
    assert_int_equal(alloc_ok(phys, 0, 3, VML_USE_TEST), 0x1008);
    unsigned three[VML_NR_ORDERS] = { 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1018 };
    assert_dma32_counts(phys, three);
    check_ok(phys);
    /* Frees whose buddies are in use do not merge: 0x1400's buddy 0x1000 is split. */
    vml_phys_free(phys, 0x1400, 10);
    vml_phys_free(phys, 0x1008, 3);
    assert_dma32_counts(phys, one);
    /* The last frame merges everything back; not with DMA's free range below 16 MiB. */
    vml_phys_free(phys, 0x1000, 0);
    assert_buddyinfo(phys, want);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA, 10), 4);
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_buddyinfo_multi_node(void **state)
{
    (void)state;
    /* 6 GiB over 2 nodes: node 0 [0,3G) = DMA + DMA32; node 1 [3G,6G) = DMA32 [3G,4G) +
     * Normal [4G,6G). Zones follow physical addresses, not nodes. */
    struct vml_phys *phys = make_nodes(6 * GiB, 2);
    char want[4096] = "";
    /* In order-10 blocks: DMA 16 / 4 = 4; node 0 DMA32 [16M, 3G) (3072 - 16) / 4 = 764; node 1
     * DMA32 [3G, 4G) 1024 / 4 = 256; node 1 Normal [4G, 6G) 2048 / 4 = 512. */
    unsigned dma[VML_NR_ORDERS] = { [10] = 4 };
    unsigned n0dma32[VML_NR_ORDERS] = { [10] = 764 };
    unsigned n1dma32[VML_NR_ORDERS] = { [10] = 256 };
    unsigned n1normal[VML_NR_ORDERS] = { [10] = 512 };
    add_line(want, sizeof(want), 0, "DMA", dma);
    add_line(want, sizeof(want), 0, "DMA32", n0dma32);
    add_line(want, sizeof(want), 1, "DMA32", n1dma32);
    add_line(want, sizeof(want), 1, "Normal", n1normal);
    assert_buddyinfo(phys, want);
    check_ok(phys);
    vml_phys_destroy(phys);

    /* 256 MiB over 2 nodes: node 0 DMA32 [16M, 128M) is 112 / 4 = 28 order-10 blocks, node 1
     * DMA32 [128M, 256M) 128 / 4 = 32. */
    phys = make_nodes(256 * MiB, 2);
    want[0] = '\0';
    unsigned small0[VML_NR_ORDERS] = { [10] = 28 };
    unsigned small1[VML_NR_ORDERS] = { [10] = 32 };
    add_line(want, sizeof(want), 0, "DMA", dma);
    add_line(want, sizeof(want), 0, "DMA32", small0);
    add_line(want, sizeof(want), 1, "DMA32", small1);
    assert_buddyinfo(phys, want);
    vml_phys_destroy(phys);
}

/* ---- split, merge, exhaustion, fallback ------------------------------------------------------ */

static void test_split_and_merge(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    /* The order-10 block at 16 MiB is split: the lower frame is returned, halves of order
     * 0..9 stay free above it; 12 - 1 = 11 order-10 blocks stay whole. */
    assert_int_equal(alloc_ok(phys, 0, 0, VML_USE_TEST), 0x1000);
    unsigned split[VML_NR_ORDERS] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 11 };
    assert_dma32_counts(phys, split);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA, 10), 4);
    check_ok(phys);
    /* The order-3 half sits at 0x1008, the order-0 half at 0x1001. */
    assert_int_equal(alloc_ok(phys, 0, 3, VML_USE_TEST), 0x1008);
    assert_int_equal(alloc_ok(phys, 0, 0, VML_USE_TEST), 0x1001);
    unsigned three[VML_NR_ORDERS] = { 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 11 };
    assert_dma32_counts(phys, three);
    /* Frees whose buddies are in use do not merge. */
    vml_phys_free(phys, 0x1001, 0);
    vml_phys_free(phys, 0x1008, 3);
    unsigned back[VML_NR_ORDERS] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 11 };
    assert_dma32_counts(phys, back);
    check_ok(phys);
    /* Freeing 0x1000 merges all the way up (not with DMA's range below 16 MiB). */
    vml_phys_free(phys, 0x1000, 0);
    assert_buddyinfo(phys, buddyinfo_64m);
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_exhaust_node(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(256 * MiB, 2);
    char *initial = vml_phys_buddyinfo(phys);
    assert_non_null(initial);
    /* Node 1 is one order-15 block: 32768 order-0 frames, handed out in ascending order. */
    for (uint64_t i = 0; i < 32768; i++)
        assert_int_equal(alloc_ok(phys, 1, 0, VML_USE_ANON), 32768 + i);
    uint64_t pfn = 0;
    assert_int_equal(vml_phys_alloc(phys, 1, 0, VML_USE_ANON, &pfn), VML_ENOMEM);
    struct vml_phys_usage u;
    vml_phys_usage(phys, 1, &u);
    assert_int_equal(u.free, 0);
    assert_int_equal(u.used[VML_USE_ANON], 32768);
    vml_phys_usage(phys, 0, &u);
    assert_int_equal(u.free, 32768); /* no fallback to another node */
    check_ok(phys);
    for (uint64_t i = 0; i < 32768; i++)
        vml_phys_free(phys, 32768 + i, 0);
    assert_buddyinfo(phys, initial);
    check_ok(phys);
    free(initial);
    vml_phys_destroy(phys);
}

static void test_zone_fallback(void **state)
{
    (void)state;
    /* 8 GiB: Normal [4G,8G) is tried first, lowest address first, then DMA32. */
    struct vml_phys *phys = make_nodes(8 * GiB, 1);
    assert_int_equal(alloc_ok(phys, 0, 10, VML_USE_TEST), 0x100000);
    assert_int_equal(alloc_ok(phys, 0, 10, VML_USE_TEST), 0x100400);
    assert_int_equal(alloc_ok(phys, 0, 0, VML_USE_TEST), 0x100800);
    /* 4 GiB / 4 MiB = 1024 order-10 blocks, less the two taken and the one split. */
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_NORMAL, 10), 1024 - 3);
    check_ok(phys);
    vml_phys_destroy(phys);

    /* 64 MiB: DMA32's twelve order-10 blocks in ascending order, then DMA's four, then
     * nothing. */
    phys = make_nodes(64 * MiB, 1);
    for (uint64_t i = 0; i < 12; i++)
        assert_int_equal(alloc_ok(phys, 0, 10, VML_USE_TEST), 0x1000 + i * 0x400);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, 10), 0);
    for (uint64_t i = 0; i < 4; i++)
        assert_int_equal(alloc_ok(phys, 0, 10, VML_USE_TEST), i * 0x400);
    uint64_t pfn = 0;
    assert_int_equal(vml_phys_alloc(phys, 0, 0, VML_USE_TEST, &pfn), VML_ENOMEM);
    check_ok(phys);
    for (uint64_t i = 0; i < 16; i++)
        vml_phys_free(phys, i * 0x400, 10);
    assert_buddyinfo(phys, buddyinfo_64m);
    vml_phys_destroy(phys);

    /* 6 GiB over 2 nodes: node 1 has Normal, node 0 does not. */
    phys = make_nodes(6 * GiB, 2);
    assert_int_equal(alloc_ok(phys, 1, 0, VML_USE_TEST), 0x100000);
    assert_int_equal(alloc_ok(phys, 0, 0, VML_USE_TEST), 0x1000);
    assert_int_equal(vml_phys_pfn_node(phys, 0x100000), 1);
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_alloc_invalid(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    uint64_t pfn = 77;
    assert_int_equal(vml_phys_alloc(phys, 1, 0, VML_USE_TEST, &pfn), VML_EINVAL);
    /* Orders past MAX_PAGE_ORDER are refused, though 16 MiB blocks of free memory exist. */
    assert_int_equal(vml_phys_alloc(phys, 0, 11, VML_USE_TEST, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc(phys, 0, 12, VML_USE_TEST, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc(phys, 0, VML_GIGANTIC_ORDER, VML_USE_TEST, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc(phys, 0, 0, VML_USE_FREE, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc(phys, 0, 0, VML_NR_USES, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc_contig(phys, 1, VML_USE_TEST, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc_contig(phys, 0, VML_USE_FREE, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc_contig(phys, 0, VML_NR_USES, &pfn), VML_EINVAL);
    assert_int_equal(vml_phys_alloc_contig(phys, 0, VML_USE_TEST, &pfn), VML_ENOMEM);
    assert_int_equal(pfn, 77);
    assert_buddyinfo(phys, buddyinfo_64m);
    vml_phys_destroy(phys);
    /* 2 MiB: no order-10 block at all. */
    phys = make_nodes(2 * MiB, 1);
    assert_int_equal(vml_phys_alloc(phys, 0, 10, VML_USE_TEST, &pfn), VML_ENOMEM);
    assert_int_equal(pfn, 77);
    vml_phys_destroy(phys);
}

static uint64_t contig_ok(struct vml_phys *phys, unsigned node)
{
    uint64_t pfn = UINT64_MAX;
    int rc = vml_phys_alloc_contig(phys, node, VML_USE_HUGETLB, &pfn);
    if (rc != 0)
        fail_msg("vml_phys_alloc_contig(node %u): %d", node, rc);
    return pfn;
}

static void contig_fails(struct vml_phys *phys, unsigned node)
{
    char *before = vml_phys_buddyinfo(phys);
    uint64_t pfn = 77;
    assert_int_equal(vml_phys_alloc_contig(phys, node, VML_USE_HUGETLB, &pfn), VML_ENOMEM);
    assert_int_equal(pfn, 77);
    assert_buddyinfo(phys, before); /* nothing changed */
    free(before);
}

/* 1 GiB pages come from an aligned GiB whose frames are all free and all in one zone
 * (alloc_contig_pages(): from ALIGN(zone_start_pfn, nr_pages), zone_spans_last_pfn(),
 * pfn_range_valid_contig()), zones Normal, DMA32, DMA, lowest address first. */
static void test_contig_1g(void **state)
{
    (void)state;
    /* 4 GiB: DMA32 [16M, 4G) holds the GiBs at 1, 2 and 3 GiB. [0, 1G) is free too, but it
     * spans DMA and DMA32 (zone boundary at 16 MiB), so a fourth request fails with 1 GiB
     * free. */
    struct vml_phys *phys = make_nodes(4 * GiB, 1);
    assert_int_equal(contig_ok(phys, 0), 0x40000);
    assert_int_equal(contig_ok(phys, 0), 0x80000);
    assert_int_equal(contig_ok(phys, 0), 0xc0000);
    contig_fails(phys, 0);
    /* DMA 16 / 4 = 4 order-10 blocks; DMA32 (1024 - 16) / 4 = 252. */
    char want[4096] = "";
    unsigned dma[VML_NR_ORDERS] = { [10] = 4 }, dma32[VML_NR_ORDERS] = { [10] = 252 };
    add_line(want, sizeof(want), 0, "DMA", dma);
    add_line(want, sizeof(want), 0, "DMA32", dma32);
    assert_buddyinfo(phys, want);
    /* In use, but no pgalloc event: alloc_contig_range() takes frames off the free lists. */
    struct vml_phys_usage u;
    vml_phys_usage(phys, 0, &u);
    assert_int_equal(u.used[VML_USE_HUGETLB], 3 * 262144);
    assert_int_equal(u.free, 1048576 - 3 * 262144);
    assert_int_equal(u.allocated[VML_ZONE_DMA32], 0);
    assert_int_equal(u.allocated_by_use[VML_USE_HUGETLB], 0);
    check_ok(phys);
    /* Freed, it counts pgfree and its 256 order-10 blocks are back: 252 + 256 = 508. */
    vml_phys_free_contig(phys, 0x80000);
    vml_phys_usage(phys, 0, &u);
    assert_int_equal(u.freed, 262144);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, 10), 508);
    check_ok(phys);
    vml_phys_free_contig(phys, 0x40000);
    vml_phys_free_contig(phys, 0xc0000);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_DMA32, 10), 1020);
    check_ok(phys);
    /* The scan goes up from the zone's start: the lowest free GiB, whatever was freed last. */
    assert_int_equal(contig_ok(phys, 0), 0x40000);
    vml_phys_free_contig(phys, 0x40000);
    vml_phys_destroy(phys);

    /* 5 GiB: Normal [4G, 5G) is one GiB. One frame taken from it (Normal is tried first)
     * leaves no fully free GiB there: the next 1 GiB page comes from DMA32. Freed, the frame
     * makes Normal's GiB whole again. */
    phys = make_nodes(5 * GiB, 1);
    assert_int_equal(alloc_ok(phys, 0, 0, VML_USE_ANON), 0x100000);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_NORMAL, 10), 255);
    assert_int_equal(contig_ok(phys, 0), 0x40000);
    vml_phys_free(phys, 0x100000, 0);
    assert_int_equal(contig_ok(phys, 0), 0x100000);
    assert_int_equal(vml_phys_nr_free(phys, 0, VML_ZONE_NORMAL, 10), 0);
    check_ok(phys);
    vml_phys_destroy(phys);

    /* 3 GiB over 2 nodes: node 0 [0, 1.5G) has no aligned GiB it spans whole; [1G, 2G) is
     * free but half on each node (two zones); node 1 [1.5G, 3G) has [2G, 3G). */
    phys = make_nodes(3 * GiB, 2);
    contig_fails(phys, 0);
    assert_int_equal(contig_ok(phys, 1), 0x80000);
    contig_fails(phys, 1);
    /* Node 0 DMA32 (1536 - 16) / 4 = 380; node 1 DMA32 [1.5G, 2G) 512 / 4 = 128. */
    want[0] = '\0';
    unsigned n0[VML_NR_ORDERS] = { [10] = 380 }, n1[VML_NR_ORDERS] = { [10] = 128 };
    add_line(want, sizeof(want), 0, "DMA", dma);
    add_line(want, sizeof(want), 0, "DMA32", n0);
    add_line(want, sizeof(want), 1, "DMA32", n1);
    assert_buddyinfo(phys, want);
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_usage(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    uint64_t anon = alloc_ok(phys, 0, 0, VML_USE_ANON);
    uint64_t file = alloc_ok(phys, 0, 2, VML_USE_FILE);
    uint64_t kern = alloc_ok(phys, 0, 5, VML_USE_KERNEL);
    uint64_t table = 0;
    assert_int_equal(phys_alloc_table(phys, 0, &table), 0);
    struct vml_phys_usage u;
    vml_phys_usage(phys, 0, &u);
    assert_int_equal(u.total, 16384);
    assert_int_equal(u.used[VML_USE_ANON], 1);
    assert_int_equal(u.used[VML_USE_FILE], 4);
    assert_int_equal(u.used[VML_USE_KERNEL], 32);
    assert_int_equal(u.used[VML_USE_PGTABLE], 1);
    assert_int_equal(u.used[VML_USE_FREE], 0);
    assert_int_equal(u.free, 16384 - 38);
    uint64_t sum = u.free;
    for (unsigned i = 0; i < VML_NR_USES; i++)
        sum += u.used[i];
    assert_int_equal(sum, u.total);
    check_ok(phys);
    vml_phys_free(phys, file, 2);
    vml_phys_usage(phys, 0, &u);
    assert_int_equal(u.used[VML_USE_FILE], 0);
    assert_int_equal(u.free, 16384 - 34);
    vml_phys_free(phys, anon, 0);
    vml_phys_free(phys, kern, 5);
    vml_phys_free(phys, table, 0);
    vml_phys_usage(phys, 0, &u);
    assert_int_equal(u.free, 16384);
    assert_buddyinfo(phys, buddyinfo_64m);
    vml_phys_usage(phys, 1, &u); /* no such node */
    assert_int_equal(u.total, 0);
    vml_phys_destroy(phys);
}

/* ---- the checker catches corruption ---------------------------------------------------------- */

static void assert_check_fails(const struct vml_phys *phys, const char *msg)
{
    char why[256] = "";
    assert_int_equal(vml_phys_check(phys, why, sizeof(why)), -1);
    print_message("checker: %s\n", why);
    assert_string_equal(why, msg);
}

static void test_check_nr_free(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    struct phys_zone *z = &phys->nodes[0].zones[VML_ZONE_DMA32];
    z->free_area[12].nr_free++;
    assert_check_fails(phys, "node 0 zone DMA32: free_pages 12288 but the free lists hold 16384");
    z->free_pages += 4096;
    assert_check_fails(phys, "node 0 zone DMA32 order 12: nr_free 2 but the list holds 1 blocks");
    z->free_area[12].nr_free--;
    z->free_pages -= 4096;
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_check_flags_and_links(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    alloc_ok(phys, 0, 0, VML_USE_TEST); /* 0x1000; free halves at 0x1001, 0x1002, ... */
    phys_frame(phys, 0x1001)->flags ^= PGF_BUDDY;
    assert_check_fails(phys, "node 0 zone DMA32 order 0: block at pfn 0x1001 not flagged free "
                             "(flags 0x0, order 0)");
    phys_frame(phys, 0x1001)->flags ^= PGF_BUDDY;
    phys_frame(phys, 0x1002)->lru_prev = 0x1234;
    assert_check_fails(phys, "node 0 zone DMA32 order 1: block at pfn 0x1002 links back to "
                             "0x1234, not 0xffffffff");
    phys_frame(phys, 0x1002)->lru_prev = FRAME_NONE;
    struct phys_free_area *a = &phys->nodes[0].zones[VML_ZONE_DMA32].free_area[1];
    a->head = 0x1001;
    assert_check_fails(phys, "node 0 zone DMA32 order 1: block at pfn 0x1001 not aligned");
    a->head = 0x1002;
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_check_unlisted_and_used(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    alloc_ok(phys, 0, 0, VML_USE_ANON); /* 0x1000 */
    phys->nodes[0].used[VML_USE_ANON]++;
    assert_check_fails(phys, "node 0: used[anon] is 2 but allocated blocks hold 1 frames");
    phys->nodes[0].used[VML_USE_ANON]--;
    /* A head flagged free without being queued. */
    struct frame *f = phys_frame(phys, 0x1000);
    f->flags = PGF_BUDDY;
    assert_check_fails(phys, "node 0 zone DMA32: free block at pfn 0x1000 order 0 is on no free "
                             "list");
    f->flags = 0;
    assert_check_fails(phys, "node 0 zone DMA32: pfn 0x1000 heads no valid block (flags 0x0, "
                             "order 0)");
    f->flags = PGF_HEAD;
    check_ok(phys);
    vml_phys_destroy(phys);
}

static void test_check_unmerged(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    assert_int_equal(alloc_ok(phys, 0, 10, VML_USE_TEST), 0x1000);
    assert_int_equal(alloc_ok(phys, 0, 10, VML_USE_TEST), 0x1400);
    vml_phys_free(phys, 0x1000, 10); /* buddy 0x1400 in use: stays order 10 */
    check_ok(phys);
    /* Queue 0x1400 by hand as if freed without merging. */
    struct phys_zone *z = &phys->nodes[0].zones[VML_ZONE_DMA32];
    struct frame *f = phys_frame(phys, 0x1400);
    f->flags = PGF_BUDDY;
    f->lru_prev = FRAME_NONE;
    f->lru_next = (uint32_t)z->free_area[10].head;
    phys_frame(phys, z->free_area[10].head)->lru_prev = 0x1400;
    z->free_area[10].head = 0x1400;
    z->free_area[10].nr_free++;
    z->free_pages += 1024;
    phys->nodes[0].used[VML_USE_TEST] -= 1024;
    assert_check_fails(phys, "node 0 zone DMA32 order 10: free buddies at pfn 0x1000 and 0x1400 "
                             "were not merged");
    vml_phys_destroy(phys);
}

/* ---- randomized ------------------------------------------------------------------------------ */

struct live_block {
    uint64_t pfn;
    unsigned order, node, use;
};

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* True if the node has no free block of order or larger in any zone. */
static int node_exhausted(const struct vml_phys *phys, unsigned node, unsigned order)
{
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        for (unsigned o = order; o < VML_NR_ORDERS; o++)
            if (vml_phys_nr_free(phys, node, z, o) != 0)
                return 0;
    return 1;
}

static void random_alloc(struct vml_phys *phys, uint64_t *rng, struct live_block *live, size_t *nr,
                         uint64_t used[2][VML_NR_USES], unsigned *enomem)
{
    unsigned node = (unsigned)(rng_next(rng) % 2);
    unsigned order = (unsigned)(rng_next(rng) % 11);
    unsigned use = 1 + (unsigned)(rng_next(rng) % (VML_NR_USES - 1));
    uint64_t pfn = 0;
    int rc = vml_phys_alloc(phys, node, order, use, &pfn);
    if (rc == VML_ENOMEM) {
        assert_true(node_exhausted(phys, node, order));
        (*enomem)++;
        return;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(pfn & ((1ull << order) - 1), 0);
    assert_int_equal(vml_phys_pfn_node(phys, pfn), node);
    assert_int_equal(vml_phys_pfn_node(phys, pfn + (1ull << order) - 1), node);
    if (rng_next(rng) % 8 == 0)
        assert_int_equal(phys_attach_data(phys, pfn + rng_next(rng) % (1ull << order)), 0);
    live[(*nr)++] = (struct live_block){ pfn, order, node, use };
    used[node][use] += 1ull << order;
}

static void test_random(void **state)
{
    (void)state;
    const uint64_t seed = 0x9e3779b97f4a7c15ull;
    const int steps = 25000;
    struct vml_phys *phys = make_nodes(256 * MiB, 2);
    char *initial = vml_phys_buddyinfo(phys);
    struct live_block *live = calloc(65536, sizeof(*live));
    assert_non_null(live);
    uint64_t used[2][VML_NR_USES] = { { 0 } }, rng = seed;
    size_t nr = 0, peak = 0;
    unsigned enomem = 0;
    char why[256];
    for (int step = 0; step < steps; step++) {
        unsigned bias = (step / 2500) % 2 ? 35 : 65; /* phases that fill, then drain */
        if (nr == 0 || rng_next(&rng) % 100 < bias) {
            random_alloc(phys, &rng, live, &nr, used, &enomem);
        } else {
            size_t i = (size_t)(rng_next(&rng) % nr);
            vml_phys_free(phys, live[i].pfn, live[i].order);
            used[live[i].node][live[i].use] -= 1ull << live[i].order;
            live[i] = live[--nr];
        }
        peak = nr > peak ? nr : peak;
        if (vml_phys_check(phys, why, sizeof(why)) != 0)
            fail_msg("seed 0x%llx step %d: %s", (unsigned long long)seed, step, why);
        for (unsigned n = 0; n < 2; n++) {
            struct vml_phys_usage u;
            vml_phys_usage(phys, n, &u);
            if (memcmp(u.used, used[n], sizeof(u.used)) != 0)
                fail_msg("seed 0x%llx step %d: node %u use counts differ", (unsigned long long)seed,
                         step, n);
        }
    }
    print_message("random: %d steps, peak %zu live blocks, %u ENOMEM\n", steps, peak, enomem);
    assert_true(enomem > 0); /* the run did reach exhaustion */
    while (nr > 0) {
        nr--;
        vml_phys_free(phys, live[nr].pfn, live[nr].order);
    }
    check_ok(phys);
    assert_buddyinfo(phys, initial);
    free(initial);
    free(live);
    vml_phys_destroy(phys);
}

/* ---- host memory ------------------------------------------------------------------------------
 */

static void test_host_memory_1t(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(1 * TiB, 4);
    char *initial = vml_phys_buddyinfo(phys);
    /* 2^18 free order-10 blocks in Linux's terms: node 0 DMA 16 / 4 = 4, DMA32 (4096 - 16) / 4
     * = 1020, Normal [4G, 256G) 252 x 256 = 64512; nodes 1..3 Normal 256 x 256 = 65536 each:
     * 4 + 1020 + 64512 + 3 x 65536 = 262144. */
    char want[4096] = "";
    unsigned dma[VML_NR_ORDERS] = { [10] = 4 }, dma32[VML_NR_ORDERS] = { [10] = 1020 };
    unsigned normal0[VML_NR_ORDERS] = { [10] = 64512 }, normal[VML_NR_ORDERS] = { [10] = 65536 };
    add_line(want, sizeof(want), 0, "DMA", dma);
    add_line(want, sizeof(want), 0, "DMA32", dma32);
    add_line(want, sizeof(want), 0, "Normal", normal0);
    for (unsigned n = 1; n < 4; n++)
        add_line(want, sizeof(want), n, "Normal", normal);
    assert_string_equal(initial, want);
    /* Right after creation: the struct, the section table (8192 x 24 bytes) and section 0's
     * frames, which DMA and the low DMA32 blocks (smaller than a section) are linked through;
     * none for the 262144 order-10 blocks, kept as free ranges of up to 1 GiB. */
    uint64_t created = vml_phys_host_bytes(phys);
    assert_int_equal(created, sizeof(struct vml_phys) + 8192 * sizeof(struct phys_section) +
                                  SECTION_FRAMES * sizeof(struct frame));
    assert_true(created < 3 * MiB);
    uint64_t rss0 = resident_bytes();
    uint64_t start = vml_phys_node_start(phys, 1);
    for (uint64_t i = 0; i < 262144; i++) {
        uint64_t pfn = 0;
        if (vml_phys_alloc(phys, 1, 0, VML_USE_TEST, &pfn) != 0 || pfn != start + i)
            fail_msg("allocation %llu gave pfn 0x%llx", (unsigned long long)i,
                     (unsigned long long)pfn);
    }
    uint64_t rss1 = resident_bytes();
    uint64_t host = vml_phys_host_bytes(phys);
    uint64_t growth = rss1 > rss0 ? rss1 - rss0 : 0;
    printf("1 TiB machine: host bytes %llu after create, %llu with 1 GiB allocated; "
           "resident growth %llu bytes\n",
           (unsigned long long)created, (unsigned long long)host, (unsigned long long)growth);
    assert_int_equal(host - created, 8 * SECTION_FRAMES * sizeof(struct frame)); /* 16 MiB */
    assert_true(host < 64 * MiB);
    assert_true(growth < 64 * MiB);
    struct vml_phys_usage u;
    vml_phys_usage(phys, 1, &u);
    assert_int_equal(u.used[VML_USE_TEST], 262144);
    check_ok(phys);
    for (uint64_t i = 0; i < 262144; i++)
        vml_phys_free(phys, start + i, 0);
    assert_buddyinfo(phys, initial);
    check_ok(phys);
    free(initial);
    vml_phys_destroy(phys);
}

static void huge_machine(uint64_t ram, unsigned nodes)
{
    struct vml_phys *phys = make_nodes(ram, nodes);
    char *initial = vml_phys_buddyinfo(phys);
    uint64_t created = vml_phys_host_bytes(phys);
    unsigned last = nodes - 1;
    uint64_t pfn = UINT64_MAX;
    assert_int_equal(vml_phys_alloc_contig(phys, last, VML_USE_HUGETLB, &pfn), 0);
    assert_int_equal(pfn, vml_phys_node_start(phys, last));
    uint64_t host = vml_phys_host_bytes(phys);
    printf("%llu TiB machine: host bytes %llu after create, %llu with a 1 GiB block\n",
           (unsigned long long)(ram >> 40), (unsigned long long)created, (unsigned long long)host);
    assert_int_equal(host - created, 8 * SECTION_FRAMES * sizeof(struct frame));
    check_ok(phys);
    vml_phys_free_contig(phys, pfn);
    assert_buddyinfo(phys, initial);
    check_ok(phys);
    free(initial);
    vml_phys_destroy(phys);
}

static void test_huge_machines(void **state)
{
    (void)state;
    huge_machine(4 * TiB, 2);
    huge_machine(8 * TiB, 8);
}

/* ---- content ------------------------------------------------------------------------------- */

static int all_zero(const uint64_t *data)
{
    for (unsigned i = 0; i < 512; i++)
        if (data[i] != 0)
            return 0;
    return 1;
}

static void test_table_content(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    uint64_t base = vml_phys_host_bytes(phys);
    uint64_t pfn = 0;
    assert_int_equal(phys_alloc_table(phys, 0, &pfn), 0);
    assert_int_equal(pfn, 0x1000);
    const struct frame *f = phys_frame(phys, pfn);
    assert_int_equal(f->use, VML_USE_PGTABLE);
    uint64_t *data = phys_data(phys, pfn);
    assert_non_null(data);
    assert_true(all_zero(data));
    assert_int_equal(vml_phys_host_bytes(phys), base + 256 * 1024); /* one chunk: 64 x 4 KiB */
    memset(data, 0xa5, 4096);
    vml_phys_free(phys, pfn, 0);
    assert_null(phys_data(phys, pfn));
    assert_int_equal(vml_phys_host_bytes(phys), base);
    check_ok(phys);
    /* A reallocated table is zeroed again. */
    assert_int_equal(phys_alloc_table(phys, 0, &pfn), 0);
    assert_true(all_zero(phys_data(phys, pfn)));
    vml_phys_free(phys, pfn, 0);
    vml_phys_destroy(phys);
}

static void test_content_pool(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(64 * MiB, 1);
    uint64_t base = vml_phys_host_bytes(phys);
    uint64_t pfns[64];
    /* 63 blocks per chunk (block 0 holds the chunk header); the 64th table needs a 2nd chunk. */
    for (unsigned i = 0; i < 64; i++) {
        assert_int_equal(phys_alloc_table(phys, 0, &pfns[i]), 0);
        uint64_t chunks = i < 63 ? 1 : 2;
        assert_int_equal(vml_phys_host_bytes(phys), base + chunks * 256 * 1024);
    }
    /* Freed blocks are reused first: the next table gets the block just freed. */
    uint64_t *old = phys_data(phys, pfns[10]);
    vml_phys_free(phys, pfns[10], 0);
#ifndef NDEBUG
    const unsigned char *bytes = (const unsigned char *)old;
    assert_int_equal(bytes[8], 0x6b); /* poisoned; the first word links the free list */
    assert_int_equal(bytes[4095], 0x6b);
#endif
    assert_int_equal(phys_alloc_table(phys, 0, &pfns[10]), 0);
    assert_ptr_equal(phys_data(phys, pfns[10]), old);
    assert_true(all_zero(old));
    for (unsigned i = 0; i < 64; i++)
        vml_phys_free(phys, pfns[i], 0);
    assert_int_equal(vml_phys_host_bytes(phys), base);
    assert_buddyinfo(phys, buddyinfo_64m);
    vml_phys_destroy(phys);
}

static void test_content_attach_and_enomem(void **state)
{
    (void)state;
    struct vml_phys *phys = make_nodes(2 * MiB, 1);
    uint64_t base = vml_phys_host_bytes(phys);
    uint64_t pfn = alloc_ok(phys, 0, 2, VML_USE_ANON);
    assert_int_equal(phys_attach_data(phys, pfn + 3), 0);
    assert_non_null(phys_data(phys, pfn + 3));
    assert_true(all_zero(phys_data(phys, pfn + 3)));
    assert_null(phys_data(phys, pfn));
    assert_int_equal(vml_phys_host_bytes(phys), base + 256 * 1024);
    vml_phys_free(phys, pfn, 2); /* frees the tail's content too */
    assert_null(phys_data(phys, pfn + 3));
    assert_int_equal(vml_phys_host_bytes(phys), base);
    /* A full node: phys_alloc_table fails and leaves nothing behind. */
    uint64_t all = alloc_ok(phys, 0, 9, VML_USE_KERNEL);
    char *before = vml_phys_buddyinfo(phys);
    assert_int_equal(phys_alloc_table(phys, 0, &pfn), VML_ENOMEM);
    assert_int_equal(vml_phys_host_bytes(phys), base);
    assert_buddyinfo(phys, before);
    check_ok(phys);
    free(before);
    vml_phys_free(phys, all, 9);
    vml_phys_destroy(phys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_even_split),
        cmocka_unit_test(test_create_node_bytes),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_create_invalid),
        cmocka_unit_test(test_buddyinfo_small),
        cmocka_unit_test(test_buddyinfo_multi_node),
        cmocka_unit_test(test_buddyinfo_real_kernel),
        cmocka_unit_test(test_buddyinfo_4g),
        cmocka_unit_test(test_split_and_merge),
        cmocka_unit_test(test_exhaust_node),
        cmocka_unit_test(test_zone_fallback),
        cmocka_unit_test(test_alloc_invalid),
        cmocka_unit_test(test_contig_1g),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_check_nr_free),
        cmocka_unit_test(test_check_flags_and_links),
        cmocka_unit_test(test_check_unlisted_and_used),
        cmocka_unit_test(test_check_unmerged),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_host_memory_1t),
        cmocka_unit_test(test_huge_machines),
        cmocka_unit_test(test_table_content),
        cmocka_unit_test(test_content_pool),
        cmocka_unit_test(test_content_attach_and_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
