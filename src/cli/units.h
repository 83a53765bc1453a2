/* cli/units.h: sizes as the text tables print them. */
#ifndef VMLAB_CLI_UNITS_H
#define VMLAB_CLI_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Writes v bytes into buf (n bytes, NUL-terminated): plain below 1 KiB, else one decimal and
 * K, M, G, T, P or E (powers of 1024), exactly as snprintf's "%.1f" of the quotient would,
 * without its cost (the live tools print thousands of these). Returns the length. */
size_t units_human(char *buf, size_t n, uint64_t v);

#endif
