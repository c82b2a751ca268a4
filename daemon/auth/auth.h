/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/auth: every credential zkbiod knows, in one place.
 *
 *   - the admin bearer token of the terminal listener's management API (/api/v1/...): one secret
 *     from the configuration (admin-token or admin-token-file), a service credential with the
 *     admin role; with neither it nor an account the API is disabled;
 *   - the API keys of the fingerprint service, with permissions (apikeys.c; below);
 *   - the rate limits that go with a credential (requests per minute per API key);
 *   - the accounts of /api/v1 (roles admin, operator, viewer) with their passwords (argon2id,
 *     auth_password.h), access tokens (JWT HS256, auth_jwt.h) and refresh tokens, the bearer check
 *     of /api/v1 routes and the login rate limit (auth_accounts.h; accounts.c, password.c, jwt.c,
 *     limits.c), and `zkbiod user`;
 *   - the integration keys of the inbound Frappe-style punch methods (`token key:secret`, table
 *     integration_keys; auth_intkeys.h; intkeys.c, `zkbiod integration-key` in intkey_cli.c);
 * so http keeps asking one module "may this request do that?".
 *
 * Routes declare what they need (daemon/http/routes.c: ZAUTH_PUBLIC, a role ZAUTH_VIEWER /
 * ZAUTH_OPERATOR / ZAUTH_ADMIN, or ZAUTH_PERM_* bits); daemon/http checks it through this module
 * (zauth_bearer_check, zauth_role_allows; zauth_keys_check) before a handler runs; daemon/api uses
 * it for the WebSocket's `auth` message and for permission details in error bodies.
 *
 * Secrets are compared in constant time and never logged. Dependencies: daemon/store (accounts,
 * refresh tokens, audit log) and daemon/core.
 *
 * API keys: the keys given with --api-key (configuration) and the keys
 * made by `zkbiod apikey create`, kept in <data-dir>/apikeys (mode 0600) as salted SHA-256 hashes
 * only. Format of that file, one key per line, tab-separated:
 *   id  name  created(ISO-8601)  revoked(ISO-8601 or "-")  salt(32 hex)  sha256(salt||key)(64 hex)
 *   shown(first 12 characters of the key, for `apikey list`)  permissions("*" or a,b,...)
 * Lines written before permissions existed have no eighth field: they grant every permission.
 * Why a fast salted hash and not argon2/PBKDF2: the keys are 32 random characters of [A-Za-z0-9]
 * (about 190 bits), so guessing is hopeless whatever the hash costs, while every request verifies
 * its key: a deliberately slow hash would cost milliseconds per request and help nothing. The salt
 * keeps equal keys from having equal hashes.
 *
 * Thread-safety: a loaded zauth_keys is read-only and may be shared by any number of threads; a
 * zauth is shared by all threads too (its rate windows are under its own mutex).
 */
#ifndef ZKBIOD_AUTH_H
#define ZKBIOD_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>

typedef struct zauth_keys zauth_keys;

/* Key permissions (shared reference `fingerprint-service-api.md` §2.1, [A6]), one bit each.
 * fingerprint:scan is the WebSocket sample's name (auth:success); capture and scan routes accept
 * it or any of enroll/verify/identify. The database:* names are accepted and stored but guard
 * nothing (zkbiod has no database routes). */
enum {
    ZAUTH_PERM_ENROLL = 1u << 0,
    ZAUTH_PERM_VERIFY = 1u << 1,
    ZAUTH_PERM_IDENTIFY = 1u << 2,
    ZAUTH_PERM_DELETE = 1u << 3,
    ZAUTH_PERM_SCAN = 1u << 4,
    ZAUTH_PERM_DEVICE_READ = 1u << 5,
    ZAUTH_PERM_DEVICE_MANAGE = 1u << 6,
    ZAUTH_PERM_DB_READ = 1u << 7,
    ZAUTH_PERM_DB_EXPORT = 1u << 8,
    ZAUTH_PERM_DB_IMPORT = 1u << 9,
};
#define ZAUTH_PERM_COUNT 10
#define ZAUTH_PERM_ALL   ((1u << ZAUTH_PERM_COUNT) - 1)

/* What a route needs, beside the API key permissions above (daemon/http/routes.c): every route
 * names exactly one of ZAUTH_PUBLIC, ZAUTH_ADMIN, or one or more ZAUTH_PERM_* bits (any of them
 * grants the route). 0 means "not declared" and is refused by the route table test. */
#define ZAUTH_PUBLIC (1u << 30) /* no credential (health, certificate status and download) */
#define ZAUTH_ADMIN  (1u << 31) /* role admin: the admin bearer token, or an admin account's JWT */
/* /api/v1 routes for lesser roles (a role grants the routes of the roles below it). */
#define ZAUTH_OPERATOR (1u << 29) /* role operator or admin */
#define ZAUTH_VIEWER   (1u << 28) /* any signed-in role */
/* Issue 16, the inbound Frappe-style methods: an integration key (`Authorization: token
 * key:secret`, table integration_keys). */
#define ZAUTH_INTEGRATION (1u << 27)

/* Account roles (docs/management-api.md lists what each may do). */
typedef enum zauth_role {
    ZAUTH_ROLE_NONE = 0,
    ZAUTH_ROLE_VIEWER = 1,
    ZAUTH_ROLE_OPERATOR = 2,
    ZAUTH_ROLE_ADMIN = 3,
} zauth_role;

/* Name of a role ("admin", "operator", "viewer"; "none" for others). */
const char *zauth_role_name(int role);
/* Role of a name (exact, lower case), or ZAUTH_ROLE_NONE (0). */
int zauth_role_parse(const char *name);

/* Who a /api/v1 request acts as, once its bearer credential was checked. */
typedef struct zauth_principal {
    int role;           /* zauth_role */
    int64_t account_id; /* accounts.id; 0 for the admin token (a service credential) */
    char name[256];     /* the account's e-mail, or "admin-token" */
} zauth_principal;

/* Name of permission number i (0..ZAUTH_PERM_COUNT-1, bit 1 << i), or NULL. */
const char *zauth_perm_name(int i);
/* Parse a comma-separated list of names ("*" = all; spaces around names allowed). 0 with *out, or
 * -1 (empty list, unknown name) with the offending text in bad (badsz bytes). */
int zauth_perms_parse(const char *list, uint32_t *out, char *bad, size_t badsz);
/* Format as the keys file stores it: "*" for all, else names joined by commas. */
void zauth_perms_format(uint32_t perms, char *buf, size_t size);

/* One key of the file (or a configured key: id 0, name "configured"). */
typedef struct zauth_key_record {
    int id; /* file id, >= 1; 0 for configured keys */
    int revoked;
    uint8_t salt[16];
    uint8_t hash[32]; /* SHA-256(salt || key) */
    char name[64];
    char created[24];
    char revoked_at[24];
    char shown[16]; /* the key's first 12 characters */
    uint32_t perms; /* ZAUTH_PERM_* bits; ZAUTH_PERM_ALL for configured keys and old lines */
} zauth_key_record;

/* Parse one line of the keys file (modified in place: tabs and the newline become NULs) into *e.
 * 7 or 8 tab-separated fields; id a decimal 1..INT_MAX; salt 32 and hash 64 hex digits; the
 * eighth, when present, a permission list (zauth_perms_parse; absent = all); longer text fields are
 * cut to their buffers. 0, or -1 when malformed (*e zeroed). */
int zauth_keys_parse_line(char *line, zauth_key_record *e);

/* Load the file keys of data_dir (a missing file is no key) and hash the configured keys
 * (cfg_keys[0..n), borrowed). 0, or -1 with a message in err. */
int zauth_keys_load(const char *data_dir, char *const *cfg_keys, size_t n, zauth_keys **out,
                    char *err, size_t errsz);
void zauth_keys_free(zauth_keys *k);

/* Number of keys that are not revoked. */
size_t zauth_keys_active(const zauth_keys *k);

/* Check a presented key (constant time per stored key). Returns 0 and the key's slot (a stable
 * small integer, for per-key rate limits and galleries) when valid; 1 when it is a revoked key;
 * -1 when unknown. */
int zauth_keys_check(const zauth_keys *k, const char *key, int *slot);

/* Permissions of the key in `slot` (0 for an invalid slot). */
uint32_t zauth_keys_perms(const zauth_keys *k, int slot);

/* Number of slots (valid slot values are 0..zauth_keys_slots()-1). */
int zauth_keys_slots(const zauth_keys *k);

/* `zkbiod apikey create|list|revoke` (argv[0] = "apikey"); returns the exit status. */
int zauth_cli(int argc, char **argv);

/* ---- the process's credentials ------------------------------------------------------------- */

typedef struct zauth zauth;
struct zkbiod_config;

/* Load every credential of cfg: the admin token (borrowed from cfg, which must outlive the
 * zauth), and, when `with_keys`, the API keys (configured ones hashed, <data-dir>/apikeys read).
 * 0, or -1 with err. */
int zauth_open(const struct zkbiod_config *cfg, int with_keys, zauth **out, char *err,
               size_t errsz);
void zauth_close(zauth *a);

/* The admin bearer token against an Authorization header value (may be NULL): 0 granted, 1 the
 * management API is disabled (no token configured), -1 missing or wrong. Constant time. */
int zauth_admin_check(const zauth *a, const char *authorization);
/* 1 when an admin token is configured. */
int zauth_admin_enabled(const zauth *a);

/* The API keys (NULL when loaded without keys). */
const zauth_keys *zauth_keys_of(const zauth *a);

/* Count one request of key `slot` against the per-key rate limit (rate-limit per minute).
 * Returns 0 when allowed, else the seconds to wait; *limit, *remaining and *reset describe the
 * window either way (for the X-RateLimit-* headers). */
int zauth_rate_hit(zauth *a, int slot, int *limit, int *remaining, time_t *reset);

/* The parts: access tokens, passwords, accounts. */
#include "auth_accounts.h"
#include "auth_intkeys.h"
#include "auth_jwt.h"
#include "auth_password.h"

#endif /* ZKBIOD_AUTH_H */
