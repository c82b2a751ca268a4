/* SPDX-License-Identifier: Apache-2.0 */
/* Internal stages of extraction (lib/fp/extract/zki_extract.h):
 *   - zki_thin() gives the same skeleton as a plain full-frame Guo-Hall reference on random blobs
 *     (the implementation visits only live ridge pixels);
 *   - small holes in a ridge are filled before thinning (no loop, so no false forks), large ones
 *     are kept.
 * (Shift stability of the whole extraction is checked in test-extract.c.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp/extract/zki_extract.h"
#include "../support/test.h"

static uint32_t rng = 777;
static unsigned rnd(unsigned n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) % n;
}

/* Reference: Guo and Hall, algorithm A1, scanning the whole frame every sub-iteration. */
static int ref_deletable(const uint8_t *p, int w, int iter)
{
    int p2 = !!p[-w], p3 = !!p[-w + 1], p4 = !!p[1], p5 = !!p[w + 1];
    int p6 = !!p[w], p7 = !!p[w - 1], p8 = !!p[-1], p9 = !!p[-w - 1];
    int c = (!p2 && (p3 || p4)) + (!p4 && (p5 || p6)) + (!p6 && (p7 || p8)) + (!p8 && (p9 || p2));
    int n1 = (p9 | p2) + (p3 | p4) + (p5 | p6) + (p7 | p8);
    int n2 = (p2 | p3) + (p4 | p5) + (p6 | p7) + (p8 | p9);
    int n = n1 < n2 ? n1 : n2;
    int side = iter == 0 ? ((p6 || p7 || !p9) && p8) : ((p2 || p3 || !p5) && p4);
    return c == 1 && n >= 2 && n <= 3 && !side;
}

static void ref_thin(uint8_t *img, int w, int h, uint8_t *del)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (int iter = 0; iter < 2; iter++) {
            memset(del, 0, (size_t)w * h);
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++) {
                    size_t i = (size_t)y * w + x;
                    del[i] = img[i] && ref_deletable(img + i, w, iter);
                }
            for (size_t i = 0; i < (size_t)w * h; i++)
                if (del[i]) {
                    img[i] = 0;
                    changed = 1;
                }
        }
    }
}

/* Random thick strokes, without holes (so hole filling does not apply): discs along random walks.
 * Holes are avoided by drawing on a frame that is then checked; images with holes are redrawn. */
static void strokes(uint8_t *img, int w, int h)
{
    memset(img, 0, (size_t)w * h);
    for (int s = 0; s < 4; s++) {
        int x = 10 + (int)rnd((unsigned)w - 20), y = 10 + (int)rnd((unsigned)h - 20);
        int r = 2 + (int)rnd(3);
        for (int k = 0; k < 30; k++) {
            x += (int)rnd(5) - 2;
            y += (int)rnd(5) - 2;
            for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (dx * dx + dy * dy <= r * r && xx > 0 && yy > 0 && xx < w - 1 && yy < h - 1)
                        img[(size_t)yy * w + xx] = 1;
                }
        }
    }
}

/* Number of background regions (4-connected) that do not touch the frame. */
static int holes(const uint8_t *img, int w, int h)
{
    uint8_t *seen = calloc((size_t)w * h, 1);
    int *stack = malloc((size_t)w * h * sizeof(*stack));
    int n = 0;
    for (int s0 = 0; seen && stack && s0 < w * h; s0++) {
        if (img[s0] || seen[s0])
            continue;
        int sp = 0, edge = 0;
        stack[sp++] = s0;
        seen[s0] = 1;
        while (sp) {
            int i = stack[--sp], x = i % w, y = i / w;
            edge |= x == 0 || y == 0 || x == w - 1 || y == h - 1;
            static const int d[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
            for (int k = 0; k < 4; k++) {
                int xx = x + d[k][0], yy = y + d[k][1];
                if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                    continue;
                int j = yy * w + xx;
                if (!img[j] && !seen[j]) {
                    seen[j] = 1;
                    stack[sp++] = j;
                }
            }
        }
        n += !edge;
    }
    free(seen);
    free(stack);
    return n;
}

static void thin_matches_reference(void)
{
    enum { W = 96, H = 80 };
    static uint8_t a[W * H], b[W * H], del[W * H];
    int tried = 0, same = 0;
    for (int t = 0; t < 200 && tried < 40; t++) {
        strokes(a, W, H);
        if (holes(a, W, H))
            continue;
        tried++;
        memcpy(b, a, sizeof(a));
        if (zki_thin(a, W, H) != ZKBIO_OK)
            break;
        ref_thin(b, W, H, del);
        same += memcmp(a, b, sizeof(a)) == 0;
    }
    CHECK(tried >= 20);
    CHECK_EQ_INT(same, tried);
}

/* Pixels of the skeleton with three or more skeleton neighbours' runs: forks. */
static int forks(const uint8_t *img, int w, int h)
{
    static const int dx[8] = {0, 1, 1, 1, 0, -1, -1, -1}, dy[8] = {-1, -1, 0, 1, 1, 1, 0, -1};
    int n = 0;
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            if (!img[(size_t)y * w + x])
                continue;
            int cn = 0;
            for (int k = 0; k < 8; k++) {
                int a = img[(size_t)(y + dy[k]) * w + x + dx[k]];
                int b = img[(size_t)(y + dy[(k + 1) & 7]) * w + x + dx[(k + 1) & 7]];
                cn += !a && b;
            }
            n += cn >= 3;
        }
    return n;
}

/* A 9-px-thick bar with a hole of side `hole` in its middle. */
static int bar_forks(int hole)
{
    enum { W = 80, H = 40 };
    static uint8_t img[W * H];
    memset(img, 0, sizeof(img));
    for (int y = 15; y < 24; y++)
        for (int x = 10; x < 70; x++)
            img[y * W + x] = 1;
    for (int y = 20 - hole / 2; y < 20 - hole / 2 + hole; y++)
        for (int x = 40 - hole / 2; x < 40 - hole / 2 + hole; x++)
            img[y * W + x] = 0;
    if (zki_thin(img, W, H) != ZKBIO_OK)
        return -1;
    return forks(img, W, H);
}

static void hole_filling(void)
{
    CHECK_EQ_INT(bar_forks(0), 0);
    CHECK_EQ_INT(bar_forks(2), 0); /* a pore: 4 px */
    CHECK_EQ_INT(bar_forks(4), 0); /* 16 px: the largest filled */
    CHECK(bar_forks(5) >= 2);      /* 25 px: a real loop, two forks */
}

int main(void)
{
    thin_matches_reference();
    hole_filling();
    return TEST_DONE();
}
