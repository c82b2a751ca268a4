/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /personnel/api/employees/ of the BioTime-compatible API (docs/biotime-api.md "Personnel";
 * shared reference integrations.md §1.4): BioTime 8.x's field set, expanded department, position
 * and area objects on read, bare ids on write; create (201), PATCH, tolerant PUT, DELETE (204).
 * An employee is a zkbio user: the store queues it for the PUSH terminals of its areas in the
 * transaction that writes it (store_personnel.h); 4370 terminals get jobs from here
 * (user.to_device for the groups it is in, user.delete for those it left).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

/* Members kept in employees.extra (the BioTime fields without a column): strings, integers and
 * booleans; anything else a client sends is ignored, as DRF drops unknown members. */
static const char *const EXTRA_STR[] = {"contact_tel", "office_tel", "national",
                                        "city",        "address",    "postcode",
                                        "ssn",         "religion",   "enroll_sn"};
static const char *const EXTRA_INT[] = {"verify_mode", "app_status", "app_role"};
static const char *const EXTRA_BOOL[] = {"enable_att", "enable_overtime", "enable_holiday"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static json_t *bio_json(const zs_bio_summary *s)
{
    char b[32];
    if (s->count <= 0)
        return json_string("-");
    snprintf(b, sizeof(b), "Ver %d:%d", s->version, s->count);
    return json_string(b);
}

static json_t *null_or(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* The employee as BioTime 8.x lists it (plus 9.x's full_name, dept_name, position_name and
 * attemployee, which 8.x clients ignore). */
static json_t *employee_json(const zs_employee *e)
{
    json_t *x = e->extra[0] ? json_loads(e->extra, 0, NULL) : NULL;
    if (!json_is_object(x)) {
        json_decref(x);
        x = json_object();
    }
    char full[260];
    snprintf(full, sizeof(full), "%s%s%s", e->first_name, e->last_name[0] ? " " : "", e->last_name);
    json_t *areas = json_array();
    for (size_t i = 0; i < e->nareas; i++)
        json_array_append_new(areas, zapi_bt_unit_json(ZS_ORG_AREA, &e->areas[i]));
    char upd[24] = "";
    time_t t = (time_t)e->updated_at;
    struct tm tm;
    if (t > 0 && localtime_r(&t, &tm)) /* naive local wall clock, as every BioTime time */
        strftime(upd, sizeof(upd), "%Y-%m-%d %H:%M:%S", &tm);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "emp_code", json_string(e->emp_code));
    json_object_set_new(o, "first_name", json_string(e->first_name));
    json_object_set_new(o, "last_name", json_string(e->last_name));
    json_object_set_new(o, "nickname", json_string(e->nickname));
    json_object_set_new(o, "device_password", json_string(e->device_password));
    json_object_set_new(o, "card_no", json_string(e->card_no));
    json_object_set_new(o, "department",
                        e->department.id > 0 ? zapi_bt_unit_json(ZS_ORG_DEPARTMENT, &e->department)
                                             : json_null());
    json_object_set_new(o, "position",
                        e->position.id > 0 ? zapi_bt_unit_json(ZS_ORG_POSITION, &e->position)
                                           : json_null());
    json_object_set_new(o, "hire_date", null_or(e->hire_date));
    json_object_set_new(o, "gender", null_or(e->gender));
    json_object_set_new(o, "birthday", null_or(e->birthday));
    json_object_set_new(o, "emp_type", e->emp_type ? json_integer(e->emp_type) : json_null());
    json_object_set_new(o, "mobile", json_string(e->mobile));
    json_object_set_new(o, "email", json_string(e->email));
    for (size_t i = 0; i < NELEM(EXTRA_STR); i++) {
        const json_t *v = json_object_get(x, EXTRA_STR[i]);
        json_object_set_new(o, EXTRA_STR[i],
                            json_string(json_is_string(v) ? json_string_value(v) : ""));
    }
    static const int int_default[] = {-1, 0, 1}; /* verify_mode, app_status, app_role */
    for (size_t i = 0; i < NELEM(EXTRA_INT); i++) {
        const json_t *v = json_object_get(x, EXTRA_INT[i]);
        json_object_set_new(
            o, EXTRA_INT[i],
            json_integer(json_is_integer(v) ? json_integer_value(v) : int_default[i]));
    }
    int en[3];
    for (size_t i = 0; i < NELEM(EXTRA_BOOL); i++) {
        const json_t *v = json_object_get(x, EXTRA_BOOL[i]);
        en[i] = v ? json_is_true(v) : 1;
        json_object_set_new(o, EXTRA_BOOL[i], json_boolean(en[i]));
    }
    json_object_set_new(o, "dev_privilege", json_integer(e->privilege));
    json_object_set_new(o, "area", areas);
    json_object_set_new(o, "update_time", null_or(upd));
    json_object_set_new(o, "fingerprint", bio_json(&e->fingerprint));
    json_object_set_new(o, "face", bio_json(&e->face));
    json_object_set_new(o, "palm", bio_json(&e->palm));
    json_object_set_new(o, "vl_face", bio_json(&e->vl_face));
    json_object_set_new(o, "full_name", json_string(full));
    json_object_set_new(o, "dept_name", json_string(e->department.name));
    json_object_set_new(o, "position_name", json_string(e->position.name));
    json_object_set_new(o, "attemployee",
                        json_pack("{s:I,s:b,s:b,s:b,s:b}", "id", (json_int_t)e->id,
                                  "enable_attendance", en[0], "enable_overtime", en[1],
                                  "enable_holiday", en[2], "enable_schedule", 1));
    json_decref(x);
    return o;
}

/* ---- list and get --------------------------------------------------------------------------- */

static int64_t query_id(zreq *r, const char *name, int *empty)
{
    char v[32];
    int rc = zapi_bt_query(r, name, v, sizeof(v));
    if (rc == 0)
        return 0;
    size_t l = rc > 0 ? strlen(v) : 0;
    if (rc < 0 || l == 0 || l > 18 || strspn(v, "0123456789") != l || strtoll(v, NULL, 10) <= 0) {
        *empty = 1; /* a value that cannot match: an empty list, as 8.x */
        return 0;
    }
    return strtoll(v, NULL, 10);
}

int zapi_bt_employees_list(zreq *r)
{
    zapi_bt_page pg;
    int st = zapi_bt_page_params(r, &pg);
    if (st)
        return st;
    char code[80], codec[80], fn[160], fnc[160], ln[160], lnc[160], ordering[128];
    zs_emp_filter f;
    memset(&f, 0, sizeof(f));
    int empty = 0, rc;
    struct {
        const char *name;
        char *buf;
        size_t size;
        const char **slot;
    } q[] = {{"emp_code", code, sizeof(code), &f.emp_code},
             {"emp_code_icontains", codec, sizeof(codec), &f.emp_code_contains},
             {"first_name", fn, sizeof(fn), &f.first_name},
             {"first_name_icontains", fnc, sizeof(fnc), &f.first_name_contains},
             {"last_name", ln, sizeof(ln), &f.last_name},
             {"last_name_icontains", lnc, sizeof(lnc), &f.last_name_contains}};
    for (size_t i = 0; i < NELEM(q); i++) {
        if ((rc = zapi_bt_query(r, q[i].name, q[i].buf, q[i].size)) > 0)
            *q[i].slot = q[i].buf;
        empty |= rc < 0;
    }
    f.department = query_id(r, "department", &empty);
    if (!f.department)
        f.department = query_id(r, "departments", &empty);
    f.area = query_id(r, "areas", &empty);
    if (!f.area)
        f.area = query_id(r, "area", &empty);
    if (zapi_bt_query(r, "ordering", ordering, sizeof(ordering)) > 0) {
        static const struct {
            const char *name;
            int by;
        } ord[] = {{"id", ZS_ORDER_ID},
                   {"emp_code", ZS_ORDER_CODE},
                   {"first_name", ZS_ORDER_NAME},
                   {"last_name", ZS_ORDER_LAST_NAME},
                   {"hire_date", ZS_ORDER_HIRE_DATE},
                   {"update_time", ZS_ORDER_UPDATED}};
        char *save = NULL;
        int found = 0;
        for (char *t = strtok_r(ordering, ",", &save); t && !found;
             t = strtok_r(NULL, ",", &save)) {
            int desc = t[0] == '-';
            for (size_t i = 0; i < NELEM(ord) && !found; i++)
                if (strcmp(t + desc, ord[i].name) == 0) {
                    f.order = ord[i].by | (desc ? ZS_ORDER_DESC : 0);
                    found = 1;
                }
        }
    }
    if (empty)
        return zapi_bt_list_reply(r, &pg, 0, json_array());
    f.offset = pg.offset;
    f.limit = pg.page_size;
    zs_employee *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    rc = zs_employee_list(r->app->store, &f, &rows, &n, &total);
    if (rc != 0)
        return zapi_bt_store_fail(r, rc);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, employee_json(&rows[i]));
    free(rows);
    return zapi_bt_list_reply(r, &pg, total, items);
}

static int reply_employee(zreq *r, int status, int64_t id)
{
    zs_employee *e = calloc(1, sizeof(*e));
    if (!e)
        return zapi_bt_fail(r, 503, "Out of memory.", NULL);
    int rc = zs_employee_get(r->app->store, id, e);
    int st = rc == 0 ? zapi_reply(r, status, employee_json(e)) : zapi_bt_store_fail(r, rc);
    free(e);
    return st;
}

int zapi_bt_employees_get(zreq *r)
{
    int64_t id;
    int st = zapi_bt_path_id(r, &id);
    return st ? st : reply_employee(r, 200, id);
}

/* ---- writes -------------------------------------------------------------------------------- */

static void field_err(json_t *errs, const char *k, const char *msg)
{
    if (!json_object_get(errs, k))
        json_object_set_new(errs, k, json_pack("[s]", msg));
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strspn(s, "0123456789-") != 10)
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* An integer member: an integer or a decimal string. 1 with *out, 0 null/"", -1 otherwise. */
static int int_member(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t l = strlen(s), k = s[0] == '-';
        if (l == 0)
            return 0;
        if (l - k == 0 || l - k > 9 || strspn(s + k, "0123456789") != l - k)
            return -1;
        *out = strtoll(s, NULL, 10);
        return 1;
    }
    return json_is_null(v) ? 0 : -1;
}

/* A boolean member: JSON true/false, 0/1, or the strings DRF's BooleanField takes. */
static int bool_member(const json_t *v, int *out)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 1;
    }
    if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
        *out = (int)json_integer_value(v);
        return 1;
    }
    if (json_is_string(v)) {
        static const char *const t[] = {"true", "True", "1", "on", "yes"}, *const f[] = {
                                                                               "false", "False",
                                                                               "0", "off", "no"};
        for (size_t i = 0; i < NELEM(t); i++) {
            if (strcmp(json_string_value(v), t[i]) == 0)
                return (*out = 1);
            if (strcmp(json_string_value(v), f[i]) == 0) {
                *out = 0;
                return 1;
            }
        }
    }
    return -1;
}

static const char *type_name(const json_t *v)
{
    return json_is_object(v)    ? "dict"
           : json_is_array(v)   ? "list"
           : json_is_string(v)  ? "str"
           : json_is_integer(v) ? "int"
           : json_is_real(v)    ? "float"
           : json_is_boolean(v) ? "bool"
                                : "NoneType";
}

/* A text member into a fixed field (max characters). */
static void text_member(json_t *errs, const json_t *j, const char *k, char *out, size_t size,
                        size_t max)
{
    const json_t *v = json_object_get(j, k);
    char err[96];
    if (v && zapi_bt_text(v, out, size, max, err, sizeof(err)) != 0)
        field_err(errs, k, err);
}

/* The area list: a JSON array of pks, a comma-separated string ("1,2", SUP), or one pk. */
static void read_areas(json_t *errs, const json_t *v, zs_employee *e)
{
    int64_t ids[ZS_EMP_AREAS_MAX];
    size_t n = 0;
    char m[96];
    if (json_is_array(v)) {
        size_t i;
        const json_t *it;
        json_array_foreach(v, i, it)
        {
            int64_t id = 0;
            int k = zapi_bt_pk(it, &id);
            if (k == -2) {
                snprintf(m, sizeof(m), "Incorrect type. Expected pk value, received %s.",
                         type_name(it));
                {
                    field_err(errs, "area", m);
                    return;
                }
            }
            if (k != 1) {
                field_err(errs, "area", "Invalid pk - object does not exist.");
                return;
            }
            if (n == ZS_EMP_AREAS_MAX) {
                snprintf(m, sizeof(m), "Ensure this field has no more than %d elements.",
                         ZS_EMP_AREAS_MAX);
                {
                    field_err(errs, "area", m);
                    return;
                }
            }
            ids[n++] = id;
        }
    } else if (json_is_string(v) && strchr(json_string_value(v), ',')) {
        const char *s = json_string_value(v);
        while (*s) {
            size_t l = strcspn(s, ",");
            char one[24];
            if (l == 0 || l >= sizeof(one) || n == ZS_EMP_AREAS_MAX) {
                field_err(errs, "area", "Invalid pk - object does not exist.");
                return;
            }
            memcpy(one, s, l);
            one[l] = '\0';
            json_t *tmp = json_string(one);
            int64_t id = 0;
            int k = zapi_bt_pk(tmp, &id);
            json_decref(tmp);
            if (k != 1) {
                field_err(errs, "area", "Invalid pk - object does not exist.");
                return;
            }
            ids[n++] = id;
            s += l + (s[l] == ',');
        }
    } else {
        int64_t id = 0;
        int k = zapi_bt_pk(v, &id);
        if (k == -2) {
            snprintf(m, sizeof(m), "Expected a list of items but got type \"%s\".", type_name(v));
            {
                field_err(errs, "area", m);
                return;
            }
        }
        if (k < 0) {
            field_err(errs, "area", "Invalid pk - object does not exist.");
            return;
        }
        if (k == 1)
            ids[n++] = id;
    }
    memset(e->areas, 0, sizeof(e->areas));
    e->nareas = 0;
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t k = 0; k < e->nareas; k++)
            dup |= e->areas[k].id == ids[i];
        if (!dup)
            e->areas[e->nareas++].id = ids[i];
    }
}

/* Merge the body's members into *e (a stored employee, or the defaults on create). 0, or the
 * status of the 400 sent with every field error. */
static int read_employee(zreq *r, const json_t *j, zs_employee *e, int create)
{
    json_t *errs = json_object();
    const json_t *v;
    char m[128];
    /* emp_code: a terminal PIN (push.h): 1..24 printable ASCII characters, no space */
    if ((v = json_object_get(j, "emp_code"))) {
        char code[64], err[96];
        if (zapi_bt_text(v, code, sizeof(code), 24, err, sizeof(err)) != 0)
            field_err(errs, "emp_code", err);
        else if (!code[0])
            field_err(errs, "emp_code", "This field may not be blank.");
        else if (strspn(code, "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
                              "`abcdefghijklmnopqrstuvwxyz{|}~") != strlen(code))
            field_err(errs, "emp_code", "Enter a valid emp code: printable ASCII, no space.");
        else if (!create && strcmp(code, e->emp_code) != 0)
            field_err(errs, "emp_code", "The emp code of an employee cannot be changed.");
        else
            snprintf(e->emp_code, sizeof(e->emp_code), "%.24s", code);
    } else if (create) {
        field_err(errs, "emp_code", "This field is required.");
    }
    if ((v = json_object_get(j, "department"))) {
        int64_t id = 0;
        int k = zapi_bt_pk(v, &id);
        if (k == 1) {
            e->department.id = id;
        } else if (k == -2) {
            snprintf(m, sizeof(m), "Incorrect type. Expected pk value, received %s.", type_name(v));
            field_err(errs, "department", m);
        } else {
            field_err(errs, "department",
                      k == 0 ? "This field may not be null."
                             : "Invalid pk - object does not "
                               "exist.");
        }
    } else if (create) {
        field_err(errs, "department", "This field is required.");
    }
    if ((v = json_object_get(j, "area")) || (v = json_object_get(j, "areas")))
        read_areas(errs, v, e);
    else if (create)
        field_err(errs, "area", "This field is required.");
    if ((v = json_object_get(j, "position"))) {
        int64_t id = 0;
        int k = zapi_bt_pk(v, &id);
        if (k >= 0)
            e->position.id = k == 1 ? id : 0;
        else
            field_err(errs, "position",
                      k == -2 ? "Incorrect type. Expected pk value."
                              : "Invalid pk - object does "
                                "not exist.");
    }
    text_member(errs, j, "first_name", e->first_name, sizeof(e->first_name), 100);
    text_member(errs, j, "last_name", e->last_name, sizeof(e->last_name), 100);
    text_member(errs, j, "nickname", e->nickname, sizeof(e->nickname), 100);
    text_member(errs, j, "device_password", e->device_password, sizeof(e->device_password), 20);
    text_member(errs, j, "card_no", e->card_no, sizeof(e->card_no), 20);
    text_member(errs, j, "mobile", e->mobile, sizeof(e->mobile), 32);
    text_member(errs, j, "email", e->email, sizeof(e->email), 254);
    if (e->email[0] && (!strchr(e->email, '@') || strchr(e->email, ' ')))
        field_err(errs, "email", "Enter a valid email address.");
    static const char *const dates[] = {"hire_date", "birthday"};
    char *dout[] = {e->hire_date, e->birthday};
    for (size_t i = 0; i < 2; i++) {
        if (!(v = json_object_get(j, dates[i])))
            continue;
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (json_is_null(v) || (s && !*s))
            dout[i][0] = '\0';
        else if (s && valid_date(s))
            snprintf(dout[i], 11, "%s", s);
        else
            field_err(errs, dates[i],
                      "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
    }
    if ((v = json_object_get(j, "gender"))) {
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (json_is_null(v) || (s && (!*s || !strcmp(s, "M") || !strcmp(s, "F"))))
            snprintf(e->gender, sizeof(e->gender), "%s", s ? s : "");
        else {
            snprintf(m, sizeof(m), "\"%.40s\" is not a valid choice.", s ? s : type_name(v));
            field_err(errs, "gender", m);
        }
    }
    int64_t iv = 0;
    if ((v = json_object_get(j, "emp_type"))) {
        int k = int_member(v, &iv);
        if (k < 0 || (k == 1 && (iv < 0 || iv > 1000000)))
            field_err(errs, "emp_type", "A valid integer is required.");
        else
            e->emp_type = k == 1 ? (int)iv : 0;
    }
    if ((v = json_object_get(j, "dev_privilege"))) {
        int k = int_member(v, &iv);
        if (k == 1 && (iv == 0 || iv == 2 || iv == 6 || iv == 14))
            e->privilege = (int)iv;
        else if (k == 0)
            e->privilege = 0;
        else {
            snprintf(m, sizeof(m), "\"%lld\" is not a valid choice.", (long long)iv);
            field_err(errs, "dev_privilege", k < 0 ? "A valid integer is required." : m);
        }
    }
    /* the other BioTime fields, in employees.extra */
    json_t *x = e->extra[0] ? json_loads(e->extra, 0, NULL) : NULL;
    if (!json_is_object(x)) {
        json_decref(x);
        x = json_object();
    }
    for (size_t i = 0; i < NELEM(EXTRA_STR); i++) {
        if (!(v = json_object_get(j, EXTRA_STR[i])))
            continue;
        char buf[260], err[96];
        if (zapi_bt_text(v, buf, sizeof(buf), 200, err, sizeof(err)) != 0)
            field_err(errs, EXTRA_STR[i], err);
        else
            json_object_set_new(x, EXTRA_STR[i], json_string(buf));
    }
    for (size_t i = 0; i < NELEM(EXTRA_INT); i++) {
        if (!(v = json_object_get(j, EXTRA_INT[i])))
            continue;
        int k = int_member(v, &iv);
        if (k < 0 || (k == 1 && (iv < -1 || iv > 1000000)))
            field_err(errs, EXTRA_INT[i], "A valid integer is required.");
        else if (k == 1)
            json_object_set_new(x, EXTRA_INT[i], json_integer(iv));
        else
            json_object_del(x, EXTRA_INT[i]);
    }
    /* 8.x's top-level flags, or 9.x's attemployee object */
    const json_t *att = json_object_get(j, "attemployee");
    static const char *const att_names[] = {"enable_attendance", "enable_overtime",
                                            "enable_holiday"};
    for (size_t i = 0; i < NELEM(EXTRA_BOOL); i++) {
        v = json_object_get(j, EXTRA_BOOL[i]);
        if (!v && json_is_object(att))
            v = json_object_get(att, att_names[i]);
        if (!v)
            continue;
        int b = 0;
        if (bool_member(v, &b) != 1)
            field_err(errs, EXTRA_BOOL[i], "Must be a valid boolean.");
        else
            json_object_set_new(x, EXTRA_BOOL[i], json_boolean(b));
    }
    char *xs = json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(x);
    if (!xs || strlen(xs) >= sizeof(e->extra))
        field_err(errs, "non_field_errors", "The other fields are too long together.");
    else
        snprintf(e->extra, sizeof(e->extra), "%s", xs);
    free(xs);
    if (json_object_size(errs) > 0)
        return zapi_reply(r, 400, errs);
    json_decref(errs);
    return 0;
}

/* Jobs for the 4370 terminals of the groups concerned: the group's users to each terminal of a
 * group the employee is in, the user off each terminal of a group it left. Best effort: a failure
 * is logged (the terminal gets the user at its next user.to_device). */
static void fleet_jobs(zreq *r, const zs_emp_change *chg)
{
    zjobs *q = r->app->fleet ? zfleet_jobs(r->app->fleet) : NULL;
    if (!q || (chg->nnow == 0 && chg->nleft == 0))
        return;
    zs_fleet_device *devs = NULL;
    size_t n = 0;
    if (zs_fleet_list_4370(r->app->store, &devs, &n) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const zs_fleet_device *d = &devs[i];
        int in_now = 0, in_left = 0;
        for (size_t k = 0; k < chg->nnow; k++)
            in_now |= strcmp(chg->now[k], d->sync_group) == 0;
        for (size_t k = 0; k < chg->nleft; k++)
            in_left |= strcmp(chg->left[k], d->sync_group) == 0;
        if (!in_now && !in_left)
            continue;
        char key[96], payload[160];
        if (in_now) {
            snprintf(key, sizeof(key), "user.to_device:%lld", (long long)d->id);
            snprintf(payload, sizeof(payload), "{\"device_id\":%lld}", (long long)d->id);
        } else {
            json_t *p = json_pack("{s:I,s:s}", "device_id", (json_int_t)d->id, "user_id", chg->pin);
            char *ps = p ? json_dumps(p, JSON_COMPACT) : NULL;
            snprintf(payload, sizeof(payload), "%s", ps ? ps : "{}");
            free(ps);
            json_decref(p);
            snprintf(key, sizeof(key), "user.delete:%lld:%s", (long long)d->id, chg->pin);
        }
        zjob_new jn = {.queue = "user-sync",
                       .kind = in_now ? "user.to_device" : "user.delete",
                       .device_id = d->id,
                       .priority = 5,
                       .payload = payload,
                       .unique_key = key,
                       .created_by = r->who.name};
        int64_t jid = 0;
        int existing = 0;
        if (zjobs_enqueue(q, &jn, &jid, &existing) != 0)
            zlog_warn("biotime: employee %s: no %s job for terminal %lld", chg->pin, jn.kind,
                      (long long)d->id);
    }
    free(devs);
}

static void audit(zreq *r, const char *action, const char *pin, const char *outcome)
{
    char ip[48];
    zc_client_ip(r->c, ip, sizeof(ip));
    zs_audit_begin(r->app->store, r->who.name, r->who.account_id, ip, action, pin, 0, outcome, NULL,
                   NULL);
}

static int save(zreq *r, zs_employee *e, int create)
{
    int64_t id = 0;
    char why[96];
    zs_emp_change *chg = calloc(1, sizeof(*chg));
    if (!chg)
        return zapi_bt_fail(r, 503, "Out of memory.", NULL);
    int rc = zs_employee_save(r->app->store, e, create, &id, chg, why, sizeof(why));
    int st;
    if (rc == ZKBIO_EEXIST) {
        st = zapi_bt_field_error(r, "emp_code", "employee with this emp code already exists.");
    } else if (rc == ZKBIO_EINVAL && strchr(why, ':')) {
        char field[32], m[96];
        const char *c = strchr(why, ':');
        snprintf(field, sizeof(field), "%.*s", (int)(c - why), why);
        if (strcmp(c + 1, "readonly") == 0)
            snprintf(m, sizeof(m), "The emp code of an employee cannot be changed.");
        else
            snprintf(m, sizeof(m), "Invalid pk \"%s\" - object does not exist.", c + 1);
        st = zapi_bt_field_error(r, field, m);
    } else if (rc != 0) {
        st = zapi_bt_store_fail(r, rc);
    } else {
        audit(r, create ? "employee.create" : "employee.update", e->emp_code, "ok");
        fleet_jobs(r, chg);
        st = reply_employee(r, create ? 201 : 200, id);
    }
    free(chg);
    return st;
}

int zapi_bt_employees_create(zreq *r)
{
    json_t *j = NULL;
    int st = zapi_bt_body(r, &j);
    if (st)
        return st;
    zs_employee *e = calloc(1, sizeof(*e));
    if (!e) {
        json_decref(j);
        return zapi_bt_fail(r, 503, "Out of memory.", NULL);
    }
    e->department.id = 1;
    st = read_employee(r, j, e, 1);
    json_decref(j);
    if (!st)
        st = save(r, e, 1);
    free(e);
    return st;
}

int zapi_bt_employees_update(zreq *r)
{
    int64_t id;
    int st = zapi_bt_path_id(r, &id);
    if (st)
        return st;
    zs_employee *e = calloc(1, sizeof(*e));
    if (!e)
        return zapi_bt_fail(r, 503, "Out of memory.", NULL);
    int rc = zs_employee_get(r->app->store, id, e);
    json_t *j = NULL;
    if (rc != 0)
        st = zapi_bt_store_fail(r, rc);
    else if ((st = zapi_bt_body(r, &j)) == 0) {
        /* PUT is as tolerant as PATCH: members not sent keep their values */
        st = read_employee(r, j, e, 0);
        if (!st)
            st = save(r, e, 0);
    }
    json_decref(j);
    free(e);
    return st;
}

int zapi_bt_employees_delete(zreq *r)
{
    int64_t id;
    int st = zapi_bt_path_id(r, &id);
    if (st)
        return st;
    zs_emp_change *chg = calloc(1, sizeof(*chg));
    if (!chg)
        return zapi_bt_fail(r, 503, "Out of memory.", NULL);
    int rc = zs_employee_delete(r->app->store, id, chg);
    if (rc == 0) {
        audit(r, "employee.delete", chg->pin, "ok");
        /* every group it was in is one it left */
        fleet_jobs(r, chg);
        st = zapi_reply(r, 204, NULL);
    } else {
        st = zapi_bt_store_fail(r, rc);
    }
    free(chg);
    return st;
}

/* ---- bulk actions (integrations.md §1.4: SUP sends comma strings, ATIAM arrays; both taken) -- */

/* The ids of member k: an array of pks, a comma-separated string, or one pk. 1..max ids into
 * ids (*n), else a field error in errs. */
static void id_list(json_t *errs, const json_t *j, const char *k, int64_t *ids, size_t max,
                    size_t *n)
{
    zs_employee tmp; /* read_areas parses exactly this shape */
    json_t *sub = json_object();
    const json_t *v = json_object_get(j, k);
    *n = 0;
    if (!v) {
        field_err(errs, k, "This field is required.");
        json_decref(sub);
        return;
    }
    memset(&tmp, 0, sizeof(tmp));
    read_areas(sub, v, &tmp);
    if (json_object_size(sub) > 0) {
        json_t *m = json_object_get(sub, "area");
        const char *msg = json_string_value(json_array_get(m, 0));
        field_err(errs, k, msg ? msg : "Invalid pk - object does not exist.");
    } else if (tmp.nareas == 0) {
        field_err(errs, k, "This list may not be empty.");
    } else {
        for (size_t i = 0; i < tmp.nareas && i < max; i++)
            ids[(*n)++] = tmp.areas[i].id;
    }
    json_decref(sub);
}

/* POST /personnel/api/employees/adjust_{area,department,position}/: {"employees": ids, "areas" |
 * "department" | "position": id(s)}; each employee is saved (and synced) as by PATCH. At most
 * ZS_EMP_AREAS_MAX employees per call. */
static int adjust(zreq *r, const char *what)
{
    json_t *j = NULL;
    int st = zapi_bt_body(r, &j);
    if (st)
        return st;
    json_t *errs = json_object();
    int64_t emps[ZS_EMP_AREAS_MAX], vals[ZS_EMP_AREAS_MAX];
    size_t ne = 0, nv = 0;
    id_list(errs, j, "employees", emps, ZS_EMP_AREAS_MAX, &ne);
    const char *key = !strcmp(what, "area") ? "areas" : what;
    id_list(errs, j, key, vals, ZS_EMP_AREAS_MAX, &nv);
    json_decref(j);
    if (json_object_size(errs) > 0)
        return zapi_reply(r, 400, errs);
    json_decref(errs);
    zs_employee *e = calloc(1, sizeof(*e));
    if (!e)
        return zapi_bt_fail(r, 503, "Out of memory.", NULL);
    st = 0;
    for (size_t i = 0; i < ne && !st; i++) {
        int rc = zs_employee_get(r->app->store, emps[i], e);
        if (rc == ZKBIO_ENOENT) {
            char m[96];
            snprintf(m, sizeof(m), "Invalid pk \"%lld\" - object does not exist.",
                     (long long)emps[i]);
            st = zapi_bt_field_error(r, "employees", m);
            break;
        }
        if (rc != 0) {
            st = zapi_bt_store_fail(r, rc);
            break;
        }
        if (!strcmp(what, "area")) {
            memset(e->areas, 0, sizeof(e->areas));
            e->nareas = nv;
            for (size_t k = 0; k < nv; k++)
                e->areas[k].id = vals[k];
        } else if (!strcmp(what, "department")) {
            e->department.id = vals[0];
        } else {
            e->position.id = vals[0];
        }
        int64_t id = 0;
        char why[96];
        zs_emp_change *chg = calloc(1, sizeof(*chg));
        if (!chg) {
            st = zapi_bt_fail(r, 503, "Out of memory.", NULL);
            break;
        }
        rc = zs_employee_save(r->app->store, e, 0, &id, chg, why, sizeof(why));
        if (rc == ZKBIO_EINVAL && strchr(why, ':')) {
            char m[96];
            snprintf(m, sizeof(m), "Invalid pk \"%s\" - object does not exist.",
                     strchr(why, ':') + 1);
            st = zapi_bt_field_error(r, key, m);
        } else if (rc != 0) {
            st = zapi_bt_store_fail(r, rc);
        } else {
            audit(r, "employee.update", e->emp_code, "ok");
            fleet_jobs(r, chg);
        }
        free(chg);
    }
    free(e);
    if (st)
        return st;
    return zapi_reply(r, 200,
                      json_pack("{s:i,s:s,s:I}", "code", 0, "msg", "", "count", (json_int_t)ne));
}

int zapi_bt_employees_adjust_area(zreq *r)
{
    return adjust(r, "area");
}

int zapi_bt_employees_adjust_department(zreq *r)
{
    return adjust(r, "department");
}

int zapi_bt_employees_adjust_position(zreq *r)
{
    return adjust(r, "position");
}
