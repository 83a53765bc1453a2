/* fuzz_scenario.c: libFuzzer harness for vml_scenario_parse.
 *
 * Any bytes are a scenario. Properties: no crash, leak or hang; a failure is VML_EPARSE with
 * the file name, a line of the input and a column within that line (or just past its end) and
 * a message; a success holds only operations whose kinds, names and values obey the rules of
 * docs/scenario.md (names NUL-terminated and well formed, START < END, fixed needs at= ...),
 * in file order; parsing is deterministic.
 */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

/* Length of line n (1-based) of the text, without its newline; SIZE_MAX if there is none. */
static size_t line_len(const uint8_t *d, size_t size, unsigned n)
{
    size_t start = 0;
    for (unsigned i = 1; i < n; i++) {
        const uint8_t *nl = memchr(d + start, '\n', size - start);
        if (!nl)
            return SIZE_MAX;
        start = (size_t)(nl - d) + 1;
    }
    const uint8_t *nl = memchr(d + start, '\n', size - start);
    return (nl ? (size_t)(nl - d) : size) - start;
}

static bool name_ok(const char *s, size_t max, bool file)
{
    size_t n = strnlen(s, max);
    CHECK(n < max);
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool more = (c >= '0' && c <= '9') || c == '-' || (file && (c == '.' || c == '/'));
        if (!(letter || ((i > 0 || file) && more)))
            return false;
    }
    return !file || (s[0] != '/' && s[n - 1] != '/' && !strstr(s, "//"));
}

static void check_range(const struct vml_range *r, bool file)
{
    CHECK(name_ok(r->name, file ? VML_SCN_FILE_MAX : VML_SCN_NAME_MAX, file));
    CHECK(r->col >= 1);
    if (r->has_start && r->has_end)
        CHECK(r->start < r->end);
    if (!r->has_start)
        CHECK(r->start == 0);
    if (!r->has_end)
        CHECK(r->end == 0);
}

static void check_op(const struct vml_op *op, const struct vml_machine_cfg *m)
{
    CHECK((unsigned)op->kind < VML_OP_NR_KINDS);
    CHECK(op->line >= 1 && op->col >= 1);
    bool system = op->kind == VML_OP_FILE_CREATE || op->kind == VML_OP_FILE_DELETE ||
                  op->kind == VML_OP_SET || op->kind == VML_OP_SHOW_THP ||
                  op->kind == VML_OP_WAIT || op->kind == VML_OP_SWAPON ||
                  op->kind == VML_OP_SWAPOFF || op->kind == VML_OP_SHOW_VM ||
                  op->kind == VML_OP_CGROUP;
    if ((op->kind == VML_OP_SHOW || op->kind == VML_OP_EXPECT) && !op->proc[0])
        system = true;
    CHECK(system ? op->proc[0] == 0 : name_ok(op->proc, VML_SCN_NAME_MAX, false));
    switch (op->kind) {
    case VML_OP_MMAP: {
        const struct vml_op_mmap *x = &op->u.mmap;
        CHECK(name_ok(x->map, VML_SCN_NAME_MAX, false));
        CHECK(x->len > 0 && (x->prot & ~7u) == 0 && (x->flags & ~31u) == 0);
        CHECK(!(x->flags & (VML_MMAP_FIXED | VML_MMAP_NOREPLACE)) || (x->flags & VML_MMAP_AT));
        CHECK((x->flags & (VML_MMAP_FIXED | VML_MMAP_NOREPLACE)) !=
              (VML_MMAP_FIXED | VML_MMAP_NOREPLACE));
        CHECK((x->flags & VML_MMAP_AT) || x->addr == 0);
        CHECK(x->offset % 4096 == 0);
        if (x->backing == VML_BACKING_ANON)
            CHECK(x->object[0] == 0 && x->offset == 0);
        else
            CHECK(name_ok(x->object, VML_SCN_FILE_MAX, x->backing == VML_BACKING_FILE));
        CHECK(x->backing <= VML_BACKING_MEMFD);
        break;
    }
    case VML_OP_MUNMAP:
    case VML_OP_MLOCK:
    case VML_OP_MUNLOCK:
    case VML_OP_MSYNC: check_range(&op->u.range, false); break;
    case VML_OP_FSYNC: check_range(&op->u.range, true); break;
    case VML_OP_READ:
    case VML_OP_WRITE:
        check_range(&op->u.io.range, true);
        CHECK(op->u.io.chunk >= 1 && op->u.io.chunk <= (2u << 20));
        break;
    case VML_OP_MPROTECT:
        check_range(&op->u.mprotect.range, false);
        CHECK((op->u.mprotect.prot & ~7u) == 0);
        break;
    case VML_OP_MADVISE:
        check_range(&op->u.madvise.range, false);
        CHECK((unsigned)op->u.madvise.advice < VML_NR_ADVICE);
        break;
    case VML_OP_TOUCH:
        check_range(&op->u.touch.range, false);
        CHECK((unsigned)op->u.touch.access < VML_NR_ACCESS && op->u.touch.stride > 0);
        break;
    case VML_OP_FORK:
        CHECK(name_ok(op->u.fork.child, VML_SCN_NAME_MAX, false));
        CHECK(strcmp(op->u.fork.child, op->proc) != 0);
        break;
    case VML_OP_FILE_DELETE: CHECK(op->u.file.size == 0); /* fall through */
    case VML_OP_FILE_CREATE: CHECK(name_ok(op->u.file.name, VML_SCN_FILE_MAX, true)); break;
    case VML_OP_CPU_RUN: CHECK(op->u.cpu_run.cpu < m->nr_cpus); break;
    case VML_OP_SWAPON:
        CHECK(op->u.swap.size % 4096 == 0 && op->u.swap.size >= (10u << 12));
        CHECK(op->u.swap.prio >= -1 && op->u.swap.prio <= 32767);
        /* fall through */
    case VML_OP_SWAPOFF: CHECK(name_ok(op->u.swap.name, VML_SCN_NAME_MAX, false)); break;
    case VML_OP_SHOW:
        CHECK((unsigned)op->u.show.file < VML_PROCFILE_COUNT);
        CHECK((op->u.show.file < VML_PROCFILE_NR_PER_PROCESS) == (op->proc[0] != 0));
        /* A cgroup's file: its path (empty: the root) and a file name; no other file has them. */
        if (op->u.show.file == VML_PROCFILE_CGROUP || op->u.show.file == VML_PROCFILE_CGROUP1)
            CHECK(strncmp(op->u.show.cgfile, "memory.", 7) == 0 ||
                  strcmp(op->u.show.cgfile, "cgroup.procs") == 0);
        else
            CHECK(!op->u.show.cgroup[0] && !op->u.show.cgfile[0]);
        if (op->u.show.map[0])
            CHECK(name_ok(op->u.show.map, VML_SCN_NAME_MAX, false));
        break;
    case VML_OP_EXPECT: {
        const struct vml_op_expect *x = &op->u.expect;
        CHECK(x->kind <= VML_EXPECT_FAIL);
        if (x->kind == VML_EXPECT_FAIL) { /* about the next statement: no process of its own */
            CHECK(!op->proc[0] && vml_errno_name(x->err) != NULL);
            break;
        }
        if (x->kind != VML_EXPECT_FIELD) {
            CHECK(op->proc[0] && !x->field[0]);
            break;
        }
        CHECK((unsigned)x->file < VML_PROCFILE_COUNT);
        CHECK((x->file < VML_PROCFILE_NR_PER_PROCESS) == (op->proc[0] != 0));
        bool cg = x->file == VML_PROCFILE_CGROUP || x->file == VML_PROCFILE_CGROUP1;
        /* A cgroup's one-number file has no field; every other expect has one. */
        CHECK((x->field[0] || (cg && x->cgfile[0])) &&
              strnlen(x->field, VML_SCN_FIELD_MAX) < VML_SCN_FIELD_MAX);
        CHECK(cg ? strncmp(x->cgfile, "memory.", 7) == 0 : !x->cgfile[0] && !x->cgroup[0]);
        CHECK(x->cmp <= VML_CMP_GE && x->unit <= VML_UNIT_NS);
        CHECK(strcmp(vml_cmp_name(x->cmp), "?") != 0);
        if (x->map[0])
            CHECK(name_ok(x->map, VML_SCN_NAME_MAX, false));
        break;
    }
    case VML_OP_SET: {
        /* A file of the table, by its absolute path, with a value its store takes. */
        CHECK(strnlen(op->u.set.path, sizeof(op->u.set.path)) < sizeof(op->u.set.path));
        size_t n = strnlen(op->u.set.value, sizeof(op->u.set.value));
        CHECK(n < sizeof(op->u.set.value) && op->u.set.value_col > op->col);
        if (op->u.set.dir == VML_SETTING_CGROUP || op->u.set.dir == VML_SETTING_CGROUP1) {
            char cg[VML_SCN_FILE_MAX], file[VML_SCN_FIELD_MAX];
            bool v1;
            CHECK(vml_cgroup_path_split(op->u.set.path, cg, sizeof(cg), file, sizeof(file), &v1) ==
                  0);
            CHECK(v1 == (op->u.set.dir == VML_SETTING_CGROUP1));
            CHECK(vml_cgroup_file(v1, op->u.set.file) != NULL &&
                  strcmp(vml_cgroup_file(v1, op->u.set.file), file) == 0);
            break;
        }
        if (op->u.set.dir == VML_SETTING_VM) {
            CHECK(op->u.set.file < VML_VM_NR_FILES);
            CHECK(strncmp(op->u.set.path, VML_VM_SYSCTL_DIR, strlen(VML_VM_SYSCTL_DIR)) == 0);
            CHECK(vml_vm_find(op->u.set.path) == (int)op->u.set.file);
            CHECK(vml_vm_check(op->u.set.file, op->u.set.value, n, NULL) == 0);
            break;
        }
        if (op->u.set.dir == VML_SETTING_NUMA) { /* demotion_enabled, a kstrtobool word */
            bool on;
            CHECK(op->u.set.file == 0 &&
                  strcmp(op->u.set.path, VML_NUMA_SYSFS_DIR "demotion_enabled") == 0);
            CHECK(vml_kstrtobool(op->u.set.value, n, &on) == 0);
            break;
        }
        if (op->u.set.dir == VML_SETTING_KERNEL || op->u.set.dir == VML_SETTING_SCHED) {
            CHECK(vml_numab_find(op->u.set.path) == (int)op->u.set.file);
            break;
        }
        CHECK(op->u.set.dir == VML_SETTING_THP && op->u.set.file < VML_THP_NR_FILES);
        CHECK(strncmp(op->u.set.path, VML_THP_SYSFS_DIR, strlen(VML_THP_SYSFS_DIR)) == 0);
        CHECK(vml_thp_find(op->u.set.path) == (int)op->u.set.file);
        struct vml_thp_settings t;
        vml_thp_defaults(&t);
        CHECK(vml_thp_store(&t, op->u.set.file, op->u.set.value, n, NULL) == 0);
        break;
    }
    case VML_OP_PRCTL: CHECK(op->u.prctl.opt == VML_PRCTL_THP_DISABLE); break;
    case VML_OP_OOM_SCORE_ADJ:
        CHECK(op->u.oom_adj.adj >= -1000 && op->u.oom_adj.adj <= 1000);
        break;
    case VML_OP_CGROUP: /* a new cgroup below the root: never empty, never "/"-edged */
        CHECK(op->u.cgroup.path[0] && op->u.cgroup.path[0] != '/');
        CHECK(strnlen(op->u.cgroup.path, VML_SCN_FILE_MAX) < VML_SCN_FILE_MAX);
        break;
    case VML_OP_CGROUP_ATTACH:
        CHECK(strnlen(op->u.cgroup.path, VML_SCN_FILE_MAX) < VML_SCN_FILE_MAX);
        break;
    default: break;
    }
    CHECK(strcmp(vml_op_kind_name(op->kind), "?") != 0);
}

static void check_machine(const struct vml_scenario *s)
{
    const struct vml_machine_cfg *m = &s->machine;
    CHECK(m->ram_bytes > 0 && m->ram_bytes % (2u << 20) == 0 && m->ram_bytes <= VML_PHYS_MAX);
    CHECK(m->nr_nodes >= 1 && m->nr_nodes <= VML_MAX_NODES);
    CHECK(m->ram_bytes / m->nr_nodes >= (2u << 20));
    CHECK(m->paging_levels == 4 || m->paging_levels == 5);
    CHECK(m->nr_cpus >= 1 && m->nr_cpus <= VML_SCN_MAX_CPUS);
    CHECK(m->thp.enabled <= VML_THP_NEVER && m->swap_bytes % 4096 == 0);
    CHECK((m->given & VML_MCFG_MEMCG) || !m->swap_bytes || m->memcg); /* swap: confined */
    CHECK(strnlen(m->cpu, sizeof(m->cpu)) < sizeof(m->cpu));
    /* THP: only the table's files given, each at a column of the line, every value one the
     * kernel's store takes back. */
    CHECK((m->thp_given >> VML_THP_NR_FILES) == 0);
    CHECK(!m->thp_given == !(m->given & VML_MCFG_THP));
    for (size_t i = 0; i < VML_THP_NR_FILES; i++) {
        char v[VML_THP_SHOW_MAX];
        struct vml_thp_settings t;
        vml_thp_defaults(&t);
        vml_thp_value(&m->thp, i, v);
        CHECK(vml_thp_store(&t, i, v, strlen(v), NULL) == 0);
        CHECK(!(m->thp_given & (1u << i)) == !m->thp_col[i]);
    }
    CHECK(s->has_machine ? (m->given & VML_MCFG_RAM) && s->machine_line >= 1
                         : m->given == 0 && s->machine_line == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vml_scenario *s = NULL, *again = NULL;
    struct vml_diag d = { 0 }, d2 = { 0 };
    int r = vml_scenario_parse((const char *)data, size, "f.scn", &s, &d);
    int r2 = vml_scenario_parse((const char *)data, size, "f.scn", &again, &d2);
    CHECK(r == r2);
    if (r == 0) {
        CHECK(s && again && s->n_ops == again->n_ops && strcmp(s->file, "f.scn") == 0);
        check_machine(s);
        for (size_t i = 0; i < s->n_ops; i++) {
            check_op(&s->ops[i], &s->machine);
            CHECK(line_len(data, size, s->ops[i].line) != SIZE_MAX);
            CHECK(i == 0 || s->ops[i].line > s->ops[i - 1].line);
            CHECK(!s->has_machine || s->ops[i].line > s->machine_line);
            CHECK(memcmp(&s->ops[i].u, &again->ops[i].u, sizeof(s->ops[i].u)) == 0);
        }
    } else {
        CHECK(r == VML_EPARSE && !s && !again);
        CHECK(d.file && strcmp(d.file, "f.scn") == 0 && d.msg[0] && d.line >= 1 && d.col >= 1);
        size_t n = line_len(data, size, d.line);
        CHECK(n != SIZE_MAX && d.col <= n + 1);
        CHECK(d.line == d2.line && d.col == d2.col && strcmp(d.msg, d2.msg) == 0);
    }
    vml_scenario_free(s);
    vml_scenario_free(again);
    return 0;
}
