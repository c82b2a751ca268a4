/* SPDX-License-Identifier: Apache-2.0 */
/* The 1:N decision rule (include/zkbio/gallery.h): zkbio_gallery_threshold_compute values
 * (10 log10(N / FPIR), rounded up to hundredths) and errors, and zkbio_gallery_identify_fpir
 * deciding by the number of templates in the gallery when it searches: a candidate that passes
 * in a gallery of one is refused once the gallery holds more templates, and passes again when
 * they are removed.
 * argv[1]: the test data folder (tests/data): two FVC2002 DB1_B .iso templates of different
 * fingers; a missing one is a failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../support/fp-test.h"
#include "../support/test.h"
#include "zkbio/gallery.h"
#include "zkbio/match.h"
#include "zkbio/template.h"

/* Template `name` of tests/data's FVC2002_DB1_B (NULL when missing). */
static zkbio_template *load(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fvc/FVC2002_DB1_B/%s", dir, name);
    return test_load_template(path);
}

static void test_rule(void)
{
    static const struct {
        double fpir;
        size_t n;
        double want;
    } v[] = {
        {1e-4, 1, 40.00},    {1e-4, 0, 40.00}, {1e-3, 10, 40.00},       {1e-3, 100, 50.00},
        {1e-3, 1000, 60.00}, {1e-2, 1, 20.00}, {1e-4, 500, 66.99},      {1e-3, 29, 44.63},
        {0.5, 1, 3.02},      {1e-4, 2, 43.02}, {1e-6, 1000000, 120.00},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        double t = -1;
        CHECK_EQ_INT(zkbio_gallery_threshold_compute(v[i].fpir, v[i].n, &t), ZKBIO_OK);
        CHECK_MSG(fabs(t - v[i].want) < 1e-9, "fpir %g n %zu: %.6f, want %.2f", v[i].fpir, v[i].n,
                  t, v[i].want);
        /* rounded up to hundredths, never below the exact value */
        double exact = 10 * log10((double)(v[i].n ? v[i].n : 1) / v[i].fpir);
        CHECK_MSG(t >= exact - 1e-6 && t < exact + 0.01, "fpir %g n %zu: %.6f vs %.6f", v[i].fpir,
                  v[i].n, t, exact);
    }
    /* monotone in N and in FPIR */
    double prev = 0;
    for (size_t n = 1; n < 100000; n = n * 3 + 1) {
        double t = 0;
        CHECK_EQ_INT(zkbio_gallery_threshold_compute(1e-3, n, &t), ZKBIO_OK);
        CHECK(t > prev);
        prev = t;
    }
    double t = 7;
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(0.0, 10, &t), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(1.0, 10, &t), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(-1e-3, 10, &t), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(NAN, 10, &t), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(INFINITY, 10, &t), ZKBIO_EINVAL);
    CHECK(t == 7); /* untouched on error */
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(1e-3, 10, NULL), ZKBIO_EINVAL);
    /* extreme but valid: finite */
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(1e-300, SIZE_MAX, &t), ZKBIO_OK);
    CHECK(t > 3000 && t < 4000);
}

static void test_identify_fpir(const zkbio_template *a, const zkbio_template *other)
{
    zkbio_gallery *g = NULL;
    REQUIRE(zkbio_gallery_new(1, &g) == ZKBIO_OK, "gallery");
    zkbio_candidate top[4];
    size_t found = 9;
    double thr = -1;
    /* errors */
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, 0.0, top, 4, &found, &thr), ZKBIO_EINVAL);
    CHECK_EQ_INT(found, 0);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, 1.0, top, 4, &found, &thr), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, NAN, top, 4, &found, &thr), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(NULL, a, 1e-3, top, 4, &found, &thr), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, NULL, 1e-3, top, 4, &found, &thr), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, 1e-3, top, 0, &found, &thr), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, 1e-3, top, 4, NULL, &thr), ZKBIO_EINVAL);
    CHECK(thr == -1);
    /* empty gallery: ENOENT, the threshold of N = 1 reported */
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, 1e-3, top, 4, &found, &thr), ZKBIO_ENOENT);
    CHECK(fabs(thr - 30.0) < 1e-9);

    /* the probe against itself: score s; an FPIR whose N = 1 threshold is 1 below s */
    double s = 0;
    REQUIRE(zkbio_match(a, a, &s) == ZKBIO_OK && s > 2, "self score %.2f", s);
    const double fpir = pow(10.0, -(s - 1) / 10);
    REQUIRE(zkbio_gallery_add(g, 1, a) == ZKBIO_OK, "add");
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, fpir, top, 4, &found, NULL), ZKBIO_OK);
    CHECK_EQ_INT(found, 1);
    CHECK(found == 1 && top[0].id == 1 && top[0].score == s);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, fpir, top, 4, &found, &thr), ZKBIO_OK);
    CHECK_MSG(thr <= s && thr > s - 1.01, "threshold %.2f for score %.2f", thr, s);
    /* three more (unrelated) templates: N = 4 raises the threshold by 6.02 above s */
    for (uint32_t id = 2; id <= 4; id++)
        REQUIRE(zkbio_gallery_add(g, id, other) == ZKBIO_OK, "add %u", id);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, fpir, top, 4, &found, &thr), ZKBIO_ENOENT);
    CHECK_EQ_INT(found, 0);
    CHECK_MSG(thr > s + 4.9, "threshold %.2f for score %.2f at N = 4", thr, s);
    /* the same threshold given by hand finds nothing either; the plain identify at the N = 1
     * threshold still finds the probe (the rule, not the scores, changed) */
    double t4 = 0;
    CHECK_EQ_INT(zkbio_gallery_threshold_compute(fpir, 4, &t4), ZKBIO_OK);
    CHECK(t4 == thr);
    CHECK_EQ_INT(zkbio_gallery_identify(g, a, t4, top, 4, &found), ZKBIO_ENOENT);
    CHECK_EQ_INT(zkbio_gallery_identify(g, a, s - 1, top, 4, &found), ZKBIO_OK);
    /* back to one template: found again */
    for (uint32_t id = 2; id <= 4; id++)
        CHECK_EQ_INT(zkbio_gallery_remove(g, id), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_gallery_identify_fpir(g, a, fpir, top, 4, &found, &thr), ZKBIO_OK);
    CHECK(found == 1 && top[0].id == 1);
out:
    zkbio_gallery_free(g);
}

int main(int argc, char **argv)
{
    zkbio_template *a = NULL, *b = NULL;
    REQUIRE(argc >= 2, "usage: test-fpir TEST_DATA_DIR");
    test_rule();
    a = load(argv[1], "101_1.iso");
    b = load(argv[1], "102_1.iso");
    CHECK_MSG(a && b, "FVC2002_DB1_B 101_1.iso / 102_1.iso missing from %s", argv[1]);
    if (a && b)
        test_identify_fpir(a, b);
out:
    zkbio_template_free(a);
    zkbio_template_free(b);
    TEST_DONE();
}
