/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service for web apps (docs/fingerprint-service.md): REST under /api/ and a
 * WebSocket on / and /ws, on its own civetweb context (the service listener), with the readers of
 * this PC. Compatible with the contract in the shared reference `fingerprint-service-api.md`.
 *
 * Files: fp_http.c (listener, Host/Origin/preflight gate, responses), fp_rest.c (API key, rate
 * limit, REST routes), fp_ws.c (WebSocket), fp_dev.c (readers), fp_job.c (scan, capture, enroll,
 * verify, identify jobs), fp_tpl.c (templates and galleries on the wire), fp_keys.c (API keys),
 * fp_cert.c (certificate), fp_util.c (errors, random, rate windows, Host check).
 *
 * Thread-safety: start/stop from the main thread; everything else runs on civetweb workers, job
 * threads and the reader hotplug thread, synchronised by fp_service.lock.
 */
#ifndef ZKBIOD_FP_SERVICE_H
#define ZKBIOD_FP_SERVICE_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <civetweb.h>
#include <jansson.h>

#include "zkbio/gallery.h"
#include "zkbio/reader.h"
#include "zkbio/template.h"

#include "config.h"
#include "fp_keys.h"
#include "fp_util.h"

typedef struct fp_service fp_service;
struct zs_store; /* daemon/store/store.h */

/* Start the service when cfg->service_listen is not empty (else *out = NULL and 0). cfg must
 * outlive the service. 0 or -1 with err. */
/* store: zkbiod's database, used only when cfg->fp_store (template storage; borrowed, must outlive
 * the service; may be NULL when fp_store is off). */
int fp_service_start(const zkbiod_config *cfg, struct zs_store *store, fp_service **out, char *err,
                     size_t errsz);
void fp_service_stop(fp_service *s);
/* The service's civetweb context (its listening sockets, for --port-file), or NULL. */
struct mg_context *fp_service_context(const fp_service *s);

/* ---- internal ------------------------------------------------------------------------------ */

#define FP_MAX_DEVICES  32
#define FP_MAX_SUBS     8
#define FP_SCANS_KEPT   256   /* finished scan sessions kept for scan/status */
#define FP_SCAN_TTL_S   300   /* ... for this long (A27) */
#define FP_JSON_MAX     65536 /* WebSocket message and small REST bodies */
#define FP_ENROLL_SCANS 3

enum fp_job_kind { FP_JOB_SCAN, FP_JOB_CAPTURE, FP_JOB_ENROLL, FP_JOB_VERIFY, FP_JOB_IDENTIFY };

typedef struct fp_gallery {
    zkbio_gallery *g;
    char **user_ids; /* index id-1 */
    char **tpl_ids;
    size_t n;
    size_t cap; /* room in user_ids/tpl_ids */
} fp_gallery;

typedef struct fp_job {
    fp_service *s;
    int kind;
    char scan_id[40];
    char dev_id[ZKBIO_READER_STR_MAX];
    char user_id[128];
    int iso;                     /* templates out in ISO 19794-2 (else native) */
    int timeout_ms;              /* per capture */
    int quality_min;             /* 0..100 */
    double threshold;            /* verify/identify decision score; < 0 = default */
    zkbio_template *ref;         /* verify: the template to compare with (owned), or NULL to
                                    compare with the user's stored templates in tmp_gallery */
    zkbio_template *probe_given; /* identify with a probe from the request: no capture (owned) */
    fp_gallery *tmp_gallery;     /* identify/enroll: templates from the request (owned) */
    int key_slot;                /* identify: whose loaded gallery */
    uint64_t owner_ws;           /* WebSocket client that started it (0 = REST) */
    int finger_id;               /* enroll with template storage: finger position 0..10 */
    /* state, under s->lock */
    zkbio_reader *r;
    int cancel;
    int done;
    int refs;
    const char *status; /* waiting, scanning, complete, error */
    int http;           /* HTTP status of the result */
    json_t *result;     /* success body, or the error body */
    int err_code;       /* contract code on error, 0 on success */
    int retryable;
    time_t finished;
    uint64_t started_ms;
    uint64_t
        capture_ms; /* time inside the reader's capture (waiting for the finger) of the last scan */
    pthread_cond_t cond;
    struct fp_job *next;
} fp_job;

typedef struct fp_dev {
    zkbio_reader_info info;
    int present;
    fp_job *job; /* running job or NULL */
    time_t last_activity;
    fp_window scans; /* scan-rate-limit */
} fp_dev;

typedef struct fp_ws {
    struct mg_connection *conn;
    uint64_t id;
    int authed;
    int slot;
    char subs[FP_MAX_SUBS][ZKBIO_READER_STR_MAX];
    int nsubs;
    int refs;
    int closed;
    int kicked;    /* a close frame was sent: no auth in time */
    time_t opened; /* upgrade time */
    struct fp_ws *next;
} fp_ws;

struct fp_service {
    const zkbiod_config *cfg;
    fp_keys *keys;
    struct mg_context *ctx;
    zkbio_reader_ctx *readers;
    time_t started;
    char pem[PATH_MAX];
    char crt[PATH_MAX];
    int tls;
    pthread_mutex_t lock;
    pthread_cond_t ws_cond; /* a WebSocket client's refs dropped */
    int stopping;
    fp_dev devs[FP_MAX_DEVICES];
    size_t ndev;
    fp_job *jobs; /* running and recently finished, newest first */
    size_t njobs;
    fp_window *key_windows; /* rate-limit, one per key slot */
    fp_ws *ws;
    int ws_count;
    int ws_max;
    uint64_t next_ws_id;
    pthread_rwlock_t gallery_lock;
    fp_gallery **galleries; /* one per key slot, NULL until loaded */
    /* template storage (--fp-store): NULL store = off */
    struct zs_store *store;
    pthread_mutex_t store_lock; /* serialises database writes with the updates of `stored` */
    fp_gallery *stored;         /* the stored templates, under gallery_lock */
};

/* fp_dev.c */
fp_dev *fp_dev_find(fp_service *s, const char *id); /* with s->lock held; NULL when unknown */
int fp_dev_start(fp_service *s, char *err, size_t errsz);
/* Refuse new jobs, cancel and wait for the running ones (before mg_stop). */
void fp_dev_stop(fp_service *s);
/* Free the finished jobs and the reader context (after mg_stop). */
void fp_dev_free(fp_service *s);
/* Device list as the contract's Device[] (§3.2); info as DeviceInfo; NULL when unknown id. */
json_t *fp_dev_list(fp_service *s);
json_t *fp_dev_info(fp_service *s, const char *id);
/* Pick a device: id NULL/"" = the first present one. Copies the id; 0, or FP_DEVICE_NOT_FOUND. */
int fp_dev_pick(fp_service *s, const char *id, char out[ZKBIO_READER_STR_MAX]);
/* fp_job.c */
/* Refuse new jobs, cancel the running ones and wait for them. */
void fp_jobs_stop(fp_service *s);
/* Drop every finished job (after fp_jobs_stop and mg_stop). */
void fp_jobs_free(fp_service *s);
/* Start a job (takes ownership of j, which must be calloc'd with the inputs set). On success the
 * caller holds one reference (fp_job_put). On failure (busy, not found, rate limit) returns the
 * contract code with *retry_after for 4004, and j is freed. */
int fp_job_start(fp_service *s, fp_job *j, fp_job **out, int *retry_after);
void fp_job_cancel(fp_service *s, fp_job *j);
void fp_job_put(fp_service *s, fp_job *j);
/* Find a scan session by id (a new reference, or NULL). */
fp_job *fp_job_find(fp_service *s, const char *scan_id);
/* Cancel every job started by WebSocket client `owner`. */
void fp_job_cancel_owner(fp_service *s, uint64_t owner);
/* Housekeeping: drop finished sessions older than FP_SCAN_TTL_S. Called with s->lock held. */
void fp_job_reap(fp_service *s);
/* fp_tpl.c */
/* Template codec: base64 of a native or ISO record. 0, or -1 (bad base64 / record). */
int fp_tpl_decode(const char *b64, zkbio_template **out, char *why, size_t whysz);
json_t *fp_tpl_encode(const zkbio_template *t, int iso);
/* Build a gallery from a JSON array of {id, userId, template}; 0 or a contract code with why. */
int fp_gallery_build(json_t *arr, fp_gallery **out, char *why, size_t whysz);
void fp_gallery_free(fp_gallery *g);
/* An empty gallery, and appending one template (copied; ids copied). 0 or a ZKBIO_* error. */
int fp_gallery_new(fp_gallery **out);
int fp_gallery_append(fp_gallery *g, const char *user_id, const char *tpl_id,
                      const zkbio_template *t);

/* fp_store.c: template storage (--fp-store). Results are contract codes (0 on success):
 * 3001 DB_CONNECTION_FAILED, 3002 DB_QUERY_FAILED, 3003 DUPLICATE_ENTRY, 6003, 5001. */
/* Load the stored templates into s->stored (when cfg->fp_store). 0 or -1 with err. */
int fp_store_start(fp_service *s, char *err, size_t errsz);
void fp_store_free(fp_service *s);
/* Is (user, finger) stored? */
int fp_store_exists(fp_service *s, const char *user_id, int finger_id, int *exists);
/* Keep an enrolled template (3003 when the user's finger is stored already). */
int fp_store_enrolled(fp_service *s, const char *user_id, int finger_id, const char *tpl_id,
                      const zkbio_template *t, int quality);
/* Store a gallery upload ({id?, userId, fingerId?, template} entries; upsert by user and finger);
 * *count = entries stored. why: the reason for 6001/6003. */
int fp_store_upload(fp_service *s, json_t *arr, size_t *count, char *why, size_t whysz);
/* Delete the templates of user_id (NULL = all) and finger_id (-1 = all fingers). */
int fp_store_delete(fp_service *s, const char *user_id, int finger_id, int64_t *deleted);
/* The stored templates of one user as a gallery (verify by userId); 3004 when none. */
int fp_store_user_gallery(fp_service *s, const char *user_id, fp_gallery **out);
/* Contract code of a store error (ZKBIO_*). */
int fp_store_code(int zkbio_rc);

/* fp_rest.c: a key's permissions as the contract's names (a new array). */
json_t *fp_perms_json(uint32_t perms);

/* fp_ws.c */
int fp_ws_setup(fp_service *s);
/* Send an event to the WebSocket clients: device-scoped events (dev_id not NULL) go to clients
 * subscribed to that device and to the client that owns the job (owner, 0 = none); others go to
 * every authenticated client. Adds "timestamp" unless no_ts. Takes ownership of ev. */
void fp_ws_emit(fp_service *s, const char *dev_id, uint64_t owner, json_t *ev);

/* Send a close frame (1008, policy violation) to sockets still unauthenticated FP_WS_AUTH_S after
 * the upgrade: idle sockets must not hold the worker threads [A9]. */
#define FP_WS_AUTH_S 15
void fp_ws_kick_unauthenticated(fp_service *s);

/* fp_http.c */
/* Host header allowed (localhost names, DNS-rebinding defence). */
int fp_host_ok(const struct mg_connection *c);
/* Origin absent, or on the allow-list. */
int fp_origin_ok(const fp_service *s, const char *origin);

#endif /* ZKBIOD_FP_SERVICE_H */
