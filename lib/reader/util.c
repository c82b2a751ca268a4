/* SPDX-License-Identifier: Apache-2.0 */
/* Reader core helpers: the thread-local error detail, the monotonic clock, the info list. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reader/backend.h"

static _Thread_local char last_error[256];

int zki_set_error(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    return rc;
}

void zki_clear_error(void)
{
    last_error[0] = '\0';
}

const char *zkbio_reader_last_error(void)
{
    return last_error;
}

uint64_t zki_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The clock of the condition variables: CLOCK_MONOTONIC; on Windows winpthreads cannot set a
 * condition variable's clock (pthread_condattr_setclock fails) and waits on CLOCK_REALTIME. */
#ifdef _WIN32
#define COND_CLOCK CLOCK_REALTIME
#else
#define COND_CLOCK CLOCK_MONOTONIC
#endif

void zki_deadline(struct timespec *ts, long ms)
{
    clock_gettime(COND_CLOCK, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int zki_cond_init_monotonic(pthread_cond_t *c)
{
#ifdef _WIN32
    return pthread_cond_init(c, NULL) == 0 ? 0 : -1;
#else
    pthread_condattr_t a;
    if (pthread_condattr_init(&a) != 0)
        return -1;
    int rc = pthread_condattr_setclock(&a, COND_CLOCK);
    if (rc == 0)
        rc = pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
    return rc == 0 ? 0 : -1;
#endif
}

void zki_strlcpy(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return;
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int zki_info_list_add(zki_info_list *l, const zkbio_reader_info *info)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        zkbio_reader_info *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return ZKBIO_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *info;
    return ZKBIO_OK;
}
