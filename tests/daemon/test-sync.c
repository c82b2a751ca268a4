/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkbiod end to end on SQLite: simulated terminals (pushsim) against a real zkbiod process. Each
 * test starts its own zkbiod on a free loopback port with a fresh data directory. Run one test:
 * `test-daemon-sync <name>`. Scenarios: issue 2 §5 (multi-device sync), §7 (simulator), §8 (bad
 * input and faults).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"

/* Poll until 3 polls in a row bring nothing (at most 60 polls). */
#define SYNC(sim) SIM_OK(sim, pushsim_poll_until_quiet(sim, 3, 60, 0, NULL))

#define TABLES_EQUAL(x, y)                                                                         \
    do {                                                                                           \
        char diff_[512];                                                                           \
        REQUIRE(pushsim_tables_equal(x, y, diff_, sizeof(diff_)), "tables differ: %s", diff_);     \
    } while (0)

/* Number of commands of a device whose status is `status` (NULL = all); -1 on API error. */
static long count_commands(const zkd *d, const char *sn, const char *status)
{
    json_t *all = zkd_commands(d, sn);
    if (!all)
        return -1;
    long n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c)
    {
        const char *st = json_string_value(json_object_get(c, "status"));
        n += !status || (st && strcmp(st, status) == 0);
    }
    json_decref(all);
    return n;
}

/* Number of templates the API lists for a user, or -1 when the user is absent. */
static long api_template_count(const zkd *d, const char *pin)
{
    int err = 0;
    json_t *u = zkd_user(d, pin, &err);
    if (!u)
        return err ? -2 : -1;
    long n = (long)json_array_size(json_object_get(u, "templates"));
    json_decref(u);
    return n;
}

/* PIN named in a DATA command text (`PIN=` or `Pin=`), copied to out; "" when none. */
static void command_pin(const char *text, char *out, size_t size)
{
    out[0] = '\0';
    for (const char *p = text; *p; p++) {
        if ((p == text || p[-1] == ' ' || p[-1] == '\t') && strncasecmp(p, "PIN=", 4) == 0) {
            size_t n = strcspn(p + 4, "\t\r\n ");
            snprintf(out, size, "%.*s", (int)n, p + 4);
            return;
        }
    }
}

/* Add template t to a simulator with a fake body of about `bytes` bytes derived from `seed` (t's
 * own tmp is not used). Returns pushsim_add_template's result, or ZKBIO_ENOMEM. */
static int add_fake_template(pushsim *s, const pushsim_template *t, uint64_t seed, size_t bytes)
{
    pushsim_template c = *t;
    c.tmp = pushsim_fake_b64(seed, bytes);
    if (!c.tmp)
        return ZKBIO_ENOMEM;
    int rc = pushsim_add_template(s, &c);
    free(c.tmp);
    return rc;
}

/* Check a simulator's command log: each user's USERINFO came before any of their templates. Returns
 * NULL when fine, else a static description. */
static const char *order_problem(const pushsim *s)
{
    static char msg[256];
    size_t n = pushsim_cmd_count(s);
    for (size_t i = 0; i < n; i++) {
        const char *t = pushsim_cmd_at(s, i)->text;
        int is_tmpl = strncmp(t, "DATA UPDATE FINGERTMP", 21) == 0 ||
                      strncmp(t, "DATA UPDATE FACE", 16) == 0 ||
                      strncmp(t, "DATA UPDATE FVEIN", 17) == 0 ||
                      strncmp(t, "DATA UPDATE BIODATA", 19) == 0;
        if (!is_tmpl)
            continue;
        char pin[32];
        command_pin(t, pin, sizeof(pin));
        int user_before = 0;
        for (size_t k = 0; k < i && !user_before; k++) {
            const char *u = pushsim_cmd_at(s, k)->text;
            char upin[32];
            command_pin(u, upin, sizeof(upin));
            user_before = strncmp(u, "DATA UPDATE USERINFO", 20) == 0 && strcmp(upin, pin) == 0;
        }
        if (!user_before) {
            snprintf(msg, sizeof(msg),
                     "%s: command #%zu (%.40s, PIN %s) arrived before that user's USERINFO",
                     pushsim_sn(s), i, t, pin);
            return msg;
        }
    }
    return NULL;
}

/* (1) A user with two fingerprints and a face enrolled on A reaches B and C. */
static int t_fanout(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL, *c = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "SIMA")) && (b = zkd_sim(&d, "SIMB")) && (c = zkd_sim(&d, "SIMC")),
            "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 1001, 1, 2, 1));
    SIM_OK(a, pushsim_add_photo(a, "1001", "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAEBAQ=="));
    size_t acc = 0;
    SIM_OK(a, pushsim_upload_pending(a, &acc));
    REQUIRE(acc == 5,
            "A's OPERLOG upload (USER + 2 FP + FACE + USERPIC) answered OK: %zu, expected 5", acc);
    REQUIRE(api_template_count(&d, "1001") == 3, "API lists %ld templates for 1001, expected 3",
            api_template_count(&d, "1001"));
    SYNC(b);
    SYNC(c);
    REQUIRE(pushsim_find_user(b, "1001") != NULL, "user 1001 did not reach B");
    REQUIRE(pushsim_templates_of(b, "1001") == 3, "B has %zu templates of 1001, expected 3",
            pushsim_templates_of(b, "1001"));
    REQUIRE(pushsim_photo_count(b) == 1, "B has %zu photos, expected 1", pushsim_photo_count(b));
    TABLES_EQUAL(a, b);
    TABLES_EQUAL(a, c);
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(b);
    pushsim_free(c);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (1b) Unified BIODATA templates (a visible-light face as several rows, table=BIODATA) and
 * finger-vein templates reach the other devices in the form they arrived in. */
static int t_biodata(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "BIOA")) && (b = zkd_sim(&d, "BIOB")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 1201, 1, 0, 0));
    for (int i = 0; i < 4; i++) {
        pushsim_template t = {.kind = PUSHSIM_BIODATA,
                              .pin = "1201",
                              .no = 0,
                              .index = i,
                              .type = 9,
                              .valid = 1,
                              .duress = 0,
                              .major_ver = 5,
                              .minor_ver = 8,
                              .format = 0};
        SIM_OK(a, add_fake_template(a, &t, 900 + (uint64_t)i, 1400));
    }
    pushsim_template v = {.kind = PUSHSIM_FVEIN,
                          .pin = "1201",
                          .no = 6,
                          .index = 1,
                          .type = 7,
                          .valid = 1,
                          .duress = -1,
                          .major_ver = -1,
                          .minor_ver = -1,
                          .format = -1};
    SIM_OK(a, add_fake_template(a, &v, 77, 600));
    size_t acc = 0;
    SIM_OK(a, pushsim_upload_pending(a, &acc));
    REQUIRE(acc == 6,
            "uploads answered OK counts summing to %zu, expected 6 (USER + FVEIN, 4 BIODATA)", acc);
    REQUIRE(api_template_count(&d, "1201") == 5, "API lists %ld templates for 1201, expected 5",
            api_template_count(&d, "1201"));
    SYNC(b);
    REQUIRE(pushsim_templates_of(b, "1201") == 5, "B has %zu templates of 1201, expected 5",
            pushsim_templates_of(b, "1201"));
    TABLES_EQUAL(a, b);
    const char *why = order_problem(b);
    REQUIRE(!why, "%s", why);
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(b);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (1c) Fingerprint rows of a SpeedFace (ZK templates, MajorVer=10) whose base64 comes without its
 * '=' padding and whose format is named (Format=ZK): 17 rows in one table=BIODATA upload, 2 of
 * them unpadded with Format=ZK, are all stored
 * (OK: 17) and reach another terminal with their text unchanged. */
static int t_biodata_unpadded(void)
{
    enum { ROWS = 17 };
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL;
    char *tmps[ROWS] = {0};
    char *body = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "SPFA")) && (b = zkd_sim(&d, "SPFB")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 1301, 2, 0, 0)); /* users 1301 and 1302, no templates */
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    size_t cap = (size_t)ROWS * 2200, o = 0;
    REQUIRE((body = malloc(cap)) != NULL, "out of memory");
    for (int i = 0; i < ROWS; i++) {
        /* about 1.1 kB of template, 1100 + i bytes */
        REQUIRE((tmps[i] = pushsim_fake_b64(1300 + (uint64_t)i, 1100 + (size_t)i)) != NULL,
                "out of memory");
        if (i == 3 || i == 5) { /* unpadded rows: 1103 bytes end in "=", 1105 in "==" */
            size_t n = strlen(tmps[i]);
            REQUIRE(n && tmps[i][n - 1] == '=', "row %d should have had padding", i);
            while (n && tmps[i][n - 1] == '=')
                tmps[i][--n] = '\0';
        }
        o += (size_t)snprintf(body + o, cap - o,
                              "BIODATA Pin=%d\tNo=%d\tIndex=0\tValid=1\tDuress=0\tType=1\t"
                              "MajorVer=10\tMinorVer=0\tFormat=%s\tTmp=%s\n",
                              1301 + i / 10, i % 10, (i == 3 || i == 5) ? "ZK" : "0", tmps[i]);
    }
    SIM_OK(a, pushsim_post_raw(a, "BIODATA", body, o));
    REQUIRE(pushsim_last_status(a) == 200 && strcmp(pushsim_last_reply(a), "OK: 17") == 0,
            "17 BIODATA rows, 2 unpadded, answered %ld '%s', expected OK: 17",
            pushsim_last_status(a), pushsim_last_reply(a));
    REQUIRE(api_template_count(&d, "1301") == 10 && api_template_count(&d, "1302") == 7,
            "API lists %ld and %ld templates, expected 10 and 7", api_template_count(&d, "1301"),
            api_template_count(&d, "1302"));
    SYNC(b);
    REQUIRE(pushsim_templates_of(b, "1301") == 10 && pushsim_templates_of(b, "1302") == 7,
            "B has %zu and %zu templates, expected 10 and 7", pushsim_templates_of(b, "1301"),
            pushsim_templates_of(b, "1302"));
    for (int i = 0; i < ROWS; i++) {
        char pin[8];
        snprintf(pin, sizeof(pin), "%d", 1301 + i / 10);
        const pushsim_template *got = NULL;
        for (size_t k = 0; k < pushsim_template_count(b) && !got; k++) {
            const pushsim_template *t = pushsim_template_at(b, k);
            if (strcmp(t->pin, pin) == 0 && t->no == i % 10)
                got = t;
        }
        REQUIRE(got && got->tmp && strcmp(got->tmp, tmps[i]) == 0,
                "row %d (PIN %s finger %d) reached B %s", i, pin, i % 10,
                got ? "with a different text" : "not at all");
    }
    ok = 1;
out:
    for (int i = 0; i < ROWS; i++)
        free(tmps[i]);
    free(body);
    pushsim_free(a);
    pushsim_free(b);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (2) A device offline during the change catches up when it next polls. */
static int t_offline(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL, *c = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "OFFA")) && (b = zkd_sim(&d, "OFFB")) && (c = zkd_sim(&d, "OFFC")),
            "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 2001, 1, 2, 0));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    SYNC(b);
    /* A changes the user's name and enrols another while C is still offline. */
    pushsim_user u = {.pin = "2001",
                      .name = "Renamed",
                      .privilege = 0,
                      .password = "",
                      .card = "4711",
                      .group = "1",
                      .tz = "0000000100000000",
                      .verify = -1};
    SIM_OK(a, pushsim_add_user(a, &u));
    SIM_OK(a, pushsim_enroll_fake(a, 2002, 1, 1, 1));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    long queued = count_commands(&d, "OFFC", "queued");
    REQUIRE(queued > 0, "no queued commands for offline device OFFC (API gave %ld)", queued);
    SYNC(b);
    SYNC(c);
    REQUIRE(pushsim_find_user(c, "2001") &&
                strcmp(pushsim_find_user(c, "2001")->name, "Renamed") == 0,
            "offline device did not end with the renamed user 2001");
    TABLES_EQUAL(a, b);
    TABLES_EQUAL(a, c);
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(b);
    pushsim_free(c);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (3) A punch batch re-sent after a lost reply is stored once. */
static int t_resent_batch(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "PUNCHA")), "registration");
    SIM_OK(a, pushsim_add_fake_punches(a, 1, 7, 150, "2025-02-03 07:00:00"));
    SIM_OK(a, pushsim_set_fault(a, PUSHSIM_FAULT_LOSE_ATTLOG_REPLY, 1));
    size_t acc = 0;
    SIM_OK(a, pushsim_upload_punches(a, &acc));
    REQUIRE(acc == 150,
            "device saw OK counts summing to %zu, expected 150 (a re-sent batch is still counted)",
            acc);
    long n = zkd_attendance_count(&d, "PUNCHA");
    REQUIRE(n == 150,
            "attendance API has %ld records for PUNCHA, expected 150 (first batch of 100 was sent "
            "twice)",
            n);
    /* The same batch again, later (device re-sends after a reboot): still nothing new. */
    const char again[] = "1\t2025-02-03 07:00:00\t0\t1\t0\t0\t0\n";
    SIM_OK(a, pushsim_post_raw(a, "ATTLOG", again, sizeof(again) - 1));
    REQUIRE(pushsim_last_status(a) == 200, "re-sent punch got HTTP %ld", pushsim_last_status(a));
    n = zkd_attendance_count(&d, "PUNCHA");
    REQUIRE(n == 150, "after re-sending one punch the API has %ld records, expected 150", n);
    ok = 1;
out:
    pushsim_free(a);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (3b) Group commit: many terminals upload at once; every reply is "OK: <n>" and arrives only after
 * its punches are visible through the API (another connection), re-sent batches are counted but
 * stored once, and in the end every punch is stored exactly once. */
#define GC_TERMINALS 16
#define GC_POSTS     8
#define GC_ROWS      50

struct gc_terminal {
    const zkd *d;
    int id;
    int errors;
    char msg[200];
};

static void *gc_terminal_main(void *arg)
{
    struct gc_terminal *t = arg;
    char sn[16], body[GC_ROWS * 48];
    snprintf(sn, sizeof(sn), "GCT%02d", t->id);
    pushsim *sim = zkd_sim(t->d, sn);
    if (!sim) {
        t->errors++;
        snprintf(t->msg, sizeof(t->msg), "%s: registration failed", sn);
        return NULL;
    }
    long stored = 0;
    for (int p = 0; p < GC_POSTS; p++) {
        int resend = p % 4 == 3;
        int batch = resend ? p - 1 : p;
        size_t len = 0;
        for (int r = 0; r < GC_ROWS; r++)
            len += (size_t)snprintf(body + len, sizeof(body) - len,
                                    "%d\t2025-05-%02d 10:%02d:00\t0\t1\t0\t0\t0\n", 100 + r,
                                    1 + batch, r);
        int rc = pushsim_post_raw(sim, "ATTLOG", body, len);
        const char *reply = pushsim_last_reply(sim);
        if (rc != 0 || pushsim_last_status(sim) != 200 || !reply || strcmp(reply, "OK: 50") != 0) {
            t->errors++;
            snprintf(t->msg, sizeof(t->msg), "%s post %d: HTTP %ld '%s'", sn, p,
                     pushsim_last_status(sim), reply ? reply : "");
            continue;
        }
        if (!resend)
            stored += GC_ROWS;
        long n = zkd_attendance_count(t->d, sn);
        if (n != stored) {
            t->errors++;
            snprintf(t->msg, sizeof(t->msg), "%s post %d acknowledged with %ld of %ld rows visible",
                     sn, p, n, stored);
        }
    }
    pushsim_free(sim);
    return NULL;
}

static int t_group_commit(void)
{
    int ok = 0, started = 0;
    zkd d = {0};
    struct gc_terminal t[GC_TERMINALS];
    pthread_t th[GC_TERMINALS];
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    for (; started < GC_TERMINALS; started++) {
        t[started] = (struct gc_terminal){.d = &d, .id = started};
        if (pthread_create(&th[started], NULL, gc_terminal_main, &t[started]) != 0)
            break;
    }
    int errors = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        if (t[i].errors)
            fprintf(stderr, "  %s (%d error(s) in this terminal)\n", t[i].msg, t[i].errors);
        errors += t[i].errors;
    }
    REQUIRE(started == GC_TERMINALS, "could not start %d threads", GC_TERMINALS);
    REQUIRE(errors == 0, "%d upload(s) failed or were acknowledged before their rows were visible",
            errors);
    long n = zkd_attendance_count(&d, NULL);
    long want = (long)GC_TERMINALS * (GC_POSTS - GC_POSTS / 4) * GC_ROWS;
    REQUIRE(n == want, "attendance API has %ld records, expected %ld (each stored exactly once)", n,
            want);
    ok = 1;
out:
    zkd_cleanup(&d, ok);
    return ok;
}

/* (4) A user deleted on A (OPLOG 9) disappears from B and C. */
static int t_delete(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL, *c = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "DELA")) && (b = zkd_sim(&d, "DELB")) && (c = zkd_sim(&d, "DELC")),
            "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 3001, 2, 2, 1));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    SYNC(b);
    SYNC(c);
    REQUIRE(pushsim_find_user(b, "3001") && pushsim_find_user(c, "3001"),
            "user 3001 did not reach B and C first");
    SIM_OK(a, pushsim_delete_user(a, "3001"));
    SYNC(b);
    SYNC(c);
    REQUIRE(!pushsim_find_user(b, "3001"), "deleted user 3001 is still on B");
    REQUIRE(!pushsim_find_user(c, "3001"), "deleted user 3001 is still on C");
    REQUIRE(pushsim_templates_of(b, "3001") == 0 && pushsim_templates_of(c, "3001") == 0,
            "templates of deleted user 3001 left behind (B %zu, C %zu)",
            pushsim_templates_of(b, "3001"), pushsim_templates_of(c, "3001"));
    REQUIRE(pushsim_find_user(b, "3002") && pushsim_find_user(c, "3002"),
            "user 3002 should remain");
    TABLES_EQUAL(a, b);
    TABLES_EQUAL(a, c);
    REQUIRE(api_template_count(&d, "3001") == -1, "API still lists user 3001 (result %ld)",
            api_template_count(&d, "3001"));
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(b);
    pushsim_free(c);
    zkd_cleanup(&d, ok);
    return ok;
}

/* Find the API record of a command id in a device's command list (new reference) or NULL. */
static json_t *command_by_id(const zkd *d, const char *sn, const char *id)
{
    json_t *all = zkd_commands(d, sn), *found = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c)
    {
        json_t *jid = json_object_get(c, "id");
        char buf[32];
        if (json_is_integer(jid))
            snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(jid));
        else
            snprintf(buf, sizeof(buf), "%s", json_is_string(jid) ? json_string_value(jid) : "");
        if (strcmp(buf, id) == 0) {
            found = json_incref(c);
            break;
        }
    }
    json_decref(all);
    return found;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "(none)";
}

static long long jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -999999;
}

/* (5) A command whose ack is lost is re-sent after the command timeout and then acknowledged. */
static int t_lost_ack(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL;
    json_t *cmd = NULL;
    const char *args[] = {"--command-timeout", "2", NULL};
    REQUIRE(zkd_start(&d, NULL, args) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "ACKA")) && (b = zkd_sim(&d, "ACKB")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 4001, 1, 0, 0));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    SIM_OK(b, pushsim_set_fault(b, PUSHSIM_FAULT_DROP_ACK, 1));
    size_t n = 0;
    SIM_OK(b, pushsim_poll(b, &n));
    REQUIRE(n == 1, "B got %zu commands, expected 1 (USERINFO 4001)", n);
    char id[32];
    snprintf(id, sizeof(id), "%s", pushsim_cmd_at(b, 0)->id);
    cmd = command_by_id(&d, "ACKB", id);
    REQUIRE(cmd, "command %s not in the commands API", id);
    REQUIRE(strcmp(jstr(cmd, "status"), "sent") == 0,
            "unacknowledged command %s has status %s, expected sent", id, jstr(cmd, "status"));
    json_decref(cmd);
    cmd = NULL;
    /* Before the timeout the command must not come again. */
    SIM_OK(b, pushsim_poll(b, &n));
    REQUIRE(n == 0, "command re-sent before the command timeout (%zu commands)", n);
    zkd_sleep_ms(2600);
    SIM_OK(b, pushsim_poll(b, &n));
    REQUIRE(n == 1 && strcmp(pushsim_cmd_at(b, pushsim_cmd_count(b) - 1)->id, id) == 0,
            "after the timeout B got %zu command(s), expected command %s again", n, id);
    cmd = command_by_id(&d, "ACKB", id);
    REQUIRE(cmd, "command %s vanished from the commands API", id);
    REQUIRE(strcmp(jstr(cmd, "status"), "done") == 0 && jint(cmd, "attempts") == 2,
            "command %s: status %s attempts %lld, expected done / 2", id, jstr(cmd, "status"),
            jint(cmd, "attempts"));
    SIM_OK(b, pushsim_poll_until_quiet(b, 2, 10, 0, &n));
    REQUIRE(n == 0, "B received %zu more command(s) after the ack", n);
    TABLES_EQUAL(a, b);
    ok = 1;
out:
    json_decref(cmd);
    pushsim_free(a);
    pushsim_free(b);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (6) A command failing with Return=-1002 on every attempt ends `failed`, visible in the commands
 * API. */
static int t_failing_command(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL;
    json_t *cmd = NULL, *failed = NULL;
    const char *args[] = {"--command-timeout", "1", "--command-max-attempts", "3", NULL};
    REQUIRE(zkd_start(&d, NULL, args) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "FAILA")) && (b = zkd_sim(&d, "FAILB")), "registration");
    pushsim_set_fail(b, -1, -1002);
    SIM_OK(a, pushsim_enroll_fake(a, 5001, 1, 0, 0));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    size_t n = 0, got = 0;
    char id[32] = "";
    for (int i = 0; i < 8; i++) {
        SIM_OK(b, pushsim_poll(b, &n));
        got += n;
        if (!id[0] && pushsim_cmd_count(b))
            snprintf(id, sizeof(id), "%s", pushsim_cmd_at(b, 0)->id);
        if (id[0]) {
            json_decref(cmd);
            cmd = command_by_id(&d, "FAILB", id);
            if (cmd && strcmp(jstr(cmd, "status"), "failed") == 0)
                break;
        }
        zkd_sleep_ms(1300);
    }
    REQUIRE(id[0], "B never received a command");
    REQUIRE(cmd, "command %s not in the commands API", id);
    REQUIRE(strcmp(jstr(cmd, "status"), "failed") == 0,
            "command %s ended %s after %zu deliveries, expected failed", id, jstr(cmd, "status"),
            got);
    REQUIRE(jint(cmd, "return_code") == -1002,
            "failed command has return_code %lld, expected -1002", jint(cmd, "return_code"));
    REQUIRE(jint(cmd, "attempts") >= 1 && jint(cmd, "attempts") <= 3, "attempts %lld outside 1..3",
            jint(cmd, "attempts"));
    REQUIRE((long long)got == jint(cmd, "attempts"),
            "B received the command %zu times but the API says %lld attempts", got,
            jint(cmd, "attempts"));
    long st;
    failed = zkd_api(&d, NULL, &st, "/api/v1/commands?sn=FAILB&status=failed");
    REQUIRE(st == 200 && json_array_size(zkd_items(failed)) == 1,
            "status=failed filter gave HTTP %ld with %zu commands, expected 1", st,
            json_array_size(zkd_items(failed)));
    /* A failed command is not sent again. */
    pushsim_set_fail(b, 0, 0);
    zkd_sleep_ms(1300);
    SIM_OK(b, pushsim_poll_until_quiet(b, 2, 5, 0, &n));
    REQUIRE(n == 0, "failed command delivered again (%zu commands)", n);
    REQUIRE(!pushsim_find_user(b, "5001"), "user 5001 should not be on B");
    ok = 1;
out:
    json_decref(cmd);
    json_decref(failed);
    pushsim_free(a);
    pushsim_free(b);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (6b) A command the device keeps answering "busy" (-1005), and one whose ack is always lost, are
 * sent again up to --command-max-attempts times and then marked failed. */
static int t_retries_exhausted(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL, *c = NULL;
    json_t *cmd = NULL;
    const char *args[] = {"--command-timeout", "1", "--command-max-attempts", "3", NULL};
    REQUIRE(zkd_start(&d, NULL, args) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "RETRYA")) && (b = zkd_sim(&d, "RETRYB")) &&
                (c = zkd_sim(&d, "RETRYC")),
            "registration");
    pushsim_set_fail(b, -1, -1005);                               /* B: always busy */
    SIM_OK(c, pushsim_set_fault(c, PUSHSIM_FAULT_DROP_ACK, 100)); /* C: results never arrive */
    SIM_OK(a, pushsim_enroll_fake(a, 5101, 1, 0, 0));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    size_t n = 0, got_b = 0, got_c = 0;
    for (int i = 0; i < 8; i++) {
        SIM_OK(b, pushsim_poll(b, &n));
        got_b += n;
        SIM_OK(c, pushsim_poll(c, &n));
        got_c += n;
        zkd_sleep_ms(1200);
    }
    REQUIRE(pushsim_cmd_count(b) > 0 && pushsim_cmd_count(c) > 0,
            "B or C never received the command");
    const char *sns[2] = {"RETRYB", "RETRYC"};
    const pushsim *sims[2] = {b, c};
    size_t got[2] = {got_b, got_c};
    for (int k = 0; k < 2; k++) {
        cmd = command_by_id(&d, sns[k], pushsim_cmd_at(sims[k], 0)->id);
        REQUIRE(cmd, "%s: command not in the commands API", sns[k]);
        REQUIRE(
            strcmp(jstr(cmd, "status"), "failed") == 0 && jint(cmd, "attempts") == 3,
            "%s: command ended %s after %lld attempts (%zu deliveries), expected failed after 3",
            sns[k], jstr(cmd, "status"), jint(cmd, "attempts"), got[k]);
        REQUIRE(got[k] == 3, "%s received the command %zu times, expected 3", sns[k], got[k]);
        if (k == 0)
            REQUIRE(jint(cmd, "return_code") == -1005,
                    "busy command has return_code %lld, expected -1005", jint(cmd, "return_code"));
        json_decref(cmd);
        cmd = NULL;
    }
    ok = 1;
out:
    json_decref(cmd);
    pushsim_free(a);
    pushsim_free(b);
    pushsim_free(c);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (7) No echo loop: once in sync, re-uploading the same data creates no command and polls bring
 * nothing. */
static int t_no_echo(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "ECHOA")) && (b = zkd_sim(&d, "ECHOB")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 6001, 2, 2, 1));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    SYNC(b);
    TABLES_EQUAL(a, b);
    size_t n = 0;
    SIM_OK(a, pushsim_poll(a, &n));
    REQUIRE(n == 0, "the uploading device A got %zu command(s) for its own data", n);
    long before = count_commands(&d, "ECHOA", NULL) + count_commands(&d, "ECHOB", NULL);
    /* B uploads back what it received (firmware that reports applied changes), A uploads it again.
     */
    SIM_OK(b, pushsim_upload_user(b, "6001", NULL));
    SIM_OK(b, pushsim_upload_user(b, "6002", NULL));
    SIM_OK(a, pushsim_upload_user(a, "6001", NULL));
    long after = count_commands(&d, "ECHOA", NULL) + count_commands(&d, "ECHOB", NULL);
    REQUIRE(before >= 0 && after == before,
            "re-uploading identical users created commands (%ld before, %ld after)", before, after);
    for (int round = 0; round < 3; round++) {
        SIM_OK(a, pushsim_poll(a, &n));
        REQUIRE(n == 0, "round %d: A got %zu command(s) after identical re-uploads", round, n);
        SIM_OK(b, pushsim_poll(b, &n));
        REQUIRE(n == 0, "round %d: B got %zu command(s) after identical re-uploads", round, n);
    }
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(b);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (8) Malformed ATTLOG lines are skipped; the reply counts only the stored ones. */
static int t_malformed(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "BADA")), "registration");
    const char body[] = "501\t2025-03-01 08:00:00\t0\t1\t0\t0\t0\n"
                        "this is not a punch\n"
                        "502\t2025-03-01 08:01:00\t0\t1\t0\t0\t0\r\n"
                        "\t2025-03-01 08:02:00\t0\t1\t0\t0\t0\n"
                        "503\tnot-a-time\t0\t1\t0\t0\t0\n"
                        "505\t2025-03-01 08:04:00\t1\t15\t\t0\t0\t\t\t43\n"
                        "\n";
    SIM_OK(a, pushsim_post_raw(a, "ATTLOG", body, sizeof(body) - 1));
    REQUIRE(pushsim_last_status(a) == 200, "HTTP %ld for a batch with malformed lines",
            pushsim_last_status(a));
    REQUIRE(pushsim_last_ok_count(a) == 3, "reply '%s', expected 'OK: 3' (3 good lines of 6)",
            pushsim_last_reply(a));
    long n = zkd_attendance_count(&d, "BADA");
    REQUIRE(n == 3, "attendance API has %ld records, expected 3", n);
    /* A batch of nothing but garbage stores nothing and does not break the device's stream. */
    SIM_OK(a, pushsim_post_raw(a, "ATTLOG", "garbage\n\x01\x02\x03\n", 12));
    REQUIRE(pushsim_last_status(a) == 200 && pushsim_last_ok_count(a) == 0,
            "garbage batch: HTTP %ld '%s'", pushsim_last_status(a), pushsim_last_reply(a));
    REQUIRE(zkd_attendance_count(&d, "BADA") == 3, "garbage batch changed the attendance count");
    ok = 1;
out:
    pushsim_free(a);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (9) A body over --max-body gets 413 and nothing of it is stored. */
static int t_max_body(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL;
    char *big = NULL;
    const char *args[] = {"--max-body", "4096", NULL};
    REQUIRE(zkd_start(&d, NULL, args) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "BIGA")), "registration");
    size_t cap = 12000, len = 0;
    big = malloc(cap);
    REQUIRE(big, "out of memory");
    for (int i = 0; len + 64 < cap; i++)
        len +=
            (size_t)snprintf(big + len, cap - len, "%d\t2025-04-01 %02d:%02d:00\t0\t1\t0\t0\t0\n",
                             700 + i, (i / 60) % 24, i % 60);
    int rc = pushsim_post_raw(a, "ATTLOG", big, len);
    REQUIRE(rc == 0, "transport error on an oversized body: %s (%s)", zkbio_strerror(rc),
            pushsim_last_error(a));
    REQUIRE(pushsim_last_status(a) == 413,
            "oversized body (%zu bytes > 4096) got HTTP %ld '%s', expected 413", len,
            pushsim_last_status(a), pushsim_last_reply(a));
    REQUIRE(zkd_attendance_count(&d, "BIGA") == 0, "records of a refused body were stored");
    SIM_OK(a, pushsim_post_raw(a, "ATTLOG", big, 40)); /* a small one still works */
    REQUIRE(pushsim_last_status(a) == 200, "small body got HTTP %ld", pushsim_last_status(a));
    ok = 1;
out:
    free(big);
    pushsim_free(a);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (10) allow-list admission: an unknown SN gets 403 and nothing is stored. */
static int t_allow_list(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *bad = NULL, *good = NULL;
    json_t *devs = NULL;
    const char *args[] = {"--admission", "allow-list", "--allow-sn", "GOOD1", NULL};
    REQUIRE(zkd_start(&d, NULL, args) == 0, "zkbiod did not start");
    pushsim_config cfg = {.url = d.url, .sn = "INTRUDER9"};
    SIM_OK(bad, pushsim_new(&cfg, &bad));
    int rc = pushsim_handshake(bad);
    REQUIRE(rc == ZKBIO_EACCES && pushsim_last_status(bad) == 403,
            "unknown SN handshake: %s, HTTP %ld", zkbio_strerror(rc), pushsim_last_status(bad));
    const char punch[] = "1\t2025-05-01 09:00:00\t0\t1\t0\t0\t0\n";
    SIM_OK(bad, pushsim_post_raw(bad, "ATTLOG", punch, sizeof(punch) - 1));
    REQUIRE(pushsim_last_status(bad) == 403, "unknown SN ATTLOG post got HTTP %ld",
            pushsim_last_status(bad));
    SIM_OK(bad, pushsim_enroll_fake(bad, 9001, 1, 1, 0));
    rc = pushsim_upload_pending(bad, NULL);
    REQUIRE(rc == ZKBIO_EACCES, "unknown SN OPERLOG post: %s, HTTP %ld", zkbio_strerror(rc),
            pushsim_last_status(bad));
    rc = pushsim_poll(bad, NULL);
    REQUIRE(rc == ZKBIO_EACCES, "unknown SN getrequest: %s, HTTP %ld", zkbio_strerror(rc),
            pushsim_last_status(bad));
    REQUIRE(zkd_attendance_count(&d, "INTRUDER9") == 0, "punches of a refused device were stored");
    REQUIRE(api_template_count(&d, "9001") == -1, "user of a refused device was stored");
    long st;
    devs = zkd_api(&d, NULL, &st, "/api/v1/devices");
    size_t i;
    json_t *dev;
    json_array_foreach(zkd_items(devs), i, dev)
    {
        REQUIRE(strcmp(jstr(dev, "sn"), "INTRUDER9") != 0,
                "refused device is listed in /api/v1/devices");
    }
    REQUIRE((good = zkd_sim(&d, "GOOD1")), "allowed device GOOD1 could not register");
    SIM_OK(good, pushsim_post_raw(good, "ATTLOG", punch, sizeof(punch) - 1));
    REQUIRE(pushsim_last_status(good) == 200 && pushsim_last_ok_count(good) == 1,
            "allowed device: HTTP %ld '%s'", pushsim_last_status(good), pushsim_last_reply(good));
    ok = 1;
out:
    json_decref(devs);
    pushsim_free(bad);
    pushsim_free(good);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (11) zkbiod killed with -9 right after acknowledging a batch keeps it after a restart. */
static int t_kill9(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "CRASHA")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 7001, 1, 2, 0));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    SIM_OK(a, pushsim_add_fake_punches(a, 7001, 1, 100, "2025-06-01 06:00:00"));
    size_t acc = 0;
    SIM_OK(a, pushsim_upload_punches(a, &acc));
    zkd_kill9(&d); /* no chance to flush anything after the reply */
    REQUIRE(acc == 100, "batch acknowledged with OK: %zu, expected 100", acc);
    REQUIRE(zkd_restart(&d) == 0, "zkbiod did not restart after kill -9");
    long n = zkd_attendance_count(&d, "CRASHA");
    REQUIRE(n == 100, "after kill -9 and restart the API has %ld of 100 acknowledged punches", n);
    REQUIRE(api_template_count(&d, "7001") == 2,
            "acknowledged user 7001 with 2 templates lost (API: %ld)",
            api_template_count(&d, "7001"));
    /* The restarted server keeps working for the same device. */
    SIM_OK(a, pushsim_handshake(a));
    SIM_OK(a, pushsim_add_punch(a, "7001", "2025-06-02 06:00:00", 0, 1));
    SIM_OK(a, pushsim_upload_punches(a, &acc));
    REQUIRE(zkd_attendance_count(&d, "CRASHA") == 101, "punch after restart not stored");
    ok = 1;
out:
    pushsim_free(a);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (12) A device registering later gets a full sync of existing users and templates (in order). */
static int t_full_sync(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *late = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "FULLA")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 8001, 5, 2, 1));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    REQUIRE((late = zkd_sim(&d, "FULLLATE")), "late device registration");
    size_t total = 0;
    SIM_OK(late, pushsim_poll_until_quiet(late, 3, 60, 0, &total));
    REQUIRE(total >= 20,
            "late device received %zu commands, expected at least 20 (5 users + 15 templates)",
            total);
    TABLES_EQUAL(a, late);
    const char *why = order_problem(late);
    REQUIRE(!why, "%s", why);
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(late);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (13) Commands go out in order: a user's USERINFO before that user's templates. */
static int t_order(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "ORDA")) && (b = zkd_sim(&d, "ORDB")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 9101, 3, 2, 1));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    /* Later a template change alone for the first user, then a new user. */
    pushsim_template t = {.kind = PUSHSIM_FP,
                          .pin = "9101",
                          .no = 5,
                          .index = 0,
                          .type = 1,
                          .valid = 1,
                          .duress = -1,
                          .major_ver = -1,
                          .minor_ver = -1,
                          .format = -1};
    SIM_OK(a, add_fake_template(a, &t, 42, 1100));
    SIM_OK(a, pushsim_enroll_fake(a, 9104, 1, 2, 0));
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    SYNC(b);
    REQUIRE(pushsim_cmd_count(b) >= 16, "B received %zu commands, expected at least 16",
            pushsim_cmd_count(b));
    const char *why = order_problem(b);
    REQUIRE(!why, "%s", why);
    TABLES_EQUAL(a, b);
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(b);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (14) Several commands per poll (default 10). */
static int t_batch_poll(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL, *b = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "MANYA")) && (b = zkd_sim(&d, "MANYB")), "registration");
    SIM_OK(a, pushsim_enroll_fake(a, 9201, 5, 2, 0)); /* 15 items */
    SIM_OK(a, pushsim_upload_pending(a, NULL));
    size_t n1 = 0, n2 = 0, n3 = 0;
    SIM_OK(b, pushsim_poll(b, &n1));
    SIM_OK(b, pushsim_poll(b, &n2));
    SIM_OK(b, pushsim_poll(b, &n3));
    REQUIRE(n1 == 10, "first poll brought %zu commands, expected 10 (the default per poll)", n1);
    REQUIRE(n2 == 5 && n3 == 0, "next polls brought %zu and %zu commands, expected 5 and 0", n2,
            n3);
    /* All ten results of the first poll went back in one devicecmd body and were all matched. */
    REQUIRE(count_commands(&d, "MANYB", "done") == 15, "%ld of 15 commands done",
            count_commands(&d, "MANYB", "done"));
    TABLES_EQUAL(a, b);
    ok = 1;
out:
    pushsim_free(a);
    pushsim_free(b);
    zkd_cleanup(&d, ok);
    return ok;
}

/* Operator commands through the API reach the device and their results are stored (INFO multi-line
 * reply, unknown command → -1002 shown as failed). */
static int t_operator_commands(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL;
    json_t *r = NULL, *cmd = NULL;
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "OPSA")), "registration");
    long st;
    r = zkd_api(&d, "{\"command\":\"INFO\"}", &st, "/api/v1/devices/OPSA/commands");
    json_t *queued = json_object_get(r, "data");
    REQUIRE(st == 201 && json_is_true(json_object_get(r, "status")) &&
                json_is_integer(json_object_get(queued, "id")) &&
                json_is_integer(json_object_get(queued, "device_id")),
            "POST INFO: HTTP %ld", st);
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(queued, "id")));
    json_decref(r);
    r = zkd_api(&d, "{\"command\":\"Shell\"}", &st, "/api/v1/devices/OPSA/commands");
    REQUIRE(st == 400 || st == 403, "POST Shell must be refused, got HTTP %ld", st);
    json_decref(r);
    r = NULL;
    size_t n = 0;
    SIM_OK(a, pushsim_poll(a, &n));
    REQUIRE(n == 1 && strcmp(pushsim_cmd_at(a, 0)->text, "INFO") == 0,
            "device got %zu commands (first '%s')", n, n ? pushsim_cmd_at(a, 0)->text : "");
    cmd = command_by_id(&d, "OPSA", id);
    REQUIRE(cmd && strcmp(jstr(cmd, "status"), "done") == 0 && jint(cmd, "return_code") == 0,
            "INFO command: status %s return %lld", cmd ? jstr(cmd, "status") : "?",
            cmd ? jint(cmd, "return_code") : 0);
    ok = 1;
out:
    json_decref(r);
    json_decref(cmd);
    pushsim_free(a);
    zkd_cleanup(&d, ok);
    return ok;
}

/* Malformed and unauthorised management requests get a clear 4xx with an error body; PIN and id
 * cursors page. */
static int t_api_errors(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL;
    json_t *j = NULL;
    long st = 0;
    char buf[512];
    REQUIRE(zkd_start(&d, NULL, NULL) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "APIA")), "registration");
    const char *users_body = "USER PIN=abc\tName=X\nUSER PIN=abd\tName=Y\n";
    SIM_OK(a, pushsim_post_raw(a, "OPERLOG", users_body, strlen(users_body)));

    st = zkd_http_get(&d, "/api/v1/devices", buf, sizeof(buf));
    REQUIRE(st == 401 && strstr(buf, "\"UNAUTHORIZED\"") && strstr(buf, "\"status\":false"),
            "no token: HTTP %ld '%s'", st, buf);
    st = zkd_http_get(&d, "/nope", buf, sizeof(buf));
    REQUIRE(st == 404 && strstr(buf, "\"NOT_FOUND\""), "unknown path: HTTP %ld '%s'", st, buf);

    j = zkd_api(&d, NULL, &st, "/api/v1/attendance?from=yesterday");
    REQUIRE(st == 400 && json_is_false(json_object_get(j, "status")) &&
                strcmp(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                       "VALIDATION_ERROR") == 0,
            "bad from: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, NULL, &st, "/api/v1/commands?status=bogus");
    REQUIRE(st == 400, "bad status filter: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, NULL, &st, "/api/v1/attendance?limit=0");
    REQUIRE(st == 400, "limit 0: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, "{not json", &st, "/api/v1/devices/APIA/commands");
    REQUIRE(st == 400 && json_object_get(j, "error"), "malformed JSON: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, "[1,2]", &st, "/api/v1/devices/APIA/commands");
    REQUIRE(st == 400, "JSON array body: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, "{\"command\":\"SHELL\",\"cmd\":\"id\"}", &st, "/api/v1/devices/APIA/commands");
    REQUIRE(st == 400, "Shell command: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, "{\"command\":\"REBOOT\"}", &st, "/api/v1/devices/NOSUCH/commands");
    REQUIRE(st == 404, "command for an unknown device: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, "{}", &st, "/api/v1/users");
    REQUIRE(st == 405, "POST to a list: HTTP %ld", st);
    json_decref(j);

    /* Users page by PIN: the cursor after abc returns abd only; a made-up cursor is 400. */
    j = zkd_api(&d, NULL, &st, "/api/v1/users?limit=1");
    REQUIRE(st == 200 && zkd_next(j) && json_array_size(zkd_items(j)) == 1,
            "users limit=1 gives a next cursor");
    char cursor[64];
    snprintf(cursor, sizeof(cursor), "%s", zkd_next(j));
    json_decref(j);
    j = zkd_api(&d, NULL, &st, "/api/v1/users?after=%s", cursor);
    json_t *users = zkd_items(j);
    REQUIRE(st == 200 && json_array_size(users) == 1 &&
                strcmp(json_string_value(json_object_get(json_array_get(users, 0), "pin")),
                       "abd") == 0 &&
                zkd_next(j) == NULL,
            "users after the cursor of abc: HTTP %ld", st);
    json_decref(j);
    j = zkd_api(&d, NULL, &st, "/api/v1/users?after=abc");
    REQUIRE(st == 400, "users after=abc (not a cursor): HTTP %ld", st);
    json_decref(j);
    j = NULL;
    ok = 1;
out:
    json_decref(j);
    pushsim_free(a);
    zkd_cleanup(&d, ok);
    return ok;
}

int main(int argc, char **argv)
{
    static const zkd_test tests[] = {
        {"fanout", t_fanout},
        {"biodata", t_biodata},
        {"biodata-unpadded", t_biodata_unpadded},
        {"offline", t_offline},
        {"resent-batch", t_resent_batch},
        {"group-commit", t_group_commit},
        {"delete", t_delete},
        {"lost-ack", t_lost_ack},
        {"failing-command", t_failing_command},
        {"retries-exhausted", t_retries_exhausted},
        {"no-echo", t_no_echo},
        {"malformed", t_malformed},
        {"max-body", t_max_body},
        {"allow-list", t_allow_list},
        {"kill9", t_kill9},
        {"full-sync", t_full_sync},
        {"order", t_order},
        {"batch-poll", t_batch_poll},
        {"operator-commands", t_operator_commands},
        {"api-errors", t_api_errors},
    };
    return zkd_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
