/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file gallery.h
 * @brief 1:N identification: an in-memory gallery of enrolled templates keyed by id (the
 * ZKFinger DBAdd/DBDel/DBCount/DBIdentify model, shared reference `fingerprint.md` §1.3), searched
 * on a pool of worker threads.
 *
 * Accuracy: every candidate an identify returns carries exactly its zkbio_match() score. Below a
 * threshold of 40 identify is zkbio_match() for every template. At 40 and above it uses a
 * pre-selection (since 0.4): a pairing of fewer than 5 minutia pairs, grown from the probe's and
 * candidate's local structures, is not consolidated, and a candidate that would reach the
 * threshold only through such a pairing is not found. Measured on the development sets (every
 * pair of FVC2002 DB1_B, DB3_B and FVC2004 DB1_B, probes at 0, 90 and 180 degrees; `zkbio bench
 * accuracy`, "presel" rows): none of the about 4,500 genuine comparisons at or above 40 was lost
 * (the smallest such pairing that won had 7 pairs), while about 63 % of the impostors'
 * consolidations were skipped, making a search about 1.5 times as fast (docs/fingerprint-engine.md
 * "1:N pre-selection"). Templates are prepared once when added (their edge tables), and the probe
 * once per identify.
 *
 * Threshold (1:N decision rule): a search over N templates passes a stranger when any of its N
 * impostor comparisons reaches the threshold, so its false positive identification rate (FPIR)
 * grows with N: at most N x FMR (Boole's inequality; equal to first order when N x FMR is small,
 * fingerprint.md §6). With 500 people enrolled and the 1:1 threshold 40 (FMR 1e-4), a stranger
 * is falsely identified about 5 % of the time. Set ONE number, the FPIR you accept, and let
 * zkbio_gallery_identify_fpir() (the count at search time) or zkbio_gallery_threshold_compute()
 * choose the threshold 10 log10(N / FPIR): e.g. FPIR 1e-3 gives 40 for N = 10, 50 for N = 100,
 * 60 for N = 1,000. Measured on the development sets (docs/fingerprint-engine.md "1:N decision
 * rule"): the measured FPIR stays at or below the target for N = 1, 10 and 29.
 *
 * Thread-safety: every function except zkbio_gallery_free() may be called from any thread at any
 * time. Identifies run concurrently with each other; add, remove and clear are serialised with
 * them by a reader-writer lock: an identify sees the gallery as it was when it started, and an
 * add, remove or clear waits for the identifies already running to finish (preparing the added
 * template happens before, outside the lock). Waiting writers go first (on glibc), so a stream of
 * identifies cannot starve them.
 *
 * Threads: an identify is cut into contiguous shards of the gallery. The calling thread searches
 * shards itself and the gallery's pool threads help; several concurrent identifies share one pool
 * (each caller always works on its own identify, so none waits for another's). Each shard keeps
 * its own top-k, merged at the end in the order (score desc, id asc), so the result is identical
 * for every thread count. Memory: about zki_prep size per template (the prepared edge tables) plus
 * 8 bytes of index.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_GALLERY_H
#define ZKBIO_GALLERY_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An in-memory 1:N gallery. */
typedef struct zkbio_gallery zkbio_gallery;

/** One identification candidate. */
typedef struct zkbio_candidate {
    uint32_t id;  /**< gallery id */
    double score; /**< calibrated score (match.h) */
} zkbio_candidate;

/**
 * Create a gallery whose identifies use `threads` threads: the calling thread plus `threads` - 1
 * pool threads started here (0 = one per online CPU core, at most 64; 1 = no pool thread, the
 * caller searches alone). Since: 0.1 *out is caller-owned (zkbio_gallery_free), written only on
 * ZKBIO_OK.
 * Errors: ZKBIO_EINVAL (NULL out, threads > 64), ZKBIO_ENOMEM, ZKBIO_EIO (a thread could not be
 * started).
 */
ZKBIO_API int zkbio_gallery_new(unsigned threads, zkbio_gallery **out);
/** Stop the workers and free the gallery and every template in it; NULL is accepted. Must not run
 * concurrently with other calls on the same gallery. Since: 0.1 */
ZKBIO_API void zkbio_gallery_free(zkbio_gallery *g);
/**
 * Add a copy of `t` under `id` (> 0, as ZKFinger requires). Since: 0.1 `t` is borrowed.
 * Errors: ZKBIO_EINVAL (NULL pointer, id 0, an invalid template), ZKBIO_EEXIST (id already
 * present), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_gallery_add(zkbio_gallery *g, uint32_t id, const zkbio_template *t);
/** Remove `id` (the last template takes its slot: O(1)). Since: 0.1 Errors: ZKBIO_EINVAL (NULL g),
 * ZKBIO_ENOENT (no such id). */
ZKBIO_API int zkbio_gallery_remove(zkbio_gallery *g, uint32_t id);
/** Remove every template. Since: 0.1 Errors: ZKBIO_EINVAL. */
ZKBIO_API int zkbio_gallery_clear(zkbio_gallery *g);
/** Number of templates in the gallery. Since: 0.1 Errors: ZKBIO_EINVAL (NULL pointer). */
ZKBIO_API int zkbio_gallery_count(const zkbio_gallery *g, size_t *count);
/**
 * Identify `probe`: compare it with every template, and write the best `k` candidates scoring at
 * least `threshold`, best first (ties: lower id first), into `top[0..k)`; `*found` receives how
 * many were written (0..k). Since: 0.1 `probe` is borrowed; `top` is caller-owned. Scores are
 * the matcher's integer hundredths divided by 100; a score counts as reaching `threshold` when
 * that value is >= threshold. Cost: one zkbio_match() per template, with the pre-selection at
 * a threshold of 40 or more (see Accuracy above).
 * Errors: ZKBIO_EINVAL (NULL pointer, k = 0, a NaN threshold, an invalid probe template),
 * ZKBIO_ENOENT (no template scored at least `threshold`, or the gallery is empty; *found = 0),
 * ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_gallery_identify(zkbio_gallery *g, const zkbio_template *probe,
                                     double threshold, zkbio_candidate *top, size_t k,
                                     size_t *found);

/**
 * The 1:N decision threshold for a false positive identification rate `fpir` over a gallery of
 * `gallery_size` templates: 10 log10(gallery_size / fpir), rounded up to hundredths (a score
 * reaches it when its hundredths are >= it; 0 templates count as 1). Since: 0.4 With the score
 * scale of match.h (10 log10(1 / FMR)) this sets each comparison's FMR to fpir / gallery_size,
 * so the FPIR is at most `fpir` whatever the correlation between the comparisons (Boole's
 * inequality; tight when fpir is small, about 1.6 points stricter than needed at fpir 0.5).
 * Where it stops holding: the rule is only as good as the calibration at the threshold it
 * returns. Scores up to 30 (FMR 1e-3) are measured, 40 and 50 extrapolated with a margin, and
 * beyond 50 (gallery_size / fpir above 1e5) the scale only orders pairs ("rarer than FMR 1e-5"):
 * the FPIR is then lower than `fpir` by an unmeasured factor. An unseen sensor with a heavier
 * impostor tail than the development sets raises the FPIR in proportion (match.h).
 * *threshold is written only on ZKBIO_OK. Thread-safety: pure, reentrant; the same inputs give
 * the same bits on every platform (IEEE double arithmetic, no libm).
 * Errors: ZKBIO_EINVAL (NULL threshold, fpir NaN or outside (0, 1)).
 */
ZKBIO_API int zkbio_gallery_threshold_compute(double fpir, size_t gallery_size, double *threshold);

/**
 * zkbio_gallery_identify() with the threshold chosen by the 1:N rule for `fpir`
 * (zkbio_gallery_threshold_compute) and the number of templates in the gallery when the search
 * starts (under the same lock as the search, so a concurrent add or remove cannot make the two
 * disagree). Since: 0.4 *threshold_used (may be NULL) receives that threshold whenever the
 * arguments are valid, also on ZKBIO_ENOENT. Everything else as zkbio_gallery_identify().
 * Errors: ZKBIO_EINVAL (NULL g, probe, top or found, k = 0, fpir NaN or outside (0, 1), an
 * invalid probe template), ZKBIO_ENOENT (no template reached the threshold, or the gallery is
 * empty; *found = 0), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_gallery_identify_fpir(zkbio_gallery *g, const zkbio_template *probe,
                                          double fpir, zkbio_candidate *top, size_t k,
                                          size_t *found, double *threshold_used);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_GALLERY_H */
