/* cli/sweep_flat.h: a JSON object flattened to dotted keys and text values, for vmlab sweep's
 * CSV ("report.tlb.l1d.hits.4K" -> "41"). Parsing is jansson's (Debian's libjansson). */
#ifndef VMLAB_CLI_SWEEP_FLAT_H
#define VMLAB_CLI_SWEEP_FLAT_H

#include <stddef.h>

struct sweep_flat {
    char **key, **val; /* malloc'd, in the object's order */
    size_t n, cap;
};

/* Flattens the JSON object text[0..len): nested objects join keys with '.', arrays use the
 * index; integers print as integers, reals with up to 10 significant digits (%.10g), strings as
 * they are, true/false, null as an empty value. Returns 0, or -1 with err saying why (line and
 * column of bad JSON, a top level that is not an object, no memory). */
int sweep_flatten(const char *text, size_t len, struct sweep_flat *out, char *err, size_t errlen);
void sweep_flat_free(struct sweep_flat *f);

#endif
