/* mm/mmap_layout.c: a process's address-space layout at exec, and mmap placement.
 *
 * Layout (x86-64, Linux 6.18), with ASLR off (setarch -R) and the defaults:
 *   stack    [0x7ffffffde000, 0x7ffffffff000)  132 KiB: 128 KiB expansion + one page of args
 *   mmap_base 0x7ffff7fff000                   DEFAULT_MAP_WINDOW - 128 MiB (the minimum gap)
 *   program   0x555555554000                   ELF_ET_DYN_BASE = window / 3 * 2, page aligned
 *   heap      start_brk = PAGE_ALIGN(program + image_bytes)
 *   legacy base 0x2aaaaaaab000                 PAGE_ALIGN(window / 3)
 * With ASLR on, the offsets Linux draws from get_random_long() are drawn, in exec's order,
 * from a splitmix64 stream seeded with the configured seed, so a seed gives one layout.
 */
#include "mm/vma.h"

#include <string.h>

#define PAGE_OFF       (VMA_PAGE_SIZE - 1)
#define SIZE_128M      (128ull << 20)
#define STACK_RND_MASK 0x3fffffull    /* arch/x86/include/asm/elf.h: __STACK_RND_MASK (64-bit) */
#define STACK_EXPAND   (128ull << 10) /* fs/exec.c: setup_arg_pages: stack_expand = 131072 */
#define BRK_RND_RANGE  (1ull << 30)   /* arch/x86/kernel/process.c: arch_randomize_brk, SZ_1G */

static uint64_t page_align(uint64_t x)
{
    return (x + PAGE_OFF) & ~PAGE_OFF;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Stands in for get_random_long(). */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void mmap_layout_config_default(struct mmap_layout_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->paging_levels = 4;
    cfg->mmap_rnd_bits = 28;
    cfg->rlimit_stack = 8ull << 20;
    cfg->stack_guard_gap = VMA_DEFAULT_STACK_GUARD_GAP;
    cfg->mmap_min_addr = MMAP_DEFAULT_MMAP_MIN_ADDR;
    cfg->image_bytes = 64ull << 10;
    cfg->stack_arg_bytes = VMA_PAGE_SIZE;
}

int mmap_layout_init(struct mmap_layout *l, const struct mmap_layout_config *cfg)
{
    if ((cfg->paging_levels != 4 && cfg->paging_levels != 5) || cfg->mmap_rnd_bits < 28 ||
        cfg->mmap_rnd_bits > 32 || (cfg->stack_guard_gap & PAGE_OFF) ||
        cfg->rlimit_stack < VMA_PAGE_SIZE || cfg->image_bytes > (1ull << 40) ||
        cfg->stack_arg_bytes > cfg->rlimit_stack)
        return VML_EINVAL;
    memset(l, 0, sizeof(*l));
    l->levels = cfg->paging_levels;
    l->task_size = l->levels == 5 ? MMAP_TASK_SIZE_5LEVEL : MMAP_TASK_SIZE_4LEVEL;
    l->map_window = MMAP_DEFAULT_MAP_WINDOW;
    l->topdown = !cfg->legacy;
    l->mmap_min_addr = cfg->mmap_min_addr;
    l->no_anon_thp_align = cfg->no_anon_thp_align;
    l->stack_guard_gap = cfg->stack_guard_gap;
    uint64_t seed = cfg->seed, rnd_mask = (1ull << cfg->mmap_rnd_bits) - 1;

    /* arch/x86/mm/mmap.c: arch_pick_mmap_layout, with task_size_64bit(0) = the 47-bit window
     * in both paging modes; arch_rnd */
    uint64_t rnd = cfg->aslr ? (splitmix(&seed) & rnd_mask) << VMA_PAGE_SHIFT : 0;
    /* arch/x86/mm/mmap.c: mmap_base */
    uint64_t gap = cfg->rlimit_stack;
    uint64_t pad = (cfg->aslr ? STACK_RND_MASK << VMA_PAGE_SHIFT : 0) + cfg->stack_guard_gap;
    if (gap + pad > gap)
        gap += pad;
    uint64_t gap_max = l->map_window / 6 * 5;
    if (gap < SIZE_128M)
        gap = SIZE_128M;
    if (gap > gap_max)
        gap = gap_max;
    l->mmap_base = page_align(l->map_window - gap - rnd);
    /* arch/x86/mm/mmap.c: mmap_legacy_base: __TASK_UNMAPPED_BASE + rnd */
    l->mmap_legacy_base = page_align(l->map_window / 3) + rnd;

    /* fs/exec.c: setup_arg_pages(bprm, randomize_stack_top(STACK_TOP)); STACK_TOP is the
     * window in both modes */
    uint64_t top = page_align(l->map_window);
    if (cfg->aslr) {
        top -= (splitmix(&seed) & STACK_RND_MASK) << VMA_PAGE_SHIFT; /* randomize_stack_top */
        top -= splitmix(&seed) % 8192;                               /* arch_align_stack */
        top = page_align(top & ~0xfull);
    }
    uint64_t args = page_align(cfg->stack_arg_bytes ? cfg->stack_arg_bytes : 1);
    uint64_t size = args + STACK_EXPAND, rlim = cfg->rlimit_stack & ~PAGE_OFF;
    if (size > rlim)
        size = max64(rlim, args);
    l->stack_end = top;
    l->stack_start = top - size;

    /* fs/binfmt_elf.c: load_elf_binary: a PIE loads at ELF_ET_DYN_BASE + arch_mmap_rnd() */
    uint64_t base = l->map_window / 3 * 2;
    if (cfg->aslr)
        base += (splitmix(&seed) & rnd_mask) << VMA_PAGE_SHIFT;
    l->elf_base = base & ~PAGE_OFF;
    l->end_data = l->elf_base + cfg->image_bytes;
    /* brk starts after the bss; with ASLR one page later, then randomize_page(brk, 1 GiB) */
    uint64_t brk = page_align(l->end_data);
    if (cfg->aslr) {
        brk += VMA_PAGE_SIZE;
        brk += (splitmix(&seed) % (BRK_RND_RANGE >> VMA_PAGE_SHIFT)) << VMA_PAGE_SHIFT;
    }
    l->start_brk = brk;
    return 0;
}

/* arch/x86/mm/mmap.c: mmap_address_hint_valid */
static bool hint_valid(const struct mmap_layout *l, uint64_t addr, uint64_t len)
{
    if (l->task_size - len < addr)
        return false;
    return (addr > l->map_window) == (addr + len > l->map_window);
}

/* The alignment mask of a search (get_align_mask: huge_page_mask_align for hugetlbfs). */
static uint64_t align_mask(unsigned flags)
{
    if (flags & MMAP_HUGE_1G)
        return (1ull << 30) - 1;
    if (flags & MMAP_HUGE_2M)
        return MMAP_PMD_SIZE - 1;
    return 0;
}

/* arch/x86/kernel/sys_x86_64.c: arch_get_unmapped_area (bottom-up) */
static int area_bottomup(const struct vma_set *set, const struct mmap_layout *l, uint64_t addr,
                         uint64_t len, unsigned flags, uint64_t *out)
{
    if (flags & MMAP_FIXED) {
        *out = addr;
        return 0;
    }
    /* find_start_end: task_size_64bit(addr > DEFAULT_MAP_WINDOW) */
    uint64_t end = addr > l->map_window ? l->task_size : l->map_window;
    if (len > end)
        return VML_ENOMEM;
    if (addr) {
        addr = page_align(addr);
        const struct vma *v = vma_find_next(set, addr);
        if (end - len >= addr && (!v || addr + len <= vma_start_gap(set, v))) {
            *out = addr;
            return 0;
        }
    }
    /* mm/vma.c: unmapped_area: low_limit at least mmap_min_addr; a search for len plus the
     * alignment, then the lowest aligned address of the gap */
    uint64_t mask = align_mask(flags), start;
    if (len + mask < len)
        return VML_ENOMEM;
    int r =
        vma_gap_lowest(set, max64(l->mmap_legacy_base, l->mmap_min_addr), end, len + mask, &start);
    if (r == 0)
        *out = (start + mask) & ~mask;
    return r;
}

/* arch/x86/kernel/sys_x86_64.c: arch_get_unmapped_area_topdown */
static int area_topdown(const struct vma_set *set, const struct mmap_layout *l, uint64_t addr0,
                        uint64_t len, unsigned flags, uint64_t *out)
{
    if (len > l->task_size)
        return VML_ENOMEM;
    if (flags & MMAP_FIXED) {
        *out = addr0;
        return 0;
    }
    uint64_t addr = addr0;
    if (addr) {
        addr &= ~PAGE_OFF;
        if (hint_valid(l, addr, len)) {
            const struct vma *v = vma_find_next(set, addr);
            if (!v || addr + len <= vma_start_gap(set, v)) {
                *out = addr;
                return 0;
            }
        }
    }
    /* vm_unmapped_area from mmap_base down to PAGE_SIZE (mmap_min_addr in unmapped_area_topdown);
     * a hint above the 47-bit window opens the rest of the address space (nothing with 4-level
     * paging, where TASK_SIZE_MAX is the window) */
    uint64_t low = max64(VMA_PAGE_SIZE, l->mmap_min_addr), high = l->mmap_base, end;
    if (addr > l->map_window)
        high += l->task_size - l->map_window;
    /* unmapped_area_topdown: a search for len plus the alignment, then the highest aligned
     * address of the gap */
    uint64_t mask = align_mask(flags);
    if (len + mask >= len && vma_gap_highest(set, low, high, len + mask, &end) == 0) {
        *out = (end - len) & ~mask;
        return 0;
    }
    /* "A failed mmap() very likely causes application failure": retry bottom-up */
    return area_bottomup(set, l, addr0, len, flags, out);
}

/* mm/mmap.c: mm_get_unmapped_area_vmflags */
static int area(const struct vma_set *set, const struct mmap_layout *l, uint64_t addr, uint64_t len,
                unsigned flags, uint64_t *out)
{
    if (l->topdown)
        return area_topdown(set, l, addr, len, flags, out);
    return area_bottomup(set, l, addr, len, flags, out);
}

/* mm/huge_memory.c: __thp_get_unmapped_area: search for len + 2 MiB, then place the mapping so
 * that file offset off falls on a 2 MiB boundary (top-down: the highest such spot). False when
 * the padded search fails or the mapping cannot hold an aligned 2 MiB. */
static bool thp_area(const struct vma_set *set, const struct mmap_layout *l, uint64_t addr,
                     uint64_t len, uint64_t off, unsigned flags, uint64_t *out)
{
    const uint64_t size = MMAP_PMD_SIZE;
    uint64_t off_end = off + len, off_align = (off + size - 1) & ~(size - 1);
    if (off_end <= off_align || off_end - off_align < size)
        return false;
    uint64_t len_pad = len + size, ret;
    if (len_pad < len || off + len_pad < off)
        return false;
    if (area(set, l, addr, len_pad, flags, &ret))
        return false;
    if (ret == addr) { /* the hint was free: no alignment */
        *out = addr;
        return addr != 0;
    }
    uint64_t off_sub = (off - ret) & (size - 1);
    *out = l->topdown && !off_sub ? ret + size : ret + off_sub;
    return true;
}

int mmap_get_unmapped_area(const struct vma_set *set, const struct mmap_layout *l, uint64_t hint,
                           uint64_t len, uint64_t pgoff, unsigned flags, uint64_t *addr)
{
    if (len == 0 || (len & PAGE_OFF))
        return VML_EINVAL;
    /* mm/mmap.c: do_mmap: NOREPLACE implies FIXED; round_hint_to_min */
    if (flags & MMAP_FIXED_NOREPLACE)
        flags |= MMAP_FIXED;
    if (!(flags & MMAP_FIXED)) {
        hint &= ~PAGE_OFF;
        if (hint && hint < l->mmap_min_addr)
            hint = page_align(l->mmap_min_addr);
    }

    /* mm/mmap.c: __get_unmapped_area */
    if (len > l->task_size)
        return VML_ENOMEM;
    bool file = flags & MMAP_FILE;
    uint64_t a = 0, mask = align_mask(flags);
    int err;
    if (mask) {
        /* fs/hugetlbfs/inode.c: hugetlb_get_unmapped_area */
        if ((len & mask) || ((flags & MMAP_FIXED) && (hint & mask)))
            return VML_EINVAL;
        if (hint && !(flags & MMAP_FIXED))
            hint = (hint + mask) & ~mask; /* ALIGN: 0 (no hint) if it wraps */
        err = area(set, l, hint, len, flags, &a);
    } else if (file && (flags & MMAP_FILE_THP)) {
        /* the file system's get_unmapped_area is thp_get_unmapped_area */
        err = thp_area(set, l, hint, len, pgoff << VMA_PAGE_SHIFT, flags, &a)
                  ? 0
                  : area(set, l, hint, len, flags, &a);
    } else if (!file && (flags & MMAP_SHARED)) {
        /* mm/shmem.c: shmem_get_unmapped_area: no alignment with shmem_enabled=never */
        err = area(set, l, hint, len, flags, &a);
    } else if (!file && !hint && (len & (MMAP_PMD_SIZE - 1)) == 0 && !l->no_anon_thp_align) {
        /* anonymous, no hint, length a multiple of PMD_SIZE: thp_get_unmapped_area_vmflags
         * (since 6.7; older kernels search as for any other mapping) */
        err = thp_area(set, l, 0, len, 0, flags, &a) ? 0 : area(set, l, 0, len, flags, &a);
    } else {
        err = area(set, l, hint, len, flags, &a);
    }
    if (err)
        return err;
    if (a > l->task_size - len)
        return VML_ENOMEM;
    if (a & PAGE_OFF)
        return VML_EINVAL;
    /* security_mmap_addr: Linux says EPERM below vm.mmap_min_addr (there is no VML_EPERM) */
    if (a < l->mmap_min_addr)
        return VML_EINVAL;
    /* mm/mmap.c: do_mmap: MAP_FIXED_NOREPLACE */
    if ((flags & MMAP_FIXED_NOREPLACE) && vma_find_intersection(set, a, a + len))
        return VML_EEXIST;
    *addr = a;
    return 0;
}

int mmap_map_stack(struct vma_set *set, const struct mmap_layout *l, struct vma **out)
{
    struct vma_desc d = { .start = l->stack_start,
                          .end = l->stack_end,
                          .flags = VM_STACK_FLAGS,
                          .kind = VMA_ANON,
                          .name = "[stack]" };
    return vma_map(set, &d, out);
}
