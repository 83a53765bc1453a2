/* mm/kcompactd.c: the per-node compaction daemon (mm/compaction.c: kcompactd, wakeup_kcompactd,
 * kcompactd_do_work) on the simulated clock.
 *
 * kswapd wakes it when it goes to sleep after a high-order wake-up (kswapd_try_to_sleep), and
 * wakeup_kswapd wakes it directly when kswapd cannot help (a hopeless node, or one balanced
 * already); either for the order the failed allocation asked. Woken, it compacts every zone of
 * its node that is suitable for that order, in MIGRATE_SYNC_LIGHT, until a free block of the
 * order appears at a pageblock boundary or its scanners meet (compaction.c), and counts
 * compact_daemon_wake and the scanners' pfns in compact_daemon_migrate_scanned and
 * compact_daemon_free_scanned. compact_stall, _fail and _success are direct compaction's only.
 *
 * Its CPU is its own, as kswapd's: the time its work takes (cost.h) is charged to no task; the
 * work runs at the instant it was woken, and a wake-up while it is still busy counts only if it
 * asks for a larger order (kcompactd_do_work forgets a request no larger than the one it served).
 *
 * Not modelled: proactive compaction (vm.compaction_proactiveness: kcompactd's 500 ms timeout
 * checks the node's fragmentation score and compacts the whole node in the background); the
 * vm file is not offered, so a scenario cannot set it. docs/design.md says so.
 */
#include "mm/sim_internal.h"

static unsigned node_of(const struct vml_sim *sim, const struct sim_timer *t)
{
    unsigned node = 0;
    while (&sim->kcompactd[node].timer != t)
        node++;
    return node;
}

void wakeup_kcompactd(struct vml_sim *sim, unsigned node, unsigned order, uint64_t when)
{
    struct kcompactd *kc = &sim->kcompactd[node];
    if (!order)
        return;
    if (when < kc->busy_until) {
        /* Awake still, in kcompactd_do_work: a request no larger than the one it serves is
         * cleared when the work ends; a larger one makes it run again at once. */
        if (order <= kc->serving)
            return;
        if (kc->max_order < order)
            kc->max_order = order;
        if (!kc->timer.armed)
            sim_timer_arm(sim, &kc->timer, kc->busy_until);
        return;
    }
    if (kc->max_order < order)
        kc->max_order = order;
    if (kc->timer.armed)
        return; /* woken already: !wq_has_sleeper */
    if (!kcompactd_node_suitable(sim, node, kc->max_order))
        return;
    sim_timer_arm(sim, &kc->timer, when);
}

/* kcompactd_do_work at the timer's instant. */
static void kcompactd_run(struct vml_sim *sim, unsigned node)
{
    struct kcompactd *kc = &sim->kcompactd[node];
    uint64_t at = kc->timer.when;
    kc->timer.armed = false;
    unsigned order = kc->max_order;
    /* The operation under way (when it runs at a reclaim point) keeps its own time. */
    uint64_t op = sim->work_ns;
    sim->work_ns = 0;
    sim->events[VML_VMSTAT_compact_daemon_wake]++;
    sim_event(sim,
              &(struct vml_event){ .kind = VML_EV_KCOMPACTD, .n = 1, .n3 = order, .node = node });
    struct compact_totals tot = { 0 };
    kcompactd_compact_node(sim, node, order, &tot);
    sim->events[VML_VMSTAT_compact_daemon_migrate_scanned] += tot.migrate_scanned;
    sim->events[VML_VMSTAT_compact_daemon_free_scanned] += tot.free_scanned;
    kc->busy_until = at + sim->work_ns;
    kc->serving = order;
    sim->work_ns = op;
    if (kc->max_order <= order)
        kc->max_order = 0;
}

static int kcompactd_fn(struct vml_sim *sim, struct sim_timer *t)
{
    unsigned node = node_of(sim, t);
    sim->kcompactd[node].timer.armed = true; /* the clock disarmed it; kcompactd_run does */
    kcompactd_run(sim, node);
    return 0;
}

int kcompactd_init(struct vml_sim *sim)
{
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        int r = sim_timer_add(sim, &sim->kcompactd[n].timer, kcompactd_fn);
        if (r)
            return r;
    }
    return 0;
}

void kcompactd_catch_up(struct vml_sim *sim)
{
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        struct kcompactd *kc = &sim->kcompactd[n];
        while (kc->timer.armed && kc->timer.when <= sim_op_now(sim))
            kcompactd_run(sim, n);
    }
}
