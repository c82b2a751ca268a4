/* SPDX-License-Identifier: Apache-2.0 */
/* Fingerprint matcher: rotation- and translation-invariant local structures (match.h, shared
 * reference fingerprint.md §3.1 and §6). Written for this project from the published outline.
 *
 * Per view of a template (zki_prep):
 *   - minutiae as int16 x, y (image pixels, y down), uint8 angle (256 per turn, counter-clockwise
 *     with y up), uint8 type;
 *   - an edge table: every minutia is joined to its ZKM_K nearest neighbours at least
 *     ZKM_EDGE_MIN px away; an undirected edge {i, j} is kept once (i < j) with its length d and
 *     the direction of the vector i->j relative to the directions of i (a1) and of j (a2). Those
 *     three numbers do not change when the finger is moved or rotated.
 * A probe (zki_probe) adds a direct-indexed hash of its edges, both directions of each, over bins
 * of (d, a1, a2); an edge goes into every bin its tolerance box touches, so each candidate edge
 * reads exactly one bin and checks the exact tolerances against the few entries there.
 *
 * Matching one probe view against one candidate view:
 *   1. every compatible (probe edge, candidate edge) pair is a correspondence that links two
 *      minutia pairs (pi, gi) and (pj, gj); minutia pairs are nodes of a correspondence graph;
 *   2. the ZKM_ROOTS nodes with the most links are root pairs;
 *   3. from each root the pairing grows breadth-first through the graph (most-supported links
 *      first), taking a node only when neither of its minutiae is paired yet, its rotation agrees
 *      with the root's, its distance to the root is alike in both views (within a tolerance
 *      that grows with the distance) and so is its distance to the pair before the one it is
 *      reached from (local consistency: distortion accumulates far from the root but not
 *      between neighbours), so a pairing is one rigid motion plus bounded elastic distortion;
 *      raw score of a pairing from its size m and its supporting edges (the correspondences
 *      inside it) times its paired fraction of both views;
 *   4. the best raw pairing (ZKM_CONS_N: of that many distinct root clusters) is consolidated:
 *      the views are aligned by its rigid motion and the remaining minutiae paired when they land
 *      close with a similar direction, judged in a local frame (the alignment corrected by the
 *      residual of the nearest anchors: the grown pairs, then the pairs of earlier rounds, so
 *      the pairing spreads outwards over a distorted print in up to ZKM_EL_ROUNDS rounds);
 *      final score from m, the supporting edges, the pairs whose minutia types agree and the
 *      paired fraction of the minutiae of both views inside the overlap (weighted by minutia
 *      quality; a minutia is inside when it lands in the other view's occupancy mask, prepared
 *      once per view: 16-px cells whose centre lies within ZKM_OV_R px of one of its minutiae);
 *      when both views have an orientation field (zkbio_ofield) the final score is weighted by
 *      how well the two fields agree under the same motion
 *      (zkm_ofield_agree, zkm_of_factor); the best final score wins;
 *   5. a piecewise-linear integer table maps the raw score to 100 * 10 * log10(1 / FMR), one
 *      table for view pairs with orientation fields and one for minutiae alone.
 * Everything is integer arithmetic in a fixed order: scores are identical on every run and build.
 */
#include "zkbio/match.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fp/match/zki_match.h"
#include "fp/zki_fixmath.h"
#include "fp/zki_ofield.h"

/* ---- parameters ------------------------------------------------------------------------------ */

#define ZKM_KMAX      16 /* array bound for ZKM_K */
#define ZKM_ROOTS_MAX 32 /* array bound for ZKM_ROOTS */
#define ZKM_K         9  /* neighbours per minutia in the edge table */
#define ZKM_EDGE_MIN  10 /* px: shorter edges are noise-dominated and skipped */
#define ZKM_TOL_D     8  /* px: absolute length tolerance ... */
#define ZKM_TOL_DR    5  /* ... or this many 64ths of the length when larger (about 8 %) */
#define ZKM_TOL_A     8  /* 8-bit units (11.25 degrees) for a1 and a2 */
#define ZKM_ROOTS     8  /* root pairs tried */
#ifndef ZKM_ROT_TOL
#define ZKM_ROT_TOL 20 /* 8-bit units: rotation of a pair vs the root's (28 degrees) */
#endif
/* Growth: a pair's distance to the root pair must agree in both views within ZKM_GROW_D px or
 * ZKM_GROW_DR 64ths of the distance when larger (elastic distortion grows with the distance). */
#ifndef ZKM_GROW_D
#define ZKM_GROW_D 8
#endif
#ifndef ZKM_GROW_DR
#define ZKM_GROW_DR 8
#endif
/* Growth, local consistency: when ZKM_GROW_LOCAL is 1, a pair reached from pair u must also keep
 * its distance to u's own predecessor in the growth alike in both views, within ZKM_GROW_LD px or
 * ZKM_GROW_LDR 64ths of the distance (the pair's link to u itself is an edge correspondence,
 * already alike). With it the root check may be looser (larger ZKM_GROW_DR): far from the root
 * the distortion accumulates, near the pairs already taken it does not. scripts/fp-eval.sh
 * average EER (per-set tables in docs/fingerprint-engine.md, "Distortion-tolerant matching"):
 * 2.10 % without; with, root 4 / 8 / 12 64ths: 1.98 / 1.95 / 1.96 %; root 8 alone: 2.23 %;
 * local 4 px + 3/64: 2.13 %, 8 px + 6/64: 2.10 %. */
#ifndef ZKM_GROW_LOCAL
#define ZKM_GROW_LOCAL 1
#endif
#ifndef ZKM_GROW_LD
#define ZKM_GROW_LD 6
#endif
#ifndef ZKM_GROW_LDR
#define ZKM_GROW_LDR 4
#endif
/* Hash bins: angle bins of ZKM_AW units, ZKM_AW >= 2 * ZKM_TOL_A so that a tolerance interval
 * touches at most two angle bins. */
#define ZKM_AW 16
#define ZKM_W1 100
#define ZKM_W2 50
#ifndef ZKM_CT_D
#define ZKM_CT_D 16 /* px: consolidation distance after alignment (near an anchor) */
#endif
#define ZKM_CT_A   24 /* 8-bit units: consolidation direction tolerance */
#define ZKM_OV_R   40 /* px: inside the overlap when the other view has a minutia this near */
#define ZKM_CONS_N 2  /* pairings consolidated: the best raw ones of distinct root clusters */
/* 1:N pre-selection (zki_match_score with a floor of at least ZKM_PRESEL_FLOOR, the gallery's
 * threshold): a pairing grown to fewer than ZKM_PRESEL_M pairs is not consolidated. On the
 * development sets (FVC2002 DB1_B, DB3_B, FVC2004 DB1_B, every unordered pair, probes at 0, 90
 * and 180 degrees: 2,520 genuine and 25,920 impostor comparisons) such a pairing never gave the
 * final score of a genuine pair scoring 30 or more, and the smallest winning growth of a genuine
 * pair at 40 or more had 7 pairs; it is 63 % of the impostors' consolidations, and consolidation
 * with the orientation agreement is most of a 1:N search's time. `zkbio bench accuracy` checks it
 * ("presel" rows); docs/fingerprint-engine.md "1:N pre-selection". */
#ifndef ZKM_PRESEL_M
#define ZKM_PRESEL_M 5
#endif
#ifndef ZKM_PRESEL_FLOOR
#define ZKM_PRESEL_FLOOR 4000
#endif
/* Elastic consolidation (zkm_consolidate, zkm_local): a candidate mate is judged in the local
 * frame of its ZKM_LOCAL_K nearest anchors (the grown pairs, then also the pairs consolidated in
 * earlier rounds), their residuals weighted by 2^16 / (distance + ZKM_EL_WD) (ZKM_EL_WD 0: equal
 * weights), within ZKM_CT_D px plus ZKM_EL_DR 64ths of its distance to the nearest anchor, at
 * most ZKM_EL_DMAX px; ZKM_EL_ROUNDS rounds, each round's pairs anchoring the next.
 * scripts/fp-eval.sh average EER with the growth above: 1.95 % with 1 round, 2.04 % with 3 (but
 * FVC2004 DB1_B 3.57 -> 3.44 % and the elastic:16 perturbation 3.45 -> 3.28 %: kept); without
 * it, 3 rounds 2.10 %, + ZKM_EL_DR 8: 2.20 %, + 3 anchors weighted (ZKM_EL_WD 16): 2.10 %. */
#ifndef ZKM_LOCAL_K
#define ZKM_LOCAL_K 2 /* <= 8 */
#endif
#ifndef ZKM_EL_WD
#define ZKM_EL_WD 0
#endif
#ifndef ZKM_EL_DR
#define ZKM_EL_DR 0
#endif
#ifndef ZKM_EL_DMAX
#define ZKM_EL_DMAX 24
#endif
#ifndef ZKM_EL_ROUNDS
#define ZKM_EL_ROUNDS 3
#endif
#define ZKM_WT 60 /* raw score per paired minutia whose type (ending/bifurcation) agrees */
/* Overlap counts weigh a minutia by its extraction quality q (0..100): ZKM_QMIN % of a minutia up
 * to q = ZKM_Q0, rising linearly to a whole minutia at q >= ZKM_Q1 (see zkm_qw). */
#define ZKM_Q0   15
#define ZKM_Q1   55
#define ZKM_QMIN 40
/* Orientation factor (zkm_of_factor): agreement (x 100, mean cos 2d) where it starts to count and
 * where it reaches full weight. Measured with scripts/fp-eval.sh (mean EER over the three FVC sets
 * at 0, 90 and 180 degrees): 2.56 % without the factor; A0 = 0: 2.11 %, 20: 2.07 %, 40: 2.04 %,
 * 45: 2.03 %, 60: 2.14 % (A1 = 100); A1 = 90: 2.25 %. */
#define ZKM_OF_A0 40
#define ZKM_OF_A1 100

/* Length bins of ZKM_DW px, the last one open-ended. */
#define ZKM_DW    16
#define ZKM_ND    32
#define ZKM_NA    (256 / ZKM_AW)
#define ZKM_NBINS (ZKM_ND * ZKM_NA * ZKM_NA)

/* Consolidation looks up the aligned candidate minutiae in a grid of ZKM_GN x ZKM_GN cells of
 * ZKM_OV_R px (so a minutia's overlap disc touches at most 3 x 3 cells), covering x and y in
 * [-ZKM_GOFF, ZKM_GN * ZKM_OV_R - ZKM_GOFF); the border cells take everything beyond. */
#define ZKM_GN   16
#define ZKM_GOFF 80

/* Scratch limits per comparison (deterministic truncation when exceeded). */
#define ZKM_MAX_CORR  8192
#define ZKM_MAX_NODES (2 * ZKM_MAX_CORR)
/* Step 1 tests the first two entries of a bin whether the bin has two or not (a test beyond the
 * bin is discarded), so that short bins take no unpredictable branch: the probe index has
 * ZKM_HEAD entries of padding, the correspondence array ZKM_HEAD - 1 spare slots. */
#define ZKM_HEAD    2
#define ZKM_CPG_MAX 2048 /* consolidation: possible mates kept per pairing */

/* ---- prepared templates ------------------------------------------------------------------------
 */

typedef struct zkm_edge {
    uint16_t bin; /* hash bin of (d, a1, a2) */
    uint16_t d;   /* length, px */
    uint8_t a1;   /* direction of i->j minus direction of i */
    uint8_t a2;   /* direction of i->j minus direction of j */
    uint8_t i, j;
} zkm_edge;

typedef struct zkm_view {
    uint16_t n;  /* minutiae */
    uint16_t ne; /* edges */
    int16_t *x, *y;
    uint8_t *a, *t, *q; /* direction, type, overlap weight x 100 (zkm_qw of the quality) */
    zkm_edge *e;
    /* Occupancy mask for the overlap counts: bit cy * ow + cx is set when the centre of cell
     * (cx, cy) (cells of 1 << osh px from (ox0, oy0)) lies within ZKM_OV_R px of a minutia. */
    int16_t ox0, oy0;
    uint16_t ow, oh, ows; /* cells a side; 64-bit words a row */
    uint8_t osh;
    uint64_t *occ;
    /* Orientation field (zkbio_ofield): cols x rows cells from cell (ofx0, ofy0), NULL when the
     * template has none. */
    uint8_t ofx0, ofy0, ofw, ofh;
    const uint8_t *of;
    const uint8_t *ofspan; /* per row: first foreground cell and one past the last (0, 0: none) */
} zkm_view;

struct zki_prep {
    size_t bytes;
    uint8_t nviews;
    zkm_view v[ZKBIO_TEMPLATE_VIEWS_MAX];
};

/* A probe edge in the index, in the form its comparison with a candidate edge takes: the
 * candidate's length d passes when d - dlo <= dspan (unsigned), its angles a1 and a2 when
 * (uint8_t)(a1 - a1lo) <= 2 * ZKM_TOL_A and likewise for a2 (zkm_ient_make). */
/* The rigid motion of a consolidated pairing: candidate point (gx, gy) lands at probe point
 * (cpx + ((gx - cgx) c + (gy - cgy) sn) / 16384, cpy + (-(gx - cgx) sn + (gy - cgy) c) / 16384),
 * rotated by th (8-bit angle: candidate direction = probe direction + th). */
typedef struct zkm_motion {
    int32_t c, sn, cpx, cpy, cgx, cgy;
    unsigned th;
} zkm_motion;

typedef struct zkm_ient {
    uint16_t dlo, dspan;
    uint8_t a1lo, a2lo;
    uint16_t ij; /* the probe minutiae i | j << 8 */
} zkm_ient;

typedef struct zkm_index {
    uint32_t *off; /* ZKM_NBINS + 1 offsets into ent */
    zkm_ient *ent; /* probe edges (both directions) by bin */
    /* per probe minutia: the consolidation grid's cells x0, x1, y0, y1 (zkm_cell) its overlap
     * disc touches; they depend on the probe alone, so are found once for every candidate */
    uint8_t *cell;
} zkm_index;

struct zki_probe {
    zki_prep *prep;
    zkm_index ix[ZKBIO_TEMPLATE_VIEWS_MAX];
};

struct zki_match_ws {
    /* correspondences: pi | pj << 8 | gi << 16 | gj << 24 (ZKM_HEAD - 1 more slots: see step 1) */
    uint32_t corr[ZKM_MAX_CORR + ZKM_HEAD - 1];
    uint16_t act[256 * ZKM_KMAX]; /* step 1: candidate edges to look up */
    uint32_t map[256 * 256];      /* (stamp << 16) | node, by pi * ng + gi */
    uint32_t map_stamp;
    uint8_t node_p[ZKM_MAX_NODES], node_g[ZKM_MAX_NODES];
    uint16_t deg[ZKM_MAX_NODES];
    uint32_t adj_off[ZKM_MAX_NODES + 1];
    uint16_t adj[2 * ZKM_MAX_CORR];
    uint32_t node_mark[ZKM_MAX_NODES];
    uint16_t adj_sorted[ZKM_MAX_NODES]; /* map_stamp when the node's adjacency list is sorted */
    uint32_t p_mark[256], g_mark[256];
    uint32_t mark;
    uint16_t roots[ZKM_ROOTS_MAX];
    uint16_t rq[ZKM_ROOTS_MAX][256]; /* each root's grown pairing (node ids) ... */
    uint16_t gpar[256];              /* growth: the node each queued node was reached from */
    int32_t rraw[ZKM_ROOTS_MAX];     /* ... its raw score, size and supporting edges */
    uint16_t rm[ZKM_ROOTS_MAX], rs[ZKM_ROOTS_MAX];
    uint8_t best_p[256], best_g[256]; /* the pairing being consolidated */
    int16_t tx[256], ty[256];         /* candidate minutiae mapped into the probe frame */
    uint8_t ta[256];
    uint8_t gord[256];          /* aligned unpaired candidate minutiae by grid cell */
    int16_t gsx[256], gsy[256]; /* ... their tx, ty and ta in the same order ... */
    uint8_t gsa[256];
    uint16_t gstart[ZKM_GN * ZKM_GN + 3]; /* ... first gord index of each cell */
    uint32_t cl[1024];                    /* consolidation candidates: d2 << 16 | p << 8 | g */
    uint16_t cpg[ZKM_CPG_MAX];            /* possible mates under the motion: p << 8 | g */
    uint64_t kth[256]; /* per probe minutia: key of its K-th nearest anchor (zkm_local) */
};

/* floor(sqrt(v)) for v < 2^32: the digit-by-digit method started at the top set bit pair, its
 * steps branch-free (their data-dependent branches mispredicted often enough to show in the
 * matcher's time). */
static uint32_t zkm_isqrt(uint32_t v)
{
    uint32_t r = 0;
    for (uint32_t bit = (uint32_t)1 << ((31 - __builtin_clz(v | 1)) & ~1); bit; bit >>= 2) {
        uint32_t t = r + bit;
        uint32_t ge = (uint32_t)0 - (uint32_t)(v >= t);
        v -= t & ge;
        r = (r >> 1) + (bit & ge);
    }
    return r;
}

static int zkm_tol_d(int d)
{
    int r = d * ZKM_TOL_DR / 64;
    return r > ZKM_TOL_D ? r : ZKM_TOL_D;
}

static unsigned zkm_dbin(int d)
{
    int b = d / ZKM_DW;
    return (unsigned)(b < ZKM_ND ? b : ZKM_ND - 1);
}

static uint16_t zkm_bin(int d, int a1, int a2)
{
    return (uint16_t)((zkm_dbin(d) * ZKM_NA + (unsigned)a1 / ZKM_AW) * ZKM_NA +
                      (unsigned)a2 / ZKM_AW);
}

static int zkm_check_template(const zkbio_template *t)
{
    if (!t || (t->count > 0 && !t->minutiae) || t->count > ZKBIO_TEMPLATE_MINUTIAE_MAX ||
        t->view_count > ZKBIO_TEMPLATE_VIEWS_MAX)
        return ZKBIO_EINVAL;
    unsigned nv = t->view_count ? t->view_count : 1;
    for (size_t k = 0; k < t->count; k++)
        if (t->minutiae[k].view >= nv || t->minutiae[k].x > ZKBIO_MINUTIA_COORD_MAX ||
            t->minutiae[k].y > ZKBIO_MINUTIA_COORD_MAX)
            return ZKBIO_EINVAL;
    for (unsigned v = 0; v < nv; v++)
        if (!zki_ofield_valid(t->ofield[v].x0, t->ofield[v].y0, t->ofield[v].cols,
                              t->ofield[v].rows, t->ofield[v].cells))
            return ZKBIO_EINVAL;
    return ZKBIO_OK;
}

/* Insert k into the ascending keys key[0..n), dropping the last one (branch-free: slot p takes the
 * smaller of its key and the larger of its predecessor's key and k). */
static inline void zkm_key_insert(uint64_t *key, int n, uint64_t k)
{
    for (int p = n - 1; p > 0; p--) {
        uint64_t m = key[p - 1] > k ? key[p - 1] : k;
        key[p] = key[p] < m ? key[p] : m;
    }
    key[0] = key[0] < k ? key[0] : k;
}

/* Offer minutia j as a neighbour of i to key[] (see zkm_knn); 0 when j and every minutia further
 * from i in y order on the same side are too far away to be taken. */
static inline int zkm_knn_offer(uint64_t *key, const int16_t *x, const int16_t *y, int i, int j)
{
    int32_t dy = y[j] - y[i];
    if (((uint64_t)(dy * dy) << 8) > key[ZKM_K - 1])
        return 0;
    int32_t dx = x[j] - x[i];
    int32_t dd = dx * dx + dy * dy;
    /* too near: offered as UINT64_MAX, which changes nothing */
    uint64_t k = dd < ZKM_EDGE_MIN * ZKM_EDGE_MIN ? UINT64_MAX : (uint64_t)dd << 8 | (uint64_t)j;
    zkm_key_insert(key, ZKM_K, k);
    return 1;
}

/* Nearest neighbours of every minutia of a view: knn[i * ZKM_KMAX ..] in ascending distance, ties
 * to the lower index, count in kn[i]. The minutiae are visited in order of y outwards from i, so
 * the scan stops once the vertical gap alone exceeds the K-th best distance; ordering by the key
 * (squared distance, index) keeps the table identical to a full scan. */
static void zkm_knn(int n, const int16_t *x, const int16_t *y, uint8_t *knn, uint8_t *kn)
{
    uint8_t ord[256], rank[256];
    for (int i = 0; i < n; i++) { /* stable insertion sort by y */
        int p = i;
        while (p > 0 && y[ord[p - 1]] > y[i]) {
            ord[p] = ord[p - 1];
            p--;
        }
        ord[p] = (uint8_t)i;
    }
    for (int r = 0; r < n; r++)
        rank[ord[r]] = (uint8_t)r;
    for (int i = 0; i < n; i++) {
        /* squared distance << 8 | index, ascending; slots not filled yet hold UINT64_MAX, so
         * neither the stop test nor the rejection test below fires before K are found */
        uint64_t key[ZKM_KMAX];
        for (int k = 0; k < ZKM_K; k++)
            key[k] = UINT64_MAX;
        /* the minutiae nearest in y order first (branch-free), for a tight bound early on */
        const int r0 = rank[i];
        const int w0 = r0 - ZKM_K / 2 < 0 ? 0 : r0 - ZKM_K / 2;
        const int w1 = r0 + ZKM_K / 2 >= n ? n - 1 : r0 + ZKM_K / 2;
        for (int r = w0; r <= w1; r++)
            if (r != r0)
                zkm_knn_offer(key, x, y, i, ord[r]);
        for (int r = w0 - 1; r >= 0 && zkm_knn_offer(key, x, y, i, ord[r]); r--)
            ;
        for (int r = w1 + 1; r < n && zkm_knn_offer(key, x, y, i, ord[r]); r++)
            ;
        int c = 0;
        while (c < ZKM_K && key[c] != UINT64_MAX) {
            knn[i * ZKM_KMAX + c] = (uint8_t)(key[c] & 255);
            c++;
        }
        kn[i] = (uint8_t)c;
    }
}

static uint8_t zkm_dir8(int dx, int dy)
{
    /* image y is down: counter-clockwise with y up means atan2(-dy, dx) */
    return (uint8_t)(((unsigned)zki_atan2(-dy, dx) + 128) >> 8);
}

static void zkm_fill_edge(const zkm_view *v, int i, int j, zkm_edge *e)
{
    int dx = v->x[j] - v->x[i], dy = v->y[j] - v->y[i];
    uint32_t d = zkm_isqrt((uint32_t)(dx * dx + dy * dy));
    uint8_t dir = zkm_dir8(dx, dy);
    e->d = (uint16_t)(d > 65535 ? 65535 : d);
    e->a1 = (uint8_t)(dir - v->a[i]);
    e->a2 = (uint8_t)(dir - v->a[j]);
    e->i = (uint8_t)i;
    e->j = (uint8_t)j;
    e->bin = zkm_bin(e->d, e->a1, e->a2);
}

/* Build the edges of view v (minutiae already filled) into v->e (room for n * ZKM_K). */
static void zkm_build_edges(zkm_view *v)
{
    uint8_t knn[256 * ZKM_KMAX], kn[256];
    uint64_t nbit[256 * 4]; /* bit j of row i: j is one of i's neighbours */
    int n = v->n;
    zkm_knn(n, v->x, v->y, knn, kn);
    memset(nbit, 0, (size_t)n * 4 * sizeof(uint64_t));
    for (int i = 0; i < n; i++)
        for (int k = 0; k < kn[i]; k++) {
            int j = knn[i * ZKM_KMAX + k];
            nbit[i * 4 + (j >> 6)] |= (uint64_t)1 << (j & 63);
        }
    int ne = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < kn[i]; k++) {
            int j = knn[i * ZKM_KMAX + k];
            /* already added from j's list when i is one of j's neighbours */
            if (j < i && (nbit[j * 4 + (i >> 6)] >> (i & 63) & 1))
                continue;
            if (i < j)
                zkm_fill_edge(v, i, j, &v->e[ne++]);
            else
                zkm_fill_edge(v, j, i, &v->e[ne++]);
        }
    }
    v->ne = (uint16_t)ne;
}

static size_t zkm_align8(size_t s)
{
    return (s + 7) & ~(size_t)7;
}

/* Geometry of the occupancy mask of view v: the bounding box of its minutiae grown by
 * ZKM_OV_R px, in cells of 16 px (coarser when that would take more than ZKM_OCC_MAX cells a
 * side, hostile or very large images only). */
#define ZKM_OCC_MAX 128
static void zkm_occ_geom(const zkbio_template *t, unsigned v, zkm_view *w)
{
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0, any = 0;
    for (size_t k = 0; k < t->count; k++) {
        const zkbio_minutia *m = &t->minutiae[k];
        if (m->view != v)
            continue;
        if (!any || m->x < x0)
            x0 = m->x;
        if (!any || m->x > x1)
            x1 = m->x;
        if (!any || m->y < y0)
            y0 = m->y;
        if (!any || m->y > y1)
            y1 = m->y;
        any = 1;
    }
    x0 -= ZKM_OV_R;
    y0 -= ZKM_OV_R;
    x1 += ZKM_OV_R;
    y1 += ZKM_OV_R;
    int sh = 4;
    while (((x1 - x0) >> sh) + 1 > ZKM_OCC_MAX || ((y1 - y0) >> sh) + 1 > ZKM_OCC_MAX)
        sh++;
    w->ox0 = (int16_t)x0;
    w->oy0 = (int16_t)y0;
    w->osh = (uint8_t)sh;
    w->ow = any ? (uint16_t)(((x1 - x0) >> sh) + 1) : 0;
    w->oh = any ? (uint16_t)(((y1 - y0) >> sh) + 1) : 0;
    w->ows = (uint16_t)((w->ow + 63) / 64);
}

static size_t zkm_occ_words(const zkm_view *w)
{
    return (size_t)w->ows * w->oh;
}

static void zkm_occ_build(zkm_view *w)
{
    const int sh = w->osh, half = 1 << sh >> 1, stride = w->ows;
    /* half-width of the disc at vertical offset dy: floor(sqrt(R^2 - dy^2)) */
    int hw[ZKM_OV_R + 1];
    for (int dy = 0, h = ZKM_OV_R; dy <= ZKM_OV_R; dy++) {
        while (h * h > ZKM_OV_R * ZKM_OV_R - dy * dy)
            h--;
        hw[dy] = h;
    }
    memset(w->occ, 0, zkm_occ_words(w) * sizeof(uint64_t));
    for (int i = 0; i < w->n; i++) {
        const int xi = w->x[i] - w->ox0 - half, yi = w->y[i] - w->oy0 - half;
        int cy0 = yi - ZKM_OV_R <= 0 ? 0 : (yi - ZKM_OV_R + (1 << sh) - 1) >> sh;
        int cy1 = (yi + ZKM_OV_R) >> sh;
        if (cy1 >= w->oh)
            cy1 = w->oh - 1;
        for (int cy = cy0; cy <= cy1; cy++) {
            int dy = abs((cy << sh) - yi);
            int lo = xi - hw[dy], hi = xi + hw[dy];
            if (hi < 0)
                continue;
            int cx0 = lo <= 0 ? 0 : (lo + (1 << sh) - 1) >> sh, cx1 = hi >> sh;
            if (cx1 >= w->ow)
                cx1 = w->ow - 1;
            if (cx0 > cx1)
                continue;
            uint64_t *row = &w->occ[(size_t)cy * stride];
            /* bits cx0..cx1: whole-word masks */
            for (int k = cx0 >> 6; k <= cx1 >> 6; k++) {
                int b0 = k == cx0 >> 6 ? cx0 & 63 : 0, b1 = k == cx1 >> 6 ? cx1 & 63 : 63;
                row[k] |= (~(uint64_t)0 >> (63 - b1)) & (~(uint64_t)0 << b0);
            }
        }
    }
}

/* 1 when image point (x, y) of view w's frame is inside its occupancy mask. */
static inline int zkm_occ(const zkm_view *w, int32_t x, int32_t y)
{
    int32_t ux = x - w->ox0, uy = y - w->oy0;
    if (ux < 0 || uy < 0)
        return 0;
    uint32_t cx = (uint32_t)ux >> w->osh, cy = (uint32_t)uy >> w->osh;
    if (cx >= w->ow || cy >= w->oh)
        return 0;
    return (int)(w->occ[cy * w->ows + (cx >> 6)] >> (cx & 63) & 1);
}

static int zkm_qw(int q);

/* Bytes a prepared copy of t needs (t already checked). */
static size_t zkm_prep_size(const zkbio_template *t)
{
    size_t s = zkm_align8(sizeof(zki_prep));
    unsigned nv = t->view_count ? t->view_count : 1;
    size_t cnt[ZKBIO_TEMPLATE_VIEWS_MAX] = {0};
    for (size_t k = 0; k < t->count; k++)
        cnt[t->minutiae[k].view]++;
    for (unsigned v = 0; v < nv; v++) {
        s += zkm_align8(cnt[v] * 2 * sizeof(int16_t) + cnt[v] * 3);
        s += zkm_align8(cnt[v] * ZKM_K * sizeof(zkm_edge));
        zkm_view w;
        zkm_occ_geom(t, v, &w);
        s += zkm_occ_words(&w) * sizeof(uint64_t);
        s += zkm_align8((size_t)(t->ofield[v].cols + 2) * t->ofield[v].rows);
    }
    return s;
}

/* Build a prepared template into buf (zkm_prep_size(t) bytes, 8-aligned). */
static zki_prep *zkm_prep_into(const zkbio_template *t, void *buf, size_t size)
{
    zki_prep *p = buf;
    memset(p, 0, sizeof(*p));
    p->bytes = size;
    p->nviews = (uint8_t)(t->view_count ? t->view_count : 1);
    uint8_t *cur = (uint8_t *)buf + zkm_align8(sizeof(zki_prep));
    for (unsigned v = 0; v < p->nviews; v++) {
        zkm_view *w = &p->v[v];
        size_t n = 0;
        for (size_t k = 0; k < t->count; k++)
            n += t->minutiae[k].view == v;
        w->n = (uint16_t)n;
        w->x = (int16_t *)cur;
        w->y = w->x + n;
        w->a = (uint8_t *)(w->y + n);
        w->t = w->a + n;
        w->q = w->t + n;
        cur += zkm_align8(n * 2 * sizeof(int16_t) + n * 3);
        w->e = (zkm_edge *)cur;
        cur += zkm_align8(n * ZKM_K * sizeof(zkm_edge));
        zkm_occ_geom(t, v, w);
        w->occ = (uint64_t *)cur;
        cur += zkm_occ_words(w) * sizeof(uint64_t);
        const zkbio_ofield *f = &t->ofield[v];
        if (f->cols && f->rows) {
            memcpy(cur, f->cells, (size_t)f->cols * f->rows);
            uint8_t *span = cur + (size_t)f->cols * f->rows;
            for (int j = 0; j < f->rows; j++) {
                const uint8_t *row = f->cells + (size_t)j * f->cols;
                int lo = 0, hi = f->cols;
                while (lo < hi && !row[lo])
                    lo++;
                while (hi > lo && !row[hi - 1])
                    hi--;
                span[2 * j] = (uint8_t)lo;
                span[2 * j + 1] = (uint8_t)hi;
            }
            w->of = cur;
            w->ofspan = span;
            w->ofx0 = f->x0;
            w->ofy0 = f->y0;
            w->ofw = f->cols;
            w->ofh = f->rows;
            cur += zkm_align8((size_t)(f->cols + 2) * f->rows);
        }
        size_t q = 0;
        for (size_t k = 0; k < t->count; k++) {
            const zkbio_minutia *m = &t->minutiae[k];
            if (m->view != v)
                continue;
            w->x[q] = (int16_t)m->x;
            w->y[q] = (int16_t)m->y;
            w->a[q] = m->angle;
            w->t[q] = m->type;
            w->q[q] = (uint8_t)zkm_qw(m->quality);
            q++;
        }
        zkm_build_edges(w);
        zkm_occ_build(w);
    }
    return p;
}

int zki_prep_build(const zkbio_template *t, zki_prep **out)
{
    if (!out || zkm_check_template(t) != ZKBIO_OK)
        return ZKBIO_EINVAL;
    size_t size = zkm_prep_size(t);
    void *buf = malloc(size);
    if (!buf)
        return ZKBIO_ENOMEM;
    *out = zkm_prep_into(t, buf, size);
    return ZKBIO_OK;
}

void zki_prep_free(zki_prep *p)
{
    free(p);
}

size_t zki_prep_bytes(const zki_prep *p)
{
    return p ? p->bytes : 0;
}

/* Prefetch the len bytes from a, a cache line (64 bytes, or a multiple of it) at a time. */
static void zkm_prefetch(const void *a, size_t len)
{
    const char *c = a;
    for (size_t o = 0; o < len; o += 64)
        __builtin_prefetch(c + o);
}

void zki_prep_prefetch_head(const zki_prep *p)
{
    zkm_prefetch(p, offsetof(zki_prep, v) + sizeof(zkm_view));
}

void zki_prep_prefetch(const zki_prep *p)
{
    zkm_prefetch(&p->v[1], (p->nviews - 1) * sizeof(zkm_view));
    for (unsigned v = 0; v < p->nviews; v++) {
        const zkm_view *w = &p->v[v];
        zkm_prefetch(w->x, (size_t)w->n * 7);
        zkm_prefetch(w->e, (size_t)w->ne * sizeof(zkm_edge));
        zkm_prefetch(w->occ, zkm_occ_words(w) * sizeof(uint64_t));
    }
}

/* ---- probe index ------------------------------------------------------------------------------
 */

/* Visit every bin a probe edge's tolerance box touches. mode 0 counts, 1 fills. */
static int zkm_abins(unsigned a, unsigned *out)
{
    unsigned first = (a - ZKM_TOL_A) & 255;
    int n = (int)((first % ZKM_AW + 2 * ZKM_TOL_A) / ZKM_AW) + 1;
    if (n > ZKM_NA)
        n = ZKM_NA;
    for (int k = 0; k < n; k++)
        out[k] = (first / ZKM_AW + (unsigned)k) % ZKM_NA;
    return n;
}

/* The test of zkm_match_views step 1, |d - e->d| <= zkm_tol_d(max(d, e->d)) and both angles
 * within ZKM_TOL_A, as intervals. For d <= e->d the tolerance is fixed: d >= e->d - tol_d(e->d).
 * For d >= e->d, d - e->d - zkm_tol_d(d) never decreases as d grows, so the passing lengths end
 * at the largest d with d - e->d <= ZKM_TOL_D or d - e->d <= d * ZKM_TOL_DR / 64, the latter
 * being d <= e->d * 64 / (64 - ZKM_TOL_DR). An angle a is within ZKM_TOL_A of b when
 * (a - b + ZKM_TOL_A) mod 256 <= 2 * ZKM_TOL_A. */
static zkm_ient zkm_ient_make(const zkm_edge *e)
{
    int lo = e->d - zkm_tol_d(e->d);
    int hi_rel = e->d * 64 / (64 - ZKM_TOL_DR), hi_abs = e->d + ZKM_TOL_D;
    int hi = hi_rel > hi_abs ? hi_rel : hi_abs;
    lo = lo < 0 ? 0 : lo;
    hi = hi > 65535 ? 65535 : hi;
    zkm_ient f = {(uint16_t)lo, (uint16_t)(hi - lo), (uint8_t)(e->a1 - ZKM_TOL_A),
                  (uint8_t)(e->a2 - ZKM_TOL_A), (uint16_t)(e->i | e->j << 8)};
    return f;
}

static void zkm_index_edge(zkm_index *ix, const zkm_edge *e, uint32_t *fill)
{
    const zkm_ient f = zkm_ient_make(e);
    /* length bins from the shortest passing length to one past the longest by the relative
     * tolerance (a margin the bins have always had) */
    int hi_rel = e->d * 64 / (64 - ZKM_TOL_DR) + 1, hi_abs = e->d + ZKM_TOL_D;
    unsigned db0 = zkm_dbin(f.dlo), db1 = zkm_dbin(hi_rel > hi_abs ? hi_rel : hi_abs);
    /* angle bins touched by [a - tol, a + tol], wrapping */
    unsigned a1b[256 / 4], a2b[256 / 4];
    int na1 = zkm_abins(e->a1, a1b), na2 = zkm_abins(e->a2, a2b);
    for (unsigned db = db0; db <= db1; db++)
        for (int u = 0; u < na1; u++)
            for (int w = 0; w < na2; w++) {
                unsigned bin = (db * ZKM_NA + a1b[u]) * ZKM_NA + a2b[w];
                if (fill)
                    ix->ent[fill[bin]++] = f;
                else
                    ix->off[bin + 1]++;
            }
}

static void zkm_reverse(const zkm_edge *e, zkm_edge *r)
{
    r->d = e->d;
    r->a1 = (uint8_t)(e->a2 + 128);
    r->a2 = (uint8_t)(e->a1 + 128);
    r->i = e->j;
    r->j = e->i;
    r->bin = 0;
}

static int zkm_cell(int x);

static int zkm_index_build(zkm_index *ix, const zkm_view *v)
{
    ix->off = calloc(ZKM_NBINS + 1, sizeof(uint32_t));
    ix->cell = malloc(4 * (size_t)v->n + 1);
    if (!ix->off || !ix->cell)
        return ZKBIO_ENOMEM;
    for (int p = 0; p < v->n; p++) {
        ix->cell[4 * p + 0] = (uint8_t)zkm_cell(v->x[p] - ZKM_OV_R);
        ix->cell[4 * p + 1] = (uint8_t)zkm_cell(v->x[p] + ZKM_OV_R);
        ix->cell[4 * p + 2] = (uint8_t)zkm_cell(v->y[p] - ZKM_OV_R);
        ix->cell[4 * p + 3] = (uint8_t)zkm_cell(v->y[p] + ZKM_OV_R);
    }
    for (int k = 0; k < v->ne; k++) {
        zkm_edge r;
        zkm_reverse(&v->e[k], &r);
        zkm_index_edge(ix, &v->e[k], NULL);
        zkm_index_edge(ix, &r, NULL);
    }
    for (int b = 0; b < ZKM_NBINS; b++)
        ix->off[b + 1] += ix->off[b];
    ix->ent = calloc(ix->off[ZKM_NBINS] + ZKM_HEAD, sizeof(zkm_ient)); /* see ZKM_HEAD */
    uint32_t *fill = malloc(ZKM_NBINS * sizeof(uint32_t));
    if (!ix->ent || !fill) {
        free(fill);
        return ZKBIO_ENOMEM;
    }
    memcpy(fill, ix->off, ZKM_NBINS * sizeof(uint32_t));
    for (int k = 0; k < v->ne; k++) {
        zkm_edge r;
        zkm_reverse(&v->e[k], &r);
        zkm_index_edge(ix, &v->e[k], fill);
        zkm_index_edge(ix, &r, fill);
    }
    free(fill);
    return ZKBIO_OK;
}

void zki_probe_free(zki_probe *p)
{
    if (!p)
        return;
    for (int v = 0; v < ZKBIO_TEMPLATE_VIEWS_MAX; v++) {
        free(p->ix[v].off);
        free(p->ix[v].ent);
        free(p->ix[v].cell);
    }
    zki_prep_free(p->prep);
    free(p);
}

int zki_probe_build(const zkbio_template *t, zki_probe **out)
{
    if (!out)
        return ZKBIO_EINVAL;
    zki_probe *p = calloc(1, sizeof(*p));
    if (!p)
        return ZKBIO_ENOMEM;
    int rc = zki_prep_build(t, &p->prep);
    for (unsigned v = 0; rc == ZKBIO_OK && v < p->prep->nviews; v++)
        rc = zkm_index_build(&p->ix[v], &p->prep->v[v]);
    if (rc != ZKBIO_OK) {
        zki_probe_free(p);
        return rc;
    }
    *out = p;
    return ZKBIO_OK;
}

int zki_match_ws_new(zki_match_ws **out)
{
    if (!out)
        return ZKBIO_EINVAL;
    zki_match_ws *ws = calloc(1, sizeof(*ws));
    if (!ws)
        return ZKBIO_ENOMEM;
    *out = ws;
    return ZKBIO_OK;
}

void zki_match_ws_free(zki_match_ws *ws)
{
    free(ws);
}

/* ---- scoring ----------------------------------------------------------------------------------
 */

static int zkm_adiff(int a, int b)
{
    return zki_angle_diff8(a, b);
}

/* Node id of minutia pair (p, g), created on first sight. */
static int zkm_node(zki_match_ws *ws, int ng, int p, int g, int *nnodes)
{
    uint32_t *slot = &ws->map[p * ng + g];
    if ((*slot >> 16) == ws->map_stamp)
        return (int)(*slot & 0xffff);
    int id = (*nnodes)++;
    *slot = (ws->map_stamp << 16) | (uint32_t)id;
    ws->node_p[id] = (uint8_t)p;
    ws->node_g[id] = (uint8_t)g;
    ws->deg[id] = 0;
    return id;
}

static uint32_t zkm_next_mark(zki_match_ws *ws)
{
    if (++ws->mark == 0) {
        memset(ws->node_mark, 0, sizeof(ws->node_mark));
        memset(ws->p_mark, 0, sizeof(ws->p_mark));
        memset(ws->g_mark, 0, sizeof(ws->g_mark));
        ws->mark = 1;
    }
    return ws->mark;
}

/* Raw score (x 100) of a pairing of m minutiae with s supporting edges between views of np and
 * ng minutiae. */
static int32_t zkm_raw(int m, int s, int np, int ng)
{
    if (m < 2)
        return 0;
    int64_t base = (int64_t)m * ZKM_W1 + (int64_t)s * ZKM_W2;
    /* paired fraction of both views (geometric mean) weighs the pair count */
    uint32_t frac = zkm_isqrt((uint32_t)(m * m * 10000 / (np * ng)));
    return (int32_t)(base * frac / 100);
}

/* Final score (x 100) of a consolidated pairing: m grown pairs with s supporting edges, mt pairs
 * in all, th of them with agreeing types, op and og minutiae of each view inside the overlap. */
static int32_t zkm_raw2(int m, int s, int mt, int th, int op, int og)
{
    if (mt < 2)
        return 0;
    if (op < mt)
        op = mt;
    if (og < mt)
        og = mt;
    int64_t base = (int64_t)m * ZKM_W1 + (int64_t)s * ZKM_W2 + (int64_t)th * ZKM_WT;
    /* paired fraction of the overlap of both views (geometric mean) */
    uint32_t frac = zkm_isqrt((uint32_t)(mt * mt * 10000 / (op * og)));
    return (int32_t)(base * frac / 100);
}

/* Weight (x 100) of a minutia of quality q in the overlap counts: minutiae in unclear regions
 * (low orientation coherence: creases, smudges, dry or wet patches) are often spurious, and
 * counting them fully would let the noise of one capture dilute the paired fraction. Measured on
 * the three FVC sets (zkbio bench accuracy): mean EER 4.05 % with whole minutiae, 3.59 % weighted.
 */
static int zkm_qw(int q)
{
    if (q == 0) /* not reported (ISO 19794-2 and ANSI 378 imports): a whole minutia */
        return 100;
    int w = (q - ZKM_Q0) * 100 / (ZKM_Q1 - ZKM_Q0);
    return w < ZKM_QMIN ? ZKM_QMIN : w > 100 ? 100 : w;
}

static int zkm_cell(int x)
{
    int v = x + ZKM_GOFF;
    if (v < 0)
        return 0;
    v /= ZKM_OV_R;
    return v < ZKM_GN ? v : ZKM_GN - 1;
}

/* Local frame of probe minutia p for zkm_consolidate: the residual (aligned candidate minus probe
 * position) of the ZKM_LOCAL_K anchors ws->best_p/best_g[0..na) nearest to p (na >= 1), averaged
 * with weights 2^16 / (distance + ZKM_EL_WD) (equal weights when ZKM_EL_WD is 0), so that the
 * nearest anchors, whose distortion is most like p's, count most. Returns the squared distance
 * from p to the nearest anchor. */
static uint32_t zkm_local(const zkm_view *pv, const zki_match_ws *ws, int na, int p, int32_t *ox,
                          int32_t *oy, uint64_t *kth)
{
    /* squared distance << 8 | k, ascending (ties to the earlier pair); UINT64_MAX unfilled */
    uint64_t key[8];
    for (int q = 0; q < ZKM_LOCAL_K; q++)
        key[q] = UINT64_MAX;
    for (int k = 0; k < na; k++) {
        int32_t ex = pv->x[ws->best_p[k]] - pv->x[p], ey = pv->y[ws->best_p[k]] - pv->y[p];
        zkm_key_insert(key, ZKM_LOCAL_K, (uint64_t)(ex * ex + ey * ey) << 8 | (uint64_t)k);
    }
    const int nb = na < ZKM_LOCAL_K ? na : ZKM_LOCAL_K;
    int64_t sx = 0, sy = 0, sw = 0;
    for (int q = 0; q < nb; q++) {
        const int k = (int)(key[q] & 255);
        const int p1 = ws->best_p[k], g1 = ws->best_g[k];
        int64_t w = 1;
        if (ZKM_EL_WD > 0)
            w = 65536 /
                ((int64_t)zkm_isqrt((uint32_t)(key[q] >> 8)) + ZKM_EL_WD + (ZKM_EL_WD == 0));
        sx += w * (ws->tx[g1] - pv->x[p1]);
        sy += w * (ws->ty[g1] - pv->y[p1]);
        sw += w;
    }
    *ox = (int32_t)(sx / sw);
    *oy = (int32_t)(sy / sw);
    *kth = key[ZKM_LOCAL_K - 1]; /* UINT64_MAX while fewer than ZKM_LOCAL_K anchors */
    return (uint32_t)(key[0] >> 8);
}

/* Distance tolerance (px, squared) of a mate whose probe minutia lies dn2 (squared px) from the
 * nearest anchor: the distortion left after the local frame grows with that distance. */
static int32_t zkm_el_tol2(uint32_t dn2)
{
    int32_t t = ZKM_CT_D;
    if (ZKM_EL_DR > 0) {
        t += (int32_t)zkm_isqrt(dn2) * ZKM_EL_DR / 64;
        t = t < ZKM_EL_DMAX ? t : ZKM_EL_DMAX;
    }
    return t * t;
}

/* Possible mates of probe minutia p (at px, py, direction pa) among the grid slots o0..o1 of
 * zkm_consolidate: appended to ws->cpg[ncp..] (room for o1 - o0 assumed); the new ncp. */
static inline int zkm_gather(zki_match_ws *ws, int o0, int o1, int p, int32_t px, int32_t py,
                             unsigned pa, int ncp)
{
    const int32_t ov2 = ZKM_OV_R * ZKM_OV_R;
    for (int o = o0; o < o1; o++) {
        int32_t dx = ws->gsx[o] - px, dy = ws->gsy[o] - py;
        ws->cpg[ncp] = (uint16_t)(p << 8 | ws->gord[o]);
        ncp += (dx * dx + dy * dy <= ov2) & ((uint8_t)(ws->gsa[o] - pa + ZKM_CT_A) <= 2 * ZKM_CT_A);
    }
    return ncp;
}

/* Consolidate the pairing ws->best_p/best_g[0..m): see step 5 of zkm_match_views. Outputs: mt
 * paired minutiae in all, th of them with the same type on both sides, the quality-weighted
 * minutiae counts of each view inside the overlap (op, og) and the pairing's motion (mo). */
static void zkm_consolidate(const zkm_index *ix, const zkm_view *pv, const zkm_view *gv,
                            zki_match_ws *ws, int m, int *mt, int *th_out, int *op, int *og,
                            zkm_motion *mo)
{
    int np = pv->n, ng = gv->n;
    int32_t sc = 0, ss = 0;
    int64_t spx = 0, spy = 0, sgx = 0, sgy = 0;
    for (int k = 0; k < m; k++) {
        int p = ws->best_p[k], g = ws->best_g[k];
        unsigned rot = (unsigned)(gv->a[g] - pv->a[p]) & 255;
        sc += zki_cos8(rot);
        ss += zki_sin8(rot);
        spx += pv->x[p];
        spy += pv->y[p];
        sgx += gv->x[g];
        sgy += gv->y[g];
    }
    unsigned th = ((unsigned)zki_atan2(ss, sc) + 128) >> 8 & 255;
    int32_t c = zki_cos8(th), sn = -zki_sin8(th); /* rotate candidate by -th */
    int32_t cpx = (int32_t)(spx / m), cpy = (int32_t)(spy / m);
    int32_t cgx = (int32_t)(sgx / m), cgy = (int32_t)(sgy / m);
    *mo = (zkm_motion){c, sn, cpx, cpy, cgx, cgy, th};
    uint32_t mk = zkm_next_mark(ws);
    for (int k = 0; k < m; k++) {
        ws->p_mark[ws->best_p[k]] = mk;
        ws->g_mark[ws->best_g[k]] = mk;
    }
    /* aligned candidate minutiae, the unpaired ones (the only possible mates) bucketed by grid
     * cell (counting sort, stable: ascending g within a cell) */
    uint16_t *st = ws->gstart;
    uint16_t cell[256];
    int cmin = ZKM_GN * ZKM_GN, cmax = -1; /* the cells taken */
    memset(ws->gstart, 0, sizeof(ws->gstart));
    /* counts in st[cell + 2]; their running sums make st[cell + 1] the cell's start, the fill
     * cursor that ends as the next cell's start, so that st[cell] is the start of each cell */
    for (int g = 0; g < ng; g++) {
        int32_t u = gv->x[g] - cgx, v = -(gv->y[g] - cgy);
        int32_t ur = (u * c - v * sn) / 16384, vr = (u * sn + v * c) / 16384;
        ws->tx[g] = (int16_t)(cpx + ur);
        ws->ty[g] = (int16_t)(cpy - vr);
        ws->ta[g] = (uint8_t)(gv->a[g] - th);
        /* a paired minutia goes to the dummy slot ZKM_GN * ZKM_GN, past every real cell */
        cell[g] = ws->g_mark[g] == mk
                      ? (uint16_t)(ZKM_GN * ZKM_GN)
                      : (uint16_t)(zkm_cell(ws->ty[g]) * ZKM_GN + zkm_cell(ws->tx[g]));
        st[cell[g] + 2]++;
        cmin = cell[g] < cmin ? cell[g] : cmin;
        cmax = cell[g] != ZKM_GN * ZKM_GN && cell[g] > cmax ? cell[g] : cmax;
    }
    /* only the rows rmin..rmax hold minutiae: the gather reads no other row, and the starts
     * before row rmin are 0 already, so the running sums cover those rows alone */
    const int rmin = cmin / ZKM_GN, rmax = cmax < 0 ? -1 : cmax / ZKM_GN;
    for (int k = rmin * ZKM_GN + 2, run = 0; k <= (rmax + 1) * ZKM_GN; k++) {
        run += st[k];
        st[k] = (uint16_t)run;
    }
    for (int g = 0; g < ng; g++) {
        if (cell[g] == ZKM_GN * ZKM_GN)
            continue;
        const int o = st[cell[g] + 1]++;
        ws->gord[o] = (uint8_t)g;
        ws->gsx[o] = ws->tx[g];
        ws->gsy[o] = ws->ty[g];
        ws->gsa[o] = ws->ta[g];
    }
    int ncp = 0, cnt_p = 0;
    for (int p = 0; p < np; p++) {
        const int paired = ws->p_mark[p] == mk;
        /* inside the overlap: paired, or mapped into the candidate's frame (the inverse motion)
         * it lands in the candidate's occupancy mask */
        int32_t u = pv->x[p] - cpx, v = -(pv->y[p] - cpy);
        int32_t ur = (u * c + v * sn) / 16384, vr = (v * c - u * sn) / 16384;
        const int in = paired | zkm_occ(gv, cgx + ur, cgy - vr);
        cnt_p += in * pv->q[p];
        if (paired)
            continue;
        ws->kth[p] = UINT64_MAX; /* its local frame not computed yet */
        /* Possible mates: unpaired candidate minutiae within ZKM_OV_R px under the global motion
         * with a similar direction (gathered branch-free); judged in local frames below. */
        const unsigned pa = pv->a[p];
        const int32_t px = pv->x[p], py = pv->y[p];
        const uint8_t *pc = &ix->cell[4 * p];
        const int cx0 = pc[0], cx1 = pc[1], cy0 = pc[2], cy1 = pc[3];
        for (int cy = cy0 > rmin ? cy0 : rmin, cye = cy1 < rmax ? cy1 : rmax; cy <= cye; cy++) {
            const int o0 = st[cy * ZKM_GN + cx0], o1 = st[cy * ZKM_GN + cx1 + 1];
            /* at most one mate per slot: the bound on cpg is only tested when it may be met */
            if (ncp + (o1 - o0) <= ZKM_CPG_MAX)
                ncp = zkm_gather(ws, o0, o1, p, px, py, pa, ncp);
            else
                for (int o = o0; o < o1 && ncp < ZKM_CPG_MAX; o++)
                    ncp = zkm_gather(ws, o, o + 1, p, px, py, pa, ncp);
        }
    }
    int cnt_g = 0;
    for (int g = 0; g < ng; g++) {
        const int in = (ws->g_mark[g] == mk) | zkm_occ(pv, ws->tx[g], ws->ty[g]);
        cnt_g += in * gv->q[g];
    }
    int added = 0, hits = 0;
    for (int k = 0; k < m; k++)
        hits += pv->t[ws->best_p[k]] == gv->t[ws->best_g[k]];
    /* Elastic pairing: each possible mate judged in the local frame of the nearest anchors (the
     * global motion corrected by their residuals), so that elastic distortion far from the
     * pairing's centroid does not push true mates out of the tolerance, which itself grows with
     * the distance to the nearest anchor; the pairs of a round, closest first, anchor the next
     * (region growing from the grown pairing outwards). */
    int na = m, na0 = m; /* anchors; those before na0 were there in the previous round */
    for (int round = 0; round < ZKM_EL_ROUNDS; round++) {
        int ncl = 0, lastp = -1, same = 0;
        int32_t ox = 0, oy = 0, tol2 = 0;
        for (int i = 0; i < ncp; i++) {
            const int p = ws->cpg[i] >> 8, g = ws->cpg[i] & 255;
            if (ws->p_mark[p] == mk || ws->g_mark[g] == mk)
                continue;
            if (p != lastp) { /* a probe minutia's mates are consecutive */
                lastp = p;
                /* after the first round, p's frame changes only when one of the anchors added
                 * in the last round is nearer than its K-th nearest; otherwise its mates were
                 * judged with this frame already and are rejected again (or taken) */
                same = round > 0;
                for (int k = na0; same && k < na; k++) {
                    int32_t ex = pv->x[ws->best_p[k]] - pv->x[p],
                            ey = pv->y[ws->best_p[k]] - pv->y[p];
                    same = ((uint64_t)(ex * ex + ey * ey) << 8 | (uint64_t)k) >= ws->kth[p];
                }
                if (!same)
                    tol2 = zkm_el_tol2(zkm_local(pv, ws, na, p, &ox, &oy, &ws->kth[p]));
            }
            if (same)
                continue;
            int32_t dx = ws->tx[g] - pv->x[p] - ox, dy = ws->ty[g] - pv->y[p] - oy;
            int32_t d2 = dx * dx + dy * dy;
            if (d2 <= tol2 && ncl < 1024)
                ws->cl[ncl++] = (uint32_t)d2 << 16 | (uint32_t)p << 8 | (uint32_t)g;
        }
        /* closest first */
        for (int i = 1; i < ncl; i++) {
            uint32_t x = ws->cl[i];
            int j = i;
            while (j > 0 && ws->cl[j - 1] > x) {
                ws->cl[j] = ws->cl[j - 1];
                j--;
            }
            ws->cl[j] = x;
        }
        const int before = added;
        na0 = na;
        for (int i = 0; i < ncl; i++) {
            int p = ws->cl[i] >> 8 & 255, g = ws->cl[i] & 255;
            if (ws->p_mark[p] == mk || ws->g_mark[g] == mk)
                continue;
            ws->p_mark[p] = mk;
            ws->g_mark[g] = mk;
            ws->best_p[na] = (uint8_t)p;
            ws->best_g[na] = (uint8_t)g;
            na++;
            hits += pv->t[p] == gv->t[g];
            added++;
        }
        if (added == before)
            break;
    }
    *mt = m + added;
    *th_out = hits;
    *op = cnt_p / 100;
    *og = cnt_g / 100;
}

/* 1 when candidate edge (ed, ea1, ea2) and probe edge f are alike (see zkm_ient_make). */
static inline int zkm_corr_ok(const zkm_ient *f, unsigned ed, unsigned ea1, unsigned ea2)
{
    return (int)(ed - f->dlo <= f->dspan) & (int)((uint8_t)(ea1 - f->a1lo) <= 2 * ZKM_TOL_A) &
           (int)((uint8_t)(ea2 - f->a2lo) <= 2 * ZKM_TOL_A);
}

/* ---- tuning dump (ZKM_TUNE builds only) -------------------------------------------------------
 * The features of the winning pairing of the last comparison on this thread, printed per pair by
 * `zkbio bench accuracy` (cli/bench/bench_accuracy.c calls zkbio_tune_hook after each comparison):
 * the calibration's evidence study (docs/fingerprint-engine.md "Calibration across sensors"). */
#ifdef ZKM_TUNE
#include <stdio.h>
typedef struct zkm_tune {
    int np, ng, m, s, mt, th, op, og, agree, fin, raw, cells;
} zkm_tune;
static _Thread_local zkm_tune zkm_tune_cur, zkm_tune_best;
ZKBIO_API void zkbio_tune_hook(size_t r, size_t k, size_t n, int sr, int fr, int sk, int fk);
void zkbio_tune_hook(size_t r, size_t k, size_t n, int sr, int fr, int sk, int fk)
{
    (void)n;
    const zkm_tune *t = &zkm_tune_best;
    fprintf(stderr, "T %zu %zu %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n", r, k, sr, fr, sk,
            fk, t->np, t->ng, t->m, t->s, t->mt, t->th, t->op, t->og, t->agree, t->fin, t->raw,
            t->cells);
}
#endif

/* floor(n / d) for d > 0 */
static int64_t zkm_fdiv(int64_t n, int64_t d)
{
    int64_t q = n / d;
    return q - (int64_t)((n % d != 0) & (n < 0));
}

/* Narrow [*i0, *i1) to the i with xl <= a + i d < xh. */
static void zkm_clip(int64_t a, int64_t d, int64_t xl, int64_t xh, int64_t *i0, int64_t *i1)
{
    int64_t b, e; /* the solutions: b <= i < e */
    if (d > 0) {
        b = -zkm_fdiv(a - xl, d); /* ceil((xl - a) / d) */
        e = -zkm_fdiv(a - xh, d); /* ceil((xh - a) / d) */
    } else if (d < 0) {
        b = zkm_fdiv(a - xh, -d) + 1;
        e = zkm_fdiv(a - xl, -d) + 1;
    } else {
        b = a >= xl && a < xh ? INT64_MIN : INT64_MAX;
        e = INT64_MAX;
    }
    if (b > *i0)
        *i0 = b;
    if (e < *i1)
        *i1 = e;
}

/* Orientation-field agreement of a probe and a candidate view under a pairing's motion mo: the mean
 * of cos(2 d) over the probe's foreground cells whose centre lands on a foreground cell of the
 * candidate, d being the difference of their ridge orientations once the probe's is turned by the
 * motion's rotation; x 100, so -100..100; *cells_out receives the number of cells compared (the
 * overlap's area in cells of ZKBIO_OFIELD_CELL px). The cell centres are stepped
 * through the candidate's frame in 2^14 fixed point (the rotation's cos and sin are 14-bit), the
 * cell index taken with a bias that keeps the shifted value non-negative. Both views must have a
 * field; 0 when no cell overlaps. */
static int zkm_ofield_agree(const zkm_view *pv, const zkm_view *gv, const zkm_motion *mo,
                            int *cells_out)
{
    const int cs = ZKBIO_OFIELD_CELL, L = ZKBIO_OFIELD_LEVELS;
    /* cos(2 d) for every level difference k = candidate level - probe level (mod L): the
     * doubled orientation difference is 2 pi k / L minus the doubled rotation */
    int32_t cosk[2 * ZKBIO_OFIELD_LEVELS];
    for (int k = 0; k < L; k++) {
        uint32_t a = (uint32_t)k * 65536u / (uint32_t)L - mo->th * 512u;
        cosk[k] = cosk[k + L] = zki_cos8(((a + 128) >> 8) & 255);
    }
    const int32_t c = mo->c, sn = mo->sn;
    /* probe point (x, y) -> candidate point: the inverse of the motion above */
    const int64_t bias = (int64_t)1 << 40; /* > any |coordinate| * 2^14 * 16, a multiple of 2^18 */
    const int sh = 14 + 4;                 /* 2^14 fixed point, 16-px cells */
    int64_t rx = (int64_t)((pv->ofx0 * cs + cs / 2) - mo->cpx),
            ry = (int64_t)((pv->ofy0 * cs + cs / 2) - mo->cpy);
    int64_t gx0 = ((int64_t)mo->cgx << 14) + rx * c - ry * sn + bias - ((int64_t)gv->ofx0 << sh);
    int64_t gy0 = ((int64_t)mo->cgy << 14) + rx * sn + ry * c + bias - ((int64_t)gv->ofy0 << sh);
    const int64_t dxi = (int64_t)cs * c, dyi = (int64_t)cs * sn;  /* one cell right */
    const int64_t dxj = -(int64_t)cs * sn, dyj = (int64_t)cs * c; /* one cell down */
    const int64_t off = bias >> sh;
    const int64_t xl = off << sh, xh = (off + gv->ofw) << sh, yh = (off + gv->ofh) << sh;
    int32_t sum = 0;
    int n = 0;
    for (int j = 0; j < pv->ofh; j++, gx0 += dxj, gy0 += dyj) {
        const uint8_t *row = pv->of + (size_t)j * pv->ofw;
        const int lo = pv->ofspan[2 * j], hi = pv->ofspan[2 * j + 1];
        /* only the cells that land inside the candidate's field: gx in [xl, xh), gy in [xl, yh) */
        int64_t i0 = lo, i1 = hi;
        zkm_clip(gx0, dxi, xl, xh, &i0, &i1);
        zkm_clip(gy0, dyi, xl, yh, &i0, &i1);
        if (i0 >= i1)
            continue;
        int64_t gx = gx0 + i0 * dxi, gy = gy0 + i0 * dyi;
        for (int64_t i = i0; i < i1; i++, gx += dxi, gy += dyi) {
            const int lp = row[i];
            if (!lp)
                continue;
            const int64_t ci = (gx >> sh) - off, cj = (gy >> sh) - off;
            const int lg = gv->of[cj * gv->ofw + ci];
            if (!lg)
                continue;
            sum += cosk[lg - lp + L];
            n++;
        }
    }
    *cells_out = n;
    return n ? (int)((int64_t)sum * 100 / ((int64_t)n * 16384)) : 0;
}

/* Weight (x 100) of a pairing's score by the orientation agreement A (zkm_ofield_agree) of the
 * views it aligns: 0 up to ZKM_OF_A0, rising linearly to 1 at ZKM_OF_A1. Genuine pairs aligned by
 * their true pairing agree closely (A about 80..95; 60..75 for strongly distorted ones), while an
 * impostor pairing that happens to collect many minutiae rarely has the ridge flow of both prints
 * agree around it. */
static int zkm_of_factor(int a)
{
    int f = (a - ZKM_OF_A0) * 100 / (ZKM_OF_A1 - ZKM_OF_A0);
    return f < 0 ? 0 : f > 100 ? 100 : f;
}

/* ---- weak evidence (issue 18: scores that mean what they say on unseen sensors) -----------------
 * The impostor pairs that score highest pair few minutiae inside a tiny overlap, where the paired
 * fraction is near 1 by chance: on the three FVC sets at 0/90/180 degrees the 25 top impostor
 * pairs overlap in a median of 76 orientation cells (16 x 16 px) against 178 for genuine pairs of
 * the same raw score, and their chance-pairing evidence (the Poisson tail of their paired count
 * given the overlap's minutiae and the tolerance area, after Pankanti, Prabhakar & Jain 2002, "On
 * the individuality of fingerprints") is half the genuine pairs'. The score is therefore scaled by
 * the overlap's area when it is below ZKM_EV_CELLS cells (0 disables). The overlap is the cells
 * zkm_ofield_agree already compares, so only view pairs with orientation fields get the term.
 * Variants measured: docs/fingerprint-engine.md "Calibration across sensors". */
#ifndef ZKM_EV_CELLS
#define ZKM_EV_CELLS 60
#endif

static int32_t zkm_ev_overlap(int32_t fin, int cells)
{
    if (ZKM_EV_CELLS <= 0 || cells >= ZKM_EV_CELLS)
        return fin;
    return (int32_t)((int64_t)fin * cells / (ZKM_EV_CELLS > 0 ? ZKM_EV_CELLS : 1));
}

/* 1 when the distance from pair (p, g) to pair (p0, g0) is alike in both views:
 * |dp - dg| <= max(tol_d, max(dp, dg) * tol_dr / 64). */
static inline int zkm_alike(const zkm_view *pv, const zkm_view *gv, int p, int g, int p0, int g0,
                            int32_t tol_d, int32_t tol_dr)
{
    int32_t ax = pv->x[p] - pv->x[p0], ay = pv->y[p] - pv->y[p0];
    int32_t bx = gv->x[g] - gv->x[g0], by = gv->y[g] - gv->y[g0];
    uint32_t dp2 = (uint32_t)(ax * ax + ay * ay), dg2 = (uint32_t)(bx * bx + by * by);
    uint32_t lo2 = dp2 < dg2 ? dp2 : dg2, hi2 = dp2 < dg2 ? dg2 : dp2;
    /* Certainly alike, without the square root, when hi2 - lo2 <= 2 G L - G^2 (G = tol_d, L =
     * the largest coordinate of the longer vector, at most its length D): then lo2 >= (D - G)^2
     * >= (dm - tol)^2 below, as tol >= G. */
    int32_t lx = dp2 < dg2 ? abs(bx) : abs(ax), ly = dp2 < dg2 ? abs(by) : abs(ay);
    if ((int32_t)(hi2 - lo2) <= 2 * tol_d * (lx > ly ? lx : ly) - tol_d * tol_d)
        return 1;
    int32_t dm = (int32_t)zkm_isqrt(hi2);
    int32_t tol = dm * tol_dr / 64;
    if (tol < tol_d)
        tol = tol_d;
    return !(dm > tol && lo2 < (uint32_t)((dm - tol) * (dm - tol)));
}

/* Raw score (x 100) of probe view pv against candidate view gv; *use_of is set when both have an
 * orientation field, so the score includes the orientation factor (and is calibrated by the
 * table for that case). */
static int32_t zkm_match_views(const zkm_index *ix, const zkm_view *pv, const zkm_view *gv,
                               zki_match_ws *ws, int presel, int *use_of_out, int *pruned)
{
    const int use_of = pv->of && gv->of;
    *use_of_out = use_of;
    int np = pv->n, ng = gv->n;
    if (np < 2 || ng < 2)
        return 0;
    /* 1. correspondences */
    int nc = 0;
    const uint32_t *const off = ix->off;
    const zkm_ient *const ent = ix->ent;
    uint32_t *const corr = ws->corr;
    /* the candidate edges whose bin has entries (the others add nothing and cannot truncate) */
    uint16_t *const act = ws->act;
    int na = 0;
    for (int k = 0, ne = gv->ne; k < ne; k++) {
        const unsigned bin = gv->e[k].bin;
        act[na] = (uint16_t)k;
        na += off[bin] != off[bin + 1];
    }
    for (int a = 0; a < na; a++) {
        const zkm_edge *e = &gv->e[act[a]];
        uint32_t lo = off[e->bin], hi = off[e->bin + 1];
        if (nc + (int)(hi - lo) > ZKM_MAX_CORR)
            break; /* deterministic truncation: stop before a bin that might not fit */
        const unsigned ed = e->d, ea1 = e->a1, ea2 = e->a2;
        const uint32_t gij = (uint32_t)e->i << 16 | (uint32_t)e->j << 24;
        /* the bin's first entry, its second (discarded when the bin has only one), the rest */
        corr[nc] = ent[lo].ij | gij;
        nc += zkm_corr_ok(&ent[lo], ed, ea1, ea2);
        corr[nc] = ent[lo + 1].ij | gij;
        nc += (int)(lo + 1 < hi) & zkm_corr_ok(&ent[lo + 1], ed, ea1, ea2);
        for (uint32_t q = lo + 2; q < hi; q++) {
            corr[nc] = ent[q].ij | gij;
            nc += zkm_corr_ok(&ent[q], ed, ea1, ea2);
        }
    }
    if (nc == 0)
        return 0;
    /* 2. graph of minutia pairs */
    if (++ws->map_stamp == 0x10000) {
        memset(ws->map, 0, sizeof(ws->map));
        memset(ws->adj_sorted, 0, sizeof(ws->adj_sorted));
        ws->map_stamp = 1;
    }
    const uint16_t stamp = (uint16_t)ws->map_stamp;
    int nn = 0;
    for (int k = 0; k < nc; k++) {
        uint32_t c = corr[k];
        int a = zkm_node(ws, ng, c & 255, c >> 16 & 255, &nn);
        int b = zkm_node(ws, ng, c >> 8 & 255, c >> 24, &nn);
        ws->deg[a]++;
        ws->deg[b]++;
        corr[k] = (uint32_t)a | (uint32_t)b << 16; /* the slot now remembers the node ids */
    }
    /* adjacency lists: adj_off[u + 1] is u's fill cursor, then its end */
    ws->adj_off[0] = 0;
    for (int u = 0, start = 0; u < nn; u++) {
        ws->adj_off[u + 1] = (uint32_t)start;
        start += ws->deg[u];
    }
    for (int k = 0; k < nc; k++) {
        int a = corr[k] & 0xffff, b = corr[k] >> 16;
        ws->adj[ws->adj_off[a + 1]++] = (uint16_t)b;
        ws->adj[ws->adj_off[b + 1]++] = (uint16_t)a;
    }
    /* 3. roots: top ZKM_ROOTS by degree, ties to the lower node id */
    int nr = 0, dmin = -1; /* dmin: degree of the last root once there are ZKM_ROOTS */
    for (int u = 0; u < nn; u++) {
        const int du = ws->deg[u];
        if (du <= dmin)
            continue;
        int p = nr < ZKM_ROOTS ? nr++ : ZKM_ROOTS - 1;
        while (p > 0 && ws->deg[ws->roots[p - 1]] < du) {
            ws->roots[p] = ws->roots[p - 1];
            p--;
        }
        ws->roots[p] = (uint16_t)u;
        if (nr == ZKM_ROOTS)
            dmin = ws->deg[ws->roots[ZKM_ROOTS - 1]];
    }
    /* 4. grow a pairing from each root */
    for (int r = 0; r < nr; r++) {
        int root = ws->roots[r];
        uint32_t mk = zkm_next_mark(ws);
        int rp = ws->node_p[root], rg = ws->node_g[root], rrot = (uint8_t)(gv->a[rg] - pv->a[rp]);
        uint16_t *queue = ws->rq[r]; /* the grown pairing, in the order it grew */
        int qh = 0, qt = 0;
        queue[qt++] = (uint16_t)root;
        ws->node_mark[root] = mk;
        ws->p_mark[rp] = mk;
        ws->g_mark[rg] = mk;
        while (qh < qt) {
            int u = queue[qh++];
            if (ws->adj_sorted[u] != stamp) {
                /* most-supported neighbours first (stable insertion sort, lists are short);
                 * only the lists growth reads are sorted, once per comparison */
                uint16_t *l = &ws->adj[ws->adj_off[u]];
                int len = (int)(ws->adj_off[u + 1] - ws->adj_off[u]);
                for (int s = 1; s < len; s++) {
                    uint16_t x = l[s];
                    int i = s;
                    while (i > 0 && ws->deg[l[i - 1]] < ws->deg[x]) {
                        l[i] = l[i - 1];
                        i--;
                    }
                    l[i] = x;
                }
                ws->adj_sorted[u] = stamp;
            }
            for (uint32_t q = ws->adj_off[u]; q < ws->adj_off[u + 1]; q++) {
                int w = ws->adj[q];
                int p = ws->node_p[w], g = ws->node_g[w];
                if (ws->p_mark[p] == mk || ws->g_mark[g] == mk)
                    continue;
                /* rotation of the pair (found here: growth reads few of the nodes) */
                if (zkm_adiff((uint8_t)(gv->a[g] - pv->a[p]), rrot) > ZKM_ROT_TOL)
                    continue;
                /* distance to the root alike in both views: |dp - dg| <= tol(max(dp, dg)) */
                if (!zkm_alike(pv, gv, p, g, rp, rg, ZKM_GROW_D, ZKM_GROW_DR))
                    continue;
                if (ZKM_GROW_LOCAL && qh > 1) { /* u is not the root: check its predecessor */
                    const int pu = ws->gpar[qh - 1];
                    if (!zkm_alike(pv, gv, p, g, ws->node_p[pu], ws->node_g[pu], ZKM_GROW_LD,
                                   ZKM_GROW_LDR))
                        continue;
                }
                if (ZKM_GROW_LOCAL)
                    ws->gpar[qt] = (uint16_t)u;
                ws->p_mark[p] = mk;
                ws->g_mark[g] = mk;
                ws->node_mark[w] = mk;
                queue[qt++] = (uint16_t)w;
            }
        }
        /* supporting edges: correspondences with both ends in the pairing (each seen twice) */
        int m = qt, s2 = 0;
        for (int k = 0; k < m; k++) {
            int u = queue[k];
            for (uint32_t q = ws->adj_off[u]; q < ws->adj_off[u + 1]; q++)
                s2 += ws->node_mark[ws->adj[q]] == mk;
        }
        ws->rm[r] = (uint16_t)m;
        ws->rs[r] = (uint16_t)(s2 / 2);
        ws->rraw[r] = zkm_raw(m, s2 / 2, np, ng);
    }
    /* 5. consolidate the best pairings (by raw score) of up to ZKM_CONS_N distinct root clusters
     * (a root inside a pairing already taken grows much the same pairing again): align the views
     * by the pairing's rigid motion, pair the remaining minutiae that land close with a similar
     * direction, and count the minutiae of each view that lie inside the overlap. The best final
     * score wins: the pairing with the best raw score is often a wrong one when the true one is
     * small (light touch, distortion) and only consolidation shows its extent. */
    int32_t best = 0;
    uint32_t taken = 0; /* bit r: root r considered */
    for (int t = 0; t < ZKM_CONS_N;) {
        int bi = -1;
        for (int r = 0; r < nr; r++)
            if (!(taken >> r & 1) && (bi < 0 || ws->rraw[r] > ws->rraw[bi]))
                bi = r;
        if (bi < 0 || ws->rm[bi] < 2)
            break;
        int dup = 0;
        for (int r = 0; r < nr; r++)
            if (taken >> r & 1)
                for (int k = 0; k < ws->rm[r]; k++)
                    dup |= ws->rq[r][k] == ws->roots[bi];
        taken |= (uint32_t)1 << bi;
        if (dup)
            continue;
        t++;
        int m = ws->rm[bi];
        if (presel && m < ZKM_PRESEL_M) { /* counted as considered: the others stay as they were */
            *pruned = 1;
            continue;
        }
        for (int k = 0; k < m; k++) {
            ws->best_p[k] = ws->node_p[ws->rq[bi][k]];
            ws->best_g[k] = ws->node_g[ws->rq[bi][k]];
        }
        int mt, th, op, og;
        zkm_motion mo;
        zkm_consolidate(ix, pv, gv, ws, m, &mt, &th, &op, &og, &mo);
        int32_t fin = zkm_raw2(m, ws->rs[bi], mt, th, op, og);
        int agree = -1000, cells = 0;
        if (use_of && fin > best) { /* the factors are at most 1: skipped when fin cannot win */
            agree = zkm_ofield_agree(pv, gv, &mo, &cells);
            fin = (int32_t)((int64_t)fin * zkm_of_factor(agree) / 100);
            fin = zkm_ev_overlap(fin, cells);
        }
#ifdef ZKM_TUNE
        if (fin > best)
            zkm_tune_cur =
                (zkm_tune){np,  ng,   m,  ws->rs[bi], mt,
                           th,  op,   og, agree,      zkm_raw2(m, ws->rs[bi], mt, th, op, og),
                           fin, cells};
#endif
        if (fin > best)
            best = fin;
    }
    return best;
}

/* Calibration: raw score (x 100) -> 100 * 10 * log10(1 / FMR) (match.h ZKBIO_MATCH_CALIBRATION),
 * one table for view pairs that both have an orientation field (the raw score includes the
 * orientation factor) and one for the rest (minutiae alone: ISO/ANSI imports, version 1 native
 * records). Fitted by scripts/fp-calibrate.py (run it, with --write, whenever the raw score or the
 * extraction changes) on the pooled impostors of FVC2002 DB1_B, FVC2002 DB3_B and FVC2004 DB1_B
 * at probe rotations 0, 90 and 180 degrees (3 x 3 x 2,880 protocol pairs; for the second table
 * with the fields removed), with a margin: the knots of scores 3, 10, 20, 30 are where the 95 %
 * upper confidence bound of the FMR reaches 50 %, 10 %, 1 %, 0.1 %; the 40 and 50 knots continue
 * with an exponential tail whose raw step per decade comes from the set with the heaviest tail
 * (upper bound), the 40 knot shifted up by half a decade more for sensors not seen in development
 * (docs/fingerprint-engine.md "Calibration across sensors"); everything above 50 continues the
 * 40 -> 50 segment. */
static const int32_t zkm_cal_raw_of[] = {0, 144, 437, 776, 1136, 1759, 2175};
static const int32_t zkm_cal_raw_min[] = {0, 424, 763, 1197, 1628, 2503, 3087};
static const int32_t zkm_cal_score[] = {0, 300, 1000, 2000, 3000, 4000, 5000};
#define ZKM_CAL_N ((int)(sizeof(zkm_cal_score) / sizeof(zkm_cal_score[0])))

static int32_t zkm_calibrate(int32_t raw, int with_of)
{
    const int32_t *cr = with_of ? zkm_cal_raw_of : zkm_cal_raw_min;
    if (raw <= cr[0])
        return zkm_cal_score[0];
    int k = 1;
    while (k < ZKM_CAL_N - 1 && raw > cr[k])
        k++;
    int64_t x0 = cr[k - 1], x1 = cr[k];
    int64_t y0 = zkm_cal_score[k - 1], y1 = zkm_cal_score[k];
    int64_t y = y0 + ((int64_t)raw - x0) * (y1 - y0) / (x1 - x0);
    if (y < 0)
        y = 0;
    return (int32_t)(y > INT32_MAX ? INT32_MAX : y);
}

/* The best calibrated score over all view pairs; *pruned is set when pre-selection (presel)
 * skipped a pairing. */
static int32_t zkm_score_views(const zki_probe *probe, const zki_prep *cand, zki_match_ws *ws,
                               int presel, int *pruned)
{
    int32_t best = 0;
#ifdef ZKM_TUNE
    zkm_tune_best = (zkm_tune){0};
#endif
    for (unsigned a = 0; a < probe->prep->nviews; a++)
        for (unsigned b = 0; b < cand->nviews; b++) {
            int use_of;
#ifdef ZKM_TUNE
            zkm_tune_cur = (zkm_tune){0};
#endif
            int32_t r = zkm_match_views(&probe->ix[a], &probe->prep->v[a], &cand->v[b], ws, presel,
                                        &use_of, pruned);
#ifdef ZKM_TUNE
            if (r > zkm_tune_best.raw)
                zkm_tune_best = zkm_tune_cur;
#endif
#ifdef ZKM_CAL_DUMP /* calibration builds: the raw score itself */
            int32_t sc = r;
            (void)zkm_calibrate;
#else
            int32_t sc = zkm_calibrate(r, use_of);
#endif
            if (sc > best)
                best = sc;
        }
    return best;
}

int32_t zki_match_score(const zki_probe *probe, const zki_prep *cand, zki_match_ws *ws,
                        int32_t floor)
{
    int pruned = 0;
    int32_t best = zkm_score_views(probe, cand, ws, floor >= ZKM_PRESEL_FLOOR, &pruned);
    if (pruned && best >= floor) /* a result that is kept is the exact score */
        best = zkm_score_views(probe, cand, ws, 0, &pruned);
    return best;
}

/* ---- public API -------------------------------------------------------------------------------
 */

struct zkbio_matcher {
    zki_probe *probe;
    zki_match_ws *ws;
    void *buf; /* candidate preparation buffer, reused */
    size_t cap;
};

void zkbio_matcher_free(zkbio_matcher *m)
{
    if (!m)
        return;
    zki_probe_free(m->probe);
    zki_match_ws_free(m->ws);
    free(m->buf);
    free(m);
}

int zkbio_matcher_new(const zkbio_template *probe, zkbio_matcher **out)
{
    if (!out || zkm_check_template(probe) != ZKBIO_OK)
        return ZKBIO_EINVAL;
    zkbio_matcher *m = calloc(1, sizeof(*m));
    if (!m)
        return ZKBIO_ENOMEM;
    int rc = zki_probe_build(probe, &m->probe);
    if (rc == ZKBIO_OK)
        rc = zki_match_ws_new(&m->ws);
    if (rc != ZKBIO_OK) {
        zkbio_matcher_free(m);
        return rc;
    }
    *out = m;
    return ZKBIO_OK;
}

int zkbio_matcher_match(zkbio_matcher *m, const zkbio_template *candidate, double *score)
{
    if (!m || !score || zkm_check_template(candidate) != ZKBIO_OK)
        return ZKBIO_EINVAL;
    size_t size = zkm_prep_size(candidate);
    if (size > m->cap) {
        void *nb = malloc(size);
        if (!nb)
            return ZKBIO_ENOMEM;
        free(m->buf);
        m->buf = nb;
        m->cap = size;
    }
    zki_prep *c = zkm_prep_into(candidate, m->buf, size);
    *score = zki_match_score(m->probe, c, m->ws, 0) / 100.0;
    return ZKBIO_OK;
}

/* zkbio_match() keeps one scratch area per thread (freed when the thread exits) instead of
 * allocating its ~300 KiB for every call. */
static pthread_once_t zkm_once = PTHREAD_ONCE_INIT;
static pthread_key_t zkm_key;
static int zkm_key_ok;

static void zkm_ws_destroy(void *ws)
{
    zki_match_ws_free(ws);
}

static void zkm_key_init(void)
{
    zkm_key_ok = pthread_key_create(&zkm_key, zkm_ws_destroy) == 0;
}

#if defined(__GNUC__) || defined(__clang__)
/* When the library is unloaded (dlclose(), FreeLibrary(), or at process exit), delete the key: a
 * thread that called zkbio_match() and is still alive would otherwise run zkm_ws_destroy() when it
 * exits, after the code is unmapped (a crash; koffi's worker threads outlive the library at Node's
 * exit, bindings/node/lib/native.js). pthread_key_delete() runs no destructor, so the scratch areas
 * of the threads still alive are leaked (about 300 KiB each): the documented price of unloading
 * the library while its matching threads live on (tests/unit/test-match-unload.c). Unloading while
 * a zkbio_match() runs is undefined anyway. GCC and Clang run this from the shared object's fini
 * array (also at process exit, where it is harmless); mingw-w64 from the DLL's process detach. */
__attribute__((destructor)) static void zkm_key_fini(void)
{
    if (zkm_key_ok) {
        zkm_key_ok = 0;
        pthread_key_delete(zkm_key);
    }
}
#endif

int zkbio_match(const zkbio_template *probe, const zkbio_template *candidate, double *score)
{
    if (!score || zkm_check_template(probe) != ZKBIO_OK ||
        zkm_check_template(candidate) != ZKBIO_OK)
        return ZKBIO_EINVAL;
    zki_match_ws *ws = NULL, *own = NULL;
    pthread_once(&zkm_once, zkm_key_init);
    if (zkm_key_ok && (ws = pthread_getspecific(zkm_key)) == NULL &&
        zki_match_ws_new(&ws) == ZKBIO_OK && pthread_setspecific(zkm_key, ws) != 0)
        own = ws;
    if (!ws && zki_match_ws_new(&ws) == ZKBIO_OK)
        own = ws;
    if (!ws)
        return ZKBIO_ENOMEM;
    zki_probe *p = NULL;
    zki_prep *c = NULL;
    int rc = zki_probe_build(probe, &p);
    if (rc == ZKBIO_OK)
        rc = zki_prep_build(candidate, &c);
    if (rc == ZKBIO_OK)
        *score = zki_match_score(p, c, ws, 0) / 100.0;
    zki_prep_free(c);
    zki_probe_free(p);
    zki_match_ws_free(own);
    return rc;
}
