/* util/radix.c: sparse radix tree (see radix.h). */
#include "util/radix.h"

#include "vmlab/base.h"

#include <stdlib.h>

#define LEAF_SIZE  (1u << RADIX_LEAF_SHIFT)
#define INNER_SIZE (1u << RADIX_INNER_SHIFT)

/* Number of index bits a tree of this height covers (at most 9 + 6 * 10 = 69 >= 64). */
static unsigned covered_bits(unsigned height)
{
    return RADIX_LEAF_SHIFT + RADIX_INNER_SHIFT * height;
}

static int fits(unsigned height, uint64_t index)
{
    unsigned b = covered_bits(height);
    return b >= 64 || (index >> b) == 0;
}

uint64_t *radix_slot(const struct radix *r, uint64_t index)
{
    if (!r->root || !fits(r->height, index))
        return NULL;
    void *node = r->root;
    for (unsigned h = r->height; h > 0; h--) {
        unsigned shift = covered_bits(h - 1);
        node = ((void **)node)[(index >> shift) & (INNER_SIZE - 1)];
        if (!node)
            return NULL;
    }
    return (uint64_t *)node + (index & (LEAF_SIZE - 1));
}

int radix_reserve(struct radix *r, uint64_t index, uint64_t **slot)
{
    if (!r->root) {
        /* An empty tree starts as tall as the index needs: no chain of empty nodes above. */
        unsigned h = 0;
        while (!fits(h, index))
            h++;
        r->height = h;
    }
    /* xas_expand: a taller tree keeps the old root as its first child. */
    while (r->root && !fits(r->height, index)) {
        void **top = calloc(INNER_SIZE, sizeof(void *));
        if (!top)
            return VML_EHOST;
        top[0] = r->root;
        r->root = top;
        r->height++;
    }
    void **link = &r->root;
    for (unsigned h = r->height;; h--) {
        if (!*link) {
            *link = h ? calloc(INNER_SIZE, sizeof(void *)) : calloc(LEAF_SIZE, sizeof(uint64_t));
            if (!*link)
                return VML_EHOST;
        }
        if (h == 0)
            break;
        link = &((void **)*link)[(index >> covered_bits(h - 1)) & (INNER_SIZE - 1)];
    }
    *slot = (uint64_t *)*link + (index & (LEAF_SIZE - 1));
    return 0;
}

static void free_node(void *node, unsigned h, uint64_t base, radix_visit fn, void *ctx)
{
    if (h == 0) {
        const uint64_t *leaf = node;
        for (unsigned i = 0; i < LEAF_SIZE && fn; i++)
            if (leaf[i])
                fn(base + i, leaf[i], ctx);
    } else {
        void **kids = node;
        unsigned shift = covered_bits(h - 1);
        for (unsigned i = 0; i < INNER_SIZE; i++)
            if (kids[i])
                free_node(kids[i], h - 1, base + ((uint64_t)i << shift), fn, ctx);
    }
    free(node);
}

static void visit_node(const void *node, unsigned h, uint64_t base, radix_visit fn, void *ctx)
{
    if (h == 0) {
        const uint64_t *leaf = node;
        for (unsigned i = 0; i < LEAF_SIZE; i++)
            if (leaf[i])
                fn(base + i, leaf[i], ctx);
        return;
    }
    void *const *kids = node;
    unsigned shift = covered_bits(h - 1);
    for (unsigned i = 0; i < INNER_SIZE; i++)
        if (kids[i])
            visit_node(kids[i], h - 1, base + ((uint64_t)i << shift), fn, ctx);
}

void radix_for_each(const struct radix *r, radix_visit fn, void *ctx)
{
    if (r->root)
        visit_node(r->root, r->height, 0, fn, ctx);
}

void radix_free(struct radix *r, radix_visit fn, void *ctx)
{
    if (r->root)
        free_node(r->root, r->height, 0, fn, ctx);
    r->root = NULL;
    r->height = 0;
}
