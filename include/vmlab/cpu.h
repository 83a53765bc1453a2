/* cpu.h: CPU models: TLB geometry, page-walk caches, the translation cost model, presets.
 *
 * A model is plain data. Presets come from ../shared/reference/tlb-geometries.md (with their
 * sources); any field can be changed, and a model can be written as a spec string:
 *
 *   PRESET[:KEY=VALUE[,KEY=VALUE...]]
 *
 *   skylake
 *   skylake:stlb.4k+2m=2048x16,pwc.pd=64
 *   zen4:l1d.all=64xfull,lat.ref=30,la57=on
 *
 * Keys (see vml_cpu_model_parse and docs/cpu.md): LEVEL.SIZES=ENTRIESxWAYS|ENTRIESxfull|none
 * with LEVEL one of l1d, l1i, l2i, stlb and SIZES 4k, 2m, 1g joined by '+', or all;
 * pwc.pml5|pml4|pdpt|pd=N|NxWAYS|Nxfull; lat.l1|stlb|walk|ref=CYCLES;
 * pcid|la57|1g|smep|smap=on|off.
 */
#ifndef VMLAB_CPU_H
#define VMLAB_CPU_H

#include "vmlab/base.h"

/* TLB levels. Data accesses use L1D then STLB; instruction fetches use L1I, then L2I where
 * the CPU has one (AMD), else the STLB (Intel: the STLB is unified). */
enum vml_tlb_level {
    VML_TLB_L1D = 0,
    VML_TLB_L1I = 1,
    VML_TLB_L2I = 2,
    VML_TLB_STLB = 3,
    VML_TLB_NR_LEVELS = 4,
};

#define VML_TLB_MAX_ARRAYS 3 /* arrays per level (one per page size at most) */

/* One set-associative array. entries = sets * ways; ways = entries is fully associative. */
struct vml_tlb_array_geom {
    uint32_t sets; /* number of sets, >= 1 (any value, not only powers of two) */
    uint32_t ways; /* ways per set, >= 1 */
    uint8_t sizes; /* page sizes it holds: VML_PS_BIT() mask, non-zero */
    bool approx;   /* figure unconfirmed or arrangement assumed (docs/cpu.md says which) */
};

/* One TLB level: up to three arrays, each page size in at most one of them. A page size no
 * array holds is cached as entries of the largest smaller size the level holds (a 1 GiB page
 * in an L1 without 1 GiB entries fills a 2 MiB entry, as AMD's STLB does), or not at all. */
struct vml_tlb_level_geom {
    unsigned nr_arrays; /* 0 = the level is absent */
    struct vml_tlb_array_geom arr[VML_TLB_MAX_ARRAYS];
};

/* Page-walk caches, named by the entries they hold: a PDE cache entry points at a PT and
 * saves three (four with 5-level paging) memory references. */
enum vml_pwc_level {
    VML_PWC_PML5E = 0,
    VML_PWC_PML4E = 1,
    VML_PWC_PDPTE = 2,
    VML_PWC_PDE = 3,
    VML_PWC_NR = 4,
};

/* Cost model, cycles. A translation costs l1_hit; an L1 miss adds stlb_hit (the STLB probe,
 * whether it hits or not); a walk adds walk plus ref for each page-table entry read. */
struct vml_latency {
    uint32_t l1_hit;   /* L1 TLB hit (default 1) */
    uint32_t stlb_hit; /* STLB / L2 probe (default 8) */
    uint32_t walk;     /* fixed cost of starting a walk, PWC probes included (default 5) */
    uint32_t ref;      /* each page-table memory reference (default 24) */
};

#define VML_CPU_NAME_MAX 32

struct vml_cpu_model {
    char name[VML_CPU_NAME_MAX]; /* preset name, or preset name + "*" once modified */
    char description[96];        /* one line */
    char sources[200];           /* where the figures come from */
    struct vml_tlb_level_geom tlb[VML_TLB_NR_LEVELS];
    uint32_t pwc_entries[VML_PWC_NR]; /* entries of each page-walk cache, LRU; 0 = no cache */
    uint32_t pwc_ways[VML_PWC_NR];    /* ways; 0 (or = entries) = fully associative */
    struct vml_latency lat;
    unsigned walkers; /* concurrent page walks (informational) */
    bool pcid;        /* TLB entries are tagged with a 12-bit PCID */
    bool la57;        /* 5-level paging supported */
    bool pdpe1gb;     /* 1 GiB pages supported */
    bool smep;        /* supervisor execution of user pages faults */
    bool smap;        /* supervisor data access to user pages faults */
};

/* Presets, in a fixed order: skylake, icelake, sapphirerapids, zen2, zen3, zen4. */
size_t vml_cpu_preset_count(void);
/* Preset i (static, never freed), or NULL when i >= vml_cpu_preset_count(). */
const struct vml_cpu_model *vml_cpu_preset(size_t i);
/* Finds a preset by name (case-insensitive); NULL if none. */
const struct vml_cpu_model *vml_cpu_preset_find(const char *name);

/* Parses a spec string (grammar above) into a model: the preset, changed item by item left to
 * right, named PRESET* if any item was given, and validated. Errors: VML_EPARSE with diag->line
 * 1, diag->col at the offending key or value (1-based byte) and a message naming it and what is
 * accepted; *out is written only on success. diag may be NULL. */
int vml_cpu_model_parse(const char *spec, struct vml_cpu_model *out, struct vml_diag *diag);

/* Checks a model: at most 3 arrays a level; each array has sets, ways >= 1, at most 65536
 * entries and a non-empty set of valid page sizes; no size in two arrays of a level; L1 dTLB and
 * L1 iTLB present; PWCs at most 4096 entries; latencies at most 100000 cycles; the strings
 * NUL-terminated. VML_EINVAL with diag (line and col 0) naming the level and array. */
int vml_cpu_model_validate(const struct vml_cpu_model *m, struct vml_diag *diag);

/* Human-readable geometry (what `vmlab cpu show` prints; layout in docs/cpu.md), ending in a
 * newline, malloc'd; NULL on host OOM. */
char *vml_cpu_model_describe(const struct vml_cpu_model *m);

/* Short level names: "L1 dTLB", "L1 iTLB", "L2 iTLB", "STLB"; and spec keys "l1d"... */
const char *vml_tlb_level_name(enum vml_tlb_level l);
const char *vml_tlb_level_key(enum vml_tlb_level l);
/* "PML5E", "PML4E", "PDPTE", "PDE" */
const char *vml_pwc_name(enum vml_pwc_level l);

#endif
