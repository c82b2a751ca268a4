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

#include "zkbio/template.h"

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

/* ---- the same table as libzkbio templates (what the fingerprint service uses) ---- */

/** A template to store; it is kept as a native libzkbio record (zkbio_template_export_native()).
 * Everything is borrowed for the call. */
typedef struct zs_fp_template {
    const char *user_id;     /**< 1..127 bytes */
    int finger_id;           /**< 0..10 */
    const char *template_id; /**< 0..127 bytes; NULL = "" */
    const zkbio_template *tpl;
    int quality;
} zs_fp_template;

/**
 * Store n templates in one transaction, with zs_fp_put()'s replace rule. Two entries naming the
 * same (user_id, finger_id) are ZKBIO_EINVAL before anything is written; their indexes (earlier,
 * later) go to dup[0], dup[1] when dup is not NULL (else dup is left alone). A template that
 * cannot be exported is ZKBIO_EINVAL too (dup untouched). Template bytes are never logged.
 */
int zs_fp_put_templates(zs_store *st, const zs_fp_template *t, size_t n, int replace,
                        size_t dup[2]);

/** A stored template read back: strings and the template are valid during the callback only. */
typedef struct zs_fp_loaded {
    const char *user_id;
    int finger_id;
    const char *template_id; /**< as stored; may be "" */
    const zkbio_template *tpl;
    int quality;
} zs_fp_loaded;

/**
 * Call fn for every stored template (user_id NULL; ordered by user and finger) or those of one user
 * (ordered by finger), imported as libzkbio templates. Unreadable records are skipped and counted
 * in *unreadable (may be NULL). A non-zero return from fn stops the walk and is returned.
 */
int zs_fp_load(zs_store *st, const char *user_id, int (*fn)(void *ctx, const zs_fp_loaded *t),
               void *ctx, size_t *unreadable);

#endif /* ZKBIOD_STORE_FPTEMPLATES_H */
