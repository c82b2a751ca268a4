/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BioTime-compatible API's authentication and personnel against a live zkbiod (started on
 * port 0 over a fresh database; docs/biotime-api.md "Authentication", "Personnel"):
 *   - both token routes with JSON and form bodies, with and without the trailing slash, by
 *     username and by e-mail; DRF's 400 bodies (bad credentials, missing and blank fields); the
 *     JWT refresh;
 *   - every Authorization scheme (JWT, Bearer, Token, Basic by username and e-mail) and DRF's 401
 *     bodies with WWW-Authenticate, 403 for a viewer's write; a password change ends a static
 *     token;
 *   - departments, positions and areas: shapes, filters, ordering, paging, Django's duplicate
 *     text, PATCH and partial PUT, DELETE 204, the 400 naming why a used unit stays; a terminal's
 *     group appears as an area;
 *   - employees: the 8.x shape, bare ids and comma strings on write, form bodies, Django's texts
 *     for missing fields, a duplicate emp_code and bad types; malformed bodies (not JSON, a list,
 *     huge strings) are 400, never 5xx;
 *   - sync: an employee reaches the PUSH terminal (a pushsim polling getrequest) of its area and
 *     not the terminal of another area; changing its areas moves it; deleting removes it.
 *
 *   test-bt-personnel ZKBIOD [URI]   (no URI: SQLite in the test's directory; mariadb.sh appends
 * one)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "http-json.h"
#include "pushsim.h"
#include "zkbio/zk4370_emu.h"
#include "zkbiod-launch.h"

#include "../support/test.h"
#include "../support/daemon-test.h"

#define NEED(cond)  REQUIRE(cond, "REQUIRE(%s) failed", #cond)
#define ADMIN_TOKEN "bt-personnel-admin-token-0123456789"

static const char *zkbiod;
static char dir[] = "/tmp/zkbio-btpeople-XXXXXX";
static char db[4200];
static char base[64];

typedef http_json_reply reply;

/* One request: auth = a whole Authorization header value or NULL; form = send body as a form. */
static long call(reply *r, const char *method, const char *path, const char *auth, const char *body,
                 int form)
{
    char hdr[1200];
    http_json_opts o = {.timeout_ms = 20000};
    if (form) {
        o.no_content_type = 1;
        o.header = "Content-Type: application/x-www-form-urlencoded";
        if (auth && strncmp(auth, "Bearer ", 7) == 0)
            o.token = auth + 7;
    } else if (auth) {
        snprintf(hdr, sizeof(hdr), "Authorization: %s", auth);
        o.header = hdr;
    }
    return http_json_call(r, base, method, path, body, &o);
}

static const char *str_of(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The first message of field k of a DRF 400 body ("" when none). */
static const char *field_msg(const reply *r, const char *k)
{
    const char *s = json_string_value(json_array_get(json_object_get(r->j, k), 0));
    return s ? s : "";
}

static int user_cli(const char *args, const char *pw)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "printf '%%s\\n' '%s' | '%s' user %s --db '%s' --data-dir '%s' >/dev/null "
             "2>>'%s/cli.err'",
             pw, zkbiod, args, db, dir, dir);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Sign in on `path` and copy the token; returns the status. */
static long login(const char *path, const char *body, int form, char *token, size_t size)
{
    reply r;
    long st = call(&r, "POST", path, NULL, body, form);
    if (token)
        snprintf(token, size, "%s", st == 200 ? str_of(r.j, "token") : "");
    http_json_free(&r);
    return st;
}

static void check_auth(char *jwt, char *stat)
{
    reply r;
    /* both routes, JSON and form, with and without the slash, username and e-mail */
    CHECK_EQ_INT(login("/jwt-api-token-auth/",
                       "{\"username\":\"boss\",\"password\":\"boss-pass-1\"}", 0, jwt, 1024),
                 200);
    CHECK(strlen(jwt) > 100 && strchr(jwt, '.'));
    char t2[1024];
    CHECK_EQ_INT(login("/jwt-api-token-auth", "username=boss%40example.org&password=boss-pass-1", 1,
                       t2, sizeof(t2)),
                 200);
    CHECK_EQ_INT(login("/api-token-auth/", "username=boss&password=boss-pass-1", 1, stat, 64), 200);
    CHECK_EQ_INT((int)strlen(stat), 40);
    CHECK_EQ_INT((int)strspn(stat, "0123456789abcdef"), 40);
    CHECK_EQ_INT(login("/api-token-auth",
                       "{\"username\":\"boss@example.org\",\"password\":\"boss-pass-1\"}", 0, t2,
                       sizeof(t2)),
                 200);
    CHECK(strcmp(t2, stat) != 0);
    /* DRF's 400s */
    CHECK_EQ_INT(call(&r, "POST", "/api-token-auth/", NULL,
                      "{\"username\":\"boss\",\"password\":\"wrong-pass\"}", 0),
                 400);
    CHECK_STR(field_msg(&r, "non_field_errors"), "Unable to log in with provided credentials.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/jwt-api-token-auth/", NULL, "username=nobody&password=x", 1),
                 400);
    CHECK_STR(field_msg(&r, "non_field_errors"), "Unable to log in with provided credentials.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/jwt-api-token-auth/", NULL, "{}", 0), 400);
    CHECK_STR(field_msg(&r, "username"), "This field is required.");
    CHECK_STR(field_msg(&r, "password"), "This field is required.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/api-token-auth/", NULL, "username=&password=x", 1), 400);
    CHECK_STR(field_msg(&r, "username"), "This field may not be blank.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/api-token-auth/", NULL, "{\"username\":", 0), 400);
    CHECK(strncmp(str_of(r.j, "detail"), "JSON parse error", 16) == 0);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/api-token-auth/", NULL, "[1,2]", 0), 400);
    CHECK_STR(field_msg(&r, "non_field_errors"),
              "Invalid data. Expected a dictionary, but got list.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/api-token-auth/", NULL, "username=%zz&password=1", 1), 400);
    http_json_free(&r);
    /* refresh */
    char body[1200];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", jwt);
    CHECK_EQ_INT(call(&r, "POST", "/jwt-api-token-refresh/", NULL, body, 0), 200);
    CHECK(strchr(str_of(r.j, "token"), '.') != NULL);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/jwt-api-token-refresh/", NULL, "{\"token\":\"a.b.c\"}", 0),
                 400);
    CHECK_STR(field_msg(&r, "non_field_errors"), "Error decoding signature.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/jwt-api-token-refresh/", NULL, "{}", 0), 400);
    CHECK_STR(field_msg(&r, "token"), "This field is required.");
    http_json_free(&r);

    /* every scheme on a viewer route */
    const char *path = "/personnel/api/departments/";
    char auth[1200];
    snprintf(auth, sizeof(auth), "JWT %s", jwt);
    CHECK_EQ_INT(call(&r, "GET", path, auth, NULL, 0), 200);
    http_json_free(&r);
    snprintf(auth, sizeof(auth), "Bearer %s", jwt);
    CHECK_EQ_INT(call(&r, "GET", path, auth, NULL, 0), 200);
    http_json_free(&r);
    snprintf(auth, sizeof(auth), "jwt %s", jwt); /* DRF compares the keyword lower-cased */
    CHECK_EQ_INT(call(&r, "GET", path, auth, NULL, 0), 200);
    http_json_free(&r);
    snprintf(auth, sizeof(auth), "Token %s", stat);
    CHECK_EQ_INT(call(&r, "GET", path, auth, NULL, 0), 200);
    http_json_free(&r);
    snprintf(auth, sizeof(auth), "Bearer %s", stat); /* the static token as Bearer */
    CHECK_EQ_INT(call(&r, "GET", path, auth, NULL, 0), 200);
    http_json_free(&r);
    /* Basic: boss:boss-pass-1, boss@example.org:boss-pass-1 (twice: the second from the cache) */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(call(&r, "GET", path,
                          i == 0 ? "Basic Ym9zczpib3NzLXBhc3MtMQ=="
                                 : "Basic Ym9zc0BleGFtcGxlLm9yZzpib3NzLXBhc3MtMQ==",
                          NULL, 0),
                     200);
        http_json_free(&r);
    }
    /* 401s */
    CHECK_EQ_INT(call(&r, "GET", path, NULL, NULL, 0), 401);
    CHECK_STR(str_of(r.j, "detail"), "Authentication credentials were not provided.");
    CHECK_STR(r.www_authenticate, "JWT realm=\"api\"");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "Token 0123456789012345678901234567890123456789", NULL, 0),
                 401);
    CHECK_STR(str_of(r.j, "detail"), "Invalid token.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "JWT abc.def.ghi", NULL, 0), 401);
    CHECK_STR(str_of(r.j, "detail"), "Error decoding signature.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "Token", NULL, 0), 401);
    CHECK_STR(str_of(r.j, "detail"), "Invalid token header. No credentials provided.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "Basic Ym9zczp3cm9uZy1wYXNz", NULL, 0), 401); /* wrong */
    CHECK_STR(str_of(r.j, "detail"), "Invalid username/password.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "Basic !!!", NULL, 0), 401);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "Digest abc", NULL, 0), 401);
    CHECK_STR(str_of(r.j, "detail"), "Authentication credentials were not provided.");
    http_json_free(&r);
    /* 403: a viewer reads but does not write */
    char vt[64];
    CHECK_EQ_INT(
        login("/api-token-auth/", "username=vic&password=viewer-pass-1", 1, vt, sizeof(vt)), 200);
    snprintf(auth, sizeof(auth), "Token %s", vt);
    CHECK_EQ_INT(call(&r, "GET", path, auth, NULL, 0), 200);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", path, auth, "{\"dept_code\":\"X\",\"dept_name\":\"X\"}", 0), 403);
    CHECK_STR(str_of(r.j, "detail"), "You do not have permission to perform this action.");
    http_json_free(&r);
    /* a password change ends the static token (token_version) and the remembered Basic */
    CHECK_EQ_INT(call(&r, "GET", path, "Basic dmljOnZpZXdlci1wYXNzLTE=", NULL, 0), 200);
    http_json_free(&r);
    CHECK_EQ_INT(user_cli("passwd --email vic@example.org", "viewer-pass-2"), 0);
    CHECK_EQ_INT(call(&r, "GET", path, auth, NULL, 0), 401);
    CHECK_STR(str_of(r.j, "detail"), "Invalid token.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "Basic dmljOnZpZXdlci1wYXNzLTE=", NULL, 0), 401);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", path, "Basic dmljOnZpZXdlci1wYXNzLTI=", NULL, 0), 200);
    http_json_free(&r);
    /* unknown personnel path: DRF's 404 */
    snprintf(auth, sizeof(auth), "Token %s", stat);
    CHECK_EQ_INT(call(&r, "GET", "/personnel/api/nothing/", auth, NULL, 0), 404);
    CHECK_STR(str_of(r.j, "detail"), "Not found.");
    http_json_free(&r);
}

/* POST a JSON body as the admin; returns the new id (0 when not 201). */
static int64_t create(const char *auth, const char *path, const char *body)
{
    reply r;
    long st = call(&r, "POST", path, auth, body, 0);
    int64_t id = st == 201 ? (int64_t)json_integer_value(json_object_get(r.j, "id")) : 0;
    if (st != 201)
        fprintf(stderr, "POST %s %s -> %ld %s\n", path, body, st, r.text ? r.text : "");
    http_json_free(&r);
    return id;
}

static void check_units(const char *auth)
{
    reply r;
    /* departments */
    int64_t hr = create(auth, "/personnel/api/departments/",
                        "{\"dept_code\":\"HR\",\"dept_name\":\"Human Resources\"}");
    CHECK(hr > 1);
    int64_t it = create(auth, "/personnel/api/departments",
                        "{\"dept_code\":\"IT\",\"dept_name\":\"Information\",\"parent_dept\":1}");
    CHECK(it > hr);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/departments/", auth,
                      "{\"dept_code\":\"HR\",\"dept_name\":\"Again\"}", 0),
                 400);
    CHECK_STR(field_msg(&r, "dept_code"), "department with this dept code already exists.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/departments/", auth, "{\"dept_code\":\"Z\"}", 0),
                 400);
    CHECK_STR(field_msg(&r, "dept_name"), "This field is required.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/departments/", auth,
                      "{\"dept_code\":\"Z\",\"dept_name\":\"Z\",\"parent_dept\":999}", 0),
                 400);
    CHECK_STR(field_msg(&r, "parent_dept"), "Invalid pk \"999\" - object does not exist.");
    http_json_free(&r);
    CHECK_EQ_INT(
        call(&r, "GET", "/personnel/api/departments/?dept_name_icontains=inform", auth, NULL, 0),
        200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 1);
    json_t *d0 = json_array_get(json_object_get(r.j, "data"), 0);
    CHECK_STR(str_of(d0, "dept_code"), "IT");
    CHECK_EQ_INT((int)json_integer_value(json_object_get(d0, "parent_dept")), 1);
    CHECK_STR(str_of(r.j, "msg"), "");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", "/personnel/api/departments/?ordering=-dept_code&page_size=1",
                      auth, NULL, 0),
                 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 3);
    CHECK_STR(str_of(json_array_get(json_object_get(r.j, "data"), 0), "dept_code"), "IT");
    CHECK(json_is_string(json_object_get(r.j, "next")));
    http_json_free(&r);
    char p[128];
    snprintf(p, sizeof(p), "/personnel/api/departments/%lld/", (long long)it);
    CHECK_EQ_INT(call(&r, "PATCH", p, auth, "{\"dept_name\":\"IT dept\"}", 0), 200);
    CHECK_STR(str_of(r.j, "dept_name"), "IT dept");
    CHECK_STR(str_of(r.j, "dept_code"), "IT");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "PUT", p, auth, "{\"dept_code\":\"HR\"}", 0), 400); /* taken */
    CHECK_STR(field_msg(&r, "dept_code"), "department with this dept code already exists.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "PUT", p, auth, "{\"dept_code\":\"IT2\"}", 0), 200); /* partial PUT */
    CHECK_STR(str_of(r.j, "dept_name"), "IT dept");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "DELETE", p, auth, NULL, 0), 204);
    CHECK(r.body_len == 0);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", p, auth, NULL, 0), 404);
    CHECK_STR(str_of(r.j, "detail"), "Not found.");
    http_json_free(&r);
    /* positions */
    int64_t pos = create(auth, "/personnel/api/positions/",
                         "{\"position_code\":\"DEV\",\"position_name\":\"Developer\"}");
    CHECK(pos > 0);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/positions/", auth,
                      "position_code=QA&position_name=Quality+%26+Tests", 1),
                 201); /* a form body */
    CHECK_STR(str_of(r.j, "position_name"), "Quality & Tests");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/positions/", auth,
                      "{\"position_code\":\"DEV\",\"position_name\":\"Other\"}", 0),
                 400);
    CHECK_STR(field_msg(&r, "position_code"), "position with this position code already exists.");
    http_json_free(&r);
    /* areas: the seeded default, one made here */
    int64_t north =
        create(auth, "/personnel/api/areas/", "{\"area_code\":\"north\",\"area_name\":\"North\"}");
    CHECK(north > 1);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/areas/", auth,
                      "{\"area_code\":\"north\",\"area_name\":\"N\"}", 0),
                 400);
    CHECK_STR(field_msg(&r, "area_code"), "area with this area code already exists.");
    http_json_free(&r);
    CHECK_EQ_INT(
        call(&r, "POST", "/personnel/api/areas/", auth, "{\"area_code\":123,\"area_name\":[1]}", 0),
        400);
    CHECK_STR(field_msg(&r, "area_name"), "Not a valid string.");
    http_json_free(&r);
}

/* The ids of the areas "default" and "north". */
static void area_ids(const char *auth, int64_t *def, int64_t *north, int64_t *south)
{
    reply r;
    *def = *north = *south = 0;
    CHECK_EQ_INT(call(&r, "GET", "/personnel/api/areas/?page_size=100", auth, NULL, 0), 200);
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r.j, "data"), i, a)
    {
        int64_t id = (int64_t)json_integer_value(json_object_get(a, "id"));
        if (!strcmp(str_of(a, "area_code"), "default"))
            *def = id;
        if (!strcmp(str_of(a, "area_code"), "north"))
            *north = id;
        if (!strcmp(str_of(a, "area_code"), "south"))
            *south = id;
    }
    http_json_free(&r);
}

/* Move a terminal to a group (/api/v1, admin token). */
static void set_group(const char *sn, const char *group)
{
    reply r;
    char p[128], b[128];
    snprintf(p, sizeof(p), "/api/v1/devices/%s", sn);
    snprintf(b, sizeof(b), "{\"sync_group\":\"%s\"}", group);
    CHECK_EQ_INT(call(&r, "PATCH", p, "Bearer " ADMIN_TOKEN, b, 0), 200);
    http_json_free(&r);
}

/* Queued commands of terminal sn for pin whose verb is `verb` (/api/v1/commands). */
static int queued(const char *sn, const char *pin, const char *verb)
{
    reply r;
    char p[160];
    snprintf(p, sizeof(p), "/api/v1/commands?sn=%s&status=queued&limit=1000", sn);
    int n = -1;
    if (call(&r, "GET", p, "Bearer " ADMIN_TOKEN, NULL, 0) == 200) {
        n = 0;
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(json_object_get(r.j, "data"), "items"), i, c) n +=
            !strcmp(str_of(c, "pin"), pin) && !strcmp(str_of(c, "command"), verb);
    }
    http_json_free(&r);
    return n;
}

/* The state of the newest job of `kind` for device id ("" when none), waiting up to ms for one
 * that ended. */
static void job_state(long long id, const char *kind, int ms, char state[32])
{
    state[0] = '\0';
    for (int waited = 0; waited <= ms; waited += 100) {
        reply r;
        char p[128];
        snprintf(p, sizeof(p), "/api/v1/jobs?device_id=%lld&limit=100", id);
        if (call(&r, "GET", p, "Bearer " ADMIN_TOKEN, NULL, 0) == 200) {
            size_t i;
            json_t *j;
            state[0] = '\0';
            json_array_foreach(json_object_get(json_object_get(r.j, "data"), "items"), i, j)
            {
                if (!strcmp(str_of(j, "kind"), kind) && !state[0])
                    snprintf(state, 32, "%s", str_of(j, "state"));
            }
        }
        http_json_free(&r);
        if (!strcmp(state, "completed") || !strcmp(state, "failed") || !strcmp(state, "dead"))
            return;
        nanosleep(&(struct timespec){.tv_nsec = 100000000L}, NULL); /* usleep is not POSIX.1-2008 */
    }
}

/* 1 when the 4370 terminal id holds user pin (read live), 0 when not, -1 on error. */
static int on_terminal(long long id, const char *pin)
{
    reply r;
    char p[128];
    snprintf(p, sizeof(p), "/api/v1/users/device/%lld?refresh=1&limit=1000", id);
    int found = -1;
    if (call(&r, "GET", p, "Bearer " ADMIN_TOKEN, NULL, 0) == 200) {
        found = 0;
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(json_object_get(r.j, "data"), "items"), i, u) found |=
            !strcmp(str_of(u, "user_id"), pin);
    }
    http_json_free(&r);
    return found;
}

/* A 4370 terminal (an in-process emulator) in area "south": an employee of south reaches it
 * through a user.to_device job; moved to another area, a user.delete job takes it off. */
static void check_4370(const char *auth)
{
    reply r;
    zkbio_zk_emu_options o;
    zkbio_zk_emu_options_init(&o);
    o.serial = "BTPEMU0001";
    o.link_rate = -1;
    zkbio_zk_emu *e = NULL;
    long long dev = 0;
    uint16_t port = 0;
    NEED(zkbio_zk_emu_start(&o, &e) == 0 && zkbio_zk_emu_port(e, &port) == 0);
    char body[256];
    snprintf(body, sizeof(body),
             "{\"name\":\"door\",\"ip\":\"127.0.0.1\",\"port\":%u,\"password\":0,"
             "\"udp\":false}",
             (unsigned)port);
    CHECK_EQ_INT(call(&r, "POST", "/api/v1/devices", "Bearer " ADMIN_TOKEN, body, 0), 201);
    dev = (long long)json_integer_value(json_object_get(json_object_get(r.j, "data"), "id"));
    http_json_free(&r);
    NEED(dev > 0);
    snprintf(body, sizeof(body), "%lld", dev);
    set_group(body, "south");
    int64_t def, north, south;
    area_ids(auth, &def, &north, &south);
    snprintf(body, sizeof(body),
             "{\"emp_code\":\"7100\",\"first_name\":\"Cy\",\"department\":1,\"area\":[%lld]}",
             (long long)south);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth, body, 0), 201);
    int64_t id = (int64_t)json_integer_value(json_object_get(r.j, "id"));
    http_json_free(&r);
    char state[32];
    job_state(dev, "user.to_device", 15000, state);
    CHECK_STR(state, "completed");
    CHECK_EQ_INT(on_terminal(dev, "7100"), 1);
    char p[128];
    snprintf(p, sizeof(p), "/personnel/api/employees/%lld/", (long long)id);
    snprintf(body, sizeof(body), "{\"area\":[%lld]}", (long long)def);
    CHECK_EQ_INT(call(&r, "PATCH", p, auth, body, 0), 200);
    http_json_free(&r);
    job_state(dev, "user.delete", 15000, state);
    CHECK_STR(state, "completed");
    CHECK_EQ_INT(on_terminal(dev, "7100"), 0);
out:
    if (e)
        zkbio_zk_emu_stop(e);
}

/* Racing creates of one emp_code: exactly one 201, the others Django's duplicate 400. */
typedef struct race_arg {
    const char *auth;
    long status;
    char msg[128];
} race_arg;

static void *race_one(void *p)
{
    race_arg *a = p;
    reply r;
    a->status = call(&r, "POST", "/personnel/api/employees/", a->auth,
                     "{\"emp_code\":\"7777\",\"department\":1,\"area\":[]}", 0);
    snprintf(a->msg, sizeof(a->msg), "%s", field_msg(&r, "emp_code"));
    http_json_free(&r);
    return NULL;
}

static void check_race(const char *auth)
{
    race_arg args[6];
    pthread_t th[6];
    int started[6] = {0}, created = 0, dup = 0;
    for (int i = 0; i < 6; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].auth = auth;
        started[i] = pthread_create(&th[i], NULL, race_one, &args[i]) == 0;
    }
    for (int i = 0; i < 6; i++) {
        if (!started[i])
            continue;
        pthread_join(th[i], NULL);
        created += args[i].status == 201;
        dup += args[i].status == 400 &&
               !strcmp(args[i].msg, "employee with this emp code already exists.");
    }
    CHECK_EQ_INT(created, 1);
    CHECK_EQ_INT(created + dup, 6);
    reply r;
    CHECK_EQ_INT(call(&r, "GET", "/personnel/api/employees/?emp_code=7777", auth, NULL, 0), 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 1);
    http_json_free(&r);
}

/* Malformed bodies on personnel writes: a 400 DRF body (or 200 for a PATCH whose members all
 * belong to other resources), never 5xx. */
static void malformed(const char *auth)
{
    static const char *const paths[] = {
        "/personnel/api/departments/", "/personnel/api/positions/",     "/personnel/api/areas/",
        "/personnel/api/employees/",   "/personnel/api/departments/1/", "/personnel/api/areas/1/"};
    static const char *const bodies[] = {
        "{",
        "[]",
        "\"text\"",
        "123",
        "null",
        "{\"dept_code\":{},\"dept_name\":[]}",
        "{\"area_code\":true,\"area_name\":1.5}",
        "{\"position_code\":\"\\u0001\"}",
        ("{\"emp_code\":[],\"department\":{},\"area\":\"x,y\",\"first_name\":7.5,"
         "\"birthday\":12,\"emp_type\":\"many\",\"enable_att\":\"maybe\",\"email\":\"x\"}"),
        "{\"emp_code\":\"1\",\"department\":-3,\"area\":[0,-1],\"position\":\"p\"}",
        "{\"a\":1,\"a\":2}",
        "{\"emp_code\":\"99999999999999999999999999\"}"};
    reply r;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        for (size_t k = 0; k < sizeof(bodies) / sizeof(bodies[0]); k++) {
            const char *m =
                strchr(paths[i] + 16, '/') && strstr(paths[i], "/1/") ? "PATCH" : "POST";
            long st = call(&r, m, paths[i], auth, bodies[k], 0);
            /* PATCH ignores members of other resources (200); nothing is ever 5xx */
            CHECK_MSG((st == 400 || (st == 200 && m[1] == 'A')) && json_is_object(r.j),
                      "%s %s %s -> %ld %s", m, paths[i], bodies[k], st, r.text ? r.text : "");
            http_json_free(&r);
        }
}

static void sync_sim(pushsim *s)
{
    int rc = pushsim_poll_until_quiet(s, 2, 40, 0, NULL);
    CHECK_MSG(rc == 0, "poll: %s", pushsim_last_error(s));
}

static void check_employees(const char *auth)
{
    reply r;
    /* two PUSH terminals: A in group "south" (appears as an area), B in "default" */
    pushsim *a = NULL, *b = NULL;
    pushsim_config ca = {.url = base, .sn = "BTPSIMA001"}, cb = {.url = base, .sn = "BTPSIMB001"};
    NEED(pushsim_new(&ca, &a) == 0 && pushsim_new(&cb, &b) == 0);
    NEED(pushsim_handshake(a) == 0 && pushsim_handshake(b) == 0);
    set_group("BTPSIMA001", "south");
    sync_sim(a);
    sync_sim(b);
    int64_t def, north, south;
    area_ids(auth, &def, &north, &south);
    CHECK(def > 0 && north > 0 && south > 0); /* the terminal's group is an area */

    /* create: missing fields, bad types, duplicates, malformed bodies */
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth, "{}", 0), 400);
    CHECK_STR(field_msg(&r, "emp_code"), "This field is required.");
    CHECK_STR(field_msg(&r, "department"), "This field is required.");
    CHECK_STR(field_msg(&r, "area"), "This field is required.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth,
                      "{\"emp_code\":\"7001\",\"department\":\"x\",\"area\":{\"a\":1},"
                      "\"hire_date\":\"2020-13-01\",\"gender\":\"Q\",\"dev_privilege\":5}",
                      0),
                 400);
    CHECK_STR(field_msg(&r, "department"), "Invalid pk - object does not exist.");
    CHECK_STR(field_msg(&r, "area"), "Expected a list of items but got type \"dict\".");
    CHECK_STR(field_msg(&r, "hire_date"),
              "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
    CHECK_STR(field_msg(&r, "gender"), "\"Q\" is not a valid choice.");
    CHECK_STR(field_msg(&r, "dev_privilege"), "\"5\" is not a valid choice.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth,
                      "{\"emp_code\":\"7001\",\"department\":99,\"area\":[1]}", 0),
                 400);
    CHECK_STR(field_msg(&r, "department"), "Invalid pk \"99\" - object does not exist.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth,
                      "{\"emp_code\":\"7001\",\"department\":1,\"area\":[1,999]}", 0),
                 400);
    CHECK_STR(field_msg(&r, "area"), "Invalid pk \"999\" - object does not exist.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth,
                      "{\"emp_code\":\"a b\",\"department\":1,\"area\":[]}", 0),
                 400);
    CHECK(field_msg(&r, "emp_code")[0] != '\0');
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth, "not json {", 0), 400);
    http_json_free(&r);
    size_t big = 100000;
    char *huge = malloc(big + 200);
    NEED(huge);
    int off = snprintf(huge, 200,
                       "{\"emp_code\":\"7002\",\"department\":1,\"area\":[],"
                       "\"first_name\":\"");
    memset(huge + off, 'x', big);
    strcpy(huge + off + big, "\"}");
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth, huge, 0), 400);
    CHECK_STR(field_msg(&r, "first_name"), "Ensure this field has no more than 100 characters.");
    http_json_free(&r);
    free(huge);

    /* create in area south: queued for A only, delivered on A's poll */
    char body[512];
    snprintf(body, sizeof(body),
             "{\"emp_code\":\"7001\",\"first_name\":\"Ann\",\"last_name\":\"Lee\","
             "\"department\":1,\"area\":[%lld],\"card_no\":12345,\"device_password\":\"4321\","
             "\"gender\":\"F\",\"hire_date\":\"2024-02-29\",\"email\":\"ann@example.org\","
             "\"city\":\"Oslo\",\"enable_att\":false,\"unknown_member\":1}",
             (long long)south);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth, body, 0), 201);
    int64_t id = (int64_t)json_integer_value(json_object_get(r.j, "id"));
    CHECK(id > 0);
    CHECK_STR(str_of(r.j, "emp_code"), "7001");
    CHECK_STR(str_of(r.j, "card_no"), "12345");
    CHECK_STR(str_of(r.j, "gender"), "F");
    CHECK_STR(str_of(r.j, "hire_date"), "2024-02-29");
    CHECK_STR(str_of(r.j, "city"), "Oslo");
    CHECK(json_is_false(json_object_get(r.j, "enable_att")));
    CHECK(json_is_null(json_object_get(r.j, "position")));
    CHECK(json_object_get(r.j, "unknown_member") == NULL);
    CHECK_STR(str_of(json_object_get(r.j, "department"), "dept_code"), "1");
    json_t *ar = json_object_get(r.j, "area");
    CHECK_EQ_INT((int)json_array_size(ar), 1);
    CHECK_STR(str_of(json_array_get(ar, 0), "area_code"), "south");
    CHECK_STR(str_of(r.j, "fingerprint"), "-");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", auth, body, 0), 400);
    CHECK_STR(field_msg(&r, "emp_code"), "employee with this emp code already exists.");
    http_json_free(&r);
    /* in the command queue of the terminal of its area, not of the other one */
    CHECK_EQ_INT(queued("BTPSIMA001", "7001", "DATA UPDATE USERINFO"), 1);
    CHECK_EQ_INT(queued("BTPSIMB001", "7001", "DATA UPDATE USERINFO"), 0);
    sync_sim(a);
    sync_sim(b);
    const pushsim_user *u = pushsim_find_user(a, "7001");
    CHECK(u != NULL);
    if (u) {
        CHECK_STR(u->name, "Ann Lee");
        CHECK_STR(u->card, "12345");
        CHECK_STR(u->password, "4321");
    }
    CHECK(pushsim_find_user(b, "7001") == NULL);

    /* the list and its filters */
    CHECK_EQ_INT(call(&r, "GET", "/personnel/api/employees/?emp_code=7001", auth, NULL, 0), 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 1);
    http_json_free(&r);
    char q[160];
    snprintf(q, sizeof(q), "/personnel/api/employees/?areas=%lld&first_name_icontains=AN",
             (long long)south);
    CHECK_EQ_INT(call(&r, "GET", q, auth, NULL, 0), 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 1);
    http_json_free(&r);
    snprintf(q, sizeof(q), "/personnel/api/employees/?areas=%lld", (long long)def);
    CHECK_EQ_INT(call(&r, "GET", q, auth, NULL, 0), 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 0);
    http_json_free(&r);

    /* a second employee by a form body with a comma list; PATCH moves the first */
    snprintf(body, sizeof(body),
             "emp_code=7002&first_name=Bo&department=1&area=%lld,%lld&dev_privilege=14",
             (long long)def, (long long)south);
    char bearer[1100];
    snprintf(bearer, sizeof(bearer), "%s", auth);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/", bearer, body, 1), 201);
    CHECK_EQ_INT((int)json_array_size(json_object_get(r.j, "area")), 2);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "dev_privilege")), 14);
    int64_t id2 = (int64_t)json_integer_value(json_object_get(r.j, "id"));
    http_json_free(&r);
    char p[128];
    snprintf(p, sizeof(p), "/personnel/api/employees/%lld/", (long long)id);
    snprintf(body, sizeof(body), "{\"area\":[%lld]}", (long long)def);
    CHECK_EQ_INT(call(&r, "PATCH", p, auth, body, 0), 200);
    CHECK_STR(str_of(r.j, "first_name"), "Ann"); /* PATCH keeps what it does not name */
    CHECK_STR(str_of(json_array_get(json_object_get(r.j, "area"), 0), "area_code"), "default");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "PUT", p, auth, "{\"last_name\":\"Berg\",\"emp_code\":\"7001\"}", 0),
                 200);
    CHECK_STR(str_of(r.j, "last_name"), "Berg");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "PATCH", p, auth, "{\"emp_code\":\"7999\"}", 0), 400);
    http_json_free(&r);
    sync_sim(a);
    sync_sim(b);
    CHECK(pushsim_find_user(a, "7001") == NULL); /* moved off south */
    u = pushsim_find_user(b, "7001");
    CHECK(u != NULL && strcmp(u->name, "Ann Berg") == 0);
    CHECK(pushsim_find_user(a, "7002") != NULL && pushsim_find_user(b, "7002") != NULL);
    /* a terminal uploading the user it was sent starts no new round (users.hash as ingest's) */
    CHECK(pushsim_upload_user(a, "7002", NULL) == 0);
    CHECK(pushsim_upload_user(b, "7001", NULL) == 0);
    CHECK_EQ_INT(queued("BTPSIMB001", "7002", "DATA UPDATE USERINFO"), 0);
    CHECK_EQ_INT(queued("BTPSIMA001", "7002", "DATA UPDATE USERINFO"), 0);

    /* a change made on the terminal of one of its areas reaches the terminals of the others */
    pushsim_user nu = {.pin = "7002",
                       .name = "Bo Changed",
                       .privilege = 14,
                       .password = "",
                       .card = "",
                       .group = "",
                       .tz = "",
                       .verify = -1};
    CHECK(pushsim_add_user(a, &nu) == 0);
    pushsim_template tp = {.kind = PUSHSIM_FP,
                           .pin = "7002",
                           .no = 6,
                           .index = 0,
                           .type = -1,
                           .valid = 1,
                           .duress = 0,
                           .major_ver = 10,
                           .minor_ver = 0,
                           .format = -1,
                           .tmp = "SGVsbG8gdGVtcGxhdGUgYnl0ZXM="};
    CHECK(pushsim_add_template(a, &tp) == 0);
    CHECK(pushsim_upload_user(a, "7002", NULL) == 0);
    /* the template summary, in the list (batched details) and in a single read */
    CHECK_EQ_INT(call(&r, "GET", "/personnel/api/employees/?emp_code_icontains=700", auth, NULL, 0),
                 200);
    CHECK_EQ_INT((int)json_array_size(json_object_get(r.j, "data")), 2);
    json_t *row;
    size_t ri;
    json_array_foreach(json_object_get(r.j, "data"), ri, row)
    {
        const char *want = !strcmp(str_of(row, "emp_code"), "7002") ? "Ver 10:1" : "-";
        CHECK_STR(str_of(row, "fingerprint"), want);
        CHECK_EQ_INT((int)json_array_size(json_object_get(row, "area")),
                     !strcmp(str_of(row, "emp_code"), "7002") ? 2 : 1);
    }
    http_json_free(&r);
    snprintf(p, sizeof(p), "/personnel/api/employees/%lld/", (long long)id2);
    CHECK_EQ_INT(call(&r, "GET", p, auth, NULL, 0), 200);
    CHECK_STR(str_of(r.j, "fingerprint"), "Ver 10:1");
    CHECK_STR(str_of(r.j, "first_name"), "Bo");
    http_json_free(&r);
    sync_sim(b);
    u = pushsim_find_user(b, "7002");
    CHECK(u != NULL && strcmp(u->name, "Bo Changed") == 0);
    sync_sim(a);

    /* bulk: adjust_area with SUP's comma strings, adjust_department with ATIAM's arrays */
    snprintf(body, sizeof(body), "{\"employees\":\"%lld,%lld\",\"areas\":\"%lld\"}", (long long)id,
             (long long)id2, (long long)north);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/adjust_area/", auth, body, 0), 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 2);
    http_json_free(&r);
    snprintf(q, sizeof(q), "/personnel/api/employees/?areas=%lld", (long long)north);
    CHECK_EQ_INT(call(&r, "GET", q, auth, NULL, 0), 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(r.j, "count")), 2);
    http_json_free(&r);
    sync_sim(a);
    sync_sim(b);
    CHECK(pushsim_find_user(b, "7001") == NULL && pushsim_find_user(a, "7002") == NULL);
    snprintf(body, sizeof(body), "{\"employees\":[%lld],\"department\":[999]}", (long long)id);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/adjust_department/", auth, body, 0),
                 400);
    CHECK_STR(field_msg(&r, "department"), "Invalid pk \"999\" - object does not exist.");
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/adjust_position/", auth, "{}", 0), 400);
    CHECK_STR(field_msg(&r, "employees"), "This field is required.");
    http_json_free(&r);
    /* back to where they were */
    snprintf(body, sizeof(body), "{\"employees\":[%lld],\"areas\":[%lld]}", (long long)id,
             (long long)def);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/adjust_area", auth, body, 0), 200);
    http_json_free(&r);
    snprintf(body, sizeof(body), "{\"employees\":[%lld],\"areas\":[%lld,%lld]}", (long long)id2,
             (long long)def, (long long)south);
    CHECK_EQ_INT(call(&r, "POST", "/personnel/api/employees/adjust_area/", auth, body, 0), 200);
    http_json_free(&r);
    sync_sim(a);
    sync_sim(b);
    CHECK(pushsim_find_user(b, "7001") != NULL && pushsim_find_user(a, "7002") != NULL);

    /* a used area and department cannot go */
    snprintf(p, sizeof(p), "/personnel/api/areas/%lld/", (long long)south);
    CHECK_EQ_INT(call(&r, "DELETE", p, auth, NULL, 0), 400);
    CHECK(strstr(field_msg(&r, "non_field_errors"), "terminal") != NULL);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "DELETE", "/personnel/api/departments/1/", auth, NULL, 0), 400);
    CHECK(strstr(field_msg(&r, "non_field_errors"), "employee") != NULL);
    http_json_free(&r);

    /* delete: off every terminal, gone from the list */
    snprintf(p, sizeof(p), "/personnel/api/employees/%lld", (long long)id2);
    CHECK_EQ_INT(call(&r, "DELETE", p, auth, NULL, 0), 204);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", p, auth, NULL, 0), 404);
    http_json_free(&r);
    sync_sim(a);
    sync_sim(b);
    CHECK(pushsim_find_user(a, "7002") == NULL && pushsim_find_user(b, "7002") == NULL);
    CHECK(pushsim_find_user(b, "7001") != NULL);
out:
    pushsim_free(a);
    pushsim_free(b);
}

static void run(void)
{
    pid_t pid = 0;
    CHECK_EQ_INT(
        user_cli("add --email boss@example.org --username boss --role operator", "boss-pass-1"), 0);
    CHECK_EQ_INT(
        user_cli("add --email vic@example.org --username vic --role viewer", "viewer-pass-1"), 0);
    char listen[] = "127.0.0.1:0", log[600];
    snprintf(log, sizeof(log), "%s/zkbiod.log", dir);
    const char *argv[] = {
        zkbiod, "--listen", listen, "--service-listen", "off",       "--data-dir",
        dir,    "--db",     db,     "--admin-token",    ADMIN_TOKEN, "--admission",
        "auto", "--delay",  "1",    "--log-level",      "debug",     NULL};
    zkl_opts o = {.argv = argv, .dir = dir, .log = log};
    zkl_ports ports;
    NEED(zkl_start(&o, &pid, &ports) == 0);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", ports.listen[0]);

    char jwt[1024], stat[64], auth[1100];
    reply r;
    check_auth(jwt, stat);
    snprintf(auth, sizeof(auth), "Bearer %s", jwt);
    check_units(auth);
    check_employees(auth);
    check_4370(auth);
    check_race(auth);
    malformed(auth);
    /* renaming an area renames the group of its terminals */
    int64_t def, north, south;
    area_ids(auth, &def, &north, &south);
    char ap[96];
    snprintf(ap, sizeof(ap), "/personnel/api/areas/%lld/", (long long)south);
    CHECK_EQ_INT(call(&r, "PATCH", ap, auth, "{\"area_code\":\"south-2\"}", 0), 200);
    http_json_free(&r);
    CHECK_EQ_INT(call(&r, "GET", "/api/v1/devices/BTPSIMA001", "Bearer " ADMIN_TOKEN, NULL, 0),
                 200);
    CHECK_STR(str_of(json_object_get(r.j, "data"), "sync_group"), "south-2");
    http_json_free(&r);
    /* last (it blocks this address's sign-ins for 15 minutes): the login limit, as DRF's throttle
     */
    long st = 0;
    for (int i = 0; i < 10 && st != 429; i++) {
        st = call(&r, "POST", "/api-token-auth/", NULL, "username=boss&password=not-it-at-all", 1);
        if (st == 429) {
            CHECK(strncmp(str_of(r.j, "detail"), "Request was throttled. Expected available in ",
                          45) == 0);
            CHECK(atoi(r.retry_after) > 0);
        } else {
            CHECK_EQ_INT(st, 400);
        }
        http_json_free(&r);
    }
    CHECK_EQ_INT(st, 429);
out:
    if (pid > 0) {
        int ws;
        kill(pid, SIGTERM);
        waitpid(pid, &ws, 0);
    }
}

int main(int argc, char **argv)
{
    int bad = td_setup(argc, argv, 1, "ZKBIOD [URI]", dir, db, sizeof(db));
    if (bad)
        return bad;
    zkbiod = argv[1];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pushsim_global_init();
    run();
    curl_global_cleanup();
    return td_finish(dir);
}
