/* http-json: one libcurl request to a test's zkbiod and its JSON reply, shared by the HTTP tests
 * (auth-http, api-v1, routes, jobs-http, fleet).
 *
 * http_json_call() performs METHOD on BASE PATH (e.g. "http://127.0.0.1:8080" + "/api/v1/jobs";
 * method NULL = libcurl's choice: GET, or POST when there is a body), with an "Authorization:
 * Bearer TOKEN" header when token is not NULL, "Content-Type: application/json" unless
 * o->no_content_type, one extra header line when o->header is not NULL, and BODY as the request
 * body when not NULL (so "" sends an empty body). It waits at most o->timeout_ms (0 = 10 s). o may
 * be NULL (all defaults).
 *
 * The reply: status (0 on transport error), text (the raw body, NUL-terminated, or NULL when
 * none), body_len, j (text parsed as JSON, NULL when not JSON) and the captured header values
 * (empty when absent, truncated to the array). Every field is owned by the reply: release it with
 * http_json_free(), which also makes it safe to reuse. Returns the status.
 *
 * Not thread-safe per reply; the caller must have called curl_global_init() (or let libcurl do so
 * on first use in a single-threaded test). Never aborts. */
#ifndef ZKBIO_TEST_HTTP_JSON_H
#define ZKBIO_TEST_HTTP_JSON_H

#include <stddef.h>

#include <jansson.h>

typedef struct http_json_opts {
    const char *token;   /* bearer credential, NULL = no Authorization header */
    const char *header;  /* one extra "Name: value" header line, NULL = none */
    int no_content_type; /* 1 = no Content-Type header */
    long timeout_ms;     /* 0 = 10000 */
} http_json_opts;

typedef struct http_json_reply {
    long status;
    json_t *j;
    char *text;
    size_t body_len;
    char www_authenticate[128];
    char retry_after[32];
    char etag[80];
    char request_id[80]; /* X-Request-Id */
} http_json_reply;

long http_json_call(http_json_reply *r, const char *base, const char *method, const char *path,
                    const char *body, const http_json_opts *o);

/* Releases r->j and r->text and zeroes *r. */
void http_json_free(http_json_reply *r);

/* Moves the parsed body out of r (the caller json_decrefs it) and frees the rest of r. */
json_t *http_json_take(http_json_reply *r);

#endif
