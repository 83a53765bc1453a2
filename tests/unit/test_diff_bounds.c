/* vmlab diff's bounded rules (src/scenario/diff.c, docs/fidelity.md): the Dirty change of an
 * fsync or fdatasync, when a show vm before it shows dirty_background_bytes B, agrees when both
 * sides lie in [-B/1024, 0] kB (B = 1048576 below: the bound is [-1024, 0]); a write burst's
 * under the same threshold; a confined process's own file pages; and the resident/swapped split
 * under a cgroup's memory limit, with its clean/dirty split and a swap-in re-read's faults; and a
 * move_pages status on a kernel before 6.12 (-EFAULT for
 * the simulator's -ENOENT). Everything else is compared exactly, and each rule applies to
 * nothing else. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/text.h"
#include "vmlab/run.h"
#include "vmlab/scenario.h"

struct side {
    struct vml_snapshot snap;
    struct vml_snap_text vm;
    struct vml_snap_op op;
};

/* One side: a show vm at line 12 (dirty_background_bytes bg, NULL for no show vm) and one
 * measured operation at line 20, "p VERB data.bin", whose Dirty change is dirty kB. */
static void side(struct side *s, const char *bg, const char *verb, int64_t dirty)
{
    memset(s, 0, sizeof(*s));
    static char texts[2][128];
    static int which;
    char *text = texts[which++ & 1];
    snprintf(text, sizeof(texts[0]), "dirty_ratio:20\ndirty_background_bytes:%s\n", bg ? bg : "0");
    s->vm = (struct vml_snap_text){ .line = 12, .text = text, .vm = true };
    s->op.line = 20;
    snprintf(s->op.what, sizeof(s->op.what), "p %s data.bin", verb);
    s->op.has_faults = true;
    s->op.has_mem = true;
    s->op.mem[VML_SNAP_DIRTY] = dirty;
    s->snap.thp = bg ? &s->vm : NULL;
    s->snap.n_thp = bg ? 1 : 0;
    s->snap.ops = &s->op;
    s->snap.n_ops = 1;
}

static unsigned differ(const char *bg, const char *verb, int64_t sim, int64_t real, char **text)
{
    struct side a, b;
    side(&a, bg, verb, sim);
    side(&b, bg, verb, real);
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped);
    if (text) {
        *text = strdup(out.s ? out.s : "");
        assert_non_null(*text);
    }
    vml_text_free(&out);
    return d;
}

static void test_within_bound(void **state)
{
    (void)state;
    char *text = NULL;
    /* The simulator left 576 kB dirty, the kernel's flusher had written everything. */
    assert_int_equal(differ("1048576", "fsync", -576, 0, &text), 0);
    assert_non_null(strstr(text, "both within [-1024, 0]"));
    free(text);
    assert_int_equal(differ("1048576", "fdatasync", -1024, -8, NULL), 0);
}

static void test_outside_bound(void **state)
{
    (void)state;
    char *text = NULL;
    assert_int_equal(differ("1048576", "fsync", -576, -1028, &text), 1);
    assert_non_null(strstr(text, "<-- differs: not both within [-1024, 0]"));
    free(text);
    assert_int_equal(differ("1048576", "fsync", -576, 4, NULL), 1);  /* dirtier after fsync */
    assert_int_equal(differ("1048576", "fsync", -2048, 0, NULL), 1); /* the simulator's too big */
}

static void test_rule_applies_only_there(void **state)
{
    (void)state;
    assert_int_equal(differ("1048576", "touch", -576, 0, NULL), 1); /* not a sync or write */
    assert_int_equal(differ("0", "fsync", -576, 0, NULL), 1);       /* no byte threshold */
    assert_int_equal(differ(NULL, "fsync", -576, 0, NULL), 1);      /* no show vm before */
    assert_int_equal(differ("1048576", "fsync", -576, -576, NULL), 0);
}

/* A write burst under the threshold: the simulator left 576 kB dirty; the kernel's flusher,
 * woken past 1024 kB, wrote the burst and 28 kB of another program's pages too (-28): both at
 * most 1024 agree. A kernel that left 2048 kB (no background writeback) differs, and without a
 * byte threshold the change is compared exactly. */
static void test_write_burst_bound(void **state)
{
    (void)state;
    char *text = NULL;
    assert_int_equal(differ("1048576", "write", 576, -28, &text), 0);
    assert_non_null(strstr(text, "both at most 1024 (background threshold)"));
    free(text);
    assert_int_equal(differ("1048576", "write", 576, 2048, NULL), 1);
    assert_int_equal(differ("0", "write", 576, -28, NULL), 1);
    assert_int_equal(differ("1048576", "write", 576, 576, NULL), 0);
}

/* The confined rule: a live process whose real RssFile change is lower than the simulated one
 * by at most the file pages it had at creation (here 4644 kB), with VmRSS lower by exactly as
 * much, agrees; a larger shortfall, a VmRSS off by another amount, or an unconfined run differs. */
static unsigned status_differ(bool confined, int64_t file_lost, int64_t rss_lost)
{
    struct vml_snap_proc pa, pb;
    memset(&pa, 0, sizeof(pa));
    memset(&pb, 0, sizeof(pb));
    snprintf(pa.name, sizeof(pa.name), "big");
    snprintf(pb.name, sizeof(pb.name), "big");
    pa.alive = pb.alive = true;
    pa.last.vm_rss = pa.last.rss_anon = 102400;
    pb.first.vm_rss = pb.first.rss_file = 4644;
    pb.first.rss_anon = 0;
    pb.last.rss_anon = 102400;
    pb.last.rss_file = 4644 - (uint64_t)file_lost;
    pb.last.vm_rss = 4644 + 102400 - (uint64_t)rss_lost;
    struct vml_snapshot a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.procs = &pa;
    b.procs = &pb;
    a.n_procs = b.n_procs = 1;
    a.confined = b.confined = confined;
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&a, &b, &out, &compared, &skipped);
    vml_text_free(&out);
    return d;
}

static void test_confined_own_file_pages(void **state)
{
    (void)state;
    assert_int_equal(status_differ(true, 0, 0), 0);
    assert_int_equal(status_differ(true, 4, 4), 0);
    assert_int_equal(status_differ(true, 4644, 4644), 0);
    assert_int_equal(status_differ(true, 4648, 4648), 2); /* more than it had: both rows */
    assert_int_equal(status_differ(true, 4, 8), 1);       /* VmRSS lost more: it differs */
    assert_int_equal(status_differ(false, 4, 4), 2);      /* not confined: both rows */
}

/* The split rule under a cgroup's limit: a process writes 48 MiB (49152 kB) in a 32 MiB box
 * whose page tables take 104 kB, so each side's resident pages must lie in [32664 - 1024,
 * 32664] = [31640, 32664] kB, the rest swapped. sim_rss and real_rss are the two sides'
 * resident kB (VmRSS, RssAnon and the mapping's Rss, Pss, Pss_Dirty, Private_Dirty, Anonymous,
 * Referenced), swap_skew moves linux's Swap (status and mapping) away from 49152 - real_rss;
 * limit_kb is the scenario's memory.max (0: none). Returns the rows that differ. */
static unsigned split_differ(uint64_t limit_kb, uint64_t sim_rss, uint64_t real_rss,
                             int64_t swap_skew)
{
    struct vml_snap_proc pa, pb;
    struct vml_snap_map ma, mb;
    struct vml_snap_proc *p[2] = { &pa, &pb };
    struct vml_snap_map *m[2] = { &ma, &mb };
    uint64_t rss[2] = { sim_rss, real_rss };
    for (int i = 0; i < 2; i++) {
        memset(p[i], 0, sizeof(pa));
        memset(m[i], 0, sizeof(ma));
        snprintf(p[i]->name, sizeof(pa.name), "a");
        p[i]->alive = true;
        uint64_t swap = 49152 - rss[i] + (uint64_t)(i ? swap_skew : 0);
        p[i]->last.vm_rss = p[i]->last.rss_anon = rss[i];
        p[i]->last.vm_swap = swap;
        p[i]->last.vm_pte = 104;
        p[i]->last.vm_size = p[i]->last.vm_data = 49152;
        snprintf(m[i]->name, sizeof(ma.name), "buf");
        m[i]->len = 49152ull << 10;
        m[i]->vmas = 1;
        m[i]->size = 49152;
        m[i]->c.rss = m[i]->c.pss = m[i]->c.pss_dirty = m[i]->c.private_dirty = rss[i];
        m[i]->c.anonymous = m[i]->c.referenced = rss[i];
        m[i]->c.swap = m[i]->c.swap_pss = swap;
        p[i]->maps = m[i];
        p[i]->n_maps = 1;
    }
    struct vml_snapshot a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.procs = &pa;
    b.procs = &pb;
    a.n_procs = b.n_procs = 1;
    a.memcg_max_kb = b.memcg_max_kb = limit_kb;
    a.confined = b.confined = true;
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&a, &b, &out, &compared, &skipped);
    vml_text_free(&out);
    return d;
}

static void test_split_under_limit(void **state)
{
    (void)state;
    /* Measured on 6.18 (fidelity 111): the simulator kept 32488 kB, the kernel 31956 to
     * 32584 kB. */
    assert_int_equal(split_differ(32768, 32488, 32488, 0), 0);
    assert_int_equal(split_differ(32768, 32488, 31956, 0), 0);
    assert_int_equal(split_differ(32768, 32488, 32584, 0), 0);
    assert_int_equal(split_differ(32768, 31640, 32664, 0), 0); /* both ends of the bound */
}

static void test_split_outside(void **state)
{
    (void)state;
    /* Over the limit less its page tables on linux: every moved row differs (VmRSS, RssAnon,
     * VmSwap; Rss, Pss, Pss_Dirty, Private_Dirty, Anonymous, Swap, SwapPss; Referenced is
     * tolerated higher on linux by the page-aging rule). */
    assert_int_equal(split_differ(32768, 32488, 32668, 0), 3 + 7);
    /* Too far below it on the simulator (a model that reclaims too much); linux's Referenced
     * is higher again, tolerated. */
    assert_int_equal(split_differ(32768, 31636, 32488, 0), 3 + 7);
    /* Resident and swapped that do not add up (a page lost): VmSwap and the mapping's Swap
     * and SwapPss differ, the resident rows agree. */
    assert_int_equal(split_differ(32768, 32488, 32400, 4), 3);
    /* No limit in the scenario: compared exactly. */
    assert_int_equal(split_differ(0, 32488, 32400, 0), 3 + 8);
}

/* vml_diff_snapshots of the simulated side snap[0] against the Linux side snap[1]: the fields
 * that differ, and diff's text in *text (freed by the caller) unless text is NULL. */
static unsigned diff_pair(const struct vml_snapshot snap[2], char **text)
{
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&snap[0], &snap[1], &out, &compared, &skipped);
    if (text) {
        *text = strdup(out.s ? out.s : "");
        assert_non_null(*text);
    }
    vml_text_free(&out);
    return d;
}

/* Fidelity 175's shape: cold, hot and grow in a 32 MiB box, cold swapping. The bound is on
 * what the three hold: cold's resident + 12288 + 16384 kB + 104 kB of page tables. Returns the
 * rows that differ for cold's resident on each side (its swap the rest of 12288 kB). */
static unsigned three_differ(uint64_t sim_cold, uint64_t real_cold)
{
    struct vml_snap_proc p[2][3];
    uint64_t cold[2] = { sim_cold, real_cold };
    const uint64_t rss[3] = { 0, 12288, 16384 }, pte[3] = { 32, 32, 40 };
    const char *const names[3] = { "cold", "hot", "grow" };
    struct vml_snapshot snap[2];
    for (int side = 0; side < 2; side++) {
        memset(&snap[side], 0, sizeof(snap[side]));
        for (int k = 0; k < 3; k++) {
            struct vml_snap_proc *q = &p[side][k];
            memset(q, 0, sizeof(*q));
            snprintf(q->name, sizeof(q->name), "%s", names[k]);
            q->alive = true;
            q->last.vm_rss = q->last.rss_anon = k ? rss[k] : cold[side];
            q->last.vm_swap = k ? 0 : 12288 - cold[side];
            q->last.vm_pte = pte[k];
        }
        snap[side].procs = p[side];
        snap[side].n_procs = 3;
        snap[side].memcg_max_kb = 32768;
    }
    return diff_pair(snap, NULL);
}

static void test_split_three_processes(void **state)
{
    (void)state;
    /* Measured: the simulator's cold kept 3760 kB, the kernel's 3368 to 3696 kB. */
    assert_int_equal(three_differ(3760, 3368), 0);
    assert_int_equal(three_differ(3760, 3696), 0);
    /* The three hold 28776 + cold: [31744, 32768] is cold in [2968, 3992]. */
    assert_int_equal(three_differ(3760, 2968), 0);
    assert_int_equal(three_differ(3760, 2964), 3); /* VmRSS, RssAnon, VmSwap */
    assert_int_equal(three_differ(3996, 3760), 3); /* over the limit on the simulator */
}

/* Fidelity 173's shape (issue 15): process a in a 32 MiB box holding 24 MiB of page cache it
 * read but does not map; a's 24 MiB buffer swaps under the limit. The bound adds what box holds
 * unmapped (memory.stat: every LRU page less the mapped ones) to what a holds: rss kB resident,
 * 52 kB of page tables, cache kB of page cache and swapcached kB of unmapped swap cache (on the
 * anon lists, not mapped). with_stat false: a side's results lack memory.stat (recorded before
 * it was kept), so the bound counts the processes alone. */
static unsigned cache_split_differ(uint64_t sim_rss, uint64_t sim_sc, uint64_t real_rss,
                                   uint64_t real_sc, bool with_stat, char **text)
{
    struct vml_snap_proc p[2];
    struct vml_snap_map m[2];
    struct vml_snapshot snap[2];
    const uint64_t rss[2] = { sim_rss, real_rss }, sc[2] = { sim_sc, real_sc };
    for (int i = 0; i < 2; i++) {
        memset(&p[i], 0, sizeof(p[i]));
        memset(&snap[i], 0, sizeof(snap[i]));
        snprintf(p[i].name, sizeof(p[i].name), "a");
        p[i].alive = true;
        p[i].last.vm_rss = p[i].last.rss_anon = rss[i];
        p[i].last.vm_swap = 24576 - rss[i];
        p[i].last.vm_pte = 52;
        /* Its buffer, a's only mapping: resident and swapped as a is. */
        memset(&m[i], 0, sizeof(m[i]));
        snprintf(m[i].name, sizeof(m[i].name), "buf");
        m[i].len = 24576ull << 10;
        m[i].vmas = 1;
        m[i].size = 24576;
        m[i].c.rss = m[i].c.pss = m[i].c.pss_dirty = m[i].c.private_dirty = rss[i];
        m[i].c.anonymous = m[i].c.referenced = rss[i];
        m[i].c.swap = m[i].c.swap_pss = 24576 - rss[i];
        p[i].maps = &m[i];
        p[i].n_maps = 1;
        snap[i].procs = &p[i];
        snap[i].n_procs = 1;
        snap[i].memcg_max_kb = 32768;
        snap[i].has_limit_stat = with_stat || i == 0;
        /* 24448 kB of cache on the inactive file list; anon lists: resident + swap cache. */
        snap[i].limit_stat = (struct vml_snap_memcg){ .anon = rss[i],
                                                      .file = 24448,
                                                      .swapcached = sc[i],
                                                      .lru_anon = rss[i] + sc[i],
                                                      .lru_file = 24448 };
    }
    return diff_pair(snap, text);
}

static void test_split_with_cgroup_cache(void **state)
{
    (void)state;
    char *text = NULL;
    /* As measured on 6.18: the simulator kept 8028 kB resident with 84 kB of swap cache, the
     * kernel about 6600 kB with 1644 kB of swap cache its writeback still held. Held by hand:
     * 8028 + 52 + (84 + 24448) = 32612 and 6572 + 52 + (1644 + 24448) = 32716, both within
     * [31744, 32768]; without the cgroup's figures the kernel's would be 6624, far below. */
    assert_int_equal(cache_split_differ(8028, 84, 6572, 1644, true, &text), 0);
    assert_non_null(strstr(text, "hold 32612 kB resident and in page tables simulated, 32716 on "
                                 "linux, counting the cgroup's unmapped page and swap cache (24532 "
                                 "and 26092 kB): both within [31744, 32768]"));
    assert_non_null(strstr(text, "(agrees: 1456 kB more swapped on linux"));
    free(text);
    /* Measured once: the kernel kept 6200 kB, 1828 kB less, more than the bound's width: the
     * mapping may differ by that width plus how much more swap cache the kernel's box held
     * (2000 - 84 kB): 6200 + 52 + 2000 + 24448 = 32700, within. */
    assert_int_equal(cache_split_differ(8028, 84, 6200, 2000, true, NULL), 0);
    /* Both ends: 31744 - 24448 - 52 = 7244 kB held besides the cache at the least. Outside,
     * a's VmRSS, RssAnon and VmSwap differ, and its mapping's Rss, Pss, Pss_Dirty,
     * Private_Dirty, Anonymous, Swap and SwapPss (Referenced lower on linux too). */
    assert_int_equal(cache_split_differ(8028, 84, 7244, 0, true, NULL), 0);
    assert_int_equal(cache_split_differ(8028, 84, 7240, 0, true, NULL), 3 + 8);
    assert_int_equal(cache_split_differ(8028, 84, 6572, 1700, true, NULL), 3 + 8); /* 32772 */
    /* Without memory.stat on one side the bound counts the processes alone (8080 and 6624 kB,
     * far below the limit): compared exactly. */
    assert_int_equal(cache_split_differ(8028, 84, 6572, 1644, false, NULL), 3 + 8);
}

/* Fidelity 112's shape: a in a 32 MiB box, its 48 MiB buffer written, swapped and read back
 * through the limit. One side: rss kB resident in buf, clean of them Private_Clean (swapped in,
 * slot kept) and the rest Private_Dirty (Pss_Dirty with it, less pss_dirty_skew), 104 kB of
 * page tables, and unmapped kB of box's swap cache no process maps (memory.stat: swapcached
 * covers the mapped clean pages and the unmapped ones). text: the table, when not NULL. */
struct cd_side {
    uint64_t rss, clean, unmapped;
    int64_t pss_dirty_skew;
};

static unsigned clean_dirty_differ(struct cd_side sim, struct cd_side real, char **text)
{
    struct vml_snap_proc p[2];
    struct vml_snap_map m[2];
    struct vml_snapshot snap[2];
    const struct cd_side sd[2] = { sim, real };
    for (int i = 0; i < 2; i++) {
        uint64_t swap = 49152 - sd[i].rss, dirty = sd[i].rss - sd[i].clean;
        memset(&p[i], 0, sizeof(p[i]));
        memset(&m[i], 0, sizeof(m[i]));
        memset(&snap[i], 0, sizeof(snap[i]));
        snprintf(p[i].name, sizeof(p[i].name), "a");
        p[i].alive = true;
        p[i].last.vm_rss = p[i].last.rss_anon = sd[i].rss;
        p[i].last.vm_swap = swap;
        p[i].last.vm_pte = 104;
        snprintf(m[i].name, sizeof(m[i].name), "buf");
        m[i].len = 49152ull << 10;
        m[i].vmas = 1;
        m[i].size = 49152;
        m[i].c.rss = m[i].c.pss = m[i].c.anonymous = m[i].c.referenced = sd[i].rss;
        m[i].c.private_clean = sd[i].clean;
        m[i].c.private_dirty = dirty;
        m[i].c.pss_dirty = (uint64_t)((int64_t)dirty + sd[i].pss_dirty_skew);
        m[i].c.swap = m[i].c.swap_pss = swap;
        p[i].maps = &m[i];
        p[i].n_maps = 1;
        snap[i].procs = &p[i];
        snap[i].n_procs = 1;
        snap[i].memcg_max_kb = 32768;
        snap[i].has_limit_stat = true;
        snap[i].limit_stat = (struct vml_snap_memcg){ .anon = sd[i].rss,
                                                      .swapcached = sd[i].clean + sd[i].unmapped,
                                                      .lru_anon = sd[i].rss + sd[i].unmapped };
    }
    return diff_pair(snap, text);
}

static void test_clean_dirty_under_limit(void **state)
{
    (void)state;
    /* Measured on 6.18: the simulator kept 31788 kB, 16220 clean and 15568 dirty, box holding
     * 700 kB unmapped; the kernel 16420 kB, 16096 clean and 324 dirty, with 16224 kB unmapped
     * (dirty pages reclaim unmapped, their writes not ended). Held by hand: 31788 + 104 + 700 =
     * 32592 and 16420 + 104 + 16224 = 32748, both in [31744, 32768]; the 15368 kB difference
     * falls on the dirty pages but for 124 kB of clean ones. */
    const struct cd_side sim = { 31788, 16220, 700, 0 };
    char *text = NULL;
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 16420, 16096, 16224, 0 }, &text), 0);
    assert_non_null(strstr(text, "Private_Dirty           15568          324       -15244 kB   "
                                 "(agrees: of 15368 kB more swapped on linux under the cgroup's "
                                 "limit, -124 kB clean: within +-3072)"));
    free(text);
    /* Measured: 1956 kB of the kernel's resident pages dirty (swapped in after its reclaim had
     * put swap over half full: their slots freed), 1784 kB fewer clean than simulated; and a
     * run that kept 30920 kB (16240 clean, 20 more than simulated) with 1592 kB unmapped. */
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 16392, 14436, 16224, 0 }, NULL), 0);
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 30920, 16240, 1592, 0 }, NULL), 0);
    /* Both ends of Private_Clean's bound: 3072 kB (SPLIT_KB + SWAPIN_DIRTY_KB). */
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 16420, 13148, 16224, 0 }, NULL), 0);
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 30920, 19292, 1592, 0 }, NULL), 0);
    /* One page beyond: Private_Clean, Private_Dirty and Pss_Dirty differ. */
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 16420, 13144, 16224, 0 }, NULL), 3);
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 30920, 19296, 1592, 0 }, NULL), 3);
    /* The same Rss on both sides, 1900 kB of the kernel's clean pages dirty instead (swapped
     * in past half-full swap): agrees; 3076 kB: differs. */
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 31788, 14320, 700, 0 }, &text), 0);
    assert_non_null(strstr(text, "Private_Clean           16220        14320        -1900 kB   "
                                 "(agrees: under the cgroup's limit, -1900 kB clean: within "
                                 "+-3072)"));
    free(text);
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 31788, 13144, 700, 0 }, NULL), 3);
    /* A model that never frees a swapped-in page's slot (every resident page clean): the
     * difference would fall on the clean pages, which the unmapped dirty pages cannot explain. */
    assert_int_equal(clean_dirty_differ((struct cd_side){ 31788, 31788, 700, 0 },
                                        (struct cd_side){ 16420, 16096, 16224, 0 }, NULL),
                     3);
    /* One that frees every slot (every resident page dirty): the kernel's 16096 clean pages. */
    assert_int_equal(clean_dirty_differ((struct cd_side){ 31788, 0, 700, 0 },
                                        (struct cd_side){ 16420, 16096, 16224, 0 }, NULL),
                     3);
    /* Pss_Dirty not following Private_Dirty (a private page's Pss is the page): the three
     * rows differ (Private_Dirty's difference is exact only with Private_Clean's 0). */
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 16420, 16096, 16224, 4 }, NULL), 3);
    /* The same split with no limit in force: see test_split_outside (exact). Outside the
     * resident bound (the kernel holding 32772 kB): every moved row differs. */
    assert_int_equal(clean_dirty_differ(sim, (struct cd_side){ 16444, 16096, 16224, 0 }, NULL),
                     3 + 9);
}

/* A swap-in re-read's faults under the limit (reread_faults): a's "touch buf" took minor and
 * major faults on each side; swapped: a's VmSwap grew on both sides; limit_kb: the scenario's
 * memory.max (0: none). */
static unsigned reread_differ(uint64_t limit_kb, bool swapped, uint64_t sim_minor,
                              uint64_t sim_major, uint64_t real_minor, uint64_t real_major)
{
    struct side s[2];
    struct vml_snap_proc p[2];
    const uint64_t minor[2] = { sim_minor, real_minor }, major[2] = { sim_major, real_major };
    for (int i = 0; i < 2; i++) {
        side(&s[i], NULL, "touch", 0);
        snprintf(s[i].op.what, sizeof(s[i].op.what), "a touch buf");
        s[i].op.minor = minor[i];
        s[i].op.major = major[i];
        s[i].op.has_mem = false; /* the faults alone */
        memset(&p[i], 0, sizeof(p[i]));
        snprintf(p[i].name, sizeof(p[i].name), "a");
        p[i].alive = true;
        p[i].last.vm_swap = swapped ? 16384 : 0;
        s[i].snap.procs = &p[i];
        s[i].snap.n_procs = 1;
        s[i].snap.memcg_max_kb = limit_kb;
    }
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&s[0].snap, &s[1].snap, &out, &compared, &skipped);
    vml_text_free(&out);
    /* The two not-comparable meminfo rows are skipped, not differing. */
    return d;
}

static void test_reread_faults_under_limit(void **state)
{
    (void)state;
    /* Measured on 6.18 (fidelity 112): 12288 faults on both sides; 1542 major simulated,
     * 1533 to 1540 on Linux. The bound: 12288 / 512 = 24 windows. */
    assert_int_equal(reread_differ(32768, true, 10746, 1542, 10750, 1538), 0);
    assert_int_equal(reread_differ(32768, true, 10746, 1542, 10754, 1534), 0);
    assert_int_equal(reread_differ(32768, true, 10746, 1542, 10770, 1518), 0); /* 24 apart */
    assert_int_equal(reread_differ(32768, true, 10746, 1542, 10771, 1517), 2); /* 25 */
    /* A readahead window of 4 instead of 8: twice the major faults. */
    assert_int_equal(reread_differ(32768, true, 9216, 3072, 10750, 1538), 2);
    /* The sums differ (a page faulted twice, or not at all): compared exactly. */
    assert_int_equal(reread_differ(32768, true, 10746, 1542, 10750, 1539), 2);
    assert_int_equal(reread_differ(32768, true, 10746, 1542, 10747, 1538), 2);
    /* No limit, or a process that did not swap on a side, or no major fault on a side: exact. */
    assert_int_equal(reread_differ(0, true, 10746, 1542, 10750, 1538), 2);
    assert_int_equal(reread_differ(32768, false, 10746, 1542, 10750, 1538), 2);
    assert_int_equal(reread_differ(32768, true, 12288, 0, 12287, 1), 2);
}

/* An operation's AnonPages change under the limit (issue 15): "a touch buf" took faults
 * faults; its AnonPages and SwapCached changes on each side. The rule compares AnonPages +
 * SwapCached within 1024 kB when the limit's reclaim took mapped pages on either side. */
static unsigned anon_differ(uint64_t limit_kb, uint64_t faults, int64_t sim_anon, int64_t sim_sc,
                            int64_t real_anon, int64_t real_sc, bool real_has_sc)
{
    struct side a, b;
    side(&a, NULL, "touch", 0);
    side(&b, NULL, "touch", 0);
    snprintf(a.op.what, sizeof(a.op.what), "a touch buf");
    snprintf(b.op.what, sizeof(b.op.what), "a touch buf");
    a.op.minor = b.op.minor = faults;
    a.op.mem[VML_SNAP_ANON_PAGES] = sim_anon;
    b.op.mem[VML_SNAP_ANON_PAGES] = real_anon;
    a.op.has_swapcache = true;
    a.op.swapcache = sim_sc;
    b.op.has_swapcache = real_has_sc;
    b.op.swapcache = real_sc;
    a.snap.memcg_max_kb = b.snap.memcg_max_kb = limit_kb;
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped);
    vml_text_free(&out);
    return d;
}

static void test_anon_under_limit(void **state)
{
    (void)state;
    /* Fidelity 175's second 4 MiB write (1024 faults), measured: the simulator's AnonPages
     * +2044 kB with 852 kB more swap cache; the kernel's +560 kB with 2348 kB more (its
     * writeback had not ended): 2896 and 2908, 12 kB apart. */
    assert_int_equal(anon_differ(32768, 1024, 2044, 852, 560, 2348, true), 0);
    /* The sums 1025 kB apart: differs; the same sum 1024 apart: agrees. */
    assert_int_equal(anon_differ(32768, 1024, 2044, 852, 560, 3361, true), 1);
    assert_int_equal(anon_differ(32768, 1024, 2044, 852, 560, 3360, true), 0);
    /* No limit in the scenario, no SwapCached on a side, or no reclaim of mapped pages on
     * either side (both changes at least the 4096 kB the faults mapped): exact. */
    assert_int_equal(anon_differ(0, 1024, 2044, 852, 560, 2348, true), 1);
    assert_int_equal(anon_differ(32768, 1024, 2044, 852, 560, 2348, false), 1);
    assert_int_equal(anon_differ(32768, 1024, 4100, 0, 4096, 4, true), 1);
    /* Nothing went to or came from swap on either side (a file's faults map no anonymous
     * page; reclaim without swap takes none): exact. */
    assert_int_equal(anon_differ(32768, 1024, 0, 0, 4, 0, true), 1);
    assert_int_equal(anon_differ(32768, 1024, 2044, 0, 2040, 0, true), 1);
}

/* The vote over the Linux runs (vml_snapshot_vote) under a limit: two runs whose AnonPages
 * changes differ by what the swap cache still held agree when AnonPages + SwapCached do (and
 * every other line); without a limit, or with the sums apart, they do not. */
static bool vote_agrees(uint64_t limit_kb, int64_t anon2, int64_t sc2)
{
    struct side r[2];
    side(&r[0], NULL, "touch", 0);
    side(&r[1], NULL, "touch", 0);
    const int64_t anon[2] = { 560, anon2 }, sc[2] = { 2348, sc2 };
    struct vml_snapshot runs[2];
    for (int i = 0; i < 2; i++) {
        r[i].op.mem[VML_SNAP_ANON_PAGES] = anon[i];
        r[i].op.has_swapcache = true;
        r[i].op.swapcache = sc[i];
        r[i].snap.memcg_max_kb = limit_kb;
        runs[i] = r[i].snap;
    }
    struct vml_snap_op voted;
    vml_snapshot_vote(runs, 2, &voted);
    if (voted.has_mem) {
        assert_int_equal(voted.mem[VML_SNAP_ANON_PAGES], 560); /* the first agreeing run's */
        assert_int_equal(voted.swapcache, 2348);
    }
    return voted.has_mem;
}

static void test_vote_under_limit(void **state)
{
    (void)state;
    assert_true(vote_agrees(32768, 1044, 1864));  /* 2908 on both */
    assert_false(vote_agrees(32768, 1044, 1868)); /* 2908 and 2912 */
    assert_false(vote_agrees(0, 1044, 1864));     /* no limit: AnonPages itself */
    assert_true(vote_agrees(0, 560, 2348));
}

/* What a run records for these rules, on the simulator (issue 15): the limited cgroup's
 * memory.stat at the end and each operation's SwapCached change. A 16 MiB box that holds 8 MiB
 * of a file a read and 4 MiB a wrote, under its limit: by hand, 8192 kB of cache on the file
 * lists, none mapped, 4096 kB of anonymous memory mapped and on the anon lists, nothing in the
 * swap cache; the write's SwapCached change 0. */
static void test_sim_records_limit_stat(void **state)
{
    (void)state;
    static const char text[] = "machine ram=1G swap=128M\n"
                               "file create data 8M\n"
                               "cgroup box\n"
                               "set /sys/fs/cgroup/box/memory.max 16M\n"
                               "proc a\n"
                               "a cgroup box\n"
                               "a read data\n"
                               "a mmap buf 4M anon private rw\n"
                               "a madvise buf nohugepage\n"
                               "a touch buf write\n";
    struct vml_scenario *s = NULL;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.vml", &s, &d), 0);
    struct vml_backend b;
    assert_int_equal(vml_backend_sim(&b), 0);
    struct vml_text out, report;
    memset(&out, 0, sizeof(out));
    memset(&report, 0, sizeof(report));
    struct vml_run_result res;
    struct vml_snapshot snap;
    memset(&snap, 0, sizeof(snap));
    assert_int_equal(vml_run(s, &b, VML_RUN_MEASURE, &out, &report, &res, &snap, &d), 0);
    assert_int_equal(snap.memcg_max_kb, 16384);
    assert_true(snap.has_limit_stat);
    assert_int_equal(snap.limit_stat.file, 8192);
    assert_int_equal(snap.limit_stat.lru_file, 8192);
    assert_int_equal(snap.limit_stat.file_mapped, 0);
    assert_int_equal(snap.limit_stat.anon, 4096);
    assert_int_equal(snap.limit_stat.lru_anon, 4096);
    assert_int_equal(snap.limit_stat.swapcached, 0);
    const struct vml_snap_op *touch = &snap.ops[snap.n_ops - 1];
    assert_non_null(strstr(touch->what, "touch buf"));
    assert_true(touch->has_swapcache);
    assert_int_equal(touch->swapcache, 0);
    assert_int_equal(touch->mem[VML_SNAP_ANON_PAGES], 4096);
    vml_snapshot_free(&snap);
    vml_text_free(&out);
    vml_text_free(&report);
    b.destroy(b.ctx);
    vml_scenario_free(s);
}

/* A read through a 32 MiB cgroup (fidelity 151): the Cached change of "reader read data" is
 * compared within [32768 - 2048 - 1024, 32768] = [29696, 32768] kB when either side reached
 * it; limit_kb 0 is a scenario without a limit. */
static unsigned cache_differ(uint64_t limit_kb, const char *verb, int64_t sim, int64_t real)
{
    struct side a, b;
    side(&a, NULL, verb, 0);
    side(&b, NULL, verb, 0);
    snprintf(a.op.what, sizeof(a.op.what), "reader %s data", verb);
    snprintf(b.op.what, sizeof(b.op.what), "reader %s data", verb);
    a.op.mem[VML_SNAP_CACHED] = sim;
    b.op.mem[VML_SNAP_CACHED] = real;
    a.snap.memcg_max_kb = b.snap.memcg_max_kb = limit_kb;
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped);
    vml_text_free(&out);
    return d;
}

static void test_cache_under_limit(void **state)
{
    (void)state;
    /* Measured: the simulator 32768 kB, the kernel 30720 kB (a 2 MiB folio short). */
    assert_int_equal(cache_differ(32768, "read", 32768, 30720), 0);
    assert_int_equal(cache_differ(32768, "read", 32768, 29696), 0);
    assert_int_equal(cache_differ(32768, "read", 32768, 29692), 1);  /* below the bound */
    assert_int_equal(cache_differ(32768, "read", 32768, 32772), 1);  /* over the limit */
    assert_int_equal(cache_differ(32768, "read", 24576, 24572), 1);  /* no limit reached */
    assert_int_equal(cache_differ(32768, "touch", 32768, 30720), 1); /* not a read */
    assert_int_equal(cache_differ(0, "read", 32768, 30720), 1);      /* no limit */
}

/* A move_pages call's result: sim and real status texts, real's kernel before 6.12 or not;
 * the number of rows that differ. */
static unsigned mp_status_differ(const char *sim, const char *real, bool old_kernel)
{
    struct side a, b;
    side(&a, NULL, "move_pages", 0);
    side(&b, NULL, "move_pages", 0);
    snprintf(a.op.result, sizeof(a.op.result), "%s", sim);
    snprintf(b.op.result, sizeof(b.op.result), "%s", real);
    a.op.has_migrate = b.op.has_migrate = true;
    a.op.migrate[VML_SNAP_PGMIGRATE_SUCCESS] = b.op.migrate[VML_SNAP_PGMIGRATE_SUCCESS] = 1;
    b.snap.enoent_is_efault = old_kernel;
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped);
    vml_text_free(&out);
    return d;
}

/* Measured: 6.18 stores -ENOENT for a never-faulted anonymous page, 6.1 -EFAULT (the zero
 * page is -EFAULT on both): page 0 on node 0, 1 never faulted, 2 the zero page, 3 never. */
static void test_move_pages_status_kernels(void **state)
{
    (void)state;
    const char *sim = "status 0 -ENOENT -EFAULT -ENOENT";
    assert_int_equal(mp_status_differ(sim, "status 0 -EFAULT*3", true), 0);
    assert_int_equal(mp_status_differ(sim, "status 0 -EFAULT*3", false), 1); /* a 6.18 kernel */
    assert_int_equal(mp_status_differ(sim, sim, false), 0);
    assert_int_equal(mp_status_differ(sim, "status 1 -EFAULT*3", true), 1); /* another node */
    assert_int_equal(mp_status_differ(sim, "status 0 -EFAULT*2", true), 1); /* a page short */
    /* -EFAULT on the simulator's side stays -EFAULT: no rule the other way. */
    assert_int_equal(mp_status_differ("status -EFAULT", "status -ENOENT", true), 1);
    assert_int_equal(mp_status_differ("status 1*2 -EBUSY 1*509", "status 1*2 -EBUSY 1*509", true),
                     0);
    assert_int_equal(mp_status_differ("not moved 0", "not moved 8", false), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_bound),
        cmocka_unit_test(test_outside_bound),
        cmocka_unit_test(test_rule_applies_only_there),
        cmocka_unit_test(test_write_burst_bound),
        cmocka_unit_test(test_confined_own_file_pages),
        cmocka_unit_test(test_split_under_limit),
        cmocka_unit_test(test_split_outside),
        cmocka_unit_test(test_split_three_processes),
        cmocka_unit_test(test_cache_under_limit),
        cmocka_unit_test(test_split_with_cgroup_cache),
        cmocka_unit_test(test_clean_dirty_under_limit),
        cmocka_unit_test(test_reread_faults_under_limit),
        cmocka_unit_test(test_anon_under_limit),
        cmocka_unit_test(test_vote_under_limit),
        cmocka_unit_test(test_sim_records_limit_stat),
        cmocka_unit_test(test_move_pages_status_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
