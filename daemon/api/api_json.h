/* SPDX-License-Identifier: Apache-2.0 */
/* JSON of the management API (/api/v1) built from the store's rows (daemon/store/store_*.h). Each
 * function returns a new reference (NULL when out of memory); the rows are only read. The field
 * names, order and types are the API's contract (docs and tests/daemon check them). */
#ifndef ZKBIOD_API_JSON_H
#define ZKBIOD_API_JSON_H

#include <jansson.h>

#include "store.h"

/** One device; with_commands adds {"commands": {"queued", "sent", "failed"}} (GET of one device).
 */
json_t *zapi_device_json(const zs_device *d, int with_commands);
/** {"devices": [...]} */
json_t *zapi_devices_json(const zs_device *list, size_t n);
/** {"users": [...], "next": PIN or null} */
json_t *zapi_users_json(const zs_user_page *p);
/** {"records": [...], "next": id or null} */
json_t *zapi_punches_json(const zs_punch_page *p);
/** {"commands": [...], "next": id or null} */
json_t *zapi_commands_json(const zs_command_page *p);

#endif /* ZKBIOD_API_JSON_H */
