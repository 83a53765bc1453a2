/* proc_fixture.h: helpers shared by the /proc tests: reading a capture from tests/fixtures/proc
 * and comparing formatted text with it. Include after cmocka.h. */
#ifndef VMLAB_TESTS_PROC_FIXTURE_H
#define VMLAB_TESTS_PROC_FIXTURE_H

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole fixture file, malloc'd (fails the test if it cannot be read). */
static inline char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/proc/%s", VMLAB_FIXTURES, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* Fails the test, showing both, unless the text equals want; frees the text. */
static inline void expect_text(struct vml_text *t, const char *want)
{
    assert_false(t->oom);
    if (strcmp(t->s ? t->s : "", want) != 0)
        fail_msg("text differs.\n--- want\n%s--- got\n%s", want, t->s ? t->s : "");
    vml_text_free(t);
}

#endif
