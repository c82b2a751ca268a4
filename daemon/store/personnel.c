/* SPDX-License-Identifier: Apache-2.0 */
/* Departments, positions, areas and employees of the BioTime-compatible API (store_personnel.h);
 * an employee's terminal commands are queued in the transaction that writes it (sync.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

/* One of three SQL texts by kind (each a literal: the statement cache is keyed by address). */
#define K3(kind, d, p, a)                                                                          \
    ((kind) == ZS_ORG_DEPARTMENT ? (d) : (kind) == ZS_ORG_POSITION ? (p) : (a))

static const char *const org_table[] = {"departments", "positions", "areas"};
static const char *const org_code[] = {"dept_code", "position_code", "area_code"};
static const char *const org_name[] = {"dept_name", "position_name", "area_name"};

static void copy_text(zdb_stmt *q, int col, char *out, size_t size)
{
    snprintf(out, size, "%s", zdb_col_text(q, col));
}

static void unit_row(zdb_stmt *q, int col, zs_org_unit *u)
{
    u->id = zdb_col_int64(q, col);
    copy_text(q, col + 1, u->code, sizeof(u->code));
    copy_text(q, col + 2, u->name, sizeof(u->name));
    u->parent_id = zdb_col_int64(q, col + 3);
}

/* A LIKE pattern for a case-insensitive substring (ASCII lower-cased; '!' escapes). */
static void like_pattern(const char *v, char *out, size_t size)
{
    size_t o = 0;
    if (size < 3)
        return;
    out[o++] = '%';
    for (const char *p = v; *p && o + 3 < size; p++) {
        if (*p == '%' || *p == '_' || *p == '!')
            out[o++] = '!';
        out[o++] = (char)tolower((unsigned char)*p);
    }
    out[o++] = '%';
    out[o] = '\0';
}

static int set(const char *s)
{
    return s && *s;
}

/* ---- areas = sync groups ------------------------------------------------------------------- */

static int areas_ensure_db(zdb *db)
{
    /* a read first: the insert (which locks the devices it reads on MariaDB) only when needed */
    int64_t missing = 0;
    int rc = zdb_query_int64(db,
                             "SELECT 1 FROM devices d WHERE d.sync_group <> '' AND NOT EXISTS "
                             "(SELECT 1 FROM areas a WHERE a.area_code = d.sync_group) LIMIT 1",
                             &missing, NULL);
    if (rc == ZKBIO_ENOENT || (rc == 0 && !missing))
        return 0;
    if (rc != 0)
        return rc;
    int64_t now = zs_now();
    return zdb_run(db,
                   ZS_SQL(db,
                          "INSERT OR IGNORE INTO areas (area_code, area_name, created_at, "
                          "updated_at) SELECT DISTINCT d.sync_group, d.sync_group, ?, ? FROM "
                          "devices d WHERE d.sync_group <> '' AND NOT EXISTS (SELECT 1 FROM areas "
                          "a WHERE a.area_code = d.sync_group)",
                          "INSERT IGNORE INTO areas (area_code, area_name, created_at, "
                          "updated_at) SELECT DISTINCT d.sync_group, d.sync_group, ?, ? FROM "
                          "devices d WHERE d.sync_group <> '' AND NOT EXISTS (SELECT 1 FROM areas "
                          "a WHERE a.area_code = d.sync_group)"),
                   "ll", now, now);
}

int zs_areas_ensure(zs_store *st)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return areas_ensure_db(db);
}

/* ---- org units ----------------------------------------------------------------------------- */

int zs_org_list(zs_store *st, zs_org_kind kind, const zs_org_filter *f, zs_org_unit **rows,
                size_t *n, int64_t *total)
{
    *rows = NULL;
    *n = 0;
    *total = 0;
    if ((unsigned)kind > ZS_ORG_AREA || f->limit < 1 || f->limit > 100000 || f->offset < 0)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = kind == ZS_ORG_AREA ? areas_ensure_db(db) : 0;
    if (rc != 0)
        return rc;
    const char *t = org_table[kind], *c = org_code[kind], *nm = org_name[kind];
    char where[512] = "", pc[260], pn[260];
    size_t w = 0;
    if (set(f->code))
        w += (size_t)snprintf(where + w, sizeof(where) - w, " AND %s = ?", c);
    if (set(f->name))
        w += (size_t)snprintf(where + w, sizeof(where) - w, " AND %s = ?", nm);
    if (set(f->code_contains))
        w += (size_t)snprintf(where + w, sizeof(where) - w, " AND LOWER(%s) LIKE ? ESCAPE '!'", c);
    if (set(f->name_contains))
        w += (size_t)snprintf(where + w, sizeof(where) - w, " AND LOWER(%s) LIKE ? ESCAPE '!'", nm);
    int desc = (f->order & ZS_ORDER_DESC) != 0, by = f->order & ~ZS_ORDER_DESC;
    const char *ocol = by == ZS_ORDER_CODE ? c : by == ZS_ORDER_NAME ? nm : "id";
    char sql[1024], csql[768];
    snprintf(csql, sizeof(csql), "SELECT COUNT(*) FROM %s WHERE 1 = 1%s", t, where);
    snprintf(sql, sizeof(sql),
             "SELECT id, %s, %s, parent_id FROM %s WHERE 1 = 1%s ORDER BY %s %s, id %s LIMIT ? "
             "OFFSET ?",
             c, nm, t, where, ocol, desc ? "DESC" : "ASC", desc ? "DESC" : "ASC");
    zdb_stmt *q;
    for (int pass = 0; pass < 2; pass++) {
        rc = zdb_prepare(db, pass == 0 ? csql : sql, &q);
        if (rc != 0)
            return rc;
        int i = 1;
        if (set(f->code))
            zdb_bind_text(q, i++, f->code, -1);
        if (set(f->name))
            zdb_bind_text(q, i++, f->name, -1);
        if (set(f->code_contains)) {
            like_pattern(f->code_contains, pc, sizeof(pc));
            zdb_bind_text(q, i++, pc, -1);
        }
        if (set(f->name_contains)) {
            like_pattern(f->name_contains, pn, sizeof(pn));
            zdb_bind_text(q, i++, pn, -1);
        }
        if (pass == 0) {
            rc = zdb_step(q);
            if (rc == ZDB_ROW)
                *total = zdb_col_int64(q, 0);
            zdb_reset(q);
            if (rc < 0)
                return rc;
            continue;
        }
        zdb_bind_int64(q, i++, f->limit);
        zdb_bind_int64(q, i++, f->offset);
        size_t cap = 0;
        while ((rc = zdb_step(q)) == ZDB_ROW) {
            if (zs_grow(rows, &cap, *n, sizeof(**rows)) != 0) {
                rc = ZKBIO_ENOMEM;
                break;
            }
            unit_row(q, 0, &(*rows)[(*n)++]);
        }
        zdb_reset(q);
    }
    if (rc < 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

static int org_get_db(zdb *db, zs_org_kind kind, int64_t id, zs_org_unit *out)
{
    memset(out, 0, sizeof(*out));
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        K3(kind, "SELECT id, dept_code, dept_name, parent_id FROM departments WHERE id = ?",
           "SELECT id, position_code, position_name, parent_id FROM positions WHERE id = ?",
           "SELECT id, area_code, area_name, parent_id FROM areas WHERE id = ?"),
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    if (rc == ZDB_ROW)
        unit_row(q, 0, out);
    zdb_reset(q);
    return rc == ZDB_ROW ? 0 : rc < 0 ? rc : ZKBIO_ENOENT;
}

int zs_org_get(zs_store *st, zs_org_kind kind, int64_t id, zs_org_unit *out)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = kind == ZS_ORG_AREA ? areas_ensure_db(db) : 0;
    return rc ? rc : org_get_db(db, kind, id, out);
}

static int unit_ok(const zs_org_unit *in)
{
    return in->code[0] && in->name[0] && in->parent_id >= 0;
}

int zs_org_create(zs_store *st, zs_org_kind kind, const zs_org_unit *in, int64_t *id)
{
    if (id)
        *id = 0;
    if ((unsigned)kind > ZS_ORG_AREA || !unit_ok(in))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zs_org_unit parent;
    int rc;
    if (in->parent_id > 0 && (rc = org_get_db(db, kind, in->parent_id, &parent)) != 0)
        return rc == ZKBIO_ENOENT ? ZKBIO_EINVAL : rc;
    int64_t now = zs_now();
    rc = zdb_run(db,
                 K3(kind,
                    "INSERT INTO departments (dept_code, dept_name, parent_id, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?)",
                    "INSERT INTO positions (position_code, position_name, parent_id, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?)",
                    "INSERT INTO areas (area_code, area_name, parent_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)"),
                 "sslll", in->code, in->name, in->parent_id, now, now);
    if (rc == 0 && id)
        *id = zdb_last_insert_id(db);
    return rc;
}

static int org_update_tx(zs_store *st, zs_org_kind kind, const zs_org_unit *in)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    zs_org_unit old, parent;
    rc = org_get_db(db, kind, in->id, &old);
    if (rc == 0 && in->parent_id > 0 &&
        (in->parent_id == in->id || org_get_db(db, kind, in->parent_id, &parent) != 0))
        rc = ZKBIO_EINVAL;
    if (rc == 0)
        rc = zdb_run(db,
                     K3(kind,
                        "UPDATE departments SET dept_code = ?, dept_name = ?, parent_id = ?, "
                        "updated_at = ? WHERE id = ?",
                        "UPDATE positions SET position_code = ?, position_name = ?, parent_id = "
                        "?, updated_at = ? WHERE id = ?",
                        "UPDATE areas SET area_code = ?, area_name = ?, parent_id = ?, "
                        "updated_at = ? WHERE id = ?"),
                     "sslll", in->code, in->name, in->parent_id, zs_now(), in->id);
    if (rc == 0 && kind == ZS_ORG_AREA && strcmp(old.code, in->code) != 0) {
        /* the area is the group: rename it where it is used */
        rc = zdb_run(db, "UPDATE devices SET sync_group = ? WHERE sync_group = ?", "ss", in->code,
                     old.code);
        if (rc == 0)
            rc = zdb_run(db, "UPDATE users SET sync_group = ? WHERE sync_group = ?", "ss", in->code,
                         old.code);
        /* forwarding targets filtered by the group follow it (a target naming both keeps one) */
        if (rc == 0)
            rc = zdb_run(db,
                         ZS_SQL(db,
                                "UPDATE OR IGNORE forwarder_filters SET value = ? WHERE kind = "
                                "'group' AND value = ?",
                                "UPDATE IGNORE forwarder_filters SET value = ? WHERE kind = "
                                "'group' AND value = ?"),
                         "ss", in->code, old.code);
        if (rc == 0)
            rc = zdb_run(db, "DELETE FROM forwarder_filters WHERE kind = 'group' AND value = ?",
                         "s", old.code);
    }
    if (rc == 0)
        rc = zdb_commit(db);
    return zs_fail(db, rc);
}

int zs_org_update(zs_store *st, zs_org_kind kind, const zs_org_unit *in)
{
    if ((unsigned)kind > ZS_ORG_AREA || !unit_ok(in))
        return ZKBIO_EINVAL;
    int rc;
    ZS_RETRY(st, rc, org_update_tx(st, kind, in));
    return rc;
}

static int org_delete_tx(zs_store *st, zs_org_kind kind, int64_t id, char *why, size_t whysz)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    zs_org_unit u;
    rc = org_get_db(db, kind, id, &u);
    int64_t used = 0, devs = 0;
    if (rc == 0 && kind == ZS_ORG_DEPARTMENT) {
        /* department 1 also holds the users without an employees row */
        rc = zdb_query_int64(db,
                             "SELECT (SELECT COUNT(*) FROM employees WHERE department_id = ?) + "
                             "CASE WHEN ? = 1 THEN (SELECT COUNT(*) FROM users u WHERE NOT EXISTS "
                             "(SELECT 1 FROM employees e WHERE e.pin = u.pin)) ELSE 0 END",
                             &used, "ll", id, id);
        if (rc == 0 && used > 0) {
            snprintf(why, whysz, "%lld employee%s in this department", (long long)used,
                     used == 1 ? " is" : "s are");
            rc = ZKBIO_EBUSY;
        }
    } else if (rc == 0 && kind == ZS_ORG_AREA) {
        rc = zdb_query_int64(db, "SELECT COUNT(*) FROM devices WHERE sync_group = ?", &devs, "s",
                             u.code);
        if (rc == 0)
            rc = zdb_query_int64(db,
                                 "SELECT (SELECT COUNT(*) FROM employee_areas WHERE area_id = ?) "
                                 "+ (SELECT COUNT(*) FROM users u WHERE u.sync_group = ? AND NOT "
                                 "EXISTS (SELECT 1 FROM employees e WHERE e.pin = u.pin))",
                                 &used, "ls", id, u.code);
        if (rc == 0 && (devs > 0 || used > 0)) {
            if (devs > 0)
                snprintf(why, whysz, "%lld terminal%s in this area", (long long)devs,
                         devs == 1 ? " is" : "s are");
            else
                snprintf(why, whysz, "%lld employee%s in this area", (long long)used,
                         used == 1 ? " is" : "s are");
            rc = ZKBIO_EBUSY;
        }
    } else if (rc == 0) { /* a position: its employees lose it (DRF's SET_NULL) */
        rc = zdb_run(db, "UPDATE employees SET position_id = 0 WHERE position_id = ?", "l", id);
    }
    if (rc == 0)
        rc = zdb_run(db,
                     K3(kind, "DELETE FROM departments WHERE id = ?",
                        "DELETE FROM positions WHERE id = ?", "DELETE FROM areas WHERE id = ?"),
                     "l", id);
    if (rc == 0)
        rc = zdb_commit(db);
    return zs_fail(db, rc);
}

int zs_org_delete(zs_store *st, zs_org_kind kind, int64_t id, char *why, size_t whysz)
{
    if (whysz)
        why[0] = '\0';
    if ((unsigned)kind > ZS_ORG_AREA)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = kind == ZS_ORG_AREA ? areas_ensure_db(db) : 0;
    if (rc != 0)
        return rc;
    ZS_RETRY(st, rc, org_delete_tx(st, kind, id, why, whysz));
    return rc;
}

/* ---- employees ----------------------------------------------------------------------------- */

#define EMP_COLS                                                                                   \
    "u.id, u.pin, u.name, u.password, u.card, u.privilege, u.sync_group, u.updated_at, e.pin, "    \
    "e.first_name, e.last_name, e.nickname, e.hire_date, e.birthday, e.gender, e.emp_type, "       \
    "e.email, e.mobile, e.extra, e.updated_at, d.id, d.dept_code, d.dept_name, d.parent_id, "      \
    "p.id, p.position_code, p.position_name, p.parent_id"
#define EMP_FROM                                                                                   \
    " FROM users u LEFT JOIN employees e ON e.pin = u.pin LEFT JOIN departments d ON d.id = "      \
    "COALESCE(e.department_id, 1) LEFT JOIN positions p ON p.id = e.position_id AND "              \
    "e.position_id <> 0"

/* The row's columns into *e, and the user's sync_group into group (for its area when it has no
 * employees row: has_row = 0). */
static void emp_row(zdb_stmt *q, zs_employee *e, char group[65], int *has_row)
{
    memset(e, 0, sizeof(*e));
    e->id = zdb_col_int64(q, 0);
    copy_text(q, 1, e->emp_code, sizeof(e->emp_code));
    copy_text(q, 3, e->device_password, sizeof(e->device_password));
    copy_text(q, 4, e->card_no, sizeof(e->card_no));
    e->privilege = (int)zdb_col_int64(q, 5);
    snprintf(group, 65, "%s", zdb_col_text(q, 6));
    e->updated_at = zdb_col_int64(q, 7);
    *has_row = !zdb_col_is_null(q, 8);
    if (*has_row) {
        copy_text(q, 9, e->first_name, sizeof(e->first_name));
        copy_text(q, 10, e->last_name, sizeof(e->last_name));
        copy_text(q, 11, e->nickname, sizeof(e->nickname));
        copy_text(q, 12, e->hire_date, sizeof(e->hire_date));
        copy_text(q, 13, e->birthday, sizeof(e->birthday));
        copy_text(q, 14, e->gender, sizeof(e->gender));
        e->emp_type = (int)zdb_col_int64(q, 15);
        copy_text(q, 16, e->email, sizeof(e->email));
        copy_text(q, 17, e->mobile, sizeof(e->mobile));
        copy_text(q, 18, e->extra, sizeof(e->extra));
        if (zdb_col_int64(q, 19) > e->updated_at)
            e->updated_at = zdb_col_int64(q, 19);
    } else { /* a user learnt from a terminal */
        copy_text(q, 2, e->first_name, sizeof(e->first_name));
    }
    if (!zdb_col_is_null(q, 20))
        unit_row(q, 20, &e->department);
    if (!zdb_col_is_null(q, 24))
        unit_row(q, 24, &e->position);
}

/* One (kind, type, count, max major_ver) row of templates, from column col, into e's summaries.
 * BIODATA types (push.md): 1 fingerprint, 2 face, 8 palm, 9 visible-light face. */
static void bio_row(zdb_stmt *q, int col, zs_employee *e)
{
    const char *kind = zdb_col_text(q, col);
    int64_t type = zdb_col_int64(q, col + 1);
    zs_bio_summary *s = NULL;
    if (strcmp(kind, "FP") == 0 || (strcmp(kind, "BIODATA") == 0 && type == 1))
        s = &e->fingerprint;
    else if (strcmp(kind, "FACE") == 0 || (strcmp(kind, "BIODATA") == 0 && type == 2))
        s = &e->face;
    else if (strcmp(kind, "BIODATA") == 0 && type == 8)
        s = &e->palm;
    else if (strcmp(kind, "BIODATA") == 0 && type == 9)
        s = &e->vl_face;
    /* the legacy FINGERTMP and FACE tables carry no version: theirs are 10 and 7 (push.md §3.3,
     * FPVersion=10, FaceVersion=7 of the terminals that use them) */
    int64_t ver = zdb_col_int64(q, col + 3);
    if (ver <= 0)
        ver = strcmp(kind, "FP") == 0 ? 10 : strcmp(kind, "FACE") == 0 ? 7 : 0;
    if (s) {
        s->count += (int)zdb_col_int64(q, col + 2);
        if (ver > s->version)
            s->version = (int)ver;
    }
}

/* The areas and template summaries of e (after its row was read). */
static int emp_details(zdb *db, zs_employee *e, const char *group, int has_row)
{
    zdb_stmt *q;
    int rc;
    if (has_row) {
        rc = zdb_prepare(db,
                         "SELECT a.id, a.area_code, a.area_name, a.parent_id FROM employee_areas "
                         "ea JOIN areas a ON a.id = ea.area_id WHERE ea.pin = ? ORDER BY a.id",
                         &q);
        if (rc != 0)
            return rc;
        zdb_bind_text(q, 1, e->emp_code, -1);
    } else {
        rc = zdb_prepare(
            db, "SELECT id, area_code, area_name, parent_id FROM areas WHERE area_code = ?", &q);
        if (rc != 0)
            return rc;
        zdb_bind_text(q, 1, group, -1);
    }
    e->nareas = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW)
        if (e->nareas < ZS_EMP_AREAS_MAX)
            unit_row(q, 0, &e->areas[e->nareas++]);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    rc = zdb_prepare(db,
                     "SELECT kind, type, COUNT(*), MAX(major_ver) FROM templates WHERE pin = ? "
                     "GROUP BY kind, type",
                     &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, e->emp_code, -1);
    while ((rc = zdb_step(q)) == ZDB_ROW)
        bio_row(q, 0, e);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

/* emp_details for rows[0..n) (n <= EMP_BATCH) in three statements instead of 2n: the page of a
 * list. */
#define EMP_BATCH 50
static int emp_details_batch(zdb *db, zs_employee *rows, char (*groups)[65], const int *has,
                             size_t n)
{
    char in[EMP_BATCH * 3 + 8], sql[3][512 + EMP_BATCH * 3];
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(in + o, sizeof(in) - o, "%s?", i ? "," : "");
    snprintf(sql[0], sizeof(sql[0]),
             "SELECT ea.pin, a.id, a.area_code, a.area_name, a.parent_id FROM employee_areas ea "
             "JOIN areas a ON a.id = ea.area_id WHERE ea.pin IN (%s) ORDER BY a.id",
             in);
    snprintf(sql[1], sizeof(sql[1]),
             "SELECT area_code, id, area_code, area_name, parent_id FROM areas WHERE area_code "
             "IN (%s)",
             in);
    snprintf(sql[2], sizeof(sql[2]),
             "SELECT pin, kind, type, COUNT(*), MAX(major_ver) FROM templates WHERE pin IN (%s) "
             "GROUP BY pin, kind, type",
             in);
    for (size_t i = 0; i < n; i++)
        rows[i].nareas = 0;
    int rc = 0;
    for (int k = 0; k < 3 && rc >= 0; k++) {
        zdb_stmt *q;
        if ((rc = zdb_prepare(db, sql[k], &q)) != 0)
            return rc;
        for (size_t i = 0; i < n; i++) /* the statement's key: a PIN, or the group (no row) */
            zdb_bind_text(q, (int)i + 1, k == 1 ? groups[i] : rows[i].emp_code, -1);
        while ((rc = zdb_step(q)) == ZDB_ROW) {
            const char *key = zdb_col_text(q, 0);
            for (size_t i = 0; i < n; i++) {
                zs_employee *e = &rows[i];
                if (k == 0 && has[i] && strcmp(e->emp_code, key) == 0 &&
                    e->nareas < ZS_EMP_AREAS_MAX)
                    unit_row(q, 1, &e->areas[e->nareas++]);
                else if (k == 1 && !has[i] && strcmp(groups[i], key) == 0 && e->nareas == 0)
                    unit_row(q, 1, &e->areas[e->nareas++]);
                else if (k == 2 && strcmp(e->emp_code, key) == 0)
                    bio_row(q, 1, e);
            }
        }
        zdb_reset(q);
    }
    return rc < 0 ? rc : 0;
}

int zs_employee_list(zs_store *st, const zs_emp_filter *f, zs_employee **rows, size_t *n,
                     int64_t *total)
{
    *rows = NULL;
    *n = 0;
    *total = 0;
    if (f->limit < 1 || f->limit > 100000 || f->offset < 0)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = areas_ensure_db(db);
    if (rc != 0)
        return rc;
    char where[1024] = "";
    size_t w = 0;
#define ADD(cond, clause)                                                                          \
    if (cond)                                                                                      \
    w += (size_t)snprintf(where + w, sizeof(where) - w, "%s", clause)
    ADD(set(f->emp_code), " AND u.pin = ?");
    ADD(set(f->emp_code_contains), " AND LOWER(u.pin) LIKE ? ESCAPE '!'");
    ADD(set(f->first_name), " AND COALESCE(e.first_name, u.name) = ?");
    ADD(set(f->first_name_contains),
        " AND LOWER(COALESCE(e.first_name, u.name)) LIKE ? ESCAPE '!'");
    ADD(set(f->last_name), " AND COALESCE(e.last_name, '') = ?");
    ADD(set(f->last_name_contains), " AND LOWER(COALESCE(e.last_name, '')) LIKE ? ESCAPE '!'");
    ADD(f->department > 0, " AND COALESCE(e.department_id, 1) = ?");
    ADD(f->area > 0, " AND (EXISTS (SELECT 1 FROM employee_areas ea WHERE ea.pin = u.pin AND "
                     "ea.area_id = ?) OR (e.pin IS NULL AND u.sync_group = (SELECT area_code FROM "
                     "areas WHERE id = ?)))");
#undef ADD
    int desc = (f->order & ZS_ORDER_DESC) != 0, by = f->order & ~ZS_ORDER_DESC;
    const char *ocol = by == ZS_ORDER_CODE        ? "u.pin"
                       : by == ZS_ORDER_NAME      ? "COALESCE(e.first_name, u.name)"
                       : by == ZS_ORDER_LAST_NAME ? "COALESCE(e.last_name, '')"
                       : by == ZS_ORDER_HIRE_DATE ? "COALESCE(e.hire_date, '')"
                       : by == ZS_ORDER_UPDATED   ? "u.updated_at"
                                                  : "u.id";
    const char *dir = desc ? "DESC" : "ASC";
    char csql[1536], sql[2560];
    snprintf(csql, sizeof(csql),
             "SELECT COUNT(*) FROM users u LEFT JOIN employees e ON e.pin = "
             "u.pin WHERE 1 = 1%s",
             where);
    snprintf(sql, sizeof(sql),
             "SELECT " EMP_COLS EMP_FROM " WHERE 1 = 1%s ORDER BY %s %s, u.id %s LIMIT ? OFFSET ?",
             where, ocol, dir, dir);
    char p1[260], p2[260], p3[260];
    zdb_stmt *q;
    char(*groups)[65] = NULL;
    int *has = NULL;
    size_t cap = 0, hcap = 0, gcap = 0;
    for (int pass = 0; pass < 2; pass++) {
        rc = zdb_prepare(db, pass == 0 ? csql : sql, &q);
        if (rc != 0)
            goto out;
        int i = 1;
        if (set(f->emp_code))
            zdb_bind_text(q, i++, f->emp_code, -1);
        if (set(f->emp_code_contains)) {
            like_pattern(f->emp_code_contains, p1, sizeof(p1));
            zdb_bind_text(q, i++, p1, -1);
        }
        if (set(f->first_name))
            zdb_bind_text(q, i++, f->first_name, -1);
        if (set(f->first_name_contains)) {
            like_pattern(f->first_name_contains, p2, sizeof(p2));
            zdb_bind_text(q, i++, p2, -1);
        }
        if (set(f->last_name))
            zdb_bind_text(q, i++, f->last_name, -1);
        if (set(f->last_name_contains)) {
            like_pattern(f->last_name_contains, p3, sizeof(p3));
            zdb_bind_text(q, i++, p3, -1);
        }
        if (f->department > 0)
            zdb_bind_int64(q, i++, f->department);
        if (f->area > 0) {
            zdb_bind_int64(q, i++, f->area);
            zdb_bind_int64(q, i++, f->area);
        }
        if (pass == 0) {
            rc = zdb_step(q);
            if (rc == ZDB_ROW)
                *total = zdb_col_int64(q, 0);
            zdb_reset(q);
            if (rc < 0)
                goto out;
            continue;
        }
        zdb_bind_int64(q, i++, f->limit);
        zdb_bind_int64(q, i++, f->offset);
        while ((rc = zdb_step(q)) == ZDB_ROW) {
            if (zs_grow(rows, &cap, *n, sizeof(**rows)) != 0 ||
                zs_grow(&groups, &gcap, *n, sizeof(*groups)) != 0 ||
                zs_grow(&has, &hcap, *n, sizeof(*has)) != 0) {
                rc = ZKBIO_ENOMEM;
                break;
            }
            emp_row(q, &(*rows)[*n], groups[*n], &has[*n]);
            (*n)++;
        }
        zdb_reset(q);
    }
    /* details after the page's rows are read: other statements run on the connection */
    for (size_t k = 0; rc >= 0 && k < *n; k += EMP_BATCH)
        rc = emp_details_batch(db, *rows + k, groups + k, has + k,
                               *n - k < EMP_BATCH ? *n - k : EMP_BATCH);
out:
    free(groups);
    free(has);
    if (rc < 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

/* One employee by users.id (or, with id 0, by pin) on db. ZKBIO_ENOENT. */
static int emp_get_db(zdb *db, int64_t id, const char *pin, zs_employee *out, int *has_row,
                      char group[65])
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         id ? "SELECT " EMP_COLS EMP_FROM " WHERE u.id = ?"
                            : "SELECT " EMP_COLS EMP_FROM " WHERE u.pin = ?",
                         &q);
    if (rc != 0)
        return rc;
    if (id)
        zdb_bind_int64(q, 1, id);
    else
        zdb_bind_text(q, 1, pin, -1);
    rc = zdb_step(q);
    if (rc == ZDB_ROW)
        emp_row(q, out, group, has_row);
    zdb_reset(q);
    if (rc != ZDB_ROW)
        return rc < 0 ? rc : ZKBIO_ENOENT;
    return emp_details(db, out, group, *has_row);
}

int zs_employee_get(zs_store *st, int64_t id, zs_employee *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = areas_ensure_db(db);
    if (rc != 0)
        return rc;
    int has = 0;
    char group[65];
    return id > 0 ? emp_get_db(db, id, NULL, out, &has, group) : ZKBIO_ENOENT;
}

/* users.name: "first last", trimmed, cut to 128 bytes on a UTF-8 boundary. */
static void full_name(const zs_employee *e, char out[129])
{
    char buf[300];
    snprintf(buf, sizeof(buf), "%s %s", e->first_name, e->last_name);
    const char *s = buf;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n > 128) {
        n = 128;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

static int in_codes(char (*codes)[ZS_ORG_CODE_MAX + 1], size_t n, const char *c)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(codes[i], c) == 0)
            return 1;
    return 0;
}

static int emp_save_tx(zs_store *st, const zs_employee *in, int create, int64_t *id_out,
                       zs_emp_change *chg, char *why, size_t whysz)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    memset(chg, 0, sizeof(*chg));
    zs_employee *old = calloc(1, sizeof(*old));
    if (!old)
        return zs_fail(db, ZKBIO_ENOMEM);
    int has_row = 0;
    char group[65] = "";
    /* the user as stored (its terminal fields beyond the employee's are kept) */
    char grp[17] = "", tz[33] = "", vice[33] = "", sdt[33] = "", edt[33] = "";
    int64_t verify = -1;
    if (create) {
        rc = emp_get_db(db, 0, in->emp_code, old, &has_row, group);
        if (rc == 0) {
            snprintf(why, whysz, "emp_code");
            rc = ZKBIO_EEXIST;
        } else if (rc == ZKBIO_ENOENT) {
            rc = 0;
        }
    } else {
        /* MariaDB: hold the user's row, so two concurrent writes of one employee run one after
         * the other and each sees the areas the other left (SQLite's writer lock does this) */
        int64_t locked = 0;
        if (zdb_dialect_of(db) == ZDB_MARIADB)
            rc = zdb_query_int64(db, "SELECT id FROM users WHERE id = ? FOR UPDATE", &locked, "l",
                                 in->id);
        if (rc == 0)
            rc = emp_get_db(db, in->id, NULL, old, &has_row, group);
        if (rc == 0 && strcmp(old->emp_code, in->emp_code) != 0) {
            snprintf(why, whysz, "emp_code:readonly");
            rc = ZKBIO_EINVAL;
        }
        zdb_stmt *q;
        if (rc == 0 &&
            (rc = zdb_prepare(db,
                              "SELECT grp, tz, verify, vice_card, start_datetime, end_datetime "
                              "FROM users WHERE pin = ?",
                              &q)) == 0) {
            zdb_bind_text(q, 1, in->emp_code, -1);
            if ((rc = zdb_step(q)) == ZDB_ROW) {
                copy_text(q, 0, grp, sizeof(grp));
                copy_text(q, 1, tz, sizeof(tz));
                verify = zdb_col_int64(q, 2);
                copy_text(q, 3, vice, sizeof(vice));
                copy_text(q, 4, sdt, sizeof(sdt));
                copy_text(q, 5, edt, sizeof(edt));
            }
            zdb_reset(q);
            rc = rc < 0 ? rc : 0;
        }
    }
    /* references */
    zs_org_unit u;
    int64_t dept = in->department.id > 0 ? in->department.id : 1;
    if (rc == 0 && (rc = org_get_db(db, ZS_ORG_DEPARTMENT, dept, &u)) == ZKBIO_ENOENT) {
        snprintf(why, whysz, "department:%lld", (long long)dept);
        rc = ZKBIO_EINVAL;
    }
    if (rc == 0 && in->position.id > 0 &&
        (rc = org_get_db(db, ZS_ORG_POSITION, in->position.id, &u)) == ZKBIO_ENOENT) {
        snprintf(why, whysz, "position:%lld", (long long)in->position.id);
        rc = ZKBIO_EINVAL;
    }
    for (size_t i = 0; rc == 0 && i < in->nareas && i < ZS_EMP_AREAS_MAX; i++) {
        rc = org_get_db(db, ZS_ORG_AREA, in->areas[i].id, &u);
        if (rc == ZKBIO_ENOENT) {
            snprintf(why, whysz, "area:%lld", (long long)in->areas[i].id);
            rc = ZKBIO_EINVAL;
        } else if (rc == 0 && !in_codes(chg->now, chg->nnow, u.code)) {
            snprintf(chg->now[chg->nnow++], sizeof(chg->now[0]), "%s", u.code);
        }
    }
    if (rc == 0 && !create)
        for (size_t i = 0; i < old->nareas; i++)
            if (!in_codes(chg->now, chg->nnow, old->areas[i].code) &&
                !in_codes(chg->left, chg->nleft, old->areas[i].code))
                snprintf(chg->left[chg->nleft++], sizeof(chg->left[0]), "%s", old->areas[i].code);
    free(old);
    snprintf(chg->pin, sizeof(chg->pin), "%s", in->emp_code);
    /* users: the terminal's view, hashed as an upload of it would be (ingest.c) */
    char name[129], hash[65];
    full_name(in, name);
    zkbio_push_user pu = {.pin = in->emp_code,
                          .name = name,
                          .privilege = in->privilege,
                          .password = in->device_password,
                          .card = in->card_no,
                          .group = grp,
                          .tz = tz,
                          .verify = (int32_t)verify,
                          .vice_card = vice,
                          .start_datetime = sdt,
                          .end_datetime = edt};
    zs_user_hash(&pu, hash);
    int64_t now = zs_now();
    const char *sg = chg->nnow ? chg->now[0] : "";
    /* create: a plain INSERT, so two creates of one emp_code racing on MariaDB cannot both
     * succeed (the loser gets the unique key's ZKBIO_EEXIST: the duplicate's 400) */
    if (rc == 0 && create)
        rc = zdb_run(db,
                     "INSERT INTO users (pin, name, privilege, password, card, grp, tz, verify, "
                     "vice_card, start_datetime, end_datetime, sync_group, hash, source_sn, "
                     "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?)",
                     "ssissssisssssl", in->emp_code, name, in->privilege, in->device_password,
                     in->card_no, grp, tz, (int)verify, vice, sdt, edt, sg, hash, now);
    else if (rc == 0)
        rc = zdb_run(
            db,
            ZS_SQL(db,
                   "INSERT INTO users (pin, name, privilege, password, card, grp, tz, verify, "
                   "vice_card, start_datetime, end_datetime, sync_group, hash, source_sn, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?) ON CONFLICT "
                   "(pin) DO UPDATE SET name = excluded.name, privilege = excluded.privilege, "
                   "password = excluded.password, card = excluded.card, sync_group = "
                   "excluded.sync_group, hash = excluded.hash, updated_at = excluded.updated_at",
                   "INSERT INTO users (pin, name, privilege, password, card, grp, tz, verify, "
                   "vice_card, start_datetime, end_datetime, sync_group, hash, source_sn, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?) ON "
                   "DUPLICATE KEY UPDATE name = VALUES(name), privilege = VALUES(privilege), "
                   "password = VALUES(password), card = VALUES(card), sync_group = "
                   "VALUES(sync_group), hash = VALUES(hash), updated_at = VALUES(updated_at)"),
            "ssissssisssssl", in->emp_code, name, in->privilege, in->device_password, in->card_no,
            grp, tz, (int)verify, vice, sdt, edt, sg, hash, now);
    if (rc == 0)
        rc = zdb_run(
            db,
            ZS_SQL(db,
                   "INSERT INTO employees (pin, first_name, last_name, nickname, department_id, "
                   "position_id, hire_date, birthday, gender, emp_type, email, mobile, extra, "
                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (pin) DO UPDATE SET first_name = excluded.first_name, last_name "
                   "= excluded.last_name, nickname = excluded.nickname, department_id = "
                   "excluded.department_id, position_id = excluded.position_id, hire_date = "
                   "excluded.hire_date, birthday = excluded.birthday, gender = excluded.gender, "
                   "emp_type = excluded.emp_type, email = excluded.email, mobile = "
                   "excluded.mobile, extra = excluded.extra, updated_at = excluded.updated_at",
                   "INSERT INTO employees (pin, first_name, last_name, nickname, department_id, "
                   "position_id, hire_date, birthday, gender, emp_type, email, mobile, extra, "
                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON DUPLICATE KEY UPDATE first_name = VALUES(first_name), last_name = "
                   "VALUES(last_name), nickname = VALUES(nickname), department_id = "
                   "VALUES(department_id), position_id = VALUES(position_id), hire_date = "
                   "VALUES(hire_date), birthday = VALUES(birthday), gender = VALUES(gender), "
                   "emp_type = VALUES(emp_type), email = VALUES(email), mobile = VALUES(mobile), "
                   "extra = VALUES(extra), updated_at = VALUES(updated_at)"),
            "ssssllsssisssll", in->emp_code, in->first_name, in->last_name, in->nickname, dept,
            in->position.id > 0 ? in->position.id : (int64_t)0, in->hire_date, in->birthday,
            in->gender, in->emp_type, in->email, in->mobile, in->extra, now, now);
    if (rc == 0)
        rc = zdb_run(db, "DELETE FROM employee_areas WHERE pin = ?", "s", in->emp_code);
    for (size_t i = 0; rc == 0 && i < in->nareas && i < ZS_EMP_AREAS_MAX; i++)
        rc = zdb_run(db,
                     ZS_SQL(db, "INSERT OR IGNORE INTO employee_areas (pin, area_id) VALUES (?, ?)",
                            "INSERT IGNORE INTO employee_areas (pin, area_id) VALUES (?, ?)"),
                     "sl", in->emp_code, in->areas[i].id);
    /* the PUSH terminals: off the groups it left, onto (or updated on) those it is in */
    for (size_t i = 0; rc == 0 && i < chg->nleft; i++)
        rc = zs_sync_user_off_group(db, "", chg->left[i], in->emp_code);
    for (size_t i = 0; rc == 0 && i < chg->nnow; i++)
        rc = zs_sync_user_to_group(db, chg->now[i], in->emp_code);
    int64_t id = 0;
    if (rc == 0)
        rc = zdb_query_int64(db, "SELECT id FROM users WHERE pin = ?", &id, "s", in->emp_code);
    if (rc == 0)
        rc = zdb_commit(db);
    if (rc == 0 && id_out)
        *id_out = id;
    return zs_fail(db, rc);
}

int zs_employee_save(zs_store *st, const zs_employee *in, int create, int64_t *id,
                     zs_emp_change *chg, char *why, size_t whysz)
{
    if (whysz)
        why[0] = '\0';
    if (id)
        *id = 0;
    if (!in->emp_code[0] || in->nareas > ZS_EMP_AREAS_MAX)
        return ZKBIO_EINVAL;
    zs_emp_change local;
    zs_emp_change *c = chg ? chg : &local;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = areas_ensure_db(db);
    if (rc != 0)
        return rc;
    ZS_RETRY(st, rc, emp_save_tx(st, in, create, id, c, why, whysz));
    return rc;
}

static int emp_delete_tx(zs_store *st, int64_t id, zs_emp_change *chg)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    memset(chg, 0, sizeof(*chg));
    zs_employee *e = calloc(1, sizeof(*e));
    if (!e)
        return zs_fail(db, ZKBIO_ENOMEM);
    int has = 0;
    char group[65] = "";
    int64_t locked = 0; /* MariaDB: hold the user's row against a concurrent write (as in save) */
    if (zdb_dialect_of(db) == ZDB_MARIADB)
        rc = zdb_query_int64(db, "SELECT id FROM users WHERE id = ? FOR UPDATE", &locked, "l", id);
    if (rc == 0)
        rc = emp_get_db(db, id, NULL, e, &has, group);
    if (rc == 0) {
        snprintf(chg->pin, sizeof(chg->pin), "%s", e->emp_code);
        for (size_t i = 0; i < e->nareas; i++)
            if (!in_codes(chg->left, chg->nleft, e->areas[i].code))
                snprintf(chg->left[chg->nleft++], sizeof(chg->left[0]), "%s", e->areas[i].code);
        if (group[0] && !in_codes(chg->left, chg->nleft, group) && chg->nleft < ZS_EMP_AREAS_MAX)
            snprintf(chg->left[chg->nleft++], sizeof(chg->left[0]), "%s", group);
    }
    free(e);
    for (size_t i = 0; rc == 0 && i < chg->nleft; i++)
        rc = zs_sync_user_off_group(db, "", chg->left[i], chg->pin);
    static const char *const dels[] = {
        "DELETE FROM users WHERE pin = ?", "DELETE FROM templates WHERE pin = ?",
        "DELETE FROM photos WHERE pin = ?", "DELETE FROM employees WHERE pin = ?",
        "DELETE FROM employee_areas WHERE pin = ?"};
    for (size_t i = 0; rc == 0 && i < sizeof(dels) / sizeof(dels[0]); i++)
        rc = zdb_run(db, dels[i], "s", chg->pin);
    if (rc == 0)
        rc = zdb_commit(db);
    return zs_fail(db, rc);
}

int zs_employee_delete(zs_store *st, int64_t id, zs_emp_change *chg)
{
    zs_emp_change local;
    zs_emp_change *c = chg ? chg : &local;
    int rc;
    ZS_RETRY(st, rc, emp_delete_tx(st, id, c));
    return rc;
}
