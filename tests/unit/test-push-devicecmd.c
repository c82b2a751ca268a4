/* SPDX-License-Identifier: Apache-2.0 */
/* devicecmd result bodies (push.md §5) and the device-side result line. */
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/push.h"

static zkbio_push_cmd_results *parse(const char *body, size_t len)
{
    zkbio_push_cmd_results *r = NULL;
    CHECK_EQ_INT(zkbio_push_devicecmd_parse(body, len, &r), ZKBIO_OK);
    return r;
}

#define P(s) parse((s), strlen(s))

static void test_batched(void)
{
    zkbio_push_cmd_results *r = P("ID=41&Return=0&CMD=DATA\nID=42&Return=0&CMD=DATA\r\n"
                                  "ID=43&Return=-1002&CMD=DATA\nID=44&Return=0&CMD=CLEAR_LOG\n");
    if (!r)
        return;
    CHECK_EQ_INT(r->count, 4);
    CHECK_EQ_INT(r->n_malformed, 0);
    CHECK_STR(r->results[0].id, "41");
    CHECK_EQ_INT(r->results[0].ret, 0);
    CHECK_STR(r->results[0].cmd, "DATA");
    CHECK_STR(r->results[1].id, "42");
    CHECK_STR(r->results[1].cmd, "DATA");
    CHECK_EQ_INT(r->results[2].ret, -1002);
    CHECK_STR(r->results[3].cmd, "CLEAR_LOG");
    CHECK_EQ_INT(r->results[3].extra.count, 0);
    CHECK(r->results[3].content == NULL);
    zkbio_push_cmd_results_free(r);

    /* VERIFY SUM extras, SN of a sub-controller, duplicates kept */
    r = P("ID=7&Return=0&CMD=VERIFY SUM&StartTime=2025-01-01 00:00:00&EndTime=2025-01-02 "
          "00:00:00&AttlogSum=12\n"
          "ID=7&Return=0&CMD=VERIFY SUM&SN=SUB1");
    if (!r)
        return;
    CHECK_EQ_INT(r->count, 2);
    CHECK_STR(r->results[0].cmd, "VERIFY SUM");
    CHECK_STR(zkbio_push_kvlist_get(&r->results[0].extra, "AttlogSum"), "12");
    CHECK_STR(zkbio_push_kvlist_get(&r->results[0].extra, "starttime"), "2025-01-01 00:00:00");
    CHECK_STR(zkbio_push_kvlist_get(&r->results[1].extra, "SN"), "SUB1");
    CHECK_STR(r->results[1].id, "7");
    zkbio_push_cmd_results_free(r);
}

static void test_info_and_shell(void)
{
    zkbio_push_cmd_results *r =
        P("ID=1&Return=0&CMD=INFO\n~DeviceName=ProBio\nMAC=00:17:61:01:02:03\n"
          "UserCount=7\nFWVersion=Ver 8.0.4.1\n\nID=2&Return=0&CMD=DATA\n");
    if (!r)
        return;
    CHECK_EQ_INT(r->count, 2);
    CHECK_STR(r->results[0].cmd, "INFO");
    CHECK_EQ_INT(r->results[0].extra.count, 4);
    CHECK_STR(zkbio_push_kvlist_get(&r->results[0].extra, "DeviceName"), "ProBio");
    CHECK_STR(zkbio_push_kvlist_get(&r->results[0].extra, "UserCount"), "7");
    CHECK_STR(r->results[1].id, "2");
    zkbio_push_cmd_results_free(r);

    /* multi-line Shell reply: Content keeps newlines and '&' up to the next ID= line */
    const char shell[] =
        "ID=66\nSN=A1\nReturn=0\nCMD=Shell\nFILENAME=shellout.txt\nContent=line1 & x=1\nline2\n"
        "\nID=67&Return=0&CMD=DATA\n";
    r = parse(shell, sizeof(shell) - 1);
    if (!r)
        return;
    CHECK_EQ_INT(r->count, 2);
    CHECK_STR(r->results[0].id, "66");
    CHECK_EQ_INT(r->results[0].ret, 0);
    CHECK_STR(r->results[0].cmd, "Shell");
    CHECK_STR(zkbio_push_kvlist_get(&r->results[0].extra, "FILENAME"), "shellout.txt");
    CHECK_STR(zkbio_push_kvlist_get(&r->results[0].extra, "SN"), "A1");
    CHECK(r->results[0].content != NULL);
    CHECK_EQ_INT(r->results[0].content_len, strlen("line1 & x=1\nline2\n"));
    CHECK_STR(r->results[0].content, "line1 & x=1\nline2\n");
    CHECK_STR(r->results[1].id, "67");
    zkbio_push_cmd_results_free(r);

    /* GetFile: binary content with NUL bytes, CRLF, to the end of the body */
    const char getfile[] =
        "ID=9\r\nSN=A1\r\nFILENAME=/etc/x\r\nCMD=GetFile\r\nReturn=5\r\nContent=a\0b\r\nc\r\n";
    r = parse(getfile, sizeof(getfile) - 1);
    if (!r)
        return;
    CHECK_EQ_INT(r->count, 1);
    CHECK_EQ_INT(r->results[0].ret, 5);
    CHECK_EQ_INT(r->results[0].content_len, 6);
    CHECK(r->results[0].content && memcmp(r->results[0].content, "a\0b\r\nc", 6) == 0);
    zkbio_push_cmd_results_free(r);
}

static void test_malformed(void)
{
    zkbio_push_cmd_results *r = P("Return=0&CMD=DATA\n"        /* no ID */
                                  "ID=&Return=0&CMD=DATA\n"    /* empty ID */
                                  "ID=5&Return=abc&CMD=DATA\n" /* non-integer Return */
                                  "ID=6&CMD=DATA\n"            /* no Return */
                                  "ID=7&Return=99999999999\n"  /* out of int32 */
                                  "ID=8\n"                     /* bare ID, no Return */
                                  "ID=9&Return=+3&CMD=PutFile\n");
    if (!r)
        return;
    CHECK_EQ_INT(r->count, 1);
    CHECK_EQ_INT(r->n_malformed, 6);
    CHECK_EQ_INT(r->results[0].ret, 3);
    CHECK_STR(r->results[0].cmd, "PutFile");
    zkbio_push_cmd_results_free(r);
    /* `ID=` alone with no `&`, then key lines */
    r = P("ID=12\nReturn=-1\n");
    if (r) {
        CHECK_EQ_INT(r->count, 1);
        CHECK_EQ_INT(r->results[0].ret, -1);
        CHECK_STR(r->results[0].cmd, "");
        zkbio_push_cmd_results_free(r);
    }
    r = P("");
    if (r) {
        CHECK_EQ_INT(r->count, 0);
        zkbio_push_cmd_results_free(r);
    }
    const char garbage[] = "\x00\xff\x01&&&===\n\n\nID\nid=3&return=1&cmd=x";
    r = parse(garbage, sizeof(garbage) - 1);
    if (r) {
        CHECK_EQ_INT(r->count, 1); /* keys are case-insensitive */
        CHECK_EQ_INT(r->n_malformed, 2);
        zkbio_push_cmd_results_free(r);
    }
    CHECK_EQ_INT(zkbio_push_devicecmd_parse(NULL, 1, &r), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_devicecmd_parse("", 0, NULL), ZKBIO_EINVAL);
    zkbio_push_cmd_results_free(NULL);
}

static void test_format(void)
{
    char buf[64];
    size_t len = 0;
    CHECK_EQ_INT(zkbio_push_cmd_result_format("41", 0, "DATA", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "ID=41&Return=0&CMD=DATA");
    CHECK_EQ_INT(len, 23);
    CHECK_EQ_INT(zkbio_push_cmd_result_format("x", -1002, NULL, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "ID=x&Return=-1002&CMD=");
    CHECK_EQ_INT(zkbio_push_cmd_result_format("4\n1", 0, "DA\tTA", buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "ID=41&Return=0&CMD=DATA");
    CHECK_EQ_INT(zkbio_push_cmd_result_format("41", 0, "DATA", buf, 10, &len), ZKBIO_ENOSPC);
    CHECK_EQ_INT(len, 23);
    CHECK_STR(buf, "ID=41&Ret");
    CHECK_EQ_INT(zkbio_push_cmd_result_format("", 0, "DATA", buf, sizeof(buf), &len), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_result_format("a&b", 0, "DATA", buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_result_format(NULL, 0, "DATA", buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    /* round trip through the parser */
    CHECK_EQ_INT(zkbio_push_cmd_result_format("abc123", -12, "ENROLL_FP", buf, sizeof(buf), &len),
                 ZKBIO_OK);
    zkbio_push_cmd_results *r = parse(buf, len);
    if (r) {
        CHECK_EQ_INT(r->count, 1);
        CHECK_STR(r->results[0].id, "abc123");
        CHECK_EQ_INT(r->results[0].ret, -12);
        CHECK_STR(r->results[0].cmd, "ENROLL_FP");
        zkbio_push_cmd_results_free(r);
    }
}

int main(void)
{
    test_batched();
    test_info_and_shell();
    test_malformed();
    test_format();
    return TEST_DONE();
}
