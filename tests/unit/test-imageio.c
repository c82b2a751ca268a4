/* SPDX-License-Identifier: Apache-2.0 */
/* libzkbio-imageio: the FVC TIFFs and iso PNGs of tests/data (argv[1]; a failure when absent),
 * PNG/PGM/BMP round trips and malformed files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/test.h"
#include "zkbio/imageio.h"

static zkbio_image *pattern(uint32_t w, uint32_t h)
{
    zkbio_image *img = NULL;
    if (zkbio_image_new(w, h, 500, &img) != ZKBIO_OK)
        return NULL;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            img->pixels[(size_t)y * img->stride + x] = (uint8_t)(x * 3 + y * 11 + x * y);
    return img;
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

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = n > 0 ? (size_t)n : 0;
    return b;
}

static void test_fvc(const char *data)
{
    static const struct {
        const char *set;
        uint32_t w, h;
    } sets[] = {
        {"FVC2002_DB1_B", 388, 374}, {"FVC2002_DB3_B", 300, 300}, {"FVC2004_DB1_B", 640, 480}};
    char path[4096];
    for (size_t s = 0; s < 3; s++) {
        /* every image of the set that is present: the full sets hold 80, tests/data a few */
        int ok = 1, count = 0;
        for (int f = 101; f <= 110; f++)
            for (int i = 1; i <= 8; i++) {
                snprintf(path, sizeof(path), "%s/fvc/%s/%d_%d.tif", data, sets[s].set, f, i);
                if (access(path, F_OK) != 0)
                    continue;
                zkbio_image *img = NULL;
                int rc = zkbio_image_load(path, 500, &img);
                ok &= rc == ZKBIO_OK && img && img->width == sets[s].w &&
                      img->height == sets[s].h && img->dpi == 500;
                if (rc != ZKBIO_OK)
                    fprintf(stderr, "%s: %d\n", path, rc);
                count++;
                zkbio_image_free(img);
            }
        CHECK(ok);
        CHECK(count >= 3);
    }
    /* The truncated TIFF: the first 1000 bytes of an FVC image. */
    snprintf(path, sizeof(path), "%s/fvc/FVC2002_DB1_B/101_1.tif", data);
    size_t len = 0;
    uint8_t *b = read_all(path, &len);
    CHECK(b != NULL && len > 1000);
    if (b) {
        zkbio_image *img = NULL;
        CHECK_EQ_INT(zkbio_image_load_mem(b, 1000, 500, &img), ZKBIO_EPROTO);
        CHECK_EQ_INT(zkbio_image_load_mem(b, 6, 500, &img), ZKBIO_ENOTSUP);
        CHECK_EQ_INT(zkbio_image_load_mem(b, 12, 500, &img), ZKBIO_EPROTO);
        CHECK(img == NULL);
        free(b);
    }
    static const char *const pngs[] = {"probe", "matching", "nonmatching"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/iso/%s.png", data, pngs[i]);
        zkbio_image *img = NULL;
        CHECK_EQ_INT(zkbio_image_load(path, 500, &img), ZKBIO_OK);
        CHECK(img && img->width == 388 && img->height == 374);
        if (i == 0 && img) {
            /* Truncated PNG. */
            b = read_all(path, &len);
            zkbio_image *t = NULL;
            CHECK(b && zkbio_image_load_mem(b, len / 2, 500, &t) == ZKBIO_EPROTO && !t);
            CHECK(b && zkbio_image_load_mem(b, 40, 500, &t) == ZKBIO_EPROTO && !t);
            free(b);
        }
        zkbio_image_free(img);
    }
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* An uncompressed bottom-up BMP of img, 8-bit grey palette or 24-bit; xppm pixels per metre. */
static uint8_t *make_bmp(const zkbio_image *img, unsigned bpp, uint32_t xppm, size_t *len)
{
    size_t row = (((size_t)img->width * bpp + 31) / 32) * 4;
    size_t pal = bpp == 8 ? 1024 : 0, off = 54 + pal;
    *len = off + row * img->height;
    uint8_t *b = calloc(1, *len);
    if (!b)
        return NULL;
    b[0] = 'B';
    b[1] = 'M';
    put32(b + 2, (uint32_t)*len);
    put32(b + 10, (uint32_t)off);
    put32(b + 14, 40);
    put32(b + 18, img->width);
    put32(b + 22, img->height);
    b[26] = 1;
    b[28] = (uint8_t)bpp;
    put32(b + 38, xppm);
    put32(b + 42, xppm);
    for (size_t i = 0; i < pal / 4; i++)
        b[54 + i * 4] = b[55 + i * 4] = b[56 + i * 4] = (uint8_t)i;
    for (uint32_t y = 0; y < img->height; y++) {
        uint8_t *dst = b + off + (size_t)(img->height - 1 - y) * row;
        for (uint32_t x = 0; x < img->width; x++) {
            uint8_t v = img->pixels[(size_t)y * img->stride + x];
            if (bpp == 8)
                dst[x] = v;
            else
                dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = v;
        }
    }
    return b;
}

static void test_roundtrip(void)
{
    zkbio_image *img = pattern(37, 23), *back = NULL;
    CHECK(img != NULL);
    if (!img)
        return;
    char png[] = "/tmp/zkbio-test-imageXXXXXX";
    int fd = mkstemp(png);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK_EQ_INT(zkbio_image_save_png(img, png), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_image_load(png, 700, &back), ZKBIO_OK);
    CHECK(back && same(img, back) && back->dpi == 700);
    zkbio_image_free(back);
    back = NULL;
    CHECK_EQ_INT(zkbio_image_save_pgm(img, png), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_image_load(png, 500, &back), ZKBIO_OK);
    CHECK(back && same(img, back));
    zkbio_image_free(back);
    back = NULL;
    /* Truncated PGM and a zero-length file. */
    size_t len = 0;
    uint8_t *b = read_all(png, &len);
    CHECK(b && zkbio_image_load_mem(b, len - 1, 500, &back) == ZKBIO_EPROTO && !back);
    CHECK(b && zkbio_image_load_mem(b, 5, 500, &back) == ZKBIO_EPROTO && !back);
    free(b);
    FILE *f = fopen(png, "wb");
    if (f)
        fclose(f);
    CHECK_EQ_INT(zkbio_image_load(png, 500, &back), ZKBIO_ENOTSUP);
    unlink(png);
    CHECK_EQ_INT(zkbio_image_load(png, 500, &back), ZKBIO_EIO);
    CHECK_EQ_INT(zkbio_image_load_mem((const uint8_t *)"", 0, 500, &back), ZKBIO_ENOTSUP);

    for (unsigned bpp = 8; bpp <= 24; bpp += 16) {
        b = make_bmp(img, bpp, 0, &len);
        CHECK(b != NULL);
        if (!b)
            continue;
        CHECK_EQ_INT(zkbio_image_load_mem(b, len, 500, &back), ZKBIO_OK);
        CHECK(back && same(img, back) && back->dpi == 500);
        zkbio_image_free(back);
        back = NULL;
        CHECK_EQ_INT(zkbio_image_load_mem(b, len - 1, 500, &back), ZKBIO_EPROTO);
        CHECK_EQ_INT(zkbio_image_load_mem(b, 30, 500, &back), ZKBIO_EPROTO);
        put32(b + 18, 100000); /* huge width */
        CHECK_EQ_INT(zkbio_image_load_mem(b, len, 500, &back), ZKBIO_ERANGE);
        CHECK(back == NULL);
        free(b);
    }
    /* 19685 pixels per metre = 500 dpi from the file; 1000 dpi default ignored. */
    b = make_bmp(img, 8, 19685, &len);
    CHECK(b && zkbio_image_load_mem(b, len, 1000, &back) == ZKBIO_OK && back && back->dpi == 500);
    zkbio_image_free(back);
    back = NULL;
    free(b);

    const char *huge = "P5\n100000 100000\n255\n";
    CHECK_EQ_INT(zkbio_image_load_mem((const uint8_t *)huge, strlen(huge), 500, &back),
                 ZKBIO_ERANGE);
    const char *deep = "P5 16 16 65535\n";
    CHECK_EQ_INT(zkbio_image_load_mem((const uint8_t *)deep, strlen(deep), 500, &back),
                 ZKBIO_ENOTSUP);
    CHECK(back == NULL);
    zkbio_image_free(img);
}

int main(int argc, char **argv)
{
    test_roundtrip();
    struct stat st;
    if (argc < 2 || stat(argv[1], &st) != 0) {
        TEST_FAIL_("no test data folder (tests/data) at %s", argc < 2 ? "(none given)" : argv[1]);
        return TEST_DONE();
    }
    test_fvc(argv[1]);
    return TEST_DONE();
}
