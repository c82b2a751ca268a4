/* SPDX-License-Identifier: Apache-2.0 */
/*
 * API keys of the fingerprint service: the keys given with --api-key (configuration) and the keys
 * made by `zkbiod apikey create`, kept in <data-dir>/apikeys (mode 0600) as salted SHA-256 hashes
 * only. Format of that file, one key per line, tab-separated:
 *   id  name  created(ISO-8601)  revoked(ISO-8601 or "-")  salt(32 hex)  sha256(salt||key)(64 hex)
 *   shown(first 12 characters of the key, for `apikey list`)  permissions("*" or a,b,...)
 * Lines written before permissions existed have no eighth field: they grant every permission.
 * Why a fast salted hash and not argon2/PBKDF2: the keys are 32 random characters of [A-Za-z0-9]
 * (about 190 bits), so guessing is hopeless whatever the hash costs, while every request verifies
 * its key: a deliberately slow hash would cost milliseconds per request and help nothing. The salt
 * keeps equal keys from having equal hashes.
 *
 * Thread-safety: a loaded fp_keys is read-only and may be shared by any number of threads.
 */
#ifndef ZKBIOD_FP_KEYS_H
#define ZKBIOD_FP_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct fp_keys fp_keys;

/* Key permissions (shared reference `fingerprint-service-api.md` §2.1, [A6]), one bit each.
 * fingerprint:scan is the WebSocket sample's name (auth:success); capture and scan routes accept
 * it or any of enroll/verify/identify. The database:* names are accepted and stored but guard
 * nothing (zkbiod has no database routes). */
enum {
    FP_PERM_ENROLL = 1u << 0,
    FP_PERM_VERIFY = 1u << 1,
    FP_PERM_IDENTIFY = 1u << 2,
    FP_PERM_DELETE = 1u << 3,
    FP_PERM_SCAN = 1u << 4,
    FP_PERM_DEVICE_READ = 1u << 5,
    FP_PERM_DEVICE_MANAGE = 1u << 6,
    FP_PERM_DB_READ = 1u << 7,
    FP_PERM_DB_EXPORT = 1u << 8,
    FP_PERM_DB_IMPORT = 1u << 9,
};
#define FP_PERM_COUNT 10
#define FP_PERM_ALL   ((1u << FP_PERM_COUNT) - 1)

/* Name of permission number i (0..FP_PERM_COUNT-1, bit 1 << i), or NULL. */
const char *fp_perm_name(int i);
/* Parse a comma-separated list of names ("*" = all; spaces around names allowed). 0 with *out, or
 * -1 (empty list, unknown name) with the offending text in bad (badsz bytes). */
int fp_perms_parse(const char *list, uint32_t *out, char *bad, size_t badsz);
/* Format as the keys file stores it: "*" for all, else names joined by commas. */
void fp_perms_format(uint32_t perms, char *buf, size_t size);

/* One key of the file (or a configured key: id 0, name "configured"). */
typedef struct fp_key_record {
    int id; /* file id, >= 1; 0 for configured keys */
    int revoked;
    uint8_t salt[16];
    uint8_t hash[32]; /* SHA-256(salt || key) */
    char name[64];
    char created[24];
    char revoked_at[24];
    char shown[16]; /* the key's first 12 characters */
    uint32_t perms; /* FP_PERM_* bits; FP_PERM_ALL for configured keys and old lines */
} fp_key_record;

/* Parse one line of the keys file (modified in place: tabs and the newline become NULs) into *e.
 * 7 or 8 tab-separated fields; id a decimal 1..INT_MAX; salt 32 and hash 64 hex digits; the
 * eighth, when present, a permission list (fp_perms_parse; absent = all); longer text fields are
 * cut to their buffers. 0, or -1 when malformed (*e zeroed). */
int fp_keys_parse_line(char *line, fp_key_record *e);

/* Load the file keys of data_dir (a missing file is no key) and hash the configured keys
 * (cfg_keys[0..n), borrowed). 0, or -1 with a message in err. */
int fp_keys_load(const char *data_dir, char *const *cfg_keys, size_t n, fp_keys **out, char *err,
                 size_t errsz);
void fp_keys_free(fp_keys *k);

/* Number of keys that are not revoked. */
size_t fp_keys_active(const fp_keys *k);

/* Check a presented key (constant time per stored key). Returns 0 and the key's slot (a stable
 * small integer, for per-key rate limits and galleries) when valid; 1 when it is a revoked key;
 * -1 when unknown. */
int fp_keys_check(const fp_keys *k, const char *key, int *slot);

/* Permissions of the key in `slot` (0 for an invalid slot). */
uint32_t fp_keys_perms(const fp_keys *k, int slot);

/* Number of slots (valid slot values are 0..fp_keys_slots()-1). */
int fp_keys_slots(const fp_keys *k);

/* `zkbiod apikey create|list|revoke` (argv[0] = "apikey"); returns the exit status. */
int fp_keys_cli(int argc, char **argv);

#endif /* ZKBIOD_FP_KEYS_H */
