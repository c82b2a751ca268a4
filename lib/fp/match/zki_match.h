/* SPDX-License-Identifier: Apache-2.0 */
/* Internal matcher interface, shared by match.c (public 1:1), gallery.c (1:N) and merge.c.
 *
 * A template is prepared once (zki_prep: minutiae in matcher form plus their neighbour-edge
 * tables) and a probe once more (zki_probe: a prepared template plus the hash index of its edges).
 * Both are immutable after build and may be read by many threads at once. Scratch memory lives in
 * a zki_match_ws, one per thread. Scores are integers in hundredths of the calibrated scale
 * (score 40.00 = 4000) so every path is deterministic; the public API divides by 100. */
#ifndef ZKI_MATCH_H
#define ZKI_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/template.h"

typedef struct zki_prep zki_prep;
typedef struct zki_probe zki_probe;
typedef struct zki_match_ws zki_match_ws;

/* Prepare a (one- or multi-view) template. ZKBIO_EINVAL for an invalid template, ZKBIO_ENOMEM. */
int zki_prep_build(const zkbio_template *t, zki_prep **out);
void zki_prep_free(zki_prep *p);
/* Bytes held by a prepared template (for gallery memory accounting). */
size_t zki_prep_bytes(const zki_prep *p);

/* Hints that p's header (zki_prep_prefetch_head) or, once the header is cached, the data
 * matching reads (zki_prep_prefetch) will be read soon: a 1:N search issues them one and two
 * candidates ahead, so that its candidates' memory arrives while the current one is matched. */
void zki_prep_prefetch_head(const zki_prep *p);
void zki_prep_prefetch(const zki_prep *p);

int zki_probe_build(const zkbio_template *t, zki_probe **out);
void zki_probe_free(zki_probe *p);

int zki_match_ws_new(zki_match_ws **out);
void zki_match_ws_free(zki_match_ws *ws);

/* Calibrated score x 100 (>= 0) of probe against candidate; the best over all view pairs.
 * floor: the smallest score the caller keeps (0: every score exact). At ZKM_PRESEL_FLOOR (40.00)
 * and above, the 1:N pre-selection (match.c) may return a lower score for a comparison that the
 * exact matcher scores at or above floor only through a pairing grown to fewer than
 * ZKM_PRESEL_M pairs; every result at or above floor is the exact score. */
int32_t zki_match_score(const zki_probe *probe, const zki_prep *cand, zki_match_ws *ws,
                        int32_t floor);

#endif /* ZKI_MATCH_H */
