/* SPDX-License-Identifier: Apache-2.0 */
/* Base64, RFC 4648 §4 (standard alphabet, '=' padding optional on input), for templates in text
 * columns, JSON and PUSH uploads. */
#include <stdbool.h>

#include "internal/base64.h"
#include "zkbio/base64.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int zkbio_base64_encode(const uint8_t *data, size_t len, char *buf, size_t size, size_t *out_len)
{
    if ((!data && len > 0) || (!buf && size > 0))
        return ZKBIO_EINVAL;
    if (len > (SIZE_MAX - 1) / 4 * 3 - 2)
        return ZKBIO_EINVAL;
    size_t need = (len + 2) / 3 * 4;
    if (out_len)
        *out_len = need;
    if (size < need + 1)
        return ZKBIO_ENOSPC;
    char *o = buf;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = b64_alphabet[(v >> 6) & 63];
        *o++ = b64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return ZKBIO_OK;
}

/* 0..63 for an alphabet character, -1 for '=', -2 for ASCII whitespace, -3 otherwise. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    if (c == '=')
        return -1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
        return -2;
    return -3;
}

/* One pass over the text; writes to out only when it is not NULL. With `canonical`, the unused
 * bits of the last character must be zero (RFC 4648 §3.5). Returns ZKBIO_OK with the decoded
 * length in *n, or ZKBIO_EPROTO. */
static int b64_pass(const char *text, size_t len, int canonical, uint8_t *out, size_t *n)
{
    size_t digits = 0, pads = 0, o = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)text[i]);
        if (v == -2)
            continue;
        if (v == -3)
            return ZKBIO_EPROTO;
        if (v == -1) {
            /* padding only completes a group of 2 or 3 characters */
            if (digits % 4 < 2 || (digits + pads) % 4 == 0)
                return ZKBIO_EPROTO;
            pads++;
            continue;
        }
        if (pads)
            return ZKBIO_EPROTO; /* data after padding */
        acc = acc << 6 | (uint32_t)v;
        digits++;
        if (digits % 4 == 0) {
            if (out) {
                out[o] = (uint8_t)(acc >> 16);
                out[o + 1] = (uint8_t)(acc >> 8);
                out[o + 2] = (uint8_t)acc;
            }
            o += 3;
            acc = 0;
        }
    }
    size_t rest = digits % 4;
    if (rest == 1)
        return ZKBIO_EPROTO;
    if (pads && (rest + pads) != 4)
        return ZKBIO_EPROTO; /* incomplete padding */
    if (rest == 2) {
        if (canonical && (acc & 0x0F))
            return ZKBIO_EPROTO; /* non-zero bits after the last byte: not canonical */
        if (out)
            out[o] = (uint8_t)(acc >> 4);
        o += 1;
    } else if (rest == 3) {
        if (canonical && (acc & 0x03))
            return ZKBIO_EPROTO;
        if (out) {
            out[o] = (uint8_t)(acc >> 10);
            out[o + 1] = (uint8_t)(acc >> 2);
        }
        o += 2;
    }
    *n = o;
    return ZKBIO_OK;
}

int zki_base64_valid(const char *text, size_t len)
{
    size_t n;
    return b64_pass(text, len, 0, NULL, &n) == ZKBIO_OK;
}

int zkbio_base64_decode(const char *text, size_t len, uint8_t *buf, size_t size, size_t *out_len)
{
    if ((!text && len > 0) || (!buf && size > 0) || !out_len)
        return ZKBIO_EINVAL;
    size_t n;
    int rc = b64_pass(text, len, 1, NULL, &n);
    if (rc != ZKBIO_OK)
        return rc;
    *out_len = n;
    if (size < n)
        return ZKBIO_ENOSPC;
    return n ? b64_pass(text, len, 1, buf, &n) : ZKBIO_OK;
}
