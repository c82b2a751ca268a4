/* SPDX-License-Identifier: Apache-2.0 */
/* Private parts of the store shared by its source files (never installed). */
#ifndef ZKBIOD_STORE_IMPL_H
#define ZKBIOD_STORE_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "db.h"
#include "store.h"

/* Pick the SQL text for the connection's dialect. Both arguments must be string literals: the
 * statement cache is keyed by address. */
#define ZS_SQL(db, sqlite_sql, mariadb_sql)                                                        \
    (zdb_dialect_of(db) == ZDB_MARIADB ? (mariadb_sql) : (sqlite_sql))

/* One pooled connection. */
typedef struct zs_conn {
    zdb *db;
    int in_use;
    struct zs_conn *next;
} zs_conn;

/* Buckets of the last-seen buffer (a hash on the SN keeps the per-request cost flat as the fleet
 * grows). */
#define ZS_SEEN_BUCKETS 1024

/* Buffered "last seen" entry. */
typedef struct zs_seen {
    char sn[ZKBIO_PUSH_SN_MAX + 1];
    char ip[48];
    char *info; /* malloc'd or NULL */
    int64_t at;
    struct zs_seen *next;
} zs_seen;

/* Requests of unknown SNs from one source address in the current minute (admission.c). */
typedef struct zs_source {
    char ip[48];    /* "" = free slot */
    int64_t window; /* start (Unix s) of the minute of count */
    int64_t used;   /* last use, Unix s (the least recently used slot is replaced) */
    int count;      /* unknown-SN requests in window */
    int logged;     /* a refusal of this source was logged in window */
} zs_source;

/* Admission of a known device's row (admission.c): enabled, admission, pin_address and the address
 * it last used, against the request's address. Notes an address change of an approved device
 * (audit, notify). Call with no statement of db active. */
zs_admit zs_admission_row(zs_store *st, zdb *db, const char *sn, int64_t id, int enabled,
                          const char *admission, const char *pin, const char *last_ip,
                          const char *ip);
/* An unknown SN in the pending mode, inside the caller's transaction: apply the per-source rate
 * and the pending cap, then register it pending. *admit: ZS_ADMIT_PENDING, _LIMITED or _FULL. */
int zs_admission_register(zs_store *st, zdb *db, const char *sn, const char *ip, zs_admit *admit,
                          int *created);

/* One ATTLOG upload waiting for the group-commit writer (writer.c); lives on the request's stack.
 */
typedef struct zs_attlog_job {
    const char *sn;
    const zkbio_push_batch *batch;
    const char *stamp;
    size_t accepted; /* set by the writer */
    int rc;          /* set by the writer */
    int done;        /* 1 once the transaction holding the rows is over (under w_lock) */
    struct zs_attlog_job *next;
} zs_attlog_job;

struct zs_store {
    char *uri;
    zs_policy policy;
    char **allow_sn; /* NULL-terminated copy */
    pthread_key_t key;
    pthread_mutex_t pool_lock;
    zs_conn *pool;
    /* last-seen buffer and its flusher thread */
    pthread_mutex_t seen_lock;
    pthread_cond_t seen_cond;
    zs_seen *seen[ZS_SEEN_BUCKETS]; /* hash of SN → entries heard since the last flush */
    int stopping;
    pthread_t flusher;
    int flusher_started;
    /* group-commit writer of punches (writer.c) */
    pthread_mutex_t w_lock;
    pthread_cond_t w_cond; /* jobs queued or stopping */
    pthread_cond_t w_done; /* a group finished */
    zs_attlog_job *w_head, *w_tail;
    int w_stopping;
    int w_inited;
    int w_started;
    pthread_t writer;
    /* background checkpointer of the punch writer's WAL (SQLite; writer.c), under w_lock */
    pthread_cond_t ck_cond; /* new frames to copy, or stopping */
    int64_t ck_rows;        /* rows committed since the checkpointer's last pass began */
    int64_t ck_passes;      /* passes finished */
    int ck_running;         /* a background pass is copying now */
    int ck_held;            /* the writer checkpoints itself: no pass may start */
    int ck_stopping;
    int ck_started;
    pthread_t ckpt;
    /* issue 15: per-source counters of unknown SNs (admission.c), ZS_SOURCES_MAX slots */
    pthread_mutex_t src_lock;
    zs_source *src;
};

/* Start / stop the group-commit writer (stop drains the queue first). */
int zs_writer_start(zs_store *st);
void zs_writer_stop(zs_store *st);
/* Punches the writer commits under sustained load before it restarts the WAL (SQLite): it copies
 * the last frames the background checkpointer has not yet copied, so its next commit writes the
 * WAL from its beginning again. */
#define ZS_CKPT_ROWS 20000
/* Rows committed since the background checkpointer's last pass that start the next pass. */
#define ZS_CKPT_PASS_ROWS 10000
/* Milliseconds without uploads after which the writer checkpoints what it stored (SQLite). */
#define ZS_CKPT_IDLE_MS 200

/* Advance a device's upload stamp (no-op for an empty stamp); inside the caller's transaction. */
int zs_set_stamp(zdb *db, const char *sn, zs_stamp t, const char *stamp);
/* SQLite: a PASSIVE WAL checkpoint on the calling thread's connection; nothing on MariaDB
 * (store.c). */
void zs_checkpoint(zs_store *st);

/* The calling thread's connection (opened on first use). NULL when the database cannot be reached.
 */
zdb *zs_db(zs_store *st);

/* 1 when `rc` came from a deadlock or lock wait timeout on the calling thread's connection: the
 * caller runs its whole transaction again (after a short pause). */
int zs_retry(zs_store *st, int rc);

/* Evaluate `call` (a whole transaction) into `rc`, running it again up to twice more when it lost a
 * deadlock. */
#define ZS_RETRY(st, rc, call)                                                                     \
    do {                                                                                           \
        for (int attempt_ = 0;; attempt_++) {                                                      \
            (rc) = (call);                                                                         \
            if (attempt_ == 2 || !zs_retry((st), (rc)))                                            \
                break;                                                                             \
        }                                                                                          \
    } while (0)

/* Roll back if a transaction is open and return rc (for error paths). */
int zs_fail(zdb *db, int rc);

/* Current time, Unix seconds. */
int64_t zs_now(void);

/* SHA-256 of `n` parts (NULL parts are hashed as empty), as 64 hex characters + NUL in out. */
void zs_hash(char out[65], const char *const *parts, size_t n);

/* Make room for element n of a growable array (*arr, *cap elements of `elem` bytes). 0 or
 * ZKBIO_ENOMEM. */
int zs_grow(void *arr, size_t *cap, size_t n, size_t elem);

/* Step q to its end (or, with limit > 0, to limit rows: *has_next, when not NULL, is set to 1 when
 * one more row follows, so a page's query asks for limit + 1), each row appended to the growable
 * array *arr (empty on entry: NULL, *n 0) of `elem`-byte elements, filled by row(q, element).
 * Resets q. 0, or ZKBIO_ENOMEM or the driver's error, with the rows read so far in *arr and *n
 * for the caller to free. */
int zs_collect(zdb_stmt *q, void *arr, size_t *n, size_t elem, size_t limit, int *has_next,
               void (*row)(zdb_stmt *q, void *element));

/* Wire table of a stored template/photo kind ("FP" → FINGERTMP, "USERPIC" → USERPIC, ...). */
zkbio_push_data_table zs_kind_table(const char *kind);

/* Run a zkbio_push formatter into a stack buffer, or a malloc'd one when the text is larger.
 * `call` must use `fbuf`, `fsize` and `&flen`. Leaves a malloc'd copy in `out` (NULL on error). */
#define ZS_FORMAT_ALLOC(out, rcvar, call)                                                          \
    do {                                                                                           \
        char stackbuf_[4096];                                                                      \
        char *fbuf = stackbuf_;                                                                    \
        size_t fsize = sizeof(stackbuf_), flen = 0;                                                \
        (out) = NULL;                                                                              \
        rcvar = (call);                                                                            \
        if (rcvar == ZKBIO_ENOSPC) {                                                               \
            fsize = flen + 1;                                                                      \
            fbuf = malloc(fsize);                                                                  \
            rcvar = fbuf ? (call) : ZKBIO_ENOMEM;                                                  \
            if (rcvar == 0)                                                                        \
                (out) = fbuf;                                                                      \
            else                                                                                   \
                free(fbuf);                                                                        \
        } else if (rcvar == 0) {                                                                   \
            (out) = strdup(stackbuf_);                                                             \
            if (!(out))                                                                            \
                rcvar = ZKBIO_ENOMEM;                                                              \
        }                                                                                          \
    } while (0)

/* Sync internals (sync.c) used by ingest.c. */
int zs_sync_fanout(zdb *db, const char *src_sn, const char *group, const char *pin,
                   const char *kind, const char *item_key, const char *hash, const char *text);
int zs_sync_mark_applied(zdb *db, const char *sn, const char *pin, const char *item_key,
                         const char *hash);
int zs_sync_user_command(zdb *db, const char *pin, char **text);
int zs_sync_full(zdb *db, const char *sn, const char *group);
int zs_sync_delete_user(zdb *db, const char *src_sn, const char *group, const char *pin);
int zs_device_group(zdb *db, const char *sn, char group[65]);
/* issue 16 (personnel.c): queue `pin` (stored) for every PUSH terminal of `group` that does not
 * hold it at its hash, with the templates and photos each lacks; queue DATA DELETE USERINFO of pin
 * for the terminals of `group` other than src_sn ("" = none), superseding what was queued. */
int zs_sync_user_to_group(zdb *db, const char *group, const char *pin);
int zs_sync_user_off_group(zdb *db, const char *src_sn, const char *group, const char *pin);
/* The users.hash of a user (ingest.c): SHA-256 over its terminal fields in one order, so every
 * writer of users computes what an upload of the same user computes. */
void zs_user_hash(const zkbio_push_user *u, char out[65]);

#endif /* ZKBIOD_STORE_IMPL_H */
