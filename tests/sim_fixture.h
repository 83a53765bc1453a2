/* sim_fixture.h: helpers shared by the simulator's unit tests: a machine as most tests want it,
 * the invariant checker as an assertion, vmstat by item. Include after cmocka.h. */
#ifndef VMLAB_TESTS_SIM_FIXTURE_H
#define VMLAB_TESTS_SIM_FIXTURE_H

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

/* The machine every fixture starts from: one node of ram bytes, one skylake CPU, 4-level
 * paging, the kernel's defaults for the rest. */
static inline void fixture_cfg(struct vml_sim_config *cfg, uint64_t ram)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->phys.ram_bytes = ram;
    cfg->phys.nr_nodes = 1;
    struct vml_diag d = { 0 };
    if (vml_cpu_model_parse("skylake", &cfg->cpu, &d) != 0)
        fail_msg("cpu: %s", d.msg);
    cfg->nr_cpus = 1;
    cfg->paging = 4;
}

/* vml_sim_create of cfg, failing the test with the reason when it cannot be made. */
static inline struct vml_sim *fixture_create(const struct vml_sim_config *cfg)
{
    struct vml_diag d = { 0 };
    struct vml_sim *sim = NULL;
    int r = vml_sim_create(cfg, &sim, &d);
    if (r)
        fail_msg("vml_sim_create: %s (%s)", vml_strerror(r), d.msg);
    return sim;
}

/* A one-node, one-CPU skylake machine of ram bytes with 4-level paging, the THP settings given
 * as FILE=VALUE pairs (NULL-terminated; NULL: the kernel's defaults) and a 2 MiB hugetlb pool
 * of hugetlb_2m pages. */
static inline struct vml_sim *fixture_sim_oom(uint64_t ram, const char *const *thp,
                                              uint64_t hugetlb_2m, bool oom_killer);

static inline struct vml_sim *fixture_sim(uint64_t ram, const char *const *thp, uint64_t hugetlb_2m)
{
    return fixture_sim_oom(ram, thp, hugetlb_2m, true);
}

/* The same, with the OOM killer on or off (the kernel's oom_killer_disable(): an allocation
 * that reclaim cannot serve fails): for tests that fill memory to its last page. */
static inline struct vml_sim *fixture_sim_oom(uint64_t ram, const char *const *thp,
                                              uint64_t hugetlb_2m, bool oom_killer)
{
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, ram);
    cfg.nr_hugepages[VML_HUGE_2M] = hugetlb_2m;
    cfg.oom_killer_disabled = !oom_killer;
    struct vml_thp_settings s;
    vml_thp_defaults(&s);
    struct vml_diag d = { 0 };
    for (size_t i = 0; thp && thp[i]; i += 2) {
        int f = vml_thp_find(thp[i]);
        assert_true(f >= 0);
        assert_int_equal(vml_thp_store(&s, (size_t)f, thp[i + 1], strlen(thp[i + 1]), &d), 0);
    }
    cfg.thp = &s;
    return fixture_create(&cfg);
}

/* A one-node, one-CPU skylake machine of ram bytes with the /proc/sys/vm/ settings given as
 * FILE=VALUE pairs (NULL-terminated; NULL: the kernel's defaults), the zero page as asked, and
 * the OOM killer on or off. */
static inline struct vml_sim *fixture_sim_vm(uint64_t ram, const char *const *vm, bool zero_page,
                                             bool oom_killer)
{
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, ram);
    cfg.no_zero_page = !zero_page;
    cfg.oom_killer_disabled = !oom_killer;
    struct vml_vm_sysctl s;
    vml_vm_sysctl_defaults(&s);
    struct vml_diag d = { 0 };
    for (size_t i = 0; vm && vm[i]; i += 2) {
        int f = vml_vm_find(vm[i]);
        assert_true(f >= 0);
        assert_int_equal(vml_vm_store(&s, (size_t)f, vm[i + 1], strlen(vm[i + 1]), NULL, &d), 0);
    }
    cfg.vm = &s;
    return fixture_create(&cfg);
}

/* A machine of 1 GiB on the named disk with readahead bytes (0: the default 128 KiB). */
static inline struct vml_sim *fixture_sim_disk(const char *disk, uint64_t readahead)
{
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, 1ull << 30);
    cfg.readahead = readahead;
    assert_int_equal(vml_sim_disk_find(disk, strlen(disk), &cfg.disk), 0);
    cfg.disk_set = true;
    return fixture_create(&cfg);
}

/* vml_sim_check must pass; its reason is printed when it does not. */
static inline void fixture_check(const struct vml_sim *sim)
{
    char why[512] = "";
    int r = vml_sim_check(sim, why, sizeof(why));
    if (r)
        print_error("vml_sim_check: %s\n", why);
    assert_int_equal(r, 0);
}

static inline uint64_t fixture_vmstat(const struct vml_sim *sim, enum vml_vmstat_item item)
{
    struct vml_vmstat v;
    vml_sim_vmstat(sim, &v);
    return v.v[item];
}

/* The text of a /proc file of the simulated machine (vml_sim_proc_text), malloc'd and
 * NUL-terminated; fails the test when it cannot be had. */
static inline char *fixture_proc_text(struct vml_sim *sim, int pid, enum vml_sim_file f,
                                      uint64_t start, uint64_t end)
{
    struct vml_text t;
    memset(&t, 0, sizeof(t));
    int r = vml_sim_proc_text(sim, pid, f, start, end, &t);
    if (r) {
        vml_text_free(&t);
        fail_msg("proc_text %s of %d: %s", vml_sim_file_name(f), pid, vml_strerror(r));
    }
    size_t len = t.s ? t.len : 0;
    char *s = malloc(len + 1);
    assert_non_null(s);
    memcpy(s, t.s ? t.s : "", len);
    s[len] = 0;
    vml_text_free(&t);
    return s;
}

/* The number on the line of text starting with key followed by ':' (or ' ' as in vmstat) into
 * *out; false when there is none. */
static inline bool fixture_text_field(const char *text, const char *key, uint64_t *out)
{
    size_t n = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, n) == 0 && (p[n] == ':' || p[n] == ' ')) {
            const char *v = p + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            char *end;
            *out = strtoull(v, &end, 10);
            return end != v;
        }
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    return false;
}

/* That number in a /proc file of the simulated machine; fails the test when there is none. */
static inline uint64_t fixture_proc_field(struct vml_sim *sim, int pid, enum vml_sim_file f,
                                          uint64_t start, uint64_t end, const char *key)
{
    char *s = fixture_proc_text(sim, pid, f, start, end);
    uint64_t v = 0;
    bool found = fixture_text_field(s, key, &v);
    free(s);
    if (!found)
        fail_msg("no number for %s in %s of %d", key, vml_sim_file_name(f), pid);
    return v;
}

#endif
