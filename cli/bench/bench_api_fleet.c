/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench api --scenario fleet`: T emulated 4370 terminals (default 50; in-process
 * emulators, each on its own loopback port, 10 users and 100 punches, the emulator's default link
 * rate) registered in one zkbiod, which runs its realtime listeners and periodic pulls. Once every
 * terminal shows online in GET /api/v1/devices, zkbiod is left at rest for S seconds (default 30)
 * and measured: threads, resident memory, CPU (procstat.h: /proc on Linux, "n/a" elsewhere); then
 * the sessions each terminal saw (one open session per terminal expected: its listener, which the
 * pulls share) and the punches zkbiod stored from them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zkbio/zk4370_emu.h"

#include "api_common.h"
#include "api_http.h"
#include "procstat.h"
#include "util.h"

#define PUNCHES_EACH 100

/* 1 when the device row says it is online: "online"/"is_online" true, or "state"/"status"
 * "online". */
static int row_online(json_t *row)
{
    static const char *const b[] = {"online", "is_online"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(row, b[i]);
        if (json_is_boolean(v))
            return json_is_true(v);
    }
    static const char *const s[] = {"state", "status", "connection"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = json_string_value(json_object_get(row, s[i]));
        if (v)
            return strcmp(v, "online") == 0;
    }
    return 0;
}

/* How many of ids[0..n) GET /api/v1/devices lists as online (keyset pages of 100); -1 on error. */
static long count_online(api_http *h, const long long *ids, long n, long timeout_s)
{
    long online = 0;
    char path[128] = "/api/v1/devices?limit=100";
    for (int page = 0; page < 1000; page++) {
        if (api_http_call(h, "GET", path, NULL, timeout_s) != 0 || h->status != 200)
            return -1;
        json_t *j = api_http_json(h);
        json_t *d = api_data(j);
        json_t *rows = api_list_rows(d);
        size_t nr = json_array_size(rows);
        long long last = -1;
        for (size_t i = 0; i < nr; i++) {
            json_t *row = json_array_get(rows, i);
            long long id = api_int(row, "id");
            last = id;
            for (long k = 0; k < n; k++)
                if (ids[k] == id) {
                    online += row_online(row);
                    break;
                }
        }
        json_t *next = json_object_get(d, "next");
        if (!next)
            next = json_object_get(json_object_get(d, "paging"), "next");
        long long cursor = json_is_integer(next)  ? (long long)json_integer_value(next)
                           : json_is_string(next) ? strtoll(json_string_value(next), NULL, 10)
                                                  : (nr == 100 ? last : -1);
        json_decref(j);
        if (!rows)
            return -1;
        if (cursor < 0 || nr < 100)
            break;
        snprintf(path, sizeof(path), "/api/v1/devices?limit=100&after=%lld", cursor);
    }
    return online;
}

/* One figure of the at-rest table, "n/a" where the platform has no reader. */
static void print_proc(const char *what, int ok, int decimals, double v)
{
    if (ok)
        printf("%-36s %.*f\n", what, decimals, v);
    else
        printf("%-36s n/a\n", what);
}

int api_run_fleet(const api_opts *o, json_t *out)
{
    int status = 0;
    long n = o->terminals;
    json_t *js = json_object();
    json_object_set_new(out, "fleet", js);
    json_object_set_new(js, "terminals", json_integer(n));
    json_object_set_new(js, "rest_s", json_real(o->rest_s));
    zkbio_zk_emu **emu = calloc((size_t)n, sizeof(*emu));
    long long *ids = calloc((size_t)n, sizeof(*ids));
    api_server srv;
    memset(&srv, 0, sizeof(srv));
    api_http h;
    memset(&h, 0, sizeof(h));
    char err[400] = "";
    if (!emu || !ids) {
        free(emu);
        free(ids);
        fprintf(stderr, "zkbio bench api: fleet: out of memory\n");
        return 2;
    }
    for (long i = 0; i < n; i++) {
        zkbio_zk_emu_options eo;
        zkbio_zk_emu_options_init(&eo);
        char serial[32];
        snprintf(serial, sizeof(serial), "ZKBF%s%04ld", o->tag, i + 1);
        eo.serial = serial;
        eo.users = 10;
        eo.punches = PUNCHES_EACH;
        int rc = zkbio_zk_emu_start(&eo, &emu[i]);
        if (rc != ZKBIO_OK) {
            fprintf(stderr, "zkbio bench api: fleet: emulator %ld did not start: %s\n", i + 1,
                    zkbio_strerror(rc));
            status = 2;
            goto out;
        }
    }
    if (api_server_start(o, NULL, 0, &srv) != 0 || api_http_init(&h, srv.port, srv.token) != 0) {
        status = 2;
        goto out;
    }
    /* what the database held before (a persistent --db): the punches counted are the increase */
    long long before = api_count_attendance(&h, "", o->timeout_s, 1);
    if (before < 0) {
        fprintf(stderr, "zkbio bench api: fleet: GET /api/v1/attendance: %s\n",
                api_describe(&h, err, sizeof(err)));
        status = 1;
        goto out;
    }
    if (!o->json)
        fprintf(stderr, "zkbio bench api: fleet: registering %ld terminals...\n", n);
    double t0 = cli_now_s();
    for (long i = 0; i < n; i++) {
        uint16_t port = 0;
        zkbio_zk_emu_port(emu[i], &port);
        char name[32];
        snprintf(name, sizeof(name), "bench-fleet-%ld", i + 1);
        ids[i] = api_register_terminal(&h, name, port, o->timeout_s, err, sizeof(err));
        if (ids[i] < 0) {
            fprintf(stderr, "zkbio bench api: fleet: terminal %ld: %s\n", i + 1, err);
            status = 1;
            goto out;
        }
    }
    double reg_s = cli_now_s() - t0;
    long online = 0;
    double until = cli_now_s() + (double)o->timeout_s;
    while (!cli_stopped()) {
        online = count_online(&h, ids, n, o->timeout_s);
        if (online < 0) {
            fprintf(stderr, "zkbio bench api: fleet: GET /api/v1/devices: %s\n",
                    api_describe(&h, err, sizeof(err)));
            status = 1;
            goto out;
        }
        if (online == n || cli_now_s() > until)
            break;
        api_sleep_ms(100);
    }
    double online_s = cli_now_s() - t0;
    /* the catch-up pulls after connecting: wait until they stored every terminal's punches, so
     * that the rest measured is rest */
    long long stored = -1;
    while (online == n && !cli_stopped()) {
        stored = api_count_attendance(&h, "", o->timeout_s, 1);
        if (stored >= 0)
            stored -= before;
        if (stored == -2) {
            fprintf(stderr, "zkbio bench api: fleet: GET /api/v1/attendance: %s\n",
                    api_describe(&h, err, sizeof(err)));
            status = 1;
            goto out;
        }
        stored -= before;
        if (stored >= n * PUNCHES_EACH || cli_now_s() > until)
            break;
        api_sleep_ms(100);
    }
    double pulled_s = cli_now_s() - t0;
    json_object_set_new(js, "punches_stored_before_rest", json_integer(stored));
    json_object_set_new(js, "pulled_after_s", json_real(pulled_s));
    json_object_set_new(js, "register_s", json_real(reg_s));
    json_object_set_new(js, "online", json_integer(online));
    json_object_set_new(js, "online_after_s", json_real(online_s));
    if (online != n) {
        fprintf(stderr, "zkbio bench api: fleet: %ld of %ld terminals online after %ld s\n", online,
                n, o->timeout_s);
        status = 1;
        goto out;
    }

    /* at rest */
    if (!o->json)
        fprintf(stderr, "zkbio bench api: fleet: %ld terminals online; at rest for %g s...\n", n,
                o->rest_s);
    bench_proc a, b;
    int pa = bench_proc_sample(srv.pid, &a);
    double rest_until = cli_now_s() + o->rest_s;
    while (cli_now_s() < rest_until && !cli_stopped())
        api_sleep_ms(50);
    int pb = bench_proc_sample(srv.pid, &b);
    int have = pa == 0 && pb == 0;
    double cpu = have ? bench_proc_cpu_percent(&a, &b) : -1;

    unsigned long opened = 0;
    long open_now = 0, exactly_one = 0, records_left = 0;
    for (long i = 0; i < n; i++) {
        zkbio_zk_emu_stats st;
        if (zkbio_zk_emu_stats_get(emu[i], &st) != ZKBIO_OK)
            continue;
        opened += st.sessions_opened;
        open_now += st.sessions;
        exactly_one += st.sessions == 1;
        records_left += (long)st.records;
    }
    stored = api_count_attendance(&h, "", o->timeout_s, 1);
    if (stored >= 0)
        stored -= before;

    json_t *jp = json_object();
    json_object_set_new(js, "zkbiod", jp);
    json_object_set_new(jp, "available", json_boolean(have));
    json_object_set_new(jp, "threads", have ? json_integer(b.threads) : json_null());
    json_object_set_new(jp, "rss_kib", have ? json_integer(b.rss_kib) : json_null());
    json_object_set_new(jp, "peak_rss_kib", have ? json_integer(b.hwm_kib) : json_null());
    json_object_set_new(jp, "cpu_percent", have ? json_real(cpu) : json_null());
    json_object_set_new(jp, "cpu_s", have ? json_real(b.cpu_s - a.cpu_s) : json_null());
    json_t *jt = json_object();
    json_object_set_new(js, "sessions", jt);
    json_object_set_new(jt, "open", json_integer(open_now));
    json_object_set_new(jt, "opened_total", json_integer((json_int_t)opened));
    json_object_set_new(jt, "terminals_with_one_open", json_integer(exactly_one));
    json_object_set_new(js, "punches_on_terminals", json_integer(records_left));
    json_object_set_new(js, "punches_stored", stored >= 0 ? json_integer(stored) : json_null());
    if (!o->json) {
        printf("zkbio bench api: fleet: %ld emulated terminals (4370 over TCP, %d punches each) "
               "in one zkbiod (%s)\n",
               n, PUNCHES_EACH, strncmp(o->db, "mariadb", 7) ? "SQLite" : "MariaDB");
        printf("%-36s %.2f s (all online %.2f s, all punches pulled %.2f s after the first)\n",
               "registered in", reg_s, online_s, pulled_s);
        printf("at rest for %.1f s:\n", o->rest_s);
        print_proc("  zkbiod threads", have, 0, (double)b.threads);
        print_proc("  zkbiod resident memory (MiB)", have, 1, (double)b.rss_kib / 1024.0);
        print_proc("  zkbiod peak resident memory (MiB)", have, 1, (double)b.hwm_kib / 1024.0);
        print_proc("  zkbiod CPU (% of one core)", have, 2, cpu);
        printf("%-36s %ld open (%ld terminals with exactly one), %lu opened since start\n",
               "terminal sessions", open_now, exactly_one, opened);
        printf("%-36s %lld of %ld\n", "punches stored from the terminals", stored,
               n * PUNCHES_EACH);
    }
    if (stored != n * PUNCHES_EACH) {
        fprintf(stderr,
                "zkbio bench api: fleet: %lld punches stored from the terminals, %ld expected\n",
                stored, n * PUNCHES_EACH);
        status = 1;
    }
    if (exactly_one != n) {
        fprintf(stderr,
                "zkbio bench api: fleet: %ld of %ld terminals have exactly one session open "
                "(%ld sessions open)\n",
                exactly_one, n, open_now);
        status = 1;
    }
out:
    for (long i = 0; h.c && i < n; i++)
        if (ids[i] > 0 && api_delete_device(&h, ids[i], o->timeout_s) != 0)
            status = status ? status : 1;
    api_http_free(&h);
    if (api_server_stop(o, &srv) != 0 && status == 0)
        status = 1;
    for (long i = 0; i < n; i++)
        zkbio_zk_emu_stop(emu[i]);
    free(emu);
    free(ids);
    json_object_set_new(js, "errors", json_boolean(status != 0));
    return status;
}
