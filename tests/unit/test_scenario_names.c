/* test_scenario_names.c: the scenario parser's name tables against a naive model: persistent
 * mapping sets shared by fork and changed in place under a process's own epoch, and the hash
 * table of processes and files. Fixed seeds; the seed is printed on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scenario/names.h"

#include <stdio.h>
#include <string.h>

enum { NPROC = 48, NNAME = 160, STEPS = 40000 };

struct model {
    bool live[NNAME];
    unsigned line[NNAME]; /* 0: never seen */
};

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void check_one(const struct mapset *m, const struct model *md, unsigned k, uint64_t seed)
{
    char name[16];
    unsigned line = 12345;
    snprintf(name, sizeof(name), "m%u", k);
    int got = mapset_get(m, name, strlen(name), &line);
    if (got != (int)md->live[k] || line != md->line[k])
        fail_msg("seed %llu: %s live %d line %u, want %d %u", (unsigned long long)seed, name, got,
                 line, md->live[k], md->line[k]);
}

static void run(uint64_t seed)
{
    static struct model md[NPROC];
    struct mapset *set[NPROC];
    uint64_t epoch[NPROC];
    struct names nm;
    unsigned nproc = 1;
    uint64_t s = seed;
    memset(&nm, 0, sizeof(nm));
    memset(md, 0, sizeof(md));
    set[0] = NULL;
    epoch[0] = names_new_epoch(&nm);
    for (unsigned step = 1; step <= STEPS; step++) {
        unsigned p = (unsigned)(rnd(&s) % nproc);
        uint64_t what = rnd(&s) % 100;
        if (what < 3 && nproc < NPROC) { /* fork p */
            unsigned c = nproc++;
            set[c] = set[p];
            md[c] = md[p];
            epoch[p] = names_new_epoch(&nm);
            epoch[c] = names_new_epoch(&nm);
            continue;
        }
        unsigned k = (unsigned)(rnd(&s) % NNAME);
        bool live = what < 60;
        char name[16];
        snprintf(name, sizeof(name), "m%u", k);
        assert_int_equal(mapset_put(&nm, &set[p], epoch[p], name, strlen(name), live, step), 0);
        md[p].live[k] = live;
        md[p].line[k] = step;
        /* Every process, not only p: a change must never leak into a set that shares nodes. */
        unsigned q = (unsigned)(rnd(&s) % nproc);
        check_one(set[p], &md[p], k, seed);
        check_one(set[q], &md[q], k, seed);
    }
    for (unsigned p = 0; p < nproc; p++)
        for (unsigned k = 0; k < NNAME; k++)
            check_one(set[p], &md[p], k, seed);
    names_free(&nm);
}

static void test_mapsets(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 8; seed++)
        run(seed * 0x9e3779b97f4a7c15ull);
}

static void test_symtab(void **state)
{
    (void)state;
    struct names nm;
    char name[32];
    memset(&nm, 0, sizeof(nm));
    for (unsigned i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "p%u", i);
        assert_null(names_find(&nm.procs, name, strlen(name)));
        struct sym *e = names_add(&nm.procs, name, strlen(name), i + 1);
        assert_non_null(e);
        assert_string_equal(e->name, name);
    }
    for (unsigned i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "p%u", i);
        struct sym *e = names_find(&nm.procs, name, strlen(name));
        assert_non_null(e);
        assert_int_equal(e->line, i + 1);
        assert_null(names_find(&nm.files, name, strlen(name)));
    }
    assert_null(names_find(&nm.procs, "p", 1));
    struct sym *e = names_find(&nm.procs, "p10", 2); /* lengths, not NULs, end names */
    assert_non_null(e);
    assert_string_equal(e->name, "p1");
    names_free(&nm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapsets),
        cmocka_unit_test(test_symtab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
