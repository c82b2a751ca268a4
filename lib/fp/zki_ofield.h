/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: the validity rule of an orientation field (zkbio_ofield, template.h), shared by
 * zkbio_template_ofield_set(), the exporters' template check and the matcher. */
#ifndef ZKI_OFIELD_H
#define ZKI_OFIELD_H

#include <stdbool.h>

#include "zkbio/template.h"

/* true when the field (x0, y0, cols, rows, cells[0 .. cols * rows)) is absent (0 x 0, cells not
 * read) or one zkbio_template_ofield_set() accepts: cols and rows 1..ZKBIO_OFIELD_DIM_MAX, x0 +
 * cols and y0 + rows at most 255, non-NULL cells all at most ZKBIO_OFIELD_LEVELS. */
bool zki_ofield_valid(unsigned x0, unsigned y0, unsigned cols, unsigned rows, const uint8_t *cells);

#endif /* ZKI_OFIELD_H */
