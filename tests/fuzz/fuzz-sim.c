/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the sim reader's parsers (lib/reader/sim_proto.c): the first byte picks the target. Even:
 * the socket message stream (messages parsed one after the other as the server does; a complete
 * frame must lie inside the input and have a valid size, an incomplete one must ask for more
 * than is there). Odd: a binary PGM file (a loaded image has a valid size and readable pixels). */
#include <stdint.h>
#include <stdlib.h>

#include "reader/sim_proto.h"
#include "zkbio/error.h"
#include "zkbio/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void stream(const uint8_t *p, size_t n)
{
    while (n > 0) {
        zki_sim_msg msg;
        size_t need = 0;
        int rc = zki_sim_parse(p, n, &msg, &need);
        if (rc < 0) {
            if (rc != ZKBIO_EPROTO)
                abort();
            return;
        }
        if (rc == 1) {
            if (need <= n || need < ZKI_SIM_HEADER)
                abort();
            return;
        }
        if (rc != 0 || need == 0 || need > n)
            abort();
        if (msg.kind == ZKI_SIM_MSG_FRAME) {
            if (msg.width < ZKBIO_IMAGE_DIM_MIN || msg.width > ZKBIO_IMAGE_DIM_MAX ||
                msg.height < ZKBIO_IMAGE_DIM_MIN || msg.height > ZKBIO_IMAGE_DIM_MAX ||
                msg.pixels != p + ZKI_SIM_HEADER ||
                need != ZKI_SIM_HEADER + (size_t)msg.width * msg.height)
                abort();
            volatile uint8_t last = msg.pixels[(size_t)msg.width * msg.height - 1];
            (void)last;
        } else if (msg.kind != ZKI_SIM_MSG_CONTROL || msg.command >= 0 ||
                   msg.command < ZKBIO_SIM_REPLUG || need != ZKI_SIM_HEADER) {
            abort();
        }
        p += need;
        n -= need;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
        stream(data + 1, size - 1);
        return 0;
    }
    zkbio_image *img = NULL;
    int rc = zki_pgm_parse(data + 1, size - 1, 500, &img);
    if (rc != ZKBIO_OK) {
        if (rc > 0 || img)
            abort();
        return 0;
    }
    if (!img || img->width < ZKBIO_IMAGE_DIM_MIN || img->height < ZKBIO_IMAGE_DIM_MIN ||
        img->width > ZKBIO_IMAGE_DIM_MAX || img->height > ZKBIO_IMAGE_DIM_MAX || img->dpi != 500)
        abort();
    volatile uint8_t last = img->pixels[(size_t)img->height * img->stride - 1];
    (void)last;
    zkbio_image_free(img);
    return 0;
}
