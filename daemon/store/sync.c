/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fleet sync: the command queue and fan-out.
 *
 * Desired state is the global users/templates/photos tables (PINs are one namespace across the
 * fleet). Applied state is device_items(sn, item_key, hash): what each device is known to hold, set
 * when it uploads an item or acknowledges our DATA UPDATE. A change is queued for a device only
 * when its applied hash differs, so a device that re-uploads what it was just sent starts no new
 * round (no echo loop). A newer queued command for the same item supersedes an older one that has
 * not been sent yet. Commands go out in id order, so a user's USERINFO, queued first, reaches a
 * device before that user's templates. (push.md §7.3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_impl.h"

static int enqueue(zdb *db, const char *sn, const char *kind, const char *pin, const char *item_key,
                   const char *hash, const char *text, int64_t *id_out)
{
    zdb_stmt *q;
    int rc;
    int64_t now = zs_now();
    if (item_key && *item_key) {
        rc = zdb_prepare(db,
                         "UPDATE commands SET status = 'superseded', done_at = ? "
                         "WHERE sn = ? AND item_key = ? AND status = 'queued'",
                         &q);
        if (rc != 0)
            return rc;
        zdb_bind_int64(q, 1, now);
        zdb_bind_text(q, 2, sn, -1);
        zdb_bind_text(q, 3, item_key, -1);
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            return rc;
    }
    rc = zdb_prepare(
        db,
        "INSERT INTO commands (sn, kind, pin, item_key, item_hash, text, status, attempts, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?)",
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, kind, -1);
    zdb_bind_text(q, 3, pin ? pin : "", -1);
    zdb_bind_text(q, 4, item_key ? item_key : "", -1);
    zdb_bind_text(q, 5, hash ? hash : "", -1);
    zdb_bind_text(q, 6, text, -1);
    zdb_bind_int64(q, 7, now);
    rc = zdb_step(q);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    if (id_out)
        *id_out = zdb_last_insert_id(db);
    return 0;
}

int zs_sync_mark_applied(zdb *db, const char *sn, const char *pin, const char *item_key,
                         const char *hash)
{
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        ZS_SQL(
            db,
            "INSERT INTO device_items (sn, item_key, pin, hash, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (sn, item_key) DO UPDATE SET hash = excluded.hash, updated_at = "
            "excluded.updated_at",
            "INSERT INTO device_items (sn, item_key, pin, hash, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON DUPLICATE KEY UPDATE hash = VALUES(hash), updated_at = VALUES(updated_at)"),
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, item_key, -1);
    zdb_bind_text(q, 3, pin, -1);
    zdb_bind_text(q, 4, hash, -1);
    zdb_bind_int64(q, 5, zs_now());
    rc = zdb_step(q);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

static int forget_pin(zdb *db, const char *sn, const char *pin)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db, "DELETE FROM device_items WHERE sn = ? AND pin = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, pin, -1);
    rc = zdb_step(q);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

/* Devices of `group` other than `src` that do not hold `item_key` at `hash`. Returns a malloc'd
 * array of SNs. */
static int targets(zdb *db, const char *src, const char *group, const char *item_key,
                   const char *hash, char (**out)[ZKBIO_PUSH_SN_MAX + 1], size_t *n)
{
    zdb_stmt *q;
    *out = NULL;
    *n = 0;
    int rc = zdb_prepare(db,
                         "SELECT d.sn, di.hash FROM devices d LEFT JOIN device_items di "
                         "ON di.sn = d.sn AND di.item_key = ? "
                         "WHERE d.sync_group = ? AND d.sn <> ? AND d.enabled = 1 "
                         "AND d.admission = 'approved' ORDER BY d.sn",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, item_key, -1);
    zdb_bind_text(q, 2, group, -1);
    zdb_bind_text(q, 3, src ? src : "", -1);
    size_t cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (hash && !zdb_col_is_null(q, 1) && strcmp(zdb_col_text(q, 1), hash) == 0)
            continue;
        if (zs_grow(out, &cap, *n, sizeof(**out)) != 0) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        snprintf((*out)[*n], sizeof((*out)[0]), "%s", zdb_col_text(q, 0));
        (*n)++;
    }
    zdb_reset(q);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

int zs_sync_fanout(zdb *db, const char *src_sn, const char *group, const char *pin,
                   const char *kind, const char *item_key, const char *hash, const char *text)
{
    char(*sns)[ZKBIO_PUSH_SN_MAX + 1];
    size_t n;
    int rc = targets(db, src_sn, group, item_key, hash, &sns, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = enqueue(db, sns[i], kind, pin, item_key, hash, text, NULL);
    free(sns);
    return rc;
}

/* ---- commands built from stored rows
 * ------------------------------------------------------------------------ */

/* DATA UPDATE USERINFO for the stored user `pin`; *hash receives the row's hash. ZKBIO_ENOENT if
 * unknown. */
static int user_command(zdb *db, const char *pin, char **text, char hash[65])
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT pin, name, privilege, password, card, grp, tz, verify, vice_card, "
                         "start_datetime, end_datetime, hash FROM users WHERE pin = ?",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, pin, -1);
    rc = zdb_step(q);
    if (rc != ZDB_ROW) {
        zdb_reset(q);
        return rc < 0 ? rc : ZKBIO_ENOENT;
    }
    zkbio_push_user u = {
        .pin = zdb_col_text(q, 0),
        .name = zdb_col_text(q, 1),
        .privilege = (int32_t)zdb_col_int64(q, 2),
        .password = zdb_col_text(q, 3),
        .card = zdb_col_text(q, 4),
        .group = zdb_col_text(q, 5),
        .tz = zdb_col_text(q, 6),
        .verify = (int32_t)zdb_col_int64(q, 7),
        .vice_card = zdb_col_text(q, 8),
        .start_datetime = zdb_col_text(q, 9),
        .end_datetime = zdb_col_text(q, 10),
    };
    snprintf(hash, 65, "%s", zdb_col_text(q, 11));
    ZS_FORMAT_ALLOC(*text, rc, zkbio_push_cmd_user_update(&u, 0, fbuf, fsize, &flen));
    zdb_reset(q);
    return rc;
}

int zs_sync_user_command(zdb *db, const char *pin, char **text)
{
    char hash[65];
    return user_command(db, pin, text, hash);
}

/* Queue every template and photo of `pin` for `sn` (or, with sn NULL, fan them out from src in
 * group). */
static int queue_items_of_pin(zdb *db, const char *sn, const char *pin)
{
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        ZS_SQL(db,
               "SELECT t.kind, t.type, t.no, t.idx, t.valid, t.duress, t.major_ver, t.minor_ver, "
               "t.format, t.tmp, "
               "t.hash, di.hash FROM templates t LEFT JOIN device_items di ON di.sn = ? AND "
               "di.item_key = "
               "('T|' || t.pin || '|' || t.kind || '|' || t.type || '|' || t.no || '|' || t.idx) "
               "WHERE t.pin = ? ORDER BY t.kind, t.type, t.no, t.idx",
               "SELECT t.kind, t.type, t.no, t.idx, t.valid, t.duress, t.major_ver, t.minor_ver, "
               "t.format, t.tmp, "
               "t.hash, di.hash FROM templates t LEFT JOIN device_items di ON di.sn = ? AND "
               "di.item_key = "
               "CONCAT('T|', t.pin, '|', t.kind, '|', t.type, '|', t.no, '|', t.idx) "
               "WHERE t.pin = ? ORDER BY t.kind, t.type, t.no, t.idx"),
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, pin, -1);
    /* Collect first: the connection runs INSERTs while this result is still open. */
    struct item {
        char key[96], hash[65];
        char *text;
    } *items = NULL;
    size_t n = 0, cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (!zdb_col_is_null(q, 11) && strcmp(zdb_col_text(q, 11), zdb_col_text(q, 10)) == 0)
            continue;
        if (zs_grow(&items, &cap, n, sizeof(*items)) != 0) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        const char *kind = zdb_col_text(q, 0);
        zkbio_push_template t = {
            .pin = pin,
            .type = (int32_t)zdb_col_int64(q, 1),
            .no = (int32_t)zdb_col_int64(q, 2),
            .index = (int32_t)zdb_col_int64(q, 3),
            .valid = (int32_t)zdb_col_int64(q, 4),
            .duress = (int32_t)zdb_col_int64(q, 5),
            .major_ver = (int32_t)zdb_col_int64(q, 6),
            .minor_ver = (int32_t)zdb_col_int64(q, 7),
            .format = (int32_t)zdb_col_int64(q, 8),
            .size = -1,
            .tmp = zdb_col_text(q, 9),
        };
        struct item *it = &items[n];
        snprintf(it->key, sizeof(it->key), "T|%s|%s|%d|%d|%d", pin, kind, (int)t.type, (int)t.no,
                 (int)t.index);
        snprintf(it->hash, sizeof(it->hash), "%s", zdb_col_text(q, 10));
        ZS_FORMAT_ALLOC(
            it->text, rc,
            zkbio_push_cmd_template_update(zs_kind_table(kind), &t, fbuf, fsize, &flen));
        if (rc != 0)
            break;
        n++;
    }
    zdb_reset(q);

    if (rc >= 0) {
        rc = zdb_prepare(db,
                         "SELECT kind, type, file_name, content, hash FROM photos WHERE pin = ? "
                         "ORDER BY kind, type",
                         &q);
        if (rc == 0) {
            zdb_bind_text(q, 1, pin, -1);
            while ((rc = zdb_step(q)) == ZDB_ROW) {
                if (zs_grow(&items, &cap, n, sizeof(*items)) != 0) {
                    rc = ZKBIO_ENOMEM;
                    break;
                }
                const char *kind = zdb_col_text(q, 0);
                zkbio_push_photo ph = {
                    .pin = pin,
                    .type = (int32_t)zdb_col_int64(q, 1),
                    .file_name = zdb_col_text(q, 2),
                    .size = -1,
                    .content = zdb_col_text(q, 3),
                };
                struct item *it = &items[n];
                snprintf(it->key, sizeof(it->key), "P|%s|%s|%d", pin, kind, (int)ph.type);
                snprintf(it->hash, sizeof(it->hash), "%s", zdb_col_text(q, 4));
                ZS_FORMAT_ALLOC(
                    it->text, rc,
                    zkbio_push_cmd_photo_update(zs_kind_table(kind), &ph, fbuf, fsize, &flen));
                if (rc != 0)
                    break;
                n++;
            }
            zdb_reset(q);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (rc >= 0)
            rc = enqueue(db, sn, items[i].key[0] == 'T' ? "tmpl" : "photo", pin, items[i].key,
                         items[i].hash, items[i].text, NULL);
        free(items[i].text);
    }
    free(items);
    return rc < 0 ? rc : 0;
}

int zs_sync_full(zdb *db, const char *sn, const char *group)
{
    zdb_stmt *q;
    /* the group's users, and employees whose other areas include it (issue 16) */
    int rc = zdb_prepare(db,
                         "SELECT pin FROM users WHERE sync_group = ? UNION SELECT ea.pin FROM "
                         "employee_areas ea JOIN areas a ON a.id = ea.area_id WHERE a.area_code "
                         "= ? ORDER BY 1",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, group, -1);
    zdb_bind_text(q, 2, group, -1);
    char(*pins)[ZKBIO_PUSH_PIN_MAX + 1] = NULL;
    size_t n = 0, cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (zs_grow(&pins, &cap, n, sizeof(*pins)) != 0) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        snprintf(pins[n++], sizeof(pins[0]), "%s", zdb_col_text(q, 0));
    }
    zdb_reset(q);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        char *text = NULL, hash[65], key[96];
        rc = user_command(db, pins[i], &text, hash);
        if (rc == 0) {
            snprintf(key, sizeof(key), "U|%s", pins[i]);
            rc = enqueue(db, sn, "user", pins[i], key, hash, text, NULL);
        }
        free(text);
        if (rc == 0)
            rc = queue_items_of_pin(db, sn, pins[i]);
    }
    free(pins);
    return rc < 0 ? rc : 0;
}

int zs_sync_delete_user(zdb *db, const char *src_sn, const char *group, const char *pin)
{
    static const char *const dels[] = {"DELETE FROM users WHERE pin = ?",
                                       "DELETE FROM templates WHERE pin = ?",
                                       "DELETE FROM photos WHERE pin = ?"};
    zdb_stmt *q;
    int rc;
    for (size_t i = 0; i < sizeof(dels) / sizeof(dels[0]); i++) {
        rc = zdb_prepare(db, dels[i], &q);
        if (rc != 0)
            return rc;
        zdb_bind_text(q, 1, pin, -1);
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            return rc;
    }
    rc = forget_pin(db, src_sn, pin);
    if (rc != 0)
        return rc;

    return zs_sync_user_off_group(db, src_sn, group, pin);
}

/* ---- issue 16: an employee's groups (store/personnel.c) ------------------------------------ */

int zs_sync_user_off_group(zdb *db, const char *src_sn, const char *group, const char *pin)
{
    zdb_stmt *q;
    int rc;
    char key[96], text[96];
    snprintf(key, sizeof(key), "U|%s", pin);
    size_t tl;
    rc = zkbio_push_cmd_delete(ZKBIO_PUSH_DT_USERINFO, pin, -1, -1, text, sizeof(text), &tl);
    if (rc != 0)
        return rc;
    char(*sns)[ZKBIO_PUSH_SN_MAX + 1];
    size_t n;
    rc = targets(db, src_sn, group, key, NULL, &sns, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* Whatever is still queued for this user on that device is moot now. */
        rc = zdb_prepare(db,
                         "UPDATE commands SET status = 'superseded', done_at = ? "
                         "WHERE sn = ? AND pin = ? AND status = 'queued'",
                         &q);
        if (rc == 0) {
            zdb_bind_int64(q, 1, zs_now());
            zdb_bind_text(q, 2, sns[i], -1);
            zdb_bind_text(q, 3, pin, -1);
            rc = zdb_step(q);
            zdb_reset(q);
            rc = rc < 0 ? rc : 0;
        }
        if (rc == 0)
            rc = enqueue(db, sns[i], "delete", pin, key, "deleted", text, NULL);
    }
    free(sns);
    return rc;
}

int zs_sync_user_to_group(zdb *db, const char *group, const char *pin)
{
    char *text = NULL, hash[65], key[96];
    int rc = user_command(db, pin, &text, hash);
    if (rc != 0)
        return rc;
    snprintf(key, sizeof(key), "U|%s", pin);
    char(*sns)[ZKBIO_PUSH_SN_MAX + 1] = NULL;
    size_t n = 0;
    rc = targets(db, "", group, key, NULL, &sns, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* the user where its hash differs (enqueue supersedes an older queued one), then the
         * templates and photos the terminal lacks */
        zdb_stmt *q;
        char have[65] = "";
        rc = zdb_prepare(db, "SELECT hash FROM device_items WHERE sn = ? AND item_key = ?", &q);
        if (rc != 0)
            break;
        zdb_bind_text(q, 1, sns[i], -1);
        zdb_bind_text(q, 2, key, -1);
        rc = zdb_step(q);
        if (rc == ZDB_ROW)
            snprintf(have, sizeof(have), "%s", zdb_col_text(q, 0));
        zdb_reset(q);
        if (rc < 0)
            break;
        rc = 0;
        if (strcmp(have, hash) != 0)
            rc = enqueue(db, sns[i], "user", pin, key, hash, text, NULL);
        if (rc == 0)
            rc = queue_items_of_pin(db, sns[i], pin);
    }
    free(sns);
    free(text);
    return rc < 0 ? rc : 0;
}

/* ---- getrequest: hand-out
 * ----------------------------------------------------------------------------------- */

static int any_due(zdb *db, const char *sn, int64_t stale_before, int *due)
{
    zdb_stmt *q;
    *due = 0;
    int rc =
        zdb_prepare(db, "SELECT id FROM commands WHERE sn = ? AND status = 'queued' LIMIT 1", &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    rc = zdb_step(q);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    if (rc == ZDB_ROW) {
        *due = 1;
        return 0;
    }
    rc = zdb_prepare(
        db, "SELECT id FROM commands WHERE sn = ? AND status = 'sent' AND sent_at <= ? LIMIT 1",
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_int64(q, 2, stale_before);
    rc = zdb_step(q);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    *due = rc == ZDB_ROW;
    return 0;
}

static int commands_take_once(zs_store *st, const char *sn, int max, size_t max_bytes, char **body,
                              size_t *len)
{
    *body = NULL;
    *len = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t now = zs_now();
    int64_t stale_before = now - st->policy.command_timeout_s;
    int due;
    int rc = any_due(db, sn, stale_before, &due);
    if (rc != 0 || !due)
        return rc;

    rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    zdb_stmt *q;
    if (zdb_dialect_of(db) == ZDB_MARIADB) {
        /* Serialise hand-out per device across zkbiod processes. */
        rc = zdb_prepare(db, "SELECT sn FROM devices WHERE sn = ? FOR UPDATE", &q);
        if (rc != 0)
            return zs_fail(db, rc);
        zdb_bind_text(q, 1, sn, -1);
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            return zs_fail(db, rc);
    }
    rc = zdb_prepare(db,
                     "UPDATE commands SET status = 'failed', done_at = ?, "
                     "result = 'not acknowledged after the last attempt' "
                     "WHERE sn = ? AND status = 'sent' AND sent_at <= ? AND attempts >= ?",
                     &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_int64(q, 1, now);
    zdb_bind_text(q, 2, sn, -1);
    zdb_bind_int64(q, 3, stale_before);
    zdb_bind_int64(q, 4, st->policy.max_attempts);
    rc = zdb_step(q);
    zdb_reset(q);
    if (rc < 0)
        return zs_fail(db, rc);

    rc = zdb_prepare(db,
                     "SELECT id, text FROM commands WHERE sn = ? AND status IN ('queued', 'sent') "
                     "AND (status = 'queued' OR sent_at <= ?) ORDER BY id LIMIT ?",
                     &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_int64(q, 2, stale_before);
    zdb_bind_int64(q, 3, max > 0 ? max : 1);
    size_t cap = 0;
    char *buf = NULL;
    size_t blen = 0;
    int64_t *ids = calloc((size_t)(max > 0 ? max : 1), sizeof(int64_t));
    size_t nids = 0;
    if (!ids) {
        zdb_reset(q);
        return zs_fail(db, ZKBIO_ENOMEM);
    }
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        char id[24];
        int64_t cid = zdb_col_int64(q, 0);
        snprintf(id, sizeof(id), "%lld", (long long)cid);
        const char *text = zdb_col_text(q, 1);
        size_t need = blen + strlen(text) + strlen(id) + 8;
        if (nids > 0 && need > max_bytes)
            break;
        if (need > cap) {
            size_t ncap = need * 2;
            char *p = realloc(buf, ncap);
            if (!p) {
                rc = ZKBIO_ENOMEM;
                break;
            }
            buf = p;
            cap = ncap;
        }
        rc = zkbio_push_command_frame(id, text, buf, cap, &blen);
        if (rc != 0)
            break;
        ids[nids++] = cid;
    }
    zdb_reset(q);
    if (rc < 0) {
        free(buf);
        free(ids);
        return zs_fail(db, rc);
    }
    for (size_t i = 0; i < nids; i++) {
        rc = zdb_prepare(db,
                         "UPDATE commands SET status = 'sent', attempts = attempts + 1, sent_at = "
                         "? WHERE id = ?",
                         &q);
        if (rc != 0)
            break;
        zdb_bind_int64(q, 1, now);
        zdb_bind_int64(q, 2, ids[i]);
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            break;
        rc = 0;
    }
    free(ids);
    if (rc == 0)
        rc = zdb_commit(db);
    if (rc != 0) {
        free(buf);
        return zs_fail(db, rc);
    }
    if (nids == 0) {
        free(buf);
        return 0;
    }
    *body = buf;
    *len = blen;
    return 0;
}

/* ---- devicecmd: results
 * ------------------------------------------------------------------------------------- */

/* Return codes worth retrying: device busy, timeouts, read/write or cache trouble (push.md §5). */
static int transient(int32_t ret)
{
    switch (ret) {
    case -3:    /* read/write error, insufficient cache */
    case -1003: /* timeout */
    case -1005: /* busy */
    case -725:  /* result wait timeout */
    case -730:  /* no server response */
        return 1;
    default:
        return 0;
    }
}

static int parse_id(const char *s, int64_t *id)
{
    if (!s || !*s)
        return 0;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (*p - '0');
    }
    *id = v;
    return 1;
}

static char *result_json(const zkbio_push_cmd_result *r)
{
    if (r->extra.count == 0 && !r->content)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (size_t i = 0; i < r->extra.count; i++)
        json_object_set_new(o, r->extra.keys[i], json_string(r->extra.values[i]));
    if (r->content)
        json_object_set_new(o, "content_bytes", json_integer((json_int_t)r->content_len));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static int commands_ack_once(zs_store *st, const char *sn, const zkbio_push_cmd_results *res,
                             size_t *matched)
{
    *matched = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t now = zs_now();
    for (size_t i = 0; i < res->count; i++) {
        const zkbio_push_cmd_result *r = &res->results[i];
        int64_t id;
        if (!parse_id(r->id, &id))
            continue;
        zdb_stmt *q;
        rc = zdb_prepare(db,
                         "SELECT status, attempts, kind, pin, item_key, item_hash FROM commands "
                         "WHERE id = ? AND sn = ?",
                         &q);
        if (rc != 0)
            return zs_fail(db, rc);
        zdb_bind_int64(q, 1, id);
        zdb_bind_text(q, 2, sn, -1);
        rc = zdb_step(q);
        if (rc != ZDB_ROW) {
            zdb_reset(q);
            if (rc < 0)
                return zs_fail(db, rc);
            continue;
        }
        (*matched)++;
        char status[16], kind[16], pin[ZKBIO_PUSH_PIN_MAX + 1], key[96], hash[65];
        snprintf(status, sizeof(status), "%s", zdb_col_text(q, 0));
        int64_t attempts = zdb_col_int64(q, 1);
        snprintf(kind, sizeof(kind), "%s", zdb_col_text(q, 2));
        snprintf(pin, sizeof(pin), "%s", zdb_col_text(q, 3));
        snprintf(key, sizeof(key), "%s", zdb_col_text(q, 4));
        snprintf(hash, sizeof(hash), "%s", zdb_col_text(q, 5));
        zdb_reset(q);
        if (strcmp(status, "sent") != 0 && strcmp(status, "queued") != 0)
            continue; /* a repeated or late result: already settled */

        /* Deleting a user the device does not have is as good as done (-10: PIN not on device). */
        int ok = r->ret >= 0 || (strcmp(kind, "delete") == 0 && r->ret == -10);
        const char *next =
            ok ? "done"
               : (transient(r->ret) && attempts < st->policy.max_attempts ? "queued" : "failed");
        char *detail = result_json(r);
        rc = zdb_prepare(db,
                         "UPDATE commands SET status = ?, return_code = ?, result = ?, "
                         "done_at = CASE WHEN ? = 'queued' THEN NULL ELSE ? END WHERE id = ?",
                         &q);
        if (rc == 0) {
            zdb_bind_text(q, 1, next, -1);
            zdb_bind_int64(q, 2, r->ret);
            zdb_bind_text(q, 3, detail, -1);
            zdb_bind_text(q, 4, next, -1);
            zdb_bind_int64(q, 5, now);
            zdb_bind_int64(q, 6, id);
            rc = zdb_step(q);
            zdb_reset(q);
            rc = rc < 0 ? rc : 0;
        }
        free(detail);
        if (rc == 0 && ok && *key) {
            if (strcmp(kind, "delete") == 0)
                rc = forget_pin(db, sn, pin);
            else
                rc = zs_sync_mark_applied(db, sn, pin, key, hash);
        }
        if (rc != 0)
            return zs_fail(db, rc);
    }
    return zs_fail(db, zdb_commit(db));
}

static int command_enqueue_once(zs_store *st, const char *sn, const char *text, int64_t *id)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    char group[65];
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zs_device_group(db, sn, group);
    if (rc == 0)
        rc = enqueue(db, sn, "admin", "", "", "", text, id);
    if (rc == 0)
        rc = zdb_commit(db);
    return zs_fail(db, rc);
}

int zs_device_poll(zs_store *st, const char *sn, const char *ip, zs_admit *admit, int *language,
                   int *due)
{
    *due = 0;
    if (language)
        *language = -1;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    /* One statement, one round trip on MariaDB: the admission row and whether a command is due
     * (the same two conditions as any_due()). Read from the shared database on every poll, so a
     * command queued by another zkbiod process is seen at the next poll. */
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT enabled, language, "
                         "EXISTS (SELECT 1 FROM commands WHERE sn = ? AND status = 'queued'), "
                         "EXISTS (SELECT 1 FROM commands WHERE sn = ? AND status = 'sent' AND "
                         "sent_at <= ?), id, admission, pin_address, ip FROM devices WHERE sn = ?",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, sn, -1);
    zdb_bind_int64(q, 3, zs_now() - st->policy.command_timeout_s);
    zdb_bind_text(q, 4, sn, -1);
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        int enabled = (int)zdb_col_int64(q, 0);
        if (language)
            *language = (int)zdb_col_int64(q, 1);
        int due_ = zdb_col_int64(q, 2) != 0 || zdb_col_int64(q, 3) != 0;
        int64_t id = zdb_col_int64(q, 4);
        char adm[17], pin[65], last[49];
        snprintf(adm, sizeof(adm), "%s", zdb_col_text(q, 5));
        snprintf(pin, sizeof(pin), "%s", zdb_col_text(q, 6));
        snprintf(last, sizeof(last), "%s", zdb_col_text(q, 7));
        zdb_reset(q);
        *admit = zs_admission_row(st, db, sn, id, enabled, adm, pin, last, ip);
        /* issue 15: nothing is handed to a device that is not approved */
        *due = *admit == ZS_ADMIT_OK && due_;
        return 0;
    }
    zdb_reset(q);
    if (rc < 0)
        return rc;
    /* Unknown device: register it like any request does; a full sync may have been queued. */
    rc = zs_device_admit(st, sn, ip, admit, language);
    *due = rc == 0 && *admit == ZS_ADMIT_OK;
    return rc;
}

int zs_commands_take(zs_store *st, const char *sn, int max, size_t max_bytes, char **body,
                     size_t *len)
{
    int rc;
    ZS_RETRY(st, rc, commands_take_once(st, sn, max, max_bytes, body, len));
    return rc;
}

int zs_commands_ack(zs_store *st, const char *sn, const zkbio_push_cmd_results *res,
                    size_t *matched)
{
    int rc;
    ZS_RETRY(st, rc, commands_ack_once(st, sn, res, matched));
    return rc;
}

int zs_command_enqueue(zs_store *st, const char *sn, const char *text, int64_t *id)
{
    int rc;
    ZS_RETRY(st, rc, command_enqueue_once(st, sn, text, id));
    return rc;
}
