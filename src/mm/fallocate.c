/* mm/fallocate.c: fallocate(2) on a regular file of the simulated ext4 (fs/ext4/extents.c:
 * ext4_fallocate, ext4_punch_hole in fs/ext4/inode.c) and what it does to the page cache and to
 * the mappings of the file (mm/truncate.c: truncate_pagecache_range).
 *
 * Probed on Linux 6.18 (docs/probes/fallocate_probe.c, .out): allocating (mode 0, KEEP_SIZE)
 * leaves the cache and the mappings alone; punching a hole drops the cached pages wholly inside
 * it, dirty ones too and without writing them (nr_written unchanged), unmaps them from shared and
 * private mappings (the private COW copies stay), and leaves a page the hole cuts at an edge
 * cached, mapped and dirty.
 */
#include "mm/sim_internal.h"

/* The page-cache pages of f in [from, to) leave every PTE that maps them: unmap_mapping_range
 * with even_cows 0 (truncate_pagecache_range), so a private mapping's anonymous copy of such a
 * page stays. Pages are unmapped one by one, so that an anonymous page beside them is left. */
static void unmap_file_pages(struct vml_sim *sim, struct sim_file *f, uint64_t from, uint64_t to)
{
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        struct sim_task *tk = &sim->tasks[i];
        if (!tk->alive || !tk->mm)
            continue;
        for (struct vma *v = vma_first(tk->mm->vmas); v; v = vma_next(v)) {
            if (v->file != f)
                continue;
            uint64_t lo = from > v->pgoff ? from : v->pgoff;
            uint64_t hi = v->pgoff + vma_pages(v);
            if (to < hi)
                hi = to;
            for (uint64_t idx = lo; idx < hi; idx++) {
                uint64_t va = v->start + ((idx - v->pgoff) << PAGE_SHIFT);
                struct vml_pt_leaf leaf;
                /* A file PMD over the page is zapped whole (zap_pmd_range's split, a zap
                 * for a file PMD: huge_memory.c). */
                if (vml_pt_lookup(tk->mm->pt, va, &leaf) != 0 ||
                    (leaf.level != 1 && leaf.level != 2) || !pte_present(leaf.entry))
                    continue;
                if (sim_frame(sim, vml_pte_pfn(leaf.entry))->flags & PGF_CACHE)
                    zap_range(sim, tk->mm, v, va, va + PAGE_SIZE, false);
            }
        }
    }
}

/* truncate_inode_partial_folio for the folio caching index, when it is large and reaches out
 * of the hole [off, end) (bytes): it is unmapped whole (as vml_sim_truncate does with the folio
 * the new end cuts) and split, here to single pages (each page is a frame of its own already). */
static void split_cut_folio(struct vml_sim *sim, struct sim_file *f, uint64_t index, uint64_t off,
                            uint64_t end)
{
    uint64_t pfn;
    if (!cache_lookup(f, index, &pfn))
        return;
    uint64_t nr = 1ull << cache_order(f, index), start = index & ~(nr - 1);
    uint64_t fs = start << PAGE_SHIFT, fe = (start + nr) << PAGE_SHIFT;
    if (nr == 1 || (fs >= off && fe <= end))
        return;
    unmap_file_pages(sim, f, start, start + nr);
    if (nr == 512)
        sim->nr_file_thps--;
    for (uint64_t i = start; i < start + nr; i++) {
        uint64_t *slot = radix_slot(&f->pages, i);
        if (slot && *slot)
            *slot &= CACHE_PFN_MASK; /* order 0 */
    }
}

/* ext4_punch_hole over [off, end) bytes, end already clipped. */
static int punch_hole(struct vml_sim *sim, struct sim_task *t, struct sim_file *f, uint64_t off,
                      uint64_t end)
{
    /* truncate_pagecache_range(inode, off, end - 1): the whole pages [first, last) are unmapped
     * and dropped; a page cut at an edge stays, zeroed in part. */
    uint64_t first = (off + PAGE_SIZE - 1) >> PAGE_SHIFT, last = end >> PAGE_SHIFT;
    bool head_cut = (off & (PAGE_SIZE - 1)) != 0, tail_cut = (end & (PAGE_SIZE - 1)) != 0;
    uint64_t head_idx = off >> PAGE_SHIFT, tail_idx = end >> PAGE_SHIFT;
    /* A large folio that straddles an edge of the hole is split (truncate_inode_partial_folio);
     * so is one holding a cut page. */
    split_cut_folio(sim, f, off >> PAGE_SHIFT, off, end);
    split_cut_folio(sim, f, (end - 1) >> PAGE_SHIFT, off, end);
    if (last > first) {
        unmap_file_pages(sim, f, first, last);
        /* truncate_inode_pages_range: each folio wholly inside waits for its writeback
         * (folio_wait_writeback), then leaves the cache, dirty or not (folio_cancel_dirty). */
        for (uint64_t idx = first; idx < last; idx++) {
            uint64_t pfn;
            if (!cache_lookup(f, idx, &pfn))
                continue;
            int r = writeback_folio_wait(sim, t, f, idx);
            if (r)
                return r;
            idx += cache_remove_folio(sim, f, idx) - 1;
        }
    }
    /* ext4_zero_partial_blocks: the cut blocks (a block is a page here: 4 KiB blocks) are
     * zeroed through the page cache and their buffers dirtied, so a cached edge page is dirty
     * now (probed). An edge page that is not cached is a hole in the simulation (pagecache.c):
     * the kernel finds no block there and dirties nothing. */
    if (head_cut && cache_lookup(f, head_idx, &(uint64_t){ 0 }))
        cache_folio_set_dirty(sim, f, head_idx);
    if (tail_cut && tail_idx != head_idx && cache_lookup(f, tail_idx, &(uint64_t){ 0 }))
        cache_folio_set_dirty(sim, f, tail_idx);
    return 0;
}

static int sys_fallocate(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                         unsigned mode)
{
    struct sim_file *f = sim_file(sim, file);
    if (!f || f->hstate || (mode & ~(VML_SIM_FALLOC_KEEP_SIZE | VML_SIM_FALLOC_PUNCH_HOLE)))
        return VML_EINVAL;
    struct sim_task *t = pid ? sim_task(sim, pid) : NULL;
    if (pid && !t)
        return VML_ENOENT;
    if (f->shmem)
        return VML_ENOTSUP;
    /* vfs_fallocate: a length of 0 is EINVAL; punching without KEEP_SIZE is EOPNOTSUPP; a
     * range past the filesystem's largest file (s_maxbytes) or one that overflows is EFBIG. */
    if (len == 0 || off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX)
        return VML_EINVAL;
    if ((mode & VML_SIM_FALLOC_PUNCH_HOLE) && !(mode & VML_SIM_FALLOC_KEEP_SIZE))
        return VML_ENOTSUP;
    if (off + len > VML_SIM_EXT4_MAX_BYTES || off + len < off)
        return VML_EFBIG;
    if (!(mode & VML_SIM_FALLOC_PUNCH_HOLE)) {
        /* ext4_do_fallocate: blocks allocated (unwritten extents; the simulated disk keeps no
         * blocks), nothing cached changes; without KEEP_SIZE the size grows to off + len
         * (ext4_update_inode_size). */
        if (!(mode & VML_SIM_FALLOC_KEEP_SIZE) && off + len > f->size)
            return vml_sim_file_grow(sim, file, off + len);
        return 0;
    }
    /* ext4_punch_hole: nothing past the end of the file; a hole reaching past it ends at the
     * end of the page holding the last byte. */
    if (off >= f->size)
        return 0;
    uint64_t end = off + len, eof_page = (f->size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if (end > f->size)
        end = eof_page;
    return punch_hole(sim, t, f, off, end);
}

/* The blocks' page cache is charged to the caller's cgroup. */
int vml_sim_fallocate(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                      unsigned mode)
{
    unsigned was = memcg_use(sim, pid ? sim_task(sim, pid) : NULL);
    int r = sys_fallocate(sim, pid, file, off, len, mode);
    sim->memcg_cur = was;
    return r;
}
