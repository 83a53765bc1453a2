/* scenario/names.c: processes and files by name (a hash table), mappings by process (a
 * persistent treap).
 *
 * fork gives the child every mapping name of its parent. Copying the set would make a
 * scenario of n forks and n mmaps cost O(n^2), so sets are persistent instead: a treap whose
 * updates copy only the path to the changed node (O(log n) expected), leaving every older
 * version intact for the processes that still hold it. Nodes a process made since its last
 * fork (its epoch) are reachable from its set alone, so it changes them in place: copies happen
 * only where a fork left nodes shared. A removed name stays as a tombstone
 * with the line that removed it, for the error message. Nodes are never freed one by one: the
 * arena goes when parsing ends. Priorities come from a fixed xorshift sequence, not from the
 * names, so no choice of names can unbalance the tree.
 */
#include "scenario/names.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_NODES 1024

struct mapset {
    struct mapset *l, *r;
    uint64_t prio;  /* max-heap order */
    uint64_t epoch; /* made under this epoch: changed in place under it */
    unsigned line;  /* where it was made, or unmapped */
    bool live;      /* false: a tombstone */
    uint8_t n;      /* name length */
    char name[VML_SCN_NAME_MAX];
};

struct arena_chunk {
    struct arena_chunk *next;
    struct mapset node[CHUNK_NODES];
};

/* FNV-1a. */
static size_t hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return (size_t)(h ^ (h >> 32));
}

static bool same(const struct sym *e, const char *s, size_t n)
{
    return strlen(e->name) == n && memcmp(e->name, s, n) == 0;
}

struct sym *names_find(struct symtab *t, const char *s, size_t n)
{
    if (!t->nslot)
        return NULL;
    size_t mask = t->nslot - 1;
    for (size_t i = hash(s, n) & mask;; i = (i + 1) & mask) {
        if (!t->slot[i])
            return NULL;
        if (same(&t->v[t->slot[i] - 1], s, n))
            return &t->v[t->slot[i] - 1];
    }
}

/* Places entry idx (0-based) into the slots. */
static void place(struct symtab *t, size_t idx)
{
    const struct sym *e = &t->v[idx];
    size_t mask = t->nslot - 1;
    size_t i = hash(e->name, strlen(e->name)) & mask;
    while (t->slot[i])
        i = (i + 1) & mask;
    t->slot[i] = idx + 1;
}

/* Makes room for one more entry; returns 0 or VML_EHOST. */
static int grow(struct symtab *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct sym *v = realloc(t->v, cap * sizeof(*v));
        if (!v)
            return VML_EHOST;
        t->v = v;
        t->cap = cap;
    }
    if (2 * (t->n + 1) > t->nslot) {
        size_t nslot = t->nslot ? t->nslot * 2 : 32;
        size_t *slot = calloc(nslot, sizeof(*slot));
        if (!slot)
            return VML_EHOST;
        free(t->slot);
        t->slot = slot;
        t->nslot = nslot;
        for (size_t i = 0; i < t->n; i++)
            place(t, i);
    }
    return 0;
}

struct sym *names_add(struct symtab *t, const char *s, size_t n, unsigned line)
{
    if (grow(t))
        return NULL;
    struct sym *e = &t->v[t->n];
    memset(e, 0, sizeof(*e));
    memcpy(e->name, s, n);
    e->line = line;
    place(t, t->n++);
    return e;
}

/* Orders names by length, then bytes. */
static int cmp(const char *s, size_t n, const struct mapset *x)
{
    if (n != x->n)
        return n < x->n ? -1 : 1;
    return memcmp(s, x->name, n);
}

int mapset_get(const struct mapset *m, const char *s, size_t n, unsigned *line)
{
    while (m) {
        int c = cmp(s, n, m);
        if (c == 0) {
            *line = m->line;
            return m->live;
        }
        m = c < 0 ? m->l : m->r;
    }
    *line = 0;
    return 0;
}

static struct mapset *node_new(struct names *nm)
{
    if (!nm->chunks || nm->used == CHUNK_NODES) {
        struct arena_chunk *c = malloc(sizeof(*c));
        if (!c)
            return NULL;
        c->next = nm->chunks;
        nm->chunks = c;
        nm->used = 0;
    }
    return &nm->chunks->node[nm->used++];
}

uint64_t names_new_epoch(struct names *nm)
{
    return ++nm->epochs;
}

/* t itself when epoch owns it, else a copy owned by epoch; NULL when out of memory. */
static struct mapset *own(struct names *nm, struct mapset *t, uint64_t epoch)
{
    if (t->epoch == epoch)
        return t;
    struct mapset *c = node_new(nm);
    if (c) {
        *c = *t;
        c->epoch = epoch;
    }
    return c;
}

/* Returns the version of t under epoch with the name set to (live, line). The node returned
 * and every node the rotations below touch are owned by epoch, so no other process's set
 * changes. NULL when out of memory. */
static struct mapset *put(struct names *nm, struct mapset *t, uint64_t epoch, const char *s,
                          size_t n, bool live, unsigned line)
{
    struct mapset *x;
    if (!t) {
        if (!(x = node_new(nm)))
            return NULL;
        memset(x, 0, sizeof(*x));
        x->epoch = epoch;
        nm->rng ^= nm->rng << 13; /* xorshift64 */
        nm->rng ^= nm->rng >> 7;
        nm->rng ^= nm->rng << 17;
        x->prio = nm->rng;
        x->n = (uint8_t)n;
        memcpy(x->name, s, n);
        x->live = live;
        x->line = line;
        return x;
    }
    int c = cmp(s, n, t);
    if (!(x = own(nm, t, epoch)))
        return NULL;
    if (c == 0) {
        x->live = live;
        x->line = line;
        return x;
    }
    struct mapset *child = put(nm, c < 0 ? x->l : x->r, epoch, s, n, live, line);
    if (!child)
        return NULL;
    if (c < 0) {
        x->l = child;
        if (child->prio > x->prio) { /* rotate right */
            x->l = child->r;
            child->r = x;
            return child;
        }
    } else {
        x->r = child;
        if (child->prio > x->prio) { /* rotate left */
            x->r = child->l;
            child->l = x;
            return child;
        }
    }
    return x;
}

int mapset_put(struct names *nm, struct mapset **m, uint64_t epoch, const char *s, size_t n,
               bool live, unsigned line)
{
    if (!nm->rng)
        nm->rng = 0x9e3779b97f4a7c15ull;
    struct mapset *x = put(nm, *m, epoch, s, n, live, line);
    if (!x)
        return VML_EHOST;
    *m = x;
    return 0;
}

void names_free(struct names *nm)
{
    free(nm->procs.v);
    free(nm->procs.slot);
    free(nm->files.v);
    free(nm->files.slot);
    while (nm->chunks) {
        struct arena_chunk *c = nm->chunks;
        nm->chunks = c->next;
        free(c);
    }
    memset(nm, 0, sizeof(*nm));
}
