/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lists of the BioTime-compatible API (api.h "BioTime lists"; docs/biotime-api.md "Lists and
 * paging"). BioTime is Django REST Framework with page-number pagination (shared reference
 * integrations.md §1.3):
 *   - `page` counts from 1; a value that is not a positive integer, or a page past the last one,
 *     is DRF's 404 {"detail": "Invalid page."} (the last page of an empty list is page 1);
 *   - the page size is `page_size` (BioTime 8.x; 8.x ignores `limit`) or `limit` (ZKBio Time 9.x);
 *     when both are given `page_size` wins. Default BT_PAGE_DEFAULT (10, the PAGE_SIZE BioTime's
 *     DRF settings use: the sample pages of the 8.x docs hold 10 rows), capped at BT_PAGE_MAX
 *     (8.x honours sizes like 5000, so the cap is that); a size that is not a positive integer is
 *     ignored (DRF's get_page_size falls back to the default), like any unknown parameter;
 *   - `next`/`previous` are absolute URLs (DRF's request.build_absolute_uri): scheme from
 *     X-Forwarded-Proto, else the listener's TLS state; host from X-Forwarded-Host (its first
 *     value), else Host, else the listener's local address; the request's own path and query with
 *     only `page` replaced (DRF's replace_query_param; the link to page 1 drops `page` as DRF's
 *     remove_query_param does). Every other parameter is kept in its order, decoded and
 *     re-encoded, so the link is a valid URL whatever the client sent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define BT_PAGE_DEFAULT 10
#define BT_PAGE_MAX     5000
#define BT_URL_MAX      4096

int zapi_bt_query(zreq *r, const char *name, char *buf, size_t size)
{
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    const char *q = ri && ri->query_string ? ri->query_string : "";
    if (!buf || size == 0)
        return 0;
    int rc = zkbio_push_query_get(q, strlen(q), name, buf, size);
    if (rc == ZKBIO_ENOSPC) {
        buf[0] = '\0';
        return -1;
    }
    if (rc != 0 || !buf[0]) { /* django-filter ignores an empty value */
        buf[0] = '\0';
        return 0;
    }
    return 1;
}

/* A positive decimal integer without sign or blanks (at most 18 digits); 0 otherwise. */
static int64_t positive(const char *s)
{
    size_t l = strlen(s);
    if (l == 0 || l > 18 || strspn(s, "0123456789") != l)
        return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

int zapi_bt_page_params(zreq *r, zapi_bt_page *p)
{
    char v[64];
    memset(p, 0, sizeof(*p));
    p->page = 1;
    p->page_size = BT_PAGE_DEFAULT;
    int rc = zapi_bt_query(r, "page", v, sizeof(v));
    if (rc < 0 || (rc > 0 && (p->page = positive(v)) == 0))
        return zapi_bt_fail(r, 404, "Invalid page.", NULL);
    int64_t size = 0;
    if (zapi_bt_query(r, "page_size", v, sizeof(v)) > 0)
        size = positive(v);
    if (size == 0 && zapi_bt_query(r, "limit", v, sizeof(v)) > 0)
        size = positive(v);
    if (size > 0)
        p->page_size = size > BT_PAGE_MAX ? BT_PAGE_MAX : size;
    if (p->page > INT64_MAX / p->page_size)
        return zapi_bt_fail(r, 404, "Invalid page.", NULL);
    p->offset = (p->page - 1) * p->page_size;
    return 0;
}

/* ---- absolute links ------------------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int full;
} sbuf;

static void put(sbuf *b, const char *s, size_t l)
{
    if (b->n + l >= b->cap) {
        b->full = 1;
        return;
    }
    memcpy(b->p + b->n, s, l);
    b->n += l;
    b->p[b->n] = '\0';
}

static int unreserved(unsigned char c, int path)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || (path && c == '/');
}

/* s percent-encoded (RFC 3986 unreserved kept; '/' kept in a path). */
static void put_enc(sbuf *b, const char *s, size_t l, int path)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < l; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c, path)) {
            put(b, (const char *)&s[i], 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            put(b, e, 3);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One raw query component (`+` and %XX decoded, a bad escape kept) re-encoded into b. */
static void put_component(sbuf *b, const char *s, size_t l)
{
    char dec[BT_URL_MAX];
    size_t o = 0;
    for (size_t i = 0; i < l && o + 1 < sizeof(dec); i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < l && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } /* an incomplete or non-hex escape stays literal text (as zkbio_push_query_get) */
        dec[o++] = c;
    }
    put_enc(b, dec, o, 0);
}

/* ASCII case-insensitive equality of s[0..l) and the lower-case word w. */
static int ieq(const char *s, size_t l, const char *w)
{
    if (strlen(w) != l)
        return 0;
    for (size_t i = 0; i < l; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return 1;
}

/* A host[:port] we are willing to echo into a link: letters, digits, . - : [ ] and _ only. */
static int host_ok(const char *h, size_t l)
{
    if (l == 0 || l > 255)
        return 0;
    for (size_t i = 0; i < l; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
            return 0;
    }
    return 1;
}

/* The first value of a comma-separated forwarding header, trimmed: *len, or NULL. */
static const char *first_value(const char *h, size_t *len)
{
    if (!h)
        return NULL;
    while (*h == ' ' || *h == '\t')
        h++;
    size_t l = strcspn(h, ",");
    while (l && (h[l - 1] == ' ' || h[l - 1] == '\t'))
        l--;
    *len = l;
    return l ? h : NULL;
}

/* scheme://host of the request into b. */
static void put_origin(zreq *r, sbuf *b)
{
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    size_t l = 0;
    const char *proto = first_value(mg_get_header(r->c, "X-Forwarded-Proto"), &l);
    if (proto && ieq(proto, l, "https"))
        put(b, "https://", 8);
    else if (proto && ieq(proto, l, "http"))
        put(b, "http://", 7);
    else if (ri && ri->is_ssl)
        put(b, "https://", 8);
    else
        put(b, "http://", 7);
    const char *host = first_value(mg_get_header(r->c, "X-Forwarded-Host"), &l);
    if (host && host_ok(host, l)) {
        put(b, host, l);
        return;
    }
    host = first_value(mg_get_header(r->c, "Host"), &l);
    if (host && host_ok(host, l)) {
        put(b, host, l);
        return;
    }
    /* HTTP/1.0 without Host: the loopback address and the listener's port (the best we know) */
    char hp[32];
    int port = ri ? ri->server_port : 0;
    int n = port > 0 ? snprintf(hp, sizeof(hp), "127.0.0.1:%d", port)
                     : snprintf(hp, sizeof(hp), "127.0.0.1");
    put(b, hp, (size_t)n);
}

/* The query q[0..ql) with every parameter but page kept (decoded and re-encoded), then page=N when
 * page > 1. */
static void put_query(sbuf *b, const char *q, size_t ql, int64_t page)
{
    int first = 1;
    for (size_t i = 0; i < ql;) {
        size_t l = strcspn(q + i, "&");
        if (l > ql - i)
            l = ql - i;
        const char *kv = q + i;
        i += l + 1;
        if (l == 0)
            continue;
        const char *eq = memchr(kv, '=', l);
        size_t kl = eq ? (size_t)(eq - kv) : l;
        if (kl < 16) { /* the decoded key, case-insensitive like zapi_bt_query's lookup */
            char kb[64];
            sbuf kd = {kb, 0, sizeof(kb), 0};
            kb[0] = '\0';
            put_component(&kd, kv, kl);
            if (ieq(kb, kd.n, "page"))
                continue; /* "p%61ge" is still page; so is "PAGE" */
        }
        put(b, first ? "?" : "&", 1);
        first = 0;
        put_component(b, kv, kl);
        if (eq) {
            put(b, "=", 1);
            put_component(b, eq + 1, l - kl - 1);
        }
    }
    if (page > 1) {
        char pg[40];
        int n = snprintf(pg, sizeof(pg), "%spage=%" PRId64, first ? "?" : "&", page);
        put(b, pg, (size_t)n);
    }
}

int zapi_bt_link_query(const char *query, int64_t page, char *out, size_t size)
{
    if (!out || size == 0)
        return -1;
    out[0] = '\0';
    sbuf b = {out, 0, size, 0};
    const char *q = query ? query : "";
    put_query(&b, q, strcspn(q, "#"), page);
    if (b.full) {
        out[0] = '\0';
        return -1;
    }
    return (int)b.n;
}

/* The absolute URL of this request with `page` replaced by page (dropped when page is 1). */
static char *link_to(zreq *r, int64_t page)
{
    char *out = malloc(BT_URL_MAX);
    if (!out)
        return NULL;
    sbuf b = {out, 0, BT_URL_MAX, 0};
    out[0] = '\0';
    put_origin(r, &b);
    const char *path = r->path && r->path[0] == '/' ? r->path : "/";
    put_enc(&b, path, strlen(path), 1);
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    const char *q = ri && ri->query_string ? ri->query_string : "";
    put_query(&b, q, strcspn(q, "#"), page);
    if (b.full) { /* a query too long to echo: the bare path and the page */
        b.n = 0;
        out[0] = '\0';
        b.full = 0;
        put_origin(r, &b);
        put_enc(&b, path, strlen(path), 1);
        put_query(&b, "", 0, page);
    }
    return out;
}

int zapi_bt_list_reply(zreq *r, const zapi_bt_page *p, int64_t count, json_t *items)
{
    if (!items)
        items = json_array();
    if (count < 0)
        count = 0;
    int64_t size = p->page_size > 0 ? p->page_size : BT_PAGE_DEFAULT;
    int64_t pages = count == 0 ? 1 : (count + size - 1) / size;
    if (p->page > pages) {
        json_decref(items);
        return zapi_bt_fail(r, 404, "Invalid page.", NULL);
    }
    json_t *next = json_null(), *prev = json_null();
    if (p->page < pages) {
        char *u = link_to(r, p->page + 1);
        if (u)
            next = json_string(u);
        free(u);
    }
    if (p->page > 1) {
        char *u = link_to(r, p->page - 1);
        if (u)
            prev = json_string(u);
        free(u);
    }
    json_t *body = json_pack("{s:I,s:o,s:o,s:s,s:i,s:o}", "count", (json_int_t)count, "next",
                             next ? next : json_null(), "previous", prev ? prev : json_null(),
                             "msg", "", "code", 0, "data", items);
    if (!body)
        return zapi_bt_fail(r, 500, "Out of memory.", NULL);
    return zapi_reply(r, 200, body);
}
