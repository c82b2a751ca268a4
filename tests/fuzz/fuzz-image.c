/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz image file loading (PNG, TIFF, BMP, PGM by magic bytes): a loaded image must have a valid
 * size and dpi and every pixel must be readable; a failure must be a zkbio error code. */
#include <stdint.h>
#include <stdlib.h>

#include "zkbio/imageio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_image *img = NULL;
    int rc = zkbio_image_load_mem(data, size, 500, &img);
    if (rc != ZKBIO_OK) {
        if (rc > 0 || img != NULL)
            abort();
        return 0;
    }
    if (!img || img->width < ZKBIO_IMAGE_DIM_MIN || img->width > ZKBIO_IMAGE_DIM_MAX ||
        img->height < ZKBIO_IMAGE_DIM_MIN || img->height > ZKBIO_IMAGE_DIM_MAX ||
        img->dpi < ZKBIO_IMAGE_DPI_MIN || img->dpi > ZKBIO_IMAGE_DPI_MAX)
        abort();
    unsigned sum = 0;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++)
            sum += img->pixels[(size_t)y * img->stride + x];
    if (sum == 0xffffffffu)
        abort();
    zkbio_image_free(img);
    return 0;
}
