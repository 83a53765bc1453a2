/* proc/sysctl_vm.c: the /proc/sys/vm/ settings (include/vmlab/sysctl.h). */
#include "vmlab/sysctl.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

void vml_vm_sysctl_defaults(struct vml_vm_sysctl *s)
{
    /* mm/vmscan.c: vm_swappiness; mm/page_alloc.c: watermark_scale_factor,
     * watermark_boost_factor; mm/page-writeback.c: vm_dirty_ratio,
     * dirty_background_ratio, dirty_expire_interval, dirty_writeback_interval;
     * mm/swap.c: page_cluster (swap_setup, for more than 16 MiB of RAM); fs/dcache.c:
     * sysctl_vfs_cache_pressure. */
    memset(s, 0, sizeof(*s));
    s->swappiness = 60;
    s->min_free_kbytes = -1;
    s->watermark_scale_factor = 10;
    s->watermark_boost_factor = 15000;
    s->dirty_ratio = 20;
    s->dirty_background_ratio = 10;
    s->dirty_expire_centisecs = 3000;
    s->dirty_writeback_centisecs = 500;
    s->page_cluster = 3;
    s->vfs_cache_pressure = 100;
    s->oom_dump_tasks = 1;    /* mm/oom_kill.c: sysctl_oom_dump_tasks */
    s->overcommit_ratio = 50; /* mm/util.c: sysctl_overcommit_ratio */
    s->admin_reserve_kbytes = -1;
    s->user_reserve_kbytes = -1;
}

/* ---- the files ----------------------------------------------------------------------------- */

enum kind {
    INT,   /* int, proc_dointvec_minmax (a '-' sign is read, then the range checked) */
    SINT,  /* int, proc_dointvec with any value, stored as a signed int */
    ULONG, /* unsigned long, proc_doulongvec_minmax (a '-' is refused) */
};

struct file {
    const char *name;
    enum kind kind;
    int64_t min, max; /* the handler's extra1 and extra2 */
    size_t off;       /* of the field in struct vml_vm_sysctl; SIZE_MAX for drop_caches */
    unsigned size;    /* of the field: 4 (unsigned) or 8 (int64_t / uint64_t) */
};

#define OFF(f)   offsetof(struct vml_vm_sysctl, f), sizeof(((struct vml_vm_sysctl *)0)->f)
#define INT_MAX_ 2147483647ll

/* The ranges, from the ctl_tables of 6.18 (probed on the running kernel:
 * docs/probes/sysctl_vm_ranges.sh): mm/vmscan.c vm_swappiness 0..SYSCTL_TWO_HUNDRED;
 * mm/page_alloc.c min_free_kbytes >= 0, watermark_boost_factor >= 0, watermark_scale_factor
 * SYSCTL_ONE..SYSCTL_THREE_THOUSAND; mm/page-writeback.c dirty_background_ratio and dirty_ratio
 * 0..SYSCTL_ONE_HUNDRED, dirty_background_bytes >= SYSCTL_LONG_ONE, dirty_bytes >=
 * dirty_bytes_min (2 * PAGE_SIZE), dirty_expire_centisecs >= 0, dirty_writeback_centisecs plain
 * proc_dointvec (any int: -1 is taken and read back as -1); mm/swap.c page-cluster
 * 0..page_cluster_max (31); fs/dcache.c vfs_cache_pressure >= 0; fs/drop_caches.c drop_caches
 * >= SYSCTL_ONE (5 is taken: bits 1, 2 and 4 act, no upper bound); mm/oom_kill.c
 * panic_on_oom 0..SYSCTL_TWO, oom_kill_allocating_task and oom_dump_tasks plain proc_dointvec
 * (probed: -1, 3 and 7 are taken and read back; panic_on_oom refuses -1 and 3); mm/util.c
 * overcommit_memory 0..SYSCTL_TWO, overcommit_ratio plain proc_dointvec (-1 taken),
 * overcommit_kbytes, admin_reserve_kbytes and user_reserve_kbytes proc_doulongvec_minmax
 * (probed: -1 refused, 0 and 3 taken). */
static const struct file files[VML_VM_NR_FILES] = {
    { "swappiness", INT, 0, 200, OFF(swappiness) },
    { "min_free_kbytes", INT, 0, INT_MAX_, OFF(min_free_kbytes) },
    { "watermark_scale_factor", INT, 1, 3000, OFF(watermark_scale_factor) },
    { "watermark_boost_factor", INT, 0, INT_MAX_, OFF(watermark_boost_factor) },
    { "dirty_ratio", INT, 0, 100, OFF(dirty_ratio) },
    { "dirty_background_ratio", INT, 0, 100, OFF(dirty_background_ratio) },
    { "dirty_bytes", ULONG, 8192, INT64_MAX, OFF(dirty_bytes) },
    { "dirty_background_bytes", ULONG, 1, INT64_MAX, OFF(dirty_background_bytes) },
    { "dirty_expire_centisecs", INT, 0, INT_MAX_, OFF(dirty_expire_centisecs) },
    { "dirty_writeback_centisecs", INT, -INT_MAX_ - 1, INT_MAX_, OFF(dirty_writeback_centisecs) },
    { "page-cluster", INT, 0, 31, OFF(page_cluster) },
    { "vfs_cache_pressure", INT, 0, INT_MAX_, OFF(vfs_cache_pressure) },
    { "panic_on_oom", INT, 0, 2, OFF(panic_on_oom) },
    { "oom_kill_allocating_task", SINT, -INT_MAX_ - 1, INT_MAX_, OFF(oom_kill_allocating_task) },
    { "oom_dump_tasks", SINT, -INT_MAX_ - 1, INT_MAX_, OFF(oom_dump_tasks) },
    { "overcommit_memory", INT, 0, 2, OFF(overcommit_memory) },
    { "overcommit_ratio", INT, -INT_MAX_ - 1, INT_MAX_, OFF(overcommit_ratio) },
    { "overcommit_kbytes", ULONG, 0, INT64_MAX, OFF(overcommit_kbytes) },
    { "admin_reserve_kbytes", ULONG, 0, INT64_MAX, OFF(admin_reserve_kbytes) },
    { "user_reserve_kbytes", ULONG, 0, INT64_MAX, OFF(user_reserve_kbytes) },
    { "drop_caches", INT, 1, INT_MAX_, SIZE_MAX, 0 },
};
_Static_assert(VML_VM_DROP_CACHES == VML_VM_NR_FILES - 1, "drop_caches is the last file");

const char *vml_vm_file(size_t i)
{
    return i < VML_VM_NR_FILES ? files[i].name : NULL;
}

int vml_vm_find(const char *name)
{
    size_t dl = strlen(VML_VM_SYSCTL_DIR);
    if (strncmp(name, VML_VM_SYSCTL_DIR, dl) == 0)
        name += dl;
    for (size_t i = 0; i < VML_VM_NR_FILES; i++)
        if (strcmp(files[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool vml_vm_readable(size_t i)
{
    return i < VML_VM_NR_FILES && i != VML_VM_DROP_CACHES;
}

static int64_t get(const struct vml_vm_sysctl *s, size_t i)
{
    const char *p = (const char *)s + files[i].off;
    if (files[i].size == 4 && files[i].kind == SINT) {
        int v;
        memcpy(&v, p, 4);
        return v;
    }
    if (files[i].size == 4) {
        unsigned v;
        memcpy(&v, p, 4);
        return (int64_t)v;
    }
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put(struct vml_vm_sysctl *s, size_t i, int64_t v)
{
    char *p = (char *)s + files[i].off;
    if (files[i].size == 4 && files[i].kind == SINT) {
        int x = (int)v;
        memcpy(p, &x, 4);
    } else if (files[i].size == 4) {
        unsigned u = (unsigned)v;
        memcpy(p, &u, 4);
    } else {
        memcpy(p, &v, 8);
    }
}

void vml_vm_value(const struct vml_vm_sysctl *s, size_t i, char *buf)
{
    buf[0] = 0;
    if (!vml_vm_readable(i))
        return;
    int64_t v = get(s, i);
    /* min_free_kbytes -1 stands for the boot-time value, which only the watermark code
     * (zone_watermarks) computes: shown as the kernel would, it is that value. */
    snprintf(buf, VML_VM_SHOW_MAX, "%lld", (long long)v);
}

void vml_vm_show(const struct vml_vm_sysctl *s, size_t i, char *buf)
{
    vml_vm_value(s, i, buf);
    if (buf[0])
        strcat(buf, "\n");
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* proc_get_long on the write buffer: blanks, an optional '-' (for int files), decimal digits,
 * then a blank or the end; what follows the first number is not looked at (the file holds one
 * value). *empty when the buffer holds only blanks (the kernel takes that write and changes
 * nothing). */
static bool parse(const struct file *f, const char *v, size_t len, int64_t *out, bool *empty)
{
    size_t i = 0;
    while (i < len && blank(v[i]))
        i++;
    *empty = i == len;
    if (*empty)
        return true;
    bool neg = false;
    if (v[i] == '-') {
        if (f->kind == ULONG)
            return false;
        neg = true;
        i++;
    }
    size_t d0 = i;
    uint64_t x = 0;
    for (; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
        if (x > (UINT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (i == d0 || (i < len && !blank(v[i])))
        return false;
    if (x > (uint64_t)INT64_MAX)
        return false;
    int64_t y = neg ? -(int64_t)x : (int64_t)x;
    if (f->kind != ULONG && (y > INT_MAX_ || y < -INT_MAX_ - 1))
        return false; /* proc_dointvec's overflow check */
    *out = y;
    return true;
}

static void refused(const struct file *f, const char *v, size_t len, struct vml_diag *diag)
{
    if (!diag)
        return;
    char shown[40];
    size_t k = 0;
    for (size_t j = 0; j < len && k + 5 < sizeof(shown); j++) {
        unsigned char ch = (unsigned char)v[j];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            shown[k++] = (char)ch;
        else
            k += (size_t)snprintf(shown + k, sizeof(shown) - k, "\\x%02x", ch);
    }
    shown[k] = 0;
    char range[64];
    if (f->max == INT64_MAX || f->max == INT_MAX_)
        snprintf(range, sizeof(range), "a decimal number of at least %lld", (long long)f->min);
    else
        snprintf(range, sizeof(range), "a decimal number from %lld to %lld", (long long)f->min,
                 (long long)f->max);
    if (f->min < 0)
        snprintf(range, sizeof(range), "a decimal int");
    snprintf(diag->msg, sizeof(diag->msg),
             "%s: '%s%s' is refused (EINVAL, as the kernel's); write %s", f->name, shown,
             k < len ? "..." : "", range);
}

int vml_vm_check(size_t i, const char *value, size_t len, struct vml_diag *diag)
{
    if (i >= VML_VM_NR_FILES)
        return VML_EINVAL;
    const struct file *f = &files[i];
    int64_t x = 0;
    bool empty;
    if (!parse(f, value, len, &x, &empty) || (!empty && (x < f->min || x > f->max))) {
        refused(f, value, len, diag);
        return VML_EINVAL;
    }
    /* dirty_bytes_handler and dirty_background_bytes_handler: the limit in pages must fit an
     * int (-ERANGE, which the kernel returns instead of EINVAL; the same refusal here). */
    if (!empty && f->kind == ULONG && (uint64_t)x / 4096 > (uint64_t)INT_MAX_) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "%s: %lld bytes is refused (ERANGE, as the kernel's: more than 2^31 - 1 "
                     "pages)",
                     f->name, (long long)x);
        return VML_EINVAL;
    }
    return 0;
}

int vml_vm_store(struct vml_vm_sysctl *s, size_t i, const char *value, size_t len, unsigned *action,
                 struct vml_diag *diag)
{
    if (action)
        *action = 0;
    int r = vml_vm_check(i, value, len, diag);
    if (r)
        return r;
    const struct file *f = &files[i];
    int64_t x = 0;
    bool empty;
    parse(f, value, len, &x, &empty);
    if (empty)
        return 0; /* a write of blanks changes nothing */
    if (i == VML_VM_DROP_CACHES) {
        if (action)
            *action = (unsigned)x;
        return 0;
    }
    if (x < 0 && f->kind != SINT) {
        bool period = strcmp(f->name, "dirty_writeback_centisecs") == 0;
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "%s: %lld is taken by the kernel (proc_dointvec) but not modelled: a "
                     "negative %s is not simulated; write %s",
                     f->name, (long long)x, period ? "period" : "percentage",
                     period ? "0 (no periodic writeback) or a positive number of centiseconds"
                            : "0 or more");
        return VML_ENOTSUP;
    }
    put(s, i, x);
    /* mm/page-writeback.c: dirty_ratio_handler and dirty_bytes_handler zero the other form,
     * dirty_background_ratio_handler and dirty_background_bytes_handler likewise. */
    if (strcmp(f->name, "dirty_ratio") == 0)
        s->dirty_bytes = 0;
    else if (strcmp(f->name, "dirty_bytes") == 0)
        s->dirty_ratio = 0;
    else if (strcmp(f->name, "dirty_background_ratio") == 0)
        s->dirty_background_bytes = 0;
    else if (strcmp(f->name, "dirty_background_bytes") == 0)
        s->dirty_background_ratio = 0;
    /* mm/util.c: overcommit_ratio_handler and overcommit_kbytes_handler, likewise. */
    else if (strcmp(f->name, "overcommit_ratio") == 0)
        s->overcommit_kbytes = 0;
    else if (strcmp(f->name, "overcommit_kbytes") == 0)
        s->overcommit_ratio = 0;
    return 0;
}
