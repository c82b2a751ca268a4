/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/forwarders (issue 16; docs/integrations.md "Forwarding", docs/management-api.md): the
 * forwarding targets, their test call, pause/resume, and their outbox (list, requeue, drop). All
 * admin; every change is audited (forwarder.create, .update, .delete, .pause, .resume, .requeue,
 * .drop; details never hold a secret). Secrets of the settings (api_key, api_secret, secret) are
 * write-only: a reply carries has_<name>: true instead (zfwd_settings_public). A forwarder declared
 * in the config file (source "config") cannot be changed or deleted here (409 naming the file).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "v1_fleet.h"

#define MAX_FILTER_VALUES 1000
#define MAX_IDS           1000

static json_t *iso_or_null(int64_t s)
{
    if (s <= 0)
        return json_null();
    char buf[32];
    zc_iso_time((time_t)s, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *iso_ms_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char buf[32];
    return json_string(zapi_fleet_iso_ms(ms, buf));
}

static json_t *values_json(const zs_fwd_value *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* The forwarder as the API shows it (secrets masked, stats read now). */
static json_t *forwarder_json(zreq *r, const zs_forwarder *f)
{
    zs_outbox_stats s;
    if (zs_outbox_stats_get(r->app->store, f->id, &s) != 0)
        memset(&s, 0, sizeof(s));
    char *pub = zfwd_settings_public(f->settings);
    json_t *settings = pub ? json_loads(pub, 0, NULL) : NULL;
    free(pub);
    int64_t now = (int64_t)time(NULL);
    int64_t lag = s.pending > 0 && s.oldest_pending_at > 0 && now > s.oldest_pending_at
                      ? now - s.oldest_pending_at
                      : 0;
    return json_pack(
        "{s:I,s:s,s:s,s:s,s:s,s:s,s:{s:o,s:o},s:o,s:s,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:o},s:o,s:o,"
        "s:o,s:o,s:o}",
        "id", (json_int_t)f->id, "name", f->name, "kind", f->kind, "url", f->url, "state", f->state,
        "paused_reason", f->paused_reason, "filters", "devices",
        values_json(f->devices, f->ndevices), "sync_groups", values_json(f->groups, f->ngroups),
        "settings", settings ? settings : json_object(), "source", f->source, "stats", "pending",
        (json_int_t)s.pending, "delivered", (json_int_t)s.delivered, "duplicate",
        (json_int_t)s.duplicate, "parked", (json_int_t)s.parked, "failed", (json_int_t)s.failed,
        "lag_seconds", (json_int_t)lag, "oldest_pending_at", iso_or_null(s.oldest_pending_at),
        "last_error", f->last_error[0] ? json_string(f->last_error) : json_null(), "last_error_at",
        iso_or_null(f->last_error_at), "last_success_at", iso_or_null(f->last_success_at),
        "created_at", iso_or_null(f->created_at), "updated_at", iso_or_null(f->updated_at));
}

static void audit(zreq *r, const char *action, const zs_forwarder *f, int ok, json_t *details)
{
    char *text = details ? json_dumps(details, JSON_COMPACT) : NULL;
    char target[96];
    snprintf(target, sizeof(target), "forwarder %lld %s", (long long)f->id, f->name);
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r), action,
                   target, 0, ok ? "ok" : "failed", text, NULL);
    free(text);
    json_decref(details);
}

static int store_fail(zreq *r, int rc)
{
    if (rc == ZKBIO_ENOENT)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such forwarder", NULL);
    if (rc == ZKBIO_EEXIST)
        return zapi_v1_fail(r, 409, "CONFLICT", "a forwarder with this name exists", NULL);
    return zapi_fleet_store_fail(r, rc);
}

/* The forwarder of arg[0] into *f. 0, or the status of the 404/503 sent. */
static int load(zreq *r, zs_forwarder *f)
{
    memset(f, 0, sizeof(*f));
    const char *a = r->arg[0];
    char *end = NULL;
    long long id = a && isdigit((unsigned char)*a) ? strtoll(a, &end, 10) : 0;
    if (!a || !end || *end || id <= 0 || strlen(a) > 18)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such forwarder", NULL);
    int rc = zs_forwarder_get(r->app->store, id, f);
    return rc ? store_fail(r, rc) : 0;
}

/* 409 for a forwarder of the config file. */
static int config_owned(zreq *r, const zs_forwarder *f)
{
    const char *file = r->app->cfg && r->app->cfg->config_file ? r->app->cfg->config_file : "";
    return zapi_v1_failf(r, 409, "CONFLICT",
                         "forwarder %s is declared in the config file %s: change it there (the "
                         "file wins at each start)",
                         f->name, file[0] ? file : "(config file)");
}

/* A filter list of the body (an array of 1..64-byte strings) into f. 0, or the status sent. */
static int read_filter(zreq *r, json_t *filters, const char *key, zs_forwarder *f)
{
    json_t *a = json_object_get(filters, key);
    if (!a || json_is_null(a))
        return key[0] == 'd' ? zs_forwarder_set_devices(f, NULL, 0)
                             : zs_forwarder_set_groups(f, NULL, 0);
    char field[48];
    snprintf(field, sizeof(field), "filters.%s", key);
    if (!json_is_array(a) || json_array_size(a) > MAX_FILTER_VALUES)
        return zapi_fleet_bad_field(r, field, "must be an array of at most 1000 strings");
    size_t n = json_array_size(a);
    const char **v = calloc(n ? n : 1, sizeof(*v));
    if (!v)
        return zapi_v1_fail(r, 500, "INTERNAL_ERROR", "out of memory", NULL);
    for (size_t i = 0; i < n; i++) {
        v[i] = json_string_value(json_array_get(a, i));
        if (!v[i] || !*v[i] || strlen(v[i]) > 64) {
            free(v);
            return zapi_fleet_bad_field(r, field, "values must be strings of 1 to 64 bytes");
        }
    }
    int rc = key[0] == 'd' ? zs_forwarder_set_devices(f, v, n) : zs_forwarder_set_groups(f, v, n);
    free(v);
    return rc ? zapi_v1_fail(r, 500, "INTERNAL_ERROR", "out of memory", NULL) : 0;
}

static int valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_-. ", s[i]))
            return 0;
    return 1;
}

/* Check the body's keys against allowed (NULL-terminated). 0, or the status sent. */
static int known_keys(zreq *r, json_t *j, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i])
            return zapi_fleet_bad_field(r, key, "unknown field");
    }
    return 0;
}

/* Validate f's kind, url and settings: 0, or the 400 sent. */
static int check_target(zreq *r, const zs_forwarder *f)
{
    char field[96], msg[256];
    if (zfwd_settings_check(f->kind, f->url, f->settings, field, sizeof(field), msg, sizeof(msg)) !=
        0)
        return zapi_fleet_bad_field(r, field, msg);
    return 0;
}

/* Apply name/kind/url/settings/filters of body j onto f (settings merged onto f->settings). 0, or
 * the status sent. */
static int apply_body(zreq *r, json_t *j, zs_forwarder *f, int create)
{
    json_t *v = json_object_get(j, "name");
    if (v || create) {
        if (!valid_name(json_string_value(v)))
            return zapi_fleet_bad_field(r, "name",
                                        "a name of 1 to 64 letters, digits, spaces, _ - or .");
        snprintf(f->name, sizeof(f->name), "%s", json_string_value(v));
    }
    v = json_object_get(j, "kind");
    if (v || create) {
        const char *k = json_string_value(v);
        if (!k || strlen(k) >= sizeof(f->kind))
            return zapi_fleet_bad_field(r, "kind",
                                        "kind must be erpnext, erpnext-realtime or "
                                        "webhook");
        snprintf(f->kind, sizeof(f->kind), "%s", k);
    }
    v = json_object_get(j, "url");
    if (v || create) {
        const char *u = json_string_value(v);
        if (!u || strlen(u) >= sizeof(f->url))
            return zapi_fleet_bad_field(r, "url", "url must be an http or https URL");
        snprintf(f->url, sizeof(f->url), "%s", u);
    }
    v = json_object_get(j, "settings");
    if (v && !json_is_null(v)) {
        if (!json_is_object(v))
            return zapi_fleet_bad_field(r, "settings", "settings must be an object");
        char *patch = json_dumps(v, JSON_COMPACT);
        char *merged = patch ? zfwd_settings_merge(create ? "{}" : f->settings, patch) : NULL;
        free(patch);
        if (!merged)
            return zapi_v1_fail(r, 500, "INTERNAL_ERROR", "out of memory", NULL);
        free(f->settings);
        f->settings = merged;
    }
    v = json_object_get(j, "filters");
    if (v && !json_is_null(v)) {
        if (!json_is_object(v))
            return zapi_fleet_bad_field(r, "filters", "filters must be an object");
        const char *key;
        json_t *x;
        json_object_foreach(v, key, x)
        {
            if (strcmp(key, "devices") != 0 && strcmp(key, "sync_groups") != 0)
                return zapi_fleet_bad_field(r, "filters", "filters has devices and sync_groups");
        }
        int st;
        if (json_object_get(v, "devices") && (st = read_filter(r, v, "devices", f)) != 0)
            return st;
        if (json_object_get(v, "sync_groups") && (st = read_filter(r, v, "sync_groups", f)) != 0)
            return st;
    }
    return check_target(r, f);
}

/* GET /api/v1/forwarders */
int zapi_forwarders_list(zreq *r)
{
    zapi_paging pg;
    int64_t after = 0;
    int st = zapi_page_params(r, &pg);
    if (st || (st = zapi_page_after_id(r, &pg, &after)) != 0)
        return st;
    zs_forwarder *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    int rc = zs_forwarders_list(r->app->store, after, pg.limit + 1, &rows, &n, &total);
    if (rc != 0)
        return store_fail(r, rc);
    int more = n > (size_t)pg.limit;
    if (more)
        n = (size_t)pg.limit;
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, forwarder_json(r, &rows[i]));
    int64_t next = n ? rows[n - 1].id : 0;
    zs_forwarders_free(rows, more ? n + 1 : n);
    return zapi_page_id(r, &pg, items, more, next, total);
}

/* GET /api/v1/forwarders/{id} */
int zapi_forwarder_get(zreq *r)
{
    zs_forwarder f;
    int st = load(r, &f);
    if (st)
        return st;
    json_t *out = forwarder_json(r, &f);
    zs_forwarder_clear(&f);
    return zapi_ok(r, 200, "forwarder", out);
}

/* POST /api/v1/forwarders */
int zapi_forwarder_create(zreq *r)
{
    static const char *const allowed[] = {"name",    "kind",           "url", "settings",
                                          "filters", "backfill_since", NULL};
    int st = 0;
    json_t *j = zapi_fleet_body(r, &st);
    if (!j)
        return st;
    zs_forwarder f;
    memset(&f, 0, sizeof(f));
    char since[20] = "";
    json_t *bf = json_object_get(j, "backfill_since");
    if ((st = known_keys(r, j, allowed)) != 0 || (st = apply_body(r, j, &f, 1)) != 0)
        goto out;
    if (bf && !json_is_null(bf) &&
        (!json_is_string(bf) || !zapi_parse_wall_time(json_string_value(bf), since, 0))) {
        st = zapi_fleet_bad_field(r, "backfill_since",
                                  "a device wall-clock time YYYY-MM-DD[ HH:MM[:SS]]");
        goto out;
    }
    snprintf(f.source, sizeof(f.source), "api");
    int64_t id = 0, backfilled = 0;
    int rc = zs_forwarder_create(r->app->store, &f, since[0] ? since : NULL, &id, &backfilled);
    f.id = id;
    audit(r, "forwarder.create", &f, rc == 0,
          json_pack("{s:s,s:s,s:I}", "kind", f.kind, "url", f.url, "backfilled",
                    (json_int_t)backfilled));
    if (rc != 0) {
        st = store_fail(r, rc);
        goto out;
    }
    zs_forwarder_clear(&f);
    if ((rc = zs_forwarder_get(r->app->store, id, &f)) != 0) {
        st = store_fail(r, rc);
        goto out;
    }
    zlog_info("api: forwarder %s (%s) created by %s", f.name, f.kind, zapi_fleet_actor(r));
    zfwd_kick(r->app->forward);
    json_t *out = forwarder_json(r, &f);
    json_object_set_new(out, "backfilled", json_integer(backfilled));
    st = zapi_ok(r, 201, "forwarder created", out);
out:
    zs_forwarder_clear(&f);
    json_decref(j);
    return st;
}

/* PATCH /api/v1/forwarders/{id} */
int zapi_forwarder_patch(zreq *r)
{
    static const char *const allowed[] = {"name", "kind", "url", "settings", "filters", NULL};
    zs_forwarder f;
    int st = load(r, &f);
    if (st)
        return st;
    json_t *j = NULL;
    if (strcmp(f.source, "config") == 0) {
        st = config_owned(r, &f);
        goto out;
    }
    j = zapi_fleet_body(r, &st);
    if (!j || (st = known_keys(r, j, allowed)) != 0 || (st = apply_body(r, j, &f, 0)) != 0)
        goto out;
    int rc = zs_forwarder_update(r->app->store, &f);
    json_t *changed = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) json_array_append_new(changed, json_string(key));
    audit(r, "forwarder.update", &f, rc == 0, json_pack("{s:o}", "fields", changed));
    if (rc != 0) {
        st = store_fail(r, rc);
        goto out;
    }
    int64_t id = f.id;
    zs_forwarder_clear(&f);
    if ((rc = zs_forwarder_get(r->app->store, id, &f)) != 0) {
        st = store_fail(r, rc);
        goto out;
    }
    zfwd_kick(r->app->forward);
    st = zapi_ok(r, 200, "forwarder updated", forwarder_json(r, &f));
out:
    zs_forwarder_clear(&f);
    json_decref(j);
    return st;
}

/* DELETE /api/v1/forwarders/{id}: the forwarder and every outbox row of it. */
int zapi_forwarder_delete(zreq *r)
{
    zs_forwarder f;
    int st = load(r, &f);
    if (st)
        return st;
    if (strcmp(f.source, "config") == 0) {
        st = config_owned(r, &f);
        zs_forwarder_clear(&f);
        return st;
    }
    zs_outbox_stats s;
    if (zs_outbox_stats_get(r->app->store, f.id, &s) != 0)
        memset(&s, 0, sizeof(s));
    int rc = zs_forwarder_delete(r->app->store, f.id);
    audit(r, "forwarder.delete", &f, rc == 0,
          json_pack("{s:s,s:I,s:I,s:I}", "kind", f.kind, "pending", (json_int_t)s.pending, "parked",
                    (json_int_t)s.parked, "failed", (json_int_t)s.failed));
    if (rc == 0)
        zlog_info("api: forwarder %s deleted by %s (%lld pending row(s) dropped)", f.name,
                  zapi_fleet_actor(r), (long long)s.pending);
    st = rc ? store_fail(r, rc)
            : zapi_ok(r, 200, "forwarder deleted",
                      json_pack("{s:I,s:b,s:I}", "id", (json_int_t)f.id, "deleted", 1,
                                "dropped_pending", (json_int_t)s.pending));
    zs_forwarder_clear(&f);
    return st;
}

/* POST /api/v1/forwarders/{id}/test */
int zapi_forwarder_test(zreq *r)
{
    zs_forwarder f;
    int st = load(r, &f);
    if (st)
        return st;
    zfwd_probe p;
    zfwd_probe_run(&f, &p);
    zs_forwarder_clear(&f);
    return zapi_ok(r, 200, p.ok ? "the target answered" : "the target did not answer as expected",
                   json_pack("{s:b,s:i,s:s,s:I}", "ok", p.ok, "status", p.status, "message",
                             p.message, "latency_ms", (json_int_t)p.latency_ms));
}

static int set_state(zreq *r, int pause)
{
    zs_forwarder f;
    int st = load(r, &f);
    if (st)
        return st;
    char reason[256] = "paused by an operator";
    if (pause) {
        char *body = NULL;
        size_t len = 0;
        /* an optional {"reason": "..."} */
        if (zc_read_body(r->c, 4096, &body, &len) == 0 && len > 0) {
            json_t *j = json_loadb(body, len, 0, NULL);
            const char *why = json_string_value(json_object_get(j, "reason"));
            if (!json_is_object(j) || (json_object_get(j, "reason") && !why)) {
                json_decref(j);
                free(body);
                zs_forwarder_clear(&f);
                return zapi_fleet_bad_field(r, "reason",
                                            "an optional JSON body {\"reason\": "
                                            "text}");
            }
            if (why && *why)
                snprintf(reason, sizeof(reason), "%s", why);
            json_decref(j);
        }
        free(body);
    }
    int rc = zs_forwarder_set_state(r->app->store, f.id, pause ? "paused" : "active",
                                    pause ? reason : NULL);
    audit(r, pause ? "forwarder.pause" : "forwarder.resume", &f, rc == 0,
          pause ? json_pack("{s:s}", "reason", reason) : NULL);
    if (rc != 0) {
        zs_forwarder_clear(&f);
        return store_fail(r, rc);
    }
    if (!pause)
        zfwd_kick(r->app->forward);
    int64_t id = f.id;
    zs_forwarder_clear(&f);
    if ((rc = zs_forwarder_get(r->app->store, id, &f)) != 0)
        return store_fail(r, rc);
    st = zapi_ok(r, 200, pause ? "forwarder paused" : "forwarder resumed", forwarder_json(r, &f));
    zs_forwarder_clear(&f);
    return st;
}

/* POST /api/v1/forwarders/{id}/pause */
int zapi_forwarder_pause(zreq *r)
{
    return set_state(r, 1);
}

/* POST /api/v1/forwarders/{id}/resume */
int zapi_forwarder_resume(zreq *r)
{
    return set_state(r, 0);
}

static json_t *item_json(const zs_outbox_item *it)
{
    return json_pack(
        "{s:I,s:I,s:s,s:s,s:s,s:i,s:i,s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)it->id,
        "attendance_id", (json_int_t)it->attendance_id, "sn", it->sn, "pin", it->pin, "punch_time",
        it->punch_time, "status", it->status, "verify", it->verify, "state",
        zs_outbox_state_name(it->state) ? zs_outbox_state_name(it->state) : "", "attempts",
        it->attempts, "next_at",
        it->state == ZS_OUTBOX_PENDING ? iso_ms_or_null(it->next_at) : json_null(), "last_status",
        it->last_status ? json_integer(it->last_status) : json_null(), "last_error",
        it->last_error[0] ? json_string(it->last_error) : json_null(), "sent_time",
        it->sent_time[0] ? json_string(it->sent_time) : json_null(), "created_at",
        iso_or_null(it->created_at), "delivered_at", iso_or_null(it->delivered_at));
}

/* GET /api/v1/forwarders/{id}/outbox?state=&limit=&after= */
int zapi_forwarder_outbox(zreq *r)
{
    zs_forwarder f;
    int st = load(r, &f);
    if (st)
        return st;
    int64_t id = f.id;
    zs_forwarder_clear(&f);
    zapi_paging pg;
    int64_t after = 0;
    char sname[16];
    if ((st = zapi_page_params(r, &pg)) != 0 || (st = zapi_page_after_id(r, &pg, &after)) != 0)
        return st;
    int q = zapi_query(r, "state", sname, sizeof(sname));
    if (q < 0)
        return 400;
    int state = q ? zs_outbox_state_parse(sname) : -1;
    if (q && state < 0)
        return zapi_bad_param(r, "state", "one of pending, parked, failed, delivered, duplicate");
    zs_outbox_item *rows = NULL;
    size_t n = 0;
    int rc = zs_outbox_list(r->app->store, id, state, after, pg.limit + 1, &rows, &n);
    if (rc != 0)
        return store_fail(r, rc);
    int more = n > (size_t)pg.limit;
    if (more)
        n = (size_t)pg.limit;
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, item_json(&rows[i]));
    int64_t next = n ? rows[n - 1].id : 0;
    free(rows);
    zs_outbox_stats s;
    int64_t total = -1;
    if (zs_outbox_stats_get(r->app->store, id, &s) == 0)
        total = state == ZS_OUTBOX_PENDING     ? s.pending
                : state == ZS_OUTBOX_DELIVERED ? s.delivered
                : state == ZS_OUTBOX_DUPLICATE ? s.duplicate
                : state == ZS_OUTBOX_PARKED    ? s.parked
                : state == ZS_OUTBOX_FAILED
                    ? s.failed
                    : s.pending + s.delivered + s.duplicate + s.parked + s.failed;
    return zapi_page_id(r, &pg, items, more, next, total);
}

/* The body of requeue/drop: {ids:[...]} or {state:"parked"|"failed"}. *ids malloc'd (NULL for a
 * state). 0, or the status sent. */
static int selection(zreq *r, int64_t **ids, size_t *n, int *state)
{
    *ids = NULL;
    *n = 0;
    *state = -1;
    int st = 0;
    json_t *j = zapi_fleet_body(r, &st);
    if (!j)
        return st;
    json_t *a = json_object_get(j, "ids"), *s = json_object_get(j, "state");
    static const char *const allowed[] = {"ids", "state", NULL};
    if ((st = known_keys(r, j, allowed)) != 0)
        goto out;
    if ((a && s) || (!a && !s)) {
        st = zapi_fleet_bad_field(r, "ids",
                                  "give either ids (outbox row ids) or state (parked "
                                  "or failed)");
        goto out;
    }
    if (s) {
        const char *name = json_string_value(s);
        *state = zs_outbox_state_parse(name);
        if (*state != ZS_OUTBOX_PARKED && *state != ZS_OUTBOX_FAILED)
            st = zapi_fleet_bad_field(r, "state", "state must be parked or failed");
        goto out;
    }
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > MAX_IDS) {
        st = zapi_fleet_bad_field(r, "ids", "ids must be an array of 1 to 1000 outbox row ids");
        goto out;
    }
    *n = json_array_size(a);
    *ids = malloc(*n * sizeof(**ids));
    if (!*ids) {
        st = zapi_v1_fail(r, 500, "INTERNAL_ERROR", "out of memory", NULL);
        goto out;
    }
    for (size_t i = 0; i < *n; i++) {
        json_t *e = json_array_get(a, i);
        if (!json_is_integer(e) || json_integer_value(e) <= 0) {
            free(*ids);
            *ids = NULL;
            st = zapi_fleet_bad_field(r, "ids", "ids must be positive integers");
            goto out;
        }
        (*ids)[i] = json_integer_value(e);
    }
out:
    json_decref(j);
    return st;
}

static int outbox_change(zreq *r, int drop)
{
    zs_forwarder f;
    int st = load(r, &f);
    if (st)
        return st;
    int64_t *ids = NULL;
    size_t n = 0;
    int state = -1;
    if ((st = selection(r, &ids, &n, &state)) != 0) {
        zs_forwarder_clear(&f);
        return st;
    }
    int64_t count = 0;
    int rc = drop ? zs_outbox_drop(r->app->store, f.id, ids, n, state, &count)
                  : zs_outbox_requeue(r->app->store, f.id, ids, n, state, &count);
    audit(r, drop ? "forwarder.drop" : "forwarder.requeue", &f, rc == 0,
          ids ? json_pack("{s:I,s:I}", "ids", (json_int_t)n, "count", (json_int_t)count)
              : json_pack("{s:s,s:I}", "state", zs_outbox_state_name(state), "count",
                          (json_int_t)count));
    free(ids);
    zs_forwarder_clear(&f);
    if (rc != 0)
        return store_fail(r, rc);
    if (!drop && count > 0)
        zfwd_kick(r->app->forward);
    return zapi_ok(r, 200, drop ? "outbox rows dropped" : "outbox rows requeued",
                   json_pack("{s:I}", "count", (json_int_t)count));
}

/* POST /api/v1/forwarders/{id}/outbox/requeue */
int zapi_forwarder_requeue(zreq *r)
{
    return outbox_change(r, 0);
}

/* POST /api/v1/forwarders/{id}/outbox/drop */
int zapi_forwarder_drop(zreq *r)
{
    return outbox_change(r, 1);
}
