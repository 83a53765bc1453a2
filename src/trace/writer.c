/* trace/writer.c: writing vmlab's native trace format, raw or as one zstd stream.
 *
 * Records are encoded into a buffer of words (docs/trace-format.md): a short word when the size
 * is at most 31 and the address is sign-extended from bit 56 (every canonical 4- or 5-level
 * address), else a long access (a control word and the full address); a cpu control word
 * before the first record whose cpu differs from the previous one. Full buffers go to the file
 * directly or through ZSTD_compressStream2 (level 3). finish patches the record count into the
 * header when the output is a raw regular file; zstd output and pipes keep 0 ("unknown").
 *
 * errno is read here, on open and write failures of the trace file, as for the readers.
 */
#include "trace/trace_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define WR_WORDS   (1u << 16) /* words buffered before a write (512 KiB) */
#define ZSTD_LEVEL 3

struct vml_trace_writer {
    int fd;
    bool own_fd;   /* not standard output */
    bool seekable; /* a regular file: the count can be patched */
    enum vml_trace_compress comp;
    ZSTD_CCtx *cctx;
    uint8_t *zout; /* compressed output chunk */
    size_t zcap;
    uint64_t *words; /* encoded words, little-endian */
    size_t nwords;
    uint64_t count; /* access records written */
    uint32_t cpu;   /* cpu of the last record */
    char *path;
    char *tmp; /* the file written, renamed to path by finish; NULL when path is written directly */
};

static int wfail(struct vml_diag *d, const struct vml_trace_writer *w, int err, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

static int wfail(struct vml_diag *d, const struct vml_trace_writer *w, int err, const char *fmt,
                 ...)
{
    if (d) {
        va_list ap;
        d->file = w ? w->path : NULL;
        d->line = 0;
        d->col = 0;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
        va_end(ap);
    }
    return err;
}

static int write_all(struct vml_trace_writer *w, const void *p, size_t n, struct vml_diag *d)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t got = write(w->fd, b, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return wfail(d, w, VML_ENOENT, "write error: %s", strerror(errno));
        b += got;
        n -= (size_t)got;
    }
    return 0;
}

/* Feeds n bytes to zstd (or flushes/ends the frame with mode), writing full output chunks. */
static int zwrite(struct vml_trace_writer *w, const void *p, size_t n, ZSTD_EndDirective mode,
                  struct vml_diag *d)
{
    ZSTD_inBuffer in = { p, n, 0 };
    for (;;) {
        ZSTD_outBuffer out = { w->zout, w->zcap, 0 };
        size_t left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
        if (ZSTD_isError(left))
            return wfail(d, w, VML_ENOENT, "zstd: %s", ZSTD_getErrorName(left));
        int err = write_all(w, w->zout, out.pos, d);
        if (err)
            return err;
        if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
            return 0;
    }
}

static int flush_words(struct vml_trace_writer *w, struct vml_diag *d)
{
    size_t n = w->nwords * 8;
    w->nwords = 0;
    if (w->comp == VML_TRACE_ZSTD)
        return zwrite(w, w->words, n, ZSTD_e_continue, d);
    return write_all(w, w->words, n, d);
}

static void put_word(struct vml_trace_writer *w, uint64_t v)
{
    store_le64((uint8_t *)&w->words[w->nwords++], v);
}

static void writer_free(struct vml_trace_writer *w)
{
    if (w->own_fd && w->fd >= 0)
        close(w->fd);
    ZSTD_freeCCtx(w->cctx);
    free(w->zout);
    free(w->words);
    if (w->tmp)
        unlink(w->tmp); /* not finished: leave no partial file behind */
    free(w->tmp);
    free(w->path);
    free(w);
}

/* Opens the output. A regular file (or a new one) is written under a temporary name in the same
 * directory and renamed over path by finish, so a failed run leaves nothing behind and never
 * half-overwrites an earlier trace. A device or FIFO (/dev/null, a pipe) is written directly. */
static int open_output(struct vml_trace_writer *w, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        w->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        return w->fd < 0 ? -1 : 0;
    }
    size_t n = strlen(path) + 32;
    if (!(w->tmp = malloc(n)))
        return -1;
    for (unsigned i = 0;; i++) {
        snprintf(w->tmp, n, "%s.part%ld-%u", path, (long)getpid(), i);
        w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (w->fd >= 0 || errno != EEXIST || i == 100)
            break;
    }
    if (w->fd < 0) {
        int e = errno;
        free(w->tmp);
        w->tmp = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

int vml_trace_create(const char *path, enum vml_trace_compress compress,
                     struct vml_trace_writer **out, struct vml_diag *diag)
{
    if (compress != VML_TRACE_RAW && compress != VML_TRACE_ZSTD)
        return wfail(diag, NULL, VML_EINVAL, "the native writer compresses with zstd only, not %s",
                     vml_trace_compress_name(compress));
    struct vml_trace_writer *w = calloc(1, sizeof(*w));
    size_t plen = strlen(path) + 1;
    if (!w || !(w->path = malloc(plen)) || !(w->words = malloc(WR_WORDS * 8))) {
        if (w)
            free(w->path);
        free(w);
        return wfail(diag, NULL, VML_EHOST, "out of memory");
    }
    memcpy(w->path, path, plen);
    w->comp = compress;
    w->fd = -1;
    if (compress == VML_TRACE_ZSTD) {
        w->zcap = ZSTD_CStreamOutSize();
        w->cctx = ZSTD_createCCtx();
        w->zout = malloc(w->zcap);
        if (!w->cctx || !w->zout ||
            ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL))) {
            writer_free(w);
            return wfail(diag, NULL, VML_EHOST, "out of memory");
        }
    }
    if (strcmp(path, "-") == 0) {
        w->fd = STDOUT_FILENO;
    } else {
        if (open_output(w, path) != 0) {
            wfail(diag, NULL, VML_ENOENT, "cannot create: %s", strerror(errno));
            if (diag)
                diag->file = path;
            writer_free(w);
            return VML_ENOENT;
        }
        w->own_fd = true;
    }
    struct stat st;
    w->seekable = compress == VML_TRACE_RAW && fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode);
    /* The header: magic, version, header size, count (0 until finish), flags. */
    uint8_t h[NATIVE_HEADER_SIZE] = { 0 };
    memcpy(h, NATIVE_MAGIC, 8);
    h[8] = NATIVE_VERSION;
    h[12] = NATIVE_HEADER_SIZE;
    memcpy(w->words, h, sizeof(h));
    w->nwords = sizeof(h) / 8;
    *out = w;
    return 0;
}

static bool short_form(const struct vml_trace_rec *r)
{
    return r->size <= NATIVE_SIZE_MAX && native_addr(r->addr) == r->addr;
}

int vml_trace_write(struct vml_trace_writer *w, const struct vml_trace_rec *recs, size_t n,
                    struct vml_diag *diag)
{
    for (size_t i = 0; i < n; i++)
        if (recs[i].kind >= VML_NR_ACCESS)
            return wfail(diag, w, VML_EINVAL,
                         "record %zu of %zu: kind %u is not read (0), write (1) or exec (2)", i, n,
                         recs[i].kind);
    for (size_t i = 0; i < n; i++) {
        const struct vml_trace_rec *r = &recs[i];
        if (w->nwords + 3 > WR_WORDS) {
            int err = flush_words(w, diag);
            if (err)
                return err;
        }
        if (r->cpu != w->cpu) {
            put_word(w, native_ctrl(NATIVE_OP_CPU, r->cpu));
            w->cpu = r->cpu;
        }
        if (short_form(r)) {
            put_word(w, (uint64_t)r->kind << NATIVE_KIND_SHIFT |
                            (uint64_t)r->size << NATIVE_SIZE_SHIFT | (r->addr & NATIVE_ADDR_MASK));
        } else {
            put_word(w, native_ctrl(NATIVE_OP_LONG, (uint64_t)r->kind << 16 | r->size));
            put_word(w, r->addr);
        }
        w->count++;
    }
    return 0;
}

int vml_trace_finish(struct vml_trace_writer *w, struct vml_diag *diag)
{
    int err = flush_words(w, diag);
    if (!err && w->comp == VML_TRACE_ZSTD)
        err = zwrite(w, NULL, 0, ZSTD_e_end, diag);
    if (!err && w->seekable) {
        uint8_t c[8];
        store_le64(c, w->count);
        if (pwrite(w->fd, c, 8, 16) != 8)
            err = wfail(diag, w, VML_ENOENT, "cannot complete the header: %s", strerror(errno));
    }
    if (!err && w->own_fd) {
        int fd = w->fd;
        w->fd = -1;
        if (close(fd) != 0)
            err = wfail(diag, w, VML_ENOENT, "close: %s", strerror(errno));
    }
    if (!err && w->tmp) {
        if (rename(w->tmp, w->path) != 0)
            err = wfail(diag, w, VML_ENOENT, "cannot rename %s into place: %s", w->tmp,
                        strerror(errno));
        else {
            free(w->tmp);
            w->tmp = NULL;
        }
    }
    if (err && diag)
        diag->file = NULL; /* the path is freed below */
    writer_free(w);
    return err;
}

void vml_trace_abort(struct vml_trace_writer *w)
{
    if (w)
        writer_free(w);
}
