/* SPDX-License-Identifier: Apache-2.0 */
/* Orientation fields of template views (zkbio_ofield in include/zkbio/template.h). */
#include <stdlib.h>
#include <string.h>

#include "fp/zki_ofield.h"

bool zki_ofield_valid(unsigned x0, unsigned y0, unsigned cols, unsigned rows, const uint8_t *cells)
{
    if (cols == 0 && rows == 0)
        return true;
    if (cols == 0 || rows == 0 || cols > ZKBIO_OFIELD_DIM_MAX || rows > ZKBIO_OFIELD_DIM_MAX ||
        x0 + cols > 255 || y0 + rows > 255 || !cells)
        return false;
    for (size_t i = 0, n = (size_t)cols * rows; i < n; i++)
        if (cells[i] > ZKBIO_OFIELD_LEVELS)
            return false;
    return true;
}

int zkbio_template_ofield_set(zkbio_template *t, unsigned view, uint8_t x0, uint8_t y0,
                              uint8_t cols, uint8_t rows, const uint8_t *cells)
{
    if (!t || view >= ZKBIO_TEMPLATE_VIEWS_MAX || !zki_ofield_valid(x0, y0, cols, rows, cells))
        return ZKBIO_EINVAL;
    const size_t n = (size_t)cols * rows;
    uint8_t *copy = NULL;
    if (n > 0) {
        if (!(copy = malloc(n)))
            return ZKBIO_ENOMEM;
        memcpy(copy, cells, n);
    }
    zkbio_ofield *f = &t->ofield[view];
    free(f->cells);
    f->x0 = n ? x0 : 0;
    f->y0 = n ? y0 : 0;
    f->cols = cols;
    f->rows = rows;
    f->cells = copy;
    return ZKBIO_OK;
}
