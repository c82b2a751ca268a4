/* SPDX-License-Identifier: Apache-2.0 */
/* Weak evidence (lib/fp/match/match.c zkm_ev_overlap, docs/fingerprint-engine.md "Calibration
 * across sensors"): a square patch of an extracted FVC print (its minutiae and orientation cells
 * inside the square) matched against the whole print pairs every minutia it has, so its paired
 * fraction is 1; the score must still stay below the 1:1 threshold when the patch's overlap is
 * tiny (96 x 96 px: 36 cells of 16 x 16 px), and reach it when the patch is large enough to be
 * evidence (192 x 192 px). Without the orientation field (minutiae alone, no overlap measure) the
 * tiny patch is not scaled down, so it scores more than with the field.
 * argv[1]: the test data folder (tests/data), FVC2002_DB1_B/101_1.tif. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/extract.h"
#include "zkbio/image.h"
#include "zkbio/imageio.h"
#include "zkbio/match.h"
#include "zkbio/template.h"

/* The part of view 0 of t inside the square [cx - h, cx + h) x [cy - h, cy + h), h a multiple of
 * the cell size; with_field 0 drops the orientation field. NULL on failure. */
static zkbio_template *patch(const zkbio_template *t, int cx, int cy, int h, int with_field)
{
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++) {
        const zkbio_minutia *m = &t->minutiae[i];
        n += m->x >= cx - h && m->x < cx + h && m->y >= cy - h && m->y < cy + h;
    }
    zkbio_template *p = NULL;
    if (zkbio_template_new(n, &p) != ZKBIO_OK)
        return NULL;
    p->width = t->width;
    p->height = t->height;
    p->xres = t->xres;
    p->yres = t->yres;
    size_t k = 0;
    for (size_t i = 0; i < t->count; i++) {
        const zkbio_minutia *m = &t->minutiae[i];
        if (m->x >= cx - h && m->x < cx + h && m->y >= cy - h && m->y < cy + h)
            p->minutiae[k++] = *m;
    }
    const zkbio_ofield *f = &t->ofield[0];
    if (!with_field || f->cols == 0)
        return p;
    const int cs = ZKBIO_OFIELD_CELL;
    const int c0 = (cx - h) / cs, r0 = (cy - h) / cs, nc = 2 * h / cs;
    uint8_t cells[64 * 64];
    memset(cells, 0, sizeof(cells));
    for (int j = 0; j < nc; j++)
        for (int i = 0; i < nc; i++) {
            const int fi = c0 + i - f->x0, fj = r0 + j - f->y0;
            if (fi >= 0 && fj >= 0 && fi < f->cols && fj < f->rows)
                cells[j * nc + i] = f->cells[fj * f->cols + fi];
        }
    if (zkbio_template_ofield_set(p, 0, (uint8_t)c0, (uint8_t)r0, (uint8_t)nc, (uint8_t)nc,
                                  cells) != ZKBIO_OK) {
        zkbio_template_free(p);
        return NULL;
    }
    return p;
}

int main(int argc, char **argv)
{
    zkbio_image *img = NULL;
    zkbio_template *t = NULL, *small = NULL, *small_min = NULL, *large = NULL;
    REQUIRE(argc >= 2, "usage: test-evidence TEST_DATA_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/fvc/FVC2002_DB1_B/101_1.tif", argv[1]);
    REQUIRE(zkbio_image_load(path, 500, &img) == ZKBIO_OK, "cannot load %s", path);
    REQUIRE(zkbio_extract(img, &t, NULL) == ZKBIO_OK && t->ofield[0].cols > 0, "extract");
    /* the minutiae's centroid, on the cell grid */
    long sx = 0, sy = 0;
    for (size_t i = 0; i < t->count; i++) {
        sx += t->minutiae[i].x;
        sy += t->minutiae[i].y;
    }
    const int cs = ZKBIO_OFIELD_CELL;
    const int cx = (int)(sx / (long)t->count) / cs * cs, cy = (int)(sy / (long)t->count) / cs * cs;
    small = patch(t, cx, cy, 48, 1);
    small_min = patch(t, cx, cy, 48, 0);
    large = patch(t, cx, cy, 96, 1);
    REQUIRE(small && small_min && large, "patches");
    REQUIRE(small->count >= 4, "only %zu minutiae in the 96 x 96 patch", small->count);
    double s_small = 0, s_min = 0, s_large = 0;
    CHECK_EQ_INT(zkbio_match(small, t, &s_small), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_match(small_min, t, &s_min), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_match(large, t, &s_large), ZKBIO_OK);
    printf("patch 96 px: %zu minutiae, score %.2f (minutiae alone %.2f); 192 px: %zu minutiae, "
           "score %.2f\n",
           small->count, s_small, s_min, large->count, s_large);
    CHECK_MSG(s_small < ZKBIO_MATCH_THRESHOLD, "tiny overlap scored %.2f", s_small);
    CHECK_MSG(s_large >= ZKBIO_MATCH_THRESHOLD, "192 px patch scored only %.2f", s_large);
    CHECK_MSG(s_large > s_small, "%.2f vs %.2f", s_large, s_small);
out:
    zkbio_template_free(small);
    zkbio_template_free(small_min);
    zkbio_template_free(large);
    zkbio_template_free(t);
    zkbio_image_free(img);
    return TEST_DONE();
}
