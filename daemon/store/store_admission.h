/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_admission.h
 * @brief Terminal admission (issue 15; part of store.h, include that): pending devices, their
 * held uploads, approve / reject, address pinning, the limits on unknown SNs (docs/admission.md).
 *
 * Admission of a PUSH request is answered by zs_device_hello(), zs_device_admit() and
 * zs_device_poll() (store.h) from devices.admission ("approved" | "pending" | "rejected"),
 * devices.enabled and devices.pin_address. In the pending mode (zs_policy.pending) an unknown SN is
 * registered pending, at most zs_policy.pending_max at once and zs_policy.unknown_rate requests of
 * unknown SNs per source address a minute (in-process counters: a fixed table of
 * ZS_SOURCES_MAX source addresses, the least recently used one replaced). A pending device is
 * never a target of the fleet sync and gets no full sync until approved.
 *
 * An approved device heard from an address other than the one it last used is audited
 * (audit_log action "device.address_changed", actor "system") and reported through
 * zs_policy.notify, once per change.
 *
 * Thread-safety: every function may be called from any thread. Errors: store.h's.
 */
#ifndef ZKBIOD_STORE_ADMISSION_H
#define ZKBIOD_STORE_ADMISSION_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** Source addresses the in-process counters of unknown SNs keep (fixed memory). */
#define ZS_SOURCES_MAX 1024
/** Bytes of held uploads one pending device may have; more are refused (ZKBIO_ETOOBIG) so the
 * terminal keeps them and sends them again once approved. */
#define ZS_PENDING_BYTES_MAX (8 * 1024 * 1024)

/**
 * Hold an upload of a pending device: `table` its PUSH table name (ATTLOG, OPERLOG, USERINFO,
 * BIODATA, ERRORLOG, IDCARD; at most 16 characters), `stamp` its Stamp ("" none), body the raw
 * bytes (len) as received. Replayed through the ordinary ingest by zs_device_approve().
 * ZKBIO_ETOOBIG when the device would hold more than ZS_PENDING_BYTES_MAX; ZKBIO_EINVAL on a bad
 * table name.
 */
int zs_pending_stage(zs_store *st, const char *sn, const char *table, const char *stamp,
                     const void *body, size_t len);

/** What zs_device_approve() did. */
typedef struct zs_approve_result {
    int was;         /**< the device's admission before: ZS_ADMIT_PENDING, _REJECTED or _OK */
    int64_t uploads; /**< held uploads replayed */
    int64_t records; /**< records those uploads stored */
    int64_t failed;  /**< held uploads that could not be parsed (dropped) */
} zs_approve_result;

/**
 * Approve device `id` (pending or rejected; approving an approved one replays anything still
 * held): mark it approved, queue its full sync (zs_policy.full_sync), then replay its held uploads
 * in arrival order through the ordinary ingest (punches stored, users and templates fanned out to
 * its sync group) and delete each once stored. `charset`: see zkbio_push_language_charset(); the
 * device's language is used. ZKBIO_ENOENT if unknown. On a storage error the device stays
 * approved and what is still held is replayed by the next call.
 */
int zs_device_approve(zs_store *st, int64_t id, zs_approve_result *out);

/**
 * Reject pending device `id`: mark it rejected (its further requests are refused with
 * ZS_ADMIT_REJECTED) and delete everything it left: held uploads, commands, sync state,
 * attendance, operation and error logs, photo rows, its options and INFO. ZKBIO_ENOENT if
 * unknown, ZKBIO_EBUSY if it is approved (disable or delete an approved device instead).
 * Rejecting a rejected device succeeds again.
 */
int zs_device_reject(zs_store *st, int64_t id);

/**
 * Whether a refusal of a request from `ip` should be logged: 1 for the first refusal of that
 * source in the current minute, 0 after (so a flood logs one line per source and minute).
 */
int zs_refusal_log_first(zs_store *st, const char *ip);

/** Devices pending now (for limits and status). */
int zs_pending_count(zs_store *st, int64_t *n);

/**
 * 4370 (daemon/fleet): note what the terminal at device `id` reported as its serial number. When it
 * differs from the registered SN the device is flagged ("sn_mismatch", reported_sn kept) and
 * *mismatch = 1 (the first time: *first = 1, the caller audits and logs); a matching report clears
 * the flag. first may be NULL.
 */
int zs_device_report_sn(zs_store *st, int64_t id, const char *reported, int *mismatch, int *first);

#endif /* ZKBIOD_STORE_ADMISSION_H */
