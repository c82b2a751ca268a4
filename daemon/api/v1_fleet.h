/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the fleet's /api/v1 handlers (v1_fleet.c: devices and operations;
 * v1_fleet_users.c: users on a terminal, syncs and log clear). Internal to daemon/api. */
#ifndef ZKBIOD_API_V1_FLEET_H
#define ZKBIOD_API_V1_FLEET_H

#include "api.h"

/* The device of /api/v1/.../{id} (arg[0], numeric devices.id) into *d; 0, or the status of the
 * 404/503 sent. */
int zapi_fleet_device(zreq *r, zs_fleet_device *d);
/* 1 when d is a 4370 terminal (else a PUSH one). */
int zapi_fleet_is_4370(const zs_fleet_device *d);
/* The JSON body of the request (an object), or NULL after the 400/413 sent (*status). */
json_t *zapi_fleet_body(zreq *r, int *status);
/* Answer a fleet error (terminal unreachable, busy, refused...) in the envelope. */
int zapi_fleet_fail(zreq *r, int rc, const char *err);
/* Answer a store error in the envelope. */
int zapi_fleet_store_fail(zreq *r, int rc);
/* Who is calling (the principal's name, "admin-token" for the service credential). */
const char *zapi_fleet_actor(const zreq *r);
/* The caller's address. */
const char *zapi_fleet_ip(const zreq *r);
/* Queue a PUSH command for d and answer 202 {device_id, transport, command_id, command, status}. */
int zapi_fleet_push_command(zreq *r, const zs_fleet_device *d, const char *text, const char *what,
                            int64_t audit_id);
/* Queue a job (fleet job kinds) and answer 202 {job_id, device_id, status, queued_at, kind,
 * queue, existing}; with `unique` a second request while one is waiting returns that one. */
int zapi_fleet_job(zreq *r, const zs_fleet_device *d, const char *queue, const char *kind,
                   const char *payload, int unique);
/* ISO-8601 UTC (second resolution) of a wall-clock ms time into out; returns out. */
const char *zapi_fleet_iso_ms(int64_t ms, char out[32]);

/* 400 VALIDATION_ERROR for a body field: message `rule`, details {"field": field}. Returns 400. */
int zapi_fleet_bad_field(zreq *r, const char *field, const char *rule);

#endif /* ZKBIOD_API_V1_FLEET_H */
