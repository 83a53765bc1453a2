/* fuzz_run.c: libFuzzer harness for running scenarios on the simulator (vml_run_scenario).
 *
 * The input is a scenario, optionally followed by a trace file's bytes: everything after the
 * first line that is exactly "--- trace ---" is the trace (binary content allowed, at most
 * TRACE_MAX bytes). A replay whose trace is "@TRACE@" replays those bytes from a real file, so
 * the trace is opened by path, read by the lackey, plain, native or ChampSim reader, and its
 * errors reach the scenario's error path. "@TRACE@SUFFIX" names the file traceSUFFIX, since
 * detection looks at the name (".champsim"). The file lives in a directory made for the input
 * and removed after it, so nothing is left behind however the fuzzer stops (a crash aside).
 * Any other file becomes gen:random: a path from the input could be anything, even a terminal.
 *
 * Bytes that parse as a scenario are run on a small machine with the invariant checker after
 * every operation: no input may crash, leak, or break an invariant (frames conserved,
 * mapcounts, RSS, COW, TLBs, PSS). The machine is shrunk (at most 64 MiB, 2 nodes, 4 CPUs) and
 * hugetlb pools at most 8 2 MiB pages, every touch and replay capped at 512 accesses and every
 * wait at 100 ms (khugepaged's wake-ups are as many as it lets pass) so that
 * each input runs in milliseconds; run errors (a failing system call, simulated memory
 * exhausted, a bad trace) are normal outcomes, but each names its line and reason, and a trace
 * error names the trace file (not freed memory).
 */
#include "vmlab/vmlab.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEPARATOR   "--- trace ---"
#define PLACEHOLDER "@TRACE@"
#define TRACE_MAX   (64u << 10) /* libFuzzer's -max_len keeps inputs smaller; the corpus too */
#define SUFFIX_MAX  32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64]; /* this input's private directory, "" until a replay needs it */

/* Where the trace starts: just after the separator line; size when there is none. */
static size_t split(const uint8_t *data, size_t size, size_t *scenario_len)
{
    const size_t n = sizeof(SEPARATOR) - 1;
    for (size_t i = 0; i < size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size;
        if (end - i == n && memcmp(data + i, SEPARATOR, n) == 0) {
            *scenario_len = i;
            return end < size ? end + 1 : size;
        }
        i = end + 1;
    }
    *scenario_len = size;
    return size;
}

/* Writes the trace to dir/trace SUFFIX and puts that path in the replay's trace word; returns
 * false (the caller falls back to a generator) for a suffix that is not a plain name. */
static bool place_trace(char *word, size_t word_size, const uint8_t *trace, size_t len)
{
    const char *suffix = word + sizeof(PLACEHOLDER) - 1;
    if (strlen(suffix) > SUFFIX_MAX || strchr(suffix, '/'))
        return false;
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        if (!tmp || !tmp[0] || strlen(tmp) > sizeof(dir) - 32)
            tmp = "/tmp";
        snprintf(dir, sizeof(dir), "%s/vmlab-fuzz-run-XXXXXX", tmp);
        if (!mkdtemp(dir)) {
            perror("fuzz_run: mkdtemp");
            abort();
        }
    }
    char path[sizeof(dir) + sizeof("/trace") + SUFFIX_MAX];
    snprintf(path, sizeof(path), "%s/trace%s", dir, suffix);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz_run: cannot write the trace file");
        abort();
    }
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, trace + done, len - done);
        if (w <= 0) {
            perror("fuzz_run: cannot write the trace file");
            abort();
        }
        done += (size_t)w;
    }
    close(fd);
    snprintf(word, word_size, "%s", path);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t scenario_len;
    size_t at = split(data, size, &scenario_len);
    const uint8_t *trace = data + at;
    size_t trace_len = size - at < TRACE_MAX ? size - at : TRACE_MAX;
    struct vml_scenario *s;
    if (vml_scenario_parse((const char *)data, scenario_len, "fuzz", &s, NULL) != 0)
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
            char *t = op->u.replay.trace;
            size_t tsize = sizeof(op->u.replay.trace);
            bool placed = strncmp(t, PLACEHOLDER, sizeof(PLACEHOLDER) - 1) == 0 &&
                          place_trace(t, tsize, trace, trace_len);
            if (!placed && strncmp(t, "gen:", 4) != 0)
                snprintf(t, tsize, "gen:random");
            if (op->u.replay.limit == 0 || op->u.replay.limit > 512)
                op->u.replay.limit = 512;
        }
        /* at most 100 ms per wait: 25 khugepaged wake-ups at the shortest sleep (one jiffy) */
        if (op->kind == VML_OP_WAIT && op->u.wait.ns > 100000000u)
            op->u.wait.ns = 100000000u;
        if (op->kind == VML_OP_CPU_RUN && op->u.cpu_run.cpu >= m->nr_cpus)
            op->u.cpu_run.cpu = 0;
    }
    struct vml_text out = { 0 }, report = { 0 };
    struct vml_run_result res;
    struct vml_diag diag = { 0 };
    /* With the explainer watching (vmlab run --explain), so that its reading of every event
     * the input makes runs under the sanitizers too. */
    struct vml_backend b;
    struct vml_explain *x = vml_explain_new(VML_EXPLAIN_FULL, NULL);
    struct vml_run_hooks hooks = { 0 };
    if (!x || vml_backend_sim(&b) != 0)
        abort();
    vml_explain_hooks(x, &hooks);
    int r = vml_run_hooked(s, &b, VML_RUN_CHECK, &out, &report, &res, NULL, &hooks, &diag);
    b.destroy(b.ctx);
    vml_explain_free(x);
    /* The checker's own words, at the start: other messages quote the input (a trace line). */
    if (r != 0 && strncmp(diag.msg, "invariant broken", 16) == 0) {
        fprintf(stderr, "line %u: %s\n", diag.line, diag.msg);
        abort();
    }
    if (r != 0 && (diag.line == 0 || !diag.msg[0]))
        abort(); /* every run error names its line and reason */
    /* A trace file's error names the file, as written here (not a freed copy of its name). */
    if (r != 0 && strncmp(diag.msg, "replay: /", 9) == 0 &&
        (!dir[0] || strncmp(diag.msg + 8, dir, strlen(dir)) != 0 ||
         strncmp(diag.msg + 8 + strlen(dir), "/trace", 6) != 0)) {
        fprintf(stderr, "line %u: %s\n", diag.line, diag.msg);
        abort();
    }
    if (dir[0]) {
        for (size_t i = 0; i < s->n_ops; i++)
            if (s->ops[i].kind == VML_OP_REPLAY &&
                strncmp(s->ops[i].u.replay.trace, dir, strlen(dir)) == 0)
                unlink(s->ops[i].u.replay.trace); /* a second replay of it: ENOENT, harmless */
        if (rmdir(dir) != 0) {
            perror("fuzz_run: a trace file was left behind");
            abort();
        }
        dir[0] = 0;
    }
    vml_text_free(&out);
    vml_text_free(&report);
    vml_scenario_free(s);
    return 0;
}
