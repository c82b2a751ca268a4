/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for the fingerprint service: a real zkbiod (service listener only, plain HTTP or
 * TLS, a temporary data directory, sim readers from ZKBIO_SIM), REST through libcurl and
 * WebSocket clients through civetweb's client API. Used by test-service.c and the benchmark.
 */
#ifndef ZKBIO_TEST_SVC_H
#define ZKBIO_TEST_SVC_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include <civetweb.h>
#include <jansson.h>

#define SVC_KEY    "testkey_0123456789abcdef"
#define SVC_ORIGIN "https://app.example.test"

typedef struct svc {
    pid_t pid;
    int port;
    int tls;
    char dir[256];
} svc;

/* Start zkbiod with ZKBIO_SIM = sim (may be NULL) and extra arguments (NULL-terminated, may be
 * NULL); the data directory is a new temporary one (svc->dir). Waits until /health answers.
 * 0 or -1. */
int svc_start(svc *s, const char *sim, const char *const *extra);
/* Stop (SIGTERM, then SIGKILL after 5 s) and remove the directory. Returns the exit status. */
int svc_stop(svc *s);

typedef struct resp {
    long status;
    char *body;   /* NUL-terminated, malloc'd */
    json_t *json; /* parsed body or NULL */
    char headers[4096];
    double seconds;
} resp;

/* One HTTP request. `headers` is a NULL-terminated list of "Name: value" lines added to the
 * defaults (X-API-Key: SVC_KEY, Content-Type: application/json); the line "-key" drops the key.
 * body may be NULL. 0 or -1 (transport error). */
int svc_http(const svc *s, const char *method, const char *path, const char *body,
             const char *const *headers, resp *out);
void resp_free(resp *r);
/* Value of a response header (case-insensitive name) into buf; 0 when absent. */
int resp_header(const resp *r, const char *name, char *buf, size_t size);
/* The error code of a contract error body, 0 when none. */
int resp_code(const resp *r);

typedef struct wsc {
    struct mg_connection *c;
    pthread_mutex_t m;
    pthread_cond_t cv;
    json_t *msgs; /* messages received and not yet taken by wsc_wait, in order */
    int closed;
} wsc;

/* Open a WebSocket to path with an Origin (NULL = none); NULL when refused. */
wsc *wsc_open(const svc *s, const char *path, const char *origin, char *err, size_t errsz);
/* Send a JSON text (printf format). */
int wsc_send(wsc *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Wait up to timeout_ms for the oldest message of `type` not taken yet, and take it (messages of
 * other types stay). A new reference, or NULL. */
json_t *wsc_wait(wsc *w, const char *type, int timeout_ms);
/* auth with SVC_KEY and wait for auth:success: 0 or -1. */
int wsc_auth(wsc *w);
void wsc_close(wsc *w);

void svc_sleep_ms(long ms);

#endif
