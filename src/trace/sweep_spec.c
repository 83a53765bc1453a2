/* trace/sweep_spec.c: the spec file of vmlab sweep (vmlab/sweep.h): axes of values, checked as
 * replay would check them, and the replay arguments of each point. */
#include "vmlab/cpu.h"
#include "vmlab/replay.h"
#include "vmlab/sweep.h"
#include "vmlab/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 1000000ull

struct words {
    char **v;
    size_t n, cap;
};

struct vml_sweep {
    struct words axis[VML_SWEEP_NR_AXES];
    struct words opt; /* option lines' words, in order */
};

static const char *const axis_names[VML_SWEEP_NR_AXES] = { "trace", "cpu", "pages", "paging" };

const char *vml_sweep_axis_name(enum vml_sweep_axis a)
{
    return a < VML_SWEEP_NR_AXES ? axis_names[a] : "?";
}

static int push(struct words *w, const char *p, size_t n)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 8;
        char **v = realloc(w->v, cap * sizeof(*v));
        if (!v)
            return VML_EHOST;
        w->v = v;
        w->cap = cap;
    }
    char *s = malloc(n + 1);
    if (!s)
        return VML_EHOST;
    memcpy(s, p, n);
    s[n] = 0;
    w->v[w->n++] = s;
    return 0;
}

static void words_free(struct words *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
}

void vml_sweep_free(struct vml_sweep *s)
{
    if (!s)
        return;
    for (unsigned a = 0; a < VML_SWEEP_NR_AXES; a++)
        words_free(&s->axis[a]);
    words_free(&s->opt);
    free(s);
}

static int fail(struct vml_diag *d, const char *name, unsigned line, unsigned col, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static int nomem(struct vml_diag *d, const char *name)
{
    fail(d, name, 0, 0, "out of host memory");
    return VML_EHOST;
}

static int fail(struct vml_diag *d, const char *name, unsigned line, unsigned col, const char *fmt,
                ...)
{
    if (d) {
        va_list ap;
        d->file = name;
        d->line = line;
        d->col = col;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
        va_end(ap);
    }
    return VML_EPARSE;
}

/* "pages" values: 4k 2m 1g thp:always thp:madvise thp:never. */
static bool pages_ok(const char *v)
{
    static const char *const ok[] = { "4k", "2m", "1g", "thp:always", "thp:madvise", "thp:never" };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcmp(v, ok[i]) == 0)
            return true;
    return false;
}

/* Checks one value as replay would; 0 or a message in msg. */
static int check_value(enum vml_sweep_axis a, const char *v, char *msg, size_t len, unsigned *col)
{
    struct vml_diag d = { 0 };
    *col = 0;
    switch (a) {
    case VML_SWEEP_TRACE:
        if (strncmp(v, "gen:", 4) == 0) {
            struct vml_gen_config g;
            if (vml_gen_parse(v + 4, &g, &d)) {
                *col = d.col ? d.col + 4 : 0;
                snprintf(msg, len, "trace %.60s: %.200s", v, d.msg);
                return -1;
            }
        }
        return 0; /* a file: the replay of its points says if it cannot be read */
    case VML_SWEEP_CPU: {
        struct vml_cpu_model m;
        if (vml_cpu_model_parse(v, &m, &d)) {
            *col = d.col;
            snprintf(msg, len, "cpu %.60s: %.200s", v, d.msg);
            return -1;
        }
        return 0;
    }
    case VML_SWEEP_PAGES:
        if (!pages_ok(v)) {
            snprintf(msg, len,
                     "pages %.60s: expected 4k, 2m, 1g, thp:always, thp:madvise or thp:never", v);
            return -1;
        }
        return 0;
    case VML_SWEEP_PAGING:
        if (strcmp(v, "4") != 0 && strcmp(v, "5") != 0) {
            snprintf(msg, len, "paging %.60s: expected 4 or 5", v);
            return -1;
        }
        return 0;
    default: return -1;
    }
}

static const char *check_count(const char *v, char *buf, size_t len)
{
    uint64_t n;
    struct vml_diag d;
    if (vml_parse_u64(v, &n, &d) || n == 0) {
        snprintf(buf, len, "expected a count of at least 1, not %.60s", v);
        return buf;
    }
    return NULL;
}

static const char *check_size(const char *v, char *buf, size_t len)
{
    uint64_t n;
    struct vml_diag d;
    if (vml_parse_size(v, &n, &d)) {
        snprintf(buf, len, "%s", d.msg);
        return buf;
    }
    return NULL;
}

static const char *check_onoff(const char *v, char *buf, size_t len)
{
    if (strcmp(v, "on") && strcmp(v, "off")) {
        snprintf(buf, len, "expected on or off, not %.60s", v);
        return buf;
    }
    return NULL;
}

static const char *check_format(const char *v, char *buf, size_t len)
{
    enum vml_trace_format f;
    if (vml_trace_format_parse(v, &f) || f == VML_TRACE_GEN || f == VML_TRACE_AUTO) {
        snprintf(buf, len, "expected native, lackey, champsim or plain, not %.60s", v);
        return buf;
    }
    return NULL;
}

/* Replay options a spec may set, each with its value's check; the rest are the sweep's own
 * (--cpu, --pages, --thp, --paging, --json, --quiet) or make no sense per point (--interval,
 * --series). */
static const struct {
    const char *name;
    const char *(*check)(const char *v, char *buf, size_t len);
} options[] = {
    { "--cpus", check_count },  { "--ram", check_size },      { "--zero-page", check_onoff },
    { "--limit", check_count }, { "--format", check_format },
};

/* A word of a line: double quotes group (no escapes); '#' outside quotes starts a comment. */
struct word {
    const char *p;
    size_t n;
    unsigned col;
};

static int split(const char *p, size_t n, struct word *w, size_t max, size_t *count,
                 unsigned *badcol)
{
    size_t i = 0, k = 0;
    for (;;) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
        if (i == n || p[i] == '#')
            break;
        if (k == max) {
            *badcol = (unsigned)i + 1;
            return -2;
        }
        if (p[i] == '"') {
            size_t j = i + 1;
            while (j < n && p[j] != '"')
                j++;
            if (j == n) {
                *badcol = (unsigned)i + 1;
                return -1;
            }
            w[k++] = (struct word){ p + i + 1, j - i - 1, (unsigned)i + 1 };
            i = j + 1;
        } else {
            size_t j = i;
            while (j < n && p[j] != ' ' && p[j] != '\t' && p[j] != '\r')
                j++;
            w[k++] = (struct word){ p + i, j - i, (unsigned)i + 1 };
            i = j;
        }
    }
    *count = k;
    return 0;
}

enum { MAX_WORDS = 256, MAX_WORD = 4096 };

static int parse_line(struct vml_sweep *s, const char *p, size_t n, const char *name, unsigned line,
                      struct vml_diag *d)
{
    struct word w[MAX_WORDS];
    size_t k = 0;
    unsigned col = 0;
    int e = split(p, n, w, MAX_WORDS, &k, &col);
    if (e == -1)
        return fail(d, name, line, col, "unterminated \" (a quoted value ends on its line)");
    if (e == -2)
        return fail(d, name, line, col, "more than %d words on one line: split it", MAX_WORDS);
    if (k == 0)
        return 0;
    for (size_t i = 0; i < k; i++) {
        if (w[i].n == 0)
            return fail(d, name, line, w[i].col, "an empty value (\"\")");
        if (w[i].n > MAX_WORD)
            return fail(d, name, line, w[i].col, "a value longer than %d bytes", MAX_WORD);
        if (memchr(w[i].p, 0, w[i].n))
            return fail(d, name, line, w[i].col, "a NUL byte in a value");
    }
    char key[16] = "";
    if (w[0].n < sizeof(key))
        memcpy(key, w[0].p, w[0].n);
    if (k == 1)
        return fail(d, name, line, w[0].col + (unsigned)w[0].n, "%s without a value",
                    key[0] ? key : "a key");
    if (strcmp(key, "option") == 0) {
        /* Pairs: an option, then its value. */
        for (size_t i = 1; i < k; i += 2) {
            size_t o = 0, no = sizeof(options) / sizeof(options[0]);
            while (o < no && (strlen(options[o].name) != w[i].n ||
                              memcmp(options[o].name, w[i].p, w[i].n) != 0))
                o++;
            if (o == no)
                return fail(d, name, line, w[i].col,
                            "option %.*s: a sweep may set --cpus, --ram, --zero-page, --limit "
                            "and --format (the sweep itself sets --cpu, --pages, --thp, "
                            "--paging and --json)",
                            (int)(w[i].n > 60 ? 60 : w[i].n), w[i].p);
            if (i + 1 == k)
                return fail(d, name, line, w[i].col + (unsigned)w[i].n, "%s needs a value",
                            options[o].name);
            char v[MAX_WORD + 1], buf[200];
            memcpy(v, w[i + 1].p, w[i + 1].n);
            v[w[i + 1].n] = 0;
            const char *why = options[o].check(v, buf, sizeof(buf));
            if (why)
                return fail(d, name, line, w[i + 1].col, "%s: %s", options[o].name, why);
            if (push(&s->opt, w[i].p, w[i].n) || push(&s->opt, w[i + 1].p, w[i + 1].n))
                return VML_EHOST;
        }
        return 0;
    }
    unsigned a = 0;
    while (a < VML_SWEEP_NR_AXES && strcmp(key, axis_names[a]) != 0)
        a++;
    if (a == VML_SWEEP_NR_AXES)
        return fail(d, name, line, w[0].col,
                    "unknown key %.*s: expected trace, cpu, pages, paging or option",
                    (int)(w[0].n > 60 ? 60 : w[0].n), w[0].p);
    for (size_t i = 1; i < k; i++) {
        char v[MAX_WORD + 1], msg[300];
        memcpy(v, w[i].p, w[i].n);
        v[w[i].n] = 0;
        unsigned c;
        if (check_value((enum vml_sweep_axis)a, v, msg, sizeof(msg), &c))
            return fail(d, name, line, w[i].col + (c ? c - 1 : 0), "%s", msg);
        for (size_t j = 0; j < s->axis[a].n; j++)
            if (strcmp(s->axis[a].v[j], v) == 0)
                return fail(d, name, line, w[i].col, "%s %.60s is given twice", key, v);
        if (push(&s->axis[a], w[i].p, w[i].n))
            return VML_EHOST;
    }
    return 0;
}

int vml_sweep_parse(const char *text, size_t len, const char *name, struct vml_sweep **out,
                    struct vml_diag *diag)
{
    struct vml_sweep *s = calloc(1, sizeof(*s));
    if (!s)
        return nomem(diag, name);
    unsigned line = 0;
    int e = 0;
    for (size_t i = 0; i < len && !e;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        e = parse_line(s, text + i, n, name, ++line, diag);
        i += n + 1;
    }
    if (e == VML_EHOST)
        nomem(diag, name);
    if (!e && s->axis[VML_SWEEP_TRACE].n == 0)
        e = fail(diag, name, 0, 0, "no trace: add a line 'trace FILE' (or a gen: generator)");
    static const char *const defaults[VML_SWEEP_NR_AXES] = { NULL, "skylake", "4k", "4" };
    for (unsigned a = 1; !e && a < VML_SWEEP_NR_AXES; a++)
        if (s->axis[a].n == 0 && push(&s->axis[a], defaults[a], strlen(defaults[a])))
            e = nomem(diag, name);
    /* Every point must be a replay that can run: paging 5 needs la57 on every CPU model. */
    bool five = false;
    for (size_t i = 0; !e && i < s->axis[VML_SWEEP_PAGING].n; i++)
        five |= strcmp(s->axis[VML_SWEEP_PAGING].v[i], "5") == 0;
    for (size_t i = 0; !e && five && i < s->axis[VML_SWEEP_CPU].n; i++) {
        struct vml_cpu_model m;
        const char *c = s->axis[VML_SWEEP_CPU].v[i];
        if (vml_cpu_model_parse(c, &m, NULL) == 0 && !m.la57)
            e = fail(diag, name, 0, 0,
                     "paging 5 needs CPUs with 5-level paging, and cpu %.60s has none (give "
                     "%.60s%sla57=on, or another spec for 4-level paging)",
                     c, c, strchr(c, ':') ? "," : ":");
    }
    if (!e && vml_sweep_points(s) > MAX_POINTS)
        e = fail(diag, name, 0, 0, "%llu points: a sweep holds at most %llu (split it)",
                 (unsigned long long)vml_sweep_points(s), MAX_POINTS);
    if (e) {
        vml_sweep_free(s);
        return e;
    }
    *out = s;
    return 0;
}

uint64_t vml_sweep_points(const struct vml_sweep *s)
{
    uint64_t n = 1;
    for (unsigned a = 0; a < VML_SWEEP_NR_AXES; a++) {
        n *= s->axis[a].n;
        if (n > MAX_POINTS + 1)
            return MAX_POINTS + 1; /* no overflow: "too many" is all a caller needs */
    }
    return n;
}

size_t vml_sweep_values(const struct vml_sweep *s, enum vml_sweep_axis a)
{
    return a < VML_SWEEP_NR_AXES ? s->axis[a].n : 0;
}

void vml_sweep_point(const struct vml_sweep *s, uint64_t p, struct vml_sweep_point *out)
{
    for (int a = VML_SWEEP_NR_AXES - 1; a >= 0; a--) {
        size_t n = s->axis[a].n;
        out->value[a] = s->axis[a].v[p % n];
        p /= n;
    }
}

size_t vml_sweep_argc(const struct vml_sweep *s)
{
    return 7 + s->opt.n; /* TRACE --cpu C --paging L --pages|--thp P */
}

void vml_sweep_argv(const struct vml_sweep *s, uint64_t p, const char **argv)
{
    struct vml_sweep_point pt;
    vml_sweep_point(s, p, &pt);
    size_t k = 0;
    argv[k++] = pt.value[VML_SWEEP_TRACE];
    argv[k++] = "--cpu";
    argv[k++] = pt.value[VML_SWEEP_CPU];
    argv[k++] = "--paging";
    argv[k++] = pt.value[VML_SWEEP_PAGING];
    const char *pages = pt.value[VML_SWEEP_PAGES];
    if (strncmp(pages, "thp:", 4) == 0) {
        argv[k++] = "--thp";
        argv[k++] = pages + 4;
    } else {
        argv[k++] = "--pages";
        argv[k++] = pages;
    }
    for (size_t i = 0; i < s->opt.n; i++)
        argv[k++] = s->opt.v[i];
    argv[k] = NULL;
}
