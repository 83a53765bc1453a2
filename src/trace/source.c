/* trace/source.c: a trace's bytes from a file, standard input or memory, decompressed on the fly.
 *
 * Compression is recognised by its magic bytes (zstd 28 b5 2f fd or a skippable frame, xz
 * fd 37 7a 58 5a 00, gzip 1f 8b) and undone in SRC_CHUNK pieces with the libraries' streaming
 * decoders: zstd (any number of frames), xz (any number of concatenated streams, LZMA_CONCATENATED)
 * and gzip (any number of members, as gzip -d accepts). Nothing holds more than a chunk or two
 * of the input, so traces of any size stream through a fixed amount of memory.
 *
 * errno is read here (open/read failures), as the layering rules allow for the trace readers.
 */
#include "trace/trace_int.h"
#include "util/diag.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int fail(struct vml_diag *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct vml_diag *d, int err, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        va_start(ap, fmt);
        d->line = 0;
        d->col = 0;
        vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
        va_end(ap);
    }
    return err;
}

const char *src_offset_note(const struct trace_src *s)
{
    return s->comp == VML_TRACE_RAW ? "" : " (of the decompressed stream)";
}

/* A zeroed buffer of cap usable bytes plus the padding (and a byte for a final '\n'). */
static uint8_t *alloc_buf(size_t cap)
{
    return calloc(1, cap + SRC_PAD + 1);
}

static enum vml_trace_compress sniff(const uint8_t *p, size_t n)
{
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return VML_TRACE_ZSTD;
    /* A zstd skippable frame (magic 0x184d2a5?) may open a zstd file too. */
    if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18)
        return VML_TRACE_ZSTD;
    if (n >= 6 && memcmp(p,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return VML_TRACE_XZ;
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return VML_TRACE_GZ;
    return VML_TRACE_RAW;
}

static int dec_init(struct trace_src *s, struct vml_diag *d)
{
    switch (s->comp) {
    case VML_TRACE_ZSTD:
        s->zd = ZSTD_createDStream();
        if (!s->zd || ZSTD_isError(ZSTD_initDStream(s->zd)))
            return fail(d, VML_EHOST, "cannot start the zstd decoder: out of memory");
        break;
    case VML_TRACE_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        s->xz = init;
        if (lzma_stream_decoder(&s->xz, SRC_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
            return fail(d, VML_EHOST, "cannot start the xz decoder: out of memory");
        break;
    }
    case VML_TRACE_GZ:
        memset(&s->gz, 0, sizeof(s->gz));
        if (inflateInit2(&s->gz, 15 + 16) != Z_OK) /* 16: gzip wrapper only */
            return fail(d, VML_EHOST, "cannot start the gzip decoder: out of memory");
        break;
    case VML_TRACE_RAW: return 0;
    }
    s->dec_live = true;
    return 0;
}

/* Reads the next chunk of compressed input from the file. */
static int in_refill(struct trace_src *s, struct vml_diag *d)
{
    ssize_t got;
    do {
        got = read(s->fd, s->in_buf, SRC_CHUNK);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return fail(d, VML_EHOST, "read error: %s", strerror(errno));
    s->in = s->in_buf;
    s->in_pos = 0;
    s->in_len = (size_t)got;
    s->in_eof = got == 0;
    return 0;
}

static bool in_exhausted(const struct trace_src *s)
{
    return s->in_pos == s->in_len && s->in_eof;
}

static const char *comp_label(const struct trace_src *s)
{
    return s->comp == VML_TRACE_ZSTD ? "zstd" : s->comp == VML_TRACE_XZ ? "xz" : "gzip";
}

static int truncated(struct trace_src *s, struct vml_diag *d)
{
    return fail(d, VML_EPARSE,
                "truncated %s data: the input ends at compressed byte %llu inside a %s",
                comp_label(s), (unsigned long long)s->in_off,
                s->comp == VML_TRACE_ZSTD ? "frame"
                : s->comp == VML_TRACE_XZ ? "stream"
                                          : "member");
}

static int corrupt(struct trace_src *s, struct vml_diag *d, const char *why)
{
    return fail(d, VML_EPARSE, "corrupt %s data near compressed byte offset %llu: %s",
                comp_label(s), (unsigned long long)s->in_off, why);
}

/* One decoder step into buf[len..cap). Returns 1 to go on, 0 at the end of the stream. */
static int step_zstd(struct trace_src *s, struct vml_diag *d)
{
    ZSTD_inBuffer ib = { s->in + s->in_pos, s->in_len - s->in_pos, 0 };
    ZSTD_outBuffer ob = { s->buf, s->cap, s->len };
    size_t ret = ZSTD_decompressStream(s->zd, &ob, &ib);
    bool progress = ib.pos > 0 || ob.pos > s->len;
    s->in_pos += ib.pos;
    s->in_off += ib.pos;
    s->len = ob.pos;
    if (ZSTD_isError(ret))
        return corrupt(s, d, ZSTD_getErrorName(ret));
    /* After a frame, zstd asks for the next one's header: remember where the last step left
     * off, so that an input ending between frames is complete. */
    if (!progress && in_exhausted(s))
        return s->boundary ? 0 : truncated(s, d);
    s->boundary = ret == 0;
    return 1;
}

static int step_xz(struct trace_src *s, struct vml_diag *d)
{
    s->xz.next_in = s->in + s->in_pos;
    s->xz.avail_in = s->in_len - s->in_pos;
    s->xz.next_out = s->buf + s->len;
    s->xz.avail_out = s->cap - s->len;
    lzma_ret ret = lzma_code(&s->xz, in_exhausted(s) ? LZMA_FINISH : LZMA_RUN);
    size_t used = (size_t)(s->xz.next_in - (s->in + s->in_pos));
    s->in_pos += used;
    s->in_off += used;
    s->len = (size_t)(s->xz.next_out - s->buf);
    switch (ret) {
    case LZMA_OK: return 1;
    case LZMA_STREAM_END: return 0;
    case LZMA_BUF_ERROR: return truncated(s, d);
    case LZMA_MEM_ERROR: return fail(d, VML_EHOST, "xz decoder: out of memory");
    case LZMA_MEMLIMIT_ERROR:
        return corrupt(s, d, "the stream needs more than 512 MiB of memory to decode");
    case LZMA_FORMAT_ERROR: return corrupt(s, d, "not an xz stream");
    case LZMA_OPTIONS_ERROR: return corrupt(s, d, "unsupported xz options");
    case LZMA_DATA_ERROR: return corrupt(s, d, "the data is corrupt");
    default: return corrupt(s, d, "decoder error");
    }
}

static int step_gz(struct trace_src *s, struct vml_diag *d)
{
    if (s->boundary) {
        /* A member ended; another may follow (gzip -d reads concatenated members). */
        if (s->in_pos == s->in_len)
            return 0; /* in_eof holds: the caller refilled before calling */
        inflateReset(&s->gz);
        s->boundary = false;
    }
    size_t avail = s->in_len - s->in_pos, room = s->cap - s->len;
    s->gz.next_in = (Bytef *)(uintptr_t)(s->in + s->in_pos);
    s->gz.avail_in = (uInt)(avail < (1u << 30) ? avail : (1u << 30));
    s->gz.next_out = s->buf + s->len;
    s->gz.avail_out = (uInt)(room < (1u << 30) ? room : (1u << 30));
    uInt in_before = s->gz.avail_in, out_before = s->gz.avail_out;
    int ret = inflate(&s->gz, Z_NO_FLUSH);
    s->in_pos += in_before - s->gz.avail_in;
    s->in_off += in_before - s->gz.avail_in;
    s->len += out_before - s->gz.avail_out;
    switch (ret) {
    case Z_OK: return 1;
    case Z_STREAM_END: s->boundary = true; return 1;
    case Z_BUF_ERROR: return in_exhausted(s) ? truncated(s, d) : 1;
    case Z_MEM_ERROR: return fail(d, VML_EHOST, "gzip decoder: out of memory");
    default: return corrupt(s, d, s->gz.msg ? s->gz.msg : "the data is corrupt");
    }
}

/* Decompresses into buf[len..cap) until it is full or the stream ends. */
static int dec_fill(struct trace_src *s, struct vml_diag *d)
{
    size_t before = s->len;
    while (s->len < s->cap) {
        if (s->in_pos == s->in_len && !s->in_eof) {
            int r = in_refill(s, d);
            if (r)
                return r;
            continue;
        }
        int r = s->comp == VML_TRACE_ZSTD ? step_zstd(s, d)
                : s->comp == VML_TRACE_XZ ? step_xz(s, d)
                                          : step_gz(s, d);
        if (r < 0)
            return r;
        if (r == 0) {
            s->eof = true;
            break;
        }
    }
    return s->len > before;
}

/* Reads raw bytes from the file into buf[len..cap). */
static int raw_fill(struct trace_src *s, struct vml_diag *d)
{
    ssize_t got;
    do {
        got = read(s->fd, s->buf + s->len, s->cap - s->len);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return fail(d, VML_EHOST, "read error: %s", strerror(errno));
    if (got == 0) {
        s->eof = true;
        return 0;
    }
    s->len += (size_t)got;
    return 1;
}

/* The zero-copy window over memory ends SRC_PAD bytes early; this copies what is left. */
static int mem_tail(struct trace_src *s, struct vml_diag *d)
{
    size_t rest = (size_t)(s->mem + s->mem_len - s->win);
    s->cap = rest ? rest : 1;
    s->buf = alloc_buf(s->cap);
    if (!s->buf)
        return fail(d, VML_EHOST, "out of memory");
    memcpy(s->buf, s->win, rest);
    bool more = rest > s->len;
    s->win = s->buf;
    s->len = rest;
    s->eof = true;
    return more;
}

int src_more(struct trace_src *s, struct vml_diag *d)
{
    if (s->eof)
        return 0;
    if (!s->buf)
        return mem_tail(s, d);
    memmove(s->buf, s->win, s->len);
    s->win = s->buf;
    if (s->len == s->cap) {
        uint8_t *n = realloc(s->buf, 2 * s->cap + SRC_PAD + 1);
        if (!n)
            return fail(d, VML_EHOST, "out of memory");
        memset(n + s->cap, 0, s->cap + SRC_PAD + 1);
        s->buf = n;
        s->win = n;
        s->cap *= 2;
    }
    int r = s->comp == VML_TRACE_RAW ? raw_fill(s, d) : dec_fill(s, d);
    s->win = s->buf;
    return r;
}

int src_need(struct trace_src *s, size_t n, struct vml_diag *d)
{
    while (s->len < n && !s->eof) {
        int r = src_more(s, d);
        if (r < 0)
            return r;
    }
    return 0;
}

int src_lines(struct trace_src *s, const uint8_t **lim, uint64_t line, struct vml_diag *d)
{
    for (;;) {
        for (size_t i = s->len; i > 0; i--) {
            if (s->win[i - 1] == '\n') {
                *lim = s->win + i;
                return 1;
            }
        }
        if (s->eof) {
            if (s->len == 0)
                return 0;
            /* The last line lacks its '\n': add one (the window is in buf, which has room). */
            s->buf[(size_t)(s->win - s->buf) + s->len] = '\n';
            s->len++;
            *lim = s->win + s->len;
            return 1;
        }
        if (s->len >= TEXT_LINE_MAX) {
            fail(d, VML_EPARSE, "line %llu is longer than %u KiB: not a text trace?",
                 (unsigned long long)line + 1, TEXT_LINE_MAX >> 10);
            if (d) {
                d->line = line + 1 > UINT_MAX ? UINT_MAX : (unsigned)(line + 1);
                d->col = 1;
            }
            return VML_EPARSE;
        }
        int r = src_more(s, d);
        if (r < 0)
            return r;
    }
}

static void src_init(struct trace_src *s)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}

int src_open_fd(struct trace_src *s, int fd, bool own_fd, struct vml_diag *d)
{
    src_init(s);
    s->fd = fd;
    s->cap = SRC_CHUNK;
    s->buf = alloc_buf(s->cap);
    if (!s->buf)
        return fail(d, VML_EHOST, "out of memory");
    s->win = s->buf;
    /* Enough bytes to see any magic (or the end of a tiny file). */
    while (s->len < 6 && !s->eof) {
        int r = raw_fill(s, d);
        if (r < 0) {
            free(s->buf);
            s->buf = NULL;
            return VML_ENOENT;
        }
    }
    s->comp = sniff(s->buf, s->len);
    if (s->comp != VML_TRACE_RAW) {
        /* What was read is compressed input; decompress into a fresh buffer. */
        s->in_buf = s->buf;
        s->in = s->in_buf;
        s->in_len = s->len;
        s->in_eof = s->eof;
        s->eof = false;
        s->len = 0;
        s->buf = alloc_buf(s->cap);
        s->win = s->buf;
        int r = s->buf ? dec_init(s, d) : fail(d, VML_EHOST, "out of memory");
        if (r) {
            s->own_fd = false;
            src_close(s);
            return r;
        }
    }
    s->own_fd = own_fd;
    return 0;
}

int src_open_mem(struct trace_src *s, const void *data, size_t len, struct vml_diag *d)
{
    src_init(s);
    s->mem = data;
    s->mem_len = len;
    s->comp = sniff(s->mem, len);
    if (s->comp == VML_TRACE_RAW) {
        s->win = s->mem;
        if (len > SRC_PAD) {
            s->len = len - SRC_PAD; /* zero copy; mem_tail() copies the rest */
            return 0;
        }
        int r = mem_tail(s, d);
        return r < 0 ? r : 0;
    }
    s->in = s->mem;
    s->in_len = len;
    s->in_eof = true;
    /* Small inputs get a small output buffer (it grows if a line needs it). */
    s->cap = len < SRC_CHUNK / 64 ? SRC_CHUNK / 16 : SRC_CHUNK;
    s->buf = alloc_buf(s->cap);
    if (!s->buf)
        return fail(d, VML_EHOST, "out of memory");
    s->win = s->buf;
    int r = dec_init(s, d);
    if (r)
        src_close(s);
    return r;
}

void src_close(struct trace_src *s)
{
    if (s->dec_live) {
        if (s->comp == VML_TRACE_ZSTD)
            ZSTD_freeDStream(s->zd);
        else if (s->comp == VML_TRACE_XZ)
            lzma_end(&s->xz);
        else if (s->comp == VML_TRACE_GZ)
            inflateEnd(&s->gz);
    }
    free(s->buf);
    free(s->in_buf);
    if (s->own_fd && s->fd >= 0)
        close(s->fd);
    src_init(s);
}
