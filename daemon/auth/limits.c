/* SPDX-License-Identifier: Apache-2.0 */
/* Login rate windows and the hashing gate of a zauth (auth_accounts.h, auth_impl.h). */
#include <string.h>
#include <time.h>

#include "auth_impl.h"

/* FNV-1a over "kind:value"; never 0 (0 marks a free slot). */
static uint64_t key_of(const char *kind, const char *value)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *p = kind; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ ':') * 1099511628211ull;
    for (const char *p = value ? value : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h ? h : 1;
}

/* Probe length: a key lives in one of 8 slots from its hash. */
#define PROBE 8

/* The slot of key (create = 1: claim a free, expired or else the oldest slot of its probe run).
 * Under login_lock. */
static zauth_login_slot *slot_of(zauth *a, uint64_t key, time_t now, int create)
{
    size_t base = (size_t)(key % ZAUTH_LOGIN_SLOTS);
    zauth_login_slot *victim = NULL;
    int victim_dead = 0;
    for (size_t i = 0; i < PROBE; i++) {
        zauth_login_slot *s = &a->login[(base + i) % ZAUTH_LOGIN_SLOTS];
        if (s->key == key)
            return s;
        int dead = s->key == 0 || now - s->w.start >= ZAUTH_LOGIN_WINDOW_S;
        if (dead) {
            if (!victim_dead) {
                victim = s;
                victim_dead = 1;
            }
        } else if (!victim_dead && (!victim || s->w.start < victim->w.start)) {
            victim = s;
        }
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    victim->key = key;
    return victim;
}

int zauth_login_blocked(zauth *a, const char *kind, const char *value)
{
    if (!a->login)
        return 0;
    time_t now = time(NULL);
    pthread_mutex_lock(&a->login_lock);
    zauth_login_slot *s = slot_of(a, key_of(kind, value), now, 0);
    int wait = 0;
    if (s && s->w.count >= ZAUTH_LOGIN_FAILS && now - s->w.start < ZAUTH_LOGIN_WINDOW_S)
        wait = (int)(s->w.start + ZAUTH_LOGIN_WINDOW_S - now);
    pthread_mutex_unlock(&a->login_lock);
    return wait > 0 ? wait : 0;
}

void zauth_login_failed(zauth *a, const char *kind, const char *value)
{
    if (!a->login)
        return;
    time_t now = time(NULL);
    pthread_mutex_lock(&a->login_lock);
    zauth_login_slot *s = slot_of(a, key_of(kind, value), now, 1);
    zc_window_hit(&s->w, ZAUTH_LOGIN_FAILS, ZAUTH_LOGIN_WINDOW_S, now, NULL, NULL);
    pthread_mutex_unlock(&a->login_lock);
}

void zauth_login_clear(zauth *a, const char *kind, const char *value)
{
    if (!a->login)
        return;
    pthread_mutex_lock(&a->login_lock);
    zauth_login_slot *s = slot_of(a, key_of(kind, value), time(NULL), 0);
    if (s)
        memset(s, 0, sizeof(*s));
    pthread_mutex_unlock(&a->login_lock);
}

void zauth_hash_enter(zauth *a)
{
    pthread_mutex_lock(&a->hash_lock);
    while (a->hashing >= ZAUTH_HASH_CONCURRENCY)
        pthread_cond_wait(&a->hash_cond, &a->hash_lock);
    a->hashing++;
    pthread_mutex_unlock(&a->hash_lock);
}

void zauth_hash_leave(zauth *a)
{
    pthread_mutex_lock(&a->hash_lock);
    a->hashing--;
    pthread_cond_signal(&a->hash_cond);
    pthread_mutex_unlock(&a->hash_lock);
}
