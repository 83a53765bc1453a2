/* mm/readahead.c: the page cache reads ahead of what is asked (mm/readahead.c, and the mmap
 * entry points do_sync_mmap_readahead / do_async_mmap_readahead of mm/filemap.c).
 *
 * Every open file has a readahead state (struct file_ra_state): a window [start, start + size)
 * whose last async_size pages are the lookahead. The first page of the lookahead is marked
 * (PG_readahead); whoever reaches the mark reads the next window before it is needed. The
 * window is at most ra_pages long, the backing device's read_ahead_kb (bdi->ra_pages; 128 KiB,
 * VM_READAHEAD_PAGES, unless the device says otherwise).
 *
 *   mmap miss    read-around: ra_pages centred on the fault, a quarter of it lookahead, unless
 *                the mapping is MADV_RANDOM or the file misses far more than it hits (mmap_miss)
 *   mmap mark    the next window, ramped up (page_cache_async_ra)
 *   read(2)      page_cache_sync_ra: a first read sizes the window from the request
 *                (get_init_ra_size); a read after cached pages grows with what it follows
 *
 * Only pages not yet cached are read, never past the end of the file; pages a window finds
 * cached are skipped and not marked. A simulated file's misses are holes (pagecache.c), so
 * readahead fills the cache with zeroed pages and reads nothing from disk, as ext4 does.
 *
 * Folio sizes: Linux allocates the first window of a file in single pages and each async
 * window in folios four times larger than the last (ra->order += 2), up to PMD size from the
 * fifth window on. vmlab's page cache holds single pages, so the number of pages read ahead is
 * Linux's, but a PMD-sized folio that Linux maps with one fault is 512 faults' worth here
 * (docs/design.md). */
#include "mm/sim_internal.h"

#include <stdlib.h>

/* mm/filemap.c: MMAP_LOTSAMISS: misses without hits after which read-around stops. */
#define MMAP_LOTSAMISS 100u

uint64_t ra_pages(const struct vml_sim *sim)
{
    if (sim->cfg.no_readahead)
        return 0;
    uint64_t bytes = sim->cfg.readahead ? sim->cfg.readahead : VML_SIM_DEFAULT_READAHEAD;
    return bytes >> PAGE_SHIFT;
}

void ra_init(struct sim_ra *ra)
{
    /* file_ra_state_init: no window yet, prev_pos -1. */
    *ra = (struct sim_ra){ .prev_pos = UINT64_MAX };
}

int ra_new(struct vml_sim *sim, struct sim_ra **out)
{
    if (sim->nr_ras == sim->cap_ras) {
        size_t n = sim->cap_ras ? 2 * sim->cap_ras : 16;
        struct sim_ra **p = realloc(sim->ras, n * sizeof(*p));
        if (!p)
            return VML_EHOST;
        sim->ras = p;
        sim->cap_ras = n;
    }
    struct sim_ra *ra = malloc(sizeof(*ra));
    if (!ra)
        return VML_EHOST;
    ra_init(ra);
    sim->ras[sim->nr_ras++] = ra;
    *out = ra;
    return 0;
}

void ras_destroy(struct vml_sim *sim)
{
    for (size_t i = 0; i < sim->nr_ras; i++)
        free(sim->ras[i]);
    free(sim->ras);
    sim->ras = NULL;
    sim->nr_ras = sim->cap_ras = 0;
}

/* do_page_cache_ra -> page_cache_ra_unbounded: reads the pages of [index, index + nr) that are
 * not cached, up to the end of the file, marking the one at nr - lookahead when this read adds
 * it. Running out of memory ends readahead quietly (the fault then fails on its own page). */
static int ra_read(struct vml_sim *sim, struct sim_file *f, uint64_t index, uint64_t nr,
                   uint64_t lookahead, unsigned node, bool large)
{
    if (f->size == 0)
        return 0;
    uint64_t end_index = (f->size - 1) >> PAGE_SHIFT;
    if (index > end_index)
        return 0;
    if (nr > end_index - index)
        nr = end_index - index + 1;
    /* The mark is computed as an unsigned difference: no mark when lookahead exceeds nr. */
    uint64_t mark = nr - lookahead;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t idx = index + i, pfn;
        if (cache_lookup(f, idx, NULL))
            continue;
        int r = cache_reserve(f, idx);
        if (r)
            return r;
        r = page_alloc_cache(sim, node, f, idx, &pfn);
        if (r == VML_ENOMEM)
            return 0;
        if (r)
            return r;
        cache_add(f, idx, pfn);
        if (i == mark)
            sim_frame(sim, pfn)->flags |= PGF_READAHEAD;
        if (large)
            sim_frame(sim, pfn)->flags |= PGF_RA_LARGE;
    }
    return 0;
}

/* The next window after one of cur pages (get_next_ra_size): x4 while small, then x2, capped. */
static uint64_t next_size(uint64_t cur, uint64_t max)
{
    if (cur < max / 16)
        return 4 * cur;
    if (cur <= max / 2)
        return 2 * cur;
    return max;
}

/* get_init_ra_size: the first window of a read of req pages. */
static uint64_t init_size(uint64_t req, uint64_t max)
{
    uint64_t n = 1;
    while (n < req)
        n <<= 1; /* roundup_pow_of_two */
    if (n <= max / 32)
        return n * 4;
    if (n <= max / 4)
        return n * 2;
    return max;
}

/* large: an async window, which Linux reads in folios of ra->order += 2 pages. */
static int ra_submit(struct vml_sim *sim, struct sim_file *f, const struct sim_ra *ra,
                     unsigned node, bool large)
{
    return ra_read(sim, f, ra->start, ra->size, ra->async_size, node, large);
}

int ra_sync(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t index,
            uint64_t req, unsigned node)
{
    uint64_t max = ra_pages(sim);
    if (max == 0) /* no readahead: the page asked for, alone (force_page_cache_ra) */
        return ra_read(sim, f, index, 1, 0, node, false);
    uint64_t prev_index = ra->prev_pos >> PAGE_SHIFT;
    /* The start of the file, an oversized read, or a sequential miss (index - prev_index is
     * 0 or 1, computed unsigned as the kernel does). */
    if (index == 0 || req > max || index - prev_index <= 1) {
        ra->start = index;
        ra->size = init_size(req, max);
        ra->async_size = ra->size > req ? ra->size - req : ra->size;
        return ra_submit(sim, f, ra, node, false);
    }
    /* page_cache_prev_miss from index - 1, at most max entries: the first hole, or the last
     * entry scanned, or "before the start" (UINT64_MAX) when the file is cached from 0. */
    uint64_t miss = index - 1;
    for (uint64_t k = 0; k < max; k++) {
        if (!cache_lookup(f, miss, NULL) || k + 1 == max)
            break;
        if (miss == 0) {
            miss = UINT64_MAX;
            break;
        }
        miss--;
    }
    bool from_start = miss == UINT64_MAX;
    uint64_t contig = index - miss - 1; /* unsigned: index itself when from the start */
    if (contig <= req)                  /* a small random read: as is, the state untouched */
        return ra_read(sim, f, index, req, 0, node, false);
    if (from_start) /* a file cached from its start: a long stream, likely read whole */
        contig *= 2;
    ra->start = index;
    ra->size = contig + req < max ? contig + req : max;
    ra->async_size = 1;
    return ra_submit(sim, f, ra, node, false);
}

int ra_async(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t pfn,
             uint64_t index, uint64_t req, unsigned node)
{
    uint64_t max = ra_pages(sim);
    if (max == 0)
        return 0;
    sim_frame(sim, pfn)->flags &= ~PGF_READAHEAD; /* folio_clear_readahead */
    if (index == ra->start + ra->size - ra->async_size) {
        /* The expected mark: a sequential stream. Push the window forward and ramp it up. */
        ra->start += ra->size;
        uint64_t next = next_size(ra->size, max);
        ra->size = next > ra->size ? next : ra->size;
        ra->async_size = ra->size;
        return ra_submit(sim, f, ra, node, true);
    }
    /* A mark reached through an open file that has not read ahead yet reads nothing: on
     * x86-64 6.18 with read_ahead_kb 128, a second mapping's faults on the marked window
     * another mapping of the file read ahead add no page (probe in docs/design.md). */
    if (ra->size == 0)
        return 0;
    /* A mark without a matching state (interleaved streams): the cached run after index
     * stands for the old lookahead (page_cache_next_miss). */
    uint64_t start = index + 1;
    while (start - index <= max && cache_lookup(f, start, NULL))
        start++;
    if (start - index > max)
        return 0;
    ra->start = start;
    ra->size = next_size(start - index + req, max);
    ra->async_size = ra->size;
    return ra_submit(sim, f, ra, node, true);
}

int ra_mmap_sync(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t vm_flags,
                 uint64_t vma_pgoff, uint64_t vma_end, uint64_t index, unsigned node)
{
    uint64_t max = ra_pages(sim);
    if ((vm_flags & VM_RAND_READ) || max == 0)
        return 0;
    if (vm_flags & VM_SEQ_READ)
        return ra_sync(sim, f, ra, index, max, node);
    if (vm_flags & VM_EXEC) {
        /* Executable text is read at random: ra_pages from the fault on, within the
         * mapping's part of the file, no lookahead (observed on x86-64 6.18: a 2 MiB text
         * read in full with read_ahead_kb 128 takes 16 major faults). */
        ra->start = index > vma_pgoff ? index : vma_pgoff;
        uint64_t end = ra->start + max < vma_end ? ra->start + max : vma_end;
        ra->size = end - ra->start;
        ra->async_size = 0;
        return ra_submit(sim, f, ra, node, false);
    }
    if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
        ra->mmap_miss++;
    if (ra->mmap_miss > MMAP_LOTSAMISS) /* it misses much more than it hits: not worth it */
        return 0;
    /* Read-around: ra_pages centred on the fault, the last quarter lookahead. */
    ra->start = index > max / 2 ? index - max / 2 : 0;
    ra->size = max;
    ra->async_size = max / 4;
    return ra_submit(sim, f, ra, node, false);
}

int ra_mmap_async(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t vm_flags,
                  uint64_t pfn, uint64_t index, unsigned node, bool *submitted)
{
    *submitted = false;
    if ((vm_flags & VM_RAND_READ) || ra_pages(sim) == 0)
        return 0;
    if (ra->mmap_miss)
        ra->mmap_miss--;
    if (!(sim_frame(sim, pfn)->flags & PGF_READAHEAD))
        return 0;
    *submitted = true;
    return ra_async(sim, f, ra, pfn, index, ra_pages(sim), node);
}
