/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench accuracy`'s metrics and report tables from the score matrix (accuracy.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy.h"

static int ba_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Accept when score >= t. FMR(t) = impostors >= t, FNMR(t) = genuines < t. */
void ba_metrics(double *g, size_t ng, double *im, size_t ni, ba_result *r)
{
    qsort(g, ng, sizeof(double), ba_cmp_double);
    qsort(im, ni, sizeof(double), ba_cmp_double);
    /* candidate thresholds: every distinct score, plus one above all */
    size_t nt = ng + ni + 1;
    double *t = malloc(nt * sizeof(double));
    if (!t)
        return;
    memcpy(t, g, ng * sizeof(double));
    memcpy(t + ng, im, ni * sizeof(double));
    qsort(t, ng + ni, sizeof(double), ba_cmp_double);
    t[ng + ni] = (ng + ni ? t[ng + ni - 1] : 0) + 1;
    size_t gi = 0, ii = 0; /* counts of scores < threshold */
    double best100 = 1, best1000 = 1, bestzero = 1;
    double pfmr = 1, pfnmr = 0; /* at the lowest threshold everything is accepted */
    int have_eer = 0;
    r->eer = 0;
    for (size_t k = 0; k < nt; k++) {
        if (k > 0 && t[k] == t[k - 1])
            continue;
        while (gi < ng && g[gi] < t[k])
            gi++;
        while (ii < ni && im[ii] < t[k])
            ii++;
        double fmr = ni ? (double)(ni - ii) / (double)ni : 0;
        double fnmr = ng ? (double)gi / (double)ng : 0;
        if (fmr <= 0.01 && fnmr < best100)
            best100 = fnmr;
        if (fmr <= 0.001 && fnmr < best1000)
            best1000 = fnmr;
        if (fmr == 0 && fnmr < bestzero)
            bestzero = fnmr;
        if (!have_eer && fnmr >= fmr) {
            double d0 = pfmr - pfnmr, d1 = fmr - fnmr; /* d0 > 0 >= d1 */
            double a = d0 - d1 > 0 ? d0 / (d0 - d1) : 0;
            r->eer = pfmr + a * (fmr - pfmr);
            have_eer = 1;
        }
        pfmr = fmr;
        pfnmr = fnmr;
    }
    r->fmr100 = best100;
    r->fmr1000 = best1000;
    r->zerofmr = bestzero;
    free(t);
}

/* Items lo..hi of set s (sorted by set); hi == lo when the set is empty. */
void ba_set_range(const ba_ctx *c, int s, size_t *lo, size_t *hi)
{
    size_t a = 0;
    while (a < c->n && c->items[a].set != s)
        a++;
    size_t b = a;
    while (b < c->n && c->items[b].set == s)
        b++;
    *lo = a;
    *hi = b;
}

/* The metrics of set s from c->matrix (probe = the later item of each pair), leaving out the
 * items with drop[k] set (drop may be NULL); failures counts the failed items kept (the
 * perturbed probes' failures while c->perturb is set). The impostor scores are left sorted in
 * *imp_out (n_imp_out of them, caller frees) when imp_out is not NULL. Returns 0 or -1 (out of
 * memory). */
int ba_set_metrics(const ba_ctx *c, int s, const unsigned char *drop, ba_result *r,
                   double **imp_out, size_t *n_imp_out)
{
    size_t lo, hi;
    ba_set_range(c, s, &lo, &hi);
    size_t m = hi - lo;
    double *g = malloc((m * m / 2 + 1) * sizeof(double));
    double *im = malloc((m * m / 2 + 1) * sizeof(double));
    if (!g || !im) {
        free(g);
        free(im);
        return -1;
    }
    size_t ng = 0, ni = 0;
    memset(r, 0, sizeof(*r));
    for (size_t a = lo; a < hi; a++) {
        if (drop && drop[a])
            continue;
        r->failures += c->perturb ? c->items[a].pfailed : c->items[a].failed;
        for (size_t b = a + 1; b < hi; b++) {
            if (drop && drop[b])
                continue;
            double v = c->matrix[b * c->n + a]; /* probe = later item b */
            if (c->items[a].finger == c->items[b].finger)
                g[ng++] = v;
            else
                im[ni++] = v;
        }
    }
    r->gen = ng;
    r->imp = ni;
    ba_metrics(g, ng, im, ni, r);
    free(g);
    if (imp_out) {
        *imp_out = im;
        *n_imp_out = ni;
    } else {
        free(im);
    }
    return 0;
}

void ba_mean_add(ba_result *mean, const ba_result *r, int nsets)
{
    mean->gen += r->gen;
    mean->imp += r->imp;
    mean->failures += r->failures;
    mean->eer += r->eer / nsets;
    mean->fmr100 += r->fmr100 / nsets;
    mean->fmr1000 += r->fmr1000 / nsets;
    mean->zerofmr += r->zerofmr / nsets;
}

void ba_print_tail(const char *prefix, const char *name, int namew, const double *im, size_t ni)
{
    size_t n30 = 0, n40 = 0, n50 = 0;
    double max = 0;
    for (size_t k = 0; k < ni; k++) {
        n30 += im[k] >= 30;
        n40 += im[k] >= 40;
        n50 += im[k] >= 50;
        max = im[k] > max ? im[k] : max;
    }
    double d = ni ? (double)ni : 1;
    printf("%s %-*s %6zu %5zu %5zu %5zu %7.2f %9.1e %9.1e %9.1e %7.1f %7.1f %7.1f\n", prefix, namew,
           name, ni, n30, n40, n50, max, (double)n30 / d, (double)n40 / d, (double)n50 / d,
           (double)n30 / d / 1e-3, (double)n40 / d / 1e-4, (double)n50 / d / 1e-5);
}

static int ba_cmp_quality(const void *a, const void *b, const ba_item *items)
{
    const ba_item *x = &items[*(const size_t *)a], *y = &items[*(const size_t *)b];
    if (x->quality != y->quality)
        return x->quality < y->quality ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* insertion sort of idx[0..n) by quality then name (n is a set's size: tens to hundreds) */
static void ba_sort_quality(size_t *idx, size_t n, const ba_item *items)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0 && ba_cmp_quality(&idx[j - 1], &v, items) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

/* The error-versus-reject curve: for each X of rejects (0 first), drop the worst X % of each
 * set's captures by zkbio_extract_info.quality (ties by name; round(X * n / 100) captures) with
 * all their pairs and report EER and FMR1000 per set and their means. */
int ba_print_reject(const ba_ctx *c, int nsets, char (*setnames)[BA_SET_NAME_MAX],
                    const int *rejects, int nrejects)
{
    unsigned char *drop = calloc(c->n ? c->n : 1, 1);
    size_t *idx = malloc((c->n ? c->n : 1) * sizeof(*idx));
    if (!drop || !idx) {
        free(drop);
        free(idx);
        return -1;
    }
    printf("\nerror versus reject: the worst X %% of each set's captures by "
           "zkbio_extract_info.quality (ties by name) dropped with all their pairs\n");
    for (int s = 0; s < nsets; s++)
        printf("  s%d = %s\n", s + 1, setnames[s]);
    printf("reject %4s %5s", "X%", "kept");
    for (int s = 0; s < nsets; s++)
        printf(" %7s%d", "EER%s", s + 1);
    printf(" %8s", "EER%mean");
    for (int s = 0; s < nsets; s++)
        printf(" %6s%d", "F1000%s", s + 1);
    printf(" %10s\n", "F1000%mean");
    for (int x = -1; x < nrejects; x++) {
        int pct = x < 0 ? 0 : rejects[x];
        memset(drop, 0, c->n);
        size_t kept = 0;
        for (int s = 0; s < nsets; s++) {
            size_t lo, hi;
            ba_set_range(c, s, &lo, &hi);
            for (size_t k = lo; k < hi; k++)
                idx[k - lo] = k;
            ba_sort_quality(idx, hi - lo, c->items);
            size_t ndrop = ((hi - lo) * (size_t)pct + 50) / 100;
            for (size_t k = 0; k < ndrop; k++)
                drop[idx[k]] = 1;
            kept += hi - lo - ndrop;
        }
        ba_result r[64], mean;
        memset(&mean, 0, sizeof(mean));
        for (int s = 0; s < nsets; s++) {
            if (ba_set_metrics(c, s, drop, &r[s], NULL, NULL) != 0) {
                free(drop);
                free(idx);
                return -1;
            }
            ba_mean_add(&mean, &r[s], nsets);
        }
        printf("reject %4d %5zu", pct, kept);
        for (int s = 0; s < nsets; s++)
            printf(" %8.2f", 100 * r[s].eer);
        printf(" %8.2f", 100 * mean.eer);
        for (int s = 0; s < nsets; s++)
            printf(" %7.2f", 100 * r[s].fmr1000);
        printf(" %10.2f\n", 100 * mean.fmr1000);
    }
    free(drop);
    free(idx);
    return 0;
}

/* The impostor tail per set and pooled over the sets (imps: each set's impostor scores, sorted). */
int ba_report_tail(int nsets, char (*setnames)[BA_SET_NAME_MAX], int namew, double **imps,
                   const size_t *nimps)
{
    size_t total = 0;
    for (int s = 0; s < nsets; s++)
        total += nimps[s];
    double *pool = malloc((total ? total : 1) * sizeof(double));
    if (!pool)
        return -1;
    size_t k = 0;
    for (int s = 0; s < nsets; s++) {
        memcpy(pool + k, imps[s], nimps[s] * sizeof(double));
        k += nimps[s];
    }
    qsort(pool, total, sizeof(double), ba_cmp_double);
    printf("\nimpostor tail: impostor pairs scoring >= 30, 40, 50, the largest impostor score, the "
           "FMR at 30/40/50 and its ratio to the calibration's promise (1e-3, 1e-4, 1e-5)\n");
    printf("tail %-*s %6s %5s %5s %5s %7s %9s %9s %9s %7s %7s %7s\n", namew, "set", "imp", ">=30",
           ">=40", ">=50", "max", "FMR@30", "FMR@40", "FMR@50", "x@30", "x@40", "x@50");
    for (int s = 0; s < nsets; s++)
        ba_print_tail("tail", setnames[s], namew, imps[s], nimps[s]);
    ba_print_tail("tail", "pooled", namew, pool, total);
    free(pool);
    return 0;
}
