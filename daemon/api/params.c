/* SPDX-License-Identifier: Apache-2.0 */
/* The parsers of untrusted request text on /api/v1 that are not JSON (api.h, "request text"):
 * wall-clock times of the filters, If-None-Match, and the list cursors. Each is bounds-checked and
 * has a fuzz target (tests/fuzz/fuzz-api-params.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_json.h"

static int two_digits(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

int zapi_parse_wall_time(const char *in, char out[20], int end_of_day)
{
    size_t l = strnlen(in, 20);
    if (l != 10 && l != 16 && l != 19)
        return 0;
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    for (size_t i = 0; i < l; i++) {
        char s = shape[i], ch = in[i];
        if (s == 'd' ? (ch < '0' || ch > '9') : (i == 10 ? (ch != ' ' && ch != 'T') : ch != s))
            return 0;
    }
    memcpy(out, in, l);
    if (l == 10)
        memcpy(out + 10, end_of_day ? " 23:59:59" : " 00:00:00", 9);
    else if (l == 16)
        memcpy(out + 16, end_of_day ? ":59" : ":00", 3);
    out[10] = ' ';
    out[19] = '\0';
    int mo = two_digits(out + 5), d = two_digits(out + 8), h = two_digits(out + 11);
    int mi = two_digits(out + 14), sec = two_digits(out + 17);
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 59;
}

int64_t zapi_wall_day(const char *t)
{
    return zc_days_from_civil(two_digits(t) * 100 + two_digits(t + 2), two_digits(t + 5),
                              two_digits(t + 8));
}

int zapi_etag_matches(const char *inm, const char *etag)
{
    if (!inm || !etag)
        return 0;
    size_t el = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        if (*p == '*')
            return 1;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        size_t l = strcspn(p, ",");
        size_t t = l;
        while (t && (p[t - 1] == ' ' || p[t - 1] == '\t'))
            t--;
        if (t == el && memcmp(p, etag, el) == 0)
            return 1;
        p += l;
    }
    return 0;
}

int zapi_cursor_punch_make(const char *time, int64_t id, char *out, size_t size)
{
    if (!time || strlen(time) != 19 || id < 0)
        return 0;
    int n = snprintf(out, size, "%.4s%.2s%.2s%.2s%.2s%.2s.%lld", time, time + 5, time + 8,
                     time + 11, time + 14, time + 17, (long long)id);
    return n > 0 && (size_t)n < size;
}

int zapi_cursor_punch_parse(const char *cur, char time[20], int64_t *id)
{
    size_t l = strnlen(cur, 34);
    if (l < 16 || l > 33 || strspn(cur, "0123456789") != 14 || cur[14] != '.' ||
        strspn(cur + 15, "0123456789") != l - 15)
        return 0;
    snprintf(time, 20, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s", cur, cur + 4, cur + 6, cur + 8, cur + 10,
             cur + 12);
    *id = (int64_t)strtoll(cur + 15, NULL, 10);
    return 1;
}

int zapi_cursor_key_make(const char *key, char *out, size_t size)
{
    size_t l = key ? strlen(key) : 0;
    if (l == 0 || l * 2 + 1 > size)
        return 0;
    zc_hex((const uint8_t *)key, l, out);
    out[l * 2] = '\0';
    return 1;
}

int zapi_cursor_key_parse(const char *cur, char *key, size_t size)
{
    size_t l = strlen(cur);
    if (l == 0 || l % 2 || l / 2 + 1 > size)
        return 0;
    for (size_t i = 0; i < l; i += 2) {
        int hi = zc_hexdigit(cur[i]), lo = zc_hexdigit(cur[i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return 0;
        key[i / 2] = (char)(hi * 16 + lo);
    }
    key[l / 2] = '\0';
    return 1;
}

int zapi_cursor_day_make(const char *date, const char *pin, char *out, size_t size)
{
    if (!date || strlen(date) != 10 || size < 10)
        return 0;
    snprintf(out, size, "%.4s%.2s%.2s.", date, date + 5, date + 8);
    return zapi_cursor_key_make(pin, out + 9, size - 9);
}

int zapi_cursor_day_parse(const char *cur, char date[11], char *pin, size_t pinsize)
{
    if (strnlen(cur, 12) < 11 || strspn(cur, "0123456789") != 8 || cur[8] != '.' ||
        !zapi_cursor_key_parse(cur + 9, pin, pinsize))
        return 0;
    snprintf(date, 11, "%.4s-%.2s-%.2s", cur, cur + 4, cur + 6);
    return 1;
}
