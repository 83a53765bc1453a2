/* mm/fault.c: page-fault handling (arch/x86/mm/fault.c: do_user_addr_fault, access_error;
 * mm/memory.c: handle_mm_fault and the handlers below).
 *
 *   not present, anonymous private VMA   do_anonymous_page: zero page on read, new page on write
 *   not present, file or shmem VMA        do_read_fault (with fault-around) / do_cow_fault /
 *                                         do_shared_fault
 *   present, write to a read-only entry   do_wp_page: make writable (shared), reuse an exclusive
 *                                         anonymous page, or copy (wp_page_copy)
 *   present and allowed                   spurious (a stale TLB entry): nothing to do
 */
#include "mm/sim_internal.h"

/* mm/memory.c: fault_around_bytes = 64 KiB, i.e. 16 pages. */
#define FAULT_AROUND_PAGES 16ull

int mm_counter_of(const struct frame *f)
{
    if (f->flags & PGF_ANON)
        return MM_ANONPAGES;
    return (f->flags & PGF_SHMEMPG) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

uint64_t vma_pte_flags(const struct vma *v, bool writable)
{
    /* vm_get_page_prot: user, accessed (x86's PAGE_* protections include _PAGE_ACCESSED), NX
     * unless executable. */
    uint64_t f = VML_PTE_US | VML_PTE_A;
    if (!(v->flags & VM_EXEC))
        f |= VML_PTE_NX;
    if (writable)
        f |= VML_PTE_RW;
    return f;
}

void mm_update_hiwater(struct sim_mm *mm)
{
    uint64_t rss = mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES];
    if (rss > mm->hiwater_rss)
        mm->hiwater_rss = rss;
}

/* Installs a page's PTE and its rmap and RSS accounting (set_pte_range + folio_add_*_rmap). */
static int map_page(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t va,
                    uint64_t pfn, uint64_t flags)
{
    int r = vml_pt_map(mm->pt, va, pfn, VML_PS_4K, flags);
    if (r)
        return r;
    struct frame *f = sim_frame(sim, folio_head(sim, pfn));
    page_add_map(sim, mm, pfn);
    mm->rss[mm_counter_of(f)]++;
    if (v->flags & VM_LOCKED)
        page_mlock(sim, pfn);
    return 0;
}

/* Removes the PTE at va (keeping the table) and flushes it from every CPU. */
static void clear_pte(struct vml_sim *sim, struct sim_mm *mm, uint64_t va)
{
    vml_pt_unmap(mm->pt, va, va + PAGE_SIZE, VML_PT_KEEP_TABLES, NULL, NULL);
    sim_flush_range(sim, mm, va, va + PAGE_SIZE);
}

/* anon_vma_prepare: a VMA gets its anonymous lineage with its first anonymous page, a
 * neighbour's when it could merge with it (find_mergeable_anon_vma), else a new one. */
void vma_anon_prepare(struct vml_sim *sim, struct vma *v)
{
    if (v->anon != 0)
        return;
    uint64_t reuse = vma_anon_reusable(v);
    v->anon = reuse ? reuse : sim->next_anon++;
}

static uint64_t linear_index(const struct vma *v, uint64_t va)
{
    return v->pgoff + ((va - v->start) >> PAGE_SHIFT);
}

/* The readahead state of the open file a regular file VMA maps (NULL for shmem, whose faults
 * do not read ahead). */
static struct sim_ra *file_ra(const struct vma *v)
{
    return v->kind == VMA_FILE && !(v->flags & VM_HUGETLB) ? v->priv : NULL;
}

static int any_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    (void)leaf;
    (void)arg;
    return 1;
}

/* mm/memory.c: alloc_anon_folio: the largest mTHP order (below the PMD's) that the settings
 * allow in v, whose naturally aligned range around va lies inside v (thp_vma_suitable_orders)
 * and has no PTE yet (pte_range_none), and that the buddy allocator can give; an order it
 * cannot give counts anon_fault_fallback and the next smaller one is tried. Order 0 (a 4 KiB
 * page) when none. *order and *pfn receive the choice. */
static int alloc_anon_folio(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                            unsigned *order, uint64_t *pfn)
{
    struct sim_mm *mm = t->mm;
    unsigned below_pmd = (1u << VML_THP_PMD_ORDER) - 1;
    unsigned orders = thp_vma_allowable_orders(sim, mm, v) & below_pmd;
    unsigned node = task_node(sim, t);
    for (unsigned o = VML_THP_PMD_ORDER; o-- > VML_MTHP_MIN_ORDER;) {
        if (!(orders & (1u << o)))
            continue;
        uint64_t size = PAGE_SIZE << o, addr = va & ~(size - 1);
        if (addr < v->start || addr + size > v->end ||
            vml_pt_for_each(mm->pt, addr, addr + size, any_leaf, NULL))
            continue;
        int r = page_alloc_large(sim, node, o, v->anon, addr >> PAGE_SHIFT,
                                 vma_thp_gfp_mask(sim, v), pfn);
        if (r == 0) {
            *order = o;
            return 0;
        }
        if (r != VML_ENOMEM)
            return r;
        sim->thp_stats[o][VML_THP_STAT_anon_fault_fallback]++;
    }
    *order = 0;
    return page_alloc_anon(sim, node, v->anon, va >> PAGE_SHIFT, pfn);
}

/* mm/memory.c: do_anonymous_page. */
static int do_anonymous_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                             bool write)
{
    struct sim_mm *mm = t->mm;
    if (!write && !sim->cfg.no_zero_page) {
        /* The shared zero page: special, read-only, not counted anywhere. */
        return vml_pt_map(mm->pt, va, sim->zero_pfn, VML_PS_4K,
                          vma_pte_flags(v, false) | VML_PTE_SPECIAL);
    }
    vma_anon_prepare(sim, v);
    uint64_t pfn;
    unsigned order;
    int r = alloc_anon_folio(sim, t, v, va, &order, &pfn);
    if (r)
        return r;
    sim_charge(sim, COST_ALLOC_PAGE_NS + (COST_CLEAR_4K_NS << order)); /* folio_zero_user */
    if (order == 0)
        page_mark_zerofill(sim, pfn); /* all zeros until the access's store, if it writes */
    /* Writable and dirty where the VMA allows writing, even for a read when the zero page is
     * forbidden (pte_mkwrite(pte_mkdirty())). A large folio is mapped whole, one PTE a page
     * (set_ptes), in this one fault. */
    bool w = v->flags & VM_WRITE;
    uint64_t nr = 1ull << order, addr = va & ~((PAGE_SIZE << order) - 1);
    for (uint64_t i = 0; i < nr && r == 0; i++)
        r = map_page(sim, mm, v, addr + i * PAGE_SIZE, pfn + i,
                     vma_pte_flags(v, w) | (w ? VML_PTE_D : 0));
    if (r == 0 && order)
        sim->thp_stats[order][VML_THP_STAT_anon_fault_alloc]++;
    page_put(sim, pfn); /* the mappings hold the folio now */
    return r;
}

/* The address at which v maps file page idx. */
static uint64_t file_va(const struct vma *v, uint64_t idx)
{
    return v->start + ((idx - v->pgoff) << PAGE_SHIFT);
}

/* do_fault_around -> filemap_map_pages: maps the cached pages of a 16-page window around va
 * that have no PTE yet, va included; no I/O, no fault. A folio marked for readahead is left
 * for the fault to find, and nothing at or past the end of the file is mapped
 * (next_uptodate_folio). A large folio the window reaches is mapped whole when it lies inside
 * the VMA and one page table and ends before the file's last page (filemap_map_folio_range
 * in 6.18: folio_within_vma, the PMD check, can_map_large: file_end >= folio_next_index);
 * otherwise only its pages in the window (a folio ending at the end of the file is then
 * mapped whole by the fault itself, finish_fault). Returns
 * how many pages it mapped; they make up for the open file's mmap misses. */
static uint64_t fault_around(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v,
                             struct sim_file *f, uint64_t va, bool shared_writable)
{
    /* do_fault_around: 16 entries from the aligned block's start clamped to the VMA and the
     * page table, then clamped to their ends. */
    uint64_t win = FAULT_AROUND_PAGES * PAGE_SIZE;
    uint64_t pmd_lo = va & ~((2ull << 20) - 1), pmd_hi = pmd_lo + (2ull << 20);
    uint64_t lo = va & ~(win - 1);
    lo = lo < v->start ? v->start : lo;
    lo = lo < pmd_lo ? pmd_lo : lo;
    uint64_t hi = lo + win;
    hi = hi > v->end ? v->end : hi;
    hi = hi > pmd_hi ? pmd_hi : hi;
    uint64_t mapped = 0;
    uint64_t file_pages = (f->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    /* The first folio the window finds: where no page table covers va yet and that folio is
     * PMD-sized and reaches the end of the file (can_map_large false: no PMD across i_size),
     * nothing is mapped and the fault proper maps what finish_fault allows. Observed: a 4 MiB
     * file of two 2 MiB folios mapped 1 MiB off a 2 MiB boundary and read page by page takes 65
     * faults, the extra one at the first page of the last page table's range. */
    for (uint64_t a = lo; a < hi && vml_pt_pmd_none(mm->pt, va); a += PAGE_SIZE) {
        uint64_t idx = linear_index(v, a);
        if (idx >= file_pages || !cache_lookup(f, idx, NULL) ||
            (sim_frame(sim, cache_folio_pfn(f, idx))->flags & PGF_READAHEAD))
            continue;
        if (cache_order(f, idx) == 9 && (idx | 511) + 1 >= file_pages)
            return 0;
        /* filemap_map_pmd: a PMD-sized first folio and an empty PMD: do_set_pmd maps it
         * whole with one entry, or fails and the window goes on with PTEs. */
        if (cache_order(f, idx) == 9 &&
            do_set_pmd(sim, mm, v, f, va, vma_pte_flags(v, shared_writable)) == 0)
            return 0;
        break;
    }
    for (uint64_t a = lo; a < hi;) {
        uint64_t idx = linear_index(v, a), pfn;
        if (idx >= file_pages || !cache_lookup(f, idx, &pfn)) {
            a += PAGE_SIZE;
            continue;
        }
        uint64_t nr = 1ull << cache_order(f, idx), fidx = idx & ~(nr - 1);
        uint64_t fva = file_va(v, fidx), fend = fva + nr * PAGE_SIZE;
        uint64_t next = fend < hi ? fend : hi;
        if (sim_frame(sim, cache_folio_pfn(f, idx))->flags & PGF_READAHEAD) {
            a = next;
            continue;
        }
        /* Which of the folio's pages to map: all of it, or its part in the window. */
        uint64_t from = a, to = next;
        if (nr > 1 && fidx >= v->pgoff && fva >= v->start && fend <= v->end &&
            (fva & ~((2ull << 20) - 1)) == ((fend - 1) & ~((2ull << 20) - 1)) &&
            fidx + nr < file_pages) {
            from = fva;
            to = fend;
        }
        for (uint64_t b = from; b < to; b += PAGE_SIZE) {
            uint64_t i = linear_index(v, b), p;
            struct vml_pt_leaf leaf;
            if (i >= file_pages || !cache_lookup(f, i, &p) || vml_pt_lookup(mm->pt, b, &leaf) == 0)
                continue;
            /* Prefaulted entries are young on x86 (arch_wants_old_prefaulted_pte() is false). */
            if (map_page(sim, mm, v, b, p, vma_pte_flags(v, shared_writable)) != 0)
                goto out;
            mapped++;
        }
        a = next;
    }
out:;
    struct sim_ra *ra = file_ra(v);
    if (ra) /* filemap_map_pages: mmap_miss less the pages mapped, not below 0 */
        ra->mmap_miss = mapped >= ra->mmap_miss ? 0 : ra->mmap_miss - (unsigned)mapped;
    return mapped;
}

/* mm/filemap.c: filemap_fault for a regular file's page (shmem_fault for shmem: no readahead,
 * never major). A miss is major: the fault reads around it (do_sync_mmap_readahead), drops the
 * mmap lock for the I/O and returns VM_FAULT_RETRY; a hit on the readahead mark reads the next
 * window (do_async_mmap_readahead) and retries too. *retry says the fault was retried: a
 * retried read fault maps its window again (do_fault_around); the retry after a miss is
 * FAULT_FLAG_TRIED (counted major) and finds the page without the async path. */
static int filemap_fault(struct vml_sim *sim, struct sim_task *t, const struct vma *v,
                         struct sim_file *f, uint64_t idx, uint64_t *pfn, bool *major, bool *retry)
{
    struct sim_ra *ra = file_ra(v);
    unsigned node = task_node(sim, t);
    *retry = false;
    if (!ra)
        return cache_get(sim, f, idx, node, pfn, major);
    if (cache_lookup(f, idx, pfn)) {
        int r = ra_mmap_async(sim, f, ra, v->flags, idx, node, retry);
        disk_wait_page(sim, f, idx); /* lock_folio_maybe_drop_mmap: a page still being read */
        return r;
    }
    *major = true;
    *retry = true;
    int r = ra_mmap_sync(sim, f, ra, v->flags, v->pgoff, v->pgoff + vma_pages(v), idx, node);
    if (r)
        return r;
    bool unused;
    return cache_get(sim, f, idx, node, pfn, &unused);
}

/* mm/memory.c: finish_fault for the page-cache page pfn at idx: the whole folio when it lies
 * inside the VMA, one page table and the file, and none of its PTEs is set yet; otherwise the
 * page alone (the fallback). Observed on 6.18: one store to a shared mapping of a cached
 * 16-page folio maps all 16 pages (Rss 64 kB), so 256 stores take 16 faults. */
static int finish_fault(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v,
                        struct sim_file *f, uint64_t va, uint64_t idx, uint64_t pfn, uint64_t flags)
{
    uint64_t nr = f->shmem ? 1 : 1ull << cache_order(f, idx), fidx = idx & ~(nr - 1);
    uint64_t file_pages = (f->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    /* An empty PMD and a PMD-sized folio: do_set_pmd first (no i_size check here: a folio
     * that ends the file is PMD-mapped by the fault, not by fault-around). */
    if (nr == 512 && vml_pt_pmd_none(mm->pt, va)) {
        int r = do_set_pmd(sim, mm, v, f, va, flags);
        if (r != THP_FALLBACK)
            return r;
    }
    if (nr > 1 && fidx >= v->pgoff && fidx + nr <= file_pages) {
        uint64_t fva = file_va(v, fidx), fend = fva + nr * PAGE_SIZE;
        bool fits = fva >= v->start && fend <= v->end &&
                    (fva & ~((2ull << 20) - 1)) == ((fend - 1) & ~((2ull << 20) - 1));
        struct vml_pt_leaf leaf;
        for (uint64_t b = fva; fits && b < fend; b += PAGE_SIZE)
            if (vml_pt_lookup(mm->pt, b, &leaf) == 0)
                fits = false; /* !pte_range_none: the page alone */
        if (fits) {
            for (uint64_t i = 0; i < nr; i++) {
                uint64_t p;
                if (!cache_lookup(f, fidx + i, &p))
                    continue;
                int r = map_page(sim, mm, v, fva + i * PAGE_SIZE, p, flags);
                if (r)
                    return r;
            }
            return 0;
        }
    }
    return map_page(sim, mm, v, va, pfn, flags);
}

/* mm/memory.c: do_fault -> do_read_fault / do_cow_fault / do_shared_fault. */
static int do_fault(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va, bool write,
                    bool *major)
{
    struct sim_mm *mm = t->mm;
    struct sim_file *f = v->file;
    uint64_t idx = linear_index(v, va);
    if (idx << PAGE_SHIFT >= ((f->size + PAGE_SIZE - 1) & PAGE_MASK))
        return VML_BUS_ADRERR; /* beyond the end of the file: SIGBUS (filemap_fault) */
    bool shared = v->flags & VM_SHARED;
    /* Shared writable mappings of regular files are write-notified: mapped read-only until
     * the first write (vma_wants_writenotify); shmem needs no notification. */
    bool shared_writable = shared && (v->flags & VM_WRITE) && f->shmem;
    uint64_t pfn;
    bool retry;
    struct vml_pt_leaf leaf;
    int r;
    if (!write) {
        /* do_read_fault: the window first; the fault proper only if it did not map va. The
         * page at va may still be being read (disk_io.c): the fault waits for it. */
        fault_around(sim, mm, v, f, va, shared_writable);
        if (vml_pt_lookup(mm->pt, va, &leaf) == 0) {
            disk_wait_page(sim, f, idx);
            return 0;
        }
        if ((r = filemap_fault(sim, t, v, f, idx, &pfn, major, &retry)) != 0)
            return r;
        if (retry) {
            fault_around(sim, mm, v, f, va, shared_writable);
            if (vml_pt_lookup(mm->pt, va, &leaf) == 0)
                return 0;
        }
        return finish_fault(sim, mm, v, f, va, idx, pfn, vma_pte_flags(v, shared_writable));
    }
    if ((r = filemap_fault(sim, t, v, f, idx, &pfn, major, &retry)) != 0)
        return r;
    /* The retry after the mark finds the page again, through the async path once more. */
    if (retry && !*major && (r = filemap_fault(sim, t, v, f, idx, &pfn, major, &retry)))
        return r;
    if (shared) {
        /* do_shared_fault -> fault_dirty_shared_page: the whole folio. */
        if (f->shmem)
            page_set_dirty(sim, pfn);
        else
            cache_folio_set_dirty(sim, f, idx);
        return finish_fault(sim, mm, v, f, va, idx, pfn, vma_pte_flags(v, true) | VML_PTE_D);
    }
    /* do_cow_fault: a private copy of the file page; the file page itself is not mapped. */
    vma_anon_prepare(sim, v);
    uint64_t copy;
    if ((r = page_alloc_anon(sim, task_node(sim, t), v->anon, va >> PAGE_SHIFT, &copy)) != 0)
        return r;
    sim_charge(sim, COST_ALLOC_PAGE_NS + COST_COPY_4K_NS);
    r = map_page(sim, mm, v, va, copy, vma_pte_flags(v, true) | VML_PTE_D);
    page_put(sim, copy);
    /* do_cow_fault's copy of a file page (the stream's event; no vmstat counter counts it). */
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_COW_COPY,
                                        .pid = t->pid,
                                        .addr = va,
                                        .pfn = copy,
                                        .file = true,
                                        .result = r });
    return r;
}

/* mm/memory.c: do_wp_page, a write to a present read-only entry of a writable VMA. Making an
 * entry writable needs no flush (x86 ptep_set_access_flags): the faulting CPU dropped its entry
 * when it raised the fault, and another CPU's read-only copy at worst faults spuriously. A new
 * frame does (ptep_clear_flush). */
static int do_wp_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                      uint64_t entry)
{
    struct sim_mm *mm = t->mm;
    uint64_t pfn = vml_pte_pfn(entry);
    bool zero = pfn == sim->zero_pfn;
    if ((v->flags & VM_SHARED) && !zero) {
        /* wp_page_shared: make it writable and dirty (the whole folio), never copy. */
        vml_pt_protect(mm->pt, va, va + PAGE_SIZE, VML_PTE_RW | VML_PTE_D | VML_PTE_A, 0, NULL,
                       NULL);
        cache_page_set_dirty(sim, pfn);
        return 0;
    }
    struct frame *f = zero ? NULL : sim_frame(sim, folio_head(sim, pfn));
    bool large = f && folio_large(sim, f);
    /* wp_can_reuse_anon_folio: only this mapping holds it: reuse in place. A large folio
     * (__wp_can_reuse_large_anon_folio) is reused when every mapping is this mm's and each holds
     * its only reference; its exclusive mark is per page in Linux, so it is not set here. */
    bool reuse =
        f && (f->flags & PGF_ANON) &&
        (large ? folio_mapped_by_one_mm(sim, f, mm) && f->refcount == folio_mapcount(sim, f)
               : (f->flags & PGF_EXCLUSIVE) || (f->refcount == 1 && f->mapcount == 1));
    if (reuse) {
        if (!large)
            f->flags |= PGF_EXCLUSIVE;
        vml_pt_protect(mm->pt, va, va + PAGE_SIZE, VML_PTE_RW | VML_PTE_D | VML_PTE_A, 0, NULL,
                       NULL);
        sim->events[VML_VMSTAT_pgreuse]++;
        sim_event(sim,
                  &(struct vml_event){
                      .kind = VML_EV_COW_REUSE, .pid = t->pid, .addr = va, .n = 1, .pfn = pfn });
        return 0;
    }
    /* wp_page_copy: a new exclusive anonymous page (zeroed for the zero page, else a copy). */
    vma_anon_prepare(sim, v);
    uint64_t copy;
    int r = page_alloc_anon(sim, task_node(sim, t), v->anon, va >> PAGE_SHIFT, &copy);
    if (r)
        return r;
    sim_charge(sim, COST_ALLOC_PAGE_NS + (zero ? COST_CLEAR_4K_NS : COST_COPY_4K_NS));
    clear_pte(sim, mm, va);
    if (f) {
        mm->rss[mm_counter_of(f)]--;
        if (v->flags & VM_LOCKED)
            page_munlock(sim, pfn);
        page_remove_map(sim, mm, pfn);
    }
    r = map_page(sim, mm, v, va, copy, vma_pte_flags(v, true) | VML_PTE_D);
    page_put(sim, copy);
    /* No vmstat counter counts a copy; the stream reports it, with how many shared the page
     * (its mapcount before this mm let go; 0 for the zero page). */
    if (sim->event_fn)
        sim_event(sim, &(struct vml_event){ .kind = VML_EV_COW_COPY,
                                            .pid = t->pid,
                                            .addr = va,
                                            .n = f ? (uint64_t)f->mapcount + 1 : 0,
                                            .pfn = copy,
                                            .zero_page = zero,
                                            .result = r });
    return r;
}

/* The default RLIMIT_STACK (ulimit -s): 8 MiB. */
#define STACK_RLIMIT (8ull << 20)

/* lock_mm_and_find_vma -> expand_stack_locked -> expand_downwards: an access below a stack VMA
 * grows it down to the page, within RLIMIT_STACK and the guard gap (acct_stack_growth). Returns
 * the grown VMA, or NULL when va is not below a stack or it cannot grow. */
static struct vma *expand_stack(struct vml_sim *sim, struct sim_mm *mm, uint64_t va)
{
    struct vma *v = vma_find_next(mm->vmas, va);
    if (!v || !(v->flags & VM_GROWSDOWN))
        return NULL;
    uint64_t start = va & PAGE_MASK, old = v->start;
    if (v->end - start > STACK_RLIMIT)
        return NULL;
    /* acct_stack_growth: the overcommit policy's say on the new pages first; refused, the
     * access is a SIGSEGV. */
    uint64_t grown = (old - start) >> PAGE_SHIFT;
    bool acct = v->flags & VM_ACCOUNT;
    if (acct && vm_enough_memory(sim, mm, grown) != 0)
        return NULL;
    if (vma_expand_down(mm->vmas, v, start) != 0) {
        if (acct)
            sim->committed -= grown;
        return NULL;
    }
    vm_stat_account(mm, v->flags, grown, +1);
    if (mm->total_vm > mm->hiwater_vm)
        mm->hiwater_vm = mm->total_vm;
    return v;
}

/* The fault's time (cost.h) into the task's latency record; the clock moves on by it. */
static void fault_done(struct vml_sim *sim, struct sim_task *t, uint64_t va, uint64_t ns)
{
    vml_fault_record_add(&t->lat, ns, va);
    if (sim->compacted) {
        t->lat.stalls++;
        t->lat.stall_ns += sim->compact_ns;
    }
    t->lat.io_ns += sim->io_ns;
    sim->now_ns = ns > UINT64_MAX - sim->now_ns ? UINT64_MAX : sim->now_ns + ns;
}

static int handle_mm_fault_locked(struct vml_sim *sim, struct sim_task *t, uint64_t va,
                                  enum vml_access access, bool *major);

/* The most pages a fault at va may allocate: its page and the tables down to it, a PMD THP, or
 * a readahead window. */
static uint64_t fault_need(const struct vml_sim *sim, const struct sim_mm *mm, uint64_t va)
{
    const struct vma *v = vma_find(mm->vmas, va);
    uint64_t need = 1 + 4;
    if (!v || v->start > va || (v->flags & VM_HUGETLB))
        return need;
    if (v->file)
        return need + ra_pages(sim);
    if (thp_vma_allowable(sim, mm, v))
        return need + (1u << VML_THP_PMD_ORDER);
    if (sim->total_swap_pages)
        return need + swapin_max_pages(sim); /* a swap-in's readahead window */
    return need;
}

int handle_mm_fault(struct vml_sim *sim, struct sim_task *t, uint64_t va, enum vml_access access,
                    bool *major)
{
    sim->work_ns = COST_FAULT_NS;
    sim->compact_ns = sim->reclaim_ns = sim->io_ns = 0;
    sim->compacted = false;
    uint64_t dirtied = sim->events[VML_VMSTAT_nr_dirtied];
    int was = sim->current;
    sim->current = t->pid; /* whom the OOM killer sees allocating, whose cgroup is charged */
    unsigned memcg_was = memcg_use(sim, t);
    unsigned node = task_node(sim, t);
    /* The pages this fault may take: a THP and its tables, or a readahead window. */
    int r = reclaim_point_fault(sim, t, va, node, fault_need(sim, t->mm, va));
    struct mpol_ctx mctx, *msave;
    mpol_enter(sim, t, NULL, va, &mctx, &msave); /* the VMA is set once found */
    if (r == 0)
        r = handle_mm_fault_locked(sim, t, va, access, major);
    mpol_leave(sim, msave);
    if (r == 0)
        memcg_handle_over_high(sim, node); /* on the way back to user space */
    sim->memcg_over_high = 0;
    sim->current = was;
    sim->memcg_cur = memcg_was;
    if (r == 0)
        fault_done(sim, t, va & PAGE_MASK, sim->work_ns);
    sim->work_ns = sim->compact_ns = sim->reclaim_ns = sim->io_ns = 0;
    sim->compacted = false;
    /* fault_dirty_shared_page -> balance_dirty_pages_ratelimited: a store that dirtied a
     * shared file folio may start background writeback or be paused. */
    if (r == 0 && sim->events[VML_VMSTAT_nr_dirtied] != dirtied)
        r = balance_dirty_pages_ratelimited(sim, t);
    return r;
}

/* The fault's event (sim_event), counted with pgfault (and pgmajfault when major): what the
 * entry at va is after the fault, and what the fault changed. ev holds the state before. */
static void fault_event(struct vml_sim *sim, const struct sim_task *t, const struct vma *v,
                        uint64_t va, enum vml_access access, int r, bool major,
                        struct vml_event *ev)
{
    const struct sim_mm *mm = t->mm;
    ev->pid = t->pid;
    ev->addr = va;
    ev->access = access;
    ev->result = r;
    ev->major = r == 0 && major;
    ev->vma_file = v->file != NULL;
    ev->vma_shared = (v->flags & VM_SHARED) != 0;
    for (int k = 0; k < NR_MM_COUNTERS; k++)
        ev->rss_pages += (int64_t)mm->rss[k];
    ev->tlb_flushes = sim->stats.tlb_flushes - ev->tlb_flushes;
    struct vml_pt_leaf leaf;
    if (vml_pt_lookup(mm->pt, va, &leaf) == 0 && !pte_is_swap(leaf.entry) &&
        pte_present(leaf.entry)) {
        ev->entry = leaf.entry;
        ev->table_pfn = leaf.table_pfn;
        ev->level = leaf.level;
        ev->pfn = vml_pte_pfn(leaf.entry) + ((va - leaf.va) >> PAGE_SHIFT);
        ev->zero_page = ev->pfn == sim->zero_pfn || is_huge_zero_pfn(sim, vml_pte_pfn(leaf.entry));
        ev->node = sim_frame(sim, ev->pfn)->node;
    }
    sim_event(sim, ev);
}

/* mm/memory.c: handle_mm_fault's work, from the VMA look-up on. */
static int handle_mm_fault_locked(struct vml_sim *sim, struct sim_task *t, uint64_t va,
                                  enum vml_access access, bool *major)
{
    struct sim_mm *mm = t->mm;
    *major = false;
    mm->pt_node = task_node(sim, t); /* tables this fault needs: the faulting CPU's node first */
    struct vma *v = vma_find(mm->vmas, va);
    if (!v && !(v = expand_stack(sim, mm, va)))
        return VML_SEGV_MAPERR;
    if (sim->mctx)
        sim->mctx->vma = v; /* get_vma_policy's VMA */
    /* access_error(): what the VMA allows, before the mm is touched. */
    bool write = access == VML_WRITE;
    if ((write && !(v->flags & VM_WRITE)) || (access == VML_EXEC && !(v->flags & VM_EXEC)) ||
        !(v->flags & (VM_READ | VM_WRITE | VM_EXEC)))
        return VML_SEGV_ACCERR;
    va &= PAGE_MASK;
    struct vml_pt_leaf leaf;
    int r;
    /* The entry at va, looked up once for the cases below (a look-up changes nothing). */
    bool found = !(v->flags & VM_HUGETLB) && vml_pt_lookup(mm->pt, va, &leaf) == 0;
    /* For the event stream only (sim_event): the state before, to report the change; built only
     * with a hook set (zeroing the event took a rep stos at every fault). */
    struct vml_event ev;
    enum vml_fault_path path = VML_FP_ANON;
    if (sim->event_fn) {
        ev = (struct vml_event){ .kind = VML_EV_FAULT };
        ev.present = found && !pte_is_swap(leaf.entry);
        for (int k = 0; k < NR_MM_COUNTERS; k++)
            ev.rss_pages -= (int64_t)mm->rss[k];
        ev.tlb_flushes = sim->stats.tlb_flushes;
    }
    if (v->flags & VM_HUGETLB) {
        path = VML_FP_HUGETLB;
        r = hugetlb_fault(sim, t, v, va, write);
    } else if (found && pte_protnone(leaf.entry)) {
        /* A NUMA hinting entry (vma_is_accessible was checked above): a PMD's is handled
         * before any write fault on it (__handle_mm_fault: do_huge_pmd_numa_page), a PTE's by
         * handle_pte_fault (do_numa_page). */
        path = VML_FP_NUMA;
        r = leaf.level == VML_PT_PT   ? do_numa_page(sim, t, v, va, &leaf)
            : leaf.level == VML_PT_PD ? do_huge_pmd_numa_page(sim, t, v, va, &leaf)
                                      : VML_EINVAL;
    } else if (found && pte_is_swap(leaf.entry)) {
        path = VML_FP_SWAP;
        r = do_swap_page(sim, t, v, va, leaf.entry, write, major);
        if (r == SWAP_FAULT_WP && vml_pt_lookup(mm->pt, va, &leaf) == 0)
            r = do_wp_page(sim, t, v, va, leaf.entry);
    } else if (found) {
        r = 0; /* spurious: the MMU dropped the stale entry and will walk again */
        path = write && !(leaf.entry & VML_PTE_RW) ? VML_FP_WP : VML_FP_SPURIOUS;
        if (write && !(leaf.entry & VML_PTE_RW) && leaf.level == 2) {
            /* wp_huge_pmd; a split PMD falls back to the small page's write fault */
            r = do_huge_pmd_wp_page(sim, t, v, va, &leaf);
            if (r == THP_FALLBACK)
                r = vml_pt_lookup(mm->pt, va, &leaf) == 0 ? do_wp_page(sim, t, v, va, leaf.entry)
                    : v->file ? do_fault(sim, t, v, va, true, major) /* a file PMD was zapped */
                              : do_anonymous_page(sim, t, v, va, true);
        } else if (write && !(leaf.entry & VML_PTE_RW)) {
            r = do_wp_page(sim, t, v, va, leaf.entry);
        }
    } else if (!v->file) {
        /* __handle_mm_fault: an empty PMD in a THP-allowed VMA tries a huge page first. */
        r = THP_FALLBACK;
        /* (The VMA's test first: it reads no table, and it fails in most VMAs.) */
        if (thp_vma_allowable(sim, mm, v) && vml_pt_pmd_none(mm->pt, va) &&
            thp_vma_suitable(v, va & ~((2ull << 20) - 1))) {
            khugepaged_enter_vma(sim, mm, v); /* do_huge_pmd_anonymous_page registers first */
            r = do_huge_pmd_anonymous_page(sim, t, v, va, write);
        }
        if (r == THP_FALLBACK)
            r = do_anonymous_page(sim, t, v, va, write);
    } else {
        path = VML_FP_FILE;
        r = do_fault(sim, t, v, va, write, major);
    }
    /* mm_account_fault: every completed attempt counts in pgfault, even a failed one. */
    sim->events[VML_VMSTAT_pgfault]++;
    if (sim->event_fn) {
        ev.path = path;
        fault_event(sim, t, v, va, access, r, *major, &ev);
    }
    memcg_count(sim, t->memcg, MEV_PGFAULT, 1); /* count_memcg_event_mm: the mm's cgroup */
    if (r)
        return r;
    if (*major) {
        sim->events[VML_VMSTAT_pgmajfault]++;
        memcg_count(sim, t->memcg, MEV_PGMAJFAULT, 1);
        t->maj_flt++;
    } else {
        t->min_flt++;
    }
    mm_update_hiwater(mm);
    return 0;
}
