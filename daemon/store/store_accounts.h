/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_accounts.h
 * @brief Accounts of the management API and their refresh tokens (tables accounts,
 * refresh_tokens) as C structs (part of store.h). The rules (hashing, token making, who may do
 * what) live in daemon/auth; this is their SQL.
 *
 * Times are milliseconds since the epoch. E-mail addresses are compared as stored (daemon/auth
 * lower-cases them before they get here). Only a refresh token's SHA-256 (64 hex digits) is ever
 * stored or looked up; password hashes are opaque text to the store.
 * Errors: those of store.h; ZKBIO_EEXIST on a taken e-mail, ZKBIO_ENOENT for an unknown account.
 * Thread-safety: as every store function.
 */
#ifndef ZKBIOD_STORE_ACCOUNTS_H
#define ZKBIOD_STORE_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** One row of `accounts`. */
typedef struct zs_account {
    int64_t id;
    char username[129];
    char email[256];
    char password_hash[256]; /**< PHC/crypt string; never leaves daemon/auth */
    char role[16];           /**< admin | operator | viewer */
    int64_t token_version;   /**< >= 1; in every access token as "ver" */
    int disabled;
    int64_t created_at, updated_at, last_login_at; /**< ms; last_login_at 0 = never */
} zs_account;

/** Insert an account (token_version 1). *id (may be NULL) = its id. ZKBIO_EEXIST: e-mail taken. */
int zs_account_create(zs_store *st, const char *username, const char *email,
                      const char *password_hash, const char *role, int64_t *id);
/** Read one account by id / by e-mail into *out. ZKBIO_ENOENT when absent. */
int zs_account_get(zs_store *st, int64_t id, zs_account *out);
int zs_account_get_by_email(zs_store *st, const char *email, zs_account *out);
/** Number of accounts (all, disabled too). */
int zs_account_count(zs_store *st, int64_t *n);

/** A page of accounts in id order: ids above `after`, at most `limit` (1..1000, default 100). */
typedef struct zs_account_page {
    zs_account *rows; /**< owned; free with zs_account_page_free */
    size_t n;
    int has_next;
    int64_t next;  /**< pass as after */
    int64_t total; /**< every account */
} zs_account_page;
int zs_account_list(zs_store *st, int64_t after, int limit, zs_account_page *out);
void zs_account_page_free(zs_account_page *p);

/**
 * Store a new password hash. revoke = 1 (a password change): in the same transaction bump
 * token_version and revoke every refresh token of the account, so all its sessions end. revoke = 0
 * (rehashing an imported hash after a good login): only the hash changes. ZKBIO_ENOENT.
 */
int zs_account_set_password(zs_store *st, int64_t id, const char *password_hash, int revoke);
/** End every session of the account (logout): bump token_version, revoke its refresh tokens. */
int zs_account_revoke_sessions(zs_store *st, int64_t id);
/** Disable (1) or enable (0) an account; disabling also ends its sessions. ZKBIO_ENOENT. */
int zs_account_set_disabled(zs_store *st, int64_t id, int disabled);
/** Delete the account and its refresh tokens. ZKBIO_ENOENT. */
int zs_account_remove(zs_store *st, int64_t id);
/** last_login_at = now. */
int zs_account_set_last_login(zs_store *st, int64_t id);

/* ---- refresh tokens ---------------------------------------------------------------------- */

/** Store a new refresh token (its SHA-256 in hex) of `family` (32 hex) expiring at expires_ms. */
int zs_refresh_add(zs_store *st, int64_t account_id, const char *family, const char *token_hash,
                   int64_t expires_ms);

/** What zs_refresh_rotate found. */
typedef enum zs_refresh_result {
    ZS_REFRESH_OK = 0,      /**< rotated: the old one is used, new_hash stored in its family */
    ZS_REFRESH_UNKNOWN = 1, /**< no such token */
    ZS_REFRESH_EXPIRED = 2, /**< past its expiry */
    ZS_REFRESH_REVOKED = 3, /**< its family was revoked (logout, password change, reuse) */
    ZS_REFRESH_REUSED = 4,  /**< already rotated: reuse, so the whole family is now revoked */
} zs_refresh_result;

/**
 * Rotate in one transaction (the row is locked, so two concurrent uses cannot both win): if
 * token_hash is live, mark it used and store new_hash in the same family expiring at
 * new_expires_ms. *result says what happened; *account_id (may be NULL) = the token's account
 * (also for REUSED/REVOKED/EXPIRED, for the audit log). Returns 0 or a database error.
 */
int zs_refresh_rotate(zs_store *st, const char *token_hash, const char *new_hash,
                      int64_t new_expires_ms, zs_refresh_result *result, int64_t *account_id);

/** Delete refresh tokens that expired before `before_ms` (housekeeping). *n (may be NULL) = rows.
 */
int zs_refresh_purge(zs_store *st, int64_t before_ms, int64_t *n);

/* ---- the BioTime-compatible API (issue 16; store/api_tokens.c) ------------------------------ */

/** The one account whose username is `username` (exact, case-sensitive) into *out. ZKBIO_ENOENT
 * when no account or more than one has it (usernames are not unique: log in by e-mail then). */
int zs_account_get_by_username(zs_store *st, const char *username, zs_account *out);

/** Keep a static token of an account (table api_tokens): its SHA-256 (64 hex), the account's
 * token_version now. Only the newest `keep` tokens of the account stay (older ones are deleted in
 * the same transaction). ZKBIO_EEXIST on a hash collision (never in practice). */
int zs_api_token_add(zs_store *st, int64_t account_id, const char *token_hash,
                     int64_t token_version, int keep);
/** Find a static token by its SHA-256: *account_id and *token_version as stored; last_used_at is
 * advanced (at most once a minute). ZKBIO_ENOENT when unknown. */
int zs_api_token_find(zs_store *st, const char *token_hash, int64_t *account_id,
                      int64_t *token_version);

#endif /* ZKBIOD_STORE_ACCOUNTS_H */
