/* SPDX-License-Identifier: Apache-2.0 */
/* The job queue's SQL (store_jobs.h): table jobs of migration 0005. Each change is one conditional
 * statement or one short transaction, so processes sharing a MariaDB never both claim a job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "store_impl.h"

static const char *const state_names[] = {"queued",    "scheduled", "running",  "retryable",
                                          "completed", "failed",    "cancelled"};
#define N_STATES ((int)(sizeof(state_names) / sizeof(state_names[0])))

const char *zs_job_state_name(int state)
{
    return state >= 0 && state < N_STATES ? state_names[state] : NULL;
}

int zs_job_state_parse(const char *name)
{
    for (int i = 0; name && i < N_STATES; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

void zs_job_clear(zs_job *j)
{
    if (!j)
        return;
    free(j->payload);
    free(j->result);
    free(j->errors);
    memset(j, 0, sizeof(*j));
}

void zs_jobs_list_free(zs_job *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        zs_job_clear(&rows[i]);
    free(rows);
}

#define JOB_COLS                                                                                   \
    "id, queue, kind, device_id, state, priority, attempt, max_attempts, cancel_requested, "       \
    "run_at, progress_done, progress_total, created_at, started_at, finished_at, lease_owner, "    \
    "lease_until, created_by, payload, result, errors"

/* A nullable text column as a malloc'd copy (NULL for SQL NULL); sets *oom. */
static char *opt_text(zdb_stmt *q, int col, int *oom)
{
    if (zdb_col_is_null(q, col))
        return NULL;
    char *s = strdup(zdb_col_text(q, col));
    if (!s)
        *oom = 1;
    return s;
}

static int job_row(zdb_stmt *q, zs_job *j)
{
    int oom = 0;
    memset(j, 0, sizeof(*j));
    j->id = zdb_col_int64(q, 0);
    snprintf(j->queue, sizeof(j->queue), "%s", zdb_col_text(q, 1));
    snprintf(j->kind, sizeof(j->kind), "%s", zdb_col_text(q, 2));
    j->device_id = zdb_col_int64(q, 3);
    j->state = zs_job_state_parse(zdb_col_text(q, 4));
    j->priority = (int)zdb_col_int64(q, 5);
    j->attempt = (int)zdb_col_int64(q, 6);
    j->max_attempts = (int)zdb_col_int64(q, 7);
    j->cancel_requested = zdb_col_int64(q, 8) != 0;
    j->run_at = zdb_col_int64(q, 9);
    j->progress_done = zdb_col_int64(q, 10);
    j->progress_total = zdb_col_int64(q, 11);
    j->created_at = zdb_col_int64(q, 12);
    j->started_at = zdb_col_int64(q, 13);
    j->finished_at = zdb_col_int64(q, 14);
    snprintf(j->lease_owner, sizeof(j->lease_owner), "%s", zdb_col_text(q, 15));
    j->lease_until = zdb_col_int64(q, 16);
    snprintf(j->created_by, sizeof(j->created_by), "%s", zdb_col_text(q, 17));
    j->payload = opt_text(q, 18, &oom);
    j->result = opt_text(q, 19, &oom);
    j->errors = opt_text(q, 20, &oom);
    if (oom) {
        zs_job_clear(j);
        return ZKBIO_ENOMEM;
    }
    return 0;
}

static int step_done(zdb_stmt *q)
{
    int rc = zdb_step(q);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

/* ---- insert -------------------------------------------------------------------------------- */

static int insert_once(zdb *db, const zs_job_insert_args *a, int64_t now, int64_t *id)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "INSERT INTO jobs (queue, kind, device_id, state, priority, max_attempts, "
                         "run_at, payload, unique_key, created_by, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         &q);
    if (rc != 0)
        return rc;
    int64_t run_at = a->run_at > now ? a->run_at : now;
    zdb_bind_text(q, 1, a->queue, -1);
    zdb_bind_text(q, 2, a->kind, -1);
    zdb_bind_int64(q, 3, a->device_id);
    zdb_bind_text(q, 4, run_at > now ? "scheduled" : "queued", -1);
    zdb_bind_int64(q, 5, a->priority);
    zdb_bind_int64(q, 6, a->max_attempts);
    zdb_bind_int64(q, 7, run_at);
    zdb_bind_text(q, 8, a->payload, -1);
    zdb_bind_text(q, 9, a->unique_key, -1);
    zdb_bind_text(q, 10, a->created_by ? a->created_by : "", -1);
    zdb_bind_int64(q, 11, now);
    rc = step_done(q);
    if (rc == 0)
        *id = zdb_last_insert_id(db);
    return rc;
}

int zs_job_insert(zs_store *st, const zs_job_insert_args *a, int64_t now, int64_t *id,
                  int *existing)
{
    *id = 0;
    *existing = 0;
    if (!a->queue || !*a->queue || strlen(a->queue) > 31 || !a->kind || !*a->kind ||
        strlen(a->kind) > 47 || (a->unique_key && strlen(a->unique_key) > 128) ||
        a->max_attempts < 1 || a->priority < 0 || a->priority > 9 ||
        (a->created_by && strlen(a->created_by) > 255))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    /* The unique key's holder may end between our failed INSERT and the look-up (its key becomes
     * NULL): then the INSERT is simply tried again. */
    for (int tries = 0; tries < 5; tries++) {
        int rc = insert_once(db, a, now, id);
        if (rc != ZKBIO_EEXIST || !a->unique_key)
            return rc;
        rc =
            zdb_query_int64(db, "SELECT id FROM jobs WHERE unique_key = ?", id, "s", a->unique_key);
        if (rc == 0) {
            *existing = 1;
            return 0;
        }
        if (rc != ZKBIO_ENOENT)
            return rc;
    }
    return ZKBIO_EUNAVAIL;
}

/* ---- reads --------------------------------------------------------------------------------- */

int zs_job_get(zs_store *st, int64_t id, zs_job *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT " JOB_COLS " FROM jobs WHERE id = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    if (rc == ZDB_ROW)
        rc = job_row(q, out);
    else if (rc == ZDB_DONE)
        rc = ZKBIO_ENOENT;
    zdb_reset(q);
    return rc;
}

/* The filters bind the same way in the page and the count: NULL-or-equal conditions keep one
 * static statement per query. */
#define JOB_WHERE                                                                                  \
    " WHERE (? = 0 OR device_id = ?) AND (? IS NULL OR queue = ?) AND (? IS NULL OR state = ?) "

static void bind_filter(zdb_stmt *q, const zs_job_filter *f)
{
    const char *state = zs_job_state_name(f->state);
    zdb_bind_int64(q, 1, f->device_id);
    zdb_bind_int64(q, 2, f->device_id);
    zdb_bind_text(q, 3, f->queue, -1);
    zdb_bind_text(q, 4, f->queue, -1);
    zdb_bind_text(q, 5, state, -1);
    zdb_bind_text(q, 6, state, -1);
}

int zs_jobs_list(zs_store *st, const zs_job_filter *f, zs_job **rows, size_t *n, int64_t *total)
{
    *rows = NULL;
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zs_job_filter none = {.state = -1};
    if (!f)
        f = &none;
    int limit = f->limit <= 0 ? 100 : f->limit > 1001 ? 1001 : f->limit;
    zdb_stmt *q;
    int rc;
    if (total) {
        rc = zdb_prepare(db, "SELECT COUNT(*) FROM jobs" JOB_WHERE, &q);
        if (rc != 0)
            return rc;
        bind_filter(q, f);
        rc = zdb_step(q);
        *total = rc == ZDB_ROW ? zdb_col_int64(q, 0) : 0;
        zdb_reset(q);
        if (rc < 0)
            return rc;
    }
    rc = zdb_prepare(db,
                     "SELECT " JOB_COLS " FROM jobs" JOB_WHERE
                     "AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                     &q);
    if (rc != 0)
        return rc;
    bind_filter(q, f);
    zdb_bind_int64(q, 7, f->before);
    zdb_bind_int64(q, 8, f->before);
    zdb_bind_int64(q, 9, limit);
    zs_job *arr = NULL;
    size_t cnt = 0, cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (zs_grow(&arr, &cap, cnt, sizeof(*arr)) != 0) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        if ((rc = job_row(q, &arr[cnt])) != 0)
            break;
        cnt++;
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_jobs_list_free(arr, cnt);
        return rc;
    }
    *rows = arr;
    *n = cnt;
    return 0;
}

#define WAITING "('queued', 'scheduled', 'retryable')"

int zs_jobs_due(zs_store *st, int64_t now, int after_priority, int64_t after_id, zs_job_due *out,
                size_t max, size_t *n)
{
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT id, device_id, kind, priority FROM jobs WHERE state IN " WAITING
                         " AND run_at <= ? AND (priority > ? OR (priority = ? AND id > ?)) "
                         "ORDER BY priority, id LIMIT ?",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, now);
    zdb_bind_int64(q, 2, after_priority);
    zdb_bind_int64(q, 3, after_priority);
    zdb_bind_int64(q, 4, after_id);
    zdb_bind_int64(q, 5, (int64_t)max);
    while (*n < max && (rc = zdb_step(q)) == ZDB_ROW) {
        out[*n].id = zdb_col_int64(q, 0);
        out[*n].device_id = zdb_col_int64(q, 1);
        snprintf(out[*n].kind, sizeof(out[*n].kind), "%s", zdb_col_text(q, 2));
        out[*n].priority = (int)zdb_col_int64(q, 3);
        (*n)++;
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

int zs_jobs_next_due(zs_store *st, int64_t now, int64_t *at)
{
    *at = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_query_int64(
        db, "SELECT COALESCE(MIN(run_at), 0) FROM jobs WHERE state IN " WAITING " AND run_at > ?",
        at, "l", now);
    return rc == ZKBIO_ENOENT ? 0 : rc;
}

/* ---- the runner's writes ------------------------------------------------------------------- */

int zs_job_claim(zs_store *st, int64_t id, const char *owner, int64_t now, int64_t lease_until,
                 int *claimed)
{
    *claimed = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db,
                     "UPDATE jobs SET state = 'running', lease_owner = ?, lease_until = ?, "
                     "attempt = attempt + 1, started_at = ?, cancel_requested = 0 "
                     "WHERE id = ? AND state IN " WAITING,
                     "slll", owner, lease_until, now, id);
    if (rc == 0)
        *claimed = zdb_changes(db) == 1;
    return rc;
}

int zs_job_heartbeat(zs_store *st, int64_t id, const char *owner, int64_t lease_until, int64_t done,
                     int64_t total, int *cancel, int *lost)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    if (done >= 0)
        rc = zdb_run(db,
                     "UPDATE jobs SET lease_until = ?, progress_done = ?, progress_total = ? "
                     "WHERE id = ? AND state = 'running' AND lease_owner = ?",
                     "lllls", lease_until, done, total, id, owner);
    else
        rc = zdb_run(db,
                     "UPDATE jobs SET lease_until = ? "
                     "WHERE id = ? AND state = 'running' AND lease_owner = ?",
                     "lls", lease_until, id, owner);
    if (rc != 0)
        return rc;
    int gone = zdb_changes(db) != 1;
    if (lost)
        *lost = gone;
    if (cancel) {
        int64_t c = 0;
        rc = zdb_query_int64(db, "SELECT cancel_requested FROM jobs WHERE id = ?", &c, "l", id);
        if (rc != 0 && rc != ZKBIO_ENOENT)
            return rc;
        *cancel = c != 0 || gone;
    }
    return 0;
}

int zs_job_set_result(zs_store *st, int64_t id, const char *owner, const char *json)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_run(db,
                   "UPDATE jobs SET result = ? WHERE id = ? AND state = 'running' AND "
                   "lease_owner = ?",
                   "sls", json, id, owner);
}

int zs_job_set_payload(zs_store *st, int64_t id, const char *owner, const char *json)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_run(db,
                   "UPDATE jobs SET payload = ? WHERE id = ? AND state = 'running' AND "
                   "lease_owner = ?",
                   "sls", json, id, owner);
}

/* errors with {at, attempt, code, message} appended, as a malloc'd JSON text. */
static char *append_error(const char *errors, int64_t now, int attempt, const char *code,
                          const char *message)
{
    json_t *arr = errors ? json_loads(errors, 0, NULL) : NULL;
    if (!json_is_array(arr)) {
        json_decref(arr);
        arr = json_array();
    }
    char at[64];
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(at, sizeof(at), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(now % 1000));
    json_array_append_new(arr, json_pack("{s:s,s:i,s:s,s:s}", "at", at, "attempt", attempt, "code",
                                         code, "message", message ? message : ""));
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s;
}

static int finish_tx(zdb *db, int64_t id, const char *owner, int64_t now, const zs_job_end *e,
                     int *lost)
{
    zdb_stmt *q;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zdb_prepare(db,
                     ZS_SQL(db,
                            "SELECT attempt, errors FROM jobs WHERE id = ? AND state = 'running' "
                            "AND lease_owner = ?",
                            "SELECT attempt, errors FROM jobs WHERE id = ? AND state = 'running' "
                            "AND lease_owner = ? FOR UPDATE"),
                     &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_int64(q, 1, id);
    zdb_bind_text(q, 2, owner, -1);
    rc = zdb_step(q);
    if (rc != ZDB_ROW) {
        zdb_reset(q);
        zdb_rollback(db);
        if (rc == ZDB_DONE)
            *lost = 1;
        return rc < 0 ? rc : 0;
    }
    int attempt = (int)zdb_col_int64(q, 0);
    char *errors = NULL;
    if (e->code) {
        errors = append_error(zdb_col_is_null(q, 1) ? NULL : zdb_col_text(q, 1), now, attempt,
                              e->code, e->message);
        if (!errors) {
            zdb_reset(q);
            return zs_fail(db, ZKBIO_ENOMEM);
        }
    }
    zdb_reset(q);
    int final = e->state != ZS_JOB_RETRYABLE;
    rc = 0;
    if (errors)
        rc = zdb_run(db, "UPDATE jobs SET errors = ? WHERE id = ?", "sl", errors, id);
    free(errors);
    if (rc != 0)
        return zs_fail(db, rc);
    if (final)
        rc = zdb_run(db,
                     "UPDATE jobs SET state = ?, attempt = attempt - ?, finished_at = ?, "
                     "unique_key = NULL, lease_owner = '', lease_until = 0 WHERE id = ?",
                     "slll", zs_job_state_name(e->state), (int64_t)(e->refund_attempt != 0), now,
                     id);
    else
        rc = zdb_run(db,
                     "UPDATE jobs SET state = 'retryable', attempt = attempt - ?, run_at = ?, "
                     "lease_owner = '', lease_until = 0 WHERE id = ?",
                     "lll", (int64_t)(e->refund_attempt != 0), e->run_at, id);
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_job_finish(zs_store *st, int64_t id, const char *owner, int64_t now, const zs_job_end *e,
                  int *lost)
{
    int dummy = 0;
    if (!lost)
        lost = &dummy;
    *lost = 0;
    if (!e || zs_job_state_name(e->state) == NULL || e->state < ZS_JOB_RETRYABLE)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, finish_tx(db, id, owner, now, e, lost));
    return rc;
}

static int cancel_tx(zdb *db, int64_t id, int64_t now, int *state)
{
    zdb_stmt *q;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zdb_prepare(db,
                     ZS_SQL(db, "SELECT state FROM jobs WHERE id = ?",
                            "SELECT state FROM jobs WHERE id = ? FOR UPDATE"),
                     &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    if (rc != ZDB_ROW) {
        zdb_reset(q);
        zdb_rollback(db);
        return rc < 0 ? rc : ZKBIO_ENOENT;
    }
    *state = zs_job_state_parse(zdb_col_text(q, 0));
    zdb_reset(q);
    if (*state == ZS_JOB_RUNNING) {
        rc = zdb_run(db, "UPDATE jobs SET cancel_requested = 1 WHERE id = ?", "l", id);
    } else if (*state >= ZS_JOB_COMPLETED) {
        zdb_rollback(db);
        return ZKBIO_EBUSY;
    } else {
        rc = zdb_run(db,
                     "UPDATE jobs SET state = 'cancelled', finished_at = ?, unique_key = NULL "
                     "WHERE id = ?",
                     "ll", now, id);
        *state = ZS_JOB_CANCELLED;
    }
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_job_cancel(zs_store *st, int64_t id, int64_t now, int *state)
{
    int dummy = -1;
    if (!state)
        state = &dummy;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, cancel_tx(db, id, now, state));
    return rc;
}

/* ---- maintenance --------------------------------------------------------------------------- */

int zs_jobs_recover(zs_store *st, const char *owner, int64_t now, int64_t *n)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db,
                     "UPDATE jobs SET state = 'retryable', run_at = ?, lease_owner = '', "
                     "lease_until = 0 WHERE state = 'running' AND (lease_until < ? OR "
                     "lease_owner = ?)",
                     "lls", now, now, owner ? owner : "");
    if (rc == 0 && n)
        *n = zdb_changes(db);
    return rc;
}

int zs_jobs_running_owners(zs_store *st, char (*owners)[64], size_t max, size_t *n)
{
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(
        db, "SELECT DISTINCT lease_owner FROM jobs WHERE state = 'running' ORDER BY lease_owner",
        &q);
    if (rc != 0)
        return rc;
    while (*n < max && (rc = zdb_step(q)) == ZDB_ROW) {
        snprintf(owners[*n], 64, "%s", zdb_col_text(q, 0));
        (*n)++;
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

int zs_jobs_prune(zs_store *st, int64_t now, int64_t keep_completed_ms, int64_t keep_failed_ms,
                  int64_t *n)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db,
                     "DELETE FROM jobs WHERE (state IN ('completed', 'cancelled') AND "
                     "finished_at < ?) OR (state = 'failed' AND finished_at < ?)",
                     "ll", now - keep_completed_ms, now - keep_failed_ms);
    if (rc == 0 && n)
        *n = zdb_changes(db);
    return rc;
}

static void count_into(zs_job_counts *c, int state, int64_t k)
{
    c->total += k;
    switch (state) {
    case ZS_JOB_QUEUED:
        c->waiting += k;
        break;
    case ZS_JOB_SCHEDULED:
    case ZS_JOB_RETRYABLE:
        c->waiting += k;
        c->delayed += k;
        break;
    case ZS_JOB_RUNNING:
        c->active += k;
        break;
    case ZS_JOB_COMPLETED:
        c->completed += k;
        break;
    case ZS_JOB_FAILED:
        c->failed += k;
        break;
    case ZS_JOB_CANCELLED:
        c->cancelled += k;
        break;
    default:
        break;
    }
}

int zs_jobs_stats(zs_store *st, int64_t now, zs_job_stats *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(
        db, "SELECT queue, state, COUNT(*) FROM jobs GROUP BY queue, state ORDER BY queue", &q);
    if (rc != 0)
        return rc;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        const char *queue = zdb_col_text(q, 0);
        int state = zs_job_state_parse(zdb_col_text(q, 1));
        int64_t k = zdb_col_int64(q, 2);
        count_into(&out->total, state, k);
        size_t i = 0;
        while (i < out->nqueues && strcmp(out->queues[i].queue, queue) != 0)
            i++;
        if (i == out->nqueues) {
            if (i == ZS_JOB_STATS_QUEUES)
                continue;
            snprintf(out->queues[i].queue, sizeof(out->queues[i].queue), "%s", queue);
            out->nqueues++;
        }
        count_into(&out->queues[i].c, state, k);
    }
    zdb_reset(q);
    if (rc < 0)
        return rc;
    int64_t oldest = 0;
    rc = zdb_query_int64(
        db, "SELECT COALESCE(MIN(run_at), 0) FROM jobs WHERE state IN " WAITING " AND run_at <= ?",
        &oldest, "l", now);
    if (rc != 0 && rc != ZKBIO_ENOENT)
        return rc;
    out->oldest_waiting_ms = oldest > 0 && oldest <= now ? now - oldest : 0;
    return 0;
}
