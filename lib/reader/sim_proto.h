/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the sim reader's wire messages and the binary PGM reader, as pure bounds-checked parsers
 * (no I/O) so that the fuzz target tests/fuzz/fuzz-sim.c can drive them. Message layout: reader.h,
 * "Sim socket messages". */
#ifndef ZKI_READER_SIM_PROTO_H
#define ZKI_READER_SIM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/image.h"

/* Bytes of a message header: two little-endian int32. */
#define ZKI_SIM_HEADER 8

enum { ZKI_SIM_MSG_FRAME = 1, ZKI_SIM_MSG_CONTROL = 2 };

typedef struct zki_sim_msg {
    int kind;               /* ZKI_SIM_MSG_FRAME or ZKI_SIM_MSG_CONTROL */
    int32_t command, value; /* control message */
    uint32_t width, height; /* frame */
    const uint8_t *pixels;  /* frame: width * height bytes inside the parsed buffer */
} zki_sim_msg;

/* Parse the message at the start of buf[0..len). Returns 0 with *msg filled and *size = the
 * message's length when it is complete; 1 with *size = the total length the message needs when
 * more bytes are required (at least ZKI_SIM_HEADER); ZKBIO_EPROTO for a size out of range or an
 * unknown command (the connection must be dropped). */
int zki_sim_parse(const uint8_t *buf, size_t len, zki_sim_msg *msg, size_t *size);

/* Encode a message header into out[0..8). */
void zki_sim_header(uint8_t out[ZKI_SIM_HEADER], int32_t a, int32_t b);

/* Read a binary PGM (P5, maxval 255; '#' comments in the header) from data[0..len) as an image at
 * dpi. *out is caller-owned, written only on ZKBIO_OK. Errors: ZKBIO_EPROTO (malformed or
 * truncated), ZKBIO_ENOTSUP (another maxval), ZKBIO_ERANGE (size out of the image.h limits),
 * ZKBIO_ENOMEM. */
int zki_pgm_parse(const uint8_t *data, size_t len, uint16_t dpi, zkbio_image **out);

#endif /* ZKI_READER_SIM_PROTO_H */
