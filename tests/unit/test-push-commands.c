/* SPDX-License-Identifier: Apache-2.0 */
/* Command formatters, framing, getrequest replies, DATA commands and device-side upload lines
 * (push.md §3, §4). */
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/push.h"

static char buf[4096];
static size_t len;

static void test_user_update(void)
{
    zkbio_push_user u = {.pin = "8",
                         .name = "Bob",
                         .privilege = 0,
                         .password = "",
                         .card = NULL,
                         .group = "1",
                         .tz = "",
                         .verify = -1,
                         .vice_card = ""};
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&u, 0, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE USERINFO PIN=8\tName=Bob\tPri=0\tGrp=1");
    CHECK_EQ_INT(len, strlen(buf));
    u.password = "123";
    u.card = "[15CD5B07]";
    u.tz = "0000000100000000";
    u.verify = 1;
    u.vice_card = "99";
    u.privilege = 14;
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&u, ZKBIO_PUSH_FMT_PRIVILEGE, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(
        buf,
        "DATA UPDATE USERINFO PIN=8\tName=Bob\tPrivilege=14\tPasswd=123\tCard=[15CD5B07]\tGrp=1\t"
        "TZ=0000000100000000\tVerify=1\tViceCard=99");
    /* injection: TAB/CR/LF in a name never opens a field, record or command */
    zkbio_push_user evil = {
        .pin = "9", .name = "Eve\tPri=14\r\nC:1:CLEAR DATA", .privilege = -1, .verify = -1};
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&evil, 0, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE USERINFO PIN=9\tName=EvePri=14C:1:CLEAR DATA");
    zkbio_push_data_cmd *dc = NULL;
    CHECK_EQ_INT(zkbio_push_data_cmd_parse(buf, len, &dc), ZKBIO_OK);
    if (dc) {
        CHECK_EQ_INT(dc->records->count, 1);
        CHECK_STR(dc->records->records[0].u.user.name, "EvePri=14C:1:CLEAR DATA");
        CHECK_EQ_INT(dc->records->records[0].u.user.privilege, -1);
        zkbio_push_data_cmd_free(dc);
    }
    /* empty name still written; no PIN refused; a PIN with a space refused */
    zkbio_push_user nn = {.pin = "3", .name = NULL, .privilege = -1, .verify = -1};
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&nn, 0, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE USERINFO PIN=3\tName=");
    nn.pin = "";
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&nn, 0, buf, sizeof(buf), &len), ZKBIO_EINVAL);
    nn.pin = "1 2";
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&nn, 0, buf, sizeof(buf), &len), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_user_update(NULL, 0, buf, sizeof(buf), &len), ZKBIO_EINVAL);
    /* ENOSPC: needed length, terminated prefix; size 0 */
    nn.pin = "3";
    char small[10];
    size_t need = 0;
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&nn, 0, small, sizeof(small), &need), ZKBIO_ENOSPC);
    CHECK_EQ_INT(need, strlen("DATA UPDATE USERINFO PIN=3\tName="));
    CHECK_STR(small, "DATA UPDA");
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&nn, 0, NULL, 0, &need), ZKBIO_ENOSPC);
    CHECK_EQ_INT(need, strlen("DATA UPDATE USERINFO PIN=3\tName="));
    CHECK_EQ_INT(
        zkbio_push_cmd_user_update(&nn, 0, small, need + 1 > sizeof(small) ? 0 : need, NULL),
        ZKBIO_ENOSPC);
}

static void test_template_update(void)
{
    zkbio_push_template t = {.pin = "8",
                             .no = 1,
                             .index = 0,
                             .valid = 1,
                             .duress = 0,
                             .type = 1,
                             .major_ver = 10,
                             .minor_ver = 0,
                             .format = 0,
                             .size = 999,
                             .tmp = "SghTUzIxAA=="};
    CHECK_EQ_INT(
        zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_FINGERTMP, &t, buf, sizeof(buf), &len),
        ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE FINGERTMP PIN=8\tFID=1\tSize=12\tValid=1\tTMP=SghTUzIxAA==");
    t.type = 2;
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_FACE, &t, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE FACE PIN=8\tFID=1\tValid=1\tSize=12\tTMP=SghTUzIxAA==");
    t.type = 7;
    t.index = 2;
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_FVEIN, &t, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE FVEIN Pin=8\tFID=1\tIndex=2\tValid=1\tSize=12\tTmp=SghTUzIxAA==");
    t.type = 9;
    t.no = 0;
    t.index = 3;
    t.major_ver = 5;
    t.minor_ver = 8;
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_BIODATA, &t, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE BIODATA "
                   "Pin=8\tNo=0\tIndex=3\tValid=1\tDuress=0\tType=9\tMajorVer=5\tMinorVer=8\t"
                   "Format=0\tTmp=SghTUzIxAA==");
    /* round trip: command → device-side parser → same record */
    zkbio_push_data_cmd *dc = NULL;
    CHECK_EQ_INT(zkbio_push_data_cmd_parse(buf, len, &dc), ZKBIO_OK);
    if (dc) {
        CHECK_EQ_INT(dc->verb, ZKBIO_PUSH_DATA_UPDATE);
        CHECK_EQ_INT(dc->table, ZKBIO_PUSH_DT_BIODATA);
        CHECK(dc->cond == NULL);
        const zkbio_push_template *p = &dc->records->records[0].u.tmpl;
        CHECK_EQ_INT(dc->records->records[0].type, ZKBIO_PUSH_REC_BIODATA);
        CHECK_STR(p->pin, "8");
        CHECK_EQ_INT(p->no, 0);
        CHECK_EQ_INT(p->index, 3);
        CHECK_EQ_INT(p->valid, 1);
        CHECK_EQ_INT(p->duress, 0);
        CHECK_EQ_INT(p->type, 9);
        CHECK_EQ_INT(p->major_ver, 5);
        CHECK_EQ_INT(p->minor_ver, 8);
        CHECK_EQ_INT(p->format, 0);
        CHECK_EQ_INT(p->size, -1); /* BIODATA carries no Size */
        CHECK_STR(p->tmp, "SghTUzIxAA==");
        zkbio_push_data_cmd_free(dc);
    }
    /* defaults for absent numbers */
    zkbio_push_template d = {.pin = "1",
                             .no = -1,
                             .index = -1,
                             .valid = -1,
                             .duress = -1,
                             .type = -1,
                             .major_ver = -1,
                             .minor_ver = -1,
                             .format = -1,
                             .size = -1,
                             .tmp = "QQ=="};
    CHECK_EQ_INT(
        zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_FINGERTMP, &d, buf, sizeof(buf), &len),
        ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE FINGERTMP PIN=1\tFID=0\tSize=4\tValid=1\tTMP=QQ==");
    /* wrong type for the table, BIODATA without type, empty template, bad table */
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_BIODATA, &d, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    d.type = 9;
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_FACE, &d, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_USERPIC, &d, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    d.tmp = "";
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_BIODATA, &d, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    /* the size of a template with stray newlines counts what is written */
    d.tmp = "AB\r\nCD";
    CHECK_EQ_INT(zkbio_push_cmd_template_update(ZKBIO_PUSH_DT_BIODATA, &d, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK(strstr(buf, "\tTmp=ABCD") != NULL);
}

static void test_photo_delete_query(void)
{
    zkbio_push_photo ph = {
        .pin = "7", .file_name = "7.jpg", .type = 9, .size = -1, .content = "/9j/4AAQ"};
    CHECK_EQ_INT(zkbio_push_cmd_photo_update(ZKBIO_PUSH_DT_USERPIC, &ph, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE USERPIC PIN=7\tSize=8\tContent=/9j/4AAQ");
    CHECK_EQ_INT(zkbio_push_cmd_photo_update(ZKBIO_PUSH_DT_BIOPHOTO, &ph, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA UPDATE BIOPHOTO PIN=7\tType=9\tSize=8\tContent=/9j/4AAQ");
    CHECK_EQ_INT(zkbio_push_cmd_photo_update(ZKBIO_PUSH_DT_FACE, &ph, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);

    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_USERINFO, "7", -1, -1, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA DELETE USERINFO PIN=7");
    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_FINGERTMP, "7", -1, 3, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA DELETE FINGERTMP PIN=7\tFID=3");
    CHECK_EQ_INT(
        zkbio_push_cmd_delete(ZKBIO_PUSH_DT_FINGERTMP, "7", -1, -1, buf, sizeof(buf), &len),
        ZKBIO_OK);
    CHECK_STR(buf, "DATA DELETE FINGERTMP PIN=7");
    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_FVEIN, "7", -1, 2, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA DELETE FVEIN Pin=7\tFID=2");
    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_BIODATA, "7", 9, 0, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA DELETE BIODATA Pin=7\tType=9\tNo=0");
    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_BIODATA, "7", -1, 0, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA DELETE BIODATA Pin=7");
    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_FACE, "7", -1, 0, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA DELETE FACE PIN=7");
    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_ATTLOG, "7", -1, -1, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(
        zkbio_push_cmd_delete(ZKBIO_PUSH_DT_USERINFO, NULL, -1, -1, buf, sizeof(buf), &len),
        ZKBIO_EINVAL);
    /* round trip of a delete: conditions */
    CHECK_EQ_INT(zkbio_push_cmd_delete(ZKBIO_PUSH_DT_BIODATA, "7", 9, 0, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    zkbio_push_data_cmd *dc = NULL;
    CHECK_EQ_INT(zkbio_push_data_cmd_parse(buf, len, &dc), ZKBIO_OK);
    if (dc) {
        CHECK_EQ_INT(dc->verb, ZKBIO_PUSH_DATA_DELETE);
        CHECK(dc->records == NULL);
        CHECK_STR(zkbio_push_kvlist_get(dc->cond, "PIN"), "7");
        CHECK_STR(zkbio_push_kvlist_get(dc->cond, "Type"), "9");
        CHECK_STR(zkbio_push_kvlist_get(dc->cond, "No"), "0");
        zkbio_push_data_cmd_free(dc);
    }

    CHECK_EQ_INT(zkbio_push_cmd_query(ZKBIO_PUSH_DT_ATTLOG, NULL, "2025-01-01 00:00:00",
                                      "2025-01-31 23:59:59", -1, -1, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA QUERY ATTLOG StartTime=2025-01-01 00:00:00\tEndTime=2025-01-31 23:59:59");
    CHECK_EQ_INT(zkbio_push_cmd_query(ZKBIO_PUSH_DT_ATTLOG, NULL, "2025-01-01",
                                      "2025-01-31 23:59:59", -1, -1, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_query(ZKBIO_PUSH_DT_USERINFO, NULL, NULL, NULL, -1, -1, buf,
                                      sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA QUERY USERINFO");
    CHECK_EQ_INT(zkbio_push_cmd_query(ZKBIO_PUSH_DT_USERINFO, "5", NULL, NULL, -1, -1, buf,
                                      sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA QUERY USERINFO PIN=5");
    CHECK_EQ_INT(zkbio_push_cmd_query(ZKBIO_PUSH_DT_FINGERTMP, "5", NULL, NULL, -1, 6, buf,
                                      sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "DATA QUERY FINGERTMP PIN=5\tFingerID=6");
    CHECK_EQ_INT(
        zkbio_push_cmd_query(ZKBIO_PUSH_DT_BIODATA, "5", NULL, NULL, 9, 0, buf, sizeof(buf), &len),
        ZKBIO_OK);
    CHECK_STR(buf, "DATA QUERY BIODATA Type=9\tPIN=5\tNo=0");
    CHECK_EQ_INT(
        zkbio_push_cmd_query(ZKBIO_PUSH_DT_BIODATA, NULL, NULL, NULL, 1, 0, buf, sizeof(buf), &len),
        ZKBIO_OK);
    CHECK_STR(buf, "DATA QUERY BIODATA Type=1");
    CHECK_EQ_INT(zkbio_push_cmd_query(ZKBIO_PUSH_DT_BIODATA, NULL, NULL, NULL, -1, 0, buf,
                                      sizeof(buf), &len),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(
        zkbio_push_cmd_query(ZKBIO_PUSH_DT_FACE, "1", NULL, NULL, -1, 0, buf, sizeof(buf), &len),
        ZKBIO_EINVAL);
    dc = NULL;
    CHECK_EQ_INT(zkbio_push_cmd_query(ZKBIO_PUSH_DT_ATTLOG, NULL, "2025-01-01 00:00:00",
                                      "2025-01-31 23:59:59", -1, -1, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_EQ_INT(zkbio_push_data_cmd_parse(buf, len, &dc), ZKBIO_OK);
    if (dc) {
        CHECK_EQ_INT(dc->verb, ZKBIO_PUSH_DATA_QUERY);
        CHECK_EQ_INT(dc->table, ZKBIO_PUSH_DT_ATTLOG);
        CHECK_STR(zkbio_push_kvlist_get(dc->cond, "StartTime"), "2025-01-01 00:00:00");
        CHECK_STR(zkbio_push_kvlist_get(dc->cond, "EndTime"), "2025-01-31 23:59:59");
        zkbio_push_data_cmd_free(dc);
    }
}

static void test_other_commands(void)
{
    static const struct {
        zkbio_push_simple_cmd c;
        const char *s;
    } simple[] = {{ZKBIO_PUSH_CMD_CHECK, "CHECK"},
                  {ZKBIO_PUSH_CMD_INFO, "INFO"},
                  {ZKBIO_PUSH_CMD_LOG, "LOG"},
                  {ZKBIO_PUSH_CMD_REBOOT, "REBOOT"},
                  {ZKBIO_PUSH_CMD_CLEAR_LOG, "CLEAR LOG"},
                  {ZKBIO_PUSH_CMD_CLEAR_PHOTO, "CLEAR PHOTO"},
                  {ZKBIO_PUSH_CMD_CLEAR_DATA, "CLEAR DATA"},
                  {ZKBIO_PUSH_CMD_CLEAR_BIODATA, "CLEAR BIODATA"},
                  {ZKBIO_PUSH_CMD_RELOAD_OPTIONS, "RELOAD OPTIONS"},
                  {ZKBIO_PUSH_CMD_AC_UNLOCK, "AC_UNLOCK"},
                  {ZKBIO_PUSH_CMD_AC_UNALARM, "AC_UNALARM"}};
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        CHECK_EQ_INT(zkbio_push_cmd_simple(simple[i].c, buf, sizeof(buf), &len), ZKBIO_OK);
        CHECK_STR(buf, simple[i].s);
    }
    CHECK_EQ_INT(zkbio_push_cmd_simple((zkbio_push_simple_cmd)0, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_simple((zkbio_push_simple_cmd)99, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);

    CHECK_EQ_INT(zkbio_push_cmd_set_option("Delay", "30", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "SET OPTION Delay=30");
    CHECK_EQ_INT(zkbio_push_cmd_set_option("X", "a\nC:2:REBOOT", buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "SET OPTION X=aC:2:REBOOT");
    CHECK_EQ_INT(zkbio_push_cmd_set_option("De lay", "30", buf, sizeof(buf), &len), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_set_option("A=B", "30", buf, sizeof(buf), &len), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_set_option("", "30", buf, sizeof(buf), &len), ZKBIO_EINVAL);

    CHECK_EQ_INT(zkbio_push_cmd_enroll_fp("5", 6, 3, 1, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "ENROLL_FP PIN=5\tFID=6\tRETRY=3\tOVERWRITE=1");
    CHECK_EQ_INT(zkbio_push_cmd_enroll_fp("5", -1, 3, 1, buf, sizeof(buf), &len), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_cmd_enroll_bio(9, "5", 3, 0, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "ENROLL_BIO TYPE=9\tPIN=5\tRETRY=3\tOVERWRITE=0");
    CHECK_EQ_INT(zkbio_push_cmd_verify_sum("2025-01-01 00:00:00", "2025-1-2 3:04:05", buf,
                                           sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "VERIFY SUM ATTLOG StartTime=2025-01-01 00:00:00\tEndTime=2025-01-02 03:04:05");
    CHECK_EQ_INT(zkbio_push_cmd_verify_sum(NULL, "2025-01-02 00:00:00", buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);

    CHECK_STR(zkbio_push_data_table_name(ZKBIO_PUSH_DT_FINGERTMP), "FINGERTMP");
    CHECK_STR(zkbio_push_data_table_name(ZKBIO_PUSH_DT_ATTPHOTO), "ATTPHOTO");
    CHECK(zkbio_push_data_table_name((zkbio_push_data_table)0) == NULL);
    CHECK(zkbio_push_data_table_name((zkbio_push_data_table)42) == NULL);
}

static void test_frame_and_parse(void)
{
    char reply[256];
    size_t rl = 0;
    CHECK_EQ_INT(zkbio_push_command_frame("41",
                                          "DATA UPDATE USERINFO PIN=8\tName=Bob\tPri=0\tGrp=1",
                                          reply, sizeof(reply), &rl),
                 ZKBIO_OK);
    CHECK_EQ_INT(zkbio_push_command_frame("42",
                                          "DATA UPDATE USERINFO PIN=1\tName=A\nPIN=2\tName=B\n",
                                          reply, sizeof(reply), &rl),
                 ZKBIO_OK);
    CHECK_EQ_INT(zkbio_push_command_frame("info8487", "INFO", reply, sizeof(reply), &rl), ZKBIO_OK);
    const char *expect = "C:41:DATA UPDATE USERINFO PIN=8\tName=Bob\tPri=0\tGrp=1\n"
                         "C:42:DATA UPDATE USERINFO PIN=1\tName=A\nPIN=2\tName=B\n"
                         "C:info8487:INFO\n";
    CHECK_STR(reply, expect);
    CHECK_EQ_INT(rl, strlen(expect));
    /* ENOSPC leaves buf and len unchanged */
    char copy[256];
    memcpy(copy, reply, rl + 1);
    size_t before = rl;
    CHECK_EQ_INT(zkbio_push_command_frame("43", "REBOOT", reply, rl + 12, &rl), ZKBIO_ENOSPC);
    CHECK_EQ_INT(rl, before);
    CHECK(memcmp(copy, reply, rl + 1) == 0);
    CHECK_EQ_INT(zkbio_push_command_frame("43", "REBOOT", reply, rl + 13, &rl), ZKBIO_OK);
    CHECK_EQ_INT(rl, before + 12);
    CHECK_EQ_INT(zkbio_push_command_frame("4:3", "REBOOT", reply, sizeof(reply), &rl),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_command_frame("43", "", reply, sizeof(reply), &rl), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_command_frame("43", "X", reply, sizeof(reply), NULL), ZKBIO_EINVAL);
    /* a continuation line that would read as a new command (also once its CR is dropped) is refused
     */
    CHECK_EQ_INT(zkbio_push_command_frame("43", "DATA UPDATE USERINFO PIN=1\nC:44:CLEAR DATA",
                                          reply, sizeof(reply), &rl),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_command_frame("43", "DATA UPDATE USERINFO PIN=1\nC\r:44:CLEAR DATA",
                                          reply, sizeof(reply), &rl),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_command_frame("43", "C:44:X\nCX:Y", reply, sizeof(reply), &rl),
                 ZKBIO_OK);
    CHECK_EQ_INT(rl, before + 12 + strlen("C:43:C:44:X\nCX:Y\n"));

    zkbio_push_commands *c = NULL;
    CHECK_EQ_INT(zkbio_push_commands_parse(reply, rl, &c), ZKBIO_OK);
    if (c) {
        CHECK_EQ_INT(c->count, 5);
        CHECK_STR(c->cmds[0].id, "41");
        CHECK_STR(c->cmds[0].text, "DATA UPDATE USERINFO PIN=8\tName=Bob\tPri=0\tGrp=1");
        CHECK_STR(c->cmds[1].id, "42");
        CHECK_STR(c->cmds[1].text, "DATA UPDATE USERINFO PIN=1\tName=A\nPIN=2\tName=B");
        CHECK_STR(c->cmds[2].id, "info8487");
        CHECK_STR(c->cmds[2].text, "INFO");
        CHECK_STR(c->cmds[3].text, "REBOOT");
        CHECK_STR(c->cmds[4].text, "C:44:X\nCX:Y");
        /* the multi-record command parses into two users */
        zkbio_push_data_cmd *dc = NULL;
        CHECK_EQ_INT(zkbio_push_data_cmd_parse(c->cmds[1].text, strlen(c->cmds[1].text), &dc),
                     ZKBIO_OK);
        if (dc) {
            CHECK_EQ_INT(dc->records->count, 2);
            CHECK_STR(dc->records->records[1].u.user.name, "B");
            CHECK_STR(dc->records->records[1].tag, "USER");
            zkbio_push_data_cmd_free(dc);
        }
        zkbio_push_commands_free(c);
    }
    /* OK, CRLF, blank lines */
    CHECK_EQ_INT(zkbio_push_commands_parse("OK", 2, &c), ZKBIO_OK);
    if (c) {
        CHECK_EQ_INT(c->count, 0);
        zkbio_push_commands_free(c);
    }
    const char *crlf = "OK\r\nC:1:CHECK\r\n\r\nC:2:DATA UPDATE USERINFO PIN=1\r\nPIN=2\r\n";
    CHECK_EQ_INT(zkbio_push_commands_parse(crlf, strlen(crlf), &c), ZKBIO_OK);
    if (c) {
        CHECK_EQ_INT(c->count, 2);
        CHECK_STR(c->cmds[0].text, "CHECK");
        CHECK_STR(c->cmds[1].text, "DATA UPDATE USERINFO PIN=1\nPIN=2");
        zkbio_push_commands_free(c);
    }
    CHECK_EQ_INT(zkbio_push_commands_parse("C:12", 4, &c), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_push_commands_parse("C::INFO", 7, &c), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_push_commands_parse("hello\nC:1:INFO", 14, &c), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_push_commands_parse("C:1:INFO\nC:2", 12, &c), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_push_commands_parse(NULL, 1, &c), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_push_commands_parse("", 0, &c), ZKBIO_OK);
    zkbio_push_commands_free(c);
    zkbio_push_commands_free(NULL);
}

static void test_data_cmd_errors(void)
{
    zkbio_push_data_cmd *dc = (zkbio_push_data_cmd *)1;
#define DC(s) zkbio_push_data_cmd_parse((s), strlen(s), &dc)
    CHECK_EQ_INT(DC("INFO"), ZKBIO_EPROTO);
    CHECK(dc == NULL);
    CHECK_EQ_INT(DC("DATA DEL USERINFO PIN=1"), ZKBIO_EPROTO);
    CHECK_EQ_INT(DC("DATA UPDATE NOSUCH PIN=1"), ZKBIO_EPROTO);
    CHECK_EQ_INT(DC("DATA UPDATE WORKCODE PIN=1\tCODE=2"), ZKBIO_ENOTSUP);
    CHECK_EQ_INT(DC("DATA UPDATE AccGroup ID=1"), ZKBIO_ENOTSUP);
    CHECK_EQ_INT(DC("DATA UPDATE ATTLOG PIN=1"), ZKBIO_ENOTSUP);
    CHECK_EQ_INT(DC("DATA UPDATE USERINFO"), ZKBIO_EPROTO);
    CHECK_EQ_INT(DC("DATA UPDATE USERINFO Name=nopin"), ZKBIO_EPROTO);
    CHECK_EQ_INT(DC("DATA UPDATE FINGERTMP PIN=1\tFID=1\tTMP="), ZKBIO_EPROTO);
    CHECK_EQ_INT(DC("DATA"), ZKBIO_EPROTO);
    CHECK_EQ_INT(DC(""), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_push_data_cmd_parse(NULL, 3, &dc), ZKBIO_EINVAL);
    /* a bad line among good ones is counted, the rest kept */
    CHECK_EQ_INT(DC("DATA UPDATE USERINFO PIN=1\tName=A\nName=nopin\nPIN=3"), ZKBIO_OK);
    if (dc) {
        CHECK_EQ_INT(dc->records->count, 2);
        CHECK_EQ_INT(dc->records->n_malformed, 1);
        CHECK_EQ_INT(dc->records->malformed_lines[0], 2);
        zkbio_push_data_cmd_free(dc);
    }
    CHECK_EQ_INT(DC("DATA DELETE USERINFO PIN=1"), ZKBIO_OK);
    if (dc) {
        CHECK_EQ_INT(dc->table, ZKBIO_PUSH_DT_USERINFO);
        CHECK_STR(zkbio_push_kvlist_get(dc->cond, "pin"), "1");
        zkbio_push_data_cmd_free(dc);
    }
    CHECK_EQ_INT(DC("DATA QUERY USERINFO"), ZKBIO_OK);
    if (dc) {
        CHECK_EQ_INT(dc->cond->count, 0);
        zkbio_push_data_cmd_free(dc);
    }
    zkbio_push_data_cmd_free(NULL);
#undef DC
}

static void test_upload_formatters(void)
{
    /* ATTLOG line, and round trip with extras */
    const char *ex[] = {"", "", "43"};
    zkbio_push_attlog a = {.pin = "2",
                           .time = "2022-07-12 16:00:20",
                           .status = 1,
                           .verify = 15,
                           .workcode = "",
                           .n_extra = 3,
                           .extra = ex};
    CHECK_EQ_INT(zkbio_push_attlog_format(&a, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "2\t2022-07-12 16:00:20\t1\t15\t\t0\t0\t\t\t43");
    zkbio_push_batch *b = NULL;
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, buf, len, NULL, 0, &b), ZKBIO_OK);
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        const zkbio_push_attlog *p = &b->records[0].u.attlog;
        CHECK_STR(p->pin, "2");
        CHECK_STR(p->time, "2022-07-12 16:00:20");
        CHECK_EQ_INT(p->status, 1);
        CHECK_EQ_INT(p->verify, 15);
        CHECK_STR(p->workcode, "");
        CHECK_EQ_INT(p->n_extra, 3);
        if (p->n_extra == 3)
            CHECK_STR(p->extra[2], "43");
        zkbio_push_batch_free(b);
    }
    zkbio_push_attlog a2 = {
        .pin = "7", .time = "2025-01-02 08:59:58", .status = 0, .verify = 1, .workcode = "0"};
    CHECK_EQ_INT(zkbio_push_attlog_format(&a2, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "7\t2025-01-02 08:59:58\t0\t1\t0\t0\t0");
    a2.time = "yesterday";
    CHECK_EQ_INT(zkbio_push_attlog_format(&a2, buf, sizeof(buf), &len), ZKBIO_EINVAL);

    /* USER line (push.md §2.5 step 4) and round trip */
    zkbio_push_user u = {.pin = "7",
                         .name = "Ann",
                         .privilege = 0,
                         .password = "",
                         .card = "",
                         .group = "1",
                         .tz = "0000000100000000",
                         .verify = -1,
                         .vice_card = ""};
    CHECK_EQ_INT(zkbio_push_user_format(&u, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(
        buf,
        "USER "
        "PIN=7\tName=Ann\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000100000000\tVerify=-1\tViceCard=");
    /* FP line and a two-line OPERLOG body */
    zkbio_push_template t = {.pin = "7",
                             .no = 6,
                             .index = 0,
                             .valid = 1,
                             .duress = -1,
                             .type = 1,
                             .major_ver = -1,
                             .minor_ver = -1,
                             .format = -1,
                             .size = -1,
                             .tmp = "SghTUzIxAA=="};
    char body[1024];
    size_t bl = len;
    memcpy(body, buf, len);
    body[bl++] = '\n';
    CHECK_EQ_INT(zkbio_push_template_format(ZKBIO_PUSH_REC_FP, &t, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "FP PIN=7\tFID=6\tSize=12\tValid=1\tTMP=SghTUzIxAA==");
    memcpy(body + bl, buf, len);
    bl += len;
    body[bl++] = '\n';
    zkbio_push_template bd = {.pin = "7",
                              .no = 0,
                              .index = 2,
                              .valid = 1,
                              .duress = 0,
                              .type = 9,
                              .major_ver = 5,
                              .minor_ver = 8,
                              .format = 0,
                              .size = -1,
                              .tmp = "eHl6"};
    CHECK_EQ_INT(zkbio_push_template_format(ZKBIO_PUSH_REC_BIODATA, &bd, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    memcpy(body + bl, buf, len);
    bl += len;
    body[bl++] = '\n';
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_OPERLOG, body, bl, NULL, 0, &b),
                 ZKBIO_OK);
    if (b) {
        CHECK_EQ_INT(b->count, 3);
        if (b->count == 3) {
            const zkbio_push_user *pu = &b->records[0].u.user;
            CHECK_STR(pu->pin, u.pin);
            CHECK_STR(pu->name, u.name);
            CHECK_EQ_INT(pu->privilege, u.privilege);
            CHECK_STR(pu->password, u.password);
            CHECK_STR(pu->card, u.card);
            CHECK_STR(pu->group, u.group);
            CHECK_STR(pu->tz, u.tz);
            CHECK_EQ_INT(pu->verify, u.verify);
            CHECK_STR(pu->vice_card, u.vice_card);
            const zkbio_push_template *pt = &b->records[1].u.tmpl;
            CHECK_EQ_INT(b->records[1].type, ZKBIO_PUSH_REC_FP);
            CHECK_STR(pt->pin, "7");
            CHECK_EQ_INT(pt->no, 6);
            CHECK_EQ_INT(pt->valid, 1);
            CHECK_EQ_INT(pt->size, 12);
            CHECK_STR(pt->tmp, "SghTUzIxAA==");
            pt = &b->records[2].u.tmpl;
            CHECK_EQ_INT(pt->type, 9);
            CHECK_EQ_INT(pt->index, 2);
            CHECK_EQ_INT(pt->major_ver, 5);
            CHECK_EQ_INT(pt->minor_ver, 8);
            CHECK_EQ_INT(pt->duress, 0);
            CHECK_STR(pt->tmp, "eHl6");
        }
        zkbio_push_batch_free(b);
    }
    CHECK_EQ_INT(zkbio_push_template_format(ZKBIO_PUSH_REC_FACE, &t, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "FACE PIN=7\tFID=6\tSIZE=12\tVALID=1\tTMP=SghTUzIxAA==");
    t.index = 1;
    CHECK_EQ_INT(zkbio_push_template_format(ZKBIO_PUSH_REC_FVEIN, &t, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "FVEIN Pin=7\tFID=6\tIndex=1\tSize=12\tValid=1\tTmp=SghTUzIxAA==");
    CHECK_EQ_INT(zkbio_push_template_format(ZKBIO_PUSH_REC_USER, &t, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);

    zkbio_push_oplog o = {.op_type = 4,
                          .admin = "14",
                          .time = "2015-07-30 10:22:34",
                          .v1 = 0,
                          .v2 = 0,
                          .v3 = 0,
                          .reserved = 0};
    CHECK_EQ_INT(zkbio_push_oplog_format(&o, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_STR(buf, "OPLOG 4\t14\t2015-07-30 10:22:34\t0\t0\t0\t0");
    o.v1 = INT64_MIN;
    CHECK_EQ_INT(zkbio_push_oplog_format(&o, buf, sizeof(buf), &len), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_OPERLOG, buf, len, NULL, 0, &b),
                 ZKBIO_OK);
    if (b) {
        CHECK_EQ_INT(b->count, 1);
        CHECK(b->records[0].u.oplog.v1 == INT64_MIN);
        zkbio_push_batch_free(b);
    }

    zkbio_push_photo ph = {
        .pin = "7", .file_name = "7.jpg", .type = -1, .size = -1, .content = "/9j/"};
    CHECK_EQ_INT(zkbio_push_photo_format(ZKBIO_PUSH_REC_USERPIC, &ph, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "USERPIC PIN=7\tFileName=7.jpg\tSize=4\tContent=/9j/");
    ph.type = 9;
    CHECK_EQ_INT(zkbio_push_photo_format(ZKBIO_PUSH_REC_BIOPHOTO, &ph, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_STR(buf, "BIOPHOTO PIN=7\tFileName=7.jpg\tType=9\tSize=4\tContent=/9j/");
    CHECK_EQ_INT(zkbio_push_photo_format(ZKBIO_PUSH_REC_FP, &ph, buf, sizeof(buf), &len),
                 ZKBIO_EINVAL);
}

/* command → device-side parser → same record, for every UPDATE table */
static void test_round_trips(void)
{
    zkbio_push_user u = {.pin = "12",
                         .name = "\xE5\xBC\xA0\xE4\xB8\x89",
                         .privilege = 6,
                         .password = "9",
                         .card = "123456789",
                         .group = "2",
                         .tz = "0000000000000000",
                         .verify = 0,
                         .vice_card = "5"};
    CHECK_EQ_INT(zkbio_push_cmd_user_update(&u, 0, buf, sizeof(buf), &len), ZKBIO_OK);
    zkbio_push_data_cmd *dc = NULL;
    CHECK_EQ_INT(zkbio_push_data_cmd_parse(buf, len, &dc), ZKBIO_OK);
    if (dc) {
        const zkbio_push_user *p = &dc->records->records[0].u.user;
        CHECK_EQ_INT(dc->records->records[0].type, ZKBIO_PUSH_REC_USER);
        CHECK_STR(p->pin, u.pin);
        CHECK_STR(p->name, u.name);
        CHECK_EQ_INT(p->privilege, 6);
        CHECK_STR(p->password, "9");
        CHECK_STR(p->card, "123456789");
        CHECK_STR(p->group, "2");
        CHECK_STR(p->tz, "0000000000000000");
        CHECK_EQ_INT(p->verify, 0);
        CHECK_STR(p->vice_card, "5");
        zkbio_push_data_cmd_free(dc);
    }
    static const zkbio_push_data_table tables[] = {ZKBIO_PUSH_DT_FINGERTMP, ZKBIO_PUSH_DT_FACE,
                                                   ZKBIO_PUSH_DT_FVEIN};
    static const zkbio_push_rec_type kinds[] = {ZKBIO_PUSH_REC_FP, ZKBIO_PUSH_REC_FACE,
                                                ZKBIO_PUSH_REC_FVEIN};
    static const int32_t types[] = {1, 2, 7};
    for (size_t i = 0; i < 3; i++) {
        zkbio_push_template t = {.pin = "12",
                                 .no = 4,
                                 .index = i == 2 ? 1 : 0,
                                 .valid = 3,
                                 .duress = -1,
                                 .type = types[i],
                                 .major_ver = -1,
                                 .minor_ver = -1,
                                 .format = -1,
                                 .size = -1,
                                 .tmp = "abc+/w=="};
        CHECK_EQ_INT(zkbio_push_cmd_template_update(tables[i], &t, buf, sizeof(buf), &len),
                     ZKBIO_OK);
        CHECK_EQ_INT(zkbio_push_data_cmd_parse(buf, len, &dc), ZKBIO_OK);
        if (!dc)
            continue;
        CHECK_EQ_INT(dc->table, tables[i]);
        const zkbio_push_record *r = &dc->records->records[0];
        CHECK_EQ_INT(r->type, kinds[i]);
        CHECK_STR(r->u.tmpl.pin, "12");
        CHECK_EQ_INT(r->u.tmpl.no, 4);
        CHECK_EQ_INT(r->u.tmpl.index, t.index);
        CHECK_EQ_INT(r->u.tmpl.valid, 3);
        CHECK_EQ_INT(r->u.tmpl.type, types[i]);
        CHECK_EQ_INT(r->u.tmpl.size, 8);
        CHECK_STR(r->u.tmpl.tmp, "abc+/w==");
        zkbio_push_data_cmd_free(dc);
    }
    zkbio_push_photo ph = {
        .pin = "12", .file_name = "", .type = 9, .size = -1, .content = "/9j/4A=="};
    CHECK_EQ_INT(zkbio_push_cmd_photo_update(ZKBIO_PUSH_DT_BIOPHOTO, &ph, buf, sizeof(buf), &len),
                 ZKBIO_OK);
    CHECK_EQ_INT(zkbio_push_data_cmd_parse(buf, len, &dc), ZKBIO_OK);
    if (dc) {
        const zkbio_push_photo *p = &dc->records->records[0].u.photo;
        CHECK_EQ_INT(dc->records->records[0].type, ZKBIO_PUSH_REC_BIOPHOTO);
        CHECK_EQ_INT(p->type, 9);
        CHECK_EQ_INT(p->size, 8);
        CHECK_STR(p->content, "/9j/4A==");
        zkbio_push_data_cmd_free(dc);
    }
}

int main(void)
{
    test_user_update();
    test_template_update();
    test_photo_delete_query();
    test_other_commands();
    test_frame_and_parse();
    test_data_cmd_errors();
    test_upload_formatters();
    test_round_trips();
    return TEST_DONE();
}
