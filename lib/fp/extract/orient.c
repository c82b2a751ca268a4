/* SPDX-License-Identifier: Apache-2.0 */
/* Orientation field: Sobel gradients, their second moments per block, smoothed over a 5 x 5 block
 * window with binomial weights; the ridge orientation is perpendicular to the dominant gradient
 * (doubled-angle averaging), coherence = |sum of doubled-angle vectors| / sum of energies. */
#include <stdlib.h>

#include "fp/extract/zki_extract.h"
#include "fp/zki_fixmath.h"
#include "zkbio/error.h"

static const int64_t binom5[5] = {1, 4, 6, 4, 1};

int zki_orientation(zki_xws *ws)
{
    const int w = ws->w, h = ws->h, bw = ws->bw, bh = ws->bh;
    const size_t nb = (size_t)bw * bh;
    int64_t *mxx = calloc(nb * 3, sizeof(*mxx));
    if (!mxx)
        return ZKBIO_ENOMEM;
    int64_t *myy = mxx + nb, *mxy = myy + nb;

    for (int y = 1; y < h - 1; y++) {
        const uint8_t *r0 = ws->px + (size_t)(y - 1) * w, *r1 = r0 + w, *r2 = r1 + w;
        int64_t *bxx = mxx + (size_t)(y / ZKI_BLK) * bw, *byy = myy + (size_t)(y / ZKI_BLK) * bw,
                *bxy = mxy + (size_t)(y / ZKI_BLK) * bw;
        for (int x = 1; x < w - 1; x++) {
            int gx =
                (r0[x + 1] + 2 * r1[x + 1] + r2[x + 1]) - (r0[x - 1] + 2 * r1[x - 1] + r2[x - 1]);
            /* y up: top row minus bottom row */
            int gy = (r0[x - 1] + 2 * r0[x] + r0[x + 1]) - (r2[x - 1] + 2 * r2[x] + r2[x + 1]);
            int b = x / ZKI_BLK;
            bxx[b] += gx * gx;
            byy[b] += gy * gy;
            bxy[b] += gx * gy;
        }
    }
    for (size_t i = 0; i < nb; i++) { /* per-pixel means keep the window sums in range */
        mxx[i] /= ZKI_BLK * ZKI_BLK;
        myy[i] /= ZKI_BLK * ZKI_BLK;
        mxy[i] /= ZKI_BLK * ZKI_BLK;
    }
    for (int by = 0; by < bh; by++) {
        for (int bx = 0; bx < bw; bx++) {
            int64_t vx = 0, vy = 0, e = 0, e3 = 0, n3 = 0;
            for (int dy = -2; dy <= 2; dy++) {
                int yy = by + dy;
                if (yy < 0 || yy >= bh)
                    continue;
                for (int dx = -2; dx <= 2; dx++) {
                    int xx = bx + dx;
                    if (xx < 0 || xx >= bw)
                        continue;
                    size_t j = (size_t)yy * bw + xx;
                    int64_t wgt = binom5[dy + 2] * binom5[dx + 2];
                    vx += wgt * (mxx[j] - myy[j]);
                    vy += wgt * 2 * mxy[j];
                    e += wgt * (mxx[j] + myy[j]);
                    if (dx >= -1 && dx <= 1 && dy >= -1 && dy <= 1) {
                        e3 += mxx[j] + myy[j];
                        n3++;
                    }
                }
            }
            size_t i = (size_t)by * bw + bx;
            /* doubled gradient angle, then the ridge is perpendicular */
            uint16_t a2 = zki_atan2((int32_t)vy, (int32_t)vx); /* |v| <= 2^30 */
            ws->ori[i] = (uint16_t)(((a2 >> 1) + 16384) & 32767);
            uint64_t mag = zki_isqrt((uint64_t)(vx * vx) + (uint64_t)(vy * vy));
            ws->coh[i] = e > 0 ? (uint8_t)(mag * 255 / (uint64_t)e) : 0;
            ws->energy[i] = n3 ? (uint32_t)(e3 / n3) : 0;
        }
    }
    free(mxx);
    return ZKBIO_OK;
}
