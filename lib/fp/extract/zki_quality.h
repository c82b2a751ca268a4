/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: the capture quality check (quality.h) and its hook in extraction (extract.c). */
#ifndef ZKI_QUALITY_H
#define ZKI_QUALITY_H

#include "fp/extract/zki_extract.h"
#include "zkbio/extract.h"
#include "zkbio/quality.h"

/* extract.c: zkbio_extract(), and when rep is not NULL the capture report (full size) of the
 * first pass's workspace, filled on ZKBIO_OK and ZKBIO_ELOWQUALITY. */
int zki_extract_run(const zkbio_image *img, zkbio_template **out, zkbio_extract_info *info,
                    zkbio_capture_report *rep);

/* quality.c: fill the whole of *rep from the first (uncropped) pass's workspace (pixels,
 * orientation, coherence, energy and foreground mask; ws->fg NULL when extraction stopped before
 * segmentation). `info` is what extraction found (reason, foreground, minutiae, quality). */
void zki_quality_assess(const zki_xws *ws, const zkbio_extract_info *info,
                        zkbio_capture_report *rep);

#endif /* ZKI_QUALITY_H */
