/* SPDX-License-Identifier: Apache-2.0 */
/* Distortion tolerance of the 1:1 matcher: each template is matched against a copy of itself under
 * a synthetic plastic distortion, and against other fingers under the same distortion.
 *
 * The distortion follows the model of Cappelli, Maio and Maltoni ("Modelling plastic distortion in
 * fingertip images", ICAPR 2001): around a centre the skin does not move (radius R0), far from it
 * it moves rigidly (a rotation by THETA about the centre and a shift, beyond radius R1), and in
 * between the motion blends in smoothly. With the constants below the minutiae far from the centre
 * move by up to about 30 px relative to those at the centre, the range FVC2004 volunteers produced
 * by twisting and pressing their fingers; no rigid motion maps the copy onto the original within
 * the matcher's 16-px consolidation tolerance. The copy also loses every fifth minutia and the
 * others are jittered by up to 2 px, as in a second capture.
 *
 * Templates: the FVC2004 DB1_B ISO templates of tests/data (a third-party extractor, no orientation
 * field, so the minutiae-only path). argv[1] is the test data folder (tests/data). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "zkbio/match.h"
#include "zkbio/template.h"

#include "../support/fp-test.h"
#include "../support/test.h"

#define R0    30.0  /* px: undistorted core */
#define R1    120.0 /* px: rigidly moved beyond */
#define THETA 0.35  /* rad (about 20 degrees) */
#define SHIFT 10.0  /* px, along x, of the moved region */

static zkbio_template *load_iso(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/fvc/FVC2004_DB1_B/%s.iso", dir, name);
    return test_load_template(path);
}

static double match(const zkbio_template *a, const zkbio_template *b)
{
    double s = -1;
    CHECK_EQ_INT(zkbio_match(a, b, &s), ZKBIO_OK);
    return s;
}

/* A copy of t under the plastic distortion centred on the minutiae's centroid (sign +1 or -1:
 * the twist's direction); *maxd receives the largest displacement, px. */
static zkbio_template *distorted(const zkbio_template *t, int sign, double *maxd)
{
    zkbio_template *r = NULL;
    if (zkbio_template_dup(t, &r) != ZKBIO_OK)
        return NULL;
    double cx = 0, cy = 0;
    for (size_t k = 0; k < r->count; k++) {
        cx += r->minutiae[k].x;
        cy += r->minutiae[k].y;
    }
    cx /= (double)r->count;
    cy /= (double)r->count;
    *maxd = 0;
    for (size_t k = 0; k < r->count; k++) {
        zkbio_minutia *m = &r->minutiae[k];
        const double u = m->x - cx, v = m->y - cy, d = sqrt(u * u + v * v);
        double b = d <= R0 ? 0 : d >= R1 ? 1 : (d - R0) / (R1 - R0);
        b = b * b * (3 - 2 * b); /* smooth blend */
        const double th = sign * THETA * b;
        /* image y is down: a counter-clockwise turn (y up) of th */
        const double nu = u * cos(th) + v * sin(th) + sign * SHIFT * b;
        const double nv = -u * sin(th) + v * cos(th);
        const double dx = nu - u, dy = nv - v;
        if (sqrt(dx * dx + dy * dy) > *maxd)
            *maxd = sqrt(dx * dx + dy * dy);
        /* and a deterministic jitter of up to 2 px, as a second extraction would place them */
        const double nx = cx + nu + (double)((k * 7) % 5) - 2,
                     ny = cy + nv + (double)((k * 3) % 5) - 2;
        m->x = (uint16_t)(nx < 0 ? 0 : nx + 0.5);
        m->y = (uint16_t)(ny < 0 ? 0 : ny + 0.5);
        m->angle = (uint8_t)(m->angle + (int)lround(th * 128 / 3.14159265358979));
    }
    /* a second capture misses some minutiae and finds others: drop every fifth */
    size_t q = 0;
    for (size_t k = 0; k < r->count; k++)
        if (k % 5 != 2)
            r->minutiae[q++] = r->minutiae[k];
    r->count = q;
    return r;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/data";
    enum { NF = 10 };
    zkbio_template *t[NF];
    int ok = 1;
    for (int f = 0; f < NF; f++) {
        char name[32];
        snprintf(name, sizeof(name), "%d_1", 101 + f);
        t[f] = load_iso(dir, name);
        ok &= t[f] != NULL;
    }
    if (!ok) {
        TEST_FAIL_("%s/fvc/FVC2004_DB1_B/1xx_1.iso not found", dir);
        return TEST_DONE();
    }
    int pass = 0, n = 0;
    double worst_gen = 1e9, best_imp = 0, sum_gen = 0;
    for (int f = 0; f < NF; f++)
        for (int sign = -1; sign <= 1; sign += 2) {
            double maxd = 0;
            zkbio_template *w = distorted(t[f], sign, &maxd);
            CHECK(w != NULL);
            if (!w)
                continue;
            const double g = match(t[f], w), g2 = match(w, t[f]);
            const double g3 = match(t[f], w);
            CHECK(g == g3); /* deterministic */
            const double gm = g < g2 ? g : g2;
            printf("%d_1 twist %+d (up to %.0f px): %.2f / %.2f\n", 101 + f, sign, maxd, g, g2);
            worst_gen = gm < worst_gen ? gm : worst_gen;
            sum_gen += gm;
            pass += gm >= ZKBIO_MATCH_THRESHOLD;
            n++;
            for (int o = 0; o < NF; o++) {
                if (o == f)
                    continue;
                const double i = match(t[o], w);
                best_imp = i > best_imp ? i : best_imp;
                CHECK_MSG(i < ZKBIO_MATCH_THRESHOLD, "%d_1 vs distorted %d_1: %.2f", 101 + o,
                          101 + f, i);
            }
            zkbio_template_free(w);
        }
    printf("distorted self: %d of %d at or above %.0f, worst %.2f, mean %.2f; best impostor %.2f\n",
           pass, n, ZKBIO_MATCH_THRESHOLD, worst_gen, sum_gen / n, best_imp);
    CHECK(pass == n);
    for (int f = 0; f < NF; f++)
        zkbio_template_free(t[f]);
    return TEST_DONE();
}
