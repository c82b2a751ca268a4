/* SPDX-License-Identifier: Apache-2.0 */
/* Terminal admission (issue 15, store_admission.h, docs/admission.md): the admission answer of a
 * known device, the pending registration of an unknown SN within its limits, the uploads held for
 * a pending device, approve and reject, and the 4370 serial-number check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core.h" /* zc_addr_match */
#include "store_impl.h"

/* ---- per-source counters of unknown SNs ---------------------------------------------------- */

#define PROBE 8 /* slots looked at per address: the address's own, or the least recently used */

static size_t src_hash(const char *ip)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)ip; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % ZS_SOURCES_MAX;
}

/* The slot of ip (claimed when absent); called under src_lock. */
static zs_source *src_slot(zs_store *st, const char *ip, int64_t now)
{
    size_t h = src_hash(ip);
    zs_source *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        zs_source *s = &st->src[(h + i) % ZS_SOURCES_MAX];
        if (s->ip[0] && strcmp(s->ip, ip) == 0)
            return s;
        if (!victim || (s->ip[0] == '\0' && victim->ip[0]) ||
            (s->ip[0] && victim->ip[0] && s->used < victim->used))
            victim = s;
    }
    memset(victim, 0, sizeof(*victim));
    snprintf(victim->ip, sizeof(victim->ip), "%s", ip);
    victim->window = now;
    return victim;
}

/* Start a new window when the source's minute is over. The window opens at the source's first
 * request (not at a wall-clock minute), so a burst cannot get twice the rate by straddling a
 * minute boundary. Called under src_lock. */
static void src_roll(zs_source *s, int64_t now)
{
    if (now - s->window >= 60 || now < s->window) {
        s->window = now;
        s->count = 0;
        s->logged = 0;
    }
}

/* Count one request of an unknown SN from ip: 0 allowed, 1 over the rate. */
static int src_over_rate(zs_store *st, const char *ip)
{
    int rate = st->policy.unknown_rate > 0 ? st->policy.unknown_rate : 10;
    int64_t now = zs_now();
    pthread_mutex_lock(&st->src_lock);
    zs_source *s = src_slot(st, ip ? ip : "", now);
    src_roll(s, now);
    s->used = now;
    int over = s->count >= rate;
    if (!over)
        s->count++;
    pthread_mutex_unlock(&st->src_lock);
    return over;
}

int zs_refusal_log_first(zs_store *st, const char *ip)
{
    int64_t now = zs_now();
    pthread_mutex_lock(&st->src_lock);
    zs_source *s = src_slot(st, ip ? ip : "", now);
    src_roll(s, now);
    s->used = now;
    int first = !s->logged;
    s->logged = 1;
    pthread_mutex_unlock(&st->src_lock);
    return first;
}

/* ---- the admission answer ------------------------------------------------------------------ */

/* An approved device heard from another address than it last used: move devices.ip at once (so
 * the change is reported once, also across processes) and audit it. Errors are not the request's:
 * ignored. */
static void address_changed(zs_store *st, zdb *db, const char *sn, int64_t id, const char *last,
                            const char *ip)
{
    if (zdb_run(db, "UPDATE devices SET ip = ? WHERE sn = ? AND ip = ?", "sss", ip, sn, last) !=
            0 ||
        zdb_changes(db) == 0)
        return;
    json_t *d = json_pack("{s:s, s:s}", "from", last, "to", ip);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    zs_audit_begin(st, "system", 0, ip, "device.address_changed", sn, id, "ok", text, NULL);
    free(text);
    if (st->policy.notify) {
        char line[256];
        snprintf(line, sizeof(line), "%s: approved device heard from a new address %s (was %s)", sn,
                 ip, last);
        st->policy.notify(line);
    }
}

/* Two address texts name the same address (::ffff:10.0.0.1 is 10.0.0.1: a dual-stack listener
 * shows IPv4 clients so). */
static int same_address(const char *a, const char *b)
{
    zc_cidr x, y;
    if (zc_cidr_parse(a, strlen(a), &x) != 0 || zc_cidr_parse(b, strlen(b), &y) != 0)
        return strcmp(a, b) == 0;
    return x.family == y.family && memcmp(x.addr, y.addr, sizeof(x.addr)) == 0;
}

zs_admit zs_admission_row(zs_store *st, zdb *db, const char *sn, int64_t id, int enabled,
                          const char *admission, const char *pin, const char *last_ip,
                          const char *ip)
{
    if (strcmp(admission, "rejected") == 0)
        return ZS_ADMIT_REJECTED;
    if (!enabled)
        return ZS_ADMIT_DISABLED;
    if (pin && *pin && !zc_addr_match(pin, ip ? ip : ""))
        return ZS_ADMIT_PINNED;
    if (strcmp(admission, "pending") == 0)
        return ZS_ADMIT_PENDING;
    if (ip && *ip && last_ip && *last_ip && !same_address(ip, last_ip))
        address_changed(st, db, sn, id, last_ip, ip);
    return ZS_ADMIT_OK;
}

int zs_admission_register(zs_store *st, zdb *db, const char *sn, const char *ip, zs_admit *admit,
                          int *created)
{
    *created = 0;
    if (src_over_rate(st, ip)) {
        *admit = ZS_ADMIT_LIMITED;
        return 0;
    }
    int64_t pending = 0;
    int rc = zdb_query_int64(db, "SELECT COUNT(*) FROM devices WHERE admission = 'pending'",
                             &pending, NULL);
    if (rc != 0 && rc != ZKBIO_ENOENT)
        return rc;
    int max = st->policy.pending_max > 0 ? st->policy.pending_max : 100;
    if (pending >= max) {
        *admit = ZS_ADMIT_FULL;
        return 0;
    }
    int64_t now = zs_now();
    rc = zdb_run(
        db,
        ZS_SQL(db,
               "INSERT OR IGNORE INTO devices (sn, ip, registered_at, last_seen, admission) "
               "VALUES (?, ?, ?, ?, 'pending')",
               "INSERT IGNORE INTO devices (sn, ip, registered_at, last_seen, admission) "
               "VALUES (?, ?, ?, ?, 'pending')"),
        "ssll", sn, ip ? ip : "", now, now);
    if (rc != 0)
        return rc;
    *created = zdb_changes(db) > 0;
    *admit = ZS_ADMIT_PENDING;
    return 0;
}

int zs_pending_count(zs_store *st, int64_t *n)
{
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc =
        zdb_query_int64(db, "SELECT COUNT(*) FROM devices WHERE admission = 'pending'", n, NULL);
    return rc == ZKBIO_ENOENT ? 0 : rc;
}

/* ---- held uploads -------------------------------------------------------------------------- */

static int stage_once(zs_store *st, const char *sn, const char *table, const char *stamp,
                      const void *body, size_t len)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t held = 0;
    rc = zdb_query_int64(db,
                         "SELECT COALESCE(SUM(LENGTH(body)), 0) FROM pending_uploads WHERE sn = ?",
                         &held, "s", sn);
    if (rc != 0 && rc != ZKBIO_ENOENT)
        return zs_fail(db, rc);
    if (held + (int64_t)len > ZS_PENDING_BYTES_MAX)
        return zs_fail(db, ZKBIO_ETOOBIG);
    rc = zdb_run(db,
                 "INSERT INTO pending_uploads (sn, tbl, stamp, body, received_at) "
                 "VALUES (?, ?, ?, ?, ?)",
                 "sssbl", sn, table, stamp ? stamp : "", body, len, zs_now());
    /* The stamp advances as for a stored upload, so the terminal does not send it again at every
     * handshake (the quota would fill with copies). */
    zkbio_push_table t = zkbio_push_table_from_name(table);
    if (rc == 0 && (t == ZKBIO_PUSH_TABLE_ATTLOG || t == ZKBIO_PUSH_TABLE_OPERLOG ||
                    t == ZKBIO_PUSH_TABLE_USERINFO || t == ZKBIO_PUSH_TABLE_BIODATA))
        rc = zs_set_stamp(db, sn,
                          t == ZKBIO_PUSH_TABLE_ATTLOG    ? ZS_STAMP_ATTLOG
                          : t == ZKBIO_PUSH_TABLE_BIODATA ? ZS_STAMP_BIODATA
                                                          : ZS_STAMP_OPERLOG,
                          stamp);
    if (rc != 0)
        return zs_fail(db, rc);
    return zs_fail(db, zdb_commit(db));
}

int zs_pending_stage(zs_store *st, const char *sn, const char *table, const char *stamp,
                     const void *body, size_t len)
{
    if (!table || !*table || strlen(table) > 16)
        return ZKBIO_EINVAL;
    int rc;
    ZS_RETRY(st, rc, stage_once(st, sn, table, stamp, body, len));
    return rc;
}

/* The oldest held upload of sn after id `after`: its id, table, stamp and a malloc'd copy of its
 * body. ZKBIO_ENOENT when none is left. */
static int next_held(zdb *db, const char *sn, int64_t after, int64_t *id, char table[17],
                     char stamp[33], char **body, size_t *len)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT id, tbl, stamp, body FROM pending_uploads WHERE sn = ? AND id > ? "
                         "ORDER BY id LIMIT 1",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    zdb_bind_int64(q, 2, after);
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        *id = zdb_col_int64(q, 0);
        snprintf(table, 17, "%s", zdb_col_text(q, 1));
        snprintf(stamp, 33, "%s", zdb_col_text(q, 2));
        size_t n = 0;
        const void *p = zdb_col_blob(q, 3, &n);
        *body = malloc(n + 1);
        if (!*body) {
            zdb_reset(q);
            return ZKBIO_ENOMEM;
        }
        if (n)
            memcpy(*body, p, n);
        (*body)[n] = '\0';
        *len = n;
        zdb_reset(q);
        return 0;
    }
    zdb_reset(q);
    return rc < 0 ? rc : ZKBIO_ENOENT;
}

/* Store one held upload through the ordinary ingest. *records = records stored; ZKBIO_EINVAL when
 * it does not parse (dropped by the caller). */
static int replay(zs_store *st, const char *sn, int language, const char *table, const char *stamp,
                  const char *body, size_t len, int64_t *records)
{
    zkbio_push_table t = zkbio_push_table_from_name(table);
    if (t != ZKBIO_PUSH_TABLE_ATTLOG && t != ZKBIO_PUSH_TABLE_OPERLOG &&
        t != ZKBIO_PUSH_TABLE_BIODATA && t != ZKBIO_PUSH_TABLE_USERINFO &&
        t != ZKBIO_PUSH_TABLE_ERRORLOG && t != ZKBIO_PUSH_TABLE_IDCARD)
        return ZKBIO_EINVAL;
    zkbio_push_batch *b = NULL;
    int rc = zkbio_push_upload_parse(t, body, len, zkbio_push_language_charset(language), 0, &b);
    if (rc != 0)
        return rc == ZKBIO_ENOMEM ? rc : ZKBIO_EINVAL;
    size_t accepted = 0;
    if (t == ZKBIO_PUSH_TABLE_ATTLOG)
        rc = zs_ingest_attlog(st, sn, b, stamp, &accepted);
    else
        rc = zs_ingest_operlog(
            st, sn, b, t == ZKBIO_PUSH_TABLE_BIODATA ? ZS_STAMP_BIODATA : ZS_STAMP_OPERLOG,
            t == ZKBIO_PUSH_TABLE_ERRORLOG || t == ZKBIO_PUSH_TABLE_IDCARD ? NULL : stamp,
            &accepted);
    zkbio_push_batch_free(b);
    *records += (int64_t)accepted;
    return rc;
}

/* Mark approved and queue the full sync, in one transaction. *was = the admission before. */
static int approve_mark_once(zs_store *st, int64_t id, char sn[41], int *language, int *was)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    zdb_stmt *q;
    rc =
        zdb_prepare(db, "SELECT sn, admission, language, sync_group FROM devices WHERE id = ?", &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    char adm[17] = "", group[65] = "default";
    if (rc == ZDB_ROW) {
        snprintf(sn, 41, "%s", zdb_col_text(q, 0));
        snprintf(adm, sizeof(adm), "%s", zdb_col_text(q, 1));
        *language = (int)zdb_col_int64(q, 2);
        snprintf(group, sizeof(group), "%s", zdb_col_text(q, 3));
    }
    zdb_reset(q);
    if (rc < 0)
        return zs_fail(db, rc);
    if (rc != ZDB_ROW)
        return zs_fail(db, ZKBIO_ENOENT);
    *was = strcmp(adm, "pending") == 0    ? ZS_ADMIT_PENDING
           : strcmp(adm, "rejected") == 0 ? ZS_ADMIT_REJECTED
                                          : ZS_ADMIT_OK;
    if (*was != ZS_ADMIT_OK) {
        rc = zdb_run(db, "UPDATE devices SET admission = 'approved' WHERE id = ?", "l", id);
        if (rc == 0 && st->policy.full_sync)
            rc = zs_sync_full(db, sn, group);
        if (rc != 0)
            return zs_fail(db, rc);
    }
    return zs_fail(db, zdb_commit(db));
}

int zs_device_approve(zs_store *st, int64_t id, zs_approve_result *out)
{
    memset(out, 0, sizeof(*out));
    char sn[41] = "";
    int language = -1, was = 0, rc;
    ZS_RETRY(st, rc, approve_mark_once(st, id, sn, &language, &was));
    if (rc != 0)
        return rc;
    out->was = was;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t after = 0;
    for (;;) {
        int64_t hid = 0;
        char table[17], stamp[33], *body = NULL;
        size_t len = 0;
        rc = next_held(db, sn, after, &hid, table, stamp, &body, &len);
        if (rc == ZKBIO_ENOENT)
            return 0;
        if (rc != 0)
            return rc;
        after = hid;
        rc = replay(st, sn, language, table, stamp, body, len, &out->records);
        free(body);
        if (rc == ZKBIO_EINVAL)
            out->failed++;
        else if (rc != 0)
            return rc; /* still held: the next approve replays it */
        else
            out->uploads++;
        rc = zdb_run(db, "DELETE FROM pending_uploads WHERE id = ?", "l", hid);
        if (rc != 0)
            return rc;
    }
}

static int reject_once(zs_store *st, int64_t id)
{
    static const char *const dels[] = {
        "DELETE FROM pending_uploads WHERE sn = ?", "DELETE FROM commands WHERE sn = ?",
        "DELETE FROM device_items WHERE sn = ?",    "DELETE FROM attendance WHERE sn = ?",
        "DELETE FROM operlog WHERE sn = ?",         "DELETE FROM errorlog WHERE sn = ?",
        "DELETE FROM attphotos WHERE sn = ?"};
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    char sn[41] = "", adm[17] = "";
    zdb_stmt *q;
    rc = zdb_prepare(db, "SELECT sn, admission FROM devices WHERE id = ?", &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        snprintf(sn, sizeof(sn), "%s", zdb_col_text(q, 0));
        snprintf(adm, sizeof(adm), "%s", zdb_col_text(q, 1));
    }
    zdb_reset(q);
    if (rc < 0)
        return zs_fail(db, rc);
    if (rc != ZDB_ROW)
        return zs_fail(db, ZKBIO_ENOENT);
    if (strcmp(adm, "approved") == 0)
        return zs_fail(db, ZKBIO_EBUSY);
    rc = zdb_run(db,
                 "UPDATE devices SET admission = 'rejected', options = NULL, info = '', "
                 "attlog_stamp = '', operlog_stamp = '', attphoto_stamp = '', biodata_stamp = '' "
                 "WHERE id = ?",
                 "l", id);
    for (size_t i = 0; rc == 0 && i < sizeof(dels) / sizeof(dels[0]); i++)
        rc = zdb_run(db, dels[i], "s", sn);
    if (rc != 0)
        return zs_fail(db, rc);
    return zs_fail(db, zdb_commit(db));
}

int zs_device_reject(zs_store *st, int64_t id)
{
    int rc;
    ZS_RETRY(st, rc, reject_once(st, id));
    return rc;
}

/* ---- 4370 ---------------------------------------------------------------------------------- */

int zs_device_report_sn(zs_store *st, int64_t id, const char *reported, int *mismatch, int *first)
{
    *mismatch = 0;
    if (first)
        *first = 0;
    char rep[41]; /* the column's width; a longer report is compared and kept cut */
    snprintf(rep, sizeof(rep), "%s", reported ? reported : "");
    reported = rep;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    char sn[41] = "", flag[33] = "", prev[41] = "";
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT sn, flag, reported_sn FROM devices WHERE id = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        snprintf(sn, sizeof(sn), "%s", zdb_col_text(q, 0));
        snprintf(flag, sizeof(flag), "%s", zdb_col_text(q, 1));
        snprintf(prev, sizeof(prev), "%s", zdb_col_text(q, 2));
    }
    zdb_reset(q);
    if (rc < 0)
        return rc;
    if (rc != ZDB_ROW)
        return ZKBIO_ENOENT;
    if (!reported || !*reported || strcmp(reported, sn) == 0) {
        if (flag[0])
            return zdb_run(db, "UPDATE devices SET flag = '', reported_sn = '' WHERE id = ?", "l",
                           id);
        return 0;
    }
    *mismatch = 1;
    if (strcmp(flag, "sn_mismatch") == 0 && strcmp(prev, reported) == 0)
        return 0;
    /* Conditional, so of two sessions seeing the change at once only one reports it first. */
    rc = zdb_run(db,
                 "UPDATE devices SET flag = 'sn_mismatch', reported_sn = ? WHERE id = ? AND "
                 "NOT (flag = 'sn_mismatch' AND reported_sn = ?)",
                 "sls", reported, id, reported);
    if (rc == 0 && first)
        *first = zdb_changes(db) > 0;
    return rc;
}
