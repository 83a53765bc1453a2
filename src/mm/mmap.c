/* mm/mmap.c: the memory system calls: mmap (mm/mmap.c: do_mmap, mm/vma.c: mmap_region), munmap
 * (do_vmi_munmap, unmap_region, free_pgtables), mprotect (mm/mprotect.c: mprotect_fixup,
 * change_protection), madvise(MADV_DONTNEED) (mm/madvise.c), mlock/munlock (mm/mlock.c,
 * mm/gup.c: __mm_populate) and brk (mm/mmap.c: brk syscall, do_brk_flags).
 */
#include "mm/sim_internal.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

static uint64_t prot_to_vm(unsigned prot)
{
    return ((prot & VML_PROT_READ) ? VM_READ : 0) | ((prot & VML_PROT_WRITE) ? VM_WRITE : 0) |
           ((prot & VML_PROT_EXEC) ? VM_EXEC : 0);
}

/* accountable_mapping: private writable memory is charged to Committed_AS. */
static bool accountable(uint64_t flags)
{
    return (flags & VM_WRITE) && !(flags & (VM_SHARED | VM_NORESERVE | VM_HUGETLB));
}

/* __mm_populate for [start, end): faults every page in as get_user_pages would, writing when
 * the mapping is private and writable (populate_vma_page_range). Errors other than OOM are
 * ignored, as mmap(MAP_POPULATE) ignores them. */
static int populate(struct vml_sim *sim, struct sim_task *t, uint64_t start, uint64_t end);

/* What mmap returns after populating: the mapping stands whatever the faults did, unless the
 * process was killed on the way (the OOM killer) or the kernel panicked. */
static int populate_result(int r)
{
    return r == VML_EKILLED || r == VML_EPANIC ? r : 0;
}

static int populate(struct vml_sim *sim, struct sim_task *t, uint64_t start, uint64_t end)
{
    struct sim_mm *mm = t->mm;
    uint64_t step = PAGE_SIZE;
    for (uint64_t va = start; va < end; va += step) {
        struct vma *v = vma_find(mm->vmas, va);
        step = PAGE_SIZE;
        if (!v || !(v->flags & VM_ACCESS_FLAGS)) {
            if (v)
                va = v->end - PAGE_SIZE;
            continue;
        }
        if (v->flags & VM_HUGETLB) {
            /* follow_hugetlb_page: one fault per huge page; they are on no LRU. */
            uint64_t size = hstate_size(vma_hstate(sim, v));
            va &= ~(size - 1);
            step = size;
        }
        bool write = (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
        struct vml_pt_leaf leaf;
        bool present = vml_pt_lookup(mm->pt, va, &leaf) == 0;
        if (!present || (write && !(leaf.entry & VML_PTE_RW))) {
            bool major;
            int r = handle_mm_fault(sim, t, va, write ? VML_WRITE : VML_READ, &major);
            if (r < 0)
                return r;
            /* A fault that had to read is retried by get_user_pages afresh, without
             * FAULT_FLAG_TRIED (__mm_populate re-takes the lock and goes on from the page):
             * the process counts it minor. pgmajfault, counted at the miss, stays. */
            if (r == 0 && major) {
                t->maj_flt--;
                t->min_flt++;
            }
            if (r > 0 || vml_pt_lookup(mm->pt, va, &leaf) != 0)
                continue;
        }
        /* follow_page_pte with FOLL_TOUCH: the page it returns is marked accessed. */
        if (!(v->flags & VM_HUGETLB) && pte_normal_page(sim, leaf.entry))
            page_mark_accessed(sim, vml_pte_pfn(leaf.entry));
    }
    return 0;
}

struct lock_ctx {
    struct vml_sim *sim;
    bool lock;
};

/* Moves the pages present in a range to or from the unevictable list
 * (mlock_vma_pages_range). */
static int lock_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct lock_ctx *c = arg;
    if (!pte_normal_page(c->sim, leaf->entry))
        return 0;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    /* A file PMD maps 512 pages that are folios of their own here (huge_memory.c): each. */
    uint64_t nr = leaf->level == 2 && (sim_frame(c->sim, pfn)->flags & PGF_CACHE) ? 512 : 1;
    for (uint64_t i = 0; i < nr; i++) {
        if (c->lock)
            page_mlock(c->sim, pfn + i);
        else
            page_munlock(c->sim, pfn + i);
    }
    return 0;
}

struct unmap_ctx {
    struct vml_sim *sim;
    struct sim_mm *mm;
};

/* Called for each VMA piece munmap removes, with the set already in its final state. */
static void unmap_piece(void *arg, struct vma *piece)
{
    struct unmap_ctx *u = arg;
    struct sim_mm *mm = u->mm;
    zap_range(u->sim, mm, piece, piece->start, piece->end, false);
    vm_stat_account(mm, piece->flags, vma_pages(piece), -1);
    if (piece->flags & VM_ACCOUNT)
        u->sim->committed -= vma_pages(piece);
    if (piece->flags & VM_LOCKED)
        mm->locked_vm -= vma_pages(piece);
    /* free_pgtables: the tables between the neighbours (floor, ceiling) hold nothing now. */
    struct vma *prev = vma_find_prev(mm->vmas, piece->start);
    struct vma *next = vma_find_next(mm->vmas, piece->start);
    uint64_t floor = prev ? prev->end : 0;
    uint64_t ceiling = next ? next->start : mm->layout.task_size + PAGE_SIZE;
    uint64_t tables = vml_pt_free_empty(mm->pt, floor, ceiling);
    sim_event(u->sim,
              &(struct vml_event){ .kind = VML_EV_ZAP, .pid = mm->owner, .tables = tables });
}

static int do_munmap(struct vml_sim *sim, struct sim_mm *mm, uint64_t start, uint64_t len)
{
    struct unmap_ctx u = { sim, mm };
    /* __split_vma asks vm_ops->may_split first: a hugetlb VMA splits only at huge pages. */
    const struct vma *first = vma_find(mm->vmas, start),
                     *last = vma_find(mm->vmas, start + len - 1);
    int r;
    if ((first && (r = hugetlb_may_split(sim, first, start)) != 0) ||
        (last && (r = hugetlb_may_split(sim, last, start + len)) != 0))
        return r;
    return vma_unmap_range(mm->vmas, start, start + len, unmap_piece, &u);
}

/* The rest of mmap for MAP_HUGETLB: reservation (hugetlb_reserve_pages, checked before MAP_FIXED
 * unmaps anything), the hugetlbfs inode, a VMA that never merges (VM_DONTEXPAND) and is not
 * charged to Committed_AS. */
static int mmap_hugetlb(struct vml_sim *sim, struct sim_task *t, struct hstate *h, uint64_t start,
                        uint64_t len, uint64_t vmf, unsigned flags, uint64_t off, uint64_t *addr)
{
    struct sim_mm *mm = t->mm;
    bool noreserve = flags & VML_MAP_NORESERVE;
    int r = hugetlb_mmap_check(h, len, noreserve);
    if (r)
        return r;
    if ((flags & VML_MAP_FIXED) && (r = do_munmap(sim, mm, start, len)) != 0)
        return r;
    struct sim_file *f;
    void *priv;
    r = hugetlb_mmap(sim, h, len, off, (vmf & VM_SHARED) != 0, noreserve, (vmf & VM_WRITE) != 0, &f,
                     &priv);
    if (r)
        return r;
    vmf |= VM_HUGETLB | VM_DONTEXPAND;
    struct vma_desc d = { .start = start,
                          .end = start + len,
                          .flags = vmf,
                          .kind = VMA_FILE,
                          .file = f,
                          .pgoff = off >> PAGE_SHIFT,
                          .priv = priv };
    file_get(f);
    if ((r = vma_map(mm->vmas, &d, NULL)) != 0) {
        file_put(sim, f);
        hugetlb_mmap_abort(sim, f, priv);
        return r;
    }
    vm_stat_account(mm, vmf, len >> PAGE_SHIFT, +1);
    if (mm->total_vm > mm->hiwater_vm)
        mm->hiwater_vm = mm->total_vm;
    *addr = start;
    if (flags & VML_MAP_POPULATE)
        return populate_result(populate(sim, t, start, start + len));
    return 0;
}

static int sys_mmap(struct vml_sim *sim, int pid, uint64_t hint, uint64_t len, unsigned prot,
                    unsigned flags, int file, uint64_t off, uint64_t *addr)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    struct sim_mm *mm = t->mm;
    unsigned type = flags & (VML_MAP_SHARED | VML_MAP_PRIVATE);
    bool anon = flags & VML_MAP_ANONYMOUS;
    struct hstate *huge = NULL;
    if (flags & VML_MAP_HUGETLB) {
        /* ksys_mmap_pgoff: a known size, anonymous only; the length rounded up to it. */
        huge = hugetlb_hstate_of_flags(sim, flags);
        if (!huge || !anon)
            return VML_EINVAL;
        uint64_t hs = hstate_size(huge);
        if (len == 0 || (len + hs - 1) < len)
            return VML_EINVAL; /* do_mmap: a length that rounds to 0 */
        len = (len + hs - 1) & ~(hs - 1);
        /* hugetlbfs_file_mmap: the offset must be huge page aligned. */
        if (off & (hs - 1))
            return VML_EINVAL;
    }
    /* do_mmap's argument checks. */
    if (len == 0 || PAGE_ALIGN(len) < len || (type != VML_MAP_SHARED && type != VML_MAP_PRIVATE) ||
        (prot & ~(VML_PROT_READ | VML_PROT_WRITE | VML_PROT_EXEC)) || (off & (PAGE_SIZE - 1)))
        return VML_EINVAL;
    len = PAGE_ALIGN(len);
    struct sim_file *f = NULL;
    if (!anon) {
        f = sim_file(sim, file);
        if (!f)
            return VML_EINVAL;            /* EBADF on Linux */
        int sr = slab_file_touch(sim, f); /* the agent's open(2) (slab.c) */
        if (sr)
            return sr;
    }
    uint64_t vmf = prot_to_vm(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (type == VML_MAP_SHARED)
        vmf |= VM_SHARED | VM_MAYSHARE;
    /* do_mmap: MAP_NORESERVE is ignored under overcommit_memory 2 (OVERCOMMIT_NEVER). */
    if ((flags & VML_MAP_NORESERVE) && sim->vm.overcommit_memory != 2)
        vmf |= VM_NORESERVE;
    bool shmem_anon = anon && type == VML_MAP_SHARED;
    unsigned pl = 0;
    if (flags & VML_MAP_FIXED)
        pl |= MMAP_FIXED;
    else if (flags & VML_MAP_FIXED_NOREPLACE)
        pl |= MMAP_FIXED | MMAP_FIXED_NOREPLACE;
    if (type == VML_MAP_SHARED)
        pl |= MMAP_SHARED;
    if (!anon || huge)
        pl |= MMAP_FILE;
    /* A regular file lives on ext4, whose file_operations name thp_get_unmapped_area
     * (fs/ext4/file.c): a mapping that can hold an aligned 2 MiB of the file is placed so that
     * it does, whatever the THP mode. memfd and shared anonymous objects are shmem
     * (shmem_get_unmapped_area), which aligns only when shmem_enabled is not never. */
    if (f && !f->shmem)
        pl |= MMAP_FILE_THP;
    if (huge)
        pl |= huge->order == 9 ? MMAP_HUGE_2M : MMAP_HUGE_1G;
    uint64_t start;
    int r = mmap_get_unmapped_area(mm->vmas, &mm->layout, hint, len, off >> PAGE_SHIFT, pl, &start);
    if (r)
        return r;
    /* do_mmap, once the range is chosen: file_mmap_ok refuses a mapping that would reach past
     * the largest offset of the file (MAX_LFS_FILESIZE for regular files and shmem) with
     * EOVERFLOW. Its exact rule: len <= max and pgoff <= (max - len) >> PAGE_SHIFT. (The
     * earlier pgoff + pages < pgoff test cannot fire on 64 bits: pgoff < 2^52.) */
    if (f && (len > VML_SIM_MAX_LFS_FILESIZE ||
              (off >> PAGE_SHIFT) > ((VML_SIM_MAX_LFS_FILESIZE - len) >> PAGE_SHIFT)))
        return VML_EOVERFLOW;
    if (huge)
        return mmap_hugetlb(sim, t, huge, start, len, vmf, flags, off, addr);
    /* __mmap_region: the overcommit policy's say (security_vm_enough_memory_mm) on the new
     * mapping's pages before anything is replaced; a shared anonymous object is charged the
     * same way when it is made (shmem_acct_size). ENOMEM leaves everything as it was. */
    bool acct = accountable(vmf);
    uint64_t charged = (acct || (shmem_anon && !(vmf & VM_NORESERVE))) ? len >> PAGE_SHIFT : 0;
    if (charged && (r = vm_enough_memory(sim, mm, charged)) != 0)
        return r;
    /* MAP_FIXED replaces what was there (mmap_region's munmap). */
    if ((flags & VML_MAP_FIXED) && (r = do_munmap(sim, mm, start, len)) != 0) {
        sim->committed -= charged;
        return r;
    }
    if (shmem_anon) {
        /* shmem_zero_setup: an unnamed shmem object the size of the mapping, charged to
         * Committed_AS until it dies (shmem_acct_size, shmem_unacct_size). */
        if ((r = file_create_anon_shm(sim, len, &f)) != 0) {
            sim->committed -= charged;
            return r;
        }
        f->charged = charged;
        f->acct_blocks = !charged; /* MAP_NORESERVE: shmem_acct_blocks, page by page */
    }
    if (acct)
        vmf |= VM_ACCOUNT;
    /* A regular file is opened for each mapping (as a program opens it to map it): the
     * mapping has its own struct file, so its own readahead state, and it merges only with
     * VMAs of that same open file (is_mergeable_vma compares vm_file). */
    struct sim_ra *ra = NULL;
    if (f && !f->shmem && (r = ra_new(sim, &ra)) != 0) {
        sim->committed -= acct ? charged : 0;
        return r;
    }
    struct vma_desc d = {
        .start = start,
        .end = start + len,
        .flags = vmf,
        .kind = f ? (f->shmem ? VMA_SHMEM : VMA_FILE) : VMA_ANON,
        .file = f,
        .pgoff = shmem_anon ? 0 : off >> PAGE_SHIFT,
        .priv = ra,
    };
    /* The VMA holds a reference to its file; a range that merges into a neighbour mapping
     * the same file needs none of its own. */
    struct vma *v;
    if (f)
        file_get(f);
    if ((r = vma_map(mm->vmas, &d, &v)) != 0) {
        if (acct)
            sim->committed -= charged;
        if (f)
            file_put(sim, f);
        return r;
    }
    if (f && (v->start != start || v->end != start + len))
        file_put(sim, f);
    vm_stat_account(mm, vmf, len >> PAGE_SHIFT, +1);
    if (mm->total_vm > mm->hiwater_vm)
        mm->hiwater_vm = mm->total_vm;
    /* __mmap_new_vma or vma_merge_new_range: khugepaged may want the (merged) VMA. */
    khugepaged_enter_vma(sim, mm, v);
    *addr = start;
    /* mm_populate: failures to fault in are not mmap's failure. */
    if (flags & VML_MAP_POPULATE)
        return populate_result(populate(sim, t, start, start + len));
    return 0;
}

/* The call's allocations (page tables, populated pages) are charged to the caller's cgroup. */
int vml_sim_mmap(struct vml_sim *sim, int pid, uint64_t hint, uint64_t len, unsigned prot,
                 unsigned flags, int file, uint64_t off, uint64_t *addr)
{
    unsigned was = memcg_use(sim, sim_task(sim, pid));
    int r = sys_mmap(sim, pid, hint, len, prot, flags, file, off, addr);
    sim->memcg_cur = was;
    return r;
}

static int sys_munmap(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    if ((addr & (PAGE_SIZE - 1)) || len == 0 || PAGE_ALIGN(len) < len ||
        addr + PAGE_ALIGN(len) < addr || addr + PAGE_ALIGN(len) > t->mm->layout.task_size)
        return VML_EINVAL;
    return do_munmap(sim, t->mm, addr, PAGE_ALIGN(len));
}

/* The call's allocations (page tables, populated pages) are charged to the caller's cgroup. */
int vml_sim_munmap(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len)
{
    unsigned was = memcg_use(sim, sim_task(sim, pid));
    int r = sys_munmap(sim, pid, addr, len);
    sim->memcg_cur = was;
    return r;
}

struct prot_ctx {
    struct vml_sim *sim;
    struct sim_mm *mm;
    uint64_t newprot;
};

/* mprotect_fixup's accounting: a private mapping becoming writable is charged now. */
static int mprotect_flags(void *arg, const struct vma *v, uint64_t start, uint64_t end,
                          uint64_t *flags)
{
    struct prot_ctx *p = arg;
    int r;
    /* mprotect_fixup leaves a VMA whose flags do not change alone; else it splits. */
    if (*flags != v->flags && ((r = hugetlb_may_split(p->sim, v, start)) != 0 ||
                               (r = hugetlb_may_split(p->sim, v, end)) != 0))
        return r;
    if ((*flags & VM_WRITE) &&
        !(v->flags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) {
        if ((r = vm_enough_memory(p->sim, p->mm, (end - start) >> PAGE_SHIFT)) != 0)
            return r; /* mprotect_fixup: ENOMEM */
        *flags |= VM_ACCOUNT;
    } else if (!(*flags & VM_WRITE) && (v->flags & VM_ACCOUNT) && !v->file && !v->anon) {
        /* Since 6.5 mprotect_fixup gives the charge of a private anonymous VMA that never
         * faulted (no anon_vma) back when it loses the write right; a later rw charges again. */
        *flags &= ~VM_ACCOUNT;
        p->sim->committed -= (end - start) >> PAGE_SHIFT;
    }
    vm_stat_account(p->mm, v->flags, (end - start) >> PAGE_SHIFT, -1);
    vm_stat_account(p->mm, *flags, (end - start) >> PAGE_SHIFT, +1);
    return 0;
}

/* change_pte_range for one entry: the VMA's new rights. Writable only where no fault is
 * needed first: an exclusive anonymous page, shmem, or a dirty shared file page
 * (can_change_pte_writable). PROT_NONE entries stay present but supervisor-only: x86 Linux
 * clears P and sets _PAGE_PROTNONE instead; both fault on every user access. */
struct prot_leaf_ctx {
    struct vml_sim *sim;
    struct sim_mm *mm;
    uint64_t flags;   /* the VMA's new vm flags */
    uint64_t changed; /* entries changed (change_protection's return) */
};

static int prot_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct prot_leaf_ctx *c = arg;
    uint64_t e = leaf->entry, pfn = vml_pte_pfn(e);
    if (pte_is_swap(e))
        return 0; /* change_pte_range leaves swap entries as they are */
    if (pte_protnone(e)) {
        /* A NUMA hinting entry: pte_modify gives it the new protection, present again. */
        e = (e & ~PTE_PROTNONE) | VML_PTE_P;
        vml_pt_leaf_set(c->mm->pt, leaf, e);
    }
    uint64_t size = 1ull << vml_level_shift(leaf->level);
    uint64_t set = 0, clear = 0;
    if (c->flags & VM_ACCESS_FLAGS)
        set |= VML_PTE_US;
    else
        clear |= VML_PTE_US;
    if (c->flags & VM_EXEC)
        clear |= VML_PTE_NX;
    else
        set |= VML_PTE_NX;
    bool writable = false;
    if ((c->flags & VM_WRITE) && pfn != c->sim->zero_pfn && !(e & VML_PTE_SPECIAL)) {
        const struct frame *f = sim_frame(c->sim, folio_head(c->sim, pfn));
        /* hugetlb_change_protection: huge_pte_modify takes RW from the new vm_page_prot,
         * which has it only for shared mappings. */
        if (c->flags & VM_HUGETLB)
            writable = c->flags & VM_SHARED;
        else if (c->flags & VM_SHARED)
            writable = (f->flags & PGF_SHMEMPG) || (e & VML_PTE_D);
        else
            writable = (f->flags & PGF_ANON) && (f->flags & PGF_EXCLUSIVE);
    }
    if (writable)
        set |= VML_PTE_RW;
    else
        clear |= VML_PTE_RW;
    c->changed += vml_pt_protect(c->mm->pt, leaf->va, leaf->va + size, set, clear, NULL, NULL) > 0;
    return 0;
}

static int sys_mprotect(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, unsigned prot)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    struct sim_mm *mm = t->mm;
    if ((addr & (PAGE_SIZE - 1)) || (prot & ~(VML_PROT_READ | VML_PROT_WRITE | VML_PROT_EXEC)))
        return VML_EINVAL;
    len = PAGE_ALIGN(len);
    if (len == 0)
        return 0;
    uint64_t end = addr + len;
    if (end < addr)
        return VML_ENOMEM;
    struct prot_ctx p = { sim, mm, prot_to_vm(prot) };
    struct vma_change ch = { .clear = VM_ACCESS_FLAGS,
                             .set = p.newprot,
                             .holes = VMA_HOLES_STOP,
                             .fn = mprotect_flags,
                             .ctx = &p };
    uint64_t done = addr;
    int r = vma_change(mm->vmas, addr, end, &ch, &done);
    /* change_protection over what changed, VMA by VMA, then one flush; hugetlb VMAs flush
     * their own range by huge page (flush_hugetlb_tlb_range). */
    bool flush = false;
    struct vml_event ev = { .kind = VML_EV_MPROTECT, .pid = pid, .addr = addr };
    ev.tlb_flushes = sim->stats.tlb_flushes;
    ev.tlb_shootdowns = sim->stats.tlb_shootdowns;
    for (struct vma *v = vma_find_next(mm->vmas, addr); v && v->start < done; v = vma_next(v)) {
        uint64_t s = v->start > addr ? v->start : addr, e = v->end < done ? v->end : done;
        struct prot_leaf_ctx c = { sim, mm, v->flags, 0 };
        vml_pt_for_each(mm->pt, s, e, prot_leaf, &c);
        ev.n += c.changed;
        if (v->flags & VM_HUGETLB)
            sim_flush_range_shift(sim, mm, s, e, hstate_shift(vma_hstate(sim, v)));
        else
            flush = true;
    }
    if (flush)
        sim_flush_range(sim, mm, addr, done);
    ev.tlb_flushes = sim->stats.tlb_flushes - ev.tlb_flushes;
    ev.tlb_shootdowns = sim->stats.tlb_shootdowns - ev.tlb_shootdowns;
    sim_event(sim, &ev);
    return r;
}

/* The call's allocations (page tables, populated pages) are charged to the caller's cgroup. */
int vml_sim_mprotect(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, unsigned prot)
{
    unsigned was = memcg_use(sim, sim_task(sim, pid));
    int r = sys_mprotect(sim, pid, addr, len, prot);
    sim->memcg_cur = was;
    return r;
}

/* madvise_update_vma splits through __split_vma as mprotect_fixup does: a hugetlb VMA only at
 * its huge pages (hugetlb_vm_op_split), else the advice fails with EINVAL. */
static int hugepage_flags(void *arg, const struct vma *v, uint64_t start, uint64_t end,
                          uint64_t *flags)
{
    struct vml_sim *sim = arg;
    int r;
    if (*flags != v->flags &&
        ((r = hugetlb_may_split(sim, v, start)) != 0 || (r = hugetlb_may_split(sim, v, end)) != 0))
        return r;
    return 0;
}

static int sys_madvise(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, int advice)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    struct sim_mm *mm = t->mm;
    if ((addr & (PAGE_SIZE - 1)) || (advice != VML_MADV_DONTNEED && advice != VML_MADV_HUGEPAGE &&
                                     advice != VML_MADV_NOHUGEPAGE && advice != VML_MADV_COLLAPSE &&
                                     advice != VML_MADV_COLD && advice != VML_MADV_PAGEOUT))
        return VML_EINVAL;
    len = PAGE_ALIGN(len);
    uint64_t end = addr + len;
    if (end < addr)
        return VML_EINVAL;
    if (len == 0)
        return 0;
    if (advice == VML_MADV_HUGEPAGE || advice == VML_MADV_NOHUGEPAGE) {
        /* hugepage_madvise: one flag set, the other cleared, VMAs split or merged as for any
         * flag change (madvise_update_vma); pages already mapped stay as they are. */
        bool on = advice == VML_MADV_HUGEPAGE;
        struct vma_change ch = { .clear = on ? VM_NOHUGEPAGE : VM_HUGEPAGE,
                                 .set = on ? VM_HUGEPAGE : VM_NOHUGEPAGE,
                                 .holes = VMA_HOLES_SKIP,
                                 .fn = hugepage_flags,
                                 .ctx = sim };
        uint64_t done = addr;
        int r = vma_change(mm->vmas, addr, end, &ch, &done);
        /* hugepage_madvise: a VMA that became one khugepaged may work in registers its mm
         * without waiting for a fault. */
        for (struct vma *v = vma_find_next(mm->vmas, addr); on && v && v->start < done;
             v = vma_next(v))
            khugepaged_enter_vma(sim, mm, v);
        return r;
    }
    if (advice == VML_MADV_COLLAPSE)
        return thp_madvise_collapse(sim, t, addr, end);
    if (advice == VML_MADV_COLD || advice == VML_MADV_PAGEOUT)
        return madvise_cold_or_pageout(sim, t, addr, end, advice == VML_MADV_PAGEOUT);
    /* madvise_walk_vmas: every mapped part, ENOMEM at the end if there was a hole;
     * madvise_dontneed_free_valid_vma: locked VMAs refuse. */
    bool hole = false;
    uint64_t cur = addr;
    for (struct vma *v = vma_find_next(mm->vmas, addr); v && v->start < end; v = vma_next(v)) {
        uint64_t s = v->start > addr ? v->start : addr, e = v->end < end ? v->end : end;
        if (v->flags & VM_HUGETLB) {
            /* madvise_dontneed_free_valid_vma: the start must be huge aligned; the end is
             * rounded down, so a partial huge page is left alone. */
            uint64_t size = hstate_size(vma_hstate(sim, v));
            if (s & (size - 1))
                return VML_EINVAL;
            e &= ~(size - 1);
        } else if (v->flags & (VM_LOCKED | VM_PFNMAP)) {
            return VML_EINVAL;
        }
        if (v->start > cur)
            hole = true;
        if (s < e) /* madvise_dontneed_single_vma: zap_details.reclaim_pt */
            zap_range(sim, mm, v, s, e, true);
        cur = v->end;
    }
    if (cur < end)
        hole = true;
    return hole ? VML_ENOMEM : 0;
}

/* The call's allocations (page tables, populated pages) are charged to the caller's cgroup. */
int vml_sim_madvise(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, int advice)
{
    unsigned was = memcg_use(sim, sim_task(sim, pid));
    int r = sys_madvise(sim, pid, addr, len, advice);
    sim->memcg_cur = was;
    return r;
}

/* The pieces of a range whose VM_LOCKED flips, collected by the change's callback. */
struct flip_ctx {
    uint64_t (*pieces)[2];
    size_t n, cap;
    bool lock;
};

static int note_flip(void *arg, const struct vma *v, uint64_t start, uint64_t end, uint64_t *flags)
{
    struct flip_ctx *c = arg;
    /* mlock_fixup leaves hugetlb VMAs alone (no VM_LOCKED, not in locked_vm); mlock still
     * faults them in. */
    if (v->flags & VM_HUGETLB) {
        *flags = v->flags;
        return 0;
    }
    if (((v->flags & VM_LOCKED) != 0) == c->lock)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        void *p = realloc(c->pieces, cap * sizeof(*c->pieces));
        if (!p)
            return VML_EHOST;
        c->pieces = p;
        c->cap = cap;
    }
    c->pieces[c->n][0] = start;
    c->pieces[c->n][1] = end;
    c->n++;
    return 0;
}

/* mlock_fixup over a range (apply_vma_lock_flags): VM_LOCKED flips piece by piece; locked_vm
 * and the pages' mlock counts change for the pieces that flipped; mlock then faults the range
 * in (__mm_populate). */
static int do_mlock(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, bool lock)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    struct sim_mm *mm = t->mm;
    /* mlock rounds the start down and the end up. */
    uint64_t start = addr & PAGE_MASK, end = PAGE_ALIGN(addr + len);
    if (end < start)
        return VML_EINVAL;
    if (end == start)
        return 0;
    struct flip_ctx fc = { .lock = lock };
    struct vma_change ch = { .clear = lock ? 0 : VM_LOCKED,
                             .set = lock ? VM_LOCKED : 0,
                             .holes = VMA_HOLES_STOP,
                             .fn = note_flip,
                             .ctx = &fc };
    uint64_t done = start;
    int r = vma_change(mm->vmas, start, end, &ch, &done);
    for (size_t i = 0; i < fc.n; i++) {
        uint64_t s = fc.pieces[i][0], e = fc.pieces[i][1] < done ? fc.pieces[i][1] : done;
        if (s >= e)
            continue;
        struct lock_ctx lc = { sim, lock };
        vml_pt_for_each(mm->pt, s, e, lock_leaf, &lc);
        if (lock)
            mm->locked_vm += (e - s) >> PAGE_SHIFT;
        else
            mm->locked_vm -= (e - s) >> PAGE_SHIFT;
    }
    free(fc.pieces);
    if (lock && done > start) {
        int pr = populate(sim, t, start, done);
        if (pr < 0)
            return pr;
    }
    return r;
}

int vml_sim_mlock(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len)
{
    unsigned was = memcg_use(sim, sim_task(sim, pid));
    int r = do_mlock(sim, pid, addr, len, true);
    sim->memcg_cur = was;
    return r;
}

int vml_sim_munlock(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len)
{
    return do_mlock(sim, pid, addr, len, false);
}

static int sys_brk(struct vml_sim *sim, int pid, uint64_t brk, uint64_t *out)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    struct sim_mm *mm = t->mm;
    *out = mm->brk;
    if (brk < mm->start_brk || brk == 0)
        return 0;
    uint64_t newbrk = PAGE_ALIGN(brk), oldbrk = PAGE_ALIGN(mm->brk);
    if (newbrk == oldbrk) {
        mm->brk = brk;
        *out = brk;
        return 0;
    }
    if (newbrk < oldbrk) {
        /* Shrinking: always allowed (do_vmi_align_munmap of the tail). */
        if (do_munmap(sim, mm, newbrk, oldbrk - newbrk) != 0)
            return 0;
        mm->brk = brk;
        *out = brk;
        return 0;
    }
    /* Growing: the new pages must not come within the guard gap of the next VMA. */
    struct vma *next = vma_find_next(mm->vmas, oldbrk);
    if (next && newbrk + PAGE_SIZE > vma_start_gap(mm->vmas, next))
        return 0;
    uint64_t vmf = VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT;
    struct vma_desc d = { .start = oldbrk, .end = newbrk, .flags = vmf, .kind = VMA_ANON };
    struct vma *v;
    /* do_brk_flags: the overcommit policy's say first; brk then returns the old break. */
    if (vm_enough_memory(sim, mm, (newbrk - oldbrk) >> PAGE_SHIFT) != 0)
        return 0;
    if (vma_map(mm->vmas, &d, &v) != 0) {
        sim->committed -= (newbrk - oldbrk) >> PAGE_SHIFT;
        return 0;
    }
    khugepaged_enter_vma(sim, mm, v); /* do_brk_flags */
    vm_stat_account(mm, vmf, (newbrk - oldbrk) >> PAGE_SHIFT, +1);
    if (mm->total_vm > mm->hiwater_vm)
        mm->hiwater_vm = mm->total_vm;
    mm->brk = brk;
    *out = brk;
    return 0;
}

/* The call's allocations (page tables, populated pages) are charged to the caller's cgroup. */
int vml_sim_brk(struct vml_sim *sim, int pid, uint64_t brk, uint64_t *out)
{
    unsigned was = memcg_use(sim, sim_task(sim, pid));
    int r = sys_brk(sim, pid, brk, out);
    sim->memcg_cur = was;
    return r;
}
