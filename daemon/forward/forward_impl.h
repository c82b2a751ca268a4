/* SPDX-License-Identifier: Apache-2.0 */
/* Private parts of daemon/forward shared by its source files (never included elsewhere). */
#ifndef ZKBIOD_FORWARD_IMPL_H
#define ZKBIOD_FORWARD_IMPL_H

#include <stddef.h>
#include <stdint.h>

#if defined(ZKBIOD_HAVE_CURL)
#include <curl/curl.h>
#endif

#include "forward.h"

typedef enum fwd_kind { FWD_ERPNEXT = 1, FWD_REALTIME = 2, FWD_WEBHOOK = 3 } fwd_kind;

/* How device_id is filled. */
typedef enum fwd_devid { FWD_DEVID_SN = 0, FWD_DEVID_NAME = 1, FWD_DEVID_FIXED = 2 } fwd_devid;

/* A target's settings, parsed (settings.c). Secrets live here only while a request is built. */
typedef struct fwd_target {
    int64_t id;
    fwd_kind kind;
    char name[65];
    char url[1025]; /* without a trailing '/' */
    char api_key[257], api_secret[257], secret[257];
    char app[33];          /* erpnext: "hrms" | "erpnext" */
    char method_path[256]; /* erpnext-realtime */
    char employee_fieldname[141];
    fwd_devid devid;
    char device_id[141]; /* FWD_DEVID_FIXED */
    int log_in[16], n_in, log_out[16], n_out;
    int has_geo;
    double latitude, longitude;
    int batch, concurrency, timeout_s, max_backoff_s;
    int verify_tls;
    char ca_file[1025];
    int has_tz;  /* a target zone is set */
    char tz[33]; /* as given */
} fwd_target;

/* Parse and validate (settings.c); the forwarder's kind/url/settings. 0 or ZKBIO_EINVAL with the
 * field and message (as zfwd_settings_check). */
int fwd_target_parse(const char *kind, const char *url, const char *settings, fwd_target *t,
                     char *field, size_t fieldsz, char *msg, size_t msgsz);

/* Wipe the secrets of t. */
void fwd_target_wipe(fwd_target *t);

/* The log type of a punch state: 1 IN, 2 OUT, 0 none (format.c). */
int fwd_log_type(const fwd_target *t, int status);

/* The device_id of a punch (format.c). */
const char *fwd_device_id(const fwd_target *t, const zs_outbox_item *it);

/* A growable text buffer (format.c). */
typedef struct fwd_buf {
    char *p;
    size_t len, cap;
    int oom;
} fwd_buf;
void fwd_buf_add(fwd_buf *b, const char *s, size_t n);
void fwd_buf_free(fwd_buf *b);

/* Request bodies (format.c). items[i].sent_time must be set. JSON text malloc'd into *out.
 * 0 or ZKBIO_ENOMEM. */
int fwd_body_erpnext(const fwd_target *t, const zs_outbox_item *it, char **out);
int fwd_body_realtime(const fwd_target *t, const zs_outbox_item *items, size_t n, char **out);
int fwd_body_webhook(const fwd_target *t, const zs_outbox_item *items, size_t n, char **out);

/* The request URL of a kind's delivery into out. */
void fwd_delivery_url(const fwd_target *t, size_t nitems, char *out, size_t outsz);

#if defined(ZKBIOD_HAVE_CURL)
/* Set the common curl options of a request (timeouts, TLS, headers list already built). */
void fwd_curl_common(CURL *h, const fwd_target *t);
#endif

/* Why nothing is delivered in a build without libcurl (off.c, settings.c). */
#define FWD_UNAVAILABLE                                                                            \
    "forwarding is unavailable: this zkbiod was built without libcurl (issue 17: Windows)"

/* The Authorization header "Authorization: token key:secret" into out. */
void fwd_auth_header(const fwd_target *t, char *out, size_t outsz);

/* Wall-clock ms. */
int64_t fwd_wall_ms(void);

#endif /* ZKBIOD_FORWARD_IMPL_H */
