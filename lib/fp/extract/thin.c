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
 * HOLE_MAX pixels that do not touch the frame are filled.
 * seen: 0 not visited, 1 in the current search, 2 settled (part of a large or frame-touching
 * region, or filled). The frame is settled first, so a search that reaches a settled pixel, or
 * grows past HOLE_MAX, belongs to a large region and stops at once: every pixel is visited O(1)
 * times, and interior pixels' 4-neighbours are always inside the image. */
#define HOLE_MAX 16
static void fill_holes(uint8_t *img, int w, int h, uint8_t *seen, uint32_t *queue)
{
    memset(seen, 0, (size_t)w * h);
    memset(seen, 2, (size_t)w);
    memset(seen + (size_t)(h - 1) * w, 2, (size_t)w);
    for (int y = 0; y < h; y++) {
        seen[(size_t)y * w] = 2;
        seen[(size_t)y * w + w - 1] = 2;
    }
    const ptrdiff_t d4[4] = {1, -1, w, -(ptrdiff_t)w};
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            size_t s0 = (size_t)y * w + x;
            if (img[s0] || seen[s0])
                continue;
            /* breadth-first: the region's pixels stay in queue[0, end) */
            int n = 0, end = 1, large = 0;
            seen[s0] = 1;
            queue[0] = (uint32_t)s0;
            while (n < end && !large) {
                uint32_t i = queue[n++];
                for (int k = 0; k < 4; k++) {
                    size_t j = (size_t)((ptrdiff_t)i + d4[k]);
                    if (img[j] || seen[j] == 1)
                        continue;
                    if (seen[j] == 2 || end >= HOLE_MAX) {
                        large = 1;
                        break;
                    }
                    seen[j] = 1;
                    queue[end++] = (uint32_t)j;
                }
            }
            for (int k = 0; k < end; k++) {
                seen[queue[k]] = 2;
                if (!large)
                    img[queue[k]] = 1;
            }
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
    /* Only ridge pixels can be deleted, so each sub-iteration visits the list of those still set
     * (deletions are applied after the visit, as the parallel algorithm requires, so the visiting
     * order does not matter) instead of scanning the whole frame. */
    uint32_t *live = malloc((size_t)w * h * sizeof(*live));
    if (!live) {
        free(del);
        return ZKBIO_ENOMEM;
    }
    size_t nl = 0;
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++)
            if (img[(size_t)y * w + x])
                live[nl++] = (uint32_t)((size_t)y * w + x);
    for (int round = 0; round < 64; round++) {
        int changed = 0;
        for (int iter = 0; iter < 2; iter++) {
            size_t nd = 0, keep = 0;
            for (size_t i = 0; i < nl; i++) {
                uint32_t at = live[i];
                if (lut[iter][neighbours(img + at, w)])
                    del[nd++] = at;
                else
                    live[keep++] = at;
            }
            for (size_t i = 0; i < nd; i++)
                img[del[i]] = 0;
            nl = keep;
            changed += nd > 0;
        }
        if (!changed)
            break;
    }
    free(live);
    free(del);
    return ZKBIO_OK;
}
