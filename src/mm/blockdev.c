/* mm/blockdev.c: the block device model (blockdev.h).
 *
 * A request costs a fixed service time, plus a seek when it does not start where the last one
 * ended (only disks with heads pay one), plus its bytes at the device's transfer rate, and waits
 * for the requests before it (one queue, served in order): queue depth 1, no merging, no
 * reordering (the kernel's mq-deadline or none would merge adjacent requests; each caller here
 * submits a whole readahead window or folio run as one request already).
 *
 * The presets stand for device classes, not products: the service time is the class's typical
 * latency of one 4 KiB random request at queue depth 1 (less the 4 KiB transfer, which is
 * below 2 us on every SSD class), the rate its sequential bandwidth with large requests.
 * docs/latency.md has the table and the sources:
 *   nvme    datacenter PCIe 3.0 x4 NVMe SSD: data sheets give 70..90 us 4 KiB random read
 *           latency (QD1) and 15..25 us write (the write lands in the drive's protected cache),
 *           about 3 GB/s sequential read and 2 GB/s write;
 *   sata    SATA 6 Gb/s SSD: QD1 4 KiB random reads near 10 k IOPS in common fio results
 *           (100..150 us), writes 50..60 us; sequential bounded by the link, 530 / 480 MB/s;
 *   hdd     7200 rpm disk: a random access is the average seek (8.5 ms on the data sheets of
 *           the class) plus half a turn (60 s / 7200 / 2 = 4.17 ms): 12.67 ms of seek; a
 *           request that follows the last one pays only the drive's command overhead
 *           (0.2 ms); 180 MB/s, the middle of the platter (data sheets: up to 250 outer);
 *   virtio  this VM's disk (virtio-blk on the machine class vmlab is checked on), measured
 *           with docs/probes/disklat.c: O_DIRECT 4 KiB random reads and writes and 1 MiB
 *           sequential ones on a 256 MiB file under $TMPDIR, medians of rounds of 400 and 64
 *           requests, three batches of runs at different times; the rate is
 *           (1 MiB - 4 KiB) / (t(1 MiB) - t(4 KiB)), so that a 4 KiB request costs the
 *           measured median. It is the default disk (the cost model's other figures are this
 *           VM's too, cost.h).
 */
#include "mm/blockdev.h"

#include "vmlab/base.h"
#include "vmlab/sim.h"

#include <string.h>

_Static_assert(VML_SIM_DEFAULT_DISK == BDEV_VIRTIO, "the default disk is this VM's");

/* docs/probes/disklat.c on this VM, the medians of the medians of 9 runs in three batches
 * (07:12, 07:14 and 08:06 UTC; a fourth batch under load is in docs/latency.md, not used):
 * 4 KiB random read 61,016 ns, write 60,464 ns; 1 MiB sequential read 2,261 MB/s (463.8 us),
 * write 2,744 MB/s (382.1 us). Rates: (1 MiB - 4 KiB) / (463.8 us - 61.0 us) = 2.59 GB/s and
 * (1 MiB - 4 KiB) / (382.1 us - 60.5 us) = 3.25 GB/s (the host caches writes). */
#define VIRTIO_READ_NS   61000
#define VIRTIO_WRITE_NS  60500
#define VIRTIO_READ_BPS  2590000000ull
#define VIRTIO_WRITE_BPS 3250000000ull

static const struct {
    const char *name;
    uint64_t read_ns, write_ns, read_bps, write_bps, seek_ns;
} presets[BDEV_NR_KINDS] = {
    [BDEV_NVME] = { "nvme", 80000, 20000, 3000000000ull, 2000000000ull, 0 },
    [BDEV_SATA_SSD] = { "sata", 150000, 60000, 530000000ull, 480000000ull, 0 },
    [BDEV_HDD] = { "hdd", 200000, 200000, 180000000ull, 180000000ull, 12670000 },
    [BDEV_VIRTIO] = { "virtio", VIRTIO_READ_NS, VIRTIO_WRITE_NS, VIRTIO_READ_BPS, VIRTIO_WRITE_BPS,
                      0 },
};

void bdev_init(struct bdev *d, enum bdev_kind kind)
{
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->read_ns = presets[kind].read_ns;
    d->write_ns = presets[kind].write_ns;
    d->read_bps = presets[kind].read_bps;
    d->write_bps = presets[kind].write_bps;
    d->seek_ns = presets[kind].seek_ns;
    d->next_pos = UINT64_MAX;
}

const char *bdev_kind_name(enum bdev_kind kind)
{
    return kind < BDEV_NR_KINDS ? presets[kind].name : "?";
}

bool bdev_kind_find(const char *s, unsigned n, enum bdev_kind *out)
{
    for (unsigned k = 0; k < BDEV_NR_KINDS; k++) {
        if (strlen(presets[k].name) == n && memcmp(presets[k].name, s, n) == 0) {
            *out = (enum bdev_kind)k;
            return true;
        }
    }
    return false;
}

/* bytes at bps, in ns, without overflow for any size below 2^64 / 10^9 bytes. */
static uint64_t transfer_ns(uint64_t bytes, uint64_t bps)
{
    return bytes / bps * 1000000000ull + bytes % bps * 1000000000ull / bps;
}

/* transfer_ns for a request of d's, through its memo (four 64-bit divisions otherwise). */
static uint64_t transfer_ns_of(struct bdev *d, bool write, uint64_t bytes)
{
    uint64_t bps = write ? d->write_bps : d->read_bps;
    if (d->memo_bytes[write] != bytes || d->memo_bps[write] != bps) {
        d->memo_bytes[write] = bytes;
        d->memo_bps[write] = bps;
        d->memo_ns[write] = transfer_ns(bytes, bps);
    }
    return d->memo_ns[write];
}

static void account(struct bdev *d, bool write, uint64_t pos, uint64_t bytes)
{
    d->next_pos = pos + bytes;
    if (write) {
        d->writes++;
        d->write_bytes += bytes;
    } else {
        d->reads++;
        d->read_bytes += bytes;
    }
}

uint64_t bdev_submit(struct bdev *d, uint64_t now, bool write, uint64_t pos, uint64_t bytes)
{
    uint64_t start = d->busy_until > now ? d->busy_until : now;
    uint64_t t = write ? d->write_ns : d->read_ns;
    if (pos != d->next_pos)
        t += d->seek_ns;
    t += transfer_ns_of(d, write, bytes);
    d->busy_until = start + t;
    account(d, write, pos, bytes);
    return d->busy_until;
}

int vml_sim_disk_find(const char *s, size_t n, unsigned *kind)
{
    enum bdev_kind k;
    if (n > 16 || !bdev_kind_find(s, (unsigned)n, &k))
        return VML_EINVAL;
    *kind = (unsigned)k;
    return 0;
}

const char *vml_sim_disk_name(unsigned kind)
{
    return bdev_kind_name((enum bdev_kind)kind);
}

uint64_t bdev_submit_queued(struct bdev *d, uint64_t now, bool write, uint64_t pos, uint64_t bytes)
{
    uint64_t start = d->wire_until > now ? d->wire_until : now;
    /* A disk with heads seeks one request at a time: its seeks are on the wire too. */
    uint64_t seek = pos != d->next_pos ? d->seek_ns : 0;
    d->wire_until = start + seek + transfer_ns_of(d, write, bytes);
    account(d, write, pos, bytes);
    return d->wire_until + (write ? d->write_ns : d->read_ns);
}
