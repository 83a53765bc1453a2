/* learn/toy.c: toy paging machines for teaching (docs/learn.md). A generic model, sized to be
 * worked by hand: OSTEP's 16 KiB space of 1 KiB pages with a linear table, or its 32 KiB space
 * of 32-byte pages with a two-level table of one-byte entries. Not x86-64: no permission bits,
 * no huge pages, entries hold only a valid bit and a frame number. */
#include "learn/toy.h"

#include "util/diag.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

static unsigned log2u(uint64_t x)
{
    unsigned n = 0;
    while (x > 1) {
        x >>= 1;
        n++;
    }
    return n;
}

static bool pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

int toy_layout(const struct vml_toy_config *c, struct toy_layout *lo, struct vml_diag *d)
{
    memset(lo, 0, sizeof(*lo));
    if (!pow2(c->page_size) || c->page_size < 2 || c->page_size > VML_MiB) {
        diag_set(d, 0, 0, "page=%llu: a page size must be a power of two from 2 bytes to 1M",
                 (unsigned long long)c->page_size);
        return VML_EINVAL;
    }
    if (!pow2(c->va_size) || c->va_size < 2 * c->page_size || c->va_size > (1ull << 40)) {
        diag_set(d, 0, 0,
                 "va=%llu: an address space must be a power of two, at least two pages and at "
                 "most 1T",
                 (unsigned long long)c->va_size);
        return VML_EINVAL;
    }
    if (!pow2(c->phys_size) || c->phys_size < 2 * c->page_size || c->phys_size > 64 * VML_MiB) {
        diag_set(d, 0, 0,
                 "phys=%llu: physical memory must be a power of two, at least two pages and at "
                 "most 64M",
                 (unsigned long long)c->phys_size);
        return VML_EINVAL;
    }
    if (c->pte_size != 1 && c->pte_size != 2 && c->pte_size != 4 && c->pte_size != 8) {
        diag_set(d, 0, 0, "pte=%u: an entry is 1, 2, 4 or 8 bytes", c->pte_size);
        return VML_EINVAL;
    }
    if (c->levels < 1 || c->levels > TOY_MAX_LEVELS) {
        diag_set(d, 0, 0, "levels=%u: from 1 to %u", c->levels, TOY_MAX_LEVELS);
        return VML_EINVAL;
    }
    lo->va_bits = log2u(c->va_size);
    lo->off_bits = log2u(c->page_size);
    lo->vpn_bits = lo->va_bits - lo->off_bits;
    lo->nframes = c->phys_size / c->page_size;
    lo->pfn_bits = log2u(lo->nframes);
    lo->entry_bits = 8 * c->pte_size;
    if (lo->pfn_bits > lo->entry_bits - 1) {
        diag_set(d, 0, 0,
                 "pte=%u: %llu frames need %u bits of frame number, more than a %u-byte entry "
                 "holds beside its valid bit",
                 c->pte_size, (unsigned long long)lo->nframes, lo->pfn_bits, c->pte_size);
        return VML_EINVAL;
    }
    if (c->page_size < 2ull * c->pte_size) {
        diag_set(d, 0, 0, "page=%llu: a page must hold at least two %u-byte entries",
                 (unsigned long long)c->page_size, c->pte_size);
        return VML_EINVAL;
    }
    unsigned per = log2u(c->page_size / c->pte_size); /* index bits of a one-page table */
    unsigned below = (c->levels - 1) * per;
    if (below >= lo->vpn_bits) {
        diag_set(d, 0, 0,
                 "levels=%u: the %u lower levels index %u bits each (a page of %llu entries), "
                 "%u in all, leaving nothing of the %u-bit page number for the top level",
                 c->levels, c->levels - 1, per, (unsigned long long)(c->page_size / c->pte_size),
                 below, lo->vpn_bits);
        return VML_EINVAL;
    }
    unsigned shift = lo->vpn_bits;
    for (unsigned k = 0; k < c->levels; k++) {
        lo->bits[k] = k == 0 ? lo->vpn_bits - below : per;
        shift -= lo->bits[k];
        lo->shift[k] = shift;
    }
    /* The top table must fit in memory with room to spare. */
    uint64_t top = (1ull << lo->bits[0]) * c->pte_size;
    if (top > c->phys_size / 2) {
        diag_set(d, 0, 0,
                 "va=%llu: the top-level table (%llu bytes) takes more than half of "
                 "physical memory",
                 (unsigned long long)c->va_size, (unsigned long long)top);
        return VML_EINVAL;
    }
    return 0;
}

/* ---- the config's text -------------------------------------------------------------------- */

static const struct {
    const char *name;
    struct vml_toy_config cfg;
} presets[] = {
    { "ostep-linear", { 16 * VML_KiB, 1 * VML_KiB, 64 * VML_KiB, 1, 4 } },
    { "ostep-multilevel", { 32 * VML_KiB, 32, 4 * VML_KiB, 2, 1 } },
};

int vml_toy_parse(const char *spec, struct vml_toy_config *cfg, struct vml_diag *d)
{
    *cfg = presets[0].cfg;
    size_t i = 0, len = strlen(spec);
    bool first = true;
    if (len == 0) {
        diag_set(d, 1, 1,
                 "empty machine (a preset: ostep-linear, ostep-multilevel, or keys va, "
                 "page, phys, levels, pte)");
        return VML_EPARSE;
    }
    while (i <= len) {
        size_t e = i;
        while (e < len && spec[e] != ',')
            e++;
        unsigned col = (unsigned)i + 1;
        char item[96];
        if (e - i >= sizeof(item)) {
            diag_set(d, 1, col, "item of %zu characters is too long", e - i);
            return VML_EPARSE;
        }
        memcpy(item, spec + i, e - i);
        item[e - i] = '\0';
        char *eq = strchr(item, '=');
        if (!eq) {
            bool found = false;
            for (size_t p = 0; p < sizeof(presets) / sizeof(presets[0]); p++)
                if (strcmp(item, presets[p].name) == 0) {
                    *cfg = presets[p].cfg;
                    found = true;
                }
            if (!found || !first) {
                diag_set(d, 1, col,
                         found ? "a preset comes first, before any KEY=VALUE"
                               : "'%s': not a preset (ostep-linear, ostep-multilevel) or KEY=VALUE",
                         item);
                return VML_EPARSE;
            }
        } else {
            *eq = '\0';
            const char *key = item, *val = eq + 1;
            unsigned vcol = col + (unsigned)(val - item);
            uint64_t v;
            struct vml_diag vd = { 0 };
            bool size_key =
                strcmp(key, "va") == 0 || strcmp(key, "page") == 0 || strcmp(key, "phys") == 0;
            bool num_key = strcmp(key, "levels") == 0 || strcmp(key, "pte") == 0;
            if (!size_key && !num_key) {
                diag_set(d, 1, col, "unknown key '%s' (va, page, phys, levels, pte)", key);
                return VML_EPARSE;
            }
            if ((size_key ? vml_parse_size(val, &v, &vd) : vml_parse_u64(val, &v, &vd)) != 0) {
                diag_set(d, 1, vcol + (vd.col ? vd.col - 1 : 0), "%s=%s: %s", key, val, vd.msg);
                return VML_EPARSE;
            }
            if (num_key && v > 64) {
                diag_set(d, 1, vcol, "%s=%s: too large", key, val);
                return VML_EPARSE;
            }
            if (strcmp(key, "va") == 0)
                cfg->va_size = v;
            else if (strcmp(key, "page") == 0)
                cfg->page_size = v;
            else if (strcmp(key, "phys") == 0)
                cfg->phys_size = v;
            else if (strcmp(key, "levels") == 0)
                cfg->levels = (unsigned)v;
            else
                cfg->pte_size = (unsigned)v;
        }
        first = false;
        i = e + 1;
    }
    struct toy_layout lo;
    if (toy_layout(cfg, &lo, d)) {
        if (d) {
            d->line = 1;
            d->col = 1;
        }
        return VML_EPARSE;
    }
    return 0;
}

char *vml_toy_format(const struct vml_toy_config *c, char *buf, size_t len)
{
    char a[32], b[32], p[32];
    vml_format_size(c->va_size, a, sizeof(a));
    vml_format_size(c->page_size, b, sizeof(b));
    vml_format_size(c->phys_size, p, sizeof(p));
    /* "16 KiB" -> "16K" */
    char *s[3] = { a, b, p };
    for (int k = 0; k < 3; k++) {
        char *sp = strchr(s[k], ' ');
        if (sp) {
            sp[0] = sp[1] == 'B' ? '\0' : sp[1];
            sp[1] = '\0';
        }
    }
    snprintf(buf, len, "va=%s,page=%s,phys=%s,levels=%u,pte=%u", a, b, p, c->levels, c->pte_size);
    return buf;
}

static void bits_range(struct vml_text *t, unsigned hi, unsigned lo)
{
    if (hi == lo)
        vml_text_printf(t, "bit %u", lo);
    else
        vml_text_printf(t, "bits %u-%u", hi, lo);
}

void vml_toy_describe(const struct vml_toy_config *c, struct vml_text *t)
{
    struct toy_layout lo;
    if (toy_layout(c, &lo, NULL))
        return;
    char a[32], b[32], p[32];
    vml_text_printf(t,
                    "Toy machine (a generic paging model for exercises, not x86-64): %s of "
                    "virtual space (%u-bit addresses), %s pages, %s of physical memory (%llu "
                    "frames).\n",
                    vml_format_size_human(c->va_size, a, sizeof(a)), lo.va_bits,
                    vml_format_size_human(c->page_size, b, sizeof(b)),
                    vml_format_size_human(c->phys_size, p, sizeof(p)),
                    (unsigned long long)lo.nframes);
    if (c->levels == 1)
        vml_text_printf(t, "Page table: linear, %llu entries of %u byte%s.\n", 1ull << lo.vpn_bits,
                        c->pte_size, c->pte_size > 1 ? "s" : "");
    else
        vml_text_printf(t,
                        "Page table: %u levels; each table below the top fills one page (%llu "
                        "entries of %u byte%s).\n",
                        c->levels, (unsigned long long)(c->page_size / c->pte_size), c->pte_size,
                        c->pte_size > 1 ? "s" : "");
    text_printf(t, "A virtual address: ");
    for (unsigned k = 0; k < c->levels; k++) {
        bits_range(t, lo.shift[k] + lo.bits[k] - 1 + lo.off_bits, lo.shift[k] + lo.off_bits);
        if (c->levels == 1)
            text_printf(t, " the page number (VPN), ");
        else
            text_printf(t, " index level %u%s, ", k + 1, k == 0 ? " (the top table)" : "");
    }
    if (lo.off_bits)
        bits_range(t, lo.off_bits - 1, 0);
    text_printf(t, " the offset.\nAn entry: bit %u valid, ", lo.entry_bits - 1);
    if (lo.pfn_bits)
        bits_range(t, lo.pfn_bits - 1, 0);
    else
        text_printf(t, "no bits");
    text_printf(t, " the frame number (PFN), the rest 0.\n");
}

/* ---- memory and walks ---------------------------------------------------------------------- */

uint64_t toy_read_entry(const struct toy *t, uint64_t pa)
{
    uint64_t v = 0;
    for (unsigned b = 0; b < t->cfg.pte_size; b++)
        v |= (uint64_t)t->mem[pa + b] << (8 * b);
    return v;
}

void toy_write_entry(struct toy *t, uint64_t pa, uint64_t v)
{
    for (unsigned b = 0; b < t->cfg.pte_size; b++)
        t->mem[pa + b] = (uint8_t)(v >> (8 * b));
}

uint64_t toy_entry(const struct toy *t, bool valid, uint64_t pfn)
{
    return (valid ? 1ull << (t->lo.entry_bits - 1) : 0) | pfn;
}

static int hexw(const struct toy *t)
{
    return (int)(2 * t->cfg.pte_size);
}

bool toy_translate(const struct toy *t, uint64_t va, uint64_t *pa, struct vml_text *why)
{
    const struct toy_layout *lo = &t->lo;
    uint64_t vpn = va >> lo->off_bits, off = va & ((1ull << lo->off_bits) - 1);
    uint64_t valid_bit = 1ull << (lo->entry_bits - 1), pfn_mask = valid_bit - 1;
    unsigned L = t->cfg.levels;
    if (why) {
        vml_text_printf(
            why, "      VPN = 0x%llx >> %u = %llu (0x%llx), offset = 0x%llx & 0x%llx = 0x%llx\n",
            (unsigned long long)va, lo->off_bits, (unsigned long long)vpn, (unsigned long long)vpn,
            (unsigned long long)va, (unsigned long long)((1ull << lo->off_bits) - 1),
            (unsigned long long)off);
        if (L > 1) {
            text_printf(why, "      VPN 0x%llx splits into indices", (unsigned long long)vpn);
            for (unsigned k = 0; k < L; k++)
                vml_text_printf(
                    why, "%s%llu", k ? ", " : " ",
                    (unsigned long long)((vpn >> lo->shift[k]) & ((1ull << lo->bits[k]) - 1)));
            text_printf(why, " (");
            for (unsigned k = 0; k < L; k++)
                vml_text_printf(why, "%s%u bits", k ? " + " : "", lo->bits[k]);
            text_printf(why, ")\n");
        }
    }
    uint64_t table = t->root;
    for (unsigned k = 0; k < L; k++) {
        uint64_t idx = (vpn >> lo->shift[k]) & ((1ull << lo->bits[k]) - 1);
        uint64_t addr = table * t->cfg.page_size + idx * t->cfg.pte_size;
        uint64_t e = toy_read_entry(t, addr);
        bool leaf = k + 1 == L;
        uint64_t pfn = e & pfn_mask;
        if (why) {
            if (L == 1)
                vml_text_printf(why, "      PTE[%llu] = 0x%0*llx", (unsigned long long)idx, hexw(t),
                                (unsigned long long)e);
            else
                vml_text_printf(why,
                                "      level %u: entry %llu of the table in page %llu (physical "
                                "0x%llx) = 0x%0*llx",
                                k + 1, (unsigned long long)idx, (unsigned long long)table,
                                (unsigned long long)addr, hexw(t), (unsigned long long)e);
        }
        if (!(e & valid_bit) || pfn >= lo->nframes) {
            if (why)
                text_printf(why, ": not valid, so a fault (no translation)\n");
            return false;
        }
        if (why) {
            if (leaf)
                vml_text_printf(why, ": valid, PFN 0x%llx\n", (unsigned long long)pfn);
            else
                vml_text_printf(why, ": valid, next table in page %llu\n", (unsigned long long)pfn);
        }
        table = pfn;
    }
    *pa = (table << lo->off_bits) | off;
    if (why)
        vml_text_printf(why, "      PA = 0x%llx << %u | 0x%llx = 0x%llx (decimal %llu)\n",
                        (unsigned long long)table, lo->off_bits, (unsigned long long)off,
                        (unsigned long long)*pa, (unsigned long long)*pa);
    return true;
}
