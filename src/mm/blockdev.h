/* mm/blockdev.h: the simulated block devices under the page cache and swap: how long a read or
 * a write of some bytes takes, one request queue per device. The file system's disk
 * (sim->disk) and each swap device have one. Presets stand for device classes; their figures
 * and where they come from are in blockdev.c.
 */
#ifndef VMLAB_MM_BLOCKDEV_H
#define VMLAB_MM_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>

enum bdev_kind {
    BDEV_NVME,     /* a datacenter NVMe SSD */
    BDEV_SATA_SSD, /* a SATA SSD */
    BDEV_HDD,      /* a 7200 rpm disk: seeks cost */
    BDEV_VIRTIO,   /* this VM's own disk (virtio-blk), measured by docs/probes/disklat.c */
    BDEV_NR_KINDS,
};

struct bdev {
    enum bdev_kind kind;
    uint64_t read_ns, write_ns;   /* a request's fixed service time (latency at queue depth 1) */
    uint64_t read_bps, write_bps; /* transfer rate, bytes per second */
    uint64_t seek_ns;             /* extra when a request does not follow the previous one */
    uint64_t busy_until;
    uint64_t wire_until;
    /* bdev_submit_queued: the transfer is busy until then */ /* ns: the queue is busy until
                                                                 then (requests run in order) */
    uint64_t next_pos; /* byte after the last request: a request there is sequential */
    uint64_t reads, writes, read_bytes, write_bytes; /* requests completed, bytes moved */
    /* transfer_ns's last answer, by direction (requests are mostly one page: reclaim's swap
     * writes, readahead's reads), so that a repeated size costs no divisions */
    uint64_t memo_bytes[2], memo_bps[2], memo_ns[2];
};

/* A device of a preset class, idle. */
void bdev_init(struct bdev *d, enum bdev_kind kind);
/* The preset's name ("nvme", "sata", "hdd", "virtio"), and the preset named by s (n bytes); false
 * if none is. */
const char *bdev_kind_name(enum bdev_kind kind);
bool bdev_kind_find(const char *s, unsigned n, enum bdev_kind *out);
/* A write among many in flight (swap writes from reclaim: the block layer queues them deep):
 * service times overlap, the transfer rate alone is shared, so it completes its service time
 * after its bytes have had their turn on the wire. The queue-depth-1 requests of bdev_submit
 * and these do not wait for each other (a simplification: docs/reclaim.md). */
uint64_t bdev_submit_queued(struct bdev *d, uint64_t now, bool write, uint64_t pos, uint64_t bytes);
/* Submits a request at time now for bytes at byte position pos: it starts when the queue is
 * free and the function returns the instant it completes. */
uint64_t bdev_submit(struct bdev *d, uint64_t now, bool write, uint64_t pos, uint64_t bytes);

#endif
