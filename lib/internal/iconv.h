/* SPDX-License-Identifier: Apache-2.0 */
/* Private: character-set conversion for the text decoders of the PUSH codec (lib/push/text.c) and
 * the 4370 codec (lib/zk4370/text.c), with iconv(3)'s calling convention:
 *   zki_iconv_open(to, from): a converter, or NULL (errno EINVAL) when a charset is unknown;
 *   zki_iconv(cd, &in, &inleft, &out, &outleft): converts, advancing the pointers; (size_t)-1 with
 *     errno EILSEQ (invalid input), EINVAL (incomplete sequence at the end) or E2BIG (output full);
 *     in == NULL resets the (stateless) converter;
 *   zki_iconv_close(cd).
 * POSIX: iconv(3) itself (glibc, libiconv). Windows: mingw has no iconv, so iconv_win32.c converts
 * between UTF-8 and one Windows code page (MultiByteToWideChar/WideCharToMultiByte); exactly one
 * side must be UTF-8, which is how both codecs use it. Names it knows: latin1/ISO-8859-n, CP125n
 * and windows-125n, CP874/TIS-620, GB18030, GBK/GB2312/CP936, BIG5/CP950, SHIFT_JIS/CP932,
 * EUC-KR/CP949, KOI8-R, KOI8-U, and CPnnn for any other installed code page.
 * Thread-safety: a converter is used by one thread at a time; distinct converters are independent.
 */
#ifndef ZKI_ICONV_H
#define ZKI_ICONV_H

#include <stddef.h>

#ifdef _WIN32

typedef struct zki_iconv *zki_iconv_t;
zki_iconv_t zki_iconv_open(const char *to, const char *from);
size_t zki_iconv(zki_iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft);
void zki_iconv_close(zki_iconv_t cd);

#else

#include <iconv.h>

typedef iconv_t zki_iconv_t;

static inline zki_iconv_t zki_iconv_open(const char *to, const char *from)
{
    iconv_t cd = iconv_open(to, from);
    return cd == (iconv_t)-1 ? NULL : cd;
}

static inline size_t zki_iconv(zki_iconv_t cd, char **in, size_t *inleft, char **out,
                               size_t *outleft)
{
    return iconv(cd, in, inleft, out, outleft);
}

static inline void zki_iconv_close(zki_iconv_t cd)
{
    iconv_close(cd);
}

#endif

#endif
