/* SPDX-License-Identifier: Apache-2.0 */
/* Private: Gregorian calendar rules shared by the PUSH time parser (lib/push/text.c) and the 4370
 * packed time (lib/zk4370/time.c). */
#ifndef ZKI_DATE_H
#define ZKI_DATE_H

/* 1 for a Gregorian leap year. */
static inline int zki_is_leap_year(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1..12, not checked) of year y. */
static inline unsigned zki_days_in_month(unsigned y, unsigned m)
{
    static const unsigned char d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && zki_is_leap_year(y) ? 29u : d[m - 1];
}

#endif
