/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the "FMR" record codec shared by ISO 19794-2:2005 and ANSI 378-2004 (fingerprint.md
 * §4.1, §4.2). */
#ifndef ZKI_FMR_H
#define ZKI_FMR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zkbio/template.h"

/* Parse a record; `ansi` selects the ANSI header and angle unit. Contract of
 * zkbio_template_import_iso(). */
int zki_fmr_import(const uint8_t *data, size_t len, bool ansi, zkbio_template **out,
                   zkbio_error_info *err);

/* Validate `t` for export: count, minutiae pointer, coordinates, types, view_count and views
 * grouped in ascending order below view_count, and the orientation field of each view below
 * view_count (0 x 0, or cols and rows 1..ZKBIO_OFIELD_DIM_MAX with x0 + cols and y0 + rows at most
 * 255, non-NULL cells all at most ZKBIO_OFIELD_LEVELS; fields of views at or above view_count are
 * not looked at). Fills per_view[] with the minutiae count of each view. ZKBIO_OK or
 * ZKBIO_EINVAL. */
int zki_template_check(const zkbio_template *t, size_t per_view[ZKBIO_TEMPLATE_VIEWS_MAX]);

/* Write a record with every view of `t`. Contract of zkbio_template_export_iso(). */
int zki_fmr_export(const zkbio_template *t, bool ansi, uint8_t *buf, size_t size, size_t *len);

/* Bytes of the native record (template.h) of `count` minutiae in `views` views whose fields are
 * fields[0 .. views) written whole (before the export's field budget). */
size_t zki_native_size(size_t count, unsigned views, const zkbio_ofield *fields);

#endif /* ZKI_FMR_H */
