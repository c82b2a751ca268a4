/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/fpservice: the fingerprint service for web apps (docs/fingerprint-service.md; shared
 * reference `fingerprint-service-api.md`) without its HTTP: the readers of this PC (dev.c), the
 * jobs that run on them (job.c: scan, capture, enroll, verify, identify), templates and galleries
 * (tpl.c), template storage in zkbiod's database (templates.c, --fp-store), and the service object
 * that holds them (service.c). daemon/api turns HTTP and WebSocket messages into calls here;
 * daemon/http owns the listener.
 *
 * The service object is opaque (its fields are in fpservice/internal.h, for this folder only) and
 * holds every piece of state: no file-scope globals, so two services could live in one process.
 * Events (device:connected, scan:progress, ...) leave the module through the callback given to
 * fps_start(): this module never calls the WebSocket code.
 *
 * Thread-safety: fps_start/fps_stop/fps_free from one thread (start-up and shutdown); every other
 * function may be called from any thread (civetweb workers, job threads, the hotplug thread).
 * Errors are the contract's codes (enum fp_code, 0 = success) unless documented otherwise.
 * Ownership: a function that "takes" a pointer frees it on every path; json_t results are new
 * references the caller releases.
 */
#ifndef ZKBIOD_FPSERVICE_H
#define ZKBIOD_FPSERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "zkbio/gallery.h"
#include "zkbio/reader.h"
#include "zkbio/template.h"

#include "config.h"

/* Contract error codes (§5.2) plus zkbiod's own 6xxx "request" range (docs/fingerprint-service.md):
 * the contract names no code for a malformed request. Their names and HTTP rendering are in
 * daemon/api (the one JSON error shape). */
enum fp_code {
    FP_DEVICE_NOT_FOUND = 1001,
    FP_DEVICE_BUSY = 1002,
    FP_DEVICE_DISCONNECTED = 1003,
    FP_DEVICE_INIT_FAILED = 1004,
    FP_DEVICE_TIMEOUT = 1005,
    FP_LOW_QUALITY = 2001,
    FP_NO_FINGERPRINT_DETECTED = 2002,
    FP_TEMPLATE_EXTRACTION_FAILED = 2003,
    FP_MATCH_FAILED = 2004,
    FP_ENROLLMENT_FAILED = 2005,
    FP_DB_CONNECTION_FAILED = 3001,
    FP_DB_QUERY_FAILED = 3002,
    FP_DUPLICATE_ENTRY = 3003,
    FP_RECORD_NOT_FOUND = 3004,
    FP_INVALID_API_KEY = 4001,
    FP_API_KEY_REVOKED = 4002,
    FP_UNAUTHORIZED = 4003,
    FP_RATE_LIMIT_EXCEEDED = 4004,
    FP_INTERNAL_ERROR = 5001,
    FP_SERVICE_UNAVAILABLE = 5002,
    FP_INVALID_REQUEST = 6001,
    FP_PAYLOAD_TOO_LARGE = 6002,
    FP_INVALID_TEMPLATE = 6003,
    FP_HOST_NOT_ALLOWED = 6004,
    FP_NOT_FOUND = 6005,
    FP_METHOD_NOT_ALLOWED = 6006,
};

#define FP_SCANS_KEPT   256   /* finished scan sessions kept for scan/status */
#define FP_SCAN_TTL_S   300   /* ... for this long (A27) */
#define FP_JSON_MAX     65536 /* WebSocket message and small REST bodies */
#define FP_ENROLL_SCANS 3

typedef struct fp_service fp_service;
typedef struct fp_job fp_job;
struct zs_store; /* daemon/store/store.h */

/* An event for the web apps: device-scoped events (dev_id not NULL) go to the clients subscribed
 * to that device and to the client that owns the job (owner, 0 = none); others go to every
 * authenticated client. The callback takes ownership of ev. Called from any thread, without the
 * service's lock held. */
typedef void (*fps_emit_fn)(void *user, const char *dev_id, uint64_t owner, json_t *ev);

/* Start the readers (hotplug thread) and, when cfg->fp_store, load the stored templates from
 * store (borrowed; may be NULL when fp_store is off). nslots: number of API key slots (one
 * in-memory gallery each). cfg must outlive the service. 0 or -1 with err. */
int fps_start(const zkbiod_config *cfg, struct zs_store *store, int nslots, fps_emit_fn emit,
              void *emit_user, fp_service **out, char *err, size_t errsz);
/* Refuse new jobs, cancel the running ones and wait for them; stop the hotplug thread. Call before
 * the listener stops (its handlers may be waiting on jobs). NULL is accepted. */
void fps_stop(fp_service *s);
/* Free everything (after fps_stop and after the listener stopped). NULL is accepted. */
void fps_free(fp_service *s);
/* Housekeeping: drop finished scan sessions older than FP_SCAN_TTL_S. */
void fps_reap(fp_service *s);
/* Seconds since fps_start. */
long long fps_uptime(const fp_service *s);
/* 1 when template storage (--fp-store) is on. */
int fps_has_store(const fp_service *s);
/* The database ping for health: 0 ok, else a ZKBIO_* code; ZKBIO_ENOENT when storage is off. */
int fps_store_ping(fp_service *s);

/* ---- readers (dev.c) ----------------------------------------------------------------------- */

/* Device list as the contract's Device[] (§3.2); info as DeviceInfo; NULL when unknown id. */
json_t *fp_dev_list(fp_service *s);
json_t *fp_dev_info(fp_service *s, const char *id);
/* Pick a device: id NULL/"" = the first present one. Copies the id; 0, or FP_DEVICE_NOT_FOUND. */
int fp_dev_pick(fp_service *s, const char *id, char out[ZKBIO_READER_STR_MAX]);
/* Open and close reader `id` (device test). 0 or a ZKBIO_* code. */
int fps_dev_test(fp_service *s, const char *id);

/* ---- templates and galleries (tpl.c) --------------------------------------------------------- */

typedef struct fp_gallery {
    zkbio_gallery *g;
    char **user_ids; /* index id-1 */
    char **tpl_ids;
    size_t n;
    size_t cap; /* room in user_ids/tpl_ids */
} fp_gallery;

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

/* The in-memory gallery of key `slot`: its size; replace it (takes g; NULL clears it). */
size_t fps_gallery_count(fp_service *s, int slot);
void fps_gallery_set(fp_service *s, int slot, fp_gallery *g);
/* Number of stored templates (--fp-store). */
size_t fps_stored_count(fp_service *s);
/* 1 when identify without templates in the request has something to search for key `slot`. */
int fps_can_identify(fp_service *s, int slot);

/* Score (10*log10(1/FMR)) -> the contract's 0..100 confidence, two decimals: 0 -> 0, threshold ->
 * 70, 2 * threshold and above -> 100, linear between (docs/fingerprint-service.md, Scores). */
double fps_confidence(double score, double threshold);

/* ---- jobs (job.c) ---------------------------------------------------------------------------- */

enum fp_job_kind { FP_JOB_SCAN, FP_JOB_CAPTURE, FP_JOB_ENROLL, FP_JOB_VERIFY, FP_JOB_IDENTIFY };

/* What a job is asked to do: calloc'd by the caller, handed to fp_job_start. */
typedef struct fp_job_in {
    int kind;
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
} fp_job_in;

/* Free a job request that was not started (and what it owns). */
void fp_job_in_free(fp_job_in *in);

/* Start a job (takes `in`). On success the caller holds one reference (fp_job_put). On failure
 * (busy, not found, rate limit) returns the contract code with *retry_after for 4004. */
int fp_job_start(fp_service *s, fp_job_in *in, fp_job **out, int *retry_after);
void fp_job_cancel(fp_service *s, fp_job *j);
void fp_job_put(fp_service *s, fp_job *j);
/* Find a scan session by id (a new reference, or NULL). */
fp_job *fp_job_find(fp_service *s, const char *scan_id);
/* Cancel every job started by WebSocket client `owner`. */
void fp_job_cancel_owner(fp_service *s, uint64_t owner);
/* The scan id ("scan-..."); valid while the caller holds a reference. */
const char *fp_job_id(const fp_job *j);

/* A job's state, copied out under the service's lock. */
typedef struct fp_job_state {
    int done;
    int cancelled;      /* the client went away or scan:stop */
    const char *status; /* waiting, scanning, complete, error (static strings) */
    int http;           /* HTTP status of the result */
    int err_code;       /* contract code on error, 0 on success */
    char err_msg[256];
    json_t *details; /* error details (a new reference) or NULL */
    json_t *result;  /* success body (a new reference) or NULL */
    char scan_id[40];
    char dev_id[ZKBIO_READER_STR_MAX];
} fp_job_state;

/* Copy the job's state into *st (release with fp_job_state_clear). */
void fp_job_get_state(fp_service *s, fp_job *j, fp_job_state *st);
void fp_job_state_clear(fp_job_state *st);
/* Wait until the job ends, checking gone(arg) about every 200 ms: when it says the client left,
 * the job is cancelled. Then fills *st like fp_job_get_state. */
void fp_job_wait(fp_service *s, fp_job *j, int (*gone)(void *arg), void *arg, fp_job_state *st);

/* ---- template storage (templates.c, --fp-store) ----------------------------------------------
 * Results are contract codes (0 on success): 3001 DB_CONNECTION_FAILED, 3002 DB_QUERY_FAILED,
 * 3003 DUPLICATE_ENTRY, 6003, 5001. */
/* Is (user, finger) stored? */
int fp_store_exists(fp_service *s, const char *user_id, int finger_id, int *exists);
/* Store a gallery upload ({id?, userId, fingerId?, template} entries; upsert by user and finger);
 * *count = entries stored. why: the reason for 6001/6003. */
struct zs_fp_template; /* daemon/store/store_fptemplates.h */
int fp_store_upload(fp_service *s, const struct zs_fp_template *items, size_t n, size_t *count,
                    char *why, size_t whysz);
/* Delete the templates of user_id (NULL = all) and finger_id (-1 = all fingers). */
int fp_store_delete(fp_service *s, const char *user_id, int finger_id, int64_t *deleted);
/* The stored templates of one user as a gallery (verify by userId); 3004 when none. */
int fp_store_user_gallery(fp_service *s, const char *user_id, fp_gallery **out);

#endif /* ZKBIOD_FPSERVICE_H */
