/* mm/khugepaged.c: the khugepaged thread (mm/khugepaged.c), on the simulated clock.
 *
 * Address spaces with a VMA khugepaged may work in are registered on a list
 * (khugepaged_enter_vma, __khugepaged_enter). The thread wakes every scan_sleep_millisecs and
 * scans pages_to_scan units of work (khugepaged_do_scan) from a cursor that walks the list in
 * order, VMA by VMA, 2 MiB block by 2 MiB block (khugepaged_scan_mm_slot); a block mapped by
 * a PTE table whose entries pass the limits (hpage_collapse_scan_pmd: none or zero-page entries
 * <= max_ptes_none, swap entries <= max_ptes_swap, pages mapped by more than one mm <=
 * max_ptes_shared, at least one writable entry and one young one) is collapsed into a new THP
 * (collapse_huge_page, whose work huge_memory.c's thp_collapse_block does for MADV_COLLAPSE
 * too). A failed allocation makes the thread sleep alloc_sleep_millisecs in the middle of its
 * scan (khugepaged_alloc_sleep), and a second one ends the scan.
 *
 * A unit of work is what the kernel counts in `progress`: 512 for each 2 MiB block looked at,
 * whatever it holds, and 1 for each mm entered and each VMA passed over.
 *
 * The thread's sleeps are whole jiffies (msecs_to_jiffies rounds up) at HZ = 250, the
 * CONFIG_HZ of the machines vmlab models; its own work takes no simulated time.
 */
#include "mm/sim_internal.h"

#include <stdlib.h>

#define HPAGE_SIZE   (2ull << 20)
#define HPAGE_MASK   (~(HPAGE_SIZE - 1))
#define HPAGE_PMD_NR 512u
#define SIM_HZ       250u
#define NS_PER_JIFFY (1000000000ull / SIM_HZ)

/* The outcomes of a block's scan the simulation can reach (enum scan_result). */
enum scan_result {
    SCAN_FAIL,
    SCAN_SUCCEED,
    SCAN_PMD_NULL,
    SCAN_PMD_MAPPED,
    SCAN_EXCEED_NONE_PTE,
    SCAN_EXCEED_SWAP_PTE,
    SCAN_EXCEED_SHARED_PTE,
    SCAN_PAGE_RO,
    SCAN_LACK_REFERENCED_PAGE,
    SCAN_PAGE_NULL,
    SCAN_PAGE_COUNT,
    SCAN_PAGE_ANON,
    SCAN_ALLOC_HUGE_PAGE_FAIL,
};

/* msecs_to_jiffies, in nanoseconds. */
static uint64_t jiffies_ns(uint32_t ms)
{
    uint64_t per = 1000u / SIM_HZ;
    return ((uint64_t)ms + per - 1) / per * NS_PER_JIFFY;
}

/* hugepage_pmd_enabled: some anonymous PMD THP mode is on (the 2048kB size's own policy, or
 * the top-level one it inherits). */
static bool pmd_enabled(const struct vml_thp_settings *s)
{
    enum vml_mthp_mode m = s->size_enabled[VML_THP_PMD_ORDER];
    return m == VML_MTHP_ALWAYS || m == VML_MTHP_MADVISE ||
           (m == VML_MTHP_INHERIT && s->enabled != VML_THP_NEVER);
}

/* khugepaged_has_work */
static bool has_work(const struct vml_sim *sim)
{
    return sim->khugepaged.head && pmd_enabled(&sim->thp);
}

/* ---- the mm list ------------------------------------------------------------------------- */

static void slot_unlink(struct khugepaged *kh, struct khugepaged_slot *slot)
{
    struct khugepaged_slot **pp = &kh->head, *prev = NULL;
    while (*pp && *pp != slot) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = slot->next;
    if (kh->tail == slot)
        kh->tail = prev;
    free(slot);
}

/* Wakes the thread (wake_up_interruptible(&khugepaged_wait)): waiting for work, it scans now;
 * in the allocation sleep, that sleep ends now. The scan sleep ends only when forced, as a
 * write to a sleep setting does (khugepaged_sleep_expire = 0 makes khugepaged_should_wakeup
 * true). */
static void wake_up(struct vml_sim *sim, bool force)
{
    struct khugepaged *kh = &sim->khugepaged;
    if (kh->state == KHUGEPAGED_IDLE || (force && kh->state == KHUGEPAGED_SCAN_SLEEP)) {
        kh->state = KHUGEPAGED_WOKEN;
        sim_timer_arm(sim, &kh->timer, sim->now_ns);
    } else if (kh->state == KHUGEPAGED_ALLOC_SLEEP) {
        sim_timer_arm(sim, &kh->timer, sim->now_ns);
    }
}

/* __khugepaged_enter: the mm goes at the tail of the list, behind the cursor, "to let the area
 * settle down a little"; the thread is woken when the list was empty. */
static void enter(struct vml_sim *sim, struct sim_mm *mm)
{
    struct khugepaged *kh = &sim->khugepaged;
    if (mm->khugepaged)
        return;
    struct khugepaged_slot *slot = calloc(1, sizeof(*slot));
    if (!slot)
        return; /* mm_slot_alloc failed: the kernel leaves the mm out too */
    slot->mm = mm;
    mm->khugepaged = slot;
    bool wakeup = kh->head == NULL;
    if (kh->tail)
        kh->tail->next = slot;
    else
        kh->head = slot;
    kh->tail = slot;
    if (wakeup)
        wake_up(sim, false);
}

void khugepaged_enter_vma(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v)
{
    /* thp_vma_allowable_order(TVA_KHUGEPAGED): for anonymous memory what smaps' THPeligible
     * asks, a 2 MiB block inside the VMA included. */
    if (!mm->khugepaged && pmd_enabled(&sim->thp) && thp_smaps_eligible(sim, mm, v))
        enter(sim, mm);
}

void khugepaged_fork(struct vml_sim *sim, struct sim_mm *child, const struct sim_mm *parent)
{
    if (parent->khugepaged)
        enter(sim, child);
}

void khugepaged_exit(struct vml_sim *sim, struct sim_mm *mm)
{
    /* __khugepaged_exit: the slot goes now, unless the cursor is on it: then the scan frees it
     * when it next gets there (collect_mm_slot). */
    struct khugepaged *kh = &sim->khugepaged;
    struct khugepaged_slot *slot = mm->khugepaged;
    if (!slot)
        return;
    mm->khugepaged = NULL;
    if (kh->cursor == slot)
        slot->mm = NULL;
    else
        slot_unlink(kh, slot);
}

/* ---- one block ----------------------------------------------------------------------------- */

struct pmd_scan {
    struct vml_sim *sim;
    const struct vml_thp_settings *s;
    uint64_t next; /* the address after the last entry counted */
    uint32_t none_or_zero, unmapped, shared, referenced;
    bool writable;
    uint32_t node_load[VML_MAX_NODES];
    enum scan_result result; /* SCAN_SUCCEED while the entries pass */
};

/* folio_maybe_mapped_shared */
static bool maybe_mapped_shared(const struct vml_sim *sim, const struct frame *head)
{
    const struct large_folio *lf = folio_large(sim, head);
    if (!lf)
        return head->mapcount > 1;
    return lf->maybe_shared || (lf->mm_mapcount[0] > 0 && lf->mm_mapcount[1] > 0);
}

/* is_refcount_suitable: no reference beyond the mappings' (no pins; no swap cache yet). */
static bool refcount_suitable(const struct vml_sim *sim, const struct frame *head)
{
    return head->refcount == folio_mapcount(sim, head);
}

/* Empty entries up to va count as none (pte_none). */
static bool count_none(struct pmd_scan *c, uint64_t va)
{
    c->none_or_zero += (uint32_t)((va - c->next) / PAGE_SIZE);
    c->next = va;
    if (c->none_or_zero > c->s->max_ptes_none) {
        c->result = SCAN_EXCEED_NONE_PTE;
        c->sim->events[VML_VMSTAT_thp_scan_exceed_none_pte]++;
        return false;
    }
    return true;
}

/* hpage_collapse_scan_pmd's loop, one non-empty entry at a time, in address order, stopping at
 * the first that fails (so the failure counted is the kernel's). */
static int scan_pte(const struct vml_pt_leaf *leaf, void *arg)
{
    struct pmd_scan *c = arg;
    struct vml_sim *sim = c->sim;
    if (!count_none(c, leaf->va))
        return 1;
    c->next = leaf->va + PAGE_SIZE;
    uint64_t e = leaf->entry;
    if (!pte_present(e)) {
        /* is_swap_pte */
        if (++c->unmapped > c->s->max_ptes_swap) {
            c->result = SCAN_EXCEED_SWAP_PTE;
            sim->events[VML_VMSTAT_thp_scan_exceed_swap_pte]++;
            return 1;
        }
        return 0;
    }
    if (vml_pte_pfn(e) == sim->zero_pfn) {
        c->next = leaf->va; /* counted as none, with the holes */
        return count_none(c, leaf->va + PAGE_SIZE) ? 0 : 1;
    }
    if (e & VML_PTE_RW)
        c->writable = true;
    if (!pte_normal_page(sim, e)) {
        c->result = SCAN_PAGE_NULL; /* vm_normal_page: no page behind it */
        return 1;
    }
    const struct frame *head = sim_frame(sim, folio_head(sim, vml_pte_pfn(e)));
    if (!(head->flags & PGF_ANON)) {
        c->result = SCAN_PAGE_ANON;
        return 1;
    }
    if (maybe_mapped_shared(sim, head) && ++c->shared > c->s->max_ptes_shared) {
        c->result = SCAN_EXCEED_SHARED_PTE;
        sim->events[VML_VMSTAT_thp_scan_exceed_share_pte]++;
        return 1;
    }
    /* The new THP goes where most of the pages are (hpage_collapse_find_target_node). Every
     * mapped page is on an LRU list and unlocked in the simulation: folio_test_lru and
     * folio_test_locked always pass; node_reclaim_mode is 0, so hpage_collapse_scan_abort
     * never stops the scan. */
    c->node_load[head->node]++;
    if (!refcount_suitable(sim, head)) {
        c->result = SCAN_PAGE_COUNT;
        return 1;
    }
    /* Young: the accessed bit the MMU set, or the page's referenced flag. */
    if ((e & VML_PTE_A) || (head->flags & PGF_REFERENCED))
        c->referenced++;
    return 0;
}

/* hpage_collapse_scan_pmd, then collapse_huge_page when the block qualifies. *attempted: a
 * collapse was tried (the kernel dropped mmap_lock: the scan of this mm stops there). */
static enum scan_result scan_pmd(struct vml_sim *sim, struct sim_mm *mm, struct vma *v,
                                 uint64_t haddr, bool *attempted, int *err)
{
    /* find_pmd_or_thp_or_none */
    struct vml_pt_leaf leaf;
    if (vml_pt_lookup(mm->pt, haddr, &leaf) == 0 && leaf.level == 2)
        return SCAN_PMD_MAPPED;
    if (vml_pt_pmd_none(mm->pt, haddr))
        return SCAN_PMD_NULL;
    struct pmd_scan c = { .sim = sim, .s = &sim->thp, .next = haddr, .result = SCAN_SUCCEED };
    if (vml_pt_for_each(mm->pt, haddr, haddr + HPAGE_SIZE, scan_pte, &c) == 0)
        count_none(&c, haddr + HPAGE_SIZE);
    if (c.result != SCAN_SUCCEED)
        return c.result;
    if (!c.writable)
        return SCAN_PAGE_RO;
    /* Enough young pages to be worth it: one, or half the block when swap entries would have
     * to be read back in. */
    if (!c.referenced || (c.unmapped && c.referenced < HPAGE_PMD_NR / 2))
        return SCAN_LACK_REFERENCED_PAGE;
    if (!v->anon)
        return SCAN_PAGE_ANON; /* hugepage_vma_revalidate: no anon_vma */
    unsigned node = 0;
    for (unsigned n = 0; n < VML_MAX_NODES; n++)
        if (c.node_load[n] > c.node_load[node])
            node = n;
    *attempted = true;
    /* alloc_hugepage_khugepaged_gfpmask: khugepaged/defrag decides whether it may compact. */
    int r = thp_collapse_block(sim, mm, v, haddr, node,
                               sim->thp.khugepaged_defrag ? GFP_TRANSHUGE : GFP_TRANSHUGE_LIGHT);
    if (r == VML_ENOMEM)
        return SCAN_ALLOC_HUGE_PAGE_FAIL;
    if (r == VML_EINVAL)
        return SCAN_PAGE_ANON;
    if (r) {
        *err = r;
        return SCAN_FAIL;
    }
    return SCAN_SUCCEED;
}

/* ---- the scan ------------------------------------------------------------------------------ */

/* khugepaged_scan_mm_slot: up to pages units of work in the mm under the cursor; the cursor
 * moves to the next mm when this one is done (or gone), counting a full scan at the end of the
 * list. Returns the work done. */
static uint32_t scan_mm_slot(struct vml_sim *sim, uint32_t pages, enum scan_result *result,
                             int *err)
{
    struct khugepaged *kh = &sim->khugepaged;
    *result = SCAN_FAIL;
    struct khugepaged_slot *slot = kh->cursor;
    if (!slot) {
        slot = kh->head;
        kh->address = 0;
        kh->cursor = slot;
    }
    struct sim_mm *mm = slot->mm;
    uint32_t progress = 1;
    bool done = true; /* every VMA seen (the kernel's vma == NULL) */
    if (!mm || mm->thp_disabled)
        goto out; /* hpage_collapse_test_exit_or_disable */
    for (struct vma *v = vma_find_next(mm->vmas, kh->address); v; v = vma_next(v)) {
        if (!thp_smaps_eligible(sim, mm, v)) {
            progress++;
            continue;
        }
        uint64_t hstart = (v->start + HPAGE_SIZE - 1) & HPAGE_MASK, hend = v->end & HPAGE_MASK;
        if (kh->address > hend) {
            progress++;
            continue;
        }
        if (kh->address < hstart)
            kh->address = hstart;
        while (kh->address < hend) {
            bool attempted = false;
            *result = scan_pmd(sim, mm, v, kh->address, &attempted, err);
            if (*err)
                return progress;
            if (*result == SCAN_SUCCEED)
                kh->pages_collapsed++;
            kh->address += HPAGE_SIZE;
            progress += HPAGE_PMD_NR;
            if (attempted || progress >= pages) {
                done = false;
                goto out;
            }
        }
    }
out:
    if (!slot->mm || done) {
        if (slot->next) {
            kh->cursor = slot->next;
            kh->address = 0;
        } else {
            kh->cursor = NULL;
            kh->full_scans++;
        }
        if (!slot->mm) /* collect_mm_slot */
            slot_unlink(kh, slot);
    }
    return progress;
}

/* khugepaged_wait_work: the next scan after scan_sleep_millisecs while there is work; else
 * wait for an mm to be registered. */
static void wait_work(struct vml_sim *sim)
{
    struct khugepaged *kh = &sim->khugepaged;
    if (has_work(sim)) {
        kh->state = KHUGEPAGED_SCAN_SLEEP;
        sim_timer_arm(sim, &kh->timer, sim->now_ns + jiffies_ns(sim->thp.scan_sleep_millisecs));
    } else {
        kh->state = KHUGEPAGED_IDLE;
    }
}

/* khugepaged_do_scan, from its start or (resume) after its allocation sleep. */
static int do_scan(struct vml_sim *sim, bool resume)
{
    struct khugepaged *kh = &sim->khugepaged;
    uint32_t pages, progress, pass;
    bool wait = !resume;
    enum scan_result result = resume ? SCAN_ALLOC_HUGE_PAGE_FAIL : SCAN_SUCCEED;
    if (resume) {
        pages = kh->pages;
        progress = kh->progress;
        pass = kh->pass_through_head;
    } else {
        pages = sim->thp.pages_to_scan;
        progress = pass = 0;
    }
    for (;;) {
        if (!kh->cursor)
            pass++;
        if (has_work(sim) && pass < 2) {
            int err = 0;
            progress += scan_mm_slot(sim, pages - progress, &result, &err);
            if (err)
                return err;
        } else {
            progress = pages;
        }
        if (progress >= pages)
            break;
        if (result == SCAN_ALLOC_HUGE_PAGE_FAIL) {
            /* The first failure sleeps alloc_sleep_millisecs and goes on; a second ends the
             * scan. */
            if (!wait)
                break;
            kh->pages = pages;
            kh->progress = progress;
            kh->pass_through_head = pass;
            kh->state = KHUGEPAGED_ALLOC_SLEEP;
            sim_timer_arm(sim, &kh->timer,
                          sim->now_ns + jiffies_ns(sim->thp.alloc_sleep_millisecs));
            return 0;
        }
    }
    wait_work(sim);
    return 0;
}

static int khugepaged_timer(struct vml_sim *sim, struct sim_timer *t)
{
    (void)t;
    return do_scan(sim, sim->khugepaged.state == KHUGEPAGED_ALLOC_SLEEP);
}

/* ---- the thread's life ----------------------------------------------------------------------- */

int khugepaged_init(struct vml_sim *sim)
{
    struct khugepaged *kh = &sim->khugepaged;
    int r = sim_timer_add(sim, &kh->timer, khugepaged_timer);
    if (r)
        return r;
    /* At boot the thread starts when a PMD size is enabled, finds no mm and waits. */
    kh->state = pmd_enabled(&sim->thp) ? KHUGEPAGED_IDLE : KHUGEPAGED_STOPPED;
    return 0;
}

void khugepaged_destroy(struct vml_sim *sim)
{
    struct khugepaged *kh = &sim->khugepaged;
    while (kh->head) {
        struct khugepaged_slot *s = kh->head;
        kh->head = s->next;
        if (s->mm)
            s->mm->khugepaged = NULL;
        free(s);
    }
    kh->tail = kh->cursor = NULL;
}

void khugepaged_settings_changed(struct vml_sim *sim, const struct vml_thp_settings *old,
                                 enum khugepaged_write what)
{
    struct khugepaged *kh = &sim->khugepaged;
    bool was = pmd_enabled(old), is = pmd_enabled(&sim->thp);
    if (what == KHUGEPAGED_WRITE_SLEEP) {
        /* scan_sleep_millisecs_store, alloc_sleep_millisecs_store: khugepaged_sleep_expire = 0
         * and a wake-up, so a sleeping thread scans at once. */
        wake_up(sim, true);
        return;
    }
    if (what != KHUGEPAGED_WRITE_ENABLED)
        return; /* pages_to_scan and the limits are read at the next scan */
    /* start_stop_khugepaged, on every write to an enabled file. */
    if (was && !is) {
        /* kthread_stop: the thread ends, leaving the cursor at the head of the list and
         * freeing the slot under it if its mm has gone. */
        sim_timer_cancel(&kh->timer);
        kh->state = KHUGEPAGED_STOPPED;
        struct khugepaged_slot *slot = kh->cursor;
        kh->cursor = NULL;
        if (slot && !slot->mm)
            slot_unlink(kh, slot);
    } else if (!was && is) {
        /* kthread_run: the new thread scans at once. */
        kh->state = KHUGEPAGED_WOKEN;
        sim_timer_arm(sim, &kh->timer, sim->now_ns);
    } else if (is && kh->head) {
        wake_up(sim, false); /* ends an allocation sleep; a scan sleep goes on */
    }
}

void vml_sim_khugepaged(const struct vml_sim *sim, struct vml_khugepaged_stats *out)
{
    out->pages_collapsed = sim->khugepaged.pages_collapsed;
    out->full_scans = sim->khugepaged.full_scans;
}
