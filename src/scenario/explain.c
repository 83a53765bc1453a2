/* scenario/explain.c: vmlab run --explain, sentences from the simulator's event stream.
 *
 * Each sentence is made from one event (vml_sim_set_event_hook), and each event is the act of
 * counting a vmstat item, so a test can hold the sentences to the counters. A fault's own
 * events (a COW copy, a THP allocation) come before the fault's event, which ends it: they are
 * held until it arrives and said after the fault's sentence.
 */
#include "util/grow.h"
#include "util/text.h"
#include "vmlab/explain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sentences of one kind said in full per operation (VML_EXPLAIN_FULL); the rest are counted. */
#define EXPLAIN_FIRST 8

struct vml_explain {
    enum vml_explain_mode mode;
    char **lines; /* the scenario's lines (NULL: none) */
    size_t n_lines;
    struct vml_sim *sim; /* the machine whose hook is set */
    struct vml_text op;  /* this operation's sentences */
    struct vml_event *held;
    size_t n_held, cap_held;
    /* This operation's tallies. */
    struct vml_explain_tally now;
    uint64_t said; /* fault sentences said in full this operation */
    uint64_t said_other;
    int64_t rss_pages;
    uint64_t tlb_flushes;
    /* Reclaim is summed per operation (one scan per LRU list would be a flood). */
    uint64_t rc_scanned[2][2], rc_stolen[2][2]; /* [kswapd][file] */
    struct vml_explain_tally total;
};

static const char *access_name(enum vml_access a)
{
    return a == VML_WRITE ? "write" : a == VML_EXEC ? "instruction fetch" : "read";
}

static void say_rss(struct vml_text *t, int64_t pages)
{
    if (pages == 0)
        text_printf(t, "RSS unchanged");
    else
        text_printf(t, "RSS %+" PRId64 " kB", pages * 4);
}

static void say_held(struct vml_explain *x, const struct vml_event *e)
{
    struct vml_text *t = &x->op;
    switch (e->kind) {
    case VML_EV_COW_COPY:
        if (e->file)
            text_printf(t,
                        "     COW: a write to a private file mapping: the file page is "
                        "copied to frame 0x%" PRIx64 ", which this process alone maps\n",
                        e->pfn);
        else if (e->zero_page)
            text_printf(t,
                        "     COW: the page was the shared zero page: a zeroed frame 0x%" PRIx64
                        " replaces it\n",
                        e->pfn);
        else
            text_printf(
                t, "     COW: the page is shared by %" PRIu64 ", copied to frame 0x%" PRIx64 "\n",
                e->n, e->pfn);
        break;
    case VML_EV_COW_REUSE:
        text_printf(t, "     COW: only this process maps the page: made writable in place, no "
                       "copy (pgreuse)\n");
        break;
    case VML_EV_THP_FAULT:
        text_printf(t,
                    "     THP fault: a 2 MiB page (frames 0x%" PRIx64 "-0x%" PRIx64
                    ") mapped by one PMD entry (thp_fault_alloc)\n",
                    e->pfn, e->pfn + 511);
        break;
    default: break;
    }
}

/* The fault's sentence: what was there, what the kernel did, the entry it wrote, RSS, TLB. */
static void say_fault(struct vml_explain *x, const struct vml_event *e)
{
    struct vml_text *t = &x->op;
    text_printf(t, "   %s fault at 0x%" PRIx64 ": ", access_name(e->access), e->addr);
    if (e->result) {
        text_printf(t, "%s\n",
                    e->result == VML_SEGV_MAPERR   ? "no mapping there: SIGSEGV"
                    : e->result == VML_SEGV_ACCERR ? "the mapping does not allow it: "
                                                     "SIGSEGV"
                                                   : vml_strerror(e->result));
        return;
    }
    const char *what = e->vma_file     ? (e->vma_shared ? "shared file" : "private file")
                       : e->vma_shared ? "shared anonymous"
                                       : "anonymous";
    switch (e->path) {
    case VML_FP_SPURIOUS:
        text_printf(t, "%s, present and allowed: nothing to change (a stale TLB entry)", what);
        break;
    case VML_FP_WP: text_printf(t, "%s, present but read-only", what); break;
    case VML_FP_NUMA:
        if (e->level == 2)
            text_printf(t,
                        "%s, a NUMA hinting PMD: the 2 MiB THP made present again, whole, on "
                        "node %u",
                        what, e->node);
        else
            text_printf(t, "%s, a NUMA hinting entry: made present again on node %u", what,
                        e->node);
        break;
    case VML_FP_SWAP:
        text_printf(t, "%s, swapped out: %s", what,
                    e->major ? "read back from swap (major)" : "found in the swap cache");
        break;
    case VML_FP_HUGETLB: text_printf(t, "hugetlb, not present: a pool page"); break;
    case VML_FP_FILE:
        text_printf(t, "%s, not present: %s", what,
                    e->major ? "read from the disk into the page cache (major)"
                             : "the page is in the page cache");
        break;
    case VML_FP_ANON:
        text_printf(t, "%s, not present", what);
        if (e->pfn && e->zero_page)
            text_printf(t, "; the shared %szero page (frame 0x%" PRIx64 ") mapped read-only",
                        e->level == 2 ? "huge " : "", e->pfn);
        else if (e->pfn)
            text_printf(t, "; frame 0x%" PRIx64 " (node %u) allocated and zeroed", e->pfn, e->node);
        break;
    }
    if (e->pfn && e->path != VML_FP_ANON)
        text_printf(t, "; frame 0x%" PRIx64 " (node %u)", e->pfn, e->node);
    if (e->level)
        text_printf(t, "; %s entry 0x%016" PRIx64 " %s in table frame 0x%" PRIx64,
                    e->level == 1   ? "PT"
                    : e->level == 2 ? "PMD"
                                    : "PUD",
                    e->entry, e->path == VML_FP_SPURIOUS ? "already" : "written", e->table_pfn);
    text_printf(t, "; ");
    say_rss(t, e->rss_pages);
    if (e->tlb_flushes)
        text_printf(t, "; TLB: %" PRIu64 " invalidation%s\n", e->tlb_flushes,
                    e->tlb_flushes == 1 ? "" : "s");
    else
        text_printf(t, e->present ? "; TLB: no flush (the faulting CPU dropped its entry)\n"
                                  : "; TLB: no entry to invalidate\n");
}

static void tally(struct vml_explain_tally *t, const struct vml_event *e)
{
    t->ev[e->kind]++;
    if (e->kind == VML_EV_FAULT) {
        t->faults_by[e->access < VML_NR_ACCESS ? e->access : 0]++;
        t->major += e->major;
    } else if (e->kind == VML_EV_SWAP_OUT) {
        t->swapped_out += e->n;
    } else if (e->kind == VML_EV_RECLAIM) {
        t->scanned += e->n;
        t->stolen += e->n2;
    } else if (e->kind > VML_EV_OOM_KILL && e->kind < VML_EV_NR) {
        struct vml_explain_sum *s = &t->sum[e->kind];
        s->n += e->n;
        s->n2 += e->n2;
        s->n3 += e->n3;
        s->tables += e->tables;
        s->flushes += e->tlb_flushes;
        s->shootdowns += e->tlb_shootdowns;
    }
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void say_tlb(struct vml_text *t, const struct vml_explain_sum *s)
{
    text_printf(t, "TLB: %" PRIu64 " flush%s, %" PRIu64 " shootdown IPI%s", s->flushes,
                plural(s->flushes, "", "es"), s->shootdowns, plural(s->shootdowns, "", "s"));
}

/* The sentences of the kinds summed per operation (a fork, a zap, page migration, writeback
 * ...: one per kind, its figures the operation's sums). */
static void say_sums(const struct vml_explain_tally *n, struct vml_text *t)
{
    const struct vml_explain_sum *s = n->sum;
    if (n->ev[VML_EV_FORK]) {
        s = &n->sum[VML_EV_FORK];
        text_printf(t,
                    "   fork (copy_page_range): %" PRIu64 " page-table entr%s copied to the "
                    "child, %" PRIu64 " write-protected in both for copy-on-write; %" PRIu64
                    " anonymous page%s now shared; %" PRIu64
                    " page-table page%s allocated for the child; ",
                    s->n, plural(s->n, "y", "ies"), s->n2, s->n3, plural(s->n3, "", "s"), s->tables,
                    plural(s->tables, "", "s"));
        say_tlb(t, s);
        text_printf(t, "\n");
    }
    if (n->ev[VML_EV_ZAP]) {
        s = &n->sum[VML_EV_ZAP];
        text_printf(t,
                    "   unmap (zap_pte_range): %" PRIu64 " page%s unmapped (RSS -%" PRIu64
                    " kB), %" PRIu64 " frame%s freed, %" PRIu64 " page-table page%s freed, %" PRIu64
                    " swap entr%s dropped; ",
                    s->n, plural(s->n, "", "s"), s->n * 4, s->n2, plural(s->n2, "", "s"), s->tables,
                    plural(s->tables, "", "s"), s->n3, plural(s->n3, "y", "ies"));
        say_tlb(t, s);
        text_printf(t, "\n");
    }
    if (n->ev[VML_EV_MPROTECT]) {
        s = &n->sum[VML_EV_MPROTECT];
        text_printf(t, "   mprotect (change_protection): %" PRIu64 " page-table entr%s changed; ",
                    s->n, plural(s->n, "y", "ies"));
        say_tlb(t, s);
        text_printf(t, "\n");
    }
    if (n->ev[VML_EV_DEACTIVATE]) {
        s = &n->sum[VML_EV_DEACTIVATE];
        text_printf(t,
                    "   madvise cold/pageout (madvise_cold_or_pageout_pte_range): %" PRIu64
                    " page%s moved to the inactive list (pgdeactivate), %" PRIu64
                    " accessed bit%s cleared, %" PRIu64 " page%s isolated for reclaim now; ",
                    s->n, plural(s->n, "", "s"), s->n2, plural(s->n2, "", "s"), s->n3,
                    plural(s->n3, "", "s"));
        say_tlb(t, s);
        text_printf(t, "\n");
    }
    if (n->ev[VML_EV_SWAP_IN]) {
        s = &n->sum[VML_EV_SWAP_IN];
        text_printf(t,
                    "   swap-in: %" PRIu64 " page%s read from the swap device (pswpin), %" PRIu64
                    " filled with zeros without a read (swpin_zero); %" PRIu64
                    " of them read ahead of the fault (swap_ra)\n",
                    s->n, plural(s->n, "", "s"), s->n2, s->n3);
    }
    if (n->ev[VML_EV_REFAULT]) {
        s = &n->sum[VML_EV_REFAULT];
        text_printf(t,
                    "   workingset: %" PRIu64 " page%s refaulted after eviction "
                    "(workingset_refault), %" PRIu64 " activated as recently evicted "
                    "(workingset_activate), %" PRIu64 " restored (workingset_restore)\n",
                    s->n, plural(s->n, "", "s"), s->n2, s->n3);
    }
    if (n->ev[VML_EV_MIGRATE]) {
        s = &n->sum[VML_EV_MIGRATE];
        text_printf(t,
                    "   page migration: %" PRIu64 " page%s moved to new frames "
                    "(pgmigrate_success), %" PRIu64 " THPs moved whole "
                    "(thp_migration_success), %" PRIu64 " pages failed (pgmigrate_fail)\n",
                    s->n, plural(s->n, "", "s"), s->n3, s->n2);
    }
    if (n->ev[VML_EV_COLLAPSE])
        text_printf(t,
                    "   khugepaged collapse: %" PRIu64 " 2 MiB page%s allocated, each mapped "
                    "by one PMD entry in place of a table of 512 PTEs (thp_collapse_alloc)\n",
                    n->sum[VML_EV_COLLAPSE].n, plural(n->sum[VML_EV_COLLAPSE].n, "", "s"));
    if (n->ev[VML_EV_COMPACT])
        text_printf(t,
                    "   direct compaction: the allocating process moved pages to make a free "
                    "block %" PRIu64 " time%s (compact_stall), %" PRIu64
                    " then allocated (compact_success)\n",
                    n->sum[VML_EV_COMPACT].n, plural(n->sum[VML_EV_COMPACT].n, "", "s"),
                    n->sum[VML_EV_COMPACT].n2);
    if (n->ev[VML_EV_KCOMPACTD])
        text_printf(t,
                    "   kcompactd: woke %" PRIu64 " time%s to compact a node "
                    "(compact_daemon_wake)\n",
                    n->ev[VML_EV_KCOMPACTD], plural(n->ev[VML_EV_KCOMPACTD], "", "s"));
    if (n->ev[VML_EV_KSWAPD])
        text_printf(t, "   kswapd: %" PRIu64 " balance pass%s over its node (pageoutrun)\n",
                    n->ev[VML_EV_KSWAPD], plural(n->ev[VML_EV_KSWAPD], "", "es"));
    if (n->ev[VML_EV_FILE_READ]) {
        s = &n->sum[VML_EV_FILE_READ];
        uint64_t reads = n->ev[VML_EV_FILE_READ];
        text_printf(t,
                    "   page cache: %" PRIu64 " file page%s read from the disk in %" PRIu64
                    " read%s (a missing page, or a readahead window around it), %" PRIu64
                    " of the reads waited for by the process\n",
                    s->n, plural(s->n, "", "s"), reads, plural(reads, "", "s"), s->n3);
    }
    if (n->ev[VML_EV_WRITEBACK])
        text_printf(t, "   writeback: %" PRIu64 " page%s written to the disk (nr_written)\n",
                    n->sum[VML_EV_WRITEBACK].n, plural(n->sum[VML_EV_WRITEBACK].n, "", "s"));
}

static void on_event(void *ctx, const struct vml_event *e)
{
    struct vml_explain *x = ctx;
    tally(&x->now, e);
    tally(&x->total, e);
    if (e->kind > VML_EV_OOM_KILL)
        return; /* summed per operation: said by say_sums */
    bool full =
        x->mode == VML_EXPLAIN_ALL || (x->mode == VML_EXPLAIN_FULL && x->said < EXPLAIN_FIRST);
    switch (e->kind) {
    case VML_EV_COW_COPY:
    case VML_EV_COW_REUSE:
    case VML_EV_THP_FAULT:
        /* Part of the fault now being handled: said after it. */
        if (x->mode != VML_EXPLAIN_BRIEF &&
            !util_grow((void **)&x->held, &x->cap_held, x->n_held, sizeof(*x->held)))
            x->held[x->n_held++] = *e;
        return;
    case VML_EV_FAULT:
        x->rss_pages += e->rss_pages;
        x->tlb_flushes += e->tlb_flushes;
        if (full) {
            say_fault(x, e);
            for (size_t i = 0; i < x->n_held; i++)
                say_held(x, &x->held[i]);
            x->said++;
        }
        x->n_held = 0;
        return;
    case VML_EV_RECLAIM:
        x->rc_scanned[e->kswapd][e->file] += e->n;
        x->rc_stolen[e->kswapd][e->file] += e->n2;
        return;
    default: break;
    }
    if (x->mode == VML_EXPLAIN_BRIEF)
        return;
    if (x->mode == VML_EXPLAIN_FULL && x->said_other >= EXPLAIN_FIRST)
        return;
    x->said_other++;
    struct vml_text *t = &x->op;
    switch (e->kind) {
    case VML_EV_SPLIT_PMD:
        text_printf(t,
                    "   PMD split at 0x%" PRIx64 ": the 2 MiB entry becomes a page table of "
                    "512 PTEs (thp_split_pmd)\n",
                    e->addr);
        break;
    case VML_EV_SWAP_OUT:
        text_printf(t,
                    "   swap-out: %" PRIu64 " page%s from frame 0x%" PRIx64
                    " written to swap (pswpout)\n",
                    e->n, e->n == 1 ? "" : "s", e->pfn);
        break;
    case VML_EV_OOM_KILL: {
        const char *comm = x->sim ? vml_sim_comm(x->sim, e->pid) : NULL;
        text_printf(t,
                    "   OOM kill: no memory could be reclaimed; process %d (%s) is killed and "
                    "its memory freed (oom_kill)\n",
                    e->pid, comm ? comm : "?");
        break;
    }
    default: break;
    }
}

/* --explain=brief's part for the summed kinds. */
static void brief_sums(const struct vml_explain_tally *n, struct vml_text *out, const char **sep)
{
    const struct vml_explain_sum *s = n->sum;
    if (n->ev[VML_EV_FORK])
        text_printf(out,
                    "%sfork: %" PRIu64 " entries copied, %" PRIu64 " write-protected, %" PRIu64
                    " table pages",
                    *sep, s[VML_EV_FORK].n, s[VML_EV_FORK].n2, s[VML_EV_FORK].tables),
            *sep = ", ";
    if (n->ev[VML_EV_ZAP])
        text_printf(out,
                    "%sunmap: %" PRIu64 " pages, %" PRIu64 " frames freed, %" PRIu64
                    " TLB flushes, %" PRIu64 " IPIs",
                    *sep, s[VML_EV_ZAP].n, s[VML_EV_ZAP].n2, s[VML_EV_ZAP].flushes,
                    s[VML_EV_ZAP].shootdowns),
            *sep = ", ";
    if (n->ev[VML_EV_MPROTECT])
        text_printf(out, "%smprotect: %" PRIu64 " entries changed", *sep, s[VML_EV_MPROTECT].n),
            *sep = ", ";
    if (n->ev[VML_EV_DEACTIVATE])
        text_printf(out,
                    "%smadvise: %" PRIu64 " pages deactivated, %" PRIu64
                    " accessed bits cleared, %" PRIu64 " isolated for pageout",
                    *sep, s[VML_EV_DEACTIVATE].n, s[VML_EV_DEACTIVATE].n2, s[VML_EV_DEACTIVATE].n3),
            *sep = ", ";
    static const struct {
        enum vml_event_kind k;
        bool events; /* count the events, not their n */
        const char *what;
    } rest[] = {
        { VML_EV_SWAP_IN, false, "pages read from swap" },
        { VML_EV_REFAULT, false, "refaults" },
        { VML_EV_MIGRATE, false, "pages migrated" },
        { VML_EV_COLLAPSE, true, "THP collapses" },
        { VML_EV_COMPACT, true, "compaction stalls" },
        { VML_EV_KCOMPACTD, true, "kcompactd wake-ups" },
        { VML_EV_KSWAPD, true, "kswapd passes" },
        { VML_EV_WRITEBACK, false, "pages written back" },
        { VML_EV_FILE_READ, false, "file pages read from the disk" },
    };
    for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
        uint64_t v = rest[i].events ? n->ev[rest[i].k] : s[rest[i].k].n;
        if (v)
            text_printf(out, "%s%" PRIu64 " %s", *sep, v, rest[i].what), *sep = ", ";
    }
}

static void begin(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b)
{
    (void)i;
    (void)op;
    struct vml_explain *x = ctx;
    struct vml_sim *sim = b->sim ? b->sim(b->ctx) : NULL;
    if (sim && sim != x->sim) {
        x->sim = sim;
        vml_sim_set_event_hook(sim, on_event, x);
    }
    memset(&x->now, 0, sizeof(x->now));
    memset(x->rc_scanned, 0, sizeof(x->rc_scanned));
    memset(x->rc_stolen, 0, sizeof(x->rc_stolen));
    x->said = x->said_other = 0;
    x->rss_pages = 0;
    x->tlb_flushes = 0;
    x->n_held = 0;
    x->op.len = 0;
    if (x->op.s)
        x->op.s[0] = 0;
}

static bool quiet_kind(enum vml_op_kind k)
{
    return k == VML_OP_SHOW || k == VML_OP_EXPECT || k == VML_OP_SHOW_THP || k == VML_OP_SHOW_VM;
}

static void head(struct vml_explain *x, const struct vml_op *op, struct vml_text *out)
{
    const char *src = op->line <= x->n_lines ? x->lines[op->line - 1] : NULL;
    if (src) {
        while (*src == ' ' || *src == '\t')
            src++;
        /* The statement without its comment or trailing blanks. */
        size_t n = strcspn(src, "#");
        while (n && (src[n - 1] == ' ' || src[n - 1] == '\t' || src[n - 1] == '\r'))
            n--;
        text_printf(out, "-- line %u: %.*s", op->line, (int)n, src);
    } else {
        text_printf(out, "-- line %u: %s %s", op->line, op->proc, vml_op_kind_name(op->kind));
    }
}

static void end(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b, int err,
                struct vml_text *out)
{
    (void)i;
    (void)b;
    (void)err;
    struct vml_explain *x = ctx;
    const struct vml_explain_tally *n = &x->now;
    uint64_t faults = n->ev[VML_EV_FAULT];
    bool any = false;
    for (int k = 0; k < VML_EV_NR; k++)
        any |= n->ev[k] != 0;
    if (!any && quiet_kind(op->kind))
        return;
    head(x, op, out);
    if (x->mode == VML_EXPLAIN_BRIEF) {
        if (!any) {
            text_printf(out, ": no fault, allocation or reclaim\n");
            return;
        }
        text_printf(out, ":");
        const char *sep = " ";
        if (faults) {
            text_printf(out,
                        "%s%" PRIu64 " fault%s (%" PRIu64 " read, %" PRIu64 " write, %" PRIu64
                        " major)",
                        sep, faults, faults == 1 ? "" : "s", n->faults_by[VML_READ],
                        n->faults_by[VML_WRITE], n->major);
            sep = ", ";
        }
        static const char *const names[VML_EV_NR] = {
            [VML_EV_COW_COPY] = "COW cop",    [VML_EV_COW_REUSE] = "COW reuse",
            [VML_EV_THP_FAULT] = "THP fault", [VML_EV_SPLIT_PMD] = "PMD split",
            [VML_EV_OOM_KILL] = "OOM kill",
        };
        for (int k = VML_EV_COW_COPY; k < VML_EV_NR; k++) {
            if (!n->ev[k] || !names[k])
                continue;
            bool one = n->ev[k] == 1;
            text_printf(out, "%s%" PRIu64 " %s%s", sep, n->ev[k], names[k],
                        k == VML_EV_COW_COPY ? (one ? "y" : "ies")
                        : one                ? ""
                                             : "s");
            sep = ", ";
        }
        if (n->swapped_out)
            text_printf(out, "%s%" PRIu64 " pages swapped out", sep, n->swapped_out), sep = ", ";
        if (n->ev[VML_EV_RECLAIM])
            text_printf(out, "%sreclaim: %" PRIu64 " scanned, %" PRIu64 " reclaimed", sep,
                        n->scanned, n->stolen),
                sep = ", ";
        brief_sums(n, out, &sep);
        if (faults) {
            text_printf(out, "%s", sep);
            say_rss(out, x->rss_pages);
            text_printf(out, ", %" PRIu64 " TLB invalidation%s", x->tlb_flushes,
                        x->tlb_flushes == 1 ? "" : "s");
        }
        text_printf(out, "\n");
        return;
    }
    text_printf(out, "\n");
    if (x->op.len)
        text_append(out, x->op.s, x->op.len);
    if (faults > x->said)
        text_printf(out,
                    "   ... and %" PRIu64 " more faults like these (%" PRIu64
                    " faults in all: %" PRIu64 " read, %" PRIu64 " write, %" PRIu64
                    " major; %" PRIu64 " COW copies; ",
                    faults - x->said, faults, n->faults_by[VML_READ], n->faults_by[VML_WRITE],
                    n->major, n->ev[VML_EV_COW_COPY]);
    if (faults > x->said) {
        say_rss(out, x->rss_pages);
        text_printf(out, ")\n");
    }
    uint64_t others = n->ev[VML_EV_SPLIT_PMD] + n->ev[VML_EV_SWAP_OUT] + n->ev[VML_EV_OOM_KILL];
    if (others > x->said_other)
        text_printf(out,
                    "   ... and %" PRIu64 " more events (%" PRIu64 " PMD splits, %" PRIu64
                    " pages swapped out, %" PRIu64 " OOM kills in all)\n",
                    others - x->said_other, n->ev[VML_EV_SPLIT_PMD], n->swapped_out,
                    n->ev[VML_EV_OOM_KILL]);
    for (int k = 1; k >= 0; k--)
        for (int f = 0; f < 2; f++)
            if (x->rc_scanned[k][f] || x->rc_stolen[k][f])
                text_printf(out,
                            "   reclaim by %s: %" PRIu64
                            " %s pages scanned on the LRU lists, %" PRIu64
                            " reclaimed (pgscan/pgsteal)\n",
                            k ? "kswapd" : "the allocating process (direct)", x->rc_scanned[k][f],
                            f ? "file" : "anon", x->rc_stolen[k][f]);
    say_sums(n, out);
    if (!any)
        text_printf(out, "   no fault, allocation or reclaim%s\n",
                    op->kind == VML_OP_MMAP ? ": the mapping is a VMA only, until it is touched"
                                            : "");
}

struct vml_explain *vml_explain_new(enum vml_explain_mode mode, const char *source)
{
    struct vml_explain *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->mode = mode;
    size_t cap = 0;
    for (const char *p = source; p && *p;) {
        size_t n = strcspn(p, "\n");
        char *line = malloc(n + 1);
        if (!line || util_grow((void **)&x->lines, &cap, x->n_lines, sizeof(*x->lines))) {
            free(line);
            vml_explain_free(x);
            return NULL;
        }
        memcpy(line, p, n);
        line[n] = 0;
        x->lines[x->n_lines++] = line;
        p += n + (p[n] == '\n');
    }
    return x;
}

void vml_explain_free(struct vml_explain *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n_lines; i++)
        free(x->lines[i]);
    free(x->lines);
    free(x->held);
    vml_text_free(&x->op);
    free(x);
}

void vml_explain_hooks(struct vml_explain *x, struct vml_run_hooks *h)
{
    h->ctx = x;
    h->before_op = begin;
    h->after_op = end;
}

void vml_explain_event(void *x, const struct vml_event *e)
{
    on_event(x, e);
}

const struct vml_explain_tally *vml_explain_tally(const struct vml_explain *x)
{
    return &x->total;
}

int vml_explain_mode_parse(const char *s, enum vml_explain_mode *mode)
{
    if (!s || !*s || strcmp(s, "full") == 0)
        *mode = VML_EXPLAIN_FULL;
    else if (strcmp(s, "brief") == 0)
        *mode = VML_EXPLAIN_BRIEF;
    else if (strcmp(s, "all") == 0)
        *mode = VML_EXPLAIN_ALL;
    else
        return -1;
    return 0;
}
