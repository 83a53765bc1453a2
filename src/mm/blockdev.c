/* mm/blockdev.c: the block device model (blockdev.h).
 *
 * A request costs a fixed service time, plus a seek when it does not start where the last one
 * ended (only disks with heads pay one), plus its bytes at the device's transfer rate, and waits
 * for the requests before it (one queue, served in order). The figures are typical of each class
 * at queue depth 1 (vendor data sheets and common fio results), not of one product.
 */
#include "mm/blockdev.h"

#include <string.h>

static const struct {
    const char *name;
    uint64_t read_ns, write_ns, read_bps, write_bps, seek_ns;
} presets[BDEV_NR_KINDS] = {
    [BDEV_NVME] = { "nvme", 80000, 20000, 3000000000ull, 2000000000ull, 0 },
    [BDEV_SATA_SSD] = { "sata", 150000, 60000, 530000000ull, 480000000ull, 0 },
    [BDEV_HDD] = { "hdd", 200000, 200000, 180000000ull, 180000000ull, 8000000 },
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

uint64_t bdev_submit(struct bdev *d, uint64_t now, bool write, uint64_t pos, uint64_t bytes)
{
    uint64_t start = d->busy_until > now ? d->busy_until : now;
    uint64_t bps = write ? d->write_bps : d->read_bps;
    uint64_t t = write ? d->write_ns : d->read_ns;
    if (pos != d->next_pos)
        t += d->seek_ns;
    /* bytes / bps seconds, in ns, without overflow for any size below 2^64 / 10^9 bytes. */
    t += bytes / bps * 1000000000ull + bytes % bps * 1000000000ull / bps;
    d->busy_until = start + t;
    d->next_pos = pos + bytes;
    if (write) {
        d->writes++;
        d->write_bytes += bytes;
    } else {
        d->reads++;
        d->read_bytes += bytes;
    }
    return d->busy_until;
}
