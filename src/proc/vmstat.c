/* proc/vmstat.c: /proc/vmstat, "key value" lines in the kernel's order (mm/vmstat.c:
 * vmstat_start/vmstat_show, which prints vmstat_text[i] then seq_put_decimal_ul(" ", v)). */
#include "vmlab/proc.h"

#include "util/diag.h"
#include "util/text.h"

#include <string.h>

static const char *const names[VML_VMSTAT_NR] = {
#define VML_VMSTAT_NAME(name) #name,
    VML_VMSTAT_ITEMS(VML_VMSTAT_NAME)
#undef VML_VMSTAT_NAME
};

const char *vml_vmstat_name(enum vml_vmstat_item item)
{
    return (unsigned)item < VML_VMSTAT_NR ? names[item] : NULL;
}

int vml_proc_format_vmstat(const struct vml_vmstat *s, struct vml_text *out)
{
    for (unsigned i = 0; i < VML_VMSTAT_NR; i++)
        text_printf(out, "%s %llu\n", names[i], (unsigned long long)s->v[i]);
    return text_status(out);
}

/* Item of a key, trying the one after the previous line's first (the file is in order). */
static int find(const char *key, size_t len, unsigned hint)
{
    for (unsigned k = 0; k < VML_VMSTAT_NR; k++) {
        unsigned i = (hint + k) % VML_VMSTAT_NR;
        if (strlen(names[i]) == len && memcmp(names[i], key, len) == 0)
            return (int)i;
    }
    return -1;
}

int vml_proc_parse_vmstat(const char *text, size_t len, struct vml_vmstat *out,
                          struct vml_diag *diag)
{
    struct vml_vmstat s = { { 0 } };
    const char *p = text, *end = text + len;
    unsigned line = 0, hint = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        const char *sp = memchr(p, ' ', (size_t)(e - p));
        line++;
        if (!sp) {
            diag_set(diag, line, 1, "expected 'key value' in '%.*s'",
                     (int)(e - p > 80 ? 80 : e - p), p);
            return VML_EPARSE;
        }
        int item = find(p, (size_t)(sp - p), hint);
        const char *q = sp + 1;
        uint64_t v = 0;
        for (; q < e && *q >= '0' && *q <= '9'; q++) {
            unsigned d = (unsigned)(*q - '0');
            if (v > (UINT64_MAX - d) / 10)
                break;
            v = v * 10 + d;
        }
        if (q == sp + 1 || q != e) {
            diag_set(diag, line, (unsigned)(q - p) + 1u,
                     "expected a decimal number (at most 2^64-1) after '%.*s'", (int)(sp - p), p);
            return VML_EPARSE;
        }
        if (item >= 0) { /* keys this kernel adds that vmlab does not know are skipped */
            s.v[item] = v;
            hint = (unsigned)item + 1;
        }
        p = nl ? nl + 1 : end;
    }
    *out = s;
    return 0;
}
