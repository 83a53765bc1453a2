/* cgroup_run_linux.c: the Linux backend's memory cgroups (src/host/cgroups.c) on this machine's
 * kernel, as root, through the backend's operations as the scenario
 *
 *     process a
 *     cgroup box
 *     cgroup outer
 *     cgroup outer/inner
 *     set /sys/fs/cgroup/box/memory.max 64M
 *     set /sys/fs/cgroup/box/memory.swap.max 0
 *     a cgroup box
 *     a mmap buf 100M anon
 *     a touch buf write
 *
 * runs them. Expected, by hand and from the kernel's own files read here, not through vmlab:
 *   - the run's parent is MOUNT/vmlab-run-PID (v1: /sys/fs/cgroup/memory; v2: the unified
 *     root) and box is MOUNT/vmlab-run-PID/box; the agent's /proc/PID/cgroup names it after the
 *     attach;
 *   - box's limit file holds 64 << 20 = 67108864 (v1: memory.limit_in_bytes, and
 *     memory.memsw.limit_in_bytes the same: no swap room); show cgroup box memory.max prints
 *     it, memory.swap.max prints 0;
 *   - 100 MiB of anonymous memory cannot fit in 64 MiB without swap: the OOM killer kills the
 *     agent (its death is an OOM kill), box's oom_kill count is 1 and its peak is the limit
 *     (try_charge charges single pages once a batch fails, up to the limit exactly);
 *   - on a v1 machine, memory.high (and the other v2-only files) are refused naming v2, and
 *     show cgroup box memory.events is refused;
 *   - after the backend is destroyed, vmlab-run-PID and everything in it are gone;
 *   - a second run that makes box, moves its agent in and is sent SIGTERM leaves nothing
 *     either (the settings journal's handler), and dies of the SIGTERM;
 *   - with machine memcg=on, box is inside the confinement cgroup vmlab-PID (no vmlab-run-PID),
 *     "" moves the agent back there, and both are gone after the run (v2: refused, EBUSY, as
 *     the agents sit in vmlab-PID).
 * Skips (77), naming the reason: not root, no memory controller, swap on without v1 swap
 * accounting (the OOM would not come).
 */
#define _GNU_SOURCE

#include "vmlab/host.h"
#include "vmlab/vmlab.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failed++;                                                                              \
        }                                                                                          \
    } while (0)

static char mount_dir[64];
static int version;

static int slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = 0;
    fclose(f);
    return (int)k;
}

static unsigned long long number(const char *path)
{
    char buf[64];
    return slurp(path, buf, sizeof(buf)) > 0 ? strtoull(buf, NULL, 10) : 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The key's value in a "key value" file. */
static long long keyed(const char *path, const char *key)
{
    char buf[4096];
    if (slurp(path, buf, sizeof(buf)) <= 0)
        return -1;
    size_t k = strlen(key);
    for (char *s = buf; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
        if (strncmp(s, key, k) == 0 && s[k] == ' ')
            return strtoll(s + k + 1, NULL, 10);
    return -1;
}

static const char *machine_line = "machine ram=256M\n";

static struct vml_scenario *machine(void)
{
    const char *text = machine_line;
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    if (vml_scenario_parse(text, strlen(text), "t", &s, &d) != 0) {
        printf("cannot parse the machine line: %s\n", d.msg);
        exit(1);
    }
    return s;
}

static int start(struct vml_backend *b, int *pid)
{
    char msg[VML_BACKEND_MSG] = "";
    struct vml_text notes = { 0 };
    unsigned col = 0;
    struct vml_scenario *s = machine();
    if (vml_backend_linux(b) != 0)
        return -1;
    int r = b->start(b->ctx, &s->machine, &notes, &col, msg);
    vml_text_free(&notes);
    vml_scenario_free(s);
    CHECK(r == 0, "start: %d %s", r, msg);
    r = r ? r : b->spawn(b->ctx, "a", pid, msg);
    CHECK(r == 0, "spawn: %d %s", r, msg);
    return r;
}

static int set(struct vml_backend *b, const char *path, const char *value, char *msg)
{
    struct vml_text notes = { 0 };
    msg[0] = 0;
    int r = b->set(b->ctx, path, value, &notes, msg);
    vml_text_free(&notes);
    return r;
}

static void show(struct vml_backend *b, const char *path, const char *file, bool v1, char *buf,
                 size_t n, int *r)
{
    struct vml_text t = { 0 };
    char msg[VML_BACKEND_MSG] = "";
    *r = b->cgroup_text(b->ctx, path, file, v1, &t, msg);
    snprintf(buf, n, "%s", *r ? msg : t.s ? t.s : "");
    vml_text_free(&t);
}

static void the_run(void)
{
    struct vml_backend b;
    int pid = 0, r;
    char msg[VML_BACKEND_MSG] = "", run[160], box[200], path[300], buf[512];
    if (start(&b, &pid))
        exit(1);
    snprintf(run, sizeof(run), "%s/vmlab-run-%d", mount_dir, (int)getpid());
    snprintf(box, sizeof(box), "%s/box", run);
    r = b.cgroup_create(b.ctx, "box", msg);
    CHECK(r == 0, "cgroup box: %d %s", r, msg);
    r = b.cgroup_create(b.ctx, "outer", msg);
    CHECK(r == 0, "cgroup outer: %d %s", r, msg);
    r = b.cgroup_create(b.ctx, "outer/inner", msg);
    CHECK(r == 0, "cgroup outer/inner: %d %s", r, msg);
    r = b.cgroup_create(b.ctx, "box", msg);
    CHECK(r == VML_EEXIST, "cgroup box twice: %d (want VML_EEXIST)", r);
    r = b.cgroup_create(b.ctx, "nope/inner", msg);
    CHECK(r == VML_ENOENT, "cgroup under a missing parent: %d (want VML_ENOENT)", r);
    CHECK(exists(box), "%s was not made", box);
    snprintf(path, sizeof(path), "%s/outer/inner", run);
    CHECK(exists(path), "%s was not made", path);

    r = set(&b, "/sys/fs/cgroup/box/memory.max", "64M", msg);
    CHECK(r == 0, "set memory.max: %d %s", r, msg);
    snprintf(path, sizeof(path), "%s/%s", box,
             version == 1 ? "memory.limit_in_bytes" : "memory.max");
    CHECK(number(path) == 67108864ull, "%s holds %llu, not 64 MiB", path, number(path));
    snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", box);
    bool memsw = version == 1 && exists(path);
    if (version == 2 || memsw) {
        r = set(&b, "/sys/fs/cgroup/box/memory.swap.max", "0", msg);
        CHECK(r == 0, "set memory.swap.max: %d %s", r, msg);
        if (memsw) /* memory + swap = 64 MiB + 0 */
            CHECK(number(path) == 67108864ull, "%s holds %llu", path, number(path));
        show(&b, "box", "memory.swap.max", false, buf, sizeof(buf), &r);
        CHECK(r == 0 && strcmp(buf, "0\n") == 0, "show memory.swap.max: %d '%s'", r, buf);
    }
    show(&b, "box", "memory.max", false, buf, sizeof(buf), &r);
    CHECK(r == 0 && strcmp(buf, "67108864\n") == 0, "show memory.max: %d '%s'", r, buf);
    show(&b, "outer", "memory.max", false, buf, sizeof(buf), &r);
    CHECK(r == 0 && strcmp(buf, "max\n") == 0, "show outer memory.max: %d '%s'", r, buf);
    if (version == 1) {
        r = set(&b, "/sys/fs/cgroup/box/memory.high", "32M", msg);
        CHECK(r == VML_EINVAL && strstr(msg, "v2"), "memory.high on v1: %d '%s'", r, msg);
        r = set(&b, "/sys/fs/cgroup/box/memory.low", "32M", msg);
        CHECK(r == VML_EINVAL && strstr(msg, "soft_limit"), "memory.low on v1: %d '%s'", r, msg);
        show(&b, "box", "memory.events", false, buf, sizeof(buf), &r);
        CHECK(r == VML_EINVAL && strstr(buf, "oom_control"), "memory.events on v1: %d '%s'", r,
              buf);
        show(&b, "box", "memory.limit_in_bytes", true, buf, sizeof(buf), &r);
        CHECK(r == 0 && strcmp(buf, "67108864\n") == 0, "show cgroup1 limit: %d '%s'", r, buf);
    } else {
        show(&b, "box", "memory.limit_in_bytes", true, buf, sizeof(buf), &r);
        CHECK(r == VML_EINVAL, "a v1 file on a v2 machine: %d '%s'", r, buf);
    }

    r = b.cgroup_attach(b.ctx, pid, "box", msg);
    CHECK(r == 0, "a cgroup box: %d %s", r, msg);
    snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
    char want[64];
    snprintf(want, sizeof(want), "/vmlab-run-%d/box\n", (int)getpid());
    CHECK(slurp(path, buf, sizeof(buf)) > 0 && strstr(buf, want), "%s: '%s' lacks %s", path, buf,
          want);

    /* What box holds of the agent right after the move (its charges stay behind): printed
     * for docs/pressure.md's rule, not checked (the stock and slab make it vary). */
    show(&b, "box", "memory.current", false, buf, sizeof(buf), &r);
    printf("box right after the move: current %s", r ? "?\n" : buf);
    uint64_t addr = 0, len = 100ull << 20;
    r = b.mmap(b.ctx, pid, 0, len, VML_PROT_READ | VML_PROT_WRITE,
               VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr, msg);
    CHECK(r == 0, "mmap: %d %s", r, msg);
    struct vml_sim_access res = { 0 };
    r = b.touch(b.ctx, pid, addr, addr + len, 4096, VML_WRITE, &res, msg);
    CHECK(r == VML_EKILLED, "touching 100 MiB in 64 MiB: %d (want VML_EKILLED) %s", r, msg);
    struct vml_sim_death death = { 0 };
    r = b.status_of(b.ctx, pid, &death);
    CHECK(r == VML_ENOENT && death.killed && death.si_code == VML_SI_OOM,
          "the agent's end: %d killed %d si_code %d (want an OOM kill)", r, death.killed,
          death.si_code);
    if (version == 1) {
        snprintf(path, sizeof(path), "%s/memory.oom_control", box);
        CHECK(keyed(path, "oom_kill") == 1, "%s oom_kill %lld, not 1", path,
              keyed(path, "oom_kill"));
        snprintf(path, sizeof(path), "%s/memory.max_usage_in_bytes", box);
    } else {
        snprintf(path, sizeof(path), "%s/memory.events", box);
        CHECK(keyed(path, "oom_kill") == 1, "%s oom_kill %lld, not 1", path,
              keyed(path, "oom_kill"));
        snprintf(path, sizeof(path), "%s/memory.peak", box);
    }
    unsigned long long peak = number(path);
    CHECK(peak == 67108864ull, "%s: %llu, not the limit", path, peak);
    show(&b, "box", "memory.peak", false, buf, sizeof(buf), &r);
    CHECK(r == 0 && strtoull(buf, NULL, 10) == peak, "show memory.peak: %d '%s'", r, buf);
    show(&b, "box", "memory.current", false, buf, sizeof(buf), &r);
    CHECK(r == 0, "show memory.current: %d '%s'", r, buf);
    printf("box after the kill: peak %llu, current %s", peak, buf);

    CHECK(exists(run), "%s is gone before the end", run);
    b.destroy(b.ctx);
    CHECK(!exists(box) && !exists(run), "%s is left after the run", run);
}

/* machine memcg=on: the run's cgroups go inside the confinement cgroup vmlab-PID, whose limit
 * then holds the processes moved into them too; all removed at the end. */
static void the_confined_run(void)
{
    struct vml_backend b;
    int pid = 0, r;
    char msg[VML_BACKEND_MSG] = "", confine[160], path[300], buf[512], want[64];
    machine_line = "machine ram=256M memcg=on\n";
    if (start(&b, &pid))
        exit(1);
    snprintf(confine, sizeof(confine), "%s/vmlab-%d", mount_dir, (int)getpid());
    r = b.cgroup_create(b.ctx, "box", msg);
    if (version == 2) { /* the agents are in vmlab-PID: v2 refuses it children with memory */
        CHECK(r == VML_EBUSY && strstr(msg, "memcg=off"), "v2 memcg=on cgroup box: %d %s", r, msg);
        b.destroy(b.ctx);
        CHECK(!exists(confine), "%s is left after the run", confine);
        return;
    }
    CHECK(r == 0, "cgroup box: %d %s", r, msg);
    snprintf(path, sizeof(path), "%s/box", confine);
    CHECK(exists(path), "%s was not made", path);
    r = b.cgroup_attach(b.ctx, pid, "box", msg);
    CHECK(r == 0, "a cgroup box: %d %s", r, msg);
    snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
    snprintf(want, sizeof(want), "/vmlab-%d/box\n", (int)getpid());
    CHECK(slurp(path, buf, sizeof(buf)) > 0 && strstr(buf, want), "%s: '%s' lacks %s", path, buf,
          want);
    /* "" is the confinement cgroup: back there */
    r = b.cgroup_attach(b.ctx, pid, "", msg);
    CHECK(r == 0, "a cgroup /: %d %s", r, msg);
    snprintf(want, sizeof(want), "/vmlab-%d\n", (int)getpid());
    CHECK(slurp(path, buf, sizeof(buf)) > 0 && strstr(buf, want), "%s: '%s' lacks %s", path, buf,
          want);
    r = b.cgroup_attach(b.ctx, pid, "box", msg);
    CHECK(r == 0, "a cgroup box again: %d %s", r, msg);
    snprintf(path, sizeof(path), "%s/vmlab-run-%d", mount_dir, (int)getpid());
    CHECK(!exists(path), "%s made though memcg=on", path);
    b.destroy(b.ctx);
    CHECK(!exists(confine), "%s is left after the run", confine);
}

/* A run ended by SIGTERM with an agent in box: the handler removes the cgroups. */
static void the_signal(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return;
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        struct vml_backend b;
        int pid = 0;
        char msg[VML_BACKEND_MSG] = "";
        if (start(&b, &pid) || b.cgroup_create(b.ctx, "box", msg) ||
            b.cgroup_attach(b.ctx, pid, "box", msg))
            _exit(2);
        if (write(fds[1], "r", 1) != 1)
            _exit(3);
        pause();
        _exit(4);
    }
    close(fds[1]);
    char c = 0, run[160];
    snprintf(run, sizeof(run), "%s/vmlab-run-%d", mount_dir, (int)child);
    bool ready = read(fds[0], &c, 1) == 1;
    close(fds[0]);
    CHECK(ready, "the second run did not get its agent into box");
    CHECK(!ready || exists(run), "%s was not made", run);
    kill(child, SIGTERM);
    int st = 0;
    waitpid(child, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "the second run ended with status %#x", st);
    CHECK(!exists(run), "%s is left after SIGTERM", run);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("skipped: needs root (makes memory cgroups)\n");
        return 77;
    }
    char buf[4096];
    if (slurp("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) > 0 && strstr(buf, "memory")) {
        version = 2;
        snprintf(mount_dir, sizeof(mount_dir), "/sys/fs/cgroup");
        if (slurp("/sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) <= 0 ||
            !strstr(buf, "memory")) {
            printf("skipped: cgroup v2 without memory in the root's subtree_control (not changed "
                   "here)\n");
            return 77;
        }
    } else if (exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
        version = 1;
        snprintf(mount_dir, sizeof(mount_dir), "/sys/fs/cgroup/memory");
    } else {
        printf("skipped: no memory cgroup controller (v2 root without memory, no v1 hierarchy)\n");
        return 77;
    }
    int n = slurp("/proc/swaps", buf, sizeof(buf));
    bool swap_on = n > 0 && strchr(buf, '\n') && strchr(buf, '\n')[1];
    if (swap_on && version == 1 && !exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) {
        printf("skipped: swap is on and cgroup v1 does not account it (no memsw): box would "
               "swap, not OOM\n");
        return 77;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    the_run();
    the_signal();
    the_confined_run();
    printf("%d passed, %d failed\n", failed ? 0 : 1, failed);
    return failed ? 1 : 0;
}
