/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers every zkbio command shares: error lines, strict number parsing, whole-file reads and
 * sorted directory listings (util.h). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "zkbio/error.h"

#include "util.h"

void cli_fail(const char *cmd, int rc, const char *fmt, ...)
{
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (rc != 0)
        fprintf(stderr, "zkbio %s: %s: %s (%s)\n", cmd, text, zkbio_strerror(rc),
                zkbio_error_name(rc));
    else
        fprintf(stderr, "zkbio %s: %s\n", cmd, text);
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

const char *cli_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

int cli_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ZKBIO_EIO;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        errno = e;
        return ZKBIO_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        fclose(f);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return ZKBIO_EIO;
    }
    if ((unsigned long long)st.st_size > CLI_FILE_MAX) {
        fclose(f);
        return ZKBIO_ETOOBIG;
    }
    size_t cap = (size_t)st.st_size + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return ZKBIO_ENOMEM;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    int err = ferror(f);
    int e = errno;
    fclose(f);
    if (err) {
        free(buf);
        errno = e;
        return ZKBIO_EIO;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return ZKBIO_OK;
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e + 1 && name[n - e - 1] == '.' && strcasecmp(name + n - e, ext) == 0;
}

void cli_free_list(char **paths, size_t count)
{
    if (!paths)
        return;
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b); /* byte order, whatever the locale */
}

/* The names of dir's entries, not hidden ones, sorted (opendir/readdir: POSIX and mingw-w64). */
static int read_names(const char *dir, char ***names, int *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **v = NULL;
    size_t n = 0, cap = 0;
    int ok = 1;
    for (struct dirent *de; ok && (de = readdir(d)) != NULL;) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = cap < (size_t)INT32_MAX ? realloc(v, cap * sizeof(*v)) : NULL;
            if (!nv) {
                ok = 0;
                break;
            }
            v = nv;
        }
        if (!(v[n] = strdup(de->d_name)))
            ok = 0;
        else
            n++;
    }
    closedir(d);
    if (!ok) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        errno = ENOMEM;
        return -1;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), by_name);
    *names = v;
    *count = (int)n;
    return 0;
}

int cli_list_dir(const char *dir, const char *ext, char ***paths, size_t *count)
{
    char **ents = NULL;
    int m = 0;
    if (read_names(dir, &ents, &m) != 0)
        return errno == ENOMEM ? ZKBIO_ENOMEM : ZKBIO_EIO;
    char **v = calloc(m > 0 ? (size_t)m : 1, sizeof(*v));
    size_t n = 0;
    int rc = v ? ZKBIO_OK : ZKBIO_ENOMEM;
    for (int i = 0; i < m; i++) {
        const char *name = ents[i];
        if (rc == ZKBIO_OK && (!ext || has_ext(name, ext))) {
            size_t need = strlen(dir) + strlen(name) + 2;
            char *p = malloc(need);
            struct stat st;
            if (!p) {
                rc = ZKBIO_ENOMEM;
            } else {
                snprintf(p, need, "%s/%s", dir, name);
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
                    v[n++] = p;
                else
                    free(p);
            }
        }
        free(ents[i]);
    }
    free(ents);
    if (rc != ZKBIO_OK) {
        cli_free_list(v, n);
        return rc;
    }
    *paths = v;
    *count = n;
    return ZKBIO_OK;
}

static volatile sig_atomic_t stop_flag; /* set by SIGINT/SIGTERM (cli_catch_signals) */

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void cli_catch_signals(void)
{
#ifdef _WIN32 /* no sigaction; the C runtime's signal() stays installed (Ctrl+C is SIGINT) */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
#else
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
#endif
}

int cli_stopped(void)
{
    return stop_flag;
}

double cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int cli_parse_names(const char *list, const char *const *names, size_t n, int *mask)
{
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        int bits = 0;
        if (len == 3 && strncmp(p, "all", 3) == 0)
            bits = (1 << n) - 1;
        for (size_t i = 0; i < n && !bits; i++)
            if (strlen(names[i]) == len && strncmp(p, names[i], len) == 0)
                bits = 1 << i;
        if (!bits)
            return -1;
        *mask |= bits;
        p += len;
        if (*p == ',')
            p++;
    }
    return *mask ? 0 : -1;
}
