/* trace/summary.c: what a whole trace holds, for vmlab trace info: records by kind, sizes,
 * CPUs, the address range, and the footprint in distinct 4 KiB, 2 MiB and 1 GiB pages.
 */
#include "util/diag.h"
#include "util/u64set.h"
#include "vmlab/trace.h"

#include <stdlib.h>
#include <string.h>

enum { BATCH = 4096 };

/* The page sets, and per size the last page added: most traces touch the same page many times
 * in a row (a sequential scan 512 times per 4 KiB page), and skipping those repeats before the
 * hash lookup is what keeps info as fast as replay, which has the same shortcut. */
struct pageset {
    struct u64set set[VML_PS_COUNT];
    uint64_t last[VML_PS_COUNT]; /* key (page + 1) of the last page added; 0: none */
};

/* Adds the pages of every size that the bytes [first, last] touch. */
static int count_pages(struct pageset *ps, uint64_t first, uint64_t last)
{
    /* Within the last 4 KiB page: so within the last page of every larger size too. */
    if (first >> 12 == last >> 12 && (first >> 12) + 1 == ps->last[VML_PS_4K])
        return 0;
    for (unsigned p = 0; p < VML_PS_COUNT; p++) {
        unsigned shift = vml_ps_shift((enum vml_page_size)p);
        if (first >> shift == last >> shift && (first >> shift) + 1 == ps->last[p])
            continue;
        struct u64set *pages = &ps->set[p];
        for (uint64_t pg = first >> shift;; pg++) {
            /* +1: page 0 is a page, the set's keys must be non-zero */
            if (u64set_add(pages, pg + 1) < 0)
                return VML_EHOST;
            ps->last[p] = pg + 1;
            if (pg == last >> shift)
                break;
        }
    }
    return 0;
}

/* Counts one record; VML_EHOST if the page sets cannot grow. */
static inline int add(struct vml_trace_summary *s, struct pageset *pages,
                      const struct vml_trace_rec *t)
{
    uint64_t last = t->addr + (t->size ? t->size - 1u : 0u);
    if (last < t->addr)
        last = UINT64_MAX; /* an access at the top of the address space stops there */
    s->records++;
    s->kinds[t->kind < VML_NR_ACCESS ? t->kind : 0]++;
    s->lowest = t->addr < s->lowest ? t->addr : s->lowest;
    s->highest = last > s->highest ? last : s->highest;
    if (t->size) {
        s->min_size = t->size < s->min_size ? t->size : s->min_size;
        s->max_size = t->size > s->max_size ? t->size : s->max_size;
    } else {
        s->unsized++;
    }
    s->max_cpu = t->cpu > s->max_cpu ? t->cpu : s->max_cpu;
    return count_pages(pages, t->addr, last);
}

/* The host has no memory for the summary itself (not the reader: that one says so itself). */
static int no_memory(struct vml_diag *diag)
{
    if (diag)
        diag->file = NULL;
    diag_set(diag, 0, 0, "out of host memory");
    return VML_EHOST;
}

/* Reads r to its end into s and pages: 0, the reader's error, or VML_EHOST. */
static int scan(struct vml_trace_reader *r, struct vml_trace_summary *s, struct pageset *pages,
                struct vml_trace_rec *buf, struct vml_diag *diag)
{
    for (;;) {
        long n = vml_trace_read(r, buf, BATCH, diag);
        if (n <= 0)
            return (int)n;
        /* A local copy: the compiler keeps its fields in registers across the batch (s
         * could alias the page sets for all it knows). */
        struct vml_trace_summary loc = *s;
        int rc = 0;
        for (long i = 0; i < n && !rc; i++)
            rc = add(&loc, pages, &buf[i]);
        *s = loc;
        if (rc)
            return no_memory(diag);
    }
}

int vml_trace_summarize(struct vml_trace_reader *r, struct vml_trace_summary *out,
                        struct vml_diag *diag)
{
    memset(out, 0, sizeof(*out));
    out->lowest = UINT64_MAX;
    out->min_size = UINT32_MAX;
    struct pageset pages;
    memset(&pages, 0, sizeof(pages));
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    int rc = buf ? scan(r, out, &pages, buf, diag) : no_memory(diag);
    free(buf);
    for (unsigned p = 0; p < VML_PS_COUNT; p++) {
        out->pages[p] = pages.set[p].n;
        u64set_free(&pages.set[p]);
    }
    if (!out->records)
        out->lowest = 0;
    if (!out->max_size)
        out->min_size = 0;
    return rc;
}
