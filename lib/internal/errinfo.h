/* SPDX-License-Identifier: Apache-2.0 */
/* Private: filling the caller's zkbio_error_info (error.h) with a failure's detail. */
#ifndef ZKI_ERRINFO_H
#define ZKI_ERRINFO_H

#include <stddef.h>

#include "zkbio/error.h"

#if defined(__GNUC__)
#define ZKI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ZKI_PRINTF(f, a)
#endif

/* When err is not NULL, set its code, byte offset, line (0: not a text protocol) and a printf-style
 * English text (cut to fit). Returns code, so a failure is `return zki_errinfo_set(err, ...)`. */
int zki_errinfo_set(zkbio_error_info *err, int code, size_t offset, const char *fmt, ...)
    ZKI_PRINTF(4, 5);

#endif
