/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service object (see fpservice.h): start and stop, the event callback, and the
 * per-key in-memory galleries. The listener, its gate and the REST/WebSocket routes are in
 * daemon/http and daemon/api.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/error.h"

#include "internal.h"
#include "store.h"

void fps_emit(fp_service *s, const char *dev_id, uint64_t owner, json_t *ev)
{
    if (!ev)
        return;
    if (s->emit)
        s->emit(s->emit_user, dev_id, owner, ev);
    else
        json_decref(ev);
}

int fps_start(const zkbiod_config *cfg, struct zs_store *store, int nslots, fps_emit_fn emit,
              void *emit_user, fp_service **out, char *err, size_t errsz)
{
    *out = NULL;
    fp_service *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    s->cfg = cfg;
    s->started = time(NULL);
    s->emit = emit;
    s->emit_user = emit_user;
    s->nslots = nslots;
    pthread_mutex_init(&s->lock, NULL);
    pthread_rwlock_init(&s->gallery_lock, NULL);
    s->store = store;
    if (fp_store_start(s, err, errsz) != 0)
        goto fail;
    s->galleries = calloc((size_t)nslots + 1, sizeof(*s->galleries));
    if (!s->galleries) {
        snprintf(err, errsz, "out of memory");
        goto fail;
    }
    if (fp_dev_start(s, err, errsz) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    free(s->galleries);
    fp_store_free(s);
    pthread_rwlock_destroy(&s->gallery_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return -1;
}

void fps_stop(fp_service *s)
{
    if (!s)
        return;
    fp_dev_stop(s);  /* no more hotplug events */
    fp_jobs_stop(s); /* refuse new jobs, cancel and wait for the running ones */
}

void fps_free(fp_service *s)
{
    if (!s)
        return;
    fp_jobs_free(s);
    fp_dev_free(s);
    for (int i = 0; i < s->nslots; i++)
        fp_gallery_free(s->galleries[i]);
    free(s->galleries);
    fp_store_free(s);
    pthread_rwlock_destroy(&s->gallery_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void fps_reap(fp_service *s)
{
    pthread_mutex_lock(&s->lock);
    fp_job_reap(s);
    pthread_mutex_unlock(&s->lock);
}

long long fps_uptime(const fp_service *s)
{
    return (long long)(time(NULL) - s->started);
}

int fps_has_store(const fp_service *s)
{
    return s->store != NULL;
}

int fps_store_ping(fp_service *s)
{
    return s->store ? zs_ping(s->store) : ZKBIO_ENOENT;
}

size_t fps_gallery_count(fp_service *s, int slot)
{
    size_t n = 0;
    pthread_rwlock_rdlock(&s->gallery_lock);
    if (slot >= 0 && slot < s->nslots && s->galleries[slot])
        zkbio_gallery_count(s->galleries[slot]->g, &n);
    pthread_rwlock_unlock(&s->gallery_lock);
    return n;
}

void fps_gallery_set(fp_service *s, int slot, fp_gallery *g)
{
    if (slot < 0 || slot >= s->nslots) {
        fp_gallery_free(g);
        return;
    }
    pthread_rwlock_wrlock(&s->gallery_lock);
    fp_gallery *old = s->galleries[slot];
    s->galleries[slot] = g;
    pthread_rwlock_unlock(&s->gallery_lock);
    fp_gallery_free(old);
}

size_t fps_stored_count(fp_service *s)
{
    pthread_rwlock_rdlock(&s->gallery_lock);
    size_t n = s->stored ? s->stored->n : 0;
    pthread_rwlock_unlock(&s->gallery_lock);
    return n;
}

int fps_can_identify(fp_service *s, int slot)
{
    pthread_rwlock_rdlock(&s->gallery_lock);
    int have = s->store || (slot >= 0 && slot < s->nslots && s->galleries[slot]);
    pthread_rwlock_unlock(&s->gallery_lock);
    return have;
}
