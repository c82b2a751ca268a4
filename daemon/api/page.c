/* SPDX-License-Identifier: Apache-2.0 */
/* Lists of the /api/v1 contract: query parameters, keyset paging (limit + after) and the one list
 * reply shape (api.h, docs/management-api.md "Paging"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int zapi_query(zreq *r, const char *name, char *buf, size_t size)
{
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    const char *q = ri && ri->query_string ? ri->query_string : "";
    int rc = zkbio_push_query_get(q, strlen(q), name, buf, size);
    if (rc == ZKBIO_ENOSPC) {
        buf[0] = '\0';
        zapi_v1_fail(r, 400, "VALIDATION_ERROR", "a query parameter is too long",
                     json_pack("{s:s,s:I}", "parameter", name, "max_length",
                               (json_int_t)(size ? size - 1 : 0)));
        return -1;
    }
    if (rc != 0 || !buf[0]) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    return 1;
}

int zapi_bad_param(zreq *r, const char *name, const char *why)
{
    return zapi_v1_fail(r, 400, "VALIDATION_ERROR", why,
                        json_pack("{s:s,s:s}", "parameter", name, "reason", why));
}

int zapi_page_params(zreq *r, zapi_paging *pg)
{
    memset(pg, 0, sizeof(*pg));
    pg->limit = ZAPI_PAGE_DEFAULT;
    char v[32];
    int rc = zapi_query(r, "limit", v, sizeof(v));
    if (rc < 0)
        return 400;
    if (rc > 0) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || v[0] == '-' || v[0] == '+' || n < 1 || n > ZAPI_PAGE_MAX)
            return zapi_bad_param(r, "limit", "limit must be an integer 1..1000");
        pg->limit = (int)n;
    }
    if (zapi_query(r, "page", v, sizeof(v)) != 0 || zapi_query(r, "offset", v, sizeof(v)) != 0)
        return zapi_bad_param(r, "page",
                              "lists are paged by cursor: pass the previous reply's "
                              "data.paging.next as `after` (page and offset are not supported)");
    rc = zapi_query(r, "after", pg->after, sizeof(pg->after));
    if (rc < 0)
        return 400;
    for (const char *p = pg->after; *p; p++) /* cursors are printable ASCII without spaces */
        if (*p <= ' ' || *p > '~')
            return zapi_bad_param(r, "after", "after is not a cursor of this list");
    return 0;
}

int zapi_page_after_id(zreq *r, const zapi_paging *pg, int64_t *id)
{
    *id = 0;
    if (!pg->after[0])
        return 0;
    size_t l = strlen(pg->after);
    if (l > 18 || strspn(pg->after, "0123456789") != l)
        return zapi_bad_param(r, "after", "after is not a cursor of this list");
    *id = (int64_t)strtoll(pg->after, NULL, 10);
    return 0;
}

int zapi_page(zreq *r, const zapi_paging *pg, json_t *items, const char *next, int64_t total)
{
    if (!items)
        items = json_array();
    json_t *data = json_pack("{s:o,s:{s:i,s:o,s:o}}", "items", items, "paging", "limit",
                             pg ? pg->limit : ZAPI_PAGE_DEFAULT, "next",
                             next ? json_string(next) : json_null(), "total",
                             total >= 0 ? json_integer(total) : json_null());
    if (!data)
        return zapi_v1_fail(r, 500, "INTERNAL_ERROR", "out of memory", NULL);
    return zapi_ok(r, 200, "OK", data);
}

int zapi_page_id(zreq *r, const zapi_paging *pg, json_t *items, int has_next, int64_t next,
                 int64_t total)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)next);
    return zapi_page(r, pg, items, has_next ? buf : NULL, total);
}
