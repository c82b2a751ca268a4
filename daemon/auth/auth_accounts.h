/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file auth_accounts.h
 * @brief Accounts of the management API (part of auth.h): sign-in, access and refresh tokens,
 * the bearer check of /api/v1, the login rate limit, and `zkbiod user`.
 *
 * Accounts live in the database (store_accounts.h); zauth_attach_store() gives a zauth the store
 * and the JWT key (<data-dir>/jwt.key, auth_jwt.h) and turns accounts on. Without it only the admin
 * token works.
 *
 * Tokens: an access token is a JWT (auth_jwt.h) valid ZAUTH_ACCESS_TTL_S (1 h) naming the account
 * (sub), its role and its token_version (ver). A refresh token is 32 random bytes in base64url
 * (43 characters), valid ZAUTH_REFRESH_TTL_S (7 days); only its SHA-256 is stored. Every use
 * rotates it (the old one dies, a new one of the same family is returned); presenting a rotated
 * one again revokes the whole family (RFC 6819 §5.2.2.3; the holder cannot be told from a thief).
 * Logout, a password change, disabling and removal bump token_version (every access token of the
 * account stops working at once) and revoke its refresh tokens.
 *
 * Login limits: at most ZAUTH_LOGIN_FAILS failed logins per ZAUTH_LOGIN_WINDOW_S per client
 * address and per account e-mail; beyond that login answers ZAUTH_LIMITED with the seconds to
 * wait (HTTP 429 + Retry-After) without looking at the password. A good login clears the
 * account's window (not the address's). The windows are in memory (per process), in a fixed table
 * (ZAUTH_LOGIN_SLOTS entries; the oldest is reused when full).
 * Hashing concurrency: at most ZAUTH_HASH_CONCURRENCY argon2id/crypt computations run at once in
 * a zauth (each costs ~19 MiB and ~0.1 s); others wait their turn.
 *
 * Audit (store_audit.h): auth.login (ok / failed / denied by the limit), auth.refresh_reuse,
 * auth.logout, auth.register, account.password, account.disable, account.enable, account.remove,
 * apikey.create, apikey.revoke — actor = the account's e-mail or "admin-token"/"cli", never a
 * password or token.
 *
 * Thread-safety: every function may be called from any thread once zauth_attach_store() returned.
 */
#ifndef ZKBIOD_AUTH_ACCOUNTS_H
#define ZKBIOD_AUTH_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define ZAUTH_REFRESH_TTL_S    (7 * 24 * 3600)
#define ZAUTH_LOGIN_FAILS      5
#define ZAUTH_LOGIN_WINDOW_S   (15 * 60)
#define ZAUTH_LOGIN_SLOTS      4096
#define ZAUTH_HASH_CONCURRENCY 3
#define ZAUTH_EMAIL_MAX        254 /* RFC 5321 path limit */
#define ZAUTH_USERNAME_MAX     128

typedef struct zauth zauth;
struct zauth_principal;

/** Outcomes of the account calls below (HTTP mapping in brackets). */
typedef enum zauth_result {
    ZAUTH_OK = 0,
    ZAUTH_BAD_CREDENTIALS = 1, /**< [401 INVALID_CREDENTIALS] wrong e-mail/password/refresh token */
    ZAUTH_LIMITED = 2,         /**< [429] login limit; *retry_after seconds */
    ZAUTH_DISABLED = 3,        /**< [403] the account is disabled */
    ZAUTH_EXISTS = 4,          /**< [400 VALIDATION_ERROR] e-mail taken (the contract says 400) */
    ZAUTH_INVALID = 5,         /**< [400 VALIDATION_ERROR] a field is malformed */
    ZAUTH_NOT_FOUND = 6,       /**< [404] no such account */
    ZAUTH_REUSED = 7,          /**< [401 TOKEN_INVALID] a rotated refresh token: family revoked */
    ZAUTH_EXPIRED = 8,         /**< [401 TOKEN_EXPIRED] */
    ZAUTH_UNAVAILABLE = 9,     /**< [503] database unreachable, no randomness, out of memory */
    ZAUTH_OFF = 10,            /**< [403 API_DISABLED] accounts are not attached */
} zauth_result;

/**
 * Give a zauth the store (borrowed; must outlive it) and load or create <data_dir>/jwt.key: this
 * enables sign-in and JWT bearers. 0, or -1 with a message in err.
 */
int zauth_attach_store(zauth *a, zs_store *st, const char *data_dir, char *err, size_t errsz);

/* Field checks used by the API and the CLI (1 valid, 0 not). e-mail: one '@', a non-empty local
 * part, a domain with a dot, printable ASCII without spaces, at most ZAUTH_EMAIL_MAX bytes.
 * username: 1..ZAUTH_USERNAME_MAX printable bytes (UTF-8 allowed), no control characters. */
int zauth_email_valid(const char *email);
int zauth_username_valid(const char *username);
/** Lower-case copy of an e-mail (ASCII), as stored and compared. */
void zauth_email_norm(const char *email, char *out, size_t outsz);

/** A signed-in session, as login and refresh return it. */
typedef struct zauth_session {
    char access_token[1024];
    char refresh_token[48];
    int expires_in; /**< seconds: ZAUTH_ACCESS_TTL_S */
    zs_account account;
} zauth_session;

/**
 * Sign in with e-mail and password from client address ip (for the limit and the audit log).
 * ZAUTH_OK with *out filled; ZAUTH_BAD_CREDENTIALS (unknown e-mail or wrong password: the same
 * answer and about the same time), ZAUTH_LIMITED (*retry_after), ZAUTH_DISABLED,
 * ZAUTH_UNAVAILABLE. An imported crypt(3) hash is replaced by argon2id on success.
 */
int zauth_login(zauth *a, const char *email, const char *password, size_t pwlen, const char *ip,
                zauth_session *out, int *retry_after);

/** Exchange a refresh token for a new pair. ZAUTH_OK, ZAUTH_BAD_CREDENTIALS (unknown, revoked),
 * ZAUTH_EXPIRED, ZAUTH_REUSED (the family is now revoked), ZAUTH_DISABLED, ZAUTH_UNAVAILABLE. */
int zauth_refresh(zauth *a, const char *refresh_token, const char *ip, zauth_session *out);

/** End every session of the signed-in account `who` (admin token: nothing to end, ZAUTH_OK). */
int zauth_logout(zauth *a, const struct zauth_principal *who, const char *ip);

/**
 * Make an account (by `who`, for the audit log; NULL = the command line). Fields are checked
 * (ZAUTH_INVALID with a reason in why, whysz bytes); ZAUTH_EXISTS on a taken e-mail.
 * *out (may be NULL) = the new account.
 */
int zauth_register(zauth *a, const struct zauth_principal *who, const char *ip,
                   const char *username, const char *email, const char *password, size_t pwlen,
                   const char *role, zs_account *out, char *why, size_t whysz);

/** Change a password (ends every session of the account). ZAUTH_OK, ZAUTH_NOT_FOUND,
 * ZAUTH_INVALID (length), ZAUTH_UNAVAILABLE. */
int zauth_set_password(zauth *a, const struct zauth_principal *who, const char *ip,
                       int64_t account_id, const char *password, size_t pwlen);

/** Disable (1) or enable (0) an account; disabling ends its sessions. ZAUTH_OK, ZAUTH_NOT_FOUND,
 * ZAUTH_UNAVAILABLE. */
int zauth_set_disabled(zauth *a, const struct zauth_principal *who, const char *ip,
                       int64_t account_id, int disabled);

/** Remove an account. ZAUTH_OK, ZAUTH_NOT_FOUND, ZAUTH_UNAVAILABLE. */
int zauth_remove_account(zauth *a, const struct zauth_principal *who, const char *ip,
                         int64_t account_id);

/** Results of zauth_bearer_check. */
typedef enum zauth_bearer_result {
    ZAUTH_BEARER_OK = 0,
    ZAUTH_BEARER_MISSING = 1,  /**< no Authorization: Bearer header [401 UNAUTHORIZED] */
    ZAUTH_BEARER_INVALID = 2,  /**< wrong admin token, bad/tampered JWT, account gone, disabled
                                    or token_version moved on [401 TOKEN_INVALID] */
    ZAUTH_BEARER_EXPIRED = 3,  /**< a valid JWT past exp [401 TOKEN_EXPIRED] */
    ZAUTH_BEARER_DISABLED = 4, /**< no admin token and no account: the API is off [403] */
    ZAUTH_BEARER_UNAVAIL = 5,  /**< the database could not be asked [503] */
} zauth_bearer_result;

/**
 * Check an Authorization header value (may be NULL): the admin token (constant time; role admin,
 * name "admin-token", account_id 0) or an access token whose account exists, is enabled and has
 * the token's ver. Fills *who on ZAUTH_BEARER_OK (zeroed otherwise).
 */
int zauth_bearer_check(zauth *a, const char *authorization, struct zauth_principal *who);

/** 1 when a principal of role `role` may use a route needing `need` (ZAUTH_VIEWER/OPERATOR/ADMIN).
 */
int zauth_role_allows(int role, uint32_t need);

/** Make an access token for an account (used by login and refresh; exposed for tests).
 * 0 or a ZKBIO_ error. */
int zauth_issue_access(zauth *a, const zs_account *acct, char *out, size_t outsz);

/* ---- the BioTime-compatible API (issue 16; bt_auth.c; docs/biotime-api.md "Authentication") ---
 * The same accounts as /api/v1, presented the ways BioTime clients do (shared reference
 * integrations.md §1.2):
 *   - POST /jwt-api-token-auth/ returns an access token of this module (the JWT above, 1 h);
 *   - POST /api-token-auth/ returns a static token in DRF's style: 40 lower-case hex digits (160
 *     random bits), kept only as its SHA-256 in table api_tokens with the account's token_version,
 *     so a password change, disabling, logout or removal ends it; it has no expiry. Each call makes
 *     a new one (the clear value is never stored, so it cannot be handed out again); only the
 *     newest ZAUTH_BT_TOKENS_KEEP of an account stay;
 *   - `Authorization: Basic` is checked like a login (limits, hashing gate, audit of failures);
 *     a success is remembered ZAUTH_BASIC_TTL_S in memory under a keyed hash of the credentials
 *     (HMAC-SHA-256 under the JWT key: no password or plain hash is kept), with the account's
 *     token_version, so repeated requests do not pay argon2id each time and a password change
 *     still ends them at once.
 * `name` is an e-mail when it contains '@' (compared lower-cased), else the username (exact; a
 * username shared by several accounts signs in nobody). */
#define ZAUTH_BT_TOKENS_KEEP 100
#define ZAUTH_BASIC_SLOTS    256
#define ZAUTH_BASIC_TTL_S    60
#define ZAUTH_BT_TOKEN_LEN   40

typedef enum zauth_bt_kind {
    ZAUTH_BT_JWT = 0,    /**< an access token (JWT) */
    ZAUTH_BT_STATIC = 1, /**< a static 40-hex token */
} zauth_bt_kind;

/** Sign in for a token of `kind` into token (tokensz bytes; 1024 is plenty). Results as
 * zauth_login: ZAUTH_OK, ZAUTH_BAD_CREDENTIALS, ZAUTH_LIMITED (*retry_after), ZAUTH_DISABLED,
 * ZAUTH_UNAVAILABLE, ZAUTH_OFF. The success is audited (auth.login, via "jwt-api-token-auth" or
 * "api-token-auth"). */
int zauth_bt_login(zauth *a, const char *name, const char *password, size_t pwlen, const char *ip,
                   zauth_bt_kind kind, char *token, size_t tokensz, int *retry_after);
/** A new access token for a live one (POST /jwt-api-token-refresh/). ZAUTH_OK, ZAUTH_EXPIRED,
 * ZAUTH_BAD_CREDENTIALS (not ours, tampered, account gone, disabled or token_version moved on),
 * ZAUTH_UNAVAILABLE, ZAUTH_OFF. */
int zauth_bt_refresh(zauth *a, const char *token, char *out, size_t outsz);
/** A static token (`Authorization: Token <t>`): ZAUTH_BEARER_OK with *who filled,
 * ZAUTH_BEARER_INVALID (unknown, account gone/disabled, token_version moved on),
 * ZAUTH_BEARER_UNAVAIL. */
int zauth_token_check(zauth *a, const char *token, struct zauth_principal *who);
/** `Authorization: Basic <b64>` (b64 = what follows the scheme): ZAUTH_BEARER_OK with *who,
 * ZAUTH_BEARER_MISSING (not base64 of "name:password"), ZAUTH_BEARER_INVALID (wrong, limited,
 * disabled), ZAUTH_BEARER_UNAVAIL. ip: the client's address (login limits). */
int zauth_basic_check(zauth *a, const char *b64, const char *ip, struct zauth_principal *who);

/** `zkbiod user add|list|passwd|disable|enable|remove` (argv[0] = "user"); the exit status. */
int zauth_user_cli(int argc, char **argv);

#endif /* ZKBIOD_AUTH_ACCOUNTS_H */
