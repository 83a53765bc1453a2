/* base.h: what every part of libvmlab's API shares: version, errors, diagnostics, sizes.
 *
 * Include vmlab/vmlab.h for the whole API; each module header includes this one.
 *
 * Conventions: calls return 0 or a negative VML_E* code (vml_strerror() gives text); failure
 * leaves state unchanged unless a function says otherwise; out-parameters come last; getters
 * return borrowed pointers valid until the next mutating call on the same object.
 *
 * Glossary: "page" = a virtual page, "frame" = a physical 4 KiB frame, identified by its pfn
 * (physical frame number, physical address >> 12); "block" = 2^order contiguous frames.
 */
#ifndef VMLAB_BASE_H
#define VMLAB_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VML_VERSION_MAJOR  0
#define VML_VERSION_MINOR  1
#define VML_VERSION_PATCH  0
#define VML_VERSION_STRING "0.1.0"

/* Returns the library's version string, e.g. "0.1.0". */
const char *vml_version(void);

enum vml_err {
    VML_OK = 0,
    VML_EINVAL = -1,     /* invalid argument: misaligned, out of range, unknown name */
    VML_ENOMEM = -2,     /* simulated physical memory exhausted */
    VML_EHOST = -3,      /* the host could not allocate memory for the simulation */
    VML_EEXIST = -4,     /* something is already mapped there */
    VML_ENOENT = -5,     /* nothing is mapped there / no such object */
    VML_ENONCANON = -6,  /* virtual address is not canonical for the paging mode */
    VML_EPARSE = -7,     /* text could not be parsed; the vml_diag says where and why */
    VML_EAGAIN = -8,     /* no pid left below pid_max (fork's EAGAIN) */
    VML_EFBIG = -9,      /* a file would grow past its filesystem's largest size (EFBIG) */
    VML_EOVERFLOW = -10, /* a file mapping would reach past the largest file offset */
    VML_ENOTSUP = -11,   /* a setting or operation the simulation does not model yet */
    VML_EKILLED = -12,   /* the calling process was killed on the way (the OOM killer chose it) */
    VML_EPANIC = -13,    /* the simulated kernel panicked (panic_on_oom, or nothing left to kill);
                          * the machine can only be read from then on */
    VML_EBUSY = -14,     /* the object is in use (a cgroup with children takes no process; a v1
                          * limit below what reclaim can bring usage to) */
    VML_EFAULT = -15,    /* a range that is not mapped where it must be (mbind's EFAULT) */
};

/* Returns a static description of a VML_E* code ("unknown error" for others). */
const char *vml_strerror(int err);

/* Where and why a parser or a configuration check failed. line and col are 1-based; 0 means
 * not applicable (a single-line value has line 1). */
struct vml_diag {
    const char *file; /* borrowed name of the input, or NULL */
    unsigned line;    /* 1-based line of the problem, 0 if none */
    unsigned col;     /* 1-based column (byte) of the problem, 0 if none */
    char msg[256];    /* what went wrong and, where possible, how to fix it */
};

/* Memory protection bits, Linux's PROT_* values (0 is PROT_NONE). */
#define VML_PROT_NONE  0u
#define VML_PROT_READ  (1u << 0)
#define VML_PROT_WRITE (1u << 1)
#define VML_PROT_EXEC  (1u << 2)

/* Page sizes the x86-64 MMU maps with one entry. */
enum vml_page_size {
    VML_PS_4K = 0, /* PT leaf */
    VML_PS_2M = 1, /* PD leaf (PS=1) */
    VML_PS_1G = 2, /* PDPT leaf (PS=1) */
    VML_PS_COUNT = 3,
};
#define VML_PS_BIT(ps) (1u << (ps))

/* log2 of a page size in bytes: 12, 21 or 30. */
static inline unsigned vml_ps_shift(enum vml_page_size ps)
{
    return 12u + 9u * (unsigned)ps;
}

/* Short name of a page size: "4K", "2M", "1G". */
const char *vml_ps_name(enum vml_page_size ps);

/* Growable text that formatters append to. Start it zeroed; free it with vml_text_free. After a
 * host allocation failure oom is set, later appends do nothing, and the call that noticed it
 * returns VML_EHOST. s is NUL-terminated whenever len > 0. */
struct vml_text {
    char *s;    /* the text, or NULL while empty */
    size_t len; /* bytes, excluding the NUL */
    size_t cap; /* bytes allocated */
    bool oom;   /* an append failed */
};

/* Appends n bytes of s, or printf-formatted text; after a host allocation failure oom is set and
 * the text is left as it was. */
void vml_text_append(struct vml_text *t, const char *s, size_t n);
void vml_text_printf(struct vml_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Frees the text and zeroes the struct; accepts an empty one. */
void vml_text_free(struct vml_text *t);

#define VML_KiB (1ull << 10)
#define VML_MiB (1ull << 20)
#define VML_GiB (1ull << 30)
#define VML_TiB (1ull << 40)

/* Parses an unsigned integer: decimal, 0x hex or 0b binary, '_' allowed between digits.
 * Returns 0, or VML_EPARSE with diag filled (diag may be NULL). */
int vml_parse_u64(const char *s, uint64_t *out, struct vml_diag *diag);

/* Parses a byte size: a number with an optional binary suffix K, M, G, T, P, E (or KiB, MiB ...,
 * or B), e.g. "64M", "1T", "4096", "0x1000". Returns 0, or VML_EPARSE with diag filled. */
int vml_parse_size(const char *s, uint64_t *out, struct vml_diag *diag);

/* Writes bytes exactly, in the largest binary unit that divides it ("1 GiB", "8194 MiB",
 * "2097153 B"), into buf; returns buf. For values a person must be able to type back. */
char *vml_format_size(uint64_t bytes, char *buf, size_t len);

/* Writes bytes for reading: exact when that leaves fewer than 1024 units ("12 KiB"), else one
 * decimal in the largest unit it reaches ("2.2 MiB", "16.0 EiB"); returns buf. */
char *vml_format_size_human(uint64_t bytes, char *buf, size_t len);

#endif
