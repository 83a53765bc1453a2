/* host/probe.h: probes of the running kernel's memory-manager traits (internal to host/).
 *
 * Each probe works on memory it isolates itself (a reservation with PROT_NONE guards on both
 * sides), so nothing of the process's own memory can merge into what it measures, and reads
 * exactly that VMA. The measurement and the decision are separate so that tests can check the
 * decision for every kernel, including kinds this machine is not.
 */
#ifndef VMLAB_HOST_PROBE_H
#define VMLAB_HOST_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#define PROBE_ZP_PAGES 16 /* pages the zero-page probe reads */

/* What reading PROBE_ZP_PAGES untouched anonymous pages left behind. */
struct zp_reading {
    uint64_t vma_start, vma_end; /* the smaps block the probe found for its region */
    uint64_t rss_kb;             /* that block's Rss */
    unsigned pages;              /* pages read */
    unsigned present;            /* pagemap: present */
    unsigned exclusive;          /* pagemap: PM_MMAP_EXCLUSIVE (a normal page mapped once) */
    unsigned distinct_pfns;      /* distinct non-zero PFNs seen (0 without CAP_SYS_ADMIN) */
};

/* Reads PROBE_ZP_PAGES untouched private anonymous pages in an isolated region and fills r.
 * 0, or a negative VML_E* (VML_EHOST: the system refused a call). */
int probe_zero_page_measure(struct zp_reading *r);

/* The kernel's behaviour from a reading: 0 with *uses set, or VML_EINVAL when the reading fits
 * neither behaviour (then vmlab must not guess). The zero page is mapped read-only and is not a
 * normal page (vm_normal_page is NULL): Rss 0, present, never exclusive, one PFN for all.
 * Without it (mm_forbids_zeropage, or a kernel booted so) each read allocates a private page:
 * Rss 4 kB a page, present, exclusive, one PFN each. */
int probe_zero_page_decide(const struct zp_reading *r, bool *uses);

/* What MADV_DONTNEED of a whole 2 MiB-aligned range left of the PTE table a single write fault
 * had allocated for it. */
struct ptr_reading {
    uint64_t pte_before_kb;  /* VmPTE before the write */
    uint64_t pte_touched_kb; /* after the write */
    uint64_t pte_after_kb;   /* after MADV_DONTNEED */
};

int probe_pt_reclaim_measure(struct ptr_reading *r);

/* With CONFIG_PT_RECLAIM, MADV_DONTNEED frees a PTE table it leaves empty (VmPTE drops by the
 * table's 4 kB); without it the table stays. VML_EINVAL for any other reading. */
int probe_pt_reclaim_decide(const struct ptr_reading *r, bool *reclaims);

#endif
