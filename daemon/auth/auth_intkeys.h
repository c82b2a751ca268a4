/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file auth_intkeys.h
 * @brief Integration keys of the inbound Frappe-style punch endpoints (part of auth.h; issue 16,
 * docs/integrations.md "Inbound punches (Frappe real-time shape)").
 *
 * A key is a pair api_key:api_secret made by zkbiod (`zkbiod integration-key create`, or
 * POST /api/v1/integration-keys): api_key = ZAUTH_INTKEY_KEY_LEN random characters of
 * [A-Za-z0-9] (it names the key, shown in lists), api_secret = ZAUTH_INTKEY_SECRET_LEN such
 * characters (256 bits), shown once and stored only as the hex SHA-256 in table integration_keys
 * (store_intkeys.h). Why a fast hash: as for the API keys (auth.h), a 256-bit random secret cannot
 * be guessed whatever the hash costs, and every punch request checks it.
 *
 * Presented as Frappe's clients do (shared reference integrations.md §2.3, Frappe REST docs):
 *   Authorization: token <api_key>:<api_secret>
 *   Authorization: Basic base64(<api_key>:<api_secret>)
 * The scheme is matched case-insensitively; anything else (no header, Bearer, ...) is MISSING.
 *
 * Check (zauth_intkey_check): the stored hash is compared in constant time (an unknown api_key is
 * compared against a dummy hash, so its answer takes the same time); a revoked key is refused only
 * once its secret matched (a wrong secret never tells whether the key exists or was revoked).
 * Failures are limited like logins (limits.c): at most ZAUTH_LOGIN_FAILS failed checks per
 * ZAUTH_LOGIN_WINDOW_S per client address and per api_key; past that the check answers LIMITED
 * with the seconds to wait, without looking at the secret. A good check clears the key's window
 * (not the address's). last_used_at is written at most once per ZAUTH_INTKEY_TOUCH_MS per key.
 *
 * Audit (store_audit.h): intkey.create, intkey.revoke (target = "intkey:<id>", details {api_key,
 * name}); never the secret. Thread-safety: every function may be called from any thread once
 * zauth_attach_store() returned (the CLI attaches its own).
 */
#ifndef ZKBIOD_AUTH_INTKEYS_H
#define ZKBIOD_AUTH_INTKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define ZAUTH_INTKEY_KEY_LEN    16
#define ZAUTH_INTKEY_SECRET_LEN 43 /* 43 * log2(62) > 256 bits */
#define ZAUTH_INTKEY_SECRET_MAX 128
#define ZAUTH_INTKEY_TOUCH_MS   60000

typedef struct zauth zauth;
struct zauth_principal;

/** Outcomes of zauth_intkey_check (HTTP mapping of api/frappe_reply.c in brackets). */
typedef enum zauth_intkey_result {
    ZAUTH_IK_OK = 0,
    ZAUTH_IK_MISSING = 1,   /**< no `token`/`Basic` credential [401 AuthenticationError] */
    ZAUTH_IK_MALFORMED = 2, /**< the scheme without key:secret, bad base64 [401] */
    ZAUTH_IK_INVALID = 3,   /**< unknown api_key or wrong secret [401] */
    ZAUTH_IK_REVOKED = 4,   /**< right secret of a revoked key [401] */
    ZAUTH_IK_LIMITED = 5,   /**< too many failures: *retry_after seconds [429] */
    ZAUTH_IK_UNAVAIL = 6,   /**< database unreachable, or no store attached [503] */
} zauth_intkey_result;

/** The key a request was checked against. */
typedef struct zauth_intkey_who {
    int64_t id;
    char api_key[ZS_INTKEY_KEY_MAX + 1];
    char name[ZS_INTKEY_NAME_MAX + 1];
} zauth_intkey_who;

/**
 * Parse an Authorization value (may be NULL) into key (keysz bytes) and secret (secsz bytes):
 * 0 parsed; 1 not an integration credential (absent, another scheme); -1 the scheme `token` or
 * `Basic` with a malformed credential (no ':' , an empty or too long part, bytes outside
 * printable ASCII, bad base64). Bounds-checked for any input (fuzzed: tests/fuzz).
 */
int zauth_intkey_parse(const char *authorization, char *key, size_t keysz, char *secret,
                       size_t secsz);

/** Check an Authorization value from client address ip. ZAUTH_IK_OK fills *who (zeroed
 * otherwise); ZAUTH_IK_LIMITED sets *retry_after (may be NULL). */
int zauth_intkey_check(zauth *a, const char *authorization, const char *ip, zauth_intkey_who *who,
                       int *retry_after);

/**
 * Make a key named name (1..ZS_INTKEY_NAME_MAX bytes of printable text, UTF-8 allowed) for `who`
 * (NULL = the command line, actor "cli") from ip. *out = the new row, secret (secsz >=
 * ZAUTH_INTKEY_SECRET_LEN + 1) = the secret, to be shown once. ZAUTH_OK, ZAUTH_INVALID (name),
 * ZAUTH_UNAVAILABLE (database, randomness), ZAUTH_OFF (no store).
 */
int zauth_intkey_create(zauth *a, const struct zauth_principal *who, const char *ip,
                        const char *name, zs_intkey *out, char *secret, size_t secsz);

/** Revoke key id (by who/ip as above). ZAUTH_OK (also when it was revoked already: *was_active
 * 0), ZAUTH_NOT_FOUND, ZAUTH_UNAVAILABLE, ZAUTH_OFF. *out (may be NULL) = the row afterwards. */
int zauth_intkey_revoke(zauth *a, const struct zauth_principal *who, const char *ip, int64_t id,
                        zs_intkey *out, int *was_active);

/** `zkbiod integration-key create|list|revoke` (argv[0] = "integration-key"); the exit status. */
int zauth_intkey_cli(int argc, char **argv);

#endif /* ZKBIOD_AUTH_INTKEYS_H */
