/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /personnel/api/departments/, /areas/, /positions/ of the BioTime-compatible API
 * (docs/biotime-api.md "Personnel"; shared reference integrations.md §1.5): list with the
 * envelope, get, create (code and name required, 201), PATCH, tolerant PUT, DELETE (204; 400 when
 * still used). An area is a sync group (store_personnel.h). Errors in DRF's words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

typedef struct org_desc {
    zs_org_kind kind;
    const char *code, *name, *parent, *noun; /* JSON names; the model's verbose name */
} org_desc;

static const org_desc ORG[] = {
    {ZS_ORG_DEPARTMENT, "dept_code", "dept_name", "parent_dept", "department"},
    {ZS_ORG_POSITION, "position_code", "position_name", "parent_position", "position"},
    {ZS_ORG_AREA, "area_code", "area_name", "parent_area", "area"},
};

int zapi_bt_store_fail(zreq *r, int rc)
{
    if (rc == ZKBIO_ENOENT)
        return zapi_bt_fail(r, 404, "Not found.", NULL);
    if (rc == ZKBIO_EUNAVAIL)
        return zapi_bt_fail(r, 503, "Database unavailable, retry later.", NULL);
    zlog_warn("biotime: personnel: %s (%s)", zkbio_strerror(rc), zs_errmsg(r->app->store));
    return zapi_bt_fail(r, 500, "A server error occurred.", NULL);
}

int zapi_bt_path_id(zreq *r, int64_t *id)
{
    const char *a = r->arg[0];
    size_t l = a ? strlen(a) : 0;
    *id = 0;
    if (l == 0 || l > 18 || strspn(a, "0123456789") != l || (*id = strtoll(a, NULL, 10)) <= 0)
        return zapi_bt_fail(r, 404, "Not found.", NULL);
    return 0;
}

int zapi_bt_pk(const json_t *v, int64_t *id)
{
    *id = 0;
    if (json_is_integer(v)) {
        *id = json_integer_value(v);
        return *id > 0 ? 1 : -1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t l = strlen(s);
        if (l == 0)
            return 0;
        if (l > 18 || strspn(s, "0123456789") != l || (*id = strtoll(s, NULL, 10)) <= 0)
            return -1;
        return 1;
    }
    if (json_is_object(v)) /* an expanded object sent back: its id */
        return zapi_bt_pk(json_object_get(v, "id"), id);
    return json_is_null(v) ? 0 : -2;
}

int zapi_bt_text(const json_t *v, char *out, size_t size, size_t max, char *err, size_t errsz)
{
    err[0] = '\0';
    if (json_is_null(v)) {
        out[0] = '\0';
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(out, size, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v)) {
        snprintf(err, errsz, "Not a valid string.");
        return -1;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            snprintf(err, errsz, "Control characters are not allowed.");
            return -1;
        }
    size_t chars = 0; /* DRF counts characters */
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (chars > max || n >= size) {
        snprintf(err, errsz, "Ensure this field has no more than %zu characters.", max);
        return -1;
    }
    memcpy(out, s, n + 1);
    return 0;
}

json_t *zapi_bt_unit_json(zs_org_kind kind, const zs_org_unit *u)
{
    const org_desc *d = &ORG[kind];
    return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)u->id, d->code, u->code, d->name, u->name);
}

static json_t *unit_full(zreq *r, const org_desc *d, const zs_org_unit *u)
{
    json_t *o = zapi_bt_unit_json(d->kind, u);
    zs_org_unit p;
    int has = u->parent_id > 0 && zs_org_get(r->app->store, d->kind, u->parent_id, &p) == 0;
    json_object_set_new(o, d->parent, has ? json_integer(p.id) : json_null());
    if (d->kind != ZS_ORG_DEPARTMENT) {
        char k[40];
        snprintf(k, sizeof(k), "%s_name", d->parent);
        json_object_set_new(o, k, has ? json_string(p.name) : json_null());
    }
    return o;
}

static int org_list(zreq *r, const org_desc *d)
{
    zapi_bt_page pg;
    int st = zapi_bt_page_params(r, &pg);
    if (st)
        return st;
    char code[80], name[160], codec[80], namec[160], ordering[128], k[48];
    zs_org_filter f;
    memset(&f, 0, sizeof(f));
    int empty = 0, rc;
    if ((rc = zapi_bt_query(r, d->code, code, sizeof(code))) > 0)
        f.code = code;
    empty |= rc < 0;
    if ((rc = zapi_bt_query(r, d->name, name, sizeof(name))) > 0)
        f.name = name;
    empty |= rc < 0;
    snprintf(k, sizeof(k), "%s_icontains", d->code);
    if ((rc = zapi_bt_query(r, k, codec, sizeof(codec))) > 0)
        f.code_contains = codec;
    empty |= rc < 0;
    snprintf(k, sizeof(k), "%s_icontains", d->name);
    if ((rc = zapi_bt_query(r, k, namec, sizeof(namec))) > 0)
        f.name_contains = namec;
    empty |= rc < 0;
    if (zapi_bt_query(r, "ordering", ordering, sizeof(ordering)) > 0) {
        char *save = NULL;
        for (char *t = strtok_r(ordering, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int desc = t[0] == '-';
            const char *n = t + desc;
            int by = strcmp(n, "id") == 0      ? ZS_ORDER_ID
                     : strcmp(n, d->code) == 0 ? ZS_ORDER_CODE
                     : strcmp(n, d->name) == 0 ? ZS_ORDER_NAME
                                               : -1;
            if (by >= 0) { /* the first known field counts; unknown ones are ignored */
                f.order = by | (desc ? ZS_ORDER_DESC : 0);
                break;
            }
        }
    }
    if (empty)
        return zapi_bt_list_reply(r, &pg, 0, json_array());
    f.offset = pg.offset;
    f.limit = pg.page_size;
    zs_org_unit *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    rc = zs_org_list(r->app->store, d->kind, &f, &rows, &n, &total);
    if (rc != 0)
        return zapi_bt_store_fail(r, rc);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, unit_full(r, d, &rows[i]));
    free(rows);
    return zapi_bt_list_reply(r, &pg, total, items);
}

static int org_get(zreq *r, const org_desc *d)
{
    int64_t id;
    int st = zapi_bt_path_id(r, &id);
    if (st)
        return st;
    zs_org_unit u;
    int rc = zs_org_get(r->app->store, d->kind, id, &u);
    if (rc != 0)
        return zapi_bt_store_fail(r, rc);
    return zapi_reply(r, 200, unit_full(r, d, &u));
}

/* Merge the body's members into *u (create: code and name required). 0, or the status of the
 * 400 with every field error. */
static int read_unit(zreq *r, const org_desc *d, const json_t *j, zs_org_unit *u, int create)
{
    json_t *errs = json_object();
    const json_t *v;
    char err[96];
    if ((v = json_object_get(j, d->code))) {
        if (zapi_bt_text(v, u->code, sizeof(u->code), ZS_ORG_CODE_MAX, err, sizeof(err)) != 0)
            json_object_set_new(errs, d->code, json_pack("[s]", err));
        else if (!u->code[0])
            json_object_set_new(errs, d->code, json_pack("[s]", "This field may not be blank."));
    } else if (create) {
        json_object_set_new(errs, d->code, json_pack("[s]", "This field is required."));
    }
    if ((v = json_object_get(j, d->name))) {
        if (zapi_bt_text(v, u->name, sizeof(u->name), ZS_ORG_NAME_MAX, err, sizeof(err)) != 0)
            json_object_set_new(errs, d->name, json_pack("[s]", err));
        else if (!u->name[0])
            json_object_set_new(errs, d->name, json_pack("[s]", "This field may not be blank."));
    } else if (create) {
        json_object_set_new(errs, d->name, json_pack("[s]", "This field is required."));
    }
    if ((v = json_object_get(j, d->parent))) {
        int64_t pid = 0;
        int k = zapi_bt_pk(v, &pid);
        zs_org_unit p;
        if (k < 0)
            json_object_set_new(errs, d->parent,
                                json_pack("[s]", k == -2 ? "Incorrect type. Expected pk value."
                                                         : "Invalid pk - object does not exist."));
        else if (k == 1 && (pid == u->id || zs_org_get(r->app->store, d->kind, pid, &p) != 0)) {
            char m[96];
            snprintf(m, sizeof(m), "Invalid pk \"%lld\" - object does not exist.", (long long)pid);
            json_object_set_new(errs, d->parent, json_pack("[s]", m));
        } else {
            u->parent_id = k == 1 ? pid : 0;
        }
    }
    if (json_object_size(errs) > 0)
        return zapi_reply(r, 400, errs);
    json_decref(errs);
    return 0;
}

static int duplicate(zreq *r, const org_desc *d)
{
    char m[128];
    snprintf(m, sizeof(m), "%s with this %s already exists.", d->noun,
             d->kind == ZS_ORG_DEPARTMENT ? "dept code"
             : d->kind == ZS_ORG_POSITION ? "position code"
                                          : "area code");
    return zapi_bt_field_error(r, d->code, m);
}

static int org_create(zreq *r, const org_desc *d)
{
    json_t *j = NULL;
    int st = zapi_bt_body(r, &j);
    if (st)
        return st;
    zs_org_unit u;
    memset(&u, 0, sizeof(u));
    st = read_unit(r, d, j, &u, 1);
    json_decref(j);
    if (st)
        return st;
    int64_t id = 0;
    int rc = zs_org_create(r->app->store, d->kind, &u, &id);
    if (rc == ZKBIO_EEXIST)
        return duplicate(r, d);
    if (rc != 0)
        return zapi_bt_store_fail(r, rc);
    u.id = id;
    return zapi_reply(r, 201, unit_full(r, d, &u));
}

static int org_update(zreq *r, const org_desc *d)
{
    int64_t id;
    int st = zapi_bt_path_id(r, &id);
    if (st)
        return st;
    zs_org_unit u;
    int rc = zs_org_get(r->app->store, d->kind, id, &u);
    if (rc != 0)
        return zapi_bt_store_fail(r, rc);
    json_t *j = NULL;
    if ((st = zapi_bt_body(r, &j)) != 0)
        return st;
    st = read_unit(r, d, j, &u, 0); /* PUT is as tolerant as PATCH: missing members are kept */
    json_decref(j);
    if (st)
        return st;
    rc = zs_org_update(r->app->store, d->kind, &u);
    if (rc == ZKBIO_EEXIST)
        return duplicate(r, d);
    if (rc != 0)
        return zapi_bt_store_fail(r, rc);
    return zapi_reply(r, 200, unit_full(r, d, &u));
}

static int org_delete(zreq *r, const org_desc *d)
{
    int64_t id;
    int st = zapi_bt_path_id(r, &id);
    if (st)
        return st;
    char why[160];
    int rc = zs_org_delete(r->app->store, d->kind, id, why, sizeof(why));
    if (rc == ZKBIO_EBUSY) {
        char m[256];
        snprintf(m, sizeof(m), "Cannot delete this %s: %s.", d->noun, why);
        return zapi_bt_fail(r, 400, NULL, json_pack("{s:[s]}", "non_field_errors", m));
    }
    if (rc != 0)
        return zapi_bt_store_fail(r, rc);
    return zapi_reply(r, 204, NULL);
}

#define ORG_HANDLERS(fn, kind)                                                                     \
    int zapi_bt_##fn##_list(zreq *r)                                                               \
    {                                                                                              \
        return org_list(r, &ORG[kind]);                                                            \
    }                                                                                              \
    int zapi_bt_##fn##_get(zreq *r)                                                                \
    {                                                                                              \
        return org_get(r, &ORG[kind]);                                                             \
    }                                                                                              \
    int zapi_bt_##fn##_create(zreq *r)                                                             \
    {                                                                                              \
        return org_create(r, &ORG[kind]);                                                          \
    }                                                                                              \
    int zapi_bt_##fn##_update(zreq *r)                                                             \
    {                                                                                              \
        return org_update(r, &ORG[kind]);                                                          \
    }                                                                                              \
    int zapi_bt_##fn##_delete(zreq *r)                                                             \
    {                                                                                              \
        return org_delete(r, &ORG[kind]);                                                          \
    }

ORG_HANDLERS(departments, ZS_ORG_DEPARTMENT)
ORG_HANDLERS(positions, ZS_ORG_POSITION)
ORG_HANDLERS(areas, ZS_ORG_AREA)
