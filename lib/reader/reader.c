/* SPDX-License-Identifier: Apache-2.0 */
/* Reader core: contexts, enumeration, open/close and the per-handle serialization, cancel and
 * timing around the backends' callbacks (reader.h). */
#include <stdlib.h>
#include <string.h>

#include "reader/backend.h"

static const zki_reader_backend *const backends[] = {
    &zki_backend_sim,
#ifdef ZKBIO_HAVE_LIBUSB
    &zki_backend_zk4500,
#endif
    &zki_backend_zkfp,
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

int zkbio_reader_ctx_new(const zkbio_reader_config *cfg, zkbio_reader_ctx **out)
{
    zki_clear_error();
    if (!out || (cfg && cfg->size == 0))
        return zki_set_error(ZKBIO_EINVAL, "zkbio_reader_ctx_new: NULL out or cfg->size 0");
    zkbio_reader_config c;
    memset(&c, 0, sizeof(c));
    if (cfg)
        memcpy(&c, cfg, cfg->size < sizeof(c) ? cfg->size : sizeof(c));
    c.size = sizeof(c);
    zkbio_reader_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return ZKBIO_ENOMEM;
    ctx->poll_ms = c.hotplug_poll_ms > 0 ? c.hotplug_poll_ms : 1000;
    ctx->load_image = c.load_image;
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        free(ctx);
        return ZKBIO_ENOMEM;
    }
    if (zki_cond_init_monotonic(&ctx->wake) != 0) {
        pthread_mutex_destroy(&ctx->lock);
        free(ctx);
        return ZKBIO_ENOMEM;
    }
    /* Keep the first non-fatal start failure's detail for the caller. */
    char skipped[256] = "";
    for (size_t i = 0; i < NBACKENDS; i++) {
        const zki_reader_backend *be = backends[i];
        if (c.backends && !(c.backends & be->flag))
            continue;
        zki_backend_slot *slot = &ctx->slots[ctx->nslots++];
        slot->be = be;
        int fatal = 0;
        zki_clear_error();
        int rc = be->start(ctx, &c, &slot->state, &fatal);
        if (rc != ZKBIO_OK) {
            slot->state = NULL;
            if (fatal) {
                char msg[256];
                zki_strlcpy(msg, zkbio_reader_last_error(), sizeof(msg));
                ctx->nslots--;
                zkbio_reader_ctx_free(ctx);
                return zki_set_error(rc, "%s", msg);
            }
            if (!skipped[0])
                zki_strlcpy(skipped, zkbio_reader_last_error(), sizeof(skipped));
        }
    }
    zki_clear_error();
    if (skipped[0])
        zki_set_error(ZKBIO_OK, "%s", skipped);
    *out = ctx;
    return ZKBIO_OK;
}

void zkbio_reader_ctx_free(zkbio_reader_ctx *ctx)
{
    if (!ctx)
        return;
    zkbio_reader_hotplug_set(ctx, NULL, NULL);
    for (size_t i = ctx->nslots; i-- > 0;)
        if (ctx->slots[i].state)
            ctx->slots[i].be->stop(ctx->slots[i].state);
    free(ctx->open);
    pthread_cond_destroy(&ctx->wake);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

static int info_cmp(const void *a, const void *b)
{
    const zkbio_reader_info *x = a, *y = b;
    return strcmp(x->id, y->id);
}

/* Every reader of every started backend, sorted by id within a backend. */
int zki_enumerate_all(zkbio_reader_ctx *ctx, zki_info_list *l)
{
    for (size_t i = 0; i < ctx->nslots; i++) {
        if (!ctx->slots[i].state)
            continue;
        size_t first = l->n;
        int rc = ctx->slots[i].be->enumerate(ctx->slots[i].state, l);
        if (rc == ZKBIO_ENOMEM)
            return rc;
        if (l->n > first + 1)
            qsort(l->v + first, l->n - first, sizeof(*l->v), info_cmp);
    }
    return ZKBIO_OK;
}

int zkbio_reader_enumerate(zkbio_reader_ctx *ctx, zkbio_reader_info **infos, size_t *count)
{
    zki_clear_error();
    if (!ctx || !infos || !count)
        return zki_set_error(ZKBIO_EINVAL, "zkbio_reader_enumerate: NULL argument");
    zki_info_list l = {0};
    int rc = zki_enumerate_all(ctx, &l);
    if (rc != ZKBIO_OK) {
        free(l.v);
        return rc;
    }
    if (l.n == 0) {
        free(l.v);
        l.v = NULL;
    }
    *infos = l.v;
    *count = l.n;
    return ZKBIO_OK;
}

void zkbio_reader_info_free(zkbio_reader_info *infos)
{
    free(infos);
}

static zki_backend_slot *slot_for(zkbio_reader_ctx *ctx, const char *id)
{
    const char *colon = strchr(id, ':');
    if (!colon)
        return NULL;
    size_t n = (size_t)(colon - id);
    for (size_t i = 0; i < ctx->nslots; i++)
        if (strlen(ctx->slots[i].be->name) == n && memcmp(ctx->slots[i].be->name, id, n) == 0)
            return &ctx->slots[i];
    return NULL;
}

/* Reserve `r` in the context's open list unless a handle with the same id is open. */
static int reserve(zkbio_reader_ctx *ctx, zkbio_reader *r)
{
    int rc = ZKBIO_OK;
    pthread_mutex_lock(&ctx->lock);
    for (size_t i = 0; i < ctx->nopen; i++)
        if (strcmp(ctx->open[i]->info.id, r->info.id) == 0)
            rc = ZKBIO_EBUSY;
    if (rc == ZKBIO_OK && ctx->nopen == ctx->capopen) {
        size_t cap = ctx->capopen ? ctx->capopen * 2 : 4;
        zkbio_reader **v = realloc(ctx->open, cap * sizeof(*v));
        if (!v)
            rc = ZKBIO_ENOMEM;
        else {
            ctx->open = v;
            ctx->capopen = cap;
        }
    }
    if (rc == ZKBIO_OK)
        ctx->open[ctx->nopen++] = r;
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

static void unreserve(zkbio_reader_ctx *ctx, zkbio_reader *r)
{
    pthread_mutex_lock(&ctx->lock);
    for (size_t i = 0; i < ctx->nopen; i++)
        if (ctx->open[i] == r) {
            ctx->open[i] = ctx->open[--ctx->nopen];
            break;
        }
    pthread_mutex_unlock(&ctx->lock);
}

int zkbio_reader_open(zkbio_reader_ctx *ctx, const char *id, zkbio_reader **out)
{
    zki_clear_error();
    if (!ctx || !out)
        return zki_set_error(ZKBIO_EINVAL, "zkbio_reader_open: NULL argument");
    char first[ZKBIO_READER_STR_MAX];
    if (!id || !*id) {
        zkbio_reader_info *v = NULL;
        size_t n = 0;
        int rc = zkbio_reader_enumerate(ctx, &v, &n);
        if (rc != ZKBIO_OK)
            return rc;
        if (n == 0)
            return zki_set_error(ZKBIO_ENODEV, "no fingerprint reader found");
        zki_strlcpy(first, v[0].id, sizeof(first));
        zkbio_reader_info_free(v);
        id = first;
    }
    if (strlen(id) >= ZKBIO_READER_STR_MAX)
        return zki_set_error(ZKBIO_ENODEV, "no reader with id '%.40s...'", id);
    zki_backend_slot *slot = slot_for(ctx, id);
    if (!slot)
        return zki_set_error(ZKBIO_ENODEV, "no reader with id '%s'", id);
    if (!slot->state)
        return zki_set_error(ZKBIO_EBACKEND, "reader backend '%s' is not available",
                             slot->be->name);
    zkbio_reader *r = calloc(1, sizeof(*r) + slot->be->priv_size + 16);
    if (!r)
        return ZKBIO_ENOMEM;
    r->ctx = ctx;
    r->be = slot->be;
    r->bstate = slot->state;
    r->priv = (char *)r + ((sizeof(*r) + 15) & ~(size_t)15);
    zki_strlcpy(r->info.id, id, sizeof(r->info.id));
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return ZKBIO_ENOMEM;
    }
    int rc = reserve(ctx, r);
    if (rc == ZKBIO_EBUSY)
        zki_set_error(rc, "reader %s is already open in this process", id);
    if (rc == ZKBIO_OK) {
        rc = r->be->open(r->bstate, id, r);
        if (rc != ZKBIO_OK)
            unreserve(ctx, r);
    }
    if (rc != ZKBIO_OK) {
        pthread_mutex_destroy(&r->lock);
        free(r);
        return rc;
    }
    zki_strlcpy(r->info.id, id, sizeof(r->info.id));
    zki_strlcpy(r->info.backend, r->be->name, sizeof(r->info.backend));
    *out = r;
    return ZKBIO_OK;
}

void zkbio_reader_close(zkbio_reader *r)
{
    if (!r)
        return;
    r->be->close(r);
    unreserve(r->ctx, r);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

int zkbio_reader_info_get(const zkbio_reader *r, zkbio_reader_info *info)
{
    if (!r || !info)
        return ZKBIO_EINVAL;
    zkbio_reader *w = (zkbio_reader *)r; /* the lock is not part of the logical state */
    pthread_mutex_lock(&w->lock);
    *info = r->info;
    pthread_mutex_unlock(&w->lock);
    return ZKBIO_OK;
}

static int enter(zkbio_reader *r)
{
    pthread_mutex_lock(&r->lock);
    int busy = r->busy;
    r->busy = 1;
    pthread_mutex_unlock(&r->lock);
    if (busy)
        return zki_set_error(ZKBIO_EBUSY, "another call is running on reader %s", r->info.id);
    return ZKBIO_OK;
}

static void leave(zkbio_reader *r)
{
    pthread_mutex_lock(&r->lock);
    r->busy = 0;
    pthread_mutex_unlock(&r->lock);
}

int zkbio_reader_capture(zkbio_reader *r, int timeout_ms, zkbio_image **out)
{
    uint64_t t0 = zki_now_us();
    zki_clear_error();
    if (!r || !out)
        return zki_set_error(ZKBIO_EINVAL, "zkbio_reader_capture: NULL argument");
    int rc = enter(r);
    if (rc != ZKBIO_OK)
        return rc;
    atomic_store(&r->cancel, 0);
    atomic_store(&r->capturing, 1);
    zkbio_image *img = NULL;
    uint64_t t1 = zki_now_us();
    rc = r->be->capture(r, timeout_ms, &img);
    uint64_t t2 = zki_now_us();
    atomic_store(&r->capturing, 0);
    pthread_mutex_lock(&r->lock);
    r->busy = 0;
    if (rc == ZKBIO_OK) {
        r->timing.backend_us = t2 - t1;
        r->timing.total_us = zki_now_us() - t0;
    }
    pthread_mutex_unlock(&r->lock);
    if (rc == ZKBIO_OK)
        *out = img;
    return rc;
}

int zkbio_reader_cancel(zkbio_reader *r)
{
    if (!r)
        return ZKBIO_EINVAL;
    if (atomic_load(&r->capturing)) {
        atomic_store(&r->cancel, 1);
        if (r->be->cancel)
            r->be->cancel(r);
    }
    return ZKBIO_OK;
}

int zkbio_reader_finger_present(zkbio_reader *r, int *present)
{
    zki_clear_error();
    if (!r || !present)
        return zki_set_error(ZKBIO_EINVAL, "zkbio_reader_finger_present: NULL argument");
    if (!r->be->finger)
        return zki_set_error(ZKBIO_ENOTSUP, "reader %s cannot tell whether a finger is on it",
                             r->info.id);
    int rc = enter(r);
    if (rc != ZKBIO_OK)
        return rc;
    int p = 0;
    rc = r->be->finger(r, &p);
    leave(r);
    if (rc == ZKBIO_OK)
        *present = p ? 1 : 0;
    return rc;
}

int zkbio_reader_output_set(zkbio_reader *r, int output, int on)
{
    zki_clear_error();
    if (!r || output < ZKBIO_READER_LED_GREEN || output > ZKBIO_READER_LED_WHITE)
        return zki_set_error(ZKBIO_EINVAL, "zkbio_reader_output_set: bad argument");
    static const uint32_t cap[] = {ZKBIO_READER_CAP_LED_GREEN, ZKBIO_READER_CAP_LED_RED,
                                   ZKBIO_READER_CAP_BUZZER, ZKBIO_READER_CAP_LED_WHITE};
    if (!r->be->set_output || !(r->info.caps & cap[output]))
        return zki_set_error(ZKBIO_ENOTSUP, "reader %s has no such LED or buzzer", r->info.id);
    int rc = enter(r);
    if (rc != ZKBIO_OK)
        return rc;
    rc = r->be->set_output(r, output, on ? 1 : 0);
    leave(r);
    return rc;
}

int zkbio_reader_timing_get(const zkbio_reader *r, zkbio_reader_timing *t)
{
    if (!r || !t)
        return ZKBIO_EINVAL;
    zkbio_reader *w = (zkbio_reader *)r;
    pthread_mutex_lock(&w->lock);
    *t = r->timing;
    pthread_mutex_unlock(&w->lock);
    return ZKBIO_OK;
}
