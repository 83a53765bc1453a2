/* mm/disk_io.c: page-cache reads cost disk time (sim->disk, blockdev.c).
 *
 * A fault or read(2) that misses a regular file's page reads it, and the readahead window
 * around it, from the disk: one request per window (the kernel's read_pages submits the window's
 * folios as one bio run, merged by the block layer), at the window's byte position in the file,
 * so the window after the last one is sequential. A synchronous window (page_cache_sync_ra,
 * do_sync_mmap_readahead, a single missing page) makes the operation wait for its completion:
 * filemap_fault and filemap_read sleep on the locked folio until end_io marks it uptodate. An
 * asynchronous window (page_cache_async_ra at a PG_readahead mark) does not: the operation that
 * reached the mark goes on, and a later one that needs a page of the window before the request
 * completes waits for the rest of it (the folio is still locked, !uptodate). Each file remembers
 * its last SIM_FILE_INFLIGHT asynchronous windows; an older one still in flight is forgotten
 * (its pages then count as uptodate: docs/latency.md).
 *
 * Simplifications (docs/latency.md): the simulated file's blocks all hold data on the disk, so
 * every miss reads (the real kernel zero-fills the holes of a sparse file without I/O, and
 * `file create` makes sparse files there); the fault-around of filemap_map_pages maps in-flight
 * pages as if uptodate (the real one skips them), which keeps the fault counts the real kernel
 * shows on files it need not read.
 */
#include "mm/sim_internal.h"

void disk_read_pages(struct vml_sim *sim, struct sim_file *f, uint64_t first, uint64_t end,
                     uint64_t nr, bool sync)
{
    if (nr == 0 || f->shmem || f->hstate)
        return;
    sim_event(sim, &(struct vml_event){
                       .kind = VML_EV_FILE_READ, .pid = sim->current, .n = nr, .n3 = sync });
    uint64_t done =
        bdev_submit(&sim->disk, sim_op_now(sim), false, first << PAGE_SHIFT, nr << PAGE_SHIFT);
    if (sync) {
        sim_charge_io(sim, done);
        return;
    }
    /* Remember it in the slot of the read that completes first (done first, or forgotten). */
    unsigned k = 0;
    for (unsigned i = 1; i < SIM_FILE_INFLIGHT; i++)
        if (f->inflight[i].done_at < f->inflight[k].done_at)
            k = i;
    f->inflight[k] = (struct file_inflight){ .start = first, .end = end, .done_at = done };
}

void disk_wait_page(struct vml_sim *sim, struct sim_file *f, uint64_t index)
{
    uint64_t at = sim_op_now(sim);
    for (unsigned i = 0; i < SIM_FILE_INFLIGHT; i++) {
        const struct file_inflight *w = &f->inflight[i];
        if (w->done_at > at && index >= w->start && index < w->end)
            sim_charge_io(sim, w->done_at);
    }
}
