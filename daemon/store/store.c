/* SPDX-License-Identifier: Apache-2.0 */
/* Store lifecycle: per-thread connections, schema, devices and the buffered last-seen flusher. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core.h" /* zc_sha256_strings, zc_hex, zc_deadline */
#include "store_impl.h"

int64_t zs_now(void)
{
    return (int64_t)time(NULL);
}

void zs_hash(char out[65], const char *const *parts, size_t n)
{
    uint8_t d[32];
    zc_sha256_strings(parts, n, d);
    zc_hex(d, sizeof(d), out);
}

int zs_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    void **a = arr;
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / elem)
        return ZKBIO_ENOMEM;
    void *p = realloc(*a, ncap * elem);
    if (!p)
        return ZKBIO_ENOMEM;
    *a = p;
    *cap = ncap;
    return 0;
}

int zs_collect(zdb_stmt *q, void *arr, size_t *n, size_t elem, size_t limit, int *has_next,
               void (*row)(zdb_stmt *q, void *element))
{
    void **a = arr;
    size_t cap = 0;
    int rc;
    if (has_next)
        *has_next = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (limit && *n == limit) {
            if (has_next)
                *has_next = 1;
            break;
        }
        if (zs_grow(a, &cap, *n, elem) != 0) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        row(q, (char *)*a + *n * elem);
        (*n)++;
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

zkbio_push_data_table zs_kind_table(const char *kind)
{
    static const struct {
        const char *kind;
        zkbio_push_data_table table;
    } map[] = {{"FP", ZKBIO_PUSH_DT_FINGERTMP},
               {"FACE", ZKBIO_PUSH_DT_FACE},
               {"FVEIN", ZKBIO_PUSH_DT_FVEIN},
               {"USERPIC", ZKBIO_PUSH_DT_USERPIC},
               {"BIOPHOTO", ZKBIO_PUSH_DT_BIOPHOTO}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(kind, map[i].kind) == 0)
            return map[i].table;
    return ZKBIO_PUSH_DT_BIODATA;
}

int zs_retry(zs_store *st, int rc)
{
    zs_conn *c = pthread_getspecific(st->key);
    if (rc != ZKBIO_EUNAVAIL || !c || !zdb_retryable(c->db))
        return 0;
    struct timespec ts = {0, 2 * 1000 * 1000}; /* 2 ms: let the other transaction finish */
    nanosleep(&ts, NULL);
    return 1;
}

int zs_fail(zdb *db, int rc)
{
    if (db && zdb_in_tx(db))
        zdb_rollback(db);
    return rc;
}

/* Per-connection session settings. MariaDB runs READ COMMITTED: correctness rests on row locks (FOR
 * UPDATE) and unique keys, and REPEATABLE READ's gap locks only add deadlocks between concurrent
 * inserts. */
static int setup_conn(zdb *db)
{
    if (zdb_dialect_of(db) == ZDB_MARIADB)
        return zdb_exec(db, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    /* SQLite: no checkpoint inside a committing request (the automatic one runs in the connection
     * whose commit crossed 1000 WAL pages, while it still holds the writer lock); the flusher
     * thread checkpoints instead (checkpoint()). */
    return zdb_exec(db, "PRAGMA wal_autocheckpoint = 0");
}

static void release_conn(void *p)
{
    zs_conn *c = p;
    /* Runs on thread exit: give the connection back to the pool (it stays open for the next
     * thread). */
    c->in_use = 0;
}

zdb *zs_db(zs_store *st)
{
    zs_conn *c = pthread_getspecific(st->key);
    if (c)
        return c->db;
    pthread_mutex_lock(&st->pool_lock);
    for (c = st->pool; c; c = c->next) {
        if (!c->in_use) {
            c->in_use = 1;
            break;
        }
    }
    pthread_mutex_unlock(&st->pool_lock);
    if (!c) {
        zdb *db;
        char err[256];
        if (zdb_open(st->uri, &db, err, sizeof(err)) != 0)
            return NULL;
        if (setup_conn(db) != 0) {
            zdb_close(db);
            return NULL;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
            zdb_close(db);
            return NULL;
        }
        c->db = db;
        c->in_use = 1;
        pthread_mutex_lock(&st->pool_lock);
        c->next = st->pool;
        st->pool = c;
        pthread_mutex_unlock(&st->pool_lock);
    }
    pthread_setspecific(st->key, c);
    return c->db;
}

/* ---- last seen
 * ---------------------------------------------------------------------------------------------- */

static void flush_seen(zs_store *st)
{
    pthread_mutex_lock(&st->seen_lock);
    zs_seen *list = NULL;
    for (size_t b = 0; b < ZS_SEEN_BUCKETS; b++) {
        while (st->seen[b]) {
            zs_seen *e = st->seen[b];
            st->seen[b] = e->next;
            e->next = list;
            list = e;
        }
    }
    pthread_mutex_unlock(&st->seen_lock);
    if (!list)
        return;
    zdb *db = zs_db(st);
    /* MariaDB: one short autocommit statement per device, no multi-row transaction to deadlock with
     * request handlers. SQLite: one transaction for all, so the flush takes the process writer lock
     * like every other writer (an autocommit UPDATE would contend with a request's BEGIN IMMEDIATE
     * and make one of them sleep in the busy handler) and costs one fsync, not one per device. */
    int tx = db && zdb_dialect_of(db) == ZDB_SQLITE && zdb_begin(db) == 0;
    for (zs_seen *s = list; s && db; s = s->next) {
        zdb_stmt *q;
        const char *sql =
            s->info
                ? ZS_SQL(db,
                         "UPDATE devices SET last_seen = MAX(last_seen, ?), ip = ?, info = ? WHERE "
                         "sn = ?",
                         "UPDATE devices SET last_seen = GREATEST(last_seen, ?), ip = ?, info = ? "
                         "WHERE "
                         "sn = ?")
                : ZS_SQL(
                      db, "UPDATE devices SET last_seen = MAX(last_seen, ?), ip = ? WHERE sn = ?",
                      "UPDATE devices SET last_seen = GREATEST(last_seen, ?), ip = ? WHERE sn = ?");
        if (zdb_prepare(db, sql, &q) != 0)
            break;
        int i = 1;
        zdb_bind_int64(q, i++, s->at);
        zdb_bind_text(q, i++, s->ip, -1);
        if (s->info)
            zdb_bind_text(q, i++, s->info, -1);
        zdb_bind_text(q, i++, s->sn, -1);
        zdb_step(q);
        zdb_reset(q);
    }
    if (tx && zdb_commit(db) != 0)
        zs_fail(db, ZKBIO_EDB);
    /* Last-seen is advisory: on a database error the entries are dropped; the next request
     * refreshes them. */
    while (list) {
        zs_seen *n = list->next;
        free(list->info);
        free(list);
        list = n;
    }
}

/* Settled commands (done, superseded) older than 30 days are deleted, hourly, so the queue table
 * stays small over years of polling. Failed commands are kept for the operator. */
#define ZS_COMMAND_RETENTION_S (30 * 24 * 3600)

static void purge_commands(zs_store *st)
{
    zdb *db = zs_db(st);
    zdb_stmt *q;
    if (!db ||
        zdb_prepare(db,
                    "DELETE FROM commands WHERE status IN ('done', 'superseded') AND done_at < ?",
                    &q) != 0)
        return;
    zdb_bind_int64(q, 1, zs_now() - ZS_COMMAND_RETENTION_S);
    zdb_step(q);
    zdb_reset(q);
}

/* SQLite: copy committed WAL frames into the database file (PASSIVE: never waits for readers or
 * blocks writers); nothing on MariaDB. The flusher calls it every round for the writes made outside
 * the punch writer, which checkpoints through it too (writer.c). */
void zs_checkpoint(zs_store *st)
{
    zdb *db = zs_db(st);
    if (db && zdb_dialect_of(db) == ZDB_SQLITE)
        zdb_exec(db, "PRAGMA wal_checkpoint(PASSIVE)");
}

static void *flusher_main(void *arg)
{
    zs_store *st = arg;
    int64_t next_purge = zs_now() + 60;
    pthread_mutex_lock(&st->seen_lock);
    while (!st->stopping) {
        struct timespec ts;
        zc_deadline(&ts, 2000);
        pthread_cond_timedwait(&st->seen_cond, &st->seen_lock, &ts);
        pthread_mutex_unlock(&st->seen_lock);
        flush_seen(st);
        zs_checkpoint(st);
        if (zs_now() >= next_purge) {
            purge_commands(st);
            next_purge = zs_now() + 3600;
        }
        pthread_mutex_lock(&st->seen_lock);
    }
    pthread_mutex_unlock(&st->seen_lock);
    flush_seen(st);
    return NULL;
}

static size_t seen_bucket(const char *sn)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)sn; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % ZS_SEEN_BUCKETS;
}

void zs_device_seen(zs_store *st, const char *sn, const char *ip, const char *info)
{
    int64_t now = zs_now();
    pthread_mutex_lock(&st->seen_lock);
    zs_seen *s;
    size_t b = seen_bucket(sn);
    for (s = st->seen[b]; s; s = s->next)
        if (strcmp(s->sn, sn) == 0)
            break;
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s) {
            pthread_mutex_unlock(&st->seen_lock);
            return;
        }
        snprintf(s->sn, sizeof(s->sn), "%s", sn);
        s->next = st->seen[b];
        st->seen[b] = s;
    }
    s->at = now;
    snprintf(s->ip, sizeof(s->ip), "%s", ip ? ip : "");
    if (info) {
        char *dup = strdup(info);
        if (dup) {
            free(s->info);
            s->info = dup;
        }
    }
    pthread_mutex_unlock(&st->seen_lock);
}

/* ---- open / close
 * ------------------------------------------------------------------------------------------ */

int zs_open(const char *uri, const zs_policy *policy, zs_store **out, char *err, size_t errsz)
{
    zs_store *st = calloc(1, sizeof(*st));
    if (!st)
        return ZKBIO_ENOMEM;
    st->uri = strdup(uri);
    st->policy = *policy;
    size_t n = 0;
    while (policy->allow_sn && policy->allow_sn[n])
        n++;
    st->allow_sn = calloc(n + 1, sizeof(char *));
    st->src = calloc(ZS_SOURCES_MAX, sizeof(*st->src));
    if (!st->uri || !st->allow_sn || !st->src) {
        free(st->uri);
        free(st->allow_sn);
        free(st->src);
        free(st);
        return ZKBIO_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        st->allow_sn[i] = strdup(policy->allow_sn[i]);
    st->policy.allow_sn = (const char *const *)st->allow_sn;
    pthread_key_create(&st->key, release_conn);
    pthread_mutex_init(&st->pool_lock, NULL);
    pthread_mutex_init(&st->seen_lock, NULL);
    pthread_mutex_init(&st->src_lock, NULL);
    pthread_cond_init(&st->seen_cond, NULL);

    zdb *db;
    int rc = zdb_open(uri, &db, err, errsz);
    if (rc != 0) {
        zs_close(st);
        return rc;
    }
    rc = setup_conn(db);
    if (rc == 0)
        rc = zdb_migrate(db, zdb_schema_migrations, zdb_schema_migration_count, NULL, err, errsz);
    if (rc != 0) {
        zdb_close(db);
        zs_close(st);
        return rc;
    }
    zs_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        zdb_close(db);
        zs_close(st);
        return ZKBIO_ENOMEM;
    }
    c->db = db;
    st->pool = c;
    if (pthread_create(&st->flusher, NULL, flusher_main, st) == 0)
        st->flusher_started = 1;
    /* Without the writer thread, uploads store their punches themselves (writer.c). */
    zs_writer_start(st);
    *out = st;
    return 0;
}

void zs_close(zs_store *st)
{
    if (!st)
        return;
    zs_writer_stop(st);
    if (st->flusher_started) {
        pthread_mutex_lock(&st->seen_lock);
        st->stopping = 1;
        pthread_cond_signal(&st->seen_cond);
        pthread_mutex_unlock(&st->seen_lock);
        pthread_join(st->flusher, NULL);
    }
    zs_conn *c = pthread_getspecific(st->key);
    if (c)
        pthread_setspecific(st->key, NULL);
    while (st->pool) {
        zs_conn *n = st->pool->next;
        zdb_close(st->pool->db);
        free(st->pool);
        st->pool = n;
    }
    for (size_t b = 0; b < ZS_SEEN_BUCKETS; b++) {
        while (st->seen[b]) {
            zs_seen *n = st->seen[b]->next;
            free(st->seen[b]->info);
            free(st->seen[b]);
            st->seen[b] = n;
        }
    }
    pthread_key_delete(st->key);
    pthread_mutex_destroy(&st->pool_lock);
    pthread_mutex_destroy(&st->seen_lock);
    pthread_mutex_destroy(&st->src_lock);
    free(st->src);
    pthread_cond_destroy(&st->seen_cond);
    for (size_t i = 0; st->allow_sn && st->allow_sn[i]; i++)
        free(st->allow_sn[i]);
    free(st->allow_sn);
    free(st->uri);
    free(st);
}

const char *zs_errmsg(zs_store *st)
{
    zs_conn *c = pthread_getspecific(st->key);
    return c ? zdb_errmsg(c->db) : "no database connection";
}

int zs_ping(zs_store *st)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t one = 0;
    int rc = zdb_query_int64(db, "SELECT 1", &one, NULL);
    return rc == ZKBIO_ENOENT ? ZKBIO_EDB : rc;
}

/* ---- devices
 * ------------------------------------------------------------------------------------------------
 */

static int allow_listed(const zs_store *st, const char *sn)
{
    for (size_t i = 0; st->allow_sn[i]; i++)
        if (strcmp(st->allow_sn[i], sn) == 0)
            return 1;
    return 0;
}

int zs_device_group(zdb *db, const char *sn, char group[65])
{
    return zdb_query_text(db, "SELECT sync_group FROM devices WHERE sn = ?", group, 65, "s", sn);
}

/* Look the device up; register it when admitted and unknown. *created tells whether it is new. */
static int admit_locked(zs_store *st, zdb *db, const char *sn, const char *ip, zs_admit *admit,
                        int *created)
{
    zdb_stmt *q;
    *created = 0;
    int rc = zdb_prepare(
        db, "SELECT enabled, id, admission, pin_address, ip FROM devices WHERE sn = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        int enabled = (int)zdb_col_int64(q, 0);
        int64_t id = zdb_col_int64(q, 1);
        char adm[17], pin[65], last[49];
        snprintf(adm, sizeof(adm), "%s", zdb_col_text(q, 2));
        snprintf(pin, sizeof(pin), "%s", zdb_col_text(q, 3));
        snprintf(last, sizeof(last), "%s", zdb_col_text(q, 4));
        zdb_reset(q);
        *admit = zs_admission_row(st, db, sn, id, enabled, adm, pin, last, ip);
        return 0;
    }
    zdb_reset(q);
    if (rc < 0)
        return rc;
    if (!st->policy.auto_admit && !allow_listed(st, sn)) {
        if (st->policy.pending) /* issue 15: registered pending, within the limits */
            return zs_admission_register(st, db, sn, ip, admit, created);
        *admit = ZS_ADMIT_DENIED;
        return 0;
    }
    rc = zdb_prepare(
        db,
        ZS_SQL(
            db,
            "INSERT OR IGNORE INTO devices (sn, ip, registered_at, last_seen) VALUES (?, ?, ?, ?)",
            "INSERT IGNORE INTO devices (sn, ip, registered_at, last_seen) VALUES (?, ?, ?, ?)"),
        &q);
    if (rc != 0)
        return rc;
    int64_t now = zs_now();
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_text(q, 2, ip ? ip : "", -1);
    zdb_bind_int64(q, 3, now);
    zdb_bind_int64(q, 4, now);
    rc = zdb_step(q);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    *created = zdb_changes(db) > 0;
    *admit = ZS_ADMIT_OK;
    return 0;
}

int zs_device_admit(zs_store *st, const char *sn, const char *ip, zs_admit *admit, int *language)
{
    if (language)
        *language = -1;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    /* Fast path without a write transaction: a known device. */
    zdb_stmt *q;
    int rc = zdb_prepare(
        db, "SELECT enabled, language, id, admission, pin_address, ip FROM devices WHERE sn = ?",
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        int enabled = (int)zdb_col_int64(q, 0);
        if (language)
            *language = (int)zdb_col_int64(q, 1);
        int64_t id = zdb_col_int64(q, 2);
        char adm[17], pin[65], last[49];
        snprintf(adm, sizeof(adm), "%s", zdb_col_text(q, 3));
        snprintf(pin, sizeof(pin), "%s", zdb_col_text(q, 4));
        snprintf(last, sizeof(last), "%s", zdb_col_text(q, 5));
        zdb_reset(q);
        *admit = zs_admission_row(st, db, sn, id, enabled, adm, pin, last, ip);
        return 0;
    }
    zdb_reset(q);
    if (rc < 0)
        return rc;
    /* Unknown: register (and full-sync) through the same path as a handshake. */
    zkbio_push_handshake hs;
    memset(&hs, 0, sizeof(hs));
    snprintf(hs.sn, sizeof(hs.sn), "%s", sn);
    hs.language = -1;
    hs.generation = 2;
    char stamps[4][32];
    return zs_device_hello(st, &hs, ip, admit, stamps);
}

static int device_hello_once(zs_store *st, const zkbio_push_handshake *hs, const char *ip,
                             zs_admit *admit, char stamps[4][32])
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    for (int i = 0; i < 4; i++)
        stamps[i][0] = '\0';
    int created = 0;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = admit_locked(st, db, hs->sn, ip, admit, &created);
    /* A pending device's handshake is answered (it keeps polling, shows "connected"). */
    if (rc != 0 || (*admit != ZS_ADMIT_OK && *admit != ZS_ADMIT_PENDING))
        return zs_fail(db, rc != 0 ? rc : zdb_commit(db));

    zdb_stmt *q;
    rc = zdb_prepare(
        db,
        "UPDATE devices SET push_version = ?, device_type = ?, language = ?, ip = ?, last_seen = ? "
        "WHERE sn = ?",
        &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_text(q, 1, hs->pushver, -1);
    zdb_bind_text(q, 2, hs->device_type, -1);
    zdb_bind_int64(q, 3, hs->language);
    zdb_bind_text(q, 4, ip ? ip : "", -1);
    zdb_bind_int64(q, 5, zs_now());
    zdb_bind_text(q, 6, hs->sn, -1);
    rc = zdb_step(q);
    zdb_reset(q);
    if (rc < 0)
        return zs_fail(db, rc);

    rc = zdb_prepare(db,
                     "SELECT attlog_stamp, operlog_stamp, attphoto_stamp, biodata_stamp, "
                     "sync_group FROM devices "
                     "WHERE sn = ?",
                     &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_text(q, 1, hs->sn, -1);
    char group[65] = "default";
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        for (int i = 0; i < 4; i++)
            snprintf(stamps[i], 32, "%s", zdb_col_text(q, i));
        snprintf(group, sizeof(group), "%s", zdb_col_text(q, 4));
    }
    zdb_reset(q);
    if (rc < 0)
        return zs_fail(db, rc);

    if (created && st->policy.full_sync && *admit == ZS_ADMIT_OK) {
        rc = zs_sync_full(db, hs->sn, group);
        if (rc != 0)
            return zs_fail(db, rc);
    }
    rc = zdb_commit(db);
    return zs_fail(db, rc);
}

int zs_device_options(zs_store *st, const char *sn, const zkbio_push_kvlist *opts)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    json_t *o = json_object();
    if (!o)
        return ZKBIO_ENOMEM;
    for (size_t i = 0; i < opts->count; i++)
        json_object_set_new(o, opts->keys[i], json_string(opts->values[i]));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!text)
        return ZKBIO_ENOMEM;
    const char *model = zkbio_push_kvlist_get(opts, "DeviceName");
    const char *fw = zkbio_push_kvlist_get(opts, "FWVersion");
    if (!fw)
        fw = zkbio_push_kvlist_get(opts, "FirmVer");
    int rc = zdb_run(db,
                     "UPDATE devices SET options = ?, model = COALESCE(?, model), "
                     "firmware = COALESCE(?, firmware) WHERE sn = ?",
                     "ssss", text, model, fw, sn);
    free(text);
    return rc;
}

int zs_update_device(zs_store *st, const char *sn, const char *sync_group, int enabled)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db,
                     "UPDATE devices SET sync_group = COALESCE(?, sync_group), "
                     "enabled = CASE WHEN ? < 0 THEN enabled ELSE ? END WHERE sn = ?",
                     "siis", sync_group, enabled, enabled, sn);
    if (rc != 0)
        return rc;
    /* zdb_changes() counts matched rows on both backends (db.h), so an unchanged device still
     * counts. */
    return zdb_changes(db) > 0 ? 0 : ZKBIO_ENOENT;
}

int zs_patch_device(zs_store *st, int64_t id, const zs_device_patch *p)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc =
        zdb_run(db,
                "UPDATE devices SET name = COALESCE(?, name), location = COALESCE(?, location), "
                "tz = COALESCE(?, tz), sync_group = COALESCE(?, sync_group), "
                "enabled = CASE WHEN ? < 0 THEN enabled ELSE ? END, "
                "pin_address = COALESCE(?, pin_address) WHERE id = ?",
                "ssssiisl", p->name, p->location, p->tz, p->sync_group, p->enabled, p->enabled,
                p->pin_address, id);
    if (rc != 0)
        return rc;
    return zdb_changes(db) > 0 ? 0 : ZKBIO_ENOENT; /* matched rows (db.h) */
}

int zs_device_hello(zs_store *st, const zkbio_push_handshake *hs, const char *ip, zs_admit *admit,
                    char stamps[4][32])
{
    int rc;
    ZS_RETRY(st, rc, device_hello_once(st, hs, ip, admit, stamps));
    return rc;
}
