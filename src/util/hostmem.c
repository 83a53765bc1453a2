/* util/hostmem.c: 2 MiB-aligned, MADV_HUGEPAGE host arenas (see hostmem.h). */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include "util/hostmem.h"
#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *hostmem_map_aligned(size_t len, size_t align)
{
    /* align more than needed, then the unaligned ends given back. */
    char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    char *q = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
    if (q > p)
        munmap(p, (size_t)(q - p));
    if (q + len < p + len + align)
        munmap(q + len, (size_t)(p + len + align - (q + len)));
    /* Advice only: a host without THP, or with THP "never", still serves 4 KiB pages. */
    madvise(q, len, MADV_HUGEPAGE);
    return q;
}

void *hostmem_get(struct hostmem_pool *p)
{
    if (!p->free) {
        if (util_grow((void **)&p->arenas, &p->cap, p->nr_arenas, sizeof(void *)))
            return NULL;
        char *a = hostmem_map_aligned(HOSTMEM_ARENA, HOSTMEM_ARENA);
        if (!a)
            return NULL;
        p->arenas[p->nr_arenas++] = a;
        /* Linked in address order, so that consecutive gets fill the arena from its start. */
        for (size_t off = HOSTMEM_ARENA; off > 0; off -= p->block) {
            void *b = a + off - p->block;
            memcpy(b, &p->free, sizeof(void *));
            p->free = b;
        }
    }
    void *b = p->free;
    memcpy(&p->free, b, sizeof(void *));
    memset(b, 0, sizeof(void *)); /* the link word: the rest is as it was */
    return b;
}

void hostmem_put(struct hostmem_pool *p, void *b)
{
    memcpy(b, &p->free, sizeof(void *));
    p->free = b;
}

void hostmem_destroy(struct hostmem_pool *p)
{
    for (size_t i = 0; i < p->nr_arenas; i++)
        munmap(p->arenas[i], HOSTMEM_ARENA);
    free(p->arenas);
    memset(p, 0, sizeof(*p));
}
