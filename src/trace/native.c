/* trace/native.c: reading vmlab's native trace format (docs/trace-format.md).
 *
 * A 32-byte header, then one little-endian u64 per access (see trace_int.h for the bit layout).
 * The hot loop decodes plain access words with a shift, a mask and a sign extension and stops
 * at the first control word (kind 3), which is rare: a cpu change, or a "long access" for an
 * address that is not sign-extended from bit 56 or a size above 31. Errors name the byte offset
 * in the (decompressed) stream.
 */
#include "trace/trace_int.h"

#include <stdio.h>

static void native_fail(struct vml_trace_reader *r, uint64_t off, const char *what)
{
    trace_fail(r, VML_EPARSE, 0, 0, "%s at byte offset %llu%s", what, (unsigned long long)off,
               src_offset_note(&r->src));
}

/* The word at the window's start is a control record, or an access beyond the header's count.
 * Returns the records produced (0 or 1), or -1 after native_fail(). */
static int native_special(struct vml_trace_reader *r, struct vml_trace_rec *o)
{
    struct trace_src *s = &r->src;
    struct native_state *st = &r->u.native;
    char msg[200];
    uint64_t w = load_le64(s->win), off = s->off;
    bool full = st->header_count && st->yielded == st->header_count;
    unsigned op = (unsigned)(w >> NATIVE_OP_SHIFT) & NATIVE_OP_MASK;
    uint64_t payload = w & NATIVE_PAYLOAD;
    if ((w >> NATIVE_KIND_SHIFT) != NATIVE_KIND_CTRL || (full && op == NATIVE_OP_LONG)) {
        snprintf(msg, sizeof(msg), "more records than the header's count of %llu",
                 (unsigned long long)st->header_count);
        native_fail(r, off, msg);
        return -1;
    }
    if (op == NATIVE_OP_CPU) {
        if (payload >> 32) {
            native_fail(r, off, "reserved bits set in a cpu control record");
            return -1;
        }
        st->cpu = (uint32_t)payload;
        src_consume(s, 8);
        return 0;
    }
    if (op != NATIVE_OP_LONG) {
        snprintf(msg, sizeof(msg), "unknown control op %u (version 1 knows 0 and 1)", op);
        native_fail(r, off, msg);
        return -1;
    }
    unsigned kind = (unsigned)(payload >> 16) & 3;
    if (payload >> 18) {
        native_fail(r, off, "reserved bits set in a long access record");
        return -1;
    }
    if (kind == NATIVE_KIND_CTRL) {
        native_fail(r, off, "bad kind 3 in a long access record");
        return -1;
    }
    if (src_need(s, 16, &r->diag) < 0) {
        r->err = VML_EPARSE;
        return -1;
    }
    if (s->len < 16) {
        native_fail(r, off, "truncated long access record: its address word is missing");
        return -1;
    }
    o->addr = load_le64(s->win + 8);
    o->size = (uint16_t)payload;
    o->kind = (uint8_t)kind;
    o->pad = 0;
    o->cpu = st->cpu;
    st->yielded++;
    src_consume(s, 16);
    return 1;
}

/* At the end of the input: 0, or -1 for a partial record or a short count. */
static int native_end(struct vml_trace_reader *r)
{
    struct trace_src *s = &r->src;
    struct native_state *st = &r->u.native;
    char msg[200];
    if (s->len) {
        snprintf(msg, sizeof(msg), "truncated record: %zu trailing bytes", s->len);
        native_fail(r, s->off, msg);
        return -1;
    }
    if (st->header_count && st->yielded != st->header_count) {
        snprintf(msg, sizeof(msg), "the trace ends after %llu records but the header says %llu",
                 (unsigned long long)st->yielded, (unsigned long long)st->header_count);
        native_fail(r, s->off, msg);
        return -1;
    }
    return 0;
}

static long native_read(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t n)
{
    struct trace_src *s = &r->src;
    struct native_state *st = &r->u.native;
    size_t i = 0;
    while (i < n) {
        if (s->len < 8) {
            int m = s->eof ? 0 : src_more(s, &r->diag);
            if (m < 0) {
                r->err = m;
                r->diag.file = r->name;
                break;
            }
            if (m > 0)
                continue;
            native_end(r);
            break;
        }
        size_t m = s->len / 8;
        if (m > n - i)
            m = n - i;
        if (st->header_count && m > st->header_count - st->yielded)
            m = (size_t)(st->header_count - st->yielded);
        const uint8_t *p = s->win;
        const uint32_t cpu = st->cpu;
        struct vml_trace_rec *o = out + i;
        size_t j = 0;
        for (; j < m; j++) {
            uint64_t w = load_le64(p + 8 * j);
            if ((w >> NATIVE_KIND_SHIFT) == NATIVE_KIND_CTRL)
                break;
            o[j].addr = native_addr(w);
            o[j].size = (uint16_t)((w >> NATIVE_SIZE_SHIFT) & NATIVE_SIZE_MAX);
            o[j].kind = (uint8_t)(w >> NATIVE_KIND_SHIFT);
            o[j].pad = 0;
            o[j].cpu = cpu;
        }
        i += j;
        st->yielded += j;
        src_consume(s, 8 * j);
        if (j == m && m > 0)
            continue;
        int k = native_special(r, out + i);
        if (k < 0)
            break;
        i += (size_t)k;
    }
    return (long)i;
}

int native_open(struct vml_trace_reader *r)
{
    struct trace_src *s = &r->src;
    char msg[200], q[80];
    int err = src_need(s, NATIVE_HEADER_SIZE, &r->diag);
    if (err)
        return err;
    const uint8_t *p = s->win;
    if (s->len < 8 || memcmp(p, NATIVE_MAGIC, 8) != 0) {
        snprintf(msg, sizeof(msg), "not a vmlab native trace: it starts with %s, not \"VMLTRACE\"",
                 trace_quote(q, sizeof(q), p, s->len < 8 ? s->len : 8));
        native_fail(r, 0, msg);
        return VML_EPARSE;
    }
    if (s->len < NATIVE_HEADER_SIZE) {
        snprintf(msg, sizeof(msg), "truncated header: %zu bytes of 32", s->len);
        native_fail(r, s->len, msg);
        return VML_EPARSE;
    }
    uint32_t version = load_le32(p + 8), hsize = load_le32(p + 12);
    uint64_t count = load_le64(p + 16), flags = load_le64(p + 24);
    if (version != NATIVE_VERSION) {
        snprintf(msg, sizeof(msg), "unsupported version %u (this reader knows version 1)", version);
        native_fail(r, 8, msg);
        return VML_EPARSE;
    }
    if (hsize < NATIVE_HEADER_SIZE || hsize > NATIVE_HEADER_MAX || hsize % 8) {
        snprintf(msg, sizeof(msg), "bad header size %u (32 to 4096, a multiple of 8)", hsize);
        native_fail(r, 12, msg);
        return VML_EPARSE;
    }
    if (flags) {
        snprintf(msg, sizeof(msg), "unknown header flags 0x%llx (version 1 defines none)",
                 (unsigned long long)flags);
        native_fail(r, 24, msg);
        return VML_EPARSE;
    }
    if ((err = src_need(s, hsize, &r->diag)) != 0)
        return err;
    if (s->len < hsize) {
        snprintf(msg, sizeof(msg), "truncated header: %zu bytes of %u", s->len, hsize);
        native_fail(r, s->len, msg);
        return VML_EPARSE;
    }
    src_consume(s, hsize);
    r->count = count;
    r->u.native.header_count = count;
    r->read = native_read;
    return 0;
}
