/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench accuracy`'s check of the 1:N pre-selection (lib/fp/match/match.c ZKM_PRESEL_*,
 * docs/fingerprint-engine.md "1:N pre-selection"): for each set, a gallery of the set's candidate
 * templates is searched with every probe of the set at a threshold where the pre-selection is on,
 * and the candidates found are compared with the all-vs-all matrix (zkbio_matcher_match, exact):
 * every comparison that scores at or above the threshold 1:1 must be found, with the same score. */
#include "accuracy.h"

#include <stdio.h>
#include <stdlib.h>

#include "zkbio/error.h"
#include "zkbio/gallery.h"

/* Per set: comparisons at or above the threshold 1:1 (genuine, impostor), those missing from the
 * 1:N results (genuine, impostor) and the found ones whose score differs. */
typedef struct bp_count {
    size_t gen, imp, gen_lost, imp_lost, differ;
} bp_count;

static int bp_set(const ba_ctx *c, int s, double threshold, bp_count *n)
{
    size_t lo, hi;
    ba_set_range(c, s, &lo, &hi);
    zkbio_gallery *g = NULL;
    zkbio_candidate *cand = malloc((hi - lo + 1) * sizeof(*cand));
    int rc = cand ? zkbio_gallery_new(1, &g) : -1;
    for (size_t k = lo; rc == 0 && k < hi; k++)
        if (!c->items[k].failed)
            rc = zkbio_gallery_add(g, (uint32_t)k + 1, c->items[k].tpl); /* ids are > 0 */
    for (size_t r = lo; rc == 0 && r < hi; r++) {
        const ba_item *p = &c->items[r];
        if (p->failed)
            continue;
        size_t found = 0;
        rc = zkbio_gallery_identify(g, p->probe, threshold, cand, hi - lo, &found);
        if (rc == ZKBIO_ENOENT)
            rc = ZKBIO_OK; /* nothing at or above the threshold: found = 0 */
        for (size_t k = lo; rc == 0 && k < hi; k++) {
            const double want = c->matrix[r * c->n + k];
            if (k == r || c->items[k].failed || want < threshold)
                continue;
            const int genuine = c->items[k].finger == p->finger;
            genuine ? n->gen++ : n->imp++;
            size_t f = 0;
            while (f < found && cand[f].id != (uint32_t)k + 1)
                f++;
            if (f == found) { /* rare by design: name it */
                printf("presel lost %s %s %.2f\n", p->name, c->items[k].name, want);
                genuine ? n->gen_lost++ : n->imp_lost++;
            } else if (cand[f].score != want)
                n->differ++;
        }
    }
    zkbio_gallery_free(g);
    free(cand);
    return rc == 0 ? 0 : -1;
}

int ba_report_presel(const ba_ctx *c, int nsets, char (*setnames)[BA_SET_NAME_MAX], int namew)
{
    const double threshold = 40.0;
    printf("\n1:N pre-selection: a gallery of each set's templates, every probe of the set at "
           "threshold %.0f; the comparisons at or above it 1:1, those the search missed, and the "
           "scores that differ\n",
           threshold);
    printf("presel %-*s %6s %6s %8s %8s %6s\n", namew, "set", "gen", "imp", "gen-lost", "imp-lost",
           "differ");
    bp_count all = {0};
    for (int s = 0; s < nsets; s++) {
        bp_count n = {0};
        if (bp_set(c, s, threshold, &n) != 0)
            return -1;
        printf("presel %-*s %6zu %6zu %8zu %8zu %6zu\n", namew, setnames[s], n.gen, n.imp,
               n.gen_lost, n.imp_lost, n.differ);
        all.gen += n.gen;
        all.imp += n.imp;
        all.gen_lost += n.gen_lost;
        all.imp_lost += n.imp_lost;
        all.differ += n.differ;
    }
    printf("presel %-*s %6zu %6zu %8zu %8zu %6zu\n", namew, "all", all.gen, all.imp, all.gen_lost,
           all.imp_lost, all.differ);
    return 0;
}
