/* SPDX-License-Identifier: Apache-2.0 */
/* Storing what devices upload: users, templates, photos, operation and error logs (punches go
 * through the group-commit writer, writer.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

static const char *stamp_column_sql(zs_stamp t)
{
    switch (t) {
    case ZS_STAMP_ATTLOG:
        return "UPDATE devices SET attlog_stamp = ? WHERE sn = ?";
    case ZS_STAMP_OPERLOG:
        return "UPDATE devices SET operlog_stamp = ? WHERE sn = ?";
    case ZS_STAMP_ATTPHOTO:
        return "UPDATE devices SET attphoto_stamp = ? WHERE sn = ?";
    case ZS_STAMP_BIODATA:
        return "UPDATE devices SET biodata_stamp = ? WHERE sn = ?";
    }
    return NULL;
}

int zs_set_stamp(zdb *db, const char *sn, zs_stamp t, const char *stamp)
{
    if (!stamp || !*stamp)
        return 0;
    zdb_stmt *q;
    int rc = zdb_prepare(db, stamp_column_sql(t), &q);
    if (rc != 0)
        return rc;
    char s[32];
    snprintf(s, sizeof(s), "%s", stamp);
    zdb_bind_text(q, 1, s, -1);
    zdb_bind_text(q, 2, sn, -1);
    rc = zdb_step(q);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

/* Read the stored hash of a row (FOR UPDATE on MariaDB so concurrent uploads of one item
 * serialise). */
static int stored_hash(zdb *db, const char *sqlite_sql, const char *mariadb_sql,
                       const char *const *keys, const int64_t *ikeys, size_t nkeys, size_t nikeys,
                       char hash[65])
{
    zdb_stmt *q;
    hash[0] = '\0';
    int rc = zdb_prepare(db, zdb_dialect_of(db) == ZDB_MARIADB ? mariadb_sql : sqlite_sql, &q);
    if (rc != 0)
        return rc;
    int idx = 1;
    for (size_t i = 0; i < nkeys; i++)
        zdb_bind_text(q, idx++, keys[i], -1);
    for (size_t i = 0; i < nikeys; i++)
        zdb_bind_int64(q, idx++, ikeys[i]);
    rc = zdb_step(q);
    if (rc == ZDB_ROW)
        snprintf(hash, 65, "%s", zdb_col_text(q, 0));
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

void zs_user_hash(const zkbio_push_user *u, char out[65])
{
    char pri[16], ver[16];
    snprintf(pri, sizeof(pri), "%d", (int)u->privilege);
    snprintf(ver, sizeof(ver), "%d", (int)u->verify);
    const char *parts[] = {u->name, pri, u->password,  u->card,           u->group,
                           u->tz,   ver, u->vice_card, u->start_datetime, u->end_datetime};
    zs_hash(out, parts, sizeof(parts) / sizeof(parts[0]));
}

/* The user's change to the terminals of its other areas (store_personnel.h: an employee in
 * several areas is on the terminals of each), besides those of the uploading terminal's group. */
static int fanout_other_areas(zdb *db, const char *sn, const char *group, const char *pin,
                              const char *key, const char *hash, const char *text)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT a.area_code FROM employee_areas ea JOIN areas a ON a.id = "
                         "ea.area_id WHERE ea.pin = ? AND a.area_code <> ? ORDER BY a.id",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, pin, -1);
    zdb_bind_text(q, 2, group, -1);
    char codes[16][65];
    size_t n = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW)
        if (n < sizeof(codes) / sizeof(codes[0]))
            snprintf(codes[n++], sizeof(codes[0]), "%s", zdb_col_text(q, 0));
    zdb_reset(q);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) /* collected first: the fan-out writes on this connection */
        if ((rc = zs_sync_fanout(db, sn, codes[i], pin, "user", key, hash, text)) != 0)
            return rc;
    return 0;
}

static int ingest_user(zdb *db, const char *sn, const char *group, const zkbio_push_user *u)
{
    char hash[65], old[65], key[96];
    zs_user_hash(u, hash);
    snprintf(key, sizeof(key), "U|%s", u->pin);
    const char *keys[] = {u->pin};
    int rc = stored_hash(db, "SELECT hash FROM users WHERE pin = ?",
                         "SELECT hash FROM users WHERE pin = ? FOR UPDATE", keys, NULL, 1, 0, old);
    if (rc != 0)
        return rc;
    if (strcmp(old, hash) != 0) {
        zdb_stmt *q;
        rc = zdb_prepare(
            db,
            ZS_SQL(
                db,
                "INSERT INTO users (pin, name, privilege, password, card, grp, tz, verify, "
                "vice_card, "
                "start_datetime, end_datetime, sync_group, hash, source_sn, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pin) DO UPDATE "
                "SET "
                "name = excluded.name, privilege = excluded.privilege, password = "
                "excluded.password, "
                "card = excluded.card, grp = excluded.grp, tz = excluded.tz, verify = "
                "excluded.verify, "
                "vice_card = excluded.vice_card, start_datetime = excluded.start_datetime, "
                "end_datetime = excluded.end_datetime, sync_group = excluded.sync_group, hash = "
                "excluded.hash, "
                "source_sn = excluded.source_sn, updated_at = excluded.updated_at",
                "INSERT INTO users (pin, name, privilege, password, card, grp, tz, verify, "
                "vice_card, "
                "start_datetime, end_datetime, sync_group, hash, source_sn, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                "name = VALUES(name), privilege = VALUES(privilege), password = VALUES(password), "
                "card = VALUES(card), grp = VALUES(grp), tz = VALUES(tz), verify = VALUES(verify), "
                "vice_card = VALUES(vice_card), start_datetime = VALUES(start_datetime), "
                "end_datetime = VALUES(end_datetime), sync_group = VALUES(sync_group), hash = "
                "VALUES(hash), "
                "source_sn = VALUES(source_sn), updated_at = VALUES(updated_at)"),
            &q);
        if (rc != 0)
            return rc;
        int i = 1;
        zdb_bind_text(q, i++, u->pin, -1);
        zdb_bind_text(q, i++, u->name, -1);
        zdb_bind_int64(q, i++, u->privilege < 0 ? 0 : u->privilege);
        zdb_bind_text(q, i++, u->password, -1);
        zdb_bind_text(q, i++, u->card, -1);
        zdb_bind_text(q, i++, u->group, -1);
        zdb_bind_text(q, i++, u->tz, -1);
        zdb_bind_int64(q, i++, u->verify);
        zdb_bind_text(q, i++, u->vice_card, -1);
        zdb_bind_text(q, i++, u->start_datetime, -1);
        zdb_bind_text(q, i++, u->end_datetime, -1);
        zdb_bind_text(q, i++, group, -1);
        zdb_bind_text(q, i++, hash, -1);
        zdb_bind_text(q, i++, sn, -1);
        zdb_bind_int64(q, i++, zs_now());
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            return rc;
        char *text = NULL;
        rc = zs_sync_user_command(db, u->pin, &text);
        if (rc == 0)
            rc = zs_sync_fanout(db, sn, group, u->pin, "user", key, hash, text);
        if (rc == 0) /* issue 16: an employee in several areas is on their terminals too */
            rc = fanout_other_areas(db, sn, group, u->pin, key, hash, text);
        free(text);
        if (rc != 0)
            return rc;
    }
    return zs_sync_mark_applied(db, sn, u->pin, key, hash);
}

static int ingest_template(zdb *db, const char *sn, const char *group, const char *kind,
                           const zkbio_push_template *t)
{
    char nums[9][16];
    const int32_t v[9] = {t->type,      t->no,        t->index,  t->valid, t->duress,
                          t->major_ver, t->minor_ver, t->format, 0};
    for (int i = 0; i < 9; i++)
        snprintf(nums[i], sizeof(nums[i]), "%d", (int)v[i]);
    const char *parts[] = {kind,    nums[0], nums[1], nums[2], nums[3],
                           nums[4], nums[5], nums[6], nums[7], t->tmp};
    char hash[65], old[65], key[96];
    zs_hash(hash, parts, sizeof(parts) / sizeof(parts[0]));
    int32_t type = t->type < 0 ? 0 : t->type, no = t->no < 0 ? 0 : t->no,
            idx = t->index < 0 ? 0 : t->index;
    snprintf(key, sizeof(key), "T|%s|%s|%d|%d|%d", t->pin, kind, (int)type, (int)no, (int)idx);
    const char *keys[] = {t->pin, kind};
    const int64_t ikeys[] = {type, no, idx};
    int rc = stored_hash(
        db,
        "SELECT hash FROM templates WHERE pin = ? AND kind = ? AND type = ? AND no = ? AND idx = ?",
        "SELECT hash FROM templates WHERE pin = ? AND kind = ? AND type = ? AND no = ? AND idx = ? "
        "FOR UPDATE",
        keys, ikeys, 2, 3, old);
    if (rc != 0)
        return rc;
    if (strcmp(old, hash) != 0) {
        zdb_stmt *q;
        rc = zdb_prepare(
            db,
            ZS_SQL(db,
                   "INSERT INTO templates (pin, kind, type, no, idx, valid, duress, major_ver, "
                   "minor_ver, format, "
                   "tmp, hash, source_sn, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?) "
                   "ON CONFLICT (pin, kind, type, no, idx) DO UPDATE SET valid = excluded.valid, "
                   "duress = excluded.duress, major_ver = excluded.major_ver, minor_ver = "
                   "excluded.minor_ver, "
                   "format = excluded.format, tmp = excluded.tmp, hash = excluded.hash, "
                   "source_sn = excluded.source_sn, updated_at = excluded.updated_at",
                   "INSERT INTO templates (pin, kind, type, no, idx, valid, duress, major_ver, "
                   "minor_ver, format, "
                   "tmp, hash, source_sn, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?) "
                   "ON DUPLICATE KEY UPDATE valid = VALUES(valid), duress = VALUES(duress), "
                   "major_ver = VALUES(major_ver), minor_ver = VALUES(minor_ver), format = "
                   "VALUES(format), "
                   "tmp = VALUES(tmp), hash = VALUES(hash), source_sn = VALUES(source_sn), "
                   "updated_at = VALUES(updated_at)"),
            &q);
        if (rc != 0)
            return rc;
        int i = 1;
        zdb_bind_text(q, i++, t->pin, -1);
        zdb_bind_text(q, i++, kind, -1);
        zdb_bind_int64(q, i++, type);
        zdb_bind_int64(q, i++, no);
        zdb_bind_int64(q, i++, idx);
        zdb_bind_int64(q, i++, t->valid < 0 ? 1 : t->valid);
        zdb_bind_int64(q, i++, t->duress < 0 ? 0 : t->duress);
        zdb_bind_int64(q, i++, t->major_ver);
        zdb_bind_int64(q, i++, t->minor_ver);
        zdb_bind_int64(q, i++, t->format);
        zdb_bind_text(q, i++, t->tmp, -1);
        zdb_bind_text(q, i++, hash, -1);
        zdb_bind_text(q, i++, sn, -1);
        zdb_bind_int64(q, i++, zs_now());
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            return rc;
        /* The command is built from what was stored, exactly like a full sync builds it. */
        zkbio_push_template s = *t;
        s.type = type;
        s.no = no;
        s.index = idx;
        s.valid = t->valid < 0 ? 1 : t->valid;
        s.duress = t->duress < 0 ? 0 : t->duress;
        char *text;
        ZS_FORMAT_ALLOC(
            text, rc, zkbio_push_cmd_template_update(zs_kind_table(kind), &s, fbuf, fsize, &flen));
        if (rc == 0 && text)
            rc = zs_sync_fanout(db, sn, group, t->pin, "tmpl", key, hash, text);
        free(text);
        if (rc != 0)
            return rc;
    }
    return zs_sync_mark_applied(db, sn, t->pin, key, hash);
}

static int ingest_photo(zdb *db, const char *sn, const char *group, const char *kind,
                        const zkbio_push_photo *p)
{
    char type[16];
    int32_t ty = p->type < 0 ? 0 : p->type;
    snprintf(type, sizeof(type), "%d", (int)ty);
    const char *parts[] = {kind, type, p->content};
    char hash[65], old[65], key[96];
    zs_hash(hash, parts, 3);
    snprintf(key, sizeof(key), "P|%s|%s|%d", p->pin, kind, (int)ty);
    const char *keys[] = {p->pin, kind};
    const int64_t ikeys[] = {ty};
    int rc =
        stored_hash(db, "SELECT hash FROM photos WHERE pin = ? AND kind = ? AND type = ?",
                    "SELECT hash FROM photos WHERE pin = ? AND kind = ? AND type = ? FOR UPDATE",
                    keys, ikeys, 2, 1, old);
    if (rc != 0)
        return rc;
    if (strcmp(old, hash) != 0) {
        zdb_stmt *q;
        rc = zdb_prepare(
            db,
            ZS_SQL(db,
                   "INSERT INTO photos (pin, kind, type, file_name, content, hash, source_sn, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pin, kind, type) DO "
                   "UPDATE SET file_name = excluded.file_name, content = excluded.content, "
                   "hash = excluded.hash, source_sn = excluded.source_sn, "
                   "updated_at = excluded.updated_at",
                   "INSERT INTO photos (pin, kind, type, file_name, content, hash, source_sn, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                   "file_name = VALUES(file_name), content = VALUES(content), hash = VALUES(hash), "
                   "source_sn = VALUES(source_sn), updated_at = VALUES(updated_at)"),
            &q);
        if (rc != 0)
            return rc;
        zdb_bind_text(q, 1, p->pin, -1);
        zdb_bind_text(q, 2, kind, -1);
        zdb_bind_int64(q, 3, ty);
        zdb_bind_text(q, 4, p->file_name, -1);
        zdb_bind_text(q, 5, p->content, -1);
        zdb_bind_text(q, 6, hash, -1);
        zdb_bind_text(q, 7, sn, -1);
        zdb_bind_int64(q, 8, zs_now());
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            return rc;
        zkbio_push_photo s = *p;
        s.type = ty;
        char *text;
        ZS_FORMAT_ALLOC(text, rc,
                        zkbio_push_cmd_photo_update(zs_kind_table(kind), &s, fbuf, fsize, &flen));
        if (rc == 0 && text)
            rc = zs_sync_fanout(db, sn, group, p->pin, "photo", key, hash, text);
        free(text);
        if (rc != 0)
            return rc;
    }
    return zs_sync_mark_applied(db, sn, p->pin, key, hash);
}

static int ingest_oplog(zdb *db, const char *sn, const char *group, const zkbio_push_oplog *o)
{
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        ZS_SQL(db,
               "INSERT OR IGNORE INTO operlog (sn, op_type, admin, op_time, v1, v2, v3, "
               "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               "INSERT IGNORE INTO operlog (sn, op_type, admin, op_time, v1, v2, v3, "
               "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_int64(q, 2, o->op_type);
    zdb_bind_text(q, 3, o->admin, -1);
    zdb_bind_text(q, 4, o->time, -1);
    zdb_bind_int64(q, 5, o->v1);
    zdb_bind_int64(q, 6, o->v2);
    zdb_bind_int64(q, 7, o->v3);
    zdb_bind_int64(q, 8, zs_now());
    rc = zdb_step(q);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    int fresh = zdb_changes(db) > 0;
    /* OpType 9 = "delete user", operand V1 = the user (push.md §3.2, Appendix 3/4). Only act on a
     * new log row so a re-sent batch does not delete a user re-created since. */
    if (fresh && o->op_type == 9 && o->v1 > 0) {
        char pin[32];
        snprintf(pin, sizeof(pin), "%lld", (long long)o->v1);
        char old[65];
        const char *keys[] = {pin};
        rc = stored_hash(db, "SELECT hash FROM users WHERE pin = ?",
                         "SELECT hash FROM users WHERE pin = ? FOR UPDATE", keys, NULL, 1, 0, old);
        if (rc == 0 && old[0])
            rc = zs_sync_delete_user(db, sn, group, pin);
    }
    return rc;
}

static int ingest_errorlog(zdb *db, const char *sn, const zkbio_push_errorlog *e)
{
    zdb_stmt *q;
    int rc =
        zdb_prepare(db,
                    "INSERT INTO errorlog (sn, err_code, err_msg, data_origin, cmd_id, additional, "
                    "received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    &q);
    if (rc != 0)
        return rc;
    char code[32], msg[255], origin[16], cmd[32];
    snprintf(code, sizeof(code), "%s", e->err_code ? e->err_code : "");
    snprintf(msg, sizeof(msg), "%s", e->err_msg ? e->err_msg : "");
    snprintf(origin, sizeof(origin), "%s", e->data_origin ? e->data_origin : "");
    snprintf(cmd, sizeof(cmd), "%s", e->cmd_id ? e->cmd_id : "");
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, code, -1);
    zdb_bind_text(q, 3, msg, -1);
    zdb_bind_text(q, 4, origin, -1);
    zdb_bind_text(q, 5, cmd, -1);
    zdb_bind_text(q, 6, e->additional ? e->additional : "", -1);
    zdb_bind_int64(q, 7, zs_now());
    rc = zdb_step(q);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

/* Stored kind of a template/photo record: the wire form it came in. */
static const char *rec_kind(zkbio_push_rec_type t)
{
    switch (t) {
    case ZKBIO_PUSH_REC_FP:
        return "FP";
    case ZKBIO_PUSH_REC_FACE:
        return "FACE";
    case ZKBIO_PUSH_REC_FVEIN:
        return "FVEIN";
    case ZKBIO_PUSH_REC_USERPIC:
        return "USERPIC";
    case ZKBIO_PUSH_REC_BIOPHOTO:
        return "BIOPHOTO";
    default:
        return "BIODATA";
    }
}

static int ingest_operlog_once(zs_store *st, const char *sn, const zkbio_push_batch *b,
                               zs_stamp stamp_table, const char *stamp, size_t *accepted)
{
    *accepted = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    char group[65];
    rc = zs_device_group(db, sn, group);
    if (rc != 0)
        return zs_fail(db, rc);
    size_t n = 0;
    for (size_t i = 0; i < b->count && rc == 0; i++) {
        const zkbio_push_record *r = &b->records[i];
        switch (r->type) {
        case ZKBIO_PUSH_REC_USER:
            rc = ingest_user(db, sn, group, &r->u.user);
            break;
        case ZKBIO_PUSH_REC_FP:
        case ZKBIO_PUSH_REC_FACE:
        case ZKBIO_PUSH_REC_FVEIN:
        case ZKBIO_PUSH_REC_BIODATA:
            /* Stored under the tag it came with, so it goes out again in the same wire form. */
            rc = ingest_template(db, sn, group, rec_kind(r->type), &r->u.tmpl);
            break;
        case ZKBIO_PUSH_REC_USERPIC:
        case ZKBIO_PUSH_REC_BIOPHOTO:
            rc = ingest_photo(db, sn, group, rec_kind(r->type), &r->u.photo);
            break;
        case ZKBIO_PUSH_REC_OPLOG:
            rc = ingest_oplog(db, sn, group, &r->u.oplog);
            break;
        case ZKBIO_PUSH_REC_ERRORLOG:
            rc = ingest_errorlog(db, sn, &r->u.errorlog);
            break;
        default:
            continue; /* well-formed records of kinds zkbiod does not keep (WORKCODE, SMS...) are
                         not counted */
        }
        if (rc == 0)
            n++;
    }
    if (rc == 0)
        rc = zs_set_stamp(db, sn, stamp_table, stamp);
    if (rc == 0)
        rc = zdb_commit(db);
    if (rc != 0)
        return zs_fail(db, rc);
    *accepted = n;
    return 0;
}

int zs_ingest_attphoto(zs_store *st, const char *sn, const char *name, const char *path,
                       size_t size)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         ZS_SQL(db,
                                "INSERT OR IGNORE INTO attphotos (sn, name, path, size, "
                                "received_at) VALUES (?, ?, ?, ?, ?)",
                                "INSERT IGNORE INTO attphotos (sn, name, path, size, received_at) "
                                "VALUES (?, ?, ?, ?, ?)"),
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, name, -1);
    zdb_bind_text(q, 3, path, -1);
    zdb_bind_int64(q, 4, (int64_t)size);
    zdb_bind_int64(q, 5, zs_now());
    rc = zdb_step(q);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

int zs_ingest_operlog(zs_store *st, const char *sn, const zkbio_push_batch *b, zs_stamp stamp_table,
                      const char *stamp, size_t *accepted)
{
    int rc;
    ZS_RETRY(st, rc, ingest_operlog_once(st, sn, b, stamp_table, stamp, accepted));
    return rc;
}
