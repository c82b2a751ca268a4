/* SPDX-License-Identifier: Apache-2.0 */
/* Private: filling the caller's zkbio_error_info (error.h) with a failure's detail. */
#ifndef ZKI_ERRINFO_H
#define ZKI_ERRINFO_H

#include <stddef.h>

#include "zkbio/error.h"

/* mingw-w64: the cross build prints through mingw's C99 printf (__USE_MINGW_ANSI_STDIO), whose
 * archetype is gnu_printf; plain `printf` there would mean the msvcrt one, without %zu. */
#if defined(__MINGW32__)
#define ZKI_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define ZKI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ZKI_PRINTF(f, a)
#endif

/* When err is not NULL, set its code, byte offset, line (0: not a text protocol) and a printf-style
 * English text (cut to fit). Returns code, so a failure is `return zki_errinfo_set(err, ...)`. */
int zki_errinfo_set(zkbio_error_info *err, int code, size_t offset, const char *fmt, ...)
    ZKI_PRINTF(4, 5);

#endif
