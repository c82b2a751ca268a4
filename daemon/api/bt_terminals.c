/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /iclock/api/terminals/ of the BioTime-compatible API (api.h; docs/biotime-api.md "Terminals"):
 * every approved terminal of both transports (PUSH and 4370) in BioTime 8.x's field set (shared
 * reference integrations.md §1.7), `state` 1 online / 0 offline by the same rule as /api/v1
 * (zapi_device_online); list, get, and PATCH/PUT of alias, area and terminal_tz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

/* The n-th comma-separated field of a PUSH INFO line as a count (push.md: INFO=<fw>,<users>,
 * <fingerprints>,<att records>,<ip>,<FP alg>,<face alg>,<faces needed>,<faces enrolled>,...);
 * -1 when absent. */
static int64_t info_count(const char *info, int n)
{
    const char *p = info;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    if (!p || *p < '0' || *p > '9')
        return -1;
    size_t l = strspn(p, "0123456789");
    if (l > 12 || (p[l] != ',' && p[l] != '\0'))
        return -1;
    return (int64_t)strtoll(p, NULL, 10);
}

static json_t *count_json(int64_t column, const char *info, int field)
{
    int64_t v = column >= 0 ? column : field >= 0 ? info_count(info, field) : -1;
    return v >= 0 ? json_integer(v) : json_null();
}

/* Unix seconds as "YYYY-MM-DD HH:MM:SS" in the terminal's zone when known, else zkbiod's; null
 * for 0. */
static json_t *wall_json(int64_t t, const char *tz)
{
    if (t <= 0)
        return json_null();
    int off;
    struct tm tm;
    time_t at = (time_t)t;
    if (zc_tz_offset(tz, &off)) {
        at += (time_t)off * 60;
        gmtime_r(&at, &tm);
    } else {
        localtime_r(&at, &tm);
    }
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    return json_string(buf);
}

static int online(const zreq *r, const zs_bt_terminal *t)
{
    zs_device d;
    memset(&d, 0, sizeof(d));
    d.transport = (char *)t->transport;
    d.state = (char *)t->state;
    d.last_seen = t->last_seen;
    return zapi_device_online(r, &d);
}

static json_t *terminal_json(const zreq *r, const zs_bt_terminal *t)
{
    int push = strcmp(t->transport, "tcp4370") != 0;
    int off;
    json_t *tz = zc_tz_offset(t->tz, &off)
                     ? (off % 60 == 0 ? json_integer(off / 60) : json_real(off / 60.0))
                     : json_null();
    json_t *area = t->area_id > 0 ? json_pack("{s:I,s:s,s:s}", "id", (json_int_t)t->area_id,
                                              "area_code", t->area_code, "area_name", t->area_name)
                                  : json_null();
    const zpush *pp = r->app->push;
    const char *times = pp && pp->push.trans_times ? pp->push.trans_times : "00:00;14:05";
    int interval = pp ? pp->push.trans_interval_min : 1;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(t->id));
    json_object_set_new(o, "sn", json_string(t->sn));
    json_object_set_new(o, "ip_address", json_string(t->ip));
    json_object_set_new(o, "alias", json_string(t->name[0] ? t->name : t->sn));
    json_object_set_new(o, "terminal_name", json_string(t->model));
    json_object_set_new(o, "fw_ver", json_string(t->firmware));
    json_object_set_new(o, "push_ver", json_string(push ? t->push_version : ""));
    json_object_set_new(o, "state", json_integer(online(r, t) ? 1 : 0));
    json_object_set_new(o, "terminal_tz", tz);
    json_object_set_new(o, "area", area);
    json_object_set_new(o, "area_name", t->area_id > 0 ? json_string(t->area_name) : json_null());
    json_object_set_new(o, "last_activity", wall_json(t->last_seen, t->tz));
    json_object_set_new(o, "user_count", count_json(t->user_count, t->info, push ? 1 : -1));
    json_object_set_new(o, "fp_count", count_json(t->fp_count, t->info, push ? 2 : -1));
    json_object_set_new(o, "face_count", count_json(-1, t->info, push ? 8 : -1));
    json_object_set_new(o, "palm_count", json_null());
    json_object_set_new(o, "transaction_count", count_json(t->punch_count, t->info, push ? 3 : -1));
    json_object_set_new(o, "push_time", push ? wall_json(t->last_seen, t->tz) : json_null());
    json_object_set_new(o, "transfer_time", push ? json_string(times) : json_null());
    json_object_set_new(o, "transfer_interval", push ? json_integer(interval) : json_null());
    json_object_set_new(o, "is_attendance", json_integer(1));
    json_object_set_new(o, "transport", json_string(push ? "push" : "tcp4370"));
    return o;
}

static int store_fail(zreq *r, int rc)
{
    if (rc == ZKBIO_ENOENT)
        return zapi_bt_fail(r, 404, "Not found.", NULL);
    if (rc == ZKBIO_EUNAVAIL)
        return zapi_bt_fail(r, 503, "Database unavailable, retry later.", NULL);
    zlog_warn("biotime: terminals: %s", zs_errmsg(r->app->store));
    return zapi_bt_fail(r, 500, "A server error occurred.", NULL);
}

int zapi_bt_terminals_list(zreq *r)
{
    zapi_bt_page pg;
    int st = zapi_bt_page_params(r, &pg);
    if (st)
        return st;
    char sn[64], alias[160], sn_like[64], alias_like[160], state[16], area[32], ordering[128];
    zs_bt_term_filter f;
    memset(&f, 0, sizeof(f));
    int empty = 0, rc;
    /* as 8.x: a value that cannot match gives an empty list (integrations.md §1.3) */
    if ((rc = zapi_bt_query(r, "sn", sn, sizeof(sn))) > 0)
        f.sn = sn;
    empty |= rc < 0;
    if ((rc = zapi_bt_query(r, "alias", alias, sizeof(alias))) > 0)
        f.alias = alias;
    empty |= rc < 0;
    if ((rc = zapi_bt_query(r, "sn_icontains", sn_like, sizeof(sn_like))) > 0)
        f.sn_like = sn_like;
    empty |= rc < 0;
    if ((rc = zapi_bt_query(r, "alias_icontains", alias_like, sizeof(alias_like))) > 0)
        f.alias_like = alias_like;
    empty |= rc < 0;
    if ((rc = zapi_bt_query(r, "area", area, sizeof(area))) != 0) {
        char *end;
        long long id = rc > 0 ? strtoll(area, &end, 10) : 0;
        if (rc < 0 || *end || id <= 0)
            empty = 1;
        else
            f.area = id;
    }
    int want_state = -1;
    if ((rc = zapi_bt_query(r, "state", state, sizeof(state))) != 0) {
        if (rc > 0 && strcmp(state, "1") == 0)
            want_state = 1;
        else if (rc > 0 && strcmp(state, "0") == 0)
            want_state = 0;
        else
            empty = 1;
    }
    if (zapi_bt_query(r, "ordering", ordering, sizeof(ordering)) > 0) {
        char *save = NULL;
        for (char *tok = strtok_r(ordering, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int desc = tok[0] == '-';
            const char *name = tok + desc;
            if (strcmp(name, "id") == 0 || strcmp(name, "sn") == 0 || strcmp(name, "alias") == 0) {
                f.order_desc = desc;
                f.order_by_sn = strcmp(name, "sn") == 0;
                f.order_alias = strcmp(name, "alias") == 0;
                break;
            }
        }
    }
    if (empty)
        return zapi_bt_list_reply(r, &pg, 0, json_array());
    zs_bt_terminal *all = NULL;
    size_t n = 0;
    if ((rc = zs_bt_terminals(r->app->store, &f, &all, &n)) != 0)
        return store_fail(r, rc);
    json_t *items = json_array();
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (want_state >= 0 && online(r, &all[i]) != want_state)
            continue;
        if (count >= pg.offset && count < pg.offset + pg.page_size)
            json_array_append_new(items, terminal_json(r, &all[i]));
        count++;
    }
    free(all);
    return zapi_bt_list_reply(r, &pg, count, items);
}

int zapi_bt_terminal_get(zreq *r)
{
    const char *a = r->arg[0];
    size_t l = a ? strlen(a) : 0;
    if (l == 0 || l > 18 || strspn(a, "0123456789") != l)
        return zapi_bt_fail(r, 404, "Not found.", NULL);
    zs_bt_terminal t;
    int rc = zs_bt_terminal_get(r->app->store, (int64_t)strtoll(a, NULL, 10), &t);
    if (rc != 0)
        return store_fail(r, rc);
    return zapi_reply(r, 200, terminal_json(r, &t));
}

/* PATCH/PUT /iclock/api/terminals/{id}/ (admin): BioTime's writable terminal fields onto the
 * device row, as PATCH /api/v1/devices/{id} does: `alias` (its name), `area` (an area id: the
 * area's code becomes its sync group), `terminal_tz` (hours from UTC, -12..14, a multiple of a
 * quarter; null = unknown). Other members are ignored (DRF drops them); PUT is as partial. */
int zapi_bt_terminal_update(zreq *r)
{
    int64_t id;
    int st = zapi_bt_path_id(r, &id);
    if (st)
        return st;
    json_t *o = NULL;
    if ((st = zapi_bt_body(r, &o)) != 0)
        return st;
    zs_bt_terminal t;
    int rc = zs_bt_terminal_get(r->app->store, id, &t);
    if (rc != 0) {
        json_decref(o);
        return store_fail(r, rc);
    }
    json_t *errs = json_object();
    zs_device_patch p = {.enabled = -1};
    char alias[130], err[160], tz[16], group[ZS_ORG_CODE_MAX + 1];
    json_t *v = json_object_get(o, "alias");
    if (v) {
        if (zapi_bt_text(v, alias, sizeof(alias), 128, err, sizeof(err)) != 0)
            json_object_set_new(errs, "alias", json_pack("[s]", err));
        else if (!alias[0])
            json_object_set_new(errs, "alias", json_pack("[s]", "This field may not be blank."));
        else
            p.name = alias;
    }
    if ((v = json_object_get(o, "area")) != NULL) {
        int64_t aid = 0;
        int k = zapi_bt_pk(v, &aid);
        zs_org_unit u;
        if (k == 1 && (rc = zs_org_get(r->app->store, ZS_ORG_AREA, aid, &u)) == 0) {
            snprintf(group, sizeof(group), "%s", u.code);
            p.sync_group = group;
        } else if (k == 1 && rc != ZKBIO_ENOENT) {
            json_decref(errs);
            json_decref(o);
            return store_fail(r, rc);
        } else {
            char m[96];
            if (k == 1)
                snprintf(m, sizeof(m), "Invalid pk \"%lld\" - object does not exist.",
                         (long long)aid);
            else if (k == 0)
                snprintf(m, sizeof(m), "This field may not be null.");
            else
                snprintf(m, sizeof(m), "Incorrect type. Expected pk value.");
            json_object_set_new(errs, "area", json_pack("[s]", m));
        }
    }
    if ((v = json_object_get(o, "terminal_tz")) != NULL) {
        double h = json_is_number(v) ? json_number_value(v) : 0;
        if (json_is_null(v)) {
            tz[0] = '\0';
            p.tz = tz;
        } else if (!json_is_number(v) || h < -12 || h > 14 || (h * 4) != (double)(int)(h * 4)) {
            json_object_set_new(errs, "terminal_tz",
                                json_pack("[s]", "A valid number of hours -12..14 is required."));
        } else {
            int m = (int)(h * 60);
            snprintf(tz, sizeof(tz), "%c%02d:%02d", m < 0 ? '-' : '+', abs(m) / 60, abs(m) % 60);
            p.tz = tz;
        }
    }
    json_decref(o);
    if (json_object_size(errs) > 0)
        return zapi_bt_fail(r, 400, NULL, errs);
    json_decref(errs);
    if ((rc = zs_patch_device(r->app->store, id, &p)) == 0)
        rc = zs_bt_terminal_get(r->app->store, id, &t);
    if (rc != 0)
        return store_fail(r, rc);
    return zapi_reply(r, 200, terminal_json(r, &t));
}
