/* trace/gen.c: synthetic access streams, deterministic from a seed, in constant host memory.
 *
 * Patterns (struct vml_gen_config; spec syntax in gen_spec.c and docs/trace-format.md):
 *   seq, stride  base + k * stride for k = 0, 1, ... while the access fits in the footprint, then
 *                from k = 0 again
 *   random       uniform over the footprint's size-aligned slots (Lemire's bounded integers)
 *   zipf         64-byte lines with P(rank k) proportional to 1 / k^s, sampled by
 *                rejection-inversion (Hörmann and Derflinger, "Rejection-inversion to generate
 *                variates from monotone discrete distributions", 1996); rank k is line
 *                perm(k - 1), so the hot lines are scattered over the footprint
 *   chase        lines perm(0), perm(1), ..., perm(N - 1), perm(0), ...: one cycle through all
 *                N lines, as a pointer chase through a random cyclic linked list would go
 * perm is a bijection of [0, N): a 4-round Feistel network on the smallest even number of bits
 * covering N, cycle-walked (applied again until the value falls below N). Nothing is stored
 * per line. Random numbers come from xoshiro256** seeded through splitmix64; the read/write
 * choice has its own stream, so changing writes= does not move the addresses.
 */
#include "trace/trace_int.h"
#include "util/xoshiro.h"

#include <math.h>
#include <stdio.h>

#define LINE       64u
#define SIZE_LIMIT 65535u /* a record's size is 16 bits */
#define ZIPF_MAX_S 10000u /* s at most 10 */

/* ---- random numbers ---------------------------------------------------------------------- */

/* Uniform in [0, n), n > 0, without bias (Lemire, "Fast random integer generation in an
 * interval", 2019). */
static inline uint64_t bounded(uint64_t s[4], uint64_t n)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 m = (unsigned __int128)xoshiro256ss(s) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t t = -n % n;
        while (low < t) {
            m = (unsigned __int128)xoshiro256ss(s) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
#else
    uint64_t t = -n % n, x;
    do {
        x = xoshiro256ss(s);
    } while (x < t);
    return x % n;
#endif
}

static inline double uniform01(uint64_t s[4])
{
    return (double)(xoshiro256ss(s) >> 11) * 0x1.0p-53;
}

/* ---- the permutation of lines ------------------------------------------------------------ */

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t feistel(const struct gen_state *g, uint64_t x)
{
    const unsigned h = g->fhalf;
    const uint64_t mask = (1ull << h) - 1;
    uint64_t l = x >> h, r = x & mask;
    for (unsigned i = 0; i < 4; i++) {
        uint64_t t = l ^ (mix64(r ^ g->fkey[i]) & mask);
        l = r;
        r = t;
    }
    return (l << h) | r;
}

/* A bijection of [0, nslots): the Feistel network cycle-walked into range. */
static inline uint64_t permute(const struct gen_state *g, uint64_t x)
{
    do {
        x = feistel(g, x);
    } while (x >= g->nslots);
    return x;
}

/* ---- zipf by rejection-inversion -------------------------------------------------------- */

static double helper1(double x) /* log1p(x) / x, continuous at 0 */
{
    return fabs(x) > 1e-8 ? log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

static double helper2(double x) /* expm1(x) / x, continuous at 0 */
{
    return fabs(x) > 1e-8 ? expm1(x) / x
                          : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
}

static double zh(double x, double e) /* the density h(x) = x^-e */
{
    return exp(-e * log(x));
}

static double zh_integral(double x, double e) /* H(x) = (x^(1-e) - 1) / (1 - e), or log x */
{
    double lx = log(x);
    return helper2((1.0 - e) * lx) * lx;
}

static double zh_integral_inv(double x, double e)
{
    double t = x * (1.0 - e);
    if (t < -1.0)
        t = -1.0; /* rounding can push it just past the pole */
    return exp(helper1(t) * x);
}

static void zipf_setup(struct gen_state *g)
{
    double e = g->cfg.zipf_milli / 1000.0;
    g->z_exp = e;
    g->z_hx1 = zh_integral(1.5, e) - 1.0;
    g->z_hn = zh_integral((double)g->nslots + 0.5, e);
    g->z_s = 2.0 - zh_integral_inv(zh_integral(2.5, e) - zh(2.0, e), e);
}

/* A rank in [1, nslots]. */
static uint64_t zipf_rank(struct gen_state *g)
{
    const double e = g->z_exp, n = (double)g->nslots;
    for (;;) {
        double u = g->z_hn + uniform01(g->rng) * (g->z_hx1 - g->z_hn);
        double x = zh_integral_inv(u, e);
        double kd = x + 0.5;
        uint64_t k = kd < 1.0 ? 1 : kd >= n ? g->nslots : (uint64_t)kd;
        if ((double)k - x <= g->z_s || u >= zh_integral((double)k + 0.5, e) - zh((double)k, e))
            return k;
    }
}

/* ---- the reader ------------------------------------------------------------------------- */

static inline uint8_t gen_kind(struct gen_state *g)
{
    unsigned w = g->cfg.write_permille;
    if (w == 0)
        return VML_READ;
    if (w >= 1000)
        return VML_WRITE;
    return ((xoshiro256ss(g->mix) >> 32) * 1000 >> 32) < w ? VML_WRITE : VML_READ;
}

static long gen_read(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t n)
{
    struct gen_state *g = &r->u.gen;
    const struct vml_gen_config *c = &g->cfg;
    uint64_t left = c->count - g->done;
    size_t m = left < n ? (size_t)left : n;
    for (size_t i = 0; i < m; i++) {
        uint64_t off;
        switch (c->pattern) {
        case VML_GEN_SEQ:
        case VML_GEN_STRIDE:
            off = g->k * c->stride;
            if (++g->k == g->nslots)
                g->k = 0;
            break;
        case VML_GEN_RANDOM: off = bounded(g->rng, g->nslots) * c->size; break;
        case VML_GEN_ZIPF: off = permute(g, zipf_rank(g) - 1) * LINE; break;
        default:
            off = permute(g, g->k) * LINE;
            if (++g->k == g->nslots)
                g->k = 0;
            break;
        }
        out[i].addr = c->base + off;
        out[i].size = (uint16_t)c->size;
        out[i].kind = gen_kind(g);
        out[i].pad = 0;
        out[i].cpu = 0;
    }
    g->done += m;
    return (long)m;
}

static uint64_t slots(const struct vml_gen_config *c)
{
    switch (c->pattern) {
    case VML_GEN_SEQ:
    case VML_GEN_STRIDE: return (c->footprint - c->size) / c->stride + 1;
    case VML_GEN_RANDOM: return c->footprint / c->size;
    default: return (c->footprint - c->size) / LINE + 1;
    }
}

const char *gen_check(const struct vml_gen_config *c, char *msg, size_t cap)
{
    if ((unsigned)c->pattern > VML_GEN_CHASE) {
        snprintf(msg, cap, "unknown pattern %u", (unsigned)c->pattern);
        return "pattern";
    }
    if (c->size == 0 || c->size > SIZE_LIMIT) {
        snprintf(msg, cap, "size %u is out of range (1 to 65535 bytes)", c->size);
        return "size";
    }
    if (c->footprint == 0) {
        snprintf(msg, cap, "footprint must not be 0");
        return "footprint";
    }
    if (c->footprint < c->size) {
        snprintf(msg, cap, "footprint of %llu bytes is smaller than one access of %u bytes",
                 (unsigned long long)c->footprint, c->size);
        return "footprint";
    }
    if (c->base && c->footprint > 0 - c->base) {
        snprintf(msg, cap, "base 0x%llx + footprint 0x%llx passes the end of the address space",
                 (unsigned long long)c->base, (unsigned long long)c->footprint);
        return "footprint";
    }
    if ((c->pattern == VML_GEN_SEQ || c->pattern == VML_GEN_STRIDE) && c->stride == 0) {
        snprintf(msg, cap, "stride must not be 0");
        return "stride";
    }
    if (c->write_permille > 1000) {
        snprintf(msg, cap, "writes of %u per mille is more than all accesses", c->write_permille);
        return "writes";
    }
    if (c->pattern == VML_GEN_ZIPF && (c->zipf_milli == 0 || c->zipf_milli > ZIPF_MAX_S)) {
        snprintf(msg, cap, "zipf exponent s must be above 0 and at most 10");
        return "s";
    }
    return NULL;
}

int vml_trace_open_gen(const struct vml_gen_config *cfg, struct vml_trace_reader **out,
                       struct vml_diag *diag)
{
    char msg[200], spec[256];
    if (gen_check(cfg, msg, sizeof(msg))) {
        if (diag) {
            diag->file = NULL;
            diag->line = 0;
            diag->col = 0;
            snprintf(diag->msg, sizeof(diag->msg), "bad generator: %s", msg);
        }
        return VML_EINVAL;
    }
    struct vml_trace_reader *r = trace_reader_new(vml_gen_format(cfg, spec, sizeof(spec)));
    if (!r) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg), "out of memory");
        return VML_EHOST;
    }
    struct gen_state *g = &r->u.gen;
    g->cfg = *cfg;
    g->nslots = slots(cfg);
    uint64_t x = cfg->seed;
    for (unsigned i = 0; i < 4; i++)
        g->rng[i] = splitmix64(&x);
    for (unsigned i = 0; i < 4; i++)
        g->mix[i] = splitmix64(&x);
    for (unsigned i = 0; i < 4; i++)
        g->fkey[i] = splitmix64(&x);
    g->fhalf = 1;
    while (g->fhalf < 32 && (1ull << (2 * g->fhalf)) < g->nslots)
        g->fhalf++;
    if (cfg->pattern == VML_GEN_ZIPF)
        zipf_setup(g);
    r->read = gen_read;
    r->format = VML_TRACE_GEN;
    r->count = cfg->count;
    *out = r;
    return 0;
}
