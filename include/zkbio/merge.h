/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file merge.h
 * @brief Enrollment: exactly three captures of one finger become one enrollment template, as
 * ZKFinger's DBMerge does (shared reference `fingerprint.md` §1.3 and §6).
 *
 * Strategy (shared reference §6, "Merge strategy A"): the enrollment template is multi-view: it
 * keeps all three captures as views 0, 1 and 2 of one template (template.h; exported as three ISO /
 * ANSI finger views or one native record), and zkbio_match() scores a probe against it with the
 * best of the three views. This is the default because it loses nothing: every capture's minutiae
 * are kept as extracted (with each capture's orientation field, zkbio_ofield, as its view's), no
 * registration error can be introduced, a later probe that overlaps any one capture well scores as
 * well as against that capture alone, and the cost (3x the storage of one view and up to 3x the
 * comparisons) is within the ZKFinger 2048-byte budget: when the three views' minutiae and fields
 * would take the native record (template.h) past ZKBIO_NATIVE_MAX, every view keeps only its best
 * minutiae by quality, as many as let the record fit with all three fields (but never fewer than
 * ZKBIO_MERGE_VIEW_MINUTIAE_MIN; past that, the native export leaves out the last fields). A field
 * is worth more than the weakest minutiae: measured with `zkbio bench accuracy` on the three FVC
 * sets, the orientation fields take the mean EER from 2.45 % to 1.94 %, while keeping the best 60
 * instead of 80 minutiae of each extracted view changes it by less than the sampling noise (mean
 * EER over probes at 0, 90 and 180 degrees 2.10 % -> 2.14 %). The alternative, one
 * consolidated view built by registering captures 2 and 3 onto capture 1 and clustering their
 * minutiae (§6 "Merge strategy B"), is implemented internally for comparison; it is smaller and
 * faster to match but depends on the registration being right; measured: see docs.
 *
 * Checks before merging (§6 "Enrolment checks"): every capture has at
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

/** Fewest minutiae (the best by quality) a view of an enrollment keeps so that the native record
 * fits with the orientation fields of all three views (see above). */
#define ZKBIO_MERGE_VIEW_MINUTIAE_MIN 40
/** Lowest finger quality (0..100) a capture may have to be merged. */
#define ZKBIO_MERGE_QUALITY_MIN 20
/** Score at which two captures count as the same finger during enrollment (FMR 1e-3). */
#define ZKBIO_MERGE_SAME_FINGER 30.0

/**
 * Merge exactly three one-view captures of one finger into an enrollment template. Since: 0.1
 * The result has view_count 3; view 0 is the capture that matches the other two best (highest sum
 * of its two pairwise scores; ties keep the argument order), then the others in that order. Its
 * minutiae are the captures' own, grouped by view; if the three hold more than
 * ZKBIO_TEMPLATE_MINUTIAE_MAX together, each view keeps its best minutiae by quality up to the
 * largest equal cap that fits. Size, resolution, finger position, impression type and finger
 * quality come from the view-0 capture. The captures are borrowed; *out is caller-owned
 * (zkbio_template_free), written only on ZKBIO_OK. Cost: three zkbio_match() calls.
 * Thread-safety: reentrant.
 * Errors (checked in this order): ZKBIO_EINVAL (NULL pointer, a capture that already holds several
 * views or an invalid one),
 * ZKBIO_ELOWQUALITY (a capture with too few minutiae or too low a quality),
 * ZKBIO_EMISMATCH (the captures are not of the same finger), an error of zkbio_match(),
 * ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_merge(const zkbio_template *const captures[3], zkbio_template **out);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_MERGE_H */
