/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request bodies of the BioTime family (api.h, "BioTime bodies"): a JSON object, or a form
 * (application/x-www-form-urlencoded) turned into the same JSON object, since BioTime clients send
 * both (shared reference integrations.md §1.2: fetch URLSearchParams, Python requests' data=).
 * The form parser is bounds-checked and fuzzed (tests/fuzz/fuzz-bt-body.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* URL-decode s[0..n) ('+' = space) into out (n + 1 bytes). The decoded length, or -1 for a bad
 * escape or a NUL byte. */
static long form_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (long)o;
}

json_t *zapi_bt_form_parse(const char *body, size_t len)
{
    json_t *o = json_object();
    char *name = malloc(len + 1), *value = malloc(len + 1);
    if (!o || !name || !value)
        goto fail;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        if (end > i) { /* an empty pair ("a=1&&b=2") is skipped, as browsers do */
            const char *eq = memchr(body + i, '=', end - i);
            size_t nlen = eq ? (size_t)(eq - (body + i)) : end - i;
            long nl = form_decode(body + i, nlen, name);
            long vl = eq ? form_decode(eq + 1, (size_t)(body + end - (eq + 1)), value) : 0;
            if (!eq)
                value[0] = '\0';
            if (nl <= 0 || vl < 0)
                goto fail;
            json_t *v = json_stringn(value, (size_t)vl); /* NULL: not UTF-8 */
            if (!v)
                goto fail;
            int list = 0; /* PHP's "area[]=1&area[]=2" */
            if (nl > 2 && name[nl - 2] == '[' && name[nl - 1] == ']') {
                name[nl - 2] = '\0';
                list = 1;
            }
            json_t *old = json_object_get(o, name);
            if (!old) {
                if (list && !(v = json_pack("[o]", v)))
                    goto fail;
                if (json_object_set_new(o, name, v) != 0) /* a name that is not UTF-8 */
                    goto fail;
            } else if (json_is_array(old)) {
                if (json_array_append_new(old, v) != 0)
                    goto fail;
            } else { /* a name given twice (area=1&area=2) is a list */
                json_t *arr = json_pack("[O]", old);
                if (!arr || json_array_append_new(arr, v) != 0 ||
                    json_object_set_new(o, name, arr) != 0) {
                    json_decref(arr);
                    goto fail;
                }
            }
        }
        i = end + 1;
    }
    free(name);
    free(value);
    return o;
fail:
    free(name);
    free(value);
    json_decref(o);
    return NULL;
}

int zapi_bt_body(zreq *r, json_t **out)
{
    *out = NULL;
    char *body = NULL;
    size_t len = 0;
    int rc = zc_read_body(r->c, ZAPI_BT_BODY_MAX, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        free(body);
        return zapi_bt_fail(r, 413, "Request body too large.", NULL);
    }
    if (rc != 0) {
        free(body);
        return zapi_bt_fail(r, 400, "Could not read the request body.", NULL);
    }
    const char *ct = mg_get_header(r->c, "Content-Type");
    size_t k = 0;
    while (k < len && (body[k] == ' ' || body[k] == '\t' || body[k] == '\r' || body[k] == '\n'))
        k++;
    int form = ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
    int json = ct && strstr(ct, "json") != NULL;
    if (ct && strncasecmp(ct, "multipart/", 10) == 0) {
        free(body);
        char m[128];
        snprintf(m, sizeof(m), "Unsupported media type \"%.60s\" in request.", ct);
        return zapi_bt_fail(r, 415, m, NULL);
    }
    if (k == len) { /* no body: no fields */
        free(body);
        *out = json_object();
        return *out ? 0 : zapi_bt_fail(r, 503, "Out of memory.", NULL);
    }
    if (!form && (json || body[k] == '{' || body[k] == '[')) {
        json_error_t err;
        json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
        free(body);
        if (!j) {
            char m[256];
            snprintf(m, sizeof(m), "JSON parse error - %.160s", err.text);
            return zapi_bt_fail(r, 400, m, NULL);
        }
        if (!json_is_object(j)) {
            char m[96];
            snprintf(m, sizeof(m), "Invalid data. Expected a dictionary, but got %s.",
                     json_is_array(j)    ? "list"
                     : json_is_string(j) ? "str"
                                         : "value");
            json_decref(j);
            return zapi_bt_fail(r, 400, NULL, json_pack("{s:[s]}", "non_field_errors", m));
        }
        *out = j;
        return 0;
    }
    json_t *j = zapi_bt_form_parse(body, len);
    free(body);
    if (!j)
        return zapi_bt_fail(r, 400, "Malformed form body: bad escape, NUL byte or invalid UTF-8.",
                            NULL);
    *out = j;
    return 0;
}
