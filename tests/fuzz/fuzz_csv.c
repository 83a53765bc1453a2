/* fuzz_csv.c: libFuzzer harness for the CSV reader behind vmlab plot (util/csv.c).
 *
 * Properties: never crash, read out of bounds or leak; an error names the input and a line
 * and column inside it (or just past its end); a parse gives rows of exactly the header's
 * width whose every cell's position is inside the input; every cell's number either parses
 * or fails with the cell's own position. */
#include "vmlab/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vml_csv c;
    struct vml_diag d = { 0 };
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    int e = vml_csv_parse((const char *)data, size, "fuzz.csv", &c, &d);
    if (e) {
        if (e != VML_EPARSE || !d.file || d.line == 0 || d.line > lines || d.col == 0 ||
            d.col > size + 1 || !d.msg[0])
            abort();
        return 0;
    }
    if (c.ncols == 0)
        abort();
    for (size_t r = 0; r < c.nrows; r++)
        for (size_t k = 0; k < c.ncols; k++) {
            const struct vml_csv_cell *x = vml_csv_at(&c, r, k);
            if (x->line == 0 || x->line > lines || x->col == 0 || x->col > size + 1)
                abort();
            double v;
            struct vml_diag d2 = { 0 };
            if (vml_csv_number(&c, r, k, "fuzz.csv", &v, &d2) &&
                (d2.line != x->line || d2.col != x->col || !d2.msg[0]))
                abort();
        }
    if (c.ncols && vml_csv_column(&c, c.cells[0].s) != 0)
        abort();
    vml_csv_free(&c);
    return 0;
}
