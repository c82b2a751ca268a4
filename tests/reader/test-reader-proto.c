/* SPDX-License-Identifier: Apache-2.0 */
/* The sim reader's parsers (lib/reader/sim_proto.c) with well-formed and malformed input: message
 * headers, frames cut short, sizes out of range, unknown commands; PGM headers, comments,
 * truncation, maxval, sizes; and finger detection on flat and ridged images (finger.c). */
#include <string.h>

#include "../support/test.h"
#include "internal/bytes.h"
#include "reader/backend.h"
#include "reader/sim_proto.h"

static void test_messages(void)
{
    uint8_t buf[8 + 32 * 16] = {0};
    zki_sim_msg m;
    size_t need = 0;
    CHECK_EQ_INT(zki_sim_parse(buf, 0, &m, &need), 1);
    CHECK_EQ_INT(need, 8);
    CHECK_EQ_INT(zki_sim_parse(buf, 7, &m, &need), 1);
    zki_sim_header(buf, 32, 16);
    memset(buf + 8, 0x42, 32 * 16);
    CHECK_EQ_INT(zki_sim_parse(buf, 8, &m, &need), 1);
    CHECK_EQ_INT(need, 8 + 32 * 16);
    CHECK_EQ_INT(zki_sim_parse(buf, sizeof(buf) - 1, &m, &need), 1);
    CHECK_EQ_INT(zki_sim_parse(buf, sizeof(buf), &m, &need), 0);
    CHECK_EQ_INT(m.kind, ZKI_SIM_MSG_FRAME);
    CHECK_EQ_INT(m.width, 32);
    CHECK_EQ_INT(m.height, 16);
    CHECK(m.pixels == buf + 8);
    CHECK_EQ_INT(need, sizeof(buf));
    /* Little-endian on the wire whatever the host. */
    CHECK_EQ_INT(buf[0], 32);
    CHECK_EQ_INT(buf[1], 0);
    /* Sizes out of range. */
    static const int32_t bad[][2] = {{0, 16},    {15, 16},   {16, 15},
                                     {4097, 16}, {16, 4097}, {0x7fffffff, 0x7fffffff}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        zki_sim_header(buf, bad[i][0], bad[i][1]);
        CHECK_EQ_INT(zki_sim_parse(buf, 8, &m, &need), ZKBIO_EPROTO);
    }
    /* Largest frame: needs 8 + 4096 * 4096 bytes, parsed lazily. */
    zki_sim_header(buf, 4096, 4096);
    CHECK_EQ_INT(zki_sim_parse(buf, 8, &m, &need), 1);
    CHECK_EQ_INT(need, 8 + (size_t)4096 * 4096);
    /* Control messages: -1..-5, value kept; anything below is refused. */
    for (int32_t c = -1; c >= -5; c--) {
        zki_sim_header(buf, c, -7);
        CHECK_EQ_INT(zki_sim_parse(buf, 8, &m, &need), 0);
        CHECK_EQ_INT(m.kind, ZKI_SIM_MSG_CONTROL);
        CHECK_EQ_INT(m.command, c);
        CHECK_EQ_INT(m.value, -7);
        CHECK_EQ_INT(need, 8);
    }
    zki_sim_header(buf, -6, 0);
    CHECK_EQ_INT(zki_sim_parse(buf, 8, &m, &need), ZKBIO_EPROTO);
    zki_sim_header(buf, INT32_MIN, 0);
    CHECK_EQ_INT(zki_sim_parse(buf, 8, &m, &need), ZKBIO_EPROTO);
}

static int pgm(const char *text, size_t pixels, uint8_t fill, zkbio_image **out)
{
    uint8_t buf[2048];
    size_t n = strlen(text);
    memcpy(buf, text, n);
    memset(buf + n, fill, pixels);
    return zki_pgm_parse(buf, n + pixels, 500, out);
}

static void test_pgm(void)
{
    zkbio_image *img = NULL;
    CHECK_EQ_INT(pgm("P5\n# a comment\n20 17\n255\n", 340, 9, &img), ZKBIO_OK);
    if (img) {
        CHECK_EQ_INT(img->width, 20);
        CHECK_EQ_INT(img->height, 17);
        CHECK_EQ_INT(img->dpi, 500);
        CHECK_EQ_INT(img->pixels[339], 9);
        zkbio_image_free(img);
        img = NULL;
    }
    CHECK_EQ_INT(pgm("P5 16 16 255 ", 256, 1, &img), ZKBIO_OK);
    zkbio_image_free(img);
    img = NULL;
    CHECK_EQ_INT(pgm("P5 16 16 255\n", 255, 1, &img), ZKBIO_EPROTO);   /* one pixel short */
    CHECK_EQ_INT(pgm("P2 16 16 255\n", 256, '1', &img), ZKBIO_EPROTO); /* ASCII PGM */
    CHECK_EQ_INT(pgm("P5 16 16 65535\n", 512, 1, &img), ZKBIO_ENOTSUP);
    CHECK_EQ_INT(pgm("P5 8 16 255\n", 128, 1, &img), ZKBIO_ERANGE);
    CHECK_EQ_INT(pgm("P5 16 16", 0, 0, &img), ZKBIO_EPROTO);           /* header cut short */
    CHECK_EQ_INT(pgm("P5 16 16 255", 0, 0, &img), ZKBIO_EPROTO);       /* no separator */
    CHECK_EQ_INT(pgm("P5 123456 16 255\n", 0, 0, &img), ZKBIO_EPROTO); /* too many digits */
    CHECK_EQ_INT(pgm("P5 -16 16 255\n", 0, 0, &img), ZKBIO_EPROTO);
    CHECK_EQ_INT(pgm("P5 # comment to the end", 0, 0, &img), ZKBIO_EPROTO);
    CHECK_EQ_INT(zki_pgm_parse((const uint8_t *)"P", 1, 500, &img), ZKBIO_EPROTO);
    CHECK(img == NULL);
}

static void test_finger(void)
{
    static uint8_t px[480 * 640];
    memset(px, 200, sizeof(px));
    CHECK_EQ_INT(zki_finger_in_image(px, 640, 480, 640), 0);
    /* faint noise only */
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (uint8_t)(198 + (i * 7919 % 5));
    CHECK_EQ_INT(zki_finger_in_image(px, 640, 480, 640), 0);
    /* ridges (8 px period) over a 200 x 200 patch: about 13 % of the frame */
    static const uint8_t wave[8] = {128, 200, 240, 200, 128, 56, 16, 56};
    for (int y = 100; y < 300; y++)
        for (int x = 200; x < 400; x++)
            px[y * 640 + x] = wave[(x + y) & 7];
    CHECK_EQ_INT(zki_finger_in_image(px, 640, 480, 640), 1);
    /* a saturated black frame is no finger */
    memset(px, 0, sizeof(px));
    CHECK_EQ_INT(zki_finger_in_image(px, 640, 480, 640), 0);
    CHECK_EQ_INT(zki_finger_in_image(px, 8, 8, 8), 0);
}

int main(void)
{
    test_messages();
    test_pgm();
    test_finger();
    return TEST_DONE();
}
