/* host/thp_kernel.h: this kernel's /sys/kernel/mm/transparent_hugepage/ (internal to host/;
 * vml_host_thp in vmlab/host.h is the public reading). */
#ifndef VMLAB_HOST_THP_KERNEL_H
#define VMLAB_HOST_THP_KERNEL_H

#include "vmlab/base.h"

/* The files of vmlab's THP table that this kernel has, "FILE:CONTENT" each, in the table's
 * order (as `grep -r .` in that directory prints them). 0, or VML_E* with msg
 * (VML_BACKEND_MSG bytes). */
int host_thp_text(struct vml_text *out, char *msg);

/* One note line: the kernel's enabled, defrag and use_zero_page, and every other file of the
 * table whose value is not vmlab's default. */
void host_thp_note(struct vml_text *out);

/* One note line naming the files of the directory that the table has not (read-only counters,
 * knobs vmlab does not model, sizes it has no file for), or nothing when there are none. */
void host_thp_extras(struct vml_text *out);

#endif
