/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench accuracy --perturb`'s image perturbations (cli/bench/perturb.c) on two FVC images
 * of tests/data (argv[1]): the same input and seed give the same bytes, and the bytes every build
 * gives (a hash per kind); every kind changes the image; another seed gives another image for
 * the seeded kinds; the elastic field stays within its level, is smooth and leaves a contact
 * region still; partial keeps its share of the foreground box and only it; rotate by 0 and 90
 * degrees agree with the identity and zkbio_image_rotate; contrast lowers the spread; the spec
 * parser refuses what it should. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perturb.h"
#include "zkbio/imageio.h"

#include "../support/test.h"

static uint64_t fnv(const zkbio_image *img)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            h ^= img->pixels[(size_t)y * img->stride + x];
            h *= 0x100000001b3ull;
        }
    return h ^ ((uint64_t)img->width << 32) ^ img->height;
}

static int same(const zkbio_image *a, const zkbio_image *b)
{
    if (a->width != b->width || a->height != b->height)
        return 0;
    for (uint32_t y = 0; y < a->height; y++)
        if (memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride,
                   a->width) != 0)
            return 0;
    return 1;
}

/* local contrast inside the box: the mean absolute difference of neighbouring pixels */
static uint64_t spread(const zkbio_image *img, uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1)
{
    uint64_t d = 0, n = 0;
    for (uint32_t y = y0; y + 1 < y1; y++)
        for (uint32_t x = x0; x + 1 < x1; x++) {
            const uint8_t *p = img->pixels + (size_t)y * img->stride + x;
            d += (uint64_t)abs(p[0] - p[1]) + (uint64_t)abs(p[0] - p[img->stride]);
            n += 2;
        }
    return n ? d * 100 / n : 0;
}

/* Every default perturbation of img: deterministic, changes the image, seed-dependent where
 * seeded; *hash_out receives a hash over all outputs. */
static void each_kind(const zkbio_image *img, const char *name, uint64_t *hash_out)
{
    bp_spec specs[32];
    size_t n = 0;
    char err[160];
    uint64_t all = 0;
    REQUIRE(bp_parse("all", specs, 32, &n, err, sizeof(err)) == 0, "parse all: %s", err);
    CHECK_EQ_INT((int)n, 15);
    for (size_t k = 0; k < n; k++) {
        char sn[32];
        bp_spec_name(&specs[k], sn, sizeof(sn));
        uint64_t seed = bp_seed(name, &specs[k]);
        zkbio_image *a = NULL, *b = NULL, *c = NULL;
        CHECK_MSG(bp_apply(img, &specs[k], seed, &a) == ZKBIO_OK, "%s %s", name, sn);
        CHECK_MSG(bp_apply(img, &specs[k], seed, &b) == ZKBIO_OK, "%s %s", name, sn);
        CHECK_MSG(bp_apply(img, &specs[k], seed ^ 0x5a5a5a5a, &c) == ZKBIO_OK, "%s %s", name, sn);
        if (a && b && c) {
            CHECK_MSG(same(a, b), "%s %s: two runs differ", name, sn);
            CHECK_MSG(!same(a, img), "%s %s: the image is unchanged", name, sn);
            int seeded = specs[k].kind == BP_ELASTIC || specs[k].kind == BP_DRY ||
                         specs[k].kind == BP_PARTIAL || specs[k].kind == BP_NOISE;
            if (seeded)
                CHECK_MSG(!same(a, c), "%s %s: another seed, the same image", name, sn);
            else
                CHECK_MSG(same(a, c), "%s %s: an unseeded kind depends on the seed", name, sn);
            all = all * 31 + fnv(a);
        }
        zkbio_image_free(a);
        zkbio_image_free(b);
        zkbio_image_free(c);
    }
out:
    *hash_out = all;
}

static void elastic_field(const zkbio_image *img)
{
    uint32_t w = img->width, h = img->height, x0, y0, x1, y1;
    bp_foreground_box(img, &x0, &y0, &x1, &y1);
    CHECK(x1 > x0 + 64 && y1 > y0 + 64 && x1 <= w && y1 <= h);
    int32_t *dx = malloc((size_t)w * h * sizeof(*dx)), *dy = malloc((size_t)w * h * sizeof(*dy));
    REQUIRE(dx && dy, "out of memory");
    for (int level = 8; level <= 24; level += 8) {
        for (uint64_t seed = 1; seed <= 4; seed++) {
            REQUIRE(bp_elastic_field(w, h, x0, y0, x1, y1, level, seed, dx, dy) == 0, "field");
            int64_t max2 = 0, min2 = INT64_MAX, jump = 0;
            for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++) {
                    size_t o = (size_t)y * w + x;
                    int64_t m2 = (int64_t)dx[o] * dx[o] + (int64_t)dy[o] * dy[o];
                    max2 = m2 > max2 ? m2 : max2;
                    min2 = m2 < min2 ? m2 : min2;
                    if (x > 0) {
                        int64_t j = llabs((long long)dx[o] - dx[o - 1]) +
                                    llabs((long long)dy[o] - dy[o - 1]);
                        jump = j > jump ? j : jump;
                    }
                    if (y > 0) {
                        int64_t j = llabs((long long)dx[o] - dx[o - w]) +
                                    llabs((long long)dy[o] - dy[o - w]);
                        jump = j > jump ? j : jump;
                    }
                }
            int64_t lim = (int64_t)level * 256;
            CHECK_MSG(max2 <= lim * lim, "level %d seed %d: displacement beyond the level", level,
                      (int)seed);
            CHECK_MSG(max2 >= (lim - 256) * (lim - 256), "level %d seed %d: well below the level",
                      level, (int)seed);
            CHECK_MSG(min2 == 0, "level %d seed %d: no still contact region", level, (int)seed);
            /* smooth and without folds: under 1 px of change from one pixel to the next (in
             * either direction), so the warp keeps the order of pixels along rows and columns */
            CHECK_MSG(jump < 256, "level %d seed %d: a jump of %lld/256 px", level, (int)seed,
                      (long long)jump);
        }
    }
    CHECK(bp_elastic_field(w, h, x0, y0, x0, y1, 8, 1, dx, dy) == -1); /* empty box */
out:
    free(dx);
    free(dy);
}

static void partial(const zkbio_image *img)
{
    uint32_t x0, y0, x1, y1, wx0, wy0, wx1, wy1;
    bp_foreground_box(img, &x0, &y0, &x1, &y1);
    uint64_t box = (uint64_t)(x1 - x0) * (y1 - y0);
    for (int share = 40; share <= 60; share += 20)
        for (uint64_t seed = 1; seed <= 8; seed++) {
            bp_partial_window(x0, y0, x1, y1, share, seed, &wx0, &wy0, &wx1, &wy1);
            CHECK(wx0 >= x0 && wy0 >= y0 && wx1 <= x1 && wy1 <= y1);
            uint64_t area = (uint64_t)(wx1 - wx0) * (wy1 - wy0);
            CHECK_MSG(area * 100 <= box * (uint64_t)share &&
                          area * 100 >= box * (uint64_t)share * 97 / 100,
                      "share %d: kept %llu of %llu", share, (unsigned long long)area,
                      (unsigned long long)box);
            bp_spec sp = {BP_PARTIAL, share};
            zkbio_image *o = NULL;
            REQUIRE(bp_apply(img, &sp, seed, &o) == ZKBIO_OK, "partial");
            int inside_same = 1, outside_white = 1;
            for (uint32_t y = 0; y < img->height; y++)
                for (uint32_t x = 0; x < img->width; x++) {
                    uint8_t p = o->pixels[(size_t)y * o->stride + x];
                    if (x >= wx0 && x < wx1 && y >= wy0 && y < wy1)
                        inside_same &= p == img->pixels[(size_t)y * img->stride + x];
                    else
                        outside_white &= p == 255;
                }
            CHECK(inside_same && outside_white);
            zkbio_image_free(o);
        }
out:;
}

static void rotate_and_contrast(const zkbio_image *img)
{
    bp_spec r0 = {BP_ROTATE, 0}, r90 = {BP_ROTATE, 90}, c50 = {BP_CONTRAST, 50};
    zkbio_image *a = NULL, *b = NULL, *ref = NULL, *c = NULL;
    REQUIRE(bp_apply(img, &r0, 1, &a) == ZKBIO_OK && bp_apply(img, &r90, 1, &b) == ZKBIO_OK &&
                zkbio_image_rotate(img, 1, &ref) == ZKBIO_OK &&
                bp_apply(img, &c50, 1, &c) == ZKBIO_OK,
            "rotate/contrast");
    CHECK_MSG(same(a, img), "rotate:0 is not the identity");
    CHECK_MSG(same(b, ref), "rotate:90 differs from zkbio_image_rotate (clockwise quarter turn)");
    uint32_t x0, y0, x1, y1;
    bp_foreground_box(img, &x0, &y0, &x1, &y1);
    uint64_t s0 = spread(img, x0, y0, x1, y1), s1 = spread(c, x0, y0, x1, y1);
    CHECK_MSG(s1 * 100 < s0 * 70, "contrast:50 spread %llu -> %llu", (unsigned long long)s0,
              (unsigned long long)s1);
out:
    zkbio_image_free(a);
    zkbio_image_free(b);
    zkbio_image_free(ref);
    zkbio_image_free(c);
}

static void parser(void)
{
    bp_spec s[8];
    size_t n = 0;
    char err[160];
    CHECK(bp_parse("elastic:12,rotate:-30", s, 8, &n, err, sizeof(err)) == 0 && n == 2 &&
          s[0].kind == BP_ELASTIC && s[0].level == 12 && s[1].kind == BP_ROTATE &&
          s[1].level == -30);
    CHECK(bp_parse("elastic", s, 8, &n, err, sizeof(err)) == 0 && n == 3 && s[2].level == 24);
    CHECK(bp_parse("all", s, 8, &n, err, sizeof(err)) == -1); /* 15 > 8 */
    const char *bad[] = {
        "",       "bogus",     "elastic:0",    "elastic:65", "dry:3",        "wet:x",
        "noise:", "partial:5", "contrast:100", "rotate:181", "elastic,,dry", "all:1"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        CHECK_MSG(bp_parse(bad[k], s, 8, &n, err, sizeof(err)) == -1 && err[0], "accepted '%s'",
                  bad[k]);
    char buf[32];
    bp_spec e = {BP_ELASTIC, 16};
    CHECK_STR(bp_spec_name(&e, buf, sizeof(buf)), "elastic:16");
    bp_spec other = {BP_ELASTIC, 8};
    CHECK(bp_seed("a-101_1", &e) == bp_seed("a-101_1", &e));
    CHECK(bp_seed("a-101_1", &e) != bp_seed("a-101_2", &e));
    CHECK(bp_seed("a-101_1", &e) == bp_seed("a-101_1", &other)); /* levels: one field, scaled */
    bp_spec dry = {BP_DRY, 1};
    CHECK(bp_seed("a-101_1", &e) != bp_seed("a-101_1", &dry));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test-perturb TEST_DATA_DIR\n");
        return 1;
    }
    parser();
    static const char *const files[] = {"fvc/FVC2002_DB1_B/101_1.tif",
                                        "fvc/FVC2002_DB3_B/101_1.tif"};
    /* the bytes of every default perturbation of each image, as every build must give them */
    static const uint64_t golden[] = {0x0560523c9b7ba16bull, 0x9e3fc24e228a5744ull};
    for (size_t f = 0; f < 2; f++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[1], files[f]);
        zkbio_image *img = NULL;
        REQUIRE(zkbio_image_load(path, 500, &img) == ZKBIO_OK, "load %s", path);
        uint64_t h = 0;
        each_kind(img, files[f], &h);
        printf("%s: hash of all perturbations %016llx\n", files[f], (unsigned long long)h);
        CHECK_MSG(h == golden[f], "%s: perturbation bytes changed: %016llx, expected %016llx",
                  files[f], (unsigned long long)h, (unsigned long long)golden[f]);
        elastic_field(img);
        partial(img);
        rotate_and_contrast(img);
        zkbio_image_free(img);
    }
out:
    return TEST_DONE();
}
