/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz minutiae extraction (extract.h). Input: byte 0 = width - 16, byte 1 = height - 16
 * (so 16..271 pixels), byte 2 = dpi code (300 + code * 700 / 255), then pixels, row-major, repeated
 * to fill the image (a short input gives a periodic pattern: one row's worth gives vertical
 * stripes, one byte more gives slanted ones). A template must be valid for its 500-dpi image and
 * export to the native format; a failure must be a zkbio error, ZKBIO_ELOWQUALITY with a reason. */
#include <stdint.h>
#include <stdlib.h>

#include "zkbio/extract.h"
#include "zkbio/image.h"
#include "zkbio/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint32_t w = 16u + data[0], h = 16u + data[1];
    uint16_t dpi = (uint16_t)(300u + data[2] * 700u / 255u);
    const uint8_t *px = data + 3;
    size_t npx = size - 3;
    zkbio_image *img = NULL;
    if (zkbio_image_new(w, h, dpi, &img) != ZKBIO_OK)
        abort();
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            img->pixels[(size_t)y * img->stride + x] = npx ? px[((size_t)y * w + x) % npx] : 0;
    zkbio_template *t = NULL;
    zkbio_extract_info info;
    int rc = zkbio_extract(img, &t, &info);
    if (rc == ZKBIO_OK) {
        if (!t || t->count > ZKBIO_EXTRACT_MINUTIAE_MAX || info.reason != ZKBIO_USABLE ||
            info.quality > 100 || t->view_count != 1)
            abort();
        /* the 500-dpi image is at most 500/300 times larger (plus rounding) */
        if (t->width > w * 5 / 3 + 2 || t->height > h * 5 / 3 + 2)
            abort();
        for (size_t i = 0; i < t->count; i++) {
            const zkbio_minutia *m = &t->minutiae[i];
            if (m->x >= t->width || m->y >= t->height || m->type > 2 || m->view != 0)
                abort();
        }
        uint8_t buf[ZKBIO_NATIVE_MAX];
        size_t len;
        if (zkbio_template_export_native(t, buf, sizeof(buf), &len) != ZKBIO_OK)
            abort();
        zkbio_template_free(t);
    } else if (rc == ZKBIO_ELOWQUALITY) {
        if (t != NULL || info.reason == ZKBIO_USABLE || info.reason > ZKBIO_UNUSABLE_FEW_MINUTIAE)
            abort();
    } else if (rc >= 0 || t != NULL) {
        abort();
    }
    zkbio_image_free(img);
    return 0;
}
