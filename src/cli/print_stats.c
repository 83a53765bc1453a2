/* cli/print_stats.c: the MMU counters as a table (the library's report, printed). */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

void cli_print_mmu_stats(FILE *out, const struct vml_cpu_model *m, const struct vml_mmu_stats *s)
{
    struct vml_text t = { 0 };
    vml_mmu_stats_text(m, s, &t);
    if (t.len)
        fwrite(t.s, 1, t.len, out);
    vml_text_free(&t);
}
