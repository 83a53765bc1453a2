/* mm/lru.c: the LRU lists (include/linux/mm_inline.h: lruvec_add_folio, lruvec_add_folio_tail,
 * lruvec_del_folio). A folio is on one list of its node and memory cgroup (its lruvec), linked
 * through its head frame's lru_prev and lru_next (pfns, FRAME_NONE at the ends); which list follows
 * from its flags (page_lru). The lists count pages (folio_nr_pages). New folios go to the head;
 * reclaim takes from the tail (lru_to_folio), so the tail holds the folios that have gone longest
 * without being promoted or added back.
 *
 * The multi-generation LRU (CONFIG_LRU_GEN) is not modelled: this machine class's kernel is
 * built without it (no /sys/kernel/mm/lru_gen), so the two-list scheme below is what runs.
 * The kernel adds folios through per-CPU batches (folio_batch, 15 folios) that a drain empties
 * onto the lists (lru_add_drain); the simulation adds each folio at once, as if every batch
 * were drained at once.
 */
#include "mm/sim_internal.h"

/* The list's pages are counted three times: in its lruvec (memory.stat, reclaim's scan sizes),
 * its node (vmstat, meminfo) and its zone (zoneinfo). n is added, or taken when negative. */
static inline void lru_count(struct vml_sim *sim, const struct frame *f, struct lruvec *lv,
                             enum lru_list l, uint64_t n)
{
    lv->nr[l] += n;
    sim->node[f->node].lru[l] += n;
    sim->zone_lru[f->node][f->zone][l] += n;
}

/* Links the folio at pfn (frame f) at the head of list l of lv, uncounted. */
static inline void link_head(struct vml_sim *sim, uint64_t pfn, struct frame *f, struct lruvec *lv,
                             enum lru_list l)
{
    uint64_t head = lv->head[l];
    f->lru_prev = FRAME_NONE;
    if (head) {
        f->lru_next = (uint32_t)(head - 1);
        sim_frame(sim, head - 1)->lru_prev = (uint32_t)pfn;
    } else {
        f->lru_next = FRAME_NONE;
        lv->tail[l] = pfn + 1;
    }
    lv->head[l] = pfn + 1;
}

/* Links it at the tail, uncounted. */
static inline void link_tail(struct vml_sim *sim, uint64_t pfn, struct frame *f, struct lruvec *lv,
                             enum lru_list l)
{
    uint64_t tail = lv->tail[l];
    f->lru_next = FRAME_NONE;
    if (tail) {
        f->lru_prev = (uint32_t)(tail - 1);
        sim_frame(sim, tail - 1)->lru_next = (uint32_t)pfn;
    } else {
        f->lru_prev = FRAME_NONE;
        lv->head[l] = pfn + 1;
    }
    lv->tail[l] = pfn + 1;
}

/* Unlinks it from list l of lv, uncounted; its links are left as they were. */
static inline void lru_unlink(struct vml_sim *sim, const struct frame *f, struct lruvec *lv,
                              enum lru_list l)
{
    uint32_t prev = f->lru_prev, next = f->lru_next;
    if (prev != FRAME_NONE)
        sim_frame(sim, prev)->lru_next = next;
    else
        lv->head[l] = next == FRAME_NONE ? 0 : (uint64_t)next + 1;
    if (next != FRAME_NONE)
        sim_frame(sim, next)->lru_prev = prev;
    else
        lv->tail[l] = prev == FRAME_NONE ? 0 : (uint64_t)prev + 1;
}

void lru_add(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    enum lru_list l = page_lru(f);
    struct lruvec *lv = folio_lruvec(sim, f);
    link_head(sim, pfn, f, lv, l);
    lru_count(sim, f, lv, l, folio_nr_pages(f));
}

void lru_add_tail(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    enum lru_list l = page_lru(f);
    struct lruvec *lv = folio_lruvec(sim, f);
    link_tail(sim, pfn, f, lv, l);
    lru_count(sim, f, lv, l, folio_nr_pages(f));
}

void lru_del(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    enum lru_list l = page_lru(f);
    struct lruvec *lv = folio_lruvec(sim, f);
    lru_unlink(sim, f, lv, l);
    f->lru_prev = f->lru_next = 0;
    lru_count(sim, f, lv, l, -folio_nr_pages(f));
}

/* lru_del then lru_add (or lru_add_tail) of a folio whose flags stay: the same list, so every
 * count is as it was and only the links change. */
void lru_move_head(struct vml_sim *sim, uint64_t pfn, struct frame *f)
{
    enum lru_list l = page_lru(f);
    struct lruvec *lv = folio_lruvec(sim, f);
    if (lv->head[l] == pfn + 1)
        return;
    lru_unlink(sim, f, lv, l);
    link_head(sim, pfn, f, lv, l);
}

void lru_move_tail(struct vml_sim *sim, uint64_t pfn, struct frame *f)
{
    enum lru_list l = page_lru(f);
    struct lruvec *lv = folio_lruvec(sim, f);
    if (lv->tail[l] == pfn + 1)
        return;
    lru_unlink(sim, f, lv, l);
    link_tail(sim, pfn, f, lv, l);
}

void folio_rotate_reclaimable(struct vml_sim *sim, uint64_t pfn, struct frame *f)
{
    f->flags &= ~PGF_RECLAIM;
    /* folio_rotate_reclaimable leaves a dirty or unevictable folio where it is; lru_move_tail
     * clears PG_active on the way, so a folio reclaim activated because its write was still
     * in flight (shrink_folio_list's writeback cases) comes back as the next to reclaim. */
    if (f->flags & (PGF_DIRTY | PGF_MLOCKED))
        return;
    if (f->flags & PGF_ACTIVE) {
        lru_del(sim, pfn);
        f->flags &= ~PGF_ACTIVE;
        lru_add_tail(sim, pfn);
    } else {
        lru_move_tail(sim, pfn, f);
    }
    sim->events[VML_VMSTAT_pgrotated] += folio_nr_pages(f);
}

void lru_replace(struct vml_sim *sim, uint64_t old, uint64_t new)
{
    /* Migration puts the new folio where the old one was (folio_migrate_flags keeps the
     * flags; the isolated folio goes back to its list's head in the kernel, putback_lru_page,
     * but compaction isolates and puts back within one pass, so its place barely moves). */
    struct frame *of = sim_frame(sim, old), *nf = sim_frame(sim, new);
    enum lru_list l = page_lru(of);
    struct lruvec *lv = folio_lruvec(sim, of); /* the new folio takes the old one's cgroup */
    nf->memcg = of->memcg;
    nf->lru_prev = of->lru_prev;
    nf->lru_next = of->lru_next;
    if (of->lru_prev != FRAME_NONE)
        sim_frame(sim, of->lru_prev)->lru_next = (uint32_t) new;
    else
        lv->head[l] = new + 1;
    if (of->lru_next != FRAME_NONE)
        sim_frame(sim, of->lru_next)->lru_prev = (uint32_t) new;
    else
        lv->tail[l] = new + 1;
    of->lru_prev = of->lru_next = 0;
    uint64_t n = folio_nr_pages(of);
    sim->zone_lru[of->node][of->zone][l] -= n;
    sim->zone_lru[nf->node][nf->zone][l] += n;
}
