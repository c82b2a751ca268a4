/* SPDX-License-Identifier: Apache-2.0 */
/* Terminals over 4370 in the store: device rows by id, leases, bulk insert of pulled punches, the
 * users of a sync group for an upload (store_fleet.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_impl.h"

/* Wall-clock milliseconds: lease times are compared across processes (and hosts). */
static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define FLEET_COLS                                                                                 \
    "id, sn, transport, name, location, ip, port, udp, comm_key, tz, model, firmware, state, "     \
    "last_error, sync_group, enabled, last_seen, registered_at, user_count, fp_count, "            \
    "punch_count, created_by"

static void copy_col(zdb_stmt *q, int col, char *out, size_t outsz)
{
    const char *s = zdb_col_text(q, col);
    snprintf(out, outsz, "%s", s ? s : "");
}

static void fleet_row(zdb_stmt *q, void *element)
{
    zs_fleet_device *d = element;
    memset(d, 0, sizeof(*d));
    int c = 0;
    d->id = zdb_col_int64(q, c++);
    copy_col(q, c++, d->sn, sizeof(d->sn));
    copy_col(q, c++, d->transport, sizeof(d->transport));
    copy_col(q, c++, d->name, sizeof(d->name));
    copy_col(q, c++, d->location, sizeof(d->location));
    copy_col(q, c++, d->ip, sizeof(d->ip));
    d->port = (int)zdb_col_int64(q, c++);
    d->udp = (int)zdb_col_int64(q, c++);
    d->comm_key = (uint32_t)zdb_col_int64(q, c++);
    copy_col(q, c++, d->tz, sizeof(d->tz));
    copy_col(q, c++, d->model, sizeof(d->model));
    copy_col(q, c++, d->firmware, sizeof(d->firmware));
    copy_col(q, c++, d->state, sizeof(d->state));
    copy_col(q, c++, d->last_error, sizeof(d->last_error));
    copy_col(q, c++, d->sync_group, sizeof(d->sync_group));
    d->enabled = (int)zdb_col_int64(q, c++);
    d->last_seen = zdb_col_int64(q, c++);
    d->registered_at = zdb_col_int64(q, c++);
    d->user_count = zdb_col_int64(q, c++);
    d->fp_count = zdb_col_int64(q, c++);
    d->punch_count = zdb_col_int64(q, c++);
    copy_col(q, c++, d->created_by, sizeof(d->created_by));
}

int zs_fleet_add(zs_store *st, const zs_fleet_device *d, int64_t *id)
{
    if (!st || !d || !d->sn[0] || !d->ip[0] || !id)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t n = 0;
    rc = zdb_query_int64(db,
                         "SELECT COUNT(*) FROM devices WHERE (transport = 'tcp4370' AND ip = ? AND "
                         "port = ?) OR sn = ?",
                         &n, "sis", d->ip, d->port, d->sn);
    if (rc != 0)
        return zs_fail(db, rc);
    if (n > 0)
        return zs_fail(db, ZKBIO_EEXIST);
    rc = zdb_run(db,
                 "INSERT INTO devices (sn, transport, name, location, ip, port, udp, comm_key, tz, "
                 "model, firmware, sync_group, enabled, registered_at, last_seen, state, "
                 "created_by) VALUES (?, 'tcp4370', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, "
                 "'online', ?)",
                 "ssssiilsssslls", d->sn, d->name, d->location, d->ip, d->port, d->udp,
                 (int64_t)d->comm_key, d->tz, d->model, d->firmware,
                 d->sync_group[0] ? d->sync_group : "default", zs_now(), zs_now(), d->created_by);
    if (rc != 0)
        return zs_fail(db, rc);
    *id = zdb_last_insert_id(db);
    return zdb_commit(db);
}

int zs_fleet_get(zs_store *st, int64_t id, zs_fleet_device *out)
{
    if (!st || !out)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT " FLEET_COLS " FROM devices WHERE id = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    int found = rc == ZDB_ROW;
    if (found)
        fleet_row(q, out);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    return found ? ZKBIO_OK : ZKBIO_ENOENT;
}

int zs_fleet_find_endpoint(zs_store *st, const char *ip, int port, int64_t *id)
{
    if (!st || !ip || !id)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_query_int64(
        db, "SELECT id FROM devices WHERE transport = 'tcp4370' AND ip = ? AND port = ?", id, "si",
        ip, port);
}

int zs_fleet_list_4370(zs_store *st, zs_fleet_device **out, size_t *n)
{
    if (!st || !out || !n)
        return ZKBIO_EINVAL;
    *out = NULL;
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT " FLEET_COLS
                         " FROM devices WHERE transport = 'tcp4370' AND enabled = 1 ORDER BY id",
                         &q);
    if (rc != 0)
        return rc;
    rc = zs_collect(q, out, n, sizeof(**out), 0, NULL, fleet_row);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int zs_fleet_set_state(zs_store *st, int64_t id, const char *state, const char *last_error,
                       int contact)
{
    if (!st || !state)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    char err[256];
    snprintf(err, sizeof(err), "%s", last_error ? last_error : "");
    if (contact)
        return zdb_run(db,
                       "UPDATE devices SET state = ?, last_error = CASE WHEN ? = 1 THEN ? ELSE "
                       "last_error END, last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? "
                       "END WHERE id = ?",
                       "sislll", state, last_error ? 1 : 0, err, zs_now(), zs_now(), id);
    return zdb_run(db,
                   "UPDATE devices SET state = ?, last_error = CASE WHEN ? = 1 THEN ? ELSE "
                   "last_error END WHERE id = ?",
                   "sisl", state, last_error ? 1 : 0, err, id);
}

int zs_fleet_set_counts(zs_store *st, int64_t id, int64_t users, int64_t fps, int64_t punches)
{
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_run(db,
                   "UPDATE devices SET user_count = CASE WHEN ? < 0 THEN user_count ELSE ? END, "
                   "fp_count = CASE WHEN ? < 0 THEN fp_count ELSE ? END, punch_count = CASE WHEN "
                   "? < 0 THEN punch_count ELSE ? END WHERE id = ?",
                   "lllllll", users, users, fps, fps, punches, punches, id);
}

int zs_fleet_delete(zs_store *st, int64_t id)
{
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zdb_run(db, "DELETE FROM devices WHERE id = ?", "l", id);
    if (rc != 0)
        return zs_fail(db, rc);
    int64_t gone = zdb_changes(db);
    rc = zdb_run(db, "DELETE FROM device_leases WHERE device_id = ?", "l", id);
    if (rc != 0)
        return zs_fail(db, rc);
    rc = zdb_commit(db);
    if (rc != 0)
        return rc;
    return gone ? ZKBIO_OK : ZKBIO_ENOENT;
}

/* ---- bulk punch insert ---------------------------------------------------------------------- */

#define PROW1  "(?, ?, ?, ?, ?, ?, '', ?)"
#define PROW4  PROW1 ", " PROW1 ", " PROW1 ", " PROW1
#define PROW16 PROW4 ", " PROW4 ", " PROW4 ", " PROW4
#define PROW64 PROW16 ", " PROW16 ", " PROW16 ", " PROW16
#define PCOLS                                                                                      \
    " INTO attendance (sn, pin, punch_time, status, verify, workcode, extra, received_at) VALUES "

static const struct {
    size_t rows;
    const char *sqlite_sql, *mariadb_sql;
} pins[] = {
    {64, "INSERT OR IGNORE" PCOLS PROW64, "INSERT IGNORE" PCOLS PROW64},
    {16, "INSERT OR IGNORE" PCOLS PROW16, "INSERT IGNORE" PCOLS PROW16},
    {4, "INSERT OR IGNORE" PCOLS PROW4, "INSERT IGNORE" PCOLS PROW4},
    {1, "INSERT OR IGNORE" PCOLS PROW1, "INSERT IGNORE" PCOLS PROW1},
};

/* Insert rows p[0..n) (inside the caller's transaction); *added += rows new. */
static int insert_some(zdb *db, const char *sn, const zs_fleet_punch *p, size_t n, int64_t now,
                       size_t *added)
{
    size_t i = 0;
    for (size_t s = 0; s < sizeof(pins) / sizeof(pins[0]); s++) {
        size_t rows = pins[s].rows;
        while (n - i >= rows) {
            zdb_stmt *q;
            int rc = zdb_prepare(db, ZS_SQL(db, pins[s].sqlite_sql, pins[s].mariadb_sql), &q);
            if (rc != 0)
                return rc;
            int b = 1;
            for (size_t k = 0; k < rows; k++) {
                const zs_fleet_punch *r = &p[i + k];
                char wc[16] = "";
                if (r->workcode)
                    snprintf(wc, sizeof(wc), "%u", (unsigned)r->workcode);
                zdb_bind_text(q, b++, sn, -1);
                zdb_bind_text(q, b++, r->pin, -1);
                zdb_bind_text(q, b++, r->time, -1);
                zdb_bind_int64(q, b++, r->status);
                zdb_bind_int64(q, b++, r->verify);
                zdb_bind_text(q, b++, wc, -1);
                zdb_bind_int64(q, b++, now);
            }
            rc = zdb_step(q);
            zdb_reset(q);
            if (rc < 0)
                return rc;
            *added += (size_t)zdb_changes(db);
            i += rows;
        }
    }
    return ZKBIO_OK;
}

int zs_fleet_punches_insert(zs_store *st, const char *sn, const zs_fleet_punch *p, size_t n,
                            int (*progress)(void *ctx, size_t done), void *ctx, size_t *inserted,
                            size_t *duplicates)
{
    if (!st || !sn || (!p && n))
        return ZKBIO_EINVAL;
    size_t added = 0, done = 0;
    int rc = ZKBIO_OK;
    zdb *db = zs_db(st);
    if (!db)
        rc = ZKBIO_EUNAVAIL;
    while (rc == ZKBIO_OK && done < n) {
        size_t take = n - done < ZS_FLEET_BATCH ? n - done : ZS_FLEET_BATCH;
        size_t got = 0;
        for (int attempt = 0;; attempt++) {
            got = 0;
            rc = zdb_begin(db);
            if (rc == 0)
                rc = insert_some(db, sn, p + done, take, zs_now(), &got);
            if (rc == 0)
                rc = zdb_commit(db);
            else
                zs_fail(db, rc);
            if (rc == 0 || attempt == 2 || !zs_retry(st, rc))
                break;
        }
        if (rc != 0)
            break;
        added += got;
        done += take;
        if (progress && progress(ctx, done) != 0 && done < n)
            rc = ZKBIO_ECANCELED;
    }
    if (inserted)
        *inserted = added;
    if (duplicates)
        *duplicates = done - added;
    return rc;
}

/* ---- leases --------------------------------------------------------------------------------- */

int zs_lease_take(zs_store *st, int64_t id, const char *owner, int ttl_ms, int *got)
{
    if (!st || !owner || !got || ttl_ms <= 0)
        return ZKBIO_EINVAL;
    *got = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t now = wall_ms();
    /* renew ours or take over an expired one; else insert (a concurrent insert loses on the key) */
    int rc = zdb_run(db,
                     "UPDATE device_leases SET owner = ?, lease_until = ? WHERE device_id = ? AND "
                     "(owner = ? OR lease_until < ?)",
                     "sllsl", owner, now + ttl_ms, id, owner, now);
    if (rc != 0)
        return rc;
    if (zdb_changes(db) == 1) {
        *got = 1;
        return ZKBIO_OK;
    }
    rc =
        zdb_run(db,
                ZS_SQL(db,
                       "INSERT OR IGNORE INTO device_leases (device_id, owner, lease_until) VALUES "
                       "(?, ?, ?)",
                       "INSERT IGNORE INTO device_leases (device_id, owner, lease_until) VALUES "
                       "(?, ?, ?)"),
                "lsl", id, owner, now + ttl_ms);
    if (rc != 0)
        return rc;
    *got = zdb_changes(db) == 1;
    return ZKBIO_OK;
}

int zs_lease_drop(zs_store *st, int64_t id, const char *owner)
{
    if (!st || !owner)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_run(db, "DELETE FROM device_leases WHERE device_id = ? AND owner = ?", "ls", id,
                   owner);
}

/* ---- users of a group, for an upload -------------------------------------------------------- */

void zs_fleet_users_free(zs_fleet_user *u, size_t n)
{
    if (!u)
        return;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < u[i].ntemplates; k++)
            free(u[i].templates[k].tmp);
    free(u);
}

static int user_templates(zdb *db, zs_fleet_user *u)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT no, valid, duress, tmp FROM templates WHERE pin = ? AND kind = "
                         "'FP' AND no >= 0 AND no <= 9 AND idx = 0 ORDER BY no",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, u->pin, -1);
    while ((rc = zdb_step(q)) == ZDB_ROW && u->ntemplates < 10) {
        const char *t = zdb_col_text(q, 3);
        char *copy = strdup(t ? t : "");
        if (!copy) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        size_t k = u->ntemplates++;
        u->templates[k].fid = (int)zdb_col_int64(q, 0);
        u->templates[k].valid = (int)zdb_col_int64(q, 1);
        u->templates[k].duress = (int)zdb_col_int64(q, 2);
        u->templates[k].tmp = copy;
    }
    zdb_reset(q);
    return rc < 0 ? rc : ZKBIO_OK;
}

int zs_fleet_group_users(zs_store *st, const char *group, const char *after, int limit,
                         zs_fleet_user **out, size_t *n)
{
    if (!st || !group || !out || !n || limit <= 0 || limit > 1000)
        return ZKBIO_EINVAL;
    *out = NULL;
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zs_fleet_user *arr = calloc((size_t)limit, sizeof(*arr));
    if (!arr)
        return ZKBIO_ENOMEM;
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         /* the group's users, and employees whose other areas include it
                            (issue 16, store_personnel.h) */
                         "SELECT pin, name, password, card, privilege FROM users WHERE "
                         "(sync_group = ? OR pin IN (SELECT ea.pin FROM employee_areas ea JOIN "
                         "areas a ON a.id = ea.area_id WHERE a.area_code = ?)) AND pin > ? "
                         "ORDER BY pin LIMIT ?",
                         &q);
    if (rc != 0) {
        free(arr);
        return rc;
    }
    zdb_bind_text(q, 1, group, -1);
    zdb_bind_text(q, 2, group, -1);
    zdb_bind_text(q, 3, after ? after : "", -1);
    zdb_bind_int64(q, 4, limit);
    size_t k = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW && k < (size_t)limit) {
        zs_fleet_user *u = &arr[k++];
        copy_col(q, 0, u->pin, sizeof(u->pin));
        copy_col(q, 1, u->name, sizeof(u->name));
        copy_col(q, 2, u->password, sizeof(u->password));
        copy_col(q, 3, u->card, sizeof(u->card));
        u->privilege = (int)zdb_col_int64(q, 4);
    }
    zdb_reset(q);
    for (size_t i = 0; rc >= 0 && i < k; i++)
        rc = user_templates(db, &arr[i]);
    if (rc < 0) {
        zs_fleet_users_free(arr, k);
        return rc;
    }
    *out = arr;
    *n = k;
    return ZKBIO_OK;
}
