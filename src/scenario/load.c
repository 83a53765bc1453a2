/* scenario/load.c: reading a scenario file without reading more than the language's limits.
 *
 * The file is read in chunks; reading stops once the line being read is longer than
 * VML_SCN_LINE_MAX bytes (plus a CR) or the text longer than VML_SCN_TEXT_MAX bytes, so
 * `vmlab run /dev/zero` stops after about 1 MiB instead of growing without bound. The text read so
 * far then goes to vml_scenario_parse, whose lexer reports the first problem in it: a control
 * byte or a long word in the first bytes of the line, else the limit that was passed, with the
 * line and column; the same error a whole read would give.
 */
#include "vmlab/scenario.h"

#include "util/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CHUNK = 64 << 10 };

/* The message is the system's reason alone; the caller says what it could not read. */
static int read_fail(struct vml_diag *d, const char *path, int err)
{
    diag_set(d, 0, 0, "%s", strerror(err));
    if (d)
        d->file = path;
    return err == ENOMEM ? VML_EHOST : VML_ENOENT;
}

int vml_scenario_load(const char *path, struct vml_scenario **out, struct vml_diag *diag)
{
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return read_fail(diag, path, errno);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!is_stdin)
            close(fd);
        return read_fail(diag, path, EISDIR);
    }
    char *text = NULL;
    size_t len = 0, cap = 0, line_start = 0;
    bool over = false; /* stopped at a limit: the text read so far fails to parse */
    int err = 0;
    while (!over) {
        if (cap - len < CHUNK) {
            size_t ncap = cap ? cap * 2 : CHUNK;
            char *t = realloc(text, ncap);
            if (!t) {
                err = ENOMEM;
                break;
            }
            text = t;
            cap = ncap;
        }
        ssize_t got = read(fd, text + len, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            err = errno;
            break;
        }
        if (got == 0)
            break;
        size_t end = len + (size_t)got;
        for (const char *nl; (nl = memchr(text + len, '\n', end - len)) != NULL;)
            len = line_start = (size_t)(nl - text) + 1;
        len = end;
        /* + 1: a CR before the LF is not part of the line. */
        over = len - line_start > VML_SCN_LINE_MAX + 1 || len > VML_SCN_TEXT_MAX;
    }
    if (!is_stdin)
        close(fd);
    if (err) {
        free(text);
        return read_fail(diag, path, err);
    }
    int r = vml_scenario_parse(text, len, path, out, diag);
    free(text);
    if (r == 0 && over) { /* cannot happen: the lexer checks the same limits; never accept */
        vml_scenario_free(*out);
        *out = NULL;
        diag_set(diag, 0, 0, "longer than the limits (a line %u bytes, the text %u bytes)",
                 VML_SCN_LINE_MAX, VML_SCN_TEXT_MAX);
        if (diag)
            diag->file = path;
        return VML_EPARSE;
    }
    return r;
}
