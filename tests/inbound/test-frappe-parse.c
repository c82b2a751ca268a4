/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body parser of the inbound Frappe-style methods (daemon/api/frappe_parse.c) and the
 * integration key header parser (daemon/auth/intkeys.c): timestamps (formats, ranges, offsets,
 * fractions, leap days), zone shifts across days and years, log objects (required fields and the
 * peer's messages, PIN and SN rules, log_type mapping, coordinates), form bodies, and
 * `token key:secret` / `Basic` headers with their malformed forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../support/test.h"

static int ptime(const char *s, char wall[20], int *ho, int *om)
{
    return zapi_frappe_parse_time(s, strlen(s), wall, ho, om);
}

static void times(void)
{
    char w[20];
    int ho, om;
    CHECK(ptime("2025-01-27 14:30:00", w, &ho, &om) && !strcmp(w, "2025-01-27 14:30:00") && !ho);
    CHECK(ptime("2025-01-27T14:30", w, &ho, &om) && !strcmp(w, "2025-01-27 14:30:00"));
    CHECK(ptime("2025-01-27T14:30:59.123456", w, &ho, &om) && !strcmp(w, "2025-01-27 14:30:59"));
    CHECK(ptime("2025-01-27T14:30:00Z", w, &ho, &om) && ho && om == 0);
    CHECK(ptime("2025-01-27T14:30:00+03:00", w, &ho, &om) && ho && om == 180);
    CHECK(ptime("2025-01-27T14:30:00.5-0930", w, &ho, &om) && ho && om == -570);
    CHECK(ptime("2025-01-27 14:30:00+05", w, &ho, &om) && ho && om == 300);
    CHECK(ptime("2024-02-29 00:00:00", w, &ho, &om));
    const char *bad[] = {"",
                         "2025-01-27",
                         "2025-01-27 14",
                         "2023-02-29 10:00:00",
                         "2025-13-01 10:00:00",
                         "2025-04-31 10:00:00",
                         "2025-01-27 24:00:00",
                         "2025-01-27 14:60:00",
                         "2025-01-27 14:30:60",
                         "2025-01-27 14:30:00.",
                         "2025-01-27 14:30:00.1234567890",
                         "2025-01-27 14:30:00+15:00",
                         "2025-01-27 14:30:00+03:",
                         "2025-01-27 14:30:00 ",
                         "27/01/2025 14:30:00",
                         "2025-01-27x14:30:00",
                         "0000-01-01 00:00:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_MSG(!ptime(bad[i], w, &ho, &om), "accepted %s", bad[i]);
    /* the length is honoured: no read past it */
    CHECK(zapi_frappe_parse_time("2025-01-27 14:30:00GARBAGE", 19, w, &ho, &om));
    char o[20];
    CHECK(zapi_frappe_shift("2025-12-31 22:30:00", 0, 180, o) && !strcmp(o, "2026-01-01 01:30:00"));
    CHECK(zapi_frappe_shift("2024-03-01 01:00:00", 180, 0, o) && !strcmp(o, "2024-02-29 22:00:00"));
    CHECK(zapi_frappe_shift("2025-06-01 12:00:00", -570, 345, o) &&
          !strcmp(o, "2025-06-02 03:15:00"));
    CHECK(!zapi_frappe_shift("9999-12-31 23:00:00", 0, 120, o));
    CHECK(!zapi_frappe_shift("not a time at all!!", 0, 0, o));
}

/* Parse the JSON text s as a log: 0 ok, or -1 with err. */
static int plog(const char *s, zapi_frappe_punch *p, char *err, size_t errsz)
{
    json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
    int rc = zapi_frappe_parse_punch(j, p, err, errsz);
    json_decref(j);
    return rc;
}

static void logs(void)
{
    zapi_frappe_punch p;
    char err[256];
    CHECK(plog("{\"employee_id\":\"12345\",\"timestamp\":\"2025-01-27 14:30:00\","
               "\"device_id\":\"DEVICE-001\",\"log_type\":\"IN\"}",
               &p, err, sizeof(err)) == 0);
    CHECK(!strcmp(p.pin, "12345") && !strcmp(p.sn, "DEVICE-001") && p.status == 0 &&
          !strcmp(p.log_type, "IN") && !p.has_geo && !p.has_offset);
    CHECK(plog("{\"employee_id\":7,\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":\"Main "
               "gate\",\"device_serial\":\"SN_1\",\"log_type\":\"Out\",\"latitude\":\"24.5\","
               "\"longitude\":-46}",
               &p, err, sizeof(err)) == 0);
    CHECK(!strcmp(p.pin, "7") && !strcmp(p.sn, "SN_1") && !strcmp(p.device_id, "Main gate") &&
          p.status == 1 && p.has_geo && p.lat == 24.5 && p.lon == -46);
    const char *autos[] = {"\"AUTO\"", "\"check-in\"", "null", "\"\""};
    for (size_t i = 0; i < 4; i++) {
        char b[256];
        snprintf(b, sizeof(b),
                 "{\"employee_id\":\"1\",\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":"
                 "\"D\",\"log_type\":%s}",
                 autos[i]);
        CHECK_MSG(plog(b, &p, err, sizeof(err)) == 0 && p.status == 255 &&
                      !strcmp(p.log_type, "AUTO"),
                  "log_type %s", autos[i]);
    }
    static const struct {
        const char *body, *err;
    } bad[] = {
        {"{}", "Missing required fields: employee_id, timestamp, device_id"},
        {"[]", "Each log must be an object"},
        {"{\"employee_id\":0,\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":\"D\"}",
         "Missing required fields: employee_id"},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":false}",
         "Missing required fields: device_id"},
        {"{\"employee_id\":\"1\",\"timestamp\":\"soon\",\"device_id\":\"D\"}",
         "Invalid timestamp format. Use 'YYYY-MM-DD HH:MM:SS' or ISO 8601"},
        {"{\"employee_id\":\"1234567890123456789012345\",\"timestamp\":\"2025-01-27 "
         "14:30:00\",\"device_id\":\"D\"}",
         NULL},
        {"{\"employee_id\":1.5,\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":\"D\"}", NULL},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":\"D\","
         "\"device_serial\":\"bad sn\"}",
         NULL},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":"
         "\"01234567890123456789012345678901234567890\"}",
         NULL},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":\"D\","
         "\"log_type\":1}",
         "Invalid log_type: IN, OUT or AUTO"},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":\"D\","
         "\"latitude\":91,\"longitude\":0}",
         NULL},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-27 14:30:00\",\"device_id\":\"D\","
         "\"latitude\":1}",
         "latitude and longitude go together"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = plog(bad[i].body, &p, err, sizeof(err));
        CHECK_MSG(rc == -1 && err[0] && (!bad[i].err || !strcmp(err, bad[i].err)), "%s: %d %s",
                  bad[i].body, rc, err);
    }
    CHECK(zapi_frappe_parse_punch(NULL, &p, err, sizeof(err)) == -1);
    /* form bodies: the fields present, URL-decoded; invalid UTF-8 left out */
    const char *form = "employee_id=12&timestamp=2025-01-27+14%3A30%3A00&device_id=D%2D1&"
                       "log_type=out&other=1&device_serial=%FF%FE";
    json_t *o = zapi_frappe_form(form, strlen(form));
    CHECK(o && json_object_size(o) == 4);
    CHECK(zapi_frappe_parse_punch(o, &p, err, sizeof(err)) == 0 && !strcmp(p.sn, "D-1") &&
          !strcmp(p.wall, "2025-01-27 14:30:00") && p.status == 1);
    json_decref(o);
    o = zapi_frappe_form("", 0);
    CHECK(o && json_object_size(o) == 0);
    json_decref(o);
}

static void headers(void)
{
    char k[65], s[129];
    CHECK(zauth_intkey_parse("token abc:def", k, sizeof(k), s, sizeof(s)) == 0 &&
          !strcmp(k, "abc") && !strcmp(s, "def"));
    CHECK(zauth_intkey_parse("Token  abc:def  ", k, sizeof(k), s, sizeof(s)) == 0 &&
          !strcmp(s, "def"));
    CHECK(zauth_intkey_parse("Basic YWJjOmRlZg==", k, sizeof(k), s, sizeof(s)) == 0 &&
          !strcmp(k, "abc") && !strcmp(s, "def"));
    CHECK(zauth_intkey_parse("basic YWJjOmRlZjpnaA==", k, sizeof(k), s, sizeof(s)) == 0 &&
          !strcmp(k, "abc") && !strcmp(s, "def:gh")); /* the first ':' splits */
    const char *other[] = {NULL, "", "Bearer abc:def", "JWT x", "tokenabc:def", "Digest a"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        CHECK_MSG(zauth_intkey_parse(other[i], k, sizeof(k), s, sizeof(s)) == 1, "%s",
                  other[i] ? other[i] : "NULL");
    char longkey[200];
    memset(longkey, 'a', sizeof(longkey));
    snprintf(longkey, sizeof(longkey), "token %0150d:x", 1);
    const char *bad[] = {"token",      "token ",        "token abc",  "token :def",
                         "token abc:", "token a b:c",   "Basic !!!!", "Basic YWJj",
                         "Basic ",     "token a\x01:b", longkey};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_MSG(zauth_intkey_parse(bad[i], k, sizeof(k), s, sizeof(s)) == -1, "%s", bad[i]);
}

int main(void)
{
    times();
    logs();
    headers();
    return TEST_DONE();
}
