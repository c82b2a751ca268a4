/* SPDX-License-Identifier: Apache-2.0 */
/* Sim reader wire messages and binary PGM, bounds-checked (sim_proto.h). */
#include <string.h>

#include "internal/bytes.h"
#include "reader/sim_proto.h"
#include "zkbio/reader.h"

int zki_sim_parse(const uint8_t *buf, size_t len, zki_sim_msg *msg, size_t *size)
{
    if (len < ZKI_SIM_HEADER) {
        *size = ZKI_SIM_HEADER;
        return 1;
    }
    int32_t a = (int32_t)zki_le32(buf), b = (int32_t)zki_le32(buf + 4);
    memset(msg, 0, sizeof(*msg));
    if (a < 0) {
        if (a < ZKBIO_SIM_REPLUG)
            return ZKBIO_EPROTO;
        msg->kind = ZKI_SIM_MSG_CONTROL;
        msg->command = a;
        msg->value = b;
        *size = ZKI_SIM_HEADER;
        return 0;
    }
    if (a < ZKBIO_IMAGE_DIM_MIN || a > ZKBIO_IMAGE_DIM_MAX || b < ZKBIO_IMAGE_DIM_MIN ||
        b > ZKBIO_IMAGE_DIM_MAX)
        return ZKBIO_EPROTO;
    size_t need = ZKI_SIM_HEADER + (size_t)a * (size_t)b;
    *size = need;
    if (len < need)
        return 1;
    msg->kind = ZKI_SIM_MSG_FRAME;
    msg->width = (uint32_t)a;
    msg->height = (uint32_t)b;
    msg->pixels = buf + ZKI_SIM_HEADER;
    return 0;
}

void zki_sim_header(uint8_t out[ZKI_SIM_HEADER], int32_t a, int32_t b)
{
    zki_put_le32(out, (uint32_t)a);
    zki_put_le32(out + 4, (uint32_t)b);
}

/* Skip whitespace and '#' comments, then read an unsigned decimal of at most 5 digits. */
static int pgm_number(const uint8_t *d, size_t len, size_t *pos, uint32_t *out)
{
    size_t p = *pos;
    for (;;) {
        if (p >= len)
            return ZKBIO_EPROTO;
        if (d[p] == '#') {
            while (p < len && d[p] != '\n')
                p++;
        } else if (d[p] == ' ' || d[p] == '\t' || d[p] == '\r' || d[p] == '\n') {
            p++;
        } else {
            break;
        }
    }
    uint32_t v = 0;
    int digits = 0;
    while (p < len && d[p] >= '0' && d[p] <= '9') {
        if (++digits > 5)
            return ZKBIO_EPROTO;
        v = v * 10 + (uint32_t)(d[p] - '0');
        p++;
    }
    if (digits == 0)
        return ZKBIO_EPROTO;
    *pos = p;
    *out = v;
    return ZKBIO_OK;
}

int zki_pgm_parse(const uint8_t *data, size_t len, uint16_t dpi, zkbio_image **out)
{
    if (len < 2 || data[0] != 'P' || data[1] != '5')
        return ZKBIO_EPROTO;
    size_t pos = 2;
    uint32_t w, h, maxval;
    int rc;
    if ((rc = pgm_number(data, len, &pos, &w)) != ZKBIO_OK ||
        (rc = pgm_number(data, len, &pos, &h)) != ZKBIO_OK ||
        (rc = pgm_number(data, len, &pos, &maxval)) != ZKBIO_OK)
        return rc;
    /* Exactly one whitespace byte separates the header from the pixels. */
    if (pos >= len ||
        !(data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\r' || data[pos] == '\n'))
        return ZKBIO_EPROTO;
    pos++;
    if (maxval != 255)
        return ZKBIO_ENOTSUP;
    if (w < ZKBIO_IMAGE_DIM_MIN || w > ZKBIO_IMAGE_DIM_MAX || h < ZKBIO_IMAGE_DIM_MIN ||
        h > ZKBIO_IMAGE_DIM_MAX)
        return ZKBIO_ERANGE;
    if (len - pos < (size_t)w * h)
        return ZKBIO_EPROTO;
    return zkbio_image_from_buffer(data + pos, w, h, w, dpi, out);
}
