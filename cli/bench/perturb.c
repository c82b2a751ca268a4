/* SPDX-License-Identifier: Apache-2.0 */
/* Synthetic perturbations of fingerprint images (perturb.h). All arithmetic is integer or fixed
 * point: positions and displacements in Q8 px (1/256 px), sines and cosines in Q16, computed by
 * a Taylor series in Q30, so the bytes are the same on every build. The random numbers come from
 * splitmix64 (G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014), seeded per image. */
#include "perturb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- names and parsing --------------------------------------------------------------------------
 */

static const char *const bp_names[BP_KIND_COUNT] = {"elastic", "contrast", "dry",  "wet",
                                                    "partial", "rotate",   "noise"};
static const int bp_lo[BP_KIND_COUNT] = {1, 5, 1, 1, 10, -180, 1};
static const int bp_hi[BP_KIND_COUNT] = {64, 95, 2, 2, 95, 180, 64};
/* default levels, 0-terminated (rotate's 0 is not a default: none has it) */
static const int bp_defaults[BP_KIND_COUNT][4] = {
    {8, 16, 24, 0}, {50, 25, 0, 0}, {1, 2, 0, 0},   {1, 2, 0, 0},
    {60, 40, 0, 0}, {20, 45, 0, 0}, {10, 20, 0, 0},
};

const char *bp_kind_name(bp_kind kind)
{
    return (unsigned)kind < BP_KIND_COUNT ? bp_names[kind] : NULL;
}

const char *bp_spec_name(const bp_spec *spec, char *buf, size_t size)
{
    const char *k = bp_kind_name(spec->kind);
    snprintf(buf, size, "%s:%d", k ? k : "?", spec->level);
    return buf;
}

static int bp_push(bp_spec *specs, size_t cap, size_t *n, bp_kind kind, int level, char *err,
                   size_t errsize)
{
    if (*n >= cap) {
        snprintf(err, errsize, "more than %zu perturbations", cap);
        return -1;
    }
    specs[*n].kind = kind;
    specs[*n].level = level;
    (*n)++;
    return 0;
}

int bp_parse(const char *list, bp_spec *specs, size_t cap, size_t *n, char *err, size_t errsize)
{
    *n = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        char item[64];
        if (len == 0 || len >= sizeof(item)) {
            snprintf(err, errsize, "empty or too long item in '%s'", list);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        p += len;
        if (*p == ',')
            p++;
        char *colon = strchr(item, ':');
        if (colon)
            *colon = '\0';
        if (strcmp(item, "all") == 0 && !colon) {
            for (int k = 0; k < BP_KIND_COUNT; k++)
                for (int d = 0; bp_defaults[k][d]; d++)
                    if (bp_push(specs, cap, n, (bp_kind)k, bp_defaults[k][d], err, errsize) != 0)
                        return -1;
            continue;
        }
        int kind = -1;
        for (int k = 0; k < BP_KIND_COUNT; k++)
            if (strcmp(item, bp_names[k]) == 0)
                kind = k;
        if (kind < 0) {
            snprintf(err, errsize,
                     "unknown perturbation '%s' (elastic, contrast, dry, wet, partial, rotate, "
                     "noise, all)",
                     item);
            return -1;
        }
        if (!colon) {
            for (int d = 0; bp_defaults[kind][d]; d++)
                if (bp_push(specs, cap, n, (bp_kind)kind, bp_defaults[kind][d], err, errsize) != 0)
                    return -1;
            continue;
        }
        char *end = NULL;
        long level = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end || level < bp_lo[kind] || level > bp_hi[kind]) {
            snprintf(err, errsize, "%s takes a level %d..%d, not '%s'", bp_names[kind], bp_lo[kind],
                     bp_hi[kind], colon + 1);
            return -1;
        }
        if (bp_push(specs, cap, n, (bp_kind)kind, (int)level, err, errsize) != 0)
            return -1;
    }
    if (*n == 0) {
        snprintf(err, errsize, "no perturbation given");
        return -1;
    }
    return 0;
}

/* --- random numbers and fixed-point helpers ------------------------------------------------------
 */

static uint64_t bp_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in lo..hi inclusive (hi - lo < 2^32; the modulo bias is irrelevant here) */
static int64_t bp_range(uint64_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(bp_next(s) % (uint64_t)(hi - lo + 1));
}

uint64_t bp_seed(const char *name, const bp_spec *spec)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    uint64_t s = h ^ ((uint64_t)spec->kind << 32);
    return bp_next(&s);
}

/* v / 2^sh rounded to nearest, halves away from zero (no right shift of a negative value) */
static int64_t bp_round_shift(int64_t v, int sh)
{
    int64_t half = (int64_t)1 << (sh - 1);
    return v >= 0 ? (v + half) >> sh : -((-v + half) >> sh);
}

/* floor(v / 256) for Q8 positions */
static int32_t bp_floor8(int32_t v)
{
    return v >= 0 ? v / 256 : -((-v + 255) / 256);
}

static uint64_t bp_isqrt(uint64_t v)
{
    uint64_t r = 0, bit = (uint64_t)1 << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

/* sin and cos of mdeg millidegrees (-180000..180000) in Q16, by Taylor series in Q30 on the
 * angle folded into -90..90 degrees */
static void bp_sincos(int32_t mdeg, int32_t *sin_q16, int32_t *cos_q16)
{
    int neg_cos = 0;
    if (mdeg > 90000) {
        mdeg = 180000 - mdeg;
        neg_cos = 1;
    } else if (mdeg < -90000) {
        mdeg = -180000 - mdeg;
        neg_cos = 1;
    }
    const int64_t pi_q30 = 3373259426; /* pi * 2^30 */
    int64_t x = (int64_t)mdeg * pi_q30 / 180000;
    int64_t x2 = bp_round_shift(x * x, 30);
    int64_t s = x, c = (int64_t)1 << 30, ts = x, tc = (int64_t)1 << 30;
    for (int k = 1; k <= 10; k++) {
        ts = -bp_round_shift(ts * x2, 30) / ((2 * k) * (2 * k + 1));
        tc = -bp_round_shift(tc * x2, 30) / ((2 * k - 1) * (2 * k));
        s += ts;
        c += tc;
    }
    *sin_q16 = (int32_t)bp_round_shift(s, 14);
    *cos_q16 = (int32_t)bp_round_shift(neg_cos ? -c : c, 14);
}

/* smoothstep 3t^2 - 2t^3 of t in Q8 (clamped to 0..256), in Q8 */
static int32_t bp_smooth(int32_t t)
{
    if (t <= 0)
        return 0;
    if (t >= 256)
        return 256;
    return (int32_t)(((int64_t)t * t * (768 - 2 * t)) >> 16);
}

static uint8_t bp_clamp(int64_t v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* in's pixel at (x, y), white outside */
static int bp_px(const zkbio_image *in, int32_t x, int32_t y)
{
    if (x < 0 || y < 0 || (uint32_t)x >= in->width || (uint32_t)y >= in->height)
        return 255;
    return in->pixels[(size_t)y * in->stride + (size_t)x];
}

/* bilinear sample of in at (sx, sy) in Q8 pixel-index coordinates; white outside */
static uint8_t bp_sample(const zkbio_image *in, int32_t sx, int32_t sy)
{
    int32_t ix = bp_floor8(sx), iy = bp_floor8(sy);
    int32_t fx = sx - ix * 256, fy = sy - iy * 256;
    int64_t top = (int64_t)bp_px(in, ix, iy) * (256 - fx) + (int64_t)bp_px(in, ix + 1, iy) * fx;
    int64_t bot =
        (int64_t)bp_px(in, ix, iy + 1) * (256 - fx) + (int64_t)bp_px(in, ix + 1, iy + 1) * fx;
    return bp_clamp((top * (256 - fy) + bot * fy + 32768) >> 16);
}

/* box mean of radius r around every pixel (clipped at the borders), through an integral image */
static int bp_box_mean(const zkbio_image *in, int r, uint8_t *out)
{
    uint32_t w = in->width, h = in->height;
    uint64_t *ii = calloc((size_t)(w + 1) * (h + 1), sizeof(*ii));
    if (!ii)
        return -1;
    for (uint32_t y = 0; y < h; y++) {
        uint64_t row = 0;
        for (uint32_t x = 0; x < w; x++) {
            row += in->pixels[(size_t)y * in->stride + x];
            ii[(size_t)(y + 1) * (w + 1) + x + 1] = ii[(size_t)y * (w + 1) + x + 1] + row;
        }
    }
    for (uint32_t y = 0; y < h; y++) {
        uint32_t y0 = y >= (uint32_t)r ? y - (uint32_t)r : 0;
        uint32_t y1 = y + (uint32_t)r + 1 < h ? y + (uint32_t)r + 1 : h;
        for (uint32_t x = 0; x < w; x++) {
            uint32_t x0 = x >= (uint32_t)r ? x - (uint32_t)r : 0;
            uint32_t x1 = x + (uint32_t)r + 1 < w ? x + (uint32_t)r + 1 : w;
            uint64_t sum = ii[(size_t)y1 * (w + 1) + x1] - ii[(size_t)y0 * (w + 1) + x1] -
                           ii[(size_t)y1 * (w + 1) + x0] + ii[(size_t)y0 * (w + 1) + x0];
            uint64_t area = (uint64_t)(x1 - x0) * (y1 - y0);
            out[(size_t)y * w + x] = (uint8_t)((sum + area / 2) / area);
        }
    }
    free(ii);
    return 0;
}

/* A smooth random field 0..255 over w x h: random values on a grid of cell px, interpolated with
 * smoothstep weights. */
static int bp_smooth_noise(uint32_t w, uint32_t h, uint32_t cell, uint64_t *rng, uint8_t *out)
{
    uint32_t gw = w / cell + 2, gh = h / cell + 2;
    uint8_t *g = malloc((size_t)gw * gh);
    if (!g)
        return -1;
    for (size_t k = 0; k < (size_t)gw * gh; k++)
        g[k] = (uint8_t)(bp_next(rng) >> 56);
    for (uint32_t y = 0; y < h; y++) {
        uint32_t cy = y / cell;
        int32_t ty = bp_smooth((int32_t)((y % cell) * 256 / cell));
        for (uint32_t x = 0; x < w; x++) {
            uint32_t cx = x / cell;
            int32_t tx = bp_smooth((int32_t)((x % cell) * 256 / cell));
            int64_t a = g[(size_t)cy * gw + cx], b = g[(size_t)cy * gw + cx + 1];
            int64_t c = g[(size_t)(cy + 1) * gw + cx], d = g[(size_t)(cy + 1) * gw + cx + 1];
            int64_t top = a * (256 - tx) + b * tx, bot = c * (256 - tx) + d * tx;
            out[(size_t)y * w + x] = bp_clamp((top * (256 - ty) + bot * ty + 32768) >> 16);
        }
    }
    free(g);
    return 0;
}

/* --- foreground and windows ----------------------------------------------------------------------
 */

void bp_foreground_box(const zkbio_image *img, uint32_t *x0, uint32_t *y0, uint32_t *x1,
                       uint32_t *y1)
{
    const uint32_t b = 16;
    uint32_t bx0 = UINT32_MAX, by0 = UINT32_MAX, bx1 = 0, by1 = 0;
    for (uint32_t y = 0; y + b <= img->height; y += b)
        for (uint32_t x = 0; x + b <= img->width; x += b) {
            uint64_t s = 0, s2 = 0;
            for (uint32_t j = 0; j < b; j++)
                for (uint32_t i = 0; i < b; i++) {
                    uint32_t p = img->pixels[(size_t)(y + j) * img->stride + x + i];
                    s += p;
                    s2 += (uint64_t)p * p;
                }
            uint64_t n = (uint64_t)b * b;
            uint64_t var = (s2 * n - s * s) / (n * n);
            /* ridges: a spread of at least 15 grey levels, not a near-white block */
            if (var >= 225 && s < 240 * n) {
                bx0 = x < bx0 ? x : bx0;
                by0 = y < by0 ? y : by0;
                bx1 = x + b > bx1 ? x + b : bx1;
                by1 = y + b > by1 ? y + b : by1;
            }
        }
    if (bx0 == UINT32_MAX) {
        bx0 = by0 = 0;
        bx1 = img->width;
        by1 = img->height;
    }
    *x0 = bx0;
    *y0 = by0;
    *x1 = bx1;
    *y1 = by1;
}

void bp_partial_window(uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1, int share, uint64_t seed,
                       uint32_t *wx0, uint32_t *wy0, uint32_t *wx1, uint32_t *wy1)
{
    uint64_t rng = seed;
    uint32_t bw = x1 - x0, bh = y1 - y0;
    uint32_t ww = (uint32_t)bp_isqrt((uint64_t)bw * bw * (uint64_t)share / 100);
    uint32_t wh = (uint32_t)bp_isqrt((uint64_t)bh * bh * (uint64_t)share / 100);
    ww = ww ? ww : 1;
    wh = wh ? wh : 1;
    *wx0 = x0 + (uint32_t)bp_range(&rng, 0, bw - ww);
    *wy0 = y0 + (uint32_t)bp_range(&rng, 0, bh - wh);
    *wx1 = *wx0 + ww;
    *wy1 = *wy0 + wh;
}

/* --- elastic distortion --------------------------------------------------------------------------
 */

/* Modelled on R. Cappelli, D. Maio, D. Maltoni, "Modelling plastic distortion in fingerprint
 * images", ICAPR 2001: an inner contact region that does not move (inside an ellipse of 0.25 of
 * the foreground box's half-sides around a seeded centre), a transition ring (0.25..1) where a
 * rigid rotation and translation of the outer region fades in smoothly, and the outer region
 * displaced by it; plus a smooth random field (a 4 x 4 grid of random vectors, interpolated)
 * faded in the same way. The whole field is scaled so that its largest displacement is level px. */
int bp_elastic_field(uint32_t width, uint32_t height, uint32_t x0, uint32_t y0, uint32_t x1,
                     uint32_t y1, int level, uint64_t seed, int32_t *dx, int32_t *dy)
{
    if (!dx || !dy || width == 0 || height == 0 || x1 <= x0 || y1 <= y0 || level < 1)
        return -1;
    uint64_t rng = seed;
    int64_t bw = x1 - x0, bh = y1 - y0;
    int64_t rx = bw * 128 > 256 ? bw * 128 : 256, ry = bh * 128 > 256 ? bh * 128 : 256; /* Q8 */
    int64_t cx = (int64_t)x0 * 256 + bw * 128 + bp_range(&rng, -bw * 26, bw * 26);
    int64_t cy = (int64_t)y0 * 256 + bh * 128 + bp_range(&rng, -bh * 26, bh * 26);
    /* rigid part: a rotation whose arc at the box's half-diagonal is up to 0.6 level, and a
     * translation up to 0.7 level */
    int64_t half_diag = (int64_t)bp_isqrt((uint64_t)(bw * bw + bh * bh)) / 2 + 1;
    int64_t max_mdeg = (int64_t)level * 57296 * 6 / 10 / half_diag;
    int32_t sn, cs;
    bp_sincos((int32_t)bp_range(&rng, -max_mdeg, max_mdeg), &sn, &cs);
    int32_t tdir_s, tdir_c;
    bp_sincos((int32_t)bp_range(&rng, -180000, 180000), &tdir_s, &tdir_c);
    int64_t tlen = bp_range(&rng, (int64_t)level * 256 * 3 / 10, (int64_t)level * 256 * 7 / 10);
    int64_t tx = bp_round_shift(tlen * tdir_c, 16), ty = bp_round_shift(tlen * tdir_s, 16);
    /* random low-frequency part: 4 x 4 vectors up to 0.4 level each */
    int64_t gx[16], gy[16];
    for (int k = 0; k < 16; k++) {
        gx[k] = bp_range(&rng, -(int64_t)level * 102, (int64_t)level * 102);
        gy[k] = bp_range(&rng, -(int64_t)level * 102, (int64_t)level * 102);
    }
    int64_t maxmag2 = 0;
    for (uint32_t y = 0; y < height; y++) {
        int64_t vy = (int64_t)y * 256 + 128 - cy;
        /* grid coordinate in Q8: 0..3 across the image */
        int64_t gyq = (int64_t)y * 3 * 256 / (height > 1 ? height - 1 : 1);
        int gj = (int)(gyq / 256) < 2 ? (int)(gyq / 256) : 2;
        int32_t wy = bp_smooth((int32_t)(gyq - gj * 256));
        for (uint32_t x = 0; x < width; x++) {
            int64_t vx = (int64_t)x * 256 + 128 - cx;
            uint64_t d2 = (uint64_t)((vx * vx * 65536) / (rx * rx) + (vy * vy * 65536) / (ry * ry));
            int32_t d = (int32_t)bp_isqrt(d2); /* Q8 elliptic distance, 256 = box edge */
            int32_t t = bp_smooth((d - 64) * 256 / 192);
            int64_t ex = bp_round_shift(vx * (cs - 65536) - vy * sn, 16) + tx;
            int64_t ey = bp_round_shift(vx * sn + vy * (cs - 65536), 16) + ty;
            int64_t gxq = (int64_t)x * 3 * 256 / (width > 1 ? width - 1 : 1);
            int gi = (int)(gxq / 256) < 2 ? (int)(gxq / 256) : 2;
            int32_t wx = bp_smooth((int32_t)(gxq - gi * 256));
            int k = gj * 4 + gi;
            int64_t rxv = (gx[k] * (256 - wx) + gx[k + 1] * wx) * (256 - wy) +
                          (gx[k + 4] * (256 - wx) + gx[k + 5] * wx) * wy;
            int64_t ryv = (gy[k] * (256 - wx) + gy[k + 1] * wx) * (256 - wy) +
                          (gy[k + 4] * (256 - wx) + gy[k + 5] * wx) * wy;
            ex += bp_round_shift(rxv, 16);
            ey += bp_round_shift(ryv, 16);
            int64_t fx = bp_round_shift(ex * t, 8), fy = bp_round_shift(ey * t, 8);
            size_t o = (size_t)y * width + x;
            dx[o] = (int32_t)fx;
            dy[o] = (int32_t)fy;
            if (fx * fx + fy * fy > maxmag2)
                maxmag2 = fx * fx + fy * fy;
        }
    }
    int64_t maxmag = (int64_t)bp_isqrt((uint64_t)maxmag2) + 1; /* above the true magnitude */
    if (maxmag == 0)
        return 0;
    int64_t target = (int64_t)level * 256;
    for (size_t o = 0; o < (size_t)width * height; o++) {
        /* truncation towards zero: never beyond the level */
        dx[o] = (int32_t)((int64_t)dx[o] * target / maxmag);
        dy[o] = (int32_t)((int64_t)dy[o] * target / maxmag);
    }
    return 0;
}

static int bp_elastic(const zkbio_image *in, int level, uint64_t seed, zkbio_image *out)
{
    uint32_t w = in->width, h = in->height, x0, y0, x1, y1;
    bp_foreground_box(in, &x0, &y0, &x1, &y1);
    int32_t *dx = malloc((size_t)w * h * sizeof(*dx)), *dy = malloc((size_t)w * h * sizeof(*dy));
    if (!dx || !dy || bp_elastic_field(w, h, x0, y0, x1, y1, level, seed, dx, dy) != 0) {
        free(dx);
        free(dy);
        return -1;
    }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            size_t o = (size_t)y * w + x;
            out->pixels[(size_t)y * out->stride + x] =
                bp_sample(in, (int32_t)x * 256 + dx[o], (int32_t)y * 256 + dy[o]);
        }
    free(dx);
    free(dy);
    return 0;
}

/* --- grey-level perturbations --------------------------------------------------------------------
 */

/* contrast around the local mean (radius 12 px) scaled to level %, then a gamma-like brightening
 * x + g x (255 - x) / 255 with g = (100 - level) / 2 % (washed-out prints are light) */
static int bp_contrast(const zkbio_image *in, int level, zkbio_image *out)
{
    uint32_t w = in->width, h = in->height;
    uint8_t *mean = malloc((size_t)w * h);
    if (!mean || bp_box_mean(in, 12, mean) != 0) {
        free(mean);
        return -1;
    }
    int64_t g = (100 - level) / 2;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            int64_t m = mean[(size_t)y * w + x], p = in->pixels[(size_t)y * in->stride + x];
            int64_t v = m + (p - m) * level / 100;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            v = v + g * v * (255 - v) / (255 * 100);
            out->pixels[(size_t)y * out->stride + x] = bp_clamp(v);
        }
    free(mean);
    return 0;
}

/* dry: ridge pixels (darker than the local mean) lifted to the local mean inside smooth random
 * blobs (a noise field on an 8-px grid above a threshold: about a quarter of the area at level 1,
 * about half at level 2), so ridges break; then the whole print lightened */
static int bp_dry(const zkbio_image *in, int level, uint64_t seed, zkbio_image *out)
{
    uint32_t w = in->width, h = in->height;
    uint64_t rng = seed;
    uint8_t *mean = malloc((size_t)w * h), *blob = malloc((size_t)w * h);
    if (!mean || !blob || bp_box_mean(in, 6, mean) != 0 ||
        bp_smooth_noise(w, h, 8, &rng, blob) != 0) {
        free(mean);
        free(blob);
        return -1;
    }
    int64_t thr = level == 1 ? 150 : 122; /* blob threshold: lower = more blobs */
    int64_t keep = level == 1 ? 80 : 65;  /* % of darkness kept overall */
    for (size_t o = 0; o < (size_t)w * h; o++) {
        uint32_t x = (uint32_t)(o % w), y = (uint32_t)(o / w);
        int64_t p = in->pixels[(size_t)y * in->stride + x], m = mean[o];
        int64_t wgt = (blob[o] - thr) * 8; /* Q8, ramps over 32 noise levels */
        wgt = wgt < 0 ? 0 : wgt > 256 ? 256 : wgt;
        if (p < m)
            p += (m - p) * wgt / 256;
        p = 255 - (255 - p) * keep / 100;
        out->pixels[(size_t)y * out->stride + x] = bp_clamp(p);
    }
    free(mean);
    free(blob);
    return 0;
}

/* wet: grey-level erosion (minimum over 3 x 3: ridges swell and merge), weighted 1/2 (level 1) or
 * 3/4 (level 2) against the original, a 3 x 3 box blur, and darkening to 85 % or 75 % */
static int bp_wet(const zkbio_image *in, int level, zkbio_image *out)
{
    uint32_t w = in->width, h = in->height;
    uint8_t *mn = malloc((size_t)w * h);
    if (!mn)
        return -1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            int v = 255;
            for (int j = -1; j <= 1; j++)
                for (int i = -1; i <= 1; i++) {
                    int64_t xx = (int64_t)x + i, yy = (int64_t)y + j;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    int p = in->pixels[(size_t)yy * in->stride + (size_t)xx];
                    v = p < v ? p : v;
                }
            int p0 = in->pixels[(size_t)y * in->stride + x];
            v = level == 1 ? (v + p0 + 1) / 2 : (3 * v + p0 + 2) / 4;
            mn[(size_t)y * w + x] = (uint8_t)v;
        }
    int64_t keep = level == 1 ? 85 : 75;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            int64_t s = 0, n = 0;
            for (int j = -1; j <= 1; j++)
                for (int i = -1; i <= 1; i++) {
                    int64_t xx = (int64_t)x + i, yy = (int64_t)y + j;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    s += mn[(size_t)yy * w + (size_t)xx];
                    n++;
                }
            out->pixels[(size_t)y * out->stride + x] = bp_clamp((s + n / 2) / n * keep / 100);
        }
    free(mn);
    return 0;
}

static int bp_partial(const zkbio_image *in, int share, uint64_t seed, zkbio_image *out)
{
    uint32_t x0, y0, x1, y1, wx0, wy0, wx1, wy1;
    bp_foreground_box(in, &x0, &y0, &x1, &y1);
    bp_partial_window(x0, y0, x1, y1, share, seed, &wx0, &wy0, &wx1, &wy1);
    for (uint32_t y = 0; y < in->height; y++)
        for (uint32_t x = 0; x < in->width; x++)
            out->pixels[(size_t)y * out->stride + x] = (x >= wx0 && x < wx1 && y >= wy0 && y < wy1)
                                                           ? in->pixels[(size_t)y * in->stride + x]
                                                           : 255;
    return 0;
}

/* additive noise, approximately Gaussian with standard deviation level: the sum of 12 uniform
 * 16-bit values (Irwin-Hall) centred and scaled */
static int bp_noise(const zkbio_image *in, int level, uint64_t seed, zkbio_image *out)
{
    uint64_t rng = seed;
    for (uint32_t y = 0; y < in->height; y++)
        for (uint32_t x = 0; x < in->width; x++) {
            int64_t sum = 0;
            for (int k = 0; k < 3; k++) {
                uint64_t r = bp_next(&rng);
                sum += (int64_t)(r & 0xffff) + (int64_t)((r >> 16) & 0xffff) +
                       (int64_t)((r >> 32) & 0xffff) + (int64_t)(r >> 48);
            }
            int64_t n = bp_round_shift((2 * sum - 12 * 65535) * level, 17);
            out->pixels[(size_t)y * out->stride + x] =
                bp_clamp(in->pixels[(size_t)y * in->stride + x] + n);
        }
    return 0;
}

/* rotation by deg degrees clockwise about the image centre, bilinear, onto a canvas that holds the
 * whole rotated image; uncovered pixels white */
static int bp_rotate(const zkbio_image *in, int deg, zkbio_image **out)
{
    int32_t sn, cs;
    bp_sincos(deg * 1000, &sn, &cs);
    int64_t as = sn < 0 ? -sn : sn, ac = cs < 0 ? -cs : cs;
    int64_t w = in->width, h = in->height;
    int64_t nw = (w * ac + h * as + 65535) >> 16, nh = (w * as + h * ac + 65535) >> 16;
    nw = nw < ZKBIO_IMAGE_DIM_MIN ? ZKBIO_IMAGE_DIM_MIN : nw;
    nh = nh < ZKBIO_IMAGE_DIM_MIN ? ZKBIO_IMAGE_DIM_MIN : nh;
    zkbio_image *o = NULL;
    int rc = zkbio_image_new((uint32_t)nw, (uint32_t)nh, in->dpi, &o);
    if (rc != ZKBIO_OK)
        return rc;
    for (int64_t v = 0; v < nh; v++) {
        int64_t uy = (2 * v + 1 - nh) * 128; /* Q8, relative to the centre */
        for (int64_t u = 0; u < nw; u++) {
            int64_t ux = (2 * u + 1 - nw) * 128;
            /* inverse of the clockwise rotation (y down) */
            int64_t sx = bp_round_shift(ux * cs + uy * sn, 16) + w * 128 - 128;
            int64_t sy = bp_round_shift(-ux * sn + uy * cs, 16) + h * 128 - 128;
            o->pixels[(size_t)v * o->stride + (size_t)u] = bp_sample(in, (int32_t)sx, (int32_t)sy);
        }
    }
    *out = o;
    return ZKBIO_OK;
}

int bp_apply(const zkbio_image *in, const bp_spec *spec, uint64_t seed, zkbio_image **out)
{
    if (!in || !spec || !out || !in->pixels || (unsigned)spec->kind >= BP_KIND_COUNT ||
        spec->level < bp_lo[spec->kind] || spec->level > bp_hi[spec->kind])
        return ZKBIO_EINVAL;
    if (spec->kind == BP_ROTATE)
        return bp_rotate(in, spec->level, out);
    zkbio_image *o = NULL;
    int rc = zkbio_image_new(in->width, in->height, in->dpi, &o);
    if (rc != ZKBIO_OK)
        return rc;
    int r = -1;
    switch (spec->kind) {
    case BP_ELASTIC:
        r = bp_elastic(in, spec->level, seed, o);
        break;
    case BP_CONTRAST:
        r = bp_contrast(in, spec->level, o);
        break;
    case BP_DRY:
        r = bp_dry(in, spec->level, seed, o);
        break;
    case BP_WET:
        r = bp_wet(in, spec->level, o);
        break;
    case BP_PARTIAL:
        r = bp_partial(in, spec->level, seed, o);
        break;
    case BP_NOISE:
        r = bp_noise(in, spec->level, seed, o);
        break;
    default:
        break;
    }
    if (r != 0) {
        zkbio_image_free(o);
        return ZKBIO_ENOMEM;
    }
    *out = o;
    return ZKBIO_OK;
}

int bp_write_pgm(const zkbio_image *img, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fprintf(f, "P5\n%u %u\n255\n", (unsigned)img->width, (unsigned)img->height);
    for (uint32_t y = 0; y < img->height; y++)
        if (fwrite(img->pixels + (size_t)y * img->stride, 1, img->width, f) != img->width) {
            fclose(f);
            errno = EIO;
            return -1;
        }
    return fclose(f) == 0 ? 0 : -1;
}
