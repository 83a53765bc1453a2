/* learn/toy.h: the toy paging machines' internals: a generic paging model, separate from the
 * x86-64 one (src/hw/), with its physical memory as real bytes and its page tables in it. */
#ifndef VMLAB_LEARN_TOY_H
#define VMLAB_LEARN_TOY_H

#include "vmlab/learn.h"

#define TOY_MAX_LEVELS 6

/* Where the bits of a virtual address go. Level 0 is the top (the table the base register
 * points at), level levels-1 holds the PTEs. */
struct toy_layout {
    unsigned va_bits, off_bits, vpn_bits, pfn_bits, entry_bits;
    unsigned bits[TOY_MAX_LEVELS];  /* index bits of each level */
    unsigned shift[TOY_MAX_LEVELS]; /* where each level's index starts in the page number */
    uint64_t nframes;
};

/* Checks cfg and fills the layout. VML_EINVAL with diag naming the value (col 0). */
int toy_layout(const struct vml_toy_config *cfg, struct toy_layout *lo, struct vml_diag *diag);

struct toy {
    struct vml_toy_config cfg;
    struct toy_layout lo;
    uint8_t *mem;  /* phys_size bytes */
    uint64_t root; /* frame of the top table (its first, when it spans several) */
};

/* An entry as stored: pte_size bytes, little-endian. */
uint64_t toy_read_entry(const struct toy *t, uint64_t paddr);
void toy_write_entry(struct toy *t, uint64_t paddr, uint64_t value);
/* The entry format: the top bit of the entry valid, the frame number in the low bits. */
uint64_t toy_entry(const struct toy *t, bool valid, uint64_t pfn);

/* Translates va by walking the tables. Returns true with *pa, or false for a fault. With why
 * non-NULL, appends the steps, one indented line each (the answers of vmlab learn -c). */
bool toy_translate(const struct toy *t, uint64_t va, uint64_t *pa, struct vml_text *why);

#endif
