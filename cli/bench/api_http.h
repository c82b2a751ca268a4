/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON-over-HTTP client of `zkbio bench api`: one keep-alive connection (a libcurl easy
 * handle) to a zkbiod on loopback, bearer credential set, and the readers of the /api/v1 reply
 * envelope (`{"status":true,"message":..,"data":..}` and the error shape).
 *
 * Threading: one api_http per thread; curl_global_init() must have run before api_http_init().
 */
#ifndef ZKBIO_CLI_BENCH_API_HTTP_H
#define ZKBIO_CLI_BENCH_API_HTTP_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

typedef struct api_http {
    CURL *c;
    struct curl_slist *hdr;
    int port;
    long status; /* HTTP status of the last call; 0 when it did not complete */
    double ms;   /* wall time of the last call (request sent to body read), milliseconds */
    char *body;  /* the last reply's body, NUL-terminated (owned; valid until the next call) */
    size_t len, cap;
    char err[CURL_ERROR_SIZE]; /* why the last call did not complete ("" when it did) */
} api_http;

/* A client of http://127.0.0.1:port sending `Authorization: Bearer <token>` (token may be NULL).
 * 0, or -1 (out of memory). api_http_free() it either way. */
int api_http_init(api_http *h, int port, const char *token);
void api_http_free(api_http *h);

/* One request: method "GET", "POST", ...; path with its query (already encoded); json_body NULL
 * for none. 0 when a reply came (any status: see h->status and h->body), -1 on a transport error
 * (h->err). timeout_s bounds the whole call. */
int api_http_call(api_http *h, const char *method, const char *path, const char *json_body,
                  long timeout_s);

/* The last reply parsed (new reference), or NULL when it is not JSON. */
json_t *api_http_json(const api_http *h);

/* The `data` member of an /api/v1 envelope (borrowed), or the reply itself when it is not in the
 * envelope (a route not moved yet). */
json_t *api_data(json_t *reply);

/* A short description of a failed reply for messages: "HTTP 400 CODE: message" from the envelope
 * (or the start of the body), into buf. Returns buf. */
const char *api_describe(const api_http *h, char *buf, size_t cap);

/* The rows of a list reply's data: the array itself, or the first of its members "items",
 * "records", "data", "devices", "attendance" that is an array (borrowed; NULL when none). */
json_t *api_list_rows(json_t *data);

/* The cursor of a list reply's next page (data.paging.next, or data.next: a string or an
 * integer) into buf. 1 when there is a next page, 0 when not (or no cursor is given). */
int api_next_cursor(json_t *data, char *buf, size_t cap);

/* A member of obj as an integer: JSON integers, and strings of digits (ids may be either). -1 when
 * missing or not a number. */
long long api_int(json_t *obj, const char *key);

#endif /* ZKBIO_CLI_BENCH_API_HTTP_H */
