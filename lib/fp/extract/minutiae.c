/* SPDX-License-Identifier: Apache-2.0 */
/* Minutiae on the skeleton: endings (crossing number 1) and bifurcations (crossing number 3),
 * then the usual false-minutia filters: too close to the border of the fingerprint, spurs (an
 * ending whose ridge meets a fork within a short distance), short fragments (two endings joined
 * by a short ridge), broken ridges (two endings facing each other across a small gap), and dense
 * clusters. Directions come from tracing the ridge and are snapped to the orientation field when
 * the two agree. Quality: the orientation coherence of the block, rated down near the border, for
 * bridges (two forks joined by a very short ridge) and when the minutia's ridge ends or forks again
 * within a short distance. */
#include <stdlib.h>
#include <string.h>

#include "fp/extract/zki_extract.h"
#include "fp/zki_fixmath.h"
#include "zkbio/error.h"
#include "zkbio/template.h"

/* Neighbours in circular order: N, NE, E, SE, S, SW, W, NW (y down). */
static const int nb_dx[8] = {0, 1, 1, 1, 0, -1, -1, -1};
static const int nb_dy[8] = {-1, -1, 0, 1, 1, 1, 0, -1};

/* Lengths and radii in pixels at 500 dpi. */
/* minutiae this close to the background are dropped */
#define BORDER ZKI_TUNE(BORDER, 10)
/* ridge length traced for a direction */
#define DIR_LEN ZKI_TUNE(DIR_LEN, 12)
/* an ending meeting a fork within this length is a spur */
#define SPUR_LEN ZKI_TUNE(SPUR_LEN, 6)
/* two endings joined within this length are a fragment */
#define FRAG_LEN ZKI_TUNE(FRAG_LEN, 10)
/* two forks joined within this length are a bridge */
#define BRIDGE_LEN ZKI_TUNE(BRIDGE_LEN, 4)
/* facing endings closer than this are a broken ridge; 0 turns the filter off (the default: on
 * the FVC sets it removed more true endings than it repaired breaks, EER 5.4 % -> 4.6 %) */
#define GAP_MAX ZKI_TUNE(GAP_MAX, 0)
/* a minutia with 2 or more others within this radius is noise */
#define CLUSTER_R ZKI_TUNE(CLUSTER_R, 10)
#define SNAP_MAX  7282 /* 40 degrees: traced direction vs orientation field */

/* Quality factors, percent. */
/* forks of a bridge are kept but rated down: removing them lost more true forks than false ones
 * (eval.sh AVG EER 3.41 -> 3.13 %) */
#define Q_BRIDGE ZKI_TUNE(Q_BRIDGE, 50)
/* a minutia whose ridge (for a fork: any of its three) ends or forks again within CONT_LEN */
#define CONT_LEN ZKI_TUNE(CONT_LEN, 20)
#define Q_BROKEN ZKI_TUNE(Q_BROKEN, 60)

enum { STOP_LEN = 0, STOP_END = 1, STOP_JUNCTION = 2 };

static int px(const zki_xws *ws, int x, int y)
{
    return x >= 0 && y >= 0 && x < ws->w && y < ws->h && ws->ridge[(size_t)y * ws->w + x];
}

static unsigned nbmask(const zki_xws *ws, int x, int y)
{
    unsigned m = 0;
    for (int k = 0; k < 8; k++)
        m |= (unsigned)px(ws, x + nb_dx[k], y + nb_dy[k]) << k;
    return m;
}

static int crossing(unsigned m)
{
    int n = 0;
    for (int k = 0; k < 8; k++)
        n += !(m >> k & 1) && (m >> ((k + 1) & 7) & 1);
    return n;
}

/* Start directions (neighbour indices) of the branches leaving a pixel: one per run of set
 * neighbours, preferring a 4-neighbour within the run. Returns the branch count (<= 4). */
static int branches(unsigned m, int out[4])
{
    int n = 0;
    if (m == 0xff || m == 0)
        return 0;
    int k0 = 0; /* start just after a clear neighbour */
    while (m >> k0 & 1)
        k0++;
    for (int i = 1; i <= 8 && n < 4; i++) {
        int k = (k0 + i) & 7;
        if ((m >> k & 1) && !(m >> ((k + 7) & 7) & 1)) { /* run starts at k */
            int best = k;
            for (int j = k; m >> (j & 7) & 1; j++) {
                if (((j & 7) & 1) == 0) {
                    best = j & 7;
                    break;
                }
                if (j - k > 8)
                    break;
            }
            out[n++] = best;
        }
    }
    return n;
}

typedef struct trace_result {
    int x, y, len, stop;
} trace_result;

/* Follow the skeleton from (x0, y0) through neighbour `k0` for at most maxlen steps. */
static trace_result trace(const zki_xws *ws, int x0, int y0, int k0, int maxlen)
{
    int fx[8], fy[8], nf = 0; /* forbidden: the start's other neighbours */
    for (int k = 0; k < 8; k++)
        if (k != k0 && px(ws, x0 + nb_dx[k], y0 + nb_dy[k])) {
            fx[nf] = x0 + nb_dx[k];
            fy[nf++] = y0 + nb_dy[k];
        }
    int px_ = x0, py_ = y0, ppx = x0, ppy = y0;
    int cx = x0 + nb_dx[k0], cy = y0 + nb_dy[k0];
    trace_result r = {cx, cy, 1, STOP_LEN};
    static const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
    while (r.len < maxlen) {
        unsigned m = nbmask(ws, cx, cy);
        int cn = crossing(m);
        if (cn >= 3) {
            r.stop = STOP_JUNCTION;
            break;
        }
        if (cn <= 1 && r.len > 1) {
            r.stop = STOP_END;
            break;
        }
        int next = -1;
        for (int i = 0; i < 8 && next < 0; i++) {
            int k = order[i];
            if (!(m >> k & 1))
                continue;
            int nx = cx + nb_dx[k], ny = cy + nb_dy[k];
            if ((nx == px_ && ny == py_) || (nx == ppx && ny == ppy) || (nx == x0 && ny == y0))
                continue;
            int bad = 0;
            for (int f = 0; f < nf; f++)
                bad |= nx == fx[f] && ny == fy[f];
            if (abs(nx - px_) <= 1 && abs(ny - py_) <= 1)
                bad = 1; /* a corner shortcut back towards where we came from */
            if (!bad)
                next = k;
        }
        if (next < 0) {
            r.stop = STOP_END;
            break;
        }
        ppx = px_;
        ppy = py_;
        px_ = cx;
        py_ = cy;
        cx += nb_dx[next];
        cy += nb_dy[next];
        r.len++;
        r.x = cx;
        r.y = cy;
    }
    r.x = cx;
    r.y = cy;
    return r;
}

static int in_fg(const zki_xws *ws, int x, int y)
{
    return x >= 0 && y >= 0 && x < ws->w && y < ws->h &&
           ws->fg[(size_t)(y / ZKI_BLK) * ws->bw + x / ZKI_BLK];
}

static uint16_t angle_of(int dx, int dy_down)
{
    return zki_atan2(-dy_down, dx);
}

/* The minutia nearest to (x, y) within 2 pixels, of the given type, or -1. */
static long find_near(const zki_xws *ws, int x, int y, int type, size_t self)
{
    for (size_t i = 0; i < ws->nmin; i++) {
        const zki_xmin *m = &ws->min[i];
        if (i != self && m->type == type && abs(m->x - x) <= 2 && abs(m->y - y) <= 2)
            return (long)i;
    }
    return -1;
}

static int push(zki_xws *ws, int x, int y, int type)
{
    if (ws->nmin == ws->capmin) {
        size_t cap = ws->capmin ? ws->capmin * 2 : 256;
        zki_xmin *n = realloc(ws->min, cap * sizeof(*n));
        if (!n)
            return ZKBIO_ENOMEM;
        ws->min = n;
        ws->capmin = cap;
    }
    zki_xmin *m = &ws->min[ws->nmin++];
    memset(m, 0, sizeof(*m));
    m->x = x;
    m->y = y;
    m->type = (uint8_t)type;
    return ZKBIO_OK;
}

static void direction(zki_xws *ws, zki_xmin *m)
{
    unsigned mask = nbmask(ws, m->x, m->y);
    int br[4];
    int n = branches(mask, br);
    uint16_t traced;
    if (m->type == ZKBIO_MINUTIA_ENDING || n < 3) {
        trace_result r = trace(ws, m->x, m->y, br[0], DIR_LEN);
        traced = angle_of(m->x - r.x, m->y - r.y); /* from the ridge towards the free end */
    } else {
        uint16_t a[3];
        for (int i = 0; i < 3; i++) {
            trace_result r = trace(ws, m->x, m->y, br[i], DIR_LEN);
            a[i] = angle_of(r.x - m->x, r.y - m->y);
        }
        /* the stem is the branch farthest from the other two */
        int stem = 0, best = -1;
        for (int i = 0; i < 3; i++) {
            int d1 = zki_angle_diff16(a[i], a[(i + 1) % 3]),
                d2 = zki_angle_diff16(a[i], a[(i + 2) % 3]);
            int d = d1 < d2 ? d1 : d2;
            if (d > best) {
                best = d;
                stem = i;
            }
        }
        traced = a[stem]; /* valley ending direction: from the fork along the stem */
    }
    uint16_t o = (uint16_t)(ws->ori[(size_t)(m->y / ZKI_BLK) * ws->bw + m->x / ZKI_BLK]);
    uint16_t o2 = (uint16_t)(o + 32768);
    uint16_t snap = zki_angle_diff16(o, traced) < zki_angle_diff16(o2, traced) ? o : o2;
    m->angle = zki_angle_diff16(snap, traced) <= SNAP_MAX ? snap : traced;
    /* ridge continuity: a ridge that ends or forks again within CONT_LEN is often broken by noise;
     * the factor (percent) waits in m->quality for the final rating */
    int broken = 0;
    for (int i = 0; i < (m->type == ZKBIO_MINUTIA_ENDING ? 1 : 3) && i < n; i++)
        broken |= trace(ws, m->x, m->y, br[i], CONT_LEN).stop != STOP_LEN;
    m->quality = broken ? Q_BROKEN : 100;
}

int zki_minutiae(zki_xws *ws)
{
    const int w = ws->w, h = ws->h;
    ws->nmin = 0;
    /* detection */
    for (int y = 1; y < h - 1; y++) {
        for (int x = 1; x < w - 1; x++) {
            if (!ws->ridge[(size_t)y * w + x])
                continue;
            int cn = crossing(nbmask(ws, x, y));
            int type = cn == 1 ? ZKBIO_MINUTIA_ENDING : cn == 3 ? ZKBIO_MINUTIA_BIFURCATION : 0;
            if (!type)
                continue;
            int ok = 1;
            for (int dy = -BORDER; dy <= BORDER && ok; dy += BORDER)
                for (int dx = -BORDER; dx <= BORDER && ok; dx += BORDER)
                    ok = in_fg(ws, x + dx, y + dy);
            if (!ok)
                continue;
            if (type == ZKBIO_MINUTIA_BIFURCATION && find_near(ws, x, y, type, (size_t)-1) >= 0)
                continue; /* the same fork seen from an adjacent pixel */
            int rc = push(ws, x, y, type);
            if (rc)
                return rc;
        }
    }
    /* structural filters on the skeleton: spurs and fragments are removed, bridges rated down */
    uint8_t *flag = calloc(ws->nmin ? ws->nmin : 1, 1);
    if (!flag)
        return ZKBIO_ENOMEM;
    enum { F_SPUR = 1, F_FRAG = 2, F_BRIDGE = 4, F_CLUSTER = 8 };
    for (size_t i = 0; i < ws->nmin; i++) {
        zki_xmin *m = &ws->min[i];
        int br[4];
        int n = branches(nbmask(ws, m->x, m->y), br);
        if (m->type == ZKBIO_MINUTIA_ENDING && n >= 1) {
            trace_result r = trace(ws, m->x, m->y, br[0], FRAG_LEN);
            if (r.stop == STOP_JUNCTION && r.len <= SPUR_LEN) {
                flag[i] |= F_SPUR;
                long j = find_near(ws, r.x, r.y, ZKBIO_MINUTIA_BIFURCATION, i);
                if (j >= 0)
                    flag[j] |= F_SPUR;
            } else if (r.stop == STOP_END) {
                flag[i] |= F_FRAG;
                long j = find_near(ws, r.x, r.y, ZKBIO_MINUTIA_ENDING, i);
                if (j >= 0)
                    flag[j] |= F_FRAG;
            }
        } else if (m->type == ZKBIO_MINUTIA_BIFURCATION) {
            for (int b = 0; b < n; b++) {
                trace_result r = trace(ws, m->x, m->y, br[b], BRIDGE_LEN);
                if (r.stop == STOP_JUNCTION) {
                    flag[i] |= F_BRIDGE;
                    long j = find_near(ws, r.x, r.y, ZKBIO_MINUTIA_BIFURCATION, i);
                    if (j >= 0)
                        flag[j] |= F_BRIDGE;
                }
            }
        }
    }
    for (size_t i = 0; i < ws->nmin; i++)
        if (flag[i] & (F_SPUR | F_FRAG))
            ws->min[i].dead = 1;
    /* directions of the survivors */
    for (size_t i = 0; i < ws->nmin; i++)
        if (!ws->min[i].dead)
            direction(ws, &ws->min[i]);
    /* broken ridges: endings facing each other across a small gap */
    for (size_t i = 0; GAP_MAX > 0 && i < ws->nmin; i++) {
        zki_xmin *a = &ws->min[i];
        if (a->dead || a->type != ZKBIO_MINUTIA_ENDING)
            continue;
        for (size_t j = i + 1; j < ws->nmin; j++) {
            zki_xmin *b = &ws->min[j];
            if (b->dead || b->type != ZKBIO_MINUTIA_ENDING)
                continue;
            int dx = b->x - a->x, dy = b->y - a->y;
            if (dx * dx + dy * dy > GAP_MAX * GAP_MAX)
                continue;
            if (zki_angle_diff16(a->angle, b->angle) <
                24576) /* not within 45 degrees of opposite */
                continue;
            if (zki_angle_diff16(angle_of(dx, dy), a->angle) > 8192)
                continue;
            a->dead = b->dead = 2;
        }
    }
    /* dense clusters */
    for (size_t i = 0; i < ws->nmin; i++) {
        if (ws->min[i].dead)
            continue;
        int close = 0;
        for (size_t j = 0; j < ws->nmin; j++) {
            if (j == i || ws->min[j].dead)
                continue;
            int dx = ws->min[j].x - ws->min[i].x, dy = ws->min[j].y - ws->min[i].y;
            close += dx * dx + dy * dy <= CLUSTER_R * CLUSTER_R;
        }
        if (close >= 2)
            flag[i] |= F_CLUSTER;
    }
    size_t out = 0;
    for (size_t i = 0; i < ws->nmin; i++) {
        if (ws->min[i].dead || (flag[i] & F_CLUSTER))
            continue;
        zki_xmin m = ws->min[i];
        unsigned coh = ws->coh[(size_t)(m.y / ZKI_BLK) * ws->bw + m.x / ZKI_BLK];
        if ((int)coh < ZKI_TUNE(MIN_COH, 0))
            continue;
        int q = (int)(coh * 100 / 255);
        int inner = 1;
        for (int dy = -2 * BORDER; dy <= 2 * BORDER && inner; dy += 2 * BORDER)
            for (int dx = -2 * BORDER; dx <= 2 * BORDER && inner; dx += 2 * BORDER)
                inner = in_fg(ws, m.x + dx, m.y + dy);
        if (!inner)
            q = q * 3 / 4;
        q = q * m.quality / 100; /* ridge continuity */
        if (flag[i] & F_BRIDGE)
            q = q * Q_BRIDGE / 100;
        m.quality = (uint8_t)(q < 1 ? 1 : q);
        ws->min[out++] = m;
    }
    ws->nmin = out;
    free(flag);
    return ZKBIO_OK;
}
