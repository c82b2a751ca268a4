/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkbiod configuration and logging: defaults, precedence (flag > env > file > default), lists,
 * validation messages, secrets in the dump, --help completeness, log line shape.
 * Usage: test-config [README.md]  (with a README, its options block must equal --help).
 * Prints "N passed, M failed"; exits 1 on any failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zkbio/error.h"

#include "config.h"
#include "log.h"

#include "../support/test.h"

extern char **environ;

static char tmpdir[64];
static char err[512];

/* Load with argv = {"zkbiod", args..., NULL}. */
static int load_v(zkbiod_config *c, const char *const *args)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "zkbiod";
    for (; *args && argc < 63; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    err[0] = '\0';
    return zkbiod_config_load(c, argc, argv, err, sizeof(err));
}

#define LOAD(c, ...) load_v((c), (const char *const[]){__VA_ARGS__, NULL})
#define LOAD0(c)     load_v((c), (const char *const[]){NULL})

static void clear_env(void)
{
    for (;;) {
        char name[128] = "";
        for (char **e = environ; *e; e++) {
            if (strncmp(*e, "ZKBIOD_", 7) == 0) {
                const char *eq = strchr(*e, '=');
                size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
                if (n < sizeof(name)) {
                    memcpy(name, *e, n);
                    name[n] = '\0';
                }
                break;
            }
        }
        if (!name[0])
            return;
        unsetenv(name);
    }
}

static const char *write_file(const char *name, const char *text)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    if (!f) {
        perror(p);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return p;
}

/* The dump (or help) as a malloc'd string. */
static char *capture(const zkbiod_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (c)
        zkbiod_config_dump(c, f);
    else
        zkbiod_config_print_help(f);
    fclose(f);
    return buf;
}

static void test_defaults(void)
{
    zkbiod_config c;
    setenv("TZ", "UTC0", 1);
    tzset();
    CHECK(LOAD0(&c) == 0);
    CHECK(c.listen_count == 1);
    CHECK_STR(c.listen[0], "0.0.0.0:8081");
    CHECK(c.listen[1] == NULL);
    if (geteuid() == 0)
        CHECK_STR(c.data_dir, "/var/lib/zkbiod");
    CHECK_STR(c.db, "sqlite");
    char want[512];
    snprintf(want, sizeof(want), "sqlite:%s/zkbiod.db", c.data_dir);
    CHECK_STR(c.db_uri, want);
    snprintf(want, sizeof(want), "%s/attphoto", c.data_dir);
    CHECK_STR(c.attphoto_dir, want);
    CHECK_STR(c.admin_token, "");
    CHECK_STR(c.admin_token_file, "");
    CHECK_STR(c.config_file, "");
    CHECK(c.log_level == ZLOG_INFO);
    CHECK(c.admission == ZKBIOD_ADMISSION_PENDING); /* issue 15: the safe default */
    CHECK(c.pending_max == 100 && c.unknown_rate == 10);
    CHECK(c.allow_sn_count == 0 && c.allow_sn && c.allow_sn[0] == NULL);
    CHECK(c.delay == 10);
    CHECK(c.error_delay == 30);
    CHECK(c.timezone_min == 0);
    CHECK(c.realtime == 1);
    CHECK(c.trans_interval == 1);
    CHECK_STR(c.trans_times, "00:00;14:05");
    CHECK(c.commands_per_poll == 10);
    CHECK(c.command_timeout == 120);
    CHECK(c.command_max_attempts == 5);
    CHECK(c.max_body == 10u * 1024 * 1024);
    CHECK(c.full_sync == 1);
    CHECK(c.threads == 64);
    zkbiod_config_free(&c);
    zkbiod_config_free(&c); /* repeated free is harmless */

    /* The time zone default follows the server's local offset. */
    setenv("TZ", "<+0530>-5:30", 1);
    tzset();
    CHECK(LOAD0(&c) == 0);
    CHECK(c.timezone_min == 330);
    zkbiod_config_free(&c);
    setenv("TZ", "UTC0", 1);
    tzset();

    /* Non-root data directory rules, checked only where they apply. */
    if (geteuid() != 0) {
        setenv("XDG_DATA_HOME", "/tmp/xdg", 1);
        CHECK(LOAD0(&c) == 0);
        CHECK_STR(c.data_dir, "/tmp/xdg/zkbiod");
        zkbiod_config_free(&c);
        unsetenv("XDG_DATA_HOME");
        setenv("HOME", "/tmp/home", 1);
        CHECK(LOAD0(&c) == 0);
        CHECK_STR(c.data_dir, "/tmp/home/.local/share/zkbiod");
        zkbiod_config_free(&c);
    }
}

static void test_precedence(void)
{
    zkbiod_config c;
    const char *file = write_file("prec.conf", "# zkbiod\n"
                                               "delay = 3\n"
                                               "threads = 7\n"
                                               "log-level = warn\n"
                                               "listen = 127.0.0.1:9001\n");
    /* file only */
    CHECK(LOAD(&c, "--config", file) == 0);
    CHECK(c.delay == 3 && c.threads == 7 && c.log_level == ZLOG_WARN);
    CHECK_STR(c.config_file, file);
    CHECK(c.listen_count == 1);
    CHECK_STR(c.listen[0], "127.0.0.1:9001");
    zkbiod_config_free(&c);

    /* env over file */
    setenv("ZKBIOD_DELAY", "4", 1);
    setenv("ZKBIOD_LOG_LEVEL", "debug", 1);
    CHECK(LOAD(&c, "--config", file) == 0);
    CHECK(c.delay == 4 && c.threads == 7 && c.log_level == ZLOG_DEBUG);
    zkbiod_config_free(&c);

    /* flag over env over file */
    CHECK(LOAD(&c, "--config", file, "--delay", "5") == 0);
    CHECK(c.delay == 5 && c.threads == 7 && c.log_level == ZLOG_DEBUG);
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--delay=6", "--config", file) == 0);
    CHECK(c.delay == 6);
    zkbiod_config_free(&c);

    /* ZKBIOD_CONFIG names the file when --config is absent; --config wins over it. */
    setenv("ZKBIOD_CONFIG", file, 1);
    unsetenv("ZKBIOD_DELAY");
    CHECK(LOAD0(&c) == 0);
    CHECK(c.delay == 3 && c.threads == 7);
    zkbiod_config_free(&c);
    const char *other = write_file("other.conf", "threads = 9\n");
    CHECK(LOAD(&c, "--config", other) == 0);
    CHECK(c.threads == 9 && c.delay == 10);
    zkbiod_config_free(&c);

    /* an empty environment variable counts as unset */
    setenv("ZKBIOD_THREADS", "", 1);
    CHECK(LOAD0(&c) == 0);
    CHECK(c.threads == 7);
    zkbiod_config_free(&c);
    clear_env();
}

static void test_lists(void)
{
    zkbiod_config c;
    CHECK(LOAD(&c, "--listen", "127.0.0.1:8081", "--listen", "[::1]:8082", "--listen=[::]:8443s",
               "--listen", "9000") == 0);
    CHECK(c.listen_count == 4);
    if (c.listen_count == 4) {
        CHECK_STR(c.listen[0], "127.0.0.1:8081");
        CHECK_STR(c.listen[1], "[::1]:8082");
        CHECK_STR(c.listen[2], "[::]:8443s");
        CHECK_STR(c.listen[3], "9000");
        CHECK(c.listen[4] == NULL);
    }
    zkbiod_config_free(&c);

    /* commas, and a higher source replaces the whole list of a lower one */
    setenv("ZKBIOD_LISTEN", "0.0.0.0:1, [::]:2", 1);
    CHECK(LOAD0(&c) == 0);
    CHECK(c.listen_count == 2);
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--listen", "127.0.0.1:3") == 0);
    CHECK(c.listen_count == 1);
    CHECK_STR(c.listen[0], "127.0.0.1:3");
    zkbiod_config_free(&c);
    clear_env();

    /* repeated lines in a file accumulate; allow-sn too */
    const char *file = write_file("lists.conf", "listen = 127.0.0.1:1\n"
                                                "listen = 127.0.0.1:2\n"
                                                "admission = allow-list\n"
                                                "allow-sn = ABC123\n"
                                                "allow_sn = DEF-4_5, GHI6\n");
    CHECK(LOAD(&c, "--config", file) == 0);
    CHECK(c.listen_count == 2);
    CHECK(c.admission == ZKBIOD_ADMISSION_ALLOW_LIST);
    CHECK(c.allow_sn_count == 3);
    if (c.allow_sn_count == 3) {
        CHECK_STR(c.allow_sn[1], "DEF-4_5");
        CHECK_STR(c.allow_sn[2], "GHI6");
        CHECK(c.allow_sn[3] == NULL);
    }
    zkbiod_config_free(&c);
}

/* Expect a load error whose message contains every given fragment. */
static void expect_error(const char *const *args, const char *frag1, const char *frag2)
{
    zkbiod_config c;
    int rc = load_v(&c, args);
    int ok = rc == ZKBIO_EINVAL && strstr(err, frag1) && (!frag2 || strstr(err, frag2));
    CHECK_MSG(ok, "expect_error(%s ...): rc %d, message \"%s\", wanted \"%s\"%s%s", args[0], rc,
              err, frag1, frag2 ? " and " : "", frag2 ? frag2 : "");
    CHECK(c.listen == NULL && c.db_uri == NULL); /* nothing left behind on errors */
    zkbiod_config_free(&c);
}

#define EXPECT_ERROR(f1, f2, ...) expect_error((const char *const[]){__VA_ARGS__, NULL}, f1, f2)

static void test_errors(void)
{
    EXPECT_ERROR("port", "70000", "--listen", "0.0.0.0:70000");
    EXPECT_ERROR("--listen", "numeric port", "--listen", "0.0.0.0:http");
    EXPECT_ERROR("IPv4", NULL, "--listen", "1.2.3:80");
    EXPECT_ERROR("IPv6", NULL, "--listen", "[::g]:80");
    EXPECT_ERROR("[IPV6]:PORT", NULL, "--listen", "[::1:80");
    EXPECT_ERROR("--listen", NULL, "--listen", "");
    EXPECT_ERROR("--realtime", "boolean", "--realtime", "maybe");
    EXPECT_ERROR("--full-sync", "boolean", "--full-sync=2");
    EXPECT_ERROR("--delay", "not an integer", "--delay", "ten");
    EXPECT_ERROR("--delay", "out of range 1..3600", "--delay", "0");
    EXPECT_ERROR("--commands-per-poll", "out of range", "--commands-per-poll", "101");
    EXPECT_ERROR("--max-body", "not a size", "--max-body", "10X");
    EXPECT_ERROR("--max-body", "out of range", "--max-body", "2G");
    EXPECT_ERROR("--log-level", "error, warn, info, debug", "--log-level", "loud");
    EXPECT_ERROR("--admission", "allow-list", "--admission", "open");
    EXPECT_ERROR("--allow-sn", "serial number", "--allow-sn", "BAD SN");
    EXPECT_ERROR("--allow-sn", NULL, "--allow-sn", "A123456789012345678901234567890123456789X");
    EXPECT_ERROR("--timezone", NULL, "--timezone", "+25:00");
    EXPECT_ERROR("--timezone", NULL, "--timezone", "+08:60");
    EXPECT_ERROR("--trans-times", NULL, "--trans-times", "25:00");
    EXPECT_ERROR("--db", "expected sqlite", "--db", "postgres://u:p@h/db");
    EXPECT_ERROR("--db", "database name", "--db", "mariadb://u:p@h:3306");
    EXPECT_ERROR("--db", "port", "--db", "mariadb://u:p@h:99999/zk");
    EXPECT_ERROR("--db", "USER", "--db", "mariadb://h/zk");
    EXPECT_ERROR("--db", "percent-escape", "--db", "mariadb://u:p%zz@h/zk");
    EXPECT_ERROR("--db", "socket", "--db", "mariadb://u:p@h/zk?sock=/x");
    EXPECT_ERROR("unknown option --bogus", NULL, "--bogus", "1");
    EXPECT_ERROR("unexpected argument", NULL, "stray");
    EXPECT_ERROR("--threads needs a value", NULL, "--threads");
    EXPECT_ERROR("cannot read config file", NULL, "--config", "/nonexistent/zkbiod.conf");

    /* config file errors carry the file name and line number */
    const char *f = write_file("bad.conf", "# comment\n\ndelay = 5\ndealy = 6\n");
    char want[300];
    snprintf(want, sizeof(want), "%s:4: unknown option \"dealy\"", f);
    EXPECT_ERROR(want, NULL, "--config", f);
    f = write_file("bad2.conf", "realtime = perhaps\n");
    EXPECT_ERROR(":1: realtime", "boolean", "--config", f);
    f = write_file("bad3.conf", "delay 5\n");
    EXPECT_ERROR(":1: expected \"name = value\"", NULL, "--config", f);
    f = write_file("bad4.conf", "admin-token = \"abc\n");
    EXPECT_ERROR(":1: unterminated", NULL, "--config", f);
    f = write_file("bad5.conf", "config = other.conf\n");
    EXPECT_ERROR("cannot be set in a config file", NULL, "--config", f);

    /* environment errors name the variable */
    setenv("ZKBIOD_ERROR_DELAY", "soon", 1);
    EXPECT_ERROR("ZKBIOD_ERROR_DELAY", "not an integer", "--delay", "5");
    clear_env();

    /* a rejected secret is never echoed */
    zkbiod_config c;
    CHECK(LOAD(&c, "--admin-token", "top secret") != 0);
    CHECK(strstr(err, "top secret") == NULL && strstr(err, "--admin-token") != NULL);
    CHECK(LOAD(&c, "--db", "mariadb://u:hunter2@h:1/") != 0);
    CHECK(strstr(err, "hunter2") == NULL);
}

static void test_values(void)
{
    zkbiod_config c;
    CHECK(LOAD(&c, "--max-body", "64k", "--timezone", "-03:30", "--realtime", "off", "--full-sync",
               "--threads", "2") == 0);
    CHECK(c.max_body == 65536 && c.timezone_min == -210 && c.realtime == 0 && c.full_sync == 1 &&
          c.threads == 2);
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--max-body", "4096", "--timezone", "UTC", "--realtime", "YES", "--full-sync",
               "no") == 0);
    CHECK(c.max_body == 4096 && c.timezone_min == 0 && c.realtime == 1 && c.full_sync == 0);
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--timezone", "480", "--max-body", "2M", "--trans-times", "01:30;12:00;23:59") ==
          0);
    CHECK(c.timezone_min == 480 && c.max_body == 2u * 1024 * 1024);
    CHECK_STR(c.trans_times, "01:30;12:00;23:59");
    zkbiod_config_free(&c);

    /* port 0 lets the system pick a free port; port-file (from every source) says which */
    CHECK(LOAD(&c, "--listen", "127.0.0.1:0", "--service-listen", "[::1]:0s", "--port-file",
               "/run/zk.ports") == 0);
    CHECK_STR(c.listen[0], "127.0.0.1:0");
    CHECK_STR(c.service_listen[0], "[::1]:0s");
    CHECK_STR(c.port_file, "/run/zk.ports");
    zkbiod_config_free(&c);
    CHECK(LOAD0(&c) == 0);
    CHECK_STR(c.port_file, ""); /* none by default */
    zkbiod_config_free(&c);
    setenv("ZKBIOD_PORT_FILE", "/tmp/env.ports", 1);
    CHECK(LOAD0(&c) == 0);
    CHECK_STR(c.port_file, "/tmp/env.ports");
    zkbiod_config_free(&c);
    unsetenv("ZKBIOD_PORT_FILE");

    CHECK(LOAD(&c, "--data-dir", "/srv/zk", "--db", "sqlite:/tmp/x.db") == 0);
    CHECK_STR(c.db_uri, "sqlite:/tmp/x.db");
    CHECK_STR(c.attphoto_dir, "/srv/zk/attphoto");
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--data-dir", "/srv/zk") == 0);
    CHECK_STR(c.db_uri, "sqlite:/srv/zk/zkbiod.db");
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--db", "mariadb://zk:pw@127.0.0.1:3306/zkbio") == 0);
    CHECK_STR(c.db_uri, "mariadb://zk:pw@127.0.0.1:3306/zkbio");
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--db", "mariadb://zk@localhost/zkbio?socket=/run/mysqld/mysqld.sock") == 0);
    zkbiod_config_free(&c);
    /* socket only (empty host), IPv6, escapes: whatever the driver opens is accepted at start */
    CHECK(LOAD(&c, "--db", "mariadb://zk:pw@/zkbio?socket=/run/mysqld/mysqld.sock") == 0);
    CHECK_STR(c.db_uri, "mariadb://zk:pw@/zkbio?socket=/run/mysqld/mysqld.sock");
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "--db", "mariadb://zk%40a:p%3Aw@[::1]:3307/zkbio") == 0);
    zkbiod_config_free(&c);

    /* quoting, comments, CRLF line ends */
    const char *f = write_file("quoted.conf", "  # indented comment\r\n"
                                              "admin-token = \"a#b\\\"c\"   # trailing comment\r\n"
                                              "trans-times = '08:00;17:00'\r\n"
                                              "data-dir = /srv/with space  \r\n");
    CHECK(LOAD(&c, "--config", f) == 0);
    CHECK_STR(c.admin_token, "a#b\"c");
    CHECK_STR(c.trans_times, "08:00;17:00");
    CHECK_STR(c.data_dir, "/srv/with space");
    zkbiod_config_free(&c);
}

static void test_token_file(void)
{
    zkbiod_config c;
    const char *tf = write_file("token", "file-token-123\nsecond line ignored\n");
    CHECK(LOAD(&c, "--admin-token-file", tf) == 0);
    CHECK_STR(c.admin_token, "file-token-123");
    zkbiod_config_free(&c);
    /* both from the same source: ambiguous */
    EXPECT_ERROR("not both", NULL, "--admin-token", "x", "--admin-token-file", tf);
    /* the higher source wins */
    setenv("ZKBIOD_ADMIN_TOKEN_FILE", tf, 1);
    CHECK(LOAD(&c, "--admin-token", "flag-token") == 0);
    CHECK_STR(c.admin_token, "flag-token");
    CHECK_STR(c.admin_token_file, "");
    zkbiod_config_free(&c);
    clear_env();
    setenv("ZKBIOD_ADMIN_TOKEN", "env-token", 1);
    CHECK(LOAD(&c, "--admin-token-file", tf) == 0);
    CHECK_STR(c.admin_token, "file-token-123");
    zkbiod_config_free(&c);
    clear_env();
    const char *empty = write_file("empty-token", "\n");
    EXPECT_ERROR("is empty", NULL, "--admin-token-file", empty);
    EXPECT_ERROR("cannot read", NULL, "--admin-token-file", "/nonexistent/token");
    /* A token file without a first line end within 4 KiB is refused, not read until memory runs
     * out. */
    EXPECT_ERROR("longer than 4 KiB", NULL, "--admin-token-file", "/dev/zero");
    /* A '#' after white space ends an unquoted value (trailing comment); inside a word it is kept.
     */
    const char *cf = write_file("comment.conf", "db = sqlite:/tmp/a#b.db   # the test database\n"
                                                "trans-times = 01:00 # one upload a day\n");
    CHECK(LOAD(&c, "--config", cf) == 0);
    CHECK_STR(c.db_uri, "sqlite:/tmp/a#b.db");
    CHECK_STR(c.trans_times, "01:00");
    zkbiod_config_free(&c);
}

static void test_dump(void)
{
    zkbiod_config c;
    CHECK(LOAD(&c, "--admin-token", "s3cretTOKEN", "--db", "mariadb://zk:pw123@db.local:3306/zkbio",
               "--allow-sn", "A1,B2", "--listen", "[::]:8081", "--timezone", "+08:00") == 0);
    char *d = capture(&c);
    CHECK(d && strstr(d, "s3cretTOKEN") == NULL);
    CHECK(d && strstr(d, "pw123") == NULL);
    CHECK(d && strstr(d, "admin-token = ***\n"));
    CHECK(d && strstr(d, "db = mariadb://zk:***@db.local:3306/zkbio\n"));
    CHECK(d && strstr(d, "# db-uri = mariadb://zk:***@db.local:3306/zkbio\n"));
    CHECK(d && strstr(d, "allow-sn = A1\nallow-sn = B2\n"));
    CHECK(d && strstr(d, "timezone = +08:00\n"));
    /* every option appears in the dump */
    for (size_t i = 0; i < zkbiod_config_option_count(); i++) {
        char key[80];
        snprintf(key, sizeof(key), "%s = ", zkbiod_config_option_name(i));
        CHECK(d && strstr(d, key));
    }
    free(d);
    zkbiod_config_free(&c);

    /* the dump is a valid config file that reproduces the same configuration */
    CHECK(LOAD(&c, "--delay", "7", "--data-dir", "/srv/a b", "--listen", "127.0.0.1:1,[::1]:2",
               "--trans-times", "01:00", "--max-body", "1M", "--timezone", "-05:00", "--log-level",
               "error") == 0);
    d = capture(&c);
    zkbiod_config_free(&c);
    const char *f = write_file("dump.conf", d ? d : "");
    zkbiod_config c2;
    CHECK(LOAD(&c2, "--config", f) == 0);
    char *d2 = capture(&c2);
    /* identical except the informational "# config = " line */
    const char *a = d ? strchr(d, '\n') : NULL, *b = d2 ? strchr(d2, '\n') : NULL;
    CHECK(a && b && strcmp(a, b) == 0);
    free(d);
    free(d2);
    zkbiod_config_free(&c2);
}

static void test_help(void)
{
    char *h = capture(NULL);
    size_t n = zkbiod_config_option_count();
    CHECK(n >= 22);
    for (size_t i = 0; i < n; i++) {
        const char *name = zkbiod_config_option_name(i);
        char flag[80], env[80];
        snprintf(flag, sizeof(flag), "  --%s ", name);
        size_t k = (size_t)snprintf(env, sizeof(env), " ZKBIOD_");
        for (const char *p = name; *p; p++)
            env[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        env[k++] = '\n';
        env[k] = '\0';
        CHECK(h && strstr(h, flag));
        CHECK(h && strstr(h, env));
    }
    /* the options the issue names, independently of the table */
    static const char *const must[] = {"listen",
                                       "data-dir",
                                       "db",
                                       "admin-token",
                                       "admin-token-file",
                                       "config",
                                       "log-level",
                                       "admission",
                                       "allow-sn",
                                       "delay",
                                       "error-delay",
                                       "timezone",
                                       "realtime",
                                       "trans-interval",
                                       "trans-times",
                                       "commands-per-poll",
                                       "command-timeout",
                                       "command-max-attempts",
                                       "max-body",
                                       "full-sync",
                                       "threads",
                                       "attphoto-dir"};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
        char flag[80];
        snprintf(flag, sizeof(flag), "  --%s ", must[i]);
        CHECK(h && strstr(h, flag));
    }
    CHECK(h && strstr(h, "--help") && strstr(h, "--version"));
    free(h);
    CHECK(zkbiod_config_option_name(n) == NULL);

    zkbiod_config c;
    fflush(stdout);
    FILE *saved = fopen("/dev/null", "w");
    int fd = dup(1);
    dup2(fileno(saved), 1); /* keep the help text out of the test log */
    CHECK(LOAD(&c, "--delay", "5", "--help") == 1);
    zkbiod_config_free(&c);
    fflush(stdout);
    dup2(fd, 1);
    close(fd);
    fclose(saved);
    CHECK(LOAD(&c, "--version") == 2);
    zkbiod_config_free(&c);
    CHECK(LOAD(&c, "-V", "--bogus") == 2);
    zkbiod_config_free(&c);
}

static void test_prepare(void)
{
    zkbiod_config c;
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/data/sub", tmpdir);
    CHECK(LOAD(&c, "--data-dir", dir) == 0);
    CHECK(zkbiod_config_prepare_data_dir(&c, err, sizeof(err)) == 0);
    struct stat sb;
    CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700);
    CHECK(stat(c.attphoto_dir, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK(zkbiod_config_prepare_data_dir(&c, err, sizeof(err)) == 0); /* idempotent */
    rmdir(c.attphoto_dir);
    rmdir(dir);
    snprintf(dir, sizeof(dir), "%s/data", tmpdir);
    rmdir(dir);
    zkbiod_config_free(&c);

    const char *file = write_file("not-a-dir", "x");
    CHECK(LOAD(&c, "--data-dir", file) == 0);
    CHECK(zkbiod_config_prepare_data_dir(&c, err, sizeof(err)) == ZKBIO_EIO);
    CHECK(strstr(err, "not-a-dir") != NULL);
    zkbiod_config_free(&c);
}

static char *read_pipe(int fd)
{
    static char buf[3 * ZLOG_LINE_MAX];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void test_log(void)
{
    int p[2];
    if (pipe(p) != 0) {
        CHECK(!"pipe");
        return;
    }
    int old = zlog_set_fd(p[1]);
    zlog_set_level(ZLOG_INFO);
    zlog_info("hello %d from %s", 5, "SN1");
    char *line = read_pipe(p[0]);
    /* 2025-01-31T12:00:00.123Z INFO  hello 5 from SN1\n */
    CHECK(strlen(line) == 24 + 1 + 5 + 1 + 16 + 1);
    CHECK(line[4] == '-' && line[10] == 'T' && line[19] == '.' && line[23] == 'Z');
    CHECK(strcmp(line + 24, " INFO  hello 5 from SN1\n") == 0);

    int evaluated = 0;
    zlog_debug("not shown %d", ++evaluated);
    CHECK(evaluated == 0); /* arguments of a disabled level are not evaluated */
    zlog_warn("%s", "line\nforged 2025-01-01T00:00:00Z ERROR x");
    line = read_pipe(p[0]);
    CHECK(strstr(line, " WARN  line?forged") != NULL &&
          strchr(line, '\n') == line + strlen(line) - 1);

    zlog_set_level(ZLOG_ERROR);
    CHECK(!zlog_enabled(ZLOG_WARN) && zlog_enabled(ZLOG_ERROR));
    zlog_set_level(ZLOG_DEBUG);
    char big[ZLOG_LINE_MAX * 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    zlog_debug("%s", big);
    line = read_pipe(p[0]);
    CHECK(strlen(line) == ZLOG_LINE_MAX);
    CHECK(strcmp(line + ZLOG_LINE_MAX - 4, "...\n") == 0);
    CHECK_STR(zlog_level_name(ZLOG_WARN), "warn");
    zlog_set_level((zlog_level)42);
    CHECK(zlog_get_level() == ZLOG_DEBUG);
    zlog_set_level(ZLOG_INFO);
    zlog_set_fd(old);
    close(p[0]);
    close(p[1]);
}

/* README.md keeps a copy of --help between two markers; it must not drift. */
static void test_readme(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char line[1024];
    int in = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "<!-- zkbiod --help: begin -->")) {
            in = 1;
            continue;
        }
        if (strstr(line, "<!-- zkbiod --help: end -->"))
            in = 0;
        if (in && strncmp(line, "```", 3) != 0)
            fputs(line, m);
    }
    fclose(f);
    fclose(m);
    char *h = capture(NULL);
    int same = text && h && strcmp(text, h) == 0;
    CHECK(same);
    if (!same)
        fprintf(stderr,
                "README.md's options block differs from `zkbiod --help`; paste the output of "
                "--help between the markers.\n");
    free(text);
    free(h);
}

int main(int argc, char **argv)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s/zkbio-cfg-XXXXXX", "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    clear_env();
    unsetenv("XDG_DATA_HOME");

    test_defaults();
    test_precedence();
    test_lists();
    test_errors();
    test_values();
    test_token_file();
    test_dump();
    test_help();
    test_prepare();
    test_log();
    if (argc > 1)
        test_readme(argv[1]);

    static const char *const files[] = {"prec.conf",   "other.conf", "lists.conf",  "bad.conf",
                                        "bad2.conf",   "bad3.conf",  "bad4.conf",   "bad5.conf",
                                        "quoted.conf", "token",      "empty-token", "dump.conf",
                                        "not-a-dir"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char p[300];
        snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
        unlink(p);
    }
    rmdir(tmpdir);

    return TEST_DONE();
}
