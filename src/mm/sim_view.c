/* mm/sim_view.c: /proc files of the simulated kernel, computed from its state the way the
 * kernel computes them (fs/proc/task_mmu.c: show_map_vma, smap_gather_stats, smaps_account,
 * task_mem, task_statm; fs/proc/meminfo.c; mm/show_mem.c: si_mem_available; mm/vmstat.c), and
 * written by the proc/ formatters. It is the simulated kernel's fs/proc, so it lives in mm/ and
 * reads mm's state directly; proc/ (records, formats, parsers) is a layer below.
 */
#include "mm/sim_internal.h"
#include "util/text.h"
#include "vmlab/proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `faults`: vmlab's own per-process record (no such /proc file): the faults the process took
 * and the simulated time they took under the cost model (mm/cost.h). */
static int show_faults(const struct sim_task *t, struct vml_text *out)
{
    struct vml_fault_record r = t->lat;
    r.faults = t->min_flt + t->maj_flt;
    r.major = t->maj_flt;
    r.has_stalls = true;
    return vml_proc_format_faults(&r, out);
}

/* `latency`: vmlab's own per-process distribution of its accesses' time (proc/latency.c):
 * every access of touch, a fault's time for one that faulted, else its translation's. */
static int show_latency(const struct sim_task *t, struct vml_text *out)
{
    static const struct vml_latency_record none;
    return vml_proc_format_latency(t->acc ? t->acc : &none, out);
}

int vml_sim_latency(const struct vml_sim *sim, int pid, struct vml_latency_record *out)
{
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    if (t->acc)
        *out = *t->acc;
    else
        memset(out, 0, sizeof(*out));
    return 0;
}

const char *vml_sim_file_name(enum vml_sim_file f)
{
    static const char *names[VML_SIM_NR_FILES] = {
        "maps",    "smaps",     "smaps_rollup",  "status",   "statm",  "numa_maps",
        "meminfo", "vmstat",    "buddyinfo",     "zoneinfo", "faults", "latency",
        "swaps",   "oom_score", "oom_score_adj", "dmesg",
    };
    return (unsigned)f < VML_SIM_NR_FILES ? names[f] : NULL;
}

/* ---- maps ---------------------------------------------------------------------------------- */

/* Device of the simulated filesystem holding regular files (a disk partition, 8:1) and of
 * shmem objects (the internal tmpfs mount, 0:1). */
#define FILE_DEV_MAJOR 8
#define FILE_DEV_MINOR 1
/* The internal hugetlbfs mount's anonymous device: 0:17 (00:11) on the reference kernel. */
#define HUGETLBFS_DEV_MINOR 0x11

struct header_buf {
    char name[96];
};

/* show_map_vma + get_vma_name. */
static void vma_header(const struct sim_mm *mm, const struct vma *v, struct vml_vma_header *h,
                       struct header_buf *buf)
{
    memset(h, 0, sizeof(*h));
    h->start = v->start;
    h->end = v->end;
    h->perms[0] = (v->flags & VM_READ) ? 'r' : '-';
    h->perms[1] = (v->flags & VM_WRITE) ? 'w' : '-';
    h->perms[2] = (v->flags & VM_EXEC) ? 'x' : '-';
    h->perms[3] = (v->flags & VM_MAYSHARE) ? 's' : 'p';
    h->perms[4] = 0;
    buf->name[0] = 0;
    const struct sim_file *f = v->file;
    if (f) {
        h->offset = v->pgoff << PAGE_SHIFT;
        h->inode = f->ino;
        if (f->hstate) {
            /* hugetlb_file_setup: an unlinked inode named after what made it. */
            h->dev_minor = HUGETLBFS_DEV_MINOR;
            snprintf(buf->name, sizeof(buf->name), "/anon_hugepage (deleted)");
        } else if (f->shmem) {
            h->dev_minor = 1;
            if (f->anon_shm)
                snprintf(buf->name, sizeof(buf->name), "/dev/zero (deleted)");
            else
                snprintf(buf->name, sizeof(buf->name), "/memfd:%s (deleted)", f->name);
        } else {
            h->dev_major = FILE_DEV_MAJOR;
            h->dev_minor = FILE_DEV_MINOR;
            snprintf(buf->name, sizeof(buf->name), "%s%s%s", f->name[0] == '/' ? "" : "/", f->name,
                     f->deleted ? " (deleted)" : "");
        }
    } else if (v->start < mm->brk && v->end > mm->start_brk) { /* vma_is_initial_heap */
        snprintf(buf->name, sizeof(buf->name), "[heap]");
    } else if (v->start <= mm->start_stack && v->end >= mm->start_stack) { /* initial stack */
        snprintf(buf->name, sizeof(buf->name), "[stack]");
    }
    h->name = buf->name;
}

/* ---- smaps --------------------------------------------------------------------------------- */

struct smaps_acc {
    const struct vml_sim *sim;
    const struct vma *v;
    uint64_t rss, pss, pss_dirty, pss_anon, pss_file, pss_shmem; /* bytes; pss << PSS_SHIFT */
    uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
    uint64_t referenced, anonymous, locked, anon_huge, file_pmd;
    uint64_t shared_hugetlb, private_hugetlb;
    uint64_t swap, swap_pss; /* bytes; swap_pss << PSS_SHIFT */
};

/* smaps_page_accumulate. */
static void accumulate(struct smaps_acc *a, const struct frame *f, uint64_t size, uint64_t pss,
                       bool dirty, bool private)
{
    a->pss += pss;
    if (f->flags & PGF_ANON)
        a->pss_anon += pss;
    else if (f->flags & PGF_SHMEMPG)
        a->pss_shmem += pss;
    else
        a->pss_file += pss;
    if (a->v->flags & VM_LOCKED)
        a->locked += pss;
    if (dirty) {
        a->pss_dirty += pss;
        if (private)
            a->private_dirty += size;
        else
            a->shared_dirty += size;
    } else {
        if (private)
            a->private_clean += size;
        else
            a->shared_clean += size;
    }
}

/* smaps_account for nr pages from pfn of one folio (head): one reference makes them private
 * and whole; else each page's PSS is split by its precise mapcount, private below 2. */
static void smaps_account(struct smaps_acc *a, const struct frame *head, uint64_t pfn, uint64_t nr,
                          bool dirty)
{
    if (head->refcount == 1) {
        accumulate(a, head, nr * PAGE_SIZE, (nr * PAGE_SIZE) << PSS_SHIFT, dirty, true);
        return;
    }
    for (uint64_t i = 0; i < nr; i++) {
        int mc = page_mapcount(a->sim, pfn + i);
        uint64_t pss = PAGE_SIZE << PSS_SHIFT;
        if (mc >= 2)
            pss /= (uint64_t)mc;
        accumulate(a, head, PAGE_SIZE, pss, dirty, mc < 2);
    }
}

/* smaps_pte_entry / smaps_pmd_entry for one present entry. */
static int smaps_leaf(const struct vml_pt_leaf *leaf, void *ctx)
{
    struct smaps_acc *a = ctx;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (pte_is_swap(leaf->entry)) {
        /* smaps_pte_entry: a swap entry is Swap, its PSS split by the slot's references. */
        unsigned mc = swap_count(a->sim, pte_to_swp_entry(leaf->entry));
        a->swap += PAGE_SIZE;
        a->swap_pss += mc >= 2 ? (PAGE_SIZE << PSS_SHIFT) / mc : PAGE_SIZE << PSS_SHIFT;
        return 0;
    }
    if (!pte_normal_page(a->sim, leaf->entry))
        return 0; /* the zero pages are not accounted (vm_normal_page(_pmd) is NULL) */
    const struct frame *f = sim_frame(a->sim, folio_head(a->sim, pfn));
    uint64_t nr = leaf->level == 2 ? 512 : 1, size = nr * PAGE_SIZE;
    bool dirty = (leaf->entry & VML_PTE_D) || (f->flags & PGF_DIRTY);
    if (f->flags & PGF_ANON)
        a->anonymous += size;
    /* smaps_pmd_entry: a PMD of an anonymous folio is AnonHugePages (mss->anonymous_thp), of
     * a page-cache folio FilePmdMapped (mss->file_thp; shmem's would be ShmemPmdMapped). */
    if (leaf->level == 2 && (f->flags & PGF_ANON))
        a->anon_huge += size;
    else if (leaf->level == 2)
        a->file_pmd += size;
    a->rss += size;
    if ((leaf->entry & VML_PTE_A) || (f->flags & PGF_REFERENCED))
        a->referenced += size;
    smaps_account(a, f, pfn, nr, dirty);
    return 0;
}

/* smaps_hugetlb_range: a huge page counts whole, shared when more than one entry maps it
 * (folio_maybe_mapped_shared); Rss and Pss leave hugetlb out. */
static int smaps_huge_leaf(const struct vml_pt_leaf *leaf, void *ctx)
{
    struct smaps_acc *a = ctx;
    const struct frame *f = sim_frame(a->sim, vml_pte_pfn(leaf->entry));
    uint64_t size = 1ull << vml_level_shift(leaf->level);
    if (f->mapcount > 1)
        a->shared_hugetlb += size;
    else
        a->private_hugetlb += size;
    return 0;
}

static void gather(const struct vml_sim *sim, const struct sim_mm *mm, const struct vma *v,
                   struct smaps_acc *a)
{
    memset(a, 0, sizeof(*a));
    a->sim = sim;
    a->v = v;
    vml_pt_for_each(mm->pt, v->start, v->end,
                    (v->flags & VM_HUGETLB) ? smaps_huge_leaf : smaps_leaf, a);
    /* smap_gather_stats: a shmem VMA's swapped pages (shmem_swap_usage), Swap only: they
     * have no PTEs, so no SwapPss. */
    a->swap += shmem_swapped_pages(sim, mm, v) * PAGE_SIZE;
}

static void add_counts(struct vml_smaps_counts *c, const struct smaps_acc *a)
{
    c->rss += a->rss;
    c->pss += a->pss;
    c->pss_dirty += a->pss_dirty;
    c->pss_anon += a->pss_anon;
    c->pss_file += a->pss_file;
    c->pss_shmem += a->pss_shmem;
    c->shared_clean += a->shared_clean;
    c->shared_dirty += a->shared_dirty;
    c->private_clean += a->private_clean;
    c->private_dirty += a->private_dirty;
    c->referenced += a->referenced;
    c->anonymous += a->anonymous;
    c->anon_huge_pages += a->anon_huge;
    c->file_pmd_mapped += a->file_pmd;
    c->locked += a->locked;
    c->shared_hugetlb += a->shared_hugetlb;
    c->private_hugetlb += a->private_hugetlb;
    c->swap += a->swap;
    c->swap_pss += a->swap_pss;
}

/* Bytes (and PSS fixed point) to the kB the kernel prints. */
static void to_kb(struct vml_smaps_counts *c)
{
    c->rss >>= 10;
    c->pss = (c->pss >> PSS_SHIFT) >> 10;
    c->pss_dirty = (c->pss_dirty >> PSS_SHIFT) >> 10;
    c->pss_anon = (c->pss_anon >> PSS_SHIFT) >> 10;
    c->pss_file = (c->pss_file >> PSS_SHIFT) >> 10;
    c->pss_shmem = (c->pss_shmem >> PSS_SHIFT) >> 10;
    c->locked = (c->locked >> PSS_SHIFT) >> 10;
    c->shared_clean >>= 10;
    c->shared_dirty >>= 10;
    c->private_clean >>= 10;
    c->private_dirty >>= 10;
    c->referenced >>= 10;
    c->anonymous >>= 10;
    c->anon_huge_pages >>= 10;
    c->file_pmd_mapped >>= 10;
    c->shared_hugetlb >>= 10;
    c->private_hugetlb >>= 10;
    c->swap >>= 10;
    c->swap_pss = (c->swap_pss >> PSS_SHIFT) >> 10;
}

/* show_smap_vma_flags: two-letter mnemonics in bit order. */
/* show_smap_vma_flags: the mnemonics in the kernel's order; "sd" (VM_SOFTDIRTY, which every
 * new VMA gets on a kernel with CONFIG_MEM_SOFT_DIRTY and only a clear_refs write clears) when
 * the machine has soft-dirty tracking. */
static void vm_flags_text(uint64_t fl, bool soft_dirty, char *buf, size_t n)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        { VM_READ, "rd" },      { VM_WRITE, "wr" },      { VM_EXEC, "ex" },
        { VM_SHARED, "sh" },    { VM_MAYREAD, "mr" },    { VM_MAYWRITE, "mw" },
        { VM_MAYEXEC, "me" },   { VM_MAYSHARE, "ms" },   { VM_GROWSDOWN, "gd" },
        { VM_LOCKED, "lo" },    { VM_DONTEXPAND, "de" }, { VM_ACCOUNT, "ac" },
        { VM_NORESERVE, "nr" }, { VM_HUGETLB, "ht" },    { VM_SOFTDIRTY, "sd" },
        { VM_HUGEPAGE, "hg" },  { VM_NOHUGEPAGE, "nh" },
    };
    if (soft_dirty)
        fl |= VM_SOFTDIRTY;
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(fl & names[i].bit))
            continue;
        int w = snprintf(buf + len, n - len, "%s ", names[i].name);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

static int show_smap(const struct vml_sim *sim, const struct sim_mm *mm, const struct vma *v,
                     struct vml_text *out)
{
    struct vml_smaps s;
    struct header_buf hb;
    char flags[128];
    memset(&s, 0, sizeof(s));
    vma_header(mm, v, &s.hdr, &hb);
    s.size = (v->end - v->start) >> 10;
    /* vma_kernel_pagesize, vma_mmu_pagesize */
    s.kernel_page_size = (v->flags & VM_HUGETLB) ? hstate_size(vma_hstate(sim, v)) >> 10 : 4;
    s.mmu_page_size = s.kernel_page_size;
    struct smaps_acc a;
    gather(sim, mm, v, &a);
    add_counts(&s.c, &a);
    to_kb(&s.c);
    s.thp_eligible = thp_smaps_eligible(sim, mm, v) ? 1 : 0;
    vm_flags_text(v->flags, sim->cfg.soft_dirty, flags, sizeof(flags));
    s.vm_flags = flags;
    return vml_proc_format_smaps(&s, out);
}

/* ---- numa_maps ------------------------------------------------------------------------------ */

struct numa_acc {
    const struct vml_sim *sim;
    uint64_t pages, anon, dirty, active, mapmax, swapcache, writeback;
    uint64_t node[VML_MAX_NODES];
};

/* gather_hugetlb_stats: one huge page, counted as one. */
static int numa_huge_leaf(const struct vml_pt_leaf *leaf, void *ctx)
{
    struct numa_acc *a = ctx;
    const struct frame *f = sim_frame(a->sim, vml_pte_pfn(leaf->entry));
    a->pages++;
    if (f->flags & PGF_ANON)
        a->anon++;
    if ((leaf->entry & VML_PTE_D) || (f->flags & PGF_DIRTY))
        a->dirty++;
    if ((uint64_t)f->mapcount > a->mapmax)
        a->mapmax = (uint64_t)f->mapcount;
    a->node[f->node]++;
    return 0;
}

/* gather_stats for one entry (fs/proc/task_mmu.c): the zero page is not counted. */
static int numa_leaf(const struct vml_pt_leaf *leaf, void *ctx)
{
    struct numa_acc *a = ctx;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (!pte_normal_page(a->sim, leaf->entry))
        return 0;
    /* gather_stats(page, md, dirty, nr_pages): a THP's PMD counts its 512 pages at once, with
     * the first page's mapcount. */
    const struct frame *f = sim_frame(a->sim, folio_head(a->sim, pfn));
    uint64_t nr = leaf->level == 2 ? 512 : 1;
    a->pages += nr;
    if (f->flags & PGF_ANON)
        a->anon += nr;
    if ((leaf->entry & VML_PTE_D) || (f->flags & PGF_DIRTY))
        a->dirty += nr;
    if (f->flags & (PGF_SWAPCACHE | PGF_SHMEMSWAP))
        a->swapcache += nr;
    if ((f->flags & PGF_ACTIVE) || page_lru(f) == LRU_UNEVICTABLE)
        a->active += nr;
    if (f->flags & (PGF_WRITEBACK | PGF_SWAPWB))
        a->writeback += nr;
    uint64_t mc = (uint64_t)page_mapcount(a->sim, pfn);
    if (mc > a->mapmax)
        a->mapmax = mc;
    a->node[f->node] += nr;
    return 0;
}

/* show_numa_map: policy, name, then the counts when any page is mapped. */
static void show_numa_map(const struct vml_sim *sim, const struct sim_task *t, const struct vma *v,
                          struct vml_text *out)
{
    const struct sim_mm *mm = t->mm;
    struct vml_vma_header h;
    struct header_buf hb;
    vma_header(mm, v, &h, &hb);
    /* The VMA's policy, else the task's as the file was opened (priv->task_mempolicy); the
     * default policy reads "default" (mpol_to_str). */
    char pol[64];
    mpol_to_str(v->policy ? v->policy : t->mempolicy, pol, sizeof(pol));
    text_printf(out, "%08llx %s", (unsigned long long)v->start, pol);
    if (v->file) {
        text_printf(out, " file=");
        for (const char *c = hb.name; *c; c++) /* seq_path escapes blanks */
            text_printf(out, *c == ' ' ? "\\040" : "%c", *c);
    } else if (strcmp(hb.name, "[heap]") == 0) {
        text_printf(out, " heap");
    } else if (strcmp(hb.name, "[stack]") == 0) {
        text_printf(out, " stack");
    }
    bool huge = v->flags & VM_HUGETLB;
    if (huge)
        text_printf(out, " huge");
    struct numa_acc a = { .sim = sim };
    vml_pt_for_each(mm->pt, v->start, v->end, huge ? numa_huge_leaf : numa_leaf, &a);
    if (a.pages) {
        if (a.anon)
            text_printf(out, " anon=%llu", (unsigned long long)a.anon);
        if (a.dirty)
            text_printf(out, " dirty=%llu", (unsigned long long)a.dirty);
        if (a.pages != a.anon && a.pages != a.dirty)
            text_printf(out, " mapped=%llu", (unsigned long long)a.pages);
        if (a.mapmax > 1)
            text_printf(out, " mapmax=%llu", (unsigned long long)a.mapmax);
        if (a.swapcache)
            text_printf(out, " swapcache=%llu", (unsigned long long)a.swapcache);
        if (a.active < a.pages && !huge)
            text_printf(out, " active=%llu", (unsigned long long)a.active);
        if (a.writeback)
            text_printf(out, " writeback=%llu", (unsigned long long)a.writeback);
        for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++)
            if (a.node[n])
                text_printf(out, " N%u=%llu", n, (unsigned long long)a.node[n]);
        text_printf(out, " kernelpagesize_kB=%llu",
                    huge ? (unsigned long long)(hstate_size(vma_hstate(sim, v)) >> 10) : 4ull);
    }
    text_printf(out, "\n");
}

/* ---- status, statm ------------------------------------------------------------------------- */

uint64_t mm_pgtables_bytes(const struct sim_mm *mm)
{
    /* pgtables_bytes counts the PTE, PMD and PUD tables only (mm_inc_nr_ptes/pmds/puds, from
     * __pte_alloc, __pmd_alloc and __pud_alloc in mm/memory.c): neither the PGD (pgd_alloc) nor,
     * with 5-level paging, a P4D table (__p4d_alloc calls no mm_inc_nr_*). Both still count in
     * meminfo's PageTables (pagetable_pgd_ctor, pagetable_p4d_ctor: NR_PAGETABLE). */
    struct vml_pt_stats st;
    vml_pt_stats(mm->pt, &st);
    /* A THP's deposited table counts too (mm_inc_nr_ptes in __do_huge_pmd_anonymous_page). */
    return (st.tables[VML_PT_PT] + st.tables[VML_PT_PD] + st.tables[VML_PT_PDPT] +
            mm->nr_deposited) *
           PAGE_SIZE;
}

static void status_mem(const struct sim_mm *mm, struct vml_status_mem *s)
{
    uint64_t rss = mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES];
    memset(s, 0, sizeof(*s));
    s->vm_peak = (mm->hiwater_vm > mm->total_vm ? mm->hiwater_vm : mm->total_vm) * 4;
    s->vm_size = mm->total_vm * 4;
    s->vm_lck = mm->locked_vm * 4;
    s->vm_hwm = (mm->hiwater_rss > rss ? mm->hiwater_rss : rss) * 4;
    s->vm_rss = rss * 4;
    s->rss_anon = mm->rss[MM_ANONPAGES] * 4;
    s->rss_file = mm->rss[MM_FILEPAGES] * 4;
    s->rss_shmem = mm->rss[MM_SHMEMPAGES] * 4;
    s->vm_data = mm->data_vm * 4;
    s->vm_stk = mm->stack_vm * 4;
    s->vm_exe = 0; /* no program image is simulated: every executable mapping is a library */
    s->vm_lib = mm->exec_vm * 4;
    s->vm_pte = mm_pgtables_bytes(mm) >> 10;
    s->vm_swap = mm->rss[MM_SWAPENTS] * 4;
    s->hugetlb_pages = mm->hugetlb_usage * 4;
}

int vml_sim_status_mem(const struct vml_sim *sim, int pid, struct vml_status_mem *out)
{
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    status_mem(t->mm, out);
    return 0;
}

/* A bitmap of nbits with the low set bits on, as %*pb prints it: 32-bit chunks, most
 * significant first, separated by commas, the first as wide as its bits need. */
static void put_mask(struct vml_text *out, unsigned nbits, unsigned set)
{
    unsigned chunks = (nbits + 31) / 32;
    for (unsigned c = chunks; c-- > 0;) {
        unsigned lo = c * 32, bits = c == chunks - 1 ? nbits - lo : 32;
        uint32_t v = set <= lo ? 0 : set - lo >= 32 ? 0xffffffffu : (1u << (set - lo)) - 1;
        text_printf(out, "%s%0*x", c == chunks - 1 ? "" : ",", (int)((bits + 3) / 4), v);
    }
}

/* The matching list: "0" or "0-N". */
static void put_list(struct vml_text *out, unsigned n)
{
    if (n == 1)
        text_printf(out, "0");
    else
        text_printf(out, "0-%u", n - 1);
}

/* proc_pid_status: the lines before and after the memory block, as far as the simulation has
 * them (one thread, no signals, default credentials of uid 0). */
static int show_status(const struct vml_sim *sim, const struct sim_task *t, struct vml_text *out)
{
    struct vml_status_mem s;
    status_mem(t->mm, &s);
    text_printf(out,
                "Name:\t%s\nUmask:\t0022\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
                "PPid:\t%d\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\n"
                "Groups:\t \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t0\n",
                t->comm, t->pid, t->pid, t->ppid, t->pid, t->pid, t->pid, t->pid);
    int r = vml_proc_format_status_mem(&s, out);
    if (r)
        return r;
    /* task_thp_status: 0 under prctl(PR_SET_THP_DISABLE). */
    text_printf(out, "CoreDumping:\t0\nTHP_enabled:\t%d\n", t->mm->thp_disabled ? 0 : 1);
    text_printf(out, "untag_mask:\t0xffffffffffffffff\nThreads:\t1\n"
                     "SigQ:\t0/0\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
                     "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
                     "SigCgt:\t0000000000000000\nCapInh:\t0000000000000000\n"
                     "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
                     "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
                     "Seccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tvulnerable\n"
                     "SpeculationIndirectBranch:\talways enabled\nCpus_allowed:\t");
    put_mask(out, sim->cfg.nr_cpus, sim->cfg.nr_cpus);
    text_printf(out, "\nCpus_allowed_list:\t");
    put_list(out, sim->cfg.nr_cpus);
    /* Mems_allowed is a MAX_NUMNODES (1024) bit mask on Debian's kernels. */
    text_printf(out, "\nMems_allowed:\t");
    put_mask(out, 1024, vml_phys_nr_nodes(sim->phys));
    text_printf(out, "\nMems_allowed_list:\t");
    put_list(out, vml_phys_nr_nodes(sim->phys));
    text_printf(out, "\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
    return text_status(out);
}

static int show_statm(const struct sim_mm *mm, struct vml_text *out)
{
    struct vml_statm s = {
        .size = mm->total_vm,
        .resident = mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES],
        .shared = mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES],
        .text = 0,
        .data = mm->data_vm + mm->stack_vm,
    };
    return vml_proc_format_statm(&s, out);
}

/* ---- system files ------------------------------------------------------------------------------
 */

struct sys_counts {
    struct node_stats n; /* summed over nodes */
    uint64_t free, total, pgtables;
};

static void sys_counts(const struct vml_sim *sim, struct sys_counts *c)
{
    memset(c, 0, sizeof(*c));
    for (unsigned i = 0; i < vml_phys_nr_nodes(sim->phys); i++) {
        const struct node_stats *s = &sim->node[i];
        for (unsigned l = 0; l < NR_LRU_LISTS; l++)
            c->n.lru[l] += s->lru[l];
        c->n.anon_mapped += s->anon_mapped;
        c->n.file_mapped += s->file_mapped;
        c->n.file_pages += s->file_pages;
        c->n.shmem += s->shmem;
        c->n.dirty += s->dirty;
        c->n.writeback += s->writeback;
        c->n.mlock += s->mlock;
        c->n.swapcache += s->swapcache;
        struct vml_phys_usage u;
        vml_phys_usage(sim->phys, i, &u);
        c->free += u.free;
        c->total += u.total;
        c->pgtables += u.used[VML_USE_PGTABLE];
    }
}

void vml_sim_meminfo(const struct vml_sim *sim, struct vml_meminfo *m)
{
    struct sys_counts c;
    sys_counts(sim, &c);
    memset(m, 0, sizeof(*m));
    m->mem_total = c.total * 4;
    m->mem_free = c.free * 4;
    /* si_mem_available (watermark.c): the reclaimable part is the reclaimable slab
     * (NR_SLAB_RECLAIMABLE_B) plus NR_KERNEL_MISC_RECLAIMABLE, which is 0 here. */
    m->mem_available = wmark_mem_available(c.free, totalreserve_pages(sim), wmark_low_pages(sim),
                                           c.n.lru[LRU_ACTIVE_FILE] + c.n.lru[LRU_INACTIVE_FILE],
                                           slab_reclaimable_pages(sim)) *
                       4;
    m->cached = c.n.file_pages * 4;
    m->active = (c.n.lru[LRU_ACTIVE_ANON] + c.n.lru[LRU_ACTIVE_FILE]) * 4;
    m->inactive = (c.n.lru[LRU_INACTIVE_ANON] + c.n.lru[LRU_INACTIVE_FILE]) * 4;
    m->active_anon = c.n.lru[LRU_ACTIVE_ANON] * 4;
    m->inactive_anon = c.n.lru[LRU_INACTIVE_ANON] * 4;
    m->active_file = c.n.lru[LRU_ACTIVE_FILE] * 4;
    m->inactive_file = c.n.lru[LRU_INACTIVE_FILE] * 4;
    m->unevictable = c.n.lru[LRU_UNEVICTABLE] * 4;
    m->mlocked = c.n.mlock * 4;
    m->dirty = c.n.dirty * 4;
    m->writeback = c.n.writeback * 4;
    m->anon_pages = c.n.anon_mapped * 4;
    m->anon_huge_pages = sim->nr_anon_thps * 2048;      /* NR_ANON_THPS, in kB */
    m->file_huge_pages = sim->nr_file_thps * 2048;      /* NR_FILE_THPS: mapped or not */
    m->file_pmd_mapped = sim->nr_file_pmdmapped * 2048; /* NR_FILE_PMDMAPPED: once a folio */
    m->mapped = c.n.file_mapped * 4;
    m->shmem = c.n.shmem * 4;
    m->page_tables = c.pgtables * 4;
    /* The slab model's caches are all SLAB_RECLAIM_ACCOUNT; nothing else is simulated. */
    m->sreclaimable = slab_reclaimable_pages(sim) * 4;
    m->slab = m->sreclaimable + m->sunreclaim;
    m->kreclaimable = m->sreclaimable; /* + NR_KERNEL_MISC_RECLAIMABLE, 0 */
    /* The hugetlb pools (Hugetlb:); CommitLimit leaves them out (vm_commit_limit). */
    uint64_t hugetlb_pages = 0;
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++)
        hugetlb_pages += sim->hstates[i].nr << sim->hstates[i].order;
    m->commit_limit = vm_commit_limit(sim) * 4; /* overcommit.c */
    m->swap_total = sim->total_swap_pages * 4;
    m->swap_free = sim->nr_swap_pages * 4;
    m->swap_cached = c.n.swapcache * 4;
    m->committed_as = committed_as(sim) * 4;
    m->vmalloc_total = sim->cfg.paging == 5 ? 13743895347199ull : 34359738367ull;
    /* hugetlb_report_meminfo: the default (2 MiB) pool's counters, all pools' memory. */
    const struct hstate *h = &sim->hstates[VML_HUGE_2M];
    m->hugepages_total = h->nr;
    m->hugepages_free = h->free;
    m->hugepages_rsvd = h->resv;
    m->hugepages_surp = h->surplus;
    m->hugepagesize = 2048;
    m->hugetlb = hugetlb_pages * 4;
    /* The direct map covers RAM with 2 MiB pages (no 1 GiB pages, nothing split). */
    m->direct_map_2m = c.total * 4;
}

void vml_sim_vmstat(const struct vml_sim *sim, struct vml_vmstat *out)
{
    struct sys_counts c;
    sys_counts(sim, &c);
    for (unsigned i = 0; i < VML_VMSTAT_NR; i++)
        out->v[i] = sim->events[i];
    out->v[VML_VMSTAT_nr_free_pages] = c.free;
    out->v[VML_VMSTAT_nr_zone_inactive_anon] = c.n.lru[LRU_INACTIVE_ANON];
    out->v[VML_VMSTAT_nr_zone_active_anon] = c.n.lru[LRU_ACTIVE_ANON];
    out->v[VML_VMSTAT_nr_zone_inactive_file] = c.n.lru[LRU_INACTIVE_FILE];
    out->v[VML_VMSTAT_nr_zone_active_file] = c.n.lru[LRU_ACTIVE_FILE];
    out->v[VML_VMSTAT_nr_zone_unevictable] = c.n.lru[LRU_UNEVICTABLE];
    out->v[VML_VMSTAT_nr_zone_write_pending] = c.n.dirty + c.n.writeback;
    out->v[VML_VMSTAT_nr_mlock] = c.n.mlock;
    out->v[VML_VMSTAT_nr_inactive_anon] = c.n.lru[LRU_INACTIVE_ANON];
    out->v[VML_VMSTAT_nr_active_anon] = c.n.lru[LRU_ACTIVE_ANON];
    out->v[VML_VMSTAT_nr_inactive_file] = c.n.lru[LRU_INACTIVE_FILE];
    out->v[VML_VMSTAT_nr_active_file] = c.n.lru[LRU_ACTIVE_FILE];
    out->v[VML_VMSTAT_nr_unevictable] = c.n.lru[LRU_UNEVICTABLE];
    out->v[VML_VMSTAT_nr_anon_pages] = c.n.anon_mapped;
    out->v[VML_VMSTAT_nr_anon_transparent_hugepages] = sim->nr_anon_thps; /* in THPs */
    out->v[VML_VMSTAT_nr_file_hugepages] = sim->nr_file_thps;
    out->v[VML_VMSTAT_nr_file_pmdmapped] = sim->nr_file_pmdmapped; /* in THPs, as printed */
    out->v[VML_VMSTAT_nr_mapped] = c.n.file_mapped;
    out->v[VML_VMSTAT_nr_file_pages] = c.n.file_pages;
    out->v[VML_VMSTAT_nr_dirty] = c.n.dirty;
    out->v[VML_VMSTAT_nr_writeback] = c.n.writeback;
    out->v[VML_VMSTAT_nr_shmem] = c.n.shmem;
    out->v[VML_VMSTAT_nr_swapcached] = c.n.swapcache;
    out->v[VML_VMSTAT_nr_page_table_pages] = c.pgtables;
    out->v[VML_VMSTAT_nr_slab_reclaimable] = slab_reclaimable_pages(sim);
    /* Allocation events from phys: every frame, page tables included; the zero page is
     * static in the kernel, not allocated (mm/memory.c: empty_zero_page). The NUMA events of
     * page tables are counted where they are allocated, as those of other pages (mm/page.c). */
    static const enum vml_vmstat_item by_zone[VML_NR_ZONES] = { VML_VMSTAT_pgalloc_dma,
                                                                VML_VMSTAT_pgalloc_dma32,
                                                                VML_VMSTAT_pgalloc_normal };
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        struct vml_phys_usage u;
        vml_phys_usage(sim->phys, n, &u);
        for (unsigned z = 0; z < VML_NR_ZONES; z++)
            out->v[by_zone[z]] += u.allocated[z];
        out->v[VML_VMSTAT_pgfree] += u.freed;
    }
    out->v[by_zone[sim_frame(sim, sim->zero_pfn)->zone]]--;
    /* vmstat_start: global_dirty_limits (writeback.c, which honours vm.dirty_*). */
    uint64_t bg, thresh;
    global_dirty_limits(sim, &bg, &thresh);
    out->v[VML_VMSTAT_nr_dirty_threshold] = thresh;
    out->v[VML_VMSTAT_nr_dirty_background_threshold] = bg;
}

/* ---- dispatch
 * ------------------------------------------------------------------------------------ */

/* Sums the smaps counters over a process's VMAs: in bytes and converted once (as
 * smaps_rollup does), or converted per VMA, as the blocks are printed. */
static int sum_vmas(const struct vml_sim *sim, int pid, bool per_vma, struct vml_smaps_counts *out)
{
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    memset(out, 0, sizeof(*out));
    for (const struct vma *v = vma_first(t->mm->vmas); v; v = vma_next(v)) {
        struct smaps_acc a;
        struct vml_smaps_counts c;
        memset(&c, 0, sizeof(c));
        gather(sim, t->mm, v, &a);
        add_counts(per_vma ? &c : out, &a);
        if (!per_vma)
            continue;
        to_kb(&c);
        uint64_t *dst = (uint64_t *)out;
        const uint64_t *src = (const uint64_t *)&c;
        for (size_t i = 0; i < sizeof(c) / sizeof(uint64_t); i++)
            dst[i] += src[i];
    }
    if (!per_vma)
        to_kb(out);
    return 0;
}

int vml_sim_rollup(const struct vml_sim *sim, int pid, struct vml_smaps_counts *out)
{
    return sum_vmas(sim, pid, false, out);
}

int vml_sim_smaps_sum(const struct vml_sim *sim, int pid, struct vml_smaps_counts *out)
{
    return sum_vmas(sim, pid, true, out);
}

int vml_sim_proc_text(struct vml_sim *sim, int pid, enum vml_sim_file f, uint64_t start,
                      uint64_t end, struct vml_text *out)
{
    switch (f) {
    case VML_SIM_MEMINFO: {
        struct vml_meminfo m;
        vml_sim_meminfo(sim, &m);
        return vml_proc_format_meminfo(&m, out);
    }
    case VML_SIM_VMSTAT: {
        struct vml_vmstat v;
        vml_sim_vmstat(sim, &v);
        return vml_proc_format_vmstat(&v, out);
    }
    case VML_SIM_SWAPS: return swaps_show(sim, out);
    case VML_SIM_DMESG:
        if (sim->kmsg.len)
            text_append(out, sim->kmsg.s, sim->kmsg.len);
        return text_status(out);
    case VML_SIM_ZONEINFO: return sim_zoneinfo(sim, out);
    case VML_SIM_BUDDYINFO: {
        char *s = vml_phys_buddyinfo(sim->phys);
        if (!s)
            return VML_EHOST;
        text_append(out, s, strlen(s));
        free(s);
        return text_status(out);
    }
    default: break;
    }
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    const struct sim_mm *mm = t->mm;
    switch (f) {
    case VML_SIM_MAPS:
    case VML_SIM_NUMA_MAPS:
    case VML_SIM_SMAPS:
        for (const struct vma *v = vma_first(mm->vmas); v; v = vma_next(v)) {
            if ((start || end) && (v->end <= start || v->start >= end))
                continue;
            int r;
            if (f == VML_SIM_SMAPS) {
                r = show_smap(sim, mm, v, out);
            } else if (f == VML_SIM_NUMA_MAPS) {
                show_numa_map(sim, t, v, out);
                r = text_status(out);
            } else {
                struct vml_vma_header h;
                struct header_buf hb;
                vma_header(mm, v, &h, &hb);
                r = vml_proc_format_maps_line(&h, out);
            }
            if (r)
                return r;
        }
        return text_status(out);
    case VML_SIM_SMAPS_ROLLUP: {
        struct vml_smaps_counts c;
        vml_sim_rollup(sim, pid, &c);
        const struct vma *first = vma_first(mm->vmas), *last = vma_last(mm->vmas);
        return vml_proc_format_smaps_rollup(first ? first->start : 0, last ? last->end : 0, &c,
                                            out);
    }
    case VML_SIM_STATUS: return show_status(sim, t, out);
    case VML_SIM_FAULTS: return show_faults(t, out);
    case VML_SIM_LATENCY: return show_latency(t, out);
    case VML_SIM_STATM: return show_statm(mm, out);
    case VML_SIM_OOM_SCORE: text_printf(out, "%lu\n", oom_score(sim, t)); return text_status(out);
    case VML_SIM_OOM_SCORE_ADJ: text_printf(out, "%d\n", t->oom_score_adj); return text_status(out);
    default: return VML_EINVAL;
    }
}
