/* mm/clock.c: the simulation's one clock, in nanoseconds, and the queue of timers on it.
 *
 * Periodic kernel work (khugepaged today) arms a timer for the instant it wakes up. Time moves
 * when the caller advances it (vml_sim_advance: the scenario's `wait`) and when a page fault
 * takes its modelled time (fault.c, cost.h). Advancing runs every timer due up to the new
 * instant in time order, the clock standing at each timer's instant while its work runs, so
 * work that arms another timer inside the window (the next wake-up) runs too. A timer that
 * fell due while an operation's faults moved the clock runs late, at the instant the
 * operation ended: the simulated CPU was busy faulting, as a real one would have been. Timers due
 * at the same instant run in the order they were armed: a deterministic order, the same on every
 * run of the same input.
 *
 * Each timer is registered once, when the machine is made, and armed and cancelled any number
 * of times after; the queue is a plain array searched for its earliest armed entry: there are
 * as many timers as simulated kernel threads (one now), not one per page.
 */
#include "mm/sim_internal.h"

uint64_t vml_sim_now(const struct vml_sim *sim)
{
    return sim->now_ns;
}

int sim_timer_add(struct vml_sim *sim, struct sim_timer *t, sim_timer_fn fn)
{
    if (sim->nr_timers == SIM_MAX_TIMERS)
        return VML_EHOST;
    *t = (struct sim_timer){ .fn = fn };
    sim->timers[sim->nr_timers++] = t;
    return 0;
}

void sim_timer_arm(struct vml_sim *sim, struct sim_timer *t, uint64_t when)
{
    t->armed = true;
    t->when = when < sim->now_ns ? sim->now_ns : when;
    t->seq = ++sim->timer_seq;
}

void sim_timer_cancel(struct sim_timer *t)
{
    t->armed = false;
}

/* The armed timer due first (earliest instant, then earliest armed), or NULL. */
static struct sim_timer *earliest(const struct vml_sim *sim)
{
    struct sim_timer *best = NULL;
    for (size_t i = 0; i < sim->nr_timers; i++) {
        struct sim_timer *t = sim->timers[i];
        if (!t->armed)
            continue;
        if (!best || t->when < best->when || (t->when == best->when && t->seq < best->seq))
            best = t;
    }
    return best;
}

int vml_sim_advance(struct vml_sim *sim, uint64_t ns)
{
    if (ns > UINT64_MAX - sim->now_ns)
        return VML_EINVAL;
    uint64_t target = sim->now_ns + ns;
    struct sim_timer *t;
    while ((t = earliest(sim)) != NULL && t->when <= target) {
        t->armed = false;
        if (t->when > sim->now_ns)
            sim->now_ns = t->when;
        int r = t->fn(sim, t);
        if (r)
            return r; /* the clock stays at the instant the work failed */
    }
    sim->now_ns = target;
    return 0;
}
