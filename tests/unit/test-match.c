/* SPDX-License-Identifier: Apache-2.0 */
/* zkbio_match() and zkbio_matcher_*: the golden ISO triple from tests/data/iso (probe vs
 * matching is the same finger, nonmatching another), identical templates, rotation and translation
 * applied by code, multi-view templates, malformed input and determinism. argv[1] is the test
 * data folder (tests/data); a missing one is a failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/match.h"
#include "zkbio/template.h"

#include "../support/fp-test.h"
#include "../support/test.h"

static zkbio_template *load_iso(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/iso/%s", dir, name);
    return test_load_template(path);
}

static double match(const zkbio_template *a, const zkbio_template *b)
{
    double s = -1;
    int rc = zkbio_match(a, b, &s);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    return s;
}

static zkbio_template *copy_of(const zkbio_template *t)
{
    zkbio_template *c = NULL;
    return zkbio_template_dup(t, &c) == ZKBIO_OK ? c : NULL;
}

/* Rotate counter-clockwise (y up) by cos/sin given in 1/65536 around (cx, cy), angle units added to
 * the directions, then translate by (tx, ty); coordinates stay positive for the offsets used. */
static zkbio_template *moved(const zkbio_template *t, int64_t c, int64_t s, int dangle, int tx,
                             int ty)
{
    zkbio_template *r = copy_of(t);
    if (!r)
        return NULL;
    const int64_t cx = 250, cy = 250;
    for (size_t k = 0; k < r->count; k++) {
        zkbio_minutia *m = &r->minutiae[k];
        int64_t u = m->x - cx, v = -((int64_t)m->y - cy); /* y up */
        int64_t ur = (u * c - v * s) / 65536, vr = (u * s + v * c) / 65536;
        m->x = (uint16_t)(cx + 200 + ur + tx);
        m->y = (uint16_t)(cy + 200 - vr + ty);
        m->angle = (uint8_t)(m->angle + dangle);
    }
    return r;
}

/* A two-view template: views a then b. */
static zkbio_template *two_views(const zkbio_template *a, const zkbio_template *b)
{
    zkbio_template *r = NULL;
    if (zkbio_template_new(a->count + b->count, &r) != ZKBIO_OK)
        return NULL;
    zkbio_minutia *m = r->minutiae;
    size_t n = r->count;
    *r = *a;
    r->minutiae = m;
    memset(r->ofield, 0, sizeof(r->ofield)); /* the fields belong to a: not copied */
    r->count = n;
    r->view_count = 2;
    memcpy(m, a->minutiae, a->count * sizeof(*m));
    memcpy(m + a->count, b->minutiae, b->count * sizeof(*m));
    for (size_t k = 0; k < n; k++)
        m[k].view = k < a->count ? 0 : 1;
    return r;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/data";
    zkbio_template *probe = load_iso(dir, "iso-probe.dat");
    zkbio_template *same = load_iso(dir, "iso-matching.dat");
    zkbio_template *other = load_iso(dir, "iso-nonmatching.dat");
    if (!probe || !same || !other) {
        TEST_FAIL_("%s/iso/iso-*.dat not found", dir);
        return TEST_DONE();
    }
    CHECK(probe->count >= 10 && same->count >= 10 && other->count >= 10);

    /* golden triple and identity. The shared iso-probe.dat and iso-matching.dat are the same bytes,
     * so real genuine pairs come from the FVC ISO templates below. */
    double s_self = match(probe, probe);
    double s_same = match(probe, same);
    double s_other = match(probe, other);
    printf("probe/probe %.2f probe/matching %.2f probe/nonmatching %.2f\n", s_self, s_same,
           s_other);
    CHECK(s_self >= ZKBIO_MATCH_THRESHOLD);
    CHECK(s_self >= 100);
    CHECK(s_same >= ZKBIO_MATCH_THRESHOLD);
    CHECK(s_other < ZKBIO_MATCH_THRESHOLD);
    CHECK(s_other >= 0);
    CHECK(match(same, probe) >= ZKBIO_MATCH_THRESHOLD); /* either role */
    CHECK(match(other, probe) < ZKBIO_MATCH_THRESHOLD);

    /* real impressions (ISO templates of a third-party extractor): genuine and impostor pairs */
    static const char *const pairs[][3] = {
        {"101_1", "101_2", "1"}, {"102_1", "102_2", "1"}, {"105_3", "105_4", "1"},
        {"101_1", "102_1", "0"}, {"103_2", "101_1", "0"}, {"104_1", "108_5", "0"},
    };
    for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
        char a[64], b[64];
        snprintf(a, sizeof(a), "../fvc/FVC2002_DB1_B/%s.iso", pairs[k][0]);
        snprintf(b, sizeof(b), "../fvc/FVC2002_DB1_B/%s.iso", pairs[k][1]);
        zkbio_template *ta = load_iso(dir, a), *tb = load_iso(dir, b);
        CHECK(ta && tb);
        if (ta && tb) {
            double ab = match(ta, tb), ba = match(tb, ta);
            printf("FVC2002_DB1_B %s vs %s: %.2f / %.2f\n", pairs[k][0], pairs[k][1], ab, ba);
            if (pairs[k][2][0] == '1') {
                CHECK(ab >= ZKBIO_MATCH_THRESHOLD);
                CHECK(ba >= ZKBIO_MATCH_THRESHOLD);
            } else {
                CHECK(ab < ZKBIO_MATCH_THRESHOLD);
                CHECK(ba < ZKBIO_MATCH_THRESHOLD);
            }
        }
        zkbio_template_free(ta);
        zkbio_template_free(tb);
    }

    /* rotation and translation by code: quarter turns exactly, 30 degrees, 180 degrees */
    static const struct {
        int64_t c, s;
        int dangle;
        int tx, ty;
    } moves[] = {
        {65536, 0, 0, 37, -21},     /* translation only */
        {0, 65536, 64, 0, 0},       /* 90 degrees */
        {-65536, 0, 128, 11, 5},    /* 180 degrees */
        {0, -65536, 192, -15, 30},  /* 270 degrees */
        {56756, 32768, 21, 20, 10}, /* 30 degrees (21.33 units: rounding noise is tolerated) */
        {60547, -25080, -16, 0, 0}, /* -22.5 degrees, exactly -16 units */
    };
    for (size_t k = 0; k < sizeof(moves) / sizeof(moves[0]); k++) {
        zkbio_template *r =
            moved(probe, moves[k].c, moves[k].s, moves[k].dangle, moves[k].tx, moves[k].ty);
        CHECK(r != NULL);
        if (!r)
            continue;
        double a = match(r, probe), b = match(probe, r), c = match(r, same), d = match(r, other);
        printf("move %zu: self %.2f / %.2f, matching %.2f, nonmatching %.2f\n", k, a, b, c, d);
        CHECK(a >= 100);
        CHECK(b >= 100);
        CHECK(c >= ZKBIO_MATCH_THRESHOLD);
        CHECK(d < ZKBIO_MATCH_THRESHOLD);
        zkbio_template_free(r);
    }

    /* multi-view: the best view pair counts */
    zkbio_template *mv = two_views(other, same);
    CHECK(mv != NULL);
    if (mv) {
        double a = match(probe, mv), b = match(mv, probe);
        CHECK(a >= s_same);
        CHECK(b >= ZKBIO_MATCH_THRESHOLD);
        zkbio_template *mo = two_views(other, other);
        if (mo) {
            CHECK(match(probe, mo) < ZKBIO_MATCH_THRESHOLD);
            zkbio_template_free(mo);
        }
        zkbio_template_free(mv);
    }

    /* determinism: the same score twice, and the prepared matcher gives zkbio_match's score */
    zkbio_matcher *m = NULL;
    CHECK_EQ_INT(zkbio_matcher_new(probe, &m), ZKBIO_OK);
    const zkbio_template *cands[] = {probe, same, other, same, probe};
    for (size_t k = 0; m && k < sizeof(cands) / sizeof(cands[0]); k++) {
        double a = -1, b = -1;
        CHECK_EQ_INT(zkbio_matcher_match(m, cands[k], &a), ZKBIO_OK);
        b = match(probe, cands[k]);
        CHECK(a == b);
        CHECK(match(probe, cands[k]) == b);
    }

    /* malformed input */
    double sc = 0;
    CHECK_EQ_INT(zkbio_match(NULL, same, &sc), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_match(probe, NULL, &sc), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_match(probe, same, NULL), ZKBIO_EINVAL);
    zkbio_matcher *m2 = NULL;
    CHECK_EQ_INT(zkbio_matcher_new(NULL, &m2), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_matcher_new(probe, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_matcher_match(NULL, same, &sc), ZKBIO_EINVAL);
    if (m) {
        CHECK_EQ_INT(zkbio_matcher_match(m, NULL, &sc), ZKBIO_EINVAL);
        CHECK_EQ_INT(zkbio_matcher_match(m, same, NULL), ZKBIO_EINVAL);
    }
    zkbio_template bad = *same;
    bad.minutiae = NULL; /* count > 0 with NULL minutiae */
    CHECK_EQ_INT(zkbio_match(probe, &bad, &sc), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_match(&bad, probe, &sc), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_matcher_new(&bad, &m2), ZKBIO_EINVAL);
    CHECK(m2 == NULL);
    zkbio_template *badview = copy_of(same);
    if (badview) {
        badview->minutiae[badview->count - 1].view = 1; /* view_count is 1 */
        CHECK_EQ_INT(zkbio_match(probe, badview, &sc), ZKBIO_EINVAL);
        badview->view_count = 4; /* above ZKBIO_TEMPLATE_VIEWS_MAX */
        CHECK_EQ_INT(zkbio_match(probe, badview, &sc), ZKBIO_EINVAL);
        badview->view_count = 2; /* now valid: view 1 holds one minutia */
        CHECK_EQ_INT(zkbio_match(probe, badview, &sc), ZKBIO_OK);
        badview->count = ZKBIO_TEMPLATE_MINUTIAE_MAX + 1;
        CHECK_EQ_INT(zkbio_match(probe, badview, &sc), ZKBIO_EINVAL);
        zkbio_template_free(badview);
    }
    /* too few minutiae: a valid template that scores 0 */
    zkbio_template empty = *same;
    empty.count = 0;
    empty.minutiae = NULL;
    sc = -1;
    CHECK_EQ_INT(zkbio_match(probe, &empty, &sc), ZKBIO_OK);
    CHECK(sc == 0);
    empty.count = 1;
    empty.minutiae = same->minutiae;
    sc = -1;
    CHECK_EQ_INT(zkbio_match(&empty, probe, &sc), ZKBIO_OK);
    CHECK(sc == 0);

    zkbio_matcher_free(m);
    zkbio_matcher_free(NULL);
    zkbio_template_free(probe);
    zkbio_template_free(same);
    zkbio_template_free(other);
    return TEST_DONE();
}
