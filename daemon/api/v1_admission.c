/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminal admission on /api/v1 (issue 15, docs/admission.md): POST /api/v1/devices/{id}/approve
 * and /reject (admin; audited as device.approve / device.reject). The device's admission shows in
 * its JSON (api_json.c) and filters the list (admin.c, ?admission=).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_json.h"
#include "v1_fleet.h"

/* The device r->arg[0] names (an id, or an SN). 0, or the status of the 404/503 sent. */
static int admission_device(zreq *r, zs_device *dev)
{
    memset(dev, 0, sizeof(*dev));
    const char *ref = r->arg[0];
    size_t l = ref ? strlen(ref) : 0;
    int rc = l == 0 || l > ZKBIO_PUSH_SN_MAX || !zkbio_push_sn_valid(ref)
                 ? ZKBIO_ENOENT
                 : zs_find_device(r->app->store, ref, dev);
    if (rc == ZKBIO_ENOENT)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such device",
                            json_pack("{s:s}", "device", ref ? ref : ""));
    return rc ? zapi_fleet_store_fail(r, rc) : 0;
}

/* The device after the change, with the audit row's id. */
static int reply_device(zreq *r, int64_t id, const char *message, int64_t aid, json_t *extra)
{
    zs_device dev;
    int rc = zs_get_device_by_id(r->app->store, id, &dev);
    if (rc != 0) {
        json_decref(extra);
        return zapi_fleet_store_fail(r, rc);
    }
    json_t *out = zapi_device_json(&dev, 0, 1);
    json_object_del(out, "online"); /* not computed here: GET /api/v1/devices/{id} tells */
    zs_device_clear(&dev);
    json_object_set_new(out, "audit_id", json_integer(aid));
    if (extra)
        json_object_update(out, extra);
    json_decref(extra);
    return zapi_ok(r, 200, message, out);
}

/* POST /api/v1/devices/{id}/approve (admin) */
int zapi_device_approve(zreq *r)
{
    zs_device dev;
    int st = admission_device(r, &dev);
    if (st)
        return st;
    int64_t id = dev.id, aid = 0;
    char sn[ZKBIO_PUSH_SN_MAX + 1];
    snprintf(sn, sizeof(sn), "%s", dev.sn);
    zs_device_clear(&dev);
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.approve", sn, id, "pending", NULL, &aid);
    zs_approve_result res;
    int rc = zs_device_approve(r->app->store, id, &res);
    json_t *det = json_pack("{s:I,s:I,s:I}", "uploads", (json_int_t)res.uploads, "records",
                            (json_int_t)res.records, "dropped", (json_int_t)res.failed);
    if (aid) {
        char *text = json_dumps(det, JSON_COMPACT);
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", text);
        free(text);
    }
    if (rc != 0) {
        json_decref(det);
        return zapi_fleet_store_fail(r, rc);
    }
    zlog_info("api: device %s approved by %s (%lld held upload(s), %lld record(s) stored)", sn,
              zapi_fleet_actor(r), (long long)res.uploads, (long long)res.records);
    return reply_device(r, id, "device approved", aid, json_pack("{s:o}", "replayed", det));
}

/* POST /api/v1/devices/{id}/reject (admin) */
int zapi_device_reject(zreq *r)
{
    zs_device dev;
    int st = admission_device(r, &dev);
    if (st)
        return st;
    int64_t id = dev.id, aid = 0;
    char sn[ZKBIO_PUSH_SN_MAX + 1];
    snprintf(sn, sizeof(sn), "%s", dev.sn);
    zs_device_clear(&dev);
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.reject", sn, id, "pending", NULL, &aid);
    int rc = zs_device_reject(r->app->store, id);
    if (aid)
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc == ZKBIO_EBUSY)
        return zapi_v1_fail(r, 409, "CONFLICT",
                            "the device is approved: disable it (PATCH enabled=false) or delete "
                            "it instead",
                            json_pack("{s:s}", "admission", "approved"));
    if (rc != 0)
        return zapi_fleet_store_fail(r, rc);
    zlog_info("api: device %s rejected by %s; its held uploads were dropped", sn,
              zapi_fleet_actor(r));
    return reply_device(r, id, "device rejected", aid, NULL);
}
