/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service's state, for the files of daemon/fpservice only (other modules see the
 * opaque fp_service of fpservice.h). Everything is under fp_service.lock unless noted.
 *
 * Calls between the files go one way: service.c -> {job.c, dev.c, templates.c}; job.c -> dev.c,
 * templates.c, tpl.c; templates.c -> tpl.c. Events leave through fps_emit (the callback).
 */
#ifndef ZKBIOD_FPSERVICE_INTERNAL_H
#define ZKBIOD_FPSERVICE_INTERNAL_H

#include <pthread.h>

#include "core.h"
#include "fpservice.h"

#define FP_MAX_DEVICES 32

struct fp_job {
    fp_job_in in;
    fp_service *s;
    char scan_id[40];
    /* state, under s->lock */
    zkbio_reader *r;
    int cancel;
    int done;
    int refs;
    const char *status; /* waiting, scanning, complete, error */
    int http;           /* HTTP status of the result */
    json_t *result;     /* success body, or NULL */
    int err_code;       /* contract code on error, 0 on success */
    char err_msg[256];
    json_t *err_details;
    int retryable;
    time_t finished;
    uint64_t started_ms;
    uint64_t
        capture_ms; /* time inside the reader's capture (waiting for the finger) of the last scan */
    pthread_cond_t cond;
    struct fp_job *next;
};

typedef struct fp_dev {
    zkbio_reader_info info;
    int present;
    fp_job *job; /* running job or NULL */
    time_t last_activity;
    zc_window scans; /* scan-rate-limit */
} fp_dev;

struct fp_service {
    const zkbiod_config *cfg;
    zkbio_reader_ctx *readers;
    time_t started;
    fps_emit_fn emit;
    void *emit_user;
    pthread_mutex_t lock;
    int stopping;
    fp_dev devs[FP_MAX_DEVICES];
    size_t ndev;
    fp_job *jobs; /* running and recently finished, newest first */
    size_t njobs;
    int nslots;
    pthread_rwlock_t gallery_lock;
    fp_gallery **galleries; /* one per key slot, NULL until loaded */
    /* template storage (--fp-store): NULL store = off */
    struct zs_store *store;
    pthread_mutex_t store_lock; /* serialises database writes with the updates of `stored` */
    fp_gallery *stored;         /* the stored templates, under gallery_lock */
};

/* Send an event (fps_emit_fn); takes ev. */
void fps_emit(fp_service *s, const char *dev_id, uint64_t owner, json_t *ev);

/* dev.c */
fp_dev *fp_dev_find(fp_service *s, const char *id); /* with s->lock held; NULL when unknown */
int fp_dev_start(fp_service *s, char *err, size_t errsz);
/* Stop the hotplug callback (before fp_jobs_stop). */
void fp_dev_stop(fp_service *s);
/* Free the reader context (after fp_jobs_free). */
void fp_dev_free(fp_service *s);

/* job.c */
/* Refuse new jobs, cancel the running ones and wait for them. */
void fp_jobs_stop(fp_service *s);
/* Drop every finished job (after fp_jobs_stop and after the listener stopped). */
void fp_jobs_free(fp_service *s);
/* Drop finished sessions older than FP_SCAN_TTL_S. Called with s->lock held. */
void fp_job_reap(fp_service *s);

/* templates.c */
/* Load the stored templates into s->stored (when cfg->fp_store). 0 or -1 with err. */
int fp_store_start(fp_service *s, char *err, size_t errsz);
void fp_store_free(fp_service *s);
/* Keep an enrolled template (3003 when the user's finger is stored already). */
int fp_store_enrolled(fp_service *s, const char *user_id, int finger_id, const char *tpl_id,
                      const zkbio_template *t, int quality);
/* Contract code of a store error (ZKBIO_*). */
int fp_store_code(int zkbio_rc);

#endif /* ZKBIOD_FPSERVICE_INTERNAL_H */
