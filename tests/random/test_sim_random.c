/* test_sim_random.c: randomized operations on the simulated kernel with the invariant checker
 * after every one: frames conserved, mapcounts equal present mappings, RSS counters equal the
 * page tables, no stale TLB entries, PSS sums to the mapped memory.
 *
 * Several processes (spawned and forked) map, unmap, protect, advise, lock, touch and exit in a
 * small address window so that operations overlap. Some mappings are hugetlb (2 MiB pages in
 * the window; 1 GiB pages at a 1 GiB-aligned spot of their own, on the seeds whose machine has
 * room for a 1 GiB pool) and the pools are resized as the program runs. Transparent huge
 * pages: half the seeds run enabled=always, half madvise, and half map the (huge) zero page;
 * two seeds in three enable mTHP sizes; anonymous mappings are often advised MADV_HUGEPAGE,
 * ranges get MADV_HUGEPAGE, NOHUGEPAGE and COLLAPSE, processes prctl(PR_SET_THP_DISABLE), so that
 * THPs are split by partial munmap, mprotect and DONTNEED, shared by fork and freed by exit. Fixed
 * seeds; the failing seed, step and operation are printed; VMLAB_SEED and VMLAB_OPS override them
 * (random_seeds.h).
 */
#include "vmlab/vmlab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "random_seeds.h"

#define MAX_PROCS 12
#define WINDOW    (16ull << 20) /* fixed mappings land in [base, base + WINDOW) */
#define RECENT    16            /* ranges recently mapped, where most touches go */
#define BASE      0x200000000ull
#define BASE_1G   0x4000000000ull /* the 1 GiB hugetlb mappings */
#define HUGE_2M   (2ull << 20)
#define HUGE_1G   (1ull << 30)

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t below(uint64_t n)
{
    return n ? next() % n : 0;
}

struct state {
    struct vml_sim *sim;
    uint64_t recent[RECENT][2]; /* start, length of recent successful mmaps */
    int pids[MAX_PROCS];
    int n;
    int files[3];
    bool gigantic; /* the machine has a 1 GiB pool */
};

static char last_op[200];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_op, sizeof(last_op), fmt, ap);
    va_end(ap);
}

/* Drops processes that died (SIGSEGV) from the list. */
static void reap(struct state *s)
{
    for (int i = 0; i < s->n;) {
        if (vml_sim_status_of(s->sim, s->pids[i], NULL) != 0)
            s->pids[i] = s->pids[--s->n];
        else
            i++;
    }
}

/* A random page-aligned range inside the window. */
static void range(uint64_t *start, uint64_t *len)
{
    uint64_t pages = WINDOW >> 12;
    uint64_t first = below(pages);
    uint64_t n = 1 + below(next() % 4 == 0 ? 2048 : 64);
    if (below(4) == 0) { /* huge page aligned, to split hugetlb mappings where they allow */
        first &= ~511ull;
        n = (1 + below(4)) << 9;
    }
    if (first + n > pages)
        n = pages - first;
    *start = BASE + (first << 12);
    *len = n << 12;
}

static unsigned prot(void)
{
    static const unsigned p[] = { VML_PROT_NONE, VML_PROT_READ, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_PROT_READ | VML_PROT_WRITE, VML_PROT_READ | VML_PROT_EXEC };
    return p[below(5)];
}

static int step(struct state *s)
{
    int r = 0;
    if (s->n == 0) {
        note("spawn");
        return vml_sim_spawn(s->sim, "p", &s->pids[s->n++]);
    }
    int pid = s->pids[below((uint64_t)s->n)];
    uint64_t a, len, out;
    switch (below(24)) {
    case 0:
    case 1:
    case 2: {
        range(&a, &len);
        unsigned flags = VML_MAP_FIXED | (below(4) ? VML_MAP_PRIVATE : VML_MAP_SHARED);
        int file = -1;
        uint64_t off = 0;
        if (below(3) == 0) {
            file = s->files[below(3)];
            off = below(256) << 12;
        } else {
            flags |= VML_MAP_ANONYMOUS;
        }
        if (below(8) == 0)
            flags |= VML_MAP_POPULATE;
        if (file < 0 && below(4) == 0) {
            /* hugetlb: 2 MiB pages in the window, or a 1 GiB page */
            flags |= VML_MAP_HUGETLB | (below(4) ? VML_MAP_NORESERVE : 0);
            if (s->gigantic && below(8) == 0) {
                flags |= VML_MAP_HUGE_1GB;
                a = BASE_1G + below(2) * HUGE_1G;
                len = HUGE_1G;
            } else {
                flags |= below(2) ? VML_MAP_HUGE_2MB : 0;
                a &= below(8) ? ~(HUGE_2M - 1) : ~0ull;
                len = (1 + below(3)) * HUGE_2M - (below(8) ? 0 : 4096);
            }
        }
        unsigned p = prot();
        note("pid %d mmap %#llx+%#llx prot %u flags %#x file %d off %#llx", pid,
             (unsigned long long)a, (unsigned long long)len, p, flags, file,
             (unsigned long long)off);
        r = vml_sim_mmap(s->sim, pid, a, len, p, flags, file, off, &out);
        if (r == 0) {
            uint64_t *slot = s->recent[below(RECENT)];
            slot[0] = a;
            slot[1] = len;
            /* Under enabled=madvise THPs need the advice: half the anonymous mappings get it. */
            if (file < 0 && !(flags & VML_MAP_HUGETLB) && below(2))
                r = vml_sim_madvise(s->sim, pid, a, len, VML_MADV_HUGEPAGE);
        }
        break;
    }
    case 3:
        range(&a, &len);
        note("pid %d munmap %#llx+%#llx", pid, (unsigned long long)a, (unsigned long long)len);
        r = vml_sim_munmap(s->sim, pid, a, len);
        break;
    case 4:
    case 5: {
        range(&a, &len);
        unsigned p = prot();
        note("pid %d mprotect %#llx+%#llx %u", pid, (unsigned long long)a, (unsigned long long)len,
             p);
        r = vml_sim_mprotect(s->sim, pid, a, len, p);
        if (r == VML_ENOMEM)
            r = 0; /* a hole in the range: Linux's answer too */
        break;
    }
    case 6:
        range(&a, &len);
        note("pid %d madvise dontneed %#llx+%#llx", pid, (unsigned long long)a,
             (unsigned long long)len);
        r = vml_sim_madvise(s->sim, pid, a, len, VML_MADV_DONTNEED);
        if (r == VML_ENOMEM || r == VML_EINVAL)
            r = 0; /* holes, or locked VMAs */
        break;
    case 7:
        range(&a, &len);
        note("pid %d %s %#llx+%#llx", pid, below(2) ? "mlock" : "munlock", (unsigned long long)a,
             (unsigned long long)len);
        r = below(2) ? vml_sim_mlock(s->sim, pid, a, len) : vml_sim_munlock(s->sim, pid, a, len);
        if (r == VML_ENOMEM)
            r = 0;
        break;
    case 8:
        if (s->n < MAX_PROCS) {
            note("pid %d fork", pid);
            r = vml_sim_fork(s->sim, pid, &s->pids[s->n]);
            if (r == 0)
                s->n++;
        }
        break;
    case 9:
        if (below(4) == 0) {
            note("pid %d exit", pid);
            r = vml_sim_exit(s->sim, pid);
            reap(s);
        }
        break;
    case 10:
        note("pid %d brk", pid);
        vml_sim_brk(s->sim, pid, 0, &out);
        r = vml_sim_brk(s->sim, pid, below(2) ? out + below(1 << 20) : out - below(out & 0xfffff),
                        &out);
        break;
    case 11:
        if (below(3) == 0) {
            enum vml_huge_size hs = s->gigantic && below(4) == 0 ? VML_HUGE_1G : VML_HUGE_2M;
            uint64_t count = hs == VML_HUGE_1G ? below(3) : below(48);
            note("nr_hugepages[%d] = %llu", (int)hs, (unsigned long long)count);
            r = vml_sim_set_nr_hugepages(s->sim, hs, count, NULL);
            break;
        }
        note("cpu run pid %d", pid);
        r = vml_sim_run_on(s->sim, (unsigned)below(2), pid);
        break;
    case 12:
    case 13: {
        /* THP advice: hugepage_madvise (VMAs split or merged), or madvise_collapse. */
        static const int advice[] = { VML_MADV_HUGEPAGE, VML_MADV_HUGEPAGE, VML_MADV_NOHUGEPAGE,
                                      VML_MADV_COLLAPSE };
        static const char *const names[] = { "hugepage", "hugepage", "nohugepage", "collapse" };
        unsigned k = (unsigned)below(4);
        range(&a, &len);
        note("pid %d madvise %s %#llx+%#llx", pid, names[k], (unsigned long long)a,
             (unsigned long long)len);
        r = vml_sim_madvise(s->sim, pid, a, len, advice[k]);
        if (r == VML_ENOMEM || r == VML_EINVAL)
            r = 0; /* holes, VMAs THP may not use, empty PMDs, no free 2 MiB block */
        break;
    }
    case 14: {
        bool on = below(3) == 0;
        note("pid %d prctl thp_disable %d", pid, on);
        r = vml_sim_set_thp_disable(s->sim, pid, on);
        break;
    }
    default: {
        /* Mostly inside a recent mapping (of any process: it may be gone), so that processes
         * live long enough to fill TLBs that later changes must invalidate. */
        range(&a, &len);
        const uint64_t *rc = s->recent[below(RECENT)];
        if (below(8) && rc[1]) {
            uint64_t off = below(rc[1] >> 12) << 12;
            a = rc[0] + off;
            len = (1 + below((rc[1] - off) >> 12)) << 12;
        }
        bool big = len > (64ull << 20);
        struct vml_sim_access res;
        static const enum vml_access kinds[] = { VML_READ,  VML_READ,  VML_WRITE,
                                                 VML_WRITE, VML_WRITE, VML_EXEC };
        enum vml_access acc = kinds[below(6)];
        uint64_t stride = big ? (64ull << 20) : below(2) ? 4096 : 4096 * (1 + below(8));
        note("pid %d touch %#llx+%#llx %d stride %#llx", pid, (unsigned long long)a,
             (unsigned long long)len, acc, (unsigned long long)stride);
        r = vml_sim_touch(s->sim, pid, a, a + len, stride, acc, &res);
        if (res.killed)
            reap(s);
        break;
    }
    }
    /* Errors a random program earns (EINVAL for bad offsets, EEXIST ...) are fine; host
     * failures and broken invariants are not. */
    return r == VML_EHOST ? r : 0;
}

static int run_seed(uint64_t seed, unsigned long ops)
{
    rng = seed;
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    /* Half the seeds have room for 1 GiB pages (a free 1 GiB block on each node). */
    bool gigantic = seed & 2;
    cfg.phys.ram_bytes = gigantic ? 4ull << 30 : 1ull << 30;
    cfg.phys.nr_nodes = 2;
    cfg.nr_hugepages[VML_HUGE_2M] = 16;
    cfg.nr_hugepages[VML_HUGE_1G] = gigantic ? 1 : 0;
    cfg.nr_cpus = 2;
    cfg.paging = 4;
    struct vml_thp_settings thp;
    vml_thp_defaults(&thp);
    thp.enabled = seed % 4 < 2 ? VML_THP_ALWAYS : VML_THP_MADVISE;
    /* mTHP sizes on two seeds in three: faults then map 16..256 kB folios by PTEs, which
     * partial munmap, mprotect, DONTNEED, COW and exit cut as they cut split THPs. */
    if (seed % 3 == 1) {
        thp.size_enabled[2] = VML_MTHP_ALWAYS;  /* 16 kB */
        thp.size_enabled[4] = VML_MTHP_INHERIT; /* 64 kB */
    } else if (seed % 3 == 2) {
        thp.size_enabled[3] = VML_MTHP_MADVISE; /* 32 kB */
        thp.size_enabled[6] = VML_MTHP_ALWAYS;  /* 256 kB */
    }
    cfg.thp = &thp;
    cfg.no_zero_page = !(seed & 1);
    vml_cpu_model_parse(seed & 1 ? "skylake" : "zen3:pcid=off", &cfg.cpu, NULL);
    struct state s = { .gigantic = gigantic };
    if (vml_sim_create(&cfg, &s.sim, NULL)) {
        fprintf(stderr, "seed %#llx: cannot create the machine\n", (unsigned long long)seed);
        return 1;
    }
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%d", i);
        vml_sim_file_create(s.sim, name, (i + 1) << 20, i == 2, &s.files[i]);
    }
    char why[300];
    for (unsigned long i = 0; i < ops; i++) {
        int r = step(&s);
        if (r || vml_sim_check(s.sim, why, sizeof(why))) {
            fprintf(stderr, "seed %#llx step %lu (%s): %s\n", (unsigned long long)seed, i, last_op,
                    r ? vml_strerror(r) : why);
            vml_sim_destroy(s.sim);
            return 1;
        }
    }
    vml_sim_destroy(s.sim);
    return 0;
}

int main(void)
{
    static const uint64_t seeds[] = { 0x5eed0001, 0x5eed0002, 0x5eed0003, 0x5eed0004 };
    const size_t n = sizeof(seeds) / sizeof(seeds[0]);
    int bad = run_seeds(run_seed, seeds, n, 30000);
    if (!bad)
        printf("test_sim_random: invariants held after every operation\n");
    return bad != 0;
}
