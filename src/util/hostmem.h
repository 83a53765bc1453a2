/* util/hostmem.h: host memory for the simulator's large structures, in host huge pages.
 *
 * The model's own big arrays (page-table content, frame metadata) are read at random by a
 * replay over gigabytes: on 4 KiB host pages every such read also misses the host's TLB. This
 * host, like most, gives transparent huge pages only to ranges that ask (THP "madvise"), so the
 * simulator asks: blocks come from 2 MiB-aligned arenas advised MADV_HUGEPAGE. Nothing the model
 * computes depends on where its memory lies.
 */
#ifndef VMLAB_UTIL_HOSTMEM_H
#define VMLAB_UTIL_HOSTMEM_H

#include <stddef.h>

#define HOSTMEM_ARENA ((size_t)2 << 20) /* one host huge page (x86-64 PMD) */

/* Blocks of one size (a power of two, 4 KiB to HOSTMEM_ARENA), each aligned to its size, carved
 * from arenas of HOSTMEM_ARENA bytes. Freed blocks are kept for reuse; the arenas go back to the
 * host with the pool. Zero-initialise, set block, then use. */
struct hostmem_pool {
    size_t block;  /* bytes of a block */
    void *free;    /* freed or never-used blocks, linked through their first word */
    void **arenas; /* every arena, for hostmem_destroy */
    size_t nr_arenas, cap;
};

/* A block, zero-filled if never used before (else as hostmem_put left it); NULL if the host
 * has no memory. */
void *hostmem_get(struct hostmem_pool *p);
void hostmem_put(struct hostmem_pool *p, void *b);
void hostmem_destroy(struct hostmem_pool *p);

/* An anonymous mapping of len bytes (a multiple of HOSTMEM_ARENA) aligned to align (a power of
 * two, at least HOSTMEM_ARENA), zero-filled lazily by the host and advised MADV_HUGEPAGE; NULL
 * on failure. Unmap it with munmap(p, len). */
void *hostmem_map_aligned(size_t len, size_t align);

#endif
