/* proc/sysctl_vm.c: the /proc/sys/vm/ settings (include/vmlab/sysctl.h). */
#include "vmlab/sysctl.h"

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
}
