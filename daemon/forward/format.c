/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What goes on the wire (forward.h): time conversion, the idempotency key, the webhook signature,
 * the request bodies and URLs of each kind. Field names: HRMS add_log_based_on_employee_field
 * (shared reference integrations.md §2.1-2.2), the real-time bulk endpoints (§2.5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <mbedtls/md.h>

#include "core.h"
#include "forward_impl.h"

int64_t fwd_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "YYYY-MM-DD HH:MM:SS" -> seconds since the epoch as if it were UTC. 0 or -1. */
static int parse_wall(const char *s, int64_t *out)
{
    if (!s || strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    static const int pos[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++)
        if (s[pos[i]] < '0' || s[pos[i]] > '9')
            return -1;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
    tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
    tm.tm_hour = (s[11] - '0') * 10 + (s[12] - '0');
    tm.tm_min = (s[14] - '0') * 10 + (s[15] - '0');
    tm.tm_sec = (s[17] - '0') * 10 + (s[18] - '0');
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return -1;
    *out = (int64_t)zc_timegm(&tm);
    return 0;
}

/* t as "YYYY-MM-DD HH:MM:SS" (iso 0) or "YYYY-MM-DDTHH:MM:SSZ" (iso 1). */
static void fmt_time(int64_t t, int iso, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    size_t w = 0;
    if (gmtime_r(&tt, &tm))
        w = iso ? strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm)
                : strftime(out, outsz, "%Y-%m-%d %H:%M:%S", &tm);
    if (w == 0)
        out[0] = '\0';
}

int zfwd_convert_time(const char *wall, const char *device_tz, const char *target_tz, char out[20],
                      char utc[21])
{
    int64_t t;
    if (utc)
        utc[0] = '\0';
    if (parse_wall(wall, &t) != 0)
        return ZKBIO_EINVAL;
    int dev_min = 0, tgt_min = 0;
    int dev_known = device_tz && *device_tz && zc_tz_offset(device_tz, &dev_min);
    int tgt_known = 0;
    if (target_tz && *target_tz) {
        if (!zc_tz_offset(target_tz, &tgt_min))
            return ZKBIO_EINVAL;
        tgt_known = 1;
    }
    int64_t t_utc = 0;
    int utc_known = 1;
    if (dev_known)
        t_utc = t - (int64_t)dev_min * 60;
    else if (tgt_known) /* an unknown device zone is taken to be the target's */
        t_utc = t - (int64_t)tgt_min * 60;
    else
        utc_known = 0;
    if (tgt_known && dev_known)
        fmt_time(t_utc + (int64_t)tgt_min * 60, 0, out, 20);
    else
        memcpy(out, wall, 20);
    if (utc && utc_known)
        fmt_time(t_utc, 1, utc, 21);
    return out[0] ? 0 : ZKBIO_EINVAL;
}

void zfwd_idempotency_key(const char *sn, const char *pin, const char *time, int status,
                          char out[33])
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "%s|%s|%s|%d", sn ? sn : "", pin ? pin : "",
                     time ? time : "", status);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(buf))
        n = (int)sizeof(buf) - 1;
    uint8_t d[32];
    zc_sha256(buf, (size_t)n, NULL, 0, d);
    char hex[65];
    zc_hex(d, sizeof(d), hex);
    memcpy(out, hex, 32);
    out[32] = '\0';
}

void zfwd_sign(const char *secret, int64_t ts, const char *body, size_t len, char out[72])
{
    uint8_t mac[32];
    memset(mac, 0, sizeof(mac));
    char pre[32];
    int pl = snprintf(pre, sizeof(pre), "%lld.", (long long)ts);
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    const char *key = secret ? secret : "";
    if (md && mbedtls_md_setup(&ctx, md, 1) == 0 &&
        mbedtls_md_hmac_starts(&ctx, (const unsigned char *)key, strlen(key)) == 0 &&
        mbedtls_md_hmac_update(&ctx, (const unsigned char *)pre, (size_t)pl) == 0 &&
        mbedtls_md_hmac_update(&ctx, (const unsigned char *)(body ? body : ""), body ? len : 0) ==
            0)
        mbedtls_md_hmac_finish(&ctx, mac);
    mbedtls_md_free(&ctx);
    memcpy(out, "sha256=", 7);
    zc_hex(mac, sizeof(mac), out + 7);
}

int fwd_log_type(const fwd_target *t, int status)
{
    for (int i = 0; i < t->n_in; i++)
        if (t->log_in[i] == status)
            return 1;
    for (int i = 0; i < t->n_out; i++)
        if (t->log_out[i] == status)
            return 2;
    return 0;
}

const char *fwd_device_id(const fwd_target *t, const zs_outbox_item *it)
{
    if (t->devid == FWD_DEVID_FIXED)
        return t->device_id;
    if (t->devid == FWD_DEVID_NAME && it->device_name[0])
        return it->device_name;
    return it->sn;
}

void fwd_buf_add(fwd_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void fwd_buf_free(fwd_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static int dump(json_t *o, char **out)
{
    *out = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return *out ? 0 : ZKBIO_ENOMEM;
}

int fwd_body_erpnext(const fwd_target *t, const zs_outbox_item *it, char **out)
{
    json_t *o = json_object();
    int lt = fwd_log_type(t, it->status);
    if (o) {
        json_object_set_new(o, "employee_field_value", json_string(it->pin));
        json_object_set_new(o, "timestamp", json_string(it->sent_time));
        json_object_set_new(o, "device_id", json_string(fwd_device_id(t, it)));
        json_object_set_new(o, "log_type",
                            lt == 1   ? json_string("IN")
                            : lt == 2 ? json_string("OUT")
                                      : json_null());
        if (t->employee_fieldname[0])
            json_object_set_new(o, "employee_fieldname", json_string(t->employee_fieldname));
        if (t->has_geo) {
            json_object_set_new(o, "latitude", json_real(t->latitude));
            json_object_set_new(o, "longitude", json_real(t->longitude));
        }
    }
    return dump(o, out);
}

static json_t *realtime_item(const fwd_target *t, const zs_outbox_item *it)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int lt = fwd_log_type(t, it->status);
    json_object_set_new(o, "employee_id", json_string(it->pin));
    json_object_set_new(o, "timestamp", json_string(it->sent_time));
    json_object_set_new(o, "device_id", json_string(fwd_device_id(t, it)));
    json_object_set_new(o, "log_type", json_string(lt == 1 ? "IN" : lt == 2 ? "OUT" : "AUTO"));
    json_object_set_new(o, "device_serial", json_string(it->sn));
    if (t->has_geo) {
        json_object_set_new(o, "latitude", json_real(t->latitude));
        json_object_set_new(o, "longitude", json_real(t->longitude));
    }
    return o;
}

int fwd_body_realtime(const fwd_target *t, const zs_outbox_item *items, size_t n, char **out)
{
    if (n == 1 && t->batch == 1)
        return dump(realtime_item(t, &items[0]), out);
    json_t *o = json_object(), *logs = json_array();
    for (size_t i = 0; o && logs && i < n; i++)
        json_array_append_new(logs, realtime_item(t, &items[i]));
    if (o && logs)
        json_object_set_new(o, "logs", logs);
    else
        json_decref(logs);
    return dump(o, out);
}

int fwd_body_webhook(const fwd_target *t, const zs_outbox_item *items, size_t n, char **out)
{
    json_t *o = json_object(), *arr = json_array();
    for (size_t i = 0; o && arr && i < n; i++) {
        const zs_outbox_item *it = &items[i];
        json_t *p = json_object();
        if (!p)
            break;
        char key[33], naive[20], utc[21];
        zfwd_idempotency_key(it->sn, it->pin, it->punch_time, it->status, key);
        if (zfwd_convert_time(it->punch_time, it->device_tz, t->has_tz ? t->tz : "", naive, utc) !=
            0)
            utc[0] = '\0';
        json_object_set_new(p, "idempotency_key", json_string(key));
        json_object_set_new(p, "id", json_integer(it->attendance_id));
        json_object_set_new(p, "sn", json_string(it->sn));
        json_object_set_new(p, "device_name", json_string(it->device_name));
        json_object_set_new(p, "pin", json_string(it->pin));
        json_object_set_new(p, "time", json_string(it->sent_time));
        json_object_set_new(p, "tz", json_string(t->has_tz ? t->tz : it->device_tz));
        json_object_set_new(p, "utc", utc[0] ? json_string(utc) : json_null());
        json_object_set_new(p, "status", json_integer(it->status));
        json_object_set_new(p, "verify", json_integer(it->verify));
        json_object_set_new(p, "workcode", json_string(it->workcode));
        json_array_append_new(arr, p);
    }
    if (o && arr)
        json_object_set_new(o, "punches", arr);
    else
        json_decref(arr);
    return dump(o, out);
}

void fwd_delivery_url(const fwd_target *t, size_t nitems, char *out, size_t outsz)
{
    switch (t->kind) {
    case FWD_ERPNEXT:
        snprintf(out, outsz,
                 "%s/api/method/%s.hr.doctype.employee_checkin.employee_checkin."
                 "add_log_based_on_employee_field",
                 t->url, t->app);
        break;
    case FWD_REALTIME:
        snprintf(out, outsz, "%s/api/method/%s.%s", t->url, t->method_path,
                 nitems == 1 && t->batch == 1 ? "receive_attendance_log"
                                              : "receive_bulk_attendance_logs");
        break;
    default:
        snprintf(out, outsz, "%s", t->url);
        break;
    }
}

void fwd_auth_header(const fwd_target *t, char *out, size_t outsz)
{
    snprintf(out, outsz, "Authorization: token %s:%s", t->api_key, t->api_secret);
}

#if defined(ZKBIOD_HAVE_CURL)
void fwd_curl_common(CURL *h, const fwd_target *t)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)t->timeout_s * 1000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(t->timeout_s < 10 ? t->timeout_s : 10) * 1000L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, t->verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, t->verify_tls ? 2L : 0L);
    if (t->ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "zkbiod-forward");
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
}
#endif
