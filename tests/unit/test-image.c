/* SPDX-License-Identifier: Apache-2.0 */
/* zkbio_image: allocation limits, copies with stride, resampling and quarter-turn rotation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/image.h"

static zkbio_image *pattern(uint32_t w, uint32_t h, uint16_t dpi)
{
    zkbio_image *img = NULL;
    if (zkbio_image_new(w, h, dpi, &img) != ZKBIO_OK)
        return NULL;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            img->pixels[(size_t)y * img->stride + x] = (uint8_t)((x * 7 + y * 13) ^ (x * y));
    return img;
}

static int same(const zkbio_image *a, const zkbio_image *b)
{
    if (a->width != b->width || a->height != b->height || a->dpi != b->dpi)
        return 0;
    for (uint32_t y = 0; y < a->height; y++)
        if (memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride,
                   a->width) != 0)
            return 0;
    return 1;
}

static void test_limits(void)
{
    zkbio_image *img = (zkbio_image *)1;
    CHECK_EQ_INT(zkbio_image_new(15, 100, 500, &img), ZKBIO_ERANGE);
    CHECK_EQ_INT(zkbio_image_new(100, 4097, 500, &img), ZKBIO_ERANGE);
    CHECK_EQ_INT(zkbio_image_new(100, 100, 299, &img), ZKBIO_ERANGE);
    CHECK_EQ_INT(zkbio_image_new(100, 100, 1001, &img), ZKBIO_ERANGE);
    CHECK(img == (zkbio_image *)1);
    CHECK_EQ_INT(zkbio_image_new(100, 100, 500, NULL), ZKBIO_EINVAL);
    img = NULL;
    CHECK_EQ_INT(zkbio_image_new(16, 4096, 1000, &img), ZKBIO_OK);
    CHECK(img && img->width == 16 && img->height == 4096 && img->stride == 16 && img->dpi == 1000);
    CHECK(img && img->pixels[0] == 255 && img->pixels[16 * 4096 - 1] == 255);
    zkbio_image_free(img);
    zkbio_image_free(NULL);
}

static void test_from_buffer(void)
{
    uint8_t buf[20 * 32];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    zkbio_image *img = NULL;
    CHECK_EQ_INT(zkbio_image_from_buffer(buf, 20, 32, 19, 500, &img), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_image_from_buffer(NULL, 20, 32, 20, 500, &img), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_image_from_buffer(buf, 20, 32, 20, 250, &img), ZKBIO_ERANGE);
    CHECK_EQ_INT(zkbio_image_from_buffer(buf, 16, 32, 20, 500, &img), ZKBIO_OK);
    CHECK(img && img->stride == 16 && img->pixels[16] == 20 &&
          img->pixels[31 * 16 + 15] == 635 % 256);
    zkbio_image_free(img);
}

static void test_resample(void)
{
    zkbio_image *in = pattern(388, 374, 500), *out = NULL;
    CHECK(in != NULL);
    if (!in)
        return;
    CHECK_EQ_INT(zkbio_image_resample(in, 250, &out), ZKBIO_ERANGE);
    CHECK(out == NULL);
    CHECK_EQ_INT(zkbio_image_resample(in, 500, &out), ZKBIO_OK);
    CHECK(out && same(in, out));
    zkbio_image_free(out);
    out = NULL;
    in->dpi = 1000;
    CHECK_EQ_INT(zkbio_image_resample(in, 500, &out), ZKBIO_OK);
    CHECK(out && out->width == 194 && out->height == 187 && out->dpi == 500);
    zkbio_image_free(out);
    out = NULL;
    in->dpi = 300;
    CHECK_EQ_INT(zkbio_image_resample(in, 500, &out), ZKBIO_OK);
    CHECK(out && out->width == 647 && out->height == 623);
    zkbio_image_free(out);
    out = NULL;
    zkbio_image_free(in);

    /* A uniform image stays uniform; a horizontal ramp stays monotonic. */
    zkbio_image *flat = NULL, *ramp = NULL;
    CHECK_EQ_INT(zkbio_image_new(100, 60, 1000, &flat), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_image_new(256, 20, 400, &ramp), ZKBIO_OK);
    if (!flat || !ramp)
        return;
    memset(flat->pixels, 77, 100 * 60);
    for (uint32_t y = 0; y < 20; y++)
        for (uint32_t x = 0; x < 256; x++)
            ramp->pixels[y * 256 + x] = (uint8_t)x;
    CHECK_EQ_INT(zkbio_image_resample(flat, 500, &out), ZKBIO_OK);
    int ok = out != NULL;
    for (size_t i = 0; out && i < (size_t)out->width * out->height; i++)
        ok &= out->pixels[i] == 77;
    CHECK(ok);
    zkbio_image_free(out);
    out = NULL;
    CHECK_EQ_INT(zkbio_image_resample(ramp, 500, &out), ZKBIO_OK);
    CHECK(out && out->width == 320 && out->height == 25);
    ok = out != NULL;
    for (uint32_t x = 1; out && x < out->width; x++)
        ok &= out->pixels[x] >= out->pixels[x - 1];
    CHECK(ok);
    zkbio_image_free(out);
    /* 4096 px at 300 dpi would exceed the size limit at 500 dpi. */
    zkbio_image *big = NULL;
    out = NULL;
    CHECK_EQ_INT(zkbio_image_new(4000, 16, 300, &big), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_image_resample(big, 500, &out), ZKBIO_ERANGE);
    CHECK(out == NULL);
    zkbio_image_free(big);
    zkbio_image_free(flat);
    zkbio_image_free(ramp);
}

static void test_rotate(void)
{
    zkbio_image *in = pattern(40, 17 + 5, 500);
    CHECK(in != NULL);
    if (!in)
        return;
    zkbio_image *cur = NULL, *next = NULL;
    CHECK_EQ_INT(zkbio_image_rotate(in, 1, &cur), ZKBIO_OK);
    CHECK(cur && cur->width == 22 && cur->height == 40);
    /* Clockwise: the top-left source pixel goes to the top-right. */
    CHECK(cur && cur->pixels[21] == in->pixels[0]);
    for (int i = 0; i < 3 && cur; i++) {
        CHECK_EQ_INT(zkbio_image_rotate(cur, 1, &next), ZKBIO_OK);
        zkbio_image_free(cur);
        cur = next;
        next = NULL;
    }
    CHECK(cur && same(in, cur));
    zkbio_image_free(cur);
    cur = NULL;
    CHECK_EQ_INT(zkbio_image_rotate(in, 2, &cur), ZKBIO_OK);
    CHECK(cur && cur->pixels[0] == in->pixels[40 * 22 - 1]);
    CHECK_EQ_INT(zkbio_image_rotate(cur, -2, &next), ZKBIO_OK);
    CHECK(next && same(in, next));
    zkbio_image_free(next);
    zkbio_image_free(cur);
    cur = NULL;
    CHECK_EQ_INT(zkbio_image_rotate(in, 3, &cur), ZKBIO_OK);
    CHECK(cur && cur->pixels[(size_t)39 * 22] == in->pixels[0]);
    zkbio_image_free(cur);
    CHECK_EQ_INT(zkbio_image_rotate(NULL, 1, &cur), ZKBIO_EINVAL);
    zkbio_image_free(in);
}

int main(void)
{
    test_limits();
    test_from_buffer();
    test_resample();
    test_rotate();
    return TEST_DONE();
}
