/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the fingerprint service's small parsers and helpers (daemon/core, daemon/auth,
 * daemon/api/errors.c, daemon/http/gate.c, daemon/fpservice): the Host check, the keys-file line
 * parser with malformed lines, key hashing and checking, the confidence map, the rate window,
 * error bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#include "../support/test.h"

static void test_host(void)
{
    static const char *const ok[] = {"localhost",  "localhost:8080", "LOCALHOST:1",
                                     "127.0.0.1",  "127.0.0.1:443",  "[::1]",
                                     "[::1]:8080", "localhost:65535"};
    static const char *const bad[] = {"",
                                      "evil.example",
                                      "localhost.evil.example",
                                      "evil.localhost",
                                      "127.0.0.1.nip.io",
                                      "127.0.0.2",
                                      "localhost:",
                                      "localhost:80a",
                                      "localhost:123456",
                                      "localhost:8080:1",
                                      "[::1",
                                      "[::1]x",
                                      "[::1]:",
                                      "[::2]:80",
                                      "localhost ",
                                      " localhost",
                                      "127.0.0.1@evil",
                                      "0.0.0.0:8080"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        CHECK(zhttp_host_allowed(ok[i]) == 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (zhttp_host_allowed(bad[i]) != 0)
            fprintf(stderr, "allowed: \"%s\"\n", bad[i]);
        CHECK(zhttp_host_allowed(bad[i]) == 0);
    }
    CHECK(zhttp_host_allowed(NULL) == 0);
}

static void test_key_lines(void)
{
    const char salt[] = "00112233445566778899aabbccddeeff";
    const char hash[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    char line[512];
    zauth_key_record r;
    snprintf(line, sizeof(line), "7\tweb\t2026-01-01T00:00:00Z\t-\t%s\t%s\tak_live_abcd\n", salt,
             hash);
    CHECK(zauth_keys_parse_line(line, &r) == 0);
    CHECK(r.id == 7 && !r.revoked && strcmp(r.name, "web") == 0 && r.salt[1] == 0x11 &&
          r.hash[31] == 0x1f && strcmp(r.shown, "ak_live_abcd") == 0);
    snprintf(line, sizeof(line), "8\tweb\t2026\t2026-02-01T00:00:00Z\t%s\t%s\tx", salt, hash);
    CHECK(zauth_keys_parse_line(line, &r) == 0 && r.revoked);
    CHECK(r.perms == ZAUTH_PERM_ALL); /* a line from before permissions: every permission */
    snprintf(line, sizeof(line), "9\tweb\tc\t-\t%s\t%s\tx\tfingerprint:verify,device:read\n", salt,
             hash);
    CHECK(zauth_keys_parse_line(line, &r) == 0 &&
          r.perms == (ZAUTH_PERM_VERIFY | ZAUTH_PERM_DEVICE_READ));
    snprintf(line, sizeof(line), "9\tweb\tc\t-\t%s\t%s\tx\t*\n", salt, hash);
    CHECK(zauth_keys_parse_line(line, &r) == 0 && r.perms == ZAUTH_PERM_ALL);
    static const char *const bad[] = {
        "",
        "\n",
        "1\tweb",
        "0\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s\tx",
        "-3\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s\tx",
        "x\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s\tx",
        "99999999999999999999\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s\tx",
        "1\tn\tc\t-\t0011223344556677889\t%s\tx",
        "1\tn\tc\t-\t00112233445566778899aabbccddeefg\t%s\tx",
        "1\tn\tc\t-\t00112233445566778899aabbccddeeff00\t%s\tx",
        "1\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s0\tx",
        "1\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s\tx\tdevice:read\textra",
        "1\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s\tx\tdevice:rea",
        "1\tn\tc\t-\t00112233445566778899aabbccddeeff\t%s\tx\t",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *at = strstr(bad[i], "%s"); /* the hash goes there */
        if (at)
            snprintf(line, sizeof(line), "%.*s%s%s", (int)(at - bad[i]), bad[i], hash, at + 2);
        else
            snprintf(line, sizeof(line), "%s", bad[i]);
        CHECK(zauth_keys_parse_line(line, &r) == -1);
        CHECK(r.id == 0);
    }
    /* long text fields are cut, not overflowed */
    char longname[400];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    char big[1024];
    snprintf(big, sizeof(big), "3\t%s\tc\t-\t%s\t%s\t%s", longname, salt, hash, longname);
    CHECK(zauth_keys_parse_line(big, &r) == 0 && strlen(r.name) == sizeof(r.name) - 1 &&
          strlen(r.shown) == sizeof(r.shown) - 1);
}

static void test_perms(void)
{
    uint32_t p = 0;
    char bad[80], out[300];
    CHECK(zauth_perms_parse("fingerprint:enroll,device:read", &p, bad, sizeof(bad)) == 0 &&
          p == (ZAUTH_PERM_ENROLL | ZAUTH_PERM_DEVICE_READ));
    CHECK(zauth_perms_parse(" fingerprint:identify , fingerprint:delete ", &p, bad, sizeof(bad)) ==
              0 &&
          p == (ZAUTH_PERM_IDENTIFY | ZAUTH_PERM_DELETE));
    CHECK(zauth_perms_parse("*", &p, bad, sizeof(bad)) == 0 && p == ZAUTH_PERM_ALL);
    CHECK(zauth_perms_parse("device:read,*", &p, bad, sizeof(bad)) == 0 && p == ZAUTH_PERM_ALL);
    CHECK(zauth_perms_parse("device:read,admin", &p, bad, sizeof(bad)) == -1 &&
          strcmp(bad, "admin") == 0 && p == 0);
    CHECK(zauth_perms_parse("", &p, bad, sizeof(bad)) == -1);
    CHECK(zauth_perms_parse(",", &p, bad, sizeof(bad)) == -1);
    CHECK(zauth_perms_parse("Device:Read", &p, bad, sizeof(bad)) == -1);
    zauth_perms_format(ZAUTH_PERM_VERIFY | ZAUTH_PERM_DEVICE_MANAGE, out, sizeof(out));
    CHECK(strcmp(out, "fingerprint:verify,device:manage") == 0);
    zauth_perms_format(ZAUTH_PERM_ALL, out, sizeof(out));
    CHECK(strcmp(out, "*") == 0);
    /* every name round-trips */
    for (int i = 0; i < ZAUTH_PERM_COUNT; i++) {
        CHECK(zauth_perms_parse(zauth_perm_name(i), &p, NULL, 0) == 0 && p == (1u << i));
        zauth_perms_format(p, out, sizeof(out));
        CHECK(strcmp(out, zauth_perm_name(i)) == 0);
    }
    CHECK(zauth_perm_name(ZAUTH_PERM_COUNT) == NULL && zauth_perm_name(-1) == NULL);
}

static void test_keys(void)
{
    char *cfg[] = {"configured_key_0123456789", "second_configured_key_xyz"};
    zauth_keys *k = NULL;
    char err[256];
    CHECK(zauth_keys_load("/nonexistent-zkbio-dir", cfg, 2, &k, err, sizeof(err)) == 0);
    int slot = -1;
    CHECK(zauth_keys_check(k, "configured_key_0123456789", &slot) == 0 && slot == 0);
    CHECK(zauth_keys_check(k, "second_configured_key_xyz", &slot) == 0 && slot == 1);
    CHECK(zauth_keys_check(k, "configured_key_012345678", &slot) == -1);
    CHECK(zauth_keys_check(k, "configured_key_01234567890", &slot) == -1);
    CHECK(zauth_keys_check(k, "", &slot) == -1);
    CHECK(zauth_keys_check(k, NULL, &slot) == -1);
    CHECK(zauth_keys_active(k) == 2 && zauth_keys_slots(k) == 2);
    CHECK(zauth_keys_perms(k, 0) == ZAUTH_PERM_ALL && zauth_keys_perms(k, 1) == ZAUTH_PERM_ALL);
    CHECK(zauth_keys_perms(k, 2) == 0 && zauth_keys_perms(k, -1) == 0);
    zauth_keys_free(k);
    CHECK(zauth_keys_load("/nonexistent-zkbio-dir", NULL, 0, &k, err, sizeof(err)) == 0);
    CHECK(zauth_keys_slots(k) == 0 && zauth_keys_check(k, "anything_at_all_here", &slot) == -1);
    zauth_keys_free(k);
}

static void test_misc(void)
{
    CHECK(fps_confidence(0, 40) == 0);
    CHECK(fps_confidence(-5, 40) == 0);
    CHECK(fps_confidence(40, 40) == 70);
    CHECK(fps_confidence(39.9, 40) < 70);
    CHECK(fps_confidence(20, 40) == 35);
    CHECK(fps_confidence(80, 40) == 100);
    CHECK(fps_confidence(500, 40) == 100);
    zc_window w = {0, 0};
    int rem;
    time_t reset;
    CHECK(zc_window_hit(&w, 2, 60, 1000, &rem, &reset) == 0 && rem == 1 && reset == 1060);
    CHECK(zc_window_hit(&w, 2, 60, 1001, &rem, &reset) == 0 && rem == 0);
    CHECK(zc_window_hit(&w, 2, 60, 1010, &rem, &reset) == 50);
    CHECK(zc_window_hit(&w, 2, 60, 1060, &rem, &reset) == 0 && rem == 1 && reset == 1120);
    CHECK(strcmp(zapi_code_name(4004), "RATE_LIMIT_EXCEEDED") == 0);
    CHECK(strcmp(zapi_code_name(1234), "UNKNOWN") == 0);
    json_t *b = zapi_error_body(ZAPI_FPS, 1001, "gone", json_pack("{s:s}", "deviceId", "x"));
    json_t *e = json_object_get(b, "error");
    CHECK(json_integer_value(json_object_get(e, "code")) == 1001);
    CHECK(strcmp(json_string_value(json_object_get(e, "name")), "DEVICE_NOT_FOUND") == 0);
    CHECK(json_is_object(json_object_get(e, "details")));
    json_decref(b);
    char k1[41], k2[41];
    CHECK(zc_random_alnum(k1, 40) == 0 && zc_random_alnum(k2, 40) == 0 && strlen(k1) == 40 &&
          strcmp(k1, k2) != 0);
    uint8_t h[32];
    char hex[65];
    zc_sha256("abc", 3, NULL, 0, h);
    zc_hex(h, 32, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
}

int main(void)
{
    test_host();
    test_key_lines();
    test_keys();
    test_perms();
    test_misc();
    return TEST_DONE();
}
