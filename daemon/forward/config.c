/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Forwarders declared in zkbiod's config file (forward.h, zfwd_config_apply): lines
 * `forwarder.NAME.KEY = VALUE` reach us as "NAME.KEY=VALUE" entries (core/config.c). KEY is kind,
 * url, devices (SNs separated by commas), sync_groups (commas), or a setting of the kind
 * (forward.h, zfwd_settings_check): integers (concurrency, timeout_s, max_backoff_s, batch),
 * booleans (verify_tls), numbers (latitude, longitude), lists of integers separated by commas
 * (log_type_in, log_type_out), text otherwise.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core.h"
#include "forward_impl.h"

#define MAX_LIST 256

typedef struct decl {
    char name[65];
    char kind[25];
    char url[1025];
    json_t *settings;
    char *devices[MAX_LIST], *groups[MAX_LIST];
    size_t ndev, ngrp;
} decl;

static void decl_free(decl *d)
{
    json_decref(d->settings);
    for (size_t i = 0; i < d->ndev; i++)
        free(d->devices[i]);
    for (size_t i = 0; i < d->ngrp; i++)
        free(d->groups[i]);
    memset(d, 0, sizeof(*d));
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

/* Split a comma list into out[] (trimmed, empty parts skipped). -1 when too many or too long. */
static int split(const char *v, char **out, size_t *n)
{
    for (const char *p = v; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        const char *s = p;
        while (len && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (len > 64 || (len && *n >= MAX_LIST))
            return -1;
        if (len) {
            out[*n] = malloc(len + 1); /* strndup: not in mingw-w64 */
            if (!out[*n])
                return -1;
            memcpy(out[*n], s, len);
            out[*n][len] = '\0';
            (*n)++;
        }
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

static json_t *setting_value(const char *key, const char *v)
{
    static const char *const ints[] = {"concurrency", "timeout_s", "max_backoff_s", "batch"};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        if (strcmp(key, ints[i]) == 0) {
            char *end;
            long long n = strtoll(v, &end, 10);
            return *v && !*end ? json_integer(n) : json_string(v); /* the check says why */
        }
    if (strcmp(key, "verify_tls") == 0) {
        if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
            !strcmp(v, "1"))
            return json_true();
        if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
            !strcmp(v, "0"))
            return json_false();
        return json_string(v);
    }
    if (strcmp(key, "latitude") == 0 || strcmp(key, "longitude") == 0) {
        char *end;
        double d = strtod(v, &end);
        return *v && !*end ? json_real(d) : json_string(v);
    }
    if (strcmp(key, "log_type_in") == 0 || strcmp(key, "log_type_out") == 0) {
        json_t *a = json_array();
        for (const char *p = v; a && *p;) {
            char *end;
            long n = strtol(p, &end, 10);
            if (end == p) {
                json_decref(a);
                return json_string(v);
            }
            json_array_append_new(a, json_integer(n));
            while (*end == ' ' || *end == ',')
                end++;
            p = end;
        }
        return a;
    }
    return json_string(v);
}

/* Add entry "NAME.KEY=VALUE" to the declarations. */
static int add_entry(decl *ds, size_t *nd, size_t maxd, const char *e, const char *file, char *err,
                     size_t errsz)
{
    const char *dot = strchr(e, '.'), *eq = strchr(e, '=');
    if (!dot || !eq || dot > eq || !valid_name(e, (size_t)(dot - e))) {
        zc_errf(err, errsz,
                "%s: forwarder lines are forwarder.NAME.KEY = VALUE, NAME of A-Z a-z "
                "0-9 _ - (1 to 64)",
                file);
        return ZKBIO_EINVAL;
    }
    size_t nl = (size_t)(dot - e);
    decl *d = NULL;
    for (size_t i = 0; i < *nd; i++)
        if (strlen(ds[i].name) == nl && strncmp(ds[i].name, e, nl) == 0)
            d = &ds[i];
    if (!d) {
        if (*nd == maxd) {
            zc_errf(err, errsz, "%s: too many forwarders", file);
            return ZKBIO_EINVAL;
        }
        d = &ds[(*nd)++];
        memcpy(d->name, e, nl);
        d->settings = json_object();
        if (!d->settings)
            return ZKBIO_ENOMEM;
    }
    char key[64];
    size_t kl = (size_t)(eq - dot - 1);
    if (kl == 0 || kl >= sizeof(key)) {
        zc_errf(err, errsz, "%s: forwarder %s: bad key", file, d->name);
        return ZKBIO_EINVAL;
    }
    memcpy(key, dot + 1, kl);
    key[kl] = '\0';
    const char *v = eq + 1;
    if (strcmp(key, "kind") == 0)
        snprintf(d->kind, sizeof(d->kind), "%s", v);
    else if (strcmp(key, "url") == 0)
        snprintf(d->url, sizeof(d->url), "%s", v);
    else if (strcmp(key, "devices") == 0 || strcmp(key, "sync_groups") == 0) {
        int dev = key[0] == 'd';
        if (split(v, dev ? d->devices : d->groups, dev ? &d->ndev : &d->ngrp) != 0) {
            zc_errf(err, errsz, "%s: forwarder %s: %s: at most %d values of at most 64 bytes", file,
                    d->name, key, MAX_LIST);
            return ZKBIO_EINVAL;
        }
    } else
        json_object_set_new(d->settings, key, setting_value(key, v));
    return 0;
}

static int apply_one(zs_store *st, decl *d, const char *file, char *err, size_t errsz)
{
    char *settings = json_dumps(d->settings, JSON_COMPACT);
    if (!settings)
        return ZKBIO_ENOMEM;
    char field[96], msg[256];
    int rc = zfwd_settings_check(d->kind, d->url, settings, field, sizeof(field), msg, sizeof(msg));
    if (rc != 0) {
        zc_errf(err, errsz, "%s: forwarder %s: %s: %s", file, d->name, field, msg);
        goto out;
    }
    zs_forwarder f, old;
    memset(&f, 0, sizeof(f));
    memset(&old, 0, sizeof(old));
    snprintf(f.name, sizeof(f.name), "%s", d->name);
    snprintf(f.kind, sizeof(f.kind), "%s", d->kind);
    snprintf(f.url, sizeof(f.url), "%s", d->url);
    snprintf(f.source, sizeof(f.source), "config");
    f.settings = settings;
    if (zs_forwarder_set_devices(&f, (const char *const *)d->devices, d->ndev) != 0 ||
        zs_forwarder_set_groups(&f, (const char *const *)d->groups, d->ngrp) != 0) {
        rc = ZKBIO_ENOMEM;
        goto done;
    }
    rc = zs_forwarder_find(st, d->name, &old);
    if (rc == ZKBIO_ENOENT) {
        int64_t id;
        rc = zs_forwarder_create(st, &f, NULL, &id, NULL);
        if (rc == 0)
            zlog_info("forwarder %s (%s) created from %s", d->name, d->kind, file);
    } else if (rc == 0) {
        f.id = old.id;
        rc = zs_forwarder_update(st, &f);
        if (rc == 0 && strcmp(old.source, "config") != 0)
            rc = zs_forwarder_set_source(st, old.id, "config");
        if (rc == 0)
            zlog_info("forwarder %s (%s) updated from %s", d->name, d->kind, file);
    }
    if (rc != 0 && !(err && err[0]))
        zc_errf(err, errsz, "%s: forwarder %s: cannot store it", file, d->name);
done:
    f.settings = NULL;
    zs_forwarder_clear(&f);
    zs_forwarder_clear(&old);
out:
    memset(settings, 0, strlen(settings));
    free(settings);
    return rc;
}

int zfwd_config_apply(zs_store *st, const char *const *entries, size_t n, const char *file,
                      char *err, size_t errsz)
{
    if (err && errsz)
        err[0] = '\0';
    if (n == 0)
        return 0;
    if (!st || !entries)
        return ZKBIO_EINVAL;
    enum { MAXD = 64 };
    decl *ds = calloc(MAXD, sizeof(*ds));
    if (!ds)
        return ZKBIO_ENOMEM;
    size_t nd = 0;
    int rc = 0;
    const char *fname = file && *file ? file : "config file";
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = add_entry(ds, &nd, MAXD, entries[i], fname, err, errsz);
    for (size_t i = 0; rc == 0 && i < nd; i++)
        rc = apply_one(st, &ds[i], fname, err, errsz);
    for (size_t i = 0; i < nd; i++)
        decl_free(&ds[i]);
    free(ds);
    return rc;
}
