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
    int64_t id; /**< devices.id (schema 5): the device's number in /api/v1/devices/{id} */
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
    char *transport; /**< "push" or "tcp4370" */
    char *name;      /**< "" when unnamed */
    char *location;
    int64_t port;     /**< tcp4370: the terminal's port; 0 for push */
    char *tz;         /**< "+03:00", "-05:30", "Z", an IANA name, or "" unknown */
    char *state;      /**< tcp4370: online | offline | unreachable ("" unknown; push: "") */
    char *last_error; /**< tcp4370: the last connection error, "" none */
    int64_t user_count, fp_count, punch_count; /**< as last reported by the terminal, -1 unknown */
    int udp;                                   /**< tcp4370: 1 = UDP only */
    int comm_key_set; /**< tcp4370: a comm key is configured (the key itself is never read here) */
    char *created_by; /**< who registered it ("" for PUSH terminals, which register themselves) */
    /* issue 15: admission (store_admission.h) */
    char *admission;   /**< "approved" | "pending" | "rejected" */
    char *pin_address; /**< "" or the IP address / CIDR prefix its requests must come from */
    char *flag;        /**< "" or "sn_mismatch" (4370: the terminal reported reported_sn) */
    char *reported_sn; /**< "" or the SN a flagged 4370 terminal reported */
    /** Commands of this device by state; filled by zs_get_device() only (0 in lists). */
    int64_t commands_queued, commands_sent, commands_failed;
} zs_device;

/** Every device, ordered by SN: *out is a new array of *n entries (NULL when 0), freed with
 * zs_device_list_free(). */
int zs_list_devices(zs_store *st, zs_device **out, size_t *n);
/** One device with its command counts into *out (free with zs_device_clear()). ZKBIO_ENOENT if
 * unknown. */
int zs_get_device(zs_store *st, const char *sn, zs_device *out);
/** The same by devices.id. ZKBIO_ENOENT if unknown. */
int zs_get_device_by_id(zs_store *st, int64_t id, zs_device *out);
/** The same by a reference as /api/v1 takes it: a decimal number (1..18 digits) is tried as an id
 * first, then as an SN; anything else as an SN. ZKBIO_ENOENT if neither matches. */
int zs_find_device(zs_store *st, const char *ref, zs_device *out);
/** Change a device's sync group and/or enabled flag (NULL / -1 = keep). */
int zs_update_device(zs_store *st, const char *sn, const char *sync_group, int enabled);

/** What PATCH /api/v1/devices/{id} may change; NULL / -1 = keep. The caller validates the values
 * (lengths: name, location 128, tz 64, sync_group 64). */
typedef struct zs_device_patch {
    const char *name;
    const char *location;
    const char *tz;
    const char *sync_group;
    int enabled;
    const char *pin_address; /**< issue 15: "" unpins; the caller checks it (zc_cidr_parse) */
} zs_device_patch;
/** Apply p to the device with that id. ZKBIO_ENOENT if unknown. */
int zs_patch_device(zs_store *st, int64_t id, const zs_device_patch *p);

/** Filters and keyset paging of zs_list_devices_page(); NULL / -1 / 0 fields are unused. */
typedef struct zs_device_filter {
    const char *transport; /**< "push" or "tcp4370" */
    const char *sn;        /**< exact SN */
    const char *q;         /**< case-insensitive (ASCII) substring of name or SN */
    int online;            /**< 1 online only, 0 offline only, -1 both */
    const char *admission; /**< "approved", "pending" or "rejected" (issue 15) */
    int64_t seen_since;    /**< a push device is online when last_seen >= this (Unix s); a tcp4370
                                one when state = 'online' */
    int64_t after;         /**< ids greater than this */
    int limit;             /**< 1..1000, default 100 */
} zs_device_filter;

/** One page of devices, ordered by id. */
typedef struct zs_device_page {
    zs_device *devices;
    size_t n;
    int has_next;  /**< 1 when more rows follow `next` (exact: one more row is read) */
    int64_t next;  /**< the last id of the page (pass as after) when has_next */
    int64_t total; /**< rows matching the filters (COUNT; the fleet is small) */
} zs_device_page;

/** Devices matching f into *out (zeroed first; free with zs_device_page_free()). */
int zs_list_devices_page(zs_store *st, const zs_device_filter *f, zs_device_page *out);
void zs_device_page_free(zs_device_page *p);

/** Free the strings of *d and zero it; NULL accepted. */
void zs_device_clear(zs_device *d);
/** Free an array from zs_list_devices() (NULL accepted). */
void zs_device_list_free(zs_device *list, size_t n);

#endif /* ZKBIOD_STORE_DEVICES_H */
