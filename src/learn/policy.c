/* learn/policy.c: page-replacement policies over a page-access string (docs/policy.md).
 *
 * Pages are first renamed to dense ids (0, 1, ... in order of first use) so that every policy
 * keeps its per-page state in plain arrays. Lists are doubly linked through those arrays, the
 * head the newest end and the tail the next victim; OPT and LFU keep resident pages in an
 * indexed binary heap ordered by their victim rule. Every policy is O(log frames) or better per
 * access, except the clock hand's sweep (amortized O(1)) and linux's rebalancing.
 */
#include "vmlab/learn.h"

#include "learn/prng.h"
#include "util/text.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

static const char *const names[VML_NR_POLICIES] = {
    [VML_POL_FIFO] = "fifo",   [VML_POL_LRU] = "lru",
    [VML_POL_CLOCK] = "clock", [VML_POL_SECOND_CHANCE] = "second-chance",
    [VML_POL_OPT] = "opt",     [VML_POL_RANDOM] = "random",
    [VML_POL_LFU] = "lfu",     [VML_POL_LINUX] = "linux",
};

const char *vml_policy_name(enum vml_policy p)
{
    return (unsigned)p < VML_NR_POLICIES ? names[p] : "?";
}

int vml_policy_parse(const char *name, enum vml_policy *out)
{
    for (unsigned i = 0; i < VML_NR_POLICIES; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum vml_policy)i;
            return 0;
        }
    return VML_EINVAL;
}

struct list {
    uint32_t head, tail;
    size_t n;
};

struct run {
    const struct vml_policy_config *cfg;
    size_t n, nu, used;
    uint32_t *id;     /* per access: dense page id */
    uint64_t *uniq;   /* per id: the page number */
    uint32_t *nextat; /* OPT, per access: the index of the same page's next access, or n */
    /* per page id */
    uint8_t *res, *ref, *act;
    uint32_t *prev, *next, *hpos;
    uint64_t *key, *key2;
    struct list l[2]; /* [0]: the list (linux: inactive), [1]: linux's active list */
    uint32_t *ring;   /* clock, random: frame slots */
    size_t hand;
    uint32_t *heap; /* OPT, LFU */
    size_t hn;
    struct prng g;
    uint64_t seq; /* loads so far: OPT's tie rule */
};

/* ---- dense ids --------------------------------------------------------------------------- */

static int densify(struct run *r, const struct vml_pages *p)
{
    size_t cap = 16;
    while (cap < 2 * p->n)
        cap <<= 1;
    uint32_t *tab = malloc(cap * sizeof(*tab));
    r->id = malloc((p->n ? p->n : 1) * sizeof(*r->id));
    r->uniq = malloc((p->n ? p->n : 1) * sizeof(*r->uniq));
    if (!tab || !r->id || !r->uniq) {
        free(tab);
        return VML_EHOST;
    }
    memset(tab, 0xff, cap * sizeof(*tab));
    for (size_t i = 0; i < p->n; i++) {
        uint64_t v = p->page[i];
        uint64_t h = v * 0x9e3779b97f4a7c15ull;
        size_t k = (size_t)(h >> 20) & (cap - 1);
        while (tab[k] != NONE && r->uniq[tab[k]] != v)
            k = (k + 1) & (cap - 1);
        if (tab[k] == NONE) {
            tab[k] = (uint32_t)r->nu;
            r->uniq[r->nu++] = v;
        }
        r->id[i] = tab[k];
    }
    free(tab);
    return 0;
}

/* ---- lists ------------------------------------------------------------------------------- */

static void list_push_head(struct run *r, struct list *l, uint32_t x)
{
    r->prev[x] = NONE;
    r->next[x] = l->head;
    if (l->head != NONE)
        r->prev[l->head] = x;
    else
        l->tail = x;
    l->head = x;
    l->n++;
}

static void list_del(struct run *r, struct list *l, uint32_t x)
{
    if (r->prev[x] != NONE)
        r->next[r->prev[x]] = r->next[x];
    else
        l->head = r->next[x];
    if (r->next[x] != NONE)
        r->prev[r->next[x]] = r->prev[x];
    else
        l->tail = r->prev[x];
    l->n--;
}

/* ---- the heap: the best victim at the top ------------------------------------------------ */

/* True if a should be evicted before b. */
static bool before(const struct run *r, uint32_t a, uint32_t b)
{
    if (r->cfg->policy == VML_POL_OPT) {
        /* Belady's MIN: the page used again farthest in the future; among pages never used
         * again (the only possible tie) the one loaded first. */
        if (r->key[a] != r->key[b])
            return r->key[a] > r->key[b];
        return r->key2[a] < r->key2[b];
    }
    /* LFU: the fewest references since it was loaded; ties: the least recently used. */
    if (r->key[a] != r->key[b])
        return r->key[a] < r->key[b];
    return r->key2[a] < r->key2[b];
}

static void heap_set(struct run *r, size_t i, uint32_t x)
{
    r->heap[i] = x;
    r->hpos[x] = (uint32_t)i;
}

static void sift_up(struct run *r, size_t i)
{
    uint32_t x = r->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(r, x, r->heap[p]))
            break;
        heap_set(r, i, r->heap[p]);
        i = p;
    }
    heap_set(r, i, x);
}

static void sift_down(struct run *r, size_t i)
{
    uint32_t x = r->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->hn)
            break;
        if (c + 1 < r->hn && before(r, r->heap[c + 1], r->heap[c]))
            c++;
        if (!before(r, r->heap[c], x))
            break;
        heap_set(r, i, r->heap[c]);
        i = c;
    }
    heap_set(r, i, x);
}

static void heap_push(struct run *r, uint32_t x)
{
    r->heap[r->hn++] = x;
    sift_up(r, r->hn - 1);
}

static uint32_t heap_pop(struct run *r)
{
    uint32_t top = r->heap[0];
    r->hn--;
    if (r->hn) {
        heap_set(r, 0, r->heap[r->hn]);
        sift_down(r, 0);
    }
    return top;
}

static void heap_fix(struct run *r, uint32_t x)
{
    sift_up(r, r->hpos[x]);
    sift_down(r, r->hpos[x]);
}

/* ---- linux: the simulated kernel's two lists, simplified --------------------------------- */

static uint64_t isqrt(uint64_t x)
{
    uint64_t y = 0;
    while ((y + 1) * (y + 1) <= x)
        y++;
    return y;
}

/* inactive_is_low (mm/vmscan.c): inactive * ratio < active, the ratio int_sqrt(10 * GiB) of
 * the lists' size, 1 below 1 GiB. */
static bool linux_inactive_low(const struct run *r)
{
    uint64_t ps = r->cfg->page_size ? r->cfg->page_size : 4096;
    uint64_t pages = r->l[0].n + r->l[1].n;
    uint64_t gb = pages > UINT64_MAX / ps ? UINT64_MAX >> 30 : (pages * ps) >> 30;
    uint64_t ratio = gb ? isqrt(10 * gb) : 1;
    return r->l[0].n * ratio < r->l[1].n;
}

/* One page of reclaim: shrink_active_list while the inactive list is low (each deactivated
 * page to the inactive head, PG_referenced kept), then shrink_inactive_list takes the inactive
 * tail: an unmapped page-cache page is reclaimed even if referenced (folio_check_references:
 * FOLIOREF_RECLAIM_CLEAN). */
static uint32_t linux_reclaim(struct run *r)
{
    while (r->l[1].n && linux_inactive_low(r)) {
        uint32_t t = r->l[1].tail;
        list_del(r, &r->l[1], t);
        r->act[t] = 0;
        list_push_head(r, &r->l[0], t);
    }
    uint32_t v = r->l[0].tail;
    list_del(r, &r->l[0], v);
    return v;
}

/* folio_mark_accessed: the first reference sets PG_referenced, the second moves an inactive
 * page to the active head and clears it. */
static void linux_mark_accessed(struct run *r, uint32_t x)
{
    if (!r->ref[x]) {
        r->ref[x] = 1;
        return;
    }
    if (r->act[x])
        return;
    list_del(r, &r->l[0], x);
    r->act[x] = 1;
    r->ref[x] = 0;
    list_push_head(r, &r->l[1], x);
}

/* ---- one access -------------------------------------------------------------------------- */

static void on_hit(struct run *r, size_t i, uint32_t x)
{
    switch (r->cfg->policy) {
    case VML_POL_LRU:
        list_del(r, &r->l[0], x);
        list_push_head(r, &r->l[0], x);
        break;
    case VML_POL_CLOCK:
    case VML_POL_SECOND_CHANCE: r->ref[x] = 1; break;
    case VML_POL_OPT:
        r->key[x] = r->nextat[i];
        heap_fix(r, x);
        break;
    case VML_POL_LFU:
        r->key[x]++;
        r->key2[x] = i;
        heap_fix(r, x);
        break;
    case VML_POL_LINUX: linux_mark_accessed(r, x); break;
    default: break;
    }
}

static uint32_t evict(struct run *r)
{
    uint32_t v;
    switch (r->cfg->policy) {
    case VML_POL_FIFO:
    case VML_POL_LRU:
        v = r->l[0].tail;
        list_del(r, &r->l[0], v);
        return v;
    case VML_POL_SECOND_CHANCE:
        /* The oldest page with its reference bit set gets a second chance: bit cleared, moved
         * to the newest end as if just loaded. */
        for (;;) {
            v = r->l[0].tail;
            list_del(r, &r->l[0], v);
            if (!r->ref[v])
                return v;
            r->ref[v] = 0;
            list_push_head(r, &r->l[0], v);
        }
    case VML_POL_CLOCK:
        for (;;) {
            v = r->ring[r->hand];
            if (!r->ref[v])
                return v; /* the new page takes this slot; the hand moves on after it */
            r->ref[v] = 0;
            r->hand = (r->hand + 1) % r->cfg->frames;
        }
    case VML_POL_RANDOM:
        r->hand = (size_t)prng_below(&r->g, r->cfg->frames);
        return r->ring[r->hand];
    case VML_POL_OPT:
    case VML_POL_LFU: return heap_pop(r);
    case VML_POL_LINUX: return linux_reclaim(r);
    default: return NONE;
    }
}

static void load(struct run *r, size_t i, uint32_t x, bool replaced)
{
    switch (r->cfg->policy) {
    case VML_POL_FIFO:
    case VML_POL_LRU: list_push_head(r, &r->l[0], x); break;
    case VML_POL_SECOND_CHANCE:
        r->ref[x] = 1; /* loading references it */
        list_push_head(r, &r->l[0], x);
        break;
    case VML_POL_CLOCK:
        r->ref[x] = 1;
        if (replaced) {
            r->ring[r->hand] = x;
            r->hand = (r->hand + 1) % r->cfg->frames;
        } else {
            r->ring[r->used] = x; /* free frames fill in order; the hand stays at slot 0 */
        }
        break;
    case VML_POL_RANDOM: r->ring[replaced ? r->hand : r->used] = x; break;
    case VML_POL_OPT:
        r->key[x] = r->nextat[i];
        r->key2[x] = r->seq;
        heap_push(r, x);
        break;
    case VML_POL_LFU:
        r->key[x] = 1;
        r->key2[x] = i;
        heap_push(r, x);
        break;
    case VML_POL_LINUX:
        /* lru_cache_add to the inactive head, then the access's folio_mark_accessed (as
         * filemap_read does for a page it has just read): PG_referenced set. */
        r->act[x] = 0;
        r->ref[x] = 1;
        list_push_head(r, &r->l[0], x);
        break;
    default: break;
    }
    r->seq++;
}

/* ---- --steps: the frames, the next victim leftmost ------------------------------------- */

static void put_page(const struct run *r, struct vml_text *t, uint32_t x, bool mark, bool *first)
{
    vml_text_printf(t, "%s%llu%s", *first ? "" : " ", (unsigned long long)r->uniq[x],
                    mark ? "*" : "");
    *first = false;
}

static void put_list(const struct run *r, struct vml_text *t, const struct list *l, bool marks)
{
    bool first = true;
    text_append(t, "[", 1);
    for (uint32_t x = l->tail; x != NONE; x = r->prev[x])
        put_page(r, t, x, marks && r->ref[x], &first);
    text_append(t, "]", 1);
}

static void sort_victims(const struct run *r, uint32_t *v, size_t n)
{
    /* Insertion sort by the heap's order: steps are for short strings and few frames. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && before(r, v[j], v[j - 1]); j--) {
            uint32_t s = v[j];
            v[j] = v[j - 1];
            v[j - 1] = s;
        }
}

static void format_frames(const struct run *r, struct vml_text *t)
{
    bool first = true;
    switch (r->cfg->policy) {
    case VML_POL_FIFO:
    case VML_POL_LRU: put_list(r, t, &r->l[0], false); break;
    case VML_POL_SECOND_CHANCE: put_list(r, t, &r->l[0], true); break;
    case VML_POL_LINUX:
        text_append(t, "inactive ", 9);
        put_list(r, t, &r->l[0], true);
        text_append(t, " active ", 8);
        put_list(r, t, &r->l[1], true);
        break;
    case VML_POL_CLOCK:
    case VML_POL_RANDOM: {
        /* Slot order; clock starts at the hand, random at slot 0. */
        size_t start = r->cfg->policy == VML_POL_CLOCK && r->used == r->cfg->frames ? r->hand : 0;
        text_append(t, "[", 1);
        for (size_t k = 0; k < r->used; k++) {
            uint32_t x = r->ring[(start + k) % r->cfg->frames];
            put_page(r, t, x, r->cfg->policy == VML_POL_CLOCK && r->ref[x], &first);
        }
        text_append(t, "]", 1);
        break;
    }
    case VML_POL_OPT:
    case VML_POL_LFU: {
        uint32_t *v = malloc((r->hn ? r->hn : 1) * sizeof(*v));
        if (!v) {
            t->oom = true;
            return;
        }
        memcpy(v, r->heap, r->hn * sizeof(*v));
        sort_victims(r, v, r->hn);
        text_append(t, "[", 1);
        for (size_t k = 0; k < r->hn; k++) {
            if (r->cfg->policy == VML_POL_LFU)
                vml_text_printf(t, "%s%llu:%llu", k ? " " : "", (unsigned long long)r->uniq[v[k]],
                                (unsigned long long)r->key[v[k]]);
            else
                put_page(r, t, v[k], false, &first);
        }
        text_append(t, "]", 1);
        free(v);
        break;
    }
    default: break;
    }
}

/* ---- the run ----------------------------------------------------------------------------- */

static void run_free(struct run *r)
{
    free(r->id);
    free(r->uniq);
    free(r->nextat);
    free(r->res);
    free(r->ref);
    free(r->act);
    free(r->prev);
    free(r->next);
    free(r->hpos);
    free(r->key);
    free(r->key2);
    free(r->ring);
    free(r->heap);
}

int vml_policy_run(const struct vml_policy_config *cfg, const struct vml_pages *pages,
                   struct vml_policy_result *out, vml_policy_step_fn step, void *ctx)
{
    memset(out, 0, sizeof(*out));
    if (!cfg || cfg->frames == 0 || (unsigned)cfg->policy >= VML_NR_POLICIES)
        return VML_EINVAL;
    if (pages->n >= NONE)
        return VML_EINVAL; /* ids are 32-bit */
    struct run r = { .cfg = cfg, .n = pages->n };
    r.l[0].head = r.l[0].tail = r.l[1].head = r.l[1].tail = NONE;
    prng_seed(&r.g, cfg->seed);
    int rc = densify(&r, pages);
    if (rc) {
        run_free(&r);
        return rc;
    }
    size_t nu = r.nu ? r.nu : 1, frames = cfg->frames < nu ? cfg->frames : nu;
    r.res = calloc(nu, 1);
    r.ref = calloc(nu, 1);
    r.act = calloc(nu, 1);
    r.prev = calloc(nu, sizeof(uint32_t));
    r.next = calloc(nu, sizeof(uint32_t));
    r.hpos = calloc(nu, sizeof(uint32_t));
    r.key = calloc(nu, sizeof(uint64_t));
    r.key2 = calloc(nu, sizeof(uint64_t));
    /* The ring holds min(frames, distinct pages) slots: with more frames than pages nothing is
     * ever evicted, and the hand and random draws only run on a full ring. */
    r.ring = calloc(frames, sizeof(uint32_t));
    r.heap = calloc(frames + 1, sizeof(uint32_t));
    r.nextat = cfg->policy == VML_POL_OPT ? calloc(r.n ? r.n : 1, sizeof(uint32_t)) : NULL;
    if (!r.res || !r.ref || !r.act || !r.prev || !r.next || !r.hpos || !r.key || !r.key2 ||
        !r.ring || !r.heap || (cfg->policy == VML_POL_OPT && !r.nextat)) {
        run_free(&r);
        return VML_EHOST;
    }
    if (r.nextat) {
        /* Next-use indices, from the end: the distance Belady's MIN needs, exact. */
        uint32_t *last = r.prev; /* scratch: OPT links no lists */
        for (size_t k = 0; k < nu; k++)
            last[k] = (uint32_t)r.n;
        for (size_t i = r.n; i-- > 0;) {
            r.nextat[i] = last[r.id[i]];
            last[r.id[i]] = (uint32_t)i;
        }
    }
    struct vml_text t = { 0 };
    for (size_t i = 0; i < r.n; i++) {
        uint32_t x = r.id[i];
        struct vml_policy_step s = { .index = i, .page = r.uniq[x] };
        if (r.res[x]) {
            out->hits++;
            s.hit = true;
            on_hit(&r, i, x);
        } else {
            out->misses++;
            bool full = r.used == cfg->frames;
            if (full) {
                uint32_t v = evict(&r);
                r.res[v] = 0;
                r.ref[v] = 0;
                out->evictions++;
                s.evicted = true;
                s.victim = r.uniq[v];
            }
            load(&r, i, x, full);
            r.res[x] = 1;
            if (!full)
                r.used++;
        }
        if (step) {
            t.len = 0;
            if (t.s)
                t.s[0] = '\0';
            format_frames(&r, &t);
            if (t.oom) {
                vml_text_free(&t);
                run_free(&r);
                return VML_EHOST;
            }
            s.frames = t.s ? t.s : "";
            step(&s, ctx);
        }
    }
    vml_text_free(&t);
    run_free(&r);
    return 0;
}
