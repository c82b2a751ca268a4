/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON-over-HTTP client of `zkbio bench api` (api_http.h). */
#include "api_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t on_body(char *d, size_t sz, size_t nm, void *u)
{
    api_http *h = u;
    size_t add = sz * nm;
    if (h->len + add + 1 > h->cap) {
        size_t cap = h->cap ? h->cap : 16384;
        while (cap < h->len + add + 1)
            cap *= 2;
        char *p = realloc(h->body, cap);
        if (!p)
            return 0; /* curl reports a write error */
        h->body = p;
        h->cap = cap;
    }
    memcpy(h->body + h->len, d, add);
    h->len += add;
    h->body[h->len] = '\0';
    return add;
}

int api_http_init(api_http *h, int port, const char *token)
{
    memset(h, 0, sizeof(*h));
    h->port = port;
    h->c = curl_easy_init();
    if (!h->c)
        return -1;
    struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json");
    if (l)
        h->hdr = l;
    if (l)
        l = curl_slist_append(h->hdr, "Expect:"); /* no 100-continue round trip */
    if (l && token) {
        char auth[512];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        l = curl_slist_append(h->hdr, auth);
    }
    if (!l)
        return -1;
    curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, h->hdr);
    curl_easy_setopt(h->c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h->c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->c, CURLOPT_ERRORBUFFER, h->err);
    curl_easy_setopt(h->c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h->c, CURLOPT_PROXY, ""); /* loopback: never through a proxy */
    return 0;
}

void api_http_free(api_http *h)
{
    if (h->c)
        curl_easy_cleanup(h->c);
    curl_slist_free_all(h->hdr);
    free(h->body);
    memset(h, 0, sizeof(*h));
}

int api_http_call(api_http *h, const char *method, const char *path, const char *json_body,
                  long timeout_s)
{
    char url[1024];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", h->port, path);
    h->len = 0;
    if (h->body)
        h->body[0] = '\0';
    h->status = 0;
    h->err[0] = '\0';
    curl_easy_setopt(h->c, CURLOPT_URL, url);
    curl_easy_setopt(h->c, CURLOPT_TIMEOUT, timeout_s);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h->c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h->c, CURLOPT_CUSTOMREQUEST, NULL);
    } else {
        const char *b = json_body ? json_body : "";
        curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, b);
        curl_easy_setopt(h->c, CURLOPT_POSTFIELDSIZE, (long)strlen(b));
        curl_easy_setopt(h->c, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CURLcode rc = curl_easy_perform(h->c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    h->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (rc != CURLE_OK) {
        if (!h->err[0])
            snprintf(h->err, sizeof(h->err), "%s", curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &h->status);
    return 0;
}

json_t *api_http_json(const api_http *h)
{
    if (!h->body || !h->len)
        return NULL;
    return json_loadb(h->body, h->len, 0, NULL);
}

json_t *api_data(json_t *reply)
{
    json_t *st = json_object_get(reply, "status");
    json_t *d = json_object_get(reply, "data");
    return json_is_boolean(st) && d ? d : reply;
}

const char *api_describe(const api_http *h, char *buf, size_t cap)
{
    if (h->status == 0) {
        snprintf(buf, cap, "no reply: %s", h->err);
        return buf;
    }
    json_t *j = api_http_json(h);
    json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    if (!code)
        code = json_string_value(e);
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (code || msg)
        snprintf(buf, cap, "HTTP %ld %s: %s", h->status, code ? code : "-", msg ? msg : "");
    else
        snprintf(buf, cap, "HTTP %ld: %.120s", h->status, h->body ? h->body : "");
    json_decref(j);
    return buf;
}

json_t *api_list_rows(json_t *data)
{
    if (json_is_array(data))
        return data;
    static const char *const keys[] = {"items", "records", "data", "devices", "attendance"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *a = json_object_get(data, keys[i]);
        if (json_is_array(a))
            return a;
    }
    return NULL;
}

long long api_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    const char *s = json_string_value(v);
    if (!s || !*s)
        return -1;
    char *end;
    long long n = strtoll(s, &end, 10);
    return *end || n < 0 ? -1 : n;
}

int api_next_cursor(json_t *data, char *buf, size_t cap)
{
    json_t *n = json_object_get(json_object_get(data, "paging"), "next");
    if (!n)
        n = json_object_get(data, "next");
    buf[0] = '\0';
    if (json_is_string(n) && json_string_length(n) > 0 && json_string_length(n) < cap)
        snprintf(buf, cap, "%s", json_string_value(n));
    else if (json_is_integer(n))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(n));
    return buf[0] != '\0';
}
