/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers of the PUSH codec: numbers, times, arena, UTF-8 repair, the output buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "push/zki_push.h"
#include "../support/test.h"

static zki_span S(const char *s)
{
    zki_span sp = {s, strlen(s)};
    return sp;
}

static void test_int(void)
{
    int64_t v = 77;
    CHECK_EQ_INT(zki_parse_int(S("42"), INT32_MIN, INT32_MAX, &v), 1);
    CHECK_EQ_INT(v, 42);
    CHECK_EQ_INT(zki_parse_int(S(" -7 "), INT32_MIN, INT32_MAX, &v), 1);
    CHECK_EQ_INT(v, -7);
    CHECK_EQ_INT(zki_parse_int(S("+3"), INT32_MIN, INT32_MAX, &v), 1);
    CHECK_EQ_INT(v, 3);
    v = 77;
    CHECK_EQ_INT(zki_parse_int(S(""), INT32_MIN, INT32_MAX, &v), 0);
    CHECK_EQ_INT(zki_parse_int(S("   "), INT32_MIN, INT32_MAX, &v), 0);
    CHECK_EQ_INT(v, 77);
    CHECK_EQ_INT(zki_parse_int(S("2147483647"), INT32_MIN, INT32_MAX, &v), 1);
    CHECK_EQ_INT(zki_parse_int(S("2147483648"), INT32_MIN, INT32_MAX, &v), -1);
    CHECK_EQ_INT(zki_parse_int(S("-2147483648"), INT32_MIN, INT32_MAX, &v), 1);
    CHECK_EQ_INT(zki_parse_int(S("9223372036854775807"), INT64_MIN, INT64_MAX, &v), 1);
    CHECK(v == INT64_MAX);
    CHECK_EQ_INT(zki_parse_int(S("-9223372036854775808"), INT64_MIN, INT64_MAX, &v), 1);
    CHECK(v == INT64_MIN);
    CHECK_EQ_INT(zki_parse_int(S("9223372036854775808"), INT64_MIN, INT64_MAX, &v), -1);
    CHECK_EQ_INT(zki_parse_int(S("99999999999999999999999"), INT64_MIN, INT64_MAX, &v), -1);
    CHECK_EQ_INT(zki_parse_int(S("12a"), INT32_MIN, INT32_MAX, &v), -1);
    CHECK_EQ_INT(zki_parse_int(S("-"), INT32_MIN, INT32_MAX, &v), -1);
    CHECK_EQ_INT(zki_parse_int(S("0x10"), INT32_MIN, INT32_MAX, &v), -1);
    CHECK_EQ_INT(zki_parse_int(S("1 2"), INT32_MIN, INT32_MAX, &v), -1);
    const char nul[] = {'1', '2', '\0', '9'};
    zki_span ns = {nul, 4};
    CHECK_EQ_INT(zki_parse_int(ns, INT32_MIN, INT32_MAX, &v), 1);
    CHECK_EQ_INT(v, 12);
}

static void test_time(void)
{
    char t[20];
    CHECK_EQ_INT(zki_parse_time(S("2015-07-30 15:16:28"), t), 0);
    CHECK_STR(t, "2015-07-30 15:16:28");
    CHECK_EQ_INT(zki_parse_time(S("2015-7-3 5:6:7"), t), 0);
    CHECK_STR(t, "2015-07-03 05:06:07");
    CHECK_EQ_INT(zki_parse_time(S("2015/07/30\t15:16:28 "), t), 0);
    CHECK_STR(t, "2015-07-30 15:16:28");
    CHECK_EQ_INT(zki_parse_time(S("2024-02-29 00:00:00"), t), 0);
    CHECK_EQ_INT(zki_parse_time(S("2023-02-29 00:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2000-02-29 00:00:00"), t), 0);
    CHECK_EQ_INT(zki_parse_time(S("1900-02-29 00:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-00-10 00:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04-31 00:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04-30 23:59:60"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04-30 23:60:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04-30  23:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04-30"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04-30 23:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04-30 23:00:00x"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("15-04-30 23:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("20150-04-30 23:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S("2015-04/30 23:00:00"), t), -1);
    CHECK_EQ_INT(zki_parse_time(S(""), t), -1);
}

static void test_arena_text(void)
{
    zki_arena a;
    zki_arena_init(&a, 0);
    void *blocks[200];
    for (int i = 0; i < 200; i++) {
        blocks[i] = zki_arena_alloc(&a, (size_t)i * 37);
        CHECK(blocks[i] != NULL);
        CHECK(((uintptr_t)blocks[i] & 7u) == 0);
        memset(blocks[i], i, (size_t)i * 37);
    }
    CHECK(((unsigned char *)blocks[100])[0] == 100);
    char *big = zki_arena_alloc(&a, 5u << 20); /* larger than any chunk */
    CHECK(big != NULL);
    if (big)
        memset(big, 1, 5u << 20);
    char *s = zki_arena_strndup(&a, "abc", 2);
    CHECK_STR(s, "ab");
    char *p = zki_arena_alloc(&a, 100);
    zki_arena_shrink_last(&a, p, 10);
    char *q = zki_arena_alloc(&a, 8);
    CHECK(q == p + 16);

    zki_conv c;
    CHECK_EQ_INT(zki_conv_open(&c, NULL), ZKBIO_OK);
    CHECK(c.cd == NULL);
    CHECK_EQ_INT(zki_conv_open(&c, "utf-8"), ZKBIO_OK);
    CHECK(c.cd == NULL);
    CHECK_EQ_INT(zki_conv_open(&c, "bogus-charset-name"), ZKBIO_EENCODING);
    CHECK_EQ_INT(zki_conv_open(&c, "GB18030"), ZKBIO_OK);
    const char gb[] = "\xD5\xC5\xC8\xFD";
    zki_span gs = {gb, 4};
    CHECK_STR(zki_text_dup(&a, gs, &c), "\xE5\xBC\xA0\xE4\xB8\x89");
    /* ASCII fast path is the same for every charset; NUL ends the value */
    const char withnul[] = {'a', 'b', '\0', 'c'};
    zki_span wn = {withnul, 4};
    CHECK_STR(zki_text_dup(&a, wn, &c), "ab");
    /* lots of invalid bytes: output up to 3x */
    char bad[300];
    memset(bad, 0xFF, sizeof(bad));
    zki_span bs = {bad, sizeof(bad)};
    char *r = zki_text_dup(&a, bs, &c);
    CHECK(r != NULL && strlen(r) == 900);
    zki_conv_close(&c);
    r = zki_text_dup(&a, bs, NULL);
    CHECK(r != NULL && strlen(r) == 900);
    /* overlong and surrogate UTF-8 forms are invalid */
    CHECK_STR(zki_text_dup(&a, S("\xC0\xAF"), NULL), "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_STR(zki_text_dup(&a, S("\xF0\x9F\x98\x80"), NULL), "\xF0\x9F\x98\x80");
    CHECK_STR(zki_text_dup(&a, S("\xF4\x90\x80\x80"), NULL),
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    zki_arena_free(&a);
}

static void test_wbuf_fields(void)
{
    char buf[8];
    zki_wbuf w;
    size_t len = 0;
    zki_w_init(&w, buf, sizeof(buf));
    zki_w_str(&w, "ab");
    zki_w_val(&w, "c\td\re\nf");
    zki_w_int(&w, -12);
    CHECK_EQ_INT(zki_w_finish(&w, &len), ZKBIO_ENOSPC);
    CHECK_EQ_INT(len, 9);
    CHECK_STR(buf, "abcdef-");
    zki_w_init(&w, buf, sizeof(buf));
    zki_w_int(&w, INT64_MIN);
    CHECK_EQ_INT(zki_w_finish(&w, &len), ZKBIO_ENOSPC);
    CHECK_EQ_INT(len, 20);
    zki_w_init(&w, buf, sizeof(buf));
    zki_w_int(&w, 1234567);
    CHECK_EQ_INT(zki_w_finish(&w, &len), ZKBIO_OK);
    CHECK_STR(buf, "1234567");
    CHECK_EQ_INT(zki_val_len("a\tb\r\n"), 2);

    zki_span rest = S("a\t\tb"), f;
    int n = 0;
    while (zki_next_field(&rest, '\t', &f))
        n++;
    CHECK_EQ_INT(n, 3);
    zki_span k, v;
    CHECK_EQ_INT(zki_kv_split(S("TMP=abc=="), &k, &v), 1);
    CHECK(zki_span_ieq(k, "tmp"));
    CHECK(v.n == 5 && memcmp(v.p, "abc==", 5) == 0);
    CHECK_EQ_INT(zki_kv_split(S("novalue"), &k, &v), 0);
    CHECK(zki_span_ieq(S("Pin"), "PIN"));
    CHECK(!zki_span_ieq(S("PI"), "PIN"));
    CHECK(!zki_span_ieq(S("PINX"), "PIN"));
    size_t pos = 0;
    const char body[] = "a\r\n\nb";
    zki_span line;
    CHECK(zki_next_line(body, 5, &pos, &line) && line.n == 1);
    CHECK(zki_next_line(body, 5, &pos, &line) && line.n == 0);
    CHECK(zki_next_line(body, 5, &pos, &line) && line.n == 1 && line.p[0] == 'b');
    CHECK(!zki_next_line(body, 5, &pos, &line));
    CHECK(zki_pin_ok("123", 3));
    CHECK(!zki_pin_ok("1 3", 3));
    CHECK(!zki_pin_ok("", 0));
    CHECK(!zki_pin_ok("1\xc3\xa9", 3));
    CHECK(zki_pin_ok("AB-12_x", 7));
    CHECK(!zki_pin_ok("1234567890123456789012345", 25));
}

int main(void)
{
    test_int();
    test_time();
    test_arena_text();
    test_wbuf_fields();
    return TEST_DONE();
}
