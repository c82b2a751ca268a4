/* SPDX-License-Identifier: Apache-2.0 */
/* Hotplug monitor: one thread per context that rescans every backend when woken (libusb hotplug
 * events, sim unplug/replug) or every poll period, and reports the differences to the callback. */
#include <stdlib.h>
#include <string.h>

#include "reader/backend.h"

static int contains(const zki_info_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return 1;
    return 0;
}

static void *monitor_main(void *arg)
{
    zkbio_reader_ctx *ctx = arg;
    zki_info_list prev = {0};
    pthread_mutex_lock(&ctx->lock);
    while (!ctx->monitor_stop) {
        ctx->rescan = 0;
        pthread_mutex_unlock(&ctx->lock);
        zki_info_list cur = {0};
        if (zki_enumerate_all(ctx, &cur) == ZKBIO_OK) {
            for (size_t i = 0; i < prev.n; i++)
                if (!contains(&cur, prev.v[i].id))
                    ctx->cb(ZKBIO_READER_LEFT, &prev.v[i], ctx->cb_user);
            for (size_t i = 0; i < cur.n; i++)
                if (!contains(&prev, cur.v[i].id))
                    ctx->cb(ZKBIO_READER_ARRIVED, &cur.v[i], ctx->cb_user);
            free(prev.v);
            prev = cur;
        } else {
            free(cur.v);
        }
        pthread_mutex_lock(&ctx->lock);
        if (!ctx->monitor_stop && !ctx->rescan) {
            struct timespec ts;
            zki_deadline(&ts, ctx->poll_ms);
            pthread_cond_timedwait(&ctx->wake, &ctx->lock, &ts);
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    free(prev.v);
    return NULL;
}

void zki_ctx_rescan(zkbio_reader_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->rescan = 1;
    pthread_cond_broadcast(&ctx->wake);
    pthread_mutex_unlock(&ctx->lock);
}

int zkbio_reader_hotplug_set(zkbio_reader_ctx *ctx, zkbio_reader_hotplug_cb cb, void *user)
{
    zki_clear_error();
    if (!ctx)
        return zki_set_error(ZKBIO_EINVAL, "zkbio_reader_hotplug_set: NULL ctx");
    pthread_mutex_lock(&ctx->lock);
    int running = ctx->monitor_running;
    if (running && pthread_equal(pthread_self(), ctx->monitor)) {
        pthread_mutex_unlock(&ctx->lock); /* from the callback itself: joining would deadlock */
        return zki_set_error(ZKBIO_EINVAL,
                             "zkbio_reader_hotplug_set called from a hotplug callback");
    }
    ctx->monitor_stop = 1;
    pthread_cond_broadcast(&ctx->wake);
    pthread_mutex_unlock(&ctx->lock);
    if (running)
        pthread_join(ctx->monitor, NULL);
    pthread_mutex_lock(&ctx->lock);
    ctx->monitor_running = 0;
    ctx->monitor_stop = 0;
    ctx->cb = cb;
    ctx->cb_user = user;
    int rc = ZKBIO_OK;
    if (cb) {
        if (pthread_create(&ctx->monitor, NULL, monitor_main, ctx) != 0)
            rc = zki_set_error(ZKBIO_EIO, "cannot start the hotplug monitor thread");
        else
            ctx->monitor_running = 1;
    }
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}
