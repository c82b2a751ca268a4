/* SPDX-License-Identifier: Apache-2.0 */
/* The packed time of the 4370 protocol (tcp4370.md §5.6): 31-day months, 12-month years from 2000,
 * naive device-local time; and the 6-byte form of realtime events. */
#include <stdio.h>
#include <string.h>

#include "internal/date.h"
#include "zkbio/zk4370.h"

/* 1 when the fields are encodable (31-day months allowed), 0 otherwise */
static int fields_ok(const zkbio_zk_time *t)
{
    return t->year >= 2000 && t->year <= 2099 && t->month >= 1 && t->month <= 12 && t->day >= 1 &&
           t->day <= 31 && t->hour < 24 && t->minute < 60 && t->second < 60;
}

static int real_date(const zkbio_zk_time *t)
{
    return t->day <= zki_days_in_month(t->year, t->month);
}

int zkbio_zk_time_decode(uint32_t t, zkbio_zk_time *out)
{
    if (!out)
        return ZKBIO_EINVAL;
    zkbio_zk_time r;
    r.second = (uint8_t)(t % 60);
    t /= 60;
    r.minute = (uint8_t)(t % 60);
    t /= 60;
    r.hour = (uint8_t)(t % 24);
    t /= 24;
    r.day = (uint8_t)(t % 31 + 1);
    t /= 31;
    r.month = (uint8_t)(t % 12 + 1);
    t /= 12;
    /* t < 2^32 / (86400*372) = 133, so the year fits */
    r.year = (uint16_t)(2000 + t);
    *out = r;
    return r.year <= 2099 && real_date(&r) ? ZKBIO_OK : ZKBIO_ERANGE;
}

int zkbio_zk_time_encode(const zkbio_zk_time *t, uint32_t *out)
{
    if (!t || !out)
        return ZKBIO_EINVAL;
    if (!fields_ok(t))
        return ZKBIO_ERANGE;
    uint32_t d = ((uint32_t)(t->year % 100) * 12u * 31u + (uint32_t)(t->month - 1) * 31u +
                  (uint32_t)t->day - 1u);
    *out = d * 86400u + ((uint32_t)t->hour * 60u + t->minute) * 60u + t->second;
    return ZKBIO_OK;
}

int zkbio_zk_timehex_decode(const uint8_t p[6], zkbio_zk_time *out)
{
    if (!p || !out)
        return ZKBIO_EINVAL;
    zkbio_zk_time r = {(uint16_t)(2000 + p[0]), p[1], p[2], p[3], p[4], p[5]};
    *out = r;
    return fields_ok(&r) && real_date(&r) ? ZKBIO_OK : ZKBIO_ERANGE;
}

int zkbio_zk_timehex_encode(const zkbio_zk_time *t, uint8_t out[6])
{
    if (!t || !out)
        return ZKBIO_EINVAL;
    if (!fields_ok(t))
        return ZKBIO_ERANGE;
    out[0] = (uint8_t)(t->year - 2000);
    out[1] = t->month;
    out[2] = t->day;
    out[3] = t->hour;
    out[4] = t->minute;
    out[5] = t->second;
    return ZKBIO_OK;
}

int zkbio_zk_time_format(const zkbio_zk_time *t, char out[20])
{
    if (!t || !out)
        return ZKBIO_EINVAL;
    snprintf(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)t->year % 10000u,
             (unsigned)t->month % 100u, (unsigned)t->day % 100u, (unsigned)t->hour % 100u,
             (unsigned)t->minute % 100u, (unsigned)t->second % 100u);
    return ZKBIO_OK;
}

/* exactly `n` decimal digits at *s, advancing it; -1 when not digits */
static int digits(const char **s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += n;
    return v;
}

int zkbio_zk_time_parse(const char *s, zkbio_zk_time *out)
{
    if (!s || !out)
        return ZKBIO_EINVAL;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if ((y = digits(&s, 4)) < 0 || *s++ != '-' || (mo = digits(&s, 2)) < 0 || *s++ != '-' ||
        (d = digits(&s, 2)) < 0)
        return ZKBIO_EINVAL;
    if (*s == ' ' || *s == 'T') {
        s++;
        if ((h = digits(&s, 2)) < 0 || *s++ != ':' || (mi = digits(&s, 2)) < 0)
            return ZKBIO_EINVAL;
        if (*s == ':') {
            s++;
            if ((se = digits(&s, 2)) < 0)
                return ZKBIO_EINVAL;
        }
    }
    if (*s)
        return ZKBIO_EINVAL;
    zkbio_zk_time t = {(uint16_t)y, (uint8_t)mo, (uint8_t)d, (uint8_t)h, (uint8_t)mi, (uint8_t)se};
    if (!fields_ok(&t) || !real_date(&t))
        return ZKBIO_ERANGE;
    *out = t;
    return ZKBIO_OK;
}

int zkbio_zk_time_cmp(const zkbio_zk_time *a, const zkbio_zk_time *b)
{
    const uint8_t ka[7] = {
        (uint8_t)(a->year >> 8), (uint8_t)a->year, a->month, a->day, a->hour, a->minute, a->second};
    const uint8_t kb[7] = {
        (uint8_t)(b->year >> 8), (uint8_t)b->year, b->month, b->day, b->hour, b->minute, b->second};
    return memcmp(ka, kb, sizeof(ka));
}
