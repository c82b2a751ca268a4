/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers every zkbio command shares (util.c). */
#ifndef ZKBIO_CLI_UTIL_H
#define ZKBIO_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* printf-like checking; mingw-w64 prints through its C99 printf (gnu_printf, docs/windows.md). */
#if defined(__MINGW32__)
#define CLI_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

/* Largest file the commands read, bytes (an uncompressed 4096 x 4096 RGBA image is 64 MiB). */
#define CLI_FILE_MAX ((size_t)80 << 20)

/* Read all of `path` into a malloc'd buffer (*data, *len; a NUL byte follows the data). Returns
 * ZKBIO_OK, ZKBIO_EIO (errno tells why), ZKBIO_ETOOBIG (above CLI_FILE_MAX) or ZKBIO_ENOMEM. */
int cli_read_file(const char *path, uint8_t **data, size_t *len);

/* The regular, non-hidden files of `dir`, sorted by name (byte order), optionally only those whose
 * name ends in "." ext (case-insensitive). *paths is a malloc'd array of malloc'd "dir/name"
 * strings; free with cli_free_list(). Returns ZKBIO_OK, ZKBIO_EIO (errno tells why) or
 * ZKBIO_ENOMEM. */
int cli_list_dir(const char *dir, const char *ext, char ***paths, size_t *count);
void cli_free_list(char **paths, size_t count);

/* The last path component of `path`. */
const char *cli_basename(const char *path);

/* Print "zkbio CMD: <message>" and, when rc is nonzero, ": <zkbio_strerror(rc)> (<name>)" on one
 * line to stderr. */
void cli_fail(const char *cmd, int rc, const char *fmt, ...) CLI_PRINTF(3, 4);

/* Strict number parsing: the whole string, within [min, max]. 0 on success, -1 otherwise. */
/* SIGINT and SIGTERM set a process-wide flag (the only mutable global of the tool, written by the
 * handler alone) instead of ending the process, so a long command can stop cleanly. */
void cli_catch_signals(void);
/* 1 once SIGINT or SIGTERM came after cli_catch_signals(). */
int cli_stopped(void);

/* Write s as one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote
 * or a line break. */
void cli_csv_field(FILE *f, const char *s);

/* Monotonic clock, in seconds (for timing). */
double cli_now_s(void);

int cli_parse_long(const char *s, long min, long max, long *out);
int cli_parse_double(const char *s, double min, double max, double *out);
/* A comma-separated list of names[0..n) (n <= 30), or "all", as bits (names[i] = 1 << i) ORed into
 * *mask. 0, or -1 for an unknown or empty name, or when no bit ends up set. */
int cli_parse_names(const char *list, const char *const *names, size_t n, int *mask);

#endif /* ZKBIO_CLI_UTIL_H */
