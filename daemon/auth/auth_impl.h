/* SPDX-License-Identifier: Apache-2.0 */
/* Private parts of daemon/auth shared by its source files (never included elsewhere). */
#ifndef ZKBIOD_AUTH_IMPL_H
#define ZKBIOD_AUTH_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "auth.h"
#include "core.h"

/* One login window: failures of one client address or one account (keyed by a 64-bit hash of
 * "ip:<addr>" / "acct:<email>"; key 0 = free slot). */
typedef struct zauth_login_slot {
    uint64_t key;
    zc_window w;
} zauth_login_slot;

struct zauth {
    const char *admin_token; /* "" or NULL = no admin token (borrowed from the config) */
    zauth_keys *keys;
    int rate_limit; /* requests per minute per key */
    pthread_mutex_t lock;
    zc_window *windows; /* one per key slot */
    /* accounts (zauth_attach_store) */
    zs_store *store; /* NULL: accounts off */
    uint8_t jwt_key[ZAUTH_JWT_KEY_LEN];
    pthread_mutex_t login_lock;
    zauth_login_slot *login; /* ZAUTH_LOGIN_SLOTS, allocated by zauth_attach_store */
    pthread_mutex_t hash_lock;
    pthread_cond_t hash_cond;
    int hashing; /* computations running, <= ZAUTH_HASH_CONCURRENCY */
    /* issue 16: Basic credentials checked recently (bt_auth.c), under basic_lock */
    pthread_mutex_t basic_lock;
    struct zauth_basic_entry *basic; /* ZAUTH_BASIC_SLOTS, allocated by zauth_attach_store */
};

/* Sign-in by password with the login limits, the hashing gate and the audit of failures (the
 * caller audits the success with zauth_audit_login_ok once its token exists): `key` an e-mail
 * (normalised here) or, with by_username, a username. ZAUTH_OK with *acct (enabled) and *rehashed;
 * else as zauth_login. */
int zauth_password_login(zauth *a, const char *key, int by_username, const char *password,
                         size_t pwlen, const char *ip, zs_account *acct, int *rehashed,
                         int *retry_after);
void zauth_audit_login_ok(zauth *a, const zs_account *acct, const char *ip, const char *via,
                          int rehashed);

/* Login windows (limits.c). zauth_login_blocked: seconds until `key` may try again (0 = now).
 * zauth_login_failed counts a failure; zauth_login_clear forgets the key. */
int zauth_login_blocked(zauth *a, const char *kind, const char *value);
void zauth_login_failed(zauth *a, const char *kind, const char *value);
void zauth_login_clear(zauth *a, const char *kind, const char *value);

/* The hashing gate: at most ZAUTH_HASH_CONCURRENCY between enter and leave. */
void zauth_hash_enter(zauth *a);
void zauth_hash_leave(zauth *a);

/* The commands `zkbiod user` and `zkbiod integration-key` (cli_open.c). zauth_cmd_open takes the
 * value flags flags[0..n) ("--name" ...) out of argv[2..argc) into values[0..n) (pointers into
 * argv; NULL when absent), reads the rest as zkbiod's configuration, and opens the data directory,
 * the store and the auth module into *c. Returns -1 when *c is open (close it with
 * zauth_cmd_close), else the command's exit status, said on stderr after "zkbiod <tool>: ": 0
 * after --help/--version, 2 for a flag without its value or a bad configuration, 1 when something
 * could not be opened or memory ran out (nothing is left open). Single-threaded. */
typedef struct zauth_cmd {
    zkbiod_config cfg;
    int loaded; /* cfg holds a loaded configuration */
    zs_store *st;
    zauth *a;
} zauth_cmd;
int zauth_cmd_open(int argc, char **argv, const char *tool, const char *const *flags, size_t n,
                   const char **values, zauth_cmd *c);
void zauth_cmd_close(zauth_cmd *c);

#endif /* ZKBIOD_AUTH_IMPL_H */
