/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench accuracy`'s shared state and reports, internal to the zkbio tool: the items and
 * the run (bench_accuracy.c), the metrics and the tables computed from the score matrix
 * (accuracy_report.c: per-set EER/FMR100/FMR1000/ZeroFMR, the impostor tail, the
 * error-versus-reject curve). Not thread-safe beyond what bench_accuracy.c's workers do. */
#ifndef ZKBIO_CLI_ACCURACY_H
#define ZKBIO_CLI_ACCURACY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "zkbio/image.h"
#include "zkbio/template.h"

#include "perturb.h"

/* Longest set name ("FVC2002/DB1_B": the folder's parent and own name) with its NUL. */
#define BA_SET_NAME_MAX 256

typedef struct ba_item {
    int set;                /* folder index */
    int finger, impression; /* from the file name */
    char *path;
    char *name;             /* SET-{finger}_{impression}, SET from ba_set_name() */
    zkbio_template *tpl;    /* candidate role (NULL: extraction failed) */
    zkbio_template *probe;  /* probe role: tpl, or the rotated extraction with --rotate */
    int failed;             /* extraction or import of either role failed */
    uint8_t quality;        /* zkbio_extract_info.quality of the clean image (0: failed) */
    zkbio_image *img;       /* the clean image, kept for --perturb (else NULL) */
    zkbio_template *pprobe; /* probe of the current perturbation (NULL: extraction failed) */
    int pfailed;            /* the current perturbation's probe failed (or failed above) */
} ba_item;

typedef struct ba_ctx {
    ba_item *items;
    size_t n;
    int iso;
    int rotate;     /* quarter turns */
    double *matrix; /* n x n, row = probe, column = candidate */
    size_t next;    /* work counter */
    pthread_mutex_t lock;
    int error;
    int no_ofield;          /* --no-ofield */
    int keep_images;        /* keep the clean images (for --perturb) */
    const bp_spec *perturb; /* the perturbation being run: probes are pprobe, same-set pairs only */
    const char *dump_dir;   /* --perturb-dump */
} ba_ctx;

/* Accuracy figures of one set (or their mean over sets): pair counts, failed items, and EER,
 * FMR100, FMR1000, ZeroFMR as fractions (0..1). */
typedef struct ba_result {
    size_t gen, imp;
    int failures;
    double eer, fmr100, fmr1000, zerofmr;
} ba_result;

/* EER (FMR and FNMR crossing, interpolated), FMR100, FMR1000 and ZeroFMR of genuine scores
 * g[0..ng) and impostor scores im[0..ni) (accept when score >= threshold) into r; sorts both
 * arrays in place. */
void ba_metrics(double *g, size_t ng, double *im, size_t ni, ba_result *r);

/* Items lo..hi (exclusive) of set s in c->items (sorted by set); hi == lo when the set is empty. */
void ba_set_range(const ba_ctx *c, int s, size_t *lo, size_t *hi);

/* The metrics of set s from c->matrix (probe = the later item of each pair), leaving out the
 * items with drop[k] set (drop may be NULL); r->failures counts the failed items kept (the
 * perturbed probes' failures while c->perturb is set). When imp_out is not NULL the impostor
 * scores are left there sorted (*n_imp_out of them; caller frees). Returns 0 or -1 (out of
 * memory). */
int ba_set_metrics(const ba_ctx *c, int s, const unsigned char *drop, ba_result *r,
                   double **imp_out, size_t *n_imp_out);

/* Add r into mean: counts summed, rates divided by nsets. */
void ba_mean_add(ba_result *mean, const ba_result *r, int nsets);

/* One row of the impostor tail, "PREFIX NAME imp >=30 >=40 >=50 max FMR@30 FMR@40 FMR@50 x@30
 * x@40 x@50": of the impostor scores im[0..ni) (any order), the pairs >= 30, 40, 50, the largest
 * score, and the FMR at 30/40/50 beside the calibration's promise (1e-3, 1e-4, 1e-5). */
void ba_print_tail(const char *prefix, const char *name, int namew, const double *im, size_t ni);

/* Print the impostor tail table: per set (imps[s], nimps[s] sorted impostor scores) and pooled,
 * the pairs >= 30, 40, 50, the largest score and the FMR at 30/40/50 beside the calibration's
 * promise. Returns 0 or -1 (out of memory). */
int ba_report_tail(int nsets, char (*setnames)[BA_SET_NAME_MAX], int namew, double **imps,
                   const size_t *nimps);

/* Print the error-versus-reject curve for rejects[0..nrejects) (percentages, 0 printed first):
 * each set's worst captures by quality dropped with their pairs, EER and FMR1000 per set and
 * mean. nsets <= 64. Returns 0 or -1 (out of memory). */
int ba_print_reject(const ba_ctx *c, int nsets, char (*setnames)[BA_SET_NAME_MAX],
                    const int *rejects, int nrejects);

/* The 1:N pre-selection check (accuracy_presel.c): per set, the comparisons at or above 40 by the
 * matrix (genuine, impostor), those a gallery search at 40 missed, and those whose score differs;
 * printed as "presel" rows. Returns 0, or -1 when a gallery call failed. */
int ba_report_presel(const ba_ctx *c, int nsets, char (*setnames)[BA_SET_NAME_MAX], int namew);

#endif /* ZKBIO_CLI_ACCURACY_H */
