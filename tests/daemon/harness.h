/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for zkbiod end-to-end tests: start zkbiod on a loopback port of its choosing (port
 * 0, read back through --port-file: tests/support/zkbiod-launch.h) with a temporary data directory,
 * wait for /health, call the management API, stop it (SIGTERM, or SIGKILL for crash tests), and a
 * tiny runner that prints one line per test and "N passed, M failed".
 *
 * The zkbiod binary is taken from $ZKBIOD (meson sets it), else "zkbiod" on PATH. Set
 * ZKBIO_TEST_KEEP=1 to keep data directories (and zkbiod.log) of failed tests; ZKBIO_TEST_VERBOSE=1
 * prints every simulator exchange. Not thread-safe except where noted: one thread drives a server;
 * several threads may call zkd_api() on it.
 */
#ifndef ZKBIO_TESTS_DAEMON_HARNESS_H
#define ZKBIO_TESTS_DAEMON_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "pushsim.h"

#define ZKD_TOKEN "test-admin-token-0123456789"

/* One zkbiod process. Zero-initialise, then zkd_start(). */
typedef struct zkd {
    pid_t pid;
    int port;
    char dir[256];   /* data directory (created by zkd_start, removed by zkd_cleanup) */
    char url[64];    /* http://127.0.0.1:PORT */
    char db[512];    /* --db value */
    char *extra[24]; /* extra arguments (copies) */
    int n_extra;
    int owns_dir;
} zkd;

/* Start zkbiod. `db` NULL = SQLite under the data dir. `extra` is a NULL-terminated list of more
 * arguments (may be NULL), e.g. {"--max-body", "4096", NULL}. Waits until GET /health answers 200
 * (15 s at most). Returns 0 or -1 (message on stderr). Always uses --delay 1 --log-level debug
 * --admin-token ZKD_TOKEN. */
int zkd_start(zkd *d, const char *db, const char *const *extra);

/* Start again with the same arguments, data dir and port (after zkd_kill9() or zkd_stop()). */
int zkd_restart(zkd *d);

/* SIGKILL and reap. */
void zkd_kill9(zkd *d);

/* SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status (or -1 when killed / not
 * running). */
int zkd_stop(zkd *d);

/* Stop if running, print the tail of zkbiod.log when !passed, remove the data dir (unless
 * ZKBIO_TEST_KEEP). */
void zkd_cleanup(zkd *d, int passed);

/* Management API call with the admin token. `body` NULL = GET, else POST with a JSON body. Returns
 * the parsed JSON (caller json_decref) or NULL; *status gets the HTTP status (0 on transport
 * error). Thread-safe. */
json_t *zkd_api(const zkd *d, const char *body, long *status, const char *path_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The same as a PATCH with a JSON body (issue 15: pin_address). */
json_t *zkd_api_patch(const zkd *d, const char *body, long *status, const char *path_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Plain GET of any path without the token (for /health). Returns the status; body copied to buf. */
long zkd_http_get(const zkd *d, const char *path, char *buf, size_t size);

/* The /api/v1 list reply's data.items (borrowed; NULL when reply is not one) and its
 * data.paging.next cursor (borrowed; NULL at the end). */
json_t *zkd_items(json_t *reply);
const char *zkd_next(json_t *reply);
/* Count attendance records (following `next`), filtered by sn (NULL = all). -1 on error. */
long zkd_attendance_count(const zkd *d, const char *sn);

/* All commands of a device as a JSON array (new reference; following `next`), or NULL on error. */
json_t *zkd_commands(const zkd *d, const char *sn);

/* The API's user with this PIN (new reference) or NULL when absent or on error (*err set to 1 on
 * error). */
json_t *zkd_user(const zkd *d, const char *pin, int *err);

/* A simulator registered with the server: pushsim_new + handshake + options. NULL on failure
 * (message on stderr).*/
pushsim *zkd_sim(const zkd *d, const char *sn);

/* Sleep for ms milliseconds. */
void zkd_sleep_ms(long ms);

/* ---- test runner ---- */

typedef struct zkd_test {
    const char *name;
    int (*fn)(void); /* returns 1 when passed */
} zkd_test;

/* Run the tests named in argv[1..] (all when none). Prints "ok - name" / "FAIL - name" and "N
 * passed, M failed". Returns the process exit status (0 all passed, 1 some failed, 77 none run
 * because of a skip). */
int zkd_run(const zkd_test *tests, size_t n, int argc, char **argv);

/* Record a failure message for the current test (printed by the runner). */
void zkd_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The assertions (tests/support/test.h) report through zkd_fail, so the runner's line names the
 * failure. A scenario uses REQUIRE(cond, fmt, ...) inside a function with an `out:` label and an
 * `int ok` result: its first failure ends it. */
#define TEST_REPORT zkd_fail
#include "test.h"

/* A pushsim call that must succeed. */
#define SIM_OK(sim, call)                                                                          \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        REQUIRE(rc_ == 0, "%s failed: %s (%s)", #call, zkbio_strerror(rc_),                        \
                pushsim_last_error(sim));                                                          \
    } while (0)

#endif /* ZKBIO_TESTS_DAEMON_HARNESS_H */
