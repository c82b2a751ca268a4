/* SPDX-License-Identifier: Apache-2.0 */
/* Ridge enhancement and binarisation: an oriented, separable Gabor-like filter. Pass 1 smooths
 * along the local ridge orientation (17 taps, Gaussian weights); pass 2 applies an even-symmetric,
 * zero-mean band-pass across the ridges (15 taps, a cosine of the ridge period under a Gaussian
 * envelope). Ridges are dark, so a negative response marks a ridge pixel. Orientation is the
 * block's, quantised to ZKI_NQ directions; tables are integer constants, so results are exact. */
#include <stdlib.h>
#include <string.h>

#include "fp/extract/zki_extract.h"
#include "fp/zki_fixmath.h"
#include "zkbio/error.h"

#define ZKI_NQ  16 /* orientation steps over half a turn */
#define PAD     16 /* replicated border of the padded image, pixels */
#define AMARGIN 8  /* pass-1 output extends this far outside the image */

/* round(16 * exp(-t^2 / (2 s^2))), s = 0.66 L, t = -L..L */
#define ALONG_MAX 10
static const int32_t along_tab[4][2 * ALONG_MAX + 1] = {
    {5, 8, 12, 15, 16, 15, 12, 8, 5},
    {5, 7, 10, 12, 14, 16, 16, 16, 14, 12, 10, 7, 5},
    {5, 7, 8, 10, 12, 14, 15, 16, 16, 16, 15, 14, 12, 10, 8, 7, 5},
    {5, 6, 8, 9, 11, 12, 13, 14, 15, 16, 16, 16, 15, 14, 13, 12, 11, 9, 8, 6, 5},
};

/* cos(2 pi t / P) exp(-t^2 / (2 (0.45 P)^2)), minus its Gaussian-weighted mean, scaled to sum |w| =
 * 1024 and rounded; centre adjusted so that the taps sum to exactly 0. t = -7..7; P = 7..12. */
static const int32_t across_w[6][15] = {
    {17, 20, -14, -84, -119, -40, 118, 204, 118, -40, -119, -84, -14, 20, 17},
    {21, 0, -53, -106, -98, 1, 135, 200, 135, 1, -98, -106, -53, 0, 21},
    {8, -27, -73, -95, -61, 30, 131, 174, 131, 30, -61, -95, -73, -27, 8},
    {-13, -49, -80, -80, -34, 48, 128, 160, 128, 48, -34, -80, -80, -49, -13},
    {-33, -64, -80, -65, -13, 59, 123, 146, 123, 59, -13, -65, -80, -64, -33},
    {-52, -74, -78, -52, 1, 66, 119, 140, 119, 66, 1, -52, -78, -74, -52},
};
#define PERIOD_MIN 7
#define PERIOD_MAX 12

static int32_t round_div(int32_t a, int32_t b)
{
    return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

static int quant(uint16_t ori)
{
    return ((ori + 32768 / ZKI_NQ / 2) * ZKI_NQ / 32768) % ZKI_NQ;
}

int zki_enhance(zki_xws *ws)
{
    const int w = ws->w, h = ws->h, bw = ws->bw;
    const int pw = w + 2 * PAD, ph = h + 2 * PAD;
    int period = ws->period;
    if (period < PERIOD_MIN)
        period = PERIOD_MIN;
    if (period > PERIOD_MAX)
        period = PERIOD_MAX;

    uint8_t *pad = malloc((size_t)pw * ph);
    int32_t *a = calloc((size_t)pw * ph, sizeof(*a));
    if (!pad || !a) {
        free(pad);
        free(a);
        return ZKBIO_ENOMEM;
    }
    for (int y = 0; y < ph; y++) {
        int sy = y - PAD < 0 ? 0 : y - PAD >= h ? h - 1 : y - PAD;
        const uint8_t *src = ws->px + (size_t)sy * w;
        uint8_t *dst = pad + (size_t)y * pw;
        memset(dst, src[0], PAD);
        memcpy(dst + PAD, src, (size_t)w);
        memset(dst + PAD + w, src[w - 1], PAD);
    }
    /* linear offsets of the taps for every orientation step */
    const int al = ZKI_TUNE(ALONG, 8), na = 2 * al + 1;
    const int32_t *along_w = along_tab[al / 2 - 2];
    ptrdiff_t off_along[ZKI_NQ][2 * ALONG_MAX + 1], off_across[ZKI_NQ][15];
    for (int q = 0; q < ZKI_NQ; q++) {
        unsigned ang = (unsigned)q * (128 / ZKI_NQ); /* 8-bit angle of the ridge */
        int32_t c = zki_cos8(ang), s = zki_sin8(ang);
        int32_t cn = zki_cos8(ang + 64), sn = zki_sin8(ang + 64);
        for (int t = -al; t <= al; t++)
            off_along[q][t + al] =
                (ptrdiff_t)(-round_div(t * s, 16384)) * pw + round_div(t * c, 16384);
        for (int t = -7; t <= 7; t++)
            off_across[q][t + 7] =
                (ptrdiff_t)(-round_div(t * sn, 16384)) * pw + round_div(t * cn, 16384);
    }
    /* pass 1 along the ridges, on the image plus AMARGIN, but only in blocks next to (or in) the
     * foreground: pass 2 runs on foreground blocks and its taps reach at most 7 px, so into the
     * 8-neighbour blocks at most. need[] covers block columns -1..bw and rows -1..bh. */
    const int nw = bw + 2, nh = ws->bh + 2;
    uint8_t *need = calloc((size_t)nw * nh, 1);
    if (!need) {
        free(pad);
        free(a);
        return ZKBIO_ENOMEM;
    }
    for (int by = 0; by < ws->bh; by++)
        for (int bx = 0; bx < bw; bx++)
            if (ws->fg[(size_t)by * bw + bx])
                for (int dy = 0; dy < 3; dy++)
                    memset(need + (size_t)(by + dy) * nw + bx, 1, 3);
    for (int y = -AMARGIN; y < h + AMARGIN; y++) {
        int by = (y < 0 ? 0 : y >= h ? h - 1 : y) / ZKI_BLK;
        const uint8_t *nrow = need + (size_t)((y + ZKI_BLK) / ZKI_BLK) * nw;
        /* 8-px segments of one block column share the filter direction: tap by tap over the
         * segment, so that the compiler can vectorise the inner loop */
        for (int bxe = -1; bxe <= bw; bxe++) {
            if (!nrow[bxe + 1])
                continue;
            int x0 = bxe * ZKI_BLK, x1 = x0 + ZKI_BLK;
            if (x1 > w + AMARGIN)
                x1 = w + AMARGIN;
            int bx = bxe < 0 ? 0 : bxe >= bw ? bw - 1 : bxe;
            const ptrdiff_t *o = off_along[quant(ws->ori[(size_t)by * bw + bx])];
            const uint8_t *p = pad + (size_t)(y + PAD) * pw + (x0 + PAD);
            int32_t *out = a + (size_t)(y + PAD) * pw + (x0 + PAD);
            if (x1 - x0 == ZKI_BLK) {
                int32_t acc[ZKI_BLK] = {0};
                for (int k = 0; k < na; k++) {
                    const uint8_t *q = p + o[k];
                    const int32_t wk = along_w[k];
                    for (int i = 0; i < ZKI_BLK; i++)
                        acc[i] += wk * q[i];
                }
                memcpy(out, acc, sizeof(acc));
            } else {
                for (int i = 0; i < x1 - x0; i++) {
                    int32_t acc = 0;
                    for (int k = 0; k < na; k++)
                        acc += along_w[k] * p[i + o[k]];
                    out[i] = acc;
                }
            }
        }
    }
    free(need);
    /* one ridge period for the whole pass (a period chosen per block from the strongest
     * band-pass response was measured worse: docs/fingerprint-engine.md) */
    const int32_t *acw = across_w[period - PERIOD_MIN];
    /* pass 2 across the ridges, foreground blocks only, in 8-px segments like pass 1 (pass 1
     * covers a whole segment and its taps' reach); only pixels inside [1, w - 1) are written */
    memset(ws->ridge, 0, (size_t)w * h);
    for (int y = 1; y < h - 1; y++) {
        int by = y / ZKI_BLK;
        uint8_t *r = ws->ridge + (size_t)y * w;
        for (int bx = 0; bx < bw; bx++) {
            size_t bi = (size_t)by * bw + bx;
            if (!ws->fg[bi])
                continue;
            const ptrdiff_t *o = off_across[quant(ws->ori[bi])];
            const int x0 = bx * ZKI_BLK;
            const int32_t *p = a + (size_t)(y + PAD) * pw + (x0 + PAD);
            int32_t acc[ZKI_BLK] = {0};
            for (int k = 0; k < 15; k++) {
                const int32_t *q = p + o[k];
                const int32_t wk = acw[k];
                for (int i = 0; i < ZKI_BLK; i++)
                    acc[i] += wk * q[i];
            }
            for (int i = 0; i < ZKI_BLK; i++) {
                int x = x0 + i;
                if (x >= 1 && x < w - 1)
                    r[x] = acc[i] < 0;
            }
        }
    }
    free(pad);
    free(a);
    return ZKBIO_OK;
}
