/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file quality.h
 * @brief Capture quality check: why a fingerprint capture should be retaken (too dry, too wet,
 * too small, off-centre, moved, low contrast) and a quality score that predicts matching errors.
 *
 * zkbio_extract_report() is zkbio_extract() plus a zkbio_capture_report computed from what the
 * extraction already has (the foreground mask, the orientation field and its coherence, the ridge
 * skeleton and the grey levels of the print), so it costs well under a millisecond more. The
 * signals and the literature they follow (NFIQ 2.0 / NIST IR 8382 local clarity and orientation
 * certainty; Chen, Dass & Jain 2005; Alonso-Fernandez et al. 2007) are described in
 * docs/fingerprint-engine.md, section "Capture quality check". The limits are the same for every
 * sensor.
 *
 * Determinism: integer arithmetic only; the same pixels give the same report on every build.
 * Thread-safety: all functions are reentrant.
 *
 * Since: 0.4
 */
#ifndef ZKBIO_QUALITY_H
#define ZKBIO_QUALITY_H

#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/extract.h"
#include "zkbio/image.h"
#include "zkbio/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Why a capture should be retaken (the values are stable; new ones are only appended). */
typedef enum zkbio_retake {
    ZKBIO_RETAKE_NONE = 0,         /**< the capture is fine */
    ZKBIO_RETAKE_TOO_DRY = 1,      /**< light, broken ridges: moisten the finger, press a little */
    ZKBIO_RETAKE_TOO_WET = 2,      /**< dark print, valleys filled: dry the finger, press lighter */
    ZKBIO_RETAKE_TOO_SMALL = 3,    /**< too little of the finger touched the sensor */
    ZKBIO_RETAKE_OFF_CENTRE = 4,   /**< the print is far from the centre or cut by the frame edge */
    ZKBIO_RETAKE_MOVED = 5,        /**< smeared along one direction: the finger moved */
    ZKBIO_RETAKE_LOW_CONTRAST = 6, /**< faint, unclear ridges: clean the sensor, press firmly */
    ZKBIO_RETAKE_NO_FINGER = 7     /**< no ridge structure at all */
} zkbio_retake;

/** Captures whose report quality is below this value get a retake reason. */
#define ZKBIO_CAPTURE_QUALITY_RETAKE 25

/**
 * What the quality check found. Caller-owned; set `size` to sizeof(zkbio_capture_report) before
 * the call (a caller built against an older, shorter struct sets its own size and only that many
 * bytes are written; fields may be appended in later versions, never moved).
 *
 * Signal values are 0..100 (higher = more of that defect, except contrast); grey levels are
 * measured on the print's foreground blocks split at each block's mean into ridge and valley
 * pixels, against the mean grey of the background blocks (255 when the print fills the frame).
 * A reason is found when its signal passes a fixed limit (the same for every sensor): dryness
 * 74, wetness 45, contrast below 10, smear 79, foreground below 30,000 px, centroid offset above
 * 22 % of the frame's width or height or edge cut above 45 %. The layout has no padding: 24
 * bytes.
 */
typedef struct zkbio_capture_report {
    uint32_t size;       /**< in: sizeof(zkbio_capture_report) as the caller knows it */
    uint8_t retake;      /**< the main zkbio_retake reason; ZKBIO_RETAKE_NONE when fine */
    uint8_t quality;     /**< 0 (useless) .. 100: zkbio_extract_info.quality, the figure merge.h
                            and the service's thresholds compare against; rejecting the lowest
                            captures first lowers the error rate (docs/fingerprint-engine.md) */
    uint16_t reasons;    /**< bit (1u << r) for every zkbio_retake reason r found */
    uint8_t worst;       /**< the zkbio_retake signal nearest its limit (TOO_DRY..LOW_CONTRAST),
                            even when below it: a hint for a caller whose own threshold refused
                            an otherwise fine capture; NONE for a blank frame */
    uint8_t dryness;     /**< 0..100: ridge lightness, 100 - (background - ridge grey) as % of the
                            background grey */
    uint8_t wetness;     /**< 0..100: (background - valley grey) / (background - ridge grey), %:
                            how dark the valleys are next to the ridges */
    uint8_t contrast;    /**< 0..100: valley minus ridge mean grey, % of 255 */
    uint8_t smear;       /**< 0..100: how much ridge clarity (coherence and gradient energy)
                            depends on ridge direction */
    uint8_t edge_cut;    /**< 0..100: % of the print's outline lying on the frame's edge */
    uint16_t reserved;   /**< 0 (keeps the layout free of padding) */
    uint32_t foreground; /**< foreground area in px at 500 dpi (as zkbio_extract_info) */
    int16_t offset_x;    /**< foreground centroid minus frame centre, px at 500 dpi, right + */
    int16_t offset_y;    /**< foreground centroid minus frame centre, px at 500 dpi, down + */
} zkbio_capture_report;

/**
 * zkbio_extract() with a capture quality report. Since: 0.4
 * `img`, `out` and `info` as for zkbio_extract() (same template bytes, same info). `report` may be
 * NULL (then this is zkbio_extract()); when given, `report->size` must be at least 8 (the size,
 * retake, quality and reasons fields) and at most sizeof(zkbio_capture_report) is written; it is
 * filled on ZKBIO_OK and on ZKBIO_ELOWQUALITY (an unusable image always has a retake reason).
 * Errors: those of zkbio_extract(), and ZKBIO_EINVAL when report->size is below 8.
 */
ZKBIO_API int zkbio_extract_report(const zkbio_image *img, zkbio_template **out,
                                   zkbio_extract_info *info, zkbio_capture_report *report);

/** Machine name of a zkbio_retake ("none", "too_dry", "too_wet", "too_small", "off_centre",
 * "moved", "low_contrast", "no_finger"; "unknown" otherwise): a static string, never NULL.
 * Since: 0.4 */
ZKBIO_API const char *zkbio_retake_name(int retake);

/** A short English instruction for the user for a zkbio_retake ("Press the finger again, ..."):
 * a static string, never NULL. Since: 0.4 */
ZKBIO_API const char *zkbio_retake_message(int retake);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_QUALITY_H */
