/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file gallery.h
 * @brief 1:N identification: an in-memory gallery of enrolled templates keyed by id (the
 * ZKFinger DBAdd/DBDel/DBCount/DBIdentify model, shared reference `fingerprint.md` §1.3), searched
 * on a pool of worker threads.
 *
 * Accuracy: identify computes exactly zkbio_match() for every gallery template (no pre-filter),
 * so 1:N scores equal 1:1 scores. Templates are prepared once when added (their edge tables), and
 * the probe once per identify.
 *
 * Threshold: a 1:N search over N templates has a false positive identification rate of about
 * N x FMR (§6), so raise the threshold by about 10 per decade of N above ZKBIO_MATCH_THRESHOLD,
 * e.g. 60 for N = 100 at an FPIR of 1e-4.
 *
 * Thread-safety: every function may be called from any thread at any time; identifies run
 * concurrently with each other and with add/remove (a reader-writer lock: an add or remove waits
 * for running identifies to finish the shard they are reading). Identify work is split over the
 * gallery's worker threads.
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
 * Create a gallery searched by `threads` worker threads (0 = one per online CPU core, at most 64).
 * Since: 0.1 *out is caller-owned (zkbio_gallery_free), written only on ZKBIO_OK.
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
/** Remove `id`. Since: 0.1 Errors: ZKBIO_EINVAL (NULL g), ZKBIO_ENOENT (no such id). */
ZKBIO_API int zkbio_gallery_remove(zkbio_gallery *g, uint32_t id);
/** Remove every template. Since: 0.1 Errors: ZKBIO_EINVAL. */
ZKBIO_API int zkbio_gallery_clear(zkbio_gallery *g);
/** Number of templates in the gallery. Since: 0.1 Errors: ZKBIO_EINVAL (NULL pointer). */
ZKBIO_API int zkbio_gallery_count(const zkbio_gallery *g, size_t *count);
/**
 * Identify `probe`: compare it with every template, and write the best `k` candidates scoring at
 * least `threshold`, best first (ties: lower id first), into `top[0..k)`; `*found` receives how
 * many were written (0..k). Since: 0.1 `probe` is borrowed; `top` is caller-owned.
 * Errors: ZKBIO_EINVAL (NULL pointer, k = 0), ZKBIO_ENOENT (no template scored at least
 * `threshold`; *found = 0), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_gallery_identify(zkbio_gallery *g, const zkbio_template *probe,
                                     double threshold, zkbio_candidate *top, size_t k,
                                     size_t *found);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_GALLERY_H */
