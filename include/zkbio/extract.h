/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file extract.h
 * @brief Minutiae extraction: a fingerprint image in, a minutiae template and an image quality
 * score out, or a reason why the image is unusable.
 *
 * Pipeline (shared reference `fingerprint.md` §6 and §7 item 3, the classical one that SourceAFIS
 * and NBIS also follow, §3.1–§3.2): normalise to 500 dpi; block segmentation of the foreground;
 * orientation field from smoothed gradient moments; oriented ridge enhancement (a separable,
 * Gabor-like filter along and across the ridges); binarisation and thinning; endings and
 * bifurcations from the crossing number of the skeleton; removal of false minutiae (border,
 * spurs, bridges, short fragments, broken-ridge pairs, dense clusters); direction from tracing the
 * ridge; quality from the local orientation coherence and the distance to the border.
 *
 * Output conventions: coordinates are pixels at 500 dpi (the template's xres = yres = 197 px/cm)
 * in the resampled image, so a 300 dpi input gives coordinates scaled by 5/3. The direction of an
 * ending points from the ridge towards its free end; the direction of a bifurcation points from
 * the fork along the valley between the two branches (ISO/IEC 19794-2 convention, fingerprint.md
 * §4.1), counter-clockwise in 360/256-degree units. Templates hold at most
 * ZKBIO_EXTRACT_MINUTIAE_MAX minutiae, the best by quality, and the orientation field of the
 * print (template.h zkbio_ofield: 16-px cells, 15 levels, cells of poor ridge flow marked
 * background, cropped to the foreground's bounding box; none for a print reaching past 1024 px of
 * foreground or 4080 px from the image's corner), which the matcher compares after alignment.
 *
 * Determinism: extraction uses integer and fixed-point arithmetic and no threads, so the same
 * pixels give the same template bytes on every run and every build.
 *
 * Thread-safety: zkbio_extract() is reentrant; extract from several threads at once freely.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_EXTRACT_H
#define ZKBIO_EXTRACT_H

#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/image.h"
#include "zkbio/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most minutiae kept in one extracted view. */
#define ZKBIO_EXTRACT_MINUTIAE_MAX 80
/** Fewest minutiae a usable image must give (libfprint's MIN_ACCEPTABLE_MINUTIAE, §6). */
#define ZKBIO_EXTRACT_MINUTIAE_MIN 10
/** Smallest usable foreground, in pixels at 500 dpi (about 6 x 6 mm). */
#define ZKBIO_EXTRACT_AREA_MIN 9000

/** Why an image is unusable. */
typedef enum zkbio_unusable {
    ZKBIO_USABLE = 0,               /**< the image gave a template */
    ZKBIO_UNUSABLE_BLANK = 1,       /**< no ridge structure at all: empty, uniform, or pure noise */
    ZKBIO_UNUSABLE_SMALL_AREA = 2,  /**< the fingerprint area is below ZKBIO_EXTRACT_AREA_MIN */
    ZKBIO_UNUSABLE_FEW_MINUTIAE = 3 /**< fewer than ZKBIO_EXTRACT_MINUTIAE_MIN reliable minutiae */
} zkbio_unusable;

/** What extraction found, filled whether or not the image is usable. Caller-owned. */
typedef struct zkbio_extract_info {
    uint8_t quality;     /**< image quality 0 (useless) .. 100 (excellent): foreground area,
                            orientation coherence and minutiae count combined */
    uint8_t reason;      /**< a zkbio_unusable */
    uint32_t foreground; /**< foreground area in pixels at 500 dpi */
    uint32_t minutiae;   /**< reliable minutiae found (before the ZKBIO_EXTRACT_MINUTIAE_MAX cap) */
} zkbio_extract_info;

/** Short English name of a zkbio_unusable reason ("usable", "blank", "small area", "few
 * minutiae"); a static string, never NULL. Since: 0.1 */
ZKBIO_API const char *zkbio_unusable_name(int reason);

/**
 * Extract the minutiae of `img` (any ZKBIO_IMAGE_DPI_MIN..MAX dpi; resampled to 500 dpi first).
 * Since: 0.1
 * `img` is borrowed for the call. On ZKBIO_OK `*out` is a one-view template (caller-owned, free
 * with zkbio_template_free()) with width/height of the 500-dpi image, xres = yres = 197,
 * finger_quality = info->quality and the orientation field of view 0 (see above). `info` may be
 * NULL; when given it is filled on ZKBIO_OK and on ZKBIO_ELOWQUALITY. Errors: ZKBIO_EINVAL (NULL
 * img or out, NULL pixels), ZKBIO_ERANGE (size or dpi outside the image.h limits),
 * ZKBIO_ELOWQUALITY (unusable image: `info->reason` says why; nothing is written to *out),
 * ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_extract(const zkbio_image *img, zkbio_template **out, zkbio_extract_info *info);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_EXTRACT_H */
