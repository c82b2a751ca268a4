/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/forward: delivery of stored punches to forwarding targets (issue 16; docs/integrations.md
 * "Forwarding"). Depends on core, db and store only (and libcurl, jansson, mbedTLS).
 *
 * The outbox (store_forward.h) holds one row per (target, punch), written by a trigger in the
 * transaction that stores the punch. This module delivers them:
 *
 *   - a dispatcher thread looks every poll_ms (and at once after zfwd_kick()) for active targets
 *     with due rows (one indexed query per target) and hands each to a worker; a target is worked
 *     by one worker of one process at a time (its lease on the forwarder row, renewed while it
 *     works, so several zkbiod processes sharing MariaDB never deliver the same target at once);
 *   - a worker takes up to batch x concurrency due rows in id order, stores the timestamp it will
 *     send for rows never sent (outbox.sent_time; resent byte for byte afterwards), and sends them
 *     with up to `concurrency` requests in flight on one libcurl multi handle (connection reuse,
 *     timeouts, TLS verification on unless the target says verify_tls:false, which is logged);
 *   - each answer is classified (zfwd_classify) and stored per row: delivered, duplicate (counts as
 *     delivered), parked (the target refused the record: unknown or inactive employee, log type or
 *     geolocation required), failed (another permanent 4xx), or pending again at next_at
 *     (409/429/5xx/timeouts/network errors: exponential backoff with jitter, 1 s doubling up to
 *     max_backoff_s, Retry-After honoured; the target itself also waits that long before its next
 *     round). 401/403, and 404 on the method path, pause the whole target (state paused, reason)
 *     and leave its rows pending until an operator resumes it. A parked or failed row never blocks
 *     the others; nothing is dropped except by an operator (store: zs_outbox_drop,
 *     zs_forwarder_delete) or the retention sweep of delivered rows (keep_days).
 *
 * Kinds and their settings (JSON object; zfwd_settings_check() validates and lists every key):
 *   erpnext           one POST per punch to
 *                     {url}/api/method/{app}.hr.doctype.employee_checkin.employee_checkin.
 *                     add_log_based_on_employee_field (app "hrms", or "erpnext" for v13),
 *                     Authorization: token api_key:api_secret;
 *   erpnext-realtime  batches of `batch` (default 500, max 1000) to
 *                     {url}/api/method/{method_path}.receive_bulk_attendance_logs (batch 1: the
 *                     single .receive_attendance_log), per-item results classified item by item;
 *   webhook           JSON batches (default 100) {"punches":[...]} POSTed to url, signed:
 *                     X-Zkbio-Timestamp: <unix s>, X-Zkbio-Signature: sha256=<hex HMAC-SHA256(
 *                     secret, "<timestamp>.<body>")>, Idempotency-Key of the batch; each punch has
 *                     a stable idempotency_key (zfwd_idempotency_key).
 *
 * Times: a punch is stored as the device's wall clock, devices.tz its UTC offset. A target's `tz`
 * ("+05:30"; empty = send the device wall clock unchanged) converts wall clock -> UTC -> target
 * zone; a device whose tz is unknown (or not an offset) is taken to be in the target's zone, i.e.
 * sent unchanged (zfwd_convert_time).
 *
 * Thread-safety: zfwd_open/start/close from one thread; zfwd_kick from any thread (also with NULL);
 * the pure functions (classify, convert, settings, signing) from any thread. Secrets (api_key,
 * api_secret, secret) are never logged and never returned by zfwd_settings_public().
 */
#ifndef ZKBIOD_FORWARD_H
#define ZKBIOD_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct zfwd zfwd;

typedef struct zfwd_options {
    int workers;       /* targets delivered at once by this process; 0 = 4, at most 64 */
    int poll_ms;       /* look for due rows this often; 0 = 200 */
    int lease_ms;      /* a target's lease, renewed while it is worked; 0 = 30000 */
    int keep_days;     /* retention of delivered/duplicate rows; 0 = 7 */
    const char *owner; /* lease owner name (copied, <= 63 bytes); NULL = "host:pid:random" */
} zfwd_options;

/* Open the engine over st (borrowed; must outlive it); o may be NULL. Initialises libcurl (call
 * before other threads use libcurl). Nothing runs until zfwd_start(). 0, or -1 with err. */
int zfwd_open(zs_store *st, const zfwd_options *o, zfwd **out, char *err, size_t errsz);
/* Start the dispatcher and the workers. 0 or ZKBIO_EIO / ZKBIO_EINVAL (started twice). */
int zfwd_start(zfwd *f);
/* Wake the dispatcher now (a punch was stored, a target was resumed or changed). NULL accepted. */
void zfwd_kick(zfwd *f);
/* Stop: requests in flight are abandoned (their rows stay pending and are sent again, with the
 * same sent_time), threads joined, leases dropped, f freed. NULL accepted. */
void zfwd_close(zfwd *f);

/* ---- classification of a target's answer (classify.c; a pure function) ------------------- */

typedef enum zfwd_verdict {
    ZFWD_DELIVERED = 0, /* 2xx */
    ZFWD_DUPLICATE, /* the target already has it ("already has a log with the same timestamp") */
    ZFWD_PARK,      /* the record itself was refused: no/inactive employee, log type, geo */
    ZFWD_FAIL,      /* another permanent error (4xx) */
    ZFWD_RETRY,     /* transient: network, timeout, 408, 409, 429, 5xx */
    ZFWD_PAUSE,     /* the target's configuration: 401/403, 404 on the method path */
} zfwd_verdict;

/* "delivered", "duplicate", "parked", "failed", "retry", "paused". */
const char *zfwd_verdict_name(zfwd_verdict v);

/*
 * Classify an HTTP answer: status (0 = no answer: network error or timeout) and its body (len
 * bytes, any content, need not be NUL-terminated; NULL with 0). Frappe error bodies are matched on
 * exc_type first (InactiveEmployeeStatusError, CheckinRadiusExceededError -> park;
 * AuthenticationError, PermissionError, CSRFTokenError -> pause; TooManyRequestsError,
 * RateLimitExceededError, QueryDeadlockError, QueryTimeoutError, SessionStopped -> retry), then on
 * the message text of _server_messages (decoded twice), exception, exc, message (English texts of
 * HRMS), then on the status. reason (may be NULL) receives a short text for the row's last_error:
 * "HTTP 417 ValidationError: No Employee found for ..." (HTML tags removed; never a header).
 */
zfwd_verdict zfwd_classify(int status, const char *body, size_t len, char *reason, size_t reasonsz);

/* The verdict of one error text alone (a per-item error of a bulk answer): DUPLICATE or PARK when
 * it is one of the known HRMS texts, else FAIL. */
zfwd_verdict zfwd_classify_text(const char *text);

/* ---- times and signatures (format.c) ------------------------------------------------------- */

/*
 * Convert a device wall-clock time "YYYY-MM-DD HH:MM:SS" of a device in zone device_tz (devices.tz,
 * "" unknown) for a target whose zone is target_tz ("" = none). out (20 bytes) = the naive time to
 * send; utc (21 bytes, may be NULL) = "YYYY-MM-DDTHH:MM:SSZ", or "" when the punch's zone is not
 * known (neither zone given). Rules: no target zone -> the wall clock unchanged; a target zone and
 * a known device zone -> converted; a target zone and an unknown device zone -> unchanged (the
 * device is taken to be in the target's zone). 0, or ZKBIO_EINVAL (malformed time or target zone).
 */
int zfwd_convert_time(const char *wall, const char *device_tz, const char *target_tz, char out[20],
                      char utc[21]);

/* The stable idempotency key of a punch: the first 32 hex digits of SHA-256("sn|pin|time|status"),
 * time as stored (device wall clock). out: 33 bytes. */
void zfwd_idempotency_key(const char *sn, const char *pin, const char *time, int status,
                          char out[33]);

/* The webhook signature header value "sha256=<64 hex>" of HMAC-SHA256(secret, "<ts>.<body>") into
 * out (72 bytes). */
void zfwd_sign(const char *secret, int64_t ts, const char *body, size_t len, char out[72]);

/* ---- settings (settings.c) ----------------------------------------------------------------- */

/*
 * Validate a target: kind (erpnext | erpnext-realtime | webhook), url (http or https, parsed by
 * libcurl's curl_url(), no query or fragment) and settings (a JSON object text; NULL = {}).
 * Keys, all optional unless said:
 *   common    tz ("+05:30", "UTC"; "" = none; zc_tz_offset), concurrency (1..64, default 4 for
 *             erpnext, 2 otherwise), timeout_s (1..300, default 15), max_backoff_s (1..86400,
 *             default 300), verify_tls (bool, default true), ca_file (path);
 *   erpnext   api_key, api_secret (required), app ("hrms" default, "erpnext"),
 *             employee_fieldname, device_id ("sn" default, "name", or a fixed string),
 *             log_type_in / log_type_out (arrays of punch states, default [0,4] / [1,5]),
 *             latitude, longitude (numbers, sent only when set);
 *   erpnext-realtime  api_key, api_secret, method_path (required, a dotted Python path), batch
 *             (1..1000, default 500), device_id, log_type_in, log_type_out;
 *   webhook   secret (required), batch (1..1000, default 100).
 * Unknown keys are refused. 0, or ZKBIO_EINVAL with the offending field ("url", "kind",
 * "settings.batch", ...) in field and a sentence in msg (never a secret's value).
 */
int zfwd_settings_check(const char *kind, const char *url, const char *settings, char *field,
                        size_t fieldsz, char *msg, size_t msgsz);

/* The settings JSON text a client may see: secrets (api_key, api_secret, secret) removed and
 * has_<name>: true added for each present. malloc'd (free()), NULL when out of memory. Input
 * NULL or invalid = {}. */
char *zfwd_settings_public(const char *settings);

/* Merge patch (a JSON object text) into settings (NULL = {}): a key with null is removed, others
 * replace. malloc'd result (free()), NULL when either is not an object or out of memory. */
char *zfwd_settings_merge(const char *settings, const char *patch);

/* ---- the test call (probe.c) --------------------------------------------------------------- */

typedef struct zfwd_probe {
    int ok;            /* 1: the target answered as expected */
    int status;        /* HTTP status, 0 = none */
    char message[256]; /* what happened (the logged user of erpnext, a curl error...) */
    int64_t latency_ms;
} zfwd_probe;

/* Call the target's test endpoint (erpnext: GET {url}/api/method/frappe.auth.get_logged_user;
 * realtime: {method_path}.test_connection; webhook: a signed {"test":true} POST) with the target's
 * timeout. Runs on the caller's thread. 0 (see out->ok), ZKBIO_EINVAL (bad settings). */
int zfwd_probe_run(const zs_forwarder *fw, zfwd_probe *out);

/* ---- forwarders of the config file (config.c) ---------------------------------------------- */

/*
 * Create or update the forwarders of the config file (zkbiod_config.forwarder: "NAME.KEY=VALUE"
 * entries; docs/integrations.md "Forwarders in the config file") with source "config": the file's
 * values win over the stored row (settings replaced, filters replaced); forwarders of source
 * config no longer in the file are left alone (logged). file names the file in messages. 0, or
 * ZKBIO_EINVAL with err ("forwarder erp: settings.batch: ..."), or a store error.
 */
int zfwd_config_apply(zs_store *st, const char *const *entries, size_t n, const char *file,
                      char *err, size_t errsz);

#endif /* ZKBIOD_FORWARD_H */
