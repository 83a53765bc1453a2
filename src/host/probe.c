/* host/probe.c: probes of the running kernel's traits that the simulator must follow.
 *
 * A probe must not be fooled by the process it runs in. An anonymous mapping made with
 * mmap(NULL, ...) lands next to the process's own anonymous memory and, with equal flags, merges
 * with it (vma_merge_new_range): its smaps block then counts the neighbour's pages too. That is
 * how an earlier probe concluded "no zero page" on kernels that map it. So every probe here
 * reserves its region with PROT_NONE guard pages on both sides, makes only the middle
 * accessible (its flags now differ from both guards, so it merges with nothing), and reads the
 * smaps block that starts and ends exactly at its region.
 */
#define _GNU_SOURCE /* MADV_NOHUGEPAGE */

#include "host/probe.h"

#include "util/text.h"
#include "vmlab/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PAGE 4096ull

/* An accessible region [mid, mid + len) between two PROT_NONE guard pages, aligned to align
 * (a power of two, at least a page) inside a reservation of len + align + 2 pages. */
struct isolated {
    unsigned char *base;
    size_t total;
    unsigned char *mid;
    size_t len;
};

static int isolate(size_t len, size_t align, struct isolated *iso)
{
    iso->total = len + align + 2 * PAGE;
    iso->base =
        mmap(NULL, iso->total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (iso->base == MAP_FAILED)
        return VML_EHOST;
    uintptr_t m = ((uintptr_t)iso->base + PAGE + align - 1) & ~(uintptr_t)(align - 1);
    iso->mid = (unsigned char *)m;
    iso->len = len;
    if (mprotect(iso->mid, len, PROT_READ | PROT_WRITE) != 0) {
        munmap(iso->base, iso->total);
        return VML_EHOST;
    }
    /* Only 4 KiB pages: under THP=always a read of a PMD-sized aligned range could map the
     * huge zero page, and a write fault could take a huge page. */
    madvise(iso->mid, len, MADV_NOHUGEPAGE);
    return 0;
}

static void release(struct isolated *iso)
{
    munmap(iso->base, iso->total);
}

static int read_all(const char *path, struct vml_text *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return VML_EHOST;
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        text_append(out, buf, (size_t)n);
    close(fd);
    return n < 0 ? VML_EHOST : text_status(out);
}

/* The smaps block of the VMA that starts at start: its end and Rss. VML_ENOENT if none. */
static int smaps_block(uint64_t start, uint64_t *end, uint64_t *rss_kb)
{
    struct vml_text t = { 0 };
    int r = read_all("/proc/self/smaps", &t);
    if (r == 0)
        r = VML_ENOENT;
    for (const char *line = t.s; line && line < t.s + t.len;) {
        const char *nl = memchr(line, '\n', (size_t)(t.s + t.len - line));
        char *rest;
        unsigned long long lo = strtoull(line, &rest, 16);
        if (rest != line && *rest == '-' && lo == start) {
            *end = strtoull(rest + 1, NULL, 16);
            const char *rss = strstr(line, "\nRss:");
            if (rss) {
                *rss_kb = strtoull(rss + 5, NULL, 10);
                r = 0;
            }
            break;
        }
        line = nl ? nl + 1 : t.s + t.len;
    }
    vml_text_free(&t);
    return r;
}

int probe_zero_page_measure(struct zp_reading *r)
{
    memset(r, 0, sizeof(*r));
    struct isolated iso;
    size_t len = PROBE_ZP_PAGES * PAGE;
    int e = isolate(len, PAGE, &iso);
    if (e)
        return e;
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += PAGE)
        sum += ((volatile unsigned char *)iso.mid)[i];
    r->pages = PROBE_ZP_PAGES;
    r->vma_start = (uintptr_t)iso.mid;
    e = smaps_block((uintptr_t)iso.mid, &r->vma_end, &r->rss_kb);
    /* pagemap: bit 63 present, bit 56 exclusively mapped, bits 0-54 the PFN (0 unless the
     * reader has CAP_SYS_ADMIN). */
    uint64_t pm[PROBE_ZP_PAGES];
    int fd = e ? -1 : open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (e == 0 && (fd < 0 || pread(fd, pm, sizeof(pm), (off_t)((uintptr_t)iso.mid / PAGE * 8)) !=
                                 (ssize_t)sizeof(pm)))
        e = VML_EHOST;
    if (fd >= 0)
        close(fd);
    for (unsigned i = 0; e == 0 && i < PROBE_ZP_PAGES; i++) {
        uint64_t pfn = pm[i] & ((1ull << 55) - 1);
        r->present += (unsigned)(pm[i] >> 63);
        r->exclusive += (unsigned)((pm[i] >> 56) & 1);
        bool seen = pfn == 0;
        for (unsigned k = 0; k < i && !seen; k++)
            seen = (pm[k] & ((1ull << 55) - 1)) == pfn;
        r->distinct_pfns += !seen;
    }
    release(&iso);
    if (e == 0 && sum != 0)
        e = VML_EINVAL; /* untouched anonymous memory reads as zeros, always */
    return e;
}

int probe_zero_page_decide(const struct zp_reading *r, bool *uses)
{
    if (r->pages == 0 || r->vma_end - r->vma_start != r->pages * PAGE || r->present != r->pages)
        return VML_EINVAL;
    if (r->rss_kb == 0 && r->exclusive == 0 && r->distinct_pfns <= 1) {
        *uses = true;
        return 0;
    }
    if (r->rss_kb == r->pages * PAGE / 1024 && r->exclusive == r->pages &&
        (r->distinct_pfns == 0 || r->distinct_pfns == r->pages)) {
        *uses = false;
        return 0;
    }
    return VML_EINVAL;
}

int vml_host_zero_page(bool *uses)
{
    struct zp_reading r;
    int e = probe_zero_page_measure(&r);
    return e ? e : probe_zero_page_decide(&r, uses);
}

/* VmPTE of this process, read without allocating (an allocation could add page tables). */
static int vm_pte_kb(uint64_t *kb)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return VML_EHOST;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return VML_EHOST;
    buf[n] = 0;
    const char *p = strstr(buf, "\nVmPTE:");
    if (!p)
        return VML_ENOENT;
    *kb = strtoull(p + 7, NULL, 10);
    return 0;
}

int probe_pt_reclaim_measure(struct ptr_reading *r)
{
    memset(r, 0, sizeof(*r));
    const size_t pmd = 2ull << 20;
    struct isolated iso;
    int e = isolate(pmd, pmd, &iso);
    if (e)
        return e;
    /* The aligned 2 MiB holds nothing else of the process, so the one write below makes a PTE
     * table of its own (and upper tables if the region is new to the process). */
    if ((e = vm_pte_kb(&r->pte_before_kb)) == 0) {
        ((volatile unsigned char *)iso.mid)[0] = 1;
        e = vm_pte_kb(&r->pte_touched_kb);
    }
    if (e == 0 && madvise(iso.mid, pmd, MADV_DONTNEED) != 0)
        e = VML_EHOST;
    if (e == 0)
        e = vm_pte_kb(&r->pte_after_kb);
    release(&iso);
    return e;
}

int probe_pt_reclaim_decide(const struct ptr_reading *r, bool *reclaims)
{
    if (r->pte_touched_kb < r->pte_before_kb + 4)
        return VML_EINVAL;
    if (r->pte_after_kb == r->pte_touched_kb) {
        *reclaims = false;
        return 0;
    }
    if (r->pte_after_kb + 4 == r->pte_touched_kb) {
        *reclaims = true;
        return 0;
    }
    return VML_EINVAL;
}

int vml_host_pt_reclaim(bool *reclaims)
{
    struct ptr_reading r;
    int e = probe_pt_reclaim_measure(&r);
    return e ? e : probe_pt_reclaim_decide(&r, reclaims);
}

/* The backing device's read_ahead_kb is its queue's (blk_apply_bdi_limits sets bdi->ra_pages
 * from it); a partition has none of its own and uses its disk's, one directory up. */
int vml_host_readahead(const char *dir, uint64_t *bytes)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return VML_ENOENT;
    if (major(st.st_dev) == 0)
        return VML_EINVAL; /* tmpfs, overlay, btrfs: no block device of its own */
    static const char *const forms[] = { "/sys/dev/block/%u:%u/queue/read_ahead_kb",
                                         "/sys/dev/block/%u:%u/../queue/read_ahead_kb" };
    for (unsigned i = 0; i < 2; i++) {
        char path[96], buf[32];
        snprintf(path, sizeof(path), forms[i], major(st.st_dev), minor(st.st_dev));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = 0;
        char *end;
        unsigned long long kb = strtoull(buf, &end, 10);
        if (end == buf || (*end && *end != '\n'))
            continue;
        *bytes = (uint64_t)kb << 10;
        return 0;
    }
    return VML_ENOENT;
}

/* The VmFlags line of the smaps block that starts at start, into buf. VML_ENOENT if none. */
static int smaps_vm_flags(uint64_t start, char *buf, size_t len)
{
    struct vml_text t = { 0 };
    int r = read_all("/proc/self/smaps", &t);
    if (r == 0)
        r = VML_ENOENT;
    for (const char *line = t.s; line && line < t.s + t.len;) {
        const char *nl = memchr(line, '\n', (size_t)(t.s + t.len - line));
        char *rest;
        unsigned long long lo = strtoull(line, &rest, 16);
        if (rest != line && *rest == '-' && lo == start) {
            const char *f = strstr(line, "\nVmFlags:");
            if (f) {
                f += 9;
                snprintf(buf, len, "%.*s", (int)strcspn(f, "\n"), f);
                r = 0;
            }
            break;
        }
        line = nl ? nl + 1 : t.s + t.len;
    }
    vml_text_free(&t);
    return r;
}

/* CONFIG_MEM_SOFT_DIRTY: __mmap_region sets VM_SOFTDIRTY on every new VMA, which smaps shows as
 * "sd"; a kernel without it never shows the word. */
int vml_host_soft_dirty(bool *has)
{
    struct isolated iso;
    int e = isolate(PAGE, PAGE, &iso);
    if (e)
        return e;
    char flags[256];
    e = smaps_vm_flags((uint64_t)(uintptr_t)iso.mid, flags, sizeof(flags));
    release(&iso);
    if (e)
        return e;
    *has = strstr(flags, " sd") != NULL;
    return 0;
}

/* Since 6.7, __get_unmapped_area gives an anonymous mapping without a hint whose length is a
 * whole number of PMDs to thp_get_unmapped_area_vmflags, which pads the search by 2 MiB and
 * aligns the result; before, it lands wherever the top-down search stops. A 4 KiB mapping first
 * leaves the next free address unaligned; a 2 MiB mapping then lands aligned on an aligning
 * kernel, and aligned by chance (one time in 512) otherwise: three aligned results in a row,
 * each after another 4 KiB mapping, are taken as alignment, an unaligned one as none. */
int vml_host_anon_thp_align(bool *aligns)
{
    const size_t pmd = 2ull << 20;
    void *small[3] = { MAP_FAILED, MAP_FAILED, MAP_FAILED };
    int e = 0;
    unsigned aligned = 0;
    for (unsigned i = 0; i < 3 && e == 0; i++) {
        small[i] = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        void *big = mmap(NULL, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (small[i] == MAP_FAILED || big == MAP_FAILED) {
            e = VML_EHOST;
        } else if (((uintptr_t)big & (pmd - 1)) == 0) {
            aligned++;
        } else {
            munmap(big, pmd);
            break;
        }
        if (big != MAP_FAILED)
            munmap(big, pmd);
    }
    for (unsigned i = 0; i < 3; i++)
        if (small[i] != MAP_FAILED)
            munmap(small[i], PAGE);
    if (e)
        return e;
    *aligns = aligned == 3;
    return 0;
}
