/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service's side of template storage (--fp-store, off by default; docs/
 * fingerprint-service.md). The table and its rules (native records, repeats, unreadable rows) are
 * daemon/store (store_fptemplates.h); here: the in-memory gallery of the stored templates
 * (s->stored, loaded at start-up and searched by identify when the request brings no templates: the
 * contract's Variant A, §7.5) and the contract's error codes. Template bytes are never logged:
 * only counts.
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

/* One stored template into the gallery; matchedTemplate is "USER/FINGER" when it has no id. */
static int load_row(void *arg, const zs_fp_loaded *r)
{
    char tid[160];
    if (r->template_id[0])
        snprintf(tid, sizeof(tid), "%s", r->template_id);
    else
        snprintf(tid, sizeof(tid), "%s/%d", r->user_id, r->finger_id);
    return fp_gallery_append(arg, r->user_id, tid, r->tpl);
}

/* Build a new gallery from the table and swap it in. With s->store_lock held. */
static int reload_locked(fp_service *s)
{
    fp_gallery *g = NULL;
    size_t bad = 0;
    int rc = fp_gallery_new(&g);
    if (rc == 0)
        rc = zs_fp_load(s->store, NULL, load_row, g, &bad);
    if (rc != 0) {
        fp_gallery_free(g);
        return rc;
    }
    if (bad)
        zlog_warn("fingerprint service: %zu stored template(s) unreadable, skipped", bad);
    pthread_rwlock_wrlock(&s->gallery_lock);
    fp_gallery *old = s->stored;
    s->stored = g;
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
    zs_fp_template row = {user_id, finger_id, tpl_id, t, quality};
    pthread_mutex_lock(&s->store_lock);
    int rc = zs_fp_put_templates(s->store, &row, 1, 0, NULL);
    if (rc == 0) {
        pthread_rwlock_wrlock(&s->gallery_lock);
        int arc = fp_gallery_append(s->stored, user_id, tpl_id, t);
        pthread_rwlock_unlock(&s->gallery_lock);
        if (arc != 0) /* stored but not in memory: rebuild from the table */
            reload_locked(s);
    }
    pthread_mutex_unlock(&s->store_lock);
    if (rc == 0)
        zlog_info("fingerprint service: template of user %s finger %d stored", user_id, finger_id);
    else if (rc != ZKBIO_EEXIST)
        zlog_error("fingerprint service: cannot store a template: %s", zkbio_strerror(rc));
    return fp_store_code(rc);
}

int fp_store_upload(fp_service *s, const zs_fp_template *items, size_t n, size_t *count, char *why,
                    size_t whysz)
{
    *count = 0;
    size_t dup[2] = {n, n}; /* n: not a repeat */
    pthread_mutex_lock(&s->store_lock);
    int rc = zs_fp_put_templates(s->store, items, n, 1, dup);
    if (rc == 0)
        rc = reload_locked(s);
    pthread_mutex_unlock(&s->store_lock);
    if (rc == ZKBIO_EINVAL && dup[1] < n) { /* one upload may not name a user's finger twice */
        snprintf(why, whysz, "templates[%zu]: userId and fingerId repeat templates[%zu]", dup[1],
                 dup[0]);
        return FP_INVALID_REQUEST;
    }
    if (rc == ZKBIO_EINVAL) {
        snprintf(why, whysz, "templates: a template cannot be stored");
        return FP_INVALID_TEMPLATE;
    }
    int code = fp_store_code(rc);
    if (code) {
        snprintf(why, whysz, "cannot store the templates: %s", zkbio_strerror(rc));
        zlog_error("fingerprint service: %s", why);
    } else {
        *count = n;
        zlog_info("fingerprint service: %zu template(s) stored from a gallery upload", n);
    }
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
    fp_gallery *g = NULL;
    int rc = fp_gallery_new(&g);
    if (rc == 0)
        rc = zs_fp_load(s->store, user_id, load_row, g, NULL);
    if (rc != 0) {
        fp_gallery_free(g);
        return fp_store_code(rc);
    }
    if (g->n == 0) {
        fp_gallery_free(g);
        return FP_RECORD_NOT_FOUND;
    }
    *out = g;
    return 0;
}
