/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the scenarios of `zkbio bench api` share (bench_api.c): the options, the zkbiod each
 * scenario starts (loopback port 0, a temporary data directory, a random admin token in a 0600
 * file), latency percentiles and the JSON/text output conventions.
 *
 * Every scenario function prints its table on stdout unless o->json, adds its figures to `out`
 * (a JSON object it owns a member of), and returns 0 (ran, no error), 1 (ran, with errors: the
 * reason is on stderr) or 2 (could not start). Single-threaded callers; the scenarios start
 * their own threads.
 */
#ifndef ZKBIO_CLI_BENCH_API_COMMON_H
#define ZKBIO_CLI_BENCH_API_COMMON_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "api_http.h"

#define API_MAX_EXTRA 32
#define API_MAX_RATES 4

typedef struct api_opts {
    char zkbiod[4096]; /* the zkbiod to start */
    const char *db;    /* --db: "sqlite" or a mariadb:// URI */
    int json, keep_data;
    int quick;                        /* --quick: small sizes where the options set none */
    const char *extra[API_MAX_EXTRA]; /* --zkbiod-arg, appended to every zkbiod started */
    unsigned nextra;
    long timeout_s; /* per request, and the bound of every wait */
    char tag[8];    /* this run's tag (6 hex digits) in every serial number the benchmark makes, so
                       that runs against one persistent database (--db mariadb://) do not collide */
    /* sync */
    long punches;
    long rates[API_MAX_RATES]; /* emulator link rates (bytes/s; 0 = unpaced), in run order */
    int nrates;
    /* attendance */
    long stored, devices, users, connections, requests;
    /* fleet */
    long terminals;
    double rest_s;
} api_opts;

typedef struct api_server {
    pid_t pid; /* 0 when none was started */
    int port;
    int exited, status; /* reaped, and its wait status */
    char dir[256];      /* the temporary data directory ("" when none) */
    char token[65];     /* the admin token (64 hex digits) */
} api_server;

/* Start zkbiod with the common arguments plus args[0..nargs) and wait until GET /health answers
 * 200 (60 s at most). 0, or -1 with the reason printed (zkbiod's log tail included). Call
 * api_server_stop() in both cases. */
int api_server_start(const api_opts *o, const char *const *args, size_t nargs, api_server *s);

/* SIGTERM, wait (SIGKILL after 20 s), remove the data directory unless o->keep_data. 0 when zkbiod
 * exited with status 0 (or none ran), -1 otherwise (said on stderr). */
int api_server_stop(const api_opts *o, api_server *s);

/* The quantile q (0..1) of v[0..n) sorted ascending (nearest rank); 0 when n = 0. */
double api_quantile(const double *v, size_t n, double q);
void api_sort(double *v, size_t n);

/* Sleep ms milliseconds. */
void api_sleep_ms(long ms);

/* "met" / "MISSED" */
const char *api_verdict(int met);

/* POST /api/v1/devices for the 4370 terminal at 127.0.0.1:port (no comm key). The new device's
 * id, or -1 (the reason in err). */
long long api_register_terminal(api_http *h, const char *name, int port, long timeout_s, char *err,
                                size_t errsz);

/* DELETE /api/v1/devices/{id}: what the sync and fleet scenarios registered, so that a persistent
 * database can run them again. 0 or -1 (said on stderr). */
int api_delete_device(api_http *h, long long id, long timeout_s);

/* The punches GET /api/v1/attendance?<query> holds: the reply's total when it gives one, else (walk
 * set) a keyset walk in pages of 1000, else -1. -2 when a request failed (h tells why). */
long long api_count_attendance(api_http *h, const char *query, long timeout_s, int walk);

/* ---- the query threads of the read scenarios (api_pool.c) ----------------------------------- */
/* What the pool reads of a worker: a scenario's worker struct starts with this member. */
typedef struct api_worker {
    long n;        /* requests to make (set by the pool) */
    unsigned seed; /* the worker's random seed (set by the pool) */
    double *ms;    /* n latencies (ms), the first `done` of them filled (set by the pool) */
    long done, errors, rows;
    char first_error[240];
} api_worker;
typedef struct api_pool_result {
    long requests, errors, rows;
    double p50, p90, p99, max, mean, seconds; /* latencies in ms; seconds of the whole run */
    char first_error[240];
} api_pool_result;
/* Run k workers, `workers` an array of k structs of `size` bytes each starting with an api_worker,
 * on k threads running fn(worker), n requests each; worker i's seed is salt * 7919 + i * 104729.
 * Fills *r from every worker's api_worker (a worker not started counts n errors). The workers' own
 * fields stay for the caller to read; their ms pointers are NULL afterwards. 0, or -1 when out of
 * memory. */
int api_pool_run(void *workers, size_t size, long k, long n, unsigned salt, void *(*fn)(void *),
                 api_pool_result *r);

/* ---- the punch loader of the attendance and biotime scenarios (api_load.c) ------------------ */
#define API_LOAD_PER_POST   100         /* punches per PUSH upload */
#define API_LOAD_BASE_EPOCH 1735689600L /* 2025-01-01 00:00:00 UTC: punch 0 */
/* "YYYY-MM-DD HH:MM:SS" of Unix time t_unix (UTC) into out. */
void api_fmt_time(long t_unix, char out[20]);
/* Store o->stored punches in zkbiod on 127.0.0.1:port through PUSH uploads from o->devices
 * terminals "AB<o->tag>0001".. : punch k is PIN k % o->users + 1 at API_LOAD_BASE_EPOCH + k * step
 * seconds, state k % 2. 0, or -1 (said on stderr after "zkbio bench api: <what>: load: ");
 * *secs and *rate are the load's duration (s) and punches per second. */
int api_load_punches(const api_opts *o, int port, long step, const char *what, double *secs,
                     double *rate);

int api_run_sync(const api_opts *o, json_t *out);
int api_run_attendance(const api_opts *o, json_t *out);
int api_run_fleet(const api_opts *o, json_t *out);
/* bench_api_bt.c: GET /iclock/api/transactions/ (the BioTime-compatible API) */
int api_run_biotime(const api_opts *o, json_t *out);

#endif /* ZKBIO_CLI_BENCH_API_COMMON_H */
