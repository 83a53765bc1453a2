/* scenario/diff.c: comparing the end states of two runs of a scenario (vmlab diff).
 *
 * The rules (docs/fidelity.md says why):
 *   - per named mapping, every smaps field summed over the mapping's VMAs, the number of VMAs,
 *     each VMA's VmFlags and THPeligible, the mapped pages on each node (numa_maps'
 *     N<node>=, summed) and each VMA's numa_maps policy must be equal;
 *   - per migration call (move_pages, migrate_pages, mbind with a move flag), /proc/vmstat's
 *     migration counters across it and what it returned, equal; one kernel difference: before
 *     6.12 a page never faulted in an anonymous mapping has status -EFAULT where 6.18 says
 *     -ENOENT (vml_kernel_move_pages_efault), so on such a kernel the simulator's -ENOENT is
 *     compared as -EFAULT (move_pages' statuses, migrate_pages' pages not moved), equal
 * (compare_migrate);
 *   - on a machine of several nodes, per measured operation, /proc/vmstat's NUMA counters:
 *     numa_miss, numa_foreign and numa_interleave equal, numa_hit, numa_local and numa_other
 *     within [simulated, simulated + 64] pages on Linux (compare_numa);
 *   - the fallback rule, on a machine of several nodes when both sides recorded each node's
 *     MemFree: a mapping whose pages lie on the same two nodes on both sides, split
 *     differently, agrees when on both sides one of them (the filled node) holds what it had
 *     free at the scenario's start less between -(its per-CPU lists' pages + 64: the filling
 *     CPU's own list is not in MemFree, yet it allocates from it) and FILL_SLACK_PAGES plus
 *     the mapping's page tables, and the sums are equal; the other node holds the rest. How
 *     much a node has free is the machine's (the guest kernel's own memory changes from boot
 *     to boot), and where get_page_from_freelist stops on it is its low watermark, the lowmem
 *     reserve of its lower zone and the per-CPU lists (compare_fill). An operation that fell
 *     back on both sides (numa_miss above 0), split differently, has numa_hit within
 *     [-(per-CPU lists + 64), FILL_SLACK_PAGES + page tables] short of one node's free pages
 *     before it on both sides, numa_hit + numa_miss and numa_local + numa_other within [sim,
 *     sim + 64], numa_foreign as numa_miss, numa_local following numa_hit or numa_miss alike
 *     (compare_numa_fill). The NUMA counters and free pages of an operation come from one run
 *     (measure.c's vote);
 *   - the balancing rule, when the scenario turns automatic NUMA balancing on: Linux's scanner
 *     runs off the task's CPU time (task_tick_numa), so when a scan lands in an access loop is
 *     timing. An operation during which the scanner or a hinting fault worked on either side
 *     has its faults compared less its numa_hint_faults (a hinting fault is the task's page
 *     fault), its numa_hit and numa_local less its numa_pages_migrated (each move allocates on
 *     the task's node), and numa_pages_migrated must equal pgmigrate_success's change on each
 *     side (compare_balance_op); a mapping's pages per node agree when the same node holds
 *     more than half of them on both sides and the sums are equal (compare_majority); over
 *     the run, numa_hint_faults and numa_pages_migrated must be above 0 on both sides
 *     (compare_balancing; numa_pte_updates is not compared: the simulator's scans fall in the
 *     waits, which are not measured operations);
 *   - a mapping whose VMA reaches beyond it on either side (merged with memory the scenario did
 *     not map, such as the runtime's own) cannot be compared field by field: it is reported as
 *     not comparable, never dropped silently;
 *   - process-wide status fields include the runtime's own memory on Linux, so they are
 *     compared as changes from the process's creation to the end of the scenario; VmPTE too,
 *     since the real process's scenario memory lies where the simulator's does, shifted to
 *     page tables of its own (host/agent.h), unless the backend says why not for a process;
 *   - high-water marks (VmPeak, VmHWM) are not compared: they remember the runtime's history;
 *   - Referenced may be higher on Linux, up to Rss (page aging there moves accessed bits into
 *     the page's flag, seen by every mapper);
 *   - a process must be alive or dead on both sides, killed by the same signal;
 *   - per measured operation (VML_RUN_MEASURE), the page faults its process took and the change
 *     of settled meminfo lines must be equal; a measurement a side could not take says why;
 *     one bounded exception: the Dirty change of an fsync or fdatasync when a `show vm` before
 *     it shows a background threshold in bytes (dirty_background_bytes B). Background
 *     writeback (wb_check_background_flush) leaves at most B dirty after a burst, but how much
 *     depends on when the flusher ran, so the two sides agree when each cleaned between 0 and
 *     B (the change lies in [-B, 0] kB); a value outside differs; and the write burst's own
 *     Dirty change under that threshold is at most B on both sides (the flusher writes other
 *     programs' dirty pages too, so Linux's may be lower by theirs);
 *   - in a confined scenario (memcg=on), the cgroup's reclaim may take a real process's own
 *     file pages (its runtime's text), which the simulated process does not have: a live
 *     process's RssFile change agrees when Linux's is lower by at most the file pages it had
 *     when it was created, and its VmRSS change when it is lower by exactly that shortfall;
 *   - under a memory cgroup's limit (a scenario that sets memory.max, the largest value L):
 *     a live process that swapped on both sides keeps as resident what the limit's reclaim
 *     left, which depends on timing on Linux (the per-CPU charge stock, reclaim's batches,
 *     swap-cache folios whose writeback had not ended when reclaim passed them stay charged).
 *     Its VmRSS and RssAnon changes agree when they differ by d and VmSwap by -d (pages the
 *     other side swapped instead), provided what the scenario's live processes hold (VmRSS
 *     and VmPTE changes summed: the charge of a cgroup they all run in), plus what the limited
 *     cgroup holds that no process maps (its page cache and unmapped swap cache, from each
 *     side's own memory.stat at the end: limit_unmapped), lies within [L - SPLIT_KB, L] on
 *     each side, and likewise per mapping (Rss, Pss, Pss_Dirty, Private_Dirty, Anonymous,
 *     Referenced by d', Swap and SwapPss by -d', |d'| at most SPLIT_KB plus the difference of
 *     the two sides' unmapped pages: split_width); every other field exactly, but for the
 *     clean/dirty split of those resident pages: Private_Clean may differ by c, |c| at most
 *     SPLIT_KB + SWAPIN_DIRTY_KB, and Private_Dirty and Pss_Dirty by d' - c (the pages one side
 *     holds unmapped were dirty; a swapped-in page loses its slot and is dirtied past half-full
 *     swap, vm_swap_full: clean_dirty_split);
 *   - under the same limit, a swap-in's faults (its process swapped on both sides, major
 *     faults on both): minor + major equal, major within one readahead window per
 *     SWAP_CLUSTER_SLOTS faults (reread_faults);
 *   - under the same limit, an operation's AnonPages change when the limit's reclaim took
 *     mapped anonymous pages during it on either side (the change is below 4 kB per fault the
 *     operation took, and SwapCached moved): a page reclaim unmapped is freed or, while its
 *     swap write is in flight, still charged in the swap cache, by the device's timing, so
 *     AnonPages plus SwapCached changes are compared, within SPLIT_KB (limit_anon);
 *   - a read's Cached change in a scenario that limits a cgroup's memory to L: when it reached
 *     [L - 2048 - SPLIT_KB, L] kB on either side, both must lie there (the cache a limit keeps
 *     ends a folio and the cgroup's other charges short of it on Linux);
 *   - per measured operation, the change of Committed_AS (measured apart from the other lines)
 *     and of the kernel's oom_kill count, exactly (a VM_NORESERVE shmem object's pages are
 *     charged one by one on both sides); a fork's against what its
 *     parent's accounted VMAs say dup_mmap charges, on each side;
 *   - per live process at the end, oom_score_adj exactly; oom_score divides by the whole
 *     machine's RAM and swap (proc_oom_score), which differ between the two machines, so each
 *     side's value must be what that rule gives for its own status lines and totalpages;
 *   - when the scenario sizes the hugetlb pools (machine hugepages=), the run owns them: the
 *     default pool's HugePages_Total, _Free, _Rsvd and _Surp at the end must be equal;
 *   - at each show thp, every THP setting file must read the same (a file one side lacks
 *     differs); khugepaged's counters are not compared (the kernel's count the whole machine);
 *     at each show vm, every /proc/sys/vm/ file vmlab knows likewise;
 *   - at each show memory_tiering, every line byte for byte: each memory_tierN/nodelist (the
 *     tiers' ids are their abstract distance chunks, so a node in another tier differs) and
 *     demotion_enabled; a line one side lacks differs (compare_tiering).
 */
#include "util/text.h"
#include "vmlab/run.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct field {
    const char *name;
    size_t off;
    const char *why_not; /* shown instead of a verdict for fields that are not compared */
};

#define SMAP(f, n)                                                                                 \
    {                                                                                              \
        n, offsetof(struct vml_smaps_counts, f), NULL                                              \
    }
static const struct field smaps_fields[] = {
    SMAP(rss, "Rss"),
    SMAP(pss, "Pss"),
    SMAP(pss_dirty, "Pss_Dirty"),
    SMAP(shared_clean, "Shared_Clean"),
    SMAP(shared_dirty, "Shared_Dirty"),
    SMAP(private_clean, "Private_Clean"),
    SMAP(private_dirty, "Private_Dirty"),
    SMAP(referenced, "Referenced"),
    SMAP(anonymous, "Anonymous"),
    SMAP(ksm, "KSM"),
    SMAP(lazyfree, "LazyFree"),
    SMAP(anon_huge_pages, "AnonHugePages"),
    SMAP(shmem_pmd_mapped, "ShmemPmdMapped"),
    SMAP(file_pmd_mapped, "FilePmdMapped"),
    SMAP(shared_hugetlb, "Shared_Hugetlb"),
    SMAP(private_hugetlb, "Private_Hugetlb"),
    SMAP(swap, "Swap"),
    SMAP(swap_pss, "SwapPss"),
    SMAP(locked, "Locked"),
};

#define STAT(f, n)                                                                                 \
    {                                                                                              \
        n, offsetof(struct vml_status_mem, f), NULL                                                \
    }
static const struct field status_fields[] = {
    STAT(vm_size, "VmSize"),     STAT(vm_lck, "VmLck"),
    STAT(vm_pin, "VmPin"),       STAT(vm_rss, "VmRSS"),
    STAT(rss_anon, "RssAnon"),   STAT(rss_file, "RssFile"),
    STAT(rss_shmem, "RssShmem"), STAT(vm_data, "VmData"),
    STAT(vm_stk, "VmStk"),       STAT(vm_exe, "VmExe"),
    STAT(vm_lib, "VmLib"),       STAT(vm_pte, "VmPTE"),
    STAT(vm_swap, "VmSwap"),     STAT(hugetlb_pages, "HugetlbPages"),
};

static uint64_t at(const void *rec, size_t off)
{
    uint64_t v;
    memcpy(&v, (const char *)rec + off, sizeof(v));
    return v;
}

struct tally {
    unsigned compared, differ, skipped;
};

/* The width of the resident bound under a cgroup's limit (docs/fidelity.md, "Bounded
 * comparisons"): what the limit holds at the end besides the process's mapped pages and page
 * tables. MEMCG_CHARGE_BATCH (64 pages, 256 kB) in each CPU's stock; one SWAP_CLUSTER_MAX batch
 * (32 pages, 128 kB) that the last reclaim freed beyond its target; and swap-cache folios whose
 * writeback had not ended when reclaim passed them, charged until a later pass frees them (the
 * device's timing). Measured on 6.18 (fidelity 111, 14 runs): 0 to 708 kB below L - VmPTE. */
#define SPLIT_KB 1024

/* How far a mapping's clean resident pages may differ under the same limit (compare_map's
 * clean/dirty rule): SPLIT_KB, plus swapped-in pages that lost their swap slot on one side
 * only. do_swap_page keeps a swapped-in page's slot (the page stays clean: Private_Clean)
 * unless swap is more than half full (should_try_to_free_swap -> mem_cgroup_swap_full ->
 * vm_swap_full), when folio_free_swap drops the slot and dirties the page. The pages reclaim
 * unmapped and still holds take slots too, so whether a swap-in came before or after the
 * limit's last reclaim pass pushed swap over half is the device's timing. Measured on 6.18
 * (fidelity 112, 12 runs): from 20 kB more to 1784 kB fewer clean pages on Linux than
 * simulated, the rest of the resident difference dirty (from 20 kB more to 484 fewer where no
 * swap-in lost its slot on one side only, within SPLIT_KB); this allowance is that measured 1784 kB
 * rounded up to 2048 (512 pages), not a kernel constant. */
#define SWAPIN_DIRTY_KB 2048

/* A swap area's allocation unit (SWAPFILE_CLUSTER: HPAGE_PMD_NR slots on x86-64). A re-read's
 * major faults under a cgroup's limit (compare_op) may differ by one readahead window per
 * cluster its pages span: see there. */
#define SWAP_CLUSTER_SLOTS 512

/* The resident/swapped split of one live process under a cgroup's limit (see the header). */
struct split {
    bool on;             /* the rule applies: a limit, and both sides swapped */
    bool in;             /* both sides hold within [L - SPLIT_KB, L] */
    int64_t d;           /* linux's VmRSS change less the simulator's */
    int64_t held[2];     /* what the live processes hold, resident and page tables (sim, linux) */
    int64_t unmapped[2]; /* of which the cgroup's pages no process maps (limit_unmapped) */
};

static bool limit_anon(const struct vml_snap_op *a, const struct vml_snap_op *b, int64_t limit_kb,
                       struct vml_text *out, struct tally *t);

static void row(struct vml_text *out, struct tally *t, const char *name, int64_t a, int64_t b,
                const char *unit)
{
    t->compared++;
    bool same = a == b;
    if (!same)
        t->differ++;
    text_printf(out, "    %-16s %12lld %12lld %12lld %s%s\n", name, (long long)a, (long long)b,
                (long long)(b - a), unit, same ? "" : "   <-- differs");
}

static const struct vml_snap_map *find_map(const struct vml_snap_proc *p, const char *name)
{
    for (size_t i = 0; i < p->n_maps; i++)
        if (strcmp(p->maps[i].name, name) == 0)
            return &p->maps[i];
    return NULL;
}

/* A row of words: equal or not. */
static void text_row(struct vml_text *out, struct tally *t, const char *name, const char *a,
                     const char *b)
{
    t->compared++;
    bool same = strcmp(a, b) == 0;
    if (!same)
        t->differ++;
    text_printf(out, "    %-16s %s%s\n", name, a, same ? "" : "   <-- differs");
    if (!same)
        text_printf(out, "    %-16s %s   (linux)\n", "", b);
}

static void not_comparable(struct vml_text *out, struct tally *t, const char *name, const char *why)
{
    t->skipped++;
    text_printf(out, "    %-16s not comparable: %s\n", name, why);
}

/* ---- NUMA rules that follow the machine's state: a fill's fallback, NUMA balancing -------- */

/* The pages a quiet machine's other allocations may add to an operation's numa_hit,
 * numa_local or numa_other (the guest's own: vmlab reading /proc, its runtime's heap, the
 * agent's socket buffers): see compare_numa. */
#define NUMA_NOISE_PAGES 64

/* How far short of what it had free a node that a mapping filled may stop on Linux, beyond the
 * mapping's page tables (compare_fill; docs/fidelity.md, "NUMA", says how it was measured).
 * get_page_from_freelist leaves a zone once zone_watermark_fast fails at the low watermark
 * (ALLOC_WMARK_LOW), the next zone of the node also keeping its lowmem_reserve for the higher
 * zone (node 0's DMA zone under DMA32 allocations: DMA32's pages / 256), and the pages the other
 * CPUs hold in their per-CPU lists for the node's zones (up to each list's high mark, the
 * zone's low watermark over the node's CPUs) are not free yet not the filling CPU's. With the
 * default min_free_kbytes (THP off) the guest's 512 MiB nodes have about 600 pages of low
 * watermark and 487 of reserve, and what else allocates on the node meanwhile adds a little:
 * 4096 pages (16 MiB) bounds it with room. The node may also give more than its MemFree: the
 * filling CPU's own per-CPU list is not in MemFree, yet rmqueue_pcplist takes from it while the
 * zone passes the watermark check; each side records its lists' pages (pcp) for that bound
 * (fill_over). */
#define FILL_SLACK_PAGES 4096

/* What the fallback and balancing rules need of the two snapshots. */
struct numa_rules {
    bool fill;                      /* both sides have each node's free pages at the start */
    int64_t free[2][VML_MAX_NODES]; /* them (sim, linux) */
    int64_t over[2][VML_MAX_NODES]; /* how much more than them the node may give (fill_over) */
    bool balancing;                 /* the scenario turns NUMA balancing on */
};

/* How many pages more than its MemFree a node may give a fill: the pages in its per-CPU lists
 * when the side read them (the filling CPU's own list is one of them), plus what the machine
 * freed meanwhile (NUMA_NOISE_PAGES); FILL_SLACK_PAGES when it did not (results recorded
 * without them). */
static int64_t fill_over(bool has_pcp, int64_t pcp)
{
    return has_pcp ? pcp + NUMA_NOISE_PAGES : FILL_SLACK_PAGES;
}

/* The page tables a mapping of len bytes needs at most: a PTE table per 2 MiB, a PMD table per
 * 1 GiB, and one PUD and PGD page more, all from the faulting task's policy. */
static int64_t table_pages(uint64_t len)
{
    return (int64_t)((len + (2ull << 20) - 1) >> 21) + (int64_t)((len + (1ull << 30) - 1) >> 30) +
           2;
}

/* The fallback rule (see the header): a mapping that holds pages on exactly two nodes on both
 * sides, the same two, agrees when on both sides one of them, the filled node f, holds what it
 * had free at the scenario's start less between -fill_over (its per-CPU lists) and
 * FILL_SLACK_PAGES plus the mapping's page tables, the other holds the rest, and the sums are
 * equal. The split itself follows each machine's free memory (the guest kernel's own at boot).
 * Returns false (nothing printed) when the rule does not apply, and the exact comparison runs
 * instead. */
static bool compare_fill(const struct vml_snap_map *a, const struct vml_snap_map *b,
                         const struct numa_rules *nr, struct vml_text *out, struct tally *t)
{
    if (!nr || !nr->fill)
        return false;
    unsigned node[2], k = 0;
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        if (!a->nodes[n] && !b->nodes[n])
            continue;
        if (!a->nodes[n] || !b->nodes[n] || k == 2)
            return false; /* on one side only, or a third node: not a two-node fill */
        node[k++] = n;
    }
    if (k != 2 ||
        (a->nodes[node[0]] == b->nodes[node[0]] && a->nodes[node[1]] == b->nodes[node[1]]))
        return false;
    int64_t w = FILL_SLACK_PAGES + table_pages(a->len);
    int f = -1;
    for (unsigned i = 0; i < 2 && f < 0; i++) {
        unsigned n = node[i];
        int64_t ma = nr->free[0][n] - (int64_t)a->nodes[n];
        int64_t mb = nr->free[1][n] - (int64_t)b->nodes[n];
        if (ma >= -nr->over[0][n] && ma <= w && mb >= -nr->over[1][n] && mb <= w)
            f = (int)i;
    }
    int64_t sa = (int64_t)(a->nodes[node[0]] + a->nodes[node[1]]);
    int64_t sb = (int64_t)(b->nodes[node[0]] + b->nodes[node[1]]);
    t->compared += 2;
    bool ok = f >= 0 && sa == sb;
    if (!ok)
        t->differ++;
    for (unsigned i = 0; i < 2; i++) {
        unsigned n = node[i];
        char name[16];
        snprintf(name, sizeof(name), "N%u", n);
        text_printf(out, "    %-16s %12llu %12llu %12lld pages", name,
                    (unsigned long long)a->nodes[n], (unsigned long long)b->nodes[n],
                    (long long)b->nodes[n] - (long long)a->nodes[n]);
        if (f == (int)i)
            text_printf(out,
                        "   (filled: free at the start %lld and %lld, short by %lld and %lld, "
                        "at most %lld)\n",
                        (long long)nr->free[0][n], (long long)nr->free[1][n],
                        (long long)(nr->free[0][n] - (int64_t)a->nodes[n]),
                        (long long)(nr->free[1][n] - (int64_t)b->nodes[n]), (long long)w);
        else if (f >= 0)
            text_printf(out, "   (the rest, after N%u)\n", node[f]);
        else
            text_printf(out,
                        "   <-- differs: neither node holds its free pages at the start "
                        "(%lld, %lld) less at most %lld on both sides\n",
                        (long long)nr->free[0][n], (long long)nr->free[1][n], (long long)w);
    }
    text_printf(out, "    %-16s %12lld %12lld %12lld pages%s\n", "N sum", (long long)sa,
                (long long)sb, (long long)(sb - sa), sa == sb ? "" : "   <-- differs");
    return true;
}

/* The fallback rule for an operation's NUMA counters (see the header): when it fell back on
 * both sides (numa_miss above 0) and the split differs, the allocations on the preferred node
 * (numa_hit) must be, on both sides, what one node f had free before the operation less
 * between -fill_over (the node's per-CPU lists) and FILL_SLACK_PAGES plus the page tables of
 * the largest change;
 * numa_hit + numa_miss and numa_local + numa_other (every allocation) within [sim, sim +
 * NUMA_NOISE_PAGES] on linux; numa_foreign - numa_miss and numa_interleave equal; and
 * numa_local must follow numa_hit (the CPU's node preferred) or numa_miss (another) alike on
 * both sides. Returns false (nothing printed) when it does not apply. */
static bool compare_numa_fill(const struct vml_snap_op *a, const struct vml_snap_op *b,
                              struct vml_text *out, struct tally *t)
{
    const int64_t *x = a->numa, *y = b->numa;
    if (!a->has_free || !b->has_free || x[VML_SNAP_NUMA_MISS] <= 0 || y[VML_SNAP_NUMA_MISS] <= 0 ||
        x[VML_SNAP_NUMA_MISS] == y[VML_SNAP_NUMA_MISS])
        return false;
    int64_t all_a = x[VML_SNAP_NUMA_HIT] + x[VML_SNAP_NUMA_MISS];
    int64_t all_b = y[VML_SNAP_NUMA_HIT] + y[VML_SNAP_NUMA_MISS];
    /* The page tables of as many pages as were allocated, at most. */
    int64_t w = FILL_SLACK_PAGES + table_pages((uint64_t)all_a << 12);
    int f = -1;
    for (unsigned n = 0; n < VML_MAX_NODES && f < 0; n++) {
        int64_t ma = a->free[n] - x[VML_SNAP_NUMA_HIT], mb = b->free[n] - y[VML_SNAP_NUMA_HIT];
        if (a->free[n] > 0 && ma >= -fill_over(a->has_pcp, a->pcp[n]) && ma <= w &&
            mb >= -fill_over(b->has_pcp, b->pcp[n]) && mb <= w)
            f = (int)n;
    }
    int64_t loc_a = x[VML_SNAP_NUMA_LOCAL] + x[VML_SNAP_NUMA_OTHER];
    int64_t loc_b = y[VML_SNAP_NUMA_LOCAL] + y[VML_SNAP_NUMA_OTHER];
    bool all_in = all_b - all_a >= 0 && all_b - all_a <= NUMA_NOISE_PAGES;
    bool loc_in = loc_b - loc_a >= 0 && loc_b - loc_a <= NUMA_NOISE_PAGES;
    bool foreign = x[VML_SNAP_NUMA_FOREIGN] - x[VML_SNAP_NUMA_MISS] ==
                   y[VML_SNAP_NUMA_FOREIGN] - y[VML_SNAP_NUMA_MISS];
    int64_t lh_a = x[VML_SNAP_NUMA_LOCAL] - x[VML_SNAP_NUMA_HIT];
    int64_t lh_b = y[VML_SNAP_NUMA_LOCAL] - y[VML_SNAP_NUMA_HIT];
    int64_t lm_a = x[VML_SNAP_NUMA_LOCAL] - x[VML_SNAP_NUMA_MISS];
    int64_t lm_b = y[VML_SNAP_NUMA_LOCAL] - y[VML_SNAP_NUMA_MISS];
    bool near_h = lh_a >= -NUMA_NOISE_PAGES && lh_a <= NUMA_NOISE_PAGES &&
                  lh_b >= -NUMA_NOISE_PAGES && lh_b <= NUMA_NOISE_PAGES;
    bool near_m = lm_a >= -NUMA_NOISE_PAGES && lm_a <= NUMA_NOISE_PAGES &&
                  lm_b >= -NUMA_NOISE_PAGES && lm_b <= NUMA_NOISE_PAGES;
    static const char *const name[VML_SNAP_NUMA_FIELDS] = {
        "numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
    };
    for (unsigned i = 0; i < VML_SNAP_NUMA_FIELDS; i++) {
        if (i == VML_SNAP_NUMA_INTERLEAVE) {
            if (x[i] == 0 && y[i] == 0)
                t->compared++;
            else
                row(out, t, name[i], x[i], y[i], "pages");
            continue;
        }
        text_printf(out, "    %-16s %12lld %12lld %12lld pages", name[i], (long long)x[i],
                    (long long)y[i], (long long)(y[i] - x[i]));
        if (i == VML_SNAP_NUMA_HIT && f >= 0)
            text_printf(out,
                        "   (node %d's: free before %lld and %lld, short by %lld and %lld, "
                        "at most %lld)\n",
                        f, (long long)a->free[f], (long long)b->free[f],
                        (long long)(a->free[f] - x[i]), (long long)(b->free[f] - y[i]),
                        (long long)w);
        else if (i == VML_SNAP_NUMA_HIT)
            text_printf(out,
                        "   <-- differs: no node had free before it less at most %lld on "
                        "both sides\n",
                        (long long)w);
        else if (i == VML_SNAP_NUMA_MISS)
            text_printf(out, "   (the rest: with numa_hit, %lld and %lld%s)\n", (long long)all_a,
                        (long long)all_b,
                        all_in ? ", within [+0, +64]" : "   <-- differs: not within [+0, +64]");
        else if (i == VML_SNAP_NUMA_FOREIGN)
            text_printf(out, "%s\n",
                        foreign ? "   (as numa_miss)" : "   <-- differs from numa_miss");
        else if (i == VML_SNAP_NUMA_LOCAL)
            text_printf(out, "%s\n",
                        near_h   ? "   (as numa_hit, the CPU's node preferred)"
                        : near_m ? "   (as numa_miss, another node preferred)"
                                 : "   <-- differs: follows neither alike");
        else
            text_printf(out, "   (the rest: with numa_local, %lld and %lld%s)\n", (long long)loc_a,
                        (long long)loc_b,
                        loc_in ? ", within [+0, +64]" : "   <-- differs: not within [+0, +64]");
    }
    t->compared += 5;
    t->differ += (f < 0) + !all_in + !foreign + !(near_h || near_m) + !loc_in;
    return true;
}

/* The balancing rule, per operation (see the header): when the scanner or a hinting fault
 * worked during it on either side. Linux's scanner runs off the task's CPU time and the scan
 * then lands at any point of an access loop, so how many of the operation's faults are hinting
 * faults and how many pages it moved is timing: its faults are compared less its hinting
 * faults (numa_hint_faults: a hinting fault is a page fault of the task), its numa_hit and
 * numa_local less the pages it migrated (each move allocates on the task's node,
 * alloc_misplaced_dst_folio), and on each side numa_pages_migrated must equal the
 * pgmigrate_success change (nothing else migrates on a quiet machine). Returns false when it
 * does not apply; else *adj holds the counters to compare by compare_numa's rule. */
static bool compare_balance_op(const struct vml_snap_op *a, const struct vml_snap_op *b,
                               struct vml_snap_op adj[2], struct vml_text *out, struct tally *t)
{
    if (!a->has_balance || !b->has_balance)
        return false;
    const struct vml_snap_op *s[2] = { a, b };
    bool any = false;
    for (int i = 0; i < 2; i++)
        any |= s[i]->balance[VML_SNAP_NUMA_PTE_UPDATES] || s[i]->balance[VML_SNAP_NUMA_HINT_FAULTS];
    if (!any)
        return false;
    static const char *const name[VML_SNAP_BALANCE_FIELDS] = {
        "numa_pte_updates", "numa_hint_faults", "numa_hint_local", "numa_pages_migr"
    };
    for (unsigned i = 0; i < VML_SNAP_BALANCE_FIELDS; i++) {
        t->skipped++;
        text_printf(out, "    %-16s %12lld %12lld %12lld %s   (timing: not compared alone)\n",
                    name[i], (long long)a->balance[i], (long long)b->balance[i],
                    (long long)(b->balance[i] - a->balance[i]), i ? "" : "PTEs");
    }
    for (int i = 0; i < 2; i++) {
        const struct vml_snap_op *o = s[i];
        int64_t moved = o->balance[VML_SNAP_NUMA_PAGES_MIGRATED];
        bool eq = o->has_migrate && o->migrate[VML_SNAP_PGMIGRATE_SUCCESS] == moved;
        t->compared++;
        t->differ += !eq;
        text_printf(out, "    %-16s numa_pages_migrated %lld, pgmigrate_success %lld%s\n",
                    i ? "  on linux" : "  simulated", (long long)moved,
                    (long long)(o->has_migrate ? o->migrate[VML_SNAP_PGMIGRATE_SUCCESS] : -1),
                    eq ? "   (equal)" : "   <-- differs: not equal");
        adj[i] = *o;
        adj[i].numa[VML_SNAP_NUMA_HIT] -= moved;
        adj[i].numa[VML_SNAP_NUMA_LOCAL] -= moved;
    }
    if (a->has_faults && b->has_faults)
        row(out, t, "faults-hinting", (int64_t)a->minor - a->balance[VML_SNAP_NUMA_HINT_FAULTS],
            (int64_t)b->minor - b->balance[VML_SNAP_NUMA_HINT_FAULTS], "");
    else
        not_comparable(out, t, "faults", a->has_faults ? b->faults_why_not : a->faults_why_not);
    return true;
}

/* The balancing rule over the run (see the header): on both sides hinting faults came and
 * pages moved (the measured operations' numa_hint_faults and numa_pages_migrated summed above
 * 0). */
static void compare_balancing(const struct vml_snapshot *sim, const struct vml_snapshot *real,
                              struct vml_text *out, struct tally *t)
{
    int64_t sum[2][VML_SNAP_BALANCE_FIELDS] = { { 0 } };
    const struct vml_snapshot *side[2] = { sim, real };
    bool had = true;
    for (int i = 0; i < 2; i++) {
        bool any = false;
        for (size_t k = 0; k < side[i]->n_ops; k++)
            if (side[i]->ops[k].has_balance) {
                any = true;
                for (unsigned f = 0; f < VML_SNAP_BALANCE_FIELDS; f++)
                    sum[i][f] += side[i]->ops[k].balance[f];
            }
        had = had && any;
    }
    text_printf(out, "NUMA balancing, over the measured operations (each above 0 on both sides)\n");
    if (!had) {
        not_comparable(out, t, "numa_balancing", "a side's NUMA balancing counters were not read");
        return;
    }
    /* The scans themselves: the simulator's fall in the waits between the accesses (its
     * scanner runs on the simulated clock), which are not measured operations, Linux's in the
     * access loops (the task's CPU time): not compared. */
    t->skipped++;
    text_printf(out,
                "    %-16s %12lld %12lld %12lld   (not compared: the simulator scans in the "
                "waits, which are not measured)\n",
                "numa_pte_updates", (long long)sum[0][VML_SNAP_NUMA_PTE_UPDATES],
                (long long)sum[1][VML_SNAP_NUMA_PTE_UPDATES],
                (long long)(sum[1][VML_SNAP_NUMA_PTE_UPDATES] - sum[0][VML_SNAP_NUMA_PTE_UPDATES]));
    static const unsigned f3[2] = { VML_SNAP_NUMA_HINT_FAULTS, VML_SNAP_NUMA_PAGES_MIGRATED };
    static const char *const name[2] = { "numa_hint_faults", "numa_pages_migr" };
    for (unsigned i = 0; i < 2; i++) {
        bool ok = sum[0][f3[i]] > 0 && sum[1][f3[i]] > 0;
        t->compared++;
        t->differ += !ok;
        text_printf(out, "    %-16s %12lld %12lld %12lld%s\n", name[i], (long long)sum[0][f3[i]],
                    (long long)sum[1][f3[i]], (long long)(sum[1][f3[i]] - sum[0][f3[i]]),
                    ok ? "   both above 0" : "   <-- differs: not above 0 on both sides");
    }
}

/* The balancing rule for a mapping's pages per node (see the header): the node holding most of
 * the mapping (more than half of its pages) must be the same on both sides, and the sums equal;
 * how many moved by the end is timing on Linux. Returns false when the rule does not apply. */
static bool compare_majority(const struct vml_snap_map *a, const struct vml_snap_map *b,
                             const struct numa_rules *nr, struct vml_text *out, struct tally *t)
{
    if (!nr || !nr->balancing)
        return false;
    uint64_t sa = 0, sb = 0;
    bool same = true;
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        sa += a->nodes[n];
        sb += b->nodes[n];
        same = same && a->nodes[n] == b->nodes[n];
    }
    if (same)
        return false;
    int ma = -1, mb = -1;
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        if (2 * a->nodes[n] > sa)
            ma = (int)n;
        if (2 * b->nodes[n] > sb)
            mb = (int)n;
    }
    bool ok = ma >= 0 && ma == mb && sa == sb;
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        if (!a->nodes[n] && !b->nodes[n])
            continue;
        text_printf(out, "    N%-15u %12llu %12llu %12lld pages%s\n", n,
                    (unsigned long long)a->nodes[n], (unsigned long long)b->nodes[n],
                    (long long)b->nodes[n] - (long long)a->nodes[n],
                    (int)n == ma && ma == mb ? "   (most on both sides: NUMA balancing)" : "");
    }
    t->compared += 2;
    t->differ += !ok;
    text_printf(out, "    %-16s %12llu %12llu %12lld pages%s\n", "N sum", (unsigned long long)sa,
                (unsigned long long)sb, (long long)sb - (long long)sa,
                ok ? "" : "   <-- differs: not most on one node alike, or the sums differ");
    return true;
}

/* Whether smaps field off moves with resident pages (by +d' when linux kept d' kB more
 * resident) or with swapped ones (by -d'), under the split rule; 0 for neither. */
static int split_sign(size_t off)
{
    if (off == offsetof(struct vml_smaps_counts, rss) ||
        off == offsetof(struct vml_smaps_counts, pss) ||
        off == offsetof(struct vml_smaps_counts, pss_dirty) ||
        off == offsetof(struct vml_smaps_counts, private_dirty) ||
        off == offsetof(struct vml_smaps_counts, anonymous) ||
        off == offsetof(struct vml_smaps_counts, referenced))
        return 1;
    if (off == offsetof(struct vml_smaps_counts, swap) ||
        off == offsetof(struct vml_smaps_counts, swap_pss))
        return -1;
    return 0;
}

/* How far a mapping's resident pages may differ under the split rule: SPLIT_KB, the bound's
 * width, plus how much more the cgroup holds unmapped on one side than on the other (pages
 * swapped out of the mapping but still charged in the swap cache: limit_unmapped). */
static int64_t split_width(const struct split *sp)
{
    int64_t du = sp->unmapped[1] - sp->unmapped[0];
    return SPLIT_KB + (du < 0 ? -du : du);
}

/* The clean/dirty split of a mapping's resident pages under a cgroup's limit, when its Rss
 * differs by dm kB under the split rule (see the header). The pages the side with more
 * unmapped swap cache holds beyond the other were dirty anonymous pages: shrink_folio_list
 * frees a clean swap-cache folio in the same pass (nothing to write, __remove_mapping), and
 * only a folio whose swap write it started (pageout) can be left charged under writeback.
 * So the resident difference is dirty pages: Private_Clean may differ only by SPLIT_KB (the
 * limit's slack: the last reclaim batch may free clean swapped-in pages at once, the per-CPU
 * stock) plus SWAPIN_DIRTY_KB (swapped-in pages that lost their slot on one side only), and
 * Private_Dirty, and Pss_Dirty with it (private pages), by the rest: the two add up to Rss
 * exactly, shared pages being compared exactly. True when the mapping's split agrees so. */
static bool clean_dirty_split(const struct vml_snap_map *a, const struct vml_snap_map *b,
                              int64_t dm)
{
    int64_t dc = (int64_t)b->c.private_clean - (int64_t)a->c.private_clean;
    int64_t dd = (int64_t)b->c.private_dirty - (int64_t)a->c.private_dirty;
    int64_t dpd = (int64_t)b->c.pss_dirty - (int64_t)a->c.pss_dirty;
    if (a->c.shared_clean != b->c.shared_clean || a->c.shared_dirty != b->c.shared_dirty)
        return false;
    return dc + dd == dm && dpd == dd && (dc < 0 ? -dc : dc) <= SPLIT_KB + SWAPIN_DIRTY_KB;
}

static void compare_map(const struct vml_snap_map *a, const struct vml_snap_map *b,
                        const struct split *sp, const struct numa_rules *nr, struct vml_text *out,
                        struct tally *t)
{
    text_printf(out, "  mapping %s (%llu kB)\n", a->name, (unsigned long long)(a->len >> 10));
    if (a->spills || b->spills) {
        t->skipped++;
        text_printf(out,
                    "    not comparable: on %s a VMA reaches beyond the mapping (merged with "
                    "memory the scenario did not map)\n",
                    a->spills && b->spills ? "both sides"
                    : a->spills            ? "the simulator"
                                           : "linux");
        return;
    }
    row(out, t, "VMAs", a->vmas, b->vmas, "");
    row(out, t, "Size", (int64_t)a->size, (int64_t)b->size, "kB");
    /* The split rule for the mapping: it swapped on both sides, by no more than the process's
     * bound allows (the mapping's resident pages are some of the process's): both sides'
     * holdings lie in a window SPLIT_KB wide, so resident pages differ by at most that plus
     * the difference of what the cgroup holds unmapped (split_width). */
    int64_t dm = (int64_t)b->c.rss - (int64_t)a->c.rss;
    bool mbound = sp && sp->on && sp->in && a->c.swap > 0 && b->c.swap > 0 &&
                  (dm < 0 ? -dm : dm) <= split_width(sp);
    bool msplit = mbound && dm != 0;
    /* Which of the resident pages are clean and which dirty (clean_dirty_split): the pages one
     * side's reclaim unmapped and still holds were dirty ones, so the resident difference
     * falls on Private_Dirty (and Pss_Dirty), and Private_Clean moves only by what the
     * charge's slack and the swap-in slot rule allow; with equal Rss too (the slot rule alone
     * may turn clean pages dirty on one side). */
    int64_t dc = (int64_t)b->c.private_clean - (int64_t)a->c.private_clean;
    bool cdsplit = mbound && clean_dirty_split(a, b, dm);
    for (size_t i = 0; i < sizeof(smaps_fields) / sizeof(smaps_fields[0]); i++) {
        uint64_t va = at(&a->c, smaps_fields[i].off), vb = at(&b->c, smaps_fields[i].off);
        int sign = split_sign(smaps_fields[i].off);
        bool dirty_field = smaps_fields[i].off == offsetof(struct vml_smaps_counts, pss_dirty) ||
                           smaps_fields[i].off == offsetof(struct vml_smaps_counts, private_dirty);
        bool clean_field = smaps_fields[i].off == offsetof(struct vml_smaps_counts, private_clean);
        if (cdsplit && dc != 0 && (dirty_field || clean_field)) {
            char moved[64] = "";
            if (dm != 0)
                snprintf(moved, sizeof(moved), "of %lld kB %s on linux ",
                         (long long)(dm < 0 ? -dm : dm), dm < 0 ? "more swapped" : "more resident");
            t->compared++;
            text_printf(out,
                        "    %-16s %12llu %12llu %12lld kB   (agrees: %sunder the cgroup's limit, "
                        "%lld kB clean: within +-%d)\n",
                        smaps_fields[i].name, (unsigned long long)va, (unsigned long long)vb,
                        (long long)(vb - va), moved, (long long)dc, SPLIT_KB + SWAPIN_DIRTY_KB);
            continue;
        }
        if (msplit && sign && (int64_t)vb - (int64_t)va == sign * dm) {
            t->compared++;
            text_printf(out,
                        "    %-16s %12llu %12llu %12lld kB   (agrees: %lld kB %s on linux "
                        "under the cgroup's limit)\n",
                        smaps_fields[i].name, (unsigned long long)va, (unsigned long long)vb,
                        (long long)(vb - va), (long long)(dm < 0 ? -dm : dm),
                        dm < 0 ? "more swapped" : "more resident");
            continue;
        }
        /* Referenced may be higher on Linux, up to Rss: page aging there moves accessed bits
         * from page-table entries into the page's own flag, which every mapper then sees. */
        if (smaps_fields[i].off == offsetof(struct vml_smaps_counts, referenced) && va < vb &&
            vb <= b->c.rss) {
            t->compared++;
            text_printf(out, "    %-16s %12llu %12llu %12lld kB   (tolerated: page aging)\n",
                        "Referenced", (unsigned long long)va, (unsigned long long)vb,
                        (long long)(vb - va));
            continue;
        }
        row(out, t, smaps_fields[i].name, (int64_t)va, (int64_t)vb, "kB");
    }
    text_row(out, t, "VmFlags", a->vm_flags, b->vm_flags);
    text_row(out, t, "THPeligible", a->thp_eligible, b->thp_eligible);
    /* Where the pages are: numa_maps' pages per node, for each node holding any on either
     * side (the first-touch node, the fallback along the zonelist). */
    if (!a->has_nodes || !b->has_nodes) {
        not_comparable(out, t, "pages per node",
                       !a->has_nodes && !b->has_nodes ? "numa_maps could not be read on either side"
                       : !a->has_nodes ? "numa_maps could not be read on the simulator"
                                       : "numa_maps could not be read on linux");
        return;
    }
    /* The policy of each VMA as numa_maps prints it (mpol_to_str): mbind's and the task's. */
    if (a->has_policy && b->has_policy)
        text_row(out, t, "policy", a->policy, b->policy);
    else if (a->has_policy || b->has_policy)
        not_comparable(out, t, "policy", "one side's results have no numa_maps policy");
    if (!msplit && (compare_fill(a, b, nr, out, t) || compare_majority(a, b, nr, out, t)))
        return;
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        if (!a->nodes[n] && !b->nodes[n])
            continue;
        char name[16];
        snprintf(name, sizeof(name), "N%u", n);
        /* The split rule again: numa_maps counts the resident pages, so on a node they differ
         * by the mapping's Rss difference (dm kB) under the cgroup's limit. */
        int64_t dn = (int64_t)b->nodes[n] - (int64_t)a->nodes[n];
        if (msplit && dm % 4 == 0 && dn != 0 && dn == dm / 4) {
            t->compared++;
            text_printf(out,
                        "    %-16s %12llu %12llu %12lld pages (agrees: %lld kB %s on linux "
                        "under the cgroup's limit)\n",
                        name, (unsigned long long)a->nodes[n], (unsigned long long)b->nodes[n],
                        (long long)dn, (long long)(dm < 0 ? -dm : dm),
                        dm < 0 ? "more swapped" : "more resident");
            continue;
        }
        row(out, t, name, (int64_t)a->nodes[n], (int64_t)b->nodes[n], "pages");
    }
}

static const char *const mem_label[VML_SNAP_MEM_FIELDS] = {
    "AnonPages", "Mapped", "Shmem", "Mlocked", "Unevictable", "Cached", "Dirty",
};

/* Whether an operation is an fsync or fdatasync ("P fsync FILE"). */
static bool is_sync(const struct vml_snap_op *op)
{
    return strstr(op->what, " fsync ") != NULL || strstr(op->what, " fdatasync ") != NULL;
}

/* The width of the Cached bound of a read through a cgroup's limit (docs/fidelity.md,
 * "Bounded comparisons"): the largest page-cache folio (2 MiB, MAX_PAGECACHE_ORDER on x86-64:
 * a folio that does not fit whole under the limit is not charged, so the cache ends up to one
 * folio short), plus SPLIT_KB for what else the cgroup holds on Linux (the agent's pages made
 * after its move, its dentries and inodes, the per-CPU charge stock). */
#define CACHE_FOLIO_KB 2048

/* /proc/vmstat's NUMA counters across an operation, on a machine of several nodes
 * (zone_statistics counts each allocation once, of any order). They count the whole machine,
 * so they are the operation's own plus whatever else allocated meanwhile: the smallest change
 * of the voted runs is taken (measure.c), and then numa_miss, numa_foreign and
 * numa_interleave are compared exactly (the quiet guest's other allocations take their local
 * node, which has room, by the default policy: no miss, no interleave), and numa_hit,
 * numa_local and numa_other within [sim, sim + NUMA_NOISE_PAGES] on linux (another program's
 * allocations only add; numa_other too, as a bound agent's own kernel allocations follow its
 * policy). */
static void compare_numa(const struct vml_snap_op *a, const struct vml_snap_op *b,
                         struct vml_text *out, struct tally *t)
{
    static const char *const name[VML_SNAP_NUMA_FIELDS] = {
        "numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
    };
    if (!a->has_numa || !b->has_numa) {
        not_comparable(out, t, "numa_*", "/proc/vmstat's NUMA counters were not measured");
        return;
    }
    /* They count allocations of the whole machine, as meminfo's lines do: when those are not
     * comparable (a real fork copies its runtime's memory, page tables and task too), neither
     * are these, for the same reason. */
    if (!a->has_mem || !b->has_mem) {
        not_comparable(out, t, "numa_*", a->has_mem ? b->mem_why_not : a->mem_why_not);
        return;
    }
    if (compare_numa_fill(a, b, out, t))
        return;
    for (unsigned i = 0; i < VML_SNAP_NUMA_FIELDS; i++) {
        bool bounded =
            i == VML_SNAP_NUMA_HIT || i == VML_SNAP_NUMA_LOCAL || i == VML_SNAP_NUMA_OTHER;
        int64_t d = b->numa[i] - a->numa[i];
        if (!bounded || (a->numa[i] == 0 && b->numa[i] == 0)) {
            if (a->numa[i] == 0 && b->numa[i] == 0) {
                t->compared++; /* unchanged on both sides: not printed */
            } else {
                row(out, t, name[i], a->numa[i], b->numa[i], "pages");
            }
            continue;
        }
        bool in = d >= 0 && d <= NUMA_NOISE_PAGES;
        t->compared++;
        if (!in)
            t->differ++;
        text_printf(out, "    %-16s %12lld %12lld %12lld pages%s [+0, +%d] (other allocations)\n",
                    name[i], (long long)a->numa[i], (long long)b->numa[i], (long long)d,
                    in ? "   within" : "   <-- differs: not within", NUMA_NOISE_PAGES);
    }
}

/* /proc/vmstat's migration counters across a migration call (pgmigrate_success, pgmigrate_fail,
 * thp_migration_success) and what a migration call returned (move_pages' status array,
 * migrate_pages' count of pages not moved): equal. The counters count the whole machine's
 * migrations, but a quiet machine makes none of its own (no NUMA balancing in the guest,
 * scripts/qemu-numa.sh; compaction's only add, and the vote keeps the smallest change). */
/* A result text ("status V V*K ...") with every -ENOENT written -EFAULT, runs merged again:
 * what a kernel before 6.12 stores for the pages the simulator (6.18) says -ENOENT for. */
static void enoent_as_efault(const char *in, char *buf, size_t cap)
{
    size_t len = 0;
    char prev[32] = "";
    unsigned long long run = 0;
    buf[0] = 0;
    const char *p = in;
    int head = 0;
    sscanf(p, "%*s%n", &head); /* the word before the values ("status") */
    len = (size_t)snprintf(buf, cap, "%.*s", head, p);
    p += head;
    for (;;) {
        char tok[32];
        int used = 0;
        bool more = sscanf(p, " %31s%n", tok, &used) == 1;
        char val[32] = "";
        unsigned long long k = 1;
        if (more) {
            p += used;
            char *star = strchr(tok, '*');
            if (star) {
                *star = 0;
                k = strtoull(star + 1, NULL, 10);
            }
            snprintf(val, sizeof(val), "%s", strcmp(tok, "-ENOENT") == 0 ? "-EFAULT" : tok);
        }
        if (more && run && strcmp(val, prev) == 0) {
            run += k;
            continue;
        }
        if (run && len < cap)
            len += (size_t)snprintf(buf + len, cap - len, run > 1 ? " %s*%llu" : " %s", prev, run);
        if (!more)
            break;
        snprintf(prev, sizeof(prev), "%s", val);
        run = k;
    }
}

static void compare_migrate(const struct vml_snap_op *a, const struct vml_snap_op *b,
                            bool enoent_is_efault, struct vml_text *out, struct tally *t)
{
    static const char *const name[VML_SNAP_MIGRATE_FIELDS] = {
        "pgmigrate_success",
        "pgmigrate_fail",
        "thp_migration_ok",
    };
    if (!a->result[0] && !b->result[0])
        return; /* not a migration call: another operation's migrations are compaction's */
    char mapped[sizeof(a->result)];
    if (enoent_is_efault && strncmp(a->result, "status ", 7) == 0 && strstr(a->result, "-ENOENT") &&
        strcmp(a->result, b->result) != 0) {
        /* The kernels' difference, not the simulation's: compared as the older one answers. */
        enoent_as_efault(a->result, mapped, sizeof(mapped));
        bool same = strcmp(mapped, b->result) == 0;
        t->compared++;
        t->differ += !same;
        text_printf(out, "    %-16s %s%s\n", "returned", a->result,
                    same ? "   (linux: -EFAULT for -ENOENT, before 6.12)" : "   <-- differs");
        if (!same)
            text_printf(out, "    %-16s %s   (linux)\n", "", b->result);
    } else {
        text_row(out, t, "returned", a->result, b->result);
    }
    if (a->has_migrate != b->has_migrate) {
        not_comparable(out, t, "pgmigrate_*", "/proc/vmstat's migration counters were not read");
        return;
    }
    for (unsigned i = 0; a->has_migrate && i < VML_SNAP_MIGRATE_FIELDS; i++) {
        if (a->migrate[i] == 0 && b->migrate[i] == 0)
            t->compared++;
        else
            row(out, t, name[i], a->migrate[i], b->migrate[i], i == 2 ? "" : "pages");
    }
}

/* The faults of an operation that swapped in under a cgroup's limit (the scenario limits a
 * cgroup's memory, its process swapped on both sides, and it took major faults on both). Each
 * page it touched faulted once on both sides, so minor + major must be equal; which fault was
 * major is the readahead's. A major fault reads the aligned block of 2^page-cluster slots
 * around its slot (swap_cluster_readahead; swap_vma_readahead's window likewise), and the
 * faults on the pages it read are minor (swap cache hits), so a re-read takes one major fault
 * per block when the pages' slots follow their addresses. The slots follow the order reclaim
 * evicted the pages in, and the limit's reclaim takes them in another order when writeback
 * holds some (shrink_folio_list keeps a folio under writeback and goes on to others) or when
 * slots are freed and reused (swap more than half full: should_try_to_free_swap); the
 * swap-cache folios reclaim left (not yet freed) are found by the faults as minor faults
 * outside any window. The allocator hands slots out a cluster (SWAPFILE_CLUSTER, 512 slots)
 * at a time, in order within it (cluster_alloc_swap_entry), so eviction order maps onto slot
 * order in runs, one per cluster taken, and a run's ends are where a window holds slots of
 * other pages. The bound is one window per 512 faults, rounded up (fidelity 112: 12288 faults,
 * 24; measured on 6.18: 1533 to 1540 major faults in 25 runs, 1542 simulated, 1536 if every
 * window were whole). A readahead that reads fewer pages than the window, or none, differs
 * (fourfold the faults for a window of 2). True when the rule applied and the rows are
 * printed. */
static bool reread_faults(const struct vml_snap_op *a, const struct vml_snap_op *b,
                          struct vml_text *out, struct tally *t)
{
    uint64_t na = a->minor + a->major, nb = b->minor + b->major;
    if (a->major == 0 || b->major == 0 || a->major == b->major || na != nb)
        return false;
    int64_t dmaj = (int64_t)b->major - (int64_t)a->major;
    int64_t bound = (int64_t)((na + SWAP_CLUSTER_SLOTS - 1) / SWAP_CLUSTER_SLOTS);
    bool in = (dmaj < 0 ? -dmaj : dmaj) <= bound;
    t->compared += 2;
    if (!in)
        t->differ += 2;
    const char *verdict = in ? "   (agrees: swap-in under the cgroup's limit, the sum equal,"
                             : "   <-- differs: swap-in under the cgroup's limit, not within";
    text_printf(out, "    %-16s %12llu %12llu %12lld %s\n", "minor faults",
                (unsigned long long)a->minor, (unsigned long long)b->minor,
                (long long)b->minor - (long long)a->minor,
                in ? "   (agrees: the sum is equal)" : "   <-- differs (below)");
    text_printf(out,
                "    %-16s %12llu %12llu %12lld %s +-%lld: a readahead window per swap cluster "
                "of %llu faults%s\n",
                "major faults", (unsigned long long)a->major, (unsigned long long)b->major,
                (long long)dmaj, verdict, (long long)bound, (unsigned long long)na, in ? ")" : "");
    return true;
}

/* One measured operation: faults, then the meminfo lines that changed on either side (the
 * others are compared too and counted, but not printed). dirty_bound_kb, when not 0, is the
 * background threshold in force (dirty_background_bytes, in kB): an fsync's Dirty change is
 * then compared within [-dirty_bound_kb, 0] (see the header). limit_kb, when not 0, is the
 * scenario's cgroup memory limit: a read's Cached change that reached it on one side is
 * compared within [limit_kb - CACHE_FOLIO_KB - SPLIT_KB, limit_kb]. nodes: the
 * scenario machine's NUMA nodes (compare_numa with several). */
static void compare_op(const struct vml_snap_op *a, const struct vml_snap_op *b,
                       int64_t dirty_bound_kb, int64_t limit_kb, bool swapped, unsigned nodes,
                       bool enoent_is_efault, bool balancing, struct vml_text *out, struct tally *t)
{
    text_printf(out, "operation at line %u: %s\n", a->line, a->what);
    struct vml_snap_op adj[2];
    bool bal = balancing && compare_balance_op(a, b, adj, out, t);
    if (bal) {
        /* The faults less the hinting faults: compared by compare_balance_op. */
    } else if (a->has_faults && b->has_faults && limit_kb > 0 && swapped &&
               reread_faults(a, b, out, t)) {
        /* A swap-in under the limit: compared by reread_faults. */
    } else if (a->has_faults && b->has_faults) {
        row(out, t, "minor faults", (int64_t)a->minor, (int64_t)b->minor, "");
        row(out, t, "major faults", (int64_t)a->major, (int64_t)b->major, "");
    } else {
        not_comparable(out, t, "faults", a->has_faults ? b->faults_why_not : a->faults_why_not);
    }
    unsigned quiet = 0;
    /* The kernel's oom_kill count: every OOM kill during the operation, of any process. */
    if (a->has_oom_kill && b->has_oom_kill) {
        if (a->oom_kill == 0 && b->oom_kill == 0)
            t->compared++;
        else
            row(out, t, "oom_kill", (int64_t)a->oom_kill, (int64_t)b->oom_kill, "");
    } else if (a->has_oom_kill || b->has_oom_kill) {
        not_comparable(out, t, "oom_kill", "/proc/vmstat's oom_kill cannot be read");
    }
    /* Committed_AS: measured apart from the other lines (measure.c), compared exactly. */
    if (a->has_commit && b->has_commit && (a->has_copy || b->has_copy)) {
        /* A fork: the real child copies its runtime's accounted mappings too, so each side's
         * change must be what dup_mmap charges for its parent's accounted VMAs (smaps "ac");
         * the scenario's part of those is compared with each mapping's VmFlags and Size. */
        bool same = a->has_copy && b->has_copy && a->commit == a->copy && b->commit == b->copy;
        t->compared++;
        if (!same)
            t->differ++;
        text_printf(out,
                    "    %-16s %12lld %12lld %12s    %s (the parent's accounted VMAs: %lld, "
                    "%lld kB)\n",
                    "Committed_AS", (long long)a->commit, (long long)b->commit, "",
                    same ? "both charge the copy" : "<-- differs", (long long)a->copy,
                    (long long)b->copy);
    } else if (a->has_commit && b->has_commit) {
        if (a->commit == 0 && b->commit == 0) {
            t->compared++;
            quiet++;
        } else {
            row(out, t, "Committed_AS", a->commit, b->commit, "kB");
        }
    } else {
        not_comparable(out, t, "Committed_AS",
                       a->has_commit ? b->commit_why_not : a->commit_why_not);
    }
    if (nodes > 1)
        compare_numa(bal ? &adj[0] : a, bal ? &adj[1] : b, out, t);
    compare_migrate(a, b, enoent_is_efault, out, t);
    if (!a->has_mem || !b->has_mem) {
        not_comparable(out, t, "meminfo", a->has_mem ? b->mem_why_not : a->mem_why_not);
        return;
    }
    for (unsigned i = 0; i < VML_SNAP_MEM_FIELDS; i++) {
        if (a->mem[i] == 0 && b->mem[i] == 0) {
            t->compared++;
            quiet++;
            continue;
        }
        int64_t lo = limit_kb - CACHE_FOLIO_KB - SPLIT_KB;
        bool lim_a = a->mem[i] >= lo && a->mem[i] <= limit_kb;
        bool lim_b = b->mem[i] >= lo && b->mem[i] <= limit_kb;
        if (i == VML_SNAP_CACHED && limit_kb > 0 && strstr(a->what, " read ") &&
            a->mem[i] != b->mem[i] && (lim_a || lim_b)) {
            /* A read through a cgroup's limit: the limit's reclaim keeps the cache under it,
             * and how far under is the folio that did not fit and the cgroup's other charges
             * on Linux. Both sides must have reached the bound. */
            t->compared++;
            if (!(lim_a && lim_b))
                t->differ++;
            text_printf(out, "    %-16s %12lld %12lld %12lld kB%s [%lld, %lld] (cgroup limit)\n",
                        mem_label[i], (long long)a->mem[i], (long long)b->mem[i],
                        (long long)(b->mem[i] - a->mem[i]),
                        lim_a && lim_b ? "   both within" : "   <-- differs: not both within",
                        (long long)lo, (long long)limit_kb);
            continue;
        }
        if (i == VML_SNAP_ANON_PAGES && limit_anon(a, b, limit_kb, out, t))
            continue;
        if (i == VML_SNAP_DIRTY && dirty_bound_kb > 0 && is_sync(a) && a->mem[i] != b->mem[i]) {
            bool in_a = a->mem[i] <= 0 && a->mem[i] >= -dirty_bound_kb;
            bool in_b = b->mem[i] <= 0 && b->mem[i] >= -dirty_bound_kb;
            t->compared++;
            if (!(in_a && in_b))
                t->differ++;
            text_printf(out,
                        "    %-16s %12lld %12lld %12lld kB%s [-%lld, 0] (background threshold)\n",
                        mem_label[i], (long long)a->mem[i], (long long)b->mem[i],
                        (long long)(b->mem[i] - a->mem[i]),
                        in_a && in_b ? "   both within" : "   <-- differs: not both within",
                        (long long)dirty_bound_kb);
            continue;
        }
        if (i == VML_SNAP_DIRTY && dirty_bound_kb > 0 && strstr(a->what, " write ") &&
            a->mem[i] != b->mem[i]) {
            /* A write's burst under a background threshold B: the flusher, woken once the
             * machine's dirty pages pass B, writes the oldest inodes until they are under B
             * again, other programs' pages included, so the machine-wide change is at most B
             * and may be below 0 by what others had dirty. */
            bool in_a = a->mem[i] <= dirty_bound_kb, in_b = b->mem[i] <= dirty_bound_kb;
            t->compared++;
            if (!(in_a && in_b))
                t->differ++;
            text_printf(out, "    %-16s %12lld %12lld %12lld kB%s %lld (background threshold)\n",
                        mem_label[i], (long long)a->mem[i], (long long)b->mem[i],
                        (long long)(b->mem[i] - a->mem[i]),
                        in_a && in_b ? "   both at most" : "   <-- differs: not both at most",
                        (long long)dirty_bound_kb);
            continue;
        }
        row(out, t, mem_label[i], a->mem[i], b->mem[i], "kB");
    }
    if (quiet)
        text_printf(out, "    (%u more meminfo line%s unchanged on both sides)\n", quiet,
                    quiet == 1 ? "" : "s");
}

/* The content of file name in a show thp text ("FILE:CONTENT" lines), into buf; false when
 * the text has no such file. */
static bool thp_line(const char *text, const char *name, size_t n, char *buf, size_t cap)
{
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        if (len > n && memcmp(l, name, n) == 0 && l[n] == ':') {
            snprintf(buf, cap, "%.*s", (int)(len - n - 1), l + n + 1);
            return true;
        }
        l += len + (nl ? 1 : 0);
    }
    return false;
}

/* khugepaged's counters: the kernel's are the machine's, not the scenario's. */
static bool is_counter(const char *name)
{
    for (size_t i = 0; i < VML_THP_NR_COUNTERS; i++)
        if (strcmp(name, vml_thp_counter_file(i)) == 0)
            return true;
    return false;
}

/* One show thp: each file as the simulator had it against the kernel's. */
static void compare_thp(const struct vml_snap_text *a, const struct vml_snap_text *b,
                        struct vml_text *out, struct tally *t)
{
    text_printf(out, "%s settings shown at line %u\n", a->vm ? "/proc/sys/vm" : "thp", a->line);
    for (int side = 0; side < 2; side++) {
        const char *text = side ? b->text : a->text, *other = side ? a->text : b->text;
        for (const char *l = text; *l;) {
            const char *nl = strchr(l, '\n'), *colon = strchr(l, ':');
            size_t len = nl ? (size_t)(nl - l) : strlen(l);
            char name[128], va[128], vb[128];
            if (colon && colon < l + len && (size_t)(colon - l) < sizeof(name)) {
                size_t n = (size_t)(colon - l);
                snprintf(name, sizeof(name), "%.*s", (int)n, l);
                bool there = thp_line(other, name, n, side ? va : vb, sizeof(va));
                bool ram_bound = false;
                if (a->vm && !side &&
                    (strcmp(name, "min_free_kbytes") == 0 ||
                     strcmp(name, "admin_reserve_kbytes") == 0 ||
                     strcmp(name, "user_reserve_kbytes") == 0)) {
                    /* calculate_min_free_kbytes follows the machine's RAM (and THP's
                     * set_recommended_min_free_kbytes), init_admin_reserve and
                     * init_user_reserve its free memory at boot, which the Linux side does not
                     * take from the scenario: compared only when the two agree (the scenario
                     * set it). */
                    char x[128];
                    snprintf(x, sizeof(x), "%.*s", (int)(len - n - 1), colon + 1);
                    ram_bound = !there || strcmp(x, vb) != 0;
                }
                if (ram_bound) {
                    not_comparable(out, t, name,
                                   "the boot-time value follows the machine's RAM; set "
                                   "it (vm.NAME=) to compare it");
                } else if (is_counter(name)) {
                    if (!side)
                        not_comparable(out, t, name,
                                       "the kernel's counts every process's since boot");
                } else if (!side) {
                    snprintf(va, sizeof(va), "%.*s", (int)(len - n - 1), colon + 1);
                    text_row(out, t, name, va, there ? vb : "(no such file)");
                } else if (!there) {
                    snprintf(vb, sizeof(vb), "%.*s", (int)(len - n - 1), colon + 1);
                    text_row(out, t, name, "(no such file)", vb);
                }
            }
            l += len + (nl ? 1 : 0);
        }
    }
}

/* One show memory_tiering: line by line, byte for byte (the simulator's
 * vml_sim_memory_tiering_text and the kernel's files in the same order, by tier id). */
static void compare_tiering(const struct vml_snap_text *a, const struct vml_snap_text *b,
                            struct vml_text *out, struct tally *t)
{
    text_printf(out, "memory tiers shown at line %u\n", a->line);
    const char *la = a->text, *lb = b->tiering ? b->text : "";
    while (*la || *lb) {
        const char *na = strchr(la, '\n'), *nb = strchr(lb, '\n');
        size_t xa = na ? (size_t)(na - la) : strlen(la), xb = nb ? (size_t)(nb - lb) : strlen(lb);
        char va[160], vb[160], name[64];
        snprintf(va, sizeof(va), "%.*s", (int)xa, la);
        snprintf(vb, sizeof(vb), "%.*s", (int)xb, lb);
        /* Named by the file, without its directory. */
        const char *line = *la ? va : vb, *colon = strchr(line, ':');
        const char *base = line;
        for (const char *c = line; colon && c < colon; c++)
            if (*c == '/' && (c + 1 < colon) &&
                (strncmp(c + 1, "memory_tier", 11) == 0 || strncmp(c + 1, "demotion", 8) == 0))
                base = c + 1;
        snprintf(name, sizeof(name), "%.*s", (int)(colon ? (size_t)(colon - base) : 0), base);
        text_row(out, t, name[0] ? name : "line", *la ? va : "(no line)", *lb ? vb : "(no line)");
        la += xa + (na ? 1 : 0);
        lb += xb + (nb ? 1 : 0);
    }
}

/* /proc/PID/oom_score as proc_oom_score (fs/proc/base.c) computes it from oom_badness
 * (mm/oom_kill.c): RSS, swap entries and page tables in pages, plus oom_score_adj thousandths
 * of totalpages (divided first), scaled to 0..2000 and by 2/3 in signed arithmetic; 0 for an
 * immune process (-1000). The inputs are the process's status lines at the end (kB). */
static long oom_formula(const struct vml_status_mem *s, int adj, uint64_t totalpages)
{
    if (adj <= -1000 || totalpages == 0)
        return 0;
    long long points = (long long)((s->vm_rss + s->vm_swap + s->vm_pte) / 4) +
                       (long long)adj * (long long)(totalpages / 1000);
    return (long)((1000 + points * 1000 / (long long)totalpages) * 2 / 3);
}

/* oom_score_adj and oom_score of a live process at the end. oom_score divides by the whole
 * machine's RAM and swap (not a cgroup's), which the real machine and the scenario's do not
 * share, so it is compared through the kernel's rule: each side's value must be what
 * proc_oom_score gives for that side's own status lines and totalpages (the status rows above
 * compare the scenario's part of those lines). */
static void compare_oom(const struct vml_snapshot *sim, const struct vml_snapshot *real,
                        const struct vml_snap_proc *a, const struct vml_snap_proc *b,
                        struct vml_text *out, struct tally *t)
{
    if (!a->has_oom || !b->has_oom) {
        not_comparable(out, t, "oom_score", "/proc/PID/oom_score or oom_score_adj unreadable");
        return;
    }
    text_printf(out, "  oom_score_adj and oom_score, at the end\n");
    row(out, t, "oom_score_adj", a->oom_score_adj, b->oom_score_adj, "");
    long fa = oom_formula(&a->last, a->oom_score_adj, sim->totalpages);
    long fb = oom_formula(&b->last, b->oom_score_adj, real->totalpages);
    bool same = fa == a->oom_score && fb == b->oom_score;
    t->compared++;
    if (!same)
        t->differ++;
    text_printf(out,
                "    %-16s %12ld %12ld %12s    %s (proc_oom_score gives %ld of %llu pages, %ld "
                "of %llu)\n",
                "oom_score", a->oom_score, b->oom_score, "",
                same ? "both by the rule" : "<-- differs", fa, (unsigned long long)sim->totalpages,
                fb, (unsigned long long)real->totalpages);
}

static const char *death_name(const struct vml_snap_proc *p)
{
    if (p->alive)
        return "alive";
    if (!p->death.killed)
        return "exited";
    switch (p->death.si_code) {
    case VML_SEGV_MAPERR: return "killed by SIGSEGV (SEGV_MAPERR)";
    case VML_SEGV_ACCERR: return "killed by SIGSEGV (SEGV_ACCERR)";
    case VML_BUS_ADRERR: return "killed by SIGBUS";
    case VML_SI_OOM: return "killed by SIGKILL (the OOM killer)";
    default: return "killed by SIGSEGV (SI_KERNEL)";
    }
}

/* The background threshold in bytes that the last show vm before line showed on both sides
 * (dirty_background_bytes, the same on both), in kB; 0 when there is none. */
static int64_t dirty_bound(const struct vml_snapshot *sim, const struct vml_snapshot *real,
                           unsigned line)
{
    int64_t kb = 0;
    for (size_t i = 0; i < sim->n_thp && i < real->n_thp; i++) {
        const struct vml_snap_text *a = &sim->thp[i], *b = &real->thp[i];
        if (!a->vm || !b->vm || a->line >= line)
            continue;
        char va[64], vb[64];
        const char *key = "dirty_background_bytes";
        kb = 0;
        if (thp_line(a->text, key, strlen(key), va, sizeof(va)) &&
            thp_line(b->text, key, strlen(key), vb, sizeof(vb)) && strcmp(va, vb) == 0) {
            long long bytes = strtoll(va, NULL, 10);
            kb = bytes > 0 ? (int64_t)(bytes / 1024) : 0;
        }
    }
    return kb;
}

/* The change of a status field from a process's creation to the end. */
static int64_t status_change(const struct vml_snap_proc *p, size_t off)
{
    return (int64_t)at(&p->last, off) - (int64_t)at(&p->first, off);
}

/* What the scenario's live processes hold on one side: their VmRSS and VmPTE changes summed
 * (kB), the charge a cgroup limit bounds when they all run in it. */
static int64_t held(const struct vml_snapshot *snap)
{
    int64_t kb = 0;
    for (size_t i = 0; i < snap->n_procs; i++)
        if (snap->procs[i].alive)
            kb += status_change(&snap->procs[i], offsetof(struct vml_status_mem, vm_rss)) +
                  status_change(&snap->procs[i], offsetof(struct vml_status_mem, vm_pte));
    return kb;
}

/* ---- what the limited cgroup holds besides its processes' pages (issue 15) ----------------- */

/* What the limited cgroup holds at the end that no process maps, kB: its charged user pages
 * (every one is on one of its LRU lists) less the mapped ones, NR_ANON_MAPPED and
 * NR_FILE_MAPPED (shmem is on the anon lists and in file: counted once). That is its page
 * cache (read, not mapped) and its unmapped swap cache: pages reclaim unmapped whose swap
 * write had not ended when it passed them (shrink_folio_list keeps a folio under writeback),
 * charged until a later pass frees them. Each side's own memory.stat (results' limit_stat);
 * 0 when either side lacks it (results recorded before it was kept): then the bound counts
 * the processes' pages alone, as it did. */
static int64_t limit_unmapped(const struct vml_snapshot *side, const struct vml_snapshot *other)
{
    if (!side->has_limit_stat || !other->has_limit_stat)
        return 0;
    const struct vml_snap_memcg *c = &side->limit_stat;
    int64_t kb = (int64_t)(c->lru_anon + c->lru_file + c->unevictable) - (int64_t)c->anon -
                 (int64_t)c->file_mapped;
    return kb > 0 ? kb : 0;
}

/* An operation's AnonPages change in a scenario that limits a cgroup to limit_kb (see the
 * header): the pages the limit's reclaim unmapped during it are freed or, while their swap
 * write is in flight, still in the swap cache and charged; which, is the device's timing. So
 * when the operation's reclaim took mapped anonymous pages (its AnonPages change is below the
 * 4 kB per fault it took, and the swap cache moved) on either side, AnonPages plus SwapCached
 * changes are compared, within SPLIT_KB (the charge's own slack at the limit: the per-CPU
 * stock, reclaim's batch); true when the rule applied and the row is printed. */
static bool limit_anon(const struct vml_snap_op *a, const struct vml_snap_op *b, int64_t limit_kb,
                       struct vml_text *out, struct tally *t)
{
    const int64_t *ma = a->mem, *mb = b->mem;
    if (limit_kb <= 0 || !a->has_swapcache || !b->has_swapcache || !a->has_faults ||
        !b->has_faults || ma[VML_SNAP_ANON_PAGES] == mb[VML_SNAP_ANON_PAGES])
        return false;
    /* Reclaim took mapped anonymous pages: AnonPages grew less than the op's faults mapped
     * (4 kB each) on a side, and the swap cache moved on a side (add_to_swap, or a swap-in):
     * a file fault maps no anonymous page, and reclaim without swap cannot take one. */
    bool took_a = ma[VML_SNAP_ANON_PAGES] < (int64_t)(a->minor + a->major) * 4;
    bool took_b = mb[VML_SNAP_ANON_PAGES] < (int64_t)(b->minor + b->major) * 4;
    if ((!took_a && !took_b) || (a->swapcache == 0 && b->swapcache == 0))
        return false;
    int64_t sa = ma[VML_SNAP_ANON_PAGES] + a->swapcache,
            sb = mb[VML_SNAP_ANON_PAGES] + b->swapcache;
    bool in = sb - sa >= -SPLIT_KB && sb - sa <= SPLIT_KB;
    t->compared++;
    if (!in)
        t->differ++;
    text_printf(out,
                "    %-16s %12lld %12lld %12lld kB   with SwapCached %lld and %lld: %lld and "
                "%lld,%s %d (the cgroup's limit reclaimed)\n",
                "AnonPages", (long long)ma[VML_SNAP_ANON_PAGES], (long long)mb[VML_SNAP_ANON_PAGES],
                (long long)(mb[VML_SNAP_ANON_PAGES] - ma[VML_SNAP_ANON_PAGES]),
                (long long)a->swapcache, (long long)b->swapcache, (long long)sa, (long long)sb,
                in ? " within +-" : "   <-- differs: not within +-", SPLIT_KB);
    return true;
}

/* Whether the process that did op (its first word) is alive at the end with its VmSwap grown
 * on both sides: it swapped, so its major faults are swap-ins (reread_faults). */
static bool op_swapped(const struct vml_snapshot *sim, const struct vml_snapshot *real,
                       const struct vml_snap_op *op)
{
    char name[sizeof(op->what)];
    if (sscanf(op->what, "%95s", name) != 1)
        return false;
    const size_t swap = offsetof(struct vml_status_mem, vm_swap);
    for (size_t i = 0; i < sim->n_procs && i < real->n_procs; i++)
        if (strcmp(sim->procs[i].name, name) == 0 && strcmp(real->procs[i].name, name) == 0)
            return sim->procs[i].alive && real->procs[i].alive &&
                   status_change(&sim->procs[i], swap) > 0 &&
                   status_change(&real->procs[i], swap) > 0;
    return false;
}

/* The heading's note of what the cgroup holds unmapped, on each side (static buffer: one
 * heading at a time). */
static const char *unmapped_note(const struct split *sp)
{
    static char buf[160];
    snprintf(buf, sizeof(buf),
             ", counting the cgroup's unmapped page and swap cache (%lld and %lld kB)",
             (long long)sp->unmapped[0], (long long)sp->unmapped[1]);
    return buf;
}

/* The split rule for a live process (see the header): on when the scenario limits a cgroup's
 * memory and the process's VmSwap grew on both sides; in when what the scenario's live
 * processes hold lies within [L - SPLIT_KB, L] on each side. */
static struct split split_of(const struct vml_snapshot *sim, const struct vml_snapshot *real,
                             const struct vml_snap_proc *a, const struct vml_snap_proc *b)
{
    struct split sp;
    memset(&sp, 0, sizeof(sp));
    const size_t swap = offsetof(struct vml_status_mem, vm_swap);
    const size_t rss = offsetof(struct vml_status_mem, vm_rss);
    if (!sim->memcg_max_kb || sim->memcg_max_kb != real->memcg_max_kb ||
        status_change(a, swap) <= 0 || status_change(b, swap) <= 0)
        return sp;
    sp.on = true;
    sp.in = true;
    const struct vml_snapshot *side[2] = { sim, real };
    for (int i = 0; i < 2; i++) {
        sp.unmapped[i] = limit_unmapped(side[i], side[1 - i]);
        sp.held[i] = held(side[i]) + sp.unmapped[i];
        if (sp.held[i] < (int64_t)sim->memcg_max_kb - SPLIT_KB ||
            sp.held[i] > (int64_t)sim->memcg_max_kb)
            sp.in = false;
    }
    sp.d = status_change(b, rss) - status_change(a, rss);
    return sp;
}

unsigned vml_diff_snapshots(const struct vml_snapshot *sim, const struct vml_snapshot *real,
                            struct vml_text *out, unsigned *compared, unsigned *skipped)
{
    struct tally t = { 0, 0, 0 };
    struct numa_rules nr;
    memset(&nr, 0, sizeof(nr));
    nr.fill = sim->nodes > 1 && sim->has_start_free && real->has_start_free;
    memcpy(nr.free[0], sim->start_free, sizeof(nr.free[0]));
    memcpy(nr.free[1], real->start_free, sizeof(nr.free[1]));
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        nr.over[0][n] = fill_over(sim->has_start_pcp, sim->start_pcp[n]);
        nr.over[1][n] = fill_over(real->has_start_pcp, real->start_pcp[n]);
    }
    nr.balancing = sim->numa_balancing;
    text_printf(out, "    %-16s %12s %12s %12s\n", "field", "simulated", "linux", "difference");
    for (size_t i = 0; i < sim->n_procs && i < real->n_procs; i++) {
        const struct vml_snap_proc *a = &sim->procs[i], *b = &real->procs[i];
        text_printf(out, "process %s (simulated pid %d, linux pid %d): %s\n", a->name, a->pid,
                    b->pid, death_name(b));
        t.compared++;
        if (strcmp(death_name(a), death_name(b)) != 0) {
            t.differ++;
            text_printf(out, "    state: simulated %s, linux %s   <-- differs\n", death_name(a),
                        death_name(b));
            continue;
        }
        if (!a->alive)
            continue;
        text_printf(out, "  status, change since the process was created\n");
        /* The file pages the cgroup's reclaim took from the real process's own (see the
         * header): 0 unless confined and within what it had. */
        int64_t own_lost = 0;
        if (real->confined) {
            int64_t fa = (int64_t)a->last.rss_file - (int64_t)a->first.rss_file;
            int64_t fb = (int64_t)b->last.rss_file - (int64_t)b->first.rss_file;
            if (fb < fa && fa - fb <= (int64_t)b->first.rss_file)
                own_lost = fa - fb;
        }
        struct split sp = split_of(sim, real, a, b);
        if (sp.on)
            text_printf(
                out,
                "    (under a cgroup limit of %llu kB: the processes hold %lld kB "
                "resident and in page tables simulated, %lld on linux%s: %s [%lld, %llu])\n",
                (unsigned long long)sim->memcg_max_kb, (long long)sp.held[0], (long long)sp.held[1],
                sp.unmapped[0] || sp.unmapped[1] ? unmapped_note(&sp) : "",
                sp.in ? "both within" : "not both within, compared exactly:",
                (long long)sim->memcg_max_kb - SPLIT_KB, (unsigned long long)sim->memcg_max_kb);
        for (size_t k = 0; k < sizeof(status_fields) / sizeof(status_fields[0]); k++) {
            const struct field *f = &status_fields[k];
            int64_t da = (int64_t)at(&a->last, f->off) - (int64_t)at(&a->first, f->off);
            int64_t db = (int64_t)at(&b->last, f->off) - (int64_t)at(&b->first, f->off);
            const char *pw = a->pte_why_not[0] ? a->pte_why_not : b->pte_why_not;
            bool lost_field = f->off == offsetof(struct vml_status_mem, rss_file) ||
                              f->off == offsetof(struct vml_status_mem, vm_rss);
            bool rss_field = f->off == offsetof(struct vml_status_mem, vm_rss) ||
                             f->off == offsetof(struct vml_status_mem, rss_anon) ||
                             f->off == offsetof(struct vml_status_mem, rss_file) ||
                             f->off == offsetof(struct vml_status_mem, rss_shmem);
            int sign = f->off == offsetof(struct vml_status_mem, vm_rss) ||
                               f->off == offsetof(struct vml_status_mem, rss_anon)
                           ? 1
                       : f->off == offsetof(struct vml_status_mem, vm_swap) ? -1
                                                                            : 0;
            if (f->off == offsetof(struct vml_status_mem, vm_pte) && pw[0]) {
                not_comparable(out, &t, f->name, pw);
            } else if (rss_field && real->rss_why_not[0]) {
                not_comparable(out, &t, f->name, real->rss_why_not);
            } else if (sp.on && sp.in && sign && sp.d != 0 && db - da == sign * sp.d) {
                t.compared++;
                text_printf(out,
                            "    %-16s %12lld %12lld %12lld kB   (agrees: %lld kB %s on linux "
                            "under the cgroup's limit)\n",
                            f->name, (long long)da, (long long)db, (long long)(db - da),
                            (long long)(sp.d < 0 ? -sp.d : sp.d),
                            sp.d < 0 ? "more swapped" : "more resident");
            } else if (own_lost && lost_field && da - db == own_lost) {
                t.compared++;
                text_printf(out,
                            "    %-16s %12lld %12lld %12lld kB   (agrees: the cgroup's reclaim "
                            "took %lld kB of the real process's own file pages)\n",
                            f->name, (long long)da, (long long)db, (long long)(db - da),
                            (long long)own_lost);
            } else {
                row(out, &t, f->name, da, db, "kB");
            }
        }
        compare_oom(sim, real, a, b, out, &t);
        for (size_t k = 0; k < a->n_maps; k++) {
            const struct vml_snap_map *mb = find_map(b, a->maps[k].name);
            if (!mb) {
                t.compared++;
                t.differ++;
                text_printf(out, "  mapping %s: missing on linux   <-- differs\n", a->maps[k].name);
                continue;
            }
            compare_map(&a->maps[k], mb, &sp, &nr, out, &t);
        }
    }
    if (sim->pool.taken && real->pool.taken) {
        text_printf(out, "hugetlb pool (2 MiB pages), at the end\n");
        row(out, &t, "HugePages_Total", (int64_t)sim->pool.total, (int64_t)real->pool.total, "");
        row(out, &t, "HugePages_Free", (int64_t)sim->pool.free, (int64_t)real->pool.free, "");
        row(out, &t, "HugePages_Rsvd", (int64_t)sim->pool.rsvd, (int64_t)real->pool.rsvd, "");
        row(out, &t, "HugePages_Surp", (int64_t)sim->pool.surp, (int64_t)real->pool.surp, "");
    }
    for (size_t i = 0; i < sim->n_thp && i < real->n_thp; i++) {
        if (sim->thp[i].tiering)
            compare_tiering(&sim->thp[i], &real->thp[i], out, &t);
        else
            compare_thp(&sim->thp[i], &real->thp[i], out, &t);
    }
    if (sim->n_thp != real->n_thp) {
        t.compared++;
        t.differ++;
        text_printf(out, "show thp/vm: %zu simulated, %zu on linux   <-- differs\n", sim->n_thp,
                    real->n_thp);
    }
    for (size_t i = 0; i < sim->n_ops && i < real->n_ops; i++)
        compare_op(&sim->ops[i], &real->ops[i], dirty_bound(sim, real, sim->ops[i].line),
                   sim->memcg_max_kb == real->memcg_max_kb ? (int64_t)sim->memcg_max_kb : 0,
                   op_swapped(sim, real, &sim->ops[i]), sim->nodes, real->enoent_is_efault,
                   nr.balancing, out, &t);
    if (nr.balancing)
        compare_balancing(sim, real, out, &t);
    if (sim->n_ops != real->n_ops) {
        t.compared++;
        t.differ++;
        text_printf(out, "operations measured: %zu simulated, %zu on linux   <-- differs\n",
                    sim->n_ops, real->n_ops);
    }
    if (sim->n_procs != real->n_procs) {
        t.compared++;
        t.differ++;
        text_printf(out, "processes: %zu simulated, %zu on linux   <-- differs\n", sim->n_procs,
                    real->n_procs);
    }
    *compared = t.compared;
    *skipped = t.skipped;
    return t.differ;
}
