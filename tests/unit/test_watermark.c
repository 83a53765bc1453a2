/* test_watermark.c: the reserves (mm/watermark.c) against hand arithmetic from mm/page_alloc.c
 * and mm/khugepaged.c, the running kernel's own /proc/zoneinfo (its zone layout in, its
 * watermarks and protection out), and the simulator's /proc/zoneinfo and MemAvailable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/sim_internal.h"
#include "sim_fixture.h"

#include <stdio.h>
#include <unistd.h>

#define GiB (1ull << 30)

/* A 4 GiB machine: DMA is pfns 0..4095 (4096 pages), DMA32 the rest up to 4 GiB (1044480),
 * no Normal. With the default THP settings (enabled=madvise, 2048kB inherit: a PMD mode is
 * on), boot gives:
 *   calculate_min_free_kbytes: int_sqrt(1048576 pages * 4 * 16) = 8192 kB;
 *   set_recommended_min_free_kbytes: 2 populated zones up to Normal:
 *     512 * 2 * 2 + 512 * 2 * 3 * 3 = 11264 pages (below 5% of lowmem) = 45056 kB.
 *   __setup_per_zone_wmarks with pages_min 11264, lowmem 1048576:
 *     DMA:   tmp = 11264 * 4096 / 1048576 = 44; distance max(44 >> 2 = 11, 4096 * 10 / 10000
 *            = 4) = 11: min 44, low 55, high 66, promo 77;
 *     DMA32: tmp = 11264 * 1044480 / 1048576 = 11220; max(2805, 1044) = 2805:
 *            11220, 14025, 16830, 19635;
 *     Normal (empty): 0; Movable (empty): min clamp(0 / 1024, 32, 128) = 32, distance 0;
 *     Device: 0.
 *   setup_per_zone_lowmem_reserve (256 256 32 0 0): DMA keeps 1044480 / 256 = 4080 against
 *     DMA32 and above; DMA32 has nothing above it.
 *   calculate_totalreserve_pages: DMA min(66 + 4080, 4096) = 4096, DMA32 16830: 20926.
 *   wmark_low over every zone: 55 + 14025 + 0 + 32 + 0 = 14112. */
static void test_boot_4g_madvise(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    assert_int_equal(sim_min_free_kbytes(sim), 45056);
    assert_int_equal(vml_sim_min_free_kbytes(sim), 45056);
    const struct wmark_zone *dma = zone_wmark(sim, 0, WZ_DMA);
    const struct wmark_zone *dma32 = zone_wmark(sim, 0, WZ_DMA32);
    const struct wmark_zone *mov = zone_wmark(sim, 0, WZ_MOVABLE);
    assert_int_equal(dma->min, 44);
    assert_int_equal(dma->low, 55);
    assert_int_equal(dma->high, 66);
    assert_int_equal(dma->promo, 77);
    assert_int_equal(dma32->min, 11220);
    assert_int_equal(dma32->low, 14025);
    assert_int_equal(dma32->high, 16830);
    assert_int_equal(dma32->promo, 19635);
    assert_int_equal(mov->min, 32);
    assert_int_equal(mov->high, 32);
    assert_int_equal(zone_wmark(sim, 0, WZ_NORMAL)->high, 0);
    uint64_t prot_dma[WZ_NR] = { 0, 4080, 4080, 4080, 4080 };
    for (unsigned j = 0; j < WZ_NR; j++) {
        assert_int_equal(dma->lowmem_reserve[j], prot_dma[j]);
        assert_int_equal(dma32->lowmem_reserve[j], 0);
    }
    assert_int_equal(totalreserve_pages(sim), 20926);
    assert_int_equal(wmark_low_pages(sim), 14112);

    /* MemAvailable on the fresh machine: every page free but the zero page (1048575), no page
     * cache, no slab: 1048575 - 20926 = 1027649 pages = 4110596 kB. */
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "MemAvailable"), 4110596);
    vml_sim_destroy(sim);
}

/* Below 512 MiB hugepage_init stops before start_stop_khugepaged: 256 MiB (DMA 4096, DMA32
 * 61440 pages) keeps the square root, int_sqrt(65536 * 64) = 2048 kB, THP or not. */
static void test_boot_small(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(256ull << 20, NULL, 0);
    assert_int_equal(sim_min_free_kbytes(sim), 2048);
    /* pages_min 512: DMA32 512 * 61440 / 65536 = 480, distance max(120, 61) = 120. */
    assert_int_equal(zone_wmark(sim, 0, WZ_DMA32)->min, 480);
    assert_int_equal(zone_wmark(sim, 0, WZ_DMA32)->high, 720);
    vml_sim_destroy(sim);
}

/* THP off at boot: hugepage_init's start_stop_khugepaged still runs
 * set_recommended_min_free_kbytes, which without a PMD mode recomputes
 * calculate_min_free_kbytes with the first setup's high watermarks subtracted:
 *   first:  8192 kB, pages_min 2048: DMA tmp 8, distance max(2, 4) = 4: high 16;
 *           DMA32 tmp 2040, distance max(510, 1044) = 1044: high 4128;
 *   again:  nr_free_buffer_pages = (4096 - 16) + (1044480 - 4128) = 1044432;
 *           int_sqrt(1044432 * 64 = 66843648) = 8175 (8176^2 = 66846976 is above). */
static void test_boot_4g_never(void **state)
{
    (void)state;
    const char *const thp[] = { "enabled", "never", NULL };
    struct vml_sim *sim = fixture_sim(4 * GiB, thp, 0);
    assert_int_equal(sim_min_free_kbytes(sim), 8175);
    /* pages_min 2043: DMA32 tmp = 2043 * 1044480 / 1048576 = 2035, distance 1044. */
    const struct wmark_zone *dma32 = zone_wmark(sim, 0, WZ_DMA32);
    assert_int_equal(dma32->min, 2035);
    assert_int_equal(dma32->low, 3079);
    assert_int_equal(dma32->high, 4123);
    vml_sim_destroy(sim);
}

static void thp_write(struct vml_sim *sim, const char *file, const char *value)
{
    struct vml_diag d = { 0 };
    int f = vml_thp_find(file);
    assert_true(f >= 0);
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, value, strlen(value), &d), 0);
}

/* Mid-run THP writes, as start_stop_khugepaged does them:
 *   madvise -> never: calculate_min_free_kbytes with the 45056 kB setup's highs (66, 16830):
 *     (4096 - 66) + (1044480 - 16830) = 1031680; int_sqrt(66027520) = 8125.
 *   never -> madvise: THP's 11264 pages = 45056 kB again (above 8125; 5% of lowmem is
 *     ~52000 pages).
 *   A user write pins the value: after min_free_kbytes = 67584 is written, never computes
 *   ~8 MB, not above user_min_free_kbytes, and 67584 stays (the kernel says "min_free_kbytes is
 *   not updated to ... because user defined value 67584 is preferred": seen on this machine's
 *   dmesg). */
static void test_thp_writes_mid_run(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    thp_write(sim, "enabled", "never");
    assert_int_equal(sim_min_free_kbytes(sim), 8125);
    thp_write(sim, "enabled", "madvise");
    assert_int_equal(sim_min_free_kbytes(sim), 45056);
    assert_int_equal(zone_wmark(sim, 0, WZ_DMA32)->high, 16830);
    /* A second never: the same arithmetic from the same highs. */
    thp_write(sim, "enabled", "never");
    assert_int_equal(sim_min_free_kbytes(sim), 8125);
    /* A write to a smaller size's enabled file runs it again: still no PMD mode; the highs are
     * those of 8125 kB now (pages_min 2031: DMA 7 + 2 * 4 = 15, DMA32 2023 + 2 * 1044 = 4111):
     * (4096 - 15) + (1044480 - 4111) = 1044450, int_sqrt(66844800) = 8175. */
    thp_write(sim, "hugepages-64kB/enabled", "never");
    assert_int_equal(sim_min_free_kbytes(sim), 8175);
    /* shmem_enabled_store runs it as well (shmem THP itself is not simulated: never or deny).
     * Back to 8125 by way of madvise and 2048kB's own never, then the same step to 8175. */
    thp_write(sim, "enabled", "madvise");
    assert_int_equal(sim_min_free_kbytes(sim), 45056);
    thp_write(sim, "hugepages-2048kB/enabled", "never");
    assert_int_equal(sim_min_free_kbytes(sim), 8125);
    thp_write(sim, "shmem_enabled", "deny");
    assert_int_equal(sim_min_free_kbytes(sim), 8175);
    thp_write(sim, "hugepages-2048kB/enabled", "inherit");
    assert_int_equal(sim_min_free_kbytes(sim), 45056); /* inherits enabled=madvise */

    sim->vm.min_free_kbytes = 67584;
    wmark_vm_written(sim, true);
    assert_int_equal(sim_min_free_kbytes(sim), 67584);
    /* 67584 kB = 16896 pages: DMA32 tmp 16896 * 1044480 / 1048576 = 16830. */
    assert_int_equal(zone_wmark(sim, 0, WZ_DMA32)->min, 16830);
    thp_write(sim, "enabled", "never");
    assert_int_equal(sim_min_free_kbytes(sim), 67584);
    thp_write(sim, "enabled", "madvise"); /* 45056 is below: no raise */
    assert_int_equal(sim_min_free_kbytes(sim), 67584);
    vml_sim_destroy(sim);
}

/* watermark_scale_factor: the distance is managed * factor / 10000 when that beats min / 4.
 * At 1000 on 4 GiB: DMA32 1044480 * 1000 / 10000 = 104448; min stays 11220. A store that does
 * not call wmark_vm_written is still seen (wmark_state compares with sim->vm). */
static void test_scale_factor(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    sim->vm.watermark_scale_factor = 1000;
    const struct wmark_zone *dma32 = zone_wmark(sim, 0, WZ_DMA32);
    assert_int_equal(dma32->min, 11220);
    assert_int_equal(dma32->low, 11220 + 104448);
    assert_int_equal(dma32->high, 11220 + 2 * 104448);
    vml_sim_destroy(sim);
}

/* A machine above 4 GiB has a Normal zone; lowmem_reserve then protects DMA and DMA32. 8 GiB:
 * DMA 4096, DMA32 1044480, Normal 1048576 pages.
 *   boot sqrt: int_sqrt(2097152 * 64) = 11585 kB; THP: 3 zones: 512*3*2 + 512*3*9 = 16896
 *   pages = 67584 kB (this is the figure a 3-zone x86-64 machine with THP shows; 5% of lowmem
 *   is ~104000 pages).
 *   pages_min 16896, lowmem 2097152: Normal tmp = 16896 * 1048576 / 2097152 = 8448, distance
 *   max(2112, 1048) = 2112: 8448 / 10560 / 12672.
 *   protection: DMA (0, 4080, 8176, 8176, 8176): 1044480 / 256, (1044480 + 1048576) / 256;
 *   DMA32 (0, 0, 4096, 4096, 4096): 1048576 / 256; Normal (0, 0, 0, 0, 0): nothing above. */
static void test_8g_lowmem_reserve(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(8 * GiB, NULL, 0);
    assert_int_equal(sim_min_free_kbytes(sim), 67584);
    const struct wmark_zone *n = zone_wmark(sim, 0, WZ_NORMAL);
    assert_int_equal(n->min, 8448);
    assert_int_equal(n->low, 10560);
    assert_int_equal(n->high, 12672);
    uint64_t dma[WZ_NR] = { 0, 4080, 8176, 8176, 8176 };
    uint64_t dma32[WZ_NR] = { 0, 0, 4096, 4096, 4096 };
    for (unsigned j = 0; j < WZ_NR; j++) {
        assert_int_equal(zone_wmark(sim, 0, WZ_DMA)->lowmem_reserve[j], dma[j]);
        assert_int_equal(zone_wmark(sim, 0, WZ_DMA32)->lowmem_reserve[j], dma32[j]);
        assert_int_equal(n->lowmem_reserve[j], 0);
    }
    vml_sim_destroy(sim);
}

/* si_mem_available's parts by hand: 1000 free, 300 reserved, 400 cache pages (keeps
 * min(200, 150) = 150), 100 reclaimable (keeps min(50, 150) = 50):
 * 1000 - 300 + 250 + 50 = 1000. Never negative. */
static void test_mem_available_formula(void **state)
{
    (void)state;
    assert_int_equal(wmark_mem_available(1000, 300, 150, 400, 100), 1000);
    assert_int_equal(wmark_mem_available(10, 300, 150, 0, 0), 0);
    assert_int_equal(wmark_int_sqrt(66843648), 8175);
    assert_int_equal(wmark_int_sqrt(0), 0);
    assert_int_equal(wmark_sqrt_min_free_kbytes(1), 128);             /* clamped below */
    assert_int_equal(wmark_sqrt_min_free_kbytes(1ull << 40), 262144); /* and above */
}

/* ---- the running kernel ---- */

struct live {
    unsigned nr_nodes;
    uint64_t managed[VML_MAX_NODES][WZ_NR];
    struct vml_zoneinfo z[VML_MAX_NODES][WZ_NR];
    bool seen[VML_MAX_NODES][WZ_NR];
    bool bad;
};

static int live_zone(const struct vml_zoneinfo *z, void *ctx)
{
    struct live *l = ctx;
    int zi = -1;
    for (unsigned i = 0; i < WZ_NR; i++)
        if (strcmp(z->zone, wmark_zone_name[i]) == 0)
            zi = (int)i;
    if (zi < 0 || z->node >= VML_MAX_NODES) {
        l->bad = true;
        return 0;
    }
    l->managed[z->node][zi] = z->managed;
    l->z[z->node][zi] = *z;
    l->seen[z->node][zi] = true;
    if (z->node + 1 > l->nr_nodes)
        l->nr_nodes = z->node + 1;
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    size_t k;
    while (s && (k = fread(s + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *p = realloc(s, cap *= 2);
            if (!p) {
                free(s);
                s = NULL;
            }
            s = p;
        }
    }
    fclose(f);
    if (s) {
        s = realloc(s, n + 1);
        s[n] = 0;
    }
    *len = n;
    return s;
}

static bool read_live(struct live *l)
{
    size_t len;
    char *t = slurp("/proc/zoneinfo", &len);
    if (!t)
        return false;
    memset(l, 0, sizeof(*l));
    struct vml_diag d = { 0 };
    int r = vml_proc_parse_zoneinfo(t, len, live_zone, l, &d);
    free(t);
    return r == 0 && !l->bad && l->nr_nodes > 0;
}

static long read_long(const char *path, unsigned idx)
{
    FILE *f = fopen(path, "r");
    long v = -1;
    for (unsigned i = 0; f && i <= idx; i++)
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
    if (f)
        fclose(f);
    return v;
}

/* This kernel's zone layout (managed pages per zone and node, read from /proc/zoneinfo) through
 * wmark_setup with its min_free_kbytes, watermark_scale_factor and lowmem_reserve_ratio gives
 * the min, low, high and protection it prints. The files are read twice around the settings
 * and the comparison retried if memory was onlined between (managed pages changed). */
static void test_live_kernel_watermarks(void **state)
{
    (void)state;
    if (access("/proc/zoneinfo", R_OK) != 0)
        skip();
    for (int attempt = 0; attempt < 20; attempt++) {
        struct live a, b;
        if (!read_live(&a))
            skip();
        long mfk = read_long("/proc/sys/vm/min_free_kbytes", 0);
        long wsf = read_long("/proc/sys/vm/watermark_scale_factor", 0);
        struct wmark_params p = { .min_free_kbytes = (uint64_t)mfk,
                                  .watermark_scale_factor = (unsigned)wsf };
        for (unsigned i = 0; i < WZ_NR; i++) {
            long r = read_long("/proc/sys/vm/lowmem_reserve_ratio", i);
            p.lowmem_reserve_ratio[i] = r < 0 ? 0 : (unsigned)r;
        }
        if (!read_live(&b) || mfk < 0 || wsf < 0)
            skip();
        if (memcmp(a.managed, b.managed, sizeof(a.managed)) != 0 ||
            read_long("/proc/sys/vm/min_free_kbytes", 0) != mfk)
            continue; /* changed under us */
        bool all = true;
        for (unsigned n = 0; n < a.nr_nodes; n++)
            for (unsigned z = 0; z < WZ_NR; z++)
                all &= a.seen[n][z];
        if (!all)
            skip(); /* a kernel without ZONE_DEVICE or ZONE_DMA: another zone list */
        struct wmark_zone w[VML_MAX_NODES][WZ_NR];
        wmark_setup((const uint64_t(*)[WZ_NR])a.managed, a.nr_nodes, &p, w);
        bool same = true;
        for (unsigned n = 0; n < a.nr_nodes; n++)
            for (unsigned z = 0; z < WZ_NR; z++) {
                const struct vml_zoneinfo *k = &a.z[n][z];
                /* A boosted zone prints min + boost (min_wmark_pages); the parser has no
                 * boost, so compare low - min and high - low, which boosting shifts together. */
                same &= k->low - k->min == w[n][z].low - w[n][z].min;
                same &= k->high - k->low == w[n][z].high - w[n][z].low;
                same &= k->nr_protection == WZ_NR;
                for (unsigned j = 0; j < k->nr_protection && j < WZ_NR; j++)
                    same &= k->protection[j] == w[n][z].lowmem_reserve[j];
            }
        if (!same)
            continue; /* read while watermarks were being rewritten: try again */
        for (unsigned n = 0; n < a.nr_nodes; n++)
            for (unsigned z = 0; z < WZ_NR; z++) {
                const struct vml_zoneinfo *k = &a.z[n][z];
                if (k->min != w[n][z].min) /* only a boost lifts min above the computed one */
                    assert_true(k->min > w[n][z].min);
                assert_int_equal(k->low - k->min, w[n][z].low - w[n][z].min);
            }
        return;
    }
    fail_msg("the kernel's watermarks never matched wmark_setup over 20 reads");
}

static long meminfo_kb(const char *text, const char *key)
{
    uint64_t v;
    return fixture_text_field(text, key, &v) ? (long)v : -1;
}

/* si_mem_available on this kernel: totalreserve_pages from its zoneinfo (per zone, high plus
 * the largest protection, at most managed) and wmark_low (every zone's low), then meminfo's
 * MemFree, Active(file) + Inactive(file) and KReclaimable through wmark_mem_available give its
 * MemAvailable. The files move while they are read: up to 200 tries for one consistent read. */
static void test_live_mem_available(void **state)
{
    (void)state;
    if (access("/proc/zoneinfo", R_OK) != 0 || access("/proc/meminfo", R_OK) != 0)
        skip();
    for (int attempt = 0; attempt < 200; attempt++) {
        struct live l;
        if (!read_live(&l))
            skip();
        struct wmark_zone w[VML_MAX_NODES][WZ_NR];
        memset(w, 0, sizeof(w));
        for (unsigned n = 0; n < l.nr_nodes; n++)
            for (unsigned z = 0; z < WZ_NR; z++) {
                w[n][z].low = l.z[n][z].low;
                w[n][z].high = l.z[n][z].high;
                for (unsigned j = 0; j < l.z[n][z].nr_protection && j < WZ_NR; j++)
                    w[n][z].lowmem_reserve[j] = l.z[n][z].protection[j];
            }
        uint64_t reserve = wmark_totalreserve((const uint64_t(*)[WZ_NR])l.managed,
                                              (const struct wmark_zone(*)[WZ_NR])w, l.nr_nodes);
        uint64_t low = wmark_low_sum((const struct wmark_zone(*)[WZ_NR])w, l.nr_nodes);
        size_t len;
        char *m = slurp("/proc/meminfo", &len);
        if (!m)
            skip();
        long fr = meminfo_kb(m, "MemFree"), av = meminfo_kb(m, "MemAvailable");
        long af = meminfo_kb(m, "Active(file)"), inf = meminfo_kb(m, "Inactive(file)");
        long kr = meminfo_kb(m, "KReclaimable");
        free(m);
        if (fr < 0 || av < 0 || af < 0 || inf < 0 || kr < 0)
            skip();
        uint64_t want = wmark_mem_available((uint64_t)fr / 4, reserve, low,
                                            (uint64_t)(af + inf) / 4, (uint64_t)kr / 4);
        if (want * 4 == (uint64_t)av)
            return;
    }
    fail_msg("MemAvailable never matched si_mem_available's arithmetic over 200 reads");
}

/* The simulator's /proc/zoneinfo has the kernel's lines: with as many CPUs as this machine has
 * online and a layout with DMA, DMA32 and Normal populated, node 0's text equals the kernel's
 * once every number is replaced by N (names, order, spacing, per-CPU blocks). */
static void test_zoneinfo_shape_matches_kernel(void **state)
{
    (void)state;
    size_t len;
    char *k = slurp("/proc/zoneinfo", &len);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (!k || cpus < 1 || cpus > VML_SIM_MAX_CPUS) {
        free(k);
        skip();
    }
    char *k1 = strstr(k, "\nNode 1,");
    if (k1)
        k1[1] = 0; /* node 0 only */
    /* The kernel's node 0 must look like ours: DMA, DMA32, Normal populated, then Movable and
     * Device. */
    if (!strstr(k, "zone   Normal\n  pages free") || !strstr(k, "zone   Device")) {
        free(k);
        skip();
    }
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 8 * GiB;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, &d), 0);
    cfg.nr_cpus = (unsigned)cpus;
    cfg.paging = 4;
    struct vml_sim *sim = NULL;
    assert_int_equal(vml_sim_create(&cfg, &sim, &d), 0);
    char *s = fixture_proc_text(sim, 0, VML_SIM_ZONEINFO, 0, 0);
    for (char *p = k; *p; p++)
        if (*p >= '0' && *p <= '9')
            *p = 'N';
    for (char *p = s; *p; p++)
        if (*p >= '0' && *p <= '9')
            *p = 'N';
    /* Numbers of different lengths leave runs of N: squeeze them. */
    char *texts[2] = { k, s };
    for (int i = 0; i < 2; i++) {
        char *w = texts[i];
        for (char *r = texts[i]; *r; r++)
            if (!(*r == 'N' && w > texts[i] && w[-1] == 'N'))
                *w++ = *r;
        *w = 0;
    }
    /* Column alignment: "%-12s %lu" pads names, not numbers, so spacing survives the squeeze. */
    if (strcmp(k, s) != 0) {
        const char *a = k, *b = s;
        unsigned line = 1;
        while (*a && *a == *b) {
            line += *a == '\n';
            a++;
            b++;
        }
        fail_msg("line %u differs: kernel '%.60s' vs sim '%.60s'", line, a, b);
    }
    free(k);
    free(s);
    vml_sim_destroy(sim);
}

/* The simulator's zoneinfo for the 4 GiB machine: the parser reads back the hand-computed
 * watermarks, and the per-CPU lines follow zone_batchsize / zone_highsize: DMA32 batch
 * min(1044480 >> 10, 256) / 4 = 64, rounddown_pow_of_two(96) - 1 = 63; high_min low / 1 CPU =
 * 14025; high_max 1044480 / 8 = 130560; threshold 2 * fls(1) * (1 + fls(31)) = 12. */
static int sim_zone(const struct vml_zoneinfo *z, void *ctx)
{
    struct live *l = ctx;
    return live_zone(z, l);
}

static void test_sim_zoneinfo_4g(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    char *s = fixture_proc_text(sim, 0, VML_SIM_ZONEINFO, 0, 0);
    struct live l;
    memset(&l, 0, sizeof(l));
    struct vml_diag d = { 0 };
    assert_int_equal(vml_proc_parse_zoneinfo(s, strlen(s), sim_zone, &l, &d), 0);
    assert_int_equal(l.nr_nodes, 1);
    assert_int_equal(l.z[0][WZ_DMA].min, 44);
    assert_int_equal(l.z[0][WZ_DMA].managed, 4096);
    assert_int_equal(l.z[0][WZ_DMA32].high, 16830);
    assert_int_equal(l.z[0][WZ_DMA32].spanned, 1044480);
    assert_int_equal(l.z[0][WZ_DMA].protection[1], 4080);
    assert_int_equal(l.z[0][WZ_MOVABLE].low, 32);
    assert_non_null(strstr(s, "Node 0, zone    DMA32\n  pages free     1044479\n"));
    assert_non_null(strstr(s, "              batch:    63\n              high_min: 14025\n"
                              "              high_max: 130560\n  vm stats threshold: 12\n"
                              "  node_unreclaimable:  0\n  start_pfn:           4096\n"));
    /* DMA: batch max(1, rounddown_pow_of_two(1) - 1) = 1; high_min max(55, 4) = 55, high_max
     * 4096 / 8 = 512; threshold 2 * 1 * (1 + fls(0)) = 2. */
    assert_non_null(strstr(s, "              batch:    1\n              high_min: 55\n"
                              "              high_max: 512\n  vm stats threshold: 2\n"
                              "  node_unreclaimable:  0\n  start_pfn:           0\n"));
    assert_non_null(strstr(s, "Node 0, zone   Device\n  pages free     0\n"));
    free(s);
    vml_sim_destroy(sim);
}

/* Per-zone LRU and write-pending counts add up to the node's: 1 MiB of anonymous memory
 * written and 256 KiB written to a file on a 4 GiB machine (everything in DMA32 and DMA). */
static void test_sim_zoneinfo_zone_counts(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 1 << 20, false, &file), 0);
    assert_int_equal(vml_sim_file_write(sim, pid, file, 0, 256 << 10), 0);
    char *s = fixture_proc_text(sim, 0, VML_SIM_ZONEINFO, 0, 0);
    uint64_t sum_file = 0, sum_dirty = 0;
    for (const char *p = s; (p = strstr(p, "nr_zone_inactive_file ")) != NULL; p++)
        sum_file += strtoull(p + 22, NULL, 10);
    for (const char *p = s; (p = strstr(p, "nr_zone_write_pending ")) != NULL; p++)
        sum_dirty += strtoull(p + 22, NULL, 10);
    assert_int_equal(sum_file, fixture_vmstat(sim, VML_VMSTAT_nr_inactive_file));
    assert_int_equal(sum_file, 64);
    assert_int_equal(sum_dirty, fixture_vmstat(sim, VML_VMSTAT_nr_dirty));
    free(s);
    vml_sim_destroy(sim);
}

/* docs/meminfo.md's worked example: on the 4 GiB machine, 1000 empty files created and a
 * 256 MiB file read whole. The page cache is 65536 pages, of which si_mem_available keeps
 * min(65536 / 2, wmark_low 14112) = 14112; the slab is ceil(1000 / 21) = 48 dentry pages plus
 * ceil(1000 / 14) = 72 four-page inode slabs = 336 pages, of which it keeps min(168, 14112) =
 * 168. MemAvailable = free - 20926 + (65536 - 14112) + (336 - 168) = free + 30666 pages. */
static void test_mem_available_worked_example(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    int pid, big;
    assert_int_equal(vml_sim_spawn(sim, "reader", &pid), 0);
    for (unsigned i = 0; i < 1000; i++) {
        char name[16];
        snprintf(name, sizeof(name), "small%u", i);
        int id;
        assert_int_equal(vml_sim_file_create(sim, name, 0, false, &id), 0);
    }
    assert_int_equal(vml_sim_file_create(sim, "big", 256ull << 20, false, &big), 0);
    assert_int_equal(vml_sim_file_read(sim, pid, big, 0, 256ull << 20), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_inactive_file) +
                         fixture_vmstat(sim, VML_VMSTAT_nr_active_file),
                     65536);
    /* 1001 files: the big one's dentry and inode fit the same slabs. */
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SReclaimable"), 336 * 4);
    uint64_t free_kb = fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "MemFree");
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "MemAvailable"),
                     free_kb + 30666 * 4);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_4g_madvise),
        cmocka_unit_test(test_boot_4g_never),
        cmocka_unit_test(test_boot_small),
        cmocka_unit_test(test_thp_writes_mid_run),
        cmocka_unit_test(test_scale_factor),
        cmocka_unit_test(test_8g_lowmem_reserve),
        cmocka_unit_test(test_mem_available_formula),
        cmocka_unit_test(test_mem_available_worked_example),
        cmocka_unit_test(test_live_kernel_watermarks),
        cmocka_unit_test(test_live_mem_available),
        cmocka_unit_test(test_zoneinfo_shape_matches_kernel),
        cmocka_unit_test(test_sim_zoneinfo_4g),
        cmocka_unit_test(test_sim_zoneinfo_zone_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
