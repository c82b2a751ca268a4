/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The query threads of `zkbio bench api`'s read scenarios (api_common.h): K workers started
 * together, their latencies gathered into one sorted list and its quantiles.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "util.h"

int api_pool_run(void *workers, size_t size, long k, long n, unsigned salt, void *(*fn)(void *),
                 api_pool_result *r)
{
    memset(r, 0, sizeof(*r));
    double *ms = calloc((size_t)(k * n), sizeof(double));
    pthread_t *t = calloc((size_t)k, sizeof(*t));
    if (!ms || !t) {
        free(ms);
        free(t);
        return -1;
    }
    double t0 = cli_now_s();
    long started = 0;
    for (long i = 0; i < k; i++) {
        api_worker *w = (api_worker *)((char *)workers + (size_t)i * size);
        w->n = n;
        w->seed = salt * 7919u + (unsigned)i * 104729u;
        w->ms = ms + i * n;
        if (pthread_create(&t[i], NULL, fn, w) != 0)
            break;
        started++;
    }
    long total = 0;
    for (long i = 0; i < started; i++) {
        pthread_join(t[i], NULL);
        const api_worker *w = (const api_worker *)((char *)workers + (size_t)i * size);
        /* compact the latencies of the requests made */
        memmove(ms + total, w->ms, (size_t)w->done * sizeof(double));
        total += w->done;
        r->errors += w->errors;
        r->rows += w->rows;
        if (!r->first_error[0] && w->first_error[0])
            snprintf(r->first_error, sizeof(r->first_error), "%s", w->first_error);
    }
    r->seconds = cli_now_s() - t0;
    if (started < k) {
        r->errors += (k - started) * n;
        if (!r->first_error[0])
            snprintf(r->first_error, sizeof(r->first_error), "cannot start a thread");
    }
    r->requests = total;
    api_sort(ms, (size_t)total);
    double sum = 0;
    for (long i = 0; i < total; i++)
        sum += ms[i];
    r->mean = total ? sum / (double)total : 0;
    r->p50 = api_quantile(ms, (size_t)total, 0.50);
    r->p90 = api_quantile(ms, (size_t)total, 0.90);
    r->p99 = api_quantile(ms, (size_t)total, 0.99);
    r->max = total ? ms[total - 1] : 0;
    for (long i = 0; i < k; i++) /* the latencies are gone with ms */
        ((api_worker *)((char *)workers + (size_t)i * size))->ms = NULL;
    free(ms);
    free(t);
    return 0;
}
