/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group commit of punches (ATTLOG uploads).
 *
 * Request threads hand their parsed batch to one writer thread per store and sleep; the writer
 * takes every batch queued so far, stores them all in ONE transaction on its own connection
 * (multi-row INSERT statements, prepared once and reused), commits, and only then wakes each
 * waiting request with its own result. One commit (one fdatasync on SQLite with
 * synchronous=FULL) thus covers the uploads of many terminals, and a request is acknowledged only
 * once the transaction holding its rows is durable.
 *
 * Nothing here assumes this process is the only writer: de-duplication is the unique key of the
 * attendance table (INSERT IGNORE / INSERT OR IGNORE), so several zkbiod processes may share one
 * MariaDB, each with its own writer.
 *
 * When a group transaction fails with an SQL error (not an outage), the batches are stored again
 * one per transaction, so one bad batch cannot fail the others. When the writer thread could not be
 * started, requests store their batch themselves (the same code, one batch per transaction).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h" /* zc_deadline */
#include "store_impl.h"

/* Upper bounds of one group: enough to amortise the commit, small enough to bound the latency of
 * the first request of the group. */
#define ZS_GROUP_MAX_JOBS 512
#define ZS_GROUP_MAX_ROWS 20000

/* Multi-row INSERT statements of 64, 16, 4 and 1 rows: a batch of n rows costs at most
 * n/64 + 3 + 3 + 3 statements (one round trip each on MariaDB). */
#define ROW1  "(?, ?, ?, ?, ?, ?, ?, ?)"
#define ROW4  ROW1 ", " ROW1 ", " ROW1 ", " ROW1
#define ROW16 ROW4 ", " ROW4 ", " ROW4 ", " ROW4
#define ROW64 ROW16 ", " ROW16 ", " ROW16 ", " ROW16
#define COLS                                                                                       \
    " INTO attendance (sn, pin, punch_time, status, verify, workcode, extra, received_at) VALUES "
#define SQLITE_INS(rows)  "INSERT OR IGNORE" COLS rows
#define MARIADB_INS(rows) "INSERT IGNORE" COLS rows

static const struct {
    size_t rows;
    const char *sqlite_sql;
    const char *mariadb_sql;
} inserts[] = {
    {64, SQLITE_INS(ROW64), MARIADB_INS(ROW64)},
    {16, SQLITE_INS(ROW16), MARIADB_INS(ROW16)},
    {4, SQLITE_INS(ROW4), MARIADB_INS(ROW4)},
    {1, SQLITE_INS(ROW1), MARIADB_INS(ROW1)},
};

/* One punch to insert, pointing into the request's batch (which outlives the job). */
typedef struct row_ref {
    const char *sn;
    const zkbio_push_attlog *a;
} row_ref;

/* The extra fields of a punch joined by tabs (truncated to the column's 255 bytes). */
static void join_extra(const zkbio_push_attlog *a, char extra[256])
{
    size_t el = 0;
    extra[0] = '\0';
    for (size_t k = 0; k < a->n_extra && el + 1 < 256; k++) {
        int w = snprintf(extra + el, 256 - el, "%s%s", k ? "\t" : "", a->extra[k]);
        if (w < 0)
            break;
        el += (size_t)w;
        if (el >= 256)
            el = 255;
    }
}

/* Insert rows[0..n) with as few statements as the chunk sizes allow. */
static int insert_rows(zdb *db, const row_ref *rows, size_t n, int64_t now)
{
    size_t i = 0;
    while (i < n) {
        size_t k = 0;
        while (inserts[k].rows > n - i)
            k++;
        zdb_stmt *q;
        int rc = zdb_prepare(
            db, zdb_dialect_of(db) == ZDB_MARIADB ? inserts[k].mariadb_sql : inserts[k].sqlite_sql,
            &q);
        if (rc != 0)
            return rc;
        int p = 1;
        for (size_t r = 0; r < inserts[k].rows; r++) {
            const zkbio_push_attlog *a = rows[i + r].a;
            char extra[256];
            join_extra(a, extra);
            zdb_bind_text(q, p++, rows[i + r].sn, -1);
            zdb_bind_text(q, p++, a->pin, -1);
            zdb_bind_text(q, p++, a->time, -1);
            zdb_bind_int64(q, p++, a->status);
            zdb_bind_int64(q, p++, a->verify);
            zdb_bind_text(q, p++, a->workcode, -1);
            zdb_bind_text(q, p++, extra, -1); /* copied by the driver */
            zdb_bind_int64(q, p++, now);
        }
        rc = zdb_step(q);
        zdb_reset(q);
        if (rc < 0)
            return rc;
        i += inserts[k].rows;
    }
    return 0;
}

/* Store jobs[0..n) in one transaction on db. Sets each job's accepted count on success. */
static int store_group(zdb *db, zs_attlog_job *const *jobs, size_t n)
{
    size_t total = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < jobs[j]->batch->count; i++)
            total += jobs[j]->batch->records[i].type == ZKBIO_PUSH_REC_ATTLOG;
    row_ref *rows = total ? malloc(total * sizeof(*rows)) : NULL;
    if (total && !rows)
        return ZKBIO_ENOMEM;
    size_t r = 0;
    for (size_t j = 0; j < n; j++) {
        size_t mine = 0;
        const zkbio_push_batch *b = jobs[j]->batch;
        for (size_t i = 0; i < b->count; i++) {
            if (b->records[i].type != ZKBIO_PUSH_REC_ATTLOG)
                continue;
            rows[r].sn = jobs[j]->sn;
            rows[r].a = &b->records[i].u.attlog;
            r++;
            mine++;
        }
        jobs[j]->accepted = mine;
    }
    int rc = zdb_begin(db);
    if (rc == 0)
        rc = insert_rows(db, rows, total, zs_now());
    free(rows);
    /* Stamps in arrival order, so the last upload of a device wins as it did one by one. */
    for (size_t j = 0; j < n && rc == 0; j++)
        rc = zs_set_stamp(db, jobs[j]->sn, ZS_STAMP_ATTLOG, jobs[j]->stamp);
    if (rc == 0)
        rc = zdb_commit(db);
    if (rc != 0) {
        for (size_t j = 0; j < n; j++)
            jobs[j]->accepted = 0;
        return zs_fail(db, rc);
    }
    return 0;
}

/* Store a group, retrying a lost deadlock; on an SQL error store the jobs one by one. Sets every
 * job's rc. */
static void run_group(zs_store *st, zs_attlog_job *const *jobs, size_t n)
{
    zdb *db = zs_db(st);
    int rc;
    if (!db)
        rc = ZKBIO_EUNAVAIL;
    else
        ZS_RETRY(st, rc, store_group(db, jobs, n));
    if (rc != 0 && rc != ZKBIO_EUNAVAIL && n > 1) {
        for (size_t j = 0; j < n; j++) {
            int one;
            ZS_RETRY(st, one, store_group(db, &jobs[j], 1));
            jobs[j]->rc = one;
        }
        return;
    }
    for (size_t j = 0; j < n; j++)
        jobs[j]->rc = rc;
}

/*
 * SQLite checkpoints. Copying the WAL into the database file (and syncing that file) takes tens of
 * milliseconds per 20,000 rows; done by the writer between groups it delayed the group waiting
 * behind it, which showed in p99. So a background thread does the copying, on its own connection,
 * with PASSIVE checkpoints (never waiting for readers, never blocking the writer) each time the
 * writer has committed ZS_CKPT_PASS_ROWS more rows.
 *
 * That alone does not bound the WAL: SQLite writes the WAL from its beginning again only at a
 * commit that finds it completely copied, and a checkpoint running beside a writer that commits
 * without pause never quite catches up (the WAL grew to 300 MB in 7 s). So every ZS_CKPT_ROWS rows
 * the writer itself, between two groups and after releasing the first group's requests, copies
 * the frames the last background pass left (those committed while it ran: a few groups' worth),
 * and its next commit restarts the WAL. The background pass is held off meanwhile (two
 * checkpoints at once would make one of them fail with SQLITE_BUSY).
 */
static void *ckpt_main(void *arg)
{
    zs_store *st = arg;
    zdb *db = zs_db(st);
    if (!db || zdb_dialect_of(db) != ZDB_SQLITE)
        return NULL; /* MariaDB: nothing to do */
    pthread_mutex_lock(&st->w_lock);
    while (!st->ck_stopping) {
        if (st->ck_rows < ZS_CKPT_PASS_ROWS || st->ck_held) {
            pthread_cond_wait(&st->ck_cond, &st->w_lock);
            continue;
        }
        st->ck_rows = 0;
        st->ck_running = 1;
        pthread_mutex_unlock(&st->w_lock);
        zs_checkpoint(st);
        pthread_mutex_lock(&st->w_lock);
        st->ck_running = 0;
        st->ck_passes++;
        pthread_cond_broadcast(&st->ck_cond);
    }
    pthread_mutex_unlock(&st->w_lock);
    return NULL;
}

/* Under w_lock: checkpoint in the writer (see above), holding the background pass off. */
static void writer_checkpoint(zs_store *st)
{
    st->ck_held = 1;
    while (st->ck_running)
        pthread_cond_wait(&st->ck_cond, &st->w_lock);
    pthread_mutex_unlock(&st->w_lock);
    zs_checkpoint(st);
    pthread_mutex_lock(&st->w_lock);
    st->ck_held = 0;
    st->ck_rows = 0;
}

static void *writer_main(void *arg)
{
    zs_store *st = arg;
    zs_attlog_job *group[ZS_GROUP_MAX_JOBS];
    int64_t rows_since_ckpt = 0, passes_seen = 0;
    zdb *db = zs_db(st);
    if (db && zdb_dialect_of(db) == ZDB_SQLITE) {
        /* The writer walks the attendance indexes of every device all day: keep them in its own
         * page cache (64 MiB at most) instead of re-reading them from the OS each transaction. */
        zdb_exec(db, "PRAGMA cache_size = -65536");
    }
    pthread_mutex_lock(&st->w_lock);
    for (;;) {
        while (!st->w_head && !st->w_stopping) {
            if (rows_since_ckpt == 0) {
                pthread_cond_wait(&st->w_cond, &st->w_lock);
                continue;
            }
            /* Idle for ZS_CKPT_IDLE_MS after storing something: checkpoint now. */
            struct timespec ts;
            zc_deadline(&ts, ZS_CKPT_IDLE_MS);
            if (pthread_cond_timedwait(&st->w_cond, &st->w_lock, &ts) == ETIMEDOUT && !st->w_head) {
                writer_checkpoint(st);
                rows_since_ckpt = 0;
            }
        }
        if (!st->w_head)
            break; /* stopping and drained */
        size_t n = 0, rows = 0;
        while (st->w_head && n < ZS_GROUP_MAX_JOBS &&
               (n == 0 || rows + st->w_head->batch->count <= ZS_GROUP_MAX_ROWS)) {
            zs_attlog_job *j = st->w_head;
            st->w_head = j->next;
            if (!st->w_head)
                st->w_tail = NULL;
            rows += j->batch->count;
            group[n++] = j;
        }
        pthread_mutex_unlock(&st->w_lock);
        run_group(st, group, n);
        pthread_mutex_lock(&st->w_lock);
        for (size_t i = 0; i < n; i++)
            group[i]->done = 1;
        pthread_cond_broadcast(&st->w_done);
        rows_since_ckpt += (int64_t)rows;
        st->ck_rows += (int64_t)rows;
        if (st->ck_started) {
            if (st->ck_rows >= ZS_CKPT_PASS_ROWS)
                pthread_cond_signal(&st->ck_cond);
            /* Restart the WAL once it is long enough and a background pass has copied most of
             * it since the last restart (see above). */
            if (rows_since_ckpt >= ZS_CKPT_ROWS && st->ck_passes != passes_seen &&
                !st->ck_running) {
                passes_seen = st->ck_passes;
                writer_checkpoint(st);
                rows_since_ckpt = 0;
            } else if (rows_since_ckpt >= 4 * ZS_CKPT_ROWS) {
                writer_checkpoint(st); /* the background thread fell behind: bound the WAL */
                rows_since_ckpt = 0;
            }
        } else if (rows_since_ckpt >= ZS_CKPT_ROWS) {
            /* No background thread: after the group's requests are released (see above). */
            writer_checkpoint(st);
            rows_since_ckpt = 0;
        }
    }
    pthread_mutex_unlock(&st->w_lock);
    return NULL;
}

int zs_writer_start(zs_store *st)
{
    pthread_mutex_init(&st->w_lock, NULL);
    pthread_cond_init(&st->w_cond, NULL);
    pthread_cond_init(&st->w_done, NULL);
    pthread_cond_init(&st->ck_cond, NULL);
    st->w_inited = 1;
    /* Before the writer, which reads ck_started under w_lock. */
    if (pthread_create(&st->ckpt, NULL, ckpt_main, st) == 0)
        st->ck_started = 1;
    if (pthread_create(&st->writer, NULL, writer_main, st) != 0)
        return ZKBIO_ENOMEM;
    st->w_started = 1;
    return 0;
}

void zs_writer_stop(zs_store *st)
{
    if (!st->w_inited)
        return;
    if (st->w_started) {
        pthread_mutex_lock(&st->w_lock);
        st->w_stopping = 1;
        pthread_cond_signal(&st->w_cond);
        pthread_mutex_unlock(&st->w_lock);
        pthread_join(st->writer, NULL);
        st->w_started = 0;
    }
    if (st->ck_started) {
        pthread_mutex_lock(&st->w_lock);
        st->ck_stopping = 1;
        pthread_cond_broadcast(&st->ck_cond);
        pthread_mutex_unlock(&st->w_lock);
        pthread_join(st->ckpt, NULL);
        st->ck_started = 0;
    }
    pthread_mutex_destroy(&st->w_lock);
    pthread_cond_destroy(&st->w_cond);
    pthread_cond_destroy(&st->w_done);
    pthread_cond_destroy(&st->ck_cond);
    st->w_inited = 0;
}

int zs_ingest_attlog(zs_store *st, const char *sn, const zkbio_push_batch *b, const char *stamp,
                     size_t *accepted)
{
    *accepted = 0;
    zs_attlog_job job;
    memset(&job, 0, sizeof(job));
    job.sn = sn;
    job.batch = b;
    job.stamp = stamp;
    if (!st->w_started) {
        zs_attlog_job *one = &job;
        run_group(st, &one, 1);
    } else {
        pthread_mutex_lock(&st->w_lock);
        if (st->w_tail)
            st->w_tail->next = &job;
        else
            st->w_head = &job;
        st->w_tail = &job;
        pthread_cond_signal(&st->w_cond);
        while (!job.done)
            pthread_cond_wait(&st->w_done, &st->w_lock);
        pthread_mutex_unlock(&st->w_lock);
    }
    if (job.rc == 0)
        *accepted = job.accepted;
    return job.rc;
}
