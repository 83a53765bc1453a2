/* proc/parse.c: real /proc text into vmlab's records (see vmlab/proc.h).
 *
 * The inverse of proc/format.c, driven by the same line tables (proc/fields.c). Parsers are
 * strict about what they read (a value must be a decimal number, a mapping header must be
 * complete) and lenient about what they skip (unknown lines, as newer kernels add some). Every
 * error names the line and column and what was expected.
 */
#include "vmlab/proc.h"

#include "proc/fields.h"
#include "proc/lines.h"
#include "util/diag.h"
#include "util/text.h"

#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Consumes c at *p if it is there; the position stays on a mismatch, for the error column. */
static bool eat(const char **p, const char *e, char c)
{
    if (*p < e && **p == c) {
        (*p)++;
        return true;
    }
    return false;
}

static void skip_spaces(const char **p, const char *e)
{
    while (*p < e && is_space(**p))
        (*p)++;
}

static const struct proc_field *find_field(const struct proc_field *t, size_t n, const char *name,
                                           size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (proc_label_name_len(t[i].label) == len && memcmp(t[i].label, name, len) == 0)
            return &t[i];
    return NULL;
}

/* "Label: value[ kB]" for a table's field: stores the value. 1 if the line is not one of the
 * table's, 0 when stored, VML_EPARSE on a bad value. */
static int field_line_from(const struct line *l, const char *from, const struct proc_field *t,
                           size_t n, void *rec, struct vml_diag *d)
{
    const char *colon = memchr(from, ':', (size_t)(l->e - from));
    if (!colon)
        return 1;
    const struct proc_field *f = find_field(t, n, from, (size_t)(colon - from));
    if (!f)
        return 1;
    const char *p = colon + 1;
    uint64_t v;
    skip_spaces(&p, l->e);
    if (line_number(&p, l->e, 10, &v))
        return line_error(d, l, p, "expected a decimal number (at most 2^64-1)");
    if (f->kb) {
        if (l->e - p < 3 || memcmp(p, " kB", 3) != 0)
            return line_error(d, l, p, "expected ' kB' after the number");
        p += 3;
    }
    if (p != l->e)
        return line_error(d, l, p, "unexpected text after the value");
    memcpy((char *)rec + f->offset, &v, sizeof(v));
    return 0;
}

static int field_line(const struct line *l, const struct proc_field *t, size_t n, void *rec,
                      struct vml_diag *d)
{
    return field_line_from(l, l->s, t, n, rec, d);
}

/* Reads every line of a file made of table fields; other lines are skipped. */
static int parse_table(const char *text, size_t len, const struct proc_field *t, size_t n,
                       void *rec, struct vml_diag *d)
{
    const char *p = text, *end = text + len;
    struct line l = { 0 };
    while (next_line(&p, end, &l)) {
        int r = field_line(&l, t, n, rec, d);
        if (r < 0)
            return r;
    }
    return 0;
}

int vml_proc_parse_meminfo(const char *text, size_t len, struct vml_meminfo *out,
                           struct vml_diag *diag)
{
    struct vml_meminfo m = { 0 };
    int r = parse_table(text, len, proc_meminfo_fields, proc_meminfo_nfields, &m, diag);
    if (r == 0)
        *out = m;
    return r;
}

int vml_proc_parse_status_mem(const char *text, size_t len, struct vml_status_mem *out,
                              struct vml_diag *diag)
{
    struct vml_status_mem s = { 0 };
    int r = parse_table(text, len, proc_status_fields, proc_status_nfields, &s, diag);
    if (r == 0)
        *out = s;
    return r;
}

int vml_proc_parse_statm(const char *text, size_t len, struct vml_statm *out, struct vml_diag *diag)
{
    const char *p = text, *end = text + len;
    struct line l = { 0 };
    uint64_t v[7];
    if (!next_line(&p, end, &l)) {
        diag_set(diag, 1, 1, "statm is empty: expected 7 numbers");
        return VML_EPARSE;
    }
    const char *q = l.s;
    for (unsigned i = 0; i < 7; i++) {
        if (i && !eat(&q, l.e, ' '))
            return line_error(diag, &l, q, "expected 7 numbers separated by spaces");
        if (line_number(&q, l.e, 10, &v[i]))
            return line_error(diag, &l, q, "expected a decimal number");
    }
    if (q != l.e)
        return line_error(diag, &l, q, "unexpected text after the 7th number");
    *out = (struct vml_statm){
        .size = v[0], .resident = v[1], .shared = v[2], .text = v[3], .data = v[5]
    };
    return 0;
}

/* A mapping header: "start-end perms offset major:minor inode [name]". The name (unescaped:
 * \012 is a newline) is written to name_buf, which h->name then points to. */
static int header_line(const struct line *l, struct vml_vma_header *h, struct vml_text *name_buf,
                       struct vml_diag *d)
{
    const char *p = l->s;
    uint64_t maj, min;
    if (line_number(&p, l->e, 16, &h->start) || !eat(&p, l->e, '-'))
        return line_error(d, l, p, "expected START-END in hex");
    if (line_number(&p, l->e, 16, &h->end) || !eat(&p, l->e, ' '))
        return line_error(d, l, p, "expected START-END in hex");
    /* Explicit tests: strchr("r-", c) would also accept the NUL that ends its string. */
    if (l->e - p < 5 || p[4] != ' ' || (p[0] != 'r' && p[0] != '-') ||
        (p[1] != 'w' && p[1] != '-') || (p[2] != 'x' && p[2] != '-') ||
        (p[3] != 's' && p[3] != 'p'))
        return line_error(d, l, p, "expected permissions such as rw-p");
    memcpy(h->perms, p, 4);
    h->perms[4] = '\0';
    p += 5;
    if (line_number(&p, l->e, 16, &h->offset) || !eat(&p, l->e, ' '))
        return line_error(d, l, p, "expected the offset in hex");
    const char *num = p;
    if (line_number(&p, l->e, 16, &maj) || maj > 0xfff)
        return line_error(d, l, num,
                          "expected the device as MAJOR:MINOR in hex (major at most fff)");
    if (!eat(&p, l->e, ':'))
        return line_error(d, l, p, "expected the device as MAJOR:MINOR in hex");
    num = p;
    if (line_number(&p, l->e, 16, &min) || min > 0xfffff)
        return line_error(d, l, num,
                          "expected the device as MAJOR:MINOR in hex (minor at most fffff)");
    if (!eat(&p, l->e, ' ') || line_number(&p, l->e, 10, &h->inode))
        return line_error(d, l, p, "expected the inode number after the device");
    h->dev_major = (unsigned)maj;
    h->dev_minor = (unsigned)min;
    skip_spaces(&p, l->e);
    name_buf->len = 0;
    for (; p < l->e; p++) {
        if (l->e - p >= 4 && memcmp(p, "\\012", 4) == 0) {
            text_append(name_buf, "\n", 1);
            p += 3;
        } else {
            text_append(name_buf, p, 1);
        }
    }
    text_append(name_buf, "", 0);
    if (name_buf->oom)
        return VML_EHOST;
    h->name = name_buf->len ? name_buf->s : "";
    return 0;
}

/* Whether a line starts like a mapping header ("hex-"). */
static bool looks_like_header(const struct line *l)
{
    const char *p = l->s;
    while (p < l->e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
        p++;
    return p > l->s && p < l->e && *p == '-';
}

int vml_proc_parse_maps(const char *text, size_t len, vml_vma_header_fn fn, void *ctx,
                        struct vml_diag *diag)
{
    const char *p = text, *end = text + len;
    struct line l = { 0 };
    struct vml_text name = { 0 };
    int r = 0;
    while (r == 0 && next_line(&p, end, &l)) {
        struct vml_vma_header h;
        r = header_line(&l, &h, &name, diag);
        if (r == 0)
            r = fn(&h, ctx);
    }
    vml_text_free(&name);
    return r;
}

/* The lines of an smaps block other than the counters. 1 if the line is none of them. */
static int smaps_extra_line(const struct line *l, struct vml_smaps *s, struct vml_text *flags,
                            struct vml_diag *d)
{
    static const struct proc_field sizes[] = {
        { "Size:", offsetof(struct vml_smaps, size), 8, true, false },
        { "KernelPageSize:", offsetof(struct vml_smaps, kernel_page_size), 8, true, false },
        { "MMUPageSize:", offsetof(struct vml_smaps, mmu_page_size), 8, true, false },
    };
    static const struct proc_field thp[] = {
        { "THPeligible:", 0, 8, false, false },
    };
    int r = field_line(l, sizes, 3, s, d);
    if (r <= 0)
        return r;
    uint64_t v = 0;
    r = field_line(l, thp, 1, &v, d);
    if (r == 0) {
        if (v > 1)
            return line_error(d, l, l->s, "THPeligible must be 0 or 1");
        s->thp_eligible = (unsigned)v;
        return 0;
    }
    if (r < 0)
        return r;
    if (l->e - l->s >= 8 && memcmp(l->s, "VmFlags:", 8) == 0) {
        const char *p = l->s + 8;
        skip_spaces(&p, l->e);
        const char *q = l->e;
        while (q > p && q[-1] == ' ')
            q--;
        flags->len = 0;
        text_append(flags, p, (size_t)(q - p));
        text_append(flags, "", 0);
        if (flags->oom)
            return VML_EHOST;
        s->vm_flags = flags->len ? flags->s : "";
        return 0;
    }
    return 1;
}

int vml_proc_parse_smaps(const char *text, size_t len, vml_smaps_fn fn, void *ctx,
                         struct vml_diag *diag)
{
    const char *p = text, *end = text + len;
    struct line l = { 0 };
    struct vml_text name = { 0 }, flags = { 0 };
    struct vml_smaps s;
    bool open = false;
    int r = 0;
    while (r == 0 && next_line(&p, end, &l)) {
        if (looks_like_header(&l)) {
            if (open)
                r = fn(&s, ctx);
            memset(&s, 0, sizeof(s));
            s.vm_flags = "";
            if (r == 0)
                r = header_line(&l, &s.hdr, &name, diag);
            open = true;
            continue;
        }
        if (!open) {
            r = line_error(diag, &l, l.s, "expected a mapping header (START-END ...) first");
            break;
        }
        r = field_line(&l, proc_smaps_fields, proc_smaps_nfields, &s.c, diag);
        if (r == 1)
            r = smaps_extra_line(&l, &s, &flags, diag);
        if (r == 1)
            r = 0; /* a line this kernel adds that vmlab does not read */
    }
    if (r == 0 && open)
        r = fn(&s, ctx);
    vml_text_free(&name);
    vml_text_free(&flags);
    return r;
}

int vml_proc_parse_node_meminfo(const char *text, size_t len, unsigned *node,
                                struct vml_node_meminfo *out, struct vml_diag *diag)
{
    struct vml_node_meminfo m = { 0 };
    const char *p = text, *end = text + len;
    struct line l = { 0 };
    uint64_t first = UINT64_MAX;
    while (next_line(&p, end, &l)) {
        const char *q = l.s;
        uint64_t n;
        if (l.e - q < 5 || memcmp(q, "Node ", 5) != 0)
            return line_error(diag, &l, q, "expected 'Node N' at the start of the line");
        q += 5;
        const char *num = q;
        if (line_number(&q, l.e, 10, &n) || n > 1023)
            return line_error(diag, &l, num, "expected a node number (0..1023)");
        if (!eat(&q, l.e, ' '))
            return line_error(diag, &l, q, "expected a space after the node number");
        if (first != UINT64_MAX && n != first)
            return line_error(diag, &l, l.s + 5, "a different node than the first line's");
        first = n;
        int r =
            field_line_from(&l, q, proc_node_meminfo_fields, proc_node_meminfo_nfields, &m, diag);
        if (r < 0)
            return r;
    }
    *node = first == UINT64_MAX ? 0 : (unsigned)first;
    *out = m;
    return 0;
}

/* A "key value" line (numastat, vmstat): the key and the decimal value. */
static int key_value_line(const struct line *l, const char **key, size_t *key_len, uint64_t *v,
                          struct vml_diag *d)
{
    const char *sp = memchr(l->s, ' ', (size_t)(l->e - l->s));
    if (!sp)
        return line_error(d, l, l->s, "expected 'key value'");
    const char *q = sp + 1;
    if (line_number(&q, l->e, 10, v) || q != l->e)
        return line_error(d, l, q, "expected a decimal number (at most 2^64-1) after the key");
    *key = l->s;
    *key_len = (size_t)(sp - l->s);
    return 0;
}

int vml_proc_parse_numastat(const char *text, size_t len, struct vml_numastat *out,
                            struct vml_diag *diag)
{
    struct vml_numastat s = { 0 };
    const char *p = text, *end = text + len, *key;
    struct line l = { 0 };
    size_t key_len;
    uint64_t v;
    while (next_line(&p, end, &l)) {
        int r = key_value_line(&l, &key, &key_len, &v, diag);
        if (r)
            return r;
        const struct proc_field *f =
            find_field(proc_numastat_fields, proc_numastat_nfields, key, key_len);
        if (f)
            memcpy((char *)&s + f->offset, &v, sizeof(v));
    }
    *out = s;
    return 0;
}

int vml_proc_parse_vmstat(const char *text, size_t len, struct vml_vmstat *out,
                          struct vml_diag *diag)
{
    struct vml_vmstat s = { { 0 } };
    const char *p = text, *end = text + len, *key;
    struct line l = { 0 };
    size_t key_len;
    uint64_t v;
    unsigned hint = 0;
    while (next_line(&p, end, &l)) {
        int r = key_value_line(&l, &key, &key_len, &v, diag);
        if (r)
            return r;
        int item = proc_vmstat_find(key, key_len, hint);
        if (item >= 0) { /* keys this kernel adds that vmlab does not know are skipped */
            s.v[item] = v;
            hint = (unsigned)item + 1;
        }
    }
    *out = s;
    return 0;
}

int vml_proc_parse_smaps_rollup(const char *text, size_t len, uint64_t *start, uint64_t *end_out,
                                struct vml_smaps_counts *out, struct vml_diag *diag)
{
    const char *p = text, *end = text + len;
    struct line l = { 0 };
    struct vml_text name = { 0 };
    struct vml_vma_header h;
    struct vml_smaps_counts c = { 0 };
    if (!next_line(&p, end, &l)) {
        diag_set(diag, 1, 1, "smaps_rollup is empty: expected a [rollup] header");
        return VML_EPARSE;
    }
    int r = header_line(&l, &h, &name, diag);
    if (r == 0 && strcmp(h.name, "[rollup]") != 0)
        r = line_error(diag, &l, l.s, "expected the [rollup] header");
    vml_text_free(&name);
    while (r == 0 && next_line(&p, end, &l))
        r = field_line(&l, proc_smaps_fields, proc_smaps_nfields, &c, diag) < 0 ? VML_EPARSE : 0;
    if (r)
        return r;
    *start = h.start;
    *end_out = h.end;
    *out = c;
    return 0;
}
