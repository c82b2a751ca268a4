/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: the consolidated enrollment template (fingerprint.md §6 "Merge strategy B"), kept
 * beside the public multi-view merge (merge.h, strategy A) so the two can be measured against each
 * other. Not part of the ABI. */
#ifndef ZKI_MERGE_H
#define ZKI_MERGE_H

#include "zkbio/template.h"

/* Most minutiae a consolidated template keeps. */
#define ZKI_MERGE_CONSOLIDATED_MAX 150
/* Two registered minutiae are the same when within this distance (pixels at 500 dpi) and ... */
#define ZKI_MERGE_CLUSTER_DIST 13
/* ... this angle (360/256-degree units: 7 = 9.8 degrees). */
#define ZKI_MERGE_CLUSTER_ANGLE 7

/* Consolidate three one-view captures of one finger, `c[0]` being the reference frame: c[1] and
 * c[2] are registered onto c[0] with the rigid transform (rotation + translation) that brings the
 * most of their minutiae within the cluster tolerance of c[0]'s (found by trying the transform of
 * every same-type minutia pair, then refined by least squares over the paired minutiae); a capture
 * with fewer than 4 paired minutiae is left out. Registered minutiae within the cluster tolerance
 * form clusters (mean position and direction); clusters seen in >= 2 captures are kept, and so are
 * single-capture minutiae outside the convex hull of every other capture (they enlarge the area);
 * the best ZKI_MERGE_CONSOLIDATED_MAX by (captures seen, quality) remain. The result is one view,
 * in c[0]'s frame shifted so no coordinate is negative, with c[0]'s header fields.
 * Integer arithmetic only (deterministic). No quality or same-finger checks: zkbio_merge() does
 * those. Errors: ZKBIO_EINVAL (NULL pointer, a multi-view capture, an invalid capture),
 * ZKBIO_ENOMEM. `*out` is caller-owned (zkbio_template_free). */
int zki_merge_consolidated(const zkbio_template *const c[3], zkbio_template **out);

#endif /* ZKI_MERGE_H */
