/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file match.h
 * @brief 1:1 fingerprint matching with a score calibrated to the false match rate.
 *
 * Algorithm (shared reference `fingerprint.md` §3.1 and §6): a rotation- and translation-invariant
 * local-structure matcher. Each template is described by the edges from every minutia to its
 * nearest neighbours (length, and the two minutia directions relative to the edge); the probe's
 * edges are hashed once, candidate edges of the other template are looked up, the minutia pairs
 * supported by the most compatible edges become root pairs, and from each root the pairing grows
 * through compatible edges (tolerant to elastic distortion: every step is local, and a pair must
 * keep its distance to the pairs already taken near it as well as to the root). The best
 * pairings are consolidated: the remaining minutiae are paired in local frames (the rigid motion
 * corrected by the residuals of the nearest pairs already made), in rounds that grow outwards
 * from the pairing, a piecewise stand-in for a thin-plate-spline warp (Bazen & Gerez 2003; see
 * docs/fingerprint-engine.md "Distortion-tolerant matching"). The raw score weighs the number of
 * paired minutiae against the minutiae of both templates inside their overlap; when both views
 * carry an orientation field (zkbio_ofield, template.h: zkbio_extract() writes one, ISO/ANSI
 * records have none) it is then weighted by how well the two ridge flows agree under that motion
 * (the pairing that wins must also align the ridge flow, which an impostor pairing rarely does;
 * measured on the three FVC sets: mean EER 2.45 % -> 1.94 %, FMR1000 6.19 % -> 4.88 %) and,
 * when the two fields overlap in less than 60 cells of 16 x 16 px, scaled down by that area (weak
 * evidence: a tiny overlap pairs its few minutiae by chance; the highest impostor scores came from
 * such pairs). A
 * piecewise-linear table maps the raw score to the calibrated scale, with separate tables for view
 * pairs with and without orientation fields, so a threshold means the same FMR for both.
 *
 * Score scale: score = 10 * log10(1 / FMR), so 20 means a false match rate of 1 %, 30 of 0.1 %,
 * 40 of 0.01 % (fingerprint.md §0 item 6 and §6, the scale of SourceAFIS, Innovatrics and IDKit).
 * How it was measured: see ZKBIO_MATCH_CALIBRATION below. Scores are >= 0 and have a 0.01
 * resolution; identical templates score far above 100 (the scale is open-ended: beyond 50 it
 * only says "much rarer than FMR 1e-5", not a measured rate).
 *
 * Multi-view templates (merge.h): the score is the best over every pair of views.
 *
 * Determinism: integer arithmetic only; the same templates give the same score on every run,
 * thread count and build.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_MATCH_H
#define ZKBIO_MATCH_H

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default 1:1 verification threshold: FMR 1e-4 (fingerprint.md §6). For 1:N against a gallery of
 * N templates do not reuse it: zkbio_gallery_threshold_compute() (gallery.h) gives the threshold
 * for a false positive identification rate, 10 log10(N / FPIR) (§6: FPIR <= N * FMR). */
#define ZKBIO_MATCH_THRESHOLD 40.0

/** How the calibration was measured, for the record (also printed by `zkbio bench accuracy`).
 * The raw score (paired minutiae and supporting edges, weighted by the paired fraction of the
 * minutiae inside the overlap of both views, and by the orientation agreement when both views
 * have a field) is mapped through a piecewise-linear integer table, fitted by
 * scripts/fp-calibrate.py on the pooled impostor pairs of three development sets at probe
 * rotations 0, 90 and 180 degrees (3 x 3 x 2,880 pairs; the table for view pairs without
 * orientation fields the same way with the fields removed), with a margin: the knots of scores
 * 3, 10, 20 and 30 are where the 95 % upper confidence bound of the FMR is 50 %, 10 %, 1 % and
 * 0.1 %; 25,920 pairs cannot measure FMR 1e-4, so 40 and 50 continue with an exponential tail
 * whose slope is the heaviest of the three sets' (upper bound), shifted up by a further half
 * decade for sensors not seen in development. Leave-one-set-out (fit on two sets, measured on
 * the third): no held-out impostor pair reaches 40, FMR at 30 between 1e-4 and 1.5e-3. One table
 * for every sensor; no per-set tuning. Consequence: the scale is conservative, a genuine pair
 * scores about 2-5 points lower than with a point-estimate fit (FNMR at 40 is higher).
 */
#define ZKBIO_MATCH_CALIBRATION                                                                    \
    "score = 10*log10(1/FMR) fitted (scripts/fp-calibrate.py) on the impostor pairs (3 x 3 x "     \
    "2,880) of FVC2002 DB1_B, FVC2002 DB3_B and FVC2004 DB1_B at probe rotations 0/90/180 with "   \
    "zkbio's own extraction, pooled, with a margin: knots at the 95% upper bound of FMR 50%, "     \
    "10%, 1%, 0.1% (scores 3, 10, 20, 30); 40 (FMR 1e-4) and beyond extrapolated with the "        \
    "heaviest set's exponential tail plus a half-decade safety shift"

/**
 * Compare two templates. Since: 0.1 Symmetric up to rounding of the two roles (probe and
 * candidate may be swapped). Templates are borrowed for the call. *score receives the calibrated
 * score (>= 0) on ZKBIO_OK. A template with fewer than 2 minutiae in a view scores 0 for it.
 * Thread-safety: reentrant. Memory: each calling thread keeps a scratch area of about 300 KiB,
 * freed when the thread exits; when libzkbio is unloaded (dlclose) while such a thread lives on,
 * its area is leaked, never freed by code that is gone (since 0.4).
 * Errors: ZKBIO_EINVAL (NULL pointer, count > 0 with NULL minutiae, a view index out of range,
 * an orientation field of a view below view_count that zkbio_template_ofield_set() would refuse:
 * one of cols and rows 0, either above ZKBIO_OFIELD_DIM_MAX, x0 + cols or y0 + rows above 255, NULL
 * cells, a cell above ZKBIO_OFIELD_LEVELS), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_match(const zkbio_template *probe, const zkbio_template *candidate,
                          double *score);

/** A probe prepared for many comparisons (the probe's edge index is built once). */
typedef struct zkbio_matcher zkbio_matcher;

/**
 * Prepare `probe` for repeated 1:1 comparisons. Since: 0.1 The probe is copied; the caller may free
 * it at once. *out is caller-owned (zkbio_matcher_free), written only on ZKBIO_OK.
 * Errors: ZKBIO_EINVAL, ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_matcher_new(const zkbio_template *probe, zkbio_matcher **out);
/**
 * Compare the prepared probe with `candidate`; same score as zkbio_match(probe, candidate).
 * Since: 0.1 Thread-safety: one zkbio_matcher is used by one thread at a time (it holds scratch
 * memory); use one matcher per thread. Errors: ZKBIO_EINVAL, ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_matcher_match(zkbio_matcher *m, const zkbio_template *candidate, double *score);
/** Free a matcher; NULL is accepted. Since: 0.1 */
ZKBIO_API void zkbio_matcher_free(zkbio_matcher *m);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_MATCH_H */
