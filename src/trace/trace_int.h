/* trace/trace_int.h: what the trace readers share: the byte source, the reader object, and
 * each format's entry points.
 *
 * A reader pulls bytes from a source (src_*: a file, standard input or memory, decompressed on
 * the fly when the bytes start with a zstd, xz or gzip magic) through a window:
 *
 *   stream:  ...consumed... | win[0] ... win[len-1] | not read yet ...
 *                           ^ off (offset in the decompressed stream)
 *
 * The window is always followed by SRC_PAD readable bytes (data or padding), so scanners may
 * load a few words past the end of a line without a bounds check. A source over uncompressed
 * memory hands out the caller's bytes directly (zero copy) and copies only its last SRC_PAD
 * bytes once, at the end.
 *
 * Format readers fill records and report a bad record through trace_fail(); the public
 * vml_trace_read() (reader.c) keeps records produced before an error, returns them first, and
 * makes the error sticky.
 */
#ifndef VMLAB_TRACE_INT_H
#define VMLAB_TRACE_INT_H

#include "vmlab/trace.h"

#include <lzma.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define SRC_PAD         64u            /* readable bytes after every window */
#define SRC_CHUNK       (1u << 20)     /* bytes read or decompressed at a time */
#define TEXT_LINE_MAX   (1u << 20)     /* longest line a text reader accepts */
#define SRC_XZ_MEMLIMIT (512ull << 20) /* xz -9 needs 65 MiB; refuse absurd dictionaries */

/* ---- the byte source -------------------------------------------------------------------- */

struct trace_src {
    const uint8_t *win;           /* unconsumed bytes */
    size_t len;                   /* bytes in the window */
    uint64_t off;                 /* offset of win[0] in the (decompressed) stream */
    bool eof;                     /* the window holds everything that is left */
    enum vml_trace_compress comp; /* found from the first bytes */

    uint8_t *buf;          /* owned output buffer, cap + SRC_PAD + 1 bytes; NULL while zero-copy */
    size_t cap;            /* usable bytes of buf */
    int fd;                /* input file, or -1 for memory input */
    bool own_fd;           /* close fd at the end (not for standard input) */
    bool in_eof;           /* no more compressed input */
    const uint8_t *mem;    /* memory input */
    size_t mem_len;        /* bytes of memory input */
    const uint8_t *in;     /* compressed input: in_buf for files, mem for memory */
    uint8_t *in_buf;       /* owned chunk of compressed file input */
    size_t in_pos, in_len; /* consumed and available bytes of in */
    uint64_t in_off;       /* compressed bytes consumed by the decoder */
    ZSTD_DStream *zd;      /* the decoder for comp (one of the three) */
    lzma_stream xz;
    z_stream gz;
    bool dec_live; /* a decoder was initialised */
    bool boundary; /* the last step ended a zstd frame or a gzip member */
};

/* Opens a source over a file descriptor (reads the first chunk to recognise compression).
 * On failure nothing is left open except fd, which the caller still owns. VML_ENOENT (cannot
 * read), VML_EPARSE (corrupt compressed data), VML_EHOST. */
int src_open_fd(struct trace_src *s, int fd, bool own_fd, struct vml_diag *d);
/* Opens a source over borrowed memory. VML_EPARSE, VML_EHOST. */
int src_open_mem(struct trace_src *s, const void *data, size_t len, struct vml_diag *d);
/* Appends more bytes to the window (which may move). Returns 1 when bytes were added, 0 at the
 * end of the stream (eof set, window unchanged), VML_EPARSE (corrupt or truncated compressed
 * input) or VML_EHOST (read error or no memory), with d set. */
int src_more(struct trace_src *s, struct vml_diag *d);
/* Reads until the window holds at least n bytes or the stream ends; 0 or src_more's error. */
int src_need(struct trace_src *s, size_t n, struct vml_diag *d);
/* Makes the window end with a complete line: returns 1 with *lim one past the last '\n' in it
 * (a final line without one gets one), 0 when nothing is left, or an error; a line longer than
 * TEXT_LINE_MAX is VML_EPARSE ("line N is longer than 1 MiB"). */
int src_lines(struct trace_src *s, const uint8_t **lim, uint64_t line, struct vml_diag *d);
void src_close(struct trace_src *s);

static inline void src_consume(struct trace_src *s, size_t n)
{
    s->win += n;
    s->len -= n;
    s->off += n;
}

/* " (of the decompressed stream)" when the source is compressed, else "". */
const char *src_offset_note(const struct trace_src *s);

/* ---- little-endian loads (the formats are little-endian; so is x86-64) ---------------- */

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t load_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

/* ---- the native format (docs/trace-format.md) ------------------------------------------ */

#define NATIVE_MAGIC       "VMLTRACE"
#define NATIVE_VERSION     1u
#define NATIVE_HEADER_SIZE 32u
#define NATIVE_HEADER_MAX  4096u /* a reader skips header bytes it does not know, up to this */

/* A record, one little-endian u64:
 *
 *   63 62 61      57 56                                                   0
 *  +-----+----------+------------------------------------------------------+
 *  |kind |   size   |  address bits 56..0 (bits 63..57 = copies of bit 56) |
 *  +-----+----------+------------------------------------------------------+
 *
 * kind 0 read, 1 write, 2 exec, 3 control. A control record has an op in bits 61..56 and a
 * payload in bits 55..0: op 0 "long access" (payload bits 17..16 kind, 15..0 size; the next u64
 * is the full address), op 1 "cpu" (payload bits 31..0: cpu of the records that follow). */
#define NATIVE_KIND_SHIFT 62
#define NATIVE_SIZE_SHIFT 57
#define NATIVE_SIZE_MAX   31u
#define NATIVE_ADDR_BITS  57
#define NATIVE_ADDR_MASK  ((1ull << NATIVE_ADDR_BITS) - 1)
#define NATIVE_KIND_CTRL  3u
#define NATIVE_OP_SHIFT   56
#define NATIVE_OP_MASK    0x3fu
#define NATIVE_PAYLOAD    ((1ull << 56) - 1)
#define NATIVE_OP_LONG    0u
#define NATIVE_OP_CPU     1u

/* Bits 56..0 of w sign-extended from bit 56. */
static inline uint64_t native_addr(uint64_t w)
{
    const uint64_t sign = 1ull << (NATIVE_ADDR_BITS - 1);
    return ((w & NATIVE_ADDR_MASK) ^ sign) - sign;
}

static inline uint64_t native_ctrl(unsigned op, uint64_t payload)
{
    return (3ull << NATIVE_KIND_SHIFT) | ((uint64_t)op << NATIVE_OP_SHIFT) | payload;
}

/* ---- the reader ------------------------------------------------------------------------ */

struct native_state {
    uint64_t header_count; /* records the header promises, 0 = unknown */
    uint64_t yielded;      /* access records produced */
    uint32_t cpu;          /* set by the last cpu control record */
};

struct text_state {
    uint64_t line; /* lines consumed so far (the next line is line + 1) */
};

struct gen_state {
    struct vml_gen_config cfg;      /* as given (checked) */
    uint64_t done;                  /* records produced */
    uint64_t rng[4];                /* xoshiro256** state for addresses */
    uint64_t mix[4];                /* xoshiro256** state for the read/write choice */
    uint64_t nslots;                /* seq/stride/random: slots; zipf/chase: lines */
    uint64_t k;                     /* seq/stride: next slot; chase: next position in the cycle */
    uint64_t fkey[4];               /* Feistel round keys (zipf, chase) */
    unsigned fhalf;                 /* Feistel half width in bits */
    double z_hx1, z_hn, z_s, z_exp; /* zipf rejection-inversion constants */
};

struct vml_trace_reader {
    /* Fills up to n records; returns how many (0 at the end). On a bad record it calls
     * trace_fail() and returns what it produced before it. */
    long (*read)(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t n);
    enum vml_trace_format format;    /* never AUTO once open */
    uint64_t count;                  /* records announced in advance, 0 = unknown */
    int err;                         /* sticky error, 0 while none */
    struct vml_diag diag;            /* where err happened; file points at name */
    char *name;                      /* owned copy of the input's name */
    bool has_src;                    /* src is open (not for generators) */
    struct trace_src src;            /* the bytes of a file or memory */
    struct vml_trace_rec pending[8]; /* records produced but not yet returned */
    unsigned npending, pending_pos;  /* how many, and the next to return */
    union {
        struct native_state native;
        struct text_state text;
        struct gen_state gen;
    } u;
};

/* A zeroed reader named name (copied); NULL when out of memory. */
struct vml_trace_reader *trace_reader_new(const char *name);
/* Records error err with a printf-formatted message at line/col (0 for binary formats). */
void trace_fail(struct vml_trace_reader *r, int err, uint64_t line, unsigned col, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
/* Keeps records that did not fit in the caller's buffer for the next call. */
void trace_push_pending(struct vml_trace_reader *r, const struct vml_trace_rec *recs, unsigned n);

/* Writes s[0..n) quoted, escaped (\", \\, \xNN) and cut after 40 characters (then "...")
 * into buf; returns buf. */
char *trace_quote(char *buf, size_t cap, const uint8_t *s, size_t n);

/* Value of hex digit c, or -1. */
int text_hexval(unsigned c);
/* Length of the run at p[0..n) up to the first byte that is in stop (never a NUL byte). */
size_t text_span(const uint8_t *p, size_t n, const char *stop);
/* Parses p[0..n) as hexadecimal: 0, -1 (empty or not all hex digits), 1 (more than 64 bits). */
int text_hex(const uint8_t *p, size_t n, uint64_t *out);

/* Per-format setup after the source is open and the format known; 0 or an error with
 * r->diag set. */
int native_open(struct vml_trace_reader *r);
int lackey_open(struct vml_trace_reader *r);
int champsim_open(struct vml_trace_reader *r);
int plain_open(struct vml_trace_reader *r);

/* Line classification for format detection (lackey.c, plain.c): p[0..n) is one line without
 * its '\n'. */
bool lackey_line_shape(const uint8_t *p, size_t n);
bool lackey_chatter(const uint8_t *p, size_t n);
/* The careful lackey parser alone on one line p[0..n) without its '\n' (tests compare it with
 * the reader's fast path): the records (0, 1, or 2 for M), or -1 with *col and msg set. */
int lackey_parse_line(const uint8_t *p, size_t n, struct vml_trace_rec out[2], unsigned *col,
                      char *msg, size_t cap);
bool plain_line_shape(const uint8_t *p, size_t n);

/* Detects the format of a stream beginning with p[0..n) (all of it when eof), named name;
 * 0 or VML_EPARSE with d set. */
int trace_detect(const uint8_t *p, size_t n, bool eof, const char *name, enum vml_trace_format *out,
                 struct vml_diag *d);

/* Checks a generator config; returns NULL or the name of the bad key with msg filled. */
const char *gen_check(const struct vml_gen_config *cfg, char *msg, size_t cap);

#endif
