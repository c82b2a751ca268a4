/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Templates of the fingerprint service on the wire: base64 of a native or ISO 19794-2 record (any
 * format the library reads on input), and galleries built from the request's or the gallery
 * upload's {id, userId, template} entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- templates ------------------------------------------------------------------------------ */

int fp_tpl_decode(const char *b64, zkbio_template **out, char *why, size_t whysz)
{
    size_t len = strlen(b64), n = 0;
    if (len == 0 || len > 4 * ZKBIO_NATIVE_MAX) {
        snprintf(why, whysz, "template: empty or longer than %d base64 characters",
                 4 * ZKBIO_NATIVE_MAX);
        return -1;
    }
    uint8_t *buf = malloc(len);
    if (!buf) {
        snprintf(why, whysz, "out of memory");
        return -1;
    }
    int rc = zkbio_base64_decode(b64, len, buf, len, &n);
    if (rc != 0) {
        snprintf(why, whysz, "template: invalid base64");
        free(buf);
        return -1;
    }
    zkbio_error_info ei;
    rc = zkbio_template_import_any(buf, n, out, &ei);
    free(buf);
    if (rc != 0) {
        snprintf(why, whysz, "template: not a native, ISO 19794-2 or ANSI 378 record (%s)",
                 zkbio_strerror(rc));
        return -1;
    }
    return 0;
}

json_t *fp_tpl_encode(const zkbio_template *t, int iso)
{
    uint8_t rec[ZKBIO_NATIVE_MAX * 2];
    size_t len = 0;
    int rc = iso ? zkbio_template_export_iso(t, rec, sizeof(rec), &len)
                 : zkbio_template_export_native(t, rec, sizeof(rec), &len);
    if (rc != 0)
        return NULL;
    char b64[sizeof(rec) * 4 / 3 + 8];
    if (zkbio_base64_encode(rec, len, b64, sizeof(b64), NULL) != 0)
        return NULL;
    return json_string(b64);
}

void fp_gallery_free(fp_gallery *g)
{
    if (!g)
        return;
    zkbio_gallery_free(g->g);
    for (size_t i = 0; i < g->n; i++) {
        free(g->user_ids[i]);
        free(g->tpl_ids[i]);
    }
    free(g->user_ids);
    free(g->tpl_ids);
    free(g);
}

int fp_gallery_new(fp_gallery **out)
{
    fp_gallery *g = calloc(1, sizeof(*g));
    if (!g || zkbio_gallery_new(0, &g->g) != 0) {
        fp_gallery_free(g);
        return ZKBIO_ENOMEM;
    }
    *out = g;
    return 0;
}

int fp_gallery_append(fp_gallery *g, const char *user_id, const char *tpl_id,
                      const zkbio_template *t)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        char **u = realloc(g->user_ids, cap * sizeof(char *));
        if (!u)
            return ZKBIO_ENOMEM;
        g->user_ids = u;
        char **i = realloc(g->tpl_ids, cap * sizeof(char *));
        if (!i)
            return ZKBIO_ENOMEM;
        g->tpl_ids = i;
        g->cap = cap;
    }
    char *uid = strdup(user_id), *tid = strdup(tpl_id);
    int rc = uid && tid ? zkbio_gallery_add(g->g, (uint32_t)(g->n + 1), t) : ZKBIO_ENOMEM;
    if (rc != 0) {
        free(uid);
        free(tid);
        return rc;
    }
    g->user_ids[g->n] = uid;
    g->tpl_ids[g->n] = tid;
    g->n++;
    return 0;
}

int fp_gallery_build(json_t *arr, fp_gallery **out, char *why, size_t whysz)
{
    if (!json_is_array(arr)) {
        snprintf(why, whysz, "templates: expected an array of {id, userId, template}");
        return FP_INVALID_REQUEST;
    }
    size_t n = json_array_size(arr);
    fp_gallery *g = calloc(1, sizeof(*g));
    if (!g || zkbio_gallery_new(0, &g->g) != 0 || !(g->user_ids = calloc(n + 1, sizeof(char *))) ||
        !(g->tpl_ids = calloc(n + 1, sizeof(char *))) || !(g->cap = n + 1)) {
        fp_gallery_free(g);
        snprintf(why, whysz, "out of memory");
        return FP_INTERNAL_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *b64 = json_string_value(json_object_get(e, "template"));
        const char *uid = json_string_value(json_object_get(e, "userId"));
        json_t *jid = json_object_get(e, "id");
        char idbuf[32];
        const char *tid = json_string_value(jid);
        if (json_is_integer(jid)) {
            snprintf(idbuf, sizeof(idbuf), "%lld", (long long)json_integer_value(jid));
            tid = idbuf;
        }
        if (!b64) {
            snprintf(why, whysz, "templates[%zu].template: expected a base64 string", i);
            fp_gallery_free(g);
            return FP_INVALID_REQUEST;
        }
        zkbio_template *t;
        char w[160];
        if (fp_tpl_decode(b64, &t, w, sizeof(w)) != 0) {
            snprintf(why, whysz, "templates[%zu].%s", i, w);
            fp_gallery_free(g);
            return FP_INVALID_TEMPLATE;
        }
        int rc = zkbio_gallery_add(g->g, (uint32_t)(i + 1), t);
        zkbio_template_free(t);
        g->user_ids[i] = strdup(uid ? uid : "");
        g->tpl_ids[i] = strdup(tid ? tid : (uid ? uid : ""));
        g->n = i + 1;
        if (rc != 0 || !g->user_ids[i] || !g->tpl_ids[i]) {
            snprintf(why, whysz, "templates[%zu]: %s", i, zkbio_strerror(rc));
            fp_gallery_free(g);
            return rc == ZKBIO_EINVAL ? FP_INVALID_TEMPLATE : FP_INTERNAL_ERROR;
        }
    }
    *out = g;
    return 0;
}
