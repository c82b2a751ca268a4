/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the BioTime lists' query handling (issue 16, bttx part): the query part of next/previous
 * links (daemon/api/bt_list.c, zapi_bt_link_query) and the time filters (bt_transactions.c,
 * zapi_bt_time_bound). Any query gives either -1 (too long) or a link part that is "" or starts
 * with '?', holds only unreserved characters, '%' with two upper-case hex digits, '=', '&', and
 * ends in "page=N" exactly when N > 1, with no other page parameter; building it from itself gives
 * itself (re-encoding is idempotent). A time is refused or becomes "YYYY-MM-DD HH:MM:SS" that
 * parses again to itself. Seeds in corpus/bt-query were written by hand.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void check_link(const char *out, int n, int64_t page)
{
    if (n < 0)
        return;
    if ((size_t)n != strlen(out) || (n > 0 && out[0] != '?'))
        abort();
    for (int i = 1; i < n; i++) {
        char c = out[i];
        if (c == '%') {
            if (i + 2 >= n || !hex(out[i + 1]) || !hex(out[i + 2]))
                abort();
            i += 2;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || c == '=' || c == '&')) {
            abort();
        }
    }
    char want[40];
    snprintf(want, sizeof(want), "page=%lld", (long long)page);
    const char *last = strstr(out, "page=");
    int has = last != NULL;
    if (page > 1) {
        size_t wl = strlen(want);
        if ((size_t)n < wl || strcmp(out + n - wl, want) != 0)
            abort();
    } else if (has && (last == out + 1 || last[-1] == '&')) {
        abort(); /* page 1: no page parameter at all */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *q = malloc(size + 1);
    if (!q)
        return 0;
    memcpy(q, data, size);
    q[size] = '\0';
    static char out[16384], again[16384];
    int64_t page = size ? (int64_t)(data[0] % 4) : 2;
    int n = zapi_bt_link_query(q, page, out, sizeof(out));
    check_link(out, n, page);
    if (n > 0) { /* idempotent: the link's own query gives the same link */
        int m = zapi_bt_link_query(out + 1, page, again, sizeof(again));
        if (m != n || strcmp(out, again) != 0)
            abort();
    }
    char small[8];
    if (zapi_bt_link_query(q, page, small, sizeof(small)) >= (int)sizeof(small))
        abort();
    char t[20], t2[20];
    for (int end = 0; end <= 1; end++) {
        if (zapi_bt_time_bound(q, end, t)) {
            if (strlen(t) != 19 || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' ||
                t[16] != ':')
                abort();
            if (!zapi_bt_time_bound(t, end, t2) || strcmp(t, t2) != 0)
                abort();
        }
    }
    free(q);
    return 0;
}
