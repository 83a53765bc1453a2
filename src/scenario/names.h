/* scenario/names.h: the names a scenario defines (processes, files, mappings), for checking
 * that every use refers to something that exists at that point of the file. */
#ifndef VMLAB_SCENARIO_NAMES_H
#define VMLAB_SCENARIO_NAMES_H

#include "vmlab/scenario.h"

/* A set of mapping names, persistent: adding or removing a name makes a new set and leaves the
 * old one intact, so fork shares its parent's set in O(1) and later changes to either side are
 * O(log n). NULL is the empty set. Nodes live in the names' arena.
 *
 * Each process changes its set under an epoch of its own, and nodes made under that epoch are
 * changed in place (nobody else can reach them); fork gives parent and child new epochs, so
 * what they share is copied on its next change. Without a fork, a set costs one node a name. */
struct mapset;

/* A defined name: a process or a file. */
struct sym {
    char name[VML_SCN_FILE_MAX];
    unsigned line;       /* where it was created */
    unsigned gone_line;  /* where it exited (process) or was deleted (file); 0 while live */
    struct mapset *maps; /* a process's mappings */
    uint64_t epoch;      /* a process's epoch for mapset_put (names_new_epoch) */
};

/* Open-addressing hash table of syms by name. */
struct symtab {
    struct sym *v; /* syms in creation order */
    size_t n, cap; /* used and allocated entries of v */
    size_t *slot;  /* index + 1 into v, 0 = empty */
    size_t nslot;  /* a power of two, at least twice n */
};

struct names {
    struct symtab procs, files;
    struct arena_chunk *chunks; /* map nodes */
    size_t used;                /* nodes used in the first chunk */
    uint64_t rng;               /* treap priorities */
    uint64_t epochs;            /* epochs handed out */
};

/* A new epoch, different from every earlier one. */
uint64_t names_new_epoch(struct names *nm);

/* The sym called s[0..n), or NULL. The pointer is valid until the next names_add. */
struct sym *names_find(struct symtab *t, const char *s, size_t n);

/* Adds a sym (n < VML_SCN_FILE_MAX, not present); returns it, or NULL when the host is out of
 * memory. */
struct sym *names_add(struct symtab *t, const char *s, size_t n, unsigned line);

/* Looks a mapping up in a set: returns 1 with *line where it was made, 0 with *line where it
 * was unmapped (0 if it never existed). */
int mapset_get(const struct mapset *m, const char *s, size_t n, unsigned *line);

/* Records that the mapping s[0..n) was made (live) or unmapped (!live) at line in the set *m
 * of the process whose epoch is epoch: *m becomes the new set. Returns 0 or VML_EHOST (then *m
 * is unchanged). */
int mapset_put(struct names *nm, struct mapset **m, uint64_t epoch, const char *s, size_t n,
               bool live, unsigned line);

/* Frees everything. */
void names_free(struct names *nm);

#endif
