/* proc/numa.c: /proc/PID/numa_maps and the lines of nodeN/meminfo (see vmlab/proc.h).
 *
 * numa_maps is written by show_numa_map (fs/proc/task_mmu.c); its policy text by mpol_to_str
 * (mm/mempolicy.c) into a 64-byte buffer, so a policy is at most 63 bytes. Two of the policy
 * names hold a space ("weighted interleave", "prefer (many)"): the policy is therefore read as
 * one of the kernel's names, then the flags and node list glued to it, not as the first word.
 */
#include "vmlab/proc.h"

#include "proc/lines.h"
#include "util/diag.h"
#include "util/text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* policy_modes[] of mm/mempolicy.c, the names with a space first (a prefix of another must
 * come after it: "prefer (many)" before "prefer"). */
static const char *const policy_names[] = {
    "weighted interleave", "prefer (many)", "default", "prefer", "bind", "interleave", "local"
};

/* The policy at *p: a kernel name (or, from a newer kernel, any word), then the flags and
 * node list glued to it ("=static", ":0-3"), up to the next space. */
static int policy(const struct line *l, const char **p, char *out, size_t cap, struct vml_diag *d)
{
    const char *s = *p, *q = s;
    for (size_t i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
        size_t n = strlen(policy_names[i]);
        if ((size_t)(l->e - s) >= n && memcmp(s, policy_names[i], n) == 0 &&
            (s + n == l->e || s[n] == ' ' || s[n] == '=' || s[n] == ':')) {
            q = s + n;
            break;
        }
    }
    while (q < l->e && *q != ' ') {
        if (*q < '!' || *q > '~') /* mpol_to_str prints ASCII: names, flags, node lists */
            return line_error(d, l, q, "a byte that is not printable ASCII in the memory policy");
        q++;
    }
    if (q == s)
        return line_error(d, l, s, "expected the memory policy after the address");
    if ((size_t)(q - s) >= cap)
        return line_error(d, l, s, "a policy longer than the kernel's 63 bytes");
    memcpy(out, s, (size_t)(q - s));
    out[q - s] = 0;
    *p = q;
    return 0;
}

struct key {
    const char *name;
    unsigned bit;
    size_t off;
};

static const struct key keys[] = {
    { "anon", VML_NM_ANON, offsetof(struct vml_numa_map, anon) },
    { "dirty", VML_NM_DIRTY, offsetof(struct vml_numa_map, dirty) },
    { "mapped", VML_NM_MAPPED, offsetof(struct vml_numa_map, mapped) },
    { "mapmax", VML_NM_MAPMAX, offsetof(struct vml_numa_map, mapmax) },
    { "swapcache", VML_NM_SWAPCACHE, offsetof(struct vml_numa_map, swapcache) },
    { "active", VML_NM_ACTIVE, offsetof(struct vml_numa_map, active) },
    { "writeback", VML_NM_WRITEBACK, offsetof(struct vml_numa_map, writeback) },
    { "kernelpagesize_kB", VML_NM_PAGESIZE, offsetof(struct vml_numa_map, kernelpagesize_kb) },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* N<node>=<pages>: 1 if the word is not one (another word), 0 when stored, VML_EPARSE. */
static int node_field(const struct line *l, const char *w, const char *we, struct vml_numa_map *m,
                      bool *seen, struct vml_diag *d)
{
    const char *q = w + 1;
    uint64_t node, pages;
    if (we - w < 2 || *w != 'N' || *q < '0' || *q > '9')
        return 1;
    if (line_number(&q, we, 10, &node) || node >= VML_NUMA_MAX_NODES)
        return line_error(d, l, w + 1, "expected a node number below 1024 after 'N'");
    if (q == we || *q != '=')
        return line_error(d, l, q, "expected '=' after the node number");
    q++;
    if (line_number(&q, we, 10, &pages) || q != we)
        return line_error(d, l, q,
                          "expected a page count (decimal, at most 2^64-1) after 'N<node>='");
    if (seen[node])
        return line_error(d, l, w, "a node given twice");
    seen[node] = true;
    m->nodes[m->nnodes].node = (unsigned)node;
    m->nodes[m->nnodes].pages = pages;
    m->nnodes++;
    return 0;
}

/* One word after the policy. */
static int word(const struct line *l, const char *w, const char *we, struct vml_numa_map *m,
                bool *seen, struct vml_diag *d)
{
    size_t n = (size_t)(we - w);
    if (n >= 5 && memcmp(w, "file=", 5) == 0) {
        if (m->file || m->heap || m->stack)
            return line_error(d, l, w, "a second file=, heap or stack");
        m->file = w + 5; /* NUL-terminated by the caller's copy */
        return 0;
    }
    if ((n == 4 && memcmp(w, "heap", 4) == 0) || (n == 5 && memcmp(w, "stack", 5) == 0)) {
        if (m->file || m->heap || m->stack)
            return line_error(d, l, w, "a second file=, heap or stack");
        *(n == 4 ? &m->heap : &m->stack) = true;
        return 0;
    }
    if (n == 4 && memcmp(w, "huge", 4) == 0) {
        m->huge = true;
        return 0;
    }
    int r = node_field(l, w, we, m, seen, d);
    if (r <= 0)
        return r;
    const char *eq = memchr(w, '=', n);
    if (!eq)
        return 0; /* a word a newer kernel prints: skipped */
    for (size_t k = 0; k < NKEYS; k++) {
        if (strlen(keys[k].name) != (size_t)(eq - w) || memcmp(w, keys[k].name, (size_t)(eq - w)))
            continue;
        const char *q = eq + 1;
        uint64_t v;
        if (line_number(&q, we, 10, &v) || q != we)
            return line_error(d, l, eq + 1, "expected a decimal number (at most 2^64-1) after '='");
        if (m->have & keys[k].bit)
            return line_error(d, l, w, "a field given twice");
        m->have |= keys[k].bit;
        memcpy((char *)m + keys[k].off, &v, sizeof(v));
        return 0;
    }
    return 0; /* key=value of a newer kernel: skipped */
}

int vml_proc_parse_numa_maps(const char *text, size_t len, vml_numa_map_fn fn, void *ctx,
                             struct vml_diag *diag)
{
    struct vml_numa_map *m = calloc(1, sizeof(*m)); /* nnodes 0: nothing seen yet */
    bool *seen = calloc(VML_NUMA_MAX_NODES, sizeof(bool));
    char *copy = malloc(len + 1); /* file= paths, NUL-terminated */
    int r = 0;
    if (!m || !seen || !copy) {
        r = VML_EHOST;
        goto out;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    const char *p = copy, *end = copy + len;
    struct line l = { 0 };
    while (r == 0 && next_line(&p, end, &l)) {
        for (unsigned i = 0; i < m->nnodes; i++) /* the previous line's: not all 1024 */
            seen[m->nodes[i].node] = false;
        memset(m, 0, offsetof(struct vml_numa_map, nodes));
        const char *q = l.s, *nul = memchr(l.s, 0, (size_t)(l.e - l.s));
        if (nul) { /* the kernel never prints one: not even a path holds it */
            r = line_error(diag, &l, nul, "a NUL byte");
            break;
        }
        if (line_number(&q, l.e, 16, &m->start)) {
            r = line_error(diag, &l, q, "expected the mapping's start address (hex)");
            break;
        }
        if (q == l.e || *q != ' ') {
            r = line_error(diag, &l, q, "expected a space after the address");
            break;
        }
        q++;
        if ((r = policy(&l, &q, m->policy, sizeof(m->policy), diag)) != 0)
            break;
        while (r == 0 && q < l.e) {
            if (*q != ' ') {
                r = line_error(diag, &l, q, "expected a space between fields");
                break;
            }
            const char *w = ++q;
            while (q < l.e && *q != ' ')
                q++;
            if (q == w) {
                r = line_error(diag, &l, w, "expected one space between fields");
                break;
            }
            r = word(&l, w, q, m, seen, diag);
        }
        if (r == 0 && m->nnodes && !(m->have & VML_NM_PAGESIZE))
            r = line_error(diag, &l, l.s,
                           "page counts per node (N<node>=) without kernelpagesize_kB");
        if (r == 0 && m->file) {
            /* Cut the path at its end: the line is a copy, its next byte a space or newline. */
            char *fe = (char *)m->file;
            while (fe < l.e && *fe != ' ')
                fe++;
            *fe = 0;
        }
        if (r == 0)
            r = fn(m, ctx);
    }
out:
    free(copy);
    free(seen);
    free(m);
    return r;
}

int vml_proc_format_numa_map(const struct vml_numa_map *m, struct vml_text *out)
{
    text_printf(out, "%08" PRIx64 " %s", m->start, m->policy);
    if (m->file)
        text_printf(out, " file=%s", m->file);
    else if (m->heap)
        text_printf(out, " heap");
    else if (m->stack)
        text_printf(out, " stack");
    if (m->huge)
        text_printf(out, " huge");
    for (size_t k = 0; k + 1 < NKEYS; k++) {
        uint64_t v;
        memcpy(&v, (const char *)m + keys[k].off, sizeof(v));
        if (m->have & keys[k].bit)
            text_printf(out, " %s=%" PRIu64, keys[k].name, v);
    }
    for (unsigned i = 0; i < m->nnodes; i++)
        text_printf(out, " N%u=%" PRIu64, m->nodes[i].node, m->nodes[i].pages);
    if (m->have & VML_NM_PAGESIZE)
        text_printf(out, " kernelpagesize_kB=%" PRIu64, m->kernelpagesize_kb);
    text_append(out, "\n", 1);
    return text_status(out);
}

int vml_proc_parse_node_meminfo_lines(const char *text, size_t len, unsigned *node,
                                      vml_node_line_fn fn, void *ctx, struct vml_diag *diag)
{
    const char *p = text, *end = text + len;
    struct line l = { 0 };
    uint64_t first = UINT64_MAX;
    while (next_line(&p, end, &l)) {
        const char *q = l.s;
        uint64_t n, v;
        if (l.e - q < 5 || memcmp(q, "Node ", 5) != 0)
            return line_error(diag, &l, q, "expected 'Node N' at the start of the line");
        q += 5;
        if (line_number(&q, l.e, 10, &n) || n >= VML_NUMA_MAX_NODES)
            return line_error(diag, &l, l.s + 5, "expected a node number (0..1023)");
        if (first != UINT64_MAX && n != first)
            return line_error(diag, &l, l.s + 5, "a different node than the first line's");
        first = n;
        if (q == l.e || *q != ' ')
            return line_error(diag, &l, q, "expected a space after the node number");
        const char *key = ++q;
        /* A key is printable ASCII ("Active(anon)", "HugePages_Total"): no control byte,
         * which no kernel prints and a reader could not show. */
        while (q < l.e && *q != ':' && *q > ' ' && *q < 0x7f)
            q++;
        if (q == key || q == l.e || *q != ':')
            return line_error(diag, &l, q, "expected 'Key:' after the node number");
        size_t keylen = (size_t)(q - key);
        q++;
        while (q < l.e && *q == ' ')
            q++;
        if (line_number(&q, l.e, 10, &v))
            return line_error(diag, &l, q, "expected a decimal number (at most 2^64-1)");
        bool kb = false;
        if (l.e - q == 3 && memcmp(q, " kB", 3) == 0) {
            kb = true;
            q += 3;
        }
        if (q != l.e)
            return line_error(diag, &l, q,
                              "expected ' kB' or the end of the line after the number");
        int r = fn(key, keylen, v, kb, ctx);
        if (r)
            return r;
    }
    *node = first == UINT64_MAX ? 0 : (unsigned)first;
    return 0;
}
