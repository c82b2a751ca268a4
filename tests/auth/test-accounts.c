/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts of /api/v1 (daemon/auth/accounts.c over daemon/store/accounts.c) against whichever
 * backend the URI names (sqlite:tmp, or a mariadb:// URI from tests/support/mariadb.sh): create and
 * look up, taken e-mails, paged lists; login, wrong passwords, login limits per address and per
 * account; an imported $2y$ hash rehashed to argon2id at login; refresh rotation, reuse revoking
 * the family; logout and password change ending every session; the bearer check (admin token,
 * JWT, stale token_version, disabled, removed, expired, tampered); and the audit rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef ZAUTH_HAVE_XCRYPT
#include <crypt.h>
#endif

#include "auth.h"
#include "config.h"

#include "../support/test.h"

#define NEED(cond) REQUIRE(cond, "REQUIRE(%s) failed", #cond)
#define PW(s)      s, strlen(s)

static char datadir[] = "/tmp/zkbio-accounts-XXXXXX";

static zauth *open_auth(zs_store *st, const char *admin_token)
{
    static zkbiod_config cfg; /* zauth borrows the admin token from it */
    memset(&cfg, 0, sizeof(cfg));
    cfg.admin_token = (char *)admin_token;
    cfg.rate_limit = 100;
    cfg.data_dir = datadir;
    zauth *a = NULL;
    char err[256];
    if (zauth_open(&cfg, 0, &a, err, sizeof(err)) != 0 ||
        zauth_attach_store(a, st, datadir, err, sizeof(err)) != 0) {
        fprintf(stderr, "zauth: %s\n", err);
        zauth_close(a);
        return NULL;
    }
    return a;
}

static int count_audit(zs_store *st, const char *action, const char *outcome)
{
    zs_audit_filter f = {.action = action, .limit = 1000};
    zs_audit_page p;
    if (zs_audit_list(st, &f, &p) != 0)
        return -1;
    int n = 0;
    for (size_t i = 0; i < p.n; i++)
        n += !outcome || strcmp(p.rows[i].outcome, outcome) == 0;
    zs_audit_page_free(&p);
    return n;
}

static int bearer(zauth *a, const char *tok, zauth_principal *who)
{
    char h[1200];
    snprintf(h, sizeof(h), "Bearer %s", tok);
    return zauth_bearer_check(a, h, who);
}

static void test_store_accounts(zs_store *st)
{
    int64_t id = 0, id2 = 0;
    NEED(zs_account_create(st, "Ann", "ann@example.org", "$argon2id$x", "admin", &id) == 0);
    CHECK(id > 0);
    CHECK(zs_account_create(st, "Ann2", "ann@example.org", "$argon2id$x", "viewer", NULL) ==
          ZKBIO_EEXIST);
    CHECK(zs_account_create(st, "Bob", "bob@example.org", "h", "root", NULL) == ZKBIO_EINVAL);
    NEED(zs_account_create(st, "Bob", "bob@example.org", "h", "viewer", &id2) == 0);
    zs_account a;
    NEED(zs_account_get(st, id, &a) == 0);
    CHECK_STR(a.email, "ann@example.org");
    CHECK_STR(a.username, "Ann");
    CHECK_STR(a.role, "admin");
    CHECK_EQ_INT(a.token_version, 1);
    CHECK(a.created_at > 1600000000000LL && a.last_login_at == 0 && !a.disabled);
    CHECK(zs_account_get(st, 999999, &a) == ZKBIO_ENOENT);
    CHECK(zs_account_get_by_email(st, "nobody@example.org", &a) == ZKBIO_ENOENT);
    NEED(zs_account_get_by_email(st, "bob@example.org", &a) == 0 && a.id == id2);
    /* Paging: one per page. */
    zs_account_page p;
    NEED(zs_account_list(st, 0, 1, &p) == 0);
    CHECK(p.n == 1 && p.has_next && p.next == id && p.total == 2);
    int64_t next = p.next;
    zs_account_page_free(&p);
    NEED(zs_account_list(st, next, 1, &p) == 0);
    CHECK(p.n == 1 && !p.has_next && p.rows[0].id == id2);
    zs_account_page_free(&p);
    /* Password without revocation keeps token_version; with it bumps. */
    NEED(zs_account_set_password(st, id2, "h2", 0) == 0);
    NEED(zs_account_get(st, id2, &a) == 0);
    CHECK(a.token_version == 1 && strcmp(a.password_hash, "h2") == 0);
    NEED(zs_account_set_password(st, id2, "h3", 1) == 0);
    NEED(zs_account_get(st, id2, &a) == 0);
    CHECK_EQ_INT(a.token_version, 2);
    CHECK(zs_account_set_password(st, 999999, "h", 1) == ZKBIO_ENOENT);
    /* Expired refresh tokens are purged; live ones stay. */
    NEED(zs_refresh_add(st, id2, "00000000000000000000000000000001",
                        "1111111111111111111111111111111111111111111111111111111111111111",
                        1000) == 0);
    NEED(zs_refresh_add(st, id2, "00000000000000000000000000000001",
                        "2222222222222222222222222222222222222222222222222222222222222222",
                        4000000000000LL) == 0);
    CHECK(zs_refresh_add(st, id2, "nothex", "22", 1) == ZKBIO_EINVAL);
    int64_t purged = -1;
    CHECK(zs_refresh_purge(st, 2000000000000LL, &purged) == 0 && purged == 1);
    NEED(zs_account_remove(st, id2) == 0);
    CHECK(zs_account_remove(st, id2) == ZKBIO_ENOENT);
    NEED(zs_account_remove(st, id) == 0);
    int64_t n = -1;
    CHECK(zs_account_count(st, &n) == 0 && n == 0);
out:;
}

static void test_login_and_tokens(zs_store *st)
{
    zauth *a = open_auth(st, "the-admin-token-0123456789");
    NEED(a);
    zauth_principal who;
    /* The admin token alone. */
    CHECK_EQ_INT(bearer(a, "the-admin-token-0123456789", &who), ZAUTH_BEARER_OK);
    CHECK(who.role == ZAUTH_ROLE_ADMIN && who.account_id == 0 && !strcmp(who.name, "admin-token"));
    CHECK_EQ_INT(bearer(a, "the-admin-token-012345678", &who), ZAUTH_BEARER_INVALID);
    CHECK_EQ_INT(zauth_bearer_check(a, NULL, &who), ZAUTH_BEARER_MISSING);
    CHECK_EQ_INT(zauth_bearer_check(a, "Basic abc", &who), ZAUTH_BEARER_MISSING);
    CHECK_EQ_INT(zauth_bearer_check(a, "Bearer ", &who), ZAUTH_BEARER_MISSING);

    /* Register: field checks, then an operator. */
    zs_account acct;
    char why[160];
    CHECK_EQ_INT(zauth_register(a, NULL, "", "op", "not-an-email", PW("password-1"), "operator",
                                &acct, why, sizeof(why)),
                 ZAUTH_INVALID);
    CHECK(strstr(why, "email") != NULL);
    CHECK_EQ_INT(zauth_register(a, NULL, "", "op", "op@example.org", PW("short"), "operator", &acct,
                                why, sizeof(why)),
                 ZAUTH_INVALID);
    CHECK(strstr(why, "password") != NULL);
    CHECK_EQ_INT(zauth_register(a, NULL, "", "op", "op@example.org", PW("password-1"), "boss",
                                &acct, why, sizeof(why)),
                 ZAUTH_INVALID);
    CHECK_EQ_INT(zauth_register(a, NULL, "", "", "op@example.org", PW("password-1"), "operator",
                                &acct, why, sizeof(why)),
                 ZAUTH_INVALID);
    NEED(zauth_register(a, NULL, "10.0.0.1", "op", "Op@Example.org", PW("password-1"), "operator",
                        &acct, why, sizeof(why)) == ZAUTH_OK);
    CHECK_STR(acct.email, "op@example.org"); /* stored lower-case */
    CHECK_EQ_INT(zauth_register(a, NULL, "", "op2", "OP@example.org", PW("password-2"), "viewer",
                                NULL, why, sizeof(why)),
                 ZAUTH_EXISTS);
    CHECK_EQ_INT(count_audit(st, "auth.register", "ok"), 1);
    CHECK_EQ_INT(count_audit(st, "auth.register", "failed"), 1);

    /* Login. */
    zauth_session s, s2;
    int retry = 0;
    NEED(zauth_login(a, "OP@example.org", PW("password-1"), "10.0.0.2", &s, &retry) == ZAUTH_OK);
    CHECK_EQ_INT(s.expires_in, 3600);
    CHECK_EQ_INT(strlen(s.refresh_token), 43);
    CHECK(s.account.id == acct.id && s.account.last_login_at == 0);
    NEED(zs_account_get(st, acct.id, &acct) == 0);
    CHECK(acct.last_login_at > 0);
    CHECK_EQ_INT(bearer(a, s.access_token, &who), ZAUTH_BEARER_OK);
    CHECK(who.role == ZAUTH_ROLE_OPERATOR && who.account_id == acct.id &&
          !strcmp(who.name, "op@example.org"));
    CHECK(zauth_role_allows(who.role, ZAUTH_VIEWER) &&
          zauth_role_allows(who.role, ZAUTH_OPERATOR) && !zauth_role_allows(who.role, ZAUTH_ADMIN));
    CHECK(!zauth_role_allows(ZAUTH_ROLE_VIEWER, ZAUTH_OPERATOR) &&
          zauth_role_allows(ZAUTH_ROLE_ADMIN, ZAUTH_ADMIN));
    /* A tampered token. */
    char bad[1100];
    snprintf(bad, sizeof(bad), "%s", s.access_token);
    bad[strlen(bad) - 5] = bad[strlen(bad) - 5] == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(bearer(a, bad, &who), ZAUTH_BEARER_INVALID);
    CHECK_EQ_INT(who.role, ZAUTH_ROLE_NONE);
    /* An expired one, signed with the real key. */
    uint8_t key[ZAUTH_JWT_KEY_LEN];
    char err[200];
    NEED(zauth_jwt_key_load(datadir, key, err, sizeof(err)) == 0);
    zauth_claims c = {.sub = acct.id, .role = ZAUTH_ROLE_OPERATOR, .ver = acct.token_version};
    snprintf(c.jti, sizeof(c.jti), "feedfeedfeedfeedfeedfeedfeedfeed");
    c.iat = time(NULL) - 7200;
    c.exp = time(NULL) - 3600;
    char old[1024];
    NEED(zauth_jwt_sign(key, sizeof(key), &c, old, sizeof(old)) == 0);
    CHECK_EQ_INT(bearer(a, old, &who), ZAUTH_BEARER_EXPIRED);
    /* A token of an account that does not exist. */
    c.sub = 987654;
    c.exp = time(NULL) + 600;
    NEED(zauth_jwt_sign(key, sizeof(key), &c, old, sizeof(old)) == 0);
    CHECK_EQ_INT(bearer(a, old, &who), ZAUTH_BEARER_INVALID);

    /* Refresh: rotation; the old one reused revokes the family (the new one too). */
    NEED(zauth_refresh(a, s.refresh_token, "10.0.0.2", &s2) == ZAUTH_OK);
    CHECK(strcmp(s2.refresh_token, s.refresh_token) != 0);
    CHECK_EQ_INT(bearer(a, s2.access_token, &who), ZAUTH_BEARER_OK);
    zauth_session s3;
    CHECK_EQ_INT(zauth_refresh(a, s.refresh_token, "10.0.0.66", &s3), ZAUTH_REUSED);
    CHECK_EQ_INT(zauth_refresh(a, s2.refresh_token, "10.0.0.2", &s3), ZAUTH_BAD_CREDENTIALS);
    CHECK_EQ_INT(count_audit(st, "auth.refresh_reuse", "denied"), 1);
    CHECK_EQ_INT(zauth_refresh(a, "not-a-token", "", &s3), ZAUTH_BAD_CREDENTIALS);
    CHECK_EQ_INT(zauth_refresh(a, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", &s3),
                 ZAUTH_BAD_CREDENTIALS);
    /* Another login's family is unaffected by that revocation... */
    NEED(zauth_login(a, "op@example.org", PW("password-1"), "10.0.0.2", &s, &retry) == ZAUTH_OK);
    NEED(zauth_refresh(a, s.refresh_token, "10.0.0.2", &s2) == ZAUTH_OK);
    /* ...until logout, which ends every session: access tokens and refresh tokens. */
    NEED(bearer(a, s2.access_token, &who) == ZAUTH_BEARER_OK);
    CHECK_EQ_INT(zauth_logout(a, &who, "10.0.0.2"), ZAUTH_OK);
    CHECK_EQ_INT(bearer(a, s2.access_token, &who), ZAUTH_BEARER_INVALID);
    CHECK_EQ_INT(zauth_refresh(a, s2.refresh_token, "10.0.0.2", &s3), ZAUTH_BAD_CREDENTIALS);
    CHECK_EQ_INT(count_audit(st, "auth.logout", "ok"), 1);

    /* Password change: old sessions end, the old password stops working, the new one works. */
    NEED(zauth_login(a, "op@example.org", PW("password-1"), "10.0.0.3", &s, &retry) == ZAUTH_OK);
    CHECK_EQ_INT(zauth_set_password(a, NULL, "", acct.id, PW("short")), ZAUTH_INVALID);
    NEED(zauth_set_password(a, NULL, "", acct.id, PW("password-NEW")) == ZAUTH_OK);
    CHECK_EQ_INT(bearer(a, s.access_token, &who), ZAUTH_BEARER_INVALID);
    CHECK_EQ_INT(zauth_refresh(a, s.refresh_token, "", &s3), ZAUTH_BAD_CREDENTIALS);
    CHECK_EQ_INT(zauth_login(a, "op@example.org", PW("password-1"), "10.0.0.3", &s, &retry),
                 ZAUTH_BAD_CREDENTIALS);
    NEED(zauth_login(a, "op@example.org", PW("password-NEW"), "10.0.0.3", &s, &retry) == ZAUTH_OK);
    CHECK_EQ_INT(count_audit(st, "account.password", "ok"), 1);

    /* Disabled accounts: no login, and their tokens stop at once. */
    NEED(zs_account_set_disabled(st, acct.id, 1) == 0);
    CHECK_EQ_INT(bearer(a, s.access_token, &who), ZAUTH_BEARER_INVALID);
    CHECK_EQ_INT(zauth_login(a, "op@example.org", PW("password-NEW"), "10.0.0.3", &s2, &retry),
                 ZAUTH_DISABLED);
    NEED(zs_account_set_disabled(st, acct.id, 0) == 0);

    /* Removal: the token stops working. */
    NEED(zauth_login(a, "op@example.org", PW("password-NEW"), "10.0.0.3", &s, &retry) == ZAUTH_OK);
    CHECK_EQ_INT(zauth_remove_account(a, NULL, "", acct.id), ZAUTH_OK);
    CHECK_EQ_INT(zauth_remove_account(a, NULL, "", acct.id), ZAUTH_NOT_FOUND);
    CHECK_EQ_INT(bearer(a, s.access_token, &who), ZAUTH_BEARER_INVALID);
    CHECK_EQ_INT(count_audit(st, "account.remove", "ok"), 1);
    CHECK(count_audit(st, "auth.login", "ok") >= 5);
    CHECK(count_audit(st, "auth.login", "failed") >= 1);
    CHECK(count_audit(st, "auth.", NULL) >= 8);
out:
    zauth_close(a);
}

static void test_limits(zs_store *st)
{
    zauth *a = open_auth(st, NULL);
    NEED(a);
    zs_account acct;
    char why[160];
    NEED(zauth_register(a, NULL, "", "lim", "lim@example.org", PW("password-1"), "viewer", &acct,
                        why, sizeof(why)) == ZAUTH_OK);
    zauth_session s;
    int retry = 0;
    /* Per account: 5 failures from different addresses, then even the right password waits. */
    for (int i = 0; i < ZAUTH_LOGIN_FAILS; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
        CHECK_EQ_INT(zauth_login(a, "lim@example.org", PW("wrong-pass"), ip, &s, &retry),
                     ZAUTH_BAD_CREDENTIALS);
    }
    CHECK_EQ_INT(zauth_login(a, "lim@example.org", PW("password-1"), "192.0.2.99", &s, &retry),
                 ZAUTH_LIMITED);
    CHECK(retry > 0 && retry <= ZAUTH_LOGIN_WINDOW_S);
    CHECK(count_audit(st, "auth.login", "denied") >= 1);
    /* Per address: 5 failures for unknown accounts from one address block that address for any
     * account, while another address still signs in. */
    NEED(zauth_register(a, NULL, "", "ok", "ok@example.org", PW("password-2"), "viewer", &acct, why,
                        sizeof(why)) == ZAUTH_OK);
    for (int i = 0; i < ZAUTH_LOGIN_FAILS; i++) {
        char em[64];
        snprintf(em, sizeof(em), "nobody%d@example.org", i);
        CHECK_EQ_INT(zauth_login(a, em, PW("whatever-1"), "198.51.100.7", &s, &retry),
                     ZAUTH_BAD_CREDENTIALS);
    }
    CHECK_EQ_INT(zauth_login(a, "ok@example.org", PW("password-2"), "198.51.100.7", &s, &retry),
                 ZAUTH_LIMITED);
    CHECK_EQ_INT(zauth_login(a, "ok@example.org", PW("password-2"), "198.51.100.8", &s, &retry),
                 ZAUTH_OK);
    /* Without an admin token and with accounts, the API is on: a missing bearer is 401. */
    zauth_principal who;
    CHECK_EQ_INT(zauth_bearer_check(a, NULL, &who), ZAUTH_BEARER_MISSING);
out:
    zauth_close(a);
}

static void test_rehash(zs_store *st)
{
#ifdef ZAUTH_HAVE_XCRYPT
    /* An account imported from a PHP system: its $2y$ hash signs in once and is argon2id after. */
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    zauth *a = NULL;
    NEED(cd);
    NEED(crypt_gensalt_rn("$2b$", 5, NULL, 0, salt, sizeof(salt)) != NULL);
    const char *h = crypt_rn("php-password", salt, cd, (int)sizeof(*cd));
    NEED(h);
    char b2y[128];
    snprintf(b2y, sizeof(b2y), "%s", h);
    b2y[2] = 'y';
    int64_t id = 0;
    NEED(zs_account_create(st, "imp", "imported@example.org", b2y, "viewer", &id) == 0);
    a = open_auth(st, NULL);
    NEED(a);
    zauth_session s;
    int retry = 0;
    NEED(zauth_login(a, "imported@example.org", PW("php-password"), "203.0.113.1", &s, &retry) ==
         ZAUTH_OK);
    zs_account acct;
    NEED(zs_account_get(st, id, &acct) == 0);
    CHECK(strncmp(acct.password_hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    CHECK_EQ_INT(acct.token_version, 1); /* a rehash ends no session */
    NEED(zauth_login(a, "imported@example.org", PW("php-password"), "203.0.113.1", &s, &retry) ==
         ZAUTH_OK);
    CHECK_EQ_INT(
        zauth_login(a, "imported@example.org", PW("php-passworD"), "203.0.113.1", &s, &retry),
        ZAUTH_BAD_CREDENTIALS);
out:
    zauth_close(a);
    free(cd);
#else
    (void)st;
#endif
}

static void test_disabled_api(zs_store *st)
{
    /* No admin token and no account: the API is off (as before accounts existed). */
    int64_t n = 0;
    zauth *a = NULL;
    NEED(zs_account_count(st, &n) == 0);
    NEED(n == 0);
    a = open_auth(st, NULL);
    NEED(a);
    zauth_principal who;
    CHECK_EQ_INT(zauth_bearer_check(a, NULL, &who), ZAUTH_BEARER_DISABLED);
    CHECK_EQ_INT(zauth_bearer_check(a, "Bearer x.y.z", &who), ZAUTH_BEARER_DISABLED);
out:
    zauth_close(a);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI\n", argv[0]);
        return 2;
    }
    if (!mkdtemp(datadir))
        return 2;
    char uri[4200];
    int tmp = strcmp(argv[1], "sqlite:tmp") == 0;
    if (tmp)
        snprintf(uri, sizeof(uri), "sqlite:%s/store.db", datadir);
    else
        snprintf(uri, sizeof(uri), "%s", argv[1]);
    zs_policy pol = {.command_timeout_s = 60, .max_attempts = 3, .auto_admit = 1};
    zs_store *st = NULL;
    char err[256];
    if (zs_open(uri, &pol, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "zs_open: %s\n", err);
        return 1;
    }
    test_store_accounts(st);
    test_disabled_api(st);
    test_login_and_tokens(st);
    test_limits(st);
    test_rehash(st);
    zs_close(st);
    char path[4300];
    const char *files[] = {"store.db", "store.db-wal", "store.db-shm", "jwt.key"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", datadir, files[i]);
        unlink(path);
    }
    rmdir(datadir);
    return TEST_DONE();
}
