/* SPDX-License-Identifier: Apache-2.0 */
/* URL query strings (push.md §2.1, §6 "URL / query"), SN and CmdID validation (§9.2, §4.2). */
#include <string.h>

#include "internal/hex.h"
#include "push/zki_push.h"

/* URL-decode v into out; a decoded NUL ends the value. */
static int decode_into(zki_span v, char *out, size_t outsize)
{
    size_t o = 0;
    int full = 1;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < v.n && zki_hex_value(v.p[i + 1]) >= 0 &&
                   zki_hex_value(v.p[i + 2]) >= 0) {
            c = (char)(zki_hex_value(v.p[i + 1]) * 16 + zki_hex_value(v.p[i + 2]));
            i += 2;
        } /* an incomplete or non-hex escape stays literal text */
        if (c == '\0')
            break;
        if (o + 1 < outsize) {
            out[o++] = c;
        } else {
            full = 0;
            break;
        }
    }
    out[o] = '\0';
    return full ? ZKBIO_OK : ZKBIO_ENOSPC;
}

int zkbio_push_query_get(const char *query, size_t query_len, const char *key, char *out,
                         size_t outsize)
{
    if (!key || !out || outsize == 0 || (!query && query_len))
        return ZKBIO_EINVAL;
    out[0] = '\0';
    if (!query)
        return ZKBIO_ENOENT;
    zki_span rest = {query, query_len};
    if (rest.n && rest.p[0] == '?') {
        rest.p++;
        rest.n--;
    }
    /* a fragment is not part of the query */
    const char *hash = rest.n ? memchr(rest.p, '#', rest.n) : NULL;
    if (hash)
        rest.n = (size_t)(hash - rest.p);
    zki_span param;
    while (zki_next_field(&rest, '&', &param)) {
        zki_span k, v;
        zki_kv_split(param, &k, &v);
        if (k.n && zki_span_ieq(k, key))
            return decode_into(v, out, outsize);
    }
    return ZKBIO_ENOENT;
}

int zkbio_push_sn_valid(const char *sn)
{
    if (!sn)
        return 0;
    size_t n = 0;
    for (; sn[n]; n++) {
        char c = sn[n];
        if (n >= ZKBIO_PUSH_SN_MAX)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

int zkbio_push_cmdid_valid(const char *id)
{
    if (!id)
        return 0;
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (n >= ZKBIO_PUSH_CMDID_MAX)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return n > 0;
}
