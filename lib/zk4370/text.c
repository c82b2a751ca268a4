/* SPDX-License-Identifier: Apache-2.0 */
/* Text fields of 4370 records: device codepage <-> UTF-8 through iconv (tcp4370.md §8 pitfall 8).
 * Same approach as the PUSH codec (lib/push/text.c): ASCII is copied, bytes invalid in the source
 * become U+FFFD, UTF-8 needs no iconv. */
#include <errno.h>
#include <string.h>

#include "internal/charset.h"
#include "internal/iconv.h"
#include "internal/utf8.h"
#include "zk4370/zki_zk4370.h"

/* append k bytes when they fit before the terminator; 0 when full */
static int put(char *out, size_t outsize, size_t *o, const char *s, size_t k)
{
    if (*o + k + 1 > outsize)
        return 0;
    memcpy(out + *o, s, k);
    *o += k;
    return 1;
}

int zkbio_zk_text_decode(const uint8_t *p, size_t n, const char *charset, char *out, size_t outsize)
{
    if ((!p && n) || !out || outsize == 0)
        return ZKBIO_EINVAL;
    const uint8_t *nul = n ? memchr(p, 0, n) : NULL;
    if (nul)
        n = (size_t)(nul - p);
    size_t o = 0;
    int rc = ZKBIO_OK;
    size_t ascii = 0;
    while (ascii < n && p[ascii] >= 0x20 && p[ascii] < 0x7F)
        ascii++;
    if (ascii == n || zki_charset_is_utf8(charset)) {
        for (size_t i = 0; i < n;) {
            size_t k = zki_utf8_seq(p + i, n - i);
            int ok = k ? put(out, outsize, &o, (const char *)p + i, k)
                       : put(out, outsize, &o, ZKI_UTF8_REPL, ZKI_UTF8_REPL_LEN);
            if (!ok) {
                rc = ZKBIO_ENOSPC;
                break;
            }
            i += k ? k : 1;
        }
        out[o] = '\0';
        return rc;
    }
    zki_iconv_t cd = zki_iconv_open("UTF-8", charset);
    if (!cd) {
        out[0] = '\0';
        return ZKBIO_EENCODING;
    }
    char *in = (char *)(uintptr_t)p;
    size_t inleft = n;
    while (inleft > 0) {
        char tmp[16];
        /* one input byte at a time grows the sequence until iconv accepts it (≤ 4 bytes) */
        size_t take = 1, done = 0;
        for (; take <= 4 && take <= inleft; take++) {
            char *ip = in, *op = tmp;
            size_t il = take, ol = sizeof(tmp);
            zki_iconv(cd, NULL, NULL, NULL, NULL);
            size_t r = zki_iconv(cd, &ip, &il, &op, &ol);
            if (r != (size_t)-1 && il == 0) {
                done = (size_t)(op - tmp);
                break;
            }
            if (errno != EINVAL) { /* EILSEQ: invalid, not merely incomplete */
                take = 5;
                break;
            }
        }
        int ok;
        if (take <= 4 && take <= inleft) {
            ok = put(out, outsize, &o, tmp, done);
            in += take;
            inleft -= take;
        } else {
            ok = put(out, outsize, &o, ZKI_UTF8_REPL, ZKI_UTF8_REPL_LEN);
            in++;
            inleft--;
        }
        if (!ok) {
            rc = ZKBIO_ENOSPC;
            break;
        }
    }
    zki_iconv_close(cd);
    out[o] = '\0';
    return rc;
}

int zkbio_zk_text_encode(const char *s, const char *charset, uint8_t *field, size_t n)
{
    if (!s || !field || n == 0)
        return ZKBIO_EINVAL;
    memset(field, 0, n);
    size_t len = strlen(s), o = 0;
    const unsigned char *u = (const unsigned char *)s;
    zki_iconv_t cd = NULL;
    if (!zki_charset_is_utf8(charset)) {
        cd = zki_iconv_open(charset, "UTF-8");
        if (!cd)
            return ZKBIO_EENCODING;
    }
    for (size_t i = 0; i < len;) {
        size_t k = zki_utf8_seq(u + i, len - i);
        char tmp[16];
        size_t m;
        if (!k) { /* invalid UTF-8 input byte */
            tmp[0] = '?';
            m = 1;
            k = 1;
        } else if (!cd) {
            memcpy(tmp, u + i, k);
            m = k;
        } else {
            char *ip = (char *)(uintptr_t)(u + i), *op = tmp;
            size_t il = k, ol = sizeof(tmp);
            zki_iconv(cd, NULL, NULL, NULL, NULL);
            if (zki_iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il) {
                tmp[0] = '?';
                m = 1;
            } else {
                m = (size_t)(op - tmp);
            }
        }
        if (o + m + 1 > n)
            break;
        memcpy(field + o, tmp, m);
        o += m;
        i += k;
    }
    if (cd)
        zki_iconv_close(cd);
    return ZKBIO_OK;
}
