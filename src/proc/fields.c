/* proc/fields.c: line tables of /proc files (see proc/fields.h), from fs/proc/meminfo.c
 * (meminfo_proc_show, show_val_kb), mm/hugetlb.c (hugetlb_report_meminfo, hugetlb_report_usage)
 * and fs/proc/task_mmu.c (__show_smap, task_mem). */
#include "proc/fields.h"

#include <string.h>

#define MI(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_meminfo, field), 8, true, false                                 \
    }
#define MH(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_meminfo, field), 5, false, false                                \
    }

/* meminfo_proc_show(): show_val_kb() lines, "%-16s%8lu kB". */
const struct proc_field proc_meminfo_fields[] = {
    MI("MemTotal:       ", mem_total),
    MI("MemFree:        ", mem_free),
    MI("MemAvailable:   ", mem_available),
    MI("Buffers:        ", buffers),
    MI("Cached:         ", cached),
    MI("SwapCached:     ", swap_cached),
    MI("Active:         ", active),
    MI("Inactive:       ", inactive),
    MI("Active(anon):   ", active_anon),
    MI("Inactive(anon): ", inactive_anon),
    MI("Active(file):   ", active_file),
    MI("Inactive(file): ", inactive_file),
    MI("Unevictable:    ", unevictable),
    MI("Mlocked:        ", mlocked),
    MI("SwapTotal:      ", swap_total),
    MI("SwapFree:       ", swap_free),
    MI("Zswap:          ", zswap),
    MI("Zswapped:       ", zswapped),
    MI("Dirty:          ", dirty),
    MI("Writeback:      ", writeback),
    MI("AnonPages:      ", anon_pages),
    MI("Mapped:         ", mapped),
    MI("Shmem:          ", shmem),
    MI("KReclaimable:   ", kreclaimable),
    MI("Slab:           ", slab),
    MI("SReclaimable:   ", sreclaimable),
    MI("SUnreclaim:     ", sunreclaim),
    MI("KernelStack:    ", kernel_stack),
    MI("PageTables:     ", page_tables),
    MI("SecPageTables:  ", sec_page_tables),
    MI("NFS_Unstable:   ", nfs_unstable),
    MI("Bounce:         ", bounce),
    MI("WritebackTmp:   ", writeback_tmp),
    MI("CommitLimit:    ", commit_limit),
    MI("Committed_AS:   ", committed_as),
    MI("VmallocTotal:   ", vmalloc_total),
    MI("VmallocUsed:    ", vmalloc_used),
    MI("VmallocChunk:   ", vmalloc_chunk),
    MI("Percpu:         ", percpu),
    MI("AnonHugePages:  ", anon_huge_pages),
    MI("ShmemHugePages: ", shmem_huge_pages),
    MI("ShmemPmdMapped: ", shmem_pmd_mapped),
    MI("FileHugePages:  ", file_huge_pages),
    MI("FilePmdMapped:  ", file_pmd_mapped),
    MI("Balloon:        ", balloon),
    /* hugetlb_report_meminfo(): counts in "%5lu" after a 19-character label */
    MH("HugePages_Total:   ", hugepages_total),
    MH("HugePages_Free:    ", hugepages_free),
    MH("HugePages_Rsvd:    ", hugepages_rsvd),
    MH("HugePages_Surp:    ", hugepages_surp),
    MI("Hugepagesize:   ", hugepagesize),
    MI("Hugetlb:        ", hugetlb),
    MI("DirectMap4k:    ", direct_map_4k),
    MI("DirectMap2M:    ", direct_map_2m),
    MI("DirectMap1G:    ", direct_map_1g),
};

#define SM(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_smaps_counts, field), 8, true, false                            \
    }
#define SR(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_smaps_counts, field), 8, true, true                             \
    }

/* __show_smap(): the counters after Size/KernelPageSize/MMUPageSize; rollup_only lines are
 * printed by smaps_rollup alone. */
const struct proc_field proc_smaps_fields[] = {
    SM("Rss:            ", rss),
    SM("Pss:            ", pss),
    SM("Pss_Dirty:      ", pss_dirty),
    SR("Pss_Anon:       ", pss_anon),
    SR("Pss_File:       ", pss_file),
    SR("Pss_Shmem:      ", pss_shmem),
    SM("Shared_Clean:   ", shared_clean),
    SM("Shared_Dirty:   ", shared_dirty),
    SM("Private_Clean:  ", private_clean),
    SM("Private_Dirty:  ", private_dirty),
    SM("Referenced:     ", referenced),
    SM("Anonymous:      ", anonymous),
    SM("KSM:            ", ksm),
    SM("LazyFree:       ", lazyfree),
    SM("AnonHugePages:  ", anon_huge_pages),
    SM("ShmemPmdMapped: ", shmem_pmd_mapped),
    SM("FilePmdMapped:  ", file_pmd_mapped),
    SM("Shared_Hugetlb: ", shared_hugetlb),
    SM("Private_Hugetlb:", private_hugetlb),
    SM("Swap:           ", swap),
    SM("SwapPss:        ", swap_pss),
    SM("Locked:         ", locked),
};

#define ST(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_status_mem, field), 8, true, false                              \
    }

/* task_mem() then hugetlb_report_usage(): "Label:\t%8lu kB". */
const struct proc_field proc_status_fields[] = {
    ST("VmPeak:\t", vm_peak),     ST("VmSize:\t", vm_size),
    ST("VmLck:\t", vm_lck),       ST("VmPin:\t", vm_pin),
    ST("VmHWM:\t", vm_hwm),       ST("VmRSS:\t", vm_rss),
    ST("RssAnon:\t", rss_anon),   ST("RssFile:\t", rss_file),
    ST("RssShmem:\t", rss_shmem), ST("VmData:\t", vm_data),
    ST("VmStk:\t", vm_stk),       ST("VmExe:\t", vm_exe),
    ST("VmLib:\t", vm_lib),       ST("VmPTE:\t", vm_pte),
    ST("VmSwap:\t", vm_swap),     ST("HugetlbPages:\t", hugetlb_pages),
};

#define NM(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_node_meminfo, field), 8, true, false                            \
    }
#define NH(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_node_meminfo, field), 5, false, false                           \
    }

/* drivers/base/node.c: node_read_meminfo(), "Node %d " before each label; then
 * hugetlb_report_node_meminfo(), "Node %d HugePages_Total: %5u". */
const struct proc_field proc_node_meminfo_fields[] = {
    NM("MemTotal:       ", mem_total),
    NM("MemFree:        ", mem_free),
    NM("MemUsed:        ", mem_used),
    NM("SwapCached:     ", swap_cached),
    NM("Active:         ", active),
    NM("Inactive:       ", inactive),
    NM("Active(anon):   ", active_anon),
    NM("Inactive(anon): ", inactive_anon),
    NM("Active(file):   ", active_file),
    NM("Inactive(file): ", inactive_file),
    NM("Unevictable:    ", unevictable),
    NM("Mlocked:        ", mlocked),
    NM("Dirty:          ", dirty),
    NM("Writeback:      ", writeback),
    NM("FilePages:      ", file_pages),
    NM("Mapped:         ", mapped),
    NM("AnonPages:      ", anon_pages),
    NM("Shmem:          ", shmem),
    NM("KernelStack:    ", kernel_stack),
    NM("PageTables:     ", page_tables),
    NM("SecPageTables:  ", sec_page_tables),
    NM("NFS_Unstable:   ", nfs_unstable),
    NM("Bounce:         ", bounce),
    NM("WritebackTmp:   ", writeback_tmp),
    NM("KReclaimable:   ", kreclaimable),
    NM("Slab:           ", slab),
    NM("SReclaimable:   ", sreclaimable),
    NM("SUnreclaim:     ", sunreclaim),
    NM("AnonHugePages:  ", anon_huge_pages),
    NM("ShmemHugePages: ", shmem_huge_pages),
    NM("ShmemPmdMapped: ", shmem_pmd_mapped),
    NM("FileHugePages:  ", file_huge_pages),
    NM("FilePmdMapped:  ", file_pmd_mapped),
    NH("HugePages_Total: ", hugepages_total),
    NH("HugePages_Free:  ", hugepages_free),
    NH("HugePages_Surp:  ", hugepages_surp),
};

#define NS(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_numastat, field), 0, false, false                               \
    }

/* drivers/base/node.c: node_read_numastat(). */
const struct proc_field proc_numastat_fields[] = {
    NS("numa_hit ", numa_hit),         NS("numa_miss ", numa_miss),
    NS("numa_foreign ", numa_foreign), NS("interleave_hit ", interleave_hit),
    NS("local_node ", local_node),     NS("other_node ", other_node),
};

const size_t proc_node_meminfo_nfields =
    sizeof(proc_node_meminfo_fields) / sizeof(proc_node_meminfo_fields[0]);
const size_t proc_numastat_nfields = sizeof(proc_numastat_fields) / sizeof(proc_numastat_fields[0]);
const size_t proc_meminfo_nfields = sizeof(proc_meminfo_fields) / sizeof(proc_meminfo_fields[0]);
const size_t proc_smaps_nfields = sizeof(proc_smaps_fields) / sizeof(proc_smaps_fields[0]);
const size_t proc_status_nfields = sizeof(proc_status_fields) / sizeof(proc_status_fields[0]);

size_t proc_label_name_len(const char *label)
{
    return strcspn(label, ": ");
}
