/* cli/cmd_cgroup.c: vmlab cgroup: one memory cgroup's memory.stat explained: what its usage is
 * made of, what reclaim could take back, against its limits, with its events. */
#include "cli/cli.h"
#include "cli/memcg_view.h"
#include "cli/table.h"

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab cgroup [PATH] [--units human|B|K|M|G]\n"
          "                    [--format text|json|csv|prometheus] [--json] [--csv] [--wide]\n"
          "                    [--sys DIR] [--proc DIR]\n\n"
          "One memory cgroup's memory.stat explained: what its usage is made of, what reclaim\n"
          "could take back, its limits and its events. PATH is the group's path below the\n"
          "hierarchy's root (e.g. /system.slice/foo.service; default /, the root), or its\n"
          "directory (/sys/fs/cgroup/...). The hierarchy is cgroup v2's at SYS/fs/cgroup when it\n"
          "holds the memory controller, else v1's at SYS/fs/cgroup/memory. An unknown PATH is an\n"
          "error, and so is a file of the group that cannot be read or does not parse.\n\n"
          "usage    memory.current (v2) or memory.usage_in_bytes (v1), both counting the\n"
          "         descendants, and its parts: anonymous memory (anon; v1 total_rss), the page\n"
          "         cache (file; v1 total_cache: both include shmem) with its shmem, mapped,\n"
          "         dirty and writeback parts, kernel memory (kernel: slab, stacks, page\n"
          "         tables, per-CPU, vmalloc where the kernel prints them; v1\n"
          "         memory.kmem.usage_in_bytes), socket buffers and hugetlb (v2), then what the\n"
          "         parts leave of the usage (the counter and the statistics are read apart,\n"
          "         and per-CPU charge caches hold a little). The v1 root's usage is the whole\n"
          "         machine's page cache and anonymous memory (mem_cgroup_usage): kernel memory\n"
          "         is shown apart; the v2 root has no memory.current (no usage row).\n"
          "swap     swap used (memory.swap.current; v1 total_swap) and the swap cache.\n"
          "reclaim  what reclaim of the group could free (mm/vmscan.c): the file LRU lists, the\n"
          "         clean pages at once and the dirty or writeback ones once written; the anon\n"
          "         LRU lists (anonymous and shmem pages) only into swap, so only when the\n"
          "         swappiness is above 0 (get_scan_count: a group's reclaim never swaps at 0;\n"
          "         v2 uses vm.swappiness, v1 the group's memory.swappiness) and up to the swap\n"
          "         room (mem_cgroup_get_nr_swap_pages: free swap, and on v2 swap.max -\n"
          "         swap.current of the group and each ancestor); unevictable pages never.\n"
          "         Reclaimable slab is shown, not counted: shrinkers free what they can.\n"
          "limits   v2 memory.max, high, low, min, swap.max; v1 limit_in_bytes,\n"
          "         soft_limit_in_bytes, memsw.limit_in_bytes and the hierarchical limits\n"
          "         (the lowest of the group's and its ancestors'); the room below the limit.\n"
          "events   v2 memory.events (low, high, max, oom, oom_kill ...); v1 memory.failcnt,\n"
          "         memsw.failcnt and memory.oom_control; and from memory.stat the reclaim\n"
          "         activity: pages scanned and stolen, refaults, major faults. Counters since\n"
          "         the group was made.\n\n"
          "  --sys DIR       read the cgroups under DIR/fs/cgroup (default /sys)\n"
          "  --proc DIR      read free swap (meminfo) and vm.swappiness (sys/vm/swappiness, 60\n"
          "                  when missing) from DIR instead of /proc; needs --sys (the cgroups\n"
          "                  of that machine)\n"
          "  --units U       sizes in text: human (default, K/M/G with one decimal) or fixed\n"
          "  --format F      text (default), json, csv (RFC 4180), prometheus; --json and --csv\n"
          "                  are short; one row per figure: Section, What, Bytes or Count,\n"
          "                  From (the file or key it comes from); no limit is 'max' (+Inf)\n"
          "  --wide          on a terminal, print lines whole (else cut to its width, '+')\n",
          out);
}

enum { C_CGROUP, C_SECTION, C_ITEM, C_BYTES, C_COUNT, C_FROM, NC };

static const struct col cols[NC] = {
    [C_CGROUP] = { "Cgroup", COL_STR, NULL, NULL, "cgroup", true, true },
    [C_SECTION] = { "Section", COL_STR, NULL, NULL, "section", true, false },
    [C_ITEM] = { "What", COL_STR, NULL, NULL, "item", true, false },
    [C_BYTES] = { "Bytes", COL_BYTES, "vmlab_cgroup_bytes",
                  "A memory cgroup's memory by what holds it, limits and reclaimable memory.", NULL,
                  false, false },
    [C_COUNT] = { "Count", COL_INT, "vmlab_cgroup_count",
                  "A memory cgroup's events and settings (counts).", NULL, false, false },
    [C_FROM] = { "From", COL_STR, NULL, NULL, "source", true, false },
};

#define MAX_ROWS 96

struct rows {
    union cell c[MAX_ROWS * NC];
    size_t n;
    const char *cgroup;
};

static union cell *add(struct rows *r, const char *section, const char *item, const char *from)
{
    if (r->n == MAX_ROWS)
        return NULL;
    union cell *row = r->c + r->n++ * NC;
    row[C_CGROUP].s = r->cgroup;
    row[C_SECTION].s = section;
    row[C_ITEM].s = item;
    row[C_BYTES].b = CELL_BLANK_BYTES;
    row[C_COUNT].i = CELL_BLANK_INT;
    row[C_FROM].s = from;
    return row;
}

static void add_bytes(struct rows *r, const char *section, const char *item, uint64_t b,
                      const char *from)
{
    union cell *row = add(r, section, item, from);
    if (row)
        row[C_BYTES].b = b;
}

static void add_limit(struct rows *r, const char *section, const char *item, uint64_t b,
                      const char *from)
{
    add_bytes(r, section, item, memcg_view_limit_cell(b), from);
}

static void add_count(struct rows *r, const char *section, const char *item, uint64_t n,
                      const char *from)
{
    union cell *row = add(r, section, item, from);
    if (row)
        row[C_COUNT].i = n > INT64_MAX ? INT64_MAX : (int64_t)n;
}

/* The memory.stat keys of one version for the figures both explain: v1's hierarchical total_*
 * (memory.usage_in_bytes counts the descendants, as v2's memory.current does). */
struct keys {
    int anon, thp, file, shmem, mapped, dirty, wb, swapcached;
    int ia, aa, inf, af, unev, rfa, rff, majf;
};
static const struct keys keys_v2 = {
    VML_MCS_ANON,           VML_MCS_ANON_THP,        VML_MCS_FILE,
    VML_MCS_SHMEM,          VML_MCS_FILE_MAPPED,     VML_MCS_FILE_DIRTY,
    VML_MCS_FILE_WRITEBACK, VML_MCS_SWAPCACHED,      VML_MCS_INACTIVE_ANON,
    VML_MCS_ACTIVE_ANON,    VML_MCS_INACTIVE_FILE,   VML_MCS_ACTIVE_FILE,
    VML_MCS_UNEVICTABLE,    VML_MCS_WS_REFAULT_ANON, VML_MCS_WS_REFAULT_FILE,
    VML_MCS_PGMAJFAULT,
};
static const struct keys keys_v1 = {
    VML_MCS_T_RSS,         VML_MCS_T_RSS_HUGE,        VML_MCS_T_CACHE,
    VML_MCS_T_SHMEM,       VML_MCS_T_MAPPED_FILE,     VML_MCS_T_DIRTY,
    VML_MCS_T_WRITEBACK,   VML_MCS_T_SWAPCACHED,      VML_MCS_T_INACTIVE_ANON,
    VML_MCS_T_ACTIVE_ANON, VML_MCS_T_INACTIVE_FILE,   VML_MCS_T_ACTIVE_FILE,
    VML_MCS_T_UNEVICTABLE, VML_MCS_T_WS_REFAULT_ANON, VML_MCS_T_WS_REFAULT_FILE,
    VML_MCS_T_PGMAJFAULT,
};

static bool got(const struct vml_memcg_stat *s, int k, uint64_t *v)
{
    *v = s->v[k];
    return (s->have >> k) & 1u;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* vm.swappiness of the /proc tree, 60 (the kernel's default) when it has none. */
static uint64_t vm_swappiness(const char *root)
{
    struct vml_text t = { 0 };
    uint64_t v = 60, x;
    if (vml_live_read(root, "sys/vm/swappiness", &t) == 0 && t.s &&
        vml_proc_parse_memcg_value(t.s, t.len, &x, NULL) == 0 && x <= 200)
        v = x;
    vml_text_free(&t);
    return v;
}

/* usage: what the counter holds and its parts. Returns whether the usage is known (*usage). */
static bool usage_rows(struct rows *r, const struct vml_memcg_tree *t, const struct vml_memcg *g,
                       const struct vml_memcg_detail *d, uint64_t *usage)
{
    const struct vml_memcg_stat *s = &d->stat;
    bool v1 = t->version == 1, root = g->depth == 0;
    const struct keys *k = v1 ? &keys_v1 : &keys_v2;
    const char *sec = "usage";
    bool have_usage = (g->have & VML_MEMCG_HAVE_USAGE) != 0;
    *usage = g->usage;
    if (have_usage)
        add_bytes(r, sec, "Usage", g->usage, v1 ? "memory.usage_in_bytes" : "memory.current");
    uint64_t v, sum = 0;
    if (got(s, k->anon, &v)) {
        add_bytes(r, sec, "Anonymous", v, v1 ? "total_rss" : "anon");
        sum += v;
    }
    if (got(s, k->thp, &v))
        add_bytes(r, sec, "  of which transparent huge pages", v,
                  v1 ? "total_rss_huge" : "anon_thp");
    if (got(s, k->file, &v)) {
        add_bytes(r, sec, "Page cache (shmem included)", v, v1 ? "total_cache" : "file");
        sum += v;
    }
    if (got(s, k->shmem, &v))
        add_bytes(r, sec, "  of which shmem (tmpfs, shm, memfd)", v, v1 ? "total_shmem" : "shmem");
    if (got(s, k->mapped, &v))
        add_bytes(r, sec, "  of which mapped", v, v1 ? "total_mapped_file" : "file_mapped");
    if (got(s, k->dirty, &v))
        add_bytes(r, sec, "  of which dirty", v, v1 ? "total_dirty" : "file_dirty");
    if (got(s, k->wb, &v))
        add_bytes(r, sec, "  of which under writeback", v,
                  v1 ? "total_writeback" : "file_writeback");
    if (v1) {
        /* mem_cgroup_usage: the root's usage is NR_FILE_PAGES + NR_ANON_MAPPED of the machine,
         * without kernel memory; a group's is its page counter, which kmem charges too. */
        if (d->have & VML_MCD_KMEM_USAGE) {
            add_bytes(r, sec, root ? "Kernel (not in the root's usage)" : "Kernel", d->kmem_usage,
                      "memory.kmem.usage_in_bytes");
            if (!root)
                sum += d->kmem_usage;
        }
    } else {
        static const struct {
            int key;
            const char *item;
        } parts[] = {
            { VML_MCS_SLAB_RECLAIMABLE, "  slab reclaimable" },
            { VML_MCS_SLAB_UNRECLAIMABLE, "  slab unreclaimable" },
            { VML_MCS_KERNEL_STACK, "  kernel stacks" },
            { VML_MCS_PAGETABLES, "  page tables" },
            { VML_MCS_SEC_PAGETABLES, "  secondary page tables (KVM)" },
            { VML_MCS_PERCPU, "  per-CPU" },
            { VML_MCS_VMALLOC, "  vmalloc" },
        };
        uint64_t kernel = 0, listed = 0;
        bool have_kernel = got(s, VML_MCS_KERNEL, &kernel), any = false;
        size_t at = r->n;
        add_bytes(r, sec, "Kernel", 0, have_kernel ? "kernel" : "the lines below (no 'kernel')");
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            if (!got(s, parts[i].key, &v))
                continue;
            add_bytes(r, sec, parts[i].item, v, vml_memcg_stat_name(parts[i].key));
            listed += v;
            any = true;
        }
        if (have_kernel)
            add_bytes(r, sec, "  other kernel memory", sub0(kernel, listed),
                      "kernel - the lines above");
        else
            kernel = listed;
        if (have_kernel || any) {
            r->c[at * NC + C_BYTES].b = kernel;
            sum += kernel;
        } else {
            r->n = at; /* no kernel figures at all */
        }
        if (got(s, VML_MCS_SOCK, &v)) {
            add_bytes(r, sec, "Socket buffers", v, "sock");
            sum += v;
        }
        if (got(s, VML_MCS_HUGETLB, &v)) {
            add_bytes(r, sec, "HugeTLB pages", v, "hugetlb");
            sum += v;
        }
    }
    if (have_usage) {
        if (g->usage >= sum)
            add_bytes(r, sec, "Not itemised", g->usage - sum, "usage - the parts above");
        else
            add_bytes(r, sec, "Parts beyond the usage", sum - g->usage,
                      "the parts above - usage (read at other moments)");
    }
    return have_usage;
}

static void swap_rows(struct rows *r, const struct vml_memcg_tree *t,
                      const struct vml_memcg_detail *d, const struct vml_memcg *g)
{
    const struct vml_memcg_stat *s = &d->stat;
    const char *sec = "swap";
    uint64_t v;
    if (t->version == 1) {
        if (got(s, VML_MCS_T_SWAP, &v))
            add_bytes(r, sec, "Swap used", v, "total_swap");
        else if ((d->have & VML_MCD_MEMSW_USAGE) && (g->have & VML_MEMCG_HAVE_USAGE))
            add_bytes(r, sec, "Swap used", sub0(d->memsw_usage, g->usage),
                      "memory.memsw.usage_in_bytes - memory.usage_in_bytes");
    } else if (d->have & VML_MCD_SWAP_CURRENT) {
        add_bytes(r, sec, "Swap used", d->swap_current, "memory.swap.current");
    }
    const struct keys *k = t->version == 1 ? &keys_v1 : &keys_v2;
    if (got(s, k->swapcached, &v))
        add_bytes(r, sec, "Swap cache (also in anon or shmem)", v,
                  t->version == 1 ? "total_swapcached" : "swapcached");
}

static void reclaim_rows(struct rows *r, const struct vml_memcg_tree *t,
                         const struct vml_memcg_detail *d, uint64_t room, uint64_t swappiness,
                         bool have_usage, uint64_t usage)
{
    const struct vml_memcg_stat *s = &d->stat;
    bool v1 = t->version == 1;
    const struct keys *k = v1 ? &keys_v1 : &keys_v2;
    const char *sec = "reclaim";
    uint64_t ia, aa, inf, af, dirty = 0, wb = 0, unev;
    bool have_if = got(s, k->inf, &inf), have_af = got(s, k->af, &af);
    bool have_ia = got(s, k->ia, &ia), have_aa = got(s, k->aa, &aa);
    bool file = have_if && have_af, anon = have_ia && have_aa;
    got(s, k->dirty, &dirty);
    got(s, k->wb, &wb);
    uint64_t total = 0;
    if (file) {
        /* shrink_folio_list: a dirty folio is queued for writeback, freed once written; a
         * folio under writeback waits for it. */
        uint64_t lru = inf + af, unclean = min64(lru, dirty + wb);
        add_bytes(r, sec, "File LRU clean: freed at once", lru - unclean,
                  v1 ? "total_inactive_file + total_active_file - total_dirty - total_writeback"
                     : "inactive_file + active_file - file_dirty - file_writeback");
        add_bytes(r, sec, "File LRU dirty/writeback: once written", unclean,
                  v1 ? "total_dirty + total_writeback" : "file_dirty + file_writeback");
        total += lru;
    }
    add_bytes(r, sec, "Swap room", room,
              v1 ? "SwapFree (v1 limits memory + swap together, not swap)"
                 : "SwapFree, capped by swap.max - swap.current here and above");
    add_count(r, sec, "Swappiness", swappiness,
              v1 ? "memory.swappiness" : "vm.swappiness (v2 groups use it)");
    if (anon) {
        /* get_scan_count: no anon scan without swap room (can_reclaim_anon_pages) nor, in a
         * cgroup's reclaim, at swappiness 0. */
        uint64_t lru = ia + aa, out = swappiness && room ? min64(lru, room) : 0;
        add_bytes(r, sec, "Anon LRU (anon + shmem): into swap", out,
                  v1 ? "total_inactive_anon + total_active_anon, up to the swap room"
                     : "inactive_anon + active_anon, up to the swap room");
        add_bytes(r, sec,
                  !swappiness ? "Anon LRU kept: swappiness 0"
                  : !room     ? "Anon LRU kept: no swap room"
                              : "Anon LRU kept: beyond the swap room",
                  lru - out, "the anon LRU lists - the line above");
        total += out;
    }
    if (got(s, k->unev, &unev))
        add_bytes(r, sec, "Unevictable: never (mlocked or ramfs)", unev,
                  v1 ? "total_unevictable" : "unevictable");
    uint64_t v;
    if (got(s, VML_MCS_SLAB_RECLAIMABLE, &v))
        add_bytes(r, sec, "Reclaimable slab: not counted", v, "slab_reclaimable");
    if (file || anon) {
        add_bytes(r, sec, "Reclaimable", total, "the file LRU + anon into swap");
        if (have_usage)
            add_bytes(r, sec, "Usage left after it", sub0(usage, total), "usage - reclaimable");
    }
}

static void limit_rows(struct rows *r, const struct vml_memcg_tree *t, const struct vml_memcg *g,
                       const struct vml_memcg_detail *d, bool have_usage, uint64_t usage)
{
    const char *sec = "limits";
    uint64_t lowest = VML_MEMCG_UNLIMITED;
    const char *from = NULL;
    if (t->version == 2) {
        if (g->depth == 0)
            return; /* the root has none (CFTYPE_NOT_ON_ROOT) */
        if (g->have & VML_MEMCG_HAVE_LIMIT) {
            add_limit(r, sec, "memory.max", g->limit, "memory.max");
            lowest = g->limit;
            from = "memory.max - usage";
        }
        if (d->have & VML_MCD_HIGH)
            add_limit(r, sec, "memory.high (throttled above)", d->high, "memory.high");
        if (d->have & VML_MCD_LOW)
            add_limit(r, sec, "memory.low (protected below)", d->low, "memory.low");
        if (d->have & VML_MCD_MIN)
            add_limit(r, sec, "memory.min (never reclaimed below)", d->min, "memory.min");
        if (g->have & VML_MEMCG_HAVE_SWAP)
            add_limit(r, sec, "memory.swap.max", g->swap_limit, "memory.swap.max");
    } else {
        const struct vml_memcg_stat *s = &d->stat;
        uint64_t v;
        if (g->have & VML_MEMCG_HAVE_LIMIT)
            add_limit(r, sec, "limit_in_bytes", g->limit, "memory.limit_in_bytes");
        if (d->have & VML_MCD_SOFT_LIMIT)
            add_limit(r, sec, "soft_limit_in_bytes (under pressure)", d->soft_limit,
                      "memory.soft_limit_in_bytes");
        if (g->have & VML_MEMCG_HAVE_SWAP)
            add_limit(r, sec, "memsw.limit_in_bytes (memory + swap)", g->swap_limit,
                      "memory.memsw.limit_in_bytes");
        if (got(s, VML_MCS_H_MEMORY_LIMIT, &v)) {
            add_limit(r, sec, "Lowest limit here and above", v, "hierarchical_memory_limit");
            lowest = v;
            from = "hierarchical_memory_limit - usage";
        } else if (g->have & VML_MEMCG_HAVE_LIMIT) {
            lowest = g->limit;
            from = "memory.limit_in_bytes - usage";
        }
        if (got(s, VML_MCS_H_MEMSW_LIMIT, &v))
            add_limit(r, sec, "Lowest memory+swap limit here and above", v,
                      "hierarchical_memsw_limit");
    }
    if (from && have_usage && lowest != VML_MEMCG_UNLIMITED)
        add_bytes(r, sec, "Room below the limit", sub0(lowest, usage), from);
}

static void event_rows(struct rows *r, const struct vml_memcg_tree *t, const struct vml_memcg *g,
                       const struct vml_memcg_detail *d)
{
    const char *sec = "events";
    const struct vml_memcg_stat *s = &d->stat;
    bool v1 = t->version == 1;
    if (!v1) {
        for (size_t i = 0; i < d->nevents; i++)
            add_count(r, sec, d->events[i].name, d->events[i].value, "memory.events");
    } else {
        if (g->have & VML_MEMCG_HAVE_FAILCNT)
            add_count(r, sec, "failcnt (charges over the limit)", g->failcnt, "memory.failcnt");
        if (d->have & VML_MCD_MEMSW_FAILCNT)
            add_count(r, sec, "memsw.failcnt", d->memsw_failcnt, "memory.memsw.failcnt");
        if (g->have_ev & (1u << VML_MEMCG_EV_OOM_KILL))
            add_count(r, sec, "oom_kill", g->ev[VML_MEMCG_EV_OOM_KILL], "memory.oom_control");
        if (d->have & VML_MCD_OOM_CONTROL) {
            add_count(r, sec, "under_oom", d->under_oom, "memory.oom_control");
            add_count(r, sec, "oom_kill_disable", d->oom_kill_disable, "memory.oom_control");
        }
    }
    const struct keys *k = v1 ? &keys_v1 : &keys_v2;
    static const int v2_only[] = { VML_MCS_PGSCAN, VML_MCS_PGSTEAL };
    uint64_t v;
    if (!v1)
        for (size_t i = 0; i < 2; i++)
            if (got(s, v2_only[i], &v))
                add_count(r, sec,
                          v2_only[i] == VML_MCS_PGSCAN ? "pages scanned by reclaim"
                                                       : "pages reclaimed",
                          v, vml_memcg_stat_name(v2_only[i]));
    if (got(s, k->rfa, &v))
        add_count(r, sec, "refaults of anon pages", v, vml_memcg_stat_name(k->rfa));
    if (got(s, k->rff, &v))
        add_count(r, sec, "refaults of file pages", v, vml_memcg_stat_name(k->rff));
    if (got(s, k->majf, &v))
        add_count(r, sec, "major faults", v, vml_memcg_stat_name(k->majf));
}

/* PATH below the hierarchy, from a path below its root or the group's directory. */
static const char *below_mount(const char *path, const char *mount)
{
    size_t n = strlen(mount);
    if (strncmp(path, mount, n) == 0 && (path[n] == '/' || path[n] == 0))
        return path[n] ? path + n : "/";
    return path;
}

static int run(int argc, char **argv)
{
    struct table_opts o;
    table_opts_init(&o);
    const char *sys = NULL, *path = NULL;
    char e[256];
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
        if (argv[i][0] == '-' || path)
            return cli_error(EXIT_USAGE, "cgroup: %s argument '%s' (see vmlab help cgroup)",
                             path ? "one PATH only: extra" : "unknown",
                             table_escape(e, sizeof(e), argv[i]));
        path = argv[i];
    }
    const char *root = o.root;
    if (!sys && strcmp(root, "/proc") != 0)
        return cli_error(EXIT_USAGE,
                         "cgroup: --proc %s needs --sys DIR (the cgroups of that machine)",
                         table_escape(e, sizeof(e), root));
    if (!sys)
        sys = "/sys";
    struct vml_meminfo mi;
    struct vml_diag d = { 0 };
    int r = vml_live_meminfo(root, &mi, &d);
    if (r)
        return cli_error(EXIT_FAIL, "cgroup: cannot read %s/meminfo%s%s",
                         table_escape(e, sizeof(e), root), d.msg[0] ? ": " : "", d.msg);
    struct vml_memcg_tree tree = { 0 };
    if ((r = memcg_view_open("cgroup", sys, &tree)) != 0)
        return r;
    const char *want = below_mount(path ? path : "/", tree.mount);
    long gi = vml_memcg_find(&tree, want);
    if (gi < 0) {
        char em[256];
        cli_error(EXIT_USAGE, "cgroup: %s: no such memory cgroup in %s",
                  table_escape(e, sizeof(e), path), table_escape(em, sizeof(em), tree.mount));
        vml_memcg_tree_free(&tree);
        return EXIT_USAGE;
    }
    const struct vml_memcg *g = &tree.g[gi];
    if (g->error[0]) {
        char ep[256];
        /* Its own files, strictly: a figure of this report that cannot be had is an error. */
        cli_error(EXIT_FAIL, "cgroup: %s%s: %s", table_escape(e, sizeof(e), tree.mount),
                  table_escape(ep, sizeof(ep), g->depth ? g->path : ""), g->error);
        vml_memcg_tree_free(&tree);
        return EXIT_FAIL;
    }
    static struct vml_memcg_detail det;
    struct vml_diag dd = { 0 };
    if ((r = vml_memcg_detail_read(&tree, g, &det, &dd)) != 0) {
        vml_memcg_tree_free(&tree);
        if (r == VML_EHOST)
            return cli_error(EXIT_FAIL, "cgroup: out of memory");
        return cli_diag_error(EXIT_FAIL, "cgroup", &dd);
    }
    uint64_t swappiness = tree.version == 1 && (g->have & VML_MEMCG_HAVE_SWAPPY)
                              ? g->swappiness
                              : vm_swappiness(root);
    uint64_t room = vml_memcg_swap_room(&tree, (size_t)gi, mi.swap_free << 10);
    static struct rows rows;
    rows.n = 0;
    rows.cgroup = g->path;
    uint64_t usage = 0;
    bool have_usage = usage_rows(&rows, &tree, g, &det, &usage);
    swap_rows(&rows, &tree, &det, g);
    reclaim_rows(&rows, &tree, &det, room, swappiness, have_usage, usage);
    limit_rows(&rows, &tree, g, &det, have_usage, usage);
    event_rows(&rows, &tree, g, &det);
    if (o.fmt == FMT_TEXT)
        printf("cgroup %s: cgroup v%d at %s\n", g->path, tree.version, tree.mount);
    static const int labels[] = { C_CGROUP, C_SECTION, C_ITEM, -1 };
    size_t cut = table_print(stdout, &o, cols, NC, rows.c, rows.n, NULL, labels);
    if (o.fmt == FMT_TEXT) {
        if (g->depth == 0 && tree.version == 2)
            puts("The v2 root has no memory.current, limits or events: no usage row.");
        if (g->depth == 0 && tree.version == 1)
            puts("The v1 root's usage is the machine's page cache + anonymous memory "
                 "(mem_cgroup_usage): kernel memory is not in it.");
        puts("Reclaim frees file pages (dirty ones once written back) and, into swap, anon and "
             "shmem pages; never unevictable ones (vmlab help cgroup).");
        table_cut_note(stdout, cut);
    }
    vml_memcg_tree_free(&tree);
    return EXIT_OK;
}

const struct cli_command cli_cmd_cgroup = {
    .name = "cgroup",
    .summary = "a memory cgroup's memory.stat explained: usage, reclaimable, limits, events",
    .run = run,
    .help = help,
};
