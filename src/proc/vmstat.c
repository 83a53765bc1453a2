/* proc/vmstat.c: /proc/vmstat, "key value" lines in the kernel's order (mm/vmstat.c:
 * vmstat_start/vmstat_show, which prints vmstat_text[i] then seq_put_decimal_ul(" ", v)). */
#include "vmlab/proc.h"

#include "proc/fields.h"
#include "util/text.h"

#include <string.h>

static const char *const names[VML_VMSTAT_NR] = {
#define VML_VMSTAT_NAME(name) #name,
    VML_VMSTAT_ITEMS(VML_VMSTAT_NAME)
#undef VML_VMSTAT_NAME
};

const char *vml_vmstat_name(enum vml_vmstat_item item)
{
    return (unsigned)item < VML_VMSTAT_NR ? names[item] : NULL;
}

int vml_proc_format_vmstat(const struct vml_vmstat *s, struct vml_text *out)
{
    for (unsigned i = 0; i < VML_VMSTAT_NR; i++)
        text_printf(out, "%s %llu\n", names[i], (unsigned long long)s->v[i]);
    return text_status(out);
}

int proc_vmstat_find(const char *key, size_t len, unsigned hint)
{
    for (unsigned k = 0; k < VML_VMSTAT_NR; k++) {
        unsigned i = (hint + k) % VML_VMSTAT_NR;
        if (strlen(names[i]) == len && memcmp(names[i], key, len) == 0)
            return (int)i;
    }
    return -1;
}
