/* cli/cmd_meminfo.c: vmlab meminfo: /proc/meminfo explained: where the memory is, and
 * MemAvailable in the kernel's own terms (mm/show_mem.c: si_mem_available). */
#include "cli/cli.h"
#include "cli/table.h"

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab meminfo [--units human|B|K|M|G] [--format text|json|csv|prometheus]\n"
          "                     [--json] [--csv] [--wide] [--proc DIR] [--sys DIR]\n\n"
          "Reads /proc/meminfo and /proc/zoneinfo and says where the memory is: free,\n"
          "anonymous (processes), file page cache, shmem, slab, kernel stacks, page tables,\n"
          "huge pages, and what the kernel does not itemise. Then MemAvailable as the kernel\n"
          "computes it: free pages, minus the zones' reserves (high watermarks and lowmem\n"
          "reserves, from zoneinfo), plus the page cache and reclaimable kernel memory it could\n"
          "free, each less what it keeps (half, or the low watermarks if smaller), and whether\n"
          "that equals the kernel's figure. On a machine with several NUMA nodes, each node's\n"
          "figures follow (from DIR/devices/system/node, --sys, default /sys).\n",
          out);
}

enum { C_SECTION, C_ITEM, C_BYTES, C_FROM, NC };

static const struct col cols[NC] = {
    [C_SECTION] = { "Section", COL_STR, NULL, NULL, "section", true, false },
    [C_ITEM] = { "What", COL_STR, NULL, NULL, "item", true, false },
    [C_BYTES] = { "Bytes", COL_BYTES, "vmlab_meminfo_bytes", "Memory by what holds it.", NULL,
                  false, false },
    [C_FROM] = { "From", COL_STR, NULL, NULL, "source", true, false },
};

struct rows {
    union cell c[96 * NC];
    size_t n;
};

static void add(struct rows *r, const char *section, const char *item, uint64_t kb,
                const char *from)
{
    if (r->n == 96)
        return;
    union cell *row = r->c + r->n++ * NC;
    row[C_SECTION].s = section;
    row[C_ITEM].s = item;
    row[C_BYTES].b = kb << 10;
    row[C_FROM].s = from;
}

struct reserves {
    uint64_t low, totalreserve; /* pages */
};

/* calculate_totalreserve_pages and the low watermarks si_mem_available sums. */
static int add_zone(const struct vml_zoneinfo *z, void *ctx)
{
    struct reserves *r = ctx;
    uint64_t max = 0;
    for (unsigned i = 0; i < z->nr_protection; i++)
        max = z->protection[i] > max ? z->protection[i] : max;
    max += z->high;
    r->totalreserve += max < z->managed ? max : z->managed;
    r->low += z->low;
    return 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Per-node lines from DIR/devices/system/node/nodeN/meminfo, when there is more than one. */
static void add_nodes(struct rows *r, const char *sys, char (*names)[32])
{
    struct vml_node_meminfo nm[VML_MAX_NODES];
    unsigned found = 0;
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/devices/system/node/node%u", sys, n);
        struct vml_text t = { 0 };
        unsigned node;
        if (vml_live_read(path, "meminfo", &t) == 0 && t.len &&
            vml_proc_parse_node_meminfo(t.s, t.len, &node, &nm[found], NULL) == 0)
            found++;
        vml_text_free(&t);
        if (found != n + 1)
            break;
    }
    if (found < 2)
        return;
    for (unsigned n = 0; n < found; n++) {
        snprintf(names[n], 32, "node %u", n);
        add(r, names[n], "MemTotal", nm[n].mem_total, "node meminfo");
        add(r, names[n], "MemFree", nm[n].mem_free, "node meminfo");
        add(r, names[n], "Anonymous", nm[n].anon_pages, "AnonPages");
        add(r, names[n], "File pages", nm[n].file_pages, "FilePages (incl. Shmem)");
        add(r, names[n], "Shmem", nm[n].shmem, "Shmem");
        add(r, names[n], "Slab", nm[n].slab, "Slab");
        add(r, names[n], "Page tables", nm[n].page_tables, "PageTables");
    }
}

static int run(int argc, char **argv)
{
    struct table_opts o;
    const char *sys = "/sys";
    table_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = table_opt(argc, argv, &i, &o);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0)
            continue;
        if ((m = cli_opt(argc, argv, &i, "--sys", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            sys = v;
            continue;
        }
        char e[256];
        return cli_error(EXIT_USAGE, "meminfo: unknown argument '%s' (see vmlab help meminfo)",
                         table_escape(e, sizeof(e), argv[i]));
    }
    char e[256];
    int r = table_check_root("meminfo", o.root);
    if (r)
        return r;
    struct vml_meminfo mi;
    struct vml_diag d = { 0 };
    r = vml_live_meminfo(o.root, &mi, &d);
    if (r)
        return cli_error(EXIT_FAIL, "meminfo: %s/meminfo: %s", table_escape(e, sizeof(e), o.root),
                         d.msg[0] ? d.msg : "cannot be read");
    struct vml_text zt = { 0 };
    struct reserves res = { 0, 0 };
    r = vml_live_read(o.root, "zoneinfo", &zt);
    if (r == 0)
        r = vml_proc_parse_zoneinfo(zt.s ? zt.s : "", zt.len, add_zone, &res, &d);
    vml_text_free(&zt);
    if (r)
        return cli_error(EXIT_FAIL, "meminfo: %s/zoneinfo%s%s", table_escape(e, sizeof(e), o.root),
                         r == VML_EPARSE ? ": " : ": cannot be read", r == VML_EPARSE ? d.msg : "");
    static struct rows rows;
    rows.n = 0;
    const char *where = "where";
    uint64_t file = mi.cached > mi.shmem ? mi.cached - mi.shmem : 0;
    uint64_t listed = mi.mem_free + mi.anon_pages + file + mi.buffers + mi.shmem + mi.swap_cached +
                      mi.slab + mi.kernel_stack + mi.page_tables + mi.sec_page_tables + mi.hugetlb +
                      mi.percpu;
    add(&rows, where, "Total", mi.mem_total, "MemTotal");
    add(&rows, where, "Free", mi.mem_free, "MemFree");
    add(&rows, where, "Anonymous (processes)", mi.anon_pages, "AnonPages");
    add(&rows, where, "  of which huge pages", mi.anon_huge_pages, "AnonHugePages");
    add(&rows, where, "File page cache", file, "Cached - Shmem");
    add(&rows, where, "  of which dirty", mi.dirty, "Dirty");
    add(&rows, where, "Block device buffers", mi.buffers, "Buffers");
    add(&rows, where, "Shmem (tmpfs, shm, memfd)", mi.shmem, "Shmem");
    add(&rows, where, "Swap cache", mi.swap_cached, "SwapCached");
    add(&rows, where, "Slab, reclaimable", mi.sreclaimable, "SReclaimable");
    add(&rows, where, "Slab, unreclaimable", mi.sunreclaim, "SUnreclaim");
    add(&rows, where, "Kernel stacks", mi.kernel_stack, "KernelStack");
    add(&rows, where, "Page tables", mi.page_tables + mi.sec_page_tables,
        "PageTables + SecPageTables");
    add(&rows, where, "Huge page pool", mi.hugetlb, "Hugetlb");
    add(&rows, where, "Per-CPU allocations", mi.percpu, "Percpu");
    add(&rows, where, "Not itemised (other kernel)",
        mi.mem_total > listed ? mi.mem_total - listed : 0, "MemTotal - the rows above");
    /* si_mem_available, in pages as the kernel does it. */
    const char *av = "MemAvailable";
    uint64_t free = mi.mem_free / 4, pagecache = (mi.active_file + mi.inactive_file) / 4;
    uint64_t reclaimable = mi.kreclaimable / 4;
    int64_t avail = (int64_t)free - (int64_t)res.totalreserve;
    uint64_t keep_cache = min64(pagecache / 2, res.low), keep_rec = min64(reclaimable / 2, res.low);
    avail += (int64_t)(pagecache - keep_cache) + (int64_t)(reclaimable - keep_rec);
    uint64_t computed = avail > 0 ? (uint64_t)avail * 4 : 0;
    add(&rows, av, "free pages", free * 4, "MemFree");
    add(&rows, av, "- reserved (watermarks, lowmem)", res.totalreserve * 4,
        "zoneinfo: min(managed, high + max protection)");
    add(&rows, av, "+ page cache", pagecache * 4, "Active(file) + Inactive(file)");
    add(&rows, av, "- page cache kept", keep_cache * 4, "min(half, low watermarks)");
    add(&rows, av, "+ reclaimable kernel memory", reclaimable * 4, "KReclaimable");
    add(&rows, av, "- reclaimable kept", keep_rec * 4, "min(half, low watermarks)");
    add(&rows, av, "= computed", computed, "si_mem_available");
    add(&rows, av, computed == mi.mem_available ? "kernel's (same)" : "kernel's (differs)",
        mi.mem_available, "MemAvailable");
    static char names[VML_MAX_NODES][32];
    add_nodes(&rows, sys, names);
    static const int labels[] = { C_SECTION, C_ITEM, -1 };
    table_cut_note(stdout, table_print(stdout, &o, cols, NC, rows.c, rows.n, NULL, labels));
    return EXIT_OK;
}

const struct cli_command cli_cmd_meminfo = {
    .name = "meminfo",
    .summary = "/proc/meminfo explained: where memory is, MemAvailable in the kernel's terms",
    .run = run,
    .help = help,
};
