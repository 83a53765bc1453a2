/* trace/report.c: replay results as text, JSON and CSV rows. */
#include "vmlab/replay.h"

#include "util/text.h"
#include "vmlab/sim.h"

#include <stdio.h>
#include <string.h>

static uint64_t sum(const uint64_t *v, unsigned n)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s += v[i];
    return s;
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static void row(struct vml_text *t, const char *name, const uint64_t *v, unsigned n)
{
    text_printf(t, "  %-16s", name);
    for (unsigned i = 0; i < n; i++)
        text_printf(t, " %10llu", (unsigned long long)v[i]);
    if (n == VML_PS_COUNT)
        text_printf(t, " %10s", "");
    text_printf(t, " %10llu\n", (unsigned long long)sum(v, n));
}

void vml_mmu_stats_text(const struct vml_cpu_model *m, const struct vml_mmu_stats *s,
                        struct vml_text *t)
{
    uint64_t accesses = sum(s->accesses, VML_NR_ACCESS);
    text_printf(t, "  %-16s %10s %10s %10s %10s %10s\n", "", "4K", "2M", "1G", "fault", "total");
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        const struct vml_tlb_counts *c = &s->tlb[l];
        if (m->tlb[l].nr_arrays == 0 || sum(c->hits, VML_PS_COUNT) + sum(c->misses, 4) == 0)
            continue;
        char name[40];
        snprintf(name, sizeof(name), "%s hits", vml_tlb_level_name((enum vml_tlb_level)l));
        row(t, name, c->hits, VML_PS_COUNT);
        snprintf(name, sizeof(name), "%s misses", vml_tlb_level_name((enum vml_tlb_level)l));
        row(t, name, c->misses, VML_PS_COUNT + 1);
    }
    text_printf(t, "  %-16s", "walks done");
    for (unsigned p = 0; p < VML_PS_COUNT; p++)
        text_printf(t, " %10llu", (unsigned long long)s->walks_done[p]);
    text_printf(t, " %10llu %10llu\n", (unsigned long long)(s->walks - sum(s->walks_done, 3)),
                (unsigned long long)s->walks);
    text_printf(t, "\n  accesses %llu (read %llu, write %llu, exec %llu)\n",
                (unsigned long long)accesses, (unsigned long long)s->accesses[VML_READ],
                (unsigned long long)s->accesses[VML_WRITE],
                (unsigned long long)s->accesses[VML_EXEC]);
    text_printf(t,
                "  page-table references %llu (%.2f per walk), A/D updates %llu, dirty assists "
                "%llu\n",
                (unsigned long long)s->walk_refs, ratio(s->walk_refs, s->walks),
                (unsigned long long)s->ad_writes, (unsigned long long)s->dirty_assists);
    text_printf(t, "  page-walk cache hits/misses:");
    for (unsigned p = 0; p < VML_PWC_NR; p++)
        if (s->pwc_hits[p] + s->pwc_misses[p])
            text_printf(t, " %s %llu/%llu", vml_pwc_name((enum vml_pwc_level)p),
                        (unsigned long long)s->pwc_hits[p], (unsigned long long)s->pwc_misses[p]);
    text_printf(t, "\n");
    uint64_t faults = sum(s->faults, VML_NR_FAULT_KINDS);
    text_printf(t, "  faults %llu", (unsigned long long)faults);
    for (unsigned k = 1; k < VML_NR_FAULT_KINDS; k++)
        if (s->faults[k])
            text_printf(t, " %s=%llu", vml_fault_name((enum vml_fault_kind)k),
                        (unsigned long long)s->faults[k]);
    text_printf(t, "\n  modeled translation cycles %llu (%.2f per access)\n",
                (unsigned long long)s->cycles, ratio(s->cycles, accesses));
}

static const char *const level_names[6] = { "", "PT", "PD", "PDPT", "PML4", "PML5" };

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The translations retried after the kernel handled a fault, on two lines of their own: the
 * table above counts each access once, by its first translation. */
static void retries_text(const struct vml_cpu_model *m, const struct vml_mmu_stats *x,
                         struct vml_text *t)
{
    uint64_t n = sum(x->accesses, VML_NR_ACCESS), faults = sum(x->faults, VML_NR_FAULT_KINDS);
    if (!n)
        return;
    text_printf(t, "  retries after page faults, apart from the counts above: %llu translation%s",
                (unsigned long long)n, plural(n, "", "s"));
    if (faults)
        text_printf(t, ", %llu faulted again", (unsigned long long)faults);
    text_printf(t, ", %llu cycles\n   ", (unsigned long long)x->cycles);
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        const struct vml_tlb_counts *c = &x->tlb[l];
        uint64_t h = sum(c->hits, VML_PS_COUNT), mi = sum(c->misses, VML_PS_COUNT + 1);
        if (m->tlb[l].nr_arrays && h + mi)
            text_printf(t, " %s hits/misses %llu/%llu,", vml_tlb_level_name((enum vml_tlb_level)l),
                        (unsigned long long)h, (unsigned long long)mi);
    }
    text_printf(t, " %llu walk%s, %llu page-table reference%s\n", (unsigned long long)x->walks,
                plural(x->walks, "", "s"), (unsigned long long)x->walk_refs,
                plural(x->walk_refs, "", "s"));
}

static const char *const thp_modes[] = { "always", "madvise", "never" };

/* Regions mapped on demand, and how much memory each page size mapped: with hugetlb pages the
 * regions' page size is the mapping's; with THP the regions are of 4K pages and the faults
 * choose, so what they mapped is what is resident (RssAnon, of which the THPs' 2 MiB each). */
static void mapped_text(const struct vml_replay_stats *s, struct vml_text *t)
{
    static const char *const ps_names[VML_PS_COUNT] = { "4K", "2M", "1G" };
    char a[32], b[32], c[32];
    if (!s->regions_mapped)
        return;
    text_printf(t, "  mapped on demand: %llu region%s,", (unsigned long long)s->regions_mapped,
                plural(s->regions_mapped, "", "s"));
    if (s->thp) {
        text_printf(t, " %s; resident %s in 2M pages (THPs), %s in 4K pages\n",
                    vml_format_size(s->mapped[VML_PS_4K], a, sizeof(a)),
                    vml_format_size(s->anon_thp, b, sizeof(b)),
                    vml_format_size(s->anon_4k, c, sizeof(c)));
        return;
    }
    const char *sep = "";
    for (int p = VML_PS_COUNT - 1; p >= 0; p--) {
        char size[32];
        if (!s->mapped[p])
            continue;
        text_printf(t, "%s %s in %s pages", sep, vml_format_size(s->mapped[p], size, sizeof(size)),
                    ps_names[p]);
        sep = ",";
    }
    text_printf(t, "\n");
}

/* Accesses skipped because no process can map their address, by reason. */
static void skipped_text(const struct vml_replay_stats *s, struct vml_text *t)
{
    if (!s->skipped)
        return;
    uint64_t high = s->skipped - s->skipped_low;
    text_printf(t, "  skipped %llu access%s no process can make (the first at 0x%llx):",
                (unsigned long long)s->skipped, plural(s->skipped, "", "es"),
                (unsigned long long)s->first_skipped);
    if (s->skipped_low)
        text_printf(t, " %llu below vm.mmap_min_addr (64 KiB)%s",
                    (unsigned long long)s->skipped_low, high ? "," : "");
    if (high)
        text_printf(t, " %llu in the kernel half, non-canonical or past the end of user space",
                    (unsigned long long)high);
    text_printf(t, "\n");
}

void vml_replay_report_text(const struct vml_replay_stats *s, const struct vml_cpu_model *m,
                            struct vml_text *t)
{
    vml_mmu_stats_text(m, &s->mmu, t);
    retries_text(m, &s->retry, t);
    uint64_t tr = sum(s->mmu.accesses, VML_NR_ACCESS);
    text_printf(t,
                "  records %llu, %llu spanning two pages; %llu of %llu translations %s "
                "same-page L1 hit%s\n",
                (unsigned long long)s->records, (unsigned long long)s->spanning,
                (unsigned long long)s->shortcut, (unsigned long long)tr,
                plural(s->shortcut, "was a", "were"), plural(s->shortcut, "", "s"));
    text_printf(t, "  page faults %llu minor, %llu major\n", (unsigned long long)s->minor_faults,
                (unsigned long long)s->major_faults);
    mapped_text(s, t);
    if (s->thp || s->thp_fault_alloc || s->thp_fault_fallback)
        text_printf(t, "  THP (enabled=%s): thp_fault_alloc %llu, thp_fault_fallback %llu\n",
                    thp_modes[s->thp_enabled], (unsigned long long)s->thp_fault_alloc,
                    (unsigned long long)s->thp_fault_fallback);
    text_printf(t, "  page tables %llu KiB:", (unsigned long long)(s->pt_bytes / 1024));
    for (int l = 5; l >= 1; l--)
        if (s->pt_tables[l])
            text_printf(t, " %llu %s", (unsigned long long)s->pt_tables[l], level_names[l]);
    text_printf(t, "%s\n", s->pt_bytes || !s->killed ? "" : " none (the process is gone)");
    skipped_text(s, t);
    if (s->numa) {
        uint64_t n = s->numa_local + s->numa_remote;
        text_printf(t,
                    "  NUMA: %llu local and %llu remote memory accesses, mean memory latency "
                    "%llu ns (80 ns local, 200 ns at distance 20, by the SLIT)\n",
                    (unsigned long long)s->numa_local, (unsigned long long)s->numa_remote,
                    (unsigned long long)(n ? s->numa_mem_ns / n : 0));
        uint64_t w = s->numa_walk_local + s->numa_walk_remote;
        text_printf(t,
                    "  NUMA page walks: %llu local and %llu remote page-table reads, mean read "
                    "latency %llu ns; mean per access with its walks' reads %llu ns\n",
                    (unsigned long long)s->numa_walk_local, (unsigned long long)s->numa_walk_remote,
                    (unsigned long long)(w ? s->numa_walk_ns / w : 0),
                    (unsigned long long)(n ? (s->numa_mem_ns + s->numa_walk_ns) / n : 0));
    }
    if (s->killed && s->si_code == VML_SI_OOM)
        text_printf(t, "  the process was killed by SIGKILL: the OOM killer chose it (simulated "
                       "memory ran out)\n");
    else if (s->killed)
        text_printf(t, "  the process was killed by signal %s (si_code %d) at 0x%llx\n",
                    s->si_code == VML_BUS_ADRERR ? "SIGBUS" : "SIGSEGV", s->si_code,
                    (unsigned long long)s->kill_addr);
}

static void json_u64s(struct vml_text *t, const char *name, const uint64_t *v, unsigned n,
                      const char *const *keys)
{
    text_printf(t, "\"%s\":{", name);
    for (unsigned i = 0; i < n; i++)
        text_printf(t, "%s\"%s\":%llu", i ? "," : "", keys[i], (unsigned long long)v[i]);
    text_printf(t, "}");
}

/* The MMU counters as JSON members, from "accesses" to "cycles" (levels the model lacks are
 * left out). */
static void json_mmu(struct vml_text *t, const struct vml_cpu_model *m,
                     const struct vml_mmu_stats *x)
{
    static const char *const ps_keys[] = { "4K", "2M", "1G", "fault" };
    static const char *const kind_keys[] = { "read", "write", "exec" };
    static const char *const level_keys[] = { "l1d", "l1i", "l2i", "stlb" };
    static const char *const pwc_keys[] = { "pml5e", "pml4e", "pdpte", "pde" };
    json_u64s(t, "accesses", x->accesses, VML_NR_ACCESS, kind_keys);
    text_printf(t, ",\"tlb\":{");
    bool first = true;
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        if (m->tlb[l].nr_arrays == 0)
            continue;
        text_printf(t, "%s\"%s\":{", first ? "" : ",", level_keys[l]);
        json_u64s(t, "hits", x->tlb[l].hits, VML_PS_COUNT, ps_keys);
        text_printf(t, ",");
        json_u64s(t, "misses", x->tlb[l].misses, VML_PS_COUNT + 1, ps_keys);
        text_printf(t, "}");
        first = false;
    }
    text_printf(t, "},\"walks\":%llu,", (unsigned long long)x->walks);
    json_u64s(t, "walks_done", x->walks_done, VML_PS_COUNT, ps_keys);
    text_printf(t,
                ",\"walk_refs\":%llu,\"walk_refs_per_walk\":%.4f,\"ad_writes\":%llu,"
                "\"dirty_assists\":%llu,",
                (unsigned long long)x->walk_refs, ratio(x->walk_refs, x->walks),
                (unsigned long long)x->ad_writes, (unsigned long long)x->dirty_assists);
    json_u64s(t, "pwc_hits", x->pwc_hits, VML_PWC_NR, pwc_keys);
    text_printf(t, ",");
    json_u64s(t, "pwc_misses", x->pwc_misses, VML_PWC_NR, pwc_keys);
    text_printf(t, ",\"mmu_faults\":{");
    for (unsigned k = 1; k < VML_NR_FAULT_KINDS; k++)
        text_printf(t, "%s\"%s\":%llu", k > 1 ? "," : "", vml_fault_name((enum vml_fault_kind)k),
                    (unsigned long long)x->faults[k]);
    text_printf(t, "},\"cycles\":%llu", (unsigned long long)x->cycles);
}

void vml_replay_report_json(const struct vml_replay_stats *s, const struct vml_cpu_model *m,
                            struct vml_text *t)
{
    static const char *const ps_keys[] = { "4K", "2M", "1G" };
    const struct vml_mmu_stats *x = &s->mmu;
    uint64_t tr = sum(x->accesses, VML_NR_ACCESS);
    text_printf(t, "{\"records\":%llu,\"translations\":%llu,\"spanning\":%llu,\"shortcut\":%llu,",
                (unsigned long long)s->records, (unsigned long long)tr,
                (unsigned long long)s->spanning, (unsigned long long)s->shortcut);
    json_mmu(t, m, x);
    text_printf(t, ",\"cycles_per_translation\":%.4f,\"cycles_per_record\":%.4f,",
                ratio(x->cycles, tr), ratio(x->cycles, s->records));
    /* Retries after page faults, apart from the counts above (each access counted once). */
    text_printf(t, "\"retries\":{\"translations\":%llu,",
                (unsigned long long)sum(s->retry.accesses, VML_NR_ACCESS));
    json_mmu(t, m, &s->retry);
    text_printf(t, "},\"minor_faults\":%llu,\"major_faults\":%llu,\"regions_mapped\":%llu,",
                (unsigned long long)s->minor_faults, (unsigned long long)s->major_faults,
                (unsigned long long)s->regions_mapped);
    json_u64s(t, "mapped", s->mapped, VML_PS_COUNT, ps_keys);
    text_printf(t,
                ",\"anon_resident\":{\"4K\":%llu,\"thp\":%llu},\"thp_enabled\":\"%s\","
                "\"thp_fault_alloc\":%llu,\"thp_fault_fallback\":%llu",
                (unsigned long long)s->anon_4k, (unsigned long long)s->anon_thp,
                thp_modes[s->thp_enabled], (unsigned long long)s->thp_fault_alloc,
                (unsigned long long)s->thp_fault_fallback);
    text_printf(t, ",\"skipped\":%llu,\"skipped_below_mmap_min_addr\":%llu,",
                (unsigned long long)s->skipped, (unsigned long long)s->skipped_low);
    text_printf(t, "\"page_tables\":{\"bytes\":%llu", (unsigned long long)s->pt_bytes);
    for (int l = 5; l >= 1; l--)
        text_printf(t, ",\"%s\":%llu", level_names[l], (unsigned long long)s->pt_tables[l]);
    text_printf(t, "}");
    if (s->numa) {
        uint64_t n = s->numa_local + s->numa_remote;
        uint64_t w = s->numa_walk_local + s->numa_walk_remote;
        text_printf(t,
                    ",\"numa\":{\"local\":%llu,\"remote\":%llu,\"mean_latency_ns\":%.2f,"
                    "\"walk_local\":%llu,\"walk_remote\":%llu,\"walk_mean_latency_ns\":%.2f,"
                    "\"total_mean_latency_ns\":%.2f}",
                    (unsigned long long)s->numa_local, (unsigned long long)s->numa_remote,
                    ratio(s->numa_mem_ns, n), (unsigned long long)s->numa_walk_local,
                    (unsigned long long)s->numa_walk_remote, ratio(s->numa_walk_ns, w),
                    ratio(s->numa_mem_ns + s->numa_walk_ns, n));
    }
    text_printf(t, ",\"killed\":%s", s->killed ? "true" : "false");
    if (s->killed)
        text_printf(t, ",\"si_code\":%d,\"kill_addr\":%llu", s->si_code,
                    (unsigned long long)s->kill_addr);
    text_printf(t, "}");
}

void vml_replay_csv_header(struct vml_text *t)
{
    text_printf(t, "records,translations,l1_hits,l1_misses,l2_hits,l2_misses,walks,walk_refs,"
                   "pwc_hits,page_faults,cycles,cycles_per_translation,page_table_bytes,retries\n");
}

void vml_replay_csv_row(const struct vml_replay_stats *prev, const struct vml_replay_stats *cur,
                        struct vml_text *t)
{
    const struct vml_mmu_stats *a = &prev->mmu, *b = &cur->mmu;
    uint64_t tr = sum(b->accesses, 3) - sum(a->accesses, 3);
    uint64_t l1h = 0, l1m = 0, l2h = 0, l2m = 0;
    for (unsigned l = VML_TLB_L1D; l <= VML_TLB_L1I; l++) {
        l1h += sum(b->tlb[l].hits, 3) - sum(a->tlb[l].hits, 3);
        l1m += sum(b->tlb[l].misses, 4) - sum(a->tlb[l].misses, 4);
    }
    for (unsigned l = VML_TLB_L2I; l <= VML_TLB_STLB; l++) {
        l2h += sum(b->tlb[l].hits, 3) - sum(a->tlb[l].hits, 3);
        l2m += sum(b->tlb[l].misses, 4) - sum(a->tlb[l].misses, 4);
    }
    uint64_t cyc = b->cycles - a->cycles;
    text_printf(t, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.4f,%llu,%llu\n",
                (unsigned long long)cur->records, (unsigned long long)tr, (unsigned long long)l1h,
                (unsigned long long)l1m, (unsigned long long)l2h, (unsigned long long)l2m,
                (unsigned long long)(b->walks - a->walks),
                (unsigned long long)(b->walk_refs - a->walk_refs),
                (unsigned long long)(sum(b->pwc_hits, 4) - sum(a->pwc_hits, 4)),
                (unsigned long long)(cur->minor_faults + cur->major_faults - prev->minor_faults -
                                     prev->major_faults),
                (unsigned long long)cyc, ratio(cyc, tr), (unsigned long long)cur->pt_bytes,
                (unsigned long long)(sum(cur->retry.accesses, 3) - sum(prev->retry.accesses, 3)));
}
