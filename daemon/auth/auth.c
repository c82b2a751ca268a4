/* SPDX-License-Identifier: Apache-2.0 */
/* The process's credentials (see auth.h): admin token, API keys, per-key rate windows, roles. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/platform_util.h>

#include "auth_impl.h"

static const char *const role_names[] = {"none", "viewer", "operator", "admin"};

const char *zauth_role_name(int role)
{
    return role >= ZAUTH_ROLE_VIEWER && role <= ZAUTH_ROLE_ADMIN ? role_names[role] : "none";
}

int zauth_role_parse(const char *name)
{
    for (int r = ZAUTH_ROLE_VIEWER; name && r <= ZAUTH_ROLE_ADMIN; r++)
        if (strcmp(name, role_names[r]) == 0)
            return r;
    return ZAUTH_ROLE_NONE;
}

int zauth_role_allows(int role, uint32_t need)
{
    if (need & ZAUTH_ADMIN)
        return role >= ZAUTH_ROLE_ADMIN;
    if (need & ZAUTH_OPERATOR)
        return role >= ZAUTH_ROLE_OPERATOR;
    if (need & ZAUTH_VIEWER)
        return role >= ZAUTH_ROLE_VIEWER;
    return 1;
}

int zauth_open(const struct zkbiod_config *cfg, int with_keys, zauth **out, char *err, size_t errsz)
{
    *out = NULL;
    zauth *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_init(&a->login_lock, NULL);
    pthread_mutex_init(&a->hash_lock, NULL);
    pthread_mutex_init(&a->basic_lock, NULL);
    pthread_cond_init(&a->hash_cond, NULL);
    a->admin_token = cfg->admin_token;
    a->rate_limit = cfg->rate_limit;
    if (with_keys) {
        if (zauth_keys_load(cfg->data_dir, cfg->api_key, cfg->api_key_count, &a->keys, err,
                            errsz) != 0) {
            zauth_close(a);
            return -1;
        }
        a->windows = calloc((size_t)zauth_keys_slots(a->keys) + 1, sizeof(*a->windows));
        if (!a->windows) {
            snprintf(err, errsz, "out of memory");
            zauth_close(a);
            return -1;
        }
    }
    *out = a;
    return 0;
}

void zauth_close(zauth *a)
{
    if (!a)
        return;
    zauth_keys_free(a->keys);
    free(a->windows);
    free(a->login);
    free(a->basic); /* only keyed hashes: nothing to wipe */
    mbedtls_platform_zeroize(a->jwt_key, sizeof(a->jwt_key));
    pthread_mutex_destroy(&a->lock);
    pthread_mutex_destroy(&a->login_lock);
    pthread_mutex_destroy(&a->hash_lock);
    pthread_mutex_destroy(&a->basic_lock);
    pthread_cond_destroy(&a->hash_cond);
    free(a);
}

int zauth_admin_enabled(const zauth *a)
{
    return a && a->admin_token && *a->admin_token;
}

int zauth_admin_check(const zauth *a, const char *authorization)
{
    if (!zauth_admin_enabled(a))
        return 1;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0 ||
        !zc_ct_streq(authorization + 7, a->admin_token))
        return -1;
    return 0;
}

const zauth_keys *zauth_keys_of(const zauth *a)
{
    return a ? a->keys : NULL;
}

int zauth_rate_hit(zauth *a, int slot, int *limit, int *remaining, time_t *reset)
{
    *limit = a->rate_limit;
    if (!a->windows || slot < 0 || slot >= zauth_keys_slots(a->keys)) {
        *remaining = a->rate_limit;
        *reset = time(NULL) + 60;
        return 0;
    }
    pthread_mutex_lock(&a->lock);
    int wait = zc_window_hit(&a->windows[slot], a->rate_limit, 60, time(NULL), remaining, reset);
    pthread_mutex_unlock(&a->lock);
    return wait;
}
