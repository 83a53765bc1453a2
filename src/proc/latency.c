/* proc/latency.c: vmlab's own per-process access-latency record, `show P latency`
 * (vmlab/proc.h). There is no such kernel file: the lines follow /proc's "Name:\tvalue" shape so
 * that expect reads them (`expect P latency p99 < 200 us`).
 *
 * The histogram is HdrHistogram's layout with 3 sub-bucket bits: a value v below 16 ns has a
 * bucket of its own; above, with e = floor(log2 v) (4..39), bucket 16 + 8 (e - 4) + s holds
 * [(8 + s) 2^(e-3), (9 + s) 2^(e-3)), s = the three bits after v's leading one. So a bucket is
 * at most 1/8 of its lower bound wide, and 304 buckets (2.4 KiB) cover up to 2^40 ns (18
 * minutes); longer values share the last bucket.
 */
#include "util/text.h"
#include "vmlab/proc.h"

unsigned vml_latency_bucket(uint64_t ns)
{
    if (ns < VML_LAT_EXACT)
        return (unsigned)ns;
    unsigned e = 63u - (unsigned)__builtin_clzll(ns);
    if (e >= VML_LAT_TOP_SHIFT)
        return VML_LAT_BUCKETS - 1;
    unsigned sub = (unsigned)(ns >> (e - VML_LAT_SUB_BITS)) & 7u;
    return VML_LAT_EXACT + (e - 4u) * 8u + sub;
}

uint64_t vml_latency_bucket_low(unsigned b)
{
    if (b < VML_LAT_EXACT)
        return b;
    unsigned e = 4u + (b - VML_LAT_EXACT) / 8u, sub = (b - VML_LAT_EXACT) % 8u;
    return (8ull + sub) << (e - VML_LAT_SUB_BITS);
}

uint64_t vml_latency_bucket_high(unsigned b)
{
    if (b + 1 >= VML_LAT_BUCKETS)
        return UINT64_MAX;
    return vml_latency_bucket_low(b + 1);
}

/* The slots of major faults halve in number: each pair becomes one slot twice as wide. */
static void coarsen(struct vml_latency_record *r)
{
    for (unsigned i = 0; i < VML_LAT_SLOTS / 2; i++)
        r->majflt[i] = r->majflt[2 * i] + r->majflt[2 * i + 1];
    for (unsigned i = VML_LAT_SLOTS / 2; i < VML_LAT_SLOTS; i++)
        r->majflt[i] = 0;
    r->slot_ns *= 2;
}

void vml_latency_add(struct vml_latency_record *r, uint64_t at_ns, uint64_t ns, bool major)
{
    if (r->count == 0) {
        r->start_ns = at_ns;
        r->slot_ns = VML_LAT_SLOT_NS;
    }
    r->count++;
    r->total_ns = ns > UINT64_MAX - r->total_ns ? UINT64_MAX : r->total_ns + ns;
    if (ns > r->max_ns)
        r->max_ns = ns;
    r->hist[vml_latency_bucket(ns)]++;
    if (at_ns > r->last_ns)
        r->last_ns = at_ns;
    uint64_t d = at_ns > r->start_ns ? at_ns - r->start_ns : 0;
    /* d / slot_ns >= VML_LAT_SLOTS without dividing at every access (a 64-bit division is tens
     * of cycles): a slot_ns above UINT64_MAX / VML_LAT_SLOTS leaves every d short of the limit. */
    while (r->slot_ns <= UINT64_MAX / VML_LAT_SLOTS && d >= r->slot_ns * VML_LAT_SLOTS &&
           r->slot_ns <= UINT64_MAX / 4)
        coarsen(r);
    if (major) {
        r->majors++;
        uint64_t slot = d / r->slot_ns;
        r->majflt[slot < VML_LAT_SLOTS ? slot : VML_LAT_SLOTS - 1]++;
    }
}

uint64_t vml_latency_quantile(const struct vml_latency_record *r, uint64_t q)
{
    if (r->count == 0)
        return 0;
    /* ceil(q * count / 100000) without overflow for any count below 2^64 / 10^5. */
    uint64_t rank = r->count / 100000 * q + (r->count % 100000 * q + 99999) / 100000;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < VML_LAT_BUCKETS; b++) {
        seen += r->hist[b];
        if (seen >= rank) {
            uint64_t top = vml_latency_bucket_high(b) - 1;
            return top < r->max_ns ? top : r->max_ns;
        }
    }
    return r->max_ns;
}

int vml_proc_format_latency(const struct vml_latency_record *r, struct vml_text *out)
{
    static const struct {
        const char *name;
        uint64_t q;
    } qs[] = { { "p50", 50000 }, { "p90", 90000 }, { "p99", 99000 }, { "p99.9", 99900 } };
    text_printf(out, "Accesses:\t%llu\nmean:\t%llu ns\n", (unsigned long long)r->count,
                (unsigned long long)(r->count ? r->total_ns / r->count : 0));
    for (unsigned i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        text_printf(out, "%s:\t%llu ns\n", qs[i].name,
                    (unsigned long long)vml_latency_quantile(r, qs[i].q));
    text_printf(out, "max:\t%llu ns\nMajor_faults:\t%llu\n", (unsigned long long)r->max_ns,
                (unsigned long long)r->majors);
    if (r->numa) {
        uint64_t n = r->numa_local + r->numa_remote;
        text_printf(out, "Local_accesses:\t%llu\nRemote_accesses:\t%llu\nMemory_mean:\t%llu ns\n",
                    (unsigned long long)r->numa_local, (unsigned long long)r->numa_remote,
                    (unsigned long long)(n ? r->numa_mem_ns / n : 0));
        /* The walks' reads of page tables, by the same law, and what an access cost with its
         * walks' share (docs/numa.md, "Cost"). */
        uint64_t w = r->numa_walk_local + r->numa_walk_remote;
        text_printf(out,
                    "Local_walk_reads:\t%llu\nRemote_walk_reads:\t%llu\nWalk_mean:\t%llu ns\n"
                    "Total_mean:\t%llu ns\n",
                    (unsigned long long)r->numa_walk_local, (unsigned long long)r->numa_walk_remote,
                    (unsigned long long)(w ? r->numa_walk_ns / w : 0),
                    (unsigned long long)(n ? (r->numa_mem_ns + r->numa_walk_ns) / n : 0));
    }
    if (r->count) {
        /* Every slot from the first access's to the last access's. */
        uint64_t last = (r->last_ns - r->start_ns) / r->slot_ns;
        if (last >= VML_LAT_SLOTS)
            last = VML_LAT_SLOTS - 1;
        uint64_t peak = 0;
        for (uint64_t i = 0; i <= last; i++)
            peak = r->majflt[i] > peak ? r->majflt[i] : peak;
        uint64_t ms = r->slot_ns / 1000000;
        text_printf(out,
                    "Major faults per second, by %llu ms of simulated time from the first "
                    "access:\n",
                    (unsigned long long)ms);
        for (uint64_t i = 0; i <= last; i++)
            if (r->majflt[i]) /* the slots with none are the trend line's blanks */
                text_printf(out, "  %llu ms .. %llu ms\t%llu\t%llu/s\n",
                            (unsigned long long)(i * ms), (unsigned long long)((i + 1) * ms),
                            (unsigned long long)r->majflt[i],
                            (unsigned long long)(r->majflt[i] * 1000000000ull / r->slot_ns));
        /* One character per slot: blank for none, then . : - = + * # up to the busiest. */
        static const char ramp[] = " .:-=+*#";
        text_printf(out, "Trend:\t|");
        for (uint64_t i = 0; i <= last; i++) {
            uint64_t c = r->majflt[i];
            text_printf(out, "%c", ramp[c == 0 ? 0 : (c * 7 + peak - 1) / peak]);
        }
        text_printf(out, "|\n");
    }
    if (r->note)
        text_printf(out, "# %s\n", r->note);
    return text_status(out);
}
