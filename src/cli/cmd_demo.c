/* cli/cmd_demo.c: vmlab demo: a short tour of the simulated memory hardware alone. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab demo [--cpu SPEC] [--paging 4|5] [--ram SIZE] [--nodes N]\n\n"
          "A tour of the simulated x86-64 memory hardware: a machine's physical memory and its\n"
          "buddy allocator (/proc/buddyinfo), an address space with 4 KiB, 2 MiB and 1 GiB pages\n"
          "in real page-table format, translations through the TLBs, page-walk caches and the\n"
          "walk (with A/D bits and faults), TLB statistics of a few scans, and what a 1 TiB\n"
          "simulated machine costs in host memory.\n\n"
          "  --cpu SPEC     CPU model (default skylake; see vmlab cpu list)\n"
          "  --paging 4|5   paging levels (default 4; 5 needs a CPU with la57, e.g. icelake)\n"
          "  --ram SIZE     simulated RAM (default 16G, at least 4G here for the 1 GiB page)\n"
          "  --nodes N      NUMA nodes, 1..8 (default 2)\n",
          out);
}

struct demo {
    struct vml_phys *phys;
    struct vml_pt *pt;
    struct vml_cpu *cpu;
    unsigned levels;
};

struct mapping {
    const char *name;
    uint64_t va;
    enum vml_page_size ps;
    unsigned pages;
    uint64_t flags;
    const char *perms;
};

static const struct mapping maps[] = {
    { "code", 0x400000, VML_PS_4K, 4, VML_PTE_US, "r-x" },
    { "data", 0x600000, VML_PS_4K, 16, VML_PTE_US | VML_PTE_RW | VML_PTE_NX, "rw-" },
    { "huge 2M", 0x7f0000000000, VML_PS_2M, 1, VML_PTE_US | VML_PTE_RW | VML_PTE_NX, "rw-" },
    { "huge 1G", 0x7f0040000000, VML_PS_1G, 1, VML_PTE_US | VML_PTE_RW | VML_PTE_NX, "rw-" },
};

/* Allocates a page of size ps from node first % nodes, else from the next nodes in turn (the
 * demo's own fallback; the simulated kernel's zonelists do this properly): 4 KiB and 2 MiB
 * pages from the buddy allocator, 1 GiB ones from a fully free aligned GiB, as
 * alloc_contig_pages() takes them. */
static int alloc_any_node(struct vml_phys *phys, unsigned first, enum vml_page_size ps,
                          uint64_t *pfn)
{
    unsigned n = vml_phys_nr_nodes(phys);
    int r = VML_ENOMEM;
    for (unsigned k = 0; k < n && r == VML_ENOMEM; k++) {
        unsigned node = (first + k) % n;
        r = ps == VML_PS_1G ? vml_phys_alloc_contig(phys, node, VML_USE_TEST, pfn)
                            : vml_phys_alloc(phys, node, 9 * (unsigned)ps, VML_USE_TEST, pfn);
    }
    return r;
}

static int map_all(struct demo *d)
{
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        const struct mapping *m = &maps[i];
        uint64_t size = 1ull << vml_ps_shift(m->ps);
        for (unsigned p = 0; p < m->pages; p++) {
            uint64_t pfn;
            int r = alloc_any_node(d->phys, (unsigned)i, m->ps, &pfn);
            if (r == VML_ENOMEM)
                return cli_error(EXIT_USAGE,
                                 "demo: no node has a free %s block for the %s mapping (it needs "
                                 "a free range aligned to its size in one zone of a node: about "
                                 "twice that much RAM on the node); give more --ram or fewer "
                                 "--nodes",
                                 vml_ps_name(m->ps), m->name);
            if (r == 0)
                r = vml_pt_map(d->pt, m->va + p * size, pfn, m->ps, m->flags);
            if (r)
                return cli_error(EXIT_FAIL, "demo: mapping %s failed: %s", m->name,
                                 vml_strerror(r));
        }
    }
    return 0;
}

static void print_mappings(void)
{
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        const struct mapping *m = &maps[i];
        char sz[32];
        uint64_t bytes = (uint64_t)m->pages << vml_ps_shift(m->ps);
        printf("  %-8s 0x%016llx %3u x %s %s  %s\n", m->name, (unsigned long long)m->va, m->pages,
               vml_ps_name(m->ps), m->perms, vml_format_size(bytes, sz, sizeof(sz)));
    }
}

static void print_tables(const struct demo *d)
{
    static const char *names[6] = { "", "PT", "PD", "PDPT", "PML4", "PML5" };
    struct vml_pt_stats st;
    vml_pt_stats(d->pt, &st);
    printf("\nPage-table frames: %llu (", (unsigned long long)st.nr_tables);
    for (unsigned l = d->levels; l >= 1; l--)
        printf("%s %llu%s", names[l], (unsigned long long)st.tables[l], l > 1 ? ", " : "");
    printf(") = %llu KiB taken from simulated RAM.\n", (unsigned long long)st.nr_tables * 4);
}

static void translate(struct demo *d, uint64_t va, enum vml_access acc, const char *note)
{
    static const char *acc_names[3] = { "read", "write", "exec" };
    static const char *src[4] = { "L1 TLB hit", "STLB hit", "page walk", "fault" };
    struct vml_xlate x;
    printf("  %-5s 0x%016llx ", acc_names[acc], (unsigned long long)va);
    if (vml_mmu_translate(d->cpu, va, acc, true, &x) == 0) {
        printf("-> pa 0x%011llx %s  %-10s %u refs %4u cycles", (unsigned long long)x.pa,
               vml_ps_name((enum vml_page_size)x.ps), src[x.src], x.walk_refs, x.cycles);
    } else {
        printf("-> %s fault at level %u, error code 0x%x, %u cycles",
               vml_fault_name((enum vml_fault_kind)x.fault.kind), x.fault.level, x.fault.error_code,
               x.cycles);
    }
    printf("%s%s\n", note ? "  " : "", note ? note : "");
}

static void show_entry(const struct demo *d, uint64_t va)
{
    struct vml_pt_leaf leaf;
    if (vml_pt_lookup(d->pt, va, &leaf) == 0)
        printf("        its leaf entry is now 0x%016llx (A=%d D=%d)\n",
               (unsigned long long)leaf.entry, (leaf.entry & VML_PTE_A) != 0,
               (leaf.entry & VML_PTE_D) != 0);
}

static void translations(struct demo *d)
{
    puts("\n== Translations (user mode)\n");
    translate(d, 0x400010, VML_EXEC, "first fetch: TLBs cold, full walk");
    translate(d, 0x400020, VML_EXEC, "same page: L1 iTLB");
    translate(d, 0x600008, VML_READ, "PWCs skip the upper levels");
    show_entry(d, 0x600008);
    translate(d, 0x600008, VML_WRITE, "hit, but D clear: walk to set D");
    show_entry(d, 0x600008);
    translate(d, 0x7f0000123456, VML_WRITE, "2 MiB page: the PD entry is the leaf");
    translate(d, 0x7f0040000000 + 0x12345678, VML_READ, "1 GiB page: the PDPT entry is the leaf");
    translate(d, 0x400000, VML_WRITE, "code is read-only");
    translate(d, 0x600000, VML_EXEC, "data is NX");
    translate(d, 0x800000, VML_READ, "nothing mapped");
    /* The first address past the user half: non-canonical for the paging mode in use. */
    translate(d, d->levels == 5 ? 0x0100000000000000ull : 0x0000800000000000ull, VML_READ,
              "the hole between the halves");
}

static void scans(struct demo *d)
{
    struct vml_xlate x;
    vml_cpu_reset_stats(d->cpu);
    vml_mmu_flush_all(d->cpu, true);
    for (int pass = 0; pass < 2; pass++)
        for (uint64_t off = 0; off < 16 * 4096; off += 64)
            vml_mmu_translate(d->cpu, 0x600000 + off, VML_READ, true, &x);
    for (uint64_t off = 0; off < (2u << 20); off += 4096)
        vml_mmu_translate(d->cpu, 0x7f0000000000 + off, VML_WRITE, true, &x);
    for (uint64_t off = 0; off < (1u << 30); off += 2u << 20)
        vml_mmu_translate(d->cpu, 0x7f0040000000 + off, VML_READ, true, &x);
    puts("\n== Scans: the 64 KiB data twice at a 64-byte stride, the 2 MiB page at a 4 KiB");
    puts("   stride (writes), the 1 GiB page at a 2 MiB stride (TLBs flushed first)\n");
    cli_print_mmu_stats(stdout, vml_cpu_model(d->cpu), vml_cpu_stats(d->cpu));
}

/* Creates a 1 TiB machine and allocates 1 GiB of it in 4 KiB frames. */
static int host_memory(void)
{
    struct vml_phys_config cfg = { .ram_bytes = VML_TiB, .nr_nodes = 4 };
    struct vml_phys *p;
    char a[32], b[32], c[32];
    if (vml_phys_create(&cfg, &p, NULL) != 0)
        return cli_error(EXIT_FAIL, "demo: cannot create a 1 TiB machine");
    uint64_t before = vml_phys_host_bytes(p), pfn;
    for (unsigned i = 0; i < (1u << 18); i++)
        if (vml_phys_alloc(p, 0, 0, VML_USE_TEST, &pfn) != 0) {
            vml_phys_destroy(p);
            return cli_error(EXIT_FAIL, "demo: allocation failed");
        }
    uint64_t after = vml_phys_host_bytes(p);
    puts("\n== Host memory follows use, not simulated size\n");
    printf("  a 1 TiB machine (4 nodes) holds %s of host memory;\n"
           "  after allocating 1 GiB of it as 262144 4 KiB frames: %s (%s per 128 MiB section\n"
           "  of frame metadata, created when first used)\n",
           vml_format_size_human(before, a, sizeof(a)), vml_format_size_human(after, b, sizeof(b)),
           vml_format_size(32768 * 64, c, sizeof(c)));
    vml_phys_destroy(p);
    return 0;
}

static int parse_args(int argc, char **argv, struct vml_cpu_model *model, unsigned *levels,
                      struct vml_phys_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        struct vml_diag dg = { 0 };
        if ((m = cli_opt(argc, argv, &i, "--cpu", &v)) != 0) {
            if (m < 0 || cli_parse_cpu(v, model))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--paging", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "4") != 0 && strcmp(v, "5") != 0)
                return cli_error(EXIT_USAGE, "--paging must be 4 or 5, not '%s'", v);
            *levels = (unsigned)(v[0] - '0');
        } else if ((m = cli_opt(argc, argv, &i, "--ram", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_size(v, &cfg->ram_bytes, &dg))
                return cli_error(EXIT_USAGE, "--ram: %s", dg.msg);
        } else if ((m = cli_opt(argc, argv, &i, "--nodes", &v)) != 0) {
            uint64_t n;
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &n, &dg) || n < 1 || n > VML_MAX_NODES)
                return cli_error(EXIT_USAGE, "--nodes must be 1..%d, not '%s'", VML_MAX_NODES, v);
            cfg->nr_nodes = (unsigned)n;
        } else {
            return cli_error(EXIT_USAGE, "demo: unknown argument '%s' (see vmlab demo --help)",
                             argv[i]);
        }
    }
    if (*levels == 5 && !model->la57)
        return cli_error(EXIT_USAGE,
                         "demo: CPU %s has no 5-level paging; pick one with la57 "
                         "(icelake, sapphirerapids, zen4) or add :la57=on",
                         model->name);
    if (cfg->ram_bytes < 4 * VML_GiB) {
        char sz[32];
        return cli_error(EXIT_USAGE,
                         "demo: --ram must be at least 4G (the tour maps a 1 GiB "
                         "page), not %s",
                         vml_format_size(cfg->ram_bytes, sz, sizeof(sz)));
    }
    return 0;
}

static int run(int argc, char **argv)
{
    struct vml_cpu_model model = *vml_cpu_preset_find("skylake");
    struct vml_phys_config cfg = { .ram_bytes = 16 * VML_GiB, .nr_nodes = 2 };
    struct demo d = { .levels = 4 };
    struct vml_diag dg = { 0 };
    int r = parse_args(argc, argv, &model, &d.levels, &cfg);
    if (r)
        return r;
    if ((r = vml_phys_create(&cfg, &d.phys, &dg)) != 0)
        return cli_error(EXIT_USAGE, "demo: %s", dg.msg);
    /* Everything that can fail happens before the first line is printed: no partial output. */
    char *bi = vml_phys_buddyinfo(d.phys); /* of the fresh machine */
    r = bi ? vml_pt_create(d.phys, d.levels, 0, &d.pt) : VML_EHOST;
    if (r == 0)
        r = vml_cpu_create(&model, d.phys, &d.cpu);
    if (r == 0)
        r = vml_cpu_load_cr3(d.cpu, vml_pt_root(d.pt), d.levels, 1, false);
    if (r == 0)
        r = map_all(&d);
    if (r < 0)
        r = cli_error(EXIT_FAIL, "demo: %s", vml_strerror(r));
    if (r == 0) {
        char sz[32], nsz[32];
        printf("== Machine\n\n%s of RAM in %u NUMA node%s (%s on node 0), CPU %s, %u-level "
               "paging\n",
               vml_format_size(cfg.ram_bytes, sz, sizeof(sz)), cfg.nr_nodes,
               cfg.nr_nodes > 1 ? "s" : "",
               vml_format_size(vml_phys_node_pages(d.phys, 0) * 4096, nsz, sizeof(nsz)), model.name,
               d.levels);
        printf("\n/proc/buddyinfo of the fresh machine (orders 0..%d, 4 KiB..4 MiB):\n%s",
               VML_MAX_ORDER, bi);
        printf("\n== Page tables\n\nAn address space (CR3 = pfn 0x%llx, PCID 1) with:\n",
               (unsigned long long)vml_pt_root(d.pt));
        print_mappings();
        print_tables(&d);
        translations(&d);
        scans(&d);
        r = host_memory();
    }
    free(bi);
    vml_cpu_destroy(d.cpu);
    vml_pt_destroy(d.pt);
    vml_phys_destroy(d.phys);
    return r;
}

const struct cli_command cli_cmd_demo = {
    .name = "demo",
    .summary = "a tour of the simulated memory hardware alone: tables, TLBs, walks",
    .run = run,
    .help = help,
};
