/* SPDX-License-Identifier: Apache-2.0 */
/* Leveled logging for zkbiod (see log.h). The only shared state, level and fd, is atomic. */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = ZLOG_INFO;
static atomic_int log_fd = 2;

void zlog_set_level(zlog_level level)
{
    int l = (int)level;
    if (l < ZLOG_ERROR)
        l = ZLOG_ERROR;
    if (l > ZLOG_DEBUG)
        l = ZLOG_DEBUG;
    atomic_store_explicit(&log_level, l, memory_order_relaxed);
}

zlog_level zlog_get_level(void)
{
    return (zlog_level)atomic_load_explicit(&log_level, memory_order_relaxed);
}

int zlog_enabled(zlog_level level)
{
    return (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

const char *zlog_level_name(zlog_level level)
{
    switch (level) {
    case ZLOG_ERROR:
        return "error";
    case ZLOG_WARN:
        return "warn";
    case ZLOG_INFO:
        return "info";
    case ZLOG_DEBUG:
        return "debug";
    }
    return "?";
}

int zlog_set_fd(int fd)
{
    return atomic_exchange(&log_fd, fd);
}

/* Upper-case, fixed-width tag so messages line up. */
static const char *level_tag(zlog_level level)
{
    switch (level) {
    case ZLOG_ERROR:
        return "ERROR";
    case ZLOG_WARN:
        return "WARN ";
    case ZLOG_INFO:
        return "INFO ";
    case ZLOG_DEBUG:
        return "DEBUG";
    }
    return "?    ";
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere left to report it */
        p += w;
        n -= (size_t)w;
    }
}

void zlog_vwrite(zlog_level level, const char *fmt, va_list ap)
{
    if (!zlog_enabled(level))
        return;
    int saved_errno = errno;
    char line[ZLOG_LINE_MAX];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s ", (long)(ts.tv_nsec / 1000000),
                          level_tag(level));
    size_t head = n;
    size_t room = sizeof(line) - n - 1; /* keep one byte for the newline */
    int m = vsnprintf(line + n, room + 1, fmt, ap);
    if (m < 0)
        m = 0;
    if ((size_t)m > room) {
        n += room;
        memcpy(line + n - 3, "...", 3);
    } else {
        n += (size_t)m;
    }
    for (size_t i = head; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            line[i] = '?';
    }
    line[n++] = '\n';
    write_all(atomic_load_explicit(&log_fd, memory_order_relaxed), line, n);
    errno = saved_errno;
}

void zlog_write(zlog_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zlog_vwrite(level, fmt, ap);
    va_end(ap);
}
