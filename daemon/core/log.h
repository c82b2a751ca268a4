/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file log.h
 * @brief zkbiod's leveled logging: one line per call on stderr.
 *
 * Line format: `2025-01-31T12:00:00.123Z WARN  message` (UTC, ISO-8601 with milliseconds, the
 * level, the message). Each line is formatted into a local buffer and written with one write(2), so
 * lines from different threads never interleave. A line longer than ZLOG_LINE_MAX bytes is cut and
 * ends with "...". Control characters in the message (CR, LF, ESC, ...) are replaced by '?', so
 * text that came from a device cannot forge log lines.
 *
 * Thread-safety: every function here may be called from any thread at any time.
 *
 * What must NEVER be passed to these functions: secrets (the admin token, database passwords, URIs
 * with a password), biometric templates or photos (fingerprint, face, palm, finger-vein data in any
 * encoding), user passwords and card numbers, and whole request bodies. Log the device SN, the
 * table name, counts and sizes instead.
 */
#ifndef ZKBIOD_LOG_H
#define ZKBIOD_LOG_H

#include <stdarg.h>

/** Severity, most severe first. A message is written when its level is <= the current level. */
typedef enum zlog_level {
    ZLOG_ERROR = 0, /**< the service or a request failed */
    ZLOG_WARN = 1,  /**< something unexpected that zkbiod recovered from (bad input, retry) */
    ZLOG_INFO = 2,  /**< start-up, shutdown, device registration, operator actions (the default) */
    ZLOG_DEBUG = 3, /**< per-request detail */
} zlog_level;

/** Longest line written, in bytes, timestamp and newline included (PIPE_BUF on Linux). */
#define ZLOG_LINE_MAX 4096

#if defined(__MINGW32__) /* C99 formats through __USE_MINGW_ANSI_STDIO (plat.h: ZC_PRINTF) */
#define ZLOG_PRINTF_(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__) || defined(__clang__)
#define ZLOG_PRINTF_(f, a) __attribute__((format(printf, f, a)))
#else
#define ZLOG_PRINTF_(f, a)
#endif

/** Set the current level (default ZLOG_INFO). Values outside the enum are clamped. */
void zlog_set_level(zlog_level level);

/** The current level. */
zlog_level zlog_get_level(void);

/** 1 when a message of this level would be written now, else 0. Cheap (one relaxed atomic load). */
int zlog_enabled(zlog_level level);

/** "error", "warn", "info" or "debug"; "?" for other values. Static string. */
const char *zlog_level_name(zlog_level level);

/** Send lines to fd instead of stderr (2), for tests; fd is never closed. Returns the old fd. */
int zlog_set_fd(int fd);

/** Write one line at `level` if that level is enabled; prefer the zlog_error()... macros. */
void zlog_write(zlog_level level, const char *fmt, ...) ZLOG_PRINTF_(2, 3);

/** va_list form of zlog_write(). */
void zlog_vwrite(zlog_level level, const char *fmt, va_list ap) ZLOG_PRINTF_(2, 0);

/* The arguments are not evaluated when the level is disabled. */
#define zlog_error(...) zlog_write(ZLOG_ERROR, __VA_ARGS__)
#define zlog_warn(...)                                                                             \
    do {                                                                                           \
        if (zlog_enabled(ZLOG_WARN))                                                               \
            zlog_write(ZLOG_WARN, __VA_ARGS__);                                                    \
    } while (0)
#define zlog_info(...)                                                                             \
    do {                                                                                           \
        if (zlog_enabled(ZLOG_INFO))                                                               \
            zlog_write(ZLOG_INFO, __VA_ARGS__);                                                    \
    } while (0)
#define zlog_debug(...)                                                                            \
    do {                                                                                           \
        if (zlog_enabled(ZLOG_DEBUG))                                                              \
            zlog_write(ZLOG_DEBUG, __VA_ARGS__);                                                   \
    } while (0)

#endif /* ZKBIOD_LOG_H */
