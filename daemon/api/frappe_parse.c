/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body parser of the inbound Frappe-style methods (api.h, "inbound punches"): one log object
 * into a punch, timestamps, zone shifts, form bodies. Field rules and messages follow the peer app
 * (shared reference integrations.md §2.5, it-pioneers99/phr biometric_realtime_sync.py @1871cbc):
 * employee_id, timestamp and device_id required ("Missing required fields: ..."), a timestamp that
 * does not parse -> "Invalid timestamp format. Use 'YYYY-MM-DD HH:MM:SS' or ISO 8601", log_type
 * IN/OUT in any case, anything else AUTO. zkbiod's own limits (PIN, SN, coordinates) are
 * documented in docs/integrations.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_json.h"

static const char BAD_TIME[] = "Invalid timestamp format. Use 'YYYY-MM-DD HH:MM:SS' or ISO 8601";

/* n decimal digits at s: their value, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* "YYYY-MM-DD HH:MM:SS" into out (20 bytes); 0 when the fields do not fit. */
static int fmt_wall(char out[20], int y, int mo, int d, int h, int mi, int se)
{
    char t[64];
    int n = snprintf(t, sizeof(t), "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, se);
    if (n != 19)
        return 0;
    memcpy(out, t, 20);
    return 1;
}

int zapi_frappe_parse_time(const char *s, size_t len, char wall[20], int *has_offset,
                           int *offset_min)
{
    *has_offset = 0;
    *offset_min = 0;
    wall[0] = '\0';
    if (!s || len < 16 || len > 64)
        return 0;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = digits(s + 11, 2),
        mi = digits(s + 14, 2), se = 0;
    if (s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h < 0 ||
        h > 23 || mi < 0 || mi > 59)
        return 0;
    size_t i = 16;
    if (i < len && s[i] == ':') {
        if (len < i + 3 || (se = digits(s + i + 1, 2)) < 0 || se > 59)
            return 0;
        i += 3;
        if (i < len && (s[i] == '.' || s[i] == ',')) { /* a fraction: dropped (HRMS drops it too) */
            size_t f = ++i;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == f || i - f > 9)
                return 0;
        }
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        *has_offset = 1;
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
        i++;
        if (len < i + 2 || (oh = digits(s + i, 2)) < 0 || oh > 14)
            return 0;
        i += 2;
        int colon = i < len && s[i] == ':';
        i += (size_t)colon;
        if (i < len || colon) {
            if (len < i + 2 || (om = digits(s + i, 2)) < 0 || om > 59)
                return 0;
            i += 2;
        }
        *has_offset = 1;
        *offset_min = sign * (oh * 60 + om);
    }
    if (i != len)
        return 0;
    return fmt_wall(wall, y, mo, d, h, mi, se);
}

/* Civil date of a day number (H. Hinnant's civil_from_days). */
static void civil(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int zapi_frappe_shift(const char *wall, int from_min, int to_min, char out[20])
{
    int off = 0, dummy;
    char w[20];
    if (!wall || strlen(wall) != 19 || !zapi_frappe_parse_time(wall, 19, w, &dummy, &off))
        return 0;
    int64_t t = zc_days_from_civil(digits(w, 4), digits(w + 5, 2), digits(w + 8, 2)) * 86400 +
                digits(w + 11, 2) * 3600 + digits(w + 14, 2) * 60 + digits(w + 17, 2);
    t += (int64_t)(to_min - from_min) * 60;
    int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), sec = t - day * 86400, y;
    int m, d;
    civil(day, &y, &m, &d);
    if (y < 1 || y > 9999)
        return 0;
    return fmt_wall(out, (int)y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

/* Valid UTF-8 (no overlongs, no surrogates), n bytes. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            k = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

json_t *zapi_frappe_form(const char *body, size_t len)
{
    static const char *const fields[] = {"employee_id",   "timestamp", "device_id", "log_type",
                                         "device_serial", "latitude",  "longitude", "logs"};
    json_t *o = json_object();
    if (!o || !body)
        return o;
    char val[1025];
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        int n = mg_get_var(body, len, fields[i], val, sizeof(val));
        if (n < 0 || !utf8_ok((const unsigned char *)val, (size_t)n))
            continue;
        json_object_set_new(o, fields[i], json_stringn(val, (size_t)n));
    }
    return o;
}

/* The Python truth of a member (`not data.get(f)` means missing): absent, null, false, 0, "". */
static int truthy(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_real(v))
        return json_real_value(v) != 0.0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    if (json_is_object(v))
        return json_object_size(v) > 0;
    return 1;
}

/* A text member (a string, or an integer as its decimal form, as Python's str() would give) into
 * buf: its length, or -1 when another type or longer than size - 1. */
static long text_of(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n >= size || memchr(json_string_value(v), '\0', n))
            return -1;
        memcpy(buf, json_string_value(v), n + 1);
        return (long)n;
    }
    if (json_is_integer(v)) {
        int n = snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return n > 0 && (size_t)n < size ? n : -1;
    }
    return -1;
}

/* A coordinate: a number or a numeric string within [-limit, limit]. 1 set, 0 absent, -1 bad. */
static int coord(const json_t *v, double limit, double *out)
{
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return 0;
    double x;
    if (json_is_number(v))
        x = json_number_value(v);
    else if (json_is_string(v) && json_string_length(v) < 32) {
        const char *s = json_string_value(v);
        char *end = NULL;
        x = strtod(s, &end);
        if (end == s || *end)
            return -1;
    } else
        return -1;
    if (!isfinite(x) || x < -limit || x > limit)
        return -1;
    *out = x;
    return 1;
}

static int pin_ok(const char *s, size_t n)
{
    if (n == 0 || n > 24)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

int zapi_frappe_parse_punch(const json_t *o, zapi_frappe_punch *p, char *err, size_t errsz)
{
    memset(p, 0, sizeof(*p));
    p->status = ZAPI_FRAPPE_STATUS_ANY;
    p->log_type = "AUTO";
    if (!json_is_object(o)) {
        snprintf(err, errsz, "Each log must be an object");
        return -1;
    }
    static const char *const req[] = {"employee_id", "timestamp", "device_id"};
    char missing[64] = "";
    for (size_t i = 0; i < 3; i++)
        if (!truthy(json_object_get(o, req[i]))) {
            size_t l = strlen(missing);
            snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? ", " : "", req[i]);
        }
    if (missing[0]) {
        snprintf(err, errsz, "Missing required fields: %s", missing);
        return -1;
    }
    char buf[ZAPI_FRAPPE_DEVID_MAX + 1];
    long n = text_of(json_object_get(o, "employee_id"), buf, sizeof(buf));
    if (n < 0 || !pin_ok(buf, (size_t)n)) {
        snprintf(err, errsz,
                 "Invalid employee_id: 1 to 24 printable ASCII characters without spaces");
        return -1;
    }
    memcpy(p->pin, buf, (size_t)n + 1);
    const json_t *ts = json_object_get(o, "timestamp");
    if (!json_is_string(ts) ||
        !zapi_frappe_parse_time(json_string_value(ts), json_string_length(ts), p->wall,
                                &p->has_offset, &p->offset_min)) {
        snprintf(err, errsz, "%s", BAD_TIME);
        return -1;
    }
    n = text_of(json_object_get(o, "device_id"), buf, sizeof(buf));
    if (n < 0) {
        snprintf(err, errsz, "Invalid device_id: a string of at most %d bytes",
                 ZAPI_FRAPPE_DEVID_MAX);
        return -1;
    }
    for (long i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            buf[i] = ' ';
    memcpy(p->device_id, buf, (size_t)n + 1);
    const json_t *ser = json_object_get(o, "device_serial");
    const char *sn_from = "device_id";
    if (truthy(ser)) {
        char sb[64];
        long sl = text_of(ser, sb, sizeof(sb));
        if (sl < 0 || sl > 40 || !zkbio_push_sn_valid(sb)) {
            snprintf(err, errsz, "Invalid device_serial: 1 to 40 characters of A-Z a-z 0-9 _ -");
            return -1;
        }
        memcpy(p->sn, sb, (size_t)sl + 1);
        sn_from = NULL;
    }
    if (sn_from) {
        if (n > 40 || !zkbio_push_sn_valid(p->device_id)) {
            snprintf(err, errsz,
                     "Invalid device_id: without device_serial it names the device: 1 to 40 "
                     "characters of A-Z a-z 0-9 _ -");
            return -1;
        }
        memcpy(p->sn, p->device_id, (size_t)n + 1);
    }
    const json_t *lt = json_object_get(o, "log_type");
    if (json_is_string(lt)) {
        const char *t = json_string_value(lt);
        if (json_string_length(lt) == 2 && (t[0] | 0x20) == 'i' && (t[1] | 0x20) == 'n') {
            p->status = ZAPI_FRAPPE_STATUS_IN;
            p->log_type = "IN";
        } else if (json_string_length(lt) == 3 && (t[0] | 0x20) == 'o' && (t[1] | 0x20) == 'u' &&
                   (t[2] | 0x20) == 't') {
            p->status = ZAPI_FRAPPE_STATUS_OUT;
            p->log_type = "OUT";
        }
    } else if (lt && !json_is_null(lt)) {
        snprintf(err, errsz, "Invalid log_type: IN, OUT or AUTO");
        return -1;
    }
    int la = coord(json_object_get(o, "latitude"), 90.0, &p->lat);
    int lo = coord(json_object_get(o, "longitude"), 180.0, &p->lon);
    if (la < 0 || lo < 0) {
        snprintf(err, errsz, "Invalid %s: a number within [%s]", la < 0 ? "latitude" : "longitude",
                 la < 0 ? "-90, 90" : "-180, 180");
        return -1;
    }
    if (la != lo) {
        snprintf(err, errsz, "latitude and longitude go together");
        return -1;
    }
    p->has_geo = la > 0;
    return 0;
}
