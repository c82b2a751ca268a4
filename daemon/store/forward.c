/* SPDX-License-Identifier: Apache-2.0 */
/* Forwarding targets and their outbox in the store (store_forward.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_impl.h"

/* Wall-clock milliseconds: leases are compared across processes. */
static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_col(zdb_stmt *q, int col, char *out, size_t outsz)
{
    const char *s = zdb_col_text(q, col);
    snprintf(out, outsz, "%s", s ? s : "");
}

/* ---- forwarders ------------------------------------------------------------------------------ */

void zs_forwarder_clear(zs_forwarder *f)
{
    if (!f)
        return;
    free(f->settings);
    free(f->devices);
    free(f->groups);
    memset(f, 0, sizeof(*f));
}

static int set_values(zs_fwd_value **arr, size_t *count, const char *const *v, size_t n)
{
    zs_fwd_value *a = NULL;
    if (n > 0) {
        a = calloc(n, sizeof(*a));
        if (!a)
            return ZKBIO_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            if (!v[i] || strlen(v[i]) >= sizeof(a[i])) {
                free(a);
                return ZKBIO_EINVAL;
            }
            memcpy(a[i], v[i], strlen(v[i]) + 1);
        }
    }
    free(*arr);
    *arr = a;
    *count = n;
    return 0;
}

int zs_forwarder_set_devices(zs_forwarder *f, const char *const *v, size_t n)
{
    return f ? set_values(&f->devices, &f->ndevices, v, n) : ZKBIO_EINVAL;
}

int zs_forwarder_set_groups(zs_forwarder *f, const char *const *v, size_t n)
{
    return f ? set_values(&f->groups, &f->ngroups, v, n) : ZKBIO_EINVAL;
}

#define FWD_COLS                                                                                   \
    "id, name, kind, url, state, paused_reason, source, settings, last_error, last_error_at, "     \
    "last_success_at, created_at, updated_at, lease_owner, lease_until"

/* One row of FWD_COLS into *f (filters not read). 0 or ZKBIO_ENOMEM. */
static int fwd_row(zdb_stmt *q, zs_forwarder *f)
{
    memset(f, 0, sizeof(*f));
    int c = 0;
    f->id = zdb_col_int64(q, c++);
    copy_col(q, c++, f->name, sizeof(f->name));
    copy_col(q, c++, f->kind, sizeof(f->kind));
    copy_col(q, c++, f->url, sizeof(f->url));
    copy_col(q, c++, f->state, sizeof(f->state));
    copy_col(q, c++, f->paused_reason, sizeof(f->paused_reason));
    copy_col(q, c++, f->source, sizeof(f->source));
    const char *s = zdb_col_is_null(q, c) ? "{}" : zdb_col_text(q, c);
    c++;
    f->settings = strdup(s && *s ? s : "{}");
    copy_col(q, c++, f->last_error, sizeof(f->last_error));
    f->last_error_at = zdb_col_int64(q, c++);
    f->last_success_at = zdb_col_int64(q, c++);
    f->created_at = zdb_col_int64(q, c++);
    f->updated_at = zdb_col_int64(q, c++);
    copy_col(q, c++, f->lease_owner, sizeof(f->lease_owner));
    f->lease_until = zdb_col_int64(q, c++);
    return f->settings ? 0 : ZKBIO_ENOMEM;
}

/* Read the filters of f->id into f. */
static int read_filters(zdb *db, zs_forwarder *f)
{
    zdb_stmt *q;
    int rc =
        zdb_prepare(db,
                    "SELECT kind, value FROM forwarder_filters WHERE forwarder_id = ? ORDER BY "
                    "kind, value",
                    &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, f->id);
    size_t capd = 0, capg = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        const char *kind = zdb_col_text(q, 0);
        int dev = strcmp(kind, "device") == 0;
        zs_fwd_value **arr = dev ? &f->devices : &f->groups;
        size_t *n = dev ? &f->ndevices : &f->ngroups;
        if (zs_grow(arr, dev ? &capd : &capg, *n, sizeof(zs_fwd_value)) != 0) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        copy_col(q, 1, (*arr)[*n], sizeof(zs_fwd_value));
        (*n)++;
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

/* Write f's filters for forwarder id (inside the caller's transaction; old ones deleted). */
static int write_filters(zdb *db, int64_t id, const zs_forwarder *f)
{
    int rc = zdb_run(db, "DELETE FROM forwarder_filters WHERE forwarder_id = ?", "l", id);
    for (size_t i = 0; rc == 0 && i < f->ndevices; i++)
        rc = zdb_run(db,
                     ZS_SQL(db,
                            "INSERT OR IGNORE INTO forwarder_filters (forwarder_id, kind, value) "
                            "VALUES (?, 'device', ?)",
                            "INSERT IGNORE INTO forwarder_filters (forwarder_id, kind, value) "
                            "VALUES (?, 'device', ?)"),
                     "ls", id, f->devices[i]);
    for (size_t i = 0; rc == 0 && i < f->ngroups; i++)
        rc = zdb_run(db,
                     ZS_SQL(db,
                            "INSERT OR IGNORE INTO forwarder_filters (forwarder_id, kind, value) "
                            "VALUES (?, 'group', ?)",
                            "INSERT IGNORE INTO forwarder_filters (forwarder_id, kind, value) "
                            "VALUES (?, 'group', ?)"),
                     "ls", id, f->groups[i]);
    return rc;
}

static int check_fields(const zs_forwarder *f)
{
    if (!f->name[0] || !f->kind[0] || !f->url[0])
        return ZKBIO_EINVAL;
    if (f->state[0] && strcmp(f->state, "active") != 0 && strcmp(f->state, "paused") != 0)
        return ZKBIO_EINVAL;
    return 0;
}

/* A backfill: one INSERT ... SELECT over the stored punches, with the trigger's filter rule. */
#define BACKFILL_TAIL                                                                              \
    " INTO outbox (forwarder_id, attendance_id, created_at, updated_at) SELECT f.id, a.id, "       \
    "a.received_at, a.received_at FROM attendance a JOIN forwarders f ON f.id = ? WHERE "          \
    "a.punch_time >= ? AND (f.device_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff "    \
    "WHERE ff.forwarder_id = f.id AND ff.kind = 'device' AND ff.value = a.sn)) AND "               \
    "(f.group_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff JOIN devices d ON "         \
    "d.sync_group = ff.value WHERE ff.forwarder_id = f.id AND ff.kind = 'group' AND d.sn = a.sn))"

static int create_tx(zdb *db, const zs_forwarder *f, const char *since, int64_t *id,
                     int64_t *backfilled)
{
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t n = 0;
    rc = zdb_query_int64(db, "SELECT COUNT(*) FROM forwarders WHERE name = ?", &n, "s", f->name);
    if (rc != 0)
        return zs_fail(db, rc);
    if (n > 0)
        return zs_fail(db, ZKBIO_EEXIST);
    int64_t now = zs_now();
    rc =
        zdb_run(db,
                "INSERT INTO forwarders (name, kind, url, state, paused_reason, device_filter, "
                "group_filter, settings, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?)",
                "sssssiissll", f->name, f->kind, f->url, f->state[0] ? f->state : "active",
                f->paused_reason, f->ndevices > 0, f->ngroups > 0, f->settings ? f->settings : "{}",
                f->source[0] ? f->source : "api", now, now);
    if (rc != 0)
        return zs_fail(db, rc);
    *id = zdb_last_insert_id(db);
    rc = write_filters(db, *id, f);
    if (rc == 0 && since) {
        rc =
            zdb_run(db, ZS_SQL(db, "INSERT OR IGNORE" BACKFILL_TAIL, "INSERT IGNORE" BACKFILL_TAIL),
                    "ls", *id, since);
        if (rc == 0 && backfilled)
            *backfilled = zdb_changes(db);
    }
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_forwarder_create(zs_store *st, const zs_forwarder *f, const char *backfill_since,
                        int64_t *id, int64_t *backfilled)
{
    if (!st || !f || !id || check_fields(f) != 0)
        return ZKBIO_EINVAL;
    if (backfilled)
        *backfilled = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, create_tx(db, f, backfill_since, id, backfilled));
    return rc;
}

static int get_by(zs_store *st, const char *sql, int64_t id, const char *name, zs_forwarder *out)
{
    if (!st || !out)
        return ZKBIO_EINVAL;
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, sql, &q);
    if (rc != 0)
        return rc;
    if (name)
        zdb_bind_text(q, 1, name, -1);
    else
        zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    int found = rc == ZDB_ROW;
    if (found)
        rc = fwd_row(q, out);
    zdb_reset(q);
    if (rc < 0) {
        zs_forwarder_clear(out);
        return rc;
    }
    if (!found)
        return ZKBIO_ENOENT;
    rc = read_filters(db, out);
    if (rc != 0)
        zs_forwarder_clear(out);
    return rc;
}

int zs_forwarder_get(zs_store *st, int64_t id, zs_forwarder *out)
{
    return get_by(st, "SELECT " FWD_COLS " FROM forwarders WHERE id = ?", id, NULL, out);
}

int zs_forwarder_find(zs_store *st, const char *name, zs_forwarder *out)
{
    if (!name)
        return ZKBIO_EINVAL;
    return get_by(st, "SELECT " FWD_COLS " FROM forwarders WHERE name = ?", 0, name, out);
}

void zs_forwarders_free(zs_forwarder *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++)
        zs_forwarder_clear(&rows[i]);
    free(rows);
}

int zs_forwarders_list(zs_store *st, int64_t after, int limit, zs_forwarder **out, size_t *n,
                       int64_t *total)
{
    if (!st || !out || !n || limit < 0 || limit > 1001)
        return ZKBIO_EINVAL;
    *out = NULL;
    *n = 0;
    if (limit == 0)
        limit = 100;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc =
        zdb_prepare(db, "SELECT " FWD_COLS " FROM forwarders WHERE id > ? ORDER BY id LIMIT ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, after);
    zdb_bind_int64(q, 2, limit);
    zs_forwarder *rows = NULL;
    size_t cap = 0, cnt = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (zs_grow(&rows, &cap, cnt, sizeof(*rows)) != 0) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        rc = fwd_row(q, &rows[cnt]);
        cnt++;
        if (rc != 0)
            break;
    }
    zdb_reset(q);
    for (size_t i = 0; rc >= 0 && i < cnt; i++)
        rc = read_filters(db, &rows[i]);
    if (rc >= 0 && total)
        rc = zdb_query_int64(db, "SELECT COUNT(*) FROM forwarders", total, NULL);
    if (rc < 0) {
        zs_forwarders_free(rows, cnt);
        return rc;
    }
    *out = rows;
    *n = cnt;
    return 0;
}

static int update_tx(zdb *db, const zs_forwarder *f)
{
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t n = 0;
    rc = zdb_query_int64(db, "SELECT COUNT(*) FROM forwarders WHERE name = ? AND id <> ?", &n, "sl",
                         f->name, f->id);
    if (rc != 0)
        return zs_fail(db, rc);
    if (n > 0)
        return zs_fail(db, ZKBIO_EEXIST);
    rc = zdb_run(db,
                 "UPDATE forwarders SET name = ?, kind = ?, url = ?, settings = ?, device_filter = "
                 "?, group_filter = ?, updated_at = ? WHERE id = ?",
                 "ssssiill", f->name, f->kind, f->url, f->settings ? f->settings : "{}",
                 f->ndevices > 0, f->ngroups > 0, zs_now(), f->id);
    if (rc != 0)
        return zs_fail(db, rc);
    if (zdb_changes(db) != 1)
        return zs_fail(db, ZKBIO_ENOENT);
    rc = write_filters(db, f->id, f);
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_forwarder_update(zs_store *st, const zs_forwarder *f)
{
    if (!st || !f || check_fields(f) != 0)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, update_tx(db, f));
    return rc;
}

static int delete_tx(zdb *db, int64_t id)
{
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zdb_run(db, "DELETE FROM forwarders WHERE id = ?", "l", id);
    if (rc != 0)
        return zs_fail(db, rc);
    if (zdb_changes(db) != 1)
        return zs_fail(db, ZKBIO_ENOENT);
    rc = zdb_run(db, "DELETE FROM forwarder_filters WHERE forwarder_id = ?", "l", id);
    if (rc == 0)
        rc = zdb_run(db, "DELETE FROM outbox WHERE forwarder_id = ?", "l", id);
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_forwarder_delete(zs_store *st, int64_t id)
{
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, delete_tx(db, id));
    return rc;
}

int zs_forwarder_set_state(zs_store *st, int64_t id, const char *state, const char *reason)
{
    if (!st || !state)
        return ZKBIO_EINVAL;
    int paused = strcmp(state, "paused") == 0;
    if (!paused && strcmp(state, "active") != 0)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    char r[256];
    snprintf(r, sizeof(r), "%s", paused && reason ? reason : "");
    int rc = zdb_run(db,
                     "UPDATE forwarders SET state = ?, paused_reason = ?, updated_at = ? WHERE id "
                     "= ?",
                     "ssll", state, r, zs_now(), id);
    if (rc != 0)
        return rc;
    return zdb_changes(db) == 1 ? ZKBIO_OK : ZKBIO_ENOENT;
}

int zs_forwarder_set_source(zs_store *st, int64_t id, const char *source)
{
    if (!st || !source || (strcmp(source, "api") != 0 && strcmp(source, "config") != 0))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db, "UPDATE forwarders SET source = ? WHERE id = ?", "sl", source, id);
    if (rc != 0)
        return rc;
    return zdb_changes(db) == 1 ? ZKBIO_OK : ZKBIO_ENOENT;
}

int zs_forwarder_note(zs_store *st, int64_t id, const char *error, int success)
{
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = 0;
    if (error) {
        char e[513];
        snprintf(e, sizeof(e), "%s", error);
        rc = zdb_run(db, "UPDATE forwarders SET last_error = ?, last_error_at = ? WHERE id = ?",
                     "sll", e, zs_now(), id);
    }
    if (rc == 0 && success)
        rc = zdb_run(db, "UPDATE forwarders SET last_success_at = ? WHERE id = ?", "ll", zs_now(),
                     id);
    return rc;
}

int zs_forwarder_lease(zs_store *st, int64_t id, const char *owner, int ttl_ms, int *got)
{
    if (!st || !owner || !got || ttl_ms <= 0 || strlen(owner) > 64)
        return ZKBIO_EINVAL;
    *got = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t now = wall_ms();
    int rc = zdb_run(db,
                     "UPDATE forwarders SET lease_owner = ?, lease_until = ? WHERE id = ? AND "
                     "(lease_owner = ? OR lease_owner = '' OR lease_until < ?)",
                     "sllsl", owner, now + ttl_ms, id, owner, now);
    if (rc != 0)
        return rc;
    *got = zdb_changes(db) == 1;
    return ZKBIO_OK;
}

int zs_forwarder_lease_steal(zs_store *st, int64_t id, const char *dead, const char *owner,
                             int ttl_ms, int *got)
{
    if (!st || !dead || !*dead || !owner || !got || ttl_ms <= 0 || strlen(owner) > 64)
        return ZKBIO_EINVAL;
    *got = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db,
                     "UPDATE forwarders SET lease_owner = ?, lease_until = ? WHERE id = ? AND "
                     "lease_owner = ?",
                     "slls", owner, wall_ms() + ttl_ms, id, dead);
    if (rc == 0)
        *got = zdb_changes(db) == 1;
    return rc;
}

int zs_forwarder_lease_drop(zs_store *st, int64_t id, const char *owner)
{
    if (!st || !owner)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_run(db,
                   "UPDATE forwarders SET lease_owner = '', lease_until = 0 WHERE id = ? AND "
                   "lease_owner = ?",
                   "ls", id, owner);
}

int zs_forward_thread_init(zs_store *st)
{
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_dialect_of(db) == ZDB_SQLITE ? zdb_exec(db, "PRAGMA synchronous=NORMAL") : 0;
}

/* ---- outbox ---------------------------------------------------------------------------------- */

static const char *const state_names[] = {"pending", "delivered", "duplicate", "parked", "failed"};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

const char *zs_outbox_state_name(int state)
{
    return state >= 0 && (size_t)state < N_STATES ? state_names[state] : NULL;
}

int zs_outbox_state_parse(const char *name)
{
    for (size_t i = 0; name && i < N_STATES; i++)
        if (strcmp(name, state_names[i]) == 0)
            return (int)i;
    return -1;
}

#define ITEM_COLS                                                                                  \
    "o.id, o.forwarder_id, o.attendance_id, COALESCE(a.sn, ''), COALESCE(a.pin, ''), "             \
    "COALESCE(a.punch_time, ''), COALESCE(a.status, 0), COALESCE(a.verify, 0), "                   \
    "COALESCE(a.workcode, ''), COALESCE(d.name, ''), COALESCE(d.tz, ''), COALESCE(d.sync_group, "  \
    "''), o.state, "                                                                               \
    "o.attempts, o.next_at, o.sent_time, o.last_status, o.last_error, o.created_at, "              \
    "o.updated_at, o.delivered_at, o.remote_id"
#define ITEM_JOINS                                                                                 \
    " LEFT JOIN attendance a ON a.id = o.attendance_id LEFT JOIN devices d ON d.sn = a.sn"
#define ITEM_FROM " FROM outbox o" ITEM_JOINS

static void item_row(zdb_stmt *q, void *element)
{
    zs_outbox_item *it = element;
    memset(it, 0, sizeof(*it));
    int c = 0;
    it->id = zdb_col_int64(q, c++);
    it->forwarder_id = zdb_col_int64(q, c++);
    it->attendance_id = zdb_col_int64(q, c++);
    copy_col(q, c++, it->sn, sizeof(it->sn));
    copy_col(q, c++, it->pin, sizeof(it->pin));
    copy_col(q, c++, it->punch_time, sizeof(it->punch_time));
    it->status = (int)zdb_col_int64(q, c++);
    it->verify = (int)zdb_col_int64(q, c++);
    copy_col(q, c++, it->workcode, sizeof(it->workcode));
    copy_col(q, c++, it->device_name, sizeof(it->device_name));
    copy_col(q, c++, it->device_tz, sizeof(it->device_tz));
    copy_col(q, c++, it->sync_group, sizeof(it->sync_group));
    it->state = zs_outbox_state_parse(zdb_col_text(q, c++));
    it->attempts = (int)zdb_col_int64(q, c++);
    it->next_at = zdb_col_int64(q, c++);
    copy_col(q, c++, it->sent_time, sizeof(it->sent_time));
    it->last_status = (int)zdb_col_int64(q, c++);
    copy_col(q, c++, it->last_error, sizeof(it->last_error));
    it->created_at = zdb_col_int64(q, c++);
    it->updated_at = zdb_col_int64(q, c++);
    it->delivered_at = zdb_col_int64(q, c++);
    copy_col(q, c++, it->remote_id, sizeof(it->remote_id));
}

int zs_outbox_due(zs_store *st, int64_t fwd, int64_t now_ms, zs_outbox_item *out, size_t max,
                  size_t *n)
{
    if (!st || !out || !n || max == 0)
        return ZKBIO_EINVAL;
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    /* the index outbox_pending walks the target's pending rows in id order and stops after `max`
     * due ones: never a sort of the whole backlog */
    int rc = zdb_prepare(
        db,
        ZS_SQL(db,
               "SELECT " ITEM_COLS " FROM outbox o INDEXED BY outbox_pending" ITEM_JOINS
               " WHERE o.forwarder_id = ? AND o.state = 'pending' AND o.next_at <= ? ORDER BY "
               "o.id LIMIT ?",
               "SELECT " ITEM_COLS " FROM outbox o FORCE INDEX (outbox_pending)" ITEM_JOINS
               " WHERE o.forwarder_id = ? AND o.state = 'pending' AND o.next_at <= ? ORDER BY "
               "o.id LIMIT ?"),
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, fwd);
    zdb_bind_int64(q, 2, now_ms);
    zdb_bind_int64(q, 3, (int64_t)max);
    while (*n < max && (rc = zdb_step(q)) == ZDB_ROW)
        item_row(q, &out[(*n)++]);
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

/* Multi-row statements of 64, 16, 4 and 1 rows (as writer.c does for punches): a batch of n rows
 * costs about n/64 + 9 statements, one round trip each on MariaDB. */
#define W1  " WHEN ? THEN ?"
#define W4  W1 W1 W1 W1
#define W16 W4 W4 W4 W4
#define W64 W16 W16 W16 W16
#define I1  "?"
#define I4  I1 ", " I1 ", " I1 ", " I1
#define I16 I4 ", " I4 ", " I4 ", " I4
#define I64 I16 ", " I16 ", " I16 ", " I16
#define SENT_SQL(w, i)                                                                             \
    "UPDATE outbox SET sent_time = CASE id" w " ELSE sent_time END, updated_at = ? WHERE "         \
    "sent_time = '' AND id IN (" i ")"
/* SQLite: the unary + keeps the planner on the primary key (else it walks outbox_due over every
 * pending row of the target); MariaDB picks the primary key for an IN list by itself. */
#define MARK_SQL(p, i)                                                                             \
    "UPDATE outbox SET attempts = attempts + 1, state = ?, next_at = ?, last_status = ?, "         \
    "last_error = ?, updated_at = ?, delivered_at = ? WHERE " p "forwarder_id = ? AND " p          \
    "state = 'pending' AND id IN (" i ")"

static const struct {
    size_t rows;
    const char *sent, *mark_sqlite, *mark_mariadb;
} chunks[] = {
    {64, SENT_SQL(W64, I64), MARK_SQL("+", I64), MARK_SQL("", I64)},
    {16, SENT_SQL(W16, I16), MARK_SQL("+", I16), MARK_SQL("", I16)},
    {4, SENT_SQL(W4, I4), MARK_SQL("+", I4), MARK_SQL("", I4)},
    {1, SENT_SQL(W1, I1), MARK_SQL("+", I1), MARK_SQL("", I1)},
};

/* The largest chunk that fits n rows. */
static size_t chunk_for(size_t n)
{
    size_t k = 0;
    while (chunks[k].rows > n)
        k++;
    return k;
}

static int sent_tx(zdb *db, const int64_t *ids, const char *const *times, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!times[i] || strlen(times[i]) > 40)
            return ZKBIO_EINVAL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t now = zs_now();
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t k = chunk_for(n - i), m = chunks[k].rows;
        zdb_stmt *q;
        rc = zdb_prepare(db, chunks[k].sent, &q);
        if (rc != 0)
            break;
        int p = 1;
        for (size_t j = 0; j < m; j++) {
            zdb_bind_int64(q, p++, ids[i + j]);
            zdb_bind_text(q, p++, times[i + j], -1);
        }
        zdb_bind_int64(q, p++, now);
        for (size_t j = 0; j < m; j++)
            zdb_bind_int64(q, p++, ids[i + j]);
        rc = zdb_step(q);
        zdb_reset(q);
        rc = rc < 0 ? rc : 0;
        i += m;
    }
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_outbox_set_sent_times(zs_store *st, const int64_t *ids, const char *const *times, size_t n)
{
    if (!st || (n && (!ids || !times)))
        return ZKBIO_EINVAL;
    if (n == 0)
        return 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, sent_tx(db, ids, times, n));
    return rc;
}

/* Rows i and j have the same outcome (one statement may write both). */
static int same_result(const zs_outbox_result *a, const zs_outbox_result *b)
{
    const char *ea = a->error ? a->error : "", *eb = b->error ? b->error : "";
    if (a->remote_id || b->remote_id) /* one row's own value */
        return 0;
    return a->state == b->state && a->last_status == b->last_status &&
           (a->state != ZS_OUTBOX_PENDING || a->next_at == b->next_at) && strcmp(ea, eb) == 0;
}

static int mark_tx(zdb *db, int64_t fwd, const zs_outbox_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!zs_outbox_state_name(r[i].state))
            return ZKBIO_EINVAL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t now = zs_now();
    /* runs of consecutive rows with the same outcome, in chunks */
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t run = 1;
        while (i + run < n && same_result(&r[i], &r[i + run]))
            run++;
        size_t k = chunk_for(run), m = chunks[k].rows;
        char e[513];
        snprintf(e, sizeof(e), "%s", r[i].error ? r[i].error : "");
        int done = r[i].state == ZS_OUTBOX_DELIVERED || r[i].state == ZS_OUTBOX_DUPLICATE;
        zdb_stmt *q;
        rc = zdb_prepare(db, ZS_SQL(db, chunks[k].mark_sqlite, chunks[k].mark_mariadb), &q);
        if (rc != 0)
            break;
        int p = 1;
        zdb_bind_text(q, p++, zs_outbox_state_name(r[i].state), -1);
        zdb_bind_int64(q, p++, r[i].state == ZS_OUTBOX_PENDING ? r[i].next_at : 0);
        zdb_bind_int64(q, p++, r[i].last_status);
        zdb_bind_text(q, p++, e, -1);
        zdb_bind_int64(q, p++, now);
        zdb_bind_int64(q, p++, done ? now : 0);
        zdb_bind_int64(q, p++, fwd);
        for (size_t j = 0; j < m; j++)
            zdb_bind_int64(q, p++, r[i + j].id);
        rc = zdb_step(q);
        zdb_reset(q);
        rc = rc < 0 ? rc : 0;
        if (rc == 0 && m == 1 && r[i].remote_id && zdb_changes(db) == 1) {
            char rid[141];
            snprintf(rid, sizeof(rid), "%s", r[i].remote_id);
            rc = zdb_run(db, "UPDATE outbox SET remote_id = ? WHERE id = ? AND forwarder_id = ?",
                         "sll", rid, r[i].id, fwd);
        }
        i += m;
    }
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_outbox_mark(zs_store *st, int64_t fwd, const zs_outbox_result *r, size_t n)
{
    if (!st || (n && !r))
        return ZKBIO_EINVAL;
    if (n == 0)
        return 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, mark_tx(db, fwd, r, n));
    return rc;
}

int zs_outbox_stats_get(zs_store *st, int64_t fwd, zs_outbox_stats *out)
{
    if (!st || !out)
        return ZKBIO_EINVAL;
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT state, COUNT(*), MIN(created_at) FROM outbox WHERE forwarder_id = "
                         "? GROUP BY state",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, fwd);
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        int64_t c = zdb_col_int64(q, 1);
        switch (zs_outbox_state_parse(zdb_col_text(q, 0))) {
        case ZS_OUTBOX_PENDING:
            out->pending = c;
            out->oldest_pending_at = zdb_col_int64(q, 2);
            break;
        case ZS_OUTBOX_DELIVERED:
            out->delivered = c;
            break;
        case ZS_OUTBOX_DUPLICATE:
            out->duplicate = c;
            break;
        case ZS_OUTBOX_PARKED:
            out->parked = c;
            break;
        case ZS_OUTBOX_FAILED:
            out->failed = c;
            break;
        default:
            break;
        }
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

int zs_outbox_list(zs_store *st, int64_t fwd, int state, int64_t after, int limit,
                   zs_outbox_item **out, size_t *n)
{
    if (!st || !out || !n || limit < 0 || limit > 1001 ||
        (state != -1 && !zs_outbox_state_name(state)))
        return ZKBIO_EINVAL;
    *out = NULL;
    *n = 0;
    if (limit == 0)
        limit = 100;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc;
    if (state >= 0) {
        rc = zdb_prepare(db,
                         "SELECT " ITEM_COLS ITEM_FROM
                         " WHERE o.forwarder_id = ? AND o.id > ? AND o.state = ? ORDER BY o.id "
                         "LIMIT ?",
                         &q);
        if (rc != 0)
            return rc;
        zdb_bind_text(q, 3, zs_outbox_state_name(state), -1);
        zdb_bind_int64(q, 4, limit);
    } else {
        rc = zdb_prepare(db,
                         "SELECT " ITEM_COLS ITEM_FROM
                         " WHERE o.forwarder_id = ? AND o.id > ? ORDER BY o.id LIMIT ?",
                         &q);
        if (rc != 0)
            return rc;
        zdb_bind_int64(q, 3, limit);
    }
    zdb_bind_int64(q, 1, fwd);
    zdb_bind_int64(q, 2, after);
    rc = zs_collect(q, out, n, sizeof(**out), 0, NULL, item_row);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int requeue_tx(zdb *db, int64_t fwd, const int64_t *ids, size_t n, const char *state,
                      int64_t *count)
{
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t now = zs_now();
    *count = 0;
    if (ids) {
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = zdb_run(db,
                         "UPDATE outbox SET state = 'pending', next_at = 0, updated_at = ? WHERE "
                         "id = ? AND forwarder_id = ? AND state IN ('parked', 'failed')",
                         "lll", now, ids[i], fwd);
            *count += rc == 0 ? zdb_changes(db) : 0;
        }
    } else {
        rc = zdb_run(db,
                     "UPDATE outbox SET state = 'pending', next_at = 0, updated_at = ? WHERE "
                     "forwarder_id = ? AND state = ?",
                     "lls", now, fwd, state);
        *count = rc == 0 ? zdb_changes(db) : 0;
    }
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_outbox_requeue(zs_store *st, int64_t fwd, const int64_t *ids, size_t n, int state,
                      int64_t *count)
{
    if (!st || !count || (!ids && state != ZS_OUTBOX_PARKED && state != ZS_OUTBOX_FAILED))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, requeue_tx(db, fwd, ids, n, zs_outbox_state_name(state), count));
    return rc;
}

static int drop_tx(zdb *db, int64_t fwd, const int64_t *ids, size_t n, const char *state,
                   int64_t *count)
{
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    *count = 0;
    if (ids) {
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = zdb_run(db, "DELETE FROM outbox WHERE id = ? AND forwarder_id = ?", "ll", ids[i],
                         fwd);
            *count += rc == 0 ? zdb_changes(db) : 0;
        }
    } else {
        rc = zdb_run(db, "DELETE FROM outbox WHERE forwarder_id = ? AND state = ?", "ls", fwd,
                     state);
        *count = rc == 0 ? zdb_changes(db) : 0;
    }
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_outbox_drop(zs_store *st, int64_t fwd, const int64_t *ids, size_t n, int state,
                   int64_t *count)
{
    if (!st || !count || (!ids && !zs_outbox_state_name(state)))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    ZS_RETRY(st, rc, drop_tx(db, fwd, ids, n, zs_outbox_state_name(state), count));
    return rc;
}

int zs_outbox_sweep(zs_store *st, int keep_days, int64_t *count)
{
    if (!st || keep_days < 0)
        return ZKBIO_EINVAL;
    if (keep_days == 0)
        keep_days = 7;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db,
                     "DELETE FROM outbox WHERE state IN ('delivered', 'duplicate') AND "
                     "delivered_at < ?",
                     "l", zs_now() - (int64_t)keep_days * 86400);
    if (rc == 0 && count)
        *count = zdb_changes(db);
    return rc;
}
