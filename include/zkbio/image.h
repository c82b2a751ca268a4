/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file image.h
 * @brief Fingerprint images: 8-bit grey pixels with a resolution in dpi, plus resampling (to
 * normalise 300..1000 dpi captures to 500 dpi) and quarter-turn rotation.
 *
 * Common rules:
 * - Pixels are 8-bit grey, 0 = black, 255 = white, row-major; row y starts at
 * `pixels + y * stride`. Images made by this library have stride == width.
 * - Sizes: width and height are each ZKBIO_IMAGE_DIM_MIN..ZKBIO_IMAGE_DIM_MAX pixels; resolution
 * is ZKBIO_IMAGE_DPI_MIN..ZKBIO_IMAGE_DPI_MAX dpi. Anything else is ZKBIO_ERANGE.
 * - Ownership: every image is caller-owned and freed with zkbio_image_free() (which accepts NULL);
 * an image is one allocation and `pixels` must not be freed separately. Outputs are written only on
 * ZKBIO_OK.
 * - Thread-safety: all functions are reentrant; an image may be read from several threads at once.
 * - The struct layout is public and append-only; bindings should use the functions, not the layout.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_IMAGE_H
#define ZKBIO_IMAGE_H

#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Smallest width or height, in pixels. */
#define ZKBIO_IMAGE_DIM_MIN 16
/** Largest width or height, in pixels. */
#define ZKBIO_IMAGE_DIM_MAX 4096
/** Lowest accepted resolution, dots per inch. */
#define ZKBIO_IMAGE_DPI_MIN 300
/** Highest accepted resolution, dots per inch. */
#define ZKBIO_IMAGE_DPI_MAX 1000
/** The resolution every image is normalised to before extraction, dots per inch. */
#define ZKBIO_IMAGE_DPI_NORMAL 500

/** An 8-bit grey image. */
typedef struct zkbio_image {
    uint32_t width;  /**< pixels */
    uint32_t height; /**< pixels */
    uint32_t stride; /**< bytes per row, at least width */
    uint16_t dpi;    /**< dots per inch, ZKBIO_IMAGE_DPI_MIN..ZKBIO_IMAGE_DPI_MAX */
    uint8_t *pixels; /**< 8-bit grey, 0 = black, row-major, height * stride bytes */
} zkbio_image;

/** Allocate a white (255) image of width x height pixels at dpi. Since: 0.1
 * *out is caller-owned (zkbio_image_free) and written only on ZKBIO_OK.
 * Errors: ZKBIO_EINVAL (out NULL), ZKBIO_ERANGE (size or dpi out of range), ZKBIO_ENOMEM. */
ZKBIO_API int zkbio_image_new(uint32_t width, uint32_t height, uint16_t dpi, zkbio_image **out);

/** Copy width x height grey pixels (row y at grey + y * stride, stride >= width bytes) into a new
 * image at dpi. Since: 0.1
 * grey is borrowed for the call only. *out is caller-owned (zkbio_image_free), written only on
 * ZKBIO_OK. Errors: ZKBIO_EINVAL (NULL pointer, stride < width), ZKBIO_ERANGE, ZKBIO_ENOMEM. */
ZKBIO_API int zkbio_image_from_buffer(const uint8_t *grey, uint32_t width, uint32_t height,
                                      uint32_t stride, uint16_t dpi, zkbio_image **out);

/** Free an image; NULL is accepted. Since: 0.1 */
ZKBIO_API void zkbio_image_free(zkbio_image *img);

/** Resample in to target_dpi with bilinear interpolation (pixel centres aligned); the new size is
 * round(size * target_dpi / in->dpi). Same dpi gives an exact copy. Since: 0.1
 * in is borrowed for the call. *out is caller-owned (zkbio_image_free), written only on ZKBIO_OK.
 * Errors: ZKBIO_EINVAL (NULL pointer), ZKBIO_ERANGE (in->dpi or target_dpi outside
 * ZKBIO_IMAGE_DPI_MIN..ZKBIO_IMAGE_DPI_MAX, or the resulting size out of range), ZKBIO_ENOMEM. */
ZKBIO_API int zkbio_image_resample(const zkbio_image *in, uint16_t target_dpi, zkbio_image **out);

/** Rotate in clockwise by quarter_turns * 90 degrees (any integer; taken modulo 4, negative turns
 * rotate counter-clockwise). Odd turns swap width and height. Since: 0.1
 * in is borrowed for the call. *out is caller-owned (zkbio_image_free), written only on ZKBIO_OK.
 * Errors: ZKBIO_EINVAL (NULL pointer), ZKBIO_ERANGE (in has an invalid size), ZKBIO_ENOMEM. */
ZKBIO_API int zkbio_image_rotate(const zkbio_image *in, int quarter_turns, zkbio_image **out);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_IMAGE_H */
