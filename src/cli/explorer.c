/* cli/explorer.c: vmlab run --html. After every operation the machine is read (VMAs and /proc
 * files, each process's page-table tree, each CPU's TLB entries, the physical frames by use)
 * into one JSON step, with the explainer's sentences for it; the page (explorer.html, built
 * into the tool as explorer_page.c) shows the steps with a slider. Nothing is fetched: the
 * data and the page's script and style are in the one file. */
#include "cli/explorer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char cli_explorer_page[];
extern const size_t cli_explorer_page_len;

/* Cells of the frame map: each shows the main use of the frames it stands for. */
#define FRAME_CELLS 4096u
/* Tables of one process read at most (a bigger tree is cut, and the page says so). */
#define MAX_TABLES 256u

struct cli_explorer {
    struct vml_text json; /* the steps, "[{...},{...}" (closed when written) */
    struct vml_text diff; /* vmlab diff --html: the two sides' measurements, a JSON object */
    size_t steps;
    struct vml_explain *x; /* this page's own sentences, full */
    struct vml_text said;  /* the current operation's */
};

static void json_str(struct vml_text *t, const char *s, size_t n)
{
    vml_text_append(t, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char b[2] = { '\\', (char)c };
            vml_text_append(t, b, 2);
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            vml_text_printf(t, "\\u%04x", c); /* < too: the JSON sits in a <script> */
        } else {
            vml_text_append(t, (const char *)&c, 1);
        }
    }
    vml_text_append(t, "\"", 1);
}

static void json_cstr(struct vml_text *t, const char *s)
{
    json_str(t, s ? s : "", s ? strlen(s) : 0);
}

static void proc_file(struct vml_text *t, struct vml_sim *sim, int pid, enum vml_sim_file f)
{
    struct vml_text body = { 0 };
    vml_sim_proc_text(sim, pid, f, 0, 0, &body);
    json_str(t, body.s ? body.s : "", body.len);
    vml_text_free(&body);
}

/* One table and the tables below it: {"t":pfn,"l":level,"e":[[index,entry,child],...]}. */
static void pt_table(struct vml_text *t, const struct vml_pt *pt, uint64_t pfn, unsigned level,
                     unsigned *budget)
{
    vml_text_printf(t, "{\"t\":%" PRIu64 ",\"l\":%u,\"e\":[", pfn, level);
    bool first = true;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = vml_pt_entry(pt, pfn, i);
        if (!e)
            continue;
        /* Entries as decimal strings: JavaScript numbers hold 53 bits, entries 64. */
        vml_text_printf(t, "%s[%u,\"%" PRIu64 "\",", first ? "" : ",", i, e);
        first = false;
        bool table = level > 1 && (e & VML_PTE_P) && !(e & VML_PTE_PS);
        if (table && *budget > 0) {
            (*budget)--;
            pt_table(t, pt, vml_pte_pfn(e), level - 1, budget);
        } else {
            vml_text_append(t, table ? "0" : "null", table ? 1 : 4);
        }
        vml_text_append(t, "]", 1);
    }
    vml_text_append(t, "]}", 2);
}

struct tlb_json {
    struct vml_text *t;
    bool first;
};

static int tlb_entry(unsigned level, unsigned pcid, bool global, uint64_t va, unsigned ps,
                     uint64_t pfn, void *ctx)
{
    struct tlb_json *j = ctx;
    vml_text_printf(j->t, "%s[%u,%u,%d,\"%" PRIx64 "\",%u,\"%" PRIx64 "\"]", j->first ? "" : ",",
                    level, pcid, global, va, ps, pfn);
    j->first = false;
    return 0;
}

static void frames(struct vml_text *t, const struct vml_sim *sim)
{
    const struct vml_phys *ph = vml_sim_phys(sim);
    uint64_t total = vml_phys_total_pages(ph);
    uint64_t per = total / FRAME_CELLS + (total % FRAME_CELLS != 0);
    if (per == 0)
        per = 1;
    uint64_t use_count[VML_NR_USES] = { 0 };
    vml_text_printf(t, "\"frames\":{\"total\":%" PRIu64 ",\"per\":%" PRIu64 ",\"cells\":\"", total,
                    per);
    uint64_t n[VML_NR_USES];
    for (uint64_t c = 0; c * per < total; c++) {
        memset(n, 0, sizeof(n));
        for (uint64_t p = c * per; p < total && p < (c + 1) * per; p++) {
            enum vml_frame_use u = vml_phys_frame_use(ph, p);
            n[u]++;
            use_count[u]++;
        }
        unsigned best = VML_USE_FREE;
        for (unsigned u = 1; u < VML_NR_USES; u++)
            if (n[u] && (best == VML_USE_FREE || n[u] > n[best]))
                best = u; /* any use shows over free: a cell is free only when all of it is */
        char ch = (char)('a' + best);
        vml_text_append(t, &ch, 1);
    }
    vml_text_append(t, "\",\"count\":[", 11);
    for (unsigned u = 0; u < VML_NR_USES; u++)
        vml_text_printf(t, "%s%" PRIu64, u ? "," : "", use_count[u]);
    vml_text_append(t, "]}", 2);
}

static void step(struct cli_explorer *e, const struct vml_op *op, struct vml_sim *sim,
                 const char *src_line)
{
    struct vml_text *t = &e->json;
    vml_text_append(t, e->steps ? ",\n{" : "[\n{", 3);
    e->steps++;
    vml_text_printf(t, "\"line\":%u,\"src\":", op ? op->line : 0);
    json_cstr(t, src_line);
    vml_text_append(t, ",\"said\":", 8);
    json_str(t, e->said.s ? e->said.s : "", e->said.len);
    vml_text_append(t, ",\"meminfo\":", 11);
    proc_file(t, sim, 0, VML_SIM_MEMINFO);
    vml_text_append(t, ",\"procs\":[", 10);
    size_t np = vml_sim_pids(sim, NULL, 0);
    int *pids = malloc((np ? np : 1) * sizeof(*pids));
    np = pids ? vml_sim_pids(sim, pids, np) : 0;
    for (size_t i = 0; i < np; i++) {
        int pid = pids[i];
        struct vml_smaps_counts c = { 0 };
        vml_sim_rollup(sim, pid, &c);
        vml_text_printf(t, "%s{\"pid\":%d,\"comm\":", i ? "," : "", pid);
        json_cstr(t, vml_sim_comm(sim, pid));
        vml_text_printf(t, ",\"rss\":%" PRIu64 ",\"pss\":%" PRIu64 ",\"maps\":", c.rss, c.pss);
        proc_file(t, sim, pid, VML_SIM_MAPS);
        vml_text_append(t, ",\"smaps_rollup\":", 16);
        proc_file(t, sim, pid, VML_SIM_SMAPS_ROLLUP);
        vml_text_append(t, ",\"status\":", 10);
        proc_file(t, sim, pid, VML_SIM_STATUS);
        const struct vml_pt *pt = vml_sim_pagetable(sim, pid);
        if (pt) {
            unsigned budget = MAX_TABLES;
            vml_text_append(t, ",\"pt\":", 6);
            pt_table(t, pt, vml_pt_root(pt), vml_pt_levels(pt), &budget);
            vml_text_printf(t, ",\"pt_cut\":%d", budget == 0);
        }
        vml_text_append(t, "}", 1);
    }
    free(pids);
    vml_text_append(t, "],\"tlb\":[", 9);
    for (unsigned c = 0; c < vml_sim_nr_cpus(sim); c++) {
        struct tlb_json j = { t, true };
        vml_text_append(t, c ? ",[" : "[", c ? 2 : 1);
        vml_cpu_tlb_for_each(vml_sim_cpu(sim, c), tlb_entry, &j);
        vml_text_append(t, "]", 1);
    }
    vml_text_append(t, "],", 2);
    frames(t, sim);
    vml_text_append(t, "}", 1);
}

struct cli_explorer *cli_explorer_new(const struct vml_scenario *s, const char *src)
{
    (void)s;
    struct cli_explorer *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->x = vml_explain_new(VML_EXPLAIN_FULL, src);
    if (!e->x) {
        free(e);
        return NULL;
    }
    return e;
}

void cli_explorer_free(struct cli_explorer *e)
{
    if (!e)
        return;
    vml_explain_free(e->x);
    vml_text_free(&e->json);
    vml_text_free(&e->diff);
    vml_text_free(&e->said);
    free(e);
}

/* One side's measurement of an operation: {"has":1,"minor":..,"major":..,"mem":{..}} or the
 * reasons it has none. */
static void snap_op(struct vml_text *t, const struct vml_snap_op *o)
{
    if (!o) {
        vml_text_append(t, "null", 4);
        return;
    }
    vml_text_printf(t, "{\"faults\":%s", o->has_faults ? "" : "null");
    if (o->has_faults)
        vml_text_printf(t, "[%" PRIu64 ",%" PRIu64 "]", o->minor, o->major);
    vml_text_append(t, ",\"faults_why\":", 14);
    json_cstr(t, o->faults_why_not);
    vml_text_append(t, ",\"mem\":", 7);
    if (o->has_mem) {
        vml_text_append(t, "{", 1);
        for (int k = 0; k < VML_SNAP_MEM_FIELDS; k++) {
            vml_text_printf(t, "%s", k ? "," : "");
            json_cstr(t, vml_snap_mem_name((enum vml_snap_mem)k));
            vml_text_printf(t, ":%" PRId64, o->mem[k]);
        }
        vml_text_append(t, "}", 1);
    } else {
        vml_text_append(t, "null", 4);
    }
    vml_text_append(t, ",\"mem_why\":", 11);
    json_cstr(t, o->mem_why_not);
    vml_text_append(t, "}", 1);
}

static const struct vml_snap_op *op_at(const struct vml_snapshot *s, unsigned line)
{
    for (size_t i = 0; i < s->n_ops; i++)
        if (s->ops[i].line == line)
            return &s->ops[i];
    return NULL;
}

void cli_explorer_diff(struct cli_explorer *e, const struct vml_snapshot *sim,
                       const struct vml_snapshot *real, const char *table)
{
    struct vml_text *t = &e->diff;
    t->len = 0;
    vml_text_append(t, "{\"ops\":[", 8);
    for (size_t i = 0; i < sim->n_ops; i++) {
        const struct vml_snap_op *o = &sim->ops[i];
        vml_text_printf(t, "%s{\"line\":%u,\"what\":", i ? "," : "", o->line);
        json_cstr(t, o->what);
        vml_text_append(t, ",\"sim\":", 7);
        snap_op(t, o);
        vml_text_append(t, ",\"real\":", 8);
        snap_op(t, op_at(real, o->line));
        vml_text_append(t, "}", 1);
    }
    vml_text_append(t, "],\"procs\":[", 11);
    for (size_t i = 0; i < sim->n_procs; i++) {
        const struct vml_snap_proc *p = &sim->procs[i], *q = NULL;
        for (size_t k = 0; k < real->n_procs; k++)
            if (strcmp(real->procs[k].name, p->name) == 0)
                q = &real->procs[k];
        vml_text_printf(t, "%s{\"name\":", i ? "," : "");
        json_cstr(t, p->name);
        /* status memory lines as changes since the process was created, as diff compares */
        vml_text_printf(t, ",\"sim\":[%" PRId64 ",%" PRId64 "]",
                        (int64_t)(p->last.vm_rss - p->first.vm_rss),
                        (int64_t)(p->last.vm_size - p->first.vm_size));
        if (q)
            vml_text_printf(t, ",\"real\":[%" PRId64 ",%" PRId64 "]",
                            (int64_t)(q->last.vm_rss - q->first.vm_rss),
                            (int64_t)(q->last.vm_size - q->first.vm_size));
        vml_text_append(t, "}", 1);
    }
    vml_text_append(t, "],\"table\":", 10);
    json_cstr(t, table);
    vml_text_append(t, "}", 1);
}

int cli_explorer_write(const struct cli_explorer *e, const char *path)
{
    static const char mark[] = "/*VMLAB_DATA*/null", dmark[] = "/*VMLAB_DIFF*/null";
    const char *page = (const char *)cli_explorer_page;
    const char *at = strstr(page, mark), *dat = strstr(page, dmark);
    if (!at || !dat || dat < at || e->json.oom || e->diff.oom) {
        errno = ENOMEM;
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fwrite(page, 1, (size_t)(at - page), f);
    if (e->steps)
        fwrite(e->json.s, 1, e->json.len, f);
    else
        fputs("[", f);
    fputs("]", f);
    const char *rest = at + sizeof(mark) - 1;
    fwrite(rest, 1, (size_t)(dat - rest), f);
    if (e->diff.len)
        fwrite(e->diff.s, 1, e->diff.len, f);
    else
        fputs("null", f);
    fputs(dat + sizeof(dmark) - 1, f);
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- the watcher: one event hook for the explainer and the explorer's own ------------------ */

static void watch_event(void *ctx, const struct vml_event *ev)
{
    struct cli_watch *w = ctx;
    if (w->x)
        vml_explain_event(w->x, ev);
    if (w->e)
        vml_explain_event(w->e->x, ev);
}

static void watch_before(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b)
{
    struct cli_watch *w = ctx;
    struct vml_run_hooks h;
    if (w->x) {
        vml_explain_hooks(w->x, &h);
        h.before_op(h.ctx, i, op, b);
    }
    if (w->e) {
        vml_explain_hooks(w->e->x, &h);
        h.before_op(h.ctx, i, op, b);
    }
    struct vml_sim *sim = b->sim ? b->sim(b->ctx) : NULL;
    if (sim)
        vml_sim_set_event_hook(sim, watch_event, w);
}

static bool is_step(enum vml_op_kind k)
{
    return k != VML_OP_SHOW && k != VML_OP_EXPECT && k != VML_OP_SHOW_THP && k != VML_OP_SHOW_VM;
}

static void watch_after(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b,
                        int err, struct vml_text *out)
{
    struct cli_watch *w = ctx;
    struct vml_run_hooks h;
    if (w->x) {
        vml_explain_hooks(w->x, &h);
        h.after_op(h.ctx, i, op, b, err, out);
    }
    struct vml_sim *sim = b->sim ? b->sim(b->ctx) : NULL;
    if (w->e && sim && is_step(op->kind)) {
        w->e->said.len = 0;
        if (w->e->said.s)
            w->e->said.s[0] = 0;
        vml_explain_hooks(w->e->x, &h);
        h.after_op(h.ctx, i, op, b, err, &w->e->said);
        /* The step's heading line is the explainer's first line: keep the source part. */
        char line[512] = "";
        if (w->e->said.s) {
            const char *p = strstr(w->e->said.s, ": ");
            size_t n = strcspn(w->e->said.s, "\n");
            if (p && (size_t)(p - w->e->said.s) < n) {
                size_t k = n - (size_t)(p + 2 - w->e->said.s);
                if (k >= sizeof(line))
                    k = sizeof(line) - 1;
                memcpy(line, p + 2, k);
                line[k] = 0;
            }
        }
        step(w->e, op, sim, line);
    }
}

void cli_watch_hooks(struct cli_watch *w, struct vml_run_hooks *h)
{
    h->ctx = w;
    h->before_op = watch_before;
    h->after_op = watch_after;
}
