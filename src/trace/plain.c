/* trace/plain.c: "<hexaddr> <R|W>" lines, the format of OS-course page-replacement simulators.
 *
 *   # a comment              skipped, as are blank lines
 *   0041f7a0 R               read of 0x41f7a0 (size 0: unspecified)
 *   0x7ffd5e8a1234 w   # ok  write; 0x prefix, either case, spaces or tabs, trailing comment
 */
#include "trace/trace_int.h"

#include <stdio.h>

static bool ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

struct pl_line {
    uint64_t addr;
    unsigned kind;
    unsigned col;
    char msg[200];
};

/* Parses one line p[0..n) without its '\n': 1 record, 0 nothing, -1 error with col and msg. */
static int plain_parse(const uint8_t *p, size_t n, struct pl_line *L)
{
    char q[120];
    size_t i = 0;
    while (i < n && ws(p[i]))
        i++;
    if (i == n || p[i] == '#')
        return 0;
    size_t alen = text_span(p + i, n - i, " \t\r#");
    size_t skip = alen > 2 && p[i] == '0' && (p[i + 1] | 0x20) == 'x' ? 2 : 0;
    int h = text_hex(p + i + skip, alen - skip, &L->addr);
    L->col = (unsigned)i + 1;
    if (h) {
        snprintf(L->msg, sizeof(L->msg),
                 h < 0 ? "bad address %s: expected hexadecimal digits"
                       : "address %s does not fit in 64 bits",
                 trace_quote(q, sizeof(q), p + i, alen));
        return -1;
    }
    i += alen;
    while (i < n && ws(p[i]))
        i++;
    L->col = (unsigned)i + 1;
    if (i == n || p[i] == '#') {
        snprintf(L->msg, sizeof(L->msg), "missing R or W after the address");
        return -1;
    }
    size_t klen = text_span(p + i, n - i, " \t\r#");
    unsigned c = p[i] | 0x20u;
    if (klen != 1 || (c != 'r' && c != 'w')) {
        snprintf(L->msg, sizeof(L->msg), "bad access %s: expected R or W",
                 trace_quote(q, sizeof(q), p + i, klen));
        return -1;
    }
    L->kind = c == 'r' ? VML_READ : VML_WRITE;
    for (i++; i < n && ws(p[i]); i++)
        ;
    if (i < n && p[i] != '#') {
        L->col = (unsigned)i + 1;
        snprintf(L->msg, sizeof(L->msg), "unexpected %s after the access (comments start with '#')",
                 trace_quote(q, sizeof(q), p + i, n - i));
        return -1;
    }
    return 1;
}

bool plain_line_shape(const uint8_t *p, size_t n)
{
    struct pl_line L;
    return plain_parse(p, n, &L) == 1;
}

static long plain_read(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t n)
{
    struct trace_src *s = &r->src;
    uint64_t line = r->u.text.line;
    size_t i = 0;
    struct pl_line L;
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
        const uint8_t *p = s->win;
        int k = 0;
        while (p < lim && i < n) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(lim - p));
            k = plain_parse(p, (size_t)(nl - p), &L);
            line++;
            if (k < 0) {
                trace_fail(r, VML_EPARSE, line, L.col, "%s", L.msg);
                break;
            }
            if (k) {
                out[i].addr = L.addr;
                out[i].size = 0;
                out[i].kind = (uint8_t)L.kind;
                out[i].pad = 0;
                out[i].cpu = 0;
                i++;
            }
            p = nl + 1;
        }
        src_consume(s, (size_t)(p - s->win));
        if (k < 0)
            break;
    }
    r->u.text.line = line;
    return (long)i;
}

int plain_open(struct vml_trace_reader *r)
{
    r->read = plain_read;
    return 0;
}
