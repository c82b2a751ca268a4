/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_devices.h
 * @brief The devices table as C structs, for the management API (part of store.h; include that).
 *
 * Ownership: a zs_device filled by the store owns its strings (malloc'd, never NULL unless said);
 * release it with zs_device_clear() (a single one) or zs_device_list_free() (an array).
 */
#ifndef ZKBIOD_STORE_DEVICES_H
#define ZKBIOD_STORE_DEVICES_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** One row of `devices`, as the management API shows it. */
typedef struct zs_device {
    char *sn;
    char *model;
    char *firmware;
    char *push_version;
    char *device_type;
    int64_t language; /**< -1 unknown */
    char *sync_group;
    int enabled; /**< 0 or 1 */
    char *ip;
    int64_t registered_at; /**< Unix seconds */
    int64_t last_seen;     /**< Unix seconds (as last flushed) */
    char *info;            /**< the device's INFO line; "" when none */
    char *options;         /**< its options as a JSON object text, or NULL when none stored */
    char *attlog_stamp;
    char *operlog_stamp;
    /** Commands of this device by state; filled by zs_get_device() only (0 in lists). */
    int64_t commands_queued, commands_sent, commands_failed;
} zs_device;

/** Every device, ordered by SN: *out is a new array of *n entries (NULL when 0), freed with
 * zs_device_list_free(). */
int zs_list_devices(zs_store *st, zs_device **out, size_t *n);
/** One device with its command counts into *out (free with zs_device_clear()). ZKBIO_ENOENT if
 * unknown. */
int zs_get_device(zs_store *st, const char *sn, zs_device *out);
/** Change a device's sync group and/or enabled flag (NULL / -1 = keep). */
int zs_update_device(zs_store *st, const char *sn, const char *sync_group, int enabled);

/** Free the strings of *d and zero it; NULL accepted. */
void zs_device_clear(zs_device *d);
/** Free an array from zs_list_devices() (NULL accepted). */
void zs_device_list_free(zs_device *list, size_t n);

#endif /* ZKBIOD_STORE_DEVICES_H */
