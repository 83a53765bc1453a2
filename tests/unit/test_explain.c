/* test_explain.c: vmlab run --explain's sentences agree with the kernel's counters. Every
 * example is run with the explainer saying every event (VML_EXPLAIN_ALL); the sentences are
 * counted from the text, by kind, and held to the change of the vmstat items over the run
 * (pgfault, pgmajfault, pgreuse, thp_fault_alloc, thp_split_pmd, pswpout, oom_kill, pgscan,
 * pgsteal, pswpin, swpin_zero, swap_ra, workingset_refault/activate/restore, pgmigrate_success
 * and _fail, thp_migration_success, thp_collapse_alloc, compact_stall and _success,
 * compact_daemon_wake, pageoutrun, nr_written, numa_hint_faults: the faults said to be on NUMA
 * hinting entries, PTEs or PMDs). The kinds with no kernel counter are held, per
 * operation, to what the machine measures over it: a fork's page-table pages to the change of
 * nr_page_table_pages; the TLB flushes and IPIs said for munmap, mprotect and fork to the
 * simulator's TLB counters; the frames and tables a munmap, MADV_DONTNEED or exit freed to pgfree.
 * Examples 03, 06, 09, 13 and 41 are held to hand arithmetic (COW copies, fork's copied and
 * write-protected entries, pages unmapped, tables freed, IPIs, hinting faults on PMDs). */
#include "vmlab/vmlab.h"

#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define EXAMPLES VMLAB_FIXTURES "/../../examples"

struct counts;

struct watch {
    struct vml_run_hooks x;
    struct vml_vmstat before;
    bool started;
    /* Per operation: the machine's figures before it, and the checks made after it. */
    struct vml_vmstat op_before;
    struct vml_sim_stats tlb_before;
    unsigned checked_fork, checked_tlb, checked_freed, checked_cold;
};

static void before(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b)
{
    struct watch *w = ctx;
    struct vml_sim *sim = b->sim(b->ctx);
    if (!w->started && sim) {
        vml_sim_vmstat(sim, &w->before);
        w->started = true;
    }
    if (sim) {
        vml_sim_vmstat(sim, &w->op_before);
        w->tlb_before = *vml_sim_stats(sim);
    }
    w->x.before_op(w->x.ctx, i, op, b);
}

static void count(const char *text, struct counts *c);

struct counts {
    uint64_t faults, major, reuse, cow_shared2, thp, split, swapped, oom, scanned, stolen;
    uint64_t forks, fork_copied, fork_wp, fork_shared, fork_tables;
    uint64_t zaps, zap_pages, zap_freed, zap_tables, zap_swapents;
    uint64_t mprotects, mprotect_changed;
    uint64_t colds, cold_deactivated, cold_young, cold_isolated;
    uint64_t flushes, shootdowns; /* of the fork, unmap and mprotect sentences */
    uint64_t swapin, swapin_zero, swap_ra, refault, activate, restore;
    uint64_t migrated, migrate_thp, migrate_fail, collapse, compact, compact_ok, kcompactd;
    uint64_t kswapd, written, file_pages, file_reads, file_sync;
    uint64_t hints, hint_pmds; /* faults on NUMA hinting entries, and those on a PMD */
};

/* After each operation, the kinds with no kernel counter against what the machine measured
 * over the operation alone. */
static void after(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b, int err,
                  struct vml_text *out)
{
    struct watch *w = ctx;
    size_t from = out->len;
    w->x.after_op(w->x.ctx, i, op, b, err, out);
    struct vml_sim *sim = b->sim(b->ctx);
    if (!sim || !out->s)
        return;
    struct counts c;
    count(out->s + from, &c);
    struct vml_vmstat now;
    vml_sim_vmstat(sim, &now);
    const struct vml_sim_stats *tlb = vml_sim_stats(sim);
    uint64_t d_flush = tlb->tlb_flushes - w->tlb_before.tlb_flushes,
             d_ipi = tlb->tlb_shootdowns - w->tlb_before.tlb_shootdowns;
#define OP_DELTA(item) (now.v[VML_VMSTAT_##item] - w->op_before.v[VML_VMSTAT_##item])
    /* An operation whose only work is one of these kinds (no fault, PMD split, swap-out or
     * migration, each of which may flush or free too). */
    bool alone = c.faults == 0 && c.swapped == 0 && c.migrated == 0 && c.collapse == 0 &&
                 c.split == 0 && c.scanned == 0 && c.oom == 0;
    if (op->kind == VML_OP_FORK && err == 0) {
        assert_int_equal(c.forks, 1);
        assert_int_equal(c.fork_tables, OP_DELTA(nr_page_table_pages));
        w->checked_fork++;
    }
    /* An madvise that zaps (DONTNEED, REMOVE) or deactivates (COLD, PAGEOUT) says its flushes;
     * other advice flushes nothing. */
    if (alone && (op->kind == VML_OP_FORK || op->kind == VML_OP_MUNMAP ||
                  op->kind == VML_OP_MPROTECT || op->kind == VML_OP_MADVISE)) {
        if (c.flushes != d_flush || c.shootdowns != d_ipi)
            fail_msg("line %u: sentences say %" PRIu64 " flushes, %" PRIu64
                     " IPIs; the TLB counters moved by %" PRIu64 ", %" PRIu64,
                     op->line, c.flushes, c.shootdowns, d_flush, d_ipi);
        w->checked_tlb++;
    }
    if (alone &&
        (op->kind == VML_OP_MUNMAP || op->kind == VML_OP_MADVISE || op->kind == VML_OP_EXIT) &&
        c.zaps) {
        if (c.zap_freed + c.zap_tables != OP_DELTA(pgfree))
            fail_msg("line %u: %" PRIu64 " frames and %" PRIu64
                     " tables said freed, pgfree moved by %" PRIu64,
                     op->line, c.zap_freed, c.zap_tables, OP_DELTA(pgfree));
        w->checked_freed++;
    }
    if (op->kind == VML_OP_MADVISE && c.colds) {
        /* MADV_PAGEOUT's reclaim may deactivate too (shrink_folio_list keeps some): the walk's
         * own count can only be less than the counter's change. */
        if (c.scanned == 0 ? c.cold_deactivated != OP_DELTA(pgdeactivate)
                           : c.cold_deactivated > OP_DELTA(pgdeactivate))
            fail_msg("line %u: %" PRIu64 " pages said deactivated, pgdeactivate moved by %" PRIu64,
                     op->line, c.cold_deactivated, OP_DELTA(pgdeactivate));
        w->checked_cold++;
    }
#undef OP_DELTA
}

/* Counts the sentences of the text by kind (the text also holds what show lines printed, none
 * of which begins as a sentence does). */
static void count(const char *text, struct counts *c)
{
    memset(c, 0, sizeof(*c));
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        char line[1024];
        size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
        memcpy(line, p, k);
        line[k] = 0;
        uint64_t a, b, v[4];
        if (strncmp(line, "   read fault at ", 17) == 0 ||
            strncmp(line, "   write fault at ", 18) == 0 ||
            strncmp(line, "   instruction fetch fault at ", 30) == 0) {
            c->faults++;
            c->major += strstr(line, "(major)") != NULL;
            c->hints += strstr(line, ", a NUMA hinting ") != NULL;
            c->hint_pmds += strstr(line, ", a NUMA hinting PMD: ") != NULL;
        } else if (strncmp(line, "     COW: only this process maps", 32) == 0) {
            c->reuse++;
        } else if (strncmp(line, "     COW: the page is shared by 2,", 34) == 0) {
            c->cow_shared2++;
        } else if (strncmp(line, "     THP fault:", 15) == 0) {
            c->thp++;
        } else if (strncmp(line, "   PMD split at", 15) == 0) {
            c->split++;
        } else if (sscanf(line, "   swap-out: %" SCNu64 " page", &a) == 1) {
            c->swapped += a;
        } else if (strncmp(line, "   OOM kill:", 12) == 0) {
            c->oom++;
        } else if (sscanf(line,
                          "   fork (copy_page_range): %" SCNu64 " page-table entr%*[a-z ], %" SCNu64
                          " write-protected in both for copy-on-write; %" SCNu64
                          " anonymous page%*[a-z ]; %" SCNu64
                          " page-table page%*[a-z ]; TLB: %" SCNu64 " flush%*[a-z,] %" SCNu64
                          " shootdown",
                          &a, &b, &v[0], &v[1], &v[2], &v[3]) == 6) {
            c->forks++, c->fork_copied += a, c->fork_wp += b, c->fork_shared += v[0];
            c->fork_tables += v[1], c->flushes += v[2], c->shootdowns += v[3];
        } else if (sscanf(line,
                          "   unmap (zap_pte_range): %" SCNu64
                          " page%*[a-z ](RSS -%*u kB), %" SCNu64 " frame%*[a-z ], %" SCNu64
                          " page-table page%*[a-z ], %" SCNu64 " swap entr%*[a-z ]; TLB: %" SCNu64
                          " flush%*[a-z,] %" SCNu64 " shootdown",
                          &a, &b, &v[0], &v[1], &v[2], &v[3]) == 6) {
            c->zaps++, c->zap_pages += a, c->zap_freed += b, c->zap_tables += v[0];
            c->zap_swapents += v[1], c->flushes += v[2], c->shootdowns += v[3];
        } else if (sscanf(line,
                          "   mprotect (change_protection): %" SCNu64
                          " page-table entr%*[a-z ]; TLB: %" SCNu64 " flush%*[a-z,] %" SCNu64
                          " shootdown",
                          &a, &v[0], &v[1]) == 3) {
            c->mprotects++, c->mprotect_changed += a, c->flushes += v[0], c->shootdowns += v[1];
        } else if (sscanf(line,
                          "   madvise cold/pageout (madvise_cold_or_pageout_pte_range): %" SCNu64
                          " page%*[a-z ](pgdeactivate), %" SCNu64 " accessed bit%*[a-z ], %" SCNu64
                          " page%*[a-z ]; TLB: %" SCNu64 " flush%*[a-z,] %" SCNu64 " shootdown",
                          &a, &b, &v[0], &v[1], &v[2]) == 5) {
            c->colds++, c->cold_deactivated += a, c->cold_young += b, c->cold_isolated += v[0];
            c->flushes += v[1], c->shootdowns += v[2];
        } else if (sscanf(line,
                          "   swap-in: %" SCNu64 " page%*[a-z ](pswpin), %" SCNu64
                          " filled with zeros without a read (swpin_zero); %" SCNu64,
                          &a, &b, &v[0]) == 3) {
            c->swapin += a, c->swapin_zero += b, c->swap_ra += v[0];
        } else if (sscanf(line,
                          "   workingset: %" SCNu64 " page%*[a-z ](workingset_refault), %" SCNu64
                          " activated as recently evicted (workingset_activate), %" SCNu64,
                          &a, &b, &v[0]) == 3) {
            c->refault += a, c->activate += b, c->restore += v[0];
        } else if (sscanf(line,
                          "   page migration: %" SCNu64 " page%*[a-z ](pgmigrate_success), %" SCNu64
                          " THPs moved whole (thp_migration_success), %" SCNu64,
                          &a, &b, &v[0]) == 3) {
            c->migrated += a, c->migrate_thp += b, c->migrate_fail += v[0];
        } else if (sscanf(line, "   khugepaged collapse: %" SCNu64 " 2 MiB", &a) == 1) {
            c->collapse += a;
        } else if (sscanf(line,
                          "   direct compaction: the allocating process moved pages to make a "
                          "free block %" SCNu64 " time%*[a-z ](compact_stall), %" SCNu64,
                          &a, &b) == 2) {
            c->compact += a, c->compact_ok += b;
        } else if (sscanf(line, "   kcompactd: woke %" SCNu64 " time", &a) == 1) {
            c->kcompactd += a;
        } else if (sscanf(line, "   kswapd: %" SCNu64 " balance pass", &a) == 1) {
            c->kswapd += a;
        } else if (sscanf(
                       line,
                       "   page cache: %" SCNu64 " file page%*[a-z ]%" SCNu64
                       " read%*[a-z ](a missing page, or a readahead window around it), %" SCNu64,
                       &a, &b, &v[0]) == 3) {
            c->file_pages += a, c->file_reads += b, c->file_sync += v[0];
        } else if (sscanf(line, "   writeback: %" SCNu64 " page", &a) == 1) {
            c->written += a;
        } else if (strncmp(line, "   reclaim by ", 14) == 0) {
            const char *q = strchr(line + 14, ':');
            if (q && sscanf(q, ": %" SCNu64 " %*s pages scanned on the LRU lists, %" SCNu64, &a,
                            &b) == 2) {
                c->scanned += a;
                c->stolen += b;
            }
        }
        p += n + (p[n] == '\n');
    }
}

static uint64_t delta(const struct vml_vmstat *a, const struct vml_vmstat *b,
                      enum vml_vmstat_item i)
{
    return b->v[i] - a->v[i];
}

static void run_one(const char *path, struct counts *c, struct vml_vmstat *d, struct watch *wo)
{
    struct vml_scenario *s = NULL;
    struct vml_diag diag = { 0 };
    assert_int_equal(vml_scenario_load(path, &s, &diag), 0);
    struct vml_backend b;
    assert_int_equal(vml_backend_sim(&b), 0);
    struct vml_explain *x = vml_explain_new(VML_EXPLAIN_ALL, NULL);
    assert_non_null(x);
    struct watch w = { 0 };
    vml_explain_hooks(x, &w.x);
    struct vml_run_hooks h = { .ctx = &w, .before_op = before, .after_op = after };
    struct vml_text out = { 0 }, report = { 0 };
    struct vml_run_result res;
    int r = vml_run_hooked(s, &b, 0, &out, &report, &res, NULL, &h, &diag);
    if (r != 0)
        fail_msg("%s: %s", path, diag.msg);
    struct vml_sim *sim = b.sim(b.ctx);
    struct vml_vmstat end;
    vml_sim_vmstat(sim, &end);
    vml_sim_set_event_hook(sim, NULL, NULL);
    for (int i = 0; i < VML_VMSTAT_NR; i++)
        d->v[i] = end.v[i] - w.before.v[i];
    count(out.s, c);
    /* The explainer's own tally agrees with its text too. */
    const struct vml_explain_tally *t = vml_explain_tally(x);
    assert_int_equal(t->ev[VML_EV_FAULT], c->faults);
    b.destroy(b.ctx);
    vml_explain_free(x);
    vml_text_free(&out);
    vml_text_free(&report);
    vml_scenario_free(s);
    if (wo)
        *wo = w;
}

static void every_example_agrees(void **state)
{
    (void)state;
    DIR *dir = opendir(EXAMPLES);
    assert_non_null(dir);
    struct dirent *de;
    unsigned n = 0;
    uint64_t faults = 0, cows = 0, splits = 0, swapped = 0, ooms = 0, thps = 0;
    uint64_t forks = 0, zaps = 0, mprotects = 0, swapins = 0, refaults = 0, migrated = 0,
             migrate_fails = 0, collapses = 0, compacts = 0, kcompactds = 0, kswapds = 0,
             written = 0, checked_fork = 0, checked_tlb = 0, checked_freed = 0, checked_cold = 0,
             hints = 0, hint_pmds = 0;
    while ((de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".vml") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", EXAMPLES, de->d_name);
        struct counts c;
        struct vml_vmstat d = { 0 }, z = { 0 };
        struct watch w;
        run_one(path, &c, &d, &w);
#define AGREE(have, item)                                                                          \
    do {                                                                                           \
        if ((have) != delta(&z, &d, VML_VMSTAT_##item))                                            \
            fail_msg("%s: %" PRIu64 " sentences, %s moved by %" PRIu64, de->d_name,                \
                     (uint64_t)(have), #item, delta(&z, &d, VML_VMSTAT_##item));                   \
    } while (0)
        AGREE(c.faults, pgfault);
        AGREE(c.major, pgmajfault);
        AGREE(c.reuse, pgreuse);
        AGREE(c.thp, thp_fault_alloc);
        AGREE(c.split, thp_split_pmd);
        AGREE(c.swapped, pswpout);
        AGREE(c.oom, oom_kill);
        assert_int_equal(c.scanned, d.v[VML_VMSTAT_pgscan_anon] + d.v[VML_VMSTAT_pgscan_file]);
        assert_int_equal(c.stolen, d.v[VML_VMSTAT_pgsteal_anon] + d.v[VML_VMSTAT_pgsteal_file]);
        AGREE(c.swapin, pswpin);
        AGREE(c.swapin_zero, swpin_zero);
        AGREE(c.swap_ra, swap_ra);
        assert_int_equal(c.refault, d.v[VML_VMSTAT_workingset_refault_anon] +
                                        d.v[VML_VMSTAT_workingset_refault_file]);
        assert_int_equal(c.activate, d.v[VML_VMSTAT_workingset_activate_anon] +
                                         d.v[VML_VMSTAT_workingset_activate_file]);
        assert_int_equal(c.restore, d.v[VML_VMSTAT_workingset_restore_anon] +
                                        d.v[VML_VMSTAT_workingset_restore_file]);
        AGREE(c.migrated, pgmigrate_success);
        AGREE(c.migrate_thp, thp_migration_success);
        AGREE(c.migrate_fail, pgmigrate_fail);
        AGREE(c.collapse, thp_collapse_alloc);
        AGREE(c.compact, compact_stall);
        AGREE(c.compact_ok, compact_success);
        AGREE(c.kcompactd, compact_daemon_wake);
        AGREE(c.kswapd, pageoutrun);
        AGREE(c.written, nr_written);
        AGREE(c.hints, numa_hint_faults);
        hints += c.hints, hint_pmds += c.hint_pmds;
        forks += c.forks, zaps += c.zaps, mprotects += c.mprotects, swapins += c.swapin;
        refaults += c.refault, migrated += c.migrated, migrate_fails += c.migrate_fail;
        collapses += c.collapse, compacts += c.compact, kcompactds += c.kcompactd;
        kswapds += c.kswapd, written += c.written;
        checked_fork += w.checked_fork, checked_tlb += w.checked_tlb;
        checked_freed += w.checked_freed, checked_cold += w.checked_cold;
        faults += c.faults;
        cows += c.cow_shared2;
        splits += c.split;
        swapped += c.swapped;
        ooms += c.oom;
        thps += c.thp;
        n++;
    }
    closedir(dir);
    assert_true(n >= 30);
    /* The examples exercise each kind, so no comparison above is vacuous. */
    assert_true(faults > 0 && cows > 0 && splits > 0 && swapped > 0 && ooms > 0 && thps > 0);
    assert_true(forks > 0 && zaps > 0 && mprotects > 0 && swapins > 0 && refaults > 0);
    assert_true(migrated > 0 && collapses > 0 && compacts > 0 && kcompactds > 0 && kswapds > 0);
    assert_true(written > 0);
    assert_true(hints > hint_pmds && hint_pmds > 0); /* PTE and PMD hinting faults both */
    assert_true(checked_fork > 0 && checked_tlb > 0 && checked_freed > 0 && checked_cold > 0);
    assert_true(migrate_fails > 0); /* example 42's move_pages to a full node */
}

/* NUMA balancing of THPs (examples/41): four hinting PMDs fault once each (two local), each
 * sentence a PMD's; far's two THPs migrate whole: 2 x 512 pages, 2 THPs, none failed. */
static void numa_thp_by_hand(void **state)
{
    (void)state;
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(EXAMPLES "/41-numa-balancing-thp.vml", &c, &d, NULL);
    assert_int_equal(c.hints, 4);
    assert_int_equal(c.hint_pmds, 4);
    assert_int_equal(c.migrated, 1024);
    assert_int_equal(c.migrate_thp, 2);
    assert_int_equal(c.migrate_fail, 0);
}

static void cow_after_fork_by_hand(void **state)
{
    (void)state;
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(EXAMPLES "/03-cow-after-fork.vml", &c, &d, NULL);
    /* parent writes 1 MiB: 256 faults; child writes 512 KiB: 128 faults, each a copy of a page
     * shared by 2; parent writes 4 KiB it alone maps now: 1 fault, reused. */
    assert_int_equal(c.faults, 256 + 128 + 1);
    assert_int_equal(c.cow_shared2, 128);
    assert_int_equal(c.reuse, 1);
    assert_int_equal(c.major, 0);
    /* fork of the 1 MiB buffer the parent wrote: its 256 PTEs copied, all writable, so all
     * write-protected, and 256 anonymous pages shared; one flush of the parent's TLB. */
    assert_int_equal(c.forks, 1);
    assert_int_equal(c.fork_copied, 256);
    assert_int_equal(c.fork_wp, 256);
    assert_int_equal(c.fork_shared, 256);
}

/* munmap and mprotect of a touched 16 MiB buffer (examples/06): mprotect of buf[4M:8M] changes
 * 1024 entries, twice; munmap of buf[8M:12M] unmaps 1024 pages and frees their 1024 frames,
 * and free_pgtables the 2 PTE tables of that 2 MiB-aligned 4 MiB (the buffer starts on a 2 MiB
 * boundary: mmap_base's alignment for a 16 MiB anonymous mapping). One flush each, no IPI:
 * one CPU. */
static void munmap_mprotect_by_hand(void **state)
{
    (void)state;
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(EXAMPLES "/06-munmap-mprotect-split.vml", &c, &d, NULL);
    assert_int_equal(c.mprotects, 2);
    assert_int_equal(c.mprotect_changed, 2 * 1024);
    assert_int_equal(c.zap_pages, 1024);
    assert_int_equal(c.zap_freed, 1024);
    assert_int_equal(c.zap_tables, 2);
    assert_int_equal(c.flushes, 3);
    assert_int_equal(c.shootdowns, 0);
}

/* MADV_DONTNEED of buf[0:16M] of a touched 32 MiB buffer (examples/09): 4096 pages unmapped,
 * their 4096 frames freed, and the 8 PTE tables of those 16 MiB (the example's VmPTE falls by
 * 32 kB). */
static void dontneed_by_hand(void **state)
{
    (void)state;
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(EXAMPLES "/09-madv-dontneed.vml", &c, &d, NULL);
    assert_int_equal(c.zaps, 1);
    assert_int_equal(c.zap_pages, 4096);
    assert_int_equal(c.zap_freed, 4096);
    assert_int_equal(c.zap_tables, 8);
}

/* MADV_COLD of a shared file mapping whose 1 MiB of cache a second read made active: the
 * walk finds 256 young entries (every page mapped by the touch's fault-around), clears each
 * accessed bit with one flush (one CPU: no IPI), and moves the 256 active pages to the
 * inactive file list (folio_deactivate: pgdeactivate 256). Nothing is isolated: MADV_COLD
 * does not reclaim. */
static void madvise_cold_by_hand(void **state)
{
    (void)state;
    char path[] = "/tmp/vmlab-test-explain-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char scn[] = "machine ram=1G\n"
                              "file create f 1M\n"
                              "proc a\n"
                              "a read f\n"
                              "a read f\n"
                              "a mmap m 1M file=f shared r\n"
                              "a touch m read\n"
                              "a madvise m cold\n";
    assert_int_equal(write(fd, scn, sizeof(scn) - 1), (ssize_t)(sizeof(scn) - 1));
    close(fd);
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(path, &c, &d, NULL);
    unlink(path);
    assert_int_equal(c.colds, 1);
    assert_int_equal(c.cold_deactivated, 256);
    assert_int_equal(c.cold_young, 256);
    assert_int_equal(c.cold_isolated, 0);
    assert_int_equal(c.flushes, 256);
    assert_int_equal(c.shootdowns, 0);
    assert_int_equal(d.v[VML_VMSTAT_pgdeactivate], 256);
}

/* examples/13: the process on CPUs 0-2 munmaps 64 KiB (16 pages) and mprotects 1 MiB (256
 * entries): one flush and two IPIs each; the one on CPU 3 the same with no IPI. */
static void shootdowns_by_hand(void **state)
{
    (void)state;
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(EXAMPLES "/13-tlb-shootdown.vml", &c, &d, NULL);
    assert_int_equal(c.zap_pages, 2 * 16);
    assert_int_equal(c.mprotect_changed, 2 * 256);
    assert_int_equal(c.flushes, 4);
    assert_int_equal(c.shootdowns, 2 + 2);
}

/* examples/21: a process reads a cold 1 MiB file through a private mapping with readahead at
 * 128 KiB: every one of its 256 pages is read from the disk once, in windows of 128 KiB (32
 * pages: do_sync_mmap_readahead's ra_pages, then page_cache_async_ra's windows of the same
 * size), so 8 reads; the process waits for the first only (its one major fault). */
static void file_readahead_by_hand(void **state)
{
    (void)state;
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(EXAMPLES "/21-cold-read-hdd.vml", &c, &d, NULL);
    assert_int_equal(c.file_pages, (1 << 20) / 4096);
    assert_int_equal(c.file_reads, (1 << 20) / (128 << 10));
    assert_int_equal(c.file_sync, 1);
    assert_int_equal(c.major, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_example_agrees), cmocka_unit_test(cow_after_fork_by_hand),
        cmocka_unit_test(numa_thp_by_hand),     cmocka_unit_test(munmap_mprotect_by_hand),
        cmocka_unit_test(dontneed_by_hand),     cmocka_unit_test(shootdowns_by_hand),
        cmocka_unit_test(madvise_cold_by_hand), cmocka_unit_test(file_readahead_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
