/* test_cpu_model.c: CPU presets, validation, the description text and the spec grammar. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

#define S4K VML_PS_BIT(VML_PS_4K)
#define S2M VML_PS_BIT(VML_PS_2M)
#define S1G VML_PS_BIT(VML_PS_1G)

static const char skylake_text[] =
    "skylake: Intel Skylake (client/server core)\n"
    "  L1 dTLB  4K          64 entries     16 sets x 4 ways\n"
    "           2M          32 entries      8 sets x 4 ways  (approximate)\n"
    "           1G           4 entries     fully associative\n"
    "  L1 iTLB  4K         128 entries     16 sets x 8 ways\n"
    "           2M           8 entries     fully associative\n"
    "           1G       cached as 2M entries\n"
    "  STLB     4K+2M     1536 entries    128 sets x 12 ways\n"
    "           1G          16 entries      4 sets x 4 ways  (approximate)\n"
    "  PWC      PML5E 2 full, PML4E 4 full, PDPTE 8 full, PDE 32 4-way (entries, LRU)\n"
    "  latency  L1 hit 1, STLB +8, walk +5, +24 per page-table reference (cycles); full 4-level "
    "walk 110\n"
    "  features PCID yes, 5-level paging no, 1 GiB pages yes, SMEP yes, SMAP yes, 2 page walkers\n"
    "  reach    L1 dTLB 256 KiB (4K) / 64 MiB (2M) / 4 GiB (1G); STLB 6 MiB (4K) / 3 GiB (2M) / 16 "
    "GiB (1G)\n"
    "  sources  Intel Optimization Reference Manual 248966, Skylake TLB table; WikiChip \"Skylake "
    "(client)\"\n";

static const char zen3_text[] =
    "zen3: AMD Zen 3 (Ryzen 5000, EPYC 7003)\n"
    "  L1 dTLB  4K+2M       64 entries     fully associative\n"
    "           1G       cached as 2M entries\n"
    "  L1 iTLB  4K+2M       64 entries     fully associative\n"
    "           1G       cached as 2M entries\n"
    "  L2 iTLB  4K+2M      512 entries     64 sets x 8 ways  (approximate)\n"
    "           1G       cached as 2M entries\n"
    "  STLB     4K+2M     2048 entries    256 sets x 8 ways  (approximate)\n"
    "           1G       cached as 2M entries\n"
    "  PWC      PML5E 2 full, PML4E 4 full, PDPTE 8 full, PDE 32 4-way (entries, LRU)\n"
    "  latency  L1 hit 1, STLB +8, walk +5, +24 per page-table reference (cycles); full 4-level "
    "walk 110\n"
    "  features PCID yes, 5-level paging no, 1 GiB pages yes, SMEP yes, SMAP yes, 6 page walkers\n"
    "  reach    L1 dTLB 256 KiB (4K) / 128 MiB (2M); STLB 8 MiB (4K) / 4 GiB (2M)\n"
    "  sources  CPUID leaves 0x80000005/6 read on a Zen 3 machine; AnandTech Zen 3 deep dive\n";

static const struct vml_tlb_array_geom *arr(const struct vml_cpu_model *m, enum vml_tlb_level l,
                                            unsigned i)
{
    assert_true(i < m->tlb[l].nr_arrays);
    return &m->tlb[l].arr[i];
}

static void assert_array(const struct vml_tlb_array_geom *a, uint32_t sets, uint32_t ways,
                         unsigned sizes, bool approx)
{
    assert_int_equal(a->sets, sets);
    assert_int_equal(a->ways, ways);
    assert_int_equal(a->sizes, sizes);
    assert_int_equal(a->approx, approx);
}

/* ---- presets ---------------------------------------------------------------------------- */

static void test_presets_validate(void **state)
{
    static const char *names[] = { "skylake", "icelake", "sapphirerapids", "zen2", "zen3", "zen4" };
    (void)state;
    assert_int_equal(vml_cpu_preset_count(), 6);
    assert_null(vml_cpu_preset(6));
    for (size_t i = 0; i < 6; i++) {
        const struct vml_cpu_model *m = vml_cpu_preset(i);
        struct vml_diag d = { .msg = "" };
        assert_string_equal(m->name, names[i]);
        assert_int_equal(vml_cpu_model_validate(m, &d), 0);
        assert_string_equal(d.msg, "");
        assert_ptr_equal(vml_cpu_preset_find(names[i]), m);
        assert_true(m->description[0] && m->sources[0]);
        assert_true(m->pcid && m->pdpe1gb && m->smep && m->smap);
        assert_int_equal(m->pwc_entries[VML_PWC_PML5E], 2);
        assert_int_equal(m->pwc_entries[VML_PWC_PML4E], 4);
        assert_int_equal(m->pwc_entries[VML_PWC_PDPTE], 8);
        assert_int_equal(m->pwc_entries[VML_PWC_PDE], 32);
        assert_int_equal(m->pwc_ways[VML_PWC_PDE], 4); /* Virtuoso's 4-way PDE cache */
        assert_true(m->lat.l1_hit == 1 && m->lat.stlb_hit == 8 && m->lat.walk == 5 &&
                    m->lat.ref == 24);
    }
}

static void test_preset_find(void **state)
{
    (void)state;
    assert_ptr_equal(vml_cpu_preset_find("SKYLAKE"), vml_cpu_preset(0));
    assert_ptr_equal(vml_cpu_preset_find("SapphireRapids"), vml_cpu_preset(2));
    assert_ptr_equal(vml_cpu_preset_find("Zen3"), vml_cpu_preset(4));
    assert_null(vml_cpu_preset_find("skylak"));
    assert_null(vml_cpu_preset_find("skylake "));
    assert_null(vml_cpu_preset_find(""));
    assert_null(vml_cpu_preset_find(NULL));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(vml_tlb_level_name(VML_TLB_L1D), "L1 dTLB");
    assert_string_equal(vml_tlb_level_name(VML_TLB_L1I), "L1 iTLB");
    assert_string_equal(vml_tlb_level_name(VML_TLB_L2I), "L2 iTLB");
    assert_string_equal(vml_tlb_level_name(VML_TLB_STLB), "STLB");
    assert_string_equal(vml_tlb_level_name(VML_TLB_NR_LEVELS), "?");
    assert_string_equal(vml_tlb_level_key(VML_TLB_L1D), "l1d");
    assert_string_equal(vml_tlb_level_key(VML_TLB_L2I), "l2i");
    assert_string_equal(vml_tlb_level_key(VML_TLB_STLB), "stlb");
    assert_string_equal(vml_pwc_name(VML_PWC_PML5E), "PML5E");
    assert_string_equal(vml_pwc_name(VML_PWC_PDPTE), "PDPTE");
    assert_string_equal(vml_pwc_name(VML_PWC_PDE), "PDE");
    assert_string_equal(vml_pwc_name(VML_PWC_NR), "?");
}

/* The geometry figures of tlb-geometries.md, and the ones marked approximate. */
static void test_preset_geometry(void **state)
{
    const struct vml_cpu_model *sky = vml_cpu_preset_find("skylake");
    const struct vml_cpu_model *spr = vml_cpu_preset_find("sapphirerapids");
    const struct vml_cpu_model *zen2 = vml_cpu_preset_find("zen2");
    const struct vml_cpu_model *zen3 = vml_cpu_preset_find("zen3");
    const struct vml_cpu_model *zen4 = vml_cpu_preset_find("zen4");
    (void)state;
    assert_array(arr(sky, VML_TLB_STLB, 0), 128, 12, S4K | S2M, false);
    assert_array(arr(sky, VML_TLB_STLB, 1), 4, 4, S1G, true);
    assert_array(arr(sky, VML_TLB_L1D, 1), 8, 4, S2M, true);
    assert_int_equal(sky->tlb[VML_TLB_L2I].nr_arrays, 0);
    assert_false(sky->la57);
    assert_int_equal(sky->walkers, 2);
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) /* no 1G arrays: 1G pages splinter */
        for (unsigned i = 0; i < spr->tlb[l].nr_arrays; i++)
            assert_false(spr->tlb[l].arr[i].sizes & S1G);
    assert_array(arr(spr, VML_TLB_L1D, 0), 16, 6, S4K, true);
    assert_true(spr->la57);
    assert_int_equal(spr->walkers, 4);
    assert_array(arr(zen2, VML_TLB_L1D, 0), 1, 64, S4K | S2M | S1G, false);
    assert_array(arr(zen2, VML_TLB_L2I, 0), 64, 8, S4K | S2M, false);
    assert_array(arr(zen3, VML_TLB_L1D, 0), 1, 64, S4K | S2M, false);
    assert_array(arr(zen3, VML_TLB_STLB, 0), 256, 8, S4K | S2M, true);
    assert_int_equal(zen3->walkers, 6);
    assert_array(arr(zen4, VML_TLB_L1D, 0), 1, 72, S4K | S2M | S1G, true);
    assert_array(arr(zen4, VML_TLB_STLB, 0), 256, 12, S4K | S2M, true);
    assert_true(zen4->la57);
}

/* ---- description ------------------------------------------------------------------------ */

static void test_describe_skylake(void **state)
{
    char *s = vml_cpu_model_describe(vml_cpu_preset_find("skylake"));
    (void)state;
    assert_non_null(s);
    assert_string_equal(s, skylake_text);
    free(s);
}

static void test_describe_zen3(void **state)
{
    char *s = vml_cpu_model_describe(vml_cpu_preset_find("zen3"));
    (void)state;
    assert_non_null(s);
    assert_string_equal(s, zen3_text);
    free(s);
}

/* Every preset's text ends in a newline; a level holding no small enough size says so; zero
 * page-walk caches, 5-level walks and one walker read right. */
static void test_describe_variants(void **state)
{
    struct vml_cpu_model m = *vml_cpu_preset_find("sapphirerapids");
    char *s;
    (void)state;
    for (size_t i = 0; i < vml_cpu_preset_count(); i++) {
        s = vml_cpu_model_describe(vml_cpu_preset(i));
        assert_non_null(s);
        assert_int_equal(s[strlen(s) - 1], '\n');
        free(s);
    }
    m.tlb[VML_TLB_L1I].nr_arrays = 1;
    m.tlb[VML_TLB_L1I].arr[0].sizes = S2M;
    m.pwc_entries[VML_PWC_PML5E] = 0;
    m.walkers = 1;
    s = vml_cpu_model_describe(&m);
    assert_non_null(strstr(s, "  L1 iTLB  2M         256 entries     32 sets x 8 ways  "
                              "(approximate)\n           4K       not cached\n"
                              "           1G       cached as 2M entries\n"));
    assert_non_null(strstr(s, "  PWC      PML5E 0, PML4E 4 full,"));
    assert_non_null(strstr(s, "full 4-level walk 110, 5-level 134\n"));
    assert_non_null(strstr(s, ", 1 page walker\n"));
    assert_non_null(strstr(s, "  reach    L1 dTLB 384 KiB (4K) / 64 MiB (2M); STLB 8 MiB (4K) / 4 "
                              "GiB (2M)\n"));
    free(s);
}

/* ---- validation ------------------------------------------------------------------------- */

static void expect_invalid(const struct vml_cpu_model *m, const char *fragment)
{
    struct vml_diag d = { .msg = "" };
    assert_int_equal(vml_cpu_model_validate(m, &d), VML_EINVAL);
    if (!strstr(d.msg, fragment))
        fail_msg("message '%s' lacks '%s'", d.msg, fragment);
}

static void test_validate_errors(void **state)
{
    const struct vml_cpu_model *sky = vml_cpu_preset_find("skylake");
    struct vml_cpu_model m;
    (void)state;
    m = *sky;
    m.tlb[VML_TLB_STLB].arr[1].sets = 0;
    expect_invalid(&m, "STLB array 2: 0 sets x 4 ways");
    m = *sky;
    m.tlb[VML_TLB_L1I].arr[0].ways = 0;
    expect_invalid(&m, "L1 iTLB array 1");
    m = *sky;
    m.tlb[VML_TLB_STLB].arr[0].sets = 8192; /* 98304 entries */
    expect_invalid(&m, "STLB array 1: 98304 entries (at most 65536)");
    m = *sky;
    m.tlb[VML_TLB_L1D].arr[2].sizes = 0;
    expect_invalid(&m, "L1 dTLB array 3: page-size mask 0x0");
    m = *sky;
    m.tlb[VML_TLB_L1D].arr[2].sizes = 0x9;
    expect_invalid(&m, "page-size mask 0x9");
    m = *sky;
    m.tlb[VML_TLB_L1D].arr[2].sizes = S2M | S1G;
    expect_invalid(&m, "L1 dTLB: page size 2M is held by two arrays");
    m = *sky;
    m.tlb[VML_TLB_STLB].nr_arrays = 4;
    expect_invalid(&m, "STLB: 4 arrays (at most 3)");
    m = *sky;
    m.tlb[VML_TLB_L1D].nr_arrays = 0;
    expect_invalid(&m, "L1 dTLB: missing");
    m = *sky;
    m.tlb[VML_TLB_L1I].nr_arrays = 0;
    expect_invalid(&m, "L1 iTLB: missing");
    m = *sky;
    m.pwc_entries[VML_PWC_PDE] = 4097;
    expect_invalid(&m, "PWC PDE: 4097 entries (at most 4096)");
    m.pwc_entries[VML_PWC_PDE] = 32;
    m.pwc_ways[VML_PWC_PDE] = 5;
    expect_invalid(&m, "PWC PDE: 32 entries is not a multiple of 5 ways");
    m.pwc_ways[VML_PWC_PDE] = 4;
    m = *sky;
    m.lat.ref = 100001;
    expect_invalid(&m, "latency: 100001 cycles");
    m = *sky;
    memset(m.name, 'x', sizeof(m.name));
    expect_invalid(&m, "not NUL-terminated");
    m = *sky;
    m.tlb[VML_TLB_L2I].nr_arrays = 0; /* absent second levels are fine */
    m.tlb[VML_TLB_STLB].nr_arrays = 0;
    m.pwc_entries[VML_PWC_PDE] = 4096;
    assert_int_equal(vml_cpu_model_validate(&m, NULL), 0);
    m.lat.l1_hit = 200000;
    assert_int_equal(vml_cpu_model_validate(&m, NULL), VML_EINVAL); /* diag may be NULL */
}

/* ---- parsing: good specs ---------------------------------------------------------------- */

static void parse_ok(const char *spec, struct vml_cpu_model *m)
{
    struct vml_diag d = { .msg = "" };
    int r = vml_cpu_model_parse(spec, m, &d);
    if (r)
        fail_msg("'%s': %d at col %u: %s", spec, r, d.col, d.msg);
}

static void test_parse_preset_only(void **state)
{
    struct vml_cpu_model m;
    (void)state;
    parse_ok("skylake", &m);
    assert_memory_equal(&m, vml_cpu_preset_find("skylake"), sizeof(m));
    parse_ok("ZEN4", &m);
    assert_string_equal(m.name, "zen4");
}

static void test_parse_stlb(void **state)
{
    struct vml_cpu_model m;
    (void)state;
    parse_ok("skylake:stlb.4k+2m=2048x16", &m);
    assert_string_equal(m.name, "skylake*");
    assert_string_equal(m.description, "Intel Skylake (client/server core)");
    assert_int_equal(m.tlb[VML_TLB_STLB].nr_arrays, 2);
    assert_array(arr(&m, VML_TLB_STLB, 0), 128, 16, S4K | S2M, false);
    assert_array(arr(&m, VML_TLB_STLB, 1), 4, 4, S1G, true);
    assert_memory_equal(&m.tlb[VML_TLB_L1D], &vml_cpu_preset(0)->tlb[VML_TLB_L1D],
                        sizeof(m.tlb[VML_TLB_L1D]));
}

/* Sizes are removed from every array first, then one array holding exactly them is added; the
 * arrays stay in page-size order. */
static void test_parse_level_edits(void **state)
{
    struct vml_cpu_model m;
    (void)state;
    parse_ok("skylake:stlb.4k=1024x8", &m);
    assert_int_equal(m.tlb[VML_TLB_STLB].nr_arrays, 3);
    assert_array(arr(&m, VML_TLB_STLB, 0), 128, 8, S4K, false);
    assert_array(arr(&m, VML_TLB_STLB, 1), 128, 12, S2M, false);
    assert_array(arr(&m, VML_TLB_STLB, 2), 4, 4, S1G, true);
    parse_ok("skylake:l1d.2m=none", &m);
    assert_int_equal(m.tlb[VML_TLB_L1D].nr_arrays, 2);
    assert_array(arr(&m, VML_TLB_L1D, 0), 16, 4, S4K, false);
    assert_array(arr(&m, VML_TLB_L1D, 1), 1, 4, S1G, false);
    parse_ok("skylake:l1d.2m+1g=16x2", &m);
    assert_int_equal(m.tlb[VML_TLB_L1D].nr_arrays, 2);
    assert_array(arr(&m, VML_TLB_L1D, 1), 8, 2, S2M | S1G, false);
    parse_ok("zen4:l1d.all=64xfull,lat.ref=30,la57=off", &m);
    assert_int_equal(m.tlb[VML_TLB_L1D].nr_arrays, 1);
    assert_array(arr(&m, VML_TLB_L1D, 0), 1, 64, S4K | S2M | S1G, false);
    assert_int_equal(m.lat.ref, 30);
    assert_false(m.la57);
    parse_ok("zen3:l2i.all=none,stlb.1g=16x4", &m);
    assert_int_equal(m.tlb[VML_TLB_L2I].nr_arrays, 0);
    assert_int_equal(m.tlb[VML_TLB_STLB].nr_arrays, 2);
    assert_array(arr(&m, VML_TLB_STLB, 1), 4, 4, S1G, false);
    parse_ok("skylake:l1i.all=none,l1i.4k=32x4", &m); /* emptied, then refilled */
    assert_int_equal(m.tlb[VML_TLB_L1I].nr_arrays, 1);
    assert_array(arr(&m, VML_TLB_L1I, 0), 8, 4, S4K, false);
    parse_ok("skylake:l1d.4k=65536x1", &m);
    assert_array(arr(&m, VML_TLB_L1D, 0), 65536, 1, S4K, false);
}

static void test_parse_scalars(void **state)
{
    struct vml_cpu_model m;
    (void)state;
    parse_ok("SkyLake:PCID=OFF,smap=off,smep=Off,1g=off,la57=on,pwc.pml5=0,pwc.pml4=16,"
             "pwc.pdpt=4096,pwc.pd=64,lat.l1=2,lat.stlb=9,lat.walk=0,lat.ref=100000",
             &m);
    assert_string_equal(m.name, "skylake*");
    assert_false(m.pcid || m.smap || m.smep || m.pdpe1gb);
    assert_true(m.la57);
    assert_int_equal(m.pwc_entries[VML_PWC_PML5E], 0);
    assert_int_equal(m.pwc_entries[VML_PWC_PML4E], 16);
    assert_int_equal(m.pwc_entries[VML_PWC_PDPTE], 4096);
    assert_int_equal(m.pwc_entries[VML_PWC_PDE], 64);
    assert_true(m.lat.l1_hit == 2 && m.lat.stlb_hit == 9 && m.lat.walk == 0 && m.lat.ref == 100000);
    parse_ok("zen2:pwc.pd=8,pwc.pd=16", &m); /* left to right: the last wins */
    assert_int_equal(m.pwc_entries[VML_PWC_PDE], 16);
    assert_int_equal(m.pwc_ways[VML_PWC_PDE], 0); /* a plain count is fully associative */
    parse_ok("zen2:pwc.pd=none", &m);
    assert_int_equal(m.pwc_entries[VML_PWC_PDE], 0);
    parse_ok("zen2:pwc.pd=64x8,pwc.pdpt=16xfull", &m);
    assert_int_equal(m.pwc_entries[VML_PWC_PDE], 64);
    assert_int_equal(m.pwc_ways[VML_PWC_PDE], 8);
    assert_int_equal(m.pwc_entries[VML_PWC_PDPTE], 16);
    assert_int_equal(m.pwc_ways[VML_PWC_PDPTE], 0);
}

/* ---- parsing: errors -------------------------------------------------------------------- */

struct bad_spec {
    const char *spec;
    unsigned col;
    const char *fragment;
};

static const struct bad_spec bad_specs[] = {
    { "skylak", 1,
      "unknown CPU preset 'skylak' (presets: skylake, icelake, sapphirerapids, zen2, zen3, zen4)" },
    { "", 1, "expected a CPU preset name" },
    { ":pcid=on", 1, "expected a CPU preset name" },
    { "skylake,pcid=on", 1, "changes follow a ':'" },
    { "skylake:", 9, "empty item" },
    { "skylake:pcid=on,", 17, "empty item" },
    { "skylake:pcid=on,,la57=on", 17, "empty item" },
    { "skylake:pcid", 9, "'pcid' is not KEY=VALUE" },
    { "skylake:=on", 9, "empty key" },
    { "skylake:pcid=on=off", 16, "unexpected '='" },
    { "skylake:pcid=", 14, "missing value after 'pcid='" },
    { "skylake:pcid=yes", 14, "'yes': pcid takes on or off" },
    { "skylake:foo=1", 9, "unknown key 'foo'" },
    { "skylake:l3.4k=64x4", 9, "unknown key 'l3.4k'" },
    { "skylake:pwc.pt=4", 13, "unknown page-walk cache 'pt'" },
    { "skylake:pwc.pd=33x4", 16, "33 entries is not a multiple of 4 ways" },
    { "skylake:pwc.pd=8192x4", 16, "the number of entries must be 1..4096 (use N, NxWAYS" },
    { "skylake:pwc.pd=0xfull", 16, "the number of entries must be 1..4096" },
    { "skylake:pwc.pd=4097", 16, "pwc.pd takes a number of entries, 0..4096" },
    { "skylake:pwc.pd=-1", 16, "pwc.pd takes" },
    { "skylake:lat.foo=1", 13, "unknown latency 'foo'" },
    { "skylake:lat.ref=100001", 17, "lat.ref takes a number of cycles, 0..100000" },
    { "skylake:lat.ref=99999999999999999999", 17, "lat.ref takes" },
    { "skylake:l1d.=64x4", 13, "missing page size in key 'l1d.'" },
    { "skylake:l1d.4k+=64x4", 16, "missing page size in key 'l1d.4k+'" },
    { "skylake:l1d.8k=64x4", 13, "unknown page size '8k'" },
    { "skylake:stlb.2m+4k+2m=64x4", 20, "page size '2m' given twice" },
    { "skylake:l1d.4k=13x4", 16, "'13x4': 13 entries is not a multiple of 4 ways" },
    { "skylake:l1d.4k=64", 16, "'64' is not a geometry" },
    { "skylake:l1d.4k=0x4", 16, "the number of entries must be 1..65536" },
    { "skylake:l1d.4k=65537x1", 16, "the number of entries must be 1..65536" },
    { "skylake:l1d.4k=x4", 16, "the number of entries must be 1..65536" },
    { "skylake:l1d.4k=64x0", 19, "the number of ways must be 1..64, or full" },
    { "skylake:l1d.4k=64x128", 19, "the number of ways must be 1..64" },
    { "skylake:l1d.4k=64xhalf", 19, "the number of ways" },
    { "skylake:l1d.all=none", 9, "leaves the L1 dTLB empty" },
    { "skylake:pcid=on,l1i.4k+2m=none", 17, "leaves the L1 iTLB empty" },
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
        const struct bad_spec *b = &bad_specs[i];
        struct vml_cpu_model m = { .name = "untouched" };
        struct vml_diag d = { .msg = "" };
        int r = vml_cpu_model_parse(b->spec, &m, &d);
        if (r != VML_EPARSE || d.line != 1 || d.col != b->col || !strstr(d.msg, b->fragment))
            fail_msg("'%s': got %d line %u col %u '%s'; want col %u '%s'", b->spec, r, d.line,
                     d.col, d.msg, b->col, b->fragment);
        assert_string_equal(m.name, "untouched"); /* failure leaves *out unchanged */
    }
}

static void test_parse_null_diag(void **state)
{
    struct vml_cpu_model m;
    (void)state;
    assert_int_equal(vml_cpu_model_parse("skylake:nope=1", &m, NULL), VML_EPARSE);
    assert_int_equal(vml_cpu_model_parse(NULL, &m, NULL), VML_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_validate),
        cmocka_unit_test(test_preset_find),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_preset_geometry),
        cmocka_unit_test(test_describe_skylake),
        cmocka_unit_test(test_describe_zen3),
        cmocka_unit_test(test_describe_variants),
        cmocka_unit_test(test_validate_errors),
        cmocka_unit_test(test_parse_preset_only),
        cmocka_unit_test(test_parse_stlb),
        cmocka_unit_test(test_parse_level_edits),
        cmocka_unit_test(test_parse_scalars),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_null_diag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
