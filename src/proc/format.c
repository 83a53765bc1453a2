/* proc/format.c: the kernel's /proc text for vmlab's records (see vmlab/proc.h).
 *
 * Models fs/proc/meminfo.c (meminfo_proc_show, show_val_kb), fs/proc/task_mmu.c
 * (show_vma_header_prefix, show_map_vma, __show_smap, show_smap, show_smaps_rollup, task_mem,
 * task_statm) and mm/hugetlb.c (hugetlb_report_meminfo, hugetlb_report_usage). The tables below
 * are the kernel's line order; labels carry the kernel's own padding.
 */
#include "vmlab/proc.h"

#include "util/text.h"

#include <stddef.h>
#include <string.h>

struct line {
    const char *label; /* printed as is, padding included */
    size_t offset;     /* of a uint64_t in the record */
};

#define MI(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_meminfo, field)                                                 \
    }

/* meminfo_proc_show(): show_val_kb() lines, "%-16s%8lu kB". */
static const struct line meminfo_head[] = {
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
};

/* hugetlb_report_meminfo(): counts in "%5lu" after a 19-character label. */
static const struct line meminfo_huge_counts[] = {
    MI("HugePages_Total:   ", hugepages_total),
    MI("HugePages_Free:    ", hugepages_free),
    MI("HugePages_Rsvd:    ", hugepages_rsvd),
    MI("HugePages_Surp:    ", hugepages_surp),
};

static const struct line meminfo_tail[] = {
    MI("Hugepagesize:   ", hugepagesize),  MI("Hugetlb:        ", hugetlb),
    MI("DirectMap4k:    ", direct_map_4k), MI("DirectMap2M:    ", direct_map_2m),
    MI("DirectMap1G:    ", direct_map_1g),
};

#define SM(label, field)                                                                           \
    {                                                                                              \
        label, offsetof(struct vml_smaps_counts, field)                                            \
    }

/* __show_smap(): the counters after Size/KernelPageSize/MMUPageSize; rollup_only lines are
 * printed by smaps_rollup alone. */
static const struct line smaps_counts[] = {
    SM("Rss:            ", rss),
    SM("Pss:            ", pss),
    SM("Pss_Dirty:      ", pss_dirty),
};
static const struct line smaps_rollup_only[] = {
    SM("Pss_Anon:       ", pss_anon),
    SM("Pss_File:       ", pss_file),
    SM("Pss_Shmem:      ", pss_shmem),
};
static const struct line smaps_rest[] = {
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
        label, offsetof(struct vml_status_mem, field)                                              \
    }

/* task_mem() then hugetlb_report_usage(): "Label:\t%8lu kB". */
static const struct line status_lines[] = {
    ST("VmPeak:\t", vm_peak),     ST("VmSize:\t", vm_size),
    ST("VmLck:\t", vm_lck),       ST("VmPin:\t", vm_pin),
    ST("VmHWM:\t", vm_hwm),       ST("VmRSS:\t", vm_rss),
    ST("RssAnon:\t", rss_anon),   ST("RssFile:\t", rss_file),
    ST("RssShmem:\t", rss_shmem), ST("VmData:\t", vm_data),
    ST("VmStk:\t", vm_stk),       ST("VmExe:\t", vm_exe),
    ST("VmLib:\t", vm_lib),       ST("VmPTE:\t", vm_pte),
    ST("VmSwap:\t", vm_swap),     ST("HugetlbPages:\t", hugetlb_pages),
};

#define NLINES(t) (sizeof(t) / sizeof((t)[0]))

static uint64_t field(const void *rec, size_t offset)
{
    uint64_t v;
    memcpy(&v, (const char *)rec + offset, sizeof(v));
    return v;
}

/* Lines "<label>%Nllu<unit>\n" for a table (seq_put_decimal_ull_width with width N). */
static void put_lines(struct vml_text *out, const struct line *t, size_t n, const void *rec,
                      int width, const char *unit)
{
    for (size_t i = 0; i < n; i++)
        text_printf(out, "%s%*llu%s\n", t[i].label, width,
                    (unsigned long long)field(rec, t[i].offset), unit);
}

int vml_proc_format_meminfo(const struct vml_meminfo *m, struct vml_text *out)
{
    put_lines(out, meminfo_head, NLINES(meminfo_head), m, 8, " kB");
    put_lines(out, meminfo_huge_counts, NLINES(meminfo_huge_counts), m, 5, "");
    put_lines(out, meminfo_tail, NLINES(meminfo_tail), m, 8, " kB");
    return text_status(out);
}

/* show_vma_header_prefix(): "%08lx-%08lx %s %08llx %02x:%02x %lu " then, when a name follows,
 * seq_pad(): spaces up to column 72 (25 + 6 * sizeof(void *) - 1), then always one more. */
static void put_header(struct vml_text *out, uint64_t start, uint64_t end, const char *perms,
                       uint64_t offset, unsigned major, unsigned minor, uint64_t inode,
                       const char *name)
{
    size_t before = out->len;
    text_printf(out, "%08llx-%08llx %.4s %08llx %02x:%02x %llu ", (unsigned long long)start,
                (unsigned long long)end, perms, (unsigned long long)offset, major, minor,
                (unsigned long long)inode);
    if (name && *name) {
        size_t used = out->len - before;
        text_printf(out, "%*s", used < 72 ? (int)(72 - used) : 0, "");
        /* seq_pad() writes the separating space; seq_file_path() escapes newlines. */
        text_append(out, " ", 1);
        for (const char *p = name; *p; p++) {
            if (*p == '\n')
                text_append(out, "\\012", 4);
            else
                text_append(out, p, 1);
        }
    }
    text_append(out, "\n", 1);
}

int vml_proc_format_maps_line(const struct vml_vma_header *h, struct vml_text *out)
{
    put_header(out, h->start, h->end, h->perms, h->offset, h->dev_major, h->dev_minor, h->inode,
               h->name);
    return text_status(out);
}

static void put_counts(struct vml_text *out, const struct vml_smaps_counts *c, bool rollup)
{
    put_lines(out, smaps_counts, NLINES(smaps_counts), c, 8, " kB");
    if (rollup)
        put_lines(out, smaps_rollup_only, NLINES(smaps_rollup_only), c, 8, " kB");
    put_lines(out, smaps_rest, NLINES(smaps_rest), c, 8, " kB");
}

int vml_proc_format_smaps(const struct vml_smaps *s, struct vml_text *out)
{
    const struct vml_vma_header *h = &s->hdr;
    put_header(out, h->start, h->end, h->perms, h->offset, h->dev_major, h->dev_minor, h->inode,
               h->name);
    text_printf(out, "Size:           %8llu kB\n", (unsigned long long)s->size);
    text_printf(out, "KernelPageSize: %8llu kB\n", (unsigned long long)s->kernel_page_size);
    text_printf(out, "MMUPageSize:    %8llu kB\n", (unsigned long long)s->mmu_page_size);
    put_counts(out, &s->c, false);
    text_printf(out, "THPeligible:    %8u\n", s->thp_eligible);
    /* show_smap_vma_flags(): every flag followed by a space. */
    text_printf(out, "VmFlags:");
    const char *f = s->vm_flags ? s->vm_flags : "";
    while (*f) {
        while (*f == ' ')
            f++;
        size_t n = strcspn(f, " ");
        if (n) {
            text_append(out, " ", 1);
            text_append(out, f, n);
        }
        f += n;
    }
    text_append(out, " \n", 2);
    return text_status(out);
}

int vml_proc_format_smaps_rollup(uint64_t start, uint64_t end, const struct vml_smaps_counts *c,
                                 struct vml_text *out)
{
    put_header(out, start, end, "---p", 0, 0, 0, 0, "[rollup]");
    put_counts(out, c, true);
    return text_status(out);
}

int vml_proc_format_status_mem(const struct vml_status_mem *s, struct vml_text *out)
{
    put_lines(out, status_lines, NLINES(status_lines), s, 8, " kB");
    return text_status(out);
}

int vml_proc_format_statm(const struct vml_statm *s, struct vml_text *out)
{
    text_printf(out, "%llu %llu %llu %llu 0 %llu 0\n", (unsigned long long)s->size,
                (unsigned long long)s->resident, (unsigned long long)s->shared,
                (unsigned long long)s->text, (unsigned long long)s->data);
    return text_status(out);
}
