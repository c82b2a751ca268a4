/* SPDX-License-Identifier: Apache-2.0 */
/* The sim backend: virtual readers configured by ZKBIO_SIM (reader.h), modelled on libfprint's
 * virtual image device (shared reference fingerprint.md §2.4). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/sim.h"

typedef struct sim_state {
    zki_sim_entry *entries[ZKI_SIM_ENTRIES_MAX];
    size_t n;
} sim_state;

typedef struct sim_handle {
    zki_sim_entry *e;
    unsigned generation;
} sim_handle;

static void entry_free(zki_sim_entry *e)
{
    if (!e)
        return;
    if (e->kind == ZKI_SIM_SOCKET)
        zki_sim_server_stop(e);
    for (size_t i = 0; i < e->qlen; i++)
        zkbio_image_free(e->queue[(e->qhead + i) % ZKBIO_SIM_QUEUE_MAX]);
    zki_sim_dir_free(e->files, e->nfiles);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->lock);
    free(e->path);
    free(e);
}

static void sim_stop(void *state)
{
    sim_state *s = state;
    for (size_t i = 0; i < s->n; i++)
        entry_free(s->entries[i]);
    free(s);
}

/* Parse one "kind:path" entry (spec[0..len)) and start it. */
static int entry_new(zkbio_reader_ctx *ctx, const zkbio_reader_config *cfg, const char *spec,
                     size_t len, int index, zki_sim_entry **out)
{
    int kind;
    size_t skip;
    if (len > 4 && memcmp(spec, "dir:", 4) == 0) {
        kind = ZKI_SIM_DIR;
        skip = 4;
    } else if (len > 7 && memcmp(spec, "socket:", 7) == 0) {
        kind = ZKI_SIM_SOCKET;
        skip = 7;
    } else {
        return zki_set_error(ZKBIO_EINVAL,
                             "ZKBIO_SIM entry %d '%.*s': expected dir:PATH or socket:PATH", index,
                             (int)(len > 60 ? 60 : len), spec);
    }
    if (len - skip > 4096)
        return zki_set_error(ZKBIO_EINVAL, "ZKBIO_SIM entry %d: path too long", index);
    zki_sim_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return ZKBIO_ENOMEM;
    e->path = malloc(len - skip + 1);
    if (!e->path || pthread_mutex_init(&e->lock, NULL) != 0) {
        free(e->path);
        free(e);
        return ZKBIO_ENOMEM;
    }
    if (zki_cond_init_monotonic(&e->cond) != 0) {
        pthread_mutex_destroy(&e->lock);
        free(e->path);
        free(e);
        return ZKBIO_ENOMEM;
    }
    memcpy(e->path, spec + skip, len - skip);
    e->path[len - skip] = '\0';
    e->index = index;
    e->kind = kind;
    e->ctx = ctx;
    e->loader = cfg->load_image;
    int rc;
    if (kind == ZKI_SIM_DIR) {
        rc = zki_sim_dir_scan(e->path, &e->files, &e->nfiles);
        if (rc != ZKBIO_OK)
            zki_set_error(rc, "sim dir:%s: %s", e->path, strerror(errno));
    } else {
        rc = zki_sim_server_start(e);
    }
    if (rc != ZKBIO_OK) {
        entry_free(e);
        return rc;
    }
    *out = e;
    return ZKBIO_OK;
}

static int sim_start(zkbio_reader_ctx *ctx, const zkbio_reader_config *cfg, void **state,
                     int *fatal)
{
    const char *spec = cfg->sim ? cfg->sim : getenv("ZKBIO_SIM");
    sim_state *s = calloc(1, sizeof(*s));
    if (!s)
        return ZKBIO_ENOMEM;
    *fatal = 1; /* a malformed or unusable configuration is the caller's to fix */
    int index = 0;
    for (const char *p = spec ? spec : ""; *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            if (s->n == ZKI_SIM_ENTRIES_MAX) {
                sim_stop(s);
                return zki_set_error(ZKBIO_EINVAL, "ZKBIO_SIM: more than %d readers",
                                     ZKI_SIM_ENTRIES_MAX);
            }
            int rc = entry_new(ctx, cfg, p, len, index, &s->entries[s->n]);
            if (rc != ZKBIO_OK) {
                sim_stop(s);
                return rc;
            }
            s->n++;
            index++;
        }
        p += len + (end ? 1 : 0);
    }
    *state = s;
    return ZKBIO_OK;
}

static void entry_info(const zki_sim_entry *e, zkbio_reader_info *info)
{
    memset(info, 0, sizeof(*info));
    snprintf(info->id, sizeof(info->id), "sim:%d", e->index);
    zki_strlcpy(info->backend, "sim", sizeof(info->backend));
    snprintf(info->model, sizeof(info->model), "Simulated reader (%s)",
             e->kind == ZKI_SIM_DIR ? "folder" : "socket");
    snprintf(info->serial, sizeof(info->serial), "SIM%04d", e->index);
    info->dpi = 500;
    info->caps = ZKBIO_READER_CAP_LED_GREEN | ZKBIO_READER_CAP_LED_RED |
                 ZKBIO_READER_CAP_LED_WHITE | ZKBIO_READER_CAP_BUZZER | ZKBIO_READER_CAP_FINGER;
}

static int sim_enumerate(void *state, zki_info_list *out)
{
    sim_state *s = state;
    for (size_t i = 0; i < s->n; i++) {
        zki_sim_entry *e = s->entries[i];
        pthread_mutex_lock(&e->lock);
        int gone = e->unplugged;
        pthread_mutex_unlock(&e->lock);
        if (gone)
            continue;
        zkbio_reader_info info;
        entry_info(e, &info);
        int rc = zki_info_list_add(out, &info);
        if (rc != ZKBIO_OK)
            return rc;
    }
    return ZKBIO_OK;
}

static int sim_open(void *state, const char *id, zkbio_reader *r)
{
    sim_state *s = state;
    char *end;
    errno = 0;
    long idx = strtol(id + 4, &end, 10);
    if (errno || *end || end == id + 4 || idx < 0 || (size_t)idx >= s->n)
        return zki_set_error(ZKBIO_ENODEV, "no reader with id '%s'", id);
    zki_sim_entry *e = s->entries[idx];
    pthread_mutex_lock(&e->lock);
    int gone = e->unplugged;
    unsigned gen = e->generation;
    e->outputs = 0;
    pthread_mutex_unlock(&e->lock);
    if (gone)
        return zki_set_error(ZKBIO_ENODEV, "reader %s is unplugged", id);
    sim_handle *h = r->priv;
    h->e = e;
    h->generation = gen;
    entry_info(e, &r->info);
    return ZKBIO_OK;
}

static void sim_close(zkbio_reader *r)
{
    sim_handle *h = r->priv;
    pthread_mutex_lock(&h->e->lock);
    h->e->outputs = 0;
    pthread_mutex_unlock(&h->e->lock);
}

/* With e->lock held: the handle's reader went away. */
static int gone(const sim_handle *h)
{
    return h->e->unplugged || h->e->generation != h->generation;
}

static void note_size(zkbio_reader *r, const zkbio_image *img)
{
    pthread_mutex_lock(&r->lock);
    r->info.width = img->width;
    r->info.height = img->height;
    pthread_mutex_unlock(&r->lock);
}

static int sim_capture(zkbio_reader *r, int timeout_ms, zkbio_image **out)
{
    sim_handle *h = r->priv;
    zki_sim_entry *e = h->e;
    struct timespec deadline;
    if (timeout_ms > 0)
        zki_deadline(&deadline, timeout_ms);
    pthread_mutex_lock(&e->lock);
    for (;;) {
        if (gone(h)) {
            pthread_mutex_unlock(&e->lock);
            return zki_set_error(ZKBIO_EUNPLUGGED, "reader %s was unplugged", r->info.id);
        }
        if (atomic_load(&r->cancel)) {
            pthread_mutex_unlock(&e->lock);
            return zki_set_error(ZKBIO_ECANCELED, "capture on %s cancelled", r->info.id);
        }
        if (e->pending_error) {
            int rc = e->pending_error;
            e->pending_error = 0;
            pthread_mutex_unlock(&e->lock);
            return zki_set_error(rc, "reader %s reported a capture error", r->info.id);
        }
        if (e->kind == ZKI_SIM_SOCKET && e->qlen > 0) {
            zkbio_image *img = e->queue[e->qhead];
            e->qhead = (e->qhead + 1) % ZKBIO_SIM_QUEUE_MAX;
            e->qlen--;
            e->lifted = 1;
            pthread_mutex_unlock(&e->lock);
            note_size(r, img);
            *out = img;
            return ZKBIO_OK;
        }
        if (e->kind == ZKI_SIM_DIR && e->pos < e->nfiles) {
            const char *path = e->files[e->pos++];
            e->lifted = 1;
            pthread_mutex_unlock(&e->lock);
            zkbio_image *img = NULL;
            int rc = zki_sim_dir_load(path, e->loader, &img);
            if (rc != ZKBIO_OK)
                return zki_set_error(rc, "sim %s: %s: %s", r->info.id, path,
                                     rc == ZKBIO_ENOTSUP ? "not a PGM file and no image loader"
                                                         : zkbio_strerror(rc));
            note_size(r, img);
            *out = img;
            return ZKBIO_OK;
        }
        if (timeout_ms == 0) {
            pthread_mutex_unlock(&e->lock);
            return zki_set_error(ZKBIO_ETIMEDOUT, "no finger on %s", r->info.id);
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&e->cond, &e->lock);
        } else if (pthread_cond_timedwait(&e->cond, &e->lock, &deadline) == ETIMEDOUT) {
            timeout_ms = 0; /* one last look, then time out */
        }
    }
}

static void sim_cancel(zkbio_reader *r)
{
    sim_handle *h = r->priv;
    pthread_mutex_lock(&h->e->lock);
    pthread_cond_broadcast(&h->e->cond);
    pthread_mutex_unlock(&h->e->lock);
}

static int sim_finger(zkbio_reader *r, int *present)
{
    sim_handle *h = r->priv;
    zki_sim_entry *e = h->e;
    pthread_mutex_lock(&e->lock);
    if (gone(h)) {
        pthread_mutex_unlock(&e->lock);
        return zki_set_error(ZKBIO_EUNPLUGGED, "reader %s was unplugged", r->info.id);
    }
    int waiting = e->kind == ZKI_SIM_DIR ? e->pos < e->nfiles : (e->finger || e->qlen > 0);
    *present = !e->lifted && waiting;
    if (!*present)
        e->lifted = 0;
    pthread_mutex_unlock(&e->lock);
    return ZKBIO_OK;
}

static int sim_set_output(zkbio_reader *r, int output, int on)
{
    sim_handle *h = r->priv;
    zki_sim_entry *e = h->e;
    pthread_mutex_lock(&e->lock);
    int rc = ZKBIO_OK;
    if (gone(h))
        rc = zki_set_error(ZKBIO_EUNPLUGGED, "reader %s was unplugged", r->info.id);
    else if (on)
        e->outputs |= 1u << output;
    else
        e->outputs &= ~(1u << output);
    pthread_mutex_unlock(&e->lock);
    return rc;
}

int zki_sim_apply(zki_sim_entry *e, const zki_sim_msg *msg)
{
    int rc = ZKBIO_OK, rescan = 0;
    zkbio_image *img = NULL;
    if (msg->kind == ZKI_SIM_MSG_FRAME) {
        rc = zkbio_image_from_buffer(msg->pixels, msg->width, msg->height, msg->width, 500, &img);
        if (rc != ZKBIO_OK)
            return rc;
    }
    pthread_mutex_lock(&e->lock);
    if (msg->kind == ZKI_SIM_MSG_FRAME) {
        if (e->unplugged) {
            rc = ZKBIO_ENODEV;
        } else if (e->qlen == ZKBIO_SIM_QUEUE_MAX) {
            rc = ZKBIO_ENOSPC;
        } else {
            e->queue[(e->qhead + e->qlen) % ZKBIO_SIM_QUEUE_MAX] = img;
            e->qlen++;
            img = NULL;
        }
    } else {
        switch (msg->command) {
        case ZKBIO_SIM_FINGER:
            if (msg->value != 0 && msg->value != 1)
                rc = ZKBIO_EPROTO;
            else {
                e->finger = msg->value;
                if (!msg->value)
                    e->lifted = 0;
            }
            break;
        case ZKBIO_SIM_ERROR:
            if (msg->value >= 0 || msg->value < -1000)
                rc = ZKBIO_EPROTO;
            else
                e->pending_error = msg->value;
            break;
        case ZKBIO_SIM_TIMEOUT:
            e->pending_error = ZKBIO_ETIMEDOUT;
            break;
        case ZKBIO_SIM_UNPLUG:
            if (!e->unplugged) {
                e->unplugged = 1;
                e->generation++;
                for (size_t i = 0; i < e->qlen; i++)
                    zkbio_image_free(e->queue[(e->qhead + i) % ZKBIO_SIM_QUEUE_MAX]);
                e->qlen = 0;
                e->pending_error = 0;
                e->finger = 0;
                rescan = 1;
            }
            break;
        case ZKBIO_SIM_REPLUG:
            if (e->unplugged) {
                e->unplugged = 0;
                rescan = 1;
            }
            break;
        default:
            rc = ZKBIO_EPROTO;
        }
    }
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    zkbio_image_free(img);
    if (rescan)
        zki_ctx_rescan(e->ctx);
    return rc;
}

const zki_reader_backend zki_backend_sim = {
    .version = 1,
    .name = "sim",
    .flag = ZKBIO_READER_BACKEND_SIM,
    .priv_size = sizeof(sim_handle),
    .start = sim_start,
    .stop = sim_stop,
    .enumerate = sim_enumerate,
    .open = sim_open,
    .close = sim_close,
    .capture = sim_capture,
    .cancel = sim_cancel,
    .finger = sim_finger,
    .set_output = sim_set_output,
};
