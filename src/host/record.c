/* host/record.c: vmlab trace record: a command under Valgrind's lackey tool, its memory
 * accesses written as a native trace (zstd-compressed unless asked otherwise).
 *
 * lackey prints one line per access on valgrind's log descriptor; that descriptor is the write
 * end of a pipe whose read end the lackey reader streams from, so the text never touches the
 * disk and the program's own output stays where it was.
 */
#define _GNU_SOURCE /* pipe2 */

#include "vmlab/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BATCH = 4096 };

static void diag_set(struct vml_diag *d, const char *fmt, const char *a, const char *b)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->msg, sizeof(d->msg), fmt, a, b);
}

/* Drops the instruction fetches of recs[0..n), keeping the order; returns how many are left. */
static size_t data_only(struct vml_trace_rec *recs, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (recs[i].kind != VML_EXEC)
            recs[k++] = recs[i];
    return k;
}

static bool stopped(const struct vml_record_config *c)
{
    return c->stop && *c->stop;
}

/* Copies every record from the pipe to the writer; returns 0 or a VML_E* with d set. */
static int copy(int fd, struct vml_trace_writer *w, const struct vml_record_config *c,
                uint64_t *records, struct vml_diag *d)
{
    char path[32];
    snprintf(path, sizeof(path), "/dev/fd/%d", fd);
    struct vml_trace_reader *rd;
    int e = vml_trace_open(path, VML_TRACE_LACKEY, &rd, d);
    if (e)
        return e;
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    long n = buf ? 0 : VML_EHOST;
    while (buf && !stopped(c) && (n = vml_trace_read(rd, buf, BATCH, d)) > 0) {
        size_t k = c->data_only ? data_only(buf, (size_t)n) : (size_t)n;
        if ((e = vml_trace_write(w, buf, k, d)) != 0)
            break;
        *records += k;
        if (c->progress)
            c->progress(c->arg, *records);
    }
    free(buf);
    vml_trace_close(rd);
    return e ? e : n < 0 ? (int)n : 0;
}

int vml_host_record(char *const argv[], const char *out, const struct vml_record_config *c,
                    uint64_t *records, int *status, struct vml_diag *d)
{
    *records = 0;
    *status = 0;
    struct vml_trace_writer *w;
    int e = vml_trace_create(out, c->compress, &w, d);
    if (e)
        return e;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        diag_set(d, "cannot create a pipe: %s%s", strerror(errno), "");
        vml_trace_abort(w);
        return VML_EHOST;
    }
    pid_t pid = fork();
    if (pid < 0) {
        diag_set(d, "cannot fork: %s%s", strerror(errno), "");
        close(p[0]);
        close(p[1]);
        vml_trace_abort(w);
        return VML_EHOST;
    }
    if (pid == 0) {
        /* The log descriptor must survive exec; the read end must not. */
        int fd = fcntl(p[1], F_DUPFD, 3);
        char log[32];
        snprintf(log, sizeof(log), "--log-fd=%d", fd);
        size_t n = 0;
        while (argv[n])
            n++;
        char **args = calloc(n + 5, sizeof(*args));
        if (fd < 0 || !args)
            _exit(126);
        args[0] = "valgrind";
        args[1] = "--tool=lackey";
        args[2] = "--trace-mem=yes";
        args[3] = log;
        for (size_t i = 0; i < n; i++)
            args[4 + i] = argv[i];
        execvp("valgrind", args);
        fprintf(stderr,
                "vmlab: trace record: cannot run valgrind: %s (install it: apt-get "
                "install valgrind, or make deps)\n",
                strerror(errno));
        _exit(127);
    }
    if (c->child)
        *c->child = (sig_atomic_t)pid;
    close(p[1]);
    e = copy(p[0], w, c, records, d);
    close(p[0]);
    if (stopped(c))
        kill(pid, SIGTERM); /* the user gave up on the recording: so does valgrind */
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *status = st;
    if (c->child)
        *c->child = 0;
    if (stopped(c)) {
        diag_set(d, "interrupted: %s%s", "no trace written", "");
        vml_trace_abort(w);
        return VML_EHOST;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && *records == 0) {
        diag_set(d, "valgrind could not run %s%s (is valgrind installed?)", argv[0], "");
        e = e ? e : VML_ENOENT;
    }
    if (e) {
        vml_trace_abort(w);
        return e;
    }
    return vml_trace_finish(w, d);
}
