/* fuzz_toy.c: libFuzzer harness for the toy machine specs (vml_toy_parse, vmlab learn
 * --machine) and the exercises on the machines they describe. The first byte picks an exercise
 * kind and a seed, the rest is the spec. Properties: never crash or leak; an error has a
 * message and a column inside the spec (or just past it); a spec parsed, formatted and parsed
 * again gives the same machine; an exercise either is written or says why not (EINVAL with a
 * message). */
#include "vmlab/learn.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 256)
        return 0;
    unsigned sel = data[0];
    char *spec = malloc(size);
    if (!spec)
        return 0;
    memcpy(spec, data + 1, size - 1);
    spec[size - 1] = '\0';
    size_t len = strlen(spec);
    struct vml_toy_config cfg;
    struct vml_diag d = { 0 };
    if (vml_toy_parse(spec, &cfg, &d)) {
        if (!d.msg[0] || d.col == 0 || d.col > len + 1)
            abort();
        free(spec);
        return 0;
    }
    char buf[160];
    struct vml_toy_config back;
    if (vml_toy_parse(vml_toy_format(&cfg, buf, sizeof(buf)), &back, NULL) ||
        memcmp(&back, &cfg, sizeof(cfg)))
        abort();
    struct vml_text t = { 0 };
    vml_toy_describe(&cfg, &t);
    if (!t.s)
        abort();
    /* Exercises on small machines only: a 64 MiB one is valid but slow to fuzz. */
    if (cfg.phys_size <= 64 * 1024) {
        struct vml_learn_opts o = {
            .seed = sel >> 2, .count = 1 + (sel >> 4), .answers = true, .machine = &cfg
        };
        memset(&d, 0, sizeof(d));
        int rc = vml_learn_write((enum vml_learn_kind)(sel & 3), &o, &t, &d);
        if (rc && (rc != VML_EINVAL || !d.msg[0]))
            abort();
    }
    vml_text_free(&t);
    free(spec);
    return 0;
}
