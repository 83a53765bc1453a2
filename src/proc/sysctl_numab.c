/* proc/sysctl_numab.c: the automatic NUMA balancing settings (include/vmlab/sysctl.h):
 * kernel.numa_balancing and the scanner's debugfs tunables of kernel/sched/debug.c. */
#include "vmlab/sysctl.h"

#include <stdio.h>
#include <string.h>

void vml_numab_defaults(struct vml_numab_settings *s)
{
    /* kernel/sched/fair.c: sysctl_numa_balancing_scan_delay, _scan_period_min, _scan_period_max,
     * _scan_size. The mode's default is 0 here, where Debian's kernel (CONFIG_NUMA_BALANCING_
     * DEFAULT_ENABLED) turns it on at boot on a machine of several nodes: docs/numa.md says why. */
    s->mode = 0;
    s->scan_delay_ms = 1000;
    s->scan_period_min_ms = 1000;
    s->scan_period_max_ms = 60000;
    s->scan_size_mb = 256;
}

static const char *const paths[VML_NUMAB_NR_FILES] = {
    VML_KERNEL_SYSCTL_DIR "numa_balancing",
    VML_SCHED_DEBUG_DIR "numa_balancing/scan_delay_ms",
    VML_SCHED_DEBUG_DIR "numa_balancing/scan_period_min_ms",
    VML_SCHED_DEBUG_DIR "numa_balancing/scan_period_max_ms",
    VML_SCHED_DEBUG_DIR "numa_balancing/scan_size_mb",
};

const char *vml_numab_path(size_t i)
{
    return i < VML_NUMAB_NR_FILES ? paths[i] : NULL;
}

int vml_numab_find(const char *path)
{
    for (size_t i = 0; i < VML_NUMAB_NR_FILES; i++)
        if (strcmp(paths[i], path) == 0)
            return (int)i;
    return -1;
}

static unsigned *field(struct vml_numab_settings *s, size_t i)
{
    unsigned *f[VML_NUMAB_NR_FILES] = { &s->mode, &s->scan_delay_ms, &s->scan_period_min_ms,
                                        &s->scan_period_max_ms, &s->scan_size_mb };
    return f[i];
}

void vml_numab_value(const struct vml_numab_settings *s, size_t i, char *buf, size_t len)
{
    struct vml_numab_settings c = *s;
    if (i < VML_NUMAB_NR_FILES)
        snprintf(buf, len, "%u", *field(&c, i));
    else if (len)
        buf[0] = 0;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* One decimal number between blanks: false for anything else or beyond 2^32 - 1. */
static bool parse(const char *v, size_t len, bool *neg, uint64_t *out)
{
    size_t i = 0;
    while (i < len && blank(v[i]))
        i++;
    *neg = i < len && v[i] == '-';
    if (*neg)
        i++;
    size_t d0 = i;
    uint64_t x = 0;
    for (; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
        x = x * 10 + (uint64_t)(v[i] - '0');
        if (x > UINT32_MAX)
            return false;
    }
    while (i < len && blank(v[i]))
        i++;
    *out = x;
    return i > d0 && i == len;
}

int vml_numab_check(size_t i, const char *value, size_t len, struct vml_diag *diag)
{
    if (i >= VML_NUMAB_NR_FILES)
        return VML_EINVAL;
    bool neg;
    uint64_t x;
    int shown = len < 40 ? (int)len : 40;
    if (i == 0) {
        /* sched_core_sysctls: proc_dointvec_minmax, SYSCTL_ZERO..SYSCTL_FOUR. */
        if (!parse(value, len, &neg, &x) || (neg && x) || x > 4) {
            if (diag)
                snprintf(diag->msg, sizeof(diag->msg),
                         "%s: '%.*s' is refused (EINVAL, as the kernel's); write 0 to 4 (0 off, "
                         "1 NUMA balancing)",
                         paths[i], shown, value);
            return VML_EINVAL;
        }
        if (x >= 2) {
            if (diag)
                snprintf(diag->msg, sizeof(diag->msg),
                         "%s=%llu is not modelled: %s; vmlab models 0 and 1 (NUMA_BALANCING_"
                         "NORMAL)",
                         paths[i], (unsigned long long)x,
                         x & 2 ? "NUMA_BALANCING_MEMORY_TIERING (2: promotion from slow memory "
                                 "tiers by hint-fault latency) is not simulated"
                               : "a mode without the NORMAL bit scans no top-tier memory");
            return VML_ENOTSUP;
        }
        return 0;
    }
    /* debugfs_create_u32: any 32-bit value. */
    if (!parse(value, len, &neg, &x) || neg) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "%s: '%.*s' is refused (EINVAL); write a decimal number from 0 to 4294967295",
                     paths[i], shown, value);
        return VML_EINVAL;
    }
    if (i == 4 && x == 0) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "%s=0 is not modelled: task_scan_min divides by it (write 1 or more)",
                     paths[i]);
        return VML_ENOTSUP;
    }
    return 0;
}

int vml_numab_store(struct vml_numab_settings *s, size_t i, const char *value, size_t len,
                    struct vml_diag *diag)
{
    int r = vml_numab_check(i, value, len, diag);
    if (r)
        return r;
    bool neg;
    uint64_t x;
    parse(value, len, &neg, &x);
    *field(s, i) = (unsigned)x;
    return 0;
}
