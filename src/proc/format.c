/* proc/format.c: the kernel's /proc text for vmlab's records (see vmlab/proc.h).
 *
 * Models fs/proc/meminfo.c (meminfo_proc_show, show_val_kb), fs/proc/task_mmu.c
 * (show_vma_header_prefix, show_map_vma, __show_smap, show_smap, show_smaps_rollup, task_mem,
 * task_statm) and mm/hugetlb.c (hugetlb_report_meminfo, hugetlb_report_usage); the line tables
 * are in proc/fields.c.
 */
#include "vmlab/proc.h"

#include "proc/fields.h"
#include "util/text.h"

#include <stddef.h>
#include <string.h>

static uint64_t field(const void *rec, size_t offset)
{
    uint64_t v;
    memcpy(&v, (const char *)rec + offset, sizeof(v));
    return v;
}

/* The lines of a table, "<label><value in its width>[ kB]\n" (seq_put_decimal_ull_width), all
 * but the rollup-only ones unless rollup. */
static void put_lines(struct vml_text *out, const struct proc_field *t, size_t n, const void *rec,
                      bool rollup)
{
    for (size_t i = 0; i < n; i++)
        if (rollup || !t[i].rollup_only)
            text_printf(out, "%s%*llu%s\n", t[i].label, t[i].width,
                        (unsigned long long)field(rec, t[i].offset), t[i].kb ? " kB" : "");
}

int vml_proc_format_node_meminfo(unsigned node, const struct vml_node_meminfo *m,
                                 struct vml_text *out)
{
    const struct proc_field *t = proc_node_meminfo_fields;
    for (size_t i = 0; i < proc_node_meminfo_nfields; i++)
        text_printf(out, "Node %u %s%*llu%s\n", node, t[i].label, t[i].width,
                    (unsigned long long)field(m, t[i].offset), t[i].kb ? " kB" : "");
    return text_status(out);
}

int vml_proc_format_numastat(const struct vml_numastat *s, struct vml_text *out)
{
    put_lines(out, proc_numastat_fields, proc_numastat_nfields, s, false);
    return text_status(out);
}

int vml_proc_format_distance(const unsigned *row, unsigned n, struct vml_text *out)
{
    for (unsigned i = 0; i < n; i++)
        text_printf(out, "%s%u", i ? " " : "", row[i]);
    text_printf(out, "\n");
    return text_status(out);
}

int vml_proc_format_meminfo(const struct vml_meminfo *m, struct vml_text *out)
{
    put_lines(out, proc_meminfo_fields, proc_meminfo_nfields, m, false);
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

int vml_proc_format_smaps(const struct vml_smaps *s, struct vml_text *out)
{
    const struct vml_vma_header *h = &s->hdr;
    put_header(out, h->start, h->end, h->perms, h->offset, h->dev_major, h->dev_minor, h->inode,
               h->name);
    text_printf(out, "Size:           %8llu kB\n", (unsigned long long)s->size);
    text_printf(out, "KernelPageSize: %8llu kB\n", (unsigned long long)s->kernel_page_size);
    text_printf(out, "MMUPageSize:    %8llu kB\n", (unsigned long long)s->mmu_page_size);
    put_lines(out, proc_smaps_fields, proc_smaps_nfields, &s->c, false);
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
    put_lines(out, proc_smaps_fields, proc_smaps_nfields, c, true);
    return text_status(out);
}

int vml_proc_format_status_mem(const struct vml_status_mem *s, struct vml_text *out)
{
    put_lines(out, proc_status_fields, proc_status_nfields, s, false);
    return text_status(out);
}

int vml_proc_format_statm(const struct vml_statm *s, struct vml_text *out)
{
    text_printf(out, "%llu %llu %llu %llu 0 %llu 0\n", (unsigned long long)s->size,
                (unsigned long long)s->resident, (unsigned long long)s->shared,
                (unsigned long long)s->text, (unsigned long long)s->data);
    return text_status(out);
}
