/* trace/writer.c: writing traces: vmlab's native format, lackey and plain text, and ChampSim
 * input_instr records, raw or as one zstd stream (the readers recognise zstd in any format).
 *
 * Native: records are encoded into a buffer of words (docs/trace-format.md): a short word when the
 * size is at most 31 and the address is sign-extended from bit 56 (every canonical 4- or 5-level
 * address), else a long access (a control word and the full address); a cpu control word
 * before the first record whose cpu differs from the previous one. Full buffers go to the file
 * directly or through ZSTD_compressStream2 (level 3). finish patches the record count into the
 * header when the output is a raw regular file; zstd output and pipes keep 0 ("unknown").
 *
 * The other formats keep less than a record holds (docs/trace-format.md, "Converting"):
 *   lackey    no CPU; a size of 0 ("not given") is written as 1, which replay takes it as anyway;
 *             a read followed by a write of the same address and size becomes one M line, which
 *             lackey's reader turns back into the same two records
 *   plain     no CPU, no size, no fetch kind: an instruction fetch is written as a read (R)
 *   champsim  no CPU, no size; records are grouped into instructions as ChampSim's tracer makes
 *             them: a fetch starts one, then up to 4 reads, then up to 2 writes. A read or write
 *             that does not fit the current instruction (no fetch yet, a fifth read, a read
 *             after a write, a third write) starts a new one at ip 0, which the reader takes
 *             as "no fetch", so reading back gives the same records in the same order.
 *             Address 0 cannot be a data access (ChampSim marks an unused slot with 0), nor a
 *             fetch: refused.
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

#define WR_BYTES   (1u << 19) /* bytes buffered before a write (512 KiB) */
#define WR_REC_MAX 192u       /* most bytes one record can add (a ChampSim instruction: 64) */
#define ZSTD_LEVEL 3

struct vml_trace_writer {
    int fd;
    bool own_fd;   /* not standard output */
    bool seekable; /* a regular file: the count can be patched */
    enum vml_trace_compress comp;
    enum vml_trace_format fmt;
    ZSTD_CCtx *cctx;
    uint8_t *zout; /* compressed output chunk */
    size_t zcap;
    uint8_t *buf; /* encoded bytes not written yet */
    size_t len;
    uint64_t count; /* access records written */
    uint32_t cpu;   /* native: cpu of the last record */
    /* lackey: a read held back in case a write of the same access follows (an M line) */
    bool held;
    struct vml_trace_rec hold;
    /* champsim: the instruction being assembled */
    bool insn;
    uint64_t ip; /* its fetch address; 0 for loads and stores without one */
    unsigned nsrc, ndst;
    uint64_t src[4], dst[2];
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

static int flush_buf(struct vml_trace_writer *w, struct vml_diag *d)
{
    size_t n = w->len;
    w->len = 0;
    if (w->comp == VML_TRACE_ZSTD)
        return zwrite(w, w->buf, n, ZSTD_e_continue, d);
    return write_all(w, w->buf, n, d);
}

static void put_word(struct vml_trace_writer *w, uint64_t v)
{
    store_le64(w->buf + w->len, v);
    w->len += 8;
}

static void writer_free(struct vml_trace_writer *w)
{
    if (w->own_fd && w->fd >= 0)
        close(w->fd);
    ZSTD_freeCCtx(w->cctx);
    free(w->zout);
    free(w->buf);
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

int vml_trace_create_as(const char *path, enum vml_trace_format fmt,
                        enum vml_trace_compress compress, struct vml_trace_writer **out,
                        struct vml_diag *diag)
{
    if (compress != VML_TRACE_RAW && compress != VML_TRACE_ZSTD)
        return wfail(diag, NULL, VML_EINVAL, "the trace writer compresses with zstd only, not %s",
                     vml_trace_compress_name(compress));
    if (fmt != VML_TRACE_NATIVE && fmt != VML_TRACE_LACKEY && fmt != VML_TRACE_PLAIN &&
        fmt != VML_TRACE_CHAMPSIM)
        return wfail(diag, NULL, VML_EINVAL,
                     "cannot write a trace as %s: native, lackey, champsim or plain",
                     vml_trace_format_name(fmt));
    struct vml_trace_writer *w = calloc(1, sizeof(*w));
    size_t plen = strlen(path) + 1;
    if (!w || !(w->path = malloc(plen)) || !(w->buf = malloc(WR_BYTES))) {
        if (w)
            free(w->path);
        free(w);
        return wfail(diag, NULL, VML_EHOST, "out of memory");
    }
    memcpy(w->path, path, plen);
    w->comp = compress;
    w->fmt = fmt;
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
    w->seekable = fmt == VML_TRACE_NATIVE && compress == VML_TRACE_RAW && fstat(w->fd, &st) == 0 &&
                  S_ISREG(st.st_mode);
    if (fmt == VML_TRACE_NATIVE) {
        /* The header: magic, version, header size, count (0 until finish), flags. */
        uint8_t h[NATIVE_HEADER_SIZE] = { 0 };
        memcpy(h, NATIVE_MAGIC, 8);
        h[8] = NATIVE_VERSION;
        h[12] = NATIVE_HEADER_SIZE;
        memcpy(w->buf, h, sizeof(h));
        w->len = sizeof(h);
    }
    *out = w;
    return 0;
}

int vml_trace_create(const char *path, enum vml_trace_compress compress,
                     struct vml_trace_writer **out, struct vml_diag *diag)
{
    return vml_trace_create_as(path, VML_TRACE_NATIVE, compress, out, diag);
}

static bool short_form(const struct vml_trace_rec *r)
{
    return r->size <= NATIVE_SIZE_MAX && native_addr(r->addr) == r->addr;
}

static void put_native(struct vml_trace_writer *w, const struct vml_trace_rec *r)
{
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
}

/* Lower-case hexadecimal of v, at least min digits (zero-padded), at w's end. */
static void put_hex(struct vml_trace_writer *w, uint64_t v, unsigned min)
{
    char tmp[16];
    unsigned n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n < min)
        tmp[n++] = '0';
    while (n)
        w->buf[w->len++] = (uint8_t)tmp[--n];
}

static void put_dec(struct vml_trace_writer *w, unsigned v)
{
    char tmp[10];
    unsigned n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        w->buf[w->len++] = (uint8_t)tmp[--n];
}

static void put_str(struct vml_trace_writer *w, const char *s)
{
    size_t n = strlen(s);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* One lackey line as lk_main.c prints it: "I  %08lx,%lu" or " X %08lx,%lu". */
static void put_lackey_line(struct vml_trace_writer *w, const char *prefix,
                            const struct vml_trace_rec *r)
{
    put_str(w, prefix);
    put_hex(w, r->addr, 8);
    w->buf[w->len++] = ',';
    put_dec(w, r->size ? r->size : 1u);
    w->buf[w->len++] = '\n';
}

static void put_lackey(struct vml_trace_writer *w, const struct vml_trace_rec *r)
{
    if (w->held) {
        w->held = false;
        if (r->kind == VML_WRITE && r->addr == w->hold.addr &&
            (r->size ? r->size : 1u) == (w->hold.size ? w->hold.size : 1u)) {
            put_lackey_line(w, " M ", r);
            return;
        }
        put_lackey_line(w, " L ", &w->hold);
    }
    if (r->kind == VML_READ) {
        w->held = true;
        w->hold = *r;
    } else {
        put_lackey_line(w, r->kind == VML_EXEC ? "I  " : " S ", r);
    }
}

static void put_plain(struct vml_trace_writer *w, const struct vml_trace_rec *r)
{
    put_hex(w, r->addr, 1);
    put_str(w, r->kind == VML_WRITE ? " W\n" : " R\n");
}

/* Writes the instruction being assembled as one 64-byte input_instr record. */
static void champsim_emit(struct vml_trace_writer *w)
{
    uint8_t *p = w->buf + w->len;
    memset(p, 0, 64);
    store_le64(p, w->ip);
    for (unsigned j = 0; j < w->ndst; j++)
        store_le64(p + 16 + 8 * j, w->dst[j]);
    for (unsigned j = 0; j < w->nsrc; j++)
        store_le64(p + 32 + 8 * j, w->src[j]);
    w->len += 64;
    w->insn = false;
    w->nsrc = w->ndst = 0;
}

static int put_champsim(struct vml_trace_writer *w, const struct vml_trace_rec *r,
                        struct vml_diag *d)
{
    static const char *const what[] = { "read", "write", "fetch" };
    if (r->addr == 0)
        return wfail(d, w, VML_EINVAL,
                     "record %llu: a ChampSim trace cannot hold a %s of address 0 (0 marks an "
                     "unused memory slot, an ip of 0 a data-only instruction); keep this trace "
                     "in another format",
                     (unsigned long long)w->count + 1, what[r->kind]);
    if (r->kind == VML_EXEC) {
        if (w->insn)
            champsim_emit(w);
        w->insn = true;
        w->ip = r->addr;
        return 0;
    }
    bool fits = w->insn && (r->kind == VML_READ ? w->nsrc < 4 && w->ndst == 0 : w->ndst < 2);
    if (!fits) {
        if (w->insn)
            champsim_emit(w);
        w->insn = true;
        w->ip = 0; /* no fetch: the reader yields none */
    }
    if (r->kind == VML_READ)
        w->src[w->nsrc++] = r->addr;
    else
        w->dst[w->ndst++] = r->addr;
    return 0;
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
        if (w->len + WR_REC_MAX > WR_BYTES) {
            int err = flush_buf(w, diag);
            if (err)
                return err;
        }
        switch (w->fmt) {
        case VML_TRACE_LACKEY: put_lackey(w, r); break;
        case VML_TRACE_PLAIN: put_plain(w, r); break;
        case VML_TRACE_CHAMPSIM: {
            int err = put_champsim(w, r, diag);
            if (err)
                return err;
            break;
        }
        default: put_native(w, r); break;
        }
        w->count++;
    }
    return 0;
}

int vml_trace_finish(struct vml_trace_writer *w, struct vml_diag *diag)
{
    /* What the text and ChampSim forms still hold back (the buffer has room: see write). */
    if (w->held) {
        put_lackey_line(w, " L ", &w->hold);
        w->held = false;
    }
    if (w->insn)
        champsim_emit(w);
    int err = flush_buf(w, diag);
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
