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

/* Clarity 0..255 of a block from its valley (c[0..2]) and ridge (c[3..5]) pixel counts, sums and
 * sums of squares: 255 d / (d + sd_ridge + sd_valley), d the valley-minus-ridge mean grey
 * difference (0 when ridges are not darker): a separation in the manner of the local clarity of
 * NFIQ 2 (Tabassi et al. 2016), near 170 for clean ridges and below 60 for smudged or dry
 * patches. */
static uint8_t clarity(const uint32_t *c)
{
    if (c[0] < 4 || c[3] < 4)
        return 0;
    const uint32_t mv = (c[1] + c[0] / 2) / c[0], mr = (c[4] + c[3] / 2) / c[3];
    if (mv <= mr)
        return 0;
    const uint64_t vv = (uint64_t)c[2] / c[0], vr = (uint64_t)c[5] / c[3];
    const uint32_t sv = zki_isqrt(vv > (uint64_t)mv * mv ? vv - (uint64_t)mv * mv : 0);
    const uint32_t sr = zki_isqrt(vr > (uint64_t)mr * mr ? vr - (uint64_t)mr * mr : 0);
    const uint32_t d = mv - mr;
    return (uint8_t)(255u * d / (d + sv + sr));
}

static int quant(uint16_t ori)
{
    return ((ori + 32768 / ZKI_NQ / 2) * ZKI_NQ / 32768) % ZKI_NQ;
}

/* Ridge period field (Hong, Wan & Jain 1998, "Fingerprint image enhancement: algorithm and
 * performance evaluation", IEEE TPAMI 20(8): the x-signature of an oriented window). The
 * along-ridge pass already averages 17 px along the ridge, so the signature is its profile across
 * the ridge through the block centre, FREQ_HALF px either side; the period is the mean distance
 * between its dark extrema (those below the profile's mean, so valley noise does not count).
 * Blocks without two such extrema or with a period outside 5..15 px are unreliable: they take the
 * mean of their reliable neighbours (repeated, Hong et al.'s interpolation), then the field is
 * low-passed over (2 FREQ_LP + 1)^2 blocks. The pass's filter period is scaled by the field
 * relative to 8 px: ZKI_FREQ_ALPHA percent of the local deviation is applied (0 = one period per
 * pass, as before). */
#ifndef ZKI_FREQ_ALPHA
#define ZKI_FREQ_ALPHA 0
#endif
#ifndef ZKI_FREQ_LP
#define ZKI_FREQ_LP 2
#endif
/* the period (1/16 px) at which the pass keeps its own filter period; 0: the print's mean period
 * (only the variation within the print is followed) */
#ifndef ZKI_FREQ_REF
#define ZKI_FREQ_REF 128
#endif
#define FREQ_HALF 16
#define FREQ_N    (2 * FREQ_HALF + 1)

static int sig_period(const int32_t *a, int pw, const zki_xws *ws, const uint8_t *need, int nw,
                      int cx, int cy, const int8_t *dx, const int8_t *dy)
{
    int32_t s[FREQ_N];
    int64_t mean = 0;
    for (int t = 0; t < FREQ_N; t++) {
        int x = cx + dx[t], y = cy + dy[t];
        if (x < -AMARGIN || y < -AMARGIN || x >= ws->w + AMARGIN || y >= ws->h + AMARGIN ||
            !need[(size_t)((y + ZKI_BLK) / ZKI_BLK) * nw + (x + ZKI_BLK) / ZKI_BLK])
            return 0;
        s[t] = a[(size_t)(y + PAD) * pw + x + PAD];
    }
    int32_t sm[FREQ_N];
    for (int t = 0; t < FREQ_N; t++) {
        int32_t l = s[t > 0 ? t - 1 : t], r = s[t < FREQ_N - 1 ? t + 1 : t];
        sm[t] = l + 2 * s[t] + r;
        mean += sm[t];
    }
    mean /= FREQ_N;
    int first = -1, last = -1, n = 0;
    for (int t = 1; t < FREQ_N - 1; t++)
        if (sm[t] < sm[t - 1] && sm[t] <= sm[t + 1] && sm[t] < mean) {
            if (first < 0)
                first = t;
            last = t;
            n++;
        }
    if (n < 2)
        return 0;
    int p16 = (last - first) * 16 / (n - 1);
    return p16 >= 5 * 16 && p16 <= 15 * 16 ? p16 : 0;
}

/* per[] (1/16 px per block, foreground only) from the along-ridge pass `a`; 0 elsewhere. */
static int period_field(const zki_xws *ws, const int32_t *a, int pw, const uint8_t *need, int nw,
                        uint16_t *per)
{
    const int bw = ws->bw, bh = ws->bh;
    const size_t nb = (size_t)bw * bh;
    int8_t dx[ZKI_NQ][FREQ_N], dy[ZKI_NQ][FREQ_N];
    for (int q = 0; q < ZKI_NQ; q++) {
        unsigned ang = (unsigned)q * (128 / ZKI_NQ) + 64; /* across the ridge */
        int32_t c = zki_cos8(ang), s = zki_sin8(ang);
        for (int t = -FREQ_HALF; t <= FREQ_HALF; t++) {
            dx[q][t + FREQ_HALF] = (int8_t)round_div(t * c, 16384);
            dy[q][t + FREQ_HALF] = (int8_t)-round_div(t * s, 16384);
        }
    }
    uint16_t *tmp = malloc(nb * sizeof(*tmp));
    if (!tmp)
        return ZKBIO_ENOMEM;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            size_t i = (size_t)by * bw + bx;
            int q = quant(ws->ori[i]);
            per[i] = ws->fg[i] ? (uint16_t)sig_period(a, pw, ws, need, nw, bx * ZKI_BLK + 4,
                                                      by * ZKI_BLK + 4, dx[q], dy[q])
                               : 0;
        }
    /* unreliable foreground blocks: mean of reliable 8-neighbours, repeated */
    for (int round = 0; round < 16; round++) {
        int missing = 0;
        memcpy(tmp, per, nb * sizeof(*tmp));
        for (int by = 0; by < bh; by++)
            for (int bx = 0; bx < bw; bx++) {
                size_t i = (size_t)by * bw + bx;
                if (!ws->fg[i] || tmp[i])
                    continue;
                int sum = 0, n = 0;
                for (int yy = by - 1; yy <= by + 1; yy++)
                    for (int xx = bx - 1; xx <= bx + 1; xx++)
                        if (xx >= 0 && yy >= 0 && xx < bw && yy < bh && tmp[(size_t)yy * bw + xx]) {
                            sum += tmp[(size_t)yy * bw + xx];
                            n++;
                        }
                if (n)
                    per[i] = (uint16_t)((sum + n / 2) / n);
                else
                    missing++;
            }
        if (!missing)
            break;
    }
    for (size_t i = 0; i < nb; i++)
        if (ws->fg[i] && !per[i])
            per[i] = 8 * 16;
    /* low-pass over the foreground */
    memcpy(tmp, per, nb * sizeof(*tmp));
    const int r = ZKI_TUNE(FREQ_LP, ZKI_FREQ_LP);
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            size_t i = (size_t)by * bw + bx;
            if (!ws->fg[i])
                continue;
            int sum = 0, n = 0;
            for (int yy = by - r; yy <= by + r; yy++)
                for (int xx = bx - r; xx <= bx + r; xx++)
                    if (xx >= 0 && yy >= 0 && xx < bw && yy < bh && tmp[(size_t)yy * bw + xx]) {
                        sum += tmp[(size_t)yy * bw + xx];
                        n++;
                    }
            per[i] = (uint16_t)((sum + n / 2) / n);
        }
    free(tmp);
    return ZKBIO_OK;
}

/* Contrast normalisation by block before the filter (Hong, Wan & Jain 1998, who normalise the
 * image's mean and variance; here per block, as local normalisation is usually done): each
 * pixel becomes 128 + NORM_SD (p - m) / sd, m and sd the mean and standard deviation of the raw
 * pixels over the block and its 8 neighbours (24 x 24 px), interpolated bilinearly between block
 * centres so that no block seam appears; sd is floored at NORM_SD_MIN grey levels so flat
 * background is not blown up into noise. Dry, light regions and wet, dark ones then reach the
 * same filter response. ZKI_NORM 0 turns it off. */
#ifndef ZKI_NORM
#define ZKI_NORM 0
#endif
#ifndef ZKI_NORM_SD
#define ZKI_NORM_SD 40
#endif
#ifndef ZKI_NORM_SD_MIN
#define ZKI_NORM_SD_MIN 6
#endif

static int normalise(const zki_xws *ws, uint8_t *pad, int pw, int ph)
{
    const int bw = ws->bw, bh = ws->bh, w = ws->w, h = ws->h;
    const size_t nb = (size_t)bw * bh;
    uint32_t *sum = calloc(nb * 3, sizeof(*sum));
    int32_t *m16 = malloc(nb * 2 * sizeof(*m16));
    if (!sum || !m16) {
        free(sum);
        free(m16);
        return ZKBIO_ENOMEM;
    }
    uint32_t *sq = sum + nb, *cnt = sq + nb;
    int32_t *gain = m16 + nb; /* target sd / sd, 8.8 fixed point */
    for (int y = 0; y < h; y++) {
        const uint8_t *r = ws->px + (size_t)y * w;
        const size_t row = (size_t)(y / ZKI_BLK) * bw;
        for (int x = 0; x < w; x++) {
            sum[row + x / ZKI_BLK] += r[x];
            sq[row + x / ZKI_BLK] += (uint32_t)r[x] * r[x];
            cnt[row + x / ZKI_BLK]++;
        }
    }
    const int sd_t = ZKI_TUNE(NORM_SD, ZKI_NORM_SD),
              sd_min = ZKI_TUNE(NORM_SD_MIN, ZKI_NORM_SD_MIN);
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            uint64_t s = 0, q = 0, n = 0;
            for (int yy = by - 1; yy <= by + 1; yy++)
                for (int xx = bx - 1; xx <= bx + 1; xx++)
                    if (xx >= 0 && yy >= 0 && xx < bw && yy < bh) {
                        size_t j = (size_t)yy * bw + xx;
                        s += sum[j];
                        q += sq[j];
                        n += cnt[j];
                    }
            size_t i = (size_t)by * bw + bx;
            uint64_t var = (q * n - s * s) / (n * n);
            uint32_t sd = zki_isqrt(var);
            if (sd < (uint32_t)sd_min)
                sd = (uint32_t)sd_min;
            m16[i] = (int32_t)((s * 16 + n / 2) / n);
            gain[i] = (int32_t)((uint32_t)sd_t * 256 / sd);
        }
    for (int y = 0; y < ph; y++) {
        int iy = y - PAD - ZKI_BLK / 2;
        int by0 = iy < 0 ? 0 : iy / ZKI_BLK, ty = iy < 0 ? 0 : iy % ZKI_BLK;
        if (by0 >= bh - 1) {
            by0 = bh - 1;
            ty = 0;
        }
        const int by1 = by0 + (ty > 0);
        uint8_t *r = pad + (size_t)y * pw;
        for (int x = 0; x < pw; x++) {
            int ix = x - PAD - ZKI_BLK / 2;
            int bx0 = ix < 0 ? 0 : ix / ZKI_BLK, tx = ix < 0 ? 0 : ix % ZKI_BLK;
            if (bx0 >= bw - 1) {
                bx0 = bw - 1;
                tx = 0;
            }
            const int bx1 = bx0 + (tx > 0);
            const size_t i00 = (size_t)by0 * bw + bx0, i01 = (size_t)by0 * bw + bx1,
                         i10 = (size_t)by1 * bw + bx0, i11 = (size_t)by1 * bw + bx1;
            const int w00 = (ZKI_BLK - tx) * (ZKI_BLK - ty), w01 = tx * (ZKI_BLK - ty),
                      w10 = (ZKI_BLK - tx) * ty, w11 = tx * ty;
            const int32_t m =
                (w00 * m16[i00] + w01 * m16[i01] + w10 * m16[i10] + w11 * m16[i11] + 32) >> 6;
            const int32_t g =
                (w00 * gain[i00] + w01 * gain[i01] + w10 * gain[i10] + w11 * gain[i11] + 32) >> 6;
            int32_t v = 128 + round_div((r[x] * 16 - m) * g, 16 * 256);
            r[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(sum);
    free(m16);
    return ZKBIO_OK;
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
    if (ZKI_TUNE(NORM, ZKI_NORM) && normalise(ws, pad, pw, ph) != ZKBIO_OK) {
        free(pad);
        free(a);
        return ZKBIO_ENOMEM;
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
    /* one ridge period for the whole pass (a period chosen per block from the strongest
     * band-pass response was measured worse: docs/fingerprint-engine.md), or scaled by the
     * smoothed period field */
    const int alpha = ZKI_TUNE(FREQ_ALPHA, ZKI_FREQ_ALPHA);
    uint16_t *per = NULL;
    const size_t nb = (size_t)bw * ws->bh;
    if (alpha) {
        per = malloc(nb * sizeof(*per));
        if (!per || period_field(ws, a, pw, need, nw, per) != ZKBIO_OK) {
            free(per);
            free(need);
            free(pad);
            free(a);
            return ZKBIO_ENOMEM;
        }
    }
    /* the reference the field is taken relative to: a fixed period, or the print's mean */
    int ref = ZKI_TUNE(FREQ_REF, ZKI_FREQ_REF);
    if (per && ref == 0) {
        uint64_t sum = 0, n = 0;
        for (size_t i = 0; i < nb; i++)
            if (ws->fg[i]) {
                sum += per[i];
                n++;
            }
        ref = n ? (int)((sum + n / 2) / n) : 128;
    }
    free(need);
    /* clarity per block (when minutia quality uses it): ridge/valley separation of the pixels
     * under the binarised ridges */
    free(ws->clar);
    ws->clar = NULL;
    uint32_t(*cs)[6] = NULL;
    if (ZKI_TUNE(QCLAR_W, ZKI_QCLAR_W) > 0 &&
        (!(ws->clar = calloc(nb, 1)) || !(cs = calloc(nb, sizeof(*cs))))) {
        free(per);
        free(pad);
        free(a);
        return ZKBIO_ENOMEM;
    }
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
            int pb = period;
            if (per) {
                int f16 = 128 + alpha * ((int)per[bi] - ref) / 100;
                pb = (ws->period * f16 + 64) / 128;
                pb = pb < PERIOD_MIN ? PERIOD_MIN : pb > PERIOD_MAX ? PERIOD_MAX : pb;
            }
            const int32_t *acw = across_w[pb - PERIOD_MIN];
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
                if (x >= 1 && x < w - 1) {
                    r[x] = acc[i] < 0;
                    if (!cs)
                        continue;
                    uint32_t v = ws->px[(size_t)y * w + x], *c = cs[bi] + 3 * (acc[i] < 0);
                    c[0]++;
                    c[1] += v;
                    c[2] += v * v;
                }
            }
        }
    }
    for (size_t i = 0; cs && i < nb; i++)
        ws->clar[i] = clarity(cs[i]);
    free(cs);
    free(per);
    free(pad);
    free(a);
    return ZKBIO_OK;
}
