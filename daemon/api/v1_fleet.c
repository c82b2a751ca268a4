/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1 for the terminal fleet: register and delete 4370 terminals, live info, restart, unlock,
 * clock sync, the info cache (docs/management-api.md "Terminals over 4370"). A 4370 terminal is
 * worked through daemon/fleet (its one session); for a PUSH terminal the same calls queue the PUSH
 * command and answer 202.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "v1_fleet.h"

#define MAX_BODY (16 * 1024)

/* ---- shared helpers (v1_fleet.h) ------------------------------------------------------------ */

int zapi_fleet_device(zreq *r, zs_fleet_device *d)
{
    /* the same reference as the other /api/v1/devices routes: a number is tried as the id, then
     * as an SN (zs_find_device) */
    zs_device dev;
    memset(&dev, 0, sizeof(dev));
    int rc = zs_find_device(r->app->store, r->arg[0] ? r->arg[0] : "", &dev);
    int64_t id = dev.id;
    zs_device_clear(&dev);
    if (rc == 0)
        rc = zs_fleet_get(r->app->store, id, d);
    if (rc == ZKBIO_ENOENT || rc == ZKBIO_EINVAL)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such device", NULL);
    if (rc != 0)
        return zapi_fleet_store_fail(r, rc);
    return 0;
}

int zapi_fleet_is_4370(const zs_fleet_device *d)
{
    return strcmp(d->transport, "tcp4370") == 0;
}

json_t *zapi_fleet_body(zreq *r, int *status)
{
    char *body;
    size_t len;
    int rc = zc_read_body(r->c, MAX_BODY, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        *status = zapi_v1_fail(r, 413, "VALIDATION_ERROR", "request body too large", NULL);
        return NULL;
    }
    if (rc != 0) {
        *status = zapi_v1_fail(r, 400, "VALIDATION_ERROR", "could not read the request body", NULL);
        return NULL;
    }
    json_t *j = NULL;
    if (len == 0) {
        j = json_object(); /* no body: every field takes its default */
    } else {
        json_error_t e;
        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
        if (!j || !json_is_object(j)) {
            json_decref(j);
            free(body);
            *status = zapi_v1_fail(r, 400, "BAD_JSON", "the body must be a JSON object",
                                   json_pack("{s:s}", "reason", j ? "not an object" : e.text));
            return NULL;
        }
    }
    free(body);
    return j;
}

int zapi_fleet_store_fail(zreq *r, int rc)
{
    if (rc == ZKBIO_EUNAVAIL) {
        r->retry_after = 5;
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "the database is unavailable", NULL);
    }
    if (rc == ZKBIO_ENOENT)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such device", NULL);
    zlog_error("api: store error %s: %s", zkbio_strerror(rc), zs_errmsg(r->app->store));
    return zapi_v1_fail(r, 500, "INTERNAL_ERROR", "database error", NULL);
}

int zapi_fleet_fail(zreq *r, int rc, const char *err)
{
    json_t *det = json_pack("{s:s}", "reason", err && *err ? err : zkbio_strerror(rc));
    switch (rc) {
    case ZKBIO_ECONN:
    case ZKBIO_ENOENT:
        return zapi_v1_fail(r, 503, "DEVICE_UNREACHABLE", "the terminal does not answer", det);
    case ZKBIO_ETIMEDOUT:
        return zapi_v1_fail(r, 503, "DEVICE_TIMEOUT", "the terminal did not answer in time", det);
    case ZKBIO_EBUSY:
    case ZKBIO_ECANCELED:
        r->retry_after = 5;
        return zapi_v1_fail(r, 503, "DEVICE_BUSY", "the terminal is busy; retry later", det);
    case ZKBIO_EACCES:
        return zapi_v1_fail(r, 502, "DEVICE_ERROR", "the terminal refused the comm key", det);
    case ZKBIO_EUNAVAIL:
        r->retry_after = 5;
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "the terminal fleet is not running",
                            det);
    case ZKBIO_EINVAL:
    case ZKBIO_ERANGE:
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR", "a value does not fit the terminal", det);
    default:
        return zapi_v1_fail(r, 502, "DEVICE_ERROR", "the terminal refused the command", det);
    }
}

const char *zapi_fleet_actor(const zreq *r)
{
    return r->who.name[0] ? r->who.name : "admin-token";
}

const char *zapi_fleet_ip(const zreq *r)
{
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    return ri ? ri->remote_addr : "";
}

int zapi_fleet_push_command(zreq *r, const zs_fleet_device *d, const char *text, const char *what,
                            int64_t audit_id)
{
    int64_t cid = 0;
    int rc = zs_command_enqueue(r->app->store, d->sn, text, &cid);
    if (audit_id)
        zs_audit_end(r->app->store, audit_id, rc == 0 ? "ok" : "failed",
                     rc == 0 ? "{\"queued\":true}" : NULL);
    if (rc != 0)
        return zapi_fleet_store_fail(r, rc);
    json_t *data =
        json_pack("{s:I,s:s,s:I,s:s,s:s}", "device_id", (json_int_t)d->id, "transport", "push",
                  "command_id", (json_int_t)cid, "command", what, "status", "queued");
    if (audit_id)
        json_object_set_new(data, "audit_id", json_integer(audit_id));
    return zapi_ok(r, 202, "command queued for the terminal's next poll", data);
}

int zapi_fleet_job(zreq *r, const zs_fleet_device *d, const char *queue, const char *kind,
                   const char *payload, int unique)
{
    zjobs *q = zfleet_jobs(r->app->fleet);
    if (!q)
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "the job queue is not running", NULL);
    char key[96];
    snprintf(key, sizeof(key), "%s:%lld", kind, (long long)d->id);
    zjob_new n = {
        .queue = queue,
        .kind = kind,
        .device_id = d->id,
        .priority = 5,
        .payload = payload,
        .unique_key = unique ? key : NULL,
        .created_by = zapi_fleet_actor(r),
    };
    int64_t id = 0;
    int existing = 0;
    int rc = zjobs_enqueue(q, &n, &id, &existing);
    if (rc != 0)
        return zapi_fleet_store_fail(r, rc);
    return zapi_job_accepted(r, id, existing);
}

/* ---- devices -------------------------------------------------------------------------------- */

/* The device as every /api/v1/devices route shows it (zapi_device_json), plus a 4370 terminal's
 * session when fs is not NULL. NULL when the row cannot be read. */
static json_t *device_json(zreq *r, int64_t id, const zfleet_status *fs)
{
    zs_device dev;
    memset(&dev, 0, sizeof(dev));
    if (zs_get_device_by_id(r->app->store, id, &dev) != 0)
        return NULL;
    json_t *o = zapi_device_json(&dev, zapi_device_online(r, &dev), 1);
    zs_device_clear(&dev);
    if (o && fs)
        json_object_set_new(o, "session",
                            json_pack("{s:b,s:i,s:i,s:I}", "connected", fs->connected, "queued",
                                      fs->queued, "reconnects", fs->reconnects, "live_punches",
                                      (json_int_t)fs->events));
    return o;
}

/* A string field: absent → def; present must be a string of at most max bytes. 0 or -1. */
static int str_field(json_t *j, const char *name, size_t max, const char *def, char *out,
                     size_t outsz)
{
    json_t *v = json_object_get(j, name);
    if (!v) {
        snprintf(out, outsz, "%s", def);
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) > max || json_string_length(v) >= outsz)
        return -1;
    snprintf(out, outsz, "%s", json_string_value(v));
    return 0;
}

/* The comm key: a number 0..999999 or a string of digits. 0 or -1. */
static int comm_key_field(json_t *j, uint32_t *key)
{
    json_t *v = json_object_get(j, "password");
    if (!v) {
        *key = 0;
        return 0;
    }
    long long k = -1;
    if (json_is_integer(v)) {
        k = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!*s || strlen(s) > 6)
            return -1;
        for (const char *p = s; *p; p++)
            if (!isdigit((unsigned char)*p))
                return -1;
        k = atoll(s);
    }
    if (k < 0 || k > 999999)
        return -1;
    *key = (uint32_t)k;
    return 0;
}

/* A terminal's serial number as a device key ([A-Za-z0-9_-], 1..40). */
static void sanitize_sn(const char *in, char out[41])
{
    size_t n = 0;
    for (const char *p = in; *p && n < 40; p++)
        if (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
            out[n++] = *p;
    out[n] = '\0';
}

int zapi_fleet_bad_field(zreq *r, const char *field, const char *rule)
{
    return zapi_v1_fail(r, 400, "VALIDATION_ERROR", rule, json_pack("{s:s}", "field", field));
}

/* POST /api/v1/devices (admin): register a 4370 terminal after talking to it. */
int zapi_fleet_device_add(zreq *r)
{
    int status;
    json_t *j = zapi_fleet_body(r, &status);
    if (!j)
        return status;
    zs_fleet_device d;
    memset(&d, 0, sizeof(d));
    char serial[64] = "";
    json_t *port = json_object_get(j, "port"), *udp = json_object_get(j, "udp");
    if (str_field(j, "name", 128, "", d.name, sizeof(d.name)) || !d.name[0])
        status = zapi_fleet_bad_field(r, "name", "\"name\" is required (a string of 1..128)");
    else if (str_field(j, "ip", 48, "", d.ip, sizeof(d.ip)) || !d.ip[0] || strchr(d.ip, ' '))
        status = zapi_fleet_bad_field(r, "ip", "\"ip\" is required (an address or host name)");
    else if (port && (!json_is_integer(port) || json_integer_value(port) < 1 ||
                      json_integer_value(port) > 65535))
        status = zapi_fleet_bad_field(r, "port", "\"port\" is a number 1..65535 (default 4370)");
    else if (comm_key_field(j, &d.comm_key))
        status = zapi_fleet_bad_field(r, "password",
                                      "\"password\" (the comm key) is a number 0..999999");
    else if (str_field(j, "location", 128, "", d.location, sizeof(d.location)))
        status = zapi_fleet_bad_field(r, "location", "\"location\" is a string of at most 128");
    else if (str_field(j, "tz", 64, "", d.tz, sizeof(d.tz)) || !zfleet_tz_valid(d.tz))
        status = zapi_fleet_bad_field(r, "tz", "\"tz\" is a UTC offset (\"+03:00\") or \"UTC\"");
    else if (str_field(j, "serial_number", 40, "", serial, sizeof(serial)))
        status =
            zapi_fleet_bad_field(r, "serial_number", "\"serial_number\" is a string of at most 40");
    else if (udp && !json_is_boolean(udp))
        status = zapi_fleet_bad_field(r, "udp", "\"udp\" is a boolean");
    else if (str_field(j, "sync_group", 64, "default", d.sync_group, sizeof(d.sync_group)) ||
             !d.sync_group[0])
        status = zapi_fleet_bad_field(r, "sync_group", "\"sync_group\" is a string of 1..64");
    else
        status = 0;
    d.port = port ? (int)json_integer_value(port) : 4370;
    d.udp = udp && json_is_true(udp);
    json_decref(j);
    if (status)
        return status;

    int64_t other = 0;
    int rc = zs_fleet_find_endpoint(r->app->store, d.ip, d.port, &other);
    if (rc == 0)
        return zapi_v1_fail(r, 409, "CONFLICT", "a terminal is already registered at this address",
                            json_pack("{s:I}", "device_id", (json_int_t)other));
    if (rc != ZKBIO_ENOENT)
        return zapi_fleet_store_fail(r, rc);

    zkbio_zk_info info;
    char err[256] = "";
    int used_udp = 0;
    rc = zfleet_probe(r->app->fleet, d.ip, d.port, d.udp, d.comm_key, &info, &used_udp, err,
                      sizeof(err));
    if (rc == ZKBIO_EACCES)
        return zapi_v1_fail(r, 400, "INVALID_COMM_KEY", "the terminal refused the comm key", NULL);
    if (rc != 0)
        return zapi_v1_fail(r, 400, "DEVICE_UNREACHABLE", "the terminal does not answer",
                            json_pack("{s:s,s:s,s:i}", "reason", err, "ip", d.ip, "port", d.port));
    d.udp = d.udp || used_udp; /* a terminal that answers over UDP only is worked over UDP */
    sanitize_sn(info.serial[0] ? info.serial : serial, d.sn);
    if (!d.sn[0]) { /* a terminal without a serial number: named after its address */
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "ZK4370-%.*s-%d", 24, d.ip, d.port);
        sanitize_sn(tmp, d.sn);
    }
    if (serial[0] && info.serial[0] && strcmp(serial, info.serial) != 0)
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR",
                            "the terminal at this address reports another serial number",
                            json_pack("{s:s,s:s}", "given", serial, "reported", info.serial));
    snprintf(d.model, sizeof(d.model), "%s", info.model[0] ? info.model : info.platform);
    snprintf(d.firmware, sizeof(d.firmware), "%s", info.firmware);
    snprintf(d.created_by, sizeof(d.created_by), "%.*s", (int)sizeof(d.created_by) - 1,
             zapi_fleet_actor(r));

    int64_t aid = 0, id = 0;
    char target[128];
    snprintf(target, sizeof(target), "%s:%d", d.ip, d.port);
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.add", target, 0, "pending", NULL, &aid);
    rc = zs_fleet_add(r->app->store, &d, &id);
    if (aid) {
        char det[128];
        snprintf(det, sizeof(det), "{\"device_id\":%lld,\"sn\":\"%s\"}", (long long)id, d.sn);
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", rc == 0 ? det : NULL);
    }
    if (rc == ZKBIO_EEXIST)
        return zapi_v1_fail(r, 409, "CONFLICT",
                            "a device with this address or serial number is already registered",
                            json_pack("{s:s}", "sn", d.sn));
    if (rc != 0)
        return zapi_fleet_store_fail(r, rc);
    zfleet_device_added(r->app->fleet, id);
    zlog_info("api: 4370 terminal %lld (%s) registered at %s:%d", (long long)id, d.sn, d.ip,
              d.port);
    json_t *data = device_json(r, id, NULL);
    if (!data)
        return zapi_fleet_store_fail(r, ZKBIO_EDB);
    json_object_set_new(data, "audit_id", json_integer(aid));
    return zapi_ok(r, 201, "terminal registered", data);
}

/* DELETE /api/v1/devices/{id} (admin) */
int zapi_fleet_device_delete(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    int64_t aid = 0;
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.delete", d.sn, d.id, "pending", NULL, &aid);
    int rc = zs_fleet_delete(r->app->store, d.id);
    if (rc == 0 && zapi_fleet_is_4370(&d)) /* after the row: a rescan cannot adopt it again */
        zfleet_device_removed(r->app->fleet, d.id); /* listener stopped, session closed */
    if (aid)
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc != 0)
        return zapi_fleet_store_fail(r, rc);
    return zapi_ok(r, 200, "device deleted",
                   json_pack("{s:I,s:s,s:b,s:I}", "id", (json_int_t)d.id, "sn", d.sn, "deleted", 1,
                             "audit_id", (json_int_t)aid));
}

/* ISO-8601 UTC of a wall-clock ms time into out (32 bytes); returns out. */
const char *zapi_fleet_iso_ms(int64_t ms, char out[32])
{
    zc_iso_time((time_t)(ms / 1000), out, 32);
    return out;
}

#define iso_ms zapi_fleet_iso_ms

/* GET /api/v1/devices/{id}/info (viewer); ?refresh=1 skips the cache. */
int zapi_fleet_device_info(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    if (!zapi_fleet_is_4370(&d)) {
        zs_device pd;
        int rc = zs_get_device(r->app->store, d.sn, &pd);
        if (rc != 0)
            return zapi_fleet_store_fail(r, rc);
        json_t *opts = pd.options ? json_loads(pd.options, 0, NULL) : NULL;
        char seen[32] = "";
        if (pd.last_seen)
            zc_iso_time((time_t)pd.last_seen, seen, sizeof(seen));
        json_t *data = json_pack(
            "{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "device_id", (json_int_t)d.id, "source",
            "last_reported", "serial_number", pd.sn, "model", pd.model, "firmware", pd.firmware,
            "push_version", pd.push_version, "info", pd.info ? pd.info : "", "options",
            opts ? opts : json_null(), "last_contact", seen[0] ? json_string(seen) : json_null());
        zs_device_clear(&pd);
        return zapi_ok(r, 200, "last reported by the terminal", data);
    }
    char q[8];
    if (zapi_query(r, "refresh", q, sizeof(q)) < 0)
        return 400;
    zkbio_zk_info info;
    int64_t read_at = 0;
    int cached = 0;
    char when[32];
    char err[256] = "";
    int rc = zfleet_info(r->app->fleet, d.id, q[0] == '1' || q[0] == 't', &info, &read_at, &cached,
                         err, sizeof(err));
    if (rc != 0)
        return zapi_fleet_fail(r, rc, err);
    const zkbio_zk_sizes *s = &info.sizes;
    json_t *data =
        json_pack("{s:I,s:s,s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,"
                  "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
                  "device_id", (json_int_t)d.id, "source", "live", "cached", cached, "read_at",
                  iso_ms(read_at, when), "serial_number", info.serial, "model", info.model,
                  "firmware", info.firmware, "platform", info.platform, "mac", info.mac, "vendor",
                  info.vendor, "fp_version", info.fp_version, "pin_width", info.pin_width, "counts",
                  "users", (json_int_t)s->users, "fingerprints", (json_int_t)s->fingers, "punches",
                  (json_int_t)s->records, "admins", (json_int_t)s->admins, "passwords",
                  (json_int_t)s->passwords, "users_capacity", (json_int_t)s->users_cap,
                  "fingerprints_capacity", (json_int_t)s->fingers_cap, "punches_capacity",
                  (json_int_t)s->records_cap, "faces", (json_int_t)s->faces);
    return zapi_ok(r, 200, cached ? "cached terminal information" : "live terminal information",
                   data);
}

/* POST /api/v1/devices/{id}/restart (admin) */
int zapi_fleet_device_restart(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    int64_t aid = 0;
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.restart", d.sn, d.id, "pending", NULL, &aid);
    if (!zapi_fleet_is_4370(&d)) {
        char text[64];
        size_t len;
        zkbio_push_cmd_simple(ZKBIO_PUSH_CMD_REBOOT, text, sizeof(text), &len);
        return zapi_fleet_push_command(r, &d, text, "REBOOT", aid);
    }
    char err[256] = "";
    int rc = zfleet_restart(r->app->fleet, d.id, err, sizeof(err));
    if (aid)
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc != 0)
        return zapi_fleet_fail(r, rc, err);
    return zapi_ok(r, 200, "the terminal restarts",
                   json_pack("{s:I,s:s,s:b,s:I}", "device_id", (json_int_t)d.id, "transport",
                             "tcp4370", "restarted", 1, "audit_id", (json_int_t)aid));
}

/* POST /api/v1/devices/{id}/unlock {seconds?} (admin; 10 per minute per device and account) */
int zapi_fleet_device_unlock(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    json_t *j = zapi_fleet_body(r, &st);
    if (!j)
        return st;
    json_t *sv = json_object_get(j, "seconds");
    int seconds = sv ? (int)json_integer_value(sv) : 5;
    int ok = !sv || (json_is_integer(sv) && seconds >= 1 && seconds <= 60);
    json_decref(j);
    if (!ok)
        return zapi_fleet_bad_field(r, "seconds", "\"seconds\" is a number 1..60 (default 5)");
    char acct[128];
    if (r->who.account_id)
        snprintf(acct, sizeof(acct), "account:%lld", (long long)r->who.account_id);
    else
        snprintf(acct, sizeof(acct), "name:%.*s", 100, zapi_fleet_actor(r));
    int wait = zfleet_unlock_allow(r->app->fleet, d.id, acct);
    if (wait > 0) {
        r->retry_after = wait;
        return zapi_v1_fail(r, 429, "RATE_LIMITED",
                            "too many unlocks: at most 10 per minute per door and per account",
                            json_pack("{s:i,s:i}", "limit", 10, "retry_after", wait));
    }
    char det[64];
    snprintf(det, sizeof(det), "{\"seconds\":%d}", seconds);
    int64_t aid = 0;
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.unlock", d.sn, d.id, "pending", det, &aid);
    if (!zapi_fleet_is_4370(&d)) {
        char text[64];
        size_t len;
        zkbio_push_cmd_simple(ZKBIO_PUSH_CMD_AC_UNLOCK, text, sizeof(text), &len);
        return zapi_fleet_push_command(r, &d, text, "AC_UNLOCK", aid);
    }
    char err[256] = "";
    int rc = zfleet_unlock(r->app->fleet, d.id, seconds, err, sizeof(err));
    if (aid)
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc != 0)
        return zapi_fleet_fail(r, rc, err);
    return zapi_ok(r, 200, "door unlocked",
                   json_pack("{s:I,s:I,s:s,s:i,s:b}", "device_id", (json_int_t)d.id, "audit_id",
                             (json_int_t)aid, "unlocked_by", zapi_fleet_actor(r), "auto_lock_in",
                             seconds, "unlocked", 1));
}

/* POST /api/v1/devices/{id}/time (operator): set the terminal's clock to now in its zone. */
int zapi_fleet_device_time(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    if (!zapi_fleet_is_4370(&d)) {
        /* PUSH: SET OPTION DateTime=<the packed time of tcp4370.md §5.6> in the server's clock */
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        zkbio_zk_time t = {
            (uint16_t)(tm.tm_year + 1900), (uint8_t)(tm.tm_mon + 1), (uint8_t)tm.tm_mday,
            (uint8_t)tm.tm_hour,           (uint8_t)tm.tm_min,       (uint8_t)tm.tm_sec};
        uint32_t packed = 0;
        char v[16], text[96];
        size_t len;
        if (zkbio_zk_time_encode(&t, &packed) != 0)
            return zapi_v1_fail(r, 500, "INTERNAL_ERROR", "the clock cannot be encoded", NULL);
        snprintf(v, sizeof(v), "%u", (unsigned)packed);
        zkbio_push_cmd_set_option("DateTime", v, text, sizeof(text), &len);
        return zapi_fleet_push_command(r, &d, text, "SET OPTION DateTime", 0);
    }
    zkbio_zk_time set;
    char err[256] = "", when[20];
    int rc = zfleet_time_sync(r->app->fleet, d.id, &set, err, sizeof(err));
    if (rc != 0)
        return zapi_fleet_fail(r, rc, err);
    zkbio_zk_time_format(&set, when);
    return zapi_ok(r, 200, "terminal clock set",
                   json_pack("{s:I,s:s,s:s}", "device_id", (json_int_t)d.id, "time", when, "tz",
                             d.tz[0] ? d.tz : "local"));
}

/* POST /api/v1/cache/clear (admin) */
int zapi_fleet_cache_clear(zreq *r)
{
    size_t n = 0;
    zfleet_cache_clear(r->app->fleet, &n);
    return zapi_ok(r, 200, "cache cleared", json_pack("{s:I}", "cleared", (json_int_t)n));
}

/* GET /api/v1/devices/{id}/status: the row and the fleet's view (a lighter GET /devices/{id}). */
int zapi_fleet_device_status(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    zfleet_status fs;
    int known = zapi_fleet_is_4370(&d) && zfleet_status_get(r->app->fleet, d.id, &fs) == 0;
    json_t *data = device_json(r, d.id, known ? &fs : NULL);
    if (!data)
        return zapi_fleet_store_fail(r, ZKBIO_EDB);
    return zapi_ok(r, 200, "device", data);
}
