/* proc/thp_sysfs.c: /sys/kernel/mm/transparent_hugepage/, file by file: the show and store
 * methods of mm/huge_memory.c (enabled_show/store, defrag_show/store, use_zero_page_*,
 * thpsize_enabled_*, shmem_enabled_* in mm/shmem.c) and mm/khugepaged.c (pages_to_scan_store,
 * scan_sleep_millisecs_store, max_ptes_*_store, khugepaged_defrag_store).
 */
#include "vmlab/thp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { CHOICE, FLAG, U32 };

struct file {
    const char *name;
    enum kind kind;
    const char *const *choices; /* CHOICE: in the kernel's printing order, NULL-terminated */
    size_t off;                 /* of the field in struct vml_thp_settings */
    uint32_t min, max;          /* U32: accepted range */
};

static const char *const modes[] = { "always", "madvise", "never", NULL };
static const char *const defrags[] = {
    "always", "defer", "defer+madvise", "madvise", "never", NULL
};
static const char *const sizes[] = { "always", "inherit", "madvise", "never", NULL };
static const char *const shmems[] = { "always", "within_size", "advise", "never",
                                      "deny",   "force",       NULL };

#define OFF(f) offsetof(struct vml_thp_settings, f)
#define SIZE_FILE(kb, order)                                                                       \
    {                                                                                              \
        "hugepages-" #kb "kB/enabled", CHOICE, sizes, OFF(size_enabled[order]), 0, 0               \
    }

/* HPAGE_PMD_NR - 1: the most max_ptes_* accept. */
#define PTES_MAX 511u

static const struct file files[] = {
    { "enabled", CHOICE, modes, OFF(enabled), 0, 0 },
    { "defrag", CHOICE, defrags, OFF(defrag), 0, 0 },
    { "use_zero_page", FLAG, NULL, OFF(use_zero_page), 0, 1 },
    { "shmem_enabled", CHOICE, shmems, OFF(shmem_enabled), 0, 0 },
    SIZE_FILE(16, 2),
    SIZE_FILE(32, 3),
    SIZE_FILE(64, 4),
    SIZE_FILE(128, 5),
    SIZE_FILE(256, 6),
    SIZE_FILE(512, 7),
    SIZE_FILE(1024, 8),
    SIZE_FILE(2048, 9),
    { "khugepaged/pages_to_scan", U32, NULL, OFF(pages_to_scan), 1, UINT32_MAX },
    { "khugepaged/scan_sleep_millisecs", U32, NULL, OFF(scan_sleep_millisecs), 0, UINT32_MAX },
    { "khugepaged/alloc_sleep_millisecs", U32, NULL, OFF(alloc_sleep_millisecs), 0, UINT32_MAX },
    { "khugepaged/max_ptes_none", U32, NULL, OFF(max_ptes_none), 0, PTES_MAX },
    { "khugepaged/max_ptes_swap", U32, NULL, OFF(max_ptes_swap), 0, PTES_MAX },
    { "khugepaged/max_ptes_shared", U32, NULL, OFF(max_ptes_shared), 0, PTES_MAX },
    { "khugepaged/defrag", FLAG, NULL, OFF(khugepaged_defrag), 0, 1 },
};
#define NR_FILES (sizeof(files) / sizeof(files[0]))
_Static_assert(NR_FILES == VML_THP_NR_FILES, "VML_THP_NR_FILES counts the table");

#define SYSFS_DIR VML_THP_SYSFS_DIR

void vml_thp_defaults(struct vml_thp_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->enabled = VML_THP_MADVISE;
    s->defrag = VML_DEFRAG_MADVISE;
    s->use_zero_page = true;
    s->shmem_enabled = VML_SHMEM_THP_NEVER;
    for (unsigned o = 0; o <= VML_THP_PMD_ORDER; o++)
        s->size_enabled[o] = VML_MTHP_NEVER;
    s->size_enabled[VML_THP_PMD_ORDER] = VML_MTHP_INHERIT;
    /* mm/khugepaged.c: khugepaged_pages_to_scan = HPAGE_PMD_NR * 8, max_ptes_none =
     * HPAGE_PMD_NR - 1, max_ptes_swap = HPAGE_PMD_NR / 8, max_ptes_shared = HPAGE_PMD_NR / 2. */
    s->pages_to_scan = 4096;
    s->scan_sleep_millisecs = 10000;
    s->alloc_sleep_millisecs = 60000;
    s->max_ptes_none = 511;
    s->max_ptes_swap = 64;
    s->max_ptes_shared = 256;
    s->khugepaged_defrag = true;
}

const char *vml_thp_counter_file(size_t i)
{
    /* mm/khugepaged.c: pages_collapsed_show, full_scans_show. */
    static const char *const counters[VML_THP_NR_COUNTERS] = { "khugepaged/pages_collapsed",
                                                               "khugepaged/full_scans" };
    return i < VML_THP_NR_COUNTERS ? counters[i] : NULL;
}

size_t vml_thp_nr_files(void)
{
    return NR_FILES;
}

const char *vml_thp_file(size_t i)
{
    return i < NR_FILES ? files[i].name : NULL;
}

int vml_thp_find(const char *name)
{
    if (strncmp(name, SYSFS_DIR, strlen(SYSFS_DIR)) == 0)
        name += strlen(SYSFS_DIR);
    for (size_t i = 0; i < NR_FILES; i++)
        if (strcmp(files[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void *field(const struct vml_thp_settings *s, size_t i)
{
    return (char *)s + files[i].off;
}

void vml_thp_show(const struct vml_thp_settings *s, size_t i, char *buf)
{
    buf[0] = 0;
    if (i >= NR_FILES)
        return;
    const struct file *f = &files[i];
    if (f->kind == FLAG) {
        snprintf(buf, VML_THP_SHOW_MAX, "%d\n", *(const bool *)field(s, i) ? 1 : 0);
    } else if (f->kind == U32) {
        snprintf(buf, VML_THP_SHOW_MAX, "%u\n", *(const uint32_t *)field(s, i));
    } else {
        /* Every choice, the current one in brackets, space separated. */
        int cur = *(const int *)field(s, i);
        size_t n = 0;
        for (int c = 0; f->choices[c]; c++)
            n += (size_t)snprintf(buf + n, VML_THP_SHOW_MAX - n, c == cur ? "%s[%s]" : "%s%s",
                                  c ? " " : "", f->choices[c]);
        snprintf(buf + n, VML_THP_SHOW_MAX - n, "\n");
    }
}

void vml_thp_value(const struct vml_thp_settings *s, size_t i, char *buf)
{
    buf[0] = 0;
    if (i >= NR_FILES)
        return;
    const struct file *f = &files[i];
    if (f->kind == FLAG)
        snprintf(buf, VML_THP_SHOW_MAX, "%d", *(const bool *)field(s, i) ? 1 : 0);
    else if (f->kind == U32)
        snprintf(buf, VML_THP_SHOW_MAX, "%u", *(const uint32_t *)field(s, i));
    else
        snprintf(buf, VML_THP_SHOW_MAX, "%s", f->choices[*(const int *)field(s, i)]);
}

/* What a file accepts, for messages. */
static void accepted(const struct file *f, char *buf, size_t cap)
{
    if (f->kind == FLAG) {
        snprintf(buf, cap, "0 or 1");
    } else if (f->kind == U32) {
        snprintf(buf, cap, "a decimal number from %u to %u", f->min, f->max);
    } else {
        size_t n = 0;
        for (int c = 0; f->choices[c] && n < cap; c++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s",
                                  c ? (f->choices[c + 1] ? ", " : " or ") : "", f->choices[c]);
    }
}

/* kstrtouint/kstrtoul in base 10: an optional '+', digits, one optional newline (already cut
 * by the caller), nothing else, no overflow. */
static bool parse_u(const char *v, size_t len, uint64_t max, uint64_t *out)
{
    size_t i = 0;
    if (i < len && v[i] == '+')
        i++;
    if (i == len)
        return false;
    uint64_t x = 0;
    for (; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        unsigned d = (unsigned)(v[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    if (x > max)
        return false;
    *out = x;
    return true;
}

int vml_thp_store(struct vml_thp_settings *s, size_t i, const char *value, size_t len,
                  struct vml_diag *diag)
{
    if (i >= NR_FILES)
        return VML_EINVAL;
    const struct file *f = &files[i];
    /* sysfs_streq and kstrto* both allow one trailing newline. */
    if (len && value[len - 1] == '\n')
        len--;
    if (f->kind == CHOICE) {
        for (int c = 0; f->choices[c]; c++) {
            if (strlen(f->choices[c]) == len && memcmp(f->choices[c], value, len) == 0) {
                *(int *)field(s, i) = c;
                return 0;
            }
        }
    } else {
        uint64_t x;
        if (parse_u(value, len, f->kind == FLAG ? UINT64_MAX : UINT32_MAX, &x) && x >= f->min &&
            x <= f->max) {
            if (f->kind == FLAG)
                *(bool *)field(s, i) = x != 0;
            else
                *(uint32_t *)field(s, i) = (uint32_t)x;
            return 0;
        }
    }
    if (diag) {
        char acc[80];
        accepted(f, acc, sizeof(acc));
        char shown[40];
        size_t k = 0;
        for (size_t j = 0; j < len && k + 5 < sizeof(shown); j++) {
            unsigned char ch = (unsigned char)value[j];
            if (ch >= 0x20 && ch < 0x7f && ch != '\\')
                shown[k++] = (char)ch;
            else
                k += (size_t)snprintf(shown + k, sizeof(shown) - k, "\\x%02x", ch);
        }
        shown[k] = 0;
        snprintf(diag->msg, sizeof(diag->msg),
                 "%s: '%s%s' is refused (EINVAL, as the kernel's); write %s", f->name, shown,
                 k < len ? "..." : "", acc);
    }
    return VML_EINVAL;
}
