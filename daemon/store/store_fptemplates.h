/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_fptemplates.h
 * @brief Templates of the fingerprint service (--fp-store; docs/fingerprint-service.md), table
 * fp_templates (part of store.h).
 */
#ifndef ZKBIOD_STORE_FPTEMPLATES_H
#define ZKBIOD_STORE_FPTEMPLATES_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** One stored template: user and finger (0..10, ISO/IEC 19794-2 finger position; 0 = unknown),
 * the id identify reports (matchedTemplate), a native libzkbio record and its quality. Strings and
 * bytes are borrowed (in zs_fp_each(): valid during the callback only). */
typedef struct zs_fp_row {
    const char *user_id;     /**< 1..127 bytes */
    int finger_id;           /**< 0..10 */
    const char *template_id; /**< 0..127 bytes */
    const void *tpl;
    size_t len;
    int quality;
} zs_fp_row;

/**
 * Store n rows in one transaction. replace = 0: a row whose (user_id, finger_id) exists already
 * makes the whole call fail with ZKBIO_EEXIST and nothing is written; replace = 1: such rows are
 * overwritten (upsert). ZKBIO_EINVAL for out-of-range fields.
 */
int zs_fp_put(zs_store *st, const zs_fp_row *rows, size_t n, int replace);
/** *exists = 1 when (user_id, finger_id) is stored. */
int zs_fp_exists(zs_store *st, const char *user_id, int finger_id, int *exists);
/** Delete the rows of user_id (NULL = every row) and finger_id (-1 = every finger); *deleted (may
 * be NULL) = rows removed. */
int zs_fp_delete(zs_store *st, const char *user_id, int finger_id, int64_t *deleted);
/** Call fn for every stored row (ordered by user and finger); a non-zero return from fn stops the
 * walk and is returned. */
int zs_fp_each(zs_store *st, int (*fn)(void *ctx, const zs_fp_row *row), void *ctx);
/** The same for the rows of one user (ordered by finger). */
int zs_fp_each_of(zs_store *st, const char *user_id, int (*fn)(void *ctx, const zs_fp_row *row),
                  void *ctx);

#endif /* ZKBIOD_STORE_FPTEMPLATES_H */
