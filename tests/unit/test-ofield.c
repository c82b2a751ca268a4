/* SPDX-License-Identifier: Apache-2.0 */
/* Orientation fields (template.h zkbio_ofield): what zkbio_extract() writes on real FVC images
 * (shape, levels, the flow turning with the image), and how the matcher uses them: a genuine pair
 * scores the same whether or not the fields are present on one side only, a candidate whose field
 * is turned by 90 degrees loses its score, merge keeps each capture's field (and the native record
 * all three, within 2048 bytes). argv[1] is the test data folder (tests/data). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/extract.h"
#include "zkbio/image.h"
#include "zkbio/imageio.h"
#include "zkbio/match.h"
#include "zkbio/merge.h"
#include "zkbio/template.h"

#include "../support/test.h"

#define PI 3.14159265358979323846

static zkbio_image *load(const char *data, const char *set, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fvc/%s/%s.tif", data, set, name);
    zkbio_image *img = NULL;
    if (zkbio_image_load(path, 500, &img) != ZKBIO_OK)
        TEST_FAIL_("cannot load %s", path);
    return img;
}

static zkbio_template *extract(const zkbio_image *img)
{
    zkbio_template *t = NULL;
    CHECK_EQ_INT(zkbio_extract(img, &t, NULL), ZKBIO_OK);
    return t;
}

/* Cell of f covering image point (x, y), or 0 (background or outside). */
static int cell_at(const zkbio_ofield *f, int x, int y)
{
    int i = x / ZKBIO_OFIELD_CELL - f->x0, j = y / ZKBIO_OFIELD_CELL - f->y0;
    if (x < 0 || y < 0 || i < 0 || j < 0 || i >= f->cols || j >= f->rows)
        return 0;
    return f->cells[j * f->cols + i];
}

static double level_rad(int level)
{
    return (level - 1) * PI / ZKBIO_OFIELD_LEVELS;
}

/* Shape of an extracted field: inside the image, levels in range, most of the box foreground. */
static void check_shape(const zkbio_template *t)
{
    const zkbio_ofield *f = &t->ofield[0];
    CHECK(f->cols > 0 && f->rows > 0 && f->cells != NULL);
    CHECK(f->cols <= ZKBIO_OFIELD_DIM_MAX && f->rows <= ZKBIO_OFIELD_DIM_MAX);
    CHECK((f->x0 + f->cols - 1) * ZKBIO_OFIELD_CELL < t->width);
    CHECK((f->y0 + f->rows - 1) * ZKBIO_OFIELD_CELL < t->height);
    CHECK(t->ofield[1].cols == 0 && t->ofield[2].cols == 0);
    int fg = 0, ok = 1;
    for (int k = 0; k < f->cols * f->rows; k++) {
        ok &= f->cells[k] <= ZKBIO_OFIELD_LEVELS;
        fg += f->cells[k] != 0;
    }
    CHECK(ok);
    CHECK(fg * 2 >= f->cols * f->rows); /* cropped to the foreground's bounding box */
    /* the box is tight: its first and last rows and columns each have a foreground cell */
    int top = 0, bottom = 0, left = 0, right = 0;
    for (int i = 0; i < f->cols; i++) {
        top |= f->cells[i];
        bottom |= f->cells[(f->rows - 1) * f->cols + i];
    }
    for (int j = 0; j < f->rows; j++) {
        left |= f->cells[j * f->cols];
        right |= f->cells[j * f->cols + f->cols - 1];
    }
    CHECK(top && bottom && left && right);
}

/* The field of the image turned a quarter clockwise is the original field turned with it: mean
 * cos(2 d) over the cells both have, d = orientation difference after undoing the turn. */
static void check_turn(const zkbio_image *img, const zkbio_template *a)
{
    zkbio_image *rot = NULL;
    CHECK_EQ_INT(zkbio_image_rotate(img, 1, &rot), ZKBIO_OK);
    if (!rot)
        return;
    zkbio_template *r = extract(rot);
    if (r) {
        const zkbio_ofield *fa = &a->ofield[0], *fr = &r->ofield[0];
        double sum = 0;
        int n = 0;
        for (int j = 0; j < fr->rows; j++)
            for (int i = 0; i < fr->cols; i++) {
                int lr = fr->cells[j * fr->cols + i];
                /* rotated (x, y) was original (y, h - 1 - x) */
                int x = (fr->x0 + i) * ZKBIO_OFIELD_CELL + ZKBIO_OFIELD_CELL / 2;
                int y = (fr->y0 + j) * ZKBIO_OFIELD_CELL + ZKBIO_OFIELD_CELL / 2;
                int la = cell_at(fa, y, (int)img->height - 1 - x);
                if (!lr || !la)
                    continue;
                /* a clockwise turn takes orientation t to t - 90 degrees */
                sum += cos(2 * (level_rad(la) - (level_rad(lr) + PI / 2)));
                n++;
            }
        CHECK(n > 100);
        double agree = n ? sum / n : 0;
        if (agree < 0.8)
            fprintf(stderr, "  turned field agreement %.2f over %d cells\n", agree, n);
        CHECK(agree >= 0.8);
        zkbio_template_free(r);
    }
    zkbio_image_free(rot);
}

static double score(const zkbio_template *a, const zkbio_template *b)
{
    double s = -1;
    CHECK_EQ_INT(zkbio_match(a, b, &s), ZKBIO_OK);
    return s;
}

/* A copy of view 0 of t (minutiae and, when with_field, the field with every level moved by
 * `turn` levels). */
static zkbio_template *copy(const zkbio_template *t, int with_field, int turn)
{
    zkbio_template *c = NULL;
    if (zkbio_template_new(t->count, &c) != ZKBIO_OK)
        return NULL;
    memcpy(c->minutiae, t->minutiae, t->count * sizeof(*t->minutiae));
    c->width = t->width;
    c->height = t->height;
    c->xres = t->xres;
    c->yres = t->yres;
    const zkbio_ofield *f = &t->ofield[0];
    if (with_field && f->cols) {
        size_t n = (size_t)f->cols * f->rows;
        uint8_t *cells = malloc(n);
        if (!cells) {
            zkbio_template_free(c);
            return NULL;
        }
        for (size_t k = 0; k < n; k++)
            cells[k] =
                f->cells[k] ? (uint8_t)((f->cells[k] - 1 + turn) % ZKBIO_OFIELD_LEVELS + 1) : 0;
        CHECK_EQ_INT(zkbio_template_ofield_set(c, 0, f->x0, f->y0, f->cols, f->rows, cells),
                     ZKBIO_OK);
        free(cells);
    }
    return c;
}

static void check_matching(const char *data)
{
    static const char *sets[] = {"FVC2002_DB1_B", "FVC2004_DB1_B"};
    for (int s = 0; s < 2; s++) {
        zkbio_image *i1 = load(data, sets[s], "101_1"), *i2 = load(data, sets[s], "101_2");
        zkbio_image *i3 = load(data, sets[s], "102_1");
        zkbio_template *a = i1 ? extract(i1) : NULL, *b = i2 ? extract(i2) : NULL;
        zkbio_template *o = i3 ? extract(i3) : NULL;
        if (a && b && o) {
            check_shape(a);
            check_turn(i1, a);
            double gen = score(a, b), imp = score(a, o);
            CHECK(gen >= ZKBIO_MATCH_THRESHOLD);
            CHECK(imp < 20);
            /* a field on one side only: minutiae alone, the same as with no field at all */
            zkbio_template *bf = copy(b, 1, 0), *bn = copy(b, 0, 0), *an = copy(a, 0, 0);
            zkbio_template *bt = copy(b, 1, 7); /* flow turned by 84 degrees */
            if (bf && bn && an && bt) {
                CHECK(score(a, bf) == gen); /* the copy is faithful */
                double one = score(a, bn), none = score(an, bn);
                CHECK(one == none);
                CHECK(score(an, b) == none);
                CHECK(none >= ZKBIO_MATCH_THRESHOLD); /* calibrated apart: still a match */
                /* the turned flow contradicts the minutiae's alignment: no match at all */
                double turned = score(a, bt);
                if (turned >= 10)
                    fprintf(stderr, "  %s: turned field still scores %.2f\n", sets[s], turned);
                CHECK(turned < 10);
                /* a field edited by hand past what zkbio_template_ofield_set() allows */
                double sc = -1;
                uint8_t keep = bt->ofield[0].cells[0];
                bt->ofield[0].cells[0] = ZKBIO_OFIELD_LEVELS + 1;
                CHECK_EQ_INT(zkbio_match(a, bt, &sc), ZKBIO_EINVAL);
                bt->ofield[0].cells[0] = keep;
                uint8_t rows = bt->ofield[0].rows;
                bt->ofield[0].rows = 0;
                CHECK_EQ_INT(zkbio_match(bt, a, &sc), ZKBIO_EINVAL);
                bt->ofield[0].rows = rows;
            }
            zkbio_template_free(bf);
            zkbio_template_free(bn);
            zkbio_template_free(an);
            zkbio_template_free(bt);
            /* merge: each capture's field becomes its view's */
            zkbio_image *i4 = load(data, sets[s], "101_3");
            zkbio_template *c = i4 ? extract(i4) : NULL, *m = NULL;
            const zkbio_template *caps[3] = {a, b, c};
            if (c && zkbio_merge(caps, &m) == ZKBIO_OK) {
                int found = 0;
                for (int v = 0; v < 3; v++)
                    for (int k = 0; k < 3; k++)
                        found += m->ofield[v].cols == caps[k]->ofield[0].cols &&
                                 m->ofield[v].rows == caps[k]->ofield[0].rows &&
                                 m->ofield[v].x0 == caps[k]->ofield[0].x0 &&
                                 memcmp(m->ofield[v].cells, caps[k]->ofield[0].cells,
                                        (size_t)m->ofield[v].cols * m->ofield[v].rows) == 0;
                CHECK(found >= 3);
                CHECK(score(m, b) >= gen);
                /* the native record keeps every view's field within the 2048-byte budget */
                uint8_t rec[ZKBIO_NATIVE_MAX];
                size_t len = 0;
                zkbio_template *back = NULL;
                CHECK_EQ_INT(zkbio_template_export_native(m, rec, sizeof(rec), &len), ZKBIO_OK);
                CHECK_EQ_INT(zkbio_template_import_native(rec, len, &back, NULL), ZKBIO_OK);
                if (back) {
                    CHECK(back->count == m->count);
                    CHECK(m->count == a->count + b->count + c->count || m->count >= 3 * 40);
                    for (int v = 0; v < 3; v++)
                        CHECK(back->ofield[v].cols == m->ofield[v].cols &&
                              back->ofield[v].cols > 0 &&
                              memcmp(back->ofield[v].cells, m->ofield[v].cells,
                                     (size_t)m->ofield[v].cols * m->ofield[v].rows) == 0);
                    CHECK(score(back, b) == score(m, b));
                    zkbio_template_free(back);
                }
            } else {
                TEST_FAIL_("merge of 101_1..3 of %s failed", sets[s]);
            }
            zkbio_template_free(m);
            zkbio_template_free(c);
            zkbio_image_free(i4);
        }
        zkbio_template_free(a);
        zkbio_template_free(b);
        zkbio_template_free(o);
        zkbio_image_free(i1);
        zkbio_image_free(i2);
        zkbio_image_free(i3);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        TEST_FAIL_("usage: test-ofield DATA_DIR (tests/data)");
        return TEST_DONE();
    }
    check_matching(argv[1]);
    return TEST_DONE();
}
