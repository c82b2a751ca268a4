/* SPDX-License-Identifier: Apache-2.0 */
/* Query strings, SN/CmdID rules, the handshake request and reply, language charsets, INFO (push.md
 * §2, §4.1). */
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/push.h"

#define Q(s) (s), strlen(s)

static void test_query_get(void)
{
    char v[32];
    CHECK_EQ_INT(zkbio_push_query_get(Q("SN=A1&options=all&pushver=2.4.1"), "sn", v, sizeof(v)),
                 ZKBIO_OK);
    CHECK_STR(v, "A1");
    CHECK_EQ_INT(zkbio_push_query_get(Q("SN=A1&INFO=Ver%206.60,12+x"), "INFO", v, sizeof(v)),
                 ZKBIO_OK);
    CHECK_STR(v, "Ver 6.60,12 x");
    CHECK_EQ_INT(zkbio_push_query_get(Q("?a=1&b=2"), "a", v, sizeof(v)), ZKBIO_OK);
    CHECK_STR(v, "1");
    /* first '=' only; first occurrence wins; missing key; flag without '=' */
    CHECK_EQ_INT(zkbio_push_query_get(Q("k=a=b&k=c"), "K", v, sizeof(v)), ZKBIO_OK);
    CHECK_STR(v, "a=b");
    CHECK_EQ_INT(zkbio_push_query_get(Q("a=1"), "b", v, sizeof(v)), ZKBIO_ENOENT);
    CHECK_EQ_INT(zkbio_push_query_get(Q("flag&a=1"), "flag", v, sizeof(v)), ZKBIO_OK);
    CHECK_STR(v, "");
    /* prefix of a key is not the key */
    CHECK_EQ_INT(zkbio_push_query_get(Q("SNX=1"), "SN", v, sizeof(v)), ZKBIO_ENOENT);
    /* bad escapes stay literal; %00 ends the value */
    CHECK_EQ_INT(zkbio_push_query_get(Q("a=%zz%4"), "a", v, sizeof(v)), ZKBIO_OK);
    CHECK_STR(v, "%zz%4");
    CHECK_EQ_INT(zkbio_push_query_get(Q("a=ab%00cd"), "a", v, sizeof(v)), ZKBIO_OK);
    CHECK_STR(v, "ab");
    /* ENOSPC keeps a truncated copy */
    char small[4];
    CHECK_EQ_INT(zkbio_push_query_get(Q("a=123456"), "a", small, sizeof(small)), ZKBIO_ENOSPC);
    CHECK_STR(small, "123");
    CHECK_EQ_INT(zkbio_push_query_get(Q("a=123"), "a", small, sizeof(small)), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_push_query_get(Q("a=1"), "a", v, 0), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_query_get(Q("a=1"), NULL, v, sizeof(v)), ZKBIO_EINVAL);
    /* not NUL-terminated input: only query_len bytes are read */
    const char raw[] = {'a', '=', '1', '2', '3'};
    CHECK_EQ_INT(zkbio_push_query_get(raw, 4, "a", v, sizeof(v)), ZKBIO_OK);
    CHECK_STR(v, "12");
    CHECK_EQ_INT(zkbio_push_query_get(NULL, 0, "a", v, sizeof(v)), ZKBIO_ENOENT);
}

static void test_sn_cmdid(void)
{
    CHECK(zkbio_push_sn_valid("0316144680030"));
    CHECK(zkbio_push_sn_valid("A_b-9"));
    CHECK(!zkbio_push_sn_valid(""));
    CHECK(!zkbio_push_sn_valid(NULL));
    CHECK(!zkbio_push_sn_valid("AB CD"));
    CHECK(!zkbio_push_sn_valid("AB/../x"));
    char sn[64];
    memset(sn, 'A', 40);
    sn[40] = '\0';
    CHECK(zkbio_push_sn_valid(sn));
    sn[40] = 'A';
    sn[41] = '\0';
    CHECK(!zkbio_push_sn_valid(sn));

    CHECK(zkbio_push_cmdid_valid("info8487"));
    CHECK(zkbio_push_cmdid_valid("1234567890abcdef"));
    CHECK(!zkbio_push_cmdid_valid("1234567890abcdef0"));
    CHECK(!zkbio_push_cmdid_valid("a:b"));
    CHECK(!zkbio_push_cmdid_valid(""));
    CHECK(!zkbio_push_cmdid_valid(NULL));
}

static void test_handshake(void)
{
    zkbio_push_handshake h;
    zkbio_error_info err;
    const char *q = "SN=0316144680030&options=all&pushver=2.2.14&language=83&pushcommkey=4a9594af";
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q(q), &h, &err), ZKBIO_OK);
    CHECK_STR(h.sn, "0316144680030");
    CHECK_STR(h.pushver, "2.2.14");
    CHECK_EQ_INT(h.language, 83);
    CHECK_STR(h.pushcommkey, "4a9594af");
    CHECK_STR(h.device_type, "");
    CHECK_EQ_INT(h.push_options_flag, 0);
    CHECK_EQ_INT(h.generation, 2);
    CHECK_STR(zkbio_push_language_charset(h.language), "GB18030");

    /* defaults: no pushver, no language; options=all not required */
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("SN=A1"), &h, NULL), ZKBIO_OK);
    CHECK_STR(h.pushver, "2.2.14");
    CHECK_EQ_INT(h.language, -1);
    CHECK_EQ_INT(h.generation, 2);

    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("SN=A1&pushver=3.1.2&options=all"), &h, NULL),
                 ZKBIO_OK);
    CHECK_EQ_INT(h.generation, 3);
    CHECK_EQ_INT(zkbio_push_handshake_parse(
                     Q("SN=A1&pushver=2.4.1&DeviceType=acc&PushOptionsFlag=1"), &h, NULL),
                 ZKBIO_OK);
    CHECK_EQ_INT(h.generation, 3);
    CHECK_EQ_INT(h.push_options_flag, 1);
    CHECK_STR(h.device_type, "acc");
    /* DeviceType=att with 2.4.x is Attendance PUSH even on access products */
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("SN=A1&pushver=2.4.1&DeviceType=att"), &h, NULL),
                 ZKBIO_OK);
    CHECK_EQ_INT(h.generation, 2);
    /* a non-numeric language is absent */
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("SN=A1&language=zh"), &h, NULL), ZKBIO_OK);
    CHECK_EQ_INT(h.language, -1);

    /* failures leave *out unchanged */
    memset(&h, 0x5a, sizeof(h));
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("options=all"), &h, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.code, ZKBIO_EPROTO);
    CHECK(strlen(err.text) > 0);
    CHECK_EQ_INT((unsigned char)h.sn[0], 0x5a);
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("SN="), &h, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("SN=A%20B"), &h, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(
        zkbio_push_handshake_parse(Q("SN=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), &h, &err),
        ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q("SN=A1"), NULL, &err), ZKBIO_EINVAL);
    /* a long pushcommkey is truncated, not an error */
    char big[400];
    strcpy(big, "SN=A1&pushcommkey=");
    memset(big + strlen(big), 'k', 200);
    big[18 + 200] = '\0';
    CHECK_EQ_INT(zkbio_push_handshake_parse(Q(big), &h, NULL), ZKBIO_OK);
    CHECK_EQ_INT(strlen(h.pushcommkey), sizeof(h.pushcommkey) - 1);
}

static void test_reply(void)
{
    zkbio_push_server_options o;
    zkbio_push_server_options_init(&o);
    CHECK_EQ_INT(o.delay_s, 10);
    CHECK_EQ_INT(o.error_delay_s, 30);
    CHECK_EQ_INT(o.realtime, 1);
    CHECK(o.attlog_stamp == NULL);
    o.operlog_stamp = "9999";
    o.timezone_min = 8 * 60;
    char buf[1024];
    size_t len = 0;
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "0316144680030", buf, sizeof(buf), &len),
                 ZKBIO_OK);
    const char *expect =
        "GET OPTION FROM: 0316144680030\n"
        "ATTLOGStamp=None\n"
        "OPERLOGStamp=9999\n"
        "ATTPHOTOStamp=None\n"
        "BIODATAStamp=None\n"
        "Stamp=None\n"
        "OpStamp=9999\n"
        "PhotoStamp=None\n"
        "ErrorDelay=30\n"
        "Delay=10\n"
        "TransTimes=00:00;14:05\n"
        "TransInterval=1\n"
        "TransFlag=TransData AttLog\tOpLog\tAttPhoto\tEnrollUser\tChgUser\tEnrollFP\tChgFP\t"
        "FACE\tUserPic\tBioPhoto\tFVEIN\n"
        "TimeZone=8\n"
        "Realtime=1\n"
        "Encrypt=0\n"
        "PushProtVer=2.4.1";
    CHECK_STR(buf, expect);
    CHECK_EQ_INT(len, strlen(expect));

    /* minutes for a zone that is not whole hours; clamps; a space-separated TransFlag; injection
     * stripped */
    o.timezone_min = 330;
    o.delay_s = 0;
    o.error_delay_s = 5000;
    o.trans_flag = "AttLog OpLog,EnrollUser";
    o.attlog_stamp = "12\n34";
    o.server_ver = "2.4.1 2024";
    o.push_options_flag = 1;
    o.push_options = "FingerFunOn,FaceFunOn";
    o.multi_bio_data_support = "0:1:1:0:0:0:0:1:0:1";
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK(strstr(buf, "\nTimeZone=330\n") != NULL);
    CHECK(strstr(buf, "\nDelay=1\n") != NULL);
    CHECK(strstr(buf, "\nErrorDelay=3600\n") != NULL);
    o.timezone_min = 780; /* +13:00 (Tonga): not a valid hours value, so minutes */
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK(strstr(buf, "\nTimeZone=780\n") != NULL);
    o.timezone_min = -300; /* -05:00 */
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK(strstr(buf, "\nTimeZone=-5\n") != NULL);
    o.timezone_min = 330;
    CHECK(strstr(buf, "\nTransFlag=TransData AttLog\tOpLog\tEnrollUser\n") != NULL);
    CHECK(strstr(buf, "\nATTLOGStamp=1234\n") != NULL);
    CHECK(strstr(buf, "\nServerVer=2.4.1 2024\n") != NULL);
    CHECK(strstr(buf, "\nPushOptionsFlag=1\nPushOptions=FingerFunOn,FaceFunOn\n") != NULL);
    CHECK(strstr(buf, "\nMultiBioDataSupport=0:1:1:0:0:0:0:1:0:1") != NULL);
    o.trans_flag = "1111000000";
    o.timezone_min = -180;
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK(strstr(buf, "\nTransFlag=1111000000\n") != NULL);
    CHECK(strstr(buf, "\nTimeZone=-3\n") != NULL);

    /* ENOSPC gives the needed length and a terminated prefix */
    char small[16];
    size_t need = 0;
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", small, sizeof(small), &need),
                 ZKBIO_ENOSPC);
    CHECK_EQ_INT(need, len);
    CHECK_EQ_INT(strlen(small), sizeof(small) - 1);
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, len, &need), ZKBIO_ENOSPC);
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, len + 1, &need), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A 1", buf, sizeof(buf), &need),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(NULL, "A1", buf, sizeof(buf), &need),
                 ZKBIO_EINVAL);
}

static void test_charset_info(void)
{
    CHECK_STR(zkbio_push_language_charset(83), "GB18030");
    CHECK_STR(zkbio_push_language_charset(84), "BIG5");
    CHECK_STR(zkbio_push_language_charset(69), "UTF-8");
    CHECK_STR(zkbio_push_language_charset(-1), "UTF-8");

    zkbio_push_info in;
    const char *s = "Ver 2.0.12-20150625,0,0,0,192.168.16.27,10,7,15,0,111";
    CHECK_EQ_INT(zkbio_push_info_parse(Q(s), &in), ZKBIO_OK);
    CHECK_STR(in.firmware, "Ver 2.0.12-20150625");
    CHECK_EQ_INT(in.user_count, 0);
    CHECK_STR(in.ip, "192.168.16.27");
    CHECK_EQ_INT(in.fp_alg_ver, 10);
    CHECK_EQ_INT(in.face_alg_ver, 7);
    CHECK_EQ_INT(in.faces_needed, 15);
    CHECK_EQ_INT(in.face_count, 0);
    CHECK_STR(in.function_bits, "111");
    /* newer firmware: extra fields tolerated */
    s = "ZAM70-NF24HA-Ver3.3.12,27,73,283,192.168.1.201,13,40,12,3,11110,0,25,0";
    CHECK_EQ_INT(zkbio_push_info_parse(Q(s), &in), ZKBIO_OK);
    CHECK_EQ_INT(in.user_count, 27);
    CHECK_EQ_INT(in.fp_count, 73);
    CHECK_EQ_INT(in.att_count, 283);
    CHECK_STR(in.function_bits, "11110");
    /* missing and garbage fields */
    s = "Ver 6.60,12,,x";
    CHECK_EQ_INT(zkbio_push_info_parse(Q(s), &in), ZKBIO_OK);
    CHECK_STR(in.firmware, "Ver 6.60");
    CHECK_EQ_INT(in.user_count, 12);
    CHECK_EQ_INT(in.fp_count, -1);
    CHECK_EQ_INT(in.att_count, -1);
    CHECK_STR(in.ip, "");
    CHECK_EQ_INT(in.face_count, -1);
    CHECK_STR(in.function_bits, "");
    s = "fw,99999999999999999999";
    CHECK_EQ_INT(zkbio_push_info_parse(Q(s), &in), ZKBIO_OK);
    CHECK_EQ_INT(in.user_count, -1);
    CHECK_EQ_INT(zkbio_push_info_parse(NULL, 0, &in), ZKBIO_OK);
    CHECK_STR(in.firmware, "");
    CHECK_EQ_INT(zkbio_push_info_parse(Q(s), NULL), ZKBIO_EINVAL);
    /* an overlong firmware string is truncated */
    char big[300];
    memset(big, 'F', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_EQ_INT(zkbio_push_info_parse(Q(big), &in), ZKBIO_OK);
    CHECK_EQ_INT(strlen(in.firmware), sizeof(in.firmware) - 1);
}

/* The server options carry their size: 0 (never set) or a size below 0.3's is refused; a newer
 * caller's larger struct has its known fields read; reset fills only what the size covers. */
static void test_reply_sizes(void)
{
    zkbio_push_server_options o;
    zkbio_push_server_options_init(&o);
    CHECK_EQ_INT(o.size, sizeof(o));
    char buf[1024], ref[1024];
    size_t len = 0, rlen = 0;
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", ref, sizeof(ref), &rlen), ZKBIO_OK);
    o.size = 0;
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, sizeof(buf), &len), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_server_options_reset(&o), ZKBIO_EINVAL);
    o.size = 8;
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&o, "A1", buf, sizeof(buf), &len), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_server_options_reset(NULL), ZKBIO_EINVAL);
    zkbio_push_server_options_init(NULL); /* accepted, does nothing */

    struct {
        zkbio_push_server_options o;
        unsigned char newer[16]; /* fields of a later version, unknown here */
    } big;
    memset(&big, 0xA5, sizeof(big));
    big.o.size = (uint32_t)sizeof(big);
    CHECK_EQ_INT(zkbio_push_server_options_reset(&big.o), ZKBIO_OK);
    CHECK_EQ_INT(big.o.size, sizeof(big));
    CHECK(big.o.delay_s == 10 && big.o.realtime == 1 && big.o.attlog_stamp == NULL);
    CHECK(big.newer[0] == 0xA5 && big.newer[15] == 0xA5); /* past the known fields: untouched */
    CHECK_EQ_INT(zkbio_push_handshake_reply_build(&big.o, "A1", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK(len == rlen && memcmp(buf, ref, len) == 0);
}

int main(void)
{
    test_query_get();
    test_sn_cmdid();
    test_handshake();
    test_reply();
    test_reply_sizes();
    test_charset_info();
    return TEST_DONE();
}
