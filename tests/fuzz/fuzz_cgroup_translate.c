/* fuzz_cgroup_translate.c: libFuzzer harness for the Linux backend's cgroup value rules
 * (src/host/cgroups.c): cgroups_parse_size, cgroups_path_ok and the v2 -> v1 translation of
 * set. Input: "FILE\nVALUE\nPATH" (missing parts empty). No crash, leak or hang, and:
 *   - a size parses only from digits with at most one suffix letter (or max, -1), and what it
 *     gives is below the unlimited value unless it says max;
 *   - a path accepted has no empty, "." or ".." component;
 *   - a translation gives 0..2 writes or VML_EINVAL with a message, and the limits it leaves
 *     keep v1's order: the memory limit never above memory + swap's, once swap is bounded. */
#include "host/cgroups.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void part(const uint8_t **p, const uint8_t *end, char *out, size_t n)
{
    size_t k = 0;
    while (*p < end && **p != '\n') {
        if (k + 1 < n)
            out[k++] = (char)**p;
        (*p)++;
    }
    if (*p < end)
        (*p)++;
    out[k] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char file[48], value[40], path[128];
    part(&p, end, file, sizeof(file));
    part(&p, end, value, sizeof(value));
    part(&p, end, path, sizeof(path));
    uint64_t v;
    bool max;
    if (cgroups_parse_size(value, false, &v, &max) == 0) {
        if (!max && v >= CGROUPS_V1_UNLIMITED)
            abort();
        if (!max && (value[0] < '0' || value[0] > '9'))
            abort();
    }
    if (cgroups_path_ok(path)) {
        if (path[0] == '/' || strstr(path, "//") || strcmp(path, "..") == 0 ||
            strncmp(path, "../", 3) == 0 || strstr(path, "/../") || strstr(path, "/./"))
            abort();
    }
    /* Each of four starting states: none, a memory limit, memory and swap, no swap accounting. */
    static const struct cgroups_v1_limits starts[] = {
        { CGROUPS_V1_UNLIMITED, CGROUPS_V1_UNLIMITED, CGROUPS_V1_UNLIMITED, true },
        { 64u << 20, CGROUPS_V1_UNLIMITED, CGROUPS_V1_UNLIMITED, true },
        { 64u << 20, 16u << 20, 80u << 20, true },
        { 64u << 20, CGROUPS_V1_UNLIMITED, CGROUPS_V1_UNLIMITED, false },
    };
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        struct cgroups_v1_limits lim = starts[i];
        struct cgroups_write w[2];
        char msg[CGROUPS_MSG] = "";
        int n = cgroups_translate(file, value, &lim, w, msg);
        if (n < 0) {
            if (n != VML_EINVAL || !msg[0] || memcmp(&lim, &starts[i], sizeof(lim)) != 0)
                abort();
            continue;
        }
        if (n > 2)
            abort();
        for (int k = 0; k < n; k++)
            if (!w[k].file[0] || !w[k].value[0])
                abort();
        if (lim.swap < CGROUPS_V1_UNLIMITED && lim.mem > lim.memsw)
            abort();
    }
    return 0;
}
