/* SPDX-License-Identifier: Apache-2.0 */
/* Upload bodies (push.md §3): ATTLOG, OPERLOG and friends, options, ATTPHOTO; malformed input. */
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/push.h"
#include "zkbio/template.h"

static zkbio_push_batch *parse(zkbio_push_table t, const char *body, size_t len, const char *cs)
{
    zkbio_push_batch *b = NULL;
    int rc = zkbio_push_upload_parse(t, body, len, cs, 0, &b);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    return b;
}

#define P(t, s) parse((t), (s), strlen(s), NULL)

static void test_attlog(void)
{
    const char *body = "1452\t2015-07-30 15:16:28\t0\t1\t0\t0\t0\n"
                       "7\t2025-01-02 08:59:58\t0\t1\t0\t0\t0\r\n"
                       "\n"
                       "2\t2022-07-12 16:00:20\t1\t15\t\t0\t0\t\t\t43\n"
                       "9\t2024-2-29 8:05:09\t255\t200\tWC1\t0\t0\t9\n"
                       "10\t2024-03-01\t08:00:00\t0\t1\n"
                       "11\t2024-03-01 08:00:00\n";
    zkbio_push_batch *b = P(ZKBIO_PUSH_TABLE_ATTLOG, body);
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_EQ_INT(b->count, 6);
    CHECK_EQ_INT(b->n_malformed, 0);
    const zkbio_push_attlog *a = &b->records[0].u.attlog;
    CHECK_EQ_INT(b->records[0].type, ZKBIO_PUSH_REC_ATTLOG);
    CHECK_STR(b->records[0].tag, "ATTLOG");
    CHECK_EQ_INT(b->records[0].line, 1);
    CHECK_STR(a->pin, "1452");
    CHECK_STR(a->time, "2015-07-30 15:16:28");
    CHECK_EQ_INT(a->status, 0);
    CHECK_EQ_INT(a->verify, 1);
    CHECK_STR(a->workcode, "0");
    CHECK_EQ_INT(a->n_extra, 0);
    CHECK_STR(b->records[1].u.attlog.pin, "7");
    CHECK_STR(b->records[1].u.attlog.workcode, "0");
    /* MB560-VL long line: empty workcode, 3 extras */
    a = &b->records[2].u.attlog;
    CHECK_EQ_INT(b->records[2].line, 4);
    CHECK_STR(a->pin, "2");
    CHECK_EQ_INT(a->status, 1);
    CHECK_EQ_INT(a->verify, 15);
    CHECK_STR(a->workcode, "");
    CHECK_EQ_INT(a->n_extra, 3);
    if (a->n_extra == 3) {
        CHECK_STR(a->extra[0], "");
        CHECK_STR(a->extra[1], "");
        CHECK_STR(a->extra[2], "43");
    }
    /* normalised time, status 255, workcode text, one extra */
    a = &b->records[3].u.attlog;
    CHECK_STR(a->time, "2024-02-29 08:05:09");
    CHECK_EQ_INT(a->status, 255);
    CHECK_EQ_INT(a->verify, 200);
    CHECK_STR(a->workcode, "WC1");
    CHECK_EQ_INT(a->n_extra, 1);
    /* HT between date and time */
    a = &b->records[4].u.attlog;
    CHECK_STR(a->time, "2024-03-01 08:00:00");
    CHECK_EQ_INT(a->status, 0);
    CHECK_EQ_INT(a->verify, 1);
    /* only PIN and time */
    a = &b->records[5].u.attlog;
    CHECK_EQ_INT(a->status, -1);
    CHECK_EQ_INT(a->verify, -1);
    CHECK_STR(a->workcode, "");
    zkbio_push_batch_free(b);
}

static void test_attlog_malformed(void)
{
    const char *body = "\t2015-07-30 15:16:28\t0\t1\n"            /* 1 no PIN */
                       "5\t2015-13-30 15:16:28\t0\t1\n"           /* 2 month 13 */
                       "5\t2015-02-30 15:16:28\t0\t1\n"           /* 3 Feb 30 */
                       "5\t2015-07-30 24:00:00\t0\t1\n"           /* 4 hour 24 */
                       "5\t2015-07-30\n"                          /* 5 truncated */
                       "5\n"                                      /* 6 no time */
                       "5\t2015-07-30 15:16:28\t99999999999\t1\n" /* 7 status out of range */
                       "5\t2015-07-30 15:16:28\tx\t1\n"           /* 8 status not a number */
                       "1234567890123456789012345\t2015-07-30 15:16:28\n" /* 9 PIN too long */
                       "6\t2015-07-30 15:16:28\t1\t1\n";                  /* 10 ok */
    zkbio_push_batch *b = P(ZKBIO_PUSH_TABLE_ATTLOG, body);
    if (!b)
        return;
    CHECK_EQ_INT(b->count, 1);
    CHECK_EQ_INT(b->n_malformed, 9);
    for (unsigned i = 0; i < 9; i++)
        CHECK_EQ_INT(b->malformed_lines[i], i + 1);
    CHECK_EQ_INT(b->records[0].line, 10);
    zkbio_push_batch_free(b);

    /* embedded NULs end a field; binary garbage */
    const char nul[] =
        "8\t2015-07-30 15:16:28\t0\t1\0junk\n\x01\xff\xfe\x80garbage\t\x00\n9\t2015-07-30 "
        "1\0:16:28\n";
    b = parse(ZKBIO_PUSH_TABLE_ATTLOG, nul, sizeof(nul) - 1, NULL);
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        CHECK_EQ_INT(b->n_malformed, 2);
        CHECK_EQ_INT(b->records[0].u.attlog.verify, 1);
        zkbio_push_batch_free(b);
    }

    /* 10,000 empty lines are not malformed */
    size_t n = 10000 * 2 + 64;
    char *big = malloc(n);
    size_t o = 0;
    for (int i = 0; i < 10000; i++) {
        big[o++] = '\r';
        big[o++] = '\n';
    }
    memcpy(big + o, "3\t2020-01-01 00:00:00\t0\t1", 25);
    o += 25;
    b = parse(ZKBIO_PUSH_TABLE_ATTLOG, big, o, NULL);
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        CHECK_EQ_INT(b->n_malformed, 0);
        CHECK_EQ_INT(b->records[0].line, 10001);
        zkbio_push_batch_free(b);
    }
    free(big);

    /* a line of 1 MB: malformed (PIN too long), then a good line */
    n = (1u << 20) + 64;
    big = malloc(n);
    memset(big, '7', 1u << 20);
    o = 1u << 20;
    memcpy(big + o, "\n4\t2020-01-01 00:00:00", 22);
    o += 22;
    b = parse(ZKBIO_PUSH_TABLE_ATTLOG, big, o, NULL);
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        CHECK_EQ_INT(b->n_malformed, 1);
        zkbio_push_batch_free(b);
    }
    /* a 1 MB workcode with tabs: 100k extras */
    for (size_t i = 0; i < (1u << 20); i++)
        big[i] = (i % 10 == 9) ? '\t' : 'x';
    memcpy(big, "4\t2020-01-01 00:00:00\t0\t1\t", 26);
    b = parse(ZKBIO_PUSH_TABLE_ATTLOG, big, 1u << 20, NULL);
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        CHECK(b->records[0].u.attlog.n_extra > 100000);
        zkbio_push_batch_free(b);
    }
    free(big);

    /* more than 16 malformed lines: count exact, first 16 remembered */
    char many[40 * 30];
    o = 0;
    for (int i = 0; i < 30; i++)
        o += (size_t)snprintf(many + o, sizeof(many) - o, "bad%d\n", i);
    b = parse(ZKBIO_PUSH_TABLE_ATTLOG, many, o, NULL);
    if (b) {
        CHECK_EQ_INT(b->n_malformed, 30);
        CHECK_EQ_INT(b->malformed_lines[15], 16);
        zkbio_push_batch_free(b);
    }

    /* max_records */
    zkbio_push_batch *bb = (zkbio_push_batch *)1;
    const char *three = "1\t2020-01-01 00:00:00\n2\t2020-01-01 00:00:00\n3\t2020-01-01 00:00:00\n";
    CHECK_EQ_INT(
        zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, three, strlen(three), NULL, 2, &bb),
        ZKBIO_ETOOBIG);
    CHECK(bb == NULL);
    CHECK_EQ_INT(
        zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, three, strlen(three), NULL, 3, &bb),
        ZKBIO_OK);
    zkbio_push_batch_free(bb);
    /* argument errors */
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_OPTIONS, "a=1", 3, NULL, 0, &bb),
                 ZKBIO_ENOTSUP);
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTPHOTO, "a=1", 3, NULL, 0, &bb),
                 ZKBIO_ENOTSUP);
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_UNKNOWN, "a=1", 3, NULL, 0, &bb),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_upload_parse((zkbio_push_table)77, "a=1", 3, NULL, 0, &bb),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, NULL, 3, NULL, 0, &bb),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, "", 0, NULL, 0, NULL),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(
        zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, "", 0, "NO-SUCH-CHARSET-X", 0, &bb),
        ZKBIO_EENCODING);
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, NULL, 0, NULL, 0, &bb), ZKBIO_OK);
    CHECK_EQ_INT(bb->count, 0);
    zkbio_push_batch_free(bb);
    zkbio_push_batch_free(NULL);
}

static void test_operlog(void)
{
    const char *body =
        "OPLOG 4\t14\t2015-07-30 10:22:34\t0\t0\t0\t0\n"
        "USER "
        "PIN=7\tName=Ann\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000100000000\tVerify=-1\tViceCard=\n"
        "FP PIN=7\tFID=6\tSize=12\tValid=1\tTMP=SghTUzIxAA==\n"
        "FACE PIN=7\tFID=0\tSIZE=8\tVALID=1\tTMP=QUJDRA==\n"
        "FVEIN Pin=7\tFID=3\tIndex=2\tSize=4\tValid=1\tTmp=QQ==\n"
        "BIODATA "
        "Pin=7\tNo=0\tIndex=1\tValid=1\tDuress=0\tType=9\tMajorVer=5\tMinorVer=8\tFormat=0\tTmp="
        "eHl6\n"
        "USERPIC PIN=7\tFileName=7.jpg\tSize=4\tContent=/9j/\n"
        "BIOPHOTO PIN=7\tNo=0\tIndex=0\tFileName=9_7.jpg\tType=9\tSize=4\tContent=/9j/\n"
        "WORKCODE PIN=1\tCODE=12\tNAME=Site A\n"
        "USER\tPIN=8\tPrivilege=14\tName=Bob\tStartDatetime=0\tEndDatetime=0\n"
        "ERRORLOG ErrCode=D01E0001\tErrMsg=face detect "
        "failed\tDataOrigin=dev\tCmdId=12\tAdditional=e30=\n";
    zkbio_push_batch *b = P(ZKBIO_PUSH_TABLE_OPERLOG, body);
    if (!b)
        return;
    CHECK_EQ_INT(b->count, 11);
    CHECK_EQ_INT(b->n_malformed, 0);
    if (b->count != 11) {
        zkbio_push_batch_free(b);
        return;
    }
    const zkbio_push_record *r = b->records;
    CHECK_EQ_INT(r[0].type, ZKBIO_PUSH_REC_OPLOG);
    CHECK_EQ_INT(r[0].u.oplog.op_type, 4);
    CHECK_STR(r[0].u.oplog.admin, "14");
    CHECK_STR(r[0].u.oplog.time, "2015-07-30 10:22:34");
    CHECK_EQ_INT(r[0].u.oplog.v1, 0);

    CHECK_EQ_INT(r[1].type, ZKBIO_PUSH_REC_USER);
    CHECK_STR(r[1].tag, "USER");
    CHECK_STR(r[1].u.user.pin, "7");
    CHECK_STR(r[1].u.user.name, "Ann");
    CHECK_EQ_INT(r[1].u.user.privilege, 0);
    CHECK_STR(r[1].u.user.password, "");
    CHECK_STR(r[1].u.user.group, "1");
    CHECK_STR(r[1].u.user.tz, "0000000100000000");
    CHECK_EQ_INT(r[1].u.user.verify, -1);
    CHECK_STR(r[1].u.user.start_datetime, "");

    CHECK_EQ_INT(r[2].type, ZKBIO_PUSH_REC_FP);
    CHECK_STR(r[2].u.tmpl.tmp, "SghTUzIxAA=="); /* base64 padding survives */
    CHECK_EQ_INT(r[2].u.tmpl.no, 6);
    CHECK_EQ_INT(r[2].u.tmpl.index, 0);
    CHECK_EQ_INT(r[2].u.tmpl.type, 1);
    CHECK_EQ_INT(r[2].u.tmpl.size, 12);
    CHECK_EQ_INT(r[2].u.tmpl.valid, 1);
    CHECK_EQ_INT(r[2].u.tmpl.duress, -1);

    CHECK_EQ_INT(r[3].type, ZKBIO_PUSH_REC_FACE);
    CHECK_EQ_INT(r[3].u.tmpl.type, 2);
    CHECK_EQ_INT(r[3].u.tmpl.size, 8);
    CHECK_EQ_INT(r[3].u.tmpl.valid, 1);
    CHECK_STR(r[3].u.tmpl.tmp, "QUJDRA==");

    CHECK_EQ_INT(r[4].type, ZKBIO_PUSH_REC_FVEIN);
    CHECK_EQ_INT(r[4].u.tmpl.type, 7);
    CHECK_EQ_INT(r[4].u.tmpl.no, 3);
    CHECK_EQ_INT(r[4].u.tmpl.index, 2);
    CHECK_STR(r[4].u.tmpl.tmp, "QQ==");

    CHECK_EQ_INT(r[5].type, ZKBIO_PUSH_REC_BIODATA);
    CHECK_EQ_INT(r[5].u.tmpl.type, 9);
    CHECK_EQ_INT(r[5].u.tmpl.index, 1);
    CHECK_EQ_INT(r[5].u.tmpl.major_ver, 5);
    CHECK_EQ_INT(r[5].u.tmpl.minor_ver, 8);
    CHECK_EQ_INT(r[5].u.tmpl.format, 0);
    CHECK_EQ_INT(r[5].u.tmpl.size, -1);

    CHECK_EQ_INT(r[6].type, ZKBIO_PUSH_REC_USERPIC);
    CHECK_STR(r[6].u.photo.file_name, "7.jpg");
    CHECK_EQ_INT(r[6].u.photo.type, -1);
    CHECK_STR(r[6].u.photo.content, "/9j/");
    CHECK_EQ_INT(r[7].type, ZKBIO_PUSH_REC_BIOPHOTO);
    CHECK_EQ_INT(r[7].u.photo.type, 9);
    CHECK_EQ_INT(r[7].u.photo.size, 4);

    CHECK_EQ_INT(r[8].type, ZKBIO_PUSH_REC_OTHER);
    CHECK_STR(r[8].tag, "WORKCODE");

    CHECK_EQ_INT(r[9].type, ZKBIO_PUSH_REC_USER);
    CHECK_EQ_INT(r[9].u.user.privilege, 14);
    CHECK_STR(r[9].u.user.name, "Bob");
    CHECK_STR(r[9].u.user.start_datetime, "0");

    CHECK_EQ_INT(r[10].type, ZKBIO_PUSH_REC_ERRORLOG);
    CHECK_STR(r[10].u.errorlog.err_code, "D01E0001");
    CHECK_STR(r[10].u.errorlog.err_msg, "face detect failed");
    CHECK_STR(r[10].u.errorlog.data_origin, "dev");
    CHECK_STR(r[10].u.errorlog.cmd_id, "12");
    CHECK_STR(r[10].u.errorlog.additional, "e30=");
    zkbio_push_batch_free(b);
}

static void test_operlog_malformed(void)
{
    const char *body =
        "USER Name=NoPin\n"                                        /* 1 no PIN */
        "FP PIN=1\tFID=1\tTMP=\n"                                  /* 2 empty TMP */
        "FP PIN=1\tFID=1\n"                                        /* 3 no TMP */
        "BIODATA Pin=1\tType=99999999999\tTmp=x\n"                 /* 4 overflow */
        "OPLOG 4\t14\n"                                            /* 5 truncated */
        "OPLOG x\t14\t2015-07-30 10:22:34\n"                       /* 6 op type */
        "OPLOG 4\t14\t2015-07-30 10:22:34\t99999999999999999999\n" /* 7 v1 overflow */
        "%%% PIN=1\n"                                              /* 8 bad tag */
        "WORKCODE\n"                                               /* 9 tag alone */
        "PIN=1\tName=untagged\n"                                   /* 10 untagged in OPERLOG */
        "ERRORLOG ErrMsg=x\n"                                      /* 11 no ErrCode */
        "USERPIC PIN=1\tFileName=1.jpg\n"                          /* 12 no content */
        "USER PIN=1\tPri=abc\n"                                    /* 13 bad Pri */
        "USER PIN=\xe9\xe9\tName=x\n"                              /* 14 PIN not ASCII */
        "user pin=2\tname=lower\n"; /* 15 ok: tags and keys any case */
    zkbio_push_batch *b = P(ZKBIO_PUSH_TABLE_OPERLOG, body);
    if (!b)
        return;
    CHECK_EQ_INT(b->n_malformed, 14);
    CHECK_EQ_INT(b->count, 1);
    if (b->count == 1) {
        CHECK_STR(b->records[0].tag, "user");
        CHECK_STR(b->records[0].u.user.name, "lower");
        CHECK_EQ_INT(b->records[0].line, 15);
    }
    zkbio_push_batch_free(b);
}

/* Fingerprint rows from a SpeedFace (ZK templates, MajorVer=10, Format=0) carry base64 without
 * its '=' padding: 17 rows, 2 of them unpadded (one 4n+2, one 4n+3 characters long), are all
 * records, each with its text exactly as sent. Text that is not base64 stays malformed. */
static void test_biodata_unpadded(void)
{
    enum { ROWS = 17 };
    char tmps[ROWS][96];
    char body[ROWS * 200];
    size_t o = 0;
    for (int i = 0; i < ROWS; i++) {
        uint8_t raw[64];
        size_t n = 40 + (size_t)i; /* 40 + i bytes: 44 end in "=", 46 in "==" */
        for (size_t k = 0; k < n; k++)
            raw[k] = (uint8_t)(i * 31 + (int)k * 7);
        size_t len = 0;
        CHECK_EQ_INT(zkbio_base64_encode(raw, n, tmps[i], sizeof(tmps[i]), &len), ZKBIO_OK);
        if (i == 4 || i == 6) { /* the two unpadded rows */
            while (len > 0 && tmps[i][len - 1] == '=')
                tmps[i][--len] = '\0';
        }
        o += (size_t)snprintf(body + o, sizeof(body) - o,
                              "BIODATA Pin=%d\tNo=%d\tIndex=0\tValid=1\tDuress=0\tType=1\tMajorVer="
                              "10\tMinorVer=0\tFormat=0\tTmp=%s\r\n",
                              1 + i / 10, i % 10, tmps[i]);
    }
    CHECK(strlen(tmps[4]) % 4 == 3 && strlen(tmps[6]) % 4 == 2);
    zkbio_push_batch *b = parse(ZKBIO_PUSH_TABLE_BIODATA, body, o, NULL);
    if (!b)
        return;
    CHECK_EQ_INT(b->n_malformed, 0);
    CHECK_EQ_INT(b->count, ROWS);
    for (size_t i = 0; i < b->count && i < ROWS; i++) {
        CHECK_EQ_INT(b->records[i].type, ZKBIO_PUSH_REC_BIODATA);
        CHECK_STR(b->records[i].u.tmpl.tmp, tmps[i]);
    }
    zkbio_push_batch_free(b);

    const char *bad = "BIODATA Pin=1\tType=1\tTmp=SghTU\n"     /* 1: 4n+1 characters */
                      "BIODATA Pin=1\tType=1\tTmp=Sgh*TUzI\n"  /* 2: '*' */
                      "BIODATA Pin=1\tType=1\tTmp=Sg=hT\n"     /* 3: data after '=' */
                      "BIODATA Pin=1\tType=1\tTmp=S===\n"      /* 4: too much padding */
                      "FP PIN=1\tFID=1\tTMP=QUJD-A==\n"        /* 5: URL-safe alphabet */
                      "BIODATA Pin=1\tType=1\tTmp=SghTUw\n"    /* 6: ok, unpadded */
                      "BIODATA Pin=1\tType=1\tTmp=SghTUw==\n"; /* 7: ok, padded */
    b = P(ZKBIO_PUSH_TABLE_BIODATA, bad);
    if (!b)
        return;
    CHECK_EQ_INT(b->n_malformed, 5);
    CHECK_EQ_INT(b->count, 2);
    if (b->count == 2) {
        CHECK_STR(b->records[0].u.tmpl.tmp, "SghTUw");
        CHECK_STR(b->records[1].u.tmpl.tmp, "SghTUw==");
        CHECK_EQ_INT(b->records[0].line, 6);
    }
    zkbio_push_batch_free(b);
}

/* SpeedFace rows may name the template format ("Format=ZK") instead of numbering it (0 ZK, 1 ISO,
 * 2 ANSI): names are read as their numbers, in any case; an unknown name is malformed. */
static void test_biodata_format_names(void)
{
    const char *body = "BIODATA Pin=1\tNo=0\tType=1\tMajorVer=10\tFormat=ZK\tTmp=SghTUw\n"
                       "BIODATA Pin=1\tNo=1\tType=1\tMajorVer=10\tFormat=iso\tTmp=SghTUw==\n"
                       "BIODATA Pin=1\tNo=2\tType=1\tMajorVer=10\tFormat=ANSI\tTmp=SghTUw\n"
                       "BIODATA Pin=1\tNo=3\tType=1\tMajorVer=10\tFormat=0\tTmp=SghTUw\n"
                       "BIODATA Pin=1\tNo=4\tType=1\tMajorVer=10\tFormat=XYZ\tTmp=SghTUw\n";
    zkbio_push_batch *b = P(ZKBIO_PUSH_TABLE_BIODATA, body);
    if (!b)
        return;
    CHECK_EQ_INT(b->n_malformed, 1);
    CHECK_EQ_INT(b->count, 4);
    if (b->count == 4) {
        CHECK_EQ_INT(b->records[0].u.tmpl.format, 0);
        CHECK_EQ_INT(b->records[1].u.tmpl.format, 1);
        CHECK_EQ_INT(b->records[2].u.tmpl.format, 2);
        CHECK_EQ_INT(b->records[3].u.tmpl.format, 0);
        CHECK_STR(b->records[0].u.tmpl.tmp, "SghTUw");
    }
    zkbio_push_batch_free(b);
}

static void test_other_tables(void)
{
    /* USERINFO answers may come without the USER tag */
    const char *body = "PIN=1\tName=A\tPri=0\nUSER PIN=2\tName=B\n";
    zkbio_push_batch *b = P(ZKBIO_PUSH_TABLE_USERINFO, body);
    if (b) {
        CHECK_EQ_INT(b->count, 2);
        CHECK_EQ_INT(b->records[0].type, ZKBIO_PUSH_REC_USER);
        CHECK_STR(b->records[0].u.user.name, "A");
        CHECK_STR(b->records[1].u.user.pin, "2");
        zkbio_push_batch_free(b);
    }
    body = "BIODATA "
           "Pin=1\tNo=6\tIndex=0\tValid=1\tDuress=0\tType=1\tMajorVer=12\tMinorVer=0\tFormat="
           "0\tTmp=AA==\n"
           "Pin=2\tType=2\tTmp=BB==\n";
    b = P(ZKBIO_PUSH_TABLE_BIODATA, body);
    if (b) {
        CHECK_EQ_INT(b->count, 2);
        CHECK_EQ_INT(b->records[0].u.tmpl.no, 6);
        CHECK_EQ_INT(b->records[0].u.tmpl.major_ver, 12);
        CHECK_EQ_INT(b->records[1].type, ZKBIO_PUSH_REC_BIODATA);
        CHECK_EQ_INT(b->records[1].u.tmpl.type, 2);
        zkbio_push_batch_free(b);
    }
    body = "IDCARD PIN=1\tSNNum=1\tIDNum=2\tName=x\n";
    b = P(ZKBIO_PUSH_TABLE_IDCARD, body);
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        CHECK_EQ_INT(b->records[0].type, ZKBIO_PUSH_REC_OTHER);
        CHECK_STR(b->records[0].tag, "IDCARD");
        zkbio_push_batch_free(b);
    }
    body = "ERRORLOG ErrCode=D01E0006\tErrMsg=x\nErrCode=D01E0002\n";
    b = P(ZKBIO_PUSH_TABLE_ERRORLOG, body);
    if (b) {
        CHECK_EQ_INT(b->count, 2);
        CHECK_STR(b->records[1].u.errorlog.err_code, "D01E0002");
        CHECK_STR(b->records[1].u.errorlog.err_msg, "");
        zkbio_push_batch_free(b);
    }
    CHECK_EQ_INT(zkbio_push_table_from_name("attlog"), ZKBIO_PUSH_TABLE_ATTLOG);
    CHECK_EQ_INT(zkbio_push_table_from_name("OPERLOG"), ZKBIO_PUSH_TABLE_OPERLOG);
    CHECK_EQ_INT(zkbio_push_table_from_name("options"), ZKBIO_PUSH_TABLE_OPTIONS);
    CHECK_EQ_INT(zkbio_push_table_from_name("OPTIONS"), ZKBIO_PUSH_TABLE_OPTIONS);
    CHECK_EQ_INT(zkbio_push_table_from_name("BioData"), ZKBIO_PUSH_TABLE_BIODATA);
    CHECK_EQ_INT(zkbio_push_table_from_name("ATTPHOTO"), ZKBIO_PUSH_TABLE_ATTPHOTO);
    CHECK_EQ_INT(zkbio_push_table_from_name("USERINFO"), ZKBIO_PUSH_TABLE_USERINFO);
    CHECK_EQ_INT(zkbio_push_table_from_name("IDCARD"), ZKBIO_PUSH_TABLE_IDCARD);
    CHECK_EQ_INT(zkbio_push_table_from_name("ERRORLOG"), ZKBIO_PUSH_TABLE_ERRORLOG);
    CHECK_EQ_INT(zkbio_push_table_from_name("rtlog"), ZKBIO_PUSH_TABLE_UNKNOWN);
    CHECK_EQ_INT(zkbio_push_table_from_name("ATTLOGX"), ZKBIO_PUSH_TABLE_UNKNOWN);
    CHECK_EQ_INT(zkbio_push_table_from_name(""), ZKBIO_PUSH_TABLE_UNKNOWN);
    CHECK_EQ_INT(zkbio_push_table_from_name(NULL), ZKBIO_PUSH_TABLE_UNKNOWN);
}

static void test_charset(void)
{
    /* GB2312/GB18030 "张三" = D5 C5 C8 FD → UTF-8 E5 BC A0 E4 B8 89 */
    const char gb[] = "USER PIN=1\tName=\xD5\xC5\xC8\xFD\tPri=0\n";
    zkbio_push_batch *b = parse(ZKBIO_PUSH_TABLE_OPERLOG, gb, sizeof(gb) - 1, "GB18030");
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        CHECK_STR(b->records[0].u.user.name, "\xE5\xBC\xA0\xE4\xB8\x89");
        zkbio_push_batch_free(b);
    }
    b = parse(ZKBIO_PUSH_TABLE_OPERLOG, gb, sizeof(gb) - 1, "GB2312");
    if (b) {
        CHECK_STR(b->records[0].u.user.name, "\xE5\xBC\xA0\xE4\xB8\x89");
        zkbio_push_batch_free(b);
    }
    /* invalid GB18030 bytes become U+FFFD; truncated sequence at the end too */
    const char bad[] = "USER PIN=1\tName=A\xFF"
                       "B\xD5\n";
    b = parse(ZKBIO_PUSH_TABLE_OPERLOG, bad, sizeof(bad) - 1, "GB18030");
    if (b) {
        CHECK_STR(b->records[0].u.user.name, "A\xEF\xBF\xBD"
                                             "B\xEF\xBF\xBD");
        zkbio_push_batch_free(b);
    }
    /* UTF-8 input: valid kept, invalid replaced (also in PIN-less free text such as workcode) */
    const char u8[] = "USER PIN=1\tName=\xE5\xBC\xA0\xC3\x28\xED\xA0\x80\n";
    b = parse(ZKBIO_PUSH_TABLE_OPERLOG, u8, sizeof(u8) - 1, NULL);
    if (b) {
        CHECK_STR(b->records[0].u.user.name,
                  "\xE5\xBC\xA0\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
        zkbio_push_batch_free(b);
    }
    b = parse(ZKBIO_PUSH_TABLE_OPERLOG, u8, sizeof(u8) - 1, "utf8");
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        zkbio_push_batch_free(b);
    }
    const char big5[] = "USER PIN=1\tName=\xA4\xA4\n"; /* BIG5 "中" */
    b = parse(ZKBIO_PUSH_TABLE_OPERLOG, big5, sizeof(big5) - 1, zkbio_push_language_charset(84));
    if (b) {
        CHECK_STR(b->records[0].u.user.name, "\xE4\xB8\xAD");
        zkbio_push_batch_free(b);
    }
}

static void test_options(void)
{
    zkbio_push_kvlist *kv = NULL;
    const char *body =
        "~DeviceName=ProBio,MAC=00:17:61:01:02:03,UserCount=7,FWVersion=Ver 8.0.4.1-20180102,"
        "PushOptions=FingerFunOn,FaceFunOn,X=a=b,,\r\nFPCount=4\n,=bad";
    CHECK_EQ_INT(zkbio_push_options_parse(body, strlen(body), &kv), ZKBIO_OK);
    if (!kv)
        return;
    CHECK_EQ_INT(kv->count, 7);
    CHECK_STR(kv->keys[0], "DeviceName");
    CHECK_STR(zkbio_push_kvlist_get(kv, "devicename"), "ProBio");
    CHECK_STR(zkbio_push_kvlist_get(kv, "MAC"), "00:17:61:01:02:03");
    CHECK_STR(zkbio_push_kvlist_get(kv, "PushOptions"), "FingerFunOn,FaceFunOn");
    CHECK_STR(zkbio_push_kvlist_get(kv, "X"), "a=b");
    CHECK_STR(zkbio_push_kvlist_get(kv, "FPCount"),
              "4,=bad"); /* a piece with an empty key continues a value */
    CHECK(zkbio_push_kvlist_get(kv, "nope") == NULL);
    CHECK(zkbio_push_kvlist_get(NULL, "x") == NULL);
    zkbio_push_kvlist_free(kv);
    CHECK_EQ_INT(zkbio_push_options_parse("", 0, &kv), ZKBIO_OK);
    CHECK_EQ_INT(kv->count, 0);
    zkbio_push_kvlist_free(kv);
    CHECK_EQ_INT(zkbio_push_options_parse("junk,more", 9, &kv), ZKBIO_OK);
    CHECK_EQ_INT(kv->count, 0);
    zkbio_push_kvlist_free(kv);
    CHECK_EQ_INT(zkbio_push_options_parse(NULL, 3, &kv), ZKBIO_EINVAL);
    zkbio_push_kvlist_free(NULL);
}

static void test_attphoto(void)
{
    const char body[] =
        "PIN=20250102085958-7.jpg\nSN=A1\nsize=4\nCMD=uploadphoto\0\xff\xd8\xff\xe0";
    char name[64];
    size_t off = 0, plen = 0;
    CHECK_EQ_INT(zkbio_push_attphoto_parse(body, sizeof(body) - 1, name, sizeof(name), &off, &plen),
                 ZKBIO_OK);
    CHECK_STR(name, "20250102085958-7.jpg");
    CHECK_EQ_INT(plen, 4);
    CHECK_EQ_INT((unsigned char)body[off], 0xff);
    CHECK_EQ_INT(off + plen, sizeof(body) - 1);
    /* no size: the rest of the body */
    const char nosize[] = "PIN=1.jpg\r\nCMD=uploadphoto\0ABCDEF";
    CHECK_EQ_INT(
        zkbio_push_attphoto_parse(nosize, sizeof(nosize) - 1, name, sizeof(name), &off, &plen),
        ZKBIO_OK);
    CHECK_EQ_INT(plen, 6);
    CHECK_STR(name, "1.jpg");
    /* errors */
    const char big[] = "PIN=1.jpg\nsize=100\n\0abc";
    CHECK_EQ_INT(zkbio_push_attphoto_parse(big, sizeof(big) - 1, name, sizeof(name), &off, &plen),
                 ZKBIO_EPROTO);
    const char nonul[] = "PIN=1.jpg\nsize=1\nabc";
    CHECK_EQ_INT(
        zkbio_push_attphoto_parse(nonul, sizeof(nonul) - 1, name, sizeof(name), &off, &plen),
        ZKBIO_EPROTO);
    const char nopin[] = "SN=1\nsize=1\n\0a";
    CHECK_EQ_INT(
        zkbio_push_attphoto_parse(nopin, sizeof(nopin) - 1, name, sizeof(name), &off, &plen),
        ZKBIO_EPROTO);
    const char trav[] = "PIN=../../etc/passwd\n\0a";
    CHECK_EQ_INT(zkbio_push_attphoto_parse(trav, sizeof(trav) - 1, name, sizeof(name), &off, &plen),
                 ZKBIO_EPROTO);
    const char badsize[] = "PIN=1.jpg\nsize=-5\n\0a";
    CHECK_EQ_INT(
        zkbio_push_attphoto_parse(badsize, sizeof(badsize) - 1, name, sizeof(name), &off, &plen),
        ZKBIO_EPROTO);
    char tiny[4];
    CHECK_EQ_INT(zkbio_push_attphoto_parse(body, sizeof(body) - 1, tiny, sizeof(tiny), &off, &plen),
                 ZKBIO_ENOSPC);
    CHECK_EQ_INT(zkbio_push_attphoto_parse(NULL, 0, name, sizeof(name), &off, &plen), ZKBIO_EINVAL);
}

int main(void)
{
    test_attlog();
    test_attlog_malformed();
    test_operlog();
    test_operlog_malformed();
    test_biodata_unpadded();
    test_biodata_format_names();
    test_other_tables();
    test_charset();
    test_options();
    test_attphoto();
    return TEST_DONE();
}
