/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot statements (db.h): prepare through the cache, bind from a format string, step, reset. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db_impl.h"

/* Bind the arguments described by fmt to st's parameters 1.. in order. */
static int bind_va(zdb_stmt *st, const char *fmt, va_list *ap)
{
    int idx = 0;
    for (const char *f = fmt ? fmt : ""; *f; f++) {
        int rc;
        idx++;
        switch (*f) {
        case 'i':
            rc = zdb_bind_int64(st, idx, va_arg(*ap, int));
            break;
        case 'l':
            rc = zdb_bind_int64(st, idx, va_arg(*ap, int64_t));
            break;
        case 's':
            rc = zdb_bind_text(st, idx, va_arg(*ap, const char *), -1);
            break;
        case 'b': {
            const void *p = va_arg(*ap, const void *);
            size_t len = va_arg(*ap, size_t);
            rc = zdb_bind_blob(st, idx, p, len);
            break;
        }
        case 'n':
            rc = zdb_bind_null(st, idx);
            break;
        default:
            zdb__set_err(st->db, "zdb one-shot: unknown parameter letter '%c'", *f);
            return ZKBIO_EINVAL;
        }
        if (rc != 0)
            return rc;
    }
    if (idx != st->nparams) {
        zdb__set_err(st->db, "zdb one-shot: %d parameter(s) given, the statement has %d", idx,
                     st->nparams);
        return ZKBIO_EINVAL;
    }
    return 0;
}

/* Prepare, bind and take the first step; on success *out is positioned (ZDB_ROW or ZDB_DONE is
 * returned) and the caller resets it. */
static int start(zdb *db, const char *sql, const char *fmt, va_list *ap, zdb_stmt **out)
{
    int rc = zdb_prepare(db, sql, out);
    if (rc != 0)
        return rc;
    rc = bind_va(*out, fmt, ap);
    if (rc == 0)
        rc = zdb_step(*out);
    if (rc < 0)
        zdb_reset(*out);
    return rc;
}

int zdb_run(zdb *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zdb_stmt *st = NULL;
    int rc = start(db, sql, fmt, &ap, &st);
    va_end(ap);
    if (rc < 0)
        return rc;
    zdb_reset(st);
    return 0;
}

int zdb_query_int64(zdb *db, const char *sql, int64_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zdb_stmt *st = NULL;
    int rc = start(db, sql, fmt, &ap, &st);
    va_end(ap);
    if (rc < 0)
        return rc;
    if (rc == ZDB_ROW && out)
        *out = zdb_col_int64(st, 0);
    zdb_reset(st);
    return rc == ZDB_ROW ? 0 : ZKBIO_ENOENT;
}

int zdb_query_text(zdb *db, const char *sql, char *out, size_t outsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zdb_stmt *st = NULL;
    int rc = start(db, sql, fmt, &ap, &st);
    va_end(ap);
    if (rc < 0)
        return rc;
    if (rc == ZDB_ROW && out && outsz)
        snprintf(out, outsz, "%s", zdb_col_text(st, 0));
    zdb_reset(st);
    return rc == ZDB_ROW ? 0 : ZKBIO_ENOENT;
}
