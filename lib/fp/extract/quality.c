/* SPDX-License-Identifier: Apache-2.0 */
/* The capture quality check (quality.h): signals of the usual capture defects, measured on the
 * first extraction pass's workspace (uncropped image, 8 x 8 px blocks), and a quality score.
 *
 * Signals, each from what extraction already computed, integer arithmetic only:
 * - grey levels: each foreground block is split at its own mean into ridge (darker) and valley
 *   (lighter) pixels; R and V are the print's mean ridge and valley grey, B the mean grey of the
 *   background blocks (the sensor's "no finger" level). Contrast = V - R, the ridge-valley
 *   separation of NFIQ 2.0's local clarity and mean/variance features (NIST IR 8382, 2021;
 *   Alonso-Fernandez et al. 2007 review it as the most used family). Wetness = (B - V) / (B - R):
 *   how dark the valleys are next to the ridges (a wet finger fills them: Chen, Dass & Jain 2005
 *   name dry, wet and smudged prints as the causes of low local clarity).
 * - dryness: ridge lightness, 100 - (B - R) / B: a dry finger leaves light, broken ridges on a
 *   still white background (its valleys stay clear, so wetness stays low). Counting ridge endings
 *   of the thinned ridges was tried first: the oriented filter bridges the breaks, so it hardly
 *   moved on dry copies, and it was high on every wet FVC2002 DB3 print.
 * - area: foreground pixels (the engine's typical contact, 12 x 15 mm, is 69,620 px at 500 dpi).
 * - position: the foreground centroid's offset from the frame centre and the share of the
 *   foreground's outline lying on the frame edge (a print cut by the frame).
 * - smear: a smear along a direction d wipes out the ridges that cross d and keeps those along
 *   it, so ridge clarity depends on ridge direction (see smear() below).
 * The quality is extraction's own (zkbio_extract_info.quality: orientation certainty, NFIQ 2.0's
 * OCL and Chen, Dass & Jain 2005's global index, times area and minutiae count): on the FVC sets
 * none of the signals predicted matching errors better. Limits and measurements:
 * docs/fingerprint-engine.md, "Capture quality check". */
#include <string.h>

#include "fp/extract/zki_quality.h"
#include "fp/zki_fixmath.h"

/* Limits (the same for every sensor); each can be overridden at compile time. */
#ifndef ZKQ_SMALL_AREA
#define ZKQ_SMALL_AREA 30000 /* px at 500 dpi (about 8.8 x 8.8 mm) */
#endif
#ifndef ZKQ_OFFCENTRE_PCT
#define ZKQ_OFFCENTRE_PCT 22 /* centroid offset, % of the frame's width or height */
#endif
#ifndef ZKQ_EDGE_CUT_PCT
#define ZKQ_EDGE_CUT_PCT 45 /* % of the outline on the frame edge */
#endif
#ifndef ZKQ_DRY_MAX
#define ZKQ_DRY_MAX 74 /* dryness signal */
#endif
#ifndef ZKQ_WET_MAX
#define ZKQ_WET_MAX 45 /* wetness signal */
#endif
#ifndef ZKQ_CONTRAST_MIN
#define ZKQ_CONTRAST_MIN 10 /* contrast signal */
#endif
#ifndef ZKQ_SMEAR_MAX
#define ZKQ_SMEAR_MAX 79 /* smear signal */
#endif

const char *zkbio_retake_name(int retake)
{
    static const char *const names[] = {"none",       "too_dry", "too_wet",      "too_small",
                                        "off_centre", "moved",   "low_contrast", "no_finger"};
    return retake >= 0 && retake < (int)(sizeof(names) / sizeof(names[0])) ? names[retake]
                                                                           : "unknown";
}

const char *zkbio_retake_message(int retake)
{
    static const char *const msgs[] = {
        "The capture is fine.",
        "The finger is too dry: breathe on it, then press a little harder.",
        "The finger is too wet: wipe it dry, then press a little lighter.",
        "Too little of the finger touched the sensor: lay the finger flat, covering the sensor.",
        "The finger is off-centre: place its centre in the middle of the sensor.",
        "The finger moved during the capture: hold it still until the capture ends.",
        "The ridges are faint: clean the sensor and the finger, then press firmly.",
        "No finger was seen: place a finger on the sensor.",
    };
    return retake >= 0 && retake < (int)(sizeof(msgs) / sizeof(msgs[0]))
               ? msgs[retake]
               : "Place the finger again.";
}

static uint8_t clamp100(int64_t v)
{
    return (uint8_t)(v < 0 ? 0 : v > 100 ? 100 : v);
}

typedef struct qgrey {
    uint32_t r, v, bg; /* mean ridge, valley and background grey, 0..255 */
    int have;          /* foreground pixels were seen */
} qgrey;

/* Grey levels: foreground blocks split at their own mean; background from the other blocks (255,
 * white, when the print fills the frame). */
static qgrey grey_levels(const zki_xws *ws)
{
    uint64_t sr = 0, nr = 0, sv = 0, nv = 0, sb = 0, nbg = 0;
    for (int by = 0; by < ws->bh; by++)
        for (int bx = 0; bx < ws->bw; bx++) {
            const int x0 = bx * ZKI_BLK, y0 = by * ZKI_BLK;
            const int x1 = x0 + ZKI_BLK < ws->w ? x0 + ZKI_BLK : ws->w;
            const int y1 = y0 + ZKI_BLK < ws->h ? y0 + ZKI_BLK : ws->h;
            uint32_t s = 0, n = 0;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++) {
                    s += ws->px[(size_t)y * ws->w + x];
                    n++;
                }
            if (!ws->fg[(size_t)by * ws->bw + bx]) {
                sb += s;
                nbg += n;
                continue;
            }
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++) {
                    uint32_t p = ws->px[(size_t)y * ws->w + x];
                    if (p * n < s) {
                        sr += p;
                        nr++;
                    } else {
                        sv += p;
                        nv++;
                    }
                }
        }
    qgrey g = {0, 0, 255, nr && nv};
    if (g.have) {
        g.r = (uint32_t)(sr / nr);
        g.v = (uint32_t)(sv / nv);
    }
    /* too little background to trust (the print fills the frame): assume a white sensor */
    if (nbg * 20 >= (uint64_t)ws->w * ws->h)
        g.bg = (uint32_t)(sb / nbg);
    if (g.bg < g.v)
        g.bg = g.v;
    return g;
}

/* Foreground centroid offset and the share of its outline on the frame edge. */
static void position(const zki_xws *ws, zkbio_capture_report *rep)
{
    uint64_t sx = 0, sy = 0, n = 0, outline = 0, cut = 0;
    for (int by = 0; by < ws->bh; by++)
        for (int bx = 0; bx < ws->bw; bx++) {
            if (!ws->fg[(size_t)by * ws->bw + bx])
                continue;
            sx += (uint64_t)bx * ZKI_BLK + ZKI_BLK / 2;
            sy += (uint64_t)by * ZKI_BLK + ZKI_BLK / 2;
            n++;
            static const int d[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
            for (int k = 0; k < 4; k++) {
                int nx = bx + d[k][0], ny = by + d[k][1];
                if (nx < 0 || ny < 0 || nx >= ws->bw || ny >= ws->bh) {
                    outline++;
                    cut++;
                } else if (!ws->fg[(size_t)ny * ws->bw + nx]) {
                    outline++;
                }
            }
        }
    if (!n)
        return;
    rep->offset_x = (int16_t)((int64_t)(sx / n) - ws->w / 2);
    rep->offset_y = (int16_t)((int64_t)(sy / n) - ws->h / 2);
    rep->edge_cut = clamp100(outline ? (int64_t)(cut * 100 / outline) : 0);
}

/* Smear, 0..100. A smear along a direction d wipes out the ridges that cross d and keeps those
 * that run along it, so the print's ridge clarity depends on the ridge direction, which in a
 * still capture it does not (pressure and moisture vary over the print, not with the
 * direction). The foreground blocks are binned by ridge orientation (6 bins of 30 degrees; bins
 * with at least 1/64 of the blocks); per bin the mean coherence and the mean gradient energy;
 * smear = 100 - 100 x (weakest / strongest bin coherence) x (weakest / strongest bin energy). */
#define SMEAR_BINS 6
static uint8_t smear(const zki_xws *ws)
{
    uint64_t e[SMEAR_BINS] = {0}, k[SMEAR_BINS] = {0}, c[SMEAR_BINS] = {0}, n = 0;
    for (size_t i = 0; i < (size_t)ws->bw * ws->bh; i++) {
        if (!ws->fg[i])
            continue;
        unsigned b = (unsigned)ws->ori[i] * SMEAR_BINS / 32768u;
        e[b] += ws->energy[i];
        k[b] += ws->coh[i];
        c[b]++;
        n++;
    }
    uint64_t elo = UINT64_MAX, ehi = 0, klo = UINT64_MAX, khi = 0; /* bin means x 1024 */
    for (int b = 0; b < SMEAR_BINS; b++) {
        if (!c[b] || c[b] * 64 < n)
            continue;
        uint64_t me = e[b] * 1024 / c[b], mk = k[b] * 1024 / c[b];
        elo = me < elo ? me : elo;
        ehi = me > ehi ? me : ehi;
        klo = mk < klo ? mk : klo;
        khi = mk > khi ? mk : khi;
    }
    if (!ehi || !khi || elo == UINT64_MAX)
        return 0;
    return clamp100(100 - (int64_t)(elo * 100 / ehi * klo / khi));
}

void zki_quality_assess(const zki_xws *ws, const zkbio_extract_info *info,
                        zkbio_capture_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    rep->size = sizeof(*rep);
    rep->foreground = info->foreground;
    if (info->reason == ZKBIO_UNUSABLE_BLANK || !ws->fg) {
        rep->retake = ZKBIO_RETAKE_NO_FINGER;
        rep->reasons = 1u << ZKBIO_RETAKE_NO_FINGER;
        return;
    }
    const qgrey g = grey_levels(ws);
    position(ws, rep);
    rep->smear = smear(ws);
    if (g.have) {
        rep->contrast = clamp100((int64_t)(g.v - g.r) * 100 / 255);
        rep->wetness = clamp100(g.bg > g.r ? (int64_t)(g.bg - g.v) * 100 / (g.bg - g.r) : 100);
    }
    /* light ridges: 100 - how much darker the ridges are than the background, % */
    rep->dryness = clamp100(g.have && g.bg ? 100 - (int64_t)(g.bg - g.r) * 100 / g.bg : 0);

    /* severity of each signal against its limit, in % of the limit */
    int sev[8] = {0};
    sev[ZKBIO_RETAKE_TOO_DRY] = rep->dryness * 100 / ZKQ_DRY_MAX;
    sev[ZKBIO_RETAKE_TOO_WET] = rep->wetness * 100 / ZKQ_WET_MAX;
    sev[ZKBIO_RETAKE_TOO_SMALL] =
        rep->foreground ? (int)((uint64_t)ZKQ_SMALL_AREA * 100 / rep->foreground) : 1000;
    {
        int ox = rep->offset_x < 0 ? -rep->offset_x : rep->offset_x;
        int oy = rep->offset_y < 0 ? -rep->offset_y : rep->offset_y;
        int so = ox * 10000 / (ws->w * ZKQ_OFFCENTRE_PCT);
        int so2 = oy * 10000 / (ws->h * ZKQ_OFFCENTRE_PCT);
        int se = rep->edge_cut * 100 / ZKQ_EDGE_CUT_PCT;
        so = so2 > so ? so2 : so;
        sev[ZKBIO_RETAKE_OFF_CENTRE] = se > so ? se : so;
    }
    sev[ZKBIO_RETAKE_MOVED] = rep->smear * 100 / ZKQ_SMEAR_MAX;
    sev[ZKBIO_RETAKE_LOW_CONTRAST] = rep->contrast ? ZKQ_CONTRAST_MIN * 100 / rep->contrast : 1000;

    /* the quality is extraction's (zkbio_extract_info.quality): what merge and the service's
     * thresholds compare against; none of the signals predicted matching errors better on the
     * FVC sets (docs/fingerprint-engine.md) */
    rep->quality = info->quality;

    int worst = ZKBIO_RETAKE_TOO_DRY;
    for (int r = ZKBIO_RETAKE_TOO_DRY; r <= ZKBIO_RETAKE_LOW_CONTRAST; r++) {
        if (sev[r] > 100)
            rep->reasons |= (uint16_t)(1u << r);
        if (sev[r] > sev[worst])
            worst = r;
    }
    /* a smear also fills the valleys and lightens the ridges: when it is found, it explains them */
    if ((rep->reasons & (1u << ZKBIO_RETAKE_MOVED)) &&
        (worst == ZKBIO_RETAKE_TOO_WET || worst == ZKBIO_RETAKE_TOO_DRY ||
         worst == ZKBIO_RETAKE_LOW_CONTRAST))
        worst = ZKBIO_RETAKE_MOVED;
    rep->worst = (uint8_t)worst;
    if (rep->reasons || info->reason != ZKBIO_USABLE || rep->quality < ZKBIO_CAPTURE_QUALITY_RETAKE)
        rep->retake = (uint8_t)worst;
}

int zkbio_extract_report(const zkbio_image *img, zkbio_template **out, zkbio_extract_info *info,
                         zkbio_capture_report *report)
{
    if (!report)
        return zki_extract_run(img, out, info, NULL);
    if (report->size < 8)
        return ZKBIO_EINVAL;
    zkbio_capture_report full;
    memset(&full, 0, sizeof(full));
    int rc = zki_extract_run(img, out, info, &full);
    if (rc == ZKBIO_OK || rc == ZKBIO_ELOWQUALITY) {
        size_t n = report->size < sizeof(full) ? report->size : sizeof(full);
        uint32_t size = report->size;
        memcpy(report, &full, n);
        report->size = size;
    }
    return rc;
}
