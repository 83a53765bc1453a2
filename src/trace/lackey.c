/* trace/lackey.c: Valgrind lackey --trace-mem=yes text, as lk_main.c prints it.
 *
 *   I  04010900,3        instruction fetch of 3 bytes     -> exec
 *    L 1ffefffd28,8      load                             -> read
 *    S 1ffefffd20,8      store                            -> write
 *    M 0421f0c8,4        modify (a load then a store)     -> read, then write
 *   ==1234== ...         valgrind's chatter (also --1234-- and **1234**): skipped
 *
 * Speed (>= 80 M lines/s from memory is the target; bench/bench_trace_read.c measures it):
 *   1. line ends are found 64 bytes at a time (SSE2 compares into a bit mask), so no line's
 *      work waits on the parse of the previous one;
 *   2. a fast scanner takes lackey's own shapes only ("I  " or " X ", 1 to 16 hex digits, ',',
 *      a one- or two-digit size), classifying and decoding the 16 bytes after the prefix with
 *      SSE2 and no data-dependent branch; it reads past the line into the window's padding;
 *   3. everything else (chatter, blank lines, other spacing, longer sizes, every error) goes to
 *      the careful parser, lackey_parse(), which defines the grammar of docs/trace-format.md
 *      and reports errors with line and column. Without SSE2 every line takes that path.
 * The unit tests compare the two on random lines (trace_lackey_parse_line).
 */
#include "trace/trace_int.h"

#include <stdio.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#define SIZE_MAX_LACKEY 65535u /* an access size must fit the record's 16 bits */

/* kind letter -> 1 + (0 read, 1 write, 2 exec, 3 modify); 0 for others */
static const uint8_t kind_code[256] = { ['L'] = 1, ['S'] = 2, ['I'] = 3, ['M'] = 4 };
/* the first record's kind for each code - 1 (a modify reads first) */
static const uint8_t first_kind[4] = { VML_READ, VML_WRITE, VML_EXEC, VML_READ };

static inline void emit(struct vml_trace_rec *o, uint64_t addr, unsigned size, unsigned code)
{
    o[0].addr = addr;
    o[0].size = (uint16_t)size;
    o[0].kind = first_kind[code];
    o[0].pad = 0;
    o[0].cpu = 0;
    o[1].addr = addr;
    o[1].size = (uint16_t)size;
    o[1].kind = VML_WRITE;
    o[1].pad = 0;
    o[1].cpu = 0;
}

#if defined(__SSE2__) && defined(__x86_64__)

/* Bit i set where p[i] is a newline, for i in 0..63. */
static inline uint64_t nl_mask(const uint8_t *p)
{
    const __m128i nl = _mm_set1_epi8('\n');
    uint64_t m = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
    }
    return m;
}

/* Reads the 16 bytes at q: returns how many hex digits lead (0 to 16), and in *v their value,
 * exact when 1 <= n <= 16 and q[n] (if n < 16) is ','. Each digit becomes a nibble
 * ((c & 15) + 9 for letters), pairs of nibbles become bytes, and the bytes, read big-endian,
 * hold the first 16 digits; the shift drops those after the n-th. The byte after the digits is
 * paired with the last digit when n is odd, which is harmless for ',' (its nibble is 12). */
static inline unsigned hex_run(const uint8_t *q, uint64_t *v)
{
    const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                  _mm_cmplt_epi8(lower, _mm_set1_epi8('f' + 1)));
    unsigned hex = (unsigned)_mm_movemask_epi8(_mm_or_si128(digit, alpha));
    unsigned n = (unsigned)__builtin_ctz(~hex); /* at most 16: ~hex has bit 16 set */
    __m128i letter = _mm_and_si128(_mm_srli_epi16(x, 6), _mm_set1_epi8(1));
    __m128i nib = _mm_add_epi8(_mm_and_si128(x, _mm_set1_epi8(0x0f)),
                               _mm_add_epi8(letter, _mm_slli_epi16(letter, 3)));
    __m128i pairs = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(nib, _mm_set1_epi16(0x00ff)), 4),
                                 _mm_srli_epi16(nib, 8));
    uint64_t packed = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(pairs, pairs));
    *v = __builtin_bswap64(packed) >> ((4 * (16 - n)) & 63);
    return n;
}

/* Parses the line [p, nl] if it has lackey's own shape: "I  " or " X " (X in LSM), 1 to 16
 * hex digits, ',', a size of one or two digits, then the '\n' at nl. Writes one or two records
 * (o[1] is always written) and returns how many; 0 for any other line, which then goes to the
 * careful parser. Branch-free but for one test that holds on every lackey line, and nothing in
 * it waits for the previous line (its end nl is found in advance). Reads 22 bytes from p. */
static inline __attribute__((always_inline)) unsigned
lackey_fast(const uint8_t *p, const uint8_t *nl, struct vml_trace_rec *o)
{
    unsigned c0 = p[0], c1 = p[1];
    unsigned sp = 0u - (c0 == ' '); /* all ones for " X ", zero for "I  " */
    unsigned kc = c0 ^ ((c0 ^ c1) & sp);
    unsigned code = kind_code[kc];
    const uint8_t *q = p + 3;
    uint64_t addr;
    unsigned n = hex_run(q, &addr);
    const uint8_t *s = q + n + 1;
    size_t slen = (size_t)(nl - s);
    unsigned d0 = (unsigned)s[0] - '0', d1 = (unsigned)s[1] - '0';
    unsigned two = slen == 2;
    unsigned size = d0 * (1 + 9 * two) + (d1 & (0u - two));
    if ((code == 0) | ((c0 ^ c1 ^ kc) != ' ') | (p[2] != ' ') | (n == 0) | (q[n] != ',') |
        (slen - 1 > 1) | (d0 > 9) | (two & (d1 > 9)) | (size == 0))
        return 0;
    emit(o, addr, size, code - 1);
    return 1 + (code == 4);
}

#else /* no SSE2: every line takes the careful path */

static inline uint64_t nl_mask(const uint8_t *p)
{
    uint64_t m = 0;
    for (unsigned k = 0; k < 64; k++)
        m |= (uint64_t)(p[k] == '\n') << k;
    return m;
}

static inline unsigned lackey_fast(const uint8_t *p, const uint8_t *nl, struct vml_trace_rec *o)
{
    (void)p;
    (void)nl;
    (void)o;
    return 0;
}

#endif

/* ---- the careful parser --------------------------------------------------------------- */

struct lk_line {
    uint64_t addr;
    unsigned size;
    unsigned code; /* 0 read, 1 write, 2 exec, 3 modify */
    unsigned col;  /* error column */
    bool overflow; /* the error is an address of more than 64 bits */
    char msg[200]; /* error message */
};

static bool ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

bool lackey_chatter(const uint8_t *p, size_t n)
{
    /* valgrind's own lines: ==PID==, --PID-- (core warnings), **PID** (severe errors) */
    return n >= 3 && (p[0] == '=' || p[0] == '-' || p[0] == '*') && p[1] == p[0] &&
           (unsigned)p[2] - '0' < 10u;
}

/* Parses one line p[0..n) (without its '\n'): 1 record, 0 nothing (blank or chatter), -1 error
 * with L->col and L->msg set. */
static int lackey_parse(const uint8_t *p, size_t n, struct lk_line *L)
{
    char q[120];
    size_t i = 0;
    if (lackey_chatter(p, n))
        return 0;
    while (i < n && ws(p[i]))
        i++;
    if (i == n)
        return 0;
    unsigned code = kind_code[p[i]];
    if (!code || i + 1 == n || !ws(p[i + 1])) {
        L->col = (unsigned)i + 1;
        snprintf(L->msg, sizeof(L->msg),
                 "not a lackey line: %s (expected \"I  ADDR,SIZE\", \" L|S|M ADDR,SIZE\" or "
                 "valgrind's \"==PID==\" lines)",
                 trace_quote(q, sizeof(q), p + i, n - i));
        return -1;
    }
    L->code = code - 1;
    char letter = (char)p[i];
    for (i++; i < n && ws(p[i]); i++)
        ;
    size_t alen = text_span(p + i, n - i, ", \t\r");
    L->col = (unsigned)i + 1;
    if (alen == 0) {
        snprintf(L->msg, sizeof(L->msg), "missing address after '%c'", letter);
        return -1;
    }
    int h = text_hex(p + i, alen, &L->addr);
    L->overflow = h > 0;
    if (h) {
        snprintf(L->msg, sizeof(L->msg),
                 h < 0 ? "bad address %s: expected hexadecimal digits"
                       : "address %s does not fit in 64 bits",
                 trace_quote(q, sizeof(q), p + i, alen));
        return -1;
    }
    i += alen;
    if (i == n || p[i] != ',') {
        L->col = (unsigned)i + 1;
        snprintf(L->msg, sizeof(L->msg), "missing ',SIZE' after the address");
        return -1;
    }
    i++;
    size_t slen = text_span(p + i, n - i, " \t\r");
    L->col = (unsigned)i + 1;
    if (slen == 0) {
        snprintf(L->msg, sizeof(L->msg), "missing size after ','");
        return -1;
    }
    uint64_t size = 0;
    for (size_t k = 0; k < slen; k++) {
        unsigned d = (unsigned)p[i + k] - '0';
        if (d > 9) {
            snprintf(L->msg, sizeof(L->msg), "bad size %s: expected a decimal number",
                     trace_quote(q, sizeof(q), p + i, slen));
            return -1;
        }
        if (size <= SIZE_MAX_LACKEY)
            size = size * 10 + d;
    }
    if (size == 0 || size > SIZE_MAX_LACKEY) {
        snprintf(L->msg, sizeof(L->msg),
                 size ? "size %s is too large (at most 65535 bytes)"
                      : "size %s: an access has at least one byte",
                 trace_quote(q, sizeof(q), p + i, slen));
        return -1;
    }
    L->size = (unsigned)size;
    for (i += slen; i < n && ws(p[i]); i++)
        ;
    if (i < n) {
        L->col = (unsigned)i + 1;
        snprintf(L->msg, sizeof(L->msg), "unexpected %s after the size",
                 trace_quote(q, sizeof(q), p + i, n - i));
        return -1;
    }
    return 1;
}

int lackey_parse_line(const uint8_t *p, size_t n, struct vml_trace_rec out[2], unsigned *col,
                      char *msg, size_t cap)
{
    struct lk_line L;
    int k = lackey_parse(p, n, &L);
    if (k < 0) {
        *col = L.col;
        snprintf(msg, cap, "%s", L.msg);
        return -1;
    }
    if (k == 0)
        return 0;
    emit(out, L.addr, L.size, L.code);
    return 1 + (L.code == 3);
}

/* A record, or one whose only fault is an address past 64 bits: it is lackey's shape, and the
 * reader then names the address ("does not fit in 64 bits") where detection alone could only
 * say it cannot tell the format. */
bool lackey_line_shape(const uint8_t *p, size_t n)
{
    struct lk_line L = { 0 };
    int k = lackey_parse(p, n, &L);
    return k == 1 || (k < 0 && L.overflow);
}

/* The careful path for the line [p, nl): 0..2 records into o, or -1 after trace_fail(). */
static int lackey_slow(struct vml_trace_reader *r, const uint8_t *p, const uint8_t *nl,
                       struct vml_trace_rec *o, uint64_t line)
{
    struct lk_line L;
    int k = lackey_parse(p, (size_t)(nl - p), &L);
    if (k < 0) {
        trace_fail(r, VML_EPARSE, line, L.col, "%s", L.msg);
        return -1;
    }
    if (k == 0)
        return 0;
    emit(o, L.addr, L.size, L.code);
    return 1 + (L.code == 3);
}

static long lackey_read(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t n)
{
    struct trace_src *s = &r->src;
    uint64_t line = r->u.text.line;
    size_t i = 0;
    struct vml_trace_rec tmp[2];
    while (i < n) {
        const uint8_t *lim;
        int m = src_lines(s, &lim, line, &r->diag);
        if (m <= 0) {
            if (m < 0) {
                r->err = m;
                r->diag.file = r->name;
            }
            break;
        }
        /* Step 1: find line ends 64 bytes at a time (the window is padded for it). */
        const uint8_t *p = s->win, *blk = p;
        uint64_t nls = nl_mask(blk);
        int c = 0;
        while (p < lim && i < n) {
            while (!nls) {
                blk += 64;
                nls = nl_mask(blk);
            }
            const uint8_t *nl = blk + __builtin_ctzll(nls);
            nls &= nls - 1;
            /* Step 2: parse the line; with one slot left, into tmp (an M line makes two). */
            struct vml_trace_rec *o = i + 2 <= n ? out + i : tmp;
            c = (int)lackey_fast(p, nl, o);
            if (!c && (c = lackey_slow(r, p, nl, o, line + 1)) < 0)
                break;
            line++;
            p = nl + 1;
            if (o == out + i) {
                i += (size_t)c;
            } else if (c > 0) {
                out[i++] = tmp[0];
                if (c == 2)
                    trace_push_pending(r, tmp + 1, 1);
            }
        }
        src_consume(s, (size_t)(p - s->win));
        if (c < 0)
            break;
    }
    r->u.text.line = line;
    return (long)i;
}

int lackey_open(struct vml_trace_reader *r)
{
    r->read = lackey_read;
    return 0;
}
