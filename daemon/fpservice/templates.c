/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Template storage of the fingerprint service (--fp-store, off by default; docs/
 * fingerprint-service.md): enrolled templates and gallery uploads are kept in zkbiod's database
 * (table fp_templates, through daemon/store) as native libzkbio records, loaded into s->stored at
 * start-up, and searched by identify when the request brings no templates (the contract's
 * Variant A, §7.5). Template bytes are never logged: only counts.
 *
 * Writers hold s->store_lock across the database write and the update of s->stored, so the
 * in-memory gallery always equals the table as this process wrote it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "log.h"
#include "store.h"

int fp_store_code(int rc)
{
    switch (rc) {
    case 0:
        return 0;
    case ZKBIO_EEXIST:
        return FP_DUPLICATE_ENTRY;
    case ZKBIO_EUNAVAIL:
        return FP_DB_CONNECTION_FAILED;
    case ZKBIO_ENOMEM:
        return FP_INTERNAL_ERROR;
    default:
        return FP_DB_QUERY_FAILED;
    }
}

typedef struct load_ctx {
    fp_gallery *g;
    size_t bad;
} load_ctx;

static int load_row(void *arg, const zs_fp_row *r)
{
    load_ctx *c = arg;
    zkbio_template *t = NULL;
    zkbio_error_info ei;
    if (zkbio_template_import_any(r->tpl, r->len, &t, &ei) != 0) {
        c->bad++; /* unreadable record: skipped (counted in the log) */
        return 0;
    }
    char tid[160];
    if (r->template_id[0])
        snprintf(tid, sizeof(tid), "%s", r->template_id);
    else
        snprintf(tid, sizeof(tid), "%s/%d", r->user_id, r->finger_id);
    int rc = fp_gallery_append(c->g, r->user_id, tid, t);
    zkbio_template_free(t);
    return rc;
}

/* Build a new gallery from the table and swap it in. With s->store_lock held. */
static int reload_locked(fp_service *s)
{
    load_ctx c = {NULL, 0};
    int rc = fp_gallery_new(&c.g);
    if (rc == 0)
        rc = zs_fp_each(s->store, load_row, &c);
    if (rc != 0) {
        fp_gallery_free(c.g);
        return rc;
    }
    if (c.bad)
        zlog_warn("fingerprint service: %zu stored template(s) unreadable, skipped", c.bad);
    pthread_rwlock_wrlock(&s->gallery_lock);
    fp_gallery *old = s->stored;
    s->stored = c.g;
    pthread_rwlock_unlock(&s->gallery_lock);
    fp_gallery_free(old);
    return 0;
}

int fp_store_start(fp_service *s, char *err, size_t errsz)
{
    pthread_mutex_init(&s->store_lock, NULL);
    if (!s->cfg->fp_store) {
        s->store = NULL;
        return 0;
    }
    if (!s->store) {
        snprintf(err, errsz, "fp-store: no database");
        return -1;
    }
    pthread_mutex_lock(&s->store_lock);
    int rc = reload_locked(s);
    pthread_mutex_unlock(&s->store_lock);
    if (rc != 0) {
        snprintf(err, errsz, "fp-store: cannot load the stored templates: %s", zkbio_strerror(rc));
        return -1;
    }
    zlog_info("fingerprint service: template storage on, %zu stored template(s) loaded",
              s->stored->n);
    return 0;
}

void fp_store_free(fp_service *s)
{
    fp_gallery_free(s->stored);
    s->stored = NULL;
    pthread_mutex_destroy(&s->store_lock);
}

int fp_store_exists(fp_service *s, const char *user_id, int finger_id, int *exists)
{
    return fp_store_code(zs_fp_exists(s->store, user_id, finger_id, exists));
}

int fp_store_enrolled(fp_service *s, const char *user_id, int finger_id, const char *tpl_id,
                      const zkbio_template *t, int quality)
{
    uint8_t rec[ZKBIO_NATIVE_MAX];
    size_t len = 0;
    if (zkbio_template_export_native(t, rec, sizeof(rec), &len) != 0)
        return FP_INTERNAL_ERROR;
    zs_fp_row row = {user_id, finger_id, tpl_id, rec, len, quality};
    pthread_mutex_lock(&s->store_lock);
    int rc = zs_fp_put(s->store, &row, 1, 0);
    if (rc == 0) {
        pthread_rwlock_wrlock(&s->gallery_lock);
        int arc = fp_gallery_append(s->stored, user_id, tpl_id, t);
        pthread_rwlock_unlock(&s->gallery_lock);
        if (arc != 0) /* stored but not in memory: rebuild from the table */
            reload_locked(s);
    }
    pthread_mutex_unlock(&s->store_lock);
    memset(rec, 0, sizeof(rec));
    if (rc == 0)
        zlog_info("fingerprint service: template of user %s finger %d stored", user_id, finger_id);
    else if (rc != ZKBIO_EEXIST)
        zlog_error("fingerprint service: cannot store a template: %s", zkbio_strerror(rc));
    return fp_store_code(rc);
}

typedef struct up_row {
    zs_fp_row r;
    uint8_t *rec;
    size_t index;
} up_row;

static int up_cmp(const void *a, const void *b)
{
    const up_row *x = a, *y = b;
    int c = strcmp(x->r.user_id, y->r.user_id);
    return c ? c : x->r.finger_id - y->r.finger_id;
}

int fp_store_upload(fp_service *s, json_t *arr, size_t *count, char *why, size_t whysz)
{
    *count = 0;
    if (!json_is_array(arr)) {
        snprintf(why, whysz, "templates: expected an array of {id, userId, fingerId, template}");
        return FP_INVALID_REQUEST;
    }
    size_t n = json_array_size(arr);
    up_row *rows = calloc(n + 1, sizeof(*rows));
    zs_fp_row *flat = calloc(n + 1, sizeof(*flat));
    char(*ids)[32] = calloc(n + 1, sizeof(*ids));
    int code = rows && flat && ids ? 0 : FP_INTERNAL_ERROR;
    if (code)
        snprintf(why, whysz, "out of memory");
    for (size_t i = 0; !code && i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *b64 = json_string_value(json_object_get(e, "template"));
        const char *uid = json_string_value(json_object_get(e, "userId"));
        json_t *jid = json_object_get(e, "id"), *jf = json_object_get(e, "fingerId");
        const char *tid = json_string_value(jid);
        if (json_is_integer(jid)) {
            snprintf(ids[i], sizeof(ids[i]), "%lld", (long long)json_integer_value(jid));
            tid = ids[i];
        }
        if (!b64 || !uid || !*uid || strlen(uid) > 127 || (tid && strlen(tid) > 127) ||
            (jf && !json_is_null(jf) &&
             (!json_is_integer(jf) || json_integer_value(jf) < 0 || json_integer_value(jf) > 10))) {
            snprintf(why, whysz,
                     "templates[%zu]: userId (1..127 characters) and template are required; "
                     "fingerId is 0..10; id at most 127 characters",
                     i);
            code = FP_INVALID_REQUEST;
            break;
        }
        zkbio_template *t = NULL;
        char w[160];
        if (fp_tpl_decode(b64, &t, w, sizeof(w)) != 0) {
            snprintf(why, whysz, "templates[%zu].%s", i, w);
            code = FP_INVALID_TEMPLATE;
            break;
        }
        rows[i].rec = malloc(ZKBIO_NATIVE_MAX);
        size_t len = 0;
        int rc = rows[i].rec ? zkbio_template_export_native(t, rows[i].rec, ZKBIO_NATIVE_MAX, &len)
                             : ZKBIO_ENOMEM;
        zkbio_template_free(t);
        if (rc != 0) {
            snprintf(why, whysz, "templates[%zu]: %s", i, zkbio_strerror(rc));
            code = rc == ZKBIO_ENOMEM ? FP_INTERNAL_ERROR : FP_INVALID_TEMPLATE;
            break;
        }
        rows[i].r = (zs_fp_row){uid,
                                jf && json_is_integer(jf) ? (int)json_integer_value(jf) : 0,
                                tid ? tid : "",
                                rows[i].rec,
                                len,
                                0};
        rows[i].index = i;
    }
    if (!code && n > 1) { /* one upload may not name a user's finger twice */
        qsort(rows, n, sizeof(*rows), up_cmp);
        for (size_t i = 1; i < n; i++)
            if (up_cmp(&rows[i - 1], &rows[i]) == 0) {
                snprintf(why, whysz, "templates[%zu]: userId and fingerId repeat templates[%zu]",
                         rows[i].index > rows[i - 1].index ? rows[i].index : rows[i - 1].index,
                         rows[i].index > rows[i - 1].index ? rows[i - 1].index : rows[i].index);
                code = FP_INVALID_REQUEST;
                break;
            }
    }
    if (!code) {
        for (size_t i = 0; i < n; i++)
            flat[i] = rows[i].r;
        pthread_mutex_lock(&s->store_lock);
        int rc = zs_fp_put(s->store, flat, n, 1);
        if (rc == 0)
            rc = reload_locked(s);
        pthread_mutex_unlock(&s->store_lock);
        code = fp_store_code(rc);
        if (code) {
            snprintf(why, whysz, "cannot store the templates: %s", zkbio_strerror(rc));
            zlog_error("fingerprint service: %s", why);
        } else {
            *count = n;
            zlog_info("fingerprint service: %zu template(s) stored from a gallery upload", n);
        }
    }
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].rec);
    free(rows);
    free(flat);
    free(ids);
    return code;
}

int fp_store_delete(fp_service *s, const char *user_id, int finger_id, int64_t *deleted)
{
    pthread_mutex_lock(&s->store_lock);
    int rc = zs_fp_delete(s->store, user_id, finger_id, deleted);
    if (rc == 0 && *deleted > 0)
        rc = reload_locked(s);
    pthread_mutex_unlock(&s->store_lock);
    if (rc == 0)
        zlog_info("fingerprint service: %lld stored template(s) deleted", (long long)*deleted);
    return fp_store_code(rc);
}

int fp_store_user_gallery(fp_service *s, const char *user_id, fp_gallery **out)
{
    *out = NULL;
    load_ctx c = {NULL, 0};
    int rc = fp_gallery_new(&c.g);
    if (rc == 0)
        rc = zs_fp_each_of(s->store, user_id, load_row, &c);
    if (rc != 0) {
        fp_gallery_free(c.g);
        return fp_store_code(rc);
    }
    if (c.g->n == 0) {
        fp_gallery_free(c.g);
        return FP_RECORD_NOT_FOUND;
    }
    *out = c.g;
    return 0;
}
