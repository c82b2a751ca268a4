/* SPDX-License-Identifier: Apache-2.0 */
/* Thinning of the binarised ridges to an 8-connected, one-pixel-wide skeleton with the two
 * sub-iteration parallel algorithm of Guo and Hall (CACM 32(3), 1989, algorithm A1). The deletion
 * rule depends only on the 8 neighbours, so it is tabulated once per sub-iteration. */
#include <stdlib.h>
#include <string.h>

#include "fp/extract/zki_extract.h"
#include "zkbio/error.h"

/* Neighbour bits: p2 = N, p3 = NE, p4 = E, p5 = SE, p6 = S, p7 = SW, p8 = W, p9 = NW. */
enum { N_ = 1, NE_ = 2, E_ = 4, SE_ = 8, S_ = 16, SW_ = 32, W_ = 64, NW_ = 128 };

static int deletable(unsigned m, int iter)
{
    int p2 = !!(m & N_), p3 = !!(m & NE_), p4 = !!(m & E_), p5 = !!(m & SE_);
    int p6 = !!(m & S_), p7 = !!(m & SW_), p8 = !!(m & W_), p9 = !!(m & NW_);
    int c = (!p2 && (p3 || p4)) + (!p4 && (p5 || p6)) + (!p6 && (p7 || p8)) + (!p8 && (p9 || p2));
    int n1 = (p9 | p2) + (p3 | p4) + (p5 | p6) + (p7 | p8);
    int n2 = (p2 | p3) + (p4 | p5) + (p6 | p7) + (p8 | p9);
    int n = n1 < n2 ? n1 : n2;
    int side = iter == 0 ? ((p6 || p7 || !p9) && p8) : ((p2 || p3 || !p5) && p4);
    return c == 1 && n >= 2 && n <= 3 && !side;
}

static unsigned neighbours(const uint8_t *p, int w)
{
    return (p[-w] ? N_ : 0) | (p[-w + 1] ? NE_ : 0) | (p[1] ? E_ : 0) | (p[w + 1] ? SE_ : 0) |
           (p[w] ? S_ : 0) | (p[w - 1] ? SW_ : 0) | (p[-1] ? W_ : 0) | (p[-w - 1] ? NW_ : 0);
}

int zki_thin(uint8_t *img, int w, int h)
{
    uint8_t lut[2][256];
    for (unsigned m = 0; m < 256; m++) {
        lut[0][m] = (uint8_t)deletable(m, 0);
        lut[1][m] = (uint8_t)deletable(m, 1);
    }
    /* the outer frame is cleared so neighbour reads stay inside */
    memset(img, 0, (size_t)w);
    memset(img + (size_t)(h - 1) * w, 0, (size_t)w);
    for (int y = 0; y < h; y++) {
        img[(size_t)y * w] = 0;
        img[(size_t)y * w + w - 1] = 0;
    }
    uint32_t *del = malloc((size_t)w * h * sizeof(*del));
    if (!del)
        return ZKBIO_ENOMEM;
    for (int round = 0; round < 64; round++) {
        int changed = 0;
        for (int iter = 0; iter < 2; iter++) {
            size_t nd = 0;
            for (int y = 1; y < h - 1; y++) {
                const uint8_t *row = img + (size_t)y * w;
                for (int x = 1; x < w - 1; x++)
                    if (row[x] && lut[iter][neighbours(row + x, w)])
                        del[nd++] = (uint32_t)((size_t)y * w + x);
            }
            for (size_t i = 0; i < nd; i++)
                img[del[i]] = 0;
            changed += nd > 0;
        }
        if (!changed)
            break;
    }
    free(del);
    return ZKBIO_OK;
}
