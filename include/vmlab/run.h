/* run.h: running a parsed scenario on the simulator (the "sim" backend).
 *
 * Operations run in order on a vml_sim built from the machine line. show appends the /proc
 * file's text to out; expect compares a field and, when it fails, appends a line naming the
 * scenario line and both values to report. A process killed by a simulated SIGSEGV is
 * reported in out and the run goes on. A system call that fails, a range outside its mapping
 * or a field that does not exist stops the run: diag names the line, column and reason.
 */
#ifndef VMLAB_RUN_H
#define VMLAB_RUN_H

#include "vmlab/scenario.h"
#include "vmlab/sim.h"

#define VML_RUN_CHECK 1u /* run the invariant checker after every operation */

struct vml_run_result {
    unsigned expects; /* expect lines evaluated */
    unsigned failed;  /* of which failed */
};

/* Runs s. Returns 0 when every operation ran (expects may still have failed: see res), or a
 * negative VML_E* with diag filled (line, col, msg). When sim is not NULL the machine is kept
 * and returned in *sim (also after a failure, if it was built), for the caller to inspect and
 * destroy. */
int vml_run_scenario(const struct vml_scenario *s, unsigned flags, struct vml_text *out,
                     struct vml_text *report, struct vml_run_result *res, struct vml_sim **sim,
                     struct vml_diag *diag);

#endif
