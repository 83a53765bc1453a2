/* trace/champsim.c: ChampSim input_instr records (the traces of the DPC and CRC championships).
 *
 *   offset  0  u64 ip
 *           8  u8  is_branch, 9 u8 branch_taken
 *          10  u8  destination_registers[2], 12 u8 source_registers[4]
 *          16  u64 destination_memory[2]
 *          32  u64 source_memory[4]          (64 bytes, little-endian, no header)
 *
 * An instruction yields its fetch (exec at ip), then a read for each non-zero source_memory,
 * then a write for each non-zero destination_memory, in array order; sizes are not recorded
 * (0). ChampSim's own tracer stores 0 in unused slots, so address 0 cannot be told apart; an
 * ip of 0 (never a real instruction's: page 0 is not mappable) yields no fetch, which is how
 * vmlab's writer carries loads and stores that no fetch precedes (writer.c).
 */
#include "trace/trace_int.h"

#include <stdio.h>

#define CS_REC     64u
#define CS_MAX_OUT 7u /* fetch + 4 loads + 2 stores */

static inline void put(struct vml_trace_rec *o, uint64_t addr, unsigned kind)
{
    o->addr = addr;
    o->size = 0;
    o->kind = (uint8_t)kind;
    o->pad = 0;
    o->cpu = 0;
}

/* Decodes one record into o[0..7) (all seven slots may be written); returns how many count. */
static inline unsigned cs_decode(const uint8_t *p, struct vml_trace_rec *o)
{
    uint64_t ip = load_le64(p);
    put(o, ip, VML_EXEC);
    unsigned k = ip != 0; /* ip 0: no fetch (vmlab's writer marks data-only instructions so) */
    for (unsigned j = 0; j < 4; j++) {
        uint64_t a = load_le64(p + 32 + 8 * j);
        put(o + k, a, VML_READ);
        k += a != 0;
    }
    for (unsigned j = 0; j < 2; j++) {
        uint64_t a = load_le64(p + 16 + 8 * j);
        put(o + k, a, VML_WRITE);
        k += a != 0;
    }
    return k;
}

static long champsim_read(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t n)
{
    struct trace_src *s = &r->src;
    size_t i = 0;
    while (i < n) {
        if (s->len < CS_REC) {
            int m = s->eof ? 0 : src_more(s, &r->diag);
            if (m < 0) {
                r->err = m;
                r->diag.file = r->name;
                break;
            }
            if (m > 0)
                continue;
            if (s->len)
                trace_fail(r, VML_EPARSE, 0, 0,
                           "truncated record: %zu trailing bytes of a 64-byte record at byte "
                           "offset %llu%s",
                           s->len, (unsigned long long)s->off, src_offset_note(s));
            break;
        }
        const uint8_t *p = s->win;
        size_t recs = s->len / CS_REC, used = 0;
        for (; used < recs && i + CS_MAX_OUT <= n; used++, p += CS_REC)
            i += cs_decode(p, out + i);
        if (used < recs && i < n) {
            /* The last instruction that starts in the caller's buffer; the rest waits. */
            struct vml_trace_rec tmp[CS_MAX_OUT];
            unsigned k = cs_decode(p, tmp), fit = (unsigned)(n - i < k ? n - i : k);
            memcpy(out + i, tmp, fit * sizeof(tmp[0]));
            i += fit;
            if (fit < k)
                trace_push_pending(r, tmp + fit, k - fit);
            used++;
        }
        src_consume(s, used * CS_REC);
    }
    return (long)i;
}

int champsim_open(struct vml_trace_reader *r)
{
    r->read = champsim_read;
    return 0;
}
