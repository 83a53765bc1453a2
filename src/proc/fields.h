/* proc/fields.h: the line tables of the /proc files vmlab writes and reads, in the kernel's
 * order and with its label padding; shared by the formatters and the parsers. */
#ifndef VMLAB_PROC_FIELDS_H
#define VMLAB_PROC_FIELDS_H

#include "vmlab/proc.h"

#include <stdbool.h>
#include <stddef.h>

struct proc_field {
    const char *label;   /* as printed, padding included: "MemTotal:       ", "VmPeak:\t" */
    size_t offset;       /* of the uint64_t in the record */
    unsigned char width; /* printf field width of the value */
    bool kb;             /* followed by " kB" */
    bool rollup_only;    /* smaps: printed only in smaps_rollup */
};

extern const struct proc_field proc_meminfo_fields[];
extern const size_t proc_meminfo_nfields;
extern const struct proc_field proc_smaps_fields[]; /* the counters, Rss .. Locked */
extern const size_t proc_smaps_nfields;
extern const struct proc_field proc_status_fields[]; /* VmPeak .. HugetlbPages */
extern const size_t proc_status_nfields;
extern const struct proc_field proc_node_meminfo_fields[]; /* after "Node N " */
extern const size_t proc_node_meminfo_nfields;
extern const struct proc_field proc_numastat_fields[]; /* "key value", no padding */
extern const size_t proc_numastat_nfields;

/* The vmstat item named key[0..len), or -1; the search starts at hint (files are in order, so
 * the item after the previous line's is the usual answer). */
int proc_vmstat_find(const char *key, size_t len, unsigned hint);

/* Length of a label without its colon and padding ("MemTotal:       " -> 8). */
size_t proc_label_name_len(const char *label);

#endif
