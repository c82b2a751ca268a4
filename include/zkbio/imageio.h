/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file imageio.h
 * @brief Image files (PNG, TIFF, BMP, PGM) to and from zkbio_image, in the separate library
 * libzkbio-imageio (links libpng and libtiff; the core libzkbio does not).
 *
 * Loading picks the format by its magic bytes. Colour is converted to grey, 16-bit samples are
 * reduced to 8 bits. The resolution comes from the file when present (TIFF XResolution with
 * ResolutionUnit, PNG pHYs, BMP pixels per metre), otherwise default_dpi is used.
 * Errors: ZKBIO_EINVAL (NULL pointer, default_dpi out of range), ZKBIO_EPROTO (corrupt or
 * truncated file), ZKBIO_ENOTSUP (unknown format or unsupported variant, for example a compressed
 * BMP or a PGM with maxval other than 255, or PNG/TIFF in a build without libpng/libtiff such as
 * the Windows cross build, docs/windows.md), ZKBIO_ERANGE (size or file dpi out of the limits of
 * image.h), ZKBIO_EIO (file cannot be opened, read or written), ZKBIO_ENOMEM.
 * Ownership: loaded images are caller-owned (zkbio_image_free); *out is written only on ZKBIO_OK.
 * Thread-safety: reentrant, except that loading a TIFF installs process-wide libtiff handlers that
 * silence libtiff's warnings and errors (nothing is printed to stderr).
 *
 * Since: 0.1
 */
#ifndef ZKBIO_IMAGEIO_H
#define ZKBIO_IMAGEIO_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Load an image file (path borrowed for the call). Since: 0.1. Errors: see the file comment. */
ZKBIO_API int zkbio_image_load(const char *path, uint16_t default_dpi, zkbio_image **out);

/** Load an image from len bytes at data (borrowed for the call). Since: 0.1.
 * Errors: see the file comment. */
ZKBIO_API int zkbio_image_load_mem(const uint8_t *data, size_t len, uint16_t default_dpi,
                                   zkbio_image **out);

/** Write img as an 8-bit grey PNG (no pHYs chunk: the dpi is not stored). Since: 0.1
 * Errors: ZKBIO_EINVAL, ZKBIO_EIO, ZKBIO_ENOTSUP (built without libpng, as on Windows). */
ZKBIO_API int zkbio_image_save_png(const zkbio_image *img, const char *path);

/** Write img as a binary PGM (P5, maxval 255; PGM has no dpi). Since: 0.1
 * Errors: ZKBIO_EINVAL, ZKBIO_EIO. */
ZKBIO_API int zkbio_image_save_pgm(const zkbio_image *img, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_IMAGEIO_H */
