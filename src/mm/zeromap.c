/* mm/zeromap.c: which anonymous pages hold only zeros, for the swap path of Linux 6.18 that
 * skips them (mm/page_io.c: swap_writeout -> is_folio_zero_filled, swap_zeromap_folio_set;
 * swap_read_folio -> swap_read_folio_zeromap).
 *
 * The kernel reads the page's contents at swap-out; the simulation has none, so it keeps one
 * flag per page instead (PGF_ZEROFILL): set when an order-0 anonymous page is made of zeros (a
 * fault's fresh zeroed page, do_anonymous_page without the shared zero page or for a write;
 * a page filled from a zeromap slot), cleared by the first store to it. Stores are what the
 * MMU's dirty bit cannot tell: a read fault maps a private page writable and dirty already
 * (pte_mkwrite(pte_mkdirty())), so later stores never fault. Every access path reports its
 * stores: vml_sim_touch, and replay through vml_sim_stored. Everything else counts as data:
 * a copy-on-write copy (a store follows it at once), a page read from a swap slot with data,
 * a migrated page keeps its flag with its contents (folio_migrate_flags), large folios are not
 * tracked (reclaim does not swap them here).
 *
 * The flag is kept only from the first swapon on (sim->track_zerofill): before that no page can
 * be swapped, and replay need not report stores. A page made before then counts as data, which
 * departs from the kernel only for a page read-faulted (or written with zeros) before swap
 * existed and swapped after (docs/design.md).
 */
#include "mm/sim_internal.h"
#include "vmlab/pgtable.h"
#include "vmlab/sim.h"

void page_mark_zerofill(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (sim->track_zerofill && !(f->flags & PGF_LARGE))
        f->flags |= PGF_ZEROFILL;
}

void page_stored(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (f->flags & PGF_ZEROFILL)
        f->flags &= ~PGF_ZEROFILL;
}

bool vml_sim_tracks_stores(const struct vml_sim *sim)
{
    return sim->track_zerofill;
}

int vml_sim_stored(struct vml_sim *sim, int pid, uint64_t va)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    struct vml_pt_leaf leaf;
    if (vml_pt_lookup(t->mm->pt, va, &leaf) == 0 && leaf.level == 1 &&
        pte_normal_page(sim, leaf.entry))
        page_stored(sim, vml_pte_pfn(leaf.entry));
    return 0;
}
