/* test_filepmd.c: large page-cache folios as physical blocks and their PMD mappings
 * (mm/pagecache.c, mm/huge_memory.c: do_set_pmd, zap_file_pmd), against figures worked out here
 * by hand from the rules the pmdfile probe showed on Linux 6.18 (docs/pagecache.md, "PMD
 * mappings"): a PMD-sized folio at a 2 MiB boundary of a VMA whose file offset agrees is mapped
 * by one PMD entry; cutting the PMD zaps it (thp_split_pmd, no PTEs); fork does not copy it;
 * FilePmdMapped counts a folio once however many PMDs map it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mm/sim_internal.h"
#include "sim_fixture.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define PG  4096ull
#define AT  0x400000000ull /* a 2 MiB boundary */

static uint64_t meminfo_kb(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

static uint64_t smaps_kb(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_SMAPS, addr, addr + len, key);
}

static uint64_t status_kb(struct vml_sim *sim, int pid, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, key);
}

/* The file's pages [index, index + nr) are frames pfn0, pfn0 + 1, ... (one block). */
static void assert_one_block(struct vml_sim *sim, int file, uint64_t index, uint64_t nr)
{
    const struct sim_file *f = sim_file(sim, file);
    uint64_t pfn0, pfn;
    assert_true(cache_lookup(f, index, &pfn0));
    assert_int_equal(pfn0 & (nr - 1), 0); /* naturally aligned, as a buddy block is */
    for (uint64_t i = 1; i < nr; i++) {
        assert_true(cache_lookup(f, index + i, &pfn));
        assert_int_equal(pfn, pfn0 + i);
    }
}

/* write(2) in 2 MiB calls makes PMD-sized folios (fgf_set_order), 64 KiB calls 16-page ones:
 * each one block. A shared mapping at a 2 MiB boundary read whole: the 4 MiB file's first folio
 * by fault-around's PMD (filemap_map_pmd), the second, which ends the file, by finish_fault's:
 * 2 faults, 2 PMDs, Rss 4096 kB, FilePmdMapped 4096 kB, and no PTE table (VmPTE: PUD table and
 * PMD table, 8 kB). A 4 KiB munmap inside the first zaps its PMD: 1 split, FilePmdMapped and
 * Rss 2048 kB, VmPTE unchanged. */
static void test_map_and_cut(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(256 * MiB, NULL, 0);
    int pid, f;
    uint64_t m;
    struct vml_sim_access res = { 0 };
    assert_int_equal(vml_sim_spawn(sim, "p", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 4 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, pid, f, 0, 4 * MiB, 2 * MiB), 0);
    assert_int_equal(cache_order(sim_file(sim, f), 0), 9);
    assert_one_block(sim, f, 0, 512);
    assert_one_block(sim, f, 512, 512);
    assert_int_equal(meminfo_kb(sim, "FileHugePages"), 4096);
    assert_int_equal(vml_sim_mmap(sim, pid, AT, 4 * MiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_SHARED | VML_MAP_FIXED, f, 0, &m),
                     0);
    assert_int_equal(m, AT);
    uint64_t pte0 = status_kb(sim, pid, "VmPTE");
    assert_int_equal(vml_sim_touch(sim, pid, m, m + 4 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(res.minor + res.major, 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_file_mapped), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_file_pmdmapped), 2);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 4096);
    assert_int_equal(meminfo_kb(sim, "Mapped"), 4096);
    assert_int_equal(smaps_kb(sim, pid, m, 4 * MiB, "Rss"), 4096);
    assert_int_equal(smaps_kb(sim, pid, m, 4 * MiB, "FilePmdMapped"), 4096);
    assert_int_equal(smaps_kb(sim, pid, m, 4 * MiB, "AnonHugePages"), 0);
    assert_int_equal(status_kb(sim, pid, "RssFile"), 4096);
    assert_int_equal(status_kb(sim, pid, "VmPTE"), pte0 + 8);
    /* smaps_rollup: the file PMDs are FilePmdMapped; an anonymous THP beside them (an
     * MADV_HUGEPAGE region written whole: one PMD) is AnonHugePages. */
    uint64_t an;
    assert_int_equal(vml_sim_mmap(sim, pid, AT + 16 * MiB, 2 * MiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0, &an),
                     0);
    assert_int_equal(vml_sim_madvise(sim, pid, an, 2 * MiB, VML_MADV_HUGEPAGE), 0);
    assert_int_equal(vml_sim_touch(sim, pid, an, an + 2 * MiB, PG, VML_WRITE, &res), 0);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS_ROLLUP, 0, 0, "FilePmdMapped"),
                     4096);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS_ROLLUP, 0, 0, "AnonHugePages"),
                     2048);
    assert_int_equal(meminfo_kb(sim, "AnonHugePages"), 2048);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 4096);
    assert_int_equal(vml_sim_munmap(sim, pid, an, 2 * MiB), 0);
    fixture_check(sim);
    assert_int_equal(vml_sim_munmap(sim, pid, m + 1 * MiB, PG), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd), 1);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 2048);
    assert_int_equal(meminfo_kb(sim, "Mapped"), 2048);
    assert_int_equal(status_kb(sim, pid, "RssFile"), 2048);
    assert_int_equal(status_kb(sim, pid, "VmPTE"), pte0 + 8);
    /* The cut folio stays cached, whole: FileHugePages unchanged. */
    assert_int_equal(meminfo_kb(sim, "FileHugePages"), 4096);
    fixture_check(sim);
    /* A store to the other PMD (read-only: write-notify) zaps it and maps it again writable
     * and dirty in the same fault: 1 fault, 1 more split, 1 more PMD mapping. */
    res = (struct vml_sim_access){ 0 };
    assert_int_equal(vml_sim_touch(sim, pid, m + 2 * MiB, m + 2 * MiB + PG, PG, VML_WRITE, &res),
                     0);
    assert_int_equal(res.minor + res.major, 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_file_mapped), 3);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 2048);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Two processes map the same folios: the child of a fork inherits no file PMD (copy_huge_pmd
 * skips them): Rss 0 until it reads; its read maps both folios by PMDs again (2 faults).
 * FilePmdMapped stays 4096 kB (a folio counts once), each process's Pss is half its Rss, and
 * the parent's exit leaves the child's PMDs: still 4096 kB. */
static void test_fork_and_share(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(256 * MiB, NULL, 0);
    int p, c, f;
    uint64_t m;
    struct vml_sim_access res = { 0 };
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 4 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, p, f, 0, 4 * MiB, 2 * MiB), 0);
    assert_int_equal(
        vml_sim_mmap(sim, p, AT, 4 * MiB, VML_PROT_READ, VML_MAP_PRIVATE | VML_MAP_FIXED, f, 0, &m),
        0);
    assert_int_equal(vml_sim_touch(sim, p, m, m + 4 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(vml_sim_fork(sim, p, &c), 0);
    assert_int_equal(smaps_kb(sim, c, m, 4 * MiB, "Rss"), 0);
    res = (struct vml_sim_access){ 0 };
    assert_int_equal(vml_sim_touch(sim, c, m, m + 4 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(res.minor + res.major, 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_file_mapped), 4);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 4096);
    assert_int_equal(smaps_kb(sim, c, m, 4 * MiB, "FilePmdMapped"), 4096);
    assert_int_equal(smaps_kb(sim, c, m, 4 * MiB, "Pss"), 2048);
    assert_int_equal(smaps_kb(sim, p, m, 4 * MiB, "Pss"), 2048);
    fixture_check(sim);
    assert_int_equal(vml_sim_exit(sim, p), 0);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 4096);
    assert_int_equal(smaps_kb(sim, c, m, 4 * MiB, "Pss"), 4096);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* No PMD: MADV_NOHUGEPAGE (vma_thp_disabled), a VMA whose address and file offset disagree
 * modulo 2 MiB (file offset 4 KiB at a 2 MiB boundary: thp_vma_suitable_order), and a VMA that
 * does not hold the whole 2 MiB. Each maps the folio by PTEs, whole where it lies inside the VMA
 * and one page table (1 fault), else fault-around's 16 pages a fault. */
static void test_no_pmd(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(256 * MiB, NULL, 0);
    int p, f;
    uint64_t a, b, c;
    struct vml_sim_access res = { 0 };
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 6 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, p, f, 0, 6 * MiB, 2 * MiB), 0);
    /* a: [0, 4M) of the file with MADV_NOHUGEPAGE: 2 faults (each folio whole by PTEs). */
    assert_int_equal(
        vml_sim_mmap(sim, p, AT, 4 * MiB, VML_PROT_READ, VML_MAP_PRIVATE | VML_MAP_FIXED, f, 0, &a),
        0);
    assert_int_equal(vml_sim_madvise(sim, p, a, 4 * MiB, VML_MADV_NOHUGEPAGE), 0);
    assert_int_equal(vml_sim_touch(sim, p, a, a + 4 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(res.minor + res.major, 2);
    /* b: 2 MiB from file offset 4 KiB at a 2 MiB boundary: no folio lies inside the VMA, so
     * fault-around maps 16 pages a fault: 512 / 16 = 32 faults. */
    res = (struct vml_sim_access){ 0 };
    assert_int_equal(vml_sim_mmap(sim, p, AT + 8 * MiB, 2 * MiB, VML_PROT_READ,
                                  VML_MAP_PRIVATE | VML_MAP_FIXED, f, PG, &b),
                     0);
    assert_int_equal(vml_sim_touch(sim, p, b, b + 2 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(res.minor + res.major, 32);
    /* c: 1 MiB of the folio at file offset 2M (one that does not end the file): 256 pages,
     * 16 a fault: 16 faults. */
    res = (struct vml_sim_access){ 0 };
    assert_int_equal(vml_sim_mmap(sim, p, AT + 12 * MiB, 1 * MiB, VML_PROT_READ,
                                  VML_MAP_PRIVATE | VML_MAP_FIXED, f, 2 * MiB, &c),
                     0);
    assert_int_equal(vml_sim_touch(sim, p, c, c + 1 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(res.minor + res.major, 16);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_file_mapped), 0);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* When no block of the order can be had, the folio is made smaller. The hugetlb pool takes
 * every 2 MiB block of a 64 MiB machine (set_max_huge_pages: 31 of them; what is left free is
 * one block of each order 0..8, 2044 kB); two given back are 4 MiB that a process fills with
 * 4 KiB pages and then frees every other one of: about 4 MiB free and no block of order 9
 * (compaction cannot make one either: it needs twice the block free above the watermark,
 * compaction_suitable). A 2 MiB write(2) asks for a PMD-sized folio and gets smaller ones
 * (__filemap_get_folio tries the next order down), each still one block: FileHugePages 0,
 * nothing PMD-mapped when a mapping reads it at a 2 MiB boundary (readahead, finding no
 * order-9 block either, reads what reclaim evicted in smaller folios: page_cache_ra_order's
 * fallback). */
static void test_fallback(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_oom(64 * MiB, NULL, 0, false);
    uint64_t nr;
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 1000, &nr), 0);
    assert_int_equal(nr, 31);
    assert_int_equal(meminfo_kb(sim, "MemFree"), 2044);
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 29, &nr), 0);
    int p, f, e;
    uint64_t m, a;
    struct vml_sim_access res = { 0 };
    assert_int_equal(vml_sim_spawn(sim, "e", &e), 0);
    assert_int_equal(vml_sim_mmap(sim, e, 0, 4 * MiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &a),
                     0);
    assert_int_equal(vml_sim_madvise(sim, e, a, 4 * MiB, VML_MADV_NOHUGEPAGE), 0);
    assert_int_equal(vml_sim_touch(sim, e, a, a + 4 * MiB, PG, VML_WRITE, &res), 0);
    for (uint64_t o = 0; o < 4 * MiB; o += 2 * PG)
        assert_int_equal(vml_sim_madvise(sim, e, a + o, PG, VML_MADV_DONTNEED), 0);
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 2 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, p, f, 0, 2 * MiB, 2 * MiB), 0);
    const struct sim_file *sf = sim_file(sim, f);
    /* Memory is short: reclaim writes back and evicts the first folios while the write goes
     * on, so only those still cached are looked at: each smaller than PMD size, one block. */
    uint64_t cached = 0;
    for (uint64_t i = 0; i < 512;) {
        uint64_t n = 1ull << cache_order(sf, i);
        if (cache_lookup(sf, i, NULL)) {
            assert_true(n < 512);
            assert_one_block(sim, f, i, n);
            cached += n;
        }
        i += n;
    }
    assert_true(cached > 0);
    assert_int_equal(meminfo_kb(sim, "FileHugePages"), 0);
    assert_int_equal(
        vml_sim_mmap(sim, p, AT, 2 * MiB, VML_PROT_READ, VML_MAP_PRIVATE | VML_MAP_FIXED, f, 0, &m),
        0);
    assert_int_equal(vml_sim_touch(sim, p, m, m + 2 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* mlock of a PMD-mapped file range locks the folios' pages (mlock_vma_pages_range: Mlocked
 * 4096 kB for two PMDs), munlock takes them back; a PMD cut by munmap inside a locked range is
 * zapped and its 512 pages leave Mlocked: 2048 kB. */
static void test_mlock(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(256 * MiB, NULL, 0);
    int p, f;
    uint64_t m;
    struct vml_sim_access res = { 0 };
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 4 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, p, f, 0, 4 * MiB, 2 * MiB), 0);
    assert_int_equal(
        vml_sim_mmap(sim, p, AT, 4 * MiB, VML_PROT_READ, VML_MAP_SHARED | VML_MAP_FIXED, f, 0, &m),
        0);
    assert_int_equal(vml_sim_touch(sim, p, m, m + 4 * MiB, PG, VML_READ, &res), 0);
    assert_int_equal(vml_sim_mlock(sim, p, m, 4 * MiB), 0);
    assert_int_equal(meminfo_kb(sim, "Mlocked"), 4096);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 4096);
    fixture_check(sim);
    assert_int_equal(vml_sim_munlock(sim, p, m, 4 * MiB), 0);
    assert_int_equal(meminfo_kb(sim, "Mlocked"), 0);
    assert_int_equal(vml_sim_mlock(sim, p, m, 4 * MiB), 0);
    assert_int_equal(vml_sim_munmap(sim, p, m + 1 * MiB, PG), 0);
    assert_int_equal(meminfo_kb(sim, "Mlocked"), 2048);
    assert_int_equal(meminfo_kb(sim, "FilePmdMapped"), 2048);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_and_cut), cmocka_unit_test(test_fork_and_share),
        cmocka_unit_test(test_no_pmd),      cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_mlock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
