/* SPDX-License-Identifier: Apache-2.0 */
/* Private: timegm(3) (UTC broken-down time to time_t), which Windows spells _mkgmtime. */
#ifndef ZKI_TIMEGM_H
#define ZKI_TIMEGM_H

#include <time.h>

static inline time_t zki_timegm(struct tm *tm)
{
#ifdef _WIN32
    return _mkgmtime(tm);
#else
    return timegm(tm);
#endif
}

#endif
