/* cli/cmd_numastat.c: vmlab numastat: memory per NUMA node, as numastat(8) of the numactl
 * package shows it (its numastat.c: show_numastat_info, show_system_info, show_process_info),
 * from DIR/devices/system/node/nodeN/{numastat,meminfo} and /proc/PID/numa_maps; plus vmlab's
 * JSON, CSV and Prometheus outputs, one row per figure and node. */
#include "cli/cli.h"
#include "cli/table.h"

#include "vmlab/vmlab.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab numastat [-c] [-m] [-n] [-p PID|PATTERN]... [-s[NODE]] [-v] [-z]\n"
          "                      [PID|PATTERN]... [--units B|K|M|G] [--format text|json|csv|\n"
          "                      prometheus] [--json] [--csv] [--wide] [--proc DIR] [--sys DIR]\n\n"
          "Memory per NUMA node, as numastat(8) shows it. Without options: the node counters of\n"
          "DIR/devices/system/node/nodeN/numastat (numa_hit, numa_miss, numa_foreign,\n"
          "interleave_hit, local_node, other_node: pages the page allocator counted on that\n"
          "node since boot), as counts, one column per node. Any option turns to numastat's\n"
          "newer layout: the same counters as sizes (count x 4 KiB pages) with a Total column.\n\n"
          "  -n              the node counters, as sizes (the default when no -m or -p is given)\n"
          "  -m              each node's meminfo (nodeN/meminfo), every line in the kernel's\n"
          "                  order, as sizes (HugePages_* counts x the default huge page size,\n"
          "                  Hugepagesize of DIR/meminfo under --proc)\n"
          "  -p PID|PATTERN  a process's memory per node, from /proc/PID/numa_maps: Huge\n"
          "                  (hugetlbfs), Heap, Stack and Private (every other mapping, files\n"
          "                  included), and Total. A PATTERN (not all digits) chooses every\n"
          "                  process whose name and command line contain it (a substring);\n"
          "                  several processes give one row each, unless -v. An unknown PID or\n"
          "                  a PATTERN that matches nothing is an error; a process a PATTERN\n"
          "                  found whose numa_maps cannot be read (it exited, or it is another\n"
          "                  user's and vmlab is not root) is left out, with a line on stderr.\n"
          "                  Arguments without an option are PIDs or patterns too\n"
          "  -c              compact columns: as narrow as their figures, no decimals\n"
          "  -s[NODE]        rows sorted by Total, or by node NODE, largest first\n"
          "  -v              with several processes: a table by class for each\n"
          "  -z              leave out rows and columns that are all zero\n"
          "  --units U       sizes in text in bytes (B), KiB, MiB (default, two decimals) or GiB\n"
          "  --format F      text (default: numastat's tables); json, csv (RFC 4180) or\n"
          "                  prometheus (node_exporter textfile): one row per figure and node,\n"
          "                  Section (numastat, meminfo or process), PID and Name (process rows),\n"
          "                  Item, Node, Count (counters and huge page counts) and Bytes; no\n"
          "                  Total rows (sum them); -c, -s, -v and -z shape only the text;\n"
          "                  --json and --csv are short\n"
          "  --wide          on a terminal, do not fold tables to its width (numastat folds\n"
          "                  columns that do not fit into further sections)\n"
          "  --proc DIR      read DIR instead of /proc (a copy, or DIR/proc of vmlab run\n"
          "                  --export-proc DIR)\n"
          "  --sys DIR       read the nodes under DIR/devices/system/node (default /sys;\n"
          "                  required with --proc DIR: the nodes of that machine)\n\n"
          "Counts in numa_maps are of each mapping's kernel pages (kernelpagesize_kB): sizes of\n"
          "hugetlbfs mappings use their own page size where numastat assumes the default one.\n"
          "numastat 2.0.16 drops the node meminfo lines its list lacks (SwapCached,\n"
          "SecPageTables, FileHugePages, FilePmdMapped: 'Token ... not in hash table') and puts\n"
          "KReclaimable last; vmlab shows every line in the kernel's order.\n",
          out);
}

/* ---- a table of figures by node ------------------------------------------------------------ */

struct row {
    char *label;
    uint64_t mult; /* bytes per unit of the raw figures; 0: not known (no Hugepagesize) */
    bool count;    /* a count in the kernel's file (numastat counters, HugePages_*) */
    bool total;    /* the Total row (process tables) */
    uint64_t *v;   /* raw figures: ncols (nodes, then Total) */
    bool *known;
};

struct mat {
    struct row *r;
    size_t n, cap, ncols;
};

static struct row *mat_row(struct mat *m, const char *label, size_t len)
{
    for (size_t i = 0; i < m->n; i++)
        if (strlen(m->r[i].label) == len && memcmp(m->r[i].label, label, len) == 0)
            return &m->r[i];
    if (m->n == m->cap) {
        size_t c = m->cap ? 2 * m->cap : 16;
        struct row *p = realloc(m->r, c * sizeof(*p));
        if (!p)
            return NULL;
        m->r = p;
        m->cap = c;
    }
    struct row *r = &m->r[m->n];
    memset(r, 0, sizeof(*r));
    r->label = malloc(len + 1);
    r->v = calloc(m->ncols, sizeof(*r->v));
    r->known = calloc(m->ncols, sizeof(*r->known));
    if (!r->label || !r->v || !r->known) {
        free(r->label);
        free(r->v);
        free(r->known);
        return NULL;
    }
    memcpy(r->label, label, len);
    r->label[len] = 0;
    m->n++;
    return r;
}

static void mat_free(struct mat *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->r[i].label);
        free(m->r[i].v);
        free(m->r[i].known);
    }
    free(m->r);
    memset(m, 0, sizeof(*m));
}

/* The Total column of every row, and (total_row) a Total row under the others. */
static int mat_totals(struct mat *m, bool total_row)
{
    size_t t = m->ncols - 1;
    for (size_t i = 0; i < m->n; i++) {
        struct row *r = &m->r[i];
        r->v[t] = 0;
        r->known[t] = false;
        for (size_t c = 0; c < t; c++) {
            if (r->known[c]) {
                r->v[t] += r->v[c];
                r->known[t] = true;
            }
        }
    }
    if (!total_row)
        return 0;
    size_t rows = m->n;
    struct row *tot = mat_row(m, "Total", 5);
    if (!tot)
        return -1;
    tot->total = true;
    tot->mult = 1;
    for (size_t i = 0; i < rows; i++)
        for (size_t c = 0; c <= t; c++)
            if (m->r[i].known[c]) {
                tot->v[c] += m->r[i].v[c] * m->r[i].mult;
                tot->known[c] = true;
            }
    return 0;
}

/* How the text looks: numastat's options. */
struct look {
    bool compat;   /* no option: the original numastat's counts, no Total */
    bool compress; /* -c */
    bool nozero;   /* -z */
    bool sort;     /* -s */
    long sort_node;
    const unsigned *nodes;
    unsigned nnodes;
    uint64_t div;      /* bytes per unit shown */
    size_t width;      /* fold to this many columns; 0: do not */
    const char *unit;  /* "MBs" ... in the titles */
    bool kernel_names; /* the counters as the kernel's file names them (machine formats) */
};

/* One figure as text: a count as is (compat), else its size in the unit, two decimals (none
 * with -c or in bytes); "?" when not known. */
static void fig(char *buf, size_t n, const struct row *r, size_t c, const struct look *k)
{
    if (!r->known[c] || (!k->compat && !r->mult)) {
        snprintf(buf, n, "?");
        return;
    }
    if (k->compat) {
        snprintf(buf, n, "%" PRIu64, r->v[c]);
        return;
    }
    long double b = (long double)r->v[c] * (long double)r->mult;
    if (k->div == 1)
        snprintf(buf, n, "%.0Lf", b);
    else
        snprintf(buf, n, "%.*Lf", k->compress ? 0 : 2, b / (long double)k->div);
}

static bool nonzero(const struct row *r, size_t c)
{
    return r->known[c] && r->v[c] != 0;
}

static void pad(struct vml_text *t, const char *s, size_t w, bool left)
{
    size_t l = strlen(s);
    if (!left)
        for (size_t i = l; i < w; i++)
            vml_text_append(t, " ", 1);
    vml_text_append(t, s, l);
    if (left)
        for (size_t i = l; i < w; i++)
            vml_text_append(t, " ", 1);
}

static void dashes(char *buf, size_t w)
{
    memset(buf, '-', w - 1);
    buf[w - 1] = 0;
}

/* The node the -s NODE column is, or the Total column. */
static size_t sort_col(const struct mat *m, const struct look *k)
{
    for (unsigned i = 0; k->sort_node >= 0 && i < k->nnodes; i++)
        if ((long)k->nodes[i] == k->sort_node)
            return i;
    return m->ncols - 1;
}

/* Prints a table as numastat's display_table does: a left column of labels (16 wide, or as
 * its longest label + 1 for process tables), then a column per node and Total (16 wide),
 * right-aligned; a rule under the header; with pid_head, "PID" over the labels; a rule above
 * a Total row. Folded into sections of columns at the terminal's width. */
static void print_mat(FILE *out, struct mat *m, const struct look *k, const char *head0, bool dash0,
                      bool wide_labels)
{
    size_t nc = k->compat ? m->ncols - 1 : m->ncols;
    size_t sc = sort_col(m, k);
    bool any = false, anynz = false;
    for (size_t i = 0; i < m->n; i++)
        for (size_t c = 0; c < nc; c++) {
            any |= m->r[i].known[c];
            anynz |= nonzero(&m->r[i], c);
        }
    if (!any) {
        fputs("Table has no data.\n", out);
        return;
    }
    if (!anynz && k->nozero) {
        fputs("Table has no non-zero data.\n", out);
        return;
    }
    /* Rows in order, sorted (but a Total row) largest first by the sort column. */
    size_t *ord = malloc(m->n * sizeof(*ord));
    size_t *w = calloc(nc + 1, sizeof(*w));
    bool *show = calloc(nc, sizeof(*show));
    if (!ord || !w || !show)
        goto out;
    for (size_t i = 0; i < m->n; i++)
        ord[i] = i;
    if (k->sort) {
        for (size_t i = 1; i < m->n; i++) { /* insertion: stable */
            size_t x = ord[i], j = i;
            if (m->r[x].total)
                continue;
            long double vx = (long double)m->r[x].v[sc] * (m->r[x].mult ? m->r[x].mult : 1);
            while (j > 0 && !m->r[ord[j - 1]].total &&
                   (long double)m->r[ord[j - 1]].v[sc] *
                           (m->r[ord[j - 1]].mult ? m->r[ord[j - 1]].mult : 1) <
                       vx) {
                ord[j] = ord[j - 1];
                j--;
            }
            ord[j] = x;
        }
    }
    char buf[128], hb[64];
    /* Widths (numastat's auto_set_col_width): labels 16 wide, or as the longest + 1 (at least
     * 4 with -c, 16 in process tables); figures 16, or as the widest cell + 1 with -c (the
     * header's included, at least 4). A cell wider than its column widens it where numastat
     * would cut it: nothing is cut. */
    size_t lmax = head0 ? strlen(head0) : 0;
    for (size_t i = 0; i < m->n; i++)
        if (strlen(m->r[i].label) > lmax)
            lmax = strlen(m->r[i].label);
    if (k->compress)
        w[0] = (lmax > 4 ? lmax : 4) + 1;
    else if (wide_labels)
        w[0] = (lmax > 16 ? lmax : 16) + 1;
    else
        w[0] = lmax >= 16 ? lmax + 1 : 16;
    for (size_t c = 0; c < nc; c++) {
        if (c < k->nnodes)
            snprintf(hb, sizeof(hb), k->compat ? "node%u" : "Node %u", k->nodes[c]);
        else
            snprintf(hb, sizeof(hb), "Total");
        size_t mx = k->compress ? (strlen(hb) > 4 ? strlen(hb) : 4) : strlen(hb);
        for (size_t i = 0; i < m->n; i++) {
            fig(buf, sizeof(buf), &m->r[i], c, k);
            if (strlen(buf) > mx)
                mx = strlen(buf);
        }
        w[c + 1] = k->compress || mx >= 16 ? mx + 1 : 16;
        show[c] = !k->nozero;
        for (size_t i = 0; i < m->n && !show[c]; i++)
            show[c] = nonzero(&m->r[i], c);
    }
    struct vml_text line = { 0 };
    size_t first = 0;
    bool section = false;
    while (first < nc) {
        while (first < nc && !show[first])
            first++;
        if (first == nc)
            break;
        /* The columns of this section: the first, then the next shown ones while the line
         * stays within the terminal's width. */
        size_t last = first, used = w[0] + w[first + 1];
        for (size_t c = first + 1; c < nc; c++) {
            if (!show[c]) {
                last = c;
                continue;
            }
            if (k->width && used + w[c + 1] > k->width)
                break;
            used += w[c + 1];
            last = c;
        }
        if (section)
            fputc('\n', out);
        section = true;
        size_t hrows = k->compat ? 1 : 2;
        for (size_t hr = 0; hr < hrows + m->n; hr++) {
            const struct row *r = hr >= hrows ? &m->r[ord[hr - hrows]] : NULL;
            if (r && k->nozero && !r->total) {
                bool nz = false;
                for (size_t c = 0; c < nc; c++)
                    nz |= nonzero(r, c);
                if (!nz)
                    continue;
            }
            line.len = 0;
            if (r && r->total) { /* the rule above it */
                dashes(buf, w[0]);
                pad(&line, buf, w[0], true);
                for (size_t c = first; c <= last; c++) {
                    if (!show[c])
                        continue;
                    dashes(buf, w[c + 1]);
                    pad(&line, buf, w[c + 1], false);
                }
                fprintf(out, "%.*s\n", (int)line.len, line.s);
                line.len = 0;
            }
            if (hr == 0)
                pad(&line, head0 ? head0 : "", w[0], true);
            else if (hr == 1 && !r) {
                if (dash0)
                    dashes(buf, w[0]);
                else
                    buf[0] = 0;
                pad(&line, buf, w[0], true);
            } else {
                pad(&line, r->label, w[0], true);
            }
            for (size_t c = first; c <= last; c++) {
                if (!show[c])
                    continue;
                if (hr == 0) {
                    if (c < k->nnodes)
                        snprintf(buf, sizeof(buf), k->compat ? "node%u" : "Node %u", k->nodes[c]);
                    else
                        snprintf(buf, sizeof(buf), "Total");
                } else if (hr == 1 && !r) {
                    dashes(buf, w[c + 1]);
                } else {
                    fig(buf, sizeof(buf), r, c, k);
                }
                pad(&line, buf, w[c + 1], false);
            }
            fprintf(out, "%.*s\n", (int)line.len, line.len ? line.s : "");
        }
        first = last + 1;
    }
    vml_text_free(&line);
out:
    free(ord);
    free(w);
    free(show);
}

/* ---- JSON, CSV and Prometheus: one row per figure and node ---------------------------------- */

enum { L_SECTION, L_PID, L_NAME, L_ITEM, L_NODE, L_COUNT, L_BYTES, NL };

static const struct col lcols[NL] = {
    [L_SECTION] = { "Section", COL_STR, NULL, NULL, "section", true, false },
    [L_PID] = { "PID", COL_INT, NULL, NULL, "pid", false, false },
    [L_NAME] = { "Name", COL_STR, NULL, NULL, "name", true, false },
    [L_ITEM] = { "Item", COL_STR, NULL, NULL, "item", true, false },
    [L_NODE] = { "Node", COL_INT, NULL, NULL, "node", false, false },
    [L_COUNT] = { "Count", COL_INT, "vmlab_numastat_count",
                  "A node's counter or huge page count, as the kernel's file has it.", NULL, false,
                  false },
    [L_BYTES] = { "Bytes", COL_BYTES, "vmlab_numastat_bytes",
                  "Memory of a node: the counters in 4 KiB pages, meminfo, a process's "
                  "numa_maps.",
                  NULL, false, false },
};

struct lrows {
    union cell *c;
    size_t n, cap;
    char **strs; /* owned strings the cells point to */
    size_t ns, scap;
    bool procs;
};

static const char *lstr(struct lrows *l, const char *s)
{
    if (l->ns == l->scap) {
        size_t c = l->scap ? 2 * l->scap : 64;
        char **p = realloc(l->strs, c * sizeof(*p));
        if (!p)
            return NULL;
        l->strs = p;
        l->scap = c;
    }
    char *d = strdup(s);
    if (d)
        l->strs[l->ns++] = d;
    return d;
}

static union cell *lrow(struct lrows *l)
{
    if (l->n == l->cap) {
        size_t c = l->cap ? 2 * l->cap : 256;
        union cell *p = realloc(l->c, c * NL * sizeof(*p));
        if (!p)
            return NULL;
        l->c = p;
        l->cap = c;
    }
    union cell *r = l->c + l->n++ * NL;
    r[L_PID].i = CELL_BLANK_INT;
    r[L_NAME].s = NULL;
    r[L_COUNT].i = CELL_BLANK_INT;
    r[L_BYTES].b = CELL_BLANK_BYTES;
    return r;
}

/* The rows of a system table (numastat or meminfo), one per figure and node. */
static int long_mat(struct lrows *l, const char *section, const struct mat *m, const struct look *k)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct row *r = &m->r[i];
        const char *item = lstr(l, r->label);
        if (!item)
            return -1;
        for (unsigned c = 0; c < k->nnodes; c++) {
            union cell *x = lrow(l);
            if (!x)
                return -1;
            x[L_SECTION].s = section;
            x[L_ITEM].s = item;
            x[L_NODE].i = k->nodes[c];
            if (r->count)
                x[L_COUNT].i = r->known[c] ? (int64_t)r->v[c] : CELL_NO_INT;
            x[L_BYTES].b = r->known[c] && r->mult ? r->v[c] * r->mult : CELL_NO_BYTES;
        }
    }
    return 0;
}

static void lrows_free(struct lrows *l)
{
    for (size_t i = 0; i < l->ns; i++)
        free(l->strs[i]);
    free(l->strs);
    free(l->c);
}

/* ---- reading ------------------------------------------------------------------------------- */

struct meminfo_ctx {
    struct mat *m;
    size_t col;
    uint64_t hp; /* default huge page size, bytes; 0: not known */
    int err;
};

static int add_line(const char *key, size_t keylen, uint64_t value, bool kb, void *ctx)
{
    struct meminfo_ctx *x = ctx;
    struct row *r = mat_row(x->m, key, keylen);
    if (!r)
        return VML_EHOST;
    /* numastat: "HugePages_*" lines are huge pages, the others kB. */
    bool huge = keylen >= 9 && memcmp(key, "HugePages", 9) == 0;
    r->count = !kb;
    r->mult = kb ? 1024 : huge ? x->hp : 0; /* another count: no size */
    r->v[x->col] = value;
    r->known[x->col] = true;
    return 0;
}

/* Reads nodeN/FILE of every node into m (numastat or meminfo). 0, or the exit status after
 * a message. */
static int read_nodes(const char *sys, const struct look *k, bool meminfo, uint64_t hp,
                      struct mat *m)
{
    static const char *const counters[] = { "numa_hit",       "numa_miss",  "numa_foreign",
                                            "interleave_hit", "local_node", "other_node" };
    static const char *const labels[] = { "Numa_Hit",       "Numa_Miss",  "Numa_Foreign",
                                          "Interleave_Hit", "Local_Node", "Other_Node" };
    m->ncols = k->nnodes + 1;
    if (!meminfo) {
        for (int i = 0; i < 6; i++) {
            const char *l = k->compat || k->kernel_names ? counters[i] : labels[i];
            struct row *r = mat_row(m, l, strlen(l));
            if (!r)
                return cli_error(EXIT_FAIL, "numastat: out of memory");
            r->count = true;
            r->mult = 4096; /* numastat: sysconf(_SC_PAGESIZE), 4 KiB on x86-64 */
        }
    }
    for (unsigned c = 0; c < k->nnodes; c++) {
        char dir[4200], e[256];
        const char *file = meminfo ? "meminfo" : "numastat";
        snprintf(dir, sizeof(dir), "%s/devices/system/node/node%u", sys, k->nodes[c]);
        struct vml_text t = { 0 };
        struct vml_diag d = { 0 };
        char path[4300];
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        d.file = path;
        int r = vml_live_read(dir, file, &t);
        if (r) {
            vml_text_free(&t);
            return cli_error(EXIT_FAIL, "numastat: %s: cannot be read",
                             table_escape(e, sizeof(e), path));
        }
        if (meminfo) {
            unsigned node;
            struct meminfo_ctx x = { m, c, hp, 0 };
            r = vml_proc_parse_node_meminfo_lines(t.s ? t.s : "", t.len, &node, add_line, &x, &d);
            if (r == 0 && t.len && node != k->nodes[c]) {
                vml_text_free(&t);
                return cli_error(EXIT_FAIL, "numastat: %s: its lines name node %u, not %u",
                                 table_escape(e, sizeof(e), path), node, k->nodes[c]);
            }
        } else {
            struct vml_numastat s;
            r = vml_proc_parse_numastat(t.s ? t.s : "", t.len, &s, &d);
            if (r == 0) {
                const uint64_t v[6] = { s.numa_hit,       s.numa_miss,  s.numa_foreign,
                                        s.interleave_hit, s.local_node, s.other_node };
                for (int i = 0; i < 6; i++) {
                    m->r[i].v[c] = v[i];
                    m->r[i].known[c] = true;
                }
            }
        }
        vml_text_free(&t);
        if (r == VML_EHOST)
            return cli_error(EXIT_FAIL, "numastat: out of memory");
        if (r)
            return cli_diag_error(EXIT_FAIL, "numastat", &d);
    }
    return 0;
}

/* This process's pid when root is the live /proc (its self link names us), else 0. */
static int self_pid(const char *root)
{
    char path[4200], link[32];
    snprintf(path, sizeof(path), "%s/self", root);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    if (n <= 0)
        return 0;
    link[n] = 0;
    return atoi(link) == (int)getpid() ? (int)getpid() : 0;
}

static bool all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

struct procs {
    int *pid;
    bool *named; /* given as a PID (an error if it is gone), not found by a pattern */
    size_t n, cap;
};

static int add_pid(struct procs *p, int pid, bool named)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->pid[i] == pid) {
            p->named[i] |= named;
            return 0;
        }
    }
    if (p->n == p->cap) {
        size_t c = p->cap ? 2 * p->cap : 16;
        int *a = realloc(p->pid, c * sizeof(int));
        if (a)
            p->pid = a;
        bool *b = realloc(p->named, c * sizeof(bool));
        if (b)
            p->named = b;
        if (!a || !b)
            return -1;
        p->cap = c;
    }
    p->pid[p->n] = pid;
    p->named[p->n++] = named;
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* A PID or a pattern: the processes it names, added to p. 0 or the exit status. */
static int add_spec(struct procs *p, const char *root, const char *spec, int self)
{
    char e[256], e2[256];
    if (all_digits(spec)) {
        if (strlen(spec) > 9)
            return cli_error(EXIT_USAGE, "numastat: -p %s: not a process id",
                             table_escape(e, sizeof(e), spec));
        return add_pid(p, atoi(spec), true) ? cli_error(EXIT_FAIL, "numastat: out of memory") : 0;
    }
    int *pids;
    size_t n;
    int r = vml_numa_match(root, spec, self, &pids, &n);
    if (r)
        return cli_error(EXIT_FAIL, "numastat: cannot list %s: %s",
                         table_escape(e, sizeof(e), root), vml_strerror(r));
    if (n == 0)
        return cli_error(EXIT_FAIL,
                         "numastat: -p %s: no process in %s whose name or command line "
                         "contains it",
                         table_escape(e, sizeof(e), spec), table_escape(e2, sizeof(e2), root));
    for (size_t i = 0; i < n && r == 0; i++)
        r = add_pid(p, pids[i], false);
    free(pids);
    return r ? cli_error(EXIT_FAIL, "numastat: out of memory") : 0;
}

/* ---- the command --------------------------------------------------------------------------- */

static int run(int argc, char **argv)
{
    struct table_opts o;
    const char *sys = NULL;
    struct look k = { 0 };
    bool show_m = false, show_n = false, verbose = false, any_opt = false;
    const char **specs = calloc((size_t)argc, sizeof(*specs));
    size_t nspecs = 0;
    char e[256];
    int rc = EXIT_OK;
    k.sort_node = -1;
    table_opts_init(&o);
    if (!specs)
        return cli_error(EXIT_FAIL, "numastat: out of memory");
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = table_opt(argc, argv, &i, &o);
        if (m < 0) {
            free(specs);
            return EXIT_USAGE;
        }
        if (m > 0)
            continue;
        if ((m = cli_opt(argc, argv, &i, "--sys", &v)) != 0) {
            if (m < 0) {
                free(specs);
                return EXIT_USAGE;
            }
            sys = v;
            continue;
        }
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == 0) {
            specs[nspecs++] = a;
            continue;
        }
        if (a[1] == '-') {
            free(specs);
            return cli_error(EXIT_USAGE,
                             "numastat: unknown argument '%s' (see vmlab help numastat)",
                             table_escape(e, sizeof(e), a));
        }
        /* Short options, grouped as getopt takes them: -mz, -pPID, -s1. */
        for (const char *f = a + 1; *f; f++) {
            any_opt = true;
            if (*f == 'c')
                k.compress = true;
            else if (*f == 'm')
                show_m = true;
            else if (*f == 'n')
                show_n = true;
            else if (*f == 'v')
                verbose = true;
            else if (*f == 'z')
                k.nozero = true;
            else if (*f == 's') {
                k.sort = true;
                if (f[1]) {
                    if (!all_digits(f + 1) || strlen(f + 1) > 4) {
                        free(specs);
                        return cli_error(EXIT_USAGE, "numastat: -s%s: expected a node number",
                                         table_escape(e, sizeof(e), f + 1));
                    }
                    k.sort_node = atol(f + 1);
                }
                break;
            } else if (*f == 'p') {
                const char *spec = f[1] ? f + 1 : i + 1 < argc ? argv[++i] : NULL;
                if (!spec || !*spec) {
                    free(specs);
                    return cli_error(EXIT_USAGE, "numastat: -p needs a PID or a pattern");
                }
                specs[nspecs++] = spec;
                break;
            } else {
                free(specs);
                return cli_error(EXIT_USAGE,
                                 "numastat: unknown option '-%c' in '%s' (see vmlab help "
                                 "numastat)",
                                 *f, table_escape(e, sizeof(e), a));
            }
        }
    }
    if (!sys && strcmp(o.root, "/proc") != 0) {
        free(specs);
        return cli_error(EXIT_USAGE,
                         "numastat: --proc %s needs --sys DIR (the NUMA nodes of that machine)",
                         table_escape(e, sizeof(e), o.root));
    }
    sys = sys ? sys : "/sys";
    /* numastat's compatibility mode: no option and no process at all. */
    k.compat = !any_opt && nspecs == 0;
    k.div = o.units.div ? o.units.div : 1 << 20;
    k.unit = k.div == 1 ? "bytes" : k.div == 1024 ? "KBs" : k.div == 1 << 20 ? "MBs" : "GBs";
    k.width = table_width(stdout, &o);
    k.kernel_names = o.fmt != FMT_TEXT;
    int r = table_check_root("numastat", o.root);
    if (r) {
        free(specs);
        return r;
    }
    static unsigned nodes[VML_NUMA_MAX_NODES];
    struct vml_diag d = { 0 };
    if ((r = vml_numa_nodes(sys, nodes, VML_NUMA_MAX_NODES, &k.nnodes, &d)) != 0) {
        free(specs);
        return cli_error(EXIT_FAIL, "numastat: %s (--sys DIR: a machine's /sys)", d.msg);
    }
    k.nodes = nodes;
    struct procs procs = { 0 };
    int self = self_pid(o.root);
    for (size_t i = 0; i < nspecs && rc == EXIT_OK; i++)
        rc = add_spec(&procs, o.root, specs[i], self);
    free(specs);
    if (procs.n) { /* numastat: ascending, without duplicates (named ones kept named) */
        struct {
            int pid;
            bool named;
        } *tmp = malloc(procs.n * sizeof(*tmp));
        if (!tmp) {
            rc = cli_error(EXIT_FAIL, "numastat: out of memory");
        } else {
            for (size_t i = 0; i < procs.n; i++) {
                tmp[i].pid = procs.pid[i];
                tmp[i].named = procs.named[i];
            }
            qsort(tmp, procs.n, sizeof(*tmp), cmp_pid);
            for (size_t i = 0; i < procs.n; i++) {
                procs.pid[i] = tmp[i].pid;
                procs.named[i] = tmp[i].named;
            }
            free(tmp);
        }
    }
    struct lrows lr = { 0 };
    lr.procs = procs.n > 0;
    FILE *out = stdout;
    bool text = o.fmt == FMT_TEXT;
    /* ---- processes */
    if (rc == EXIT_OK && procs.n) {
        bool sub = verbose || procs.n == 1;
        struct vml_numa_usage *u = malloc(sizeof(*u));
        struct mat all = { 0 };
        all.ncols = k.nnodes + 1;
        size_t gone = 0;
        if (!u)
            rc = cli_error(EXIT_FAIL, "numastat: out of memory");
        if (rc == EXIT_OK && text && !sub)
            fprintf(out, "\nPer-node process memory usage (in %s)\n", k.unit);
        for (size_t i = 0; i < procs.n && rc == EXIT_OK; i++) {
            int pid = procs.pid[i];
            char name[256];
            vml_numa_proc_name(o.root, pid, name, sizeof(name));
            struct vml_diag pd = { 0 };
            r = vml_numa_process(o.root, pid, u, &pd);
            if (r == VML_ENOENT && !procs.named[i]) {
                gone++; /* found by a pattern, exited since: said, not shown */
                fprintf(stderr, "vmlab: numastat: process %d (%s) exited during the scan\n", pid,
                        table_escape(e, sizeof(e), name));
                continue;
            }
            if (r == VML_EINVAL && !procs.named[i]) {
                gone++; /* found by a pattern: numastat goes on too, so do we, saying so */
                fprintf(stderr, "vmlab: numastat: %s: %s: not shown\n",
                        table_escape(e, sizeof(e), u->file), pd.msg);
                continue;
            }
            if (r == VML_ENOENT) {
                rc = cli_error(EXIT_FAIL,
                               "numastat: -p %d: no such process in %s (it has exited, or never "
                               "existed)",
                               pid, table_escape(e, sizeof(e), o.root));
                break;
            }
            if (r == VML_EHOST) {
                rc = cli_error(EXIT_FAIL, "numastat: out of memory");
                break;
            }
            if (r) {
                rc = cli_diag_error(EXIT_FAIL, "numastat", &pd);
                break;
            }
            /* Every node of numa_maps must be a node of the machine's /sys. */
            for (unsigned nd = 0; nd < VML_NUMA_MAX_NODES && rc == EXIT_OK; nd++) {
                bool listed = false;
                for (unsigned c = 0; c < k.nnodes && !listed; c++)
                    listed = nodes[c] == nd;
                for (int cl = 0; cl < VML_NUMA_NCLASS && !listed; cl++) {
                    if (u->bytes[cl][nd]) {
                        rc = cli_error(EXIT_FAIL,
                                       "numastat: %s: pages on node %u, which %s/devices/system/"
                                       "node does not have",
                                       table_escape(e, sizeof(e), u->file), nd, sys);
                        break;
                    }
                }
            }
            if (rc)
                break;
            if (!text) {
                const char *nm = lstr(&lr, name);
                for (int cl = 0; cl < VML_NUMA_NCLASS && nm; cl++) {
                    for (unsigned c = 0; c < k.nnodes; c++) {
                        union cell *x = lrow(&lr);
                        if (!x) {
                            nm = NULL;
                            break;
                        }
                        x[L_SECTION].s = "process";
                        x[L_PID].i = pid;
                        x[L_NAME].s = nm;
                        x[L_ITEM].s = vml_numa_class_name((enum vml_numa_class)cl);
                        x[L_NODE].i = nodes[c];
                        x[L_BYTES].b = u->bytes[cl][nodes[c]];
                    }
                }
                if (!nm)
                    rc = cli_error(EXIT_FAIL, "numastat: out of memory");
                continue;
            }
            if (sub) {
                struct mat m = { 0 };
                m.ncols = k.nnodes + 1;
                for (int cl = 0; cl < VML_NUMA_NCLASS; cl++) {
                    const char *l = vml_numa_class_name((enum vml_numa_class)cl);
                    struct row *row = mat_row(&m, l, strlen(l));
                    if (!row) {
                        rc = cli_error(EXIT_FAIL, "numastat: out of memory");
                        break;
                    }
                    row->mult = 1;
                    for (unsigned c = 0; c < k.nnodes; c++) {
                        row->v[c] = u->bytes[cl][nodes[c]];
                        row->known[c] = true;
                    }
                }
                if (rc == EXIT_OK && mat_totals(&m, true) == 0) {
                    fprintf(out, "\nPer-node process memory usage (in %s) for PID %d (%s)\n",
                            k.unit, pid, name[0] ? name : "?");
                    print_mat(out, &m, &k, NULL, false, true);
                }
                mat_free(&m);
            } else {
                char label[300];
                snprintf(label, sizeof(label), "%d (%s)", pid, name[0] ? name : "?");
                struct row *row = mat_row(&all, label, strlen(label));
                if (!row) {
                    rc = cli_error(EXIT_FAIL, "numastat: out of memory");
                    break;
                }
                row->mult = 1;
                for (unsigned c = 0; c < k.nnodes; c++) {
                    for (int cl = 0; cl < VML_NUMA_NCLASS; cl++)
                        row->v[c] += u->bytes[cl][nodes[c]];
                    row->known[c] = true;
                }
            }
        }
        if (rc == EXIT_OK && text && !sub) {
            if (mat_totals(&all, true))
                rc = cli_error(EXIT_FAIL, "numastat: out of memory");
            else
                print_mat(out, &all, &k, "PID", true, true);
        }
        if (rc == EXIT_OK && gone == procs.n)
            rc = cli_error(EXIT_FAIL, "numastat: no process chosen could be read (above)");
        mat_free(&all);
        free(u);
    }
    /* ---- the nodes' meminfo, then their counters */
    if (rc == EXIT_OK && show_m) {
        struct vml_meminfo mi;
        struct vml_diag md = { 0 };
        uint64_t hp = vml_live_meminfo(o.root, &mi, &md) == 0 ? mi.hugepagesize << 10 : 0;
        struct mat m = { 0 };
        rc = read_nodes(sys, &k, true, hp, &m);
        if (rc == EXIT_OK && mat_totals(&m, false))
            rc = cli_error(EXIT_FAIL, "numastat: out of memory");
        if (rc == EXIT_OK && text) {
            fprintf(out, "\nPer-node system memory usage (in %s):\n", k.unit);
            print_mat(out, &m, &k, NULL, false, false);
        } else if (rc == EXIT_OK && long_mat(&lr, "meminfo", &m, &k)) {
            rc = cli_error(EXIT_FAIL, "numastat: out of memory");
        }
        mat_free(&m);
    }
    if (rc == EXIT_OK && (show_n || (!procs.n && !show_m))) {
        struct mat m = { 0 };
        rc = read_nodes(sys, &k, false, 0, &m);
        if (rc == EXIT_OK && mat_totals(&m, false))
            rc = cli_error(EXIT_FAIL, "numastat: out of memory");
        if (rc == EXIT_OK && text) {
            if (!k.compat)
                fprintf(out, "\nPer-node numastat info (in %s):\n", k.unit);
            print_mat(out, &m, &k, NULL, false, false);
        } else if (rc == EXIT_OK) {
            if (long_mat(&lr, "numastat", &m, &k))
                rc = cli_error(EXIT_FAIL, "numastat: out of memory");
        }
        mat_free(&m);
    }
    if (rc == EXIT_OK && !text) {
        static const int plabels[] = { L_SECTION, L_PID, L_NAME, L_ITEM, L_NODE, -1 };
        static const int slabels[] = { L_SECTION, L_ITEM, L_NODE, -1 };
        table_print(out, &o, lcols, NL, lr.c, lr.n, NULL, lr.procs ? plabels : slabels);
    }
    lrows_free(&lr);
    free(procs.pid);
    free(procs.named);
    return rc;
}

const struct cli_command cli_cmd_numastat = {
    .name = "numastat",
    .summary = "memory per NUMA node, as numastat: counters, meminfo, processes (numa_maps)",
    .run = run,
    .help = help,
};
