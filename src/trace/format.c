/* trace/format.c: format and compression names, and format detection.
 *
 * Detection (VML_TRACE_AUTO), in this order (docs/trace-format.md):
 *   1. the decompressed stream starts with "VMLTRACE": native;
 *   2. the first line that is neither blank nor a '#' comment decides between the text formats:
 *      a lackey record or valgrind chatter ("==PID==", "--PID--", "**PID**") means lackey, a
 *      "<hex> <R|W>" line means plain (so does a sample holding only '#' comments);
 *   3. a name ending in .champsim, .champsimtrace or .trace (before any .xz, .gz or .zst):
 *      ChampSim, which has no magic;
 *   4. otherwise the format is not recognised.
 * Text comes before the name because ".trace" is also what course simulators call plain traces.
 */
#include "trace/trace_int.h"
#include "util/diag.h"

#include <strings.h>

static const char *const format_names[] = {
    [VML_TRACE_AUTO] = "auto",         [VML_TRACE_NATIVE] = "native", [VML_TRACE_LACKEY] = "lackey",
    [VML_TRACE_CHAMPSIM] = "champsim", [VML_TRACE_PLAIN] = "plain",   [VML_TRACE_GEN] = "gen",
};

static const char *const compress_names[] = {
    [VML_TRACE_RAW] = "raw",
    [VML_TRACE_ZSTD] = "zstd",
    [VML_TRACE_XZ] = "xz",
    [VML_TRACE_GZ] = "gz",
};

const char *vml_trace_format_name(enum vml_trace_format f)
{
    return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f] : "?";
}

const char *vml_trace_compress_name(enum vml_trace_compress c)
{
    return (unsigned)c < sizeof(compress_names) / sizeof(compress_names[0]) ? compress_names[c]
                                                                            : "?";
}

int vml_trace_format_parse(const char *name, enum vml_trace_format *out)
{
    for (unsigned i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (enum vml_trace_format)i;
            return 0;
        }
    }
    return VML_EINVAL;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

static bool champsim_name(const char *name)
{
    size_t n = strlen(name);
    static const char *const packed[] = { ".xz", ".gz", ".zst" };
    for (unsigned i = 0; i < 3; i++) {
        if (ends_with(name, n, packed[i])) {
            n -= strlen(packed[i]);
            break;
        }
    }
    return ends_with(name, n, ".champsim") || ends_with(name, n, ".champsimtrace") ||
           ends_with(name, n, ".trace");
}

enum line_class { LINE_SKIP, LINE_COMMENT, LINE_LACKEY, LINE_PLAIN, LINE_OTHER };

static enum line_class classify(const uint8_t *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == n)
        return LINE_SKIP;
    if (p[i] == '#')
        return LINE_COMMENT;
    if (lackey_chatter(p, n) || lackey_line_shape(p, n))
        return LINE_LACKEY;
    if (plain_line_shape(p, n))
        return LINE_PLAIN;
    return LINE_OTHER;
}

/* Text format of the sample, or VML_TRACE_AUTO when it is not recognisable text. */
static enum vml_trace_format detect_text(const uint8_t *p, size_t n, bool eof, size_t *bad,
                                         size_t *bad_len)
{
    bool comments = false;
    size_t i = 0;
    *bad = *bad_len = 0;
    while (i < n) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        if (!nl && !eof)
            break; /* a partial line: undecided */
        size_t j = nl ? (size_t)(nl - p) : n;
        switch (classify(p + i, j - i)) {
        case LINE_SKIP: break;
        case LINE_COMMENT: comments = true; break;
        case LINE_LACKEY: return VML_TRACE_LACKEY;
        case LINE_PLAIN: return VML_TRACE_PLAIN;
        case LINE_OTHER:
            *bad = i;
            *bad_len = j - i;
            return VML_TRACE_AUTO;
        }
        i = j + 1;
    }
    if (i == 0 && n > 0) {
        *bad_len = n; /* no complete line in the sample */
        return VML_TRACE_AUTO;
    }
    return comments ? VML_TRACE_PLAIN : VML_TRACE_AUTO;
}

int trace_detect(const uint8_t *p, size_t n, bool eof, const char *name, enum vml_trace_format *out,
                 struct vml_diag *d)
{
    size_t bad, bad_len;
    char q[160];
    if (n >= 8 && memcmp(p, NATIVE_MAGIC, 8) == 0) {
        *out = VML_TRACE_NATIVE;
        return 0;
    }
    enum vml_trace_format f = detect_text(p, n, eof, &bad, &bad_len);
    if (f != VML_TRACE_AUTO) {
        *out = f;
        return 0;
    }
    if (champsim_name(name)) {
        *out = VML_TRACE_CHAMPSIM;
        return 0;
    }
    if (n == 0) {
        diag_set(d, 0, 0, "empty input: cannot tell its format (name the format)");
        return VML_EPARSE;
    }
    diag_set(d, 0, 0,
             "cannot tell the format: no native magic, and %s is neither a lackey nor a plain "
             "line (for ChampSim, name the file .champsim or give the format)",
             trace_quote(q, sizeof(q), p + bad, bad_len));
    return VML_EPARSE;
}
