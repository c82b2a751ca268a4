/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file merge.h
 * @brief Enrollment: exactly three captures of one finger become one enrollment template, as
 * ZKFinger's DBMerge does (shared reference `fingerprint.md` §1.3 and §6).
 *
 * Strategy: see zkbio_merge(). Checks before merging (§6 "Enrolment checks"): every capture has at
 * least ZKBIO_EXTRACT_MINUTIAE_MIN minutiae and a finger quality of at least
 * ZKBIO_MERGE_QUALITY_MIN (when the capture reports one, i.e. quality > 0); and every capture
 * must match at least one of the other two at ZKBIO_MERGE_SAME_FINGER or above, with the three
 * pairwise scores not all below ZKBIO_MATCH_THRESHOLD.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_MERGE_H
#define ZKBIO_MERGE_H

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Lowest finger quality (0..100) a capture may have to be merged. */
#define ZKBIO_MERGE_QUALITY_MIN 20
/** Score at which two captures count as the same finger during enrollment (FMR 1e-3). */
#define ZKBIO_MERGE_SAME_FINGER 30.0

/**
 * Merge exactly three one-view captures of one finger into an enrollment template. Since: 0.1
 * The captures are borrowed; *out is caller-owned (zkbio_template_free), written only on ZKBIO_OK.
 * Errors: ZKBIO_EINVAL (NULL pointer, a capture that already holds several views),
 * ZKBIO_ELOWQUALITY (a capture with too few minutiae or too low a quality),
 * ZKBIO_EMISMATCH (the captures are not of the same finger), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_merge(const zkbio_template *const captures[3], zkbio_template **out);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_MERGE_H */
