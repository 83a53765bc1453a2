/* learn/pages.c: page-access strings: the plain page-number list (OSTEP's -a) and traces in
 * vmlab's formats cut into pages. */
#include "vmlab/learn.h"

#include "util/diag.h"
#include "util/grow.h"

#include <stdlib.h>
#include <string.h>

void vml_pages_free(struct vml_pages *p)
{
    free(p->page);
    memset(p, 0, sizeof(*p));
}

static int push(struct vml_pages *p, uint64_t v)
{
    if (util_grow((void **)&p->page, &p->cap, p->n, sizeof(*p->page)))
        return VML_EHOST;
    p->page[p->n++] = v;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_token(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int vml_pages_parse(const char *text, size_t len, const char *name, struct vml_pages *out,
                    struct vml_diag *diag)
{
    if (diag)
        diag->file = name;
    unsigned line = 1;
    size_t bol = 0, found = 0;
    bool need_value = false; /* after a comma: another number must come before the next comma */
    for (size_t i = 0; i < len;) {
        char c = text[i];
        unsigned col = (unsigned)(i - bol + 1);
        if (c == '\n') {
            line++;
            bol = ++i;
            continue;
        }
        if (is_blank(c)) {
            i++;
            continue;
        }
        if (c == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        if (c == ',') {
            if (need_value || found == 0) {
                diag_set(diag, line, col, "a comma with no page number before it");
                return VML_EPARSE;
            }
            need_value = true;
            i++;
            continue;
        }
        if (!is_token(c)) {
            if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
                diag_set(diag, line, col, "expected a page number, not '%c'", c);
            else
                diag_set(diag, line, col, "expected a page number, not byte 0x%02x",
                         (unsigned char)c);
            return VML_EPARSE;
        }
        size_t start = i;
        while (i < len && is_token(text[i]))
            i++;
        char tok[72];
        size_t n = i - start;
        if (n >= sizeof(tok)) {
            diag_set(diag, line, col, "a page number of %zu characters is too long", n);
            return VML_EPARSE;
        }
        memcpy(tok, text + start, n);
        tok[n] = '\0';
        uint64_t v;
        struct vml_diag d = { 0 };
        if (vml_parse_u64(tok, &v, &d)) {
            diag_set(diag, line, col + (d.col ? d.col - 1 : 0), "page number '%s': %s", tok, d.msg);
            return VML_EPARSE;
        }
        if (push(out, v)) {
            diag_set(diag, line, col, "out of host memory");
            return VML_EHOST;
        }
        found++;
        need_value = false;
    }
    if (need_value) {
        diag_set(diag, line, (unsigned)(len - bol + 1), "the list ends with a comma");
        return VML_EPARSE;
    }
    if (found == 0) {
        diag_set(diag, line, 0, "no page numbers (expected e.g. 1,2,3 or one number a line)");
        return VML_EPARSE;
    }
    return 0;
}

bool vml_pages_sniff(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t j = i;
        while (j < e && is_blank(text[j]))
            j++;
        if (j == e || text[j] == '#') {
            i = e + 1;
            continue;
        }
        for (; j < e && text[j] != '#'; j++) {
            char c = text[j];
            bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                      c == 'x' || c == 'X' || c == '_' || c == ',' || is_blank(c);
            if (!ok)
                return false;
        }
        return true;
    }
    return false;
}

int vml_pages_from_trace(struct vml_trace_reader *r, uint64_t page_size, uint64_t limit,
                         struct vml_pages *out, struct vml_diag *diag)
{
    if (page_size == 0 || (page_size & (page_size - 1))) {
        diag_set(diag, 0, 0, "page size %llu is not a power of two", (unsigned long long)page_size);
        return VML_EINVAL;
    }
    unsigned shift = 0;
    while ((1ull << shift) < page_size)
        shift++;
    enum { BATCH = 4096 };
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    if (!buf) {
        diag_set(diag, 0, 0, "out of host memory");
        return VML_EHOST;
    }
    uint64_t done = 0;
    int rc = 0;
    for (;;) {
        long got = vml_trace_read(r, buf, BATCH, diag);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got == 0)
            break;
        for (long k = 0; k < got && (!limit || done < limit); k++, done++) {
            uint64_t a = buf[k].addr, size = buf[k].size ? buf[k].size : 1;
            uint64_t last = a + (size - 1) < a ? UINT64_MAX : a + (size - 1);
            for (uint64_t p = a >> shift; p <= last >> shift; p++) {
                if (push(out, p)) {
                    diag_set(diag, 0, 0, "out of host memory");
                    free(buf);
                    return VML_EHOST;
                }
                if (p == UINT64_MAX >> shift)
                    break;
            }
        }
        if (limit && done >= limit)
            break;
    }
    free(buf);
    return rc;
}
