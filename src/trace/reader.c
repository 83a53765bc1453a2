/* trace/reader.c: the reader object: opening a file or memory, the batch read loop with its
 * pending records and sticky errors, closing.
 *
 * Opening: the source recognises compression (source.c), then the format is taken from the
 * caller or detected (format.c), then the format's open function checks its header, if any.
 * Reading: records left over from the previous call (a lackey M line or a ChampSim instruction
 * that did not fit) come first; a format reader that meets a bad record returns what it
 * produced before it, and the error is returned by the next call and every call after.
 */
#include "trace/trace_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void trace_fail(struct vml_trace_reader *r, int err, uint64_t line, unsigned col, const char *fmt,
                ...)
{
    va_list ap;
    r->err = err;
    r->diag.file = r->name;
    r->diag.line = line > UINT_MAX ? UINT_MAX : (unsigned)line;
    r->diag.col = col;
    va_start(ap, fmt);
    vsnprintf(r->diag.msg, sizeof(r->diag.msg), fmt, ap);
    va_end(ap);
}

void trace_push_pending(struct vml_trace_reader *r, const struct vml_trace_rec *recs, unsigned n)
{
    /* Only called at the end of a read, after the previous leftovers were all returned. */
    memcpy(r->pending, recs, n * sizeof(*recs));
    r->npending = n;
    r->pending_pos = 0;
}

char *trace_quote(char *buf, size_t cap, const uint8_t *s, size_t n)
{
    const size_t max = 40; /* characters between the quotes, escapes included */
    size_t o = 0, i = 0;
    if (cap < 8) {
        if (cap)
            buf[0] = 0;
        return buf;
    }
    buf[o++] = '"';
    for (; i < n && o <= max && o + 8 < cap; i++) {
        unsigned c = s[i];
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(buf + o, cap - o, "\\%c", (char)c);
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    if (i < n && o + 4 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = 0;
    return buf;
}

struct vml_trace_reader *trace_reader_new(const char *name)
{
    struct vml_trace_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    size_t n = strlen(name) + 1;
    r->name = malloc(n);
    if (!r->name) {
        free(r);
        return NULL;
    }
    memcpy(r->name, name, n);
    r->diag.file = r->name;
    return r;
}

static void set_diag(struct vml_diag *d, const char *file, unsigned line, unsigned col,
                     const char *msg)
{
    if (!d)
        return;
    d->file = file;
    d->line = line;
    d->col = col;
    snprintf(d->msg, sizeof(d->msg), "%s", msg);
}

/* Detects the format if asked, then runs the format's open. Frees r on failure, with d set and
 * d->file pointing at the caller's name. */
static int finish_open(struct vml_trace_reader *r, const char *name, enum vml_trace_format fmt,
                       struct vml_trace_reader **out, struct vml_diag *d)
{
    int err = 0;
    if (fmt == VML_TRACE_AUTO) {
        err = src_need(&r->src, 4096, &r->diag);
        if (!err)
            err = trace_detect(r->src.win, r->src.len, r->src.eof, name, &fmt, &r->diag);
    }
    if (!err) {
        r->format = fmt;
        switch (fmt) {
        case VML_TRACE_NATIVE: err = native_open(r); break;
        case VML_TRACE_LACKEY: err = lackey_open(r); break;
        case VML_TRACE_CHAMPSIM: err = champsim_open(r); break;
        case VML_TRACE_PLAIN: err = plain_open(r); break;
        default: err = VML_EINVAL; break;
        }
    }
    if (err) {
        set_diag(d, name, r->diag.line, r->diag.col, r->diag.msg);
        vml_trace_close(r);
        return err;
    }
    *out = r;
    return 0;
}

static bool file_format(enum vml_trace_format fmt)
{
    return fmt == VML_TRACE_AUTO || fmt == VML_TRACE_NATIVE || fmt == VML_TRACE_LACKEY ||
           fmt == VML_TRACE_CHAMPSIM || fmt == VML_TRACE_PLAIN;
}

int vml_trace_open(const char *path, enum vml_trace_format fmt, struct vml_trace_reader **out,
                   struct vml_diag *diag)
{
    char msg[200];
    if (!file_format(fmt)) {
        set_diag(diag, path, 0, 0, "not a file format (a generator opens with vml_trace_open_gen)");
        return VML_EINVAL;
    }
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
        set_diag(diag, path, 0, 0, msg);
        return VML_ENOENT;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        set_diag(diag, path, 0, 0, "cannot open: is a directory");
        close(fd);
        return VML_ENOENT;
    }
    struct vml_trace_reader *r = trace_reader_new(is_stdin ? "<stdin>" : path);
    if (!r) {
        set_diag(diag, path, 0, 0, "out of memory");
        if (!is_stdin)
            close(fd);
        return VML_EHOST;
    }
    int err = src_open_fd(&r->src, fd, !is_stdin, &r->diag);
    if (err) {
        set_diag(diag, path, 0, 0, r->diag.msg);
        if (!is_stdin)
            close(fd);
        vml_trace_close(r);
        return err;
    }
    r->has_src = true;
    return finish_open(r, path, fmt, out, diag);
}

int vml_trace_open_mem(const void *data, size_t len, const char *name, enum vml_trace_format fmt,
                       struct vml_trace_reader **out, struct vml_diag *diag)
{
    if (!name)
        name = "<memory>";
    if (!file_format(fmt)) {
        set_diag(diag, name, 0, 0, "not a file format (a generator opens with vml_trace_open_gen)");
        return VML_EINVAL;
    }
    struct vml_trace_reader *r = trace_reader_new(name);
    if (!r) {
        set_diag(diag, name, 0, 0, "out of memory");
        return VML_EHOST;
    }
    int err = src_open_mem(&r->src, len ? data : "", len, &r->diag);
    if (err) {
        set_diag(diag, name, 0, 0, r->diag.msg);
        vml_trace_close(r);
        return err;
    }
    r->has_src = true;
    return finish_open(r, name, fmt, out, diag);
}

long vml_trace_read(struct vml_trace_reader *r, struct vml_trace_rec *buf, size_t n,
                    struct vml_diag *diag)
{
    size_t k = 0;
    while (k < n && r->pending_pos < r->npending)
        buf[k++] = r->pending[r->pending_pos++];
    if (r->pending_pos == r->npending)
        r->npending = r->pending_pos = 0;
    if (k < n && !r->err)
        k += (size_t)r->read(r, buf + k, n - k);
    if (k > 0 || !r->err)
        return (long)k;
    if (diag)
        *diag = r->diag;
    return r->err;
}

enum vml_trace_format vml_trace_reader_format(const struct vml_trace_reader *r)
{
    return r->format;
}

enum vml_trace_compress vml_trace_reader_compress(const struct vml_trace_reader *r)
{
    return r->has_src ? r->src.comp : VML_TRACE_RAW;
}

uint64_t vml_trace_reader_count(const struct vml_trace_reader *r)
{
    return r->count;
}

void vml_trace_close(struct vml_trace_reader *r)
{
    if (!r)
        return;
    if (r->has_src)
        src_close(&r->src);
    free(r->name);
    free(r);
}
