/* SPDX-License-Identifier: Apache-2.0 */
/* The one writer of zkbio_error_info details (internal/errinfo.h). */
#include <stdarg.h>
#include <stdio.h>

#include "internal/errinfo.h"

int zki_errinfo_set(zkbio_error_info *err, int code, size_t offset, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        err->offset = offset;
        err->line = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof(err->text), fmt, ap);
        va_end(ap);
    }
    return code;
}
