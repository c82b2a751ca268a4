/* SPDX-License-Identifier: Apache-2.0 */
/* Enrollment merge (include/zkbio/merge.h): the multi-view template (zkbio_merge) and the
 * consolidated one (zki_merge_consolidated, lib/fp/zki_merge.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fp/formats/zki_fmr.h"
#include "fp/zki_fixmath.h"
#include "fp/zki_merge.h"
#include "zkbio/extract.h"
#include "zkbio/match.h"
#include "zkbio/merge.h"

/* ---- multi-view merge --------------------------------------------------------------------- */

static int check_capture(const zkbio_template *t)
{
    if (!t || t->view_count > 1 || t->count > ZKBIO_TEMPLATE_MINUTIAE_MAX ||
        (t->count > 0 && !t->minutiae))
        return ZKBIO_EINVAL;
    for (size_t i = 0; i < t->count; i++)
        if (t->minutiae[i].view != 0)
            return ZKBIO_EINVAL;
    return ZKBIO_OK;
}

/* Indices of the `keep` best minutiae of t by quality (ties: earlier first), in template order. */
static void best_by_quality(const zkbio_template *t, size_t keep, bool *mark)
{
    for (size_t i = 0; i < t->count; i++)
        mark[i] = false;
    for (size_t k = 0; k < keep; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < t->count; i++)
            if (!mark[i] &&
                (best == SIZE_MAX || t->minutiae[i].quality > t->minutiae[best].quality))
                best = i;
        if (best == SIZE_MAX)
            break;
        mark[best] = true;
    }
}

int zkbio_merge(const zkbio_template *const captures[3], zkbio_template **out)
{
    if (!captures || !out)
        return ZKBIO_EINVAL;
    for (int i = 0; i < 3; i++)
        if (check_capture(captures[i]) != ZKBIO_OK)
            return ZKBIO_EINVAL;
    for (int i = 0; i < 3; i++) {
        const zkbio_template *t = captures[i];
        if (t->count < ZKBIO_EXTRACT_MINUTIAE_MIN ||
            (t->finger_quality > 0 && t->finger_quality < ZKBIO_MERGE_QUALITY_MIN))
            return ZKBIO_ELOWQUALITY;
    }
    double s[3][3] = {{0}};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++) {
            int rc = zkbio_match(captures[i], captures[j], &s[i][j]);
            if (rc != ZKBIO_OK)
                return rc;
            s[j][i] = s[i][j];
        }
    bool any_verified = false;
    double sum[3];
    for (int i = 0; i < 3; i++) {
        int a = (i + 1) % 3, b = (i + 2) % 3;
        double best = s[i][a] > s[i][b] ? s[i][a] : s[i][b];
        if (best < ZKBIO_MERGE_SAME_FINGER)
            return ZKBIO_EMISMATCH;
        if (best >= ZKBIO_MATCH_THRESHOLD)
            any_verified = true;
        sum[i] = s[i][a] + s[i][b];
    }
    if (!any_verified)
        return ZKBIO_EMISMATCH;

    /* order: best matching capture first; ties keep the capture order */
    int order[3] = {0, 1, 2};
    for (int i = 1; i < 3; i++)
        for (int j = i; j > 0 && sum[order[j]] > sum[order[j - 1]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }

    /* at most ZKBIO_TEMPLATE_MINUTIAE_MAX in all, and a native record within ZKBIO_NATIVE_MAX
     * with the three fields (down to ZKBIO_MERGE_VIEW_MINUTIAE_MIN a view): the largest per-view
     * cap that fits */
    zkbio_ofield fields[3];
    for (int v = 0; v < 3; v++)
        fields[v] = captures[order[v]]->ofield[0];
    size_t cap = ZKBIO_TEMPLATE_MINUTIAE_MAX, total;
    for (;; cap--) {
        total = 0;
        for (int i = 0; i < 3; i++)
            total += captures[i]->count < cap ? captures[i]->count : cap;
        if (total <= ZKBIO_TEMPLATE_MINUTIAE_MAX &&
            (cap <= ZKBIO_MERGE_VIEW_MINUTIAE_MIN ||
             zki_native_size(total, 3, fields) <= ZKBIO_NATIVE_MAX))
            break;
    }
    zkbio_template *t;
    int rc = zkbio_template_new(total, &t);
    if (rc != ZKBIO_OK)
        return rc;
    const zkbio_template *first = captures[order[0]];
    t->width = first->width;
    t->height = first->height;
    t->xres = first->xres;
    t->yres = first->yres;
    t->equipment = first->equipment;
    t->ansi_product_id = first->ansi_product_id;
    t->finger_position = first->finger_position;
    t->impression_type = first->impression_type;
    t->finger_quality = first->finger_quality;
    t->view_count = 3;
    bool mark[ZKBIO_TEMPLATE_MINUTIAE_MAX];
    size_t k = 0;
    for (int v = 0; v < 3; v++) {
        const zkbio_template *c = captures[order[v]];
        best_by_quality(c, cap, mark);
        for (size_t i = 0; i < c->count; i++) {
            if (!mark[i])
                continue;
            t->minutiae[k] = c->minutiae[i];
            t->minutiae[k].view = (uint8_t)v;
            k++;
        }
        const zkbio_ofield *f = &c->ofield[0]; /* each capture's field goes with its view */
        if (f->cols && (rc = zkbio_template_ofield_set(t, (unsigned)v, f->x0, f->y0, f->cols,
                                                       f->rows, f->cells)) != ZKBIO_OK) {
            zkbio_template_free(t);
            return rc;
        }
    }
    *out = t;
    return ZKBIO_OK;
}

/* ---- consolidated merge ------------------------------------------------------------------- */

/* A minutia in a y-up frame (angles are counter-clockwise with y up, fingerprint.md §4.1). */
typedef struct cpt {
    int32_t x, y;
    uint8_t a, type, q, view;
} cpt;

typedef struct xform {
    uint8_t r; /* rotation, 360/256-degree units, counter-clockwise */
    int32_t tx, ty;
} xform;

#define TOL_D2 (ZKI_MERGE_CLUSTER_DIST * ZKI_MERGE_CLUSTER_DIST)

static int32_t rdiv14(int64_t v)
{
    return (int32_t)(v >= 0 ? (v + 8192) / 16384 : -((-v + 8192) / 16384));
}

static cpt xf_apply(const xform *f, const cpt *p)
{
    int64_t c = zki_cos8(f->r), s = zki_sin8(f->r);
    cpt o = *p;
    o.x = rdiv14(p->x * c - p->y * s) + f->tx;
    o.y = rdiv14(p->x * s + p->y * c) + f->ty;
    o.a = (uint8_t)(p->a + f->r);
    return o;
}

static int cpt_cmp_x(const void *a, const void *b)
{
    const cpt *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->y < q->y ? -1 : p->y > q->y;
}

/* Index in ref (sorted by x) of the nearest minutia within the tolerance of p, or -1. */
static int nearest(const cpt *ref, int n, const cpt *p)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (ref[mid].x < p->x - ZKI_MERGE_CLUSTER_DIST)
            lo = mid + 1;
        else
            hi = mid;
    }
    int best = -1;
    int64_t bd = TOL_D2 + 1;
    for (int i = lo; i < n && ref[i].x <= p->x + ZKI_MERGE_CLUSTER_DIST; i++) {
        int64_t dx = ref[i].x - p->x, dy = ref[i].y - p->y, d2 = dx * dx + dy * dy;
        if (d2 < bd && zki_angle_diff8(ref[i].a, p->a) <= ZKI_MERGE_CLUSTER_ANGLE) {
            bd = d2;
            best = i;
        }
    }
    return best;
}

static int support(const cpt *ref, int nr, const cpt *mov, int nm, const xform *f)
{
    int n = 0;
    for (int i = 0; i < nm; i++) {
        cpt p = xf_apply(f, &mov[i]);
        n += nearest(ref, nr, &p) >= 0;
    }
    return n;
}

/* Least-squares rotation and translation over the minutiae that f pairs one-to-one. */
static xform refine(const cpt *ref, int nr, const cpt *mov, int nm, const xform *f)
{
    bool used[ZKBIO_TEMPLATE_MINUTIAE_MAX] = {false};
    int pa[ZKBIO_TEMPLATE_MINUTIAE_MAX], pb[ZKBIO_TEMPLATE_MINUTIAE_MAX], np = 0;
    for (int i = 0; i < nm; i++) {
        cpt p = xf_apply(f, &mov[i]);
        int j = nearest(ref, nr, &p);
        if (j >= 0 && !used[j]) {
            used[j] = true;
            pa[np] = j;
            pb[np] = i;
            np++;
        }
    }
    if (np < 2)
        return *f;
    int64_t sax = 0, say = 0, sbx = 0, sby = 0;
    for (int k = 0; k < np; k++) {
        sax += ref[pa[k]].x;
        say += ref[pa[k]].y;
        sbx += mov[pb[k]].x;
        sby += mov[pb[k]].y;
    }
    int64_t dot = 0, cross = 0;
    for (int k = 0; k < np; k++) {
        int64_t ax = ref[pa[k]].x * np - sax, ay = ref[pa[k]].y * np - say;
        int64_t bx = mov[pb[k]].x * np - sbx, by = mov[pb[k]].y * np - sby;
        dot += (bx * ax + by * ay) / np;
        cross += (bx * ay - by * ax) / np;
    }
    while (dot > INT32_MAX || dot < -INT32_MAX || cross > INT32_MAX || cross < -INT32_MAX) {
        dot /= 2;
        cross /= 2;
    }
    xform g;
    g.r = (uint8_t)((zki_atan2((int32_t)cross, (int32_t)dot) + 128u) >> 8);
    int64_t c = zki_cos8(g.r), s = zki_sin8(g.r);
    /* t = mean(a) - R mean(b) */
    g.tx = (int32_t)((sax * 16384 - (sbx * c - sby * s) + np * 8192LL) / (np * 16384LL));
    g.ty = (int32_t)((say * 16384 - (sbx * s + sby * c) + np * 8192LL) / (np * 16384LL));
    return g;
}

/* Register mov onto ref (sorted by x). Returns the support of the transform found. */
static int register_view(const cpt *ref, int nr, const cpt *mov, int nm, xform *out)
{
    int best = -1;
    xform bf = {0, 0, 0};
    for (int i = 0; i < nr; i++)
        for (int j = 0; j < nm; j++) {
            if (ref[i].type != mov[j].type)
                continue;
            xform f;
            f.r = (uint8_t)(ref[i].a - mov[j].a);
            f.tx = 0;
            f.ty = 0;
            cpt p = xf_apply(&f, &mov[j]);
            f.tx = ref[i].x - p.x;
            f.ty = ref[i].y - p.y;
            int s = support(ref, nr, mov, nm, &f);
            if (s > best) {
                best = s;
                bf = f;
            }
        }
    if (best < 0)
        return 0;
    xform rf = refine(ref, nr, mov, nm, &bf);
    int rs = support(ref, nr, mov, nm, &rf);
    if (rs >= best) {
        best = rs;
        bf = rf;
    }
    *out = bf;
    return best;
}

typedef struct cluster {
    int64_t sx, sy, sc, ss; /* sums of positions and of unit direction vectors (x 16384) */
    int32_t n;
    uint8_t views, q, type;
    int32_t cx, cy;
    uint8_t ca;
} cluster;

static void cluster_add(cluster *c, const cpt *p)
{
    c->sx += p->x;
    c->sy += p->y;
    c->sc += zki_cos8(p->a);
    c->ss += zki_sin8(p->a);
    c->n++;
    c->views |= (uint8_t)(1u << p->view);
    if (p->q > c->q)
        c->q = p->q;
    /* centre: rounded mean; direction: the mean vector's angle */
    c->cx = (int32_t)((c->sx * 2 + (c->sx >= 0 ? c->n : -c->n)) / (2 * c->n));
    c->cy = (int32_t)((c->sy * 2 + (c->sy >= 0 ? c->n : -c->n)) / (2 * c->n));
    int64_t sc = c->sc, ss = c->ss;
    c->ca = (uint8_t)((zki_atan2((int32_t)ss, (int32_t)sc) + 128u) >> 8);
}

static int64_t cross3(const cpt *o, const cpt *a, const cpt *b)
{
    return (int64_t)(a->x - o->x) * (b->y - o->y) - (int64_t)(a->y - o->y) * (b->x - o->x);
}

/* Convex hull (counter-clockwise) of p[0..n) sorted by x then y into h (room for 2n points);
 * returns its size, 0 for fewer than 3 points. */
static int hull(const cpt *p, int n, cpt *h)
{
    if (n < 3)
        return 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross3(&h[k - 2], &h[k - 1], &p[i]) <= 0)
            k--;
        h[k++] = p[i];
    }
    for (int i = n - 2, lo = k + 1; i >= 0; i--) {
        while (k >= lo && cross3(&h[k - 2], &h[k - 1], &p[i]) <= 0)
            k--;
        h[k++] = p[i];
    }
    return k - 1;
}

static bool in_hull(const cpt *h, int n, int32_t x, int32_t y)
{
    if (n < 3)
        return false;
    cpt q = {x, y, 0, 0, 0, 0};
    for (int i = 0; i < n; i++)
        if (cross3(&h[i], &h[(i + 1) % n], &q) < 0)
            return false;
    return true;
}

typedef struct ranked {
    int32_t x, y;
    uint8_t a, type, q, nviews;
    int idx;
} ranked;

static int ranked_cmp(const void *a, const void *b)
{
    const ranked *p = a, *q = b;
    if (p->nviews != q->nviews)
        return p->nviews > q->nviews ? -1 : 1;
    if (p->q != q->q)
        return p->q > q->q ? -1 : 1;
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

#define MAXP ZKBIO_TEMPLATE_MINUTIAE_MAX
/* Andrew's monotone chain holds up to 2n - 1 points while it builds the upper half */
#define HULL_CAP (2 * MAXP)

int zki_merge_consolidated(const zkbio_template *const c[3], zkbio_template **out)
{
    if (!c || !out)
        return ZKBIO_EINVAL;
    for (int i = 0; i < 3; i++)
        if (check_capture(c[i]) != ZKBIO_OK)
            return ZKBIO_EINVAL;
    int rc = ZKBIO_ENOMEM;
    cpt *pts = malloc(3 * MAXP * sizeof(cpt)); /* registered minutiae, per view */
    cpt *ref = malloc(MAXP * sizeof(cpt));     /* view 0 sorted by x */
    cpt *hulls = malloc(3 * HULL_CAP * sizeof(cpt));
    cluster *cl = calloc(3 * MAXP, sizeof(cluster));
    ranked *rk = malloc(3 * MAXP * sizeof(ranked));
    zkbio_template *t = NULL;
    if (!pts || !ref || !hulls || !cl || !rk)
        goto done;

    int np[3] = {0, 0, 0}, nh[3] = {0, 0, 0};
    bool used[3] = {true, false, false};
    for (int v = 0; v < 3; v++) {
        for (size_t i = 0; i < c[v]->count; i++) {
            const zkbio_minutia *m = &c[v]->minutiae[i];
            cpt p = {m->x, -(int32_t)m->y, m->angle, m->type, m->quality, (uint8_t)v};
            pts[v * MAXP + np[v]++] = p;
        }
    }
    memcpy(ref, pts, (size_t)np[0] * sizeof(cpt));
    qsort(ref, (size_t)np[0], sizeof(cpt), cpt_cmp_x);
    for (int v = 1; v < 3; v++) {
        xform f;
        if (register_view(ref, np[0], pts + v * MAXP, np[v], &f) < 4)
            continue;
        used[v] = true;
        for (int i = 0; i < np[v]; i++)
            pts[v * MAXP + i] = xf_apply(&f, &pts[v * MAXP + i]);
    }
    for (int v = 0; v < 3; v++) {
        if (!used[v])
            continue;
        cpt tmp[MAXP];
        memcpy(tmp, pts + v * MAXP, (size_t)np[v] * sizeof(cpt));
        qsort(tmp, (size_t)np[v], sizeof(cpt), cpt_cmp_x);
        nh[v] = hull(tmp, np[v], hulls + v * HULL_CAP);
    }

    /* cluster: each minutia joins the nearest compatible cluster without a member of its view */
    int ncl = 0;
    for (int v = 0; v < 3; v++) {
        if (!used[v])
            continue;
        for (int i = 0; i < np[v]; i++) {
            const cpt *p = &pts[v * MAXP + i];
            int best = -1;
            int64_t bd = TOL_D2 + 1;
            for (int k = 0; k < ncl; k++) {
                if (cl[k].views & (1u << v))
                    continue;
                int64_t dx = cl[k].cx - p->x, dy = cl[k].cy - p->y, d2 = dx * dx + dy * dy;
                if (d2 < bd && zki_angle_diff8(cl[k].ca, p->a) <= ZKI_MERGE_CLUSTER_ANGLE) {
                    bd = d2;
                    best = k;
                }
            }
            if (best < 0) {
                best = ncl++;
                cl[best].type = p->type;
            }
            cluster_add(&cl[best], p);
        }
    }

    int nr = 0;
    for (int k = 0; k < ncl; k++) {
        int nv = (cl[k].views & 1) + (cl[k].views >> 1 & 1) + (cl[k].views >> 2 & 1);
        if (nv < 2) {
            int v = cl[k].views == 1 ? 0 : cl[k].views == 2 ? 1 : 2;
            bool covered = false;
            for (int w = 0; w < 3 && !covered; w++)
                if (w != v && used[w] && in_hull(hulls + w * HULL_CAP, nh[w], cl[k].cx, cl[k].cy))
                    covered = true;
            if (covered)
                continue;
        }
        ranked r = {cl[k].cx, cl[k].cy, cl[k].ca, cl[k].type, cl[k].q, (uint8_t)nv, k};
        rk[nr++] = r;
    }
    qsort(rk, (size_t)nr, sizeof(ranked), ranked_cmp);
    if (nr > ZKI_MERGE_CONSOLIDATED_MAX)
        nr = ZKI_MERGE_CONSOLIDATED_MAX;

    rc = zkbio_template_new((size_t)nr, &t);
    if (rc != ZKBIO_OK)
        goto done;
    int32_t minx = 0, miny = 0, maxx = 0, maxy = 0;
    for (int i = 0; i < nr; i++) {
        int32_t x = rk[i].x, y = -rk[i].y;
        minx = x < minx ? x : minx;
        miny = y < miny ? y : miny;
    }
    for (int i = 0; i < nr; i++) {
        int32_t x = rk[i].x - minx, y = -rk[i].y - miny;
        x = x > ZKBIO_MINUTIA_COORD_MAX ? ZKBIO_MINUTIA_COORD_MAX : x;
        y = y > ZKBIO_MINUTIA_COORD_MAX ? ZKBIO_MINUTIA_COORD_MAX : y;
        maxx = x > maxx ? x : maxx;
        maxy = y > maxy ? y : maxy;
        zkbio_minutia *m = &t->minutiae[i];
        m->x = (uint16_t)x;
        m->y = (uint16_t)y;
        m->angle = rk[i].a;
        m->type = rk[i].type;
        m->quality = rk[i].q;
        m->view = 0;
    }
    const zkbio_template *f = c[0];
    t->width = (uint16_t)(maxx + 1 > f->width ? (maxx + 1 > 65535 ? 65535 : maxx + 1) : f->width);
    t->height =
        (uint16_t)(maxy + 1 > f->height ? (maxy + 1 > 65535 ? 65535 : maxy + 1) : f->height);
    t->xres = f->xres;
    t->yres = f->yres;
    t->equipment = f->equipment;
    t->ansi_product_id = f->ansi_product_id;
    t->finger_position = f->finger_position;
    t->impression_type = f->impression_type;
    t->finger_quality = f->finger_quality;
    t->view_count = 1;
    *out = t;
    rc = ZKBIO_OK;
done:
    free(pts);
    free(ref);
    free(hulls);
    free(cl);
    free(rk);
    return rc;
}
