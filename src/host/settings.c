/* host/settings.c: kernel setting files written for a run, and put back (settings.h). */
#include "host/settings.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define JOURNAL_MAX 64

struct entry {
    char path[SETTING_PATH_MAX];
    char old[SETTING_VALUE_MAX];
    size_t len;
};

/* The journal: entries [0, n) are complete. It changes only with the caught signals blocked, so
 * the handler never sees half an entry. */
static struct entry journal[JOURNAL_MAX];
static volatile sig_atomic_t n_journal;

/* SIGPIPE too: vmlab's output into a pipe whose reader has gone (| head) would end it. */
static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
#define N_CAUGHT (sizeof(caught) / sizeof(caught[0]))
static struct sigaction previous[N_CAUGHT];
static bool installed[N_CAUGHT];
static void (*volatile undo_fn)(void); /* host_settings_undo's action, or NULL */

/* The machine-wide lock a run holds while it has kernel settings changed: another vmlab run
 * that wants to change any waits until the first has put everything back, so that it reads
 * (and will restore) the machine's own values, not the first run's. Two runs that each saved
 * the other's value would otherwise leave the machine changed. flock: the kernel drops it when
 * the process dies, however it dies. */
#define LOCK_PATH          "/run/lock/vmlab-kernel-settings.lock"
#define LOCK_PATH_FALLBACK "/tmp/vmlab-kernel-settings.lock"
static int lock_fd = -1;

static int lock_take(void)
{
    if (lock_fd >= 0)
        return 0;
    int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        fd = open(LOCK_PATH_FALLBACK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            int e = errno;
            close(fd);
            return e;
        }
        fprintf(stderr,
                "linux: another vmlab run has kernel settings changed; waiting for it "
                "to put them back (%s)\n",
                LOCK_PATH);
        while (flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) {
                int e = errno;
                close(fd);
                return e;
            }
        }
    }
    lock_fd = fd;
    return 0;
}

static void lock_drop(void)
{
    if (lock_fd >= 0) {
        close(lock_fd); /* the only descriptor: children close theirs (host_settings_child) */
        lock_fd = -1;
    }
}

/* Writes len bytes of value to path: 0 or an errno. Async-signal-safe. */
static int put(const char *path, const char *value, size_t len)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t w = write(fd, value, len);
    int e = w < 0 ? errno : (size_t)w != len ? EIO : 0;
    if (close(fd) != 0 && !e)
        e = errno;
    return e;
}

/* mm/page-writeback.c: each dirty limit has two forms, a ratio and a byte count, and a write of
 * one zeroes the other (dirty_ratio_handler, dirty_bytes_handler and the background pair); so
 * do mm/util.c's overcommit_ratio and overcommit_kbytes (their handlers), whose kbytes form may
 * be written 0 but would zero the ratio if it were put back last. A
 * byte form cannot be written 0 (its minimum is 1 or two pages): it goes back to 0 by the
 * ratio's write. So the partner of such a file is journalled before it (and so put back after
 * it), and putting a byte form back to 0 writes nothing. The partner of path, or NULL. */
static const char *dirty_partner(const char *path)
{
    static const char *const pairs[][2] = {
        { "/proc/sys/vm/dirty_ratio", "/proc/sys/vm/dirty_bytes" },
        { "/proc/sys/vm/dirty_background_ratio", "/proc/sys/vm/dirty_background_bytes" },
        { "/proc/sys/vm/overcommit_ratio", "/proc/sys/vm/overcommit_kbytes" },
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        for (int k = 0; k < 2; k++)
            if (strcmp(path, pairs[i][k]) == 0)
                return pairs[i][1 - k];
    return NULL;
}

/* Whether putting entry back writes nothing: a byte form to 0 (its ratio's restore, after it,
 * zeroes it). Async-signal-safe. */
static bool restore_is_noop(const struct entry *j)
{
    size_t n = strlen(j->path);
    if (j->len == 1 && j->old[0] == '0' && strcmp(j->path, "/proc/sys/vm/overcommit_kbytes") == 0)
        return true;
    return j->len == 1 && j->old[0] == '0' && n > 6 && strcmp(j->path + n - 6, "_bytes") == 0 &&
           strncmp(j->path, "/proc/sys/vm/dirty_", 19) == 0;
}

/* The handler: every file back, then the signal's own action. The caught signals are all
 * blocked while it runs (sa_mask); only then is the default action put back, so that a second
 * signal (timeout(1) sends one to the process and another to its group) waits instead of
 * killing the process before the files are back. SA_RESETHAND would reset the action as the
 * first signal is taken, before it is blocked: on 2 CPUs the second one then killed vmlab in
 * that window about one time in three. The raised signal is delivered when the handler
 * returns and unblocks it. */
static void on_signal(int sig)
{
    int saved = errno;
    if (undo_fn)
        undo_fn();
    undo_fn = NULL;
    for (sig_atomic_t i = n_journal; i-- > 0;)
        if (!restore_is_noop(&journal[i]))
            put(journal[i].path, journal[i].old, journal[i].len);
    n_journal = 0;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
    errno = saved;
}

static void block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < N_CAUGHT; i++)
        sigaddset(&set, caught[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void install(void)
{
    for (size_t i = 0; i < N_CAUGHT; i++) {
        if (installed[i])
            continue;
        struct sigaction sa;
        if (sigaction(caught[i], NULL, &previous[i]) != 0 || previous[i].sa_handler == SIG_IGN)
            continue; /* an ignored signal cannot interrupt the run */
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t k = 0; k < N_CAUGHT; k++)
            sigaddset(&sa.sa_mask, caught[k]);
        installed[i] = sigaction(caught[i], &sa, NULL) == 0;
    }
}

static void uninstall(void)
{
    for (size_t i = 0; i < N_CAUGHT; i++)
        if (installed[i]) {
            sigaction(caught[i], &previous[i], NULL);
            installed[i] = false;
        }
}

int host_setting_read(const char *path, char *buf, size_t n)
{
    char raw[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t k = read(fd, raw, sizeof(raw) - 1);
    int e = errno;
    close(fd);
    if (k < 0)
        return e;
    raw[k] = 0;
    char *a = strchr(raw, '['), *z = a ? strchr(a, ']') : NULL;
    if (a && z) {
        *z = 0;
        snprintf(buf, n, "%s", a + 1);
        return 0;
    }
    while (k > 0 && (raw[k - 1] == '\n' || raw[k - 1] == ' '))
        raw[--k] = 0;
    snprintf(buf, n, "%s", raw);
    return 0;
}

int host_setting_write(const char *path, const char *value, char *was, bool *changed)
{
    *changed = false;
    if (strlen(path) >= SETTING_PATH_MAX || strlen(value) >= SETTING_VALUE_MAX)
        return ENAMETOOLONG;
    /* Read what the file holds only once no other run has it changed. */
    int e = lock_take();
    if (e)
        return e;
    e = host_setting_read(path, was, SETTING_VALUE_MAX);
    if (e || strcmp(was, value) == 0) {
        if (n_journal == 0 && !undo_fn)
            lock_drop();
        return e;
    }
    sigset_t old;
    block(&old);
    /* A dirty limit's other form, journalled first with what it holds (see dirty_partner). */
    const char *partner = dirty_partner(path);
    char pwas[SETTING_VALUE_MAX];
    if (partner && n_journal < JOURNAL_MAX && host_setting_read(partner, pwas, sizeof(pwas)) == 0) {
        sig_atomic_t q = 0;
        while (q < n_journal && strcmp(journal[q].path, partner) != 0)
            q++;
        if (q == n_journal) {
            struct entry *j = &journal[q];
            snprintf(j->path, sizeof(j->path), "%s", partner);
            snprintf(j->old, sizeof(j->old), "%s", pwas);
            j->len = strlen(j->old);
            n_journal = q + 1;
            install();
        }
    }
    sig_atomic_t n = n_journal, k = 0;
    while (k < n && strcmp(journal[k].path, path) != 0)
        k++;
    if (k == n) {
        if (n == JOURNAL_MAX) {
            sigprocmask(SIG_SETMASK, &old, NULL);
            return ENOSPC;
        }
        struct entry *j = &journal[n];
        snprintf(j->path, sizeof(j->path), "%s", path);
        snprintf(j->old, sizeof(j->old), "%s", was);
        j->len = strlen(j->old);
        n_journal = n + 1;
        install();
    }
    e = put(path, value, strlen(value));
    if (e && k == n)
        n_journal = n; /* nothing changed: nothing to put back */
    if (n_journal == 0 && !undo_fn) {
        uninstall();
        lock_drop();
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    *changed = e == 0;
    return e;
}

int host_settings_undo(void (*undo)(void))
{
    int e = lock_take();
    if (e)
        return e;
    sigset_t old;
    block(&old);
    undo_fn = undo;
    install();
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}

void host_settings_child(void)
{
    n_journal = 0;
    undo_fn = NULL;
    uninstall();
    if (lock_fd >= 0) { /* the parent's lock: a child's copy of the descriptor would keep it */
        close(lock_fd);
        lock_fd = -1;
    }
}

unsigned host_settings_restore(char *what, size_t n)
{
    sigset_t old;
    block(&old);
    unsigned failed = 0;
    if (undo_fn)
        undo_fn();
    undo_fn = NULL;
    for (sig_atomic_t i = n_journal; i-- > 0;) {
        if (restore_is_noop(&journal[i]))
            continue;
        int e = put(journal[i].path, journal[i].old, journal[i].len);
        if (e && !failed++ && what)
            snprintf(what, n, "%s back to %s: %s", journal[i].path, journal[i].old, strerror(e));
    }
    n_journal = 0;
    uninstall();
    lock_drop();
    sigprocmask(SIG_SETMASK, &old, NULL);
    return failed;
}
