/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /iclock/api/transactions/ of the BioTime-compatible API (api.h; docs/biotime-api.md
 * "Transactions"): the punches of every source in BioTime 8.x's field set (shared reference
 * integrations.md §1.6): punch_state a string, verify_type an integer, English *_display texts,
 * upload_time = when zkbiod received the punch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "v1_fleet.h"

/* integrations.md §1.6 (S0X PunchState; BioTime's English texts). */
static const char *state_display(int64_t s)
{
    switch (s) {
    case 0:
        return "Check In";
    case 1:
        return "Check Out";
    case 2:
        return "Break Out";
    case 3:
        return "Break In";
    case 4:
        return "Overtime In";
    case 5:
        return "Overtime Out";
    default:
        return "Unknown";
    }
}

/* The verify codes of the terminals (push.md §3.1, the protocol's Appendix 7), in English. 0 is
 * "Password" as BioTime 8.x displays it (its docs' sample: verify_type 0, "Password";
 * integrations.md §1.6: this firmware family reports password as 0). */
static const char *verify_display(int64_t v)
{
    static const char *const names[] = {
        "Password",
        "Fingerprint",
        "Employee ID",
        "Password",
        "Card",
        "Fingerprint/Password",
        "Fingerprint/Card",
        "Card/Password",
        "Employee ID+Fingerprint",
        "Fingerprint+Password",
        "Card+Fingerprint",
        "Card+Password",
        "Fingerprint+Password+Card",
        "Employee ID+Fingerprint+Password",
        "Employee ID+Fingerprint/Card+Fingerprint",
        "Face",
        "Face+Fingerprint",
        "Face+Password",
        "Face+Card",
        "Face+Fingerprint+Card",
        "Face+Fingerprint+Password",
        "Finger Vein",
        "Finger Vein+Password",
        "Finger Vein+Card",
        "Finger Vein+Password+Card",
        "Palm",
        "Palm+Card",
        "Palm+Face",
        "Palm+Fingerprint",
        "Palm+Fingerprint+Face",
    };
    if (v >= 0 && v < (int64_t)(sizeof(names) / sizeof(names[0])))
        return names[v];
    return v == 200 ? "Other" : "Unknown";
}

/* received_at as "YYYY-MM-DD HH:MM:SS" in the device's zone when its tz is an offset, else in
 * zkbiod's local zone (docs/biotime-api.md "Time zones"). */
static void upload_time(const zs_bt_tx *t, char out[32])
{
    int off;
    struct tm tm;
    time_t at = (time_t)t->received_at;
    if (zc_tz_offset(t->tz, &off)) {
        at += (time_t)off * 60;
        gmtime_r(&at, &tm);
    } else {
        localtime_r(&at, &tm);
    }
    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

static json_t *str_or_null(const char *s, int known)
{
    return known ? json_string(s) : json_null();
}

static json_t *tx_json(const zs_bt_tx *t)
{
    char state[24], up[32];
    snprintf(state, sizeof(state), "%lld", (long long)t->status);
    upload_time(t, up);
    int dev = t->device_id > 0;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(t->id));
    json_object_set_new(o, "emp", t->user_id > 0 ? json_integer(t->user_id) : json_null());
    json_object_set_new(o, "emp_code", json_string(t->pin));
    json_object_set_new(o, "first_name", json_string(t->first_name));
    json_object_set_new(o, "last_name", json_string(t->last_name));
    json_object_set_new(o, "department", json_string(t->dept));
    json_object_set_new(o, "position", json_string(t->position));
    json_object_set_new(o, "punch_time", json_string(t->time));
    json_object_set_new(o, "punch_state", json_string(state));
    json_object_set_new(o, "punch_state_display", json_string(state_display(t->status)));
    json_object_set_new(o, "verify_type", json_integer(t->verify));
    json_object_set_new(o, "verify_type_display", json_string(verify_display(t->verify)));
    json_object_set_new(o, "work_code", json_string(t->workcode));
    json_object_set_new(o, "gps_location", json_string(""));
    json_object_set_new(o, "area_alias", str_or_null(t->area, dev && t->area[0]));
    json_object_set_new(o, "terminal_sn", json_string(t->sn));
    json_object_set_new(o, "temperature", json_real(0.0));
    json_object_set_new(o, "terminal_alias", str_or_null(t->alias, dev));
    json_object_set_new(o, "upload_time", json_string(up));
    json_object_set_new(o, "terminal", dev ? json_integer(t->device_id) : json_null());
    return o;
}

/* ---- filters -------------------------------------------------------------------------------- */

static int digits(const char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* A BioTime time bound: "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" (a 'T' for the
 * space, a trailing ".ffffff" ignored) into out ("YYYY-MM-DD HH:MM:SS"). A date alone is the
 * whole day: its first second as start_time, its last as end_time. 0 when unparsable. */
int zapi_bt_time_bound(const char *v, int end, char out[20])
{
    size_t l = strlen(v);
    if (l < 10 || !digits(v, 4) || v[4] != '-' || !digits(v + 5, 2) || v[7] != '-' ||
        !digits(v + 8, 2))
        return 0;
    int mo = (v[5] - '0') * 10 + (v[6] - '0'), d = (v[8] - '0') * 10 + (v[9] - '0');
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    char hms[9];
    if (l == 10) {
        snprintf(hms, sizeof(hms), "%s", end ? "23:59:59" : "00:00:00");
    } else {
        if ((v[10] != ' ' && v[10] != 'T') || l < 16 || !digits(v + 11, 2) || v[13] != ':' ||
            !digits(v + 14, 2))
            return 0;
        const char *rest = v + 16;
        char sec[3] = "00";
        if (*rest == ':') {
            if (!digits(rest + 1, 2))
                return 0;
            sec[0] = rest[1];
            sec[1] = rest[2];
            rest += 3;
            if (*rest == '.' && rest[1] && strspn(rest + 1, "0123456789") == strlen(rest + 1))
                rest += strlen(rest);
        } else if (end) {
            sec[0] = '5';
            sec[1] = '9';
        }
        if (*rest)
            return 0;
        int h = (v[11] - '0') * 10 + (v[12] - '0'), mi = (v[14] - '0') * 10 + (v[15] - '0');
        int s = (sec[0] - '0') * 10 + (sec[1] - '0');
        if (h > 23 || mi > 59 || s > 59)
            return 0;
        snprintf(hms, sizeof(hms), "%.2s:%.2s:%s", v + 11, v + 14, sec);
    }
    snprintf(out, 20, "%.10s %s", v, hms);
    return 1;
}

/* The ordering: the first known field of the comma list (integrations.md §1.3: unknown fields
 * are ignored); id when none. */
static zs_bt_order order_of(const char *v)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", v);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        int desc = tok[0] == '-';
        const char *f = tok + (desc || tok[0] == '+');
        if (strcmp(f, "id") == 0 || strcmp(f, "upload_time") == 0)
            return desc ? ZS_BT_ID_DESC : ZS_BT_ID;
        if (strcmp(f, "punch_time") == 0)
            return desc ? ZS_BT_TIME_DESC : ZS_BT_TIME;
    }
    return ZS_BT_ID;
}

/* The store's errors as DRF answers them. */
static int store_fail(zreq *r, int rc)
{
    if (rc == ZKBIO_ENOENT)
        return zapi_bt_fail(r, 404, "Not found.", NULL);
    if (rc == ZKBIO_EUNAVAIL)
        return zapi_bt_fail(r, 503, "Database unavailable, retry later.", NULL);
    zlog_warn("biotime: transactions: %s", zs_errmsg(r->app->store));
    return zapi_bt_fail(r, 500, "A server error occurred.", NULL);
}

typedef struct tx_query {
    char pin[64], sn[64], alias[160], pin_like[64], sn_like[64], alias_like[160];
    char emp[32], from[20], to[20], raw[64], ordering[256];
} tx_query;

int zapi_bt_tx_list(zreq *r)
{
    zapi_bt_page pg;
    int st = zapi_bt_page_params(r, &pg);
    if (st)
        return st;
    tx_query q;
    memset(&q, 0, sizeof(q));
    zs_bt_tx_filter f;
    memset(&f, 0, sizeof(f));
    f.offset = pg.offset;
    f.limit = pg.page_size;
    /* 8.x: a value that cannot match (too long, unparsable time, unknown employee) gives an empty
     * list, never an error (integrations.md §1.6) */
    int empty = 0;
    struct {
        const char *name;
        char *buf;
        size_t size;
        const char **field;
    } params[] = {
        {"emp_code", q.pin, sizeof(q.pin), &f.pin},
        {"terminal_sn", q.sn, sizeof(q.sn), &f.sn},
        {"terminal_alias", q.alias, sizeof(q.alias), &f.alias},
        {"emp_code_icontains", q.pin_like, sizeof(q.pin_like), &f.pin_like},
        {"terminal_sn_icontains", q.sn_like, sizeof(q.sn_like), &f.sn_like},
        {"terminal_alias_icontains", q.alias_like, sizeof(q.alias_like), &f.alias_like},
    };
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        int rc = zapi_bt_query(r, params[i].name, params[i].buf, params[i].size);
        if (rc < 0)
            empty = 1;
        else if (rc > 0)
            *params[i].field = params[i].buf;
    }
    int rc = zapi_bt_query(r, "start_time", q.raw, sizeof(q.raw));
    if (rc < 0 || (rc > 0 && !zapi_bt_time_bound(q.raw, 0, q.from)))
        empty = 1;
    else if (rc > 0)
        f.from = q.from;
    rc = zapi_bt_query(r, "end_time", q.raw, sizeof(q.raw));
    if (rc < 0 || (rc > 0 && !zapi_bt_time_bound(q.raw, 1, q.to)))
        empty = 1;
    else if (rc > 0)
        f.to = q.to;
    rc = zapi_bt_query(r, "emp", q.emp, sizeof(q.emp));
    if (rc != 0 && !empty) { /* an employee is a user: its PIN is the emp_code */
        char pin[25];
        char *end;
        long long id = rc > 0 ? strtoll(q.emp, &end, 10) : 0;
        int prc = rc > 0 && *end == '\0' && id > 0 ? zs_bt_user_pin(r->app->store, id, pin)
                                                   : ZKBIO_ENOENT;
        if (prc == ZKBIO_ENOENT || (f.pin && strcmp(f.pin, pin) != 0))
            empty = 1;
        else if (prc != 0)
            return store_fail(r, prc);
        else
            f.pin = strcpy(q.pin, pin);
    }
    if (zapi_bt_query(r, "ordering", q.ordering, sizeof(q.ordering)) > 0)
        f.order = order_of(q.ordering);
    if (empty)
        return zapi_bt_list_reply(r, &pg, 0, json_array());
    zs_bt_tx_page page;
    if ((rc = zs_bt_tx_list(r->app->store, &f, &page)) != 0)
        return store_fail(r, rc);
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, tx_json(&page.rows[i]));
    int64_t count = page.count;
    zs_bt_tx_page_free(&page);
    return zapi_bt_list_reply(r, &pg, count, items);
}

/* The id of a detail route (arg 0): a positive integer, else 0. */
static int64_t id_arg(const zreq *r)
{
    const char *a = r->arg[0];
    size_t l = a ? strlen(a) : 0;
    if (l == 0 || l > 18 || strspn(a, "0123456789") != l)
        return 0;
    return (int64_t)strtoll(a, NULL, 10);
}

int zapi_bt_tx_get(zreq *r)
{
    int64_t id = id_arg(r);
    if (id <= 0)
        return zapi_bt_fail(r, 404, "Not found.", NULL);
    zs_bt_tx t;
    int rc = zs_bt_tx_get(r->app->store, id, &t);
    if (rc != 0)
        return store_fail(r, rc);
    return zapi_reply(r, 200, tx_json(&t));
}

int zapi_bt_tx_delete(zreq *r)
{
    int64_t id = id_arg(r);
    if (id <= 0)
        return zapi_bt_fail(r, 404, "Not found.", NULL);
    zs_bt_tx t;
    int rc = zs_bt_tx_get(r->app->store, id, &t);
    if (rc != 0)
        return store_fail(r, rc);
    char target[96], det[160];
    snprintf(target, sizeof(target), "transaction %lld", (long long)id);
    json_t *d = json_pack("{s:s,s:s,s:s,s:I}", "emp_code", t.pin, "terminal_sn", t.sn, "punch_time",
                          t.time, "punch_state", (json_int_t)t.status);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    snprintf(det, sizeof(det), "%s", dj ? dj : "{}");
    free(dj);
    int64_t aid = 0;
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "attendance.delete", target, t.device_id, "pending", det, &aid);
    rc = zs_bt_tx_delete(r->app->store, id);
    if (aid)
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc != 0)
        return store_fail(r, rc);
    mg_response_header_start(r->c, 204);
    zapi_cors_headers(r);
    mg_response_header_add(r->c, "Cache-Control", "no-store", -1);
    mg_response_header_send(r->c);
    return 204;
}

/* ---- create --------------------------------------------------------------------------------- */

/* A member as text: a string, or an integer printed; *ok 0 for another type. NULL when absent
 * or null. */
static const char *text_of(json_t *o, const char *name, char *buf, size_t size, int *ok)
{
    json_t *v = json_object_get(o, name);
    *ok = 1;
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    *ok = 0;
    return NULL;
}

static void field_error(json_t *errs, const char *field, const char *msg)
{
    json_object_set_new(errs, field, json_pack("[s]", msg));
}

/* An integer member (number or digit string) in [lo, hi], else def when absent; 0 when bad. */
static int int_of(json_t *o, const char *name, int64_t lo, int64_t hi, int64_t def, int64_t *out)
{
    char buf[32];
    int ok;
    const char *s = text_of(o, name, buf, sizeof(buf), &ok);
    if (!ok)
        return 0;
    if (!s || !*s) {
        *out = def;
        return 1;
    }
    size_t l = strlen(s);
    if (l > 10 || strspn(s, "0123456789") != l)
        return 0;
    long long v = strtoll(s, NULL, 10);
    if (v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int zapi_bt_tx_create(zreq *r)
{
    json_t *o = NULL;
    int status = zapi_bt_body(r, &o); /* JSON or a form, as DRF takes them */
    if (status)
        return status;
    json_t *errs = json_object();
    char b1[32], b2[64], b3[64];
    int ok;
    const char *pin = text_of(o, "emp_code", b1, sizeof(b1), &ok);
    if (!ok)
        field_error(errs, "emp_code", "Not a valid string.");
    else if (!pin || !*pin)
        field_error(errs, "emp_code", "This field is required.");
    else if (strlen(pin) > ZKBIO_PUSH_PIN_MAX || strpbrk(pin, "\t\r\n"))
        field_error(errs, "emp_code", "Ensure this field has no more than 24 characters.");
    const char *when = text_of(o, "punch_time", b2, sizeof(b2), &ok);
    char tbuf[20] = "";
    if (!when || !*when)
        field_error(errs, "punch_time", "This field is required.");
    else if (!ok || strlen(when) <= 10 || !zapi_bt_time_bound(when, 0, tbuf))
        field_error(errs, "punch_time",
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DD hh:mm[:ss[.uuuuuu]].");
    int64_t state = 0, verify = 0, wc = 0;
    if (!int_of(o, "punch_state", 0, 255, 0, &state)) /* DRF ChoiceField's wording */
        field_error(errs, "punch_state", "Not a valid choice: a punch state 0..255.");
    if (!int_of(o, "verify_type", 0, 255, 0, &verify))
        field_error(errs, "verify_type", "A valid integer is required.");
    if (!int_of(o, "work_code", 0, 4294967295LL, 0, &wc))
        field_error(errs, "work_code", "A valid integer is required.");
    const char *sn = text_of(o, "terminal_sn", b3, sizeof(b3), &ok);
    if (!ok || (sn && *sn && !zkbio_push_sn_valid(sn)))
        field_error(errs, "terminal_sn", "Enter a valid terminal serial number.");
    if (json_object_size(errs) > 0) {
        json_decref(o);
        return zapi_bt_fail(r, 400, NULL, errs);
    }
    json_decref(errs);
    zs_fleet_punch p;
    memset(&p, 0, sizeof(p));
    snprintf(p.pin, sizeof(p.pin), "%s", pin);
    memcpy(p.time, tbuf, sizeof(p.time));
    p.status = (int)state;
    p.verify = (int)verify;
    p.workcode = (uint32_t)wc;
    char snbuf[ZKBIO_PUSH_SN_MAX + 1];
    snprintf(snbuf, sizeof(snbuf), "%s", sn ? sn : "");
    json_decref(o);
    size_t added = 0;
    int rc = zs_fleet_punches_insert(r->app->store, snbuf, &p, 1, NULL, NULL, &added, NULL);
    int64_t id = 0;
    if (rc == 0)
        rc = zs_bt_tx_find(r->app->store, snbuf, p.pin, p.time, p.status, &id);
    zs_bt_tx t;
    if (rc == 0)
        rc = zs_bt_tx_get(r->app->store, id, &t);
    if (rc != 0)
        return store_fail(r, rc);
    return zapi_reply(r, added ? 201 : 200, tx_json(&t));
}
