/* test_explain.c: vmlab run --explain's sentences agree with the kernel's counters. Every
 * example is run with the explainer saying every event (VML_EXPLAIN_ALL); the sentences are
 * counted from the text, by kind, and held to the change of the vmstat items over the run
 * (pgfault, pgmajfault, pgreuse, thp_fault_alloc, thp_split_pmd, pswpout, oom_kill, pgscan and
 * pgsteal). Example 03's COW copies are held to hand arithmetic: the child writes 512 KiB of a
 * 1 MiB buffer shared after fork, 128 pages each shared by 2, copied. */
#include "vmlab/vmlab.h"

#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define EXAMPLES VMLAB_FIXTURES "/../../examples"

struct watch {
    struct vml_run_hooks x;
    struct vml_vmstat before;
    bool started;
};

static void before(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b)
{
    struct watch *w = ctx;
    struct vml_sim *sim = b->sim(b->ctx);
    if (!w->started && sim) {
        vml_sim_vmstat(sim, &w->before);
        w->started = true;
    }
    w->x.before_op(w->x.ctx, i, op, b);
}

static void after(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b, int err,
                  struct vml_text *out)
{
    struct watch *w = ctx;
    w->x.after_op(w->x.ctx, i, op, b, err, out);
}

struct counts {
    uint64_t faults, major, reuse, cow_shared2, thp, split, swapped, oom, scanned, stolen;
};

/* Counts the sentences of the text by kind (the text also holds what show lines printed, none
 * of which begins as a sentence does). */
static void count(const char *text, struct counts *c)
{
    memset(c, 0, sizeof(*c));
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        char line[1024];
        size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
        memcpy(line, p, k);
        line[k] = 0;
        uint64_t a, b;
        if (strncmp(line, "   read fault at ", 17) == 0 ||
            strncmp(line, "   write fault at ", 18) == 0 ||
            strncmp(line, "   instruction fetch fault at ", 30) == 0) {
            c->faults++;
            c->major += strstr(line, "(major)") != NULL;
        } else if (strncmp(line, "     COW: only this process maps", 32) == 0) {
            c->reuse++;
        } else if (strncmp(line, "     COW: the page is shared by 2,", 34) == 0) {
            c->cow_shared2++;
        } else if (strncmp(line, "     THP fault:", 15) == 0) {
            c->thp++;
        } else if (strncmp(line, "   PMD split at", 15) == 0) {
            c->split++;
        } else if (sscanf(line, "   swap-out: %" SCNu64 " page", &a) == 1) {
            c->swapped += a;
        } else if (strncmp(line, "   OOM kill:", 12) == 0) {
            c->oom++;
        } else if (strncmp(line, "   reclaim by ", 14) == 0) {
            const char *q = strchr(line + 14, ':');
            if (q && sscanf(q, ": %" SCNu64 " %*s pages scanned on the LRU lists, %" SCNu64, &a,
                            &b) == 2) {
                c->scanned += a;
                c->stolen += b;
            }
        }
        p += n + (p[n] == '\n');
    }
}

static uint64_t delta(const struct vml_vmstat *a, const struct vml_vmstat *b,
                      enum vml_vmstat_item i)
{
    return b->v[i] - a->v[i];
}

static void run_one(const char *path, struct counts *c, struct vml_vmstat *d)
{
    struct vml_scenario *s = NULL;
    struct vml_diag diag = { 0 };
    assert_int_equal(vml_scenario_load(path, &s, &diag), 0);
    struct vml_backend b;
    assert_int_equal(vml_backend_sim(&b), 0);
    struct vml_explain *x = vml_explain_new(VML_EXPLAIN_ALL, NULL);
    assert_non_null(x);
    struct watch w = { 0 };
    vml_explain_hooks(x, &w.x);
    struct vml_run_hooks h = { .ctx = &w, .before_op = before, .after_op = after };
    struct vml_text out = { 0 }, report = { 0 };
    struct vml_run_result res;
    int r = vml_run_hooked(s, &b, 0, &out, &report, &res, NULL, &h, &diag);
    if (r != 0)
        fail_msg("%s: %s", path, diag.msg);
    struct vml_sim *sim = b.sim(b.ctx);
    struct vml_vmstat end;
    vml_sim_vmstat(sim, &end);
    vml_sim_set_event_hook(sim, NULL, NULL);
    for (int i = 0; i < VML_VMSTAT_NR; i++)
        d->v[i] = end.v[i] - w.before.v[i];
    count(out.s, c);
    /* The explainer's own tally agrees with its text too. */
    const struct vml_explain_tally *t = vml_explain_tally(x);
    assert_int_equal(t->ev[VML_EV_FAULT], c->faults);
    b.destroy(b.ctx);
    vml_explain_free(x);
    vml_text_free(&out);
    vml_text_free(&report);
    vml_scenario_free(s);
}

static void every_example_agrees(void **state)
{
    (void)state;
    DIR *dir = opendir(EXAMPLES);
    assert_non_null(dir);
    struct dirent *de;
    unsigned n = 0;
    uint64_t faults = 0, cows = 0, splits = 0, swapped = 0, ooms = 0, thps = 0;
    while ((de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".vml") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", EXAMPLES, de->d_name);
        struct counts c;
        struct vml_vmstat d = { 0 }, z = { 0 };
        run_one(path, &c, &d);
#define AGREE(have, item)                                                                          \
    do {                                                                                           \
        if ((have) != delta(&z, &d, VML_VMSTAT_##item))                                            \
            fail_msg("%s: %" PRIu64 " sentences, %s moved by %" PRIu64, de->d_name,                \
                     (uint64_t)(have), #item, delta(&z, &d, VML_VMSTAT_##item));                   \
    } while (0)
        AGREE(c.faults, pgfault);
        AGREE(c.major, pgmajfault);
        AGREE(c.reuse, pgreuse);
        AGREE(c.thp, thp_fault_alloc);
        AGREE(c.split, thp_split_pmd);
        AGREE(c.swapped, pswpout);
        AGREE(c.oom, oom_kill);
        assert_int_equal(c.scanned, d.v[VML_VMSTAT_pgscan_anon] + d.v[VML_VMSTAT_pgscan_file]);
        assert_int_equal(c.stolen, d.v[VML_VMSTAT_pgsteal_anon] + d.v[VML_VMSTAT_pgsteal_file]);
        faults += c.faults;
        cows += c.cow_shared2;
        splits += c.split;
        swapped += c.swapped;
        ooms += c.oom;
        thps += c.thp;
        n++;
    }
    closedir(dir);
    assert_true(n >= 30);
    /* The examples exercise each kind, so no comparison above is vacuous. */
    assert_true(faults > 0 && cows > 0 && splits > 0 && swapped > 0 && ooms > 0 && thps > 0);
}

static void cow_after_fork_by_hand(void **state)
{
    (void)state;
    struct counts c;
    struct vml_vmstat d = { 0 };
    run_one(EXAMPLES "/03-cow-after-fork.vml", &c, &d);
    /* parent writes 1 MiB: 256 faults; child writes 512 KiB: 128 faults, each a copy of a page
     * shared by 2; parent writes 4 KiB it alone maps now: 1 fault, reused. */
    assert_int_equal(c.faults, 256 + 128 + 1);
    assert_int_equal(c.cow_shared2, 128);
    assert_int_equal(c.reuse, 1);
    assert_int_equal(c.major, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_example_agrees),
        cmocka_unit_test(cow_after_fork_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
