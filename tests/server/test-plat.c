/* SPDX-License-Identifier: Apache-2.0 */
/* zkbiod's platform layer (daemon/core/plat.h, issue 17) on this system: timegm against known
 * instants and gmtime round trips, the local UTC offset, atomic replace over an existing file,
 * getline, the stop flag, process liveness, the host name, the default data directory, and a
 * connect with a deadline to a listening and to a closed loopback port. Each would be wrong on
 * some system if the branch it takes were wrong (the same file runs under Wine on Windows). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "test.h"

#include <unistd.h> /* rmdir; mingw-w64 has it too */
#if !defined(_WIN32)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

static time_t utc(int y, int mon, int d, int h, int mi, int s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return zc_timegm(&tm);
}

static void check_time(void)
{
    CHECK(utc(1970, 1, 1, 0, 0, 0) == 0);
    CHECK(utc(2000, 3, 1, 0, 0, 0) == 951868800); /* after a leap day of a 400-year */
    CHECK(utc(2026, 12, 7, 12, 0, 0) == 1796644800);
    CHECK(utc(2026, 13, 1, 0, 0, 0) == utc(2027, 1, 1, 0, 0, 0)); /* months normalised */
    CHECK(utc(2026, 0, 1, 0, 0, 0) == utc(2025, 12, 1, 0, 0, 0));
    CHECK(utc(2026, 3, 0, 0, 0, 0) == utc(2026, 2, 28, 0, 0, 0)); /* day 0 = the last of before */
    CHECK(utc(2024, 2, 29, 23, 59, 60) == utc(2024, 3, 1, 0, 0, 0));
    /* round trips from 1970 to 2200, a day and a bit at a time (Windows' gmtime_s covers 1970 to
     * 3000 only) */
    int bad = 0;
    for (int64_t t = 0; t < 7258118400LL && sizeof(time_t) >= 8; t += 86400 * 23 + 3671) {
        struct tm tm;
        if (zc_gmtime((time_t)t, &tm) != 0 || zc_timegm(&tm) != (time_t)t)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    struct tm lt;
    time_t now = time(NULL);
    CHECK(zc_localtime(now, &lt) == 0);
    int off = zc_utc_offset_min(now);
    CHECK(off >= -14 * 60 && off <= 14 * 60);
    CHECK((int64_t)zc_timegm(&lt) - (int64_t)now == (int64_t)off * 60);
#if defined(__GLIBC__) && defined(_DEFAULT_SOURCE)
    CHECK_EQ_INT(off, (int)(lt.tm_gmtoff / 60)); /* what config.c used before the layer */
#endif
}

static void check_files(void)
{
    char dir[32];
    char a[64], b[64];
    snprintf(dir, sizeof(dir), "zkbio-plat-%ld", zc_pid());
    CHECK(zc_mkdir_private(dir) == 0);
    CHECK(zc_mkdir_private(dir) != 0 && errno == EEXIST);
    snprintf(a, sizeof(a), "%s/a", dir);
    snprintf(b, sizeof(b), "%s/b", dir);
    FILE *f = fopen(a, "w");
    CHECK(f && fputs("one\ntwo\n\nlast", f) >= 0 && zc_fsync(fileno(f)) == 0 && fclose(f) == 0);
    f = fopen(b, "w");
    CHECK(f && fputs("old", f) >= 0 && fclose(f) == 0);
    CHECK(zc_rename_replace(a, b) == 0); /* over an existing file (rename fails there on Windows) */
    CHECK(zc_fsync_dir(dir) == 0);
    CHECK(fopen(a, "r") == NULL);
    f = fopen(b, "r");
    CHECK(f != NULL);
    char *line = NULL;
    size_t cap = 0;
    const char *want[] = {"one\n", "two\n", "\n", "last"};
    int n = 0;
    long len;
    while (f && (len = zc_getline(&line, &cap, f)) >= 0) {
        CHECK(n < 4 && (size_t)len == strlen(want[n]) && strcmp(line, want[n]) == 0);
        n++;
    }
    CHECK_EQ_INT(n, 4);
    free(line);
    if (f)
        fclose(f);
    CHECK(zc_rename_replace(a, b) != 0 && errno == ENOENT);
    CHECK(remove(b) == 0 && rmdir(dir) == 0);
    CHECK(zc_is_path_sep('/') && !zc_is_path_sep('a'));

    char data[1024];
    if (zc_default_data_dir(data, sizeof(data)) == 0) {
#if defined(_WIN32)
        size_t l = strlen(data);
        CHECK(l > 6 && strcmp(data + l - 6, "\\zkbio") == 0);
#else
        if (geteuid() == 0)
            CHECK_STR(data, "/var/lib/zkbiod");
        else
            CHECK(strstr(data, "zkbiod") != NULL && data[0] == '/');
#endif
    } else {
        CHECK(getenv("HOME") == NULL); /* only without a home may it fail */
    }
    CHECK(zc_default_data_dir(data, 4) != 0); /* does not fit */
}

static void check_proc(void)
{
    CHECK(!zc_stop_requested());
    zc_stop_request();
    CHECK(zc_stop_requested());
    CHECK(zc_pid() > 0);
    CHECK(!zc_pid_gone(zc_pid()));
    CHECK(zc_pid_gone(0x7ffffff0L)); /* beyond any pid_max / a process id not in use */
    char host[64];
    CHECK(zc_hostname(host, sizeof(host)) == 0 && host[0] != '\0' && strlen(host) < sizeof(host));
    char tiny[4];
    zc_hostname(tiny, sizeof(tiny));
    CHECK(strlen(tiny) < sizeof(tiny));
    const char *p = zc_platform_name();
#if defined(_WIN32)
    CHECK_STR(p, "win32");
#elif defined(__linux__)
    CHECK_STR(p, "linux");
#else
    CHECK(p && *p);
#endif
    uint64_t t0 = zc_now_ms();
    zc_sleep_ms(30);
    CHECK(zc_now_ms() - t0 >= 25);
}

static void check_net(void)
{
    CHECK(zc_net_init() == 0 && zc_net_init() == 0);
    zc_sock l = (zc_sock)socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l != ZC_NO_SOCKET);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
#if defined(_WIN32)
    SOCKET ls = (SOCKET)l;
#else
    int ls = (int)l;
#endif
    CHECK(bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(ls, 4) == 0 &&
          getsockname(ls, (struct sockaddr *)&sa, &sl) == 0);
    zc_sock c = (zc_sock)socket(AF_INET, SOCK_STREAM, 0);
    CHECK(zc_connect_timeout(c, (struct sockaddr *)&sa, sizeof(sa), 2000) == 0);
    struct pollfd p;
    memset(&p, 0, sizeof(p));
    p.fd = ls;
    p.events = POLLIN;
    CHECK(zc_poll(&p, 1, 2000) == 1 && (p.revents & POLLIN)); /* the connection is waiting */
    CHECK(zc_sock_close(c) == 0 && zc_sock_close(l) == 0);
    CHECK(zc_sock_close(ZC_NO_SOCKET) == 0);
    /* the port is closed now: refused (or, on a system that drops instead, timed out) */
    c = (zc_sock)socket(AF_INET, SOCK_STREAM, 0);
    uint64_t t0 = zc_now_ms();
    int rc = zc_connect_timeout(c, (struct sockaddr *)&sa, sizeof(sa), 1500);
    int e = errno;
    CHECK(rc == -1 && (e == ECONNREFUSED || e == ETIMEDOUT));
    CHECK(zc_now_ms() - t0 < 3000); /* the deadline holds */
    CHECK(zc_connect_timeout(c, (struct sockaddr *)&sa, sizeof(sa), 0) == -1 && errno == EINVAL);
    zc_sock_close(c);
    CHECK(zc_poll(NULL, 0, 10) == 0);
}

int main(void)
{
    check_time();
    check_files();
    check_proc();
    check_net();
    return TEST_DONE();
}
