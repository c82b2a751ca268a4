/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/jobs and /api/v1/queue/stats over daemon/jobs, and the job JSON other handlers reuse
 * (the 202 of a sync). docs/management-api.md "Jobs and the queue". A job's payload is never
 * served: it may hold what a sync carries to a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

static json_t *iso_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char buf[32];
    zc_iso_time((time_t)(ms / 1000), buf, sizeof(buf));
    return json_string(buf);
}

/* A JSON text column as JSON (NULL or unparsable: null). */
static json_t *json_of(const char *text)
{
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    return v ? v : json_null();
}

json_t *zapi_job_json(const zjob *j)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const char *state = zjob_state_name(j->state);
    json_object_set_new(o, "id", json_integer(j->id));
    json_object_set_new(o, "job_id", json_integer(j->id));
    json_object_set_new(o, "queue", json_string(j->queue));
    json_object_set_new(o, "kind", json_string(j->kind));
    json_object_set_new(o, "device_id", j->device_id ? json_integer(j->device_id) : json_null());
    json_object_set_new(o, "state", json_string(state ? state : "unknown"));
    json_object_set_new(o, "status", json_string(state ? state : "unknown"));
    json_object_set_new(o, "priority", json_integer(j->priority));
    json_object_set_new(o, "attempts", json_integer(j->attempt));
    json_object_set_new(o, "max_attempts", json_integer(j->max_attempts));
    json_object_set_new(o, "cancel_requested", json_boolean(j->cancel_requested));
    json_t *percent = json_null();
    if (j->state == ZJOB_COMPLETED)
        percent = json_integer(100);
    else if (j->progress_total > 0) {
        int64_t p = j->progress_done * 100 / j->progress_total;
        percent = json_integer(p < 0 ? 0 : p > 100 ? 100 : p);
    }
    json_object_set_new(
        o, "progress",
        json_pack("{s:I,s:o,s:o}", "done", (json_int_t)j->progress_done, "total",
                  j->progress_total > 0 ? json_integer(j->progress_total) : json_null(), "percent",
                  percent));
    json_t *result = json_of(j->result);
    static const char *const counts[] = {"downloaded", "inserted", "duplicates"};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        json_t *v = json_object_get(result, counts[i]);
        if (json_is_integer(v))
            json_object_set(o, counts[i], v);
    }
    json_object_set_new(o, "result", result);
    json_t *errors = json_of(j->errors);
    if (!json_is_array(errors)) {
        json_decref(errors);
        errors = json_array();
    }
    size_t n = json_array_size(errors);
    json_t *last = n ? json_object_get(json_array_get(errors, n - 1), "message") : NULL;
    json_object_set_new(o, "error",
                        json_is_string(last) && j->state != ZJOB_COMPLETED ? json_copy(last)
                                                                           : json_null());
    json_object_set_new(o, "errors", errors);
    json_object_set_new(o, "created_by", json_string(j->created_by));
    json_object_set_new(o, "created_at", iso_or_null(j->created_at));
    json_object_set_new(o, "queued_at", iso_or_null(j->created_at));
    json_object_set_new(o, "run_at", iso_or_null(j->run_at));
    json_object_set_new(o, "started_at", iso_or_null(j->started_at));
    json_object_set_new(o, "finished_at", iso_or_null(j->finished_at));
    return o;
}

json_t *zapi_job_queued_json(const zjob *j, int existing)
{
    const char *state = zjob_state_name(j->state);
    return json_pack("{s:I,s:o,s:s,s:o,s:s,s:s,s:b}", "job_id", (json_int_t)j->id, "device_id",
                     j->device_id ? json_integer(j->device_id) : json_null(), "status",
                     state ? state : "unknown", "queued_at", iso_or_null(j->created_at), "queue",
                     j->queue, "kind", j->kind, "existing", existing != 0);
}

static int jobs_fail(zreq *r, int rc)
{
    if (rc == ZKBIO_ENOENT)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such job", NULL);
    if (rc == ZKBIO_EUNAVAIL)
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "database unavailable, retry later",
                            NULL);
    zlog_error("api: job queue error: %s", zkbio_strerror(rc));
    return zapi_v1_fail(r, 500, "INTERNAL_ERROR", "database error", NULL);
}

static int no_queue(zreq *r)
{
    return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "the job queue is not running", NULL);
}

int zapi_job_accepted(zreq *r, int64_t job_id, int existing)
{
    if (!r->app->jobs)
        return no_queue(r);
    zjob j;
    int rc = zjobs_get(r->app->jobs, job_id, &j);
    if (rc != 0)
        return jobs_fail(r, rc);
    json_t *data = zapi_job_queued_json(&j, existing);
    zjob_clear(&j);
    return zapi_ok(r, 202, existing ? "a job for this is already queued" : "job queued", data);
}

/* A positive decimal id (at most 18 digits), else 0. */
static int64_t parse_id(const char *s)
{
    size_t l = s ? strlen(s) : 0;
    if (l == 0 || l > 18 || strspn(s, "0123456789") != l)
        return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

static int bad_id(zreq *r)
{
    return zapi_v1_fail(r, 400, "VALIDATION_ERROR", "a job id is a positive integer",
                        json_pack("{s:s,s:s}", "parameter", "id", "reason", "not a job id"));
}

/* GET /api/v1/jobs?device_id=&queue=&state=&limit=&after= (newest first; cursor: the last id). */
int zapi_jobs_list(zreq *r)
{
    if (!r->app->jobs)
        return no_queue(r);
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    zjobs_filter f = {.state = -1, .limit = pg.limit + 1};
    if ((st = zapi_page_after_id(r, &pg, &f.before)) != 0)
        return st;
    char v[40], queue[40];
    int rc = zapi_query(r, "device_id", v, sizeof(v));
    if (rc == 0)
        rc = zapi_query(r, "device", v, sizeof(v));
    if (rc < 0)
        return 400;
    if (rc > 0 && (f.device_id = parse_id(v)) == 0)
        return zapi_bad_param(r, "device_id", "device_id must be a device's numeric id");
    if ((rc = zapi_query(r, "queue", queue, sizeof(queue))) < 0)
        return 400;
    if (rc > 0) {
        if (strlen(queue) > 31)
            return zapi_bad_param(r, "queue", "no such queue");
        f.queue = queue;
    }
    if ((rc = zapi_query(r, "state", v, sizeof(v))) == 0)
        rc = zapi_query(r, "status", v, sizeof(v));
    if (rc < 0)
        return 400;
    if (rc > 0 && (f.state = zjob_state_parse(v)) < 0)
        return zapi_bad_param(r, "state",
                              "state must be queued, scheduled, running, retryable, completed, "
                              "failed or cancelled");
    zjob *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    rc = zjobs_list(r->app->jobs, &f, &rows, &n, &total);
    if (rc != 0)
        return jobs_fail(r, rc);
    int has_next = n > (size_t)pg.limit;
    if (has_next)
        n = (size_t)pg.limit;
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, zapi_job_json(&rows[i]));
    int64_t next = n ? rows[n - 1].id : 0;
    zjobs_list_free(rows, has_next ? n + 1 : n);
    return zapi_page_id(r, &pg, items, has_next, next, total);
}

/* GET /api/v1/jobs/{id} */
int zapi_job_get(zreq *r)
{
    if (!r->app->jobs)
        return no_queue(r);
    int64_t id = parse_id(r->arg[0]);
    if (!id)
        return bad_id(r);
    zjob j;
    int rc = zjobs_get(r->app->jobs, id, &j);
    if (rc != 0)
        return jobs_fail(r, rc);
    json_t *data = zapi_job_json(&j);
    zjob_clear(&j);
    return zapi_ok(r, 200, "OK", data);
}

/* POST /api/v1/jobs/{id}/cancel and DELETE /api/v1/jobs/{id}: a waiting job is cancelled at once,
 * a running one is asked to stop (200 with the job, cancel_requested true); 409 once it ended. */
int zapi_job_cancel(zreq *r)
{
    if (!r->app->jobs)
        return no_queue(r);
    int64_t id = parse_id(r->arg[0]);
    if (!id)
        return bad_id(r);
    int state = -1;
    int rc = zjobs_cancel(r->app->jobs, id, &state);
    if (rc == ZKBIO_EBUSY) {
        const char *name = zjob_state_name(state);
        return zapi_v1_fail(
            r, 409, "CONFLICT", "the job already ended",
            json_pack("{s:I,s:s}", "job_id", (json_int_t)id, "state", name ? name : "unknown"));
    }
    if (rc != 0)
        return jobs_fail(r, rc);
    zjob j;
    if ((rc = zjobs_get(r->app->jobs, id, &j)) != 0)
        return jobs_fail(r, rc);
    json_t *data = zapi_job_json(&j);
    zjob_clear(&j);
    return zapi_ok(r, 200,
                   state == ZJOB_RUNNING ? "the running job was asked to stop" : "job cancelled",
                   data);
}

static json_t *counts_json(const zjobs_counts *c)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "total", (json_int_t)c->total, "active",
                     (json_int_t)c->active, "waiting", (json_int_t)c->waiting, "completed",
                     (json_int_t)c->completed, "failed", (json_int_t)c->failed, "delayed",
                     (json_int_t)c->delayed, "cancelled", (json_int_t)c->cancelled);
}

/* GET /api/v1/queue/stats */
int zapi_queue_stats(zreq *r)
{
    if (!r->app->jobs)
        return no_queue(r);
    zjobs_stats s;
    int rc = zjobs_stats_get(r->app->jobs, &s);
    if (rc != 0)
        return jobs_fail(r, rc);
    json_t *queues = json_object();
    static const char *const known[] = {"attendance-sync", "user-sync", "device-cmd"};
    zjobs_counts zero;
    memset(&zero, 0, sizeof(zero));
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        json_object_set_new(queues, known[i], counts_json(&zero));
    for (size_t i = 0; i < s.nqueues; i++)
        json_object_set_new(queues, s.queues[i].queue, counts_json(&s.queues[i].c));
    char now[32];
    zc_iso_time(0, now, sizeof(now));
    json_t *data =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:s}", "total_jobs",
                  (json_int_t)s.total.total, "active", (json_int_t)s.total.active, "waiting",
                  (json_int_t)s.total.waiting, "completed", (json_int_t)s.total.completed, "failed",
                  (json_int_t)s.total.failed, "delayed", (json_int_t)s.total.delayed, "cancelled",
                  (json_int_t)s.total.cancelled, "oldest_waiting_age_s",
                  (json_int_t)(s.oldest_waiting_ms / 1000), "queues", queues, "last_updated", now);
    return zapi_ok(r, 200, "OK", data);
}
