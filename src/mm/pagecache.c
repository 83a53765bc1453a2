/* mm/pagecache.c: simulated files and their page cache (mm/filemap.c in miniature).
 *
 * A file is a name, a size and a sparse index of cached pages, grouped in folios: a regular
 * file's pages come in folios of 1 to 512 pages as readahead and write(2) make them (ext4's
 * large folios, docs/pagecache.md); each page is a frame of its own and its index slot records
 * its folio's order. A regular file's missing page is brought in from the file (a major fault
 * when a mapping touches it, no fault for read(2)); shmem objects (memfd,
 * MAP_SHARED|MAP_ANONYMOUS) have no backing store, so a missing page is simply allocated, and
 * their pages count as Shmem. A miss of a regular file reads ahead (readahead.c).
 *
 * Which misses read the disk (pgpgin, counted per bio in submit_bio): only those of pages whose
 * blocks hold data, and for write(2) only when the write leaves part of the page to fill
 * (ext4_block_write_begin reads a mapped block only if the write does not cover it; a full page
 * is not read). A hole (no block) is zero-filled without I/O: ext4_mpage_readpages for reads
 * and faults, ext4_da_get_block_prep's new buffer for writes. Blocks get data only when written
 * pages are written back; fsync and msync write back (the dirtiness goes), but the simulated
 * disk keeps no data, and nothing drops a page from a live file's cache: files are created
 * sparse (as `file create` does with ftruncate on the real kernel), so every miss here is a
 * hole and nothing is ever read. The time a miss takes is another matter: disk_io.c charges
 * each window's read from sim->disk as if the blocks held data (docs/latency.md).
 */
#include "mm/sim_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_file *sim_file(const struct vml_sim *sim, int id)
{
    if (id < 0 || (size_t)id >= sim->nr_files)
        return NULL;
    return sim->files[id];
}

int file_id_of(const struct vml_sim *sim, const struct sim_file *f)
{
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] == f)
            return (int)i;
    return VML_ENOENT;
}

/* The page cache is indexed sparsely, as the kernel's xarray (address_space.i_pages) is: a page
 * far into a file costs a path of a few nodes, not an index the size of the file. */
uint64_t cache_lookup(const struct sim_file *f, uint64_t index, uint64_t *pfn)
{
    const uint64_t *slot = radix_slot(&f->pages, index);
    if (!slot || !*slot)
        return 0;
    if (pfn)
        *pfn = (*slot & CACHE_PFN_MASK) - 1;
    return 1;
}

unsigned cache_order(const struct sim_file *f, uint64_t index)
{
    const uint64_t *slot = radix_slot(&f->pages, index);
    return slot ? (unsigned)(*slot >> CACHE_ORDER_SHIFT) : 0;
}

bool cache_range_empty(const struct sim_file *f, uint64_t index, uint64_t nr)
{
    for (uint64_t i = 0; i < nr; i++)
        if (cache_lookup(f, index + i, NULL))
            return false;
    return true;
}

/* filemap_add_folio of a folio of 2^order pages at index (aligned; the range is empty): each
 * page is a frame of its own here, its slot records the folio's order (docs/pagecache.md says
 * what that leaves out). A regular file's large folio is one naturally aligned block of the
 * buddy allocator, as filemap_alloc_folio's is, so that a PMD can map a PMD-sized one
 * (do_set_pmd, huge_memory.c). *head: the pfn of the page at index. Running out of memory
 * part way gives back what was taken. */
int cache_add_folio(struct vml_sim *sim, struct sim_file *f, uint64_t index, unsigned order,
                    unsigned node, bool write, uint64_t *head)
{
    uint64_t nr = 1ull << order;
    assert((index & (nr - 1)) == 0);
    for (uint64_t i = 0; i < nr; i++) {
        int r = cache_reserve(f, index + i);
        if (r)
            return r;
    }
    if (order > 0 && !f->shmem) {
        uint64_t pfn;
        int r = page_alloc_cache_block(sim, node, f, index, order, &pfn);
        if (r)
            return r;
        for (uint64_t i = 0; i < nr; i++)
            *radix_slot(&f->pages, index + i) =
                (pfn + i + 1) | ((uint64_t)order << CACHE_ORDER_SHIFT);
        f->nr_cached += nr;
        *head = pfn;
        if (order == 9)
            sim->nr_file_thps++;
        workingset_cache_add(sim, f, index, nr, write);
        return 0;
    }
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t pfn;
        int r = page_alloc_cache(sim, node, f, index + i, &pfn);
        if (r) {
            for (uint64_t k = 0; k < i; k++) {
                uint64_t *slot = radix_slot(&f->pages, index + k);
                page_put(sim, (*slot & CACHE_PFN_MASK) - 1);
                *slot = 0;
                f->nr_cached--;
            }
            return r;
        }
        *radix_slot(&f->pages, index + i) = (pfn + 1) | ((uint64_t)order << CACHE_ORDER_SHIFT);
        f->nr_cached++;
        if (i == 0)
            *head = pfn;
    }
    /* __filemap_add_folio: a PMD-order folio of a regular file counts in NR_FILE_THPS
     * (FileHugePages, nr_file_hugepages; observed: 17 after reading 64 MiB). */
    if (order == 9 && !f->shmem)
        sim->nr_file_thps++;
    workingset_cache_add(sim, f, index, nr, write);
    return 0;
}

uint64_t cache_folio_pfn(const struct sim_file *f, uint64_t index)
{
    uint64_t pfn = 0;
    cache_lookup(f, index & ~((1ull << cache_order(f, index)) - 1), &pfn);
    return pfn;
}

/* folio_mark_dirty of a page-cache folio: every page of the folio (Dirty counts
 * folio_nr_pages, and smaps_account counts each mapped page of a dirty folio dirty). */
void cache_folio_set_dirty(struct vml_sim *sim, struct sim_file *f, uint64_t index)
{
    writeback_inode_dirtied(sim, f); /* __mark_inode_dirty(I_DIRTY_PAGES) */
    uint64_t nr = 1ull << cache_order(f, index), start = index & ~(nr - 1);
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t pfn;
        if (cache_lookup(f, start + i, &pfn))
            page_set_dirty(sim, pfn);
    }
}

/* The file that owns page-cache page pfn (frame->mapping is its inode number). */
struct sim_file *cache_file_of(const struct vml_sim *sim, uint64_t pfn)
{
    const struct frame *fr = sim_frame(sim, pfn);
    if (!(fr->flags & PGF_CACHE))
        return NULL;
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] && sim->files[i]->ino == fr->mapping)
            return sim->files[i];
    return NULL;
}

void cache_page_set_dirty(struct vml_sim *sim, uint64_t pfn)
{
    struct sim_file *f = cache_file_of(sim, pfn);
    if (f && !f->shmem && !f->hstate)
        cache_folio_set_dirty(sim, f, sim_frame(sim, pfn)->index);
    else
        page_set_dirty(sim, pfn);
}

int cache_reserve(struct sim_file *f, uint64_t index)
{
    uint64_t *slot;
    return radix_reserve(&f->pages, index, &slot);
}

int cache_get(struct vml_sim *sim, struct sim_file *f, uint64_t index, unsigned node, uint64_t *pfn,
              bool *major)
{
    *major = false;
    if (cache_lookup(f, index, pfn))
        return 0;
    /* shmem_get_folio_gfp: a swap entry at the index is swapped in (shmem_swapin_folio). */
    if (f->shmem && f->nr_swapped && shmem_swapped_at(f, index, NULL))
        return shmem_swapin(sim, f, index, node, pfn, major);
    uint64_t *slot;
    int r = radix_reserve(&f->pages, index, &slot);
    if (r)
        return r;
    r = page_alloc_cache(sim, node, f, index, pfn);
    if (r)
        return r;
    /* page_alloc_cache changes no index, so the slot stays where it was. */
    *slot = *pfn + 1;
    f->nr_cached++;
    workingset_cache_add(sim, f, index, 1, false); /* reads and faults only come here */
    /* filemap_fault: a page that was not cached makes the fault major, I/O or not (a hole is
     * zero-filled: no pgpgin, see above); shmem_fault allocates without. */
    if (!f->shmem)
        *major = true;
    disk_read_pages(sim, f, index, index + 1, 1, true); /* the time it takes (disk_io.c) */
    return 0;
}

void cache_add(struct sim_file *f, uint64_t index, uint64_t pfn)
{
    uint64_t *slot = radix_slot(&f->pages, index);
    assert(slot && "cache_add: cache_reserve first");
    *slot = pfn + 1; /* an order-0 folio */
    f->nr_cached++;
}

void file_get(struct sim_file *f)
{
    f->refs++;
}

static void put_cached(uint64_t index, uint64_t val, void *ctx)
{
    struct vml_sim *sim = ctx;
    /* filemap_unaccount_folio: a PMD-order folio leaves NR_FILE_THPS (once, at its first
     * page; only regular files' caches have such folios). */
    if ((val >> CACHE_ORDER_SHIFT) == 9 && (index & 511) == 0)
        sim->nr_file_thps--;
    page_put(sim, (val & CACHE_PFN_MASK) - 1);
}

static void file_free(struct vml_sim *sim, struct sim_file *f)
{
    slab_file_free(sim, f);
    sim->committed -= f->charged;
    if (f->hstate)
        hugetlb_file_free(sim, f);
    /* hugetlb_file_free gave the huge pages back; other caches drop their pages' references. */
    radix_free(&f->pages, f->hstate ? NULL : put_cached, sim);
    radix_free(&f->shadows, NULL, NULL);
    /* shmem_evict_inode: the swapped pages' slots are released. */
    if (f->nr_swapped)
        shmem_free_swap_range(sim, f, 0, UINT64_MAX);
    radix_free(&f->swap, NULL, NULL);
    free(f);
}

void file_put(struct vml_sim *sim, struct sim_file *f)
{
    if (--f->refs > 0) {
        if (f->refs == 1)
            slab_file_close(sim, f); /* the last mapping's file reference: dput */
        return;
    }
    /* Only unnamed shmem objects die with their last mapping; named files stay (they are on
     * the simulated filesystem, cache and all, as on Linux). */
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] == f)
            sim->files[i] = NULL;
    file_free(sim, f);
}

static int file_new(struct vml_sim *sim, const char *name, uint64_t size, bool shmem,
                    struct sim_file **out, int *id)
{
    if (sim->nr_files == sim->cap_files) {
        size_t n = sim->cap_files ? 2 * sim->cap_files : 16;
        struct sim_file **p = realloc(sim->files, n * sizeof(*p));
        if (!p)
            return VML_EHOST;
        sim->files = p;
        sim->cap_files = n;
    }
    struct sim_file *f = calloc(1, sizeof(*f));
    if (!f)
        return VML_EHOST;
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->ino = sim->next_ino++;
    f->size = size;
    f->shmem = shmem;
    *id = (int)sim->nr_files;
    sim->files[sim->nr_files++] = f;
    *out = f;
    return 0;
}

int file_create_anon_shm(struct vml_sim *sim, uint64_t size, struct sim_file **out)
{
    int id;
    int r = file_new(sim, "", size, true, out, &id);
    if (r == 0)
        (*out)->anon_shm = true;
    return r;
}

int file_create_swap_header(struct vml_sim *sim, uint64_t size, struct sim_file **out)
{
    int id;
    int r = file_new(sim, "", size, false, out, &id);
    if (r)
        return r;
    (*out)->refs = 1; /* the swap area's (swap_file) */
    uint64_t head;
    if ((r = cache_add_folio(sim, *out, 0, 0, 0, false, &head)) != 0) {
        file_put(sim, *out);
        *out = NULL;
    }
    return r;
}

int file_create_hugetlb(struct vml_sim *sim, unsigned hstate, uint64_t size, struct sim_file **out)
{
    int id;
    int r = file_new(sim, "anon_hugepage", size, false, out, &id);
    if (r == 0) {
        (*out)->hstate = hstate;
        (*out)->deleted = true; /* hugetlb_file_setup unlinks it: "(deleted)" in maps */
    }
    return r;
}

/* s_maxbytes of the file's filesystem: ext4 (4 KiB blocks, extents) or shmem. */
static uint64_t max_bytes(bool shmem)
{
    return shmem ? VML_SIM_MAX_LFS_FILESIZE : VML_SIM_EXT4_MAX_BYTES;
}

/* ftruncate's size checks: do_sys_ftruncate refuses a negative length (EINVAL),
 * inode_newsize_ok one above s_maxbytes (EFBIG). */
static int size_ok(uint64_t size, bool shmem)
{
    if (size > VML_SIM_MAX_LFS_FILESIZE)
        return VML_EINVAL;
    return size > max_bytes(shmem) ? VML_EFBIG : 0;
}

int vml_sim_file_create(struct vml_sim *sim, const char *name, uint64_t size, bool shmem, int *file)
{
    if (!name || !*name || strlen(name) >= sizeof(((struct sim_file *)0)->name))
        return VML_EINVAL;
    int e = size_ok(size, shmem);
    if (e)
        return e;
    if (!shmem && vml_sim_file_find(sim, name) >= 0)
        return VML_EEXIST; /* memfd names need not be unique, file names must */
    struct sim_file *f;
    int r = file_new(sim, name, size, shmem, &f, file);
    if (r == 0)
        f->refs = 1; /* its directory entry */
    if (r == 0)
        f->acct_blocks = shmem; /* memfd_create: VM_NORESERVE, shmem_acct_blocks */
    /* open(O_CREAT) then close: a new dentry and inode (slab.c). */
    if (r == 0 && (r = slab_file_touch(sim, f)) != 0) {
        sim->files[*file] = NULL;
        file_free(sim, f);
    }
    return r;
}

int vml_sim_file_find(const struct vml_sim *sim, const char *name)
{
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] && !sim->files[i]->shmem && !sim->files[i]->deleted &&
            strcmp(sim->files[i]->name, name) == 0)
            return (int)i;
    return VML_ENOENT;
}

int vml_sim_file_grow(struct vml_sim *sim, int file, uint64_t size)
{
    struct sim_file *f = sim_file(sim, file);
    if (!f)
        return VML_ENOENT;
    int e = size_ok(size, f->shmem);
    if (e)
        return e;
    if (size > f->size)
        f->size = size;
    return 0;
}

uint64_t vml_sim_file_size(const struct vml_sim *sim, int file)
{
    const struct sim_file *f = sim_file(sim, file);
    return f ? f->size : 0;
}

int vml_sim_file_delete(struct vml_sim *sim, int file)
{
    struct sim_file *f = sim_file(sim, file);
    if (!f || f->deleted || f->anon_shm || f->hstate)
        return VML_ENOENT;
    /* unlink(2): the name goes now, the inode and its cache with the last mapping. */
    f->deleted = true;
    file_put(sim, f);
    return 0;
}

/* fgf_set_order(len): the folio order a write of len bytes asks for (ilog2 of the length, in
 * pages), capped at ext4's mapping_max_folio_order (PMD order). */
static unsigned write_order(uint64_t len)
{
    unsigned shift = 63u - (unsigned)__builtin_clzll(len);
    if (shift <= PAGE_SHIFT)
        return 0;
    return shift - PAGE_SHIFT < 9 ? shift - PAGE_SHIFT : 9;
}

/* generic_perform_write on ext4 (6.18): one write(2) of [off, end). Each step writes at most to
 * the next PMD boundary (mapping_max_folio_size); ext4_da_write_begin gets the folio at pos
 * with __filemap_get_folio(FGP_WRITEBEGIN | fgf_set_order(bytes)): a cached folio as it is,
 * else a new one of the order the remaining length asks for, made smaller to align with the
 * index (__ffs(index)) and again while it would cover a cached page (filemap_add_folio's
 * -EEXIST). The step copies up to the folio's end and dirties the whole folio. So 64 KiB
 * writes at 0 make 16-page folios, and a 64 KiB write at 4 KiB folios of 1, 2, 4, 8, 1 pages
 * (docs/pagecache.md). */
static int file_write_folios(struct vml_sim *sim, struct sim_file *f, uint64_t off, uint64_t end,
                             unsigned node)
{
    const uint64_t chunk = 2ull << 20;
    for (uint64_t pos = off; pos < end;) {
        uint64_t bytes = chunk - (pos & (chunk - 1));
        if (bytes > end - pos)
            bytes = end - pos;
        uint64_t idx = pos >> PAGE_SHIFT, pfn;
        bool major;
        /* shmem_write_begin -> shmem_get_folio: a swapped page comes back first. */
        if (f->shmem && f->nr_swapped && !cache_lookup(f, idx, &pfn) &&
            shmem_swapped_at(f, idx, NULL)) {
            int r = shmem_swapin(sim, f, idx, node, &pfn, &major);
            if (r)
                return r;
        }
        if (!cache_lookup(f, idx, &pfn)) {
            int rr = reclaim_point(sim, node, (1u << VML_THP_PMD_ORDER) + 1);
            if (rr)
                return rr;
            unsigned order = write_order(bytes);
            if (idx & ((1ull << order) - 1))
                order = (unsigned)__builtin_ctzll(idx);
            while (order > 0 && !cache_range_empty(f, idx, 1ull << order))
                order--;
            /* __filemap_get_folio: no block of the order (__GFP_NORETRY) tries the next
             * order down, down to single pages. */
            int r = cache_add_folio(sim, f, idx, order, node, true, &pfn);
            while (r == VML_ENOMEM && order > 0)
                r = cache_add_folio(sim, f, idx, --order, node, true, &pfn);
            if (r)
                return r;
        }
        uint64_t nr = 1ull << cache_order(f, idx), fstart = idx & ~(nr - 1);
        uint64_t fend = (fstart + nr) << PAGE_SHIFT, copy = fend - pos;
        if (copy > bytes)
            copy = bytes;
        /* folio_mark_accessed, then folio_mark_dirty (the whole folio). */
        for (uint64_t i = 0; i < nr; i++)
            if (cache_lookup(f, fstart + i, &pfn) && fstart + i >= idx &&
                ((fstart + i) << PAGE_SHIFT) < pos + copy)
                page_mark_accessed(sim, pfn);
        cache_folio_set_dirty(sim, f, idx);
        pos += copy;
    }
    return 0;
}

/* One read(2)/write(2) of [off, off + len) on an open file whose readahead state is ra:
 * every page of the range through the cache (filemap_read, generic_perform_write). Neither
 * faults nor changes any RSS. */
static int file_io_call(struct vml_sim *sim, struct sim_task *t, struct sim_file *f,
                        struct sim_ra *ra, uint64_t off, uint64_t len, bool write)
{
    uint64_t end = off + len;
    if (!write && end > f->size)
        end = f->size; /* a short read; nothing at or past the end */
    if (write) {
        /* generic_write_check_limits: nothing can be written at or past s_maxbytes, and a
         * write crossing it is cut short there. */
        uint64_t max = max_bytes(f->shmem);
        if (off >= max)
            return VML_EFBIG;
        if (end > max)
            end = max;
    }
    if (end <= off)
        return 0;
    unsigned node = task_node(sim, t);
    if (write && !f->shmem) {
        int r = file_write_folios(sim, f, off, end, node);
        if (r)
            return r;
        if (end > f->size)
            f->size = end;
        /* generic_perform_write: balance_dirty_pages_ratelimited after each folio; here after
         * the call (the pause is the same total). */
        return balance_dirty_pages_ratelimited(sim, t);
    }
    uint64_t last = (end + PAGE_SIZE - 1) >> PAGE_SHIFT;
    for (uint64_t idx = off >> PAGE_SHIFT; idx < last; idx++) {
        uint64_t pfn;
        bool major;
        int r = 0;
        /* filemap_get_pages: a read that finds a page missing reads ahead
         * (page_cache_sync_ra, last - idx pages asked for), one that reaches a folio marked
         * for readahead reads the next window (filemap_readahead, from the folio's index). A
         * write reads nothing ahead (generic_perform_write). */
        /* A read's readahead folios each make their own room in a cgroup (memcg_ra_room):
         * the cgroup's part of the reclaim point is for the page read alone. */
        if (!cache_lookup(f, idx, &pfn))
            r = reclaim_point_memcg(sim, node, ra_pages(sim) + 1, 1);
        if (r == 0 && !write && !f->shmem) {
            if (!cache_lookup(f, idx, &pfn))
                r = ra_sync(sim, f, ra, idx, last - idx, node);
            if (r == 0 && cache_lookup(f, idx, &pfn)) {
                uint64_t head = cache_folio_pfn(f, idx),
                         hidx = idx & ~((1ull << cache_order(f, idx)) - 1);
                if (sim_frame(sim, head)->flags & PGF_READAHEAD)
                    r = ra_async(sim, f, ra, head, hidx, last - hidx, node);
            }
        }
        if (r == 0 && !write)
            disk_wait_page(sim, f, idx); /* filemap_update_page: a page still being read */
        if (r == 0)
            r = cache_get(sim, f, idx, node, &pfn, &major);
        if (r)
            return r;
        /* filemap_read / generic_perform_write: folio_mark_accessed. */
        page_mark_accessed(sim, pfn);
        if (write)
            page_set_dirty(sim, pfn);
    }
    if (!write)
        ra->prev_pos = end; /* filemap_read: where the next read would continue */
    if (write && end > f->size)
        f->size = end;
    return 0;
}

/* The calls waited for the disk (disk_io.c): the clock moves on by their time, as it does by a
 * fault's (fault.c: fault_done). */
static void file_io_done(struct vml_sim *sim)
{
    uint64_t ns = sim->work_ns;
    sim->now_ns = ns > UINT64_MAX - sim->now_ns ? UINT64_MAX : sim->now_ns + ns;
    sim->work_ns = sim->io_ns = 0;
}

/* open(2), then read(2)s or write(2)s of chunk bytes each (the last may be shorter) over
 * [off, off + len), all through the one open file and its readahead state, then close(2). */
static int file_io(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                   uint64_t chunk, bool write)
{
    struct sim_task *t = sim_task(sim, pid);
    struct sim_file *f = sim_file(sim, file);
    if (!t)
        return VML_ENOENT;
    if (!f || len == 0 || off + len < off || chunk == 0)
        return VML_EINVAL;
    int sr = slab_file_touch(sim, f); /* the open(2): its dentry and inode (slab.c) */
    if (sr)
        return sr;
    struct sim_ra ra;
    ra_init(&ra);
    int r = 0;
    sim->work_ns = sim->io_ns = 0;
    int was = sim->current;
    sim->current = pid; /* whom the OOM killer sees allocating, whose cgroup is charged */
    unsigned memcg_was = memcg_use(sim, t);
    struct mpol_ctx mctx, *msave;
    mpol_enter(sim, t, NULL, 0, &mctx, &msave); /* the task's policy places the page cache */
    for (uint64_t o = off; o - off < len;) {
        uint64_t n = len - (o - off) < chunk ? len - (o - off) : chunk;
        if ((r = file_io_call(sim, t, f, &ra, o, n, write)) != 0)
            break;
        /* Each call returns to user space: memory.high's reclaim and throttling. */
        memcg_handle_over_high(sim, task_node(sim, t));
        if (!write && o + n >= f->size)
            break; /* end of file: read(2) returns 0 */
        o += n;
    }
    mpol_leave(sim, msave);
    sim->memcg_over_high = 0;
    sim->current = was;
    sim->memcg_cur = memcg_was;
    file_io_done(sim);
    return r;
}

int vml_sim_file_read(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len)
{
    return file_io(sim, pid, file, off, len, len, false);
}

int vml_sim_file_write(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len)
{
    return file_io(sim, pid, file, off, len, len, true);
}

int vml_sim_file_read_chunked(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                              uint64_t chunk)
{
    return file_io(sim, pid, file, off, len, chunk, false);
}

int vml_sim_file_write_chunked(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                               uint64_t chunk)
{
    return file_io(sim, pid, file, off, len, chunk, true);
}

/* folio_mkclean on one mapping: a shared mapping's PTEs of file pages [from, to) that v maps
 * are write-protected and cleaned (page_vma_mkclean_one), so the next write faults and
 * dirties the folio again (write-notify). Private mappings' PTEs are left alone (rmap_walk's
 * invalid_mkclean_vma skips them). */
static void mkclean_vma(struct sim_mm *mm, const struct vma *v, uint64_t from, uint64_t to)
{
    if (!(v->flags & VM_SHARED))
        return;
    uint64_t vfirst = v->pgoff, vlast = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT);
    uint64_t lo = from > vfirst ? from : vfirst, hi = to < vlast ? to : vlast;
    if (lo >= hi)
        return;
    uint64_t s = v->start + ((lo - v->pgoff) << PAGE_SHIFT),
             e = v->start + ((hi - v->pgoff) << PAGE_SHIFT);
    /* page_vma_mkclean_one: ptep_clear_flush, then the clean read-only entry. */
    if (vml_pt_protect(mm->pt, s, e, 0, VML_PTE_RW | VML_PTE_D, NULL, NULL) > 0)
        sim_flush_range(mm->sim, mm, s, e);
}

void cache_folio_mkclean(struct vml_sim *sim, struct sim_file *f, uint64_t start, uint64_t nr)
{
    for (size_t t = 0; t < sim->nr_tasks; t++) {
        struct sim_task *tk = &sim->tasks[t];
        if (!tk->alive || !tk->mm)
            continue;
        for (struct vma *v = vma_first(tk->mm->vmas); v; v = vma_next(v))
            if (v->file == f)
                mkclean_vma(tk->mm, v, start, start + nr);
    }
}

uint64_t cache_remove_folio(struct vml_sim *sim, struct sim_file *f, uint64_t index)
{
    uint64_t nr = 1ull << cache_order(f, index), start = index & ~(nr - 1), gone = 0;
    /* filemap_unaccount_folio: a PMD-order folio leaves NR_FILE_THPS. */
    if (nr == 512 && !f->shmem)
        sim->nr_file_thps--;
    for (uint64_t i = start; i < start + nr; i++) {
        uint64_t *slot = radix_slot(&f->pages, i);
        if (!slot || !*slot)
            continue;
        uint64_t pfn = (*slot & CACHE_PFN_MASK) - 1;
        *slot = 0;
        f->nr_cached--;
        page_put(sim, pfn);
        gone++;
    }
    return gone;
}

int vml_sim_file_fsync(struct vml_sim *sim, int file)
{
    return vml_sim_fsync(sim, 0, file, false);
}

int vml_sim_fsync(struct vml_sim *sim, int pid, int file, bool datasync)
{
    struct sim_file *f = sim_file(sim, file);
    if (!f)
        return VML_EINVAL;
    int sr = slab_file_touch(sim, f); /* the open(2) (slab.c) */
    if (sr)
        return sr;
    (void)datasync; /* the simulated file system has no metadata to write: the same work */
    /* ext4_sync_file -> file_write_and_wait_range(0, LLONG_MAX), for fdatasync too; shmem's
     * fsync does nothing (noop_fsync): its pages are never written back. */
    if (!f->shmem && !f->hstate)
        return writeback_range_wait(sim, pid ? sim_task(sim, pid) : NULL, f, 0, UINT64_MAX);
    return 0;
}

int vml_sim_msync(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    /* mm/msync.c: the start must be page aligned; the length is rounded up. */
    if (addr & (PAGE_SIZE - 1))
        return VML_EINVAL;
    uint64_t end = addr + ((len + PAGE_SIZE - 1) & PAGE_MASK);
    if (end < addr)
        return VML_ENOMEM;
    int err = 0;
    for (uint64_t start = addr; start < end;) {
        struct vma *v = vma_find_next(t->mm->vmas, start);
        if (!v || v->start >= end)
            return VML_ENOMEM; /* nothing mapped in the rest of the range */
        if (start < v->start) {
            err = VML_ENOMEM; /* a hole: reported at the end, the rest still synced */
            start = v->start;
        }
        uint64_t e = end < v->end ? end : v->end;
        /* MS_SYNC on a shared file mapping: vfs_fsync_range over the file range it maps. */
        struct sim_file *f = v->kind == VMA_FILE ? v->file : NULL;
        if (f && (v->flags & VM_SHARED) && !f->shmem && !f->hstate) {
            int r = writeback_range_wait(sim, t, f, v->pgoff + ((start - v->start) >> PAGE_SHIFT),
                                         v->pgoff + ((e - v->start) >> PAGE_SHIFT));
            if (r)
                return r;
        }
        start = e;
    }
    return err;
}

void files_destroy(struct vml_sim *sim)
{
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i])
            file_free(sim, sim->files[i]);
    free(sim->files);
    sim->files = NULL;
    sim->nr_files = sim->cap_files = 0;
}
