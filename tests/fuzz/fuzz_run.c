/* fuzz_run.c: libFuzzer harness for running scenarios on the simulator (vml_run_scenario).
 *
 * Bytes that parse as a scenario are run on a small machine with the invariant checker after
 * every operation: no input may crash, leak, or break an invariant (frames conserved,
 * mapcounts, RSS, COW, TLBs, PSS). The machine is shrunk (at most 64 MiB, 2 nodes, 4 CPUs) and
 * hugetlb pools at most 8 2 MiB pages, every touch and replay capped at 512 accesses (replays
 * of generators only) so that each input runs in milliseconds; run errors (a failing system
 * call, simulated memory exhausted) are normal
 * outcomes.
 */
#include "vmlab/vmlab.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vml_scenario *s;
    if (vml_scenario_parse((const char *)data, size, "fuzz", &s, NULL) != 0)
        return 0;
    struct vml_machine_cfg *m = &s->machine;
    if (m->nr_nodes > 2)
        m->nr_nodes = 2;
    m->ram_bytes = (uint64_t)m->nr_nodes * (32ull << 20);
    if (m->nr_cpus > 4)
        m->nr_cpus = 4;
    /* hugetlb pools that fit the shrunk machine: a few 2 MiB pages, no 1 GiB page */
    if (m->hugepages[VML_HUGE_2M] > 8)
        m->hugepages[VML_HUGE_2M] = 8;
    m->hugepages[VML_HUGE_1G] = 0;
    for (size_t i = 0; i < s->n_ops; i++) {
        struct vml_op *op = &s->ops[i];
        if (op->kind == VML_OP_TOUCH && (op->u.touch.count == 0 || op->u.touch.count > 512))
            op->u.touch.count = 512;
        if (op->kind == VML_OP_REPLAY) {
            /* Generators only: a real file could be anything, even a terminal. */
            if (strncmp(op->u.replay.trace, "gen:", 4) != 0)
                snprintf(op->u.replay.trace, sizeof(op->u.replay.trace), "gen:random");
            if (op->u.replay.limit == 0 || op->u.replay.limit > 512)
                op->u.replay.limit = 512;
        }
        if (op->kind == VML_OP_CPU_RUN && op->u.cpu_run.cpu >= m->nr_cpus)
            op->u.cpu_run.cpu = 0;
    }
    struct vml_text out = { 0 }, report = { 0 };
    struct vml_run_result res;
    struct vml_diag diag = { 0 };
    int r = vml_run_scenario(s, VML_RUN_CHECK, &out, &report, &res, NULL, &diag);
    if (r != 0 && strstr(diag.msg, "invariant broken")) {
        fprintf(stderr, "line %u: %s\n", diag.line, diag.msg);
        abort();
    }
    if (r != 0 && (diag.line == 0 || !diag.msg[0]))
        abort(); /* every run error names its line and reason */
    vml_text_free(&out);
    vml_text_free(&report);
    vml_scenario_free(s);
    return 0;
}
