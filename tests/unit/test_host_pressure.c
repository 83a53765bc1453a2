/* test_host_pressure.c: the memory cgroup of a pressure scenario (src/host/pressure.c) on
 * imitations of the controller's mounts, written by hand:
 *   - which hierarchy holds the memory controller: a unified (v2) one whose cgroup.controllers
 *     lists memory, else a v1 mount with the memory option (this machine class is hybrid: v2 at
 *     /sys/fs/cgroup/unified without memory, v1 memory at /sys/fs/cgroup/memory);
 *   - the v2 path end to end in a directory that imitates a v2 root: the group is made, its
 *     memory.max written, an agent's own memory added to it, swappiness left to vm.swappiness
 *     (cgroup v2 has no memory.swappiness: mem_cgroup_swappiness), and the group removed by the
 *     undo; the v1 path writes memory.limit_in_bytes and memory.swappiness;
 *   - the limit a machine line gives: the simulated machine's MemAvailable, by hand.
 */
#define _GNU_SOURCE

#include "host/pressure.h"
#include "vmlab/vmlab.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char root[64];

/* A file of the imitation, with its directories. */
static void put_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s%s", root, rel);
    for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        mkdir(path, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void read_file(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = 0;
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/vmlab-test-cg.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static const char hybrid[] = "/dev/vda / ext4 rw,relatime 0 0\n"
                             "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
                             "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
                             "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
                             "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";

static void test_find(void **state)
{
    (void)state;
    struct memcg_mount m;
    /* Hybrid, as here: the unified hierarchy has no memory controller, v1 has it. */
    put_file("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
    assert_int_equal(memcg_find(hybrid, root, &m), 0);
    assert_int_equal(m.version, 1);
    char want[400];
    snprintf(want, sizeof(want), "%s/sys/fs/cgroup/memory", root);
    assert_string_equal(m.dir, want);
    assert_string_equal(m.limit, "memory.limit_in_bytes");
    /* Memory on the unified hierarchy (a v2-only boot, or memory moved there): v2 wins. */
    put_file("/sys/fs/cgroup/unified/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    assert_int_equal(memcg_find(hybrid, root, &m), 0);
    assert_int_equal(m.version, 2);
    snprintf(want, sizeof(want), "%s/sys/fs/cgroup/unified", root);
    assert_string_equal(m.dir, want);
    assert_string_equal(m.limit, "memory.max");
    /* A controller whose name only starts with "memory" is not it; nor a v1 option that does. */
    put_file("/sys/fs/cgroup/unified/cgroup.controllers", "memory_x\n");
    assert_int_equal(memcg_find("cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
                                "cgroup /sys/fs/cgroup/m cgroup rw,memory_x 0 0\n",
                                root, &m),
                     ENOENT);
    assert_int_equal(memcg_find("", root, &m), ENOENT);
    assert_int_equal(memcg_find("cgroup /a cgroup rw,nosuid,memory\n", root, &m), 0);
    assert_int_equal(m.version, 1);
}

static void test_v2_tree(void **state)
{
    (void)state;
    put_file("/v2/cgroup.controllers", "cpu io memory pids\n");
    struct memcg_mount m;
    char mounts[300], msg[PRESSURE_MSG] = "", path[512], buf[64];
    snprintf(mounts, sizeof(mounts), "cgroup2 /v2 cgroup2 rw,nosuid,nodev,noexec 0 0\n");
    assert_int_equal(memcg_find(mounts, root, &m), 0);
    assert_int_equal(m.version, 2);
    assert_int_equal(memcg_create_in(&m, 63996ull << 10, msg), 0);
    assert_true(memcg_active());
    snprintf(path, sizeof(path), "%s/v2/vmlab-%d/memory.max", root, (int)getpid());
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "65531904"); /* 63996 kB */
    /* an agent's own 512 kB: the limit grows by it */
    assert_int_equal(memcg_account_agent(512 << 10), 0);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "66056192");
    /* v2 has no per-cgroup swappiness: nothing written */
    assert_int_equal(memcg_swappiness(100, msg), 0);
    snprintf(path, sizeof(path), "%s/v2/vmlab-%d/memory.swappiness", root, (int)getpid());
    assert_int_not_equal(access(path, F_OK), 0);
    /* the undo removes the group (the imitation's files first: a real one has none to remove) */
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/v2/vmlab-%d", root, (int)getpid());
    snprintf(path, sizeof(path), "%s/memory.max", dir);
    unlink(path);
    host_pressure_undo();
    assert_false(memcg_active());
    assert_int_not_equal(access(dir, F_OK), 0);
}

static void test_v1_tree(void **state)
{
    (void)state;
    struct memcg_mount m = { .version = 1 };
    snprintf(m.dir, sizeof(m.dir), "%s/v1", root);
    snprintf(m.limit, sizeof(m.limit), "memory.limit_in_bytes");
    mkdir(m.dir, 0755);
    char msg[PRESSURE_MSG] = "", path[512], buf[64], dir[400];
    assert_int_equal(memcg_create_in(&m, 1ull << 30, msg), 0);
    snprintf(dir, sizeof(dir), "%s/vmlab-%d", m.dir, (int)getpid());
    snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", dir);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "1073741824");
    /* a v1 group keeps the swappiness it was made with: vm.swappiness is written to it */
    assert_int_equal(memcg_swappiness(100, msg), 0);
    snprintf(path, sizeof(path), "%s/memory.swappiness", dir);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "100");
    unlink(path);
    snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", dir);
    unlink(path);
    host_pressure_undo();
    assert_int_not_equal(access(dir, F_OK), 0);
}

/* The limit for ram=64M, by hand (mm/page_alloc.c): 16384 pages, min_free_kbytes
 * isqrt(16384 * 4 * 16) = 1024 kB = 256 pages, split by zone size over ZONE_DMA (the first
 * 16 MiB, 4096 pages: min 64, low/high steps max(4096 * 10 / 10000, 64 / 4) = 16, high 96) and
 * ZONE_DMA32 (12288 pages: min 192, step max(12, 48) = 48, high 288); ZONE_DMA keeps
 * 12288 / 256 = 48 pages from allocations for higher zones (lowmem_reserve_ratio 256), so
 * totalreserve_pages is 96 + 48 + 288 = 432. Free: 16384 less the zero page = 16383.
 * MemAvailable = 16383 - 432 = 15951 pages = 63804 kB. At 256M (below 512 MiB: no THP raise of
 * min_free_kbytes) the same arithmetic: DMA min 32, step 8, high 48; DMA32 min 480, step 120,
 * high 720; DMA's reserve 61440 / 256 = 240: 65535 - 48 - 240 - 720 = 64527 pages. */
static void test_budget(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    const char *text = "machine ram=64M swap=16M\n";
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t", &s, &d), 0);
    uint64_t b = 0;
    char msg[PRESSURE_MSG] = "";
    assert_int_equal(memcg_budget(&s->machine, &b, msg), 0);
    assert_int_equal(b, 63804ull << 10);
    vml_scenario_free(s);
    text = "machine ram=256M\n";
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t", &s, &d), 0);
    assert_int_equal(memcg_budget(&s->machine, &b, msg), 0);
    assert_int_equal(b, (65535ull - 48 - 240 - 720) * 4096);
    vml_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_v2_tree),
        cmocka_unit_test(test_v1_tree),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
