/* SPDX-License-Identifier: Apache-2.0 */
/* Thinning of the binarised ridges to an 8-connected, one-pixel-wide skeleton with the two
 * sub-iteration parallel algorithm of Guo and Hall (CACM 32(3), 1989, algorithm A1). The deletion
 * rule depends only on the 8 neighbours, so it is tabulated once per sub-iteration. Small holes in
 * the ridges are filled first. */
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

/* Pores and small gaps inside a ridge show up in the binarised map as small holes, which thinning
 * would turn into loops (two false bifurcations each). Background regions (4-connected) of at most
 * HOLE_MAX pixels that do not touch the frame are filled. */
#define HOLE_MAX 16

static void fill_holes(uint8_t *img, int w, int h, uint8_t *seen, uint32_t *queue)
{
    static const int d4[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    memset(seen, 0, (size_t)w * h);
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            size_t s0 = (size_t)y * w + x;
            if (img[s0] || seen[s0])
                continue;
            /* breadth-first: the region's pixels stay in queue[0, n) */
            int n = 0, end = 1, edge = 0;
            seen[s0] = 1;
            queue[0] = (uint32_t)s0;
            while (n < end) {
                uint32_t i = queue[n++];
                int cx = (int)(i % (uint32_t)w), cy = (int)(i / (uint32_t)w);
                for (int k = 0; k < 4; k++) {
                    int xx = cx + d4[k][0], yy = cy + d4[k][1];
                    if (xx < 1 || yy < 1 || xx >= w - 1 || yy >= h - 1) {
                        edge = 1;
                        continue;
                    }
                    size_t j = (size_t)yy * w + xx;
                    if (!img[j] && !seen[j]) {
                        seen[j] = 1;
                        queue[end++] = (uint32_t)j;
                    }
                }
            }
            if (n <= HOLE_MAX && !edge)
                for (int k = 0; k < n; k++)
                    img[queue[k]] = 1;
        }
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
    uint8_t *seen = malloc((size_t)w * h);
    if (!seen) {
        free(del);
        return ZKBIO_ENOMEM;
    }
    fill_holes(img, w, h, seen, del);
    free(seen);
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
