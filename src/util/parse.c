/* util/parse.c: numbers and byte sizes as people write them ("0x7ffd0000", "64M", "1_000"). */
#include "util/diag.h"
#include "vmlab/base.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const unit_names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

static int digit_value(char c, unsigned base)
{
    unsigned v;
    if (c >= '0' && c <= '9')
        v = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
        v = (unsigned)(c - 'a') + 10u;
    else if (c >= 'A' && c <= 'F')
        v = (unsigned)(c - 'A') + 10u;
    else
        return -1;
    return v < base ? (int)v : -1;
}

/* Parses the number at the start of s; *end is set past it. Returns 0 or VML_EPARSE. */
static int parse_number(const char *s, uint64_t *out, const char **end, struct vml_diag *diag)
{
    const char *p = s;
    unsigned base = 10;
    /* "0x"/"0b" are prefixes only before a digit of their base, so "0B" is zero bytes. */
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2], 16) >= 0) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        /* No number unit starts with x, so "0x" is a hex prefix whatever follows: blame the
         * first byte after it, not the x. */
        if (p[2])
            diag_set(diag, 1, 3, "unexpected '%c' in hexadecimal number '%s' (digits 0-9, a-f)",
                     p[2], s);
        else
            diag_set(diag, 1, 3, "expected hexadecimal digits after '0x' in '%s'", s);
        return VML_EPARSE;
    } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B') && digit_value(p[2], 2) >= 0) {
        base = 2;
        p += 2;
    }
    uint64_t v = 0;
    unsigned ndigits = 0;
    for (;; p++) {
        if (*p == '_' && ndigits > 0 && digit_value(p[1], base) >= 0)
            continue;
        int d = digit_value(*p, base);
        if (d < 0)
            break;
        if (v > (UINT64_MAX - (uint64_t)d) / base) {
            diag_set(diag, 1, 1, "number '%s' is too large (the limit is 2^64-1)", s);
            return VML_EPARSE;
        }
        v = v * base + (uint64_t)d;
        ndigits++;
    }
    if (ndigits == 0) {
        diag_set(diag, 1, (unsigned)(p - s) + 1u, "expected a %s number in '%s'",
                 base == 16  ? "hexadecimal"
                 : base == 2 ? "binary"
                             : "decimal",
                 s);
        return VML_EPARSE;
    }
    *out = v;
    *end = p;
    return 0;
}

int vml_parse_u64(const char *s, uint64_t *out, struct vml_diag *diag)
{
    const char *end;
    uint64_t v;
    if (!s || !*s) {
        diag_set(diag, 1, 1, "expected a number, got nothing");
        return VML_EPARSE;
    }
    int r = parse_number(s, &v, &end, diag);
    if (r)
        return r;
    if (*end) {
        diag_set(diag, 1, (unsigned)(end - s) + 1u, "unexpected '%c' in number '%s'", *end, s);
        return VML_EPARSE;
    }
    *out = v;
    return 0;
}

int vml_parse_size(const char *s, uint64_t *out, struct vml_diag *diag)
{
    static const struct {
        const char *name;
        unsigned shift;
    } units[] = {
        { "", 0 },     { "B", 0 },    { "K", 10 },   { "KB", 10 },  { "KiB", 10 },
        { "M", 20 },   { "MB", 20 },  { "MiB", 20 }, { "G", 30 },   { "GB", 30 },
        { "GiB", 30 }, { "T", 40 },   { "TB", 40 },  { "TiB", 40 }, { "P", 50 },
        { "PB", 50 },  { "PiB", 50 }, { "E", 60 },   { "EB", 60 },  { "EiB", 60 },
    };
    const char *end;
    uint64_t v;
    if (!s || !*s) {
        diag_set(diag, 1, 1, "expected a size such as 4096, 64K, 2M or 1G, got nothing");
        return VML_EPARSE;
    }
    int r = parse_number(s, &v, &end, diag);
    if (r)
        return r;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(end, units[i].name) != 0)
            continue;
        if (units[i].shift && v > (UINT64_MAX >> units[i].shift)) {
            diag_set(diag, 1, 1, "size '%s' is too large (the limit is 2^64-1 bytes)", s);
            return VML_EPARSE;
        }
        *out = v << units[i].shift;
        return 0;
    }
    diag_set(diag, 1, (unsigned)(end - s) + 1u,
             "unknown size suffix '%s' in '%s' (use K, M, G, T, P or E, binary units)", end, s);
    return VML_EPARSE;
}

char *vml_format_size(uint64_t bytes, char *buf, size_t len)
{
    unsigned u = 0;
    while (u < 6 && bytes != 0 && (bytes & 1023u) == 0) {
        bytes >>= 10;
        u++;
    }
    snprintf(buf, len, "%llu %s", (unsigned long long)bytes, unit_names[u]);
    return buf;
}

char *vml_format_size_human(uint64_t bytes, char *buf, size_t len)
{
    uint64_t v = bytes;
    unsigned u = 0;
    while (u < 6 && v != 0 && (v & 1023u) == 0) {
        v >>= 10;
        u++;
    }
    if (v < 1024 || u == 6)
        return vml_format_size(bytes, buf, len);
    /* Not a small whole number of any unit: one decimal in the largest unit it reaches. */
    double d = (double)bytes;
    for (u = 0; u < 6 && d >= 1024.0; u++)
        d /= 1024.0;
    snprintf(buf, len, "%.1f %s", d, unit_names[u]);
    return buf;
}
