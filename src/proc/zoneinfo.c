/* proc/zoneinfo.c: the parts of /proc/zoneinfo that the kernel's MemAvailable and reserve
 * arithmetic uses (mm/vmstat.c: zoneinfo_show_print): per zone, its free pages, watermarks,
 * sizes and lowmem reserves ("protection"). Per-node and per-CPU lines are skipped.
 */
#include "util/diag.h"
#include "vmlab/proc.h"

#include <stdio.h>
#include <string.h>

/* Reads a decimal number at *p (after spaces); false if there is none or it overflows. */
static bool number(const char **p, const char *end, uint64_t *v)
{
    const char *s = *p;
    while (s < end && *s == ' ')
        s++;
    if (s == end || *s < '0' || *s > '9')
        return false;
    uint64_t x = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *v = x;
    return true;
}

static bool word_is(const char *s, const char *end, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(end - s) >= n && memcmp(s, w, n) == 0 && (s + n == end || s[n] == ' ');
}

int vml_proc_parse_zoneinfo(const char *text, size_t len, vml_zoneinfo_fn fn, void *ctx,
                            struct vml_diag *diag)
{
    struct vml_zoneinfo z;
    bool in_zone = false;
    unsigned line_no = 0;
    const char *end = text + len;
    int r = 0;
    for (const char *l = text; l < end && r == 0;) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        const char *le = nl ? nl : end;
        line_no++;
        const char *s = l;
        l = nl ? nl + 1 : end;
        if (word_is(s, le, "Node")) {
            /* "Node N, zone NAME" starts a zone; the previous one is complete. */
            if (in_zone && (r = fn(&z, ctx)) != 0)
                return r;
            memset(&z, 0, sizeof(z));
            const char *p = s + 4;
            uint64_t node;
            if (!number(&p, le, &node) || node > 1023 || p + 7 > le || memcmp(p, ", zone ", 7)) {
                diag_set(diag, line_no, (unsigned)(p - s) + 1, "expected 'Node N, zone NAME'");
                return VML_EPARSE;
            }
            p += 7;
            while (p < le && *p == ' ')
                p++;
            size_t n = (size_t)(le - p);
            if (n == 0 || n >= sizeof(z.zone)) {
                diag_set(diag, line_no, (unsigned)(p - s) + 1, "zone name missing or too long");
                return VML_EPARSE;
            }
            memcpy(z.zone, p, n);
            z.node = (unsigned)node;
            in_zone = true;
            continue;
        }
        if (!in_zone)
            continue;
        const char *p = s;
        while (p < le && *p == ' ')
            p++;
        static const struct {
            const char *key;
            size_t off;
        } keys[] = {
            { "pages free", offsetof(struct vml_zoneinfo, free) },
            { "min", offsetof(struct vml_zoneinfo, min) },
            { "low", offsetof(struct vml_zoneinfo, low) },
            { "high", offsetof(struct vml_zoneinfo, high) },
            { "spanned", offsetof(struct vml_zoneinfo, spanned) },
            { "present", offsetof(struct vml_zoneinfo, present) },
            { "managed", offsetof(struct vml_zoneinfo, managed) },
        };
        /* The zone's own lines are indented 8 (or "  pages free"); per-CPU ones have a colon. */
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            if (!word_is(p, le, keys[k].key))
                continue;
            const char *q = p + strlen(keys[k].key);
            uint64_t v;
            if (!number(&q, le, &v) || q != le) {
                diag_set(diag, line_no, (unsigned)(q - s) + 1, "expected a number after '%s'",
                         keys[k].key);
                return VML_EPARSE;
            }
            memcpy((char *)&z + keys[k].off, &v, sizeof(v));
            break;
        }
        /* A per-CPU list's pages ("    count: N" in the zone's pagesets, zoneinfo_show_print). */
        if (word_is(p, le, "count:")) {
            const char *q = p + 6;
            uint64_t v;
            if (!number(&q, le, &v) || q != le || v > UINT64_MAX - z.pcp_count) {
                diag_set(diag, line_no, (unsigned)(q - s) + 1, "expected a number after 'count:'");
                return VML_EPARSE;
            }
            z.pcp_count += v;
            continue;
        }
        if (word_is(p, le, "protection:")) {
            const char *q = p + 11;
            while (q < le && *q == ' ')
                q++;
            if (q == le || *q != '(') {
                diag_set(diag, line_no, (unsigned)(q - s) + 1, "expected '(' after protection:");
                return VML_EPARSE;
            }
            q++;
            z.nr_protection = 0;
            for (;;) {
                uint64_t v;
                if (!number(&q, le, &v) || z.nr_protection == VML_ZONEINFO_MAX_PROT) {
                    diag_set(diag, line_no, (unsigned)(q - s) + 1,
                             "expected up to %d numbers in protection: (...)",
                             VML_ZONEINFO_MAX_PROT);
                    return VML_EPARSE;
                }
                z.protection[z.nr_protection++] = v;
                if (q < le && *q == ',') {
                    q++;
                    continue;
                }
                if (q < le && *q == ')')
                    break;
                diag_set(diag, line_no, (unsigned)(q - s) + 1, "expected ',' or ')'");
                return VML_EPARSE;
            }
        }
    }
    if (r == 0 && in_zone)
        r = fn(&z, ctx);
    return r;
}
