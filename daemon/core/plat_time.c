/* SPDX-License-Identifier: Apache-2.0 */
/* The platform layer's time (plat.h): timegm, gmtime_r/localtime_r, the local UTC offset. */
#include "core.h"

#include <string.h>

int64_t zc_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

time_t zc_timegm(const struct tm *tm)
{
    /* normalise the month into 0..11 first, carrying into the year; the rest adds linearly */
    int64_t mon = tm->tm_mon, year = (int64_t)tm->tm_year + 1900;
    year += mon / 12;
    mon %= 12;
    if (mon < 0) {
        mon += 12;
        year--;
    }
    int64_t days = zc_days_from_civil(year, (int)mon + 1, 1) + (int64_t)tm->tm_mday - 1;
    int64_t t =
        days * 86400 + (int64_t)tm->tm_hour * 3600 + (int64_t)tm->tm_min * 60 + (int64_t)tm->tm_sec;
    if ((int64_t)(time_t)t != t)
        return (time_t)-1;
    return (time_t)t;
}

int zc_gmtime(time_t t, struct tm *out)
{
#if defined(_WIN32)
    return gmtime_s(out, &t) == 0 ? 0 : -1;
#else
    return gmtime_r(&t, out) ? 0 : -1;
#endif
}

int zc_localtime(time_t t, struct tm *out)
{
#if defined(_WIN32)
    return localtime_s(out, &t) == 0 ? 0 : -1;
#else
    return localtime_r(&t, out) ? 0 : -1;
#endif
}

int zc_utc_offset_min(time_t t)
{
    struct tm lt;
    if (zc_localtime(t, &lt) != 0)
        return 0;
    time_t as_utc = zc_timegm(&lt);
    if (as_utc == (time_t)-1)
        return 0;
    return (int)(((int64_t)as_utc - (int64_t)t) / 60);
}
