/* SPDX-License-Identifier: Apache-2.0 */
/* Transactions and terminals of the BioTime-compatible API (store_bt.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

/* ---- the id page: one static statement per (extra conditions, ordering, driving filter) --------
 * Driving filter: none (attendance_time or the primary key), pin (attendance_pin_time), sn
 * (attendance_sn_time), pin and sn. Extra conditions: none (so the index alone answers: covering),
 * the *_icontains of PIN and SN, or those and the alias filters (which join devices). Bind order:
 * from, to, the keyset (ordering-specific), [pin_like x2, sn_like x2, [alias x2, alias_like x2]],
 * [pin], [sn], LIMIT, OFFSET. Unary + keeps a term away from the indexes (SQLite; MariaDB ignores
 * it and plans by its statistics), so that each statement has the one plan it was written for. */
#define TX_ALIAS_EXPR "COALESCE(NULLIF(d.name, ''), a.sn)"
#define TX_SEL0       "SELECT a.id FROM attendance a WHERE "
#define TX_SEL1       "SELECT a.id FROM attendance a LEFT JOIN devices d ON d.sn = a.sn WHERE "
#define TX_RANGE      "a.punch_time >= ? AND a.punch_time <= ?"
#define TX_RANGE_PK   "+a.punch_time >= ? AND +a.punch_time <= ?"
#define TX_LIKE                                                                                    \
    " AND (? = '' OR LOWER(a.pin) LIKE ? ESCAPE '!') AND (? = '' OR LOWER(a.sn) LIKE ? ESCAPE "    \
    "'!')"
#define TX_ALIAS                                                                                   \
    " AND (? = '' OR " TX_ALIAS_EXPR " = ?) AND (? = '' OR LOWER(" TX_ALIAS_EXPR                   \
    ") LIKE ? ESCAPE '!')"
#define TX_X0 ""
#define TX_X1 TX_LIKE
#define TX_X2 TX_LIKE TX_ALIAS
/* keysets and orders: by the filter's index, then sorted (id), or in the index's order (time) */
#define TX_KEY_ID  " AND +a.id > ?"
#define TX_KEY_IDD " AND +a.id < ?"
#define TX_KEY_T   " AND (a.punch_time > ? OR (a.punch_time = ? AND a.id > ?))"
#define TX_KEY_TD  " AND (a.punch_time < ? OR (a.punch_time = ? AND a.id < ?))"
#define TX_OBY_ID  " ORDER BY +a.id LIMIT ? OFFSET ?"
#define TX_OBY_IDD " ORDER BY +a.id DESC LIMIT ? OFFSET ?"
#define TX_OBY_T   " ORDER BY a.punch_time, a.id LIMIT ? OFFSET ?"
#define TX_OBY_TD  " ORDER BY a.punch_time DESC, a.id DESC LIMIT ? OFFSET ?"
/* the primary key's walk (id orderings): every filter a condition on the row */
#define TX_PKEY_ID  " AND a.id > ?"
#define TX_PKEY_IDD " AND a.id < ?"
#define TX_POBY_ID  " ORDER BY a.id LIMIT ? OFFSET ?"
#define TX_POBY_IDD " ORDER BY a.id DESC LIMIT ? OFFSET ?"

#define TX_DRIVE(sel, x, key, oby)                                                                 \
    sel TX_RANGE key x oby, sel TX_RANGE key x " AND a.pin = ?" oby,                               \
        sel TX_RANGE key x " AND a.sn = ?" oby,                                                    \
        sel TX_RANGE key x " AND a.pin = ? AND a.sn = ?" oby
#define TX_ORDERS(sel, x)                                                                          \
    {                                                                                              \
        {TX_DRIVE(sel, x, TX_KEY_ID, TX_OBY_ID)}, {TX_DRIVE(sel, x, TX_KEY_IDD, TX_OBY_IDD)},      \
            {TX_DRIVE(sel, x, TX_KEY_T, TX_OBY_T)},                                                \
        {                                                                                          \
            TX_DRIVE(sel, x, TX_KEY_TD, TX_OBY_TD)                                                 \
        }                                                                                          \
    }
/* [extra][ordering][driving] */
static const char *const tx_ids_sql[3][4][4] = {
    TX_ORDERS(TX_SEL0, TX_X0),
    TX_ORDERS(TX_SEL0, TX_X1),
    TX_ORDERS(TX_SEL1, TX_X2),
};
#define TX_PK(sel, x, key, oby)                                                                    \
    sel TX_RANGE_PK key x oby, sel TX_RANGE_PK key x " AND +a.pin = ?" oby,                        \
        sel TX_RANGE_PK key x " AND +a.sn = ?" oby,                                                \
        sel TX_RANGE_PK key x " AND +a.pin = ? AND +a.sn = ?" oby
#define TX_PKS(sel, x)                                                                             \
    {                                                                                              \
        {TX_PK(sel, x, TX_PKEY_ID, TX_POBY_ID)},                                                   \
        {                                                                                          \
            TX_PK(sel, x, TX_PKEY_IDD, TX_POBY_IDD)                                                \
        }                                                                                          \
    }
/* [extra][ZS_BT_ID, ZS_BT_ID_DESC][driving] */
static const char *const tx_ids_pk_sql[3][2][4] = {
    TX_PKS(TX_SEL0, TX_X0),
    TX_PKS(TX_SEL0, TX_X1),
    TX_PKS(TX_SEL1, TX_X2),
};

/* [extra][ZS_BT_ID, ZS_BT_ID_DESC]: one terminal by id through attendance_sn (sn, then the row id),
 * without a time range: a page reads its own entries (schema 6, bttx part) */
#define TX_SNIDX(sel, x, key, oby) sel TX_RANGE_PK key x " AND a.sn = ?" oby
#define TX_SNIDXS(sel, x)                                                                          \
    {                                                                                              \
        TX_SNIDX(sel, x, TX_PKEY_ID, TX_POBY_ID), TX_SNIDX(sel, x, TX_PKEY_IDD, TX_POBY_IDD)       \
    }
static const char *const tx_ids_sn_sql[3][2] = {
    TX_SNIDXS(TX_SEL0, TX_X0),
    TX_SNIDXS(TX_SEL0, TX_X1),
    TX_SNIDXS(TX_SEL1, TX_X2),
};

#define TX_CNT0 "SELECT COUNT(*) FROM attendance a WHERE "
#define TX_CNT1 "SELECT COUNT(*) FROM attendance a LEFT JOIN devices d ON d.sn = a.sn WHERE "
#define TX_COUNTS(sel, x)                                                                          \
    {                                                                                              \
        sel TX_RANGE x, sel TX_RANGE x " AND a.pin = ?", sel TX_RANGE x " AND a.sn = ?",           \
            sel TX_RANGE x " AND a.pin = ? AND a.sn = ?"                                           \
    }
/* [extra][driving] */
static const char *const tx_count_sql[3][4] = {
    TX_COUNTS(TX_CNT0, TX_X0),
    TX_COUNTS(TX_CNT0, TX_X1),
    TX_COUNTS(TX_CNT1, TX_X2),
};

/* [extra][driving]: the rows above a cached count's MAX(id), by the primary key */
#define TX_TAILS(sel, x)                                                                           \
    {                                                                                              \
        sel "a.id > ? AND " TX_RANGE_PK x, sel "a.id > ? AND " TX_RANGE_PK x " AND +a.pin = ?",    \
            sel "a.id > ? AND " TX_RANGE_PK x " AND +a.sn = ?",                                    \
            sel "a.id > ? AND " TX_RANGE_PK x " AND +a.pin = ? AND +a.sn = ?"                      \
    }
static const char *const tx_tail_sql[3][4] = {
    TX_TAILS(TX_CNT0, TX_X0),
    TX_TAILS(TX_CNT0, TX_X1),
    TX_TAILS(TX_CNT1, TX_X2),
};

/* The details of rows: the columns tx_row() reads. */
#define TX_ROW_COLS                                                                                \
    "SELECT a.id, a.sn, a.pin, a.punch_time, a.status, a.verify, a.workcode, a.received_at, "      \
    "COALESCE(d.id, 0), COALESCE(" TX_ALIAS_EXPR ", ''), COALESCE(d.tz, ''), "                     \
    "COALESCE(ar.area_name, ''), COALESCE(u.id, 0), COALESCE(u.name, ''), "                        \
    "CASE WHEN e.pin IS NULL THEN 0 ELSE 1 END, COALESCE(e.first_name, ''), "                      \
    "COALESCE(e.last_name, ''), COALESCE(dp.dept_name, ''), COALESCE(ps.position_name, '') "       \
    "FROM attendance a LEFT JOIN devices d ON d.sn = a.sn "                                        \
    "LEFT JOIN areas ar ON ar.area_code = d.sync_group "                                           \
    "LEFT JOIN users u ON u.pin = a.pin LEFT JOIN employees e ON e.pin = a.pin "                   \
    "LEFT JOIN departments dp ON dp.id = COALESCE(e.department_id, 1) "                            \
    "LEFT JOIN positions ps ON ps.id = e.position_id "

/* One row's details, and up to TX_BATCH rows' at once (ids padded with 0, which no row has). */
static const char tx_row_sql[] = TX_ROW_COLS "WHERE a.id = ?";
#define TX_BATCH 50
#define TX_Q10   "?,?,?,?,?,?,?,?,?,?"
static const char tx_rows_sql[] =
    TX_ROW_COLS "WHERE a.id IN (" TX_Q10 "," TX_Q10 "," TX_Q10 "," TX_Q10 "," TX_Q10 ")";

#define LOWEST_TIME  ""
#define HIGHEST_TIME "9999-99-99 99:99:99"

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* ---- Caches -----------------------------------------------------------------------------------
 * Process-wide, under cache_lock (the one piece of mutable global state here): BT_CACHE slots of
 * (store, key, MAX(id), generation) -> count, and of (store, key, MAX(id), generation, offset) ->
 * the keyset (punch_time, id) of the row just before that offset. `key` spells the filter and the
 * ordering. The least recently used slot is replaced. Entries older than ZS_BT_CACHE_TTL_S are
 * ignored; zs_bt_tx_delete() bumps the generation. */
#define BT_CACHE   64
#define BT_KEY_MAX 600
typedef struct bt_slot {
    const zs_store *st;
    char key[BT_KEY_MAX];
    int64_t max_id, gen, offset; /* offset -1: a count slot */
    int64_t value;               /* count, or the anchor's id */
    char time[20];               /* the anchor's punch_time */
    int64_t at, used;
} bt_slot;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static bt_slot cache[BT_CACHE];
static int64_t cache_gen;
static int64_t cache_clock;

static int64_t gen_now(void)
{
    pthread_mutex_lock(&cache_lock);
    int64_t g = cache_gen;
    pthread_mutex_unlock(&cache_lock);
    return g;
}

static int cache_get(const zs_store *st, const char *key, int64_t max_id, int64_t gen,
                     int64_t offset, int64_t *value, char time[20])
{
    int hit = 0;
    int64_t now = zs_now();
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < BT_CACHE; i++) {
        bt_slot *s = &cache[i];
        if (s->st == st && s->max_id == max_id && s->gen == gen && s->offset == offset &&
            now - s->at <= ZS_BT_CACHE_TTL_S && strcmp(s->key, key) == 0) {
            *value = s->value;
            if (time)
                memcpy(time, s->time, 20);
            s->used = ++cache_clock;
            hit = 1;
            break;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

static void cache_put(const zs_store *st, const char *key, int64_t max_id, int64_t gen,
                      int64_t offset, int64_t value, const char *time, int64_t at)
{
    pthread_mutex_lock(&cache_lock);
    bt_slot *victim = &cache[0];
    for (int i = 0; i < BT_CACHE; i++) {
        bt_slot *s = &cache[i];
        if (s->st == st && s->offset == offset && strcmp(s->key, key) == 0) {
            victim = s; /* the same entry, older */
            break;
        }
        if (s->used < victim->used)
            victim = s;
    }
    if (gen == cache_gen) {
        victim->st = st;
        copy(victim->key, sizeof(victim->key), key);
        victim->max_id = max_id;
        victim->gen = gen;
        victim->offset = offset;
        victim->value = value;
        copy(victim->time, sizeof(victim->time), time);
        victim->at = at ? at : zs_now();
        victim->used = ++cache_clock;
    }
    pthread_mutex_unlock(&cache_lock);
}

/* A count of key taken at or below max_id (the rows above it are counted by the caller): 1 with
 * *count, the MAX(id) it was taken at and when the full count was made. */
static int count_get(const zs_store *st, const char *key, int64_t max_id, int64_t gen,
                     int64_t *count, int64_t *at_id, int64_t *made)
{
    int hit = 0;
    int64_t now = zs_now();
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < BT_CACHE; i++) {
        bt_slot *s = &cache[i];
        if (s->st == st && s->offset == -1 && s->gen == gen && s->max_id <= max_id &&
            now - s->at <= ZS_BT_CACHE_TTL_S && strcmp(s->key, key) == 0) {
            *count = s->value;
            *at_id = s->max_id;
            *made = s->at;
            s->used = ++cache_clock;
            hit = 1;
            break;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

/* The cache key of a filter (without offset/limit); 0 when too long to cache. */
static int tx_key(const zs_bt_tx_filter *f, char *out, size_t size)
{
    int n =
        snprintf(out, size, "o%d|p%s|s%s|a%s|P%s|S%s|A%s|f%s|t%s", (int)f->order,
                 f->pin ? f->pin : "\x01", f->sn ? f->sn : "\x01", f->alias ? f->alias : "\x01",
                 f->pin_like ? f->pin_like : "", f->sn_like ? f->sn_like : "",
                 f->alias_like ? f->alias_like : "", f->from ? f->from : "", f->to ? f->to : "");
    return n > 0 && (size_t)n < size;
}

/* "%s%" with ! escaping ! % _, lower-cased (ASCII), into out; "" when s is NULL or "". */
static void like_of(const char *s, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    if (!s || !*s || size < 4)
        return;
    out[o++] = '%';
    for (; *s && o + 3 < size; s++) {
        char c = *s;
        if (c == '!' || c == '%' || c == '_')
            out[o++] = '!';
        out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[o++] = '%';
    out[o] = '\0';
}

typedef struct tx_binds {
    char pin_like[128], sn_like[128], alias_like[300];
} tx_binds;

/* The parameters after the keyset: likes, [alias], [pin], [sn]. Returns the next index. */
static int bind_rest(zdb_stmt *q, int i, const zs_bt_tx_filter *f, const tx_binds *b, int extra)
{
    if (extra >= 1) {
        zdb_bind_text(q, i++, b->pin_like, -1);
        zdb_bind_text(q, i++, b->pin_like, -1);
        zdb_bind_text(q, i++, b->sn_like, -1);
        zdb_bind_text(q, i++, b->sn_like, -1);
    }
    if (extra >= 2) {
        zdb_bind_text(q, i++, f->alias ? f->alias : "", -1);
        zdb_bind_text(q, i++, f->alias ? f->alias : "", -1);
        zdb_bind_text(q, i++, b->alias_like, -1);
        zdb_bind_text(q, i++, b->alias_like, -1);
    }
    if (f->pin)
        zdb_bind_text(q, i++, f->pin, -1);
    if (f->sn)
        zdb_bind_text(q, i++, f->sn, -1);
    return i;
}

static int tx_row(zdb_stmt *q, zs_bt_tx *t)
{
    memset(t, 0, sizeof(*t));
    t->id = zdb_col_int64(q, 0);
    copy(t->sn, sizeof(t->sn), zdb_col_text(q, 1));
    copy(t->pin, sizeof(t->pin), zdb_col_text(q, 2));
    copy(t->time, sizeof(t->time), zdb_col_text(q, 3));
    t->status = zdb_col_int64(q, 4);
    t->verify = zdb_col_int64(q, 5);
    copy(t->workcode, sizeof(t->workcode), zdb_col_text(q, 6));
    t->received_at = zdb_col_int64(q, 7);
    t->device_id = zdb_col_int64(q, 8);
    copy(t->alias, sizeof(t->alias), zdb_col_text(q, 9));
    copy(t->tz, sizeof(t->tz), zdb_col_text(q, 10));
    copy(t->area, sizeof(t->area), zdb_col_text(q, 11));
    t->user_id = zdb_col_int64(q, 12);
    if (zdb_col_int64(q, 14)) {
        copy(t->first_name, sizeof(t->first_name), zdb_col_text(q, 15));
        copy(t->last_name, sizeof(t->last_name), zdb_col_text(q, 16));
    } else {
        copy(t->first_name, sizeof(t->first_name), zdb_col_text(q, 13));
    }
    copy(t->dept, sizeof(t->dept), zdb_col_text(q, 17));
    copy(t->position, sizeof(t->position), zdb_col_text(q, 18));
    return 0;
}

static int tx_fetch(zdb *db, int64_t id, zs_bt_tx *out)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db, tx_row_sql, &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    int found = rc == ZDB_ROW;
    if (found)
        tx_row(q, out);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    return found ? 0 : ZKBIO_ENOENT;
}

void zs_bt_tx_page_free(zs_bt_tx_page *p)
{
    if (!p)
        return;
    free(p->rows);
    memset(p, 0, sizeof(*p));
}

int zs_bt_tx_list(zs_store *st, const zs_bt_tx_filter *f, zs_bt_tx_page *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int order = f->order >= ZS_BT_ID && f->order <= ZS_BT_TIME_DESC ? (int)f->order : ZS_BT_ID;
    int extra = (f->alias != NULL) || (f->alias_like && *f->alias_like)        ? 2
                : (f->pin_like && *f->pin_like) || (f->sn_like && *f->sn_like) ? 1
                                                                               : 0;
    int drive = (f->pin ? 1 : 0) | (f->sn ? 2 : 0);
    int64_t limit = f->limit < 1 ? 10 : f->limit > 5000 ? 5000 : f->limit;
    int64_t offset = f->offset < 0 ? 0 : f->offset;
    const char *from = f->from ? f->from : LOWEST_TIME, *to = f->to ? f->to : HIGHEST_TIME;
    tx_binds b;
    like_of(f->pin_like, b.pin_like, sizeof(b.pin_like));
    like_of(f->sn_like, b.sn_like, sizeof(b.sn_like));
    like_of(f->alias_like, b.alias_like, sizeof(b.alias_like));

    char key[BT_KEY_MAX];
    int cacheable = tx_key(f, key, sizeof(key));
    int64_t gen = gen_now(), max_id = 0;
    int rc = zdb_query_int64(db, "SELECT COALESCE(MAX(id), 0) FROM attendance", &max_id, NULL);
    if (rc != 0 && rc != ZKBIO_ENOENT)
        return rc;

    /* The count: cached, plus the rows stored since (their ids are above the cached MAX(id): a
     * range of the primary key), else counted (every row: SQLite counts the smallest index). */
    zdb_stmt *q;
    int everything = !drive && !extra && !f->from && !f->to;
    int64_t cached = 0, at_id = 0, made = 0;
    if (cacheable && count_get(st, key, max_id, gen, &cached, &at_id, &made)) {
        out->count = cached;
        if (at_id < max_id) {
            if ((rc = zdb_prepare(db, tx_tail_sql[extra][drive], &q)) != 0)
                return rc;
            zdb_bind_int64(q, 1, at_id);
            zdb_bind_text(q, 2, from, -1);
            zdb_bind_text(q, 3, to, -1);
            bind_rest(q, 4, f, &b, extra);
            rc = zdb_step(q);
            if (rc == ZDB_ROW)
                out->count += zdb_col_int64(q, 0);
            zdb_reset(q);
            if (rc < 0)
                return rc;
            cache_put(st, key, max_id, gen, -1, out->count, "", made);
        }
    } else {
        if ((rc = zdb_prepare(
                 db, everything ? "SELECT COUNT(*) FROM attendance" : tx_count_sql[extra][drive],
                 &q)) != 0)
            return rc;
        if (!everything) {
            zdb_bind_text(q, 1, from, -1);
            zdb_bind_text(q, 2, to, -1);
            bind_rest(q, 3, f, &b, extra);
        }
        rc = zdb_step(q);
        if (rc == ZDB_ROW)
            out->count = zdb_col_int64(q, 0);
        zdb_reset(q);
        if (rc < 0)
            return rc;
        if (cacheable)
            cache_put(st, key, max_id, gen, -1, out->count, "", 0);
    }
    if (offset >= out->count)
        return 0;

    /* the page's ids: from the anchor of this offset when a previous page ended there. By id
     * ascending, punches that arrive later go after every anchor: its anchors outlive them. */
    int64_t amax = order == ZS_BT_ID ? 0 : max_id;
    int64_t anchor_id = 0;
    char anchor_t[20] = "";
    int anchored =
        cacheable && offset > 0 && cache_get(st, key, amax, gen, offset, &anchor_id, anchor_t);
    const char *lo = from, *hi = to;
    if (anchored && order == ZS_BT_TIME && strcmp(anchor_t, lo) > 0)
        lo = anchor_t;
    if (anchored && order == ZS_BT_TIME_DESC && strcmp(anchor_t, hi) < 0)
        hi = anchor_t;
    /* An id ordering: walk the primary key (with the filters as conditions) or take the rows of
     * the filter's index and sort them, whichever reads fewer rows: the walk reads about
     * (offset + limit) * rows / count, the sort count (times a sorting weight of 3). max_id
     * stands for the number of rows. */
    int pk = 0;
    if (order == ZS_BT_ID || order == ZS_BT_ID_DESC) {
        double per = out->count > 0 ? (double)max_id / (double)out->count : 1.0;
        double walk = (double)((anchored ? 0 : offset) + limit) * per;
        pk = walk < 3.0 * (double)out->count;
    }
    /* The whole table by id with contiguous ids (nothing deleted): the offset is an id. */
    if (pk && everything && !anchored && offset > 0) {
        int64_t min_id = 0;
        rc = zdb_query_int64(db, "SELECT COALESCE(MIN(id), 0) FROM attendance", &min_id, NULL);
        if (rc != 0 && rc != ZKBIO_ENOENT)
            return rc;
        if (min_id > 0 && max_id - min_id + 1 == out->count) {
            anchored = 1;
            anchor_id = order == ZS_BT_ID ? min_id - 1 + offset : max_id - offset + 1;
        }
    }
    /* One terminal by id over all time: its attendance_sn entries in order. */
    int by_sn = drive == 2 && (order == ZS_BT_ID || order == ZS_BT_ID_DESC) && !f->from && !f->to;
    const char *sql = by_sn ? tx_ids_sn_sql[extra][order]
                      : pk  ? tx_ids_pk_sql[extra][order][drive]
                            : tx_ids_sql[extra][order][drive];
    if ((rc = zdb_prepare(db, sql, &q)) != 0)
        return rc;
    int i = 1;
    zdb_bind_text(q, i++, lo, -1);
    zdb_bind_text(q, i++, hi, -1);
    switch (order) {
    case ZS_BT_ID:
        zdb_bind_int64(q, i++, anchored ? anchor_id : 0);
        break;
    case ZS_BT_ID_DESC:
        zdb_bind_int64(q, i++, anchored ? anchor_id : INT64_MAX);
        break;
    case ZS_BT_TIME:
        zdb_bind_text(q, i++, anchored ? anchor_t : LOWEST_TIME, -1);
        zdb_bind_text(q, i++, anchored ? anchor_t : LOWEST_TIME, -1);
        zdb_bind_int64(q, i++, anchored ? anchor_id : 0);
        break;
    default:
        zdb_bind_text(q, i++, anchored ? anchor_t : "~", -1);
        zdb_bind_text(q, i++, anchored ? anchor_t : "~", -1);
        zdb_bind_int64(q, i++, anchored ? anchor_id : INT64_MAX);
        break;
    }
    i = bind_rest(q, i, f, &b, extra);
    zdb_bind_int64(q, i++, limit);
    zdb_bind_int64(q, i++, anchored ? 0 : offset);
    int64_t *ids = malloc((size_t)limit * sizeof(*ids));
    if (!ids) {
        zdb_reset(q);
        return ZKBIO_ENOMEM;
    }
    size_t n = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW && n < (size_t)limit)
        ids[n++] = zdb_col_int64(q, 0);
    zdb_reset(q);
    if (rc < 0) {
        free(ids);
        return rc;
    }
    /* the details, TX_BATCH rows a statement, each into its place of the page; a row deleted
     * between the two steps is left out (the page closes up) */
    rc = 0;
    char *found = NULL;
    if (n) {
        out->rows = malloc(n * sizeof(*out->rows)); /* every row used is written whole */
        found = calloc(n, 1);
        if (!out->rows || !found)
            rc = ZKBIO_ENOMEM;
    }
    for (size_t k0 = 0; rc == 0 && k0 < n; k0 += TX_BATCH) {
        if ((rc = zdb_prepare(db, tx_rows_sql, &q)) != 0)
            break;
        for (size_t k = 0; k < TX_BATCH; k++)
            zdb_bind_int64(q, (int)k + 1, k0 + k < n ? ids[k0 + k] : 0);
        while ((rc = zdb_step(q)) == ZDB_ROW) {
            int64_t id = zdb_col_int64(q, 0);
            for (size_t k = k0; k < n && k < k0 + TX_BATCH; k++)
                if (ids[k] == id && !found[k]) {
                    tx_row(q, &out->rows[k]);
                    found[k] = 1;
                    break;
                }
        }
        zdb_reset(q);
        rc = rc < 0 ? rc : 0;
    }
    for (size_t k = 0; rc == 0 && k < n; k++)
        if (found[k]) {
            if (out->n != k)
                out->rows[out->n] = out->rows[k];
            out->n++;
        }
    free(found);
    free(ids);
    if (rc != 0) {
        zs_bt_tx_page_free(out);
        return rc;
    }
    if (cacheable && out->n == n && n == (size_t)limit) {
        const zs_bt_tx *last = &out->rows[n - 1];
        cache_put(st, key, amax, gen, offset + (int64_t)n, last->id, last->time, 0);
    }
    return 0;
}

int zs_bt_tx_get(zs_store *st, int64_t id, zs_bt_tx *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return tx_fetch(db, id, out);
}

int zs_bt_tx_delete(zs_store *st, int64_t id)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db, "DELETE FROM attendance WHERE id = ?", "l", id);
    if (rc != 0)
        return rc;
    int64_t gone = zdb_changes(db);
    pthread_mutex_lock(&cache_lock);
    cache_gen++;
    pthread_mutex_unlock(&cache_lock);
    return gone > 0 ? 0 : ZKBIO_ENOENT;
}

int zs_bt_tx_find(zs_store *st, const char *sn, const char *pin, const char *time, int status,
                  int64_t *id)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    *id = 0;
    return zdb_query_int64(db,
                           "SELECT id FROM attendance WHERE sn = ? AND punch_time = ? AND pin = ? "
                           "AND status = ?",
                           id, "sssi", sn, time, pin, status);
}

int zs_bt_user_pin(zs_store *st, int64_t user_id, char pin[25])
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    pin[0] = '\0';
    return zdb_query_text(db, "SELECT pin FROM users WHERE id = ?", pin, 25, "l", user_id);
}

/* ---- terminals ------------------------------------------------------------------------------ */

#define TERM_COLS                                                                                  \
    "SELECT d.id, d.sn, d.ip, d.name, d.transport, d.firmware, d.push_version, d.tz, d.state, "    \
    "d.last_seen, COALESCE(ar.id, 0), d.sync_group, COALESCE(ar.area_name, ''), d.user_count, "    \
    "d.fp_count, d.punch_count, COALESCE(d.info, ''), d.model FROM devices d LEFT JOIN areas ar "  \
    "ON "                                                                                          \
    "ar.area_code = d.sync_group "

static void term_row(zdb_stmt *q, zs_bt_terminal *t)
{
    memset(t, 0, sizeof(*t));
    t->id = zdb_col_int64(q, 0);
    copy(t->sn, sizeof(t->sn), zdb_col_text(q, 1));
    copy(t->ip, sizeof(t->ip), zdb_col_text(q, 2));
    copy(t->name, sizeof(t->name), zdb_col_text(q, 3));
    copy(t->transport, sizeof(t->transport), zdb_col_text(q, 4));
    copy(t->firmware, sizeof(t->firmware), zdb_col_text(q, 5));
    copy(t->push_version, sizeof(t->push_version), zdb_col_text(q, 6));
    copy(t->tz, sizeof(t->tz), zdb_col_text(q, 7));
    copy(t->state, sizeof(t->state), zdb_col_text(q, 8));
    t->last_seen = zdb_col_int64(q, 9);
    t->area_id = zdb_col_int64(q, 10);
    copy(t->area_code, sizeof(t->area_code), zdb_col_text(q, 11));
    copy(t->area_name, sizeof(t->area_name), zdb_col_text(q, 12));
    t->user_count = zdb_col_int64(q, 13);
    t->fp_count = zdb_col_int64(q, 14);
    t->punch_count = zdb_col_int64(q, 15);
    copy(t->info, sizeof(t->info), zdb_col_text(q, 16));
    copy(t->model, sizeof(t->model), zdb_col_text(q, 17));
}

/* ASCII case-insensitive substring. */
static int icontains(const char *hay, const char *needle)
{
    size_t hl = strlen(hay), nl = strlen(needle);
    for (size_t i = 0; i + nl <= hl; i++) {
        size_t k = 0;
        for (; k < nl; k++) {
            char a = hay[i + k], c = needle[k];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (a != c)
                break;
        }
        if (k == nl)
            return 1;
    }
    return 0;
}

static const char *alias_of(const zs_bt_terminal *t)
{
    return t->name[0] ? t->name : t->sn;
}

static int term_match(const zs_bt_terminal *t, const zs_bt_term_filter *f)
{
    if (f->sn && strcmp(t->sn, f->sn) != 0)
        return 0;
    if (f->alias && strcmp(alias_of(t), f->alias) != 0)
        return 0;
    if (f->sn_like && !icontains(t->sn, f->sn_like))
        return 0;
    if (f->alias_like && !icontains(alias_of(t), f->alias_like))
        return 0;
    if (f->area && t->area_id != f->area)
        return 0;
    return 1;
}

static int term_cmp(const zs_bt_terminal *a, const zs_bt_terminal *b, const zs_bt_term_filter *f)
{
    int c = 0;
    if (f->order_by_sn)
        c = strcmp(a->sn, b->sn);
    else if (f->order_alias)
        c = strcmp(alias_of(a), alias_of(b));
    if (c == 0)
        c = a->id < b->id ? -1 : a->id > b->id;
    return f->order_desc ? -c : c;
}

int zs_bt_terminals(zs_store *st, const zs_bt_term_filter *f, zs_bt_terminal **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, TERM_COLS "WHERE d.admission = 'approved' ORDER BY d.id", &q);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    zs_bt_terminal t;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        term_row(q, &t);
        if (!term_match(&t, f))
            continue;
        if ((rc = zs_grow(out, &cap, *n, sizeof(**out))) != 0)
            break;
        (*out)[(*n)++] = t;
    }
    zdb_reset(q);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    /* insertion sort (stable; the fleet is small, and qsort would need the filter in a global) */
    for (size_t i = 1; i < *n; i++) {
        zs_bt_terminal cur = (*out)[i];
        size_t j = i;
        while (j > 0 && term_cmp(&(*out)[j - 1], &cur, f) > 0) {
            (*out)[j] = (*out)[j - 1];
            j--;
        }
        (*out)[j] = cur;
    }
    return 0;
}

int zs_bt_terminal_get(zs_store *st, int64_t id, zs_bt_terminal *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, TERM_COLS "WHERE d.id = ? AND d.admission = 'approved'", &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    int found = rc == ZDB_ROW;
    if (found)
        term_row(q, out);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    return found ? 0 : ZKBIO_ENOENT;
}
