/* SPDX-License-Identifier: Apache-2.0 */
/* Private: UTF-8 validation shared by the PUSH and 4370 text decoders (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
#ifndef ZKI_UTF8_H
#define ZKI_UTF8_H

#include <stddef.h>

/* Length (1..4) of the valid UTF-8 sequence at p, which has n >= 1 bytes left, or 0 when the
 * bytes there are not one (invalid lead byte, bad continuation, overlong, surrogate, cut short). */
static inline size_t zki_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

#endif /* ZKI_UTF8_H */
