/* cli/cmd_learn.c: vmlab learn: seeded exercises with worked answers on toy paging machines,
 * TLBs and page replacement (docs/learn.md); vmlab learn machine SPEC describes a toy machine.
 * The exercises and their answers are the library's (vmlab/learn.h). */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab learn [KIND...] [--seed S] [-n N] [--machine SPEC] [-c|--answers]\n"
          "       vmlab learn machine SPEC\n\n"
          "Exercises in the manner of OSTEP's paging simulators, generated from a seed: the\n"
          "same seed gives the same questions on every machine. --answers (-c) solves them,\n"
          "showing each step.\n\n"
          "Kinds (default: all four, in this order):\n"
          "  linear      translate addresses through a linear page table\n"
          "  multilevel  walk a multi-level page table held in memory pages\n"
          "  tlb         which accesses hit in a small fully associative LRU TLB\n"
          "  policy      page replacement (fifo, lru, opt or clock): hits, misses, frames\n\n"
          "The machines are toys, a generic paging model sized to be worked by hand, not the\n"
          "x86-64 model of the rest of vmlab. SPEC: a preset and/or KEY=VALUE items:\n"
          "  ostep-linear      va=16K,page=1K,phys=64K,levels=1,pte=4 (the linear default)\n"
          "  ostep-multilevel  va=32K,page=32,phys=4K,levels=2,pte=1 (the multilevel default)\n"
          "  va=SIZE page=SIZE phys=SIZE levels=N pte=BYTES, e.g. ostep-linear,page=2K\n"
          "The TLB exercise's default machine is va=256,page=16 (8-bit addresses).\n\n"
          "  --seed S         the questions' seed (default: from the clock; always printed)\n"
          "  -n N             questions per exercise (default 5 addresses, 10 accesses;\n"
          "                   at most 100)\n"
          "  --machine SPEC   the machine for linear, multilevel and tlb (with all kinds,\n"
          "                   linear runs on a one-level machine, multilevel on a deeper one)\n"
          "  -c, --answers    the answers, worked step by step\n\n"
          "Exit status: 0 done, 2 usage error or a machine the exercise cannot use.\n",
          out);
}

static int machine_arg(const char *spec, struct vml_toy_config *cfg)
{
    struct vml_diag d = { 0 };
    if (vml_toy_parse(spec, cfg, &d) == 0)
        return 0;
    cli_error(EXIT_USAGE, "learn: --machine %s: column %u: %s", spec, d.col, d.msg);
    if (d.col && d.col <= strlen(spec) + 1)
        fprintf(stderr, "  %s\n  %*s^\n", spec, (int)d.col - 1, "");
    return EXIT_USAGE;
}

static int describe(int argc, char **argv)
{
    if (argc != 3)
        return cli_error(EXIT_USAGE, "learn machine: one SPEC, e.g. ostep-multilevel");
    struct vml_toy_config cfg;
    if (machine_arg(argv[2], &cfg))
        return EXIT_USAGE;
    char buf[128];
    struct vml_text t = { 0 };
    vml_text_printf(&t, "%s\n", vml_toy_format(&cfg, buf, sizeof(buf)));
    vml_toy_describe(&cfg, &t);
    if (t.oom) {
        vml_text_free(&t);
        return cli_error(EXIT_FAIL, "learn: out of memory");
    }
    fputs(t.s, stdout);
    vml_text_free(&t);
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "machine") == 0)
        return describe(argc, argv);
    bool want[VML_NR_LEARN] = { false }, any = false, have_seed = false;
    struct vml_learn_opts o = { 0 };
    struct vml_toy_config machine;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        struct vml_diag d = { 0 };
        uint64_t n;
        enum vml_learn_kind k;
        if ((m = cli_opt(argc, argv, &i, "--seed", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o.seed, &d))
                return cli_error(EXIT_USAGE, "learn: --seed %s: %s", v, d.msg);
            have_seed = true;
        } else if ((m = cli_opt(argc, argv, &i, "-n", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &n, &d) || n == 0 || n > 100)
                return cli_error(EXIT_USAGE, "learn: -n %s: from 1 to 100 questions", v);
            o.count = (unsigned)n;
        } else if ((m = cli_opt(argc, argv, &i, "--machine", &v)) != 0) {
            if (m < 0 || machine_arg(v, &machine))
                return EXIT_USAGE;
            o.machine = &machine;
        } else if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--answers") == 0) {
            o.answers = true;
        } else if (argv[i][0] == '-') {
            return cli_error(EXIT_USAGE, "learn: unknown option '%s' (see vmlab learn --help)",
                             argv[i]);
        } else if (strcmp(argv[i], "all") == 0) {
            for (unsigned j = 0; j < VML_NR_LEARN; j++)
                want[j] = true;
            any = true;
        } else if (vml_learn_kind_parse(argv[i], &k) == 0) {
            want[k] = true;
            any = true;
        } else {
            return cli_error(EXIT_USAGE,
                             "learn: unknown kind '%s' (linear, multilevel, tlb, policy, all)",
                             argv[i]);
        }
    }
    bool all = !any;
    if (all)
        for (unsigned j = 0; j < VML_NR_LEARN; j++)
            want[j] = true;
    if (o.machine && all) {
        /* Every kind asked implicitly: only those the machine suits. */
        want[VML_LEARN_LINEAR] = machine.levels == 1;
        want[VML_LEARN_MULTILEVEL] = machine.levels > 1;
    }
    if (!have_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        o.seed = ((uint64_t)ts.tv_sec * 1000003u + (uint64_t)ts.tv_nsec) % 1000000u;
    }
    printf("vmlab learn: seed %llu (the same seed gives the same questions: --seed %llu)\n",
           (unsigned long long)o.seed, (unsigned long long)o.seed);
    unsigned num = 0;
    for (unsigned j = 0; j < VML_NR_LEARN; j++) {
        if (!want[j])
            continue;
        static const char *const title[VML_NR_LEARN] = {
            "Linear page table", "Multi-level page table", "TLB hits and misses", "Page replacement"
        };
        struct vml_text t = { 0 };
        struct vml_diag d = { 0 };
        int e = vml_learn_write((enum vml_learn_kind)j, &o, &t, &d);
        if (e) {
            vml_text_free(&t);
            if (e == VML_EHOST)
                return cli_error(EXIT_FAIL, "learn: out of memory");
            return cli_error(EXIT_USAGE, "learn %s: %s",
                             vml_learn_kind_name((enum vml_learn_kind)j), d.msg);
        }
        printf("\n== %u. %s (%s) ==\n%s", ++num, title[j],
               vml_learn_kind_name((enum vml_learn_kind)j), t.s ? t.s : "");
        vml_text_free(&t);
    }
    return EXIT_OK;
}

const struct cli_command cli_cmd_learn = {
    "learn",
    "exercises with answers: translation, multi-level walks, TLBs, replacement",
    run,
    help,
};
