/* mm/cost.h: what the simulated kernel's work costs in simulated time, in nanoseconds.
 *
 * Measured on the machine class vmlab is checked on (2-core x86-64 VM, Linux 6.18), medians of
 * repeated runs of the probes in docs/probes/ (faultlat.c, faultlat2.c, compactcost.c):
 *   - a first-touch write fault of a 4 KiB anonymous page: 9.2 us;
 *   - a write fault that maps a PMD THP (memory plentiful, no compaction): 116 us;
 *   - a COW write fault after fork: 13.7 us;
 *   - a read fault on a cached file page (fault-around maps its window): 5.25 us;
 *   - compaction (vm.compact_memory over 2 GiB with every other page free): 242 ms for
 *     140,610 pages migrated, 1.47 M pfns migrate-scanned and 0.28 M free-scanned.
 * The fault figures split into a fixed part (entry, VMA lookup, PTE install, exit: the file
 * fault), the allocation of a page, and the per-4 KiB clearing that makes a THP fault
 * (fixed + allocation + 512 clears) 116 us; compaction's into a per-pfn scan cost and a
 * per-page migration cost (1.47 M x 20 ns + 0.28 M x 20 ns + 140,610 x 1.5 us = 246 ms).
 * A bare-metal machine's faults are cheaper (its page-table updates trap to no hypervisor);
 * the ratios that the examples show (a compaction stall against a 4 KiB fault) are what the
 * model is for. A major fault also waits for its read from the disk (sim->disk, blockdev.c:
 * device presets; disk_io.c: one request per readahead window), as does a read(2) that misses
 * the page cache (docs/latency.md).
 */
#ifndef VMLAB_MM_COST_H
#define VMLAB_MM_COST_H

#define COST_FAULT_NS        5250u /* a fault's fixed part (the cached file read fault) */
#define COST_ALLOC_PAGE_NS   3750u /* allocating a user page: 9.2 us - fixed - one clear */
#define COST_CLEAR_4K_NS     209u  /* clearing 4 KiB: (116 us - fixed - allocation) / 512 */
#define COST_COPY_4K_NS      4500u /* a COW copy, with its flush: 13.7 us - 9.2 us */
#define COST_COMPACT_SCAN_NS 20u   /* one pfn looked at by either compaction scanner */
#define COST_MIGRATE_PAGE_NS 1500u /* migrating one 4 KiB page (unmap, copy, remap, free) */
#define COST_RECLAIM_SCAN_NS 300u  /* reclaim looking at one page (isolate, rmap, put back) */
/* An access that does not fault costs its translation's cycles (the MMU model's, hw/mmu.c) at
 * this clock: the CPU models have no frequency; 3 GHz is the class of the Skylake to Sapphire
 * Rapids servers they describe. Used by `show P latency` only: such accesses do not move the
 * clock. */
#define COST_CYCLES_PER_NS 3u

#endif
