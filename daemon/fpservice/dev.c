/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readers of the fingerprint service: the device table, fed by the reader layer's hotplug callback
 * (device:connected / device:disconnected events), and the contract's Device and DeviceInfo shapes.
 * Jobs (job.c) use the table; this file calls nothing of job.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/imageio.h"

#include "internal.h"
#include "log.h"

/* ---- devices -------------------------------------------------------------------------------- */

fp_dev *fp_dev_find(fp_service *s, const char *id)
{
    for (size_t i = 0; i < s->ndev; i++)
        if (strcmp(s->devs[i].info.id, id) == 0)
            return &s->devs[i];
    return NULL;
}

static json_t *dev_json(const fp_dev *d)
{
    char last[24];
    zc_iso_time(d->last_activity, last, sizeof(last));
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", d->info.id, "serialNumber",
                     d->info.serial[0] ? d->info.serial : d->info.id, "model", d->info.model,
                     "status",
                     !d->present ? "disconnected"
                     : d->job    ? "busy"
                                 : "connected",
                     "lastActivity", last);
}

static void on_hotplug(int event, const zkbio_reader_info *info, void *user)
{
    fp_service *s = user;
    json_t *ev = NULL;
    pthread_mutex_lock(&s->lock);
    fp_dev *d = fp_dev_find(s, info->id);
    if (event == ZKBIO_READER_ARRIVED) {
        if (!d && s->ndev < FP_MAX_DEVICES) {
            d = &s->devs[s->ndev++];
            memset(d, 0, sizeof(*d));
        }
        if (d) {
            d->info = *info;
            d->present = 1;
            d->last_activity = time(NULL);
            ev =
                json_pack("{s:s,s:{s:s,s:s,s:s,s:s,s:s}}", "type", "device:connected", "device",
                          "id", info->id, "serialNumber", info->serial[0] ? info->serial : info->id,
                          "model", info->model, "status", "connected", "firmwareVersion", "");
        }
    } else if (d) {
        d->present = 0;
        ev = json_pack("{s:s,s:s,s:s}", "type", "device:disconnected", "deviceId", info->id,
                       "reason", "Device unplugged");
    }
    pthread_mutex_unlock(&s->lock);
    zlog_info("fingerprint service: reader %s %s", info->id,
              event == ZKBIO_READER_ARRIVED ? "connected" : "disconnected");
    if (ev)
        fps_emit(s, NULL, 0, ev);
}

int fp_dev_start(fp_service *s, char *err, size_t errsz)
{
    zkbio_reader_config rc;
    memset(&rc, 0, sizeof(rc));
    rc.size = sizeof(rc);
    rc.load_image = zkbio_image_load;
    rc.hotplug_poll_ms = 500;
    int r = zkbio_reader_ctx_new(&rc, &s->readers);
    if (r != 0) {
        snprintf(err, errsz, "readers: %s (%s)", zkbio_strerror(r), zkbio_reader_last_error());
        return -1;
    }
    r = zkbio_reader_hotplug_set(s->readers, on_hotplug, s);
    if (r != 0) {
        snprintf(err, errsz, "reader hotplug: %s", zkbio_strerror(r));
        zkbio_reader_ctx_free(s->readers);
        s->readers = NULL;
        return -1;
    }
    return 0;
}

void fp_dev_stop(fp_service *s)
{
    if (s->readers)
        zkbio_reader_hotplug_set(s->readers, NULL, NULL);
}

void fp_dev_free(fp_service *s)
{
    zkbio_reader_ctx_free(s->readers);
    s->readers = NULL;
}

json_t *fp_dev_list(fp_service *s)
{
    json_t *a = json_array();
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; a && i < s->ndev; i++)
        if (s->devs[i].present)
            json_array_append_new(a, dev_json(&s->devs[i]));
    pthread_mutex_unlock(&s->lock);
    return a;
}

json_t *fp_dev_info(fp_service *s, const char *id)
{
    json_t *o = NULL;
    pthread_mutex_lock(&s->lock);
    fp_dev *d = fp_dev_find(s, id);
    if (d && d->present) {
        char res[32], size[32];
        snprintf(res, sizeof(res), "%u DPI", d->info.dpi);
        if (d->info.width)
            snprintf(size, sizeof(size), "%ux%u", d->info.width, d->info.height);
        else
            snprintf(size, sizeof(size), "variable");
        o = dev_json(d);
        json_object_set_new(o, "status", json_string(d->job ? "busy" : "idle"));
        json_object_set_new(o, "firmwareVersion", json_string(""));
        json_object_set_new(o, "temperature", json_null());
        json_object_set_new(o, "backend", json_string(d->info.backend));
        json_object_set_new(o, "capabilities",
                            json_pack("{s:s,s:s}", "resolution", res, "imageSize", size));
    }
    pthread_mutex_unlock(&s->lock);
    return o;
}

int fp_dev_pick(fp_service *s, const char *id, char out[ZKBIO_READER_STR_MAX])
{
    int rc = FP_DEVICE_NOT_FOUND;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->ndev; i++) {
        fp_dev *d = &s->devs[i];
        if (d->present && (!id || !*id || strcmp(d->info.id, id) == 0)) {
            snprintf(out, ZKBIO_READER_STR_MAX, "%s", d->info.id);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int fps_dev_test(fp_service *s, const char *id)
{
    zkbio_reader *rd = NULL;
    int rc = zkbio_reader_open(s->readers, id, &rd);
    zkbio_reader_close(rd);
    return rc;
}
