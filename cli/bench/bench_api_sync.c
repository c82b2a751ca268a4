/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench api --scenario sync`: one emulated 4370 terminal's attendance log into zkbiod,
 * end to end, and the share of that spent on the wire.
 *
 * For each link rate (default: the emulator's default rate, then unpaced):
 *  1. an in-process emulator (libzkbio, TCP and UDP on a loopback port, profile zk8: 40-byte
 *     records) generates N punches (default 100,000) at start;
 *  2. wire: the library client alone downloads the whole log from it (zkbio_zk_client_open +
 *     zkbio_zk_attendance_get, TCP, connect to parsed records): the least any server can take;
 *  3. a fresh zkbiod (SQLite by default): the terminal is registered (POST /api/v1/devices, admin
 *     token), then the clock starts: POST /api/v1/attendance/device/{id}/sync (202 and a job id),
 *     GET /api/v1/jobs/{job} every 10 ms until the job ends; the clock stops when a poll sees it
 *     completed. The job's counts (downloaded, inserted) are reported and the stored punches
 *     counted through GET /api/v1/attendance;
 *  4. the wire share = the library download's time / the end-to-end time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zkbio/zk4370_client.h"
#include "zkbio/zk4370_emu.h"

#include "api_common.h"
#include "api_http.h"
#include "util.h"

typedef struct sync_result {
    long rate;
    double gen_s;  /* emulator start (generating the punches) */
    double wire_s; /* library download */
    size_t wire_records;
    double register_s;
    double e2e_s; /* sync request to completed */
    long long job_id, downloaded, inserted, duplicates, stored;
    long long job_download_ms, job_total_ms; /* the job's own timing of its download and run */
    char state[32];
    char serial[24]; /* the emulated terminal's serial number: ZKBS<tag><run> */
    int polls;
    unsigned long sessions_opened;
    int ok;
} sync_result;

/* A count of the job under one of its names, in data or data.result (or data.progress). */
static long long job_count(json_t *d, const char *name)
{
    long long v = api_int(d, name);
    if (v < 0)
        v = api_int(json_object_get(d, "result"), name);
    if (v < 0)
        v = api_int(json_object_get(d, "counts"), name);
    return v;
}

static const char *job_state(json_t *d)
{
    const char *s = json_string_value(json_object_get(d, "state"));
    return s ? s : json_string_value(json_object_get(d, "status"));
}

static int wire_download(uint16_t port, size_t want, sync_result *r, char *err, size_t errsz)
{
    zkbio_zk_client_options co;
    zkbio_zk_client_options_init(&co);
    co.transport = ZKBIO_ZK_TCP;
    co.timeout_ms = 10000;
    double t0 = cli_now_s();
    zkbio_zk_client *c = NULL;
    int rc = zkbio_zk_client_open("127.0.0.1", port, &co, &c);
    zkbio_zk_att *a = NULL;
    if (rc == ZKBIO_OK)
        rc = zkbio_zk_attendance_get(c, NULL, &a, &r->wire_records);
    r->wire_s = cli_now_s() - t0;
    zkbio_zk_free(a);
    zkbio_zk_client_close(c);
    if (rc != ZKBIO_OK) {
        snprintf(err, errsz, "library download: %s", zkbio_strerror(rc));
        return -1;
    }
    if (r->wire_records != want) {
        snprintf(err, errsz, "library download: %zu records, the terminal holds %zu",
                 r->wire_records, want);
        return -1;
    }
    return 0;
}

/* Steps 3: zkbiod, register, sync, poll. 0 or -1 (err). */
static int api_sync(const api_opts *o, uint16_t port, sync_result *r, char *err, size_t errsz)
{
    api_server srv;
    int rc = -1;
    api_http h;
    memset(&h, 0, sizeof(h));
    long long id = -1;
    /* no realtime session and no catch-up pull: the measured job is the one that downloads */
    static const char *const args[] = {"--fleet-listen", "false", "--fleet-pull-interval", "0"};
    if (api_server_start(o, args, 4, &srv) != 0) {
        snprintf(err, errsz, "zkbiod did not start");
        goto out;
    }
    if (api_http_init(&h, srv.port, srv.token) != 0) {
        snprintf(err, errsz, "out of memory");
        goto out;
    }
    double t0 = cli_now_s();
    id = api_register_terminal(&h, "bench-sync", port, o->timeout_s, err, errsz);
    r->register_s = cli_now_s() - t0;
    if (id < 0)
        goto out;

    char path[128];
    snprintf(path, sizeof(path), "/api/v1/attendance/device/%lld/sync", id);
    double start = cli_now_s();
    if (api_http_call(&h, "POST", path, "{}", o->timeout_s) != 0 || h.status != 202) {
        char d[200];
        snprintf(err, errsz, "POST %s: %s (want 202)", path, api_describe(&h, d, sizeof(d)));
        goto out;
    }
    json_t *j = api_http_json(&h);
    r->job_id = api_int(api_data(j), "job_id");
    json_decref(j);
    if (r->job_id < 0) {
        snprintf(err, errsz, "POST %s: no job_id in %.120s", path, h.body);
        goto out;
    }
    snprintf(path, sizeof(path), "/api/v1/jobs/%lld", r->job_id);
    double until = start + (double)o->timeout_s;
    for (;;) {
        if (api_http_call(&h, "GET", path, NULL, o->timeout_s) != 0 || h.status != 200) {
            char d[200];
            snprintf(err, errsz, "GET %s: %s", path, api_describe(&h, d, sizeof(d)));
            goto out;
        }
        r->polls++;
        j = api_http_json(&h);
        json_t *d = api_data(j);
        const char *st = job_state(d);
        snprintf(r->state, sizeof(r->state), "%s", st ? st : "?");
        int done =
            st && (!strcmp(st, "completed") || !strcmp(st, "failed") || !strcmp(st, "cancelled"));
        if (done) {
            r->e2e_s = cli_now_s() - start;
            r->downloaded = job_count(d, "downloaded");
            r->inserted = job_count(d, "inserted");
            r->duplicates = job_count(d, "duplicates");
            r->job_download_ms = job_count(d, "download_ms");
            r->job_total_ms = job_count(d, "total_ms");
            if (strcmp(st, "completed"))
                snprintf(err, errsz, "the sync job ended %s: %.160s", st, h.body);
        }
        json_decref(j);
        if (done)
            break;
        if (cli_now_s() > until || cli_stopped()) {
            snprintf(err, errsz, "the sync job is still %s after %ld s", r->state, o->timeout_s);
            goto out;
        }
        api_sleep_ms(10);
    }
    if (strcmp(r->state, "completed"))
        goto out;
    char q[64];
    snprintf(q, sizeof(q), "device=%s", r->serial);
    r->stored = api_count_attendance(&h, q, o->timeout_s, 1);
    if (r->stored == -2) {
        char d[200];
        snprintf(err, errsz, "GET /api/v1/attendance: %s", api_describe(&h, d, sizeof(d)));
        goto out;
    }
    rc = 0;
out:
    if (id >= 0 && h.c && api_delete_device(&h, id, o->timeout_s) != 0 && rc == 0) {
        snprintf(err, errsz, "the terminal could not be deleted");
        rc = -1;
    }
    api_http_free(&h);
    if (api_server_stop(o, &srv) != 0 && rc == 0) {
        snprintf(err, errsz, "zkbiod did not stop cleanly");
        rc = -1;
    }
    return rc;
}

static int run_rate(const api_opts *o, int run, long rate, sync_result *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->serial, sizeof(r->serial), "ZKBS%s%d", o->tag, run);
    r->rate = rate;
    r->stored = -1;
    zkbio_zk_emu_options eo;
    zkbio_zk_emu_options_init(&eo);
    eo.profile = 8;
    eo.users = 500;
    eo.punches = (size_t)o->punches;
    eo.serial = r->serial;
    eo.link_rate = rate == 0 ? -1 : (int)rate;
    zkbio_zk_emu *e = NULL;
    double t0 = cli_now_s();
    int rc = zkbio_zk_emu_start(&eo, &e);
    r->gen_s = cli_now_s() - t0;
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "zkbio bench api: sync: the emulator did not start: %s\n",
                zkbio_strerror(rc));
        return 2;
    }
    uint16_t port = 0;
    zkbio_zk_emu_port(e, &port);
    char err[400] = "";
    int status = 0;
    if (wire_download(port, (size_t)o->punches, r, err, sizeof(err)) != 0 ||
        api_sync(o, port, r, err, sizeof(err)) != 0)
        status = 1;
    zkbio_zk_emu_stats st;
    if (zkbio_zk_emu_stats_get(e, &st) == ZKBIO_OK)
        r->sessions_opened = st.sessions_opened;
    zkbio_zk_emu_stop(e);
    if (!status && (r->downloaded != o->punches || r->inserted != o->punches ||
                    (r->stored >= 0 && r->stored != o->punches))) {
        snprintf(err, sizeof(err),
                 "counts do not match: the terminal holds %ld, the job downloaded %lld and "
                 "inserted %lld, %lld stored",
                 o->punches, r->downloaded, r->inserted, r->stored);
        status = 1;
    }
    if (status)
        fprintf(stderr, "zkbio bench api: sync (link rate %ld): %s\n", rate, err);
    r->ok = status == 0;
    return status;
}

static void rate_label(long rate, char *buf, size_t cap)
{
    if (rate == 0)
        snprintf(buf, cap, "unpaced (--link-rate 0)");
    else if (rate == ZKBIO_ZK_EMU_LINK_RATE)
        snprintf(buf, cap, "%ld B/s (emulator default)", rate);
    else
        snprintf(buf, cap, "%ld B/s", rate);
}

int api_run_sync(const api_opts *o, json_t *out)
{
    int status = 0;
    json_t *js = json_object();
    json_object_set_new(out, "sync", js);
    json_object_set_new(js, "punches", json_integer(o->punches));
    json_object_set_new(js, "record_bytes", json_integer(40));
    json_object_set_new(js, "target_s", json_real(3.0));
    json_t *runs = json_array();
    json_object_set_new(js, "runs", runs);
    if (!o->json) {
        printf("zkbio bench api: sync: %ld punches (40-byte records) from one emulated terminal "
               "(TCP) into zkbiod (%s), end to end; target <= 3 s\n",
               o->punches, strncmp(o->db, "mariadb", 7) ? "SQLite" : "MariaDB");
        printf("%-31s %7s %7s %10s %8s %8s %8s %9s %8s %7s\n", "link rate", "wire s", "e2e s",
               "wire share", "job dl s", "store s", "other s", "inserted", "stored", "target");
        fflush(stdout);
    }
    for (int i = 0; i < o->nrates && !cli_stopped(); i++) {
        sync_result r;
        if (!o->json)
            fprintf(stderr, "zkbio bench api: sync: link rate %ld...\n", o->rates[i]);
        int rc = run_rate(o, i, o->rates[i], &r);
        if (rc > status)
            status = rc;
        char label[64];
        rate_label(r.rate, label, sizeof(label));
        double share = r.e2e_s > 0 ? r.wire_s / r.e2e_s * 100.0 : 0;
        int met = r.ok && r.e2e_s <= 3.0;
        json_t *e = json_object();
        json_object_set_new(e, "link_rate", json_integer(r.rate));
        json_object_set_new(e, "link", json_string(label));
        json_object_set_new(e, "emulator_start_s", json_real(r.gen_s));
        json_object_set_new(e, "wire_s", json_real(r.wire_s));
        json_object_set_new(e, "wire_records", json_integer((json_int_t)r.wire_records));
        json_object_set_new(e, "register_s", json_real(r.register_s));
        json_object_set_new(e, "end_to_end_s", json_real(r.e2e_s));
        json_object_set_new(e, "wire_share_percent", json_real(share));
        json_object_set_new(e, "job_download_ms",
                            r.job_download_ms >= 0 ? json_integer(r.job_download_ms) : json_null());
        json_object_set_new(e, "job_total_ms",
                            r.job_total_ms >= 0 ? json_integer(r.job_total_ms) : json_null());
        json_object_set_new(e, "job_id", json_integer(r.job_id));
        json_object_set_new(e, "job_state", json_string(r.state));
        json_object_set_new(e, "polls", json_integer(r.polls));
        json_object_set_new(e, "downloaded", json_integer(r.downloaded));
        json_object_set_new(e, "inserted", json_integer(r.inserted));
        json_object_set_new(e, "duplicates", json_integer(r.duplicates));
        json_object_set_new(e, "stored", r.stored >= 0 ? json_integer(r.stored) : json_null());
        json_object_set_new(e, "terminal_sessions_opened",
                            json_integer((json_int_t)r.sessions_opened));
        json_object_set_new(e, "target_met", json_boolean(met));
        json_object_set_new(e, "ok", json_boolean(r.ok));
        json_array_append_new(runs, e);
        if (!o->json) {
            double dl = r.job_download_ms >= 0 ? (double)r.job_download_ms / 1000.0 : -1;
            double store =
                r.job_total_ms >= 0 && dl >= 0 ? (double)r.job_total_ms / 1000.0 - dl : -1;
            double other = r.job_total_ms >= 0 ? r.e2e_s - (double)r.job_total_ms / 1000.0 : -1;
            printf("%-31s %7.3f %7.3f %9.0f%% %8.3f %8.3f %8.3f %9lld %8lld %7s\n", label, r.wire_s,
                   r.e2e_s, share, dl, store, other, r.inserted, r.stored,
                   r.ok ? api_verdict(met) : "ERROR");
            fflush(stdout);
        }
    }
    if (!o->json)
        printf("wire s: the library client alone downloading the same log (connect to parsed "
               "records); e2e s: POST .../sync to the job seen completed (polled every 10 ms);\n"
               "job dl s / store s: the job's own download and storing (its result's download_ms, "
               "total_ms); other s: e2e minus the job's run (queueing, polling, HTTP)\n");
    json_object_set_new(js, "errors", json_boolean(status != 0));
    return status;
}
