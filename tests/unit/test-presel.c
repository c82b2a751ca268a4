/* SPDX-License-Identifier: Apache-2.0 */
/* 1:N pre-selection (lib/fp/match/match.c ZKM_PRESEL_*, gallery.h "Accuracy"): a gallery search at
 * a threshold where the pre-selection is on (40 and above) must return exactly the comparisons
 * that the exact 1:1 matcher (zkbio_match) scores at or above the threshold, with the same
 * scores; below it the search is exact for every candidate. Templates extracted from the FVC
 * images of tests/data (with orientation fields, as zkbiod stores them), probes upright and
 * rotated by 90 degrees, and the ISO templates of FVC2004_DB1_B (minutiae alone).
 * argv[1]: the test data folder (tests/data). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/fp-test.h"
#include "../support/test.h"
#include "zkbio/extract.h"
#include "zkbio/gallery.h"
#include "zkbio/image.h"
#include "zkbio/imageio.h"
#include "zkbio/match.h"
#include "zkbio/template.h"

#define TPL_MAX 128

/* Search a gallery of cand[0..n) (ids 1..n) with every probe at thresholds 0, 30, 40 and 50 and
 * compare with zkbio_match; *at40 counts the comparisons at or above 40. */
static void check(const char *what, zkbio_template **probe, size_t np, zkbio_template **cand,
                  size_t n, size_t *at40)
{
    zkbio_gallery *g = NULL;
    CHECK_EQ_INT(zkbio_gallery_new(2, &g), ZKBIO_OK);
    for (size_t k = 0; g && k < n; k++)
        CHECK_EQ_INT(zkbio_gallery_add(g, (uint32_t)k + 1, cand[k]), ZKBIO_OK);
    zkbio_candidate top[TPL_MAX];
    static const double thr[] = {0.0, 30.0, 40.0, 50.0};
    size_t missing = 0, extra = 0, differ = 0;
    for (size_t p = 0; g && p < np; p++) {
        double want[TPL_MAX];
        for (size_t k = 0; k < n; k++) {
            CHECK_EQ_INT(zkbio_match(probe[p], cand[k], &want[k]), ZKBIO_OK);
            *at40 += want[k] >= 40.0;
        }
        for (size_t t = 0; t < sizeof(thr) / sizeof(thr[0]); t++) {
            size_t found = 0;
            int rc = zkbio_gallery_identify(g, probe[p], thr[t], top, n, &found);
            CHECK(rc == ZKBIO_OK || rc == ZKBIO_ENOENT);
            for (size_t k = 0; k < n; k++) {
                size_t f = 0;
                while (f < found && top[f].id != (uint32_t)k + 1)
                    f++;
                if (f == found)
                    missing += want[k] >= thr[t];
                else if (want[k] < thr[t])
                    extra++;
                else
                    differ += top[f].score != want[k];
            }
        }
    }
    printf("%s: %zu probes x %zu candidates: %zu missing, %zu extra, %zu scores differ\n", what, np,
           n, missing, extra, differ);
    CHECK_EQ_INT(missing, 0);
    CHECK_EQ_INT(extra, 0);
    CHECK_EQ_INT(differ, 0);
    zkbio_gallery_free(g);
}

int main(int argc, char **argv)
{
    CHECK(argc >= 2);
    if (argc < 2)
        return TEST_DONE();
    static const char *sets[] = {"FVC2002_DB1_B", "FVC2002_DB3_B", "FVC2004_DB1_B"};
    zkbio_template *up[TPL_MAX], *turned[TPL_MAX], *iso[TPL_MAX];
    size_t n = 0, ni = 0;
    for (size_t s = 0; s < 3; s++) {
        char dir[4096], *files[TPL_MAX];
        snprintf(dir, sizeof(dir), "%s/fvc/%s", argv[1], sets[s]);
        size_t nf = test_list_files(dir, ".tif", files, TPL_MAX);
        for (size_t i = 0; i < nf; i++) {
            zkbio_image *img = NULL, *r = NULL;
            zkbio_template *a = NULL, *b = NULL;
            if (zkbio_image_load(files[i], 500, &img) == ZKBIO_OK &&
                zkbio_image_rotate(img, 1, &r) == ZKBIO_OK &&
                zkbio_extract(img, &a, NULL) == ZKBIO_OK &&
                zkbio_extract(r, &b, NULL) == ZKBIO_OK && n < TPL_MAX) {
                up[n] = a;
                turned[n++] = b;
            } else {
                zkbio_template_free(a);
                zkbio_template_free(b);
            }
            zkbio_image_free(img);
            zkbio_image_free(r);
            free(files[i]);
        }
        if (s == 2) {
            nf = test_list_files(dir, ".iso", files, TPL_MAX);
            for (size_t i = 0; i < nf; i++) {
                zkbio_template *t = test_load_template(files[i]);
                if (t && ni < TPL_MAX)
                    iso[ni++] = t;
                else
                    zkbio_template_free(t);
                free(files[i]);
            }
        }
    }
    CHECK_EQ_INT(n, 22); /* every image of tests/data/fvc (README) */
    CHECK_EQ_INT(ni, 80);
    size_t at40 = 0;
    check("extracted, upright", up, n, up, n, &at40);
    check("extracted, probes turned 90 degrees", turned, n, up, n, &at40);
    check("ISO templates (minutiae alone)", iso, ni, iso, ni, &at40);
    printf("comparisons at or above 40: %zu\n", at40);
    CHECK(at40 > 3 * n); /* the genuine pairs are there, not only the self-comparisons */
    for (size_t i = 0; i < n; i++) {
        zkbio_template_free(up[i]);
        zkbio_template_free(turned[i]);
    }
    for (size_t i = 0; i < ni; i++)
        zkbio_template_free(iso[i]);
    return TEST_DONE();
}
