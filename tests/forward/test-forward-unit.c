/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of daemon/forward (forward.h): the classifier of target answers over Frappe error
 * bodies of v14 (no exc_type; a traceback list in exc) and v15 (exc_type, exception) and the
 * real-time app's shapes (shared reference integrations.md §2.1-2.5), malformed bodies; the time
 * conversion between zones; the idempotency key and the webhook signature against values computed
 * independently (Python's hashlib/hmac); settings validation, the public view and merging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

#include "../support/test.h"

/* A Frappe body whose _server_messages holds one message (encoded twice, as Frappe does). */
static const char V15_NOT_FOUND[] =
    "{\"exc_type\":\"ValidationError\",\"exception\":\"frappe.exceptions.ValidationError: No "
    "Employee found for the given employee field value. 'attendance_device_id': 99\","
    "\"_server_messages\":\"[\\\"{\\\\\\\"message\\\\\\\": \\\\\\\"No Employee found for the "
    "given employee field value. 'attendance_device_id': 99\\\\\\\", \\\\\\\"title\\\\\\\": "
    "\\\\\\\"Message\\\\\\\", \\\\\\\"indicator\\\\\\\": \\\\\\\"red\\\\\\\", "
    "\\\\\\\"raise_exception\\\\\\\": 1}\\\"]\"}";
static const char V14_DUPLICATE[] =
    "{\"exc\":\"[\\\"Traceback (most recent call last):\\\\n  File ...\\\\nfrappe.exceptions."
    "ValidationError: This employee already has a log with the same timestamp.<Br><a "
    "href='/app/employee-checkin/EMP-CKIN-01-2026-000001'>EMP-CKIN-01-2026-000001</a>\\\\n\\\"]\","
    "\"_server_messages\":\"[\\\"{\\\\\\\"message\\\\\\\": \\\\\\\"This employee already has a log "
    "with the same timestamp.<Br><a href='/app/employee-checkin/X'>X</a>\\\\\\\"}\\\"]\"}";
static const char V15_INACTIVE[] =
    "{\"exc_type\":\"InactiveEmployeeStatusError\",\"_server_messages\":\"[\\\"{\\\\\\\"message"
    "\\\\\\\": \\\\\\\"Transactions cannot be created for an Inactive Employee <a "
    "href=x>HR-EMP-00001</a>.\\\\\\\"}\\\"]\"}";
static const char V14_INACTIVE_TEXT[] =
    "{\"_server_messages\":\"[\\\"{\\\\\\\"message\\\\\\\": \\\\\\\"Transactions cannot be "
    "created for an Inactive Employee HR-EMP-00001.\\\\\\\"}\\\"]\"}";
static const char LOG_TYPE[] =
    "{\"exc_type\":\"ValidationError\",\"_server_messages\":\"[\\\"{\\\\\\\"message\\\\\\\": "
    "\\\\\\\"Log Type is required for check-ins falling in the shift: Day Shift.\\\\\\\"}\\\"]\"}";
static const char GEO[] = "{\"exc_type\":\"ValidationError\",\"exception\":\"frappe.exceptions."
                          "ValidationError: Latitude and longitude values are required for "
                          "checking in.\"}";
static const char RADIUS[] = "{\"exc_type\":\"CheckinRadiusExceededError\"}";
static const char AUTH[] = "{\"exc_type\":\"AuthenticationError\",\"_server_messages\":\"[]\"}";
static const char PERM[] = "{\"exc_type\":\"PermissionError\",\"_server_messages\":\"[\\\"{\\\\"
                           "\\\"message\\\\\\\": \\\\\\\"Insufficient Permission for Employee "
                           "Checkin\\\\\\\"}\\\"]\"}";
static const char DUP_ENTRY[] = "{\"exc_type\":\"DuplicateEntryError\"}";
/* exc_type decides before the text: a rate limit whose message mentions a known text */
static const char RATE[] = "{\"exc_type\":\"RateLimitExceededError\",\"exception\":\"No Employee "
                           "found\"}";
/* the real-time app's refusal of a single log (integrations.md §2.5), wrapped under message */
static const char PHR_400[] = "{\"message\":{\"success\":false,\"error\":\"No Employee found for "
                              "the given employee field value.\",\"error_type\":"
                              "\"validation_error\"}}";
static const char UNKNOWN_417[] =
    "{\"exc_type\":\"ValidationError\",\"_server_messages\":\"[\\\""
    "{\\\\\\\"message\\\\\\\": \\\\\\\"Something else\\\\\\\"}\\\"]\"}";

static zfwd_verdict cls(int status, const char *body, char *reason, size_t rsz)
{
    return zfwd_classify(status, body, body ? strlen(body) : 0, reason, rsz);
}

static void test_classify(void)
{
    char r[256];
    CHECK_EQ_INT(cls(200, "{\"message\":{\"name\":\"EMP-CKIN-1\"}}", r, sizeof(r)), ZFWD_DELIVERED);
    CHECK_EQ_INT(cls(201, NULL, r, sizeof(r)), ZFWD_DELIVERED);
    CHECK_EQ_INT(cls(417, V15_NOT_FOUND, r, sizeof(r)), ZFWD_PARK);
    CHECK(strstr(r, "HTTP 417 ValidationError: No Employee found") == r);
    CHECK_EQ_INT(cls(417, V14_DUPLICATE, r, sizeof(r)), ZFWD_DUPLICATE);
    CHECK(strstr(r, "same timestamp") && !strchr(r, '<')); /* HTML removed */
    CHECK_EQ_INT(cls(417, V15_INACTIVE, r, sizeof(r)), ZFWD_PARK);
    CHECK_EQ_INT(cls(417, V14_INACTIVE_TEXT, r, sizeof(r)), ZFWD_PARK);
    CHECK_EQ_INT(cls(417, LOG_TYPE, r, sizeof(r)), ZFWD_PARK);
    CHECK_EQ_INT(cls(417, GEO, r, sizeof(r)), ZFWD_PARK);
    CHECK_EQ_INT(cls(417, RADIUS, r, sizeof(r)), ZFWD_PARK);
    CHECK_EQ_INT(cls(401, AUTH, r, sizeof(r)), ZFWD_PAUSE);
    CHECK_EQ_INT(cls(403, PERM, r, sizeof(r)), ZFWD_PAUSE);
    CHECK(strstr(r, "Insufficient Permission") != NULL);
    CHECK_EQ_INT(cls(401, NULL, r, sizeof(r)), ZFWD_PAUSE);
    CHECK_EQ_INT(cls(404, "<html>Not Found</html>", r, sizeof(r)), ZFWD_PAUSE);
    CHECK(strcmp(r, "HTTP 404: Not Found") == 0);
    /* a wrong app path on a real site: 417 ValidationError, not 404 (the stand-in's default) */
    CHECK_EQ_INT(
        cls(417,
            "{\"exc_type\":\"ValidationError\",\"_server_messages\":\"[\\\"{"
            "\\\\\\\"message\\\\\\\": "
            "\\\\\\\"Failed to get method for command "
            "hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field "
            "with No module named 'hrms'\\\\\\\"}\\\"]\"}",
            r, sizeof(r)),
        ZFWD_PAUSE);
    CHECK_EQ_INT(cls(409, DUP_ENTRY, r, sizeof(r)), ZFWD_RETRY);
    CHECK_EQ_INT(cls(429, RATE, r, sizeof(r)), ZFWD_RETRY);
    CHECK_EQ_INT(cls(417, RATE, r, sizeof(r)), ZFWD_RETRY); /* exc_type first */
    CHECK_EQ_INT(cls(500, "{\"exc_type\":\"ServerError\"}", r, sizeof(r)), ZFWD_RETRY);
    CHECK_EQ_INT(cls(502, "<html><body>Bad Gateway</body></html>", r, sizeof(r)), ZFWD_RETRY);
    CHECK_EQ_INT(cls(503, NULL, r, sizeof(r)), ZFWD_RETRY);
    CHECK_EQ_INT(cls(408, NULL, r, sizeof(r)), ZFWD_RETRY);
    CHECK_EQ_INT(cls(0, NULL, r, sizeof(r)), ZFWD_RETRY);
    CHECK_EQ_INT(cls(400, PHR_400, r, sizeof(r)), ZFWD_PARK);
    CHECK_EQ_INT(cls(417, UNKNOWN_417, r, sizeof(r)), ZFWD_FAIL);
    CHECK_EQ_INT(cls(400, "{}", r, sizeof(r)), ZFWD_FAIL);
    CHECK_EQ_INT(cls(422, NULL, r, sizeof(r)), ZFWD_FAIL);
    /* malformed bodies: the status decides */
    CHECK_EQ_INT(cls(417, "{", r, sizeof(r)), ZFWD_FAIL);
    CHECK_EQ_INT(cls(417, "{\"_server_messages\":\"[not json\"}", r, sizeof(r)), ZFWD_FAIL);
    CHECK_EQ_INT(cls(417, "{\"_server_messages\":\"[1, null, {}]\",\"exc\":\"[]\"}", r, sizeof(r)),
                 ZFWD_FAIL);
    CHECK_EQ_INT(cls(417, "{\"exc_type\":7,\"message\":[1]}", r, sizeof(r)), ZFWD_FAIL);
    CHECK_EQ_INT(cls(417, "[\"No Employee found\"]", r, sizeof(r)), ZFWD_FAIL);
    CHECK_EQ_INT(cls(417, "\"No Employee found\"", r, sizeof(r)), ZFWD_FAIL);
    /* a body that is not NUL-terminated: only len bytes are read */
    char buf[8] = {'{', '}', 'x', 'x', 'x', 'x', 'x', 'x'};
    CHECK_EQ_INT(zfwd_classify(500, buf, 2, r, 8), ZFWD_RETRY);
    CHECK(strlen(r) < 8);
    CHECK_EQ_INT(zfwd_classify(417, V15_NOT_FOUND, strlen(V15_NOT_FOUND), NULL, 0), ZFWD_PARK);
    CHECK_EQ_INT(zfwd_classify_text("This employee already has a log with the same timestamp."),
                 ZFWD_DUPLICATE);
    CHECK_EQ_INT(zfwd_classify_text("no employee FOUND for the given value"), ZFWD_PARK);
    CHECK_EQ_INT(zfwd_classify_text("boom"), ZFWD_FAIL);
    CHECK_EQ_INT(zfwd_classify_text(NULL), ZFWD_FAIL);
    CHECK(strcmp(zfwd_verdict_name(ZFWD_PARK), "parked") == 0);
}

static void test_times(void)
{
    char out[20], utc[21];
    CHECK(zfwd_convert_time("2026-01-02 08:00:00", "+03:00", "", out, utc) == 0);
    CHECK_STR(out, "2026-01-02 08:00:00");
    CHECK_STR(utc, "2026-01-02T05:00:00Z");
    CHECK(zfwd_convert_time("2026-01-02 08:00:00", "+03:00", "+05:30", out, utc) == 0);
    CHECK_STR(out, "2026-01-02 10:30:00");
    CHECK(zfwd_convert_time("2026-12-31 23:30:00", "UTC", "+05:30", out, utc) == 0);
    CHECK_STR(out, "2027-01-01 05:00:00");
    CHECK(zfwd_convert_time("2026-03-01 01:00:00", "+02:00", "-05:00", out, utc) == 0);
    CHECK_STR(out, "2026-02-28 18:00:00");
    CHECK_STR(utc, "2026-02-28T23:00:00Z");
    /* an unknown device zone is the target's: sent unchanged, UTC from the target's zone */
    CHECK(zfwd_convert_time("2026-01-02 08:00:00", "", "+05:30", out, utc) == 0);
    CHECK_STR(out, "2026-01-02 08:00:00");
    CHECK_STR(utc, "2026-01-02T02:30:00Z");
    CHECK(zfwd_convert_time("2026-01-02 08:00:00", "Europe/Paris", "+01:00", out, utc) == 0);
    CHECK_STR(out, "2026-01-02 08:00:00");
    /* neither zone known: unchanged, no UTC */
    CHECK(zfwd_convert_time("2026-01-02 08:00:00", "", "", out, utc) == 0);
    CHECK_STR(out, "2026-01-02 08:00:00");
    CHECK_STR(utc, "");
    CHECK(zfwd_convert_time("2026-01-02 08:00:00", "+03:00", "+05:30", out, NULL) == 0);
    CHECK(zfwd_convert_time("2026-01-02T08:00:00", "", "", out, utc) == ZKBIO_EINVAL);
    CHECK(zfwd_convert_time("2026-13-02 08:00:00", "", "", out, utc) == ZKBIO_EINVAL);
    CHECK(zfwd_convert_time("2026-01-02 08:00", "", "", out, utc) == ZKBIO_EINVAL);
    CHECK(zfwd_convert_time(NULL, "", "", out, utc) == ZKBIO_EINVAL);
    CHECK(zfwd_convert_time("2026-01-02 08:00:00", "", "Asia/Kolkata", out, utc) == ZKBIO_EINVAL);
}

static void test_keys(void)
{
    char k[33], sig[72];
    zfwd_idempotency_key("SN1", "7", "2026-01-02 08:00:00", 0, k);
    CHECK_STR(k, "97621ca6f4b85db4fbced5e9bdc5824d"); /* hashlib.sha256(b"SN1|7|...|0")[:32] */
    zfwd_idempotency_key("SN1", "7", "2026-01-02 08:00:00", 1, k);
    CHECK(strcmp(k, "97621ca6f4b85db4fbced5e9bdc5824d") != 0);
    const char body[] = "{\"punches\":[]}";
    zfwd_sign("whsec", 1700000000, body, strlen(body), sig);
    /* hmac.new(b"whsec", b"1700000000." + body, sha256) */
    CHECK_STR(sig, "sha256=5e6aa949515fac397c154ca3c7aac0f2013339dc71c0698a2850c852bba02b77");
}

static void check_bad(const char *kind, const char *url, const char *settings, const char *field)
{
    char f[96] = "", m[256] = "";
    int rc = zfwd_settings_check(kind, url, settings, f, sizeof(f), m, sizeof(m));
    CHECK_MSG(rc == ZKBIO_EINVAL && strcmp(f, field) == 0 && m[0],
              "%s %s %s: rc %d field \"%s\" (want %s)", kind, url, settings ? settings : "NULL", rc,
              f, field);
}

static void test_settings(void)
{
    char f[96], m[256];
    CHECK(zfwd_settings_check("erpnext", "https://erp.example.com/",
                              "{\"api_key\":\"k\",\"api_secret\":\"s\",\"app\":\"erpnext\","
                              "\"log_type_in\":[0],\"tz\":\"+05:30\",\"latitude\":1.5,"
                              "\"longitude\":-2}",
                              f, sizeof(f), m, sizeof(m)) == 0);
    CHECK(zfwd_settings_check("erpnext-realtime", "http://127.0.0.1:8000",
                              "{\"api_key\":\"k\",\"api_secret\":\"s\",\"method_path\":\"a.b_c\","
                              "\"batch\":1000,\"concurrency\":64,\"verify_tls\":false}",
                              f, sizeof(f), m, sizeof(m)) == 0);
    CHECK(zfwd_settings_check("webhook", "http://h/x", "{\"secret\":\"s\"}", f, sizeof(f), m,
                              sizeof(m)) == 0);
    check_bad("smtp", "http://h", "{}", "kind");
    check_bad(NULL, "http://h", "{}", "kind");
    check_bad("webhook", "ftp://h/", "{\"secret\":\"s\"}", "url");
    check_bad("webhook", "http://h/?q=1", "{\"secret\":\"s\"}", "url");
    check_bad("webhook", "http://u:p@h/", "{\"secret\":\"s\"}", "url");
    check_bad("webhook", "h", "{\"secret\":\"s\"}", "url");
    check_bad("webhook", "http://h x/", "{\"secret\":\"s\"}", "url");
    check_bad("webhook", "http://h", "{}", "settings.secret");
    check_bad("webhook", "http://h", "[1]", "settings");
    check_bad("webhook", "http://h", "{\"secret\":\"s\",\"colour\":1}", "settings.colour");
    check_bad("webhook", "http://h", "{\"secret\":\"s\",\"batch\":0}", "settings.batch");
    check_bad("webhook", "http://h", "{\"secret\":\"s\",\"batch\":1001}", "settings.batch");
    check_bad("webhook", "http://h", "{\"secret\":\"s\",\"concurrency\":65}",
              "settings.concurrency");
    check_bad("webhook", "http://h", "{\"secret\":\"s\",\"tz\":\"Asia/Kolkata\"}", "settings.tz");
    check_bad("webhook", "http://h", "{\"secret\":\"s\",\"verify_tls\":\"no\"}",
              "settings.verify_tls");
    check_bad("erpnext", "http://h", "{\"api_key\":\"k\"}", "settings.api_secret");
    check_bad("erpnext", "http://h", "{\"api_key\":\"k\",\"api_secret\":\"s\",\"app\":\"x\"}",
              "settings.app");
    check_bad("erpnext", "http://h", "{\"api_key\":\"k\",\"api_secret\":\"s\",\"batch\":5}",
              "settings.batch");
    check_bad("erpnext", "http://h", "{\"api_key\":\"k\",\"api_secret\":\"s\",\"latitude\":1}",
              "settings.latitude");
    check_bad("erpnext", "http://h",
              "{\"api_key\":\"k\",\"api_secret\":\"s\",\"log_type_in\":[\"IN\"]}",
              "settings.log_type_in");
    check_bad("erpnext-realtime", "http://h", "{\"api_key\":\"k\",\"api_secret\":\"s\"}",
              "settings.method_path");
    check_bad("erpnext-realtime", "http://h",
              "{\"api_key\":\"k\",\"api_secret\":\"s\",\"method_path\":\"a..b\"}",
              "settings.method_path");
    /* a secret's value never appears in a message */
    CHECK(zfwd_settings_check("webhook", "http://h", "{\"secret\":7}", f, sizeof(f), m,
                              sizeof(m)) == ZKBIO_EINVAL);

    char *pub = zfwd_settings_public("{\"api_key\":\"k\",\"api_secret\":\"s\",\"batch\":5}");
    CHECK(pub && strcmp(pub, "{\"batch\":5,\"has_api_key\":true,\"has_api_secret\":true}") == 0);
    free(pub);
    pub = zfwd_settings_public("not json");
    CHECK(pub && strcmp(pub, "{}") == 0);
    free(pub);
    char *mg = zfwd_settings_merge("{\"secret\":\"s\",\"batch\":5,\"tz\":\"+01:00\"}",
                                   "{\"batch\":7,\"tz\":null}");
    CHECK(mg && strstr(mg, "\"secret\":\"s\"") && strstr(mg, "\"batch\":7") && !strstr(mg, "tz"));
    free(mg);
    CHECK(zfwd_settings_merge("{}", "[1]") == NULL);
    mg = zfwd_settings_merge("{\"secret\":\"s\"}", "{\"has_secret\":true,\"batch\":3}");
    CHECK(mg && strcmp(mg, "{\"secret\":\"s\",\"batch\":3}") == 0);
    free(mg);
}

int main(void)
{
    test_classify();
    test_times();
    test_keys();
    test_settings();
    return TEST_DONE();
}
