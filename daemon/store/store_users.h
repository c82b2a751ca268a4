/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_users.h
 * @brief Users with the metadata of their templates and photos, as C structs (part of store.h).
 *
 * Template and photo bodies and passwords are never returned: only their metadata.
 * Ownership: a zs_user_page owns everything it points to; free it with zs_user_page_free().
 */
#ifndef ZKBIOD_STORE_USERS_H
#define ZKBIOD_STORE_USERS_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;
typedef struct zs_filter zs_filter;

/** Metadata of one stored template (table `templates`). */
typedef struct zs_user_template {
    char *kind; /**< FP, FACE, FVEIN, BIODATA: the wire form it came in */
    int64_t type, no, index, valid, duress, major_ver, minor_ver, format;
    int64_t size; /**< characters of the template text */
    char *source_sn;
    int64_t updated_at;
} zs_user_template;

/** Metadata of one stored photo (table `photos`). */
typedef struct zs_user_photo {
    char *kind; /**< USERPIC, BIOPHOTO */
    int64_t type;
    char *file_name;
} zs_user_photo;

typedef struct zs_user {
    char *pin;
    char *name;
    int64_t privilege;
    char *card;
    char *group;
    int64_t verify;
    char *sync_group;
    char *source_sn;
    int64_t updated_at;
    zs_user_template *templates; /**< ordered by kind, type, no, index */
    size_t ntemplates;
    zs_user_photo *photos; /**< ordered by kind, type */
    size_t nphotos;
} zs_user;

/** One page of users, ordered by PIN. */
typedef struct zs_user_page {
    zs_user *users;
    size_t n;
    char *next; /**< the cursor for the next page (pass as zs_filter.after_key), NULL exactly when
                     no user follows (one more row is read) */
    int64_t total; /**< users matching the pin filter (COUNT) */
} zs_user_page;

/** Users matching f (pin, after_key, limit), into *out (zeroed first). */
int zs_list_users(zs_store *st, const zs_filter *f, zs_user_page *out);
/** Free everything of *p and zero it; NULL accepted. */
void zs_user_page_free(zs_user_page *p);

#endif /* ZKBIOD_STORE_USERS_H */
