/* http-json: see http-json.h. */
#include "http-json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t on_data(char *d, size_t sz, size_t nm, void *u)
{
    buf *b = u;
    char *p = realloc(b->p, b->n + sz * nm + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, d, sz * nm);
    b->p = p;
    b->n += sz * nm;
    b->p[b->n] = '\0';
    return sz * nm;
}

/* Copies the value of header NAME from LINE (len bytes, "Name: value\r\n") into out. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    while (*v == ' ')
        v++;
    size_t vl = len - (size_t)(v - line);
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
        vl--;
    if (vl >= size)
        vl = size - 1;
    memcpy(out, v, vl);
    out[vl] = '\0';
}

static size_t on_header(char *d, size_t sz, size_t nm, void *u)
{
    http_json_reply *r = u;
    size_t n = sz * nm;
    header_value(d, n, "WWW-Authenticate", r->www_authenticate, sizeof(r->www_authenticate));
    header_value(d, n, "Retry-After", r->retry_after, sizeof(r->retry_after));
    header_value(d, n, "ETag", r->etag, sizeof(r->etag));
    header_value(d, n, "X-Request-Id", r->request_id, sizeof(r->request_id));
    return n;
}

long http_json_call(http_json_reply *r, const char *base, const char *method, const char *path,
                    const char *body, const http_json_opts *o)
{
    static const http_json_opts defaults = {0};
    if (!o)
        o = &defaults;
    memset(r, 0, sizeof(*r));
    char url[1200], auth[1200];
    snprintf(url, sizeof(url), "%s%s", base, path);
    CURL *c = curl_easy_init();
    if (!c)
        return 0;
    buf b = {NULL, 0};
    struct curl_slist *h = NULL;
    if (o->token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
        h = curl_slist_append(h, auth);
    }
    if (!o->no_content_type)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (o->header)
        h = curl_slist_append(h, o->header);
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->text = b.p;
    r->body_len = b.n;
    r->j = b.p ? json_loads(b.p, 0, NULL) : NULL;
    return r->status;
}

void http_json_free(http_json_reply *r)
{
    json_decref(r->j);
    free(r->text);
    memset(r, 0, sizeof(*r));
}

json_t *http_json_take(http_json_reply *r)
{
    json_t *j = r->j;
    r->j = NULL;
    http_json_free(r);
    return j;
}
