/* learn.h: teaching tools: page-replacement policies over a page-access string, toy paging
 * machines, and seeded exercises with worked answers (docs/policy.md, docs/learn.md).
 *
 * Nothing here touches the x86-64 model or the simulated kernel: the toy machines are a
 * generic paging model of their own (src/learn/), and the policies run on page numbers alone.
 * The one exception is the `linux` policy, a simplified copy of the simulated kernel's
 * active/inactive rules (docs/policy.md says exactly what it leaves out).
 */
#ifndef VMLAB_LEARN_H
#define VMLAB_LEARN_H

#include "vmlab/base.h"
#include "vmlab/trace.h"

/* ---- page-access strings -------------------------------------------------------------------- */

/* A sequence of page numbers, in access order. Start it zeroed; free it with vml_pages_free. */
struct vml_pages {
    uint64_t *page;
    size_t n, cap;
};
void vml_pages_free(struct vml_pages *p);

/* Parses a plain page-number list, as OSTEP's paging-policy.py -a takes: numbers (decimal, or
 * 0x hex) separated by commas and/or white space and newlines; '#' starts a comment to the end
 * of the line. Appends to out. VML_EPARSE with diag (file = name, line, col of the bad token),
 * also for a list without a number; VML_EHOST. */
int vml_pages_parse(const char *text, size_t len, const char *name, struct vml_pages *out,
                    struct vml_diag *diag);

/* True if text looks like a page-number list rather than a trace in one of vmlab's formats: its
 * first line that is neither blank nor a '#' comment holds only digits, x, a-f, '_', commas
 * and blanks (a plain trace line always has R or W; lackey lines have letters I, L, S, M). */
bool vml_pages_sniff(const char *text, size_t len);

/* Reads a trace to its end (or limit accesses, 0 = no limit) as page numbers: address /
 * page_size (a power of two); an access that crosses a page boundary references each page it
 * touches, in address order. The reader's errors come back with its diag. */
int vml_pages_from_trace(struct vml_trace_reader *r, uint64_t page_size, uint64_t limit,
                         struct vml_pages *out, struct vml_diag *diag);

/* ---- page-replacement policies -------------------------------------------------------------- */

enum vml_policy {
    VML_POL_FIFO,
    VML_POL_LRU,
    VML_POL_CLOCK,
    VML_POL_SECOND_CHANCE,
    VML_POL_OPT,
    VML_POL_RANDOM,
    VML_POL_LFU,
    VML_POL_LINUX,
    VML_NR_POLICIES,
};
const char *vml_policy_name(enum vml_policy p);
int vml_policy_parse(const char *name, enum vml_policy *out); /* VML_EINVAL if unknown */

struct vml_policy_config {
    enum vml_policy policy;
    size_t frames;      /* >= 1 */
    uint64_t seed;      /* random's PRNG seed (xoshiro256** seeded by splitmix64) */
    uint64_t page_size; /* bytes per page, for linux's inactive ratio (0: 4096) */
};

struct vml_policy_result {
    uint64_t hits, misses, evictions; /* evictions: misses that found every frame in use */
};

/* One access, for --steps. frames is the policy's view after the access, the next victim
 * leftmost (docs/policy.md gives each policy's notation); valid during the callback. */
struct vml_policy_step {
    uint64_t index, page;
    bool hit, evicted;
    uint64_t victim; /* when evicted */
    const char *frames;
};
typedef void (*vml_policy_step_fn)(const struct vml_policy_step *step, void *ctx);

/* Runs one policy over the accesses. step (may be NULL) is called after every access.
 * VML_EINVAL for 0 frames or an unknown policy, VML_EHOST. */
int vml_policy_run(const struct vml_policy_config *cfg, const struct vml_pages *pages,
                   struct vml_policy_result *out, vml_policy_step_fn step, void *ctx);

/* ---- toy machines --------------------------------------------------------------------------- */

/* A generic paging machine for teaching, not x86-64: a virtual address space of va_size bytes,
 * pages of page_size bytes, phys_size bytes of physical memory, and a page table of `levels`
 * levels whose entries are pte_size bytes: the top bit valid, the low bits the frame number.
 * Each level below the top indexes log2(page_size / pte_size) bits of the page number; the top
 * level takes the rest (one level: a linear table). */
struct vml_toy_config {
    uint64_t va_size, page_size, phys_size;
    unsigned levels, pte_size;
};

/* Parses "[PRESET][,KEY=VALUE...]": presets ostep-linear (16K space, 1K pages, 64K physical,
 * 1 level, 4-byte entries: paging-linear-translate.py) and ostep-multilevel (32K, 32-byte
 * pages, 4K physical, 2 levels, 1-byte entries: paging-multilevel-translate.py); keys va, page,
 * phys (sizes with K, M suffixes), levels, pte. Validates the whole (powers of two, the frame
 * number fits an entry, at most 64 MiB physical). VML_EPARSE with diag (col in spec). */
int vml_toy_parse(const char *spec, struct vml_toy_config *cfg, struct vml_diag *diag);
/* Writes the config back as "va=...,page=...,phys=...,levels=N,pte=N"; returns buf. */
char *vml_toy_format(const struct vml_toy_config *cfg, char *buf, size_t len);
/* Appends a description: address bits, how the page number splits over the levels, the entry
 * format. */
void vml_toy_describe(const struct vml_toy_config *cfg, struct vml_text *out);

/* ---- exercises ------------------------------------------------------------------------------ */

enum vml_learn_kind {
    VML_LEARN_LINEAR,     /* translate through a linear page table */
    VML_LEARN_MULTILEVEL, /* walk a multi-level table held in memory pages */
    VML_LEARN_TLB,        /* hit or miss in a small fully associative LRU TLB */
    VML_LEARN_POLICY,     /* page replacement: hits, misses, victims */
    VML_NR_LEARN,
};
const char *vml_learn_kind_name(enum vml_learn_kind k);
int vml_learn_kind_parse(const char *name, enum vml_learn_kind *out); /* VML_EINVAL */

struct vml_learn_opts {
    uint64_t seed;                        /* the same seed gives the same exercise */
    unsigned count;                       /* questions (0: the kind's default) */
    bool answers;                         /* solve them, showing the steps */
    const struct vml_toy_config *machine; /* NULL: the kind's default machine */
};

/* Appends one exercise of the kind. VML_EINVAL with diag for a machine the exercise cannot use
 * (a linear table of more than 1024 entries, too little physical memory for the tables),
 * VML_EHOST. */
int vml_learn_write(enum vml_learn_kind kind, const struct vml_learn_opts *opts,
                    struct vml_text *out, struct vml_diag *diag);

#endif
