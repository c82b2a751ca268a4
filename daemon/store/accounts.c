/* SPDX-License-Identifier: Apache-2.0 */
/* Accounts and refresh tokens (store_accounts.h): the SQL of daemon/auth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h" /* zc_hexdigit */
#include "store_impl.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int valid_role(const char *r)
{
    return r && (strcmp(r, "admin") == 0 || strcmp(r, "operator") == 0 || strcmp(r, "viewer") == 0);
}

#define ACCOUNT_COLS                                                                               \
    "id, username, email, password_hash, role, token_version, disabled, created_at, updated_at, "  \
    "last_login_at"

static void account_row(zdb_stmt *q, void *element)
{
    zs_account *a = element;
    memset(a, 0, sizeof(*a));
    a->id = zdb_col_int64(q, 0);
    snprintf(a->username, sizeof(a->username), "%s", zdb_col_text(q, 1));
    snprintf(a->email, sizeof(a->email), "%s", zdb_col_text(q, 2));
    snprintf(a->password_hash, sizeof(a->password_hash), "%s", zdb_col_text(q, 3));
    snprintf(a->role, sizeof(a->role), "%s", zdb_col_text(q, 4));
    a->token_version = zdb_col_int64(q, 5);
    a->disabled = zdb_col_int64(q, 6) != 0;
    a->created_at = zdb_col_int64(q, 7);
    a->updated_at = zdb_col_int64(q, 8);
    a->last_login_at = zdb_col_int64(q, 9);
}

int zs_account_create(zs_store *st, const char *username, const char *email,
                      const char *password_hash, const char *role, int64_t *id)
{
    if (id)
        *id = 0;
    if (!username || strlen(username) > 128 || !email || !*email || strlen(email) > 255 ||
        !password_hash || !*password_hash || strlen(password_hash) > 255 || !valid_role(role))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t now = now_ms();
    int rc = zdb_run(db,
                     "INSERT INTO accounts (username, email, password_hash, role, token_version, "
                     "disabled, created_at, updated_at, last_login_at) "
                     "VALUES (?, ?, ?, ?, 1, 0, ?, ?, 0)",
                     "ssssll", username, email, password_hash, role, now, now);
    if (rc == 0 && id)
        *id = zdb_last_insert_id(db);
    return rc;
}

static int get_one(zs_store *st, const char *sql, int64_t id, const char *email, zs_account *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, sql, &q);
    if (rc != 0)
        return rc;
    if (email)
        zdb_bind_text(q, 1, email, -1);
    else
        zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    if (rc == ZDB_ROW)
        account_row(q, out);
    zdb_reset(q);
    return rc == ZDB_ROW ? 0 : rc == ZDB_DONE ? ZKBIO_ENOENT : rc;
}

int zs_account_get(zs_store *st, int64_t id, zs_account *out)
{
    return get_one(st, "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?", id, NULL, out);
}

int zs_account_get_by_email(zs_store *st, const char *email, zs_account *out)
{
    if (!email) {
        memset(out, 0, sizeof(*out));
        return ZKBIO_EINVAL;
    }
    return get_one(st, "SELECT " ACCOUNT_COLS " FROM accounts WHERE email = ?", 0, email, out);
}

int zs_account_count(zs_store *st, int64_t *n)
{
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_query_int64(db, "SELECT COUNT(*) FROM accounts", n, NULL);
}

void zs_account_page_free(zs_account_page *p)
{
    if (!p)
        return;
    free(p->rows);
    memset(p, 0, sizeof(*p));
}

int zs_account_list(zs_store *st, int64_t after, int limit, zs_account_page *out)
{
    memset(out, 0, sizeof(*out));
    int lim = limit <= 0 ? 100 : limit > 1000 ? 1000 : limit;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_query_int64(db, "SELECT COUNT(*) FROM accounts", &out->total, NULL);
    if (rc != 0)
        return rc;
    zdb_stmt *q;
    rc = zdb_prepare(db, "SELECT " ACCOUNT_COLS " FROM accounts WHERE id > ? ORDER BY id LIMIT ?",
                     &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, after);
    zdb_bind_int64(q, 2, lim + 1);
    rc = zs_collect(q, &out->rows, &out->n, sizeof(*out->rows), (size_t)lim, &out->has_next,
                    account_row);
    if (rc < 0) {
        zs_account_page_free(out);
        return rc;
    }
    if (out->has_next)
        out->next = out->rows[out->n - 1].id;
    return 0;
}

/* Inside a transaction: bump token_version, revoke every live refresh token. */
static int end_sessions(zdb *db, int64_t id, int64_t now)
{
    int rc = zdb_run(db,
                     "UPDATE accounts SET token_version = token_version + 1, updated_at = ? "
                     "WHERE id = ?",
                     "ll", now, id);
    if (rc != 0)
        return rc;
    if (zdb_changes(db) == 0)
        return ZKBIO_ENOENT;
    return zdb_run(db,
                   "UPDATE refresh_tokens SET revoked_at = ? WHERE account_id = ? AND "
                   "revoked_at = 0",
                   "ll", now, id);
}

static int set_password_tx(zs_store *st, int64_t id, const char *hash, int revoke)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t now = now_ms();
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zdb_run(db, "UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?", "sll",
                 hash, now, id);
    if (rc == 0 && zdb_changes(db) == 0)
        rc = ZKBIO_ENOENT;
    if (rc == 0 && revoke)
        rc = end_sessions(db, id, now);
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_account_set_password(zs_store *st, int64_t id, const char *password_hash, int revoke)
{
    if (!password_hash || !*password_hash || strlen(password_hash) > 255)
        return ZKBIO_EINVAL;
    int rc;
    ZS_RETRY(st, rc, set_password_tx(st, id, password_hash, revoke));
    return rc;
}

static int revoke_tx(zs_store *st, int64_t id)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    if ((rc = end_sessions(db, id, now_ms())) != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_account_revoke_sessions(zs_store *st, int64_t id)
{
    int rc;
    ZS_RETRY(st, rc, revoke_tx(st, id));
    return rc;
}

static int disable_tx(zs_store *st, int64_t id, int disabled)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t now = now_ms();
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zdb_run(db, "UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ?", "ill",
                 disabled ? 1 : 0, now, id);
    if (rc == 0 && zdb_changes(db) == 0)
        rc = ZKBIO_ENOENT;
    if (rc == 0 && disabled)
        rc = end_sessions(db, id, now);
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_account_set_disabled(zs_store *st, int64_t id, int disabled)
{
    int rc;
    ZS_RETRY(st, rc, disable_tx(st, id, disabled));
    return rc;
}

static int remove_tx(zs_store *st, int64_t id)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    rc = zdb_run(db, "DELETE FROM accounts WHERE id = ?", "l", id);
    if (rc == 0 && zdb_changes(db) == 0)
        rc = ZKBIO_ENOENT;
    if (rc == 0)
        rc = zdb_run(db, "DELETE FROM refresh_tokens WHERE account_id = ?", "l", id);
    if (rc != 0)
        return zs_fail(db, rc);
    return zdb_commit(db);
}

int zs_account_remove(zs_store *st, int64_t id)
{
    int rc;
    ZS_RETRY(st, rc, remove_tx(st, id));
    return rc;
}

int zs_account_set_last_login(zs_store *st, int64_t id)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db, "UPDATE accounts SET last_login_at = ? WHERE id = ?", "ll", now_ms(), id);
    if (rc == 0 && zdb_changes(db) == 0)
        rc = ZKBIO_ENOENT;
    return rc;
}

/* ---- refresh tokens ---------------------------------------------------------------------- */

static int hex_ok(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (zc_hexdigit((unsigned char)s[i]) < 0)
            return 0;
    return 1;
}

int zs_refresh_add(zs_store *st, int64_t account_id, const char *family, const char *token_hash,
                   int64_t expires_ms)
{
    if (account_id <= 0 || !hex_ok(family, 32) || !hex_ok(token_hash, 64))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_run(db,
                   "INSERT INTO refresh_tokens (account_id, family, token_hash, created_at, "
                   "expires_at, used_at, revoked_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
                   "lssll", account_id, family, token_hash, now_ms(), expires_ms);
}

static int rotate_tx(zs_store *st, const char *hash, const char *new_hash, int64_t new_exp,
                     zs_refresh_result *res, int64_t *account_id)
{
    *res = ZS_REFRESH_UNKNOWN;
    *account_id = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    zdb_stmt *q;
    rc = zdb_prepare(db,
                     ZS_SQL(db,
                            "SELECT id, account_id, family, expires_at, used_at, revoked_at FROM "
                            "refresh_tokens WHERE token_hash = ?",
                            "SELECT id, account_id, family, expires_at, used_at, revoked_at FROM "
                            "refresh_tokens WHERE token_hash = ? FOR UPDATE"),
                     &q);
    if (rc != 0)
        return zs_fail(db, rc);
    zdb_bind_text(q, 1, hash, -1);
    rc = zdb_step(q);
    if (rc != ZDB_ROW) {
        zdb_reset(q);
        return zs_fail(db, rc == ZDB_DONE ? 0 : rc);
    }
    int64_t id = zdb_col_int64(q, 0);
    *account_id = zdb_col_int64(q, 1);
    char family[40];
    snprintf(family, sizeof(family), "%s", zdb_col_text(q, 2));
    int64_t exp = zdb_col_int64(q, 3), used = zdb_col_int64(q, 4), revoked = zdb_col_int64(q, 5);
    zdb_reset(q);
    int64_t now = now_ms();
    if (revoked) {
        *res = ZS_REFRESH_REVOKED;
        return zs_fail(db, 0);
    }
    if (used) { /* a rotated token came back: whoever holds the family is not to be trusted */
        *res = ZS_REFRESH_REUSED;
        rc = zdb_run(db,
                     "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at = 0",
                     "ls", now, family);
        if (rc != 0)
            return zs_fail(db, rc);
        return zdb_commit(db);
    }
    if (exp <= now) {
        *res = ZS_REFRESH_EXPIRED;
        return zs_fail(db, 0);
    }
    rc = zdb_run(db, "UPDATE refresh_tokens SET used_at = ? WHERE id = ?", "ll", now, id);
    if (rc == 0)
        rc = zdb_run(db,
                     "INSERT INTO refresh_tokens (account_id, family, token_hash, created_at, "
                     "expires_at, used_at, revoked_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
                     "lssll", *account_id, family, new_hash, now, new_exp);
    if (rc != 0)
        return zs_fail(db, rc);
    rc = zdb_commit(db);
    if (rc == 0)
        *res = ZS_REFRESH_OK;
    return rc;
}

int zs_refresh_rotate(zs_store *st, const char *token_hash, const char *new_hash,
                      int64_t new_expires_ms, zs_refresh_result *result, int64_t *account_id)
{
    int64_t acct = 0;
    *result = ZS_REFRESH_UNKNOWN;
    if (account_id)
        *account_id = 0;
    if (!hex_ok(token_hash, 64) || !hex_ok(new_hash, 64))
        return ZKBIO_EINVAL;
    int rc;
    ZS_RETRY(st, rc, rotate_tx(st, token_hash, new_hash, new_expires_ms, result, &acct));
    if (account_id)
        *account_id = acct;
    return rc;
}

int zs_refresh_purge(zs_store *st, int64_t before_ms, int64_t *n)
{
    if (n)
        *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_run(db, "DELETE FROM refresh_tokens WHERE expires_at < ?", "l", before_ms);
    if (rc == 0 && n)
        *n = zdb_changes(db);
    return rc;
}

/* ---- the BioTime-compatible API (issue 16) ------------------------------------------------- */

int zs_account_get_by_username(zs_store *st, const char *username, zs_account *out)
{
    memset(out, 0, sizeof(*out));
    if (!username || !*username)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc =
        zdb_prepare(db, "SELECT " ACCOUNT_COLS " FROM accounts WHERE username = ? LIMIT 2", &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, username, -1);
    int n = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW)
        if (n++ == 0)
            account_row(q, out);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    if (n != 1) { /* none, or ambiguous */
        memset(out, 0, sizeof(*out));
        return ZKBIO_ENOENT;
    }
    return 0;
}

static int token_add_tx(zs_store *st, int64_t account_id, const char *hash, int64_t ver, int keep)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    int64_t now = now_ms();
    rc = zdb_run(db,
                 "INSERT INTO api_tokens (account_id, token_hash, token_version, created_at, "
                 "last_used_at) VALUES (?, ?, ?, ?, 0)",
                 "lsll", account_id, hash, ver, now);
    /* The newest `keep` stay: the id of the keep-th newest is the floor. */
    int64_t floor_id = 0;
    if (rc == 0) {
        int r2 = zdb_query_int64(
            db, "SELECT id FROM api_tokens WHERE account_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
            &floor_id, "ll", account_id, (int64_t)(keep > 0 ? keep - 1 : 0));
        if (r2 == 0)
            rc = zdb_run(db, "DELETE FROM api_tokens WHERE account_id = ? AND id < ?", "ll",
                         account_id, floor_id);
        else if (r2 != ZKBIO_ENOENT)
            rc = r2;
    }
    if (rc == 0)
        rc = zdb_commit(db);
    return zs_fail(db, rc);
}

int zs_api_token_add(zs_store *st, int64_t account_id, const char *token_hash,
                     int64_t token_version, int keep)
{
    if (!token_hash || strlen(token_hash) != 64 || account_id <= 0)
        return ZKBIO_EINVAL;
    int rc;
    ZS_RETRY(st, rc, token_add_tx(st, account_id, token_hash, token_version, keep));
    return rc;
}

int zs_api_token_find(zs_store *st, const char *token_hash, int64_t *account_id,
                      int64_t *token_version)
{
    *account_id = 0;
    *token_version = 0;
    if (!token_hash || strlen(token_hash) != 64)
        return ZKBIO_ENOENT;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        "SELECT id, account_id, token_version, last_used_at FROM api_tokens WHERE token_hash = ?",
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, token_hash, -1);
    rc = zdb_step(q);
    if (rc != ZDB_ROW) {
        zdb_reset(q);
        return rc < 0 ? rc : ZKBIO_ENOENT;
    }
    int64_t id = zdb_col_int64(q, 0), used = zdb_col_int64(q, 3);
    *account_id = zdb_col_int64(q, 1);
    *token_version = zdb_col_int64(q, 2);
    zdb_reset(q);
    int64_t now = now_ms();
    if (now - used > 60000) /* a hint for operators, not worth a write per request */
        zdb_run(db, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", "ll", now, id);
    return 0;
}
