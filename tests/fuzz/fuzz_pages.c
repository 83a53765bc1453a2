/* fuzz_pages.c: libFuzzer harness for the page-number list parser (vml_pages_parse, the input
 * of vmlab policy) and the policies over what it reads. Properties: never crash or leak; an
 * error names a line and a column inside the input (or just past a line's end) with a message;
 * a list parsed, printed back with commas and parsed again is the same list; every policy
 * accounts for every access (hits + misses), none misses less than OPT, second-chance misses
 * exactly as clock does, and with more frames than pages only the first use of a page misses. */
#include "vmlab/learn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const char *s, size_t len, const struct vml_diag *d)
{
    if (!d->msg[0] || d->line == 0)
        abort();
    /* The line exists, and the column is inside it or just past its end. */
    unsigned line = 1;
    size_t bol = 0;
    for (size_t i = 0; i < len && line < d->line; i++)
        if (s[i] == '\n') {
            line++;
            bol = i + 1;
        }
    if (line != d->line)
        abort();
    size_t eol = bol;
    while (eol < len && s[eol] != '\n')
        eol++;
    if (d->col > eol - bol + 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    (void)vml_pages_sniff(s, size);
    struct vml_pages p = { 0 };
    struct vml_diag d = { 0 };
    int rc = vml_pages_parse(s, size, "fuzz", &p, &d);
    if (rc) {
        if (rc != VML_EPARSE)
            abort();
        check_error(s, size, &d);
        vml_pages_free(&p);
        return 0;
    }
    if (p.n == 0)
        abort();
    /* Round trip. */
    char *text = malloc(p.n * 22 + 1);
    if (!text)
        abort();
    size_t len = 0;
    for (size_t i = 0; i < p.n; i++)
        len += (size_t)sprintf(text + len, "%s%llu", i ? "," : "", (unsigned long long)p.page[i]);
    struct vml_pages q = { 0 };
    if (vml_pages_parse(text, len, "back", &q, &d) || q.n != p.n ||
        memcmp(q.page, p.page, p.n * sizeof(*p.page)))
        abort();
    free(text);
    vml_pages_free(&q);
    /* The policies. */
    size_t distinct = 0;
    {
        struct vml_policy_config c = { .policy = VML_POL_FIFO, .frames = p.n };
        struct vml_policy_result r;
        if (vml_policy_run(&c, &p, &r, NULL, NULL))
            abort();
        distinct = r.misses;
        if (r.evictions)
            abort();
    }
    for (size_t frames = 1; frames <= 4; frames++) {
        struct vml_policy_result res[VML_NR_POLICIES];
        for (unsigned k = 0; k < VML_NR_POLICIES; k++) {
            struct vml_policy_config c = { (enum vml_policy)k, frames, 7, 4096 };
            if (vml_policy_run(&c, &p, &res[k], NULL, NULL))
                abort();
            if (res[k].hits + res[k].misses != p.n)
                abort();
            if (res[k].misses < distinct ||
                res[k].evictions + (frames < distinct ? frames : distinct) != res[k].misses)
                abort();
        }
        for (unsigned k = 0; k < VML_NR_POLICIES; k++)
            if (res[k].misses < res[VML_POL_OPT].misses)
                abort();
        if (res[VML_POL_CLOCK].misses != res[VML_POL_SECOND_CHANCE].misses)
            abort();
    }
    vml_pages_free(&p);
    return 0;
}
