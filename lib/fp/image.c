/* SPDX-License-Identifier: Apache-2.0 */
/* Image allocation, copy, bilinear resampling and quarter-turn rotation. */
#include <stdlib.h>
#include <string.h>

#include "zkbio/image.h"

static int dims_ok(uint32_t w, uint32_t h)
{
    return w >= ZKBIO_IMAGE_DIM_MIN && w <= ZKBIO_IMAGE_DIM_MAX && h >= ZKBIO_IMAGE_DIM_MIN &&
           h <= ZKBIO_IMAGE_DIM_MAX;
}

static int dpi_ok(uint32_t dpi)
{
    return dpi >= ZKBIO_IMAGE_DPI_MIN && dpi <= ZKBIO_IMAGE_DPI_MAX;
}

/* One allocation: the struct followed by the pixels. */
static zkbio_image *alloc_image(uint32_t w, uint32_t h, uint16_t dpi)
{
    size_t n = (size_t)w * h;
    zkbio_image *img = malloc(sizeof(*img) + n);
    if (!img)
        return NULL;
    img->width = w;
    img->height = h;
    img->stride = w;
    img->dpi = dpi;
    img->pixels = (uint8_t *)(img + 1);
    return img;
}

ZKBIO_API int zkbio_image_new(uint32_t width, uint32_t height, uint16_t dpi, zkbio_image **out)
{
    if (!out)
        return ZKBIO_EINVAL;
    if (!dims_ok(width, height) || !dpi_ok(dpi))
        return ZKBIO_ERANGE;
    zkbio_image *img = alloc_image(width, height, dpi);
    if (!img)
        return ZKBIO_ENOMEM;
    memset(img->pixels, 255, (size_t)width * height);
    *out = img;
    return ZKBIO_OK;
}

ZKBIO_API int zkbio_image_from_buffer(const uint8_t *grey, uint32_t width, uint32_t height,
                                      uint32_t stride, uint16_t dpi, zkbio_image **out)
{
    if (!grey || !out || stride < width)
        return ZKBIO_EINVAL;
    if (!dims_ok(width, height) || !dpi_ok(dpi))
        return ZKBIO_ERANGE;
    zkbio_image *img = alloc_image(width, height, dpi);
    if (!img)
        return ZKBIO_ENOMEM;
    for (uint32_t y = 0; y < height; y++)
        memcpy(img->pixels + (size_t)y * width, grey + (size_t)y * stride, width);
    *out = img;
    return ZKBIO_OK;
}

ZKBIO_API void zkbio_image_free(zkbio_image *img)
{
    free(img);
}

static int image_ok(const zkbio_image *in)
{
    return dims_ok(in->width, in->height) && in->stride >= in->width && in->pixels != NULL;
}

ZKBIO_API int zkbio_image_resample(const zkbio_image *in, uint16_t target_dpi, zkbio_image **out)
{
    if (!in || !out)
        return ZKBIO_EINVAL;
    if (!image_ok(in) || !dpi_ok(in->dpi) || !dpi_ok(target_dpi))
        return ZKBIO_ERANGE;
    if (target_dpi == in->dpi)
        return zkbio_image_from_buffer(in->pixels, in->width, in->height, in->stride, in->dpi, out);
    uint64_t ow = ((uint64_t)in->width * target_dpi + in->dpi / 2) / in->dpi;
    uint64_t oh = ((uint64_t)in->height * target_dpi + in->dpi / 2) / in->dpi;
    if (!dims_ok((uint32_t)(ow > ZKBIO_IMAGE_DIM_MAX ? 0 : ow),
                 (uint32_t)(oh > ZKBIO_IMAGE_DIM_MAX ? 0 : oh)))
        return ZKBIO_ERANGE;
    zkbio_image *img = alloc_image((uint32_t)ow, (uint32_t)oh, target_dpi);
    if (!img)
        return ZKBIO_ENOMEM;
    /* Fixed point (16.16): source coordinate of output pixel centre = (o + 0.5) * s - 0.5, with s
     * the source step per output pixel; clamped to the image. Integer arithmetic keeps the result
     * identical on every build. */
    const int64_t sx = ((int64_t)in->width << 16) / (int64_t)ow;
    const int64_t sy = ((int64_t)in->height << 16) / (int64_t)oh;
    const int64_t maxx = (int64_t)(in->width - 1) << 16, maxy = (int64_t)(in->height - 1) << 16;
    for (uint32_t y = 0; y < (uint32_t)oh; y++) {
        int64_t fy = (((int64_t)y << 16) + 32768) * sy / 65536 - 32768;
        fy = fy < 0 ? 0 : fy > maxy ? maxy : fy;
        uint32_t y0 = (uint32_t)(fy >> 16), y1 = y0 + 1 < in->height ? y0 + 1 : y0;
        uint32_t wy = (uint32_t)(fy & 0xffff);
        const uint8_t *r0 = in->pixels + (size_t)y0 * in->stride;
        const uint8_t *r1 = in->pixels + (size_t)y1 * in->stride;
        uint8_t *dst = img->pixels + (size_t)y * img->stride;
        for (uint32_t x = 0; x < (uint32_t)ow; x++) {
            int64_t fx = (((int64_t)x << 16) + 32768) * sx / 65536 - 32768;
            fx = fx < 0 ? 0 : fx > maxx ? maxx : fx;
            uint32_t x0 = (uint32_t)(fx >> 16), x1 = x0 + 1 < in->width ? x0 + 1 : x0;
            uint64_t wx = (uint64_t)(fx & 0xffff);
            uint64_t top = r0[x0] * (65536 - wx) + r0[x1] * wx;
            uint64_t bot = r1[x0] * (65536 - wx) + r1[x1] * wx;
            uint64_t v = top * (65536 - wy) + bot * wy;
            dst[x] = (uint8_t)((v + ((uint64_t)1 << 31)) >> 32);
        }
    }
    *out = img;
    return ZKBIO_OK;
}

ZKBIO_API int zkbio_image_rotate(const zkbio_image *in, int quarter_turns, zkbio_image **out)
{
    if (!in || !out)
        return ZKBIO_EINVAL;
    if (!image_ok(in))
        return ZKBIO_ERANGE;
    int t = ((quarter_turns % 4) + 4) % 4;
    uint32_t w = in->width, h = in->height;
    uint32_t ow = (t & 1) ? h : w, oh = (t & 1) ? w : h;
    zkbio_image *img = alloc_image(ow, oh, in->dpi);
    if (!img)
        return ZKBIO_ENOMEM;
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *src = in->pixels + (size_t)y * in->stride;
        for (uint32_t x = 0; x < w; x++) {
            uint32_t dx, dy;
            switch (t) {
            case 1: /* clockwise: (x, y) -> (h-1-y, x) */
                dx = h - 1 - y;
                dy = x;
                break;
            case 2:
                dx = w - 1 - x;
                dy = h - 1 - y;
                break;
            case 3:
                dx = y;
                dy = w - 1 - x;
                break;
            default:
                dx = x;
                dy = y;
                break;
            }
            img->pixels[(size_t)dy * ow + dx] = src[x];
        }
    }
    *out = img;
    return ZKBIO_OK;
}
