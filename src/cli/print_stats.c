/* cli/print_stats.c: the MMU counters as a table, for demo and (later) replay reports. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

static uint64_t sum(const uint64_t *v, unsigned n)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s += v[i];
    return s;
}

static void row(FILE *out, const char *name, const uint64_t *v, unsigned n)
{
    fprintf(out, "  %-16s", name);
    for (unsigned i = 0; i < n; i++)
        fprintf(out, " %10llu", (unsigned long long)v[i]);
    if (n == VML_PS_COUNT)
        fprintf(out, " %10s", "");
    fprintf(out, " %10llu\n", (unsigned long long)sum(v, n));
}

void cli_print_mmu_stats(FILE *out, const struct vml_cpu_model *m, const struct vml_mmu_stats *s)
{
    uint64_t accesses = sum(s->accesses, VML_NR_ACCESS);
    fprintf(out, "  %-16s %10s %10s %10s %10s %10s\n", "", "4K", "2M", "1G", "fault", "total");
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        const struct vml_tlb_counts *c = &s->tlb[l];
        if (m->tlb[l].nr_arrays == 0 || sum(c->hits, VML_PS_COUNT) + sum(c->misses, 4) == 0)
            continue;
        char name[40];
        snprintf(name, sizeof(name), "%s hits", vml_tlb_level_name((enum vml_tlb_level)l));
        row(out, name, c->hits, VML_PS_COUNT);
        snprintf(name, sizeof(name), "%s misses", vml_tlb_level_name((enum vml_tlb_level)l));
        row(out, name, c->misses, VML_PS_COUNT + 1);
    }
    fprintf(out, "  %-16s", "walks done");
    for (unsigned p = 0; p < VML_PS_COUNT; p++)
        fprintf(out, " %10llu", (unsigned long long)s->walks_done[p]);
    fprintf(out, " %10llu %10llu\n", (unsigned long long)(s->walks - sum(s->walks_done, 3)),
            (unsigned long long)s->walks);
    fprintf(out, "\n  accesses %llu (read %llu, write %llu, exec %llu)\n",
            (unsigned long long)accesses, (unsigned long long)s->accesses[VML_READ],
            (unsigned long long)s->accesses[VML_WRITE], (unsigned long long)s->accesses[VML_EXEC]);
    fprintf(
        out, "  page-table references %llu (%.2f per walk), A/D updates %llu, dirty assists %llu\n",
        (unsigned long long)s->walk_refs, s->walks ? (double)s->walk_refs / (double)s->walks : 0.0,
        (unsigned long long)s->ad_writes, (unsigned long long)s->dirty_assists);
    fprintf(out, "  page-walk cache hits/misses:");
    for (unsigned p = 0; p < VML_PWC_NR; p++)
        if (s->pwc_hits[p] + s->pwc_misses[p])
            fprintf(out, " %s %llu/%llu", vml_pwc_name((enum vml_pwc_level)p),
                    (unsigned long long)s->pwc_hits[p], (unsigned long long)s->pwc_misses[p]);
    fputc('\n', out);
    uint64_t faults = sum(s->faults, VML_NR_FAULT_KINDS);
    fprintf(out, "  faults %llu", (unsigned long long)faults);
    for (unsigned k = 1; k < VML_NR_FAULT_KINDS; k++)
        if (s->faults[k])
            fprintf(out, " %s=%llu", vml_fault_name((enum vml_fault_kind)k),
                    (unsigned long long)s->faults[k]);
    fprintf(out, "\n  modeled translation cycles %llu (%.2f per access)\n",
            (unsigned long long)s->cycles, accesses ? (double)s->cycles / (double)accesses : 0.0);
}
