/* SPDX-License-Identifier: Apache-2.0 */
/* The audit log (store_audit.h): rows written before an action and completed after it, listed
 * newest first with keyset paging on the id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_impl.h"

/* Wall-clock milliseconds since the epoch (audit times are calendar times, not monotonic). */
static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copy s into a fixed field, truncated ("" for NULL). */
static void put(char *dst, size_t size, const char *s)
{
    snprintf(dst, size, "%s", s ? s : "");
}

static int valid_outcome(const char *o)
{
    static const char *const ok[] = {"pending", "ok", "failed", "denied"};
    for (size_t i = 0; o && i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcmp(o, ok[i]) == 0)
            return 1;
    return 0;
}

int zs_audit_begin(zs_store *st, const char *actor, int64_t account_id, const char *ip,
                   const char *action, const char *target, int64_t device_id, const char *outcome,
                   const char *details, int64_t *id)
{
    if (id)
        *id = 0;
    if (!st || !action || !*action || strlen(action) > 47 || !valid_outcome(outcome))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    /* Fields are cut to their column sizes (the driver would refuse longer text on MariaDB). */
    char a[256], p[48], t[256];
    put(a, sizeof(a), actor);
    put(p, sizeof(p), ip);
    put(t, sizeof(t), target);
    int64_t at = now_ms();
    int final = strcmp(outcome, "pending") != 0;
    int rc = zdb_run(db,
                     "INSERT INTO audit_log (at, actor, account_id, ip, action, target, device_id, "
                     "outcome, details, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "lslssslssl", at, a, account_id, p, action, t, device_id, outcome, details,
                     final ? at : (int64_t)0);
    if (rc != 0)
        return rc;
    if (id)
        *id = zdb_last_insert_id(db);
    return 0;
}

int zs_audit_end(zs_store *st, int64_t id, const char *outcome, const char *details)
{
    if (!st || id <= 0 || !valid_outcome(outcome) || strcmp(outcome, "pending") == 0)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db,
                     "UPDATE audit_log SET outcome = ?, details = COALESCE(?, details), "
                     "finished_at = ? WHERE id = ?",
                     "ssll", outcome, details, now_ms(), id);
    if (rc != 0)
        return rc;
    return zdb_changes(db) > 0 ? 0 : ZKBIO_ENOENT;
}

void zs_audit_page_free(zs_audit_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->rows[i].details);
    free(p->rows);
    memset(p, 0, sizeof(*p));
}

int zs_audit_list(zs_store *st, const zs_audit_filter *f, zs_audit_page *out)
{
    memset(out, 0, sizeof(*out));
    static const zs_audit_filter none = {0};
    if (!f)
        f = &none;
    int lim = f->limit <= 0 ? 100 : f->limit > 1000 ? 1000 : f->limit;
    /* The action filter: exact, or a prefix ending in '.' matched as the range [p, p') where p'
     * is p with its final '.' raised to '/' (the next character), which the (action, id) index
     * serves in both dialects. */
    const char *exact = NULL;
    char lo[49], hi[49];
    int prefix = 0;
    if (f->action && *f->action) {
        size_t n = strlen(f->action);
        if (n >= sizeof(lo))
            return ZKBIO_EINVAL;
        if (f->action[n - 1] == '.') {
            memcpy(lo, f->action, n + 1);
            memcpy(hi, f->action, n + 1);
            hi[n - 1] = '/';
            prefix = 1;
        } else {
            exact = f->action;
        }
    }
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        "SELECT id, at, actor, account_id, ip, action, target, device_id, outcome, details, "
        "finished_at FROM audit_log WHERE id < ? "
        "AND (? = 0 OR action = ?) AND (? = 0 OR (action >= ? AND action < ?)) "
        "AND (? IS NULL OR actor = ?) AND (? = 0 OR device_id = ?) "
        "AND (? = 0 OR at >= ?) AND (? = 0 OR at <= ?) ORDER BY id DESC LIMIT ?",
        &q);
    if (rc != 0)
        return rc;
    int64_t before = f->before > 0 ? f->before : INT64_MAX;
    const char *actor = f->actor && *f->actor ? f->actor : NULL;
    zdb_bind_int64(q, 1, before);
    zdb_bind_int64(q, 2, exact != NULL);
    zdb_bind_text(q, 3, exact ? exact : "", -1);
    zdb_bind_int64(q, 4, prefix);
    zdb_bind_text(q, 5, prefix ? lo : "", -1);
    zdb_bind_text(q, 6, prefix ? hi : "", -1);
    zdb_bind_text(q, 7, actor, -1);
    zdb_bind_text(q, 8, actor, -1);
    zdb_bind_int64(q, 9, f->device_id);
    zdb_bind_int64(q, 10, f->device_id);
    zdb_bind_int64(q, 11, f->from_ms);
    zdb_bind_int64(q, 12, f->from_ms);
    zdb_bind_int64(q, 13, f->to_ms);
    zdb_bind_int64(q, 14, f->to_ms);
    zdb_bind_int64(q, 15, lim + 1); /* one more row tells whether another page follows */
    size_t cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (out->n == (size_t)lim) {
            out->has_next = 1;
            break;
        }
        if ((rc = zs_grow(&out->rows, &cap, out->n, sizeof(*out->rows))) != 0)
            break;
        zs_audit *a = &out->rows[out->n++];
        memset(a, 0, sizeof(*a));
        a->id = zdb_col_int64(q, 0);
        a->at = zdb_col_int64(q, 1);
        put(a->actor, sizeof(a->actor), zdb_col_text(q, 2));
        a->account_id = zdb_col_int64(q, 3);
        put(a->ip, sizeof(a->ip), zdb_col_text(q, 4));
        put(a->action, sizeof(a->action), zdb_col_text(q, 5));
        put(a->target, sizeof(a->target), zdb_col_text(q, 6));
        a->device_id = zdb_col_int64(q, 7);
        put(a->outcome, sizeof(a->outcome), zdb_col_text(q, 8));
        if (!zdb_col_is_null(q, 9) && !(a->details = strdup(zdb_col_text(q, 9)))) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        a->finished_at = zdb_col_int64(q, 10);
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_audit_page_free(out);
        return rc;
    }
    if (out->has_next)
        out->next = out->rows[out->n - 1].id;
    return 0;
}
