/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts of /api/v1 against a live zkbiod (started on port 0 over a fresh database), with the
 * accounts made by `zkbiod user` on the same database:
 *   - `zkbiod user add` (password file, and a password on standard input), a taken e-mail, list;
 *   - login ok / wrong password / unknown e-mail / malformed bodies (400 in the envelope);
 *   - 401 UNAUTHORIZED without a bearer (WWW-Authenticate: Bearer), TOKEN_INVALID tampered,
 *     TOKEN_EXPIRED expired (signed with the server's own key); the admin token still works;
 *   - 403 FORBIDDEN for a viewer on admin routes, a viewer reads devices;
 *   - register 201, 400 VALIDATION_ERROR on a taken e-mail or a bad role;
 *   - refresh rotation, and the reuse of a rotated token revoking its family; logout revoking;
 *   - me; the audit log's rows and paging;
 *   - `zkbiod user passwd` ending the sessions of a live token, `user remove`, their audit rows;
 *   - the login limit: 429 with Retry-After once an address failed 5 times.
 *
 *   test-auth-http ZKBIOD [URI]   (no URI: SQLite in the test's directory; mariadb.sh appends one)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "auth.h"
#include "http-json.h"
#include "zkbiod-launch.h"

#include "../support/test.h"
#include "../support/daemon-test.h"

#define NEED(cond)  REQUIRE(cond, "REQUIRE(%s) failed", #cond)
#define ADMIN_TOKEN "auth-http-admin-token-0123456789"

static const char *zkbiod;
static char dir[] = "/tmp/zkbio-authhttp-XXXXXX";
static char db[4200];
static int port;

typedef http_json_reply reply;

/* One request; token NULL = no Authorization header. */
static void call(reply *r, const char *method, const char *path, const char *token,
                 const char *body)
{
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    const http_json_opts o = {.token = token, .timeout_ms = 20000};
    http_json_call(r, base, method, path, body, &o);
}

static void done(reply *r)
{
    http_json_free(r);
}

/* The error code of an envelope error, "" otherwise. */
static const char *code_of(const reply *r)
{
    const char *c = json_string_value(json_object_get(json_object_get(r->j, "error"), "code"));
    return c ? c : "";
}

static const char *data_str(const reply *r, const char *k)
{
    const char *s = json_string_value(json_object_get(json_object_get(r->j, "data"), k));
    return s ? s : "";
}

/* Run `zkbiod user ARGS` (a shell fragment) on the test's database; stdin_text is piped in when
 * not NULL; stdout goes to out (size bytes). Returns the exit status. */
static int user_cli(const char *args, const char *stdin_text, char *out, size_t size)
{
    char cmd[8192], outpath[512], input[600];
    snprintf(outpath, sizeof(outpath), "%s/cli.out", dir);
    if (stdin_text)
        snprintf(input, sizeof(input), "printf '%%s\\n' '%s' |", stdin_text);
    else
        snprintf(input, sizeof(input), "</dev/null");
    snprintf(cmd, sizeof(cmd), "%s '%s' user %s --db '%s' --data-dir '%s' >'%s' 2>>'%s/cli.err'",
             input, zkbiod, args, db, dir, outpath, dir);
    int st = system(cmd);
    if (out && size) {
        out[0] = '\0';
        FILE *f = fopen(outpath, "r");
        if (f) {
            size_t n = fread(out, 1, size - 1, f);
            out[n] = '\0';
            fclose(f);
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Sign in; copies the tokens (either may be NULL). Returns the status. */
static long login(const char *email, const char *pw, char *access, char *refresh)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
    reply r;
    call(&r, "POST", "/api/v1/auth/login", NULL, body);
    if (r.status == 200) {
        if (access)
            snprintf(access, 1024, "%s", data_str(&r, "access_token"));
        if (refresh)
            snprintf(refresh, 64, "%s", data_str(&r, "refresh_token"));
    }
    long st = r.status;
    done(&r);
    return st;
}

static long refresh(const char *tok, char *access, char *next, char *code, size_t codesz)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", tok);
    reply r;
    call(&r, "POST", "/api/v1/auth/refresh", NULL, body);
    if (r.status == 200) {
        snprintf(access, 1024, "%s", data_str(&r, "access_token"));
        snprintf(next, 64, "%s", data_str(&r, "refresh_token"));
    }
    if (code)
        snprintf(code, codesz, "%s", code_of(&r));
    long st = r.status;
    done(&r);
    return st;
}

/* Number of audit rows of `action` (exact or "prefix.") with `outcome` (NULL any), by the admin
 * token. */
static int audit_count(const char *action, const char *outcome, const char *actor)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/audit?limit=1000&action=%s", action);
    reply r;
    call(&r, "GET", path, ADMIN_TOKEN, NULL);
    int n = -1;
    if (r.status == 200) {
        n = 0;
        json_t *items = json_object_get(json_object_get(r.j, "data"), "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *o = json_string_value(json_object_get(it, "outcome"));
            const char *a = json_string_value(json_object_get(it, "actor"));
            n += (!outcome || (o && !strcmp(o, outcome))) && (!actor || (a && !strcmp(a, actor)));
        }
    }
    done(&r);
    return n;
}

static void run(void)
{
    pid_t pid = 0;
    FILE *f = NULL;
    reply r;
    char out[4096];
    /* ---- zkbiod user, before and while the server runs (same database) ---- */
    char pwfile[512];
    snprintf(pwfile, sizeof(pwfile), "%s/admin.pw", dir);
    f = fopen(pwfile, "w");
    NEED(f);
    fputs("admin-pass-1\n", f);
    fclose(f);
    char args[1024];
    snprintf(args, sizeof(args), "add --email Admin@Example.org --role admin --password-file '%s'",
             pwfile);
    CHECK_EQ_INT(user_cli(args, NULL, out, sizeof(out)), 0);
    CHECK(atoi(out) > 0);
    CHECK_EQ_INT(user_cli("add --email viewer@example.org --role viewer --username Vic",
                          "viewer-pass-1", out, sizeof(out)),
                 0);
    CHECK(user_cli("add --email viewer@example.org --role viewer", "another-pass", out,
                   sizeof(out)) != 0);
    CHECK(user_cli("add --email nobody@example.org --role boss", "another-pass", NULL, 0) != 0);
    CHECK(user_cli("add --email nobody@example.org --role viewer", "short", NULL, 0) != 0);
    CHECK_EQ_INT(user_cli("list", NULL, out, sizeof(out)), 0);
    CHECK(strstr(out, "admin@example.org") && strstr(out, "viewer@example.org") &&
          strstr(out, "Vic") && !strstr(out, "nobody"));

    /* ---- the server ---- */
    char listen[] = "127.0.0.1:0", log[600];
    snprintf(log, sizeof(log), "%s/zkbiod.log", dir);
    const char *argv[] = {
        zkbiod, "--listen", listen,          "--service-listen", "off",         "--data-dir", dir,
        "--db", db,         "--admin-token", ADMIN_TOKEN,        "--log-level", "debug",      NULL};
    zkl_opts o = {.argv = argv, .dir = dir, .log = log};
    zkl_ports ports;
    NEED(zkl_start(&o, &pid, &ports) == 0);
    port = ports.listen[0];

    /* Login. */
    char admin[1024], admin_r[64], view[1024], view_r[64];
    NEED(login("admin@example.org", "admin-pass-1", admin, admin_r) == 200);
    call(&r, "POST", "/api/v1/auth/login", NULL,
         "{\"email\":\"ADMIN@example.org\",\"password\":\"admin-pass-1\"}");
    CHECK_EQ_INT(r.status, 200);
    json_t *d = json_object_get(r.j, "data");
    CHECK(json_is_true(json_object_get(r.j, "status")));
    CHECK_STR(json_string_value(json_object_get(d, "token_type")), "Bearer");
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "expires_in")), 3600);
    CHECK_STR(json_string_value(json_object_get(json_object_get(d, "user"), "role")), "admin");
    CHECK(json_object_get(json_object_get(d, "user"), "password_hash") == NULL);
    done(&r);
    CHECK_EQ_INT(login("admin@example.org", "wrong-pass-1", NULL, NULL), 401); /* failure 1 */
    call(&r, "POST", "/api/v1/auth/login", NULL,
         "{\"email\":\"ghost@example.org\",\"password\":\"whatever-1\"}"); /* failure 2 */
    CHECK(r.status == 401 && !strcmp(code_of(&r), "INVALID_CREDENTIALS"));
    CHECK(json_is_false(json_object_get(r.j, "status")) && json_object_get(r.j, "metadata"));
    done(&r);
    /* Malformed bodies: 400 in the envelope, and they do not count as failed logins. */
    const char *bad[] = {"{",
                         "[]",
                         "{\"email\":\"admin@example.org\"}",
                         "{\"email\":\"not-an-email\",\"password\":\"admin-pass-1\"}",
                         "{\"email\":\"admin@example.org\",\"password\":\"short\"}",
                         "{\"email\":42,\"password\":\"admin-pass-1\"}",
                         "{\"email\":\"a@b.c\",\"email\":\"a@b.c\",\"password\":\"admin-pass-1\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call(&r, "POST", "/api/v1/auth/login", NULL, bad[i]);
        CHECK_MSG(r.status == 400 && (!strcmp(code_of(&r), "VALIDATION_ERROR") ||
                                      !strcmp(code_of(&r), "BAD_JSON")),
                  "login body %s: %ld %s", bad[i], r.status, code_of(&r));
        done(&r);
    }
    call(&r, "GET", "/api/v1/auth/login", NULL, NULL);
    CHECK_EQ_INT(r.status, 405);
    done(&r);

    /* Bearers. */
    call(&r, "GET", "/api/v1/devices", admin, NULL);
    CHECK_EQ_INT(r.status, 200);
    done(&r);
    call(&r, "GET", "/api/v1/devices", ADMIN_TOKEN, NULL);
    CHECK_EQ_INT(r.status, 200);
    done(&r);
    call(&r, "GET", "/api/v1/devices", NULL, NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "UNAUTHORIZED"));
    CHECK(strncasecmp(r.www_authenticate, "Bearer", 6) == 0);
    done(&r);
    char tampered[1024];
    snprintf(tampered, sizeof(tampered), "%s", admin);
    char *mid = strchr(tampered, '.') + 3;
    *mid = *mid == 'A' ? 'B' : 'A';
    call(&r, "GET", "/api/v1/devices", tampered, NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "TOKEN_INVALID") && r.www_authenticate[0]);
    done(&r);
    snprintf(tampered, sizeof(tampered), "%s", admin);
    size_t tl = strlen(tampered);
    tampered[tl - 5] = tampered[tl - 5] == 'A' ? 'B' : 'A';
    call(&r, "GET", "/api/v1/devices", tampered, NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "TOKEN_INVALID"));
    done(&r);
    uint8_t key[ZAUTH_JWT_KEY_LEN];
    char err[256], expired[1024];
    NEED(zauth_jwt_key_load(dir, key, err, sizeof(err)) == 0);
    zauth_claims c = {.sub = 1, .role = ZAUTH_ROLE_ADMIN, .ver = 1};
    snprintf(c.jti, sizeof(c.jti), "0123456789abcdef0123456789abcdef");
    c.iat = time(NULL) - 7200;
    c.exp = time(NULL) - 3600;
    NEED(zauth_jwt_sign(key, sizeof(key), &c, expired, sizeof(expired)) == 0);
    call(&r, "GET", "/api/v1/devices", expired, NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "TOKEN_EXPIRED") && r.www_authenticate[0]);
    done(&r);
    call(&r, "GET", "/api/v1/devices", "not-the-admin-token", NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "TOKEN_INVALID"));
    done(&r);

    /* Roles: the viewer reads, may not register or read the audit log. */
    NEED(login("viewer@example.org", "viewer-pass-1", view, view_r) == 200);
    call(&r, "GET", "/api/v1/devices", view, NULL);
    CHECK_EQ_INT(r.status, 200);
    done(&r);
    call(&r, "GET", "/api/v1/attendance", view, NULL);
    CHECK_EQ_INT(r.status, 200);
    done(&r);
    call(&r, "POST", "/api/v1/auth/register", view,
         "{\"username\":\"x\",\"email\":\"x@example.org\",\"password\":\"password-x\","
         "\"role\":\"admin\"}");
    CHECK(r.status == 403 && !strcmp(code_of(&r), "FORBIDDEN"));
    done(&r);
    call(&r, "GET", "/api/v1/audit", view, NULL);
    CHECK(r.status == 403 && !strcmp(code_of(&r), "FORBIDDEN"));
    done(&r);
    call(&r, "POST", "/api/v1/devices/1/commands", view, "{\"command\":\"reboot\"}");
    CHECK_EQ_INT(r.status, 403);
    done(&r);

    /* Register. */
    call(&r, "POST", "/api/v1/auth/register", admin,
         "{\"username\":\"Opal\",\"email\":\"opal@example.org\",\"password\":\"opal-pass-1\","
         "\"role\":\"operator\"}");
    CHECK_EQ_INT(r.status, 201);
    CHECK_STR(data_str(&r, "email"), "opal@example.org");
    CHECK_STR(data_str(&r, "role"), "operator");
    done(&r);
    call(&r, "POST", "/api/v1/auth/register", ADMIN_TOKEN,
         "{\"username\":\"Opal\",\"email\":\"OPAL@example.org\",\"password\":\"opal-pass-1\","
         "\"role\":\"viewer\"}");
    CHECK(r.status == 400 && !strcmp(code_of(&r), "VALIDATION_ERROR"));
    done(&r);
    const char *bad_reg[] = {
        "{\"username\":\"A\",\"email\":\"a@example.org\",\"password\":\"pass-word-1\","
        "\"role\":\"boss\"}",
        "{\"username\":\"A\",\"email\":\"a@example.org\",\"password\":\"short\",\"role\":"
        "\"viewer\"}",
        "{\"username\":\"A\",\"email\":\"a.example.org\",\"password\":\"pass-word-1\","
        "\"role\":\"viewer\"}",
        "{\"email\":\"a@example.org\",\"password\":\"pass-word-1\",\"role\":\"viewer\"}",
        "{\"username\":\"\",\"email\":\"a@example.org\",\"password\":\"pass-word-1\","
        "\"role\":\"viewer\"}",
        "not json"};
    for (size_t i = 0; i < sizeof(bad_reg) / sizeof(bad_reg[0]); i++) {
        call(&r, "POST", "/api/v1/auth/register", admin, bad_reg[i]);
        CHECK_MSG(r.status == 400, "register %s: %ld", bad_reg[i], r.status);
        done(&r);
    }
    CHECK_EQ_INT(login("opal@example.org", "opal-pass-1", NULL, NULL), 200);

    /* me. */
    call(&r, "GET", "/api/v1/auth/me", view, NULL);
    CHECK(r.status == 200 && !strcmp(data_str(&r, "email"), "viewer@example.org") &&
          !strcmp(data_str(&r, "role"), "viewer") && !strcmp(data_str(&r, "username"), "Vic"));
    done(&r);
    call(&r, "GET", "/api/v1/auth/me", ADMIN_TOKEN, NULL);
    CHECK(r.status == 200 && !strcmp(data_str(&r, "role"), "admin"));
    done(&r);

    /* Refresh: rotation, reuse revokes the family. */
    char a2[1024], r2[64], a3[1024], r3[64], code[64];
    NEED(refresh(admin_r, a2, r2, NULL, 0) == 200);
    CHECK(strcmp(r2, admin_r) != 0);
    call(&r, "GET", "/api/v1/auth/me", a2, NULL);
    CHECK_EQ_INT(r.status, 200);
    done(&r);
    CHECK_EQ_INT(refresh(admin_r, a3, r3, code, sizeof(code)), 401); /* reuse */
    CHECK_STR(code, "TOKEN_INVALID");
    CHECK_EQ_INT(refresh(r2, a3, r3, code, sizeof(code)), 401); /* the family is gone */
    call(&r, "POST", "/api/v1/auth/refresh", NULL, "{}");
    CHECK_EQ_INT(r.status, 400);
    done(&r);
    call(&r, "POST", "/api/v1/auth/refresh", NULL, "{\"refresh_token\":\"nope\"}");
    CHECK(r.status == 401 && !strcmp(code_of(&r), "INVALID_CREDENTIALS"));
    done(&r);

    /* Logout ends the account's sessions. */
    char op[1024], op_r[64];
    NEED(login("opal@example.org", "opal-pass-1", op, op_r) == 200);
    call(&r, "POST", "/api/v1/auth/logout", op, NULL);
    CHECK_EQ_INT(r.status, 200);
    done(&r);
    call(&r, "GET", "/api/v1/auth/me", op, NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "TOKEN_INVALID"));
    done(&r);
    CHECK_EQ_INT(refresh(op_r, a3, r3, NULL, 0), 401);
    call(&r, "POST", "/api/v1/auth/logout", NULL, NULL);
    CHECK_EQ_INT(r.status, 401);
    done(&r);

    /* `zkbiod user passwd` while a token of that account is live; `user remove`. */
    CHECK_EQ_INT(user_cli("passwd --email viewer@example.org", "viewer-pass-2", NULL, 0), 0);
    call(&r, "GET", "/api/v1/auth/me", view, NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "TOKEN_INVALID"));
    done(&r);
    CHECK_EQ_INT(login("viewer@example.org", "viewer-pass-2", view, NULL), 200);
    /* disable: the live token stops, login is refused (403); enable: login works again. */
    CHECK_EQ_INT(user_cli("disable --email viewer@example.org", NULL, NULL, 0), 0);
    call(&r, "GET", "/api/v1/auth/me", view, NULL);
    CHECK(r.status == 401 && !strcmp(code_of(&r), "TOKEN_INVALID"));
    done(&r);
    CHECK_EQ_INT(login("viewer@example.org", "viewer-pass-2", NULL, NULL), 403);
    CHECK_EQ_INT(user_cli("list", NULL, out, sizeof(out)), 0);
    CHECK(strstr(out, "disabled") != NULL);
    CHECK_EQ_INT(user_cli("enable --email viewer@example.org", NULL, NULL, 0), 0);
    CHECK_EQ_INT(login("viewer@example.org", "viewer-pass-2", view, NULL), 200);
    CHECK_EQ_INT(user_cli("remove --email viewer@example.org", NULL, NULL, 0), 0);
    CHECK(user_cli("remove --email viewer@example.org", NULL, NULL, 0) != 0);
    call(&r, "GET", "/api/v1/auth/me", view, NULL);
    CHECK_EQ_INT(r.status, 401);
    done(&r);
    CHECK_EQ_INT(user_cli("list", NULL, out, sizeof(out)), 0);
    CHECK(!strstr(out, "viewer@example.org") && strstr(out, "opal@example.org"));

    /* API key changes on the command line are audited too. */
    char kcmd[16384];
    snprintf(
        kcmd, sizeof(kcmd),
        "'%s' apikey create --name auditme --db '%s' --data-dir '%s' >/dev/null 2>>'%s/cli.err' "
        "&& '%s' apikey revoke 1 --db '%s' --data-dir '%s' 2>>'%s/cli.err'",
        zkbiod, db, dir, dir, zkbiod, db, dir, dir);
    CHECK_EQ_INT(system(kcmd), 0);
    CHECK_EQ_INT(audit_count("apikey.create", "ok", "cli"), 1);
    CHECK_EQ_INT(audit_count("apikey.revoke", "ok", "cli"), 1);
    CHECK_EQ_INT(audit_count("apikey.", NULL, NULL), 2);

    /* The audit log. */
    CHECK(audit_count("auth.login", "ok", NULL) >= 4);
    CHECK_EQ_INT(audit_count("auth.login", "failed", NULL), 2);
    CHECK_EQ_INT(audit_count("auth.register", "ok", "cli"), 2);
    CHECK_EQ_INT(audit_count("auth.register", "ok", "admin@example.org"), 1);
    CHECK_EQ_INT(audit_count("auth.register", "failed", "admin-token"), 1);
    CHECK_EQ_INT(audit_count("auth.refresh_reuse", "denied", NULL), 1);
    CHECK_EQ_INT(audit_count("auth.logout", "ok", "opal@example.org"), 1);
    CHECK_EQ_INT(audit_count("account.password", "ok", "cli"), 1);
    CHECK_EQ_INT(audit_count("account.remove", "ok", "cli"), 1);
    CHECK_EQ_INT(audit_count("account.disable", "ok", "cli"), 1);
    CHECK_EQ_INT(audit_count("account.enable", "ok", "cli"), 1);
    call(&r, "GET", "/api/v1/audit?limit=2&action=auth.", ADMIN_TOKEN, NULL);
    NEED(r.status == 200);
    json_t *pg = json_object_get(json_object_get(r.j, "data"), "paging");
    json_t *items = json_object_get(json_object_get(r.j, "data"), "items");
    CHECK_EQ_INT(json_array_size(items), 2);
    const char *next = json_string_value(json_object_get(pg, "next"));
    int64_t first = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
    int64_t second = json_integer_value(json_object_get(json_array_get(items, 1), "id"));
    CHECK(first > second); /* newest first */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/audit?limit=2&action=auth.&after=%s", next ? next : "x");
    done(&r);
    call(&r, "GET", path, ADMIN_TOKEN, NULL);
    CHECK(r.status == 200);
    items = json_object_get(json_object_get(r.j, "data"), "items");
    CHECK(json_array_size(items) == 2 &&
          json_integer_value(json_object_get(json_array_get(items, 0), "id")) < second);
    done(&r);
    const char *bad_q[] = {"/api/v1/audit?limit=0", "/api/v1/audit?after=abc",
                           "/api/v1/audit?from=yesterday", "/api/v1/audit?to=2026-13-01",
                           "/api/v1/audit?page=2"};
    for (size_t i = 0; i < sizeof(bad_q) / sizeof(bad_q[0]); i++) {
        call(&r, "GET", bad_q[i], ADMIN_TOKEN, NULL);
        CHECK_MSG(r.status == 400 && !strcmp(code_of(&r), "VALIDATION_ERROR"), "%s: %ld", bad_q[i],
                  r.status);
        done(&r);
    }
    call(&r, "GET", "/api/v1/audit?from=2020-01-01&to=2020-12-31", ADMIN_TOKEN, NULL);
    CHECK(r.status == 200 &&
          json_array_size(json_object_get(json_object_get(r.j, "data"), "items")) == 0);
    done(&r);

    /* The login limit: this address failed twice above; three more, then 429 even for a good
     * password, with Retry-After. */
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(login("opal@example.org", "wrong-pass-9", NULL, NULL), 401);
    call(&r, "POST", "/api/v1/auth/login", NULL,
         "{\"email\":\"opal@example.org\",\"password\":\"opal-pass-1\"}");
    CHECK(r.status == 429 && !strcmp(code_of(&r), "RATE_LIMITED"));
    CHECK(atoi(r.retry_after) > 0 && atoi(r.retry_after) <= 900);
    done(&r);
    CHECK(audit_count("auth.login", "denied", NULL) >= 1);
    /* Bearers are not rate limited by it. */
    call(&r, "GET", "/api/v1/auth/me", admin, NULL);
    CHECK_EQ_INT(r.status, 200);
    done(&r);

    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Nothing secret in the server's log. */
    f = fopen(log, "r");
    if (f) {
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        CHECK(!strstr(text, "admin-pass-1") && !strstr(text, "opal-pass-1") &&
              !strstr(text, admin_r) && !strstr(text, ADMIN_TOKEN));
    }
    return;
out:
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

int main(int argc, char **argv)
{
    int bad = td_setup(argc, argv, 1, "ZKBIOD [URI]", dir, db, sizeof(db));
    if (bad)
        return bad;
    zkbiod = argv[1];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    run();
    curl_global_cleanup();
    return td_finish(dir);
}
