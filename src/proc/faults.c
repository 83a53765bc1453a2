/* proc/faults.c: vmlab's own per-process fault record, `show P faults` (vmlab/proc.h). There is
 * no such kernel file: the lines follow /proc's "Name:\tvalue" shape so that expect reads them.
 */
#include "vmlab/proc.h"

#include "util/text.h"

void vml_fault_record_add(struct vml_fault_record *r, uint64_t ns, uint64_t addr)
{
    r->timed++;
    r->total_ns += ns;
    if (ns > r->max_ns || r->timed == 1) {
        r->max_ns = ns;
        r->max_addr = addr;
    }
    /* Bucket b holds [2^b, 2^(b+1)) ns (0 and 1 in the first, the last open-ended): the
     * highest bit set, found at once (a loop over the bits did it at every fault). */
    unsigned b = ns > 1 ? 63u - (unsigned)__builtin_clzll(ns) : 0;
    if (b > VML_FAULT_LAT_BUCKETS - 1)
        b = VML_FAULT_LAT_BUCKETS - 1;
    r->hist[b]++;
}

void vml_fault_record_merge(struct vml_fault_record *a, const struct vml_fault_record *b)
{
    a->faults += b->faults;
    a->major += b->major;
    if (b->timed && (b->max_ns > a->max_ns || !a->timed)) {
        a->max_ns = b->max_ns;
        a->max_addr = b->max_addr;
    }
    a->timed += b->timed;
    a->total_ns += b->total_ns;
    a->stalls += b->stalls;
    a->stall_ns += b->stall_ns;
    a->io_ns += b->io_ns;
    a->throttles += b->throttles;
    a->throttle_ns += b->throttle_ns;
    a->io_waits += b->io_waits;
    a->io_wait_ns += b->io_wait_ns;
    for (unsigned k = 0; k < VML_FAULT_LAT_BUCKETS; k++)
        a->hist[k] += b->hist[k];
}

/* A duration for people: ns, us, ms or s, three significant digits at most. */
static void put_duration(struct vml_text *out, uint64_t ns)
{
    static const char *const units[] = { "ns", "us", "ms", "s" };
    unsigned u = 0;
    uint64_t scale = 1;
    while (u < 3 && ns >= scale * 1000) {
        scale *= 1000;
        u++;
    }
    if (u == 0 || ns % scale == 0)
        text_printf(out, "%llu %s", (unsigned long long)(ns / scale), units[u]);
    else
        text_printf(out, "%.3g %s", (double)ns / (double)scale, units[u]);
}

int vml_proc_format_faults(const struct vml_fault_record *r, struct vml_text *out)
{
    text_printf(out,
                "Faults:\t%llu\nFaults_major:\t%llu\nLatency_total_ns:\t%llu\n"
                "Latency_mean_ns:\t%llu\nLatency_max_ns:\t%llu\nLatency_max_addr:\t0x%llx\n",
                (unsigned long long)r->faults, (unsigned long long)r->major,
                (unsigned long long)r->total_ns,
                (unsigned long long)(r->timed ? r->total_ns / r->timed : 0),
                (unsigned long long)r->max_ns, (unsigned long long)r->max_addr);
    if (r->has_stalls)
        text_printf(out, "Compact_stalls:\t%llu\nCompact_stall_ns:\t%llu\nIO_wait_ns:\t%llu\n",
                    (unsigned long long)r->stalls, (unsigned long long)r->stall_ns,
                    (unsigned long long)r->io_ns);
    /* The waits on writeback (mm/writeback.c), once the process has had one. */
    if (r->throttles || r->io_waits)
        text_printf(out,
                    "Dirty_throttles:\t%llu\nDirty_throttle_ns:\t%llu\nWriteback_waits:\t%llu\n"
                    "Writeback_wait_ns:\t%llu\n",
                    (unsigned long long)r->throttles, (unsigned long long)r->throttle_ns,
                    (unsigned long long)r->io_waits, (unsigned long long)r->io_wait_ns);
    text_printf(out, "Latency histogram:\n");
    for (unsigned b = 0; b < VML_FAULT_LAT_BUCKETS; b++) {
        if (!r->hist[b])
            continue;
        text_printf(out, "  ");
        put_duration(out, 1ull << b);
        text_printf(out, " .. ");
        put_duration(out, 2ull << b);
        text_printf(out, "\t%llu\n", (unsigned long long)r->hist[b]);
    }
    if (r->note)
        text_printf(out, "# %s\n", r->note);
    return text_status(out);
}
