/* mm/pagecache.c: simulated files and their page cache (mm/filemap.c in miniature).
 *
 * A file is a name, a size and a sparse index of cached pages. A regular file's missing page
 * is brought in from the file (a major fault when a mapping touches it, no fault for read(2));
 * shmem objects (memfd, MAP_SHARED|MAP_ANONYMOUS) have no backing store, so a missing page is
 * simply allocated, and their pages count as Shmem. A miss of a regular file reads ahead
 * (readahead.c).
 *
 * Which misses read the disk (pgpgin, counted per bio in submit_bio): only those of pages whose
 * blocks hold data, and for write(2) only when the write leaves part of the page to fill
 * (ext4_block_write_begin reads a mapped block only if the write does not cover it; a full
 * page is not read). A hole (no block) is zero-filled without I/O: ext4_mpage_readpages for
 * reads and faults, ext4_da_get_block_prep's new buffer for writes. Blocks get data only when
 * written pages are written back, and the simulation has no writeback and never drops a page
 * from a live file's cache: files are created sparse (as `file create` does with ftruncate on
 * the real kernel), so every miss here is a hole and nothing is ever read.
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
        *pfn = *slot - 1;
    return 1;
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
    /* filemap_fault: a page that was not cached makes the fault major, I/O or not (a hole is
     * zero-filled: no pgpgin, see above); shmem_fault allocates without. */
    if (!f->shmem)
        *major = true;
    return 0;
}

void cache_add(struct sim_file *f, uint64_t index, uint64_t pfn)
{
    uint64_t *slot = radix_slot(&f->pages, index);
    assert(slot && "cache_add: cache_reserve first");
    *slot = pfn + 1;
    f->nr_cached++;
}

void file_get(struct sim_file *f)
{
    f->refs++;
}

static void put_cached(uint64_t index, uint64_t val, void *ctx)
{
    (void)index;
    page_put(ctx, val - 1);
}

static void file_free(struct vml_sim *sim, struct sim_file *f)
{
    sim->committed -= f->charged;
    if (f->hstate)
        hugetlb_file_free(sim, f);
    /* hugetlb_file_free gave the huge pages back; other caches drop their pages' references. */
    radix_free(&f->pages, f->hstate ? NULL : put_cached, sim);
    free(f);
}

void file_put(struct vml_sim *sim, struct sim_file *f)
{
    if (--f->refs > 0)
        return;
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

/* read(2)/write(2): every page of the range through the cache (filemap_read,
 * generic_perform_write). Neither faults nor changes any RSS. */
static int file_io(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len, bool write)
{
    struct sim_task *t = sim_task(sim, pid);
    struct sim_file *f = sim_file(sim, file);
    if (!t)
        return VML_ENOENT;
    if (!f || len == 0 || off + len < off)
        return VML_EINVAL;
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
    /* Each read(2) or write(2) opens the file anew: a fresh readahead state. */
    struct sim_ra ra;
    ra_init(&ra);
    uint64_t last = (end + PAGE_SIZE - 1) >> PAGE_SHIFT;
    for (uint64_t idx = off >> PAGE_SHIFT; idx < last; idx++) {
        uint64_t pfn;
        bool major;
        int r = 0;
        /* filemap_get_pages: a read that finds a page missing reads ahead
         * (page_cache_sync_ra), one that reaches the mark reads the next window
         * (filemap_readahead). A write reads nothing ahead (generic_perform_write). */
        if (!write && !f->shmem) {
            if (!cache_lookup(f, idx, &pfn))
                r = ra_sync(sim, f, &ra, idx, last - idx, node);
            if (r == 0 && cache_lookup(f, idx, &pfn) &&
                (sim_frame(sim, pfn)->flags & PGF_READAHEAD))
                r = ra_async(sim, f, &ra, pfn, idx, last - idx, node);
        }
        if (r == 0)
            r = cache_get(sim, f, idx, node, &pfn, &major);
        if (r)
            return r;
        /* filemap_read / generic_perform_write: folio_mark_accessed. */
        page_mark_accessed(sim, pfn);
        if (write)
            page_set_dirty(sim, pfn);
    }
    if (write && end > f->size)
        f->size = end;
    return 0;
}

int vml_sim_file_read(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len)
{
    return file_io(sim, pid, file, off, len, false);
}

int vml_sim_file_write(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len)
{
    return file_io(sim, pid, file, off, len, true);
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
