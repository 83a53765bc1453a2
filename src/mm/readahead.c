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
 * cached are skipped and not marked. Each window the page cache adds is read from the disk
 * (sim->disk) as one request, waited for by a synchronous window's caller (disk_io.c).
 *
 * Folio sizes (page_cache_ra_order): a synchronous window is read in single pages; each async
 * window in folios four times larger than the last (ra->order += 2), up to PMD size, each
 * aligned to its size, the window's end rounded down to that size; a mapping with
 * VM_HUGEPAGE reads PMD-sized folios from its first miss. docs/pagecache.md has the probes. */
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

/* A window's pages as the page cache adds them: the span and the count that read_pages submits
 * (disk_read_pages) when the readahead call ends. */
static void ra_io_note(struct vml_sim *sim, uint64_t index, uint64_t nr)
{
    if (sim->ra_io.nr == 0 || index < sim->ra_io.first)
        sim->ra_io.first = index;
    if (sim->ra_io.nr == 0 || index + nr > sim->ra_io.end)
        sim->ra_io.end = index + nr;
    sim->ra_io.nr += nr;
}

/* The readahead call ends: its window goes to the disk, waited for when sync. */
static int ra_io_submit(struct vml_sim *sim, struct sim_file *f, int r, bool sync)
{
    disk_read_pages(sim, f, sim->ra_io.first, sim->ra_io.end, sim->ra_io.nr, sync);
    sim->ra_io.nr = 0;
    return r;
}

/* do_page_cache_ra -> page_cache_ra_unbounded: reads the pages of [index, index + nr) that are
 * not cached, each a folio of its own (order 0), up to the end of the file, marking the one at
 * nr - lookahead when this read adds it. Running out of memory ends readahead quietly (the
 * fault then fails on its own page). */
static int ra_read(struct vml_sim *sim, struct sim_file *f, uint64_t index, uint64_t nr,
                   uint64_t lookahead, unsigned node)
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
        if (memcg_ra_room(sim, node, 1))
            return 0; /* the cgroup's limit: readahead ends quietly */
        int r = cache_add_folio(sim, f, idx, 0, node, false, &pfn);
        if (r == VML_ENOMEM)
            return 0;
        if (r)
            return r;
        ra_io_note(sim, idx, 1);
        if (i == mark)
            sim_frame(sim, pfn)->flags |= PGF_READAHEAD;
    }
    return 0;
}

/* MAX_PAGECACHE_ORDER on x86-64: PMD order (ext4's mapping_max_folio_order). */
#define RA_MAX_ORDER 9u

static unsigned ilog2_u64(uint64_t x)
{
    return 63u - (unsigned)__builtin_clzll(x);
}

/* page_cache_ra_order (6.18): the window [ra->start, ra->start + ra->size) in folios of
 * ra->order (capped at PMD order and at the window's size), each aligned to its size: a start
 * that is not aligned takes the largest order its index allows (__ffs(index)), and no folio
 * crosses the end of the window or of the file. The folio holding the mark
 * (start + size - async_size, rounded down to the folio) gets PG_readahead. A folio that would
 * cover a cached page (filemap_add_folio: -EEXIST) ends the loop; the rest of the window is
 * read in single pages (the fallback, do_page_cache_ra). A window under 4 pages is read in
 * single pages. */
static int ra_order(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, unsigned node)
{
    if (f->size == 0)
        return 0;
    uint64_t start = ra->start, index = start;
    if (ra->size < 4)
        return ra_read(sim, f, start, ra->size, ra->async_size, node);
    uint64_t limit = (f->size - 1) >> PAGE_SHIFT;
    uint64_t mark = index + ra->size - ra->async_size;
    if (limit > index + ra->size - 1)
        limit = index + ra->size - 1;
    unsigned new_order = ra->order < RA_MAX_ORDER ? ra->order : RA_MAX_ORDER;
    if (new_order > ilog2_u64(ra->size))
        new_order = ilog2_u64(ra->size);
    ra->order = new_order;
    bool err = false;
    while (index <= limit) {
        unsigned order = new_order;
        if (index & ((1ull << order) - 1)) /* align with smaller folios if needed */
            order = (unsigned)__builtin_ctzll(index);
        while (order > 0 && index + (1ull << order) - 1 > limit) /* not past EOF */
            order--;
        uint64_t nr = 1ull << order, head;
        if (!cache_range_empty(f, index, nr)) {
            err = true;
            break;
        }
        if (memcg_ra_room(sim, node, nr))
            return 0; /* the cgroup's limit: readahead ends quietly */
        int r = cache_add_folio(sim, f, index, order, node, false, &head);
        if (r == VML_ENOMEM && order > 0) {
            /* ra_alloc_folio failed: no block of the order. page_cache_ra_order reads the rest
             * of the window in single pages (do_page_cache_ra). */
            err = true;
            break;
        }
        if (r == VML_ENOMEM)
            return 0;
        if (r)
            return r;
        ra_io_note(sim, index, nr);
        if (index == (mark & ~(nr - 1))) /* ra_alloc_folio */
            sim_frame(sim, head)->flags |= PGF_READAHEAD;
        index += nr;
    }
    if (!err || ra->size <= index - start)
        return 0;
    return ra_read(sim, f, index, ra->size - (index - start), ra->async_size, node);
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

/* A synchronous window: single pages (page_cache_sync_ra sets ra->order = 0). */
static int ra_submit(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, unsigned node)
{
    ra->order = 0;
    return ra_order(sim, f, ra, node);
}

/* page_cache_async_ra's readit: folios four times larger than the last window's
 * (ra->order += 2), and the window's end rounded down to that folio size (at most the largest
 * power of two dividing ra_pages) when that leaves something, so that the folios stay whole:
 * with read_ahead_kb 8192, a 64-page window at page 20 reads [20, 80). */
static int ra_submit_async(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t max,
                           unsigned node)
{
    ra->order += 2;
    unsigned max_align = (unsigned)__builtin_ctzll(max);
    uint64_t align = 1ull << (ra->order < max_align ? ra->order : max_align);
    uint64_t end = ra->start + ra->size, aligned_end = end & ~(align - 1);
    if (aligned_end > ra->start)
        ra->size -= end - aligned_end;
    ra->async_size = ra->size;
    return ra_order(sim, f, ra, node);
}

static int ra_sync_window(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra,
                          uint64_t index, uint64_t req, unsigned node)
{
    uint64_t max = ra_pages(sim);
    if (max == 0) /* no readahead: the page asked for, alone (force_page_cache_ra) */
        return ra_read(sim, f, index, 1, 0, node);
    uint64_t prev_index = ra->prev_pos >> PAGE_SHIFT;
    /* The start of the file, an oversized read, or a sequential miss (index - prev_index is
     * 0 or 1, computed unsigned as the kernel does). */
    if (index == 0 || req > max || index - prev_index <= 1) {
        ra->start = index;
        ra->size = init_size(req, max);
        ra->async_size = ra->size > req ? ra->size - req : ra->size;
        return ra_submit(sim, f, ra, node);
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
        return ra_read(sim, f, index, req, 0, node);
    if (from_start) /* a file cached from its start: a long stream, likely read whole */
        contig *= 2;
    ra->start = index;
    ra->size = contig + req < max ? contig + req : max;
    ra->async_size = 1;
    return ra_submit(sim, f, ra, node);
}

int ra_sync(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t index,
            uint64_t req, unsigned node)
{
    sim->ra_io.nr = 0;
    return ra_io_submit(sim, f, ra_sync_window(sim, f, ra, index, req, node), true);
}

static int ra_async_window(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t pfn,
                           uint64_t index, uint64_t req, unsigned node)
{
    uint64_t max = ra_pages(sim);
    if (max == 0)
        return 0;
    sim_frame(sim, pfn)->flags &= ~PGF_READAHEAD; /* folio_clear_readahead */
    /* The expected mark, rounded down to the folio that holds it: a sequential stream. Push
     * the window forward and ramp it up. */
    uint64_t nr = 1ull << cache_order(f, index);
    if (index == ((ra->start + ra->size - ra->async_size) & ~(nr - 1))) {
        ra->start += ra->size;
        uint64_t next = next_size(ra->size, max);
        ra->size = next > ra->size ? next : ra->size;
        ra->async_size = ra->size;
        return ra_submit_async(sim, f, ra, max, node);
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
    return ra_submit_async(sim, f, ra, max, node);
}

int ra_async(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t pfn,
             uint64_t index, uint64_t req, unsigned node)
{
    sim->ra_io.nr = 0;
    return ra_io_submit(sim, f, ra_async_window(sim, f, ra, pfn, index, req, node), false);
}

static int ra_mmap_window(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra,
                          uint64_t vm_flags, uint64_t vma_pgoff, uint64_t vma_end, uint64_t index,
                          unsigned node)
{
    uint64_t max = ra_pages(sim);
    if (vm_flags & VM_HUGEPAGE) {
        /* do_sync_mmap_readahead's THP branch, taken even without readahead: two PMD-sized
         * folios from the fault's 2 MiB boundary (one when MADV_RANDOM), the second marked. */
        ra->start = index & ~511ull;
        ra->size = (vm_flags & VM_RAND_READ) ? 512 : 1024;
        ra->async_size = 512;
        ra->order = RA_MAX_ORDER;
        return ra_order(sim, f, ra, node);
    }
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
        return ra_submit(sim, f, ra, node);
    }
    if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
        ra->mmap_miss++;
    if (ra->mmap_miss > MMAP_LOTSAMISS) /* it misses much more than it hits: not worth it */
        return 0;
    /* Read-around: ra_pages centred on the fault, the last quarter lookahead. */
    ra->start = index > max / 2 ? index - max / 2 : 0;
    ra->size = max;
    ra->async_size = max / 4;
    return ra_submit(sim, f, ra, node);
}

int ra_mmap_sync(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t vm_flags,
                 uint64_t vma_pgoff, uint64_t vma_end, uint64_t index, unsigned node)
{
    sim->ra_io.nr = 0;
    int r = ra_mmap_window(sim, f, ra, vm_flags, vma_pgoff, vma_end, index, node);
    return ra_io_submit(sim, f, r, true);
}

int ra_mmap_async(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t vm_flags,
                  uint64_t index, unsigned node, bool *submitted)
{
    *submitted = false;
    if ((vm_flags & VM_RAND_READ) || ra_pages(sim) == 0)
        return 0;
    if (ra->mmap_miss)
        ra->mmap_miss--;
    /* folio_test_readahead: the mark is the folio's, kept on its first page. */
    uint64_t head = cache_folio_pfn(f, index);
    if (!(sim_frame(sim, head)->flags & PGF_READAHEAD))
        return 0;
    *submitted = true;
    return ra_async(sim, f, ra, head, index, ra_pages(sim), node);
}
