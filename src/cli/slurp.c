/* cli/slurp.c: reading a whole file or stream into memory, for the commands that parse a file
 * at once (scenarios, recorded results, CSV, traces as page lists). */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *cli_read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f); /* one byte kept for the NUL */
        if (n < cap - 1)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb)
            free(buf);
        buf = nb;
        cap *= 2;
    }
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    if (ferror(f)) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

char *cli_slurp_file(const char *path, size_t *len)
{
    if (strcmp(path, "-") == 0)
        return cli_read_all(stdin, len);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    int e = 0;
    char *buf = cli_read_all(f, len);
    if (!buf)
        e = errno;
    fclose(f);
    if (e)
        errno = e;
    return buf;
}
