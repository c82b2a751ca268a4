/* SPDX-License-Identifier: Apache-2.0 */
/* JSON of the management API (/api/v1) built from the store's rows (daemon/store/store_*.h). Each
 * function returns a new reference (NULL when out of memory); the rows are only read. The field
 * names, order and types are the API's contract (docs/management-api.md; tests/store's golden file
 * and tests/server check them). Times: "…Z" ISO-8601 UTC for instants zkbiod measured (received_at,
 * last_contact, registered_at); a punch's own time is the terminal's wall clock,
 * "YYYY-MM-DDTHH:MM:SS" without a zone. */
#ifndef ZKBIOD_API_JSON_H
#define ZKBIOD_API_JSON_H

#include <jansson.h>

#include "store.h"

/** One device. online: computed by the caller (api/admin.c: push from last_seen and the poll
 * interval, tcp4370 from state). detail adds {"commands": {"queued","sent","failed"}} (GET one). */
json_t *zapi_device_json(const zs_device *d, int online, int detail);
/** One user of the database (with template and photo metadata). */
json_t *zapi_user_json(const zs_user *u);
/** One punch. */
json_t *zapi_punch_json(const zs_punch *p);
/** One (user, date) of the daily summary. */
json_t *zapi_punch_day_json(const zs_punch_day *d);
/** One queued command (its verb only). */
json_t *zapi_command_json(const zs_command *c);

/** The name of a punch state ("check_in", "check_out", "break_out", "break_in", "overtime_in",
 * "overtime_out"; "other" for the rest). */
const char *zapi_punch_state_name(int64_t status);
/** A time zone as devices.tz holds it: "" (unknown) or an offset zc_tz_offset() reads ("+03:00",
 * "-0500", "UTC"). 1 when valid. */
int zapi_tz_valid(const char *tz);
/** "YYYY-MM-DD HH:MM:SS" wall clock minus the offset, as "…Z" into out (>= 21 bytes); 0 when the
 * time is malformed. */
int zapi_wall_to_utc(const char *wall, int offset_min, char *out, size_t size);

#endif /* ZKBIOD_API_JSON_H */
