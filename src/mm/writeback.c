/* mm/writeback.c: page-cache writeback (mm/page-writeback.c, fs/fs-writeback.c in miniature).
 *
 * A regular file's dirty folios go to the disk (sim->disk, mm/blockdev.h) in four ways, as on
 * Linux 6.18:
 *   - the flusher (wb_workfn), a timer on the simulated clock: dirty_writeback_centisecs after
 *     the first inode became dirty, then every dirty_writeback_centisecs while inodes are dirty,
 *     it writes the inodes dirtied more than dirty_expire_centisecs ago
 *     (wb_check_old_data_flush), and, while the dirty pages are above the background threshold,
 *     the oldest inodes until they are not (wb_check_background_flush);
 *   - a writer (write(2), a store through a shared mapping) that takes the dirty pages above the
 *     background threshold wakes the flusher at once, and one that takes dirty + writeback above
 *     the freerun ceiling is paused (balance_dirty_pages);
 *   - fsync, fdatasync and msync(MS_SYNC) write the file's (the range's) dirty folios and wait
 *     for them (file_write_and_wait_range);
 *   - posix_fadvise(POSIX_FADV_DONTNEED) starts the writes and does not wait.
 * A folio written is clean at once (folio_clear_dirty_for_io, which also write-protects every
 * shared mapping of it: folio_mkclean) and under writeback (PG_writeback, meminfo Writeback,
 * vmstat nr_writeback) until the disk completes the request (folio_end_writeback: nr_written).
 * The disk serves requests in order (its queue, blockdev.c), so completions are a FIFO here.
 *
 * The dirty limits are those of global_dirty_limits: docs/pagecache.md ("Writeback") has the
 * arithmetic and what is simplified (one disk, no per-wb share, the pause of
 * balance_dirty_pages).
 */
#include "mm/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MIN_WRITEBACK_PAGES (fs/fs-writeback.c): 4 MiB, the least a background pass writes before it
 * looks at the threshold again. */
#define MIN_WRITEBACK_PAGES 1024u
/* MAX_PAUSE (mm/page-writeback.c): the longest one pause of balance_dirty_pages, 200 ms. */
#define MAX_PAUSE_NS 200000000ull

static uint64_t centisecs_ns(uint64_t cs)
{
    return cs * 10000000ull;
}

/* ---- limits -------------------------------------------------------------------------------- */

uint64_t global_dirtyable_memory(const struct vml_sim *sim)
{
    /* mm/page-writeback.c: global_dirtyable_memory: NR_FREE_PAGES less totalreserve_pages (not
     * below 0), plus the file LRU lists; + 1 so that it is never 0. */
    uint64_t x = 0, file = 0;
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        struct vml_phys_usage u;
        vml_phys_usage(sim->phys, n, &u);
        x += u.free;
        file += sim->node[n].lru[LRU_INACTIVE_FILE] + sim->node[n].lru[LRU_ACTIVE_FILE];
    }
    uint64_t reserve = totalreserve_pages(sim);
    x -= x < reserve ? x : reserve;
    return x + file + 1;
}

void global_dirty_limits(const struct vml_sim *sim, uint64_t *bg_thresh, uint64_t *thresh)
{
    /* domain_dirty_limits: the ratios are turned into parts of PAGE_SIZE first (so 20% is
     * 819/4096), the byte forms rounded up to pages; a background threshold at or above the
     * hard one is half of it. */
    const struct vml_vm_sysctl *vm = &sim->vm;
    uint64_t avail = global_dirtyable_memory(sim);
    uint64_t ratio = (uint64_t)vm->dirty_ratio * PAGE_SIZE / 100;
    uint64_t bg_ratio = (uint64_t)vm->dirty_background_ratio * PAGE_SIZE / 100;
    uint64_t t =
        vm->dirty_bytes ? (vm->dirty_bytes + PAGE_SIZE - 1) / PAGE_SIZE : ratio * avail / PAGE_SIZE;
    uint64_t bg = vm->dirty_background_bytes
                      ? (vm->dirty_background_bytes + PAGE_SIZE - 1) / PAGE_SIZE
                      : bg_ratio * avail / PAGE_SIZE;
    if (bg >= t)
        bg = t / 2;
    *bg_thresh = bg;
    *thresh = t;
}

static uint64_t nr_dirty(const struct vml_sim *sim)
{
    uint64_t d = 0;
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++)
        d += sim->node[n].dirty;
    return d;
}

static uint64_t nr_writeback(const struct vml_sim *sim)
{
    uint64_t w = 0;
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++)
        w += sim->node[n].writeback;
    return w;
}

/* wb_over_bg_thresh for the one disk: NR_FILE_DIRTY (domain_dirty_avail without writeback)
 * above the background threshold. */
static bool over_bg_thresh(const struct vml_sim *sim)
{
    uint64_t bg, t;
    global_dirty_limits(sim, &bg, &t);
    return nr_dirty(sim) > bg;
}

/* ---- the disk's completions ---------------------------------------------------------------- */

static struct sim_file *file_of_ino(const struct vml_sim *sim, uint64_t ino)
{
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] && sim->files[i]->ino == ino)
            return sim->files[i];
    return NULL;
}

/* folio_end_writeback for a completed request: PG_writeback cleared, NR_WRITEBACK less and
 * NR_WRITTEN more by its pages (__folio_end_writeback). Its pages may have gone with the file. */
static void end_writeback(struct vml_sim *sim, const struct wb_io *io)
{
    struct sim_file *f = file_of_ino(sim, io->ino);
    if (!f)
        return;
    for (uint64_t i = 0; i < io->nr; i++) {
        uint64_t pfn;
        if (!cache_lookup(f, io->index + i, &pfn))
            continue;
        struct frame *fr = sim_frame(sim, pfn);
        if (!(fr->flags & PGF_WRITEBACK))
            continue;
        fr->flags &= ~PGF_WRITEBACK;
        /* A dirty page reclaim met and left to the flusher (PG_reclaim, activated): written
         * now, it goes to the inactive tail to be reclaimed next. */
        if (fr->flags & PGF_RECLAIM)
            folio_rotate_reclaimable(sim, pfn, fr);
        sim->node[fr->node].writeback--;
        sim->events[VML_VMSTAT_nr_written]++;
        sim_event(sim, &(struct vml_event){ .kind = VML_EV_WRITEBACK, .n = 1, .pfn = pfn });
    }
}

static void arm_completion(struct vml_sim *sim)
{
    struct writeback *wb = &sim->wb;
    if (wb->io_len)
        sim_timer_arm(sim, &wb->completion, wb->io[wb->io_head].done_at);
    else
        sim_timer_cancel(&wb->completion);
}

static int completion_fn(struct vml_sim *sim, struct sim_timer *t)
{
    (void)t;
    struct writeback *wb = &sim->wb;
    while (wb->io_len && wb->io[wb->io_head].done_at <= sim->now_ns) {
        end_writeback(sim, &wb->io[wb->io_head]);
        wb->io_head = (wb->io_head + 1) % wb->io_cap;
        wb->io_len--;
    }
    arm_completion(sim);
    return 0;
}

static int io_push(struct vml_sim *sim, const struct wb_io *io)
{
    struct writeback *wb = &sim->wb;
    if (wb->io_len == wb->io_cap) {
        size_t cap = wb->io_cap ? wb->io_cap * 2 : 64;
        struct wb_io *v = malloc(cap * sizeof(*v));
        if (!v)
            return VML_EHOST;
        for (size_t i = 0; i < wb->io_len; i++)
            v[i] = wb->io[(wb->io_head + i) % wb->io_cap];
        free(wb->io);
        wb->io = v;
        wb->io_cap = cap;
        wb->io_head = 0;
    }
    wb->io[(wb->io_head + wb->io_len) % wb->io_cap] = *io;
    wb->io_len++;
    if (wb->io_len == 1)
        arm_completion(sim);
    return 0;
}

/* The completion instant of the request writing the page at index of f, 0 when none is in
 * flight. */
static uint64_t io_done_at(const struct vml_sim *sim, const struct sim_file *f, uint64_t index)
{
    const struct writeback *wb = &sim->wb;
    uint64_t when = 0;
    for (size_t i = 0; i < wb->io_len; i++) {
        const struct wb_io *io = &wb->io[(wb->io_head + i) % wb->io_cap];
        if (io->ino == f->ino && index >= io->index && index < io->index + io->nr)
            when = io->done_at;
    }
    return when;
}

/* The task waits until when: the clock moves there, the kernel's work due by then (the disk's
 * completions, the flusher) running. */
static int wait_until(struct vml_sim *sim, struct sim_task *t, uint64_t when, bool throttle)
{
    if (when <= sim->now_ns)
        return 0;
    uint64_t ns = when - sim->now_ns;
    if (t) {
        t->lat.has_stalls = true;
        if (throttle) {
            t->lat.throttles++;
            t->lat.throttle_ns += ns;
        } else {
            t->lat.io_waits++;
            t->lat.io_wait_ns += ns;
        }
    }
    return vml_sim_advance(sim, ns);
}

int writeback_folio_wait(struct vml_sim *sim, struct sim_task *t, struct sim_file *f,
                         uint64_t index)
{
    uint64_t pfn;
    if (!cache_lookup(f, index, &pfn) || !(sim_frame(sim, pfn)->flags & PGF_WRITEBACK))
        return 0;
    return wait_until(sim, t, io_done_at(sim, f, index), false);
}

/* ---- writing folios ------------------------------------------------------------------------ */

int writeback_folio(struct vml_sim *sim, struct sim_file *f, uint64_t index, bool sync)
{
    uint64_t pfn;
    if (!cache_lookup(f, index, &pfn))
        return 0;
    uint64_t nr = 1ull << cache_order(f, index), start = index & ~(nr - 1);
    cache_lookup(f, start, &pfn);
    struct frame *head = sim_frame(sim, pfn);
    if (head->flags & PGF_WRITEBACK) {
        /* write_cache_pages: WB_SYNC_NONE skips a folio under writeback; WB_SYNC_ALL waits
         * for it (folio_wait_writeback) before writing it again. */
        if (!sync)
            return 0;
        int r = wait_until(sim, NULL, io_done_at(sim, f, start), false);
        if (r)
            return r;
    }
    if (!(head->flags & PGF_DIRTY))
        return 0;
    /* folio_clear_dirty_for_io: folio_mkclean on every shared mapping, then the dirty count;
     * folio_start_writeback: PG_writeback, NR_WRITEBACK. */
    cache_folio_mkclean(sim, f, start, nr);
    for (uint64_t i = start; i < start + nr; i++) {
        uint64_t p;
        if (!cache_lookup(f, i, &p))
            continue;
        struct frame *fr = sim_frame(sim, p);
        if (fr->flags & PGF_DIRTY) {
            fr->flags &= ~PGF_DIRTY;
            sim->node[fr->node].dirty--;
        }
        fr->flags |= PGF_WRITEBACK;
        sim->node[fr->node].writeback++;
    }
    /* One request per folio, at the folio's place in the file (files lie apart on the disk). */
    struct wb_io io = { .pfn = pfn, .nr = nr, .ino = f->ino, .index = start };
    io.done_at = bdev_submit(&sim->disk, sim->now_ns, true, (f->ino << 40) + start * PAGE_SIZE,
                             nr * PAGE_SIZE);
    sim->events[VML_VMSTAT_pgpgout] += nr * (PAGE_SIZE >> 10); /* submit_bio, in KiB */
    int r = io_push(sim, &io);
    if (r == 0 && sync)
        r = wait_until(sim, NULL, io.done_at, false);
    return r;
}

/* Whether f still has a dirty page (the inode stays on the dirty list while it has). */
static bool file_has_dirty(const struct vml_sim *sim, const struct sim_file *f, uint64_t pages)
{
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t pfn;
        if (cache_lookup(f, i, &pfn) && (sim_frame(sim, pfn)->flags & PGF_DIRTY))
            return true;
    }
    return false;
}

static uint64_t file_pages(const struct sim_file *f)
{
    return (f->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* Starts writeback of the dirty folios of pages [from, to) (WB_SYNC_NONE), at most max pages;
 * returns the pages submitted. */
static uint64_t write_pages(struct vml_sim *sim, struct sim_file *f, uint64_t from, uint64_t to,
                            uint64_t max, int *err)
{
    uint64_t done = 0, pages = file_pages(f);
    if (to > pages)
        to = pages;
    for (uint64_t idx = from; idx < to && done < max;) {
        uint64_t pfn;
        if (!cache_lookup(f, idx, &pfn)) {
            idx++;
            continue;
        }
        uint64_t nr = 1ull << cache_order(f, idx), start = idx & ~(nr - 1);
        if (sim_frame(sim, pfn)->flags & PGF_DIRTY) {
            if ((*err = writeback_folio(sim, f, idx, false)) != 0)
                return done;
            done += nr;
        }
        idx = start + nr;
    }
    if (f->inode_dirty && !file_has_dirty(sim, f, pages))
        f->inode_dirty = false; /* requeue_inode: clean now, off the list */
    return done;
}

int writeback_range_wait(struct vml_sim *sim, struct sim_task *t, struct sim_file *f, uint64_t from,
                         uint64_t to)
{
    int err = 0;
    write_pages(sim, f, from, to, UINT64_MAX, &err);
    if (err)
        return err;
    /* file_write_and_wait_range -> filemap_fdatawait_range: every folio of the range under
     * writeback, the ones written now and the ones written before. */
    uint64_t last = 0, pages = file_pages(f);
    if (to > pages)
        to = pages;
    for (uint64_t i = from; i < to; i++) {
        uint64_t when = io_done_at(sim, f, i);
        if (when > last)
            last = when;
    }
    return wait_until(sim, t, last, false);
}

/* ---- the flusher --------------------------------------------------------------------------- */

/* The dirty inode dirtied first (b_dirty is kept in dirtied_when order), or NULL. */
static struct sim_file *oldest_dirty(const struct vml_sim *sim)
{
    struct sim_file *best = NULL;
    for (size_t i = 0; i < sim->nr_files; i++) {
        struct sim_file *f = sim->files[i];
        if (f && f->inode_dirty && (!best || f->dirtied_when < best->dirtied_when))
            best = f;
    }
    return best;
}

void writeback_inode_dirtied(struct vml_sim *sim, struct sim_file *f)
{
    if (f->inode_dirty || f->shmem || f->hstate)
        return;
    /* __mark_inode_dirty: dirtied_when is set when the inode goes from clean to dirty; the
     * first dirty inode of the wb wakes the flusher dirty_writeback_interval later
     * (wb_io_lists_populated -> wb_wakeup_delayed), unless it is already due sooner. */
    bool first = oldest_dirty(sim) == NULL;
    f->inode_dirty = true;
    f->dirtied_when = sim->now_ns;
    uint64_t interval = centisecs_ns(sim->vm.dirty_writeback_centisecs);
    struct sim_timer *t = &sim->wb.flusher;
    if (first && interval && (!t->armed || t->when > sim->now_ns + interval))
        sim_timer_arm(sim, t, sim->now_ns + interval);
}

int wakeup_flusher_threads(struct vml_sim *sim)
{
    /* wb_start_writeback -> wb_check_start_all: every dirty inode, oldest first, whole. */
    struct sim_file *f;
    int err = 0;
    while ((f = oldest_dirty(sim)) != NULL) {
        write_pages(sim, f, 0, UINT64_MAX, UINT64_MAX, &err);
        if (err)
            return err;
        f->inode_dirty = false;
    }
    return 0;
}

bool writeback_wait_next(struct vml_sim *sim, uint64_t limit)
{
    struct writeback *wb = &sim->wb;
    if (!wb->io_len)
        return false;
    uint64_t when = wb->io[wb->io_head].done_at;
    if (when > limit)
        when = limit;
    if (when > sim_op_now(sim))
        sim_charge(sim, when - sim_op_now(sim));
    /* the disk's completions due by the operation's time (completion_fn's, run early) */
    while (wb->io_len && wb->io[wb->io_head].done_at <= sim_op_now(sim)) {
        end_writeback(sim, &wb->io[wb->io_head]);
        wb->io_head = (wb->io_head + 1) % wb->io_cap;
        wb->io_len--;
    }
    arm_completion(sim);
    return true;
}

/* wb_workfn -> wb_do_writeback. */
static int flusher_fn(struct vml_sim *sim, struct sim_timer *t)
{
    struct writeback *wb = &sim->wb;
    uint64_t now = sim->now_ns, interval = centisecs_ns(sim->vm.dirty_writeback_centisecs);
    uint64_t expire = centisecs_ns(sim->vm.dirty_expire_centisecs);
    int err = 0;
    /* wb_check_old_data_flush: at most once per interval, the inodes dirtied at or before
     * now - dirty_expire_interval (move_expired_inodes), oldest first, each whole. */
    if (interval && now >= wb->last_old_flush + interval) {
        wb->last_old_flush = now;
        struct sim_file *f;
        while (now >= expire && (f = oldest_dirty(sim)) != NULL &&
               f->dirtied_when <= now - expire) {
            write_pages(sim, f, 0, UINT64_MAX, UINT64_MAX, &err);
            if (err)
                return err;
            f->inode_dirty = false;
        }
    }
    /* wb_check_background_flush: while NR_FILE_DIRTY is above the background threshold, the
     * oldest inodes, MIN_WRITEBACK_PAGES at a time before the threshold is looked at again. */
    wb->background = false;
    while (over_bg_thresh(sim)) {
        struct sim_file *f = oldest_dirty(sim);
        if (!f)
            break;
        write_pages(sim, f, 0, UINT64_MAX, MIN_WRITEBACK_PAGES, &err);
        if (err)
            return err;
    }
    /* wb_workfn: while inodes are dirty, the next run an interval from now. */
    if (oldest_dirty(sim) && interval && !t->armed)
        sim_timer_arm(sim, t, now + interval);
    return 0;
}

int writeback_init(struct vml_sim *sim)
{
    int r = sim_timer_add(sim, &sim->wb.flusher, flusher_fn);
    if (r == 0)
        r = sim_timer_add(sim, &sim->wb.completion, completion_fn);
    return r;
}

void writeback_destroy(struct vml_sim *sim)
{
    free(sim->wb.io);
    sim->wb.io = NULL;
    sim->wb.io_len = sim->wb.io_cap = sim->wb.io_head = 0;
}

/* ---- throttling ---------------------------------------------------------------------------- */

int balance_dirty_pages_ratelimited(struct vml_sim *sim, struct sim_task *t)
{
    uint64_t bg, thresh;
    global_dirty_limits(sim, &bg, &thresh);
    /* balance_dirty_pages: above the background threshold the flusher is woken at once
     * (wb_start_background_writeback), unless it is already writing. */
    if (nr_dirty(sim) > bg && !sim->wb.background) {
        sim->wb.background = true;
        sim_timer_arm(sim, &sim->wb.flusher, sim->now_ns);
        int r = vml_sim_advance(sim, 0);
        if (r)
            return r;
    }
    /* Below the freerun ceiling, (bg + thresh) / 2 of dirty + writeback pages, the writer goes
     * on unthrottled (dirty_freerun_ceiling). Above it the kernel paces the writer by the
     * position ratio and the disk's measured write bandwidth, which holds the dirty pages
     * around the setpoint, (freerun + thresh) / 2; here the writer is paused until the disk's
     * completions have brought them down to the setpoint, in pauses of at most MAX_PAUSE
     * (docs/pagecache.md: the simplification). */
    uint64_t freerun = (bg + thresh) / 2, setpoint = (freerun + thresh) / 2;
    for (int guard = 0; guard < 1 << 20; guard++) {
        global_dirty_limits(sim, &bg, &thresh);
        freerun = (bg + thresh) / 2;
        setpoint = (freerun + thresh) / 2;
        uint64_t have = nr_dirty(sim) + nr_writeback(sim);
        if (have <= freerun)
            return 0;
        /* The completion that brings dirty + writeback to the setpoint. */
        const struct writeback *wb = &sim->wb;
        uint64_t need = have > setpoint ? have - setpoint : 0, got = 0, when = 0;
        for (size_t i = 0; i < wb->io_len && got < need; i++) {
            const struct wb_io *io = &wb->io[(wb->io_head + i) % wb->io_cap];
            got += io->nr;
            when = io->done_at;
        }
        if (!when) {
            /* Nothing in flight: the dirty pages are not the flusher's to write yet (above the
             * ceiling only with writeback in progress can a writer be held). */
            if (!over_bg_thresh(sim))
                return 0;
            sim->wb.background = true;
            sim_timer_arm(sim, &sim->wb.flusher, sim->now_ns);
            int r = vml_sim_advance(sim, 0);
            if (r)
                return r;
            if (!sim->wb.io_len)
                return 0;
            continue;
        }
        if (when > sim->now_ns + MAX_PAUSE_NS)
            when = sim->now_ns + MAX_PAUSE_NS;
        int r = wait_until(sim, t, when, true);
        if (r)
            return r;
        if (have - (nr_dirty(sim) + nr_writeback(sim)) == 0 && sim->wb.io_len == 0)
            return 0;
        if (nr_dirty(sim) + nr_writeback(sim) <= setpoint)
            return 0;
    }
    return 0;
}

/* ---- dropping clean folios ----------------------------------------------------------------- */

uint64_t invalidate_mapping_pages(struct vml_sim *sim, struct sim_file *f, uint64_t from,
                                  uint64_t to)
{
    /* mapping_try_invalidate: the folios wholly inside [from, to) (find_lock_entries skips one
     * that straddles an end); mapping_evict_folio keeps a dirty one, one under writeback, and
     * one with a reference beyond the cache's (a mapped page, an mlocked one). */
    uint64_t dropped = 0, pages = file_pages(f);
    if (to > pages)
        to = pages;
    for (uint64_t idx = from; idx < to;) {
        uint64_t pfn;
        if (!cache_lookup(f, idx, &pfn)) {
            idx++;
            continue;
        }
        uint64_t nr = 1ull << cache_order(f, idx), start = idx & ~(nr - 1);
        idx = start + nr;
        if (start < from || start + nr > to)
            continue;
        bool keep = false;
        for (uint64_t i = start; i < start + nr && !keep; i++) {
            uint64_t p;
            if (!cache_lookup(f, i, &p))
                continue;
            const struct frame *fr = sim_frame(sim, p);
            keep = (fr->flags & (PGF_DIRTY | PGF_WRITEBACK | PGF_MLOCKED)) || fr->mapcount > 0 ||
                   fr->refcount > 1;
        }
        if (keep)
            continue;
        dropped += cache_remove_folio(sim, f, start);
    }
    return dropped;
}

/* ---- the simulator's interface (sim.h) ----------------------------------------------------- */

int vml_sim_fadvise_dontneed(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len)
{
    struct sim_file *f = sim_file(sim, file);
    if (!f)
        return VML_EINVAL;
    if (pid && !sim_task(sim, pid))
        return VML_ENOENT;
    /* shmem and hugetlbfs: nothing to write (mapping_can_writeback is false), and their folios
     * are their only copy, never clean: nothing is dropped. */
    if (f->shmem || f->hstate)
        return 0;
    /* mm/fadvise.c: generic_fadvise, POSIX_FADV_DONTNEED. endbyte is inclusive; len 0 means
     * to the end of the file (LLONG_MAX). */
    uint64_t endbyte = len == 0 || off + len - 1 < off ? (uint64_t)INT64_MAX : off + len - 1;
    int err = 0;
    /* __filemap_fdatawrite_range(WB_SYNC_NONE): the dirty folios' writes start, unwaited. */
    write_pages(sim, f, off >> PAGE_SHIFT, (endbyte >> PAGE_SHIFT) + 1, UINT64_MAX, &err);
    if (err)
        return err;
    /* The first and the last whole page; the last partial page is kept unless it is the file's
     * last byte. */
    uint64_t start_index = (off + PAGE_SIZE - 1) >> PAGE_SHIFT, end_index = endbyte >> PAGE_SHIFT;
    if ((endbyte & (PAGE_SIZE - 1)) != PAGE_SIZE - 1 && endbyte != f->size - 1) {
        if (end_index == 0)
            return 0;
        end_index--;
    }
    /* lru_add_drain + mapping_try_invalidate: the folios just put under writeback stay. */
    invalidate_mapping_pages(sim, f, start_index, end_index + 1);
    return 0;
}

uint64_t vml_sim_drop_caches(struct vml_sim *sim, unsigned what)
{
    uint64_t dropped = 0;
    /* fs/drop_caches.c: drop_caches_sysctl_handler. Bit 1: drop_pagecache_sb on every
     * superblock, invalidate_mapping_pages(mapping, 0, -1) on every inode: the clean, unmapped
     * folios go. tmpfs and hugetlbfs folios are never clean copies: they stay. */
    if (what & 1)
        for (size_t i = 0; i < sim->nr_files; i++) {
            struct sim_file *f = sim->files[i];
            if (f && !f->shmem && !f->hstate)
                dropped += invalidate_mapping_pages(sim, f, 0, UINT64_MAX);
        }
    /* Bit 2: drop_slab: the dentry and inode caches' unused objects (slab.c). Bit 4 only
     * silences the kernel's log line. */
    if (what & 2)
        slab_drop(sim);
    return dropped;
}

const struct vml_vm_sysctl *vml_sim_vm(const struct vml_sim *sim)
{
    return &sim->vm;
}

int vml_sim_vm_check(const struct vml_vm_sysctl *s, struct vml_diag *diag)
{
    /* Watermark boosting (boost_watermark after a fragmenting fallback) is not simulated: 0
     * (boosting off) is what the simulation does; the default is accepted as the baseline. */
    if (s->watermark_boost_factor != 0 && s->watermark_boost_factor != 15000) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "watermark_boost_factor=%u: watermark boosting is not simulated; write 0 "
                     "(no boosting) or keep the default 15000",
                     s->watermark_boost_factor);
        return VML_ENOTSUP;
    }
    return 0;
}

int vml_sim_vm_store(struct vml_sim *sim, size_t file, const char *value, size_t len,
                     struct vml_diag *diag)
{
    struct vml_vm_sysctl s = sim->vm;
    unsigned action = 0;
    int r = vml_vm_store(&s, file, value, len, &action, diag);
    if (r == 0)
        r = vml_sim_vm_check(&s, diag);
    if (r)
        return r;
    unsigned old_interval = sim->vm.dirty_writeback_centisecs;
    bool min_free = s.min_free_kbytes != sim->vm.min_free_kbytes;
    bool scale = s.watermark_scale_factor != sim->vm.watermark_scale_factor;
    sim->vm = s;
    /* min_free_kbytes_sysctl_handler, watermark_scale_factor_sysctl_handler: the watermarks
     * and reserves again (setup_per_zone_wmarks). */
    if (min_free || scale)
        wmark_vm_written(sim, min_free);
    if (action)
        vml_sim_drop_caches(sim, action);
    /* dirty_writeback_centisecs_handler: a new non-zero period wakes the flusher to write
     * everything dirty at once (wakeup_flusher_threads -> wb_check_start_all), then it runs on
     * the new period. 0 stops the periodic runs. */
    if (s.dirty_writeback_centisecs != old_interval) {
        if (s.dirty_writeback_centisecs) {
            int err = wakeup_flusher_threads(sim);
            if (err)
                return err;
        } else {
            sim_timer_cancel(&sim->wb.flusher);
        }
    }
    return 0;
}

int vml_sim_truncate(struct vml_sim *sim, int pid, int file, uint64_t size)
{
    struct sim_file *f = sim_file(sim, file);
    if (!f || f->hstate)
        return VML_EINVAL;
    struct sim_task *t = pid ? sim_task(sim, pid) : NULL;
    if (pid && !t)
        return VML_ENOENT;
    if (size >= f->size)
        return vml_sim_file_grow(sim, file, size); /* a hole at the end: nothing cached moves */
    /* mm/truncate.c: truncate_setsize -> truncate_pagecache(inode, newsize). */
    uint64_t old_pages = file_pages(f);
    f->size = size;
    uint64_t first = (size + PAGE_SIZE - 1) >> PAGE_SHIFT; /* the first page wholly past EOF */
    /* unmap_mapping_range(holebegin, 0, even_cows = 1): every mapping of the pages past the new
     * end goes, the private COW copies of them too. truncate_inode_partial_folio then unmaps
     * the whole folio the new end cuts (unmap_mapping_folio), its pages before the end too
     * (probed: 40 kB more left the mapping's Rss, fidelity 102), before splitting it. */
    uint64_t unmap_from = first, pfn0;
    if (first && cache_lookup(f, first - 1, &pfn0)) {
        uint64_t nr = 1ull << cache_order(f, first - 1), start = (first - 1) & ~(nr - 1);
        if (start + nr > first)
            unmap_from = start;
    }
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        struct sim_task *tk = &sim->tasks[i];
        if (!tk->alive || !tk->mm)
            continue;
        for (struct vma *v = vma_first(tk->mm->vmas); v; v = vma_next(v)) {
            if (v->file != f)
                continue;
            uint64_t vpages = (v->end - v->start) >> PAGE_SHIFT;
            if (v->pgoff + vpages <= unmap_from)
                continue;
            uint64_t s = unmap_from > v->pgoff ? v->start + ((unmap_from - v->pgoff) << PAGE_SHIFT)
                                               : v->start;
            /* From the new end first (unmap_mapping_range: a file PMD the end cuts is split,
             * i.e. zapped, and counted in thp_split_pmd), then the cut folio's pages before it
             * (unmap_mapping_folio). */
            uint64_t e =
                first > v->pgoff ? v->start + ((first - v->pgoff) << PAGE_SHIFT) : v->start;
            if (e < v->end)
                zap_range(sim, tk->mm, v, e > s ? e : s, v->end, false);
            if (s < e)
                zap_range(sim, tk->mm, v, s, e < v->end ? e : v->end, false);
        }
    }
    /* truncate_inode_pages_range(mapping, newsize): the folio the new end cuts is split
     * (truncate_inode_partial_folio; here to single pages, each page being a frame of its
     * own) and every folio past it leaves the cache, dirty or not (folio_cancel_dirty), once
     * its writeback has completed (folio_wait_writeback). */
    uint64_t pfn;
    if (first && cache_lookup(f, first - 1, &pfn)) {
        uint64_t nr = 1ull << cache_order(f, first - 1), start = (first - 1) & ~(nr - 1);
        if (start + nr > first) {
            if (nr == 512 && !f->shmem)
                sim->nr_file_thps--;
            for (uint64_t i = start; i < start + nr; i++) {
                uint64_t *slot = radix_slot(&f->pages, i);
                if (slot && *slot)
                    *slot &= CACHE_PFN_MASK; /* order 0 */
            }
        }
    }
    for (uint64_t idx = first; idx < old_pages; idx++) {
        if (!cache_lookup(f, idx, &pfn))
            continue;
        if (sim_frame(sim, pfn)->flags & PGF_WRITEBACK) {
            int r = wait_until(sim, t, io_done_at(sim, f, idx), false);
            if (r)
                return r;
        }
        idx += cache_remove_folio(sim, f, idx) - 1;
    }
    workingset_cache_truncate(f, first);
    /* shmem_undo_range: the swapped pages past the end go too. */
    if (f->shmem && f->nr_swapped) {
        int r = shmem_free_swap_range(sim, f, first, UINT64_MAX);
        if (r)
            return r;
    }
    /* ext4_truncate -> ext4_block_truncate_page: a new size inside a block zeroes the rest of
     * that block and dirties its buffer, so the page holding the end is dirty again (probed:
     * Dirty +4 kB after a truncate to 300,000 bytes of a clean, cached file; fidelity 102). */
    if ((size & (PAGE_SIZE - 1)) && !f->shmem && cache_lookup(f, size >> PAGE_SHIFT, &pfn))
        cache_folio_set_dirty(sim, f, size >> PAGE_SHIFT);
    if (f->inode_dirty && !file_has_dirty(sim, f, file_pages(f)))
        f->inode_dirty = false;
    return 0;
}
