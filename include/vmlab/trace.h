/* trace.h: memory-access traces: readers, writers, and synthetic generators.
 *
 * Every source of accesses (a trace file in any supported format, or a generator) is a
 * vml_trace_reader that yields records in batches; replay (vmlab/replay.h) does not care where
 * they come from. Formats (docs/trace-format.md):
 *   native    vmlab's own binary format: a header, then 8-byte records (kind, size, address);
 *             optionally zstd-compressed as a whole (".vmt.zst")
 *   lackey    Valgrind lackey --trace-mem=yes text (I, L, S, M lines; "==PID==" chatter skipped)
 *   champsim  ChampSim input_instr records (64 bytes), raw, .xz or .gz
 *   plain     "<hexaddr> <R|W>" lines, as OS course simulators use
 * Compression (zstd, xz, gzip) is recognised by its magic bytes, whatever the format.
 */
#ifndef VMLAB_TRACE_H
#define VMLAB_TRACE_H

#include "vmlab/base.h"
#include "vmlab/mmu.h"

/* One access. kind is an enum vml_access (read, write, instruction fetch). */
struct vml_trace_rec {
    uint64_t addr;
    uint16_t size; /* bytes accessed; 0 when the format does not say (taken as 1) */
    uint8_t kind;  /* enum vml_access */
    uint8_t pad;   /* 0 */
    uint32_t cpu;  /* the CPU or thread it came from; 0 when the format does not say */
};

enum vml_trace_format {
    VML_TRACE_AUTO = 0, /* detect from the content (then the file name's extension) */
    VML_TRACE_NATIVE,
    VML_TRACE_LACKEY,
    VML_TRACE_CHAMPSIM,
    VML_TRACE_PLAIN,
    VML_TRACE_GEN, /* a generator (vml_trace_open_gen) */
};

enum vml_trace_compress {
    VML_TRACE_RAW = 0,
    VML_TRACE_ZSTD,
    VML_TRACE_XZ,
    VML_TRACE_GZ,
};

/* Name of a format ("native", "lackey", "champsim", "plain", "gen") or compression ("raw",
 * "zstd", "xz", "gz"); parse a format name (VML_EINVAL for an unknown one). */
const char *vml_trace_format_name(enum vml_trace_format f);
const char *vml_trace_compress_name(enum vml_trace_compress c);
int vml_trace_format_parse(const char *name, enum vml_trace_format *out);

struct vml_trace_reader;

/* Opens a trace file. With VML_TRACE_AUTO the format is detected from its first bytes (after
 * decompression) and, for ChampSim (which has no magic), from a name ending in .champsim,
 * .champsimtrace or .trace (before any .xz/.gz). A path of "-" reads standard input.
 * VML_ENOENT (cannot open; diag says why), VML_EPARSE (format not recognised), VML_EHOST,
 * VML_EINVAL (fmt is VML_TRACE_GEN). On failure diag->file is path. */
int vml_trace_open(const char *path, enum vml_trace_format fmt, struct vml_trace_reader **out,
                   struct vml_diag *diag);

/* The same over bytes in memory (borrowed until close); name is used in diagnostics. */
int vml_trace_open_mem(const void *data, size_t len, const char *name, enum vml_trace_format fmt,
                       struct vml_trace_reader **out, struct vml_diag *diag);

/* Fills up to n records; returns how many (0 only at the end of the trace), or a negative
 * VML_E* with diag set: VML_EPARSE for a bad record (diag->file and, for text formats,
 * diag->line and diag->col; binary formats give the byte offset in diag->msg), VML_EHOST.
 * After an error every later call returns the same error. A lackey M line yields a read then a
 * write of the same address; a ChampSim instruction yields its fetch, loads, then stores.
 * diag->file then points at the reader's copy of the name, valid until vml_trace_close. */
long vml_trace_read(struct vml_trace_reader *r, struct vml_trace_rec *buf, size_t n,
                    struct vml_diag *diag);

enum vml_trace_format vml_trace_reader_format(const struct vml_trace_reader *r);
enum vml_trace_compress vml_trace_reader_compress(const struct vml_trace_reader *r);
/* Records in the trace if known in advance (a native header says it; a generator's count),
 * else 0. */
uint64_t vml_trace_reader_count(const struct vml_trace_reader *r);

void vml_trace_close(struct vml_trace_reader *r); /* accepts NULL */

/* What a whole trace holds (vmlab trace info). An access of size s at a touches the bytes
 * [a, a + s - 1] (one byte when the size is 0), so one that crosses a page boundary counts both
 * pages. */
struct vml_trace_summary {
    uint64_t records;
    uint64_t kinds[VML_NR_ACCESS]; /* records by enum vml_access */
    uint64_t lowest, highest;      /* lowest and highest byte accessed; 0, 0 without records */
    unsigned min_size, max_size;   /* over records that give a size; 0, 0 if none does */
    uint64_t unsized;              /* records without a size */
    uint32_t max_cpu;              /* the highest CPU a record names */
    uint64_t pages[VML_PS_COUNT];  /* distinct pages touched, by enum vml_page_size */
};

/* Reads r to its end and fills out. Returns 0; the reader's error (VML_EPARSE, VML_EHOST ...)
 * with diag filled as vml_trace_read fills it; or VML_EHOST with diag saying so when the host
 * has no memory for the page sets. Host memory grows with the distinct 4 KiB pages touched. */
int vml_trace_summarize(struct vml_trace_reader *r, struct vml_trace_summary *out,
                        struct vml_diag *diag);

/* ---- writers --------------------------------------------------------------------------------- */

struct vml_trace_writer;

/* Creates a native trace at path ("-": standard output), zstd-compressed when compress is
 * VML_TRACE_ZSTD (the only compression the writer offers). VML_ENOENT (diag says why),
 * VML_EINVAL. */
int vml_trace_create(const char *path, enum vml_trace_compress compress,
                     struct vml_trace_writer **out, struct vml_diag *diag);
/* The same in another format: VML_TRACE_NATIVE, _LACKEY, _PLAIN or _CHAMPSIM (else VML_EINVAL),
 * zstd-compressed or raw. Lackey, plain and ChampSim keep less than a record holds (no CPU; plain
 * and ChampSim no size; plain no fetch kind; ChampSim groups records into instructions):
 * docs/trace-format.md says exactly what reading the file back gives. */
int vml_trace_create_as(const char *path, enum vml_trace_format fmt,
                        enum vml_trace_compress compress, struct vml_trace_writer **out,
                        struct vml_diag *diag);
/* Appends records. VML_EINVAL for a kind that is not an enum vml_access, or (ChampSim) a read
 * or write of address 0; VML_ENOENT on a write error (diag says why). */
int vml_trace_write(struct vml_trace_writer *w, const struct vml_trace_rec *recs, size_t n,
                    struct vml_diag *diag);
/* Flushes, completes the header's record count where the output is seekable, closes and frees
 * (also on failure). */
int vml_trace_finish(struct vml_trace_writer *w, struct vml_diag *diag);
/* Closes and frees without completing; accepts NULL. A regular output file is written under a
 * temporary name in its directory and renamed into place by finish, so after an abort or a failed
 * finish nothing is left at the path (an earlier file there is kept as it was). */
void vml_trace_abort(struct vml_trace_writer *w);

/* ---- generators ----------------------------------------------------------------------------- */

enum vml_gen_pattern {
    VML_GEN_SEQ,    /* base, base + stride, ... wrapping at the footprint */
    VML_GEN_STRIDE, /* as seq with a given stride (default 4 KiB) */
    VML_GEN_RANDOM, /* uniform over the footprint's size-aligned slots */
    VML_GEN_ZIPF,   /* zipfian over the footprint's 64-byte lines, hot lines scattered */
    VML_GEN_CHASE,  /* pointer chase: one random cycle through all 64-byte lines */
};

struct vml_gen_config {
    enum vml_gen_pattern pattern;
    uint64_t base;           /* first address (default 0x7f0000000000) */
    uint64_t footprint;      /* bytes covered (default 1 GiB) */
    uint64_t count;          /* accesses (default 10,000,000) */
    uint64_t stride;         /* bytes between accesses for seq (default size) and stride */
    uint64_t seed;           /* for random, zipf, chase, and the read/write mix (default 1) */
    unsigned write_permille; /* writes per 1000 accesses (default 0) */
    unsigned size;           /* bytes per access (default 8) */
    unsigned zipf_milli;     /* zipf exponent s times 1000 (default 990) */
};

/* Fills cfg with the defaults for a pattern. */
void vml_gen_defaults(enum vml_gen_pattern p, struct vml_gen_config *cfg);
/* Parses "PATTERN[:KEY=VALUE,...]", e.g. "random:footprint=1G,count=50M,seed=7,writes=30%".
 * Keys: base, footprint, count, stride, seed, writes (percent with %, else per mille), size,
 * s (zipf exponent, e.g. 0.99). Sizes and counts take K/M/G suffixes. VML_EPARSE with diag
 * (col points at the bad part). */
int vml_gen_parse(const char *spec, struct vml_gen_config *cfg, struct vml_diag *diag);
/* Writes the spec back in canonical form (every key), for reports; returns buf. */
char *vml_gen_format(const struct vml_gen_config *cfg, char *buf, size_t len);
/* A reader over a generator: deterministic for a config, no host memory proportional to the
 * footprint. VML_EINVAL (diag says which value) for a zero footprint, a footprint smaller than
 * one access, or a size or stride of 0. */
int vml_trace_open_gen(const struct vml_gen_config *cfg, struct vml_trace_reader **out,
                       struct vml_diag *diag);

#endif
