/* fuzz_cli_table.c: libFuzzer harness for the live tools (vmlab ps, pmap, oom, meminfo, cgroup,
 * numastat)
 * from /proc tree to printed table, in every output format.
 *
 * The input is a /proc tree: sections "@@ NAME\n" followed by that file's bytes, NAME being
 * meminfo, zoneinfo or PID/FILE (PID up to 4 digits; FILE one of the files the tools read),
 * and a memory cgroup tree: NAME cg/[GROUP/]FILE (cgroup v2, at fs/cgroup) or
 * v1/[GROUP/]FILE (v1, at fs/cgroup/memory), GROUP a or a/b, FILE a cgroup file the tools read;
 * the cgroup views (oom --cgroups, oom --cgroup a, ps --cgroup, cgroup /, a and a/b) read it
 * with --sys; and NUMA nodes: NAME node0/FILE or node1/FILE (FILE meminfo or numastat, at
 * devices/system/node), which numastat (-m, -n, -p each PID) and ps --numa read with --sys.
 * The tree is written to a scratch directory and each tool runs on it (--proc) as the
 * command line would run it, with its output thrown away: text, JSON, CSV and Prometheus, in
 * several units, sorted by several columns. Properties: no
 * crash, leak, use after free or undefined behaviour (ASan, UBSan); each tool's exit status
 * is one of the CLI's (0, 1, 2). */
#include "cli/cli.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The CLI's entry point, renamed: the harness has its own (libFuzzer's, or the corpus
 * driver's); cli_error and cli_opt come with it. */
int vmlab_cli_main(int argc, char **argv);
#define main vmlab_cli_main
#include "cli/main.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = { "status",  "statm",    "smaps",     "smaps_rollup",
                                     "cmdline", "comm",     "oom_score", "oom_score_adj",
                                     "stat",    "numa_maps" };
#define NFILES  (sizeof(files) / sizeof(files[0]))
#define MAXPIDS 8

static char root[64];

/* Removes what the previous input wrote: every file and PID directory under root. */
static void clear_tree(void)
{
    DIR *d = opendir(root);
    if (!d)
        abort();
    struct dirent *de;
    char path[64 + 256 + 2];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            for (size_t i = 0; i < NFILES; i++) {
                char f[sizeof(path) + 16];
                snprintf(f, sizeof(f), "%s/%s", path, files[i]);
                unlink(f);
            }
            rmdir(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
}

static void put_file(const char *name, const uint8_t *p, size_t n)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", root, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    if (n)
        fwrite(p, 1, n, f);
    fclose(f);
}

/* Runs one tool with its arguments (NULL-terminated), checking its exit status. */
static void tool(char **args)
{
    int argc = 0;
    while (args[argc])
        argc++;
    int r = vmlab_cli_main(argc, args);
    if (r != EXIT_OK && r != EXIT_FAIL && r != EXIT_USAGE)
        abort();
}

static const char *const cgfiles[] = { "cgroup.controllers",
                                       "cgroup.procs",
                                       "memory.current",
                                       "memory.max",
                                       "memory.swap.max",
                                       "memory.events",
                                       "memory.stat",
                                       "memory.usage_in_bytes",
                                       "memory.limit_in_bytes",
                                       "memory.memsw.limit_in_bytes",
                                       "memory.failcnt",
                                       "memory.oom_control",
                                       "memory.swappiness",
                                       "memory.high",
                                       "memory.low",
                                       "memory.min",
                                       "memory.swap.current",
                                       "memory.soft_limit_in_bytes",
                                       "memory.memsw.usage_in_bytes",
                                       "memory.kmem.usage_in_bytes",
                                       "memory.memsw.failcnt" };
#define NCGFILES (sizeof(cgfiles) / sizeof(cgfiles[0]))

/* Removes the cgroup trees: every file of cgfiles in each directory they may use. */
static void clear_cgroups(void)
{
    static const char *const dirs[] = { "fs/cgroup/memory/a/b",
                                        "fs/cgroup/memory/a",
                                        "fs/cgroup/memory",
                                        "fs/cgroup/a/b",
                                        "fs/cgroup/a",
                                        "fs/cgroup",
                                        "fs" };
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char path[160];
        for (size_t i = 0; i < NCGFILES; i++) {
            snprintf(path, sizeof(path), "%s/%s/%s", root, dirs[d], cgfiles[i]);
            unlink(path);
        }
        snprintf(path, sizeof(path), "%s/%s", root, dirs[d]);
        rmdir(path);
    }
}

/* A cgroup section: "cg/" or "v1/", then "a/" or "a/b/" or nothing, then a cgroup file. */
static void put_cgroup_file(const char *name, const uint8_t *body, size_t len)
{
    const char *base = strncmp(name, "cg/", 3) == 0   ? "fs/cgroup"
                       : strncmp(name, "v1/", 3) == 0 ? "fs/cgroup/memory"
                                                      : NULL;
    if (!base)
        return;
    const char *rest = name + 3, *group = "";
    if (strncmp(rest, "a/b/", 4) == 0) {
        group = "/a/b";
        rest += 4;
    } else if (strncmp(rest, "a/", 2) == 0) {
        group = "/a";
        rest += 2;
    }
    size_t k = 0;
    while (k < NCGFILES && strcmp(rest, cgfiles[k]) != 0)
        k++;
    if (k == NCGFILES)
        return;
    char dir[160], fname[200];
    const char *parts[] = { "fs", "fs/cgroup", "fs/cgroup/memory" };
    for (size_t i = 0; i < 3 && strncmp(base, parts[i], strlen(parts[i])) == 0; i++) {
        snprintf(dir, sizeof(dir), "%s/%s", root, parts[i]);
        mkdir(dir, 0755);
    }
    if (*group) {
        snprintf(dir, sizeof(dir), "%s/%s/a", root, base);
        mkdir(dir, 0755);
        snprintf(dir, sizeof(dir), "%s/%s%s", root, base, group);
        mkdir(dir, 0755);
    }
    snprintf(fname, sizeof(fname), "%s%s/%s", base, group, cgfiles[k]);
    put_file(fname, body, len);
}

/* NUMA node files: root/devices/system/node/node{0,1}/{meminfo,numastat}. */
static void node_file(const char *name, const uint8_t *body, size_t len, bool put)
{
    static const char *const parts[] = { "devices", "devices/system", "devices/system/node" };
    char path[200];
    if (!put) {
        for (int n = 1; n >= 0; n--) {
            snprintf(path, sizeof(path), "%s/devices/system/node/node%d/meminfo", root, n);
            unlink(path);
            snprintf(path, sizeof(path), "%s/devices/system/node/node%d/numastat", root, n);
            unlink(path);
            snprintf(path, sizeof(path), "%s/devices/system/node/node%d", root, n);
            rmdir(path);
        }
        for (int i = 2; i >= 0; i--) {
            snprintf(path, sizeof(path), "%s/%s", root, parts[i]);
            rmdir(path);
        }
        return;
    }
    if ((strncmp(name, "node0/", 6) != 0 && strncmp(name, "node1/", 6) != 0) ||
        (strcmp(name + 6, "meminfo") != 0 && strcmp(name + 6, "numastat") != 0))
        return;
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", root, parts[i]);
        mkdir(path, 0755);
    }
    snprintf(path, sizeof(path), "%s/devices/system/node/%.5s", root, name);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "devices/system/node/%s", name);
    put_file(path, body, len);
}

/* At exit: the scratch tree goes. */
static void remove_tree(void)
{
    node_file(NULL, NULL, 0, false);
    clear_cgroups();
    clear_tree();
    rmdir(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root[0]) {
        snprintf(root, sizeof(root), "/tmp/vmlab-fuzz-cli-XXXXXX");
        if (!mkdtemp(root) || !freopen("/dev/null", "w", stdout))
            abort();
        atexit(remove_tree);
    }
    node_file(NULL, NULL, 0, false);
    clear_cgroups();
    clear_tree();
    char pids[MAXPIDS][40];
    size_t npids = 0;
    /* Sections: "@@ NAME\n" then the file's bytes up to the next "\n@@ " or the end. */
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *hdr = p;
        if (end - p < 4 || memcmp(p, "@@ ", 3) != 0)
            break;
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl - hdr - 3 > 32)
            break;
        char name[40];
        memcpy(name, hdr + 3, (size_t)(nl - hdr - 3));
        name[nl - hdr - 3] = 0;
        const uint8_t *body = nl + 1, *next = body;
        while (next < end && !(next + 4 <= end && memcmp(next, "\n@@ ", 4) == 0))
            next++;
        size_t len = (size_t)(next - body);
        p = next < end ? next + 1 : end;
        if (strcmp(name, "meminfo") == 0 || strcmp(name, "zoneinfo") == 0) {
            put_file(name, body, len);
            continue;
        }
        if (strncmp(name, "cg/", 3) == 0 || strncmp(name, "v1/", 3) == 0) {
            put_cgroup_file(name, body, len);
            continue;
        }
        if (strncmp(name, "node", 4) == 0) {
            node_file(name, body, len, true);
            continue;
        }
        char *slash = strchr(name, '/');
        if (!slash)
            continue;
        *slash = 0;
        size_t nd = strspn(name, "0123456789");
        if (nd == 0 || nd > 4 || name[nd] != 0)
            continue;
        size_t k = 0;
        while (k < NFILES && strcmp(slash + 1, files[k]) != 0)
            k++;
        if (k == NFILES)
            continue;
        char dir[128];
        snprintf(dir, sizeof(dir), "%s/%s", root, name);
        if (mkdir(dir, 0755) == 0 && npids < MAXPIDS)
            snprintf(pids[npids++], sizeof(pids[0]), "%s", name);
        char fname[64];
        snprintf(fname, sizeof(fname), "%s/%s", name, files[k]);
        put_file(fname, body, len);
    }
    static char *formats[][2] = { { "--format", "text" },
                                  { "--format", "json" },
                                  { "--format", "csv" },
                                  { "--format", "prometheus" } };
    static char *units[] = { "human", "K", "B" };
    for (size_t f = 0; f < 4; f++) {
        char *u = units[f % 3];
        char *ps[] = { "vmlab",   "ps", "--proc",   root,        formats[f][0], formats[f][1],
                       "--units", u,    "--kernel", "--threads", "1",           NULL };
        tool(ps);
        char *ps_status[] = { "vmlab",       "ps",       "--proc", root,  formats[f][0],
                              formats[f][1], "--status", "--sort", "uss", "--threads",
                              "1",           "--wide",   NULL };
        tool(ps_status);
        char *ps_map[] = {
            "vmlab",         "ps",     "--proc",  root,        formats[f][0], formats[f][1],
            "--per-mapping", "--sort", "command", "--threads", "1",           NULL
        };
        tool(ps_map);
        char *oom[] = { "vmlab",       "oom",     "--proc", root, formats[f][0],
                        formats[f][1], "--units", u,        NULL };
        tool(oom);
        char *oom_cg[] = { "vmlab", "oom",         "--proc",      root,        "--sys",
                           root,    formats[f][0], formats[f][1], "--cgroups", NULL };
        tool(oom_cg);
        char *oom_one[] = { "vmlab",       "oom",         "--proc",   root, "--sys", root,
                            formats[f][0], formats[f][1], "--cgroup", "a",  NULL };
        tool(oom_one);
        char *ps_cg[] = { "vmlab",       "ps",          "--proc",   root,        "--sys", root,
                          formats[f][0], formats[f][1], "--cgroup", "--threads", "1",     NULL };
        tool(ps_cg);
        static char *const groups[] = { "/", "a", "a/b" };
        for (size_t g = 0; g < 3; g++) {
            char *cg[] = { "vmlab", "cgroup", groups[g],     "--proc",      root,
                           "--sys", root,     formats[f][0], formats[f][1], NULL };
            tool(cg);
        }
        char *mem[] = { "vmlab", "meminfo",     "--proc",      root, "--sys",
                        root,    formats[f][0], formats[f][1], NULL };
        tool(mem);
        char *numa[] = { "vmlab", "numastat", "--proc",      root,          "--sys", root,
                         "-m",    "-n",       formats[f][0], formats[f][1], NULL };
        tool(numa);
        char *numa_compat[] = { "vmlab", "numastat", "--proc", root, "--sys", root, NULL };
        tool(numa_compat);
        char *ps_numa[] = { "vmlab",       "ps",          "--proc", root,        "--sys", root,
                            formats[f][0], formats[f][1], "--numa", "--threads", "1",     NULL };
        tool(ps_numa);
        for (size_t i = 0; i < npids; i++) {
            char *numa_p[] = { "vmlab",
                               "numastat",
                               "--proc",
                               root,
                               "--sys",
                               root,
                               formats[f][0],
                               formats[f][1],
                               "-p",
                               pids[i],
                               f == 1 ? "-cz" : "-s0",
                               NULL };
            tool(numa_p);
            char *pmap[] = { "vmlab",       "pmap",        pids[i],   "--proc", root,
                             formats[f][0], formats[f][1], "--units", u,        NULL };
            tool(pmap);
        }
    }
    fflush(stdout);
    return 0;
}
