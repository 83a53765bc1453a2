/* cli/cmd_va.c: vmlab va: decode a virtual address into its page-table indices and offset. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <string.h>

static void help(FILE *out)
{
    fputs(
        "Usage: vmlab va ADDR... [--paging 4|5]\n\n"
        "Decodes each x86-64 virtual address into the table indices the MMU uses (PML5, PML4,\n"
        "PDPT, PD, PT) and the page offset, draws the bit fields, says whether the address is\n"
        "canonical (bits above the top translated bit all equal it), and shows it as part of a\n"
        "4 KiB, 2 MiB and 1 GiB page.\n\n"
        "  ADDR           0x hex (0x7ffd5e8a1234), decimal, or 0b binary; '_' may separate digits\n"
        "  --paging 4|5   4-level paging, 48-bit addresses (default), or 5-level, 57-bit (LA57)\n\n"
        "Example: vmlab va 0x7ffd5e8a1234 --paging 5\n",
        out);
}

struct field {
    const char *label;
    unsigned hi, lo; /* bit range */
    char value[24];
    unsigned width; /* box width in characters */
};

static void print_rule(const struct field *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        putchar('+');
        for (unsigned k = 0; k < f[i].width; k++)
            putchar('-');
    }
    puts("+");
}

static void print_centered(const char *s, unsigned width)
{
    unsigned len = (unsigned)strlen(s), left = (width - len) / 2;
    printf("%*s%s%*s", (int)left, "", s, (int)(width - len - left), "");
}

/* Draws the address as boxes of bit fields with bit numbers above them. */
static void draw(const struct field *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        char hi[8], lo[8];
        snprintf(hi, sizeof(hi), "%u", f[i].hi);
        snprintf(lo, sizeof(lo), "%u", f[i].lo);
        printf(" %s%*s", hi, (int)(f[i].width - strlen(hi)), lo);
    }
    putchar('\n');
    print_rule(f, n);
    for (unsigned row = 0; row < 2; row++) {
        for (unsigned i = 0; i < n; i++) {
            putchar('|');
            print_centered(row == 0 ? f[i].label : f[i].value, f[i].width);
        }
        puts("|");
    }
    print_rule(f, n);
}

static void explain_canonical(uint64_t va, unsigned levels)
{
    unsigned top = levels == 5 ? 56u : 47u;
    bool canon = vml_va_canonical(va, levels);
    printf("0x%016llx is ", (unsigned long long)va);
    if (!canon) {
        printf("NOT canonical with %u-level paging: bits 63:%u must all equal bit %u.\n"
               "A load, store or fetch there raises #GP, which Linux delivers as SIGSEGV with\n"
               "si_code SI_KERNEL and si_addr 0.\n",
               levels, top, top);
        if (levels == 4 && vml_va_canonical(va, 5))
            puts("It is canonical with 5-level paging (--paging 5).");
        return;
    }
    bool user = (va >> 63) == 0;
    printf("canonical, %s half, with %u-level paging (%u-bit addresses).\n",
           user ? "user" : "kernel", levels, top + 1);
    uint64_t task_size_max = (1ull << top) - 4096;
    if (user && va >= task_size_max)
        printf("It is above TASK_SIZE_MAX (0x%llx): Linux keeps the top user page unmapped.\n",
               (unsigned long long)task_size_max);
    else if (user && levels == 5 && va >= (1ull << 47))
        puts("It is above the 47-bit default mmap window: Linux places mappings there only for "
             "an mmap hint above 2^47.");
}

static void decode(uint64_t va, unsigned levels)
{
    static const char *names[6] = { "", "PT", "PD", "PDPT", "PML4", "PML5" };
    static const char *covers[6] = { "", "4 KiB", "2 MiB", "1 GiB", "512 GiB", "256 TiB" };
    unsigned top = levels == 5 ? 56u : 47u;
    struct field f[7];
    unsigned n = 0;

    explain_canonical(va, levels);
    putchar('\n');
    f[n] = (struct field){ .label = "sign", .hi = 63, .lo = top + 1, .width = 14 };
    unsigned sign_bits = 63 - top, digits = (sign_bits + 3) / 4;
    snprintf(f[n].value, sizeof(f[n].value), "0x%0*llx", (int)digits,
             (unsigned long long)(va >> (top + 1)));
    n++;
    for (unsigned level = levels; level >= 1; level--) {
        unsigned shift = vml_level_shift(level);
        f[n] = (struct field){ .label = names[level], .hi = shift + 8, .lo = shift, .width = 10 };
        snprintf(f[n].value, sizeof(f[n].value), "%u", vml_level_index(va, level));
        n++;
    }
    f[n] = (struct field){ .label = "offset", .hi = 11, .lo = 0, .width = 12 };
    snprintf(f[n].value, sizeof(f[n].value), "0x%03llx", (unsigned long long)(va & 0xfff));
    n++;
    draw(f, n);

    printf("\n%-7s %-6s %6s %6s  %s\n", "level", "bits", "index", "hex", "one entry maps");
    for (unsigned level = levels; level >= 1; level--) {
        unsigned shift = vml_level_shift(level);
        char bits[8];
        snprintf(bits, sizeof(bits), "%u:%u", shift + 8, shift);
        unsigned idx = vml_level_index(va, level);
        printf("%-7s %-6s %6u  0x%03x  %s\n", names[level], bits, idx, idx, covers[level]);
    }
    printf("%-7s %-6s %6s  0x%03llx\n", "offset", "11:0", "", (unsigned long long)(va & 0xfff));

    putchar('\n');
    static const char *leaf[3] = { "PT entry is the leaf", "PD entry is the leaf, PS=1",
                                   "PDPT entry is the leaf, PS=1" };
    static const char *size[3] = { "4 KiB", "2 MiB", "1 GiB" };
    for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
        uint64_t mask = (1ull << vml_ps_shift((enum vml_page_size)ps)) - 1;
        char off[24];
        snprintf(off, sizeof(off), "0x%llx", (unsigned long long)(va & mask));
        printf("as a %s page: 0x%016llx + %-10s (%s)\n", size[ps], (unsigned long long)(va & ~mask),
               off, leaf[ps]);
    }
}

static int run(int argc, char **argv)
{
    unsigned levels = 4;
    uint64_t addrs[64];
    unsigned naddrs = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = cli_opt(argc, argv, &i, "--paging", &v);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0) {
            if (strcmp(v, "4") != 0 && strcmp(v, "5") != 0)
                return cli_error(EXIT_USAGE, "--paging must be 4 or 5, not '%s'", v);
            levels = (unsigned)(v[0] - '0');
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_error(EXIT_USAGE, "va: unknown option '%s' (see vmlab va --help)", argv[i]);
        struct vml_diag d = { 0 };
        if (vml_parse_u64(argv[i], &addrs[naddrs], &d) != 0) {
            bool hex_prefix = argv[i][0] == '0' && (argv[i][1] == 'x' || argv[i][1] == 'X');
            return cli_error(EXIT_USAGE, "va: bad address '%s': %s%s", argv[i], d.msg,
                             hex_prefix ? "" : " (hex needs a 0x prefix)");
        }
        if (++naddrs == sizeof(addrs) / sizeof(addrs[0]))
            return cli_error(EXIT_USAGE, "va: at most 63 addresses at a time");
    }
    if (naddrs == 0)
        return cli_error(EXIT_USAGE, "va: give an address, e.g. vmlab va 0x7ffd5e8a1234");
    for (unsigned k = 0; k < naddrs; k++) {
        if (k)
            putchar('\n');
        decode(addrs[k], levels);
    }
    return EXIT_OK;
}

const struct cli_command cli_cmd_va = {
    .name = "va",
    .summary = "decode a virtual address into page-table indices and offset",
    .run = run,
    .help = help,
};
