/* cli/sweep_flat.c: JSON objects to dotted keys and values (see sweep_flat.h). */
#include "cli/sweep_flat.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(struct sweep_flat *f, const char *key, const char *val)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        char **k = realloc(f->key, cap * sizeof(*k));
        if (!k)
            return -1;
        f->key = k;
        char **v = realloc(f->val, cap * sizeof(*v));
        if (!v)
            return -1;
        f->val = v;
        f->cap = cap;
    }
    char *k = strdup(key), *v = strdup(val);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    f->key[f->n] = k;
    f->val[f->n++] = v;
    return 0;
}

/* Walks j under the key prefix (len bytes used of a buffer of cap); -1 on no memory or a key
 * path too long. */
static int walk(struct sweep_flat *f, json_t *j, char *prefix, size_t len, size_t cap, int depth)
{
    char val[64];
    if (depth > 32)
        return -1; /* nothing vmlab writes is this deep */
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            int n = snprintf(prefix + len, cap - len, "%s%s", len ? "." : "", k);
            if (n < 0 || (size_t)n >= cap - len ||
                walk(f, v, prefix, len + (size_t)n, cap, depth + 1))
                return -1;
        }
        prefix[len] = 0;
        return 0;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            int n = snprintf(prefix + len, cap - len, "%s%zu", len ? "." : "", i);
            if (n < 0 || (size_t)n >= cap - len ||
                walk(f, v, prefix, len + (size_t)n, cap, depth + 1))
                return -1;
        }
        prefix[len] = 0;
        return 0;
    }
    case JSON_STRING: return add(f, prefix, json_string_value(j));
    case JSON_INTEGER:
        snprintf(val, sizeof(val), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return add(f, prefix, val);
    case JSON_REAL:
        snprintf(val, sizeof(val), "%.10g", json_real_value(j));
        return add(f, prefix, val);
    case JSON_TRUE: return add(f, prefix, "true");
    case JSON_FALSE: return add(f, prefix, "false");
    default: return add(f, prefix, "");
    }
}

int sweep_flatten(const char *text, size_t len, struct sweep_flat *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        snprintf(err, errlen, "%d:%d: %s", je.line, je.column, je.text);
        return -1;
    }
    int rc = 0;
    if (!json_is_object(j)) {
        snprintf(err, errlen, "1:1: expected a JSON object");
        rc = -1;
    } else {
        char prefix[1024] = "";
        if (walk(out, j, prefix, 0, sizeof(prefix), 0)) {
            snprintf(err, errlen, "out of host memory, or keys nested too deep");
            rc = -1;
        }
    }
    json_decref(j);
    if (rc)
        sweep_flat_free(out);
    return rc;
}

void sweep_flat_free(struct sweep_flat *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->key[i]);
        free(f->val[i]);
    }
    free(f->key);
    free(f->val);
    memset(f, 0, sizeof(*f));
}
