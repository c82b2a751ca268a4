/* SPDX-License-Identifier: Apache-2.0 */
/* zki_iconv on Windows (internal/iconv.h): UTF-8 <-> one Windows code page, one character at a
 * time so that errors land on the offending byte exactly as iconv(3) reports them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "internal/iconv.h"
#include "internal/utf8.h"

struct zki_iconv {
    UINT cp;         /* the non-UTF-8 side */
    int to_utf8;     /* 1: cp -> UTF-8, 0: UTF-8 -> cp */
    unsigned maxlen; /* longest byte sequence of one character in cp */
};

/* Lower-case with '-', '_', ' ' removed; 0 when it does not fit. */
static int normalize(const char *name, char *n, size_t size)
{
    size_t k = 0;
    for (; *name; name++) {
        char c = *name;
        if (c == '-' || c == '_' || c == ' ')
            continue;
        if (k + 1 >= size)
            return 0;
        n[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    n[k] = '\0';
    return 1;
}

static const struct {
    const char *name;
    UINT cp;
} names[] = {
    {"utf8", CP_UTF8},    {"latin1", 28591},    {"l1", 28591},       {"iso88591", 28591},
    {"iso88592", 28592},  {"iso88593", 28593},  {"iso88594", 28594}, {"iso88595", 28595},
    {"iso88596", 28596},  {"iso88597", 28597},  {"iso88598", 28598}, {"iso88599", 28599},
    {"iso885913", 28603}, {"iso885915", 28605}, {"tis620", 874},     {"gb18030", 54936},
    {"gbk", 936},         {"gb2312", 936},      {"euccn", 936},      {"big5", 950},
    {"shiftjis", 932},    {"sjis", 932},        {"euckr", 949},      {"uhc", 949},
    {"koi8r", 20866},     {"koi8u", 21866},
};

/* The code page of a charset name, 0 when unknown or not installed. */
static UINT codepage_of(const char *name)
{
    char n[32];
    if (!name || !normalize(name, n, sizeof(n)))
        return 0;
    UINT cp = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(n, names[i].name) == 0)
            cp = names[i].cp;
    const char *digits = NULL;
    if (!cp && strncmp(n, "windows", 7) == 0)
        digits = n + 7;
    else if (!cp && strncmp(n, "cp", 2) == 0)
        digits = n + 2;
    if (digits && *digits && strlen(digits) <= 5) {
        char *end;
        unsigned long v = strtoul(digits, &end, 10);
        if (*end == '\0' && v > 0 && v < 65536)
            cp = (UINT)v;
    }
    CPINFO info;
    /* GB18030 is code page 54936 on Windows; Wine 8 lacks it: GBK (936) is its 1-2 byte subset, so
     * everything but the 4-byte sequences still converts there */
    if (cp == 54936 && !GetCPInfo(cp, &info))
        cp = 936;
    if (cp && cp != CP_UTF8 && !GetCPInfo(cp, &info))
        return 0;
    return cp;
}

zki_iconv_t zki_iconv_open(const char *to, const char *from)
{
    UINT t = codepage_of(to), f = codepage_of(from);
    if (!t || !f || (t == CP_UTF8) == (f == CP_UTF8)) {
        errno = EINVAL;
        return NULL;
    }
    struct zki_iconv *cd = malloc(sizeof(*cd));
    if (!cd) {
        errno = ENOMEM;
        return NULL;
    }
    cd->to_utf8 = t == CP_UTF8;
    cd->cp = cd->to_utf8 ? f : t;
    CPINFO info;
    cd->maxlen = GetCPInfo(cd->cp, &info) && info.MaxCharSize > 0 ? info.MaxCharSize : 1;
    if (cd->maxlen > 4)
        cd->maxlen = 4;
    return cd;
}

void zki_iconv_close(zki_iconv_t cd)
{
    free(cd);
}

/* One character of UTF-16 (a unit or a surrogate pair) to UTF-8; its length. */
static size_t utf16_to_utf8(const WCHAR *w, int nw, unsigned char *o)
{
    uint32_t c = w[0];
    if (nw == 2)
        c = 0x10000u + (((uint32_t)w[0] - 0xD800u) << 10) + ((uint32_t)w[1] - 0xDC00u);
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

static int one_char(const WCHAR *w, int nw)
{
    if (nw == 1)
        return w[0] < 0xD800 || w[0] > 0xDFFF;
    return nw == 2 && w[0] >= 0xD800 && w[0] <= 0xDBFF && w[1] >= 0xDC00 && w[1] <= 0xDFFF;
}

/* Whether b may start a multi-byte character of cp (then a short input is incomplete, not invalid).
 */
static int lead_byte(const struct zki_iconv *cd, unsigned char b)
{
    if (cd->maxlen < 2)
        return 0;
    if (cd->cp == 54936) /* GB18030: 2- and 4-byte sequences start with 0x81..0xFE */
        return b >= 0x81 && b <= 0xFE;
    return IsDBCSLeadByteEx(cd->cp, b) != 0;
}

/* Decode one character of cp at p (n bytes available): its UTF-8 in o, *used bytes consumed. */
static int decode_one(const struct zki_iconv *cd, const unsigned char *p, size_t n,
                      unsigned char *o, size_t *olen, size_t *used)
{
    WCHAR w[4];
    for (size_t k = 1; k <= cd->maxlen && k <= n; k++) {
        int nw = MultiByteToWideChar(cd->cp, MB_ERR_INVALID_CHARS, (LPCCH)p, (int)k, w, 4);
        if (nw > 0) {
            if (!one_char(w, nw))
                return EILSEQ;
            *olen = utf16_to_utf8(w, nw, o);
            *used = k;
            return 0;
        }
    }
    return n < cd->maxlen && lead_byte(cd, p[0]) ? EINVAL : EILSEQ;
}

/* Encode the UTF-8 character at p (n bytes available) in cp: bytes in o, *used input bytes. */
static int encode_one(const struct zki_iconv *cd, const unsigned char *p, size_t n,
                      unsigned char *o, size_t *olen, size_t *used)
{
    size_t k = zki_utf8_seq(p, n);
    if (!k) {
        unsigned need = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 1;
        return n < need && p[0] >= 0xC2 && p[0] <= 0xF4 ? EINVAL : EILSEQ;
    }
    WCHAR w[4];
    int nw = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, (LPCCH)p, (int)k, w, 4);
    if (nw <= 0)
        return EILSEQ;
    /* GB18030 and the UTF code pages refuse the default-character arguments (they map everything)
     */
    int exact = cd->cp != 54936 && cd->cp < 65000;
    BOOL defaulted = FALSE;
    int m = WideCharToMultiByte(cd->cp, exact ? WC_NO_BEST_FIT_CHARS : 0, w, nw, (LPSTR)o, 8, NULL,
                                exact ? &defaulted : NULL);
    if (m <= 0 || defaulted)
        return EILSEQ;
    *olen = (size_t)m;
    *used = k;
    return 0;
}

size_t zki_iconv(zki_iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft)
{
    if (!cd) {
        errno = EBADF;
        return (size_t)-1;
    }
    if (!in || !*in)
        return 0; /* reset: no shift state */
    while (*inleft > 0) {
        unsigned char tmp[16];
        size_t olen = 0, used = 0;
        const unsigned char *p = (const unsigned char *)*in;
        int err = cd->to_utf8 ? decode_one(cd, p, *inleft, tmp, &olen, &used)
                              : encode_one(cd, p, *inleft, tmp, &olen, &used);
        if (err) {
            errno = err;
            return (size_t)-1;
        }
        if (olen > *outleft) {
            errno = E2BIG;
            return (size_t)-1;
        }
        memcpy(*out, tmp, olen);
        *out += olen;
        *outleft -= olen;
        *in += used;
        *inleft -= used;
    }
    return 0;
}
