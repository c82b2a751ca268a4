/* SPDX-License-Identifier: Apache-2.0 */
/* A target's settings: validation and parsing, the public view without secrets, merging a PATCH
 * (forward.h, zfwd_settings_*). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(ZKBIOD_HAVE_CURL)
#include <curl/curl.h>
#endif
#include <jansson.h>

#include "core.h"
#include "forward_impl.h"

static const char *const secret_keys[] = {"api_key", "api_secret", "secret"};
#define N_SECRETS (sizeof(secret_keys) / sizeof(secret_keys[0]))

static int bad(char *field, size_t fieldsz, char *msg, size_t msgsz, const char *f, const char *m)
{
    if (field && fieldsz)
        snprintf(field, fieldsz, "%s", f);
    if (msg && msgsz)
        snprintf(msg, msgsz, "%s", m);
    return ZKBIO_EINVAL;
}

#define BAD(f, m) bad(field, fieldsz, msg, msgsz, (f), (m))

/* 1 when |v| > lim (out of range). */
static int out_of_range(double v, double lim)
{
    return v < -lim || v > lim;
}

/* http(s) URL, parsed by curl_url(); no query or fragment; copied without a trailing '/'. */
static int check_url(const char *url, char *out, size_t outsz)
{
    if (!url || !*url || strlen(url) >= outsz)
        return -1;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return -1;
#if !defined(ZKBIOD_HAVE_CURL)
    /* without libcurl (off.c) no target is ever delivered to: the scheme and a host are enough to
     * tell a bad URL from the real reason, FWD_UNAVAILABLE (zfwd_settings_check) */
    size_t sl = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    int rc = sl && url[sl] && url[sl] != '/' && !strpbrk(url, "?#@") ? 0 : -1;
#else
    CURLU *u = curl_url();
    if (!u)
        return -1;
    int rc = -1;
    char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL, *user = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] &&
        (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
        curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK &&
        curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) != CURLUE_OK &&
        curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_OK) /* credentials go in settings */
        rc = 0;
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_free(frag);
    curl_free(user);
    curl_url_cleanup(u);
#endif
    if (rc == 0) {
        snprintf(out, outsz, "%s", url);
        size_t n = strlen(out);
        while (n > 0 && out[n - 1] == '/')
            out[--n] = '\0';
    }
    return rc;
}

static int get_int(json_t *o, const char *key, int lo, int hi, int def, int *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return -1;
    *out = (int)json_integer_value(v);
    return 0;
}

/* A string of at most max bytes without control characters into out ("" when absent). */
static int get_str(json_t *o, const char *key, size_t max, char *out, size_t outsz)
{
    json_t *v = json_object_get(o, key);
    out[0] = '\0';
    if (!v || json_is_null(v))
        return 0;
    const char *s = json_string_value(v);
    if (!s || strlen(s) > max || strlen(s) >= outsz)
        return -1;
    for (const char *p = s; *p; p++)
        if (iscntrl((unsigned char)*p))
            return -1;
    snprintf(out, outsz, "%s", s);
    return 0;
}

static int get_states(json_t *o, const char *key, const int *def, int ndef, int *out, int *n)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        memcpy(out, def, (size_t)ndef * sizeof(int));
        *n = ndef;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) > 16)
        return -1;
    size_t i;
    json_t *e;
    *n = 0;
    json_array_foreach(v, i, e)
    {
        if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 255)
            return -1;
        out[(*n)++] = (int)json_integer_value(e);
    }
    return 0;
}

static int dotted_path(const char *s)
{
    if (!*s || *s == '.' || s[strlen(s) - 1] == '.')
        return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
            return 0;
    return strstr(s, "..") == NULL;
}

static const char *const known_keys[] = {
    "tz",           "concurrency", "timeout_s", "max_backoff_s",      "verify_tls", "ca_file",
    "api_key",      "api_secret",  "app",       "employee_fieldname", "device_id",  "log_type_in",
    "log_type_out", "latitude",    "longitude", "method_path",        "batch",      "secret",
};

int fwd_target_parse(const char *kind, const char *url, const char *settings, fwd_target *t,
                     char *field, size_t fieldsz, char *msg, size_t msgsz)
{
    memset(t, 0, sizeof(*t));
    if (!kind || (strcmp(kind, "erpnext") != 0 && strcmp(kind, "erpnext-realtime") != 0 &&
                  strcmp(kind, "webhook") != 0))
        return BAD("kind", "kind must be erpnext, erpnext-realtime or webhook");
    t->kind = kind[0] == 'w'                 ? FWD_WEBHOOK
              : strcmp(kind, "erpnext") == 0 ? FWD_ERPNEXT
                                             : FWD_REALTIME;
    if (check_url(url, t->url, sizeof(t->url)) != 0)
        return BAD("url", "url must be an absolute http or https URL without credentials, query or "
                          "fragment");
    json_t *o = json_loads(settings && *settings ? settings : "{}", 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return BAD("settings", "settings must be a JSON object");
    }
    int rc = 0;
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        size_t i = 0;
        while (i < sizeof(known_keys) / sizeof(known_keys[0]) && strcmp(key, known_keys[i]) != 0)
            i++;
        if (i == sizeof(known_keys) / sizeof(known_keys[0])) {
            char f[96];
            snprintf(f, sizeof(f), "settings.%.60s", key);
            rc = BAD(f, "unknown setting");
            goto out;
        }
    }
    int dflt_conc = t->kind == FWD_ERPNEXT ? 4 : 2;
    int dflt_batch = t->kind == FWD_WEBHOOK ? 100 : t->kind == FWD_REALTIME ? 500 : 1;
    if (get_int(o, "concurrency", 1, 64, dflt_conc, &t->concurrency) != 0) {
        rc = BAD("settings.concurrency", "concurrency must be an integer 1..64");
        goto out;
    }
    if (get_int(o, "timeout_s", 1, 300, 15, &t->timeout_s) != 0) {
        rc = BAD("settings.timeout_s", "timeout_s must be an integer 1..300");
        goto out;
    }
    if (get_int(o, "max_backoff_s", 1, 86400, 300, &t->max_backoff_s) != 0) {
        rc = BAD("settings.max_backoff_s", "max_backoff_s must be an integer 1..86400");
        goto out;
    }
    if (get_int(o, "batch", 1, 1000, dflt_batch, &t->batch) != 0 ||
        (t->kind == FWD_ERPNEXT && t->batch != 1)) {
        rc = BAD("settings.batch", t->kind == FWD_ERPNEXT
                                       ? "erpnext sends one punch per request: batch must be 1"
                                       : "batch must be an integer 1..1000");
        goto out;
    }
    json_t *vt = json_object_get(o, "verify_tls");
    if (vt && !json_is_boolean(vt)) {
        rc = BAD("settings.verify_tls", "verify_tls must be true or false");
        goto out;
    }
    t->verify_tls = vt ? json_is_true(vt) : 1;
    if (get_str(o, "ca_file", 1024, t->ca_file, sizeof(t->ca_file)) != 0) {
        rc = BAD("settings.ca_file", "ca_file must be a path");
        goto out;
    }
    if (get_str(o, "tz", 32, t->tz, sizeof(t->tz)) != 0) {
        rc = BAD("settings.tz", "tz must be a UTC offset such as +05:30, or UTC");
        goto out;
    }
    int minutes;
    if (t->tz[0]) {
        if (!zc_tz_offset(t->tz, &minutes)) {
            rc = BAD("settings.tz", "tz must be a UTC offset such as +05:30, or UTC");
            goto out;
        }
        t->has_tz = 1;
    }
    if (get_str(o, "api_key", 256, t->api_key, sizeof(t->api_key)) != 0 ||
        get_str(o, "api_secret", 256, t->api_secret, sizeof(t->api_secret)) != 0 ||
        get_str(o, "secret", 256, t->secret, sizeof(t->secret)) != 0) {
        rc = BAD("settings", "api_key, api_secret and secret must be strings of at most 256 bytes");
        goto out;
    }
    if (t->kind != FWD_WEBHOOK && (!t->api_key[0] || !t->api_secret[0])) {
        rc = BAD(!t->api_key[0] ? "settings.api_key" : "settings.api_secret",
                 "api_key and api_secret are required (Authorization: token key:secret)");
        goto out;
    }
    if (t->kind == FWD_WEBHOOK && !t->secret[0]) {
        rc = BAD("settings.secret", "secret is required: it signs every webhook request");
        goto out;
    }
    if (get_str(o, "app", 32, t->app, sizeof(t->app)) != 0 ||
        (t->app[0] && strcmp(t->app, "hrms") != 0 && strcmp(t->app, "erpnext") != 0)) {
        rc = BAD("settings.app", "app must be hrms (v14 and later) or erpnext (v13)");
        goto out;
    }
    if (!t->app[0])
        snprintf(t->app, sizeof(t->app), "hrms");
    if (get_str(o, "method_path", 200, t->method_path, sizeof(t->method_path)) != 0 ||
        (t->method_path[0] && !dotted_path(t->method_path)) ||
        (t->kind == FWD_REALTIME && !t->method_path[0])) {
        rc = BAD("settings.method_path",
                 "method_path is required for erpnext-realtime: a dotted Python path such as "
                 "myapp.api.biometric_sync");
        goto out;
    }
    if (get_str(o, "employee_fieldname", 140, t->employee_fieldname,
                sizeof(t->employee_fieldname)) != 0) {
        rc = BAD("settings.employee_fieldname", "employee_fieldname must be a field name");
        goto out;
    }
    if (get_str(o, "device_id", 140, t->device_id, sizeof(t->device_id)) != 0) {
        rc = BAD("settings.device_id", "device_id must be sn, name or a fixed string");
        goto out;
    }
    t->devid = !t->device_id[0] || strcmp(t->device_id, "sn") == 0 ? FWD_DEVID_SN
               : strcmp(t->device_id, "name") == 0                 ? FWD_DEVID_NAME
                                                                   : FWD_DEVID_FIXED;
    static const int in_def[] = {0, 4}, out_def[] = {1, 5};
    if (get_states(o, "log_type_in", in_def, 2, t->log_in, &t->n_in) != 0 ||
        get_states(o, "log_type_out", out_def, 2, t->log_out, &t->n_out) != 0) {
        rc = BAD("settings.log_type_in", "log_type_in/log_type_out must be arrays of at most 16 "
                                         "punch states 0..255");
        goto out;
    }
    json_t *la = json_object_get(o, "latitude"), *lo = json_object_get(o, "longitude");
    if ((la && !json_is_null(la)) || (lo && !json_is_null(lo))) {
        if (!json_is_number(la) || !json_is_number(lo) || out_of_range(json_number_value(la), 90) ||
            out_of_range(json_number_value(lo), 180)) {
            rc = BAD("settings.latitude", "latitude and longitude must both be numbers "
                                          "(-90..90, -180..180)");
            goto out;
        }
        t->has_geo = 1;
        t->latitude = json_number_value(la);
        t->longitude = json_number_value(lo);
    }
out:
    json_decref(o);
    if (rc != 0)
        fwd_target_wipe(t);
    return rc;
}

void fwd_target_wipe(fwd_target *t)
{
    volatile char *p = (volatile char *)t->api_key;
    for (size_t i = 0; i < sizeof(t->api_key); i++)
        p[i] = 0;
    p = (volatile char *)t->api_secret;
    for (size_t i = 0; i < sizeof(t->api_secret); i++)
        p[i] = 0;
    p = (volatile char *)t->secret;
    for (size_t i = 0; i < sizeof(t->secret); i++)
        p[i] = 0;
}

int zfwd_settings_check(const char *kind, const char *url, const char *settings, char *field,
                        size_t fieldsz, char *msg, size_t msgsz)
{
    fwd_target t;
    int rc = fwd_target_parse(kind, url, settings, &t, field, fieldsz, msg, msgsz);
    fwd_target_wipe(&t);
#if !defined(ZKBIOD_HAVE_CURL)
    if (rc == 0) { /* a target that could never be delivered to is refused when it is created */
        snprintf(field, fieldsz, "kind");
        snprintf(msg, msgsz, "%s", FWD_UNAVAILABLE);
        rc = ZKBIO_ENOTSUP;
    }
#endif
    return rc;
}

char *zfwd_settings_public(const char *settings)
{
    json_t *o = json_loads(settings && *settings ? settings : "{}", 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    if (!o)
        return NULL;
    for (size_t i = 0; i < N_SECRETS; i++) {
        if (json_object_get(o, secret_keys[i])) {
            json_object_del(o, secret_keys[i]);
            char has[32];
            snprintf(has, sizeof(has), "has_%s", secret_keys[i]);
            json_object_set_new(o, has, json_true());
        }
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

char *zfwd_settings_merge(const char *settings, const char *patch)
{
    json_t *o = json_loads(settings && *settings ? settings : "{}", 0, NULL);
    json_t *p = json_loads(patch ? patch : "{}", 0, NULL);
    char *s = NULL;
    if (json_is_object(o) && json_is_object(p)) {
        const char *key;
        json_t *val;
        json_object_foreach(p, key, val)
        {
            if (strcmp(key, "has_api_key") == 0 || strcmp(key, "has_api_secret") == 0 ||
                strcmp(key, "has_secret") == 0)
                continue; /* what zfwd_settings_public shows, sent back as read */
            if (json_is_null(val))
                json_object_del(o, key);
            else
                json_object_set(o, key, val);
        }
        s = json_dumps(o, JSON_COMPACT);
    }
    json_decref(o);
    json_decref(p);
    return s;
}
