/* SPDX-License-Identifier: Apache-2.0 */
/* Private: what the iconv-based text decoders of the PUSH codec (lib/push/text.c) and the 4370
 * codec (lib/zk4370/text.c) share: which charset names mean UTF-8 (no iconv needed) and the
 * replacement character an undecodable byte becomes. */
#ifndef ZKI_CHARSET_H
#define ZKI_CHARSET_H

#include <stddef.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8: what an invalid or undecodable input byte becomes. */
#define ZKI_UTF8_REPL     "\xEF\xBF\xBD"
#define ZKI_UTF8_REPL_LEN 3

/* 1 when the charset name means UTF-8 ("UTF-8", "utf8", "UTF_8"... in any case) or is NULL or
 * empty (the default), 0 for any other name. */
static inline int zki_charset_is_utf8(const char *cs)
{
    if (!cs || !*cs)
        return 1;
    char n[8];
    size_t k = 0;
    for (; *cs && k < sizeof(n) - 1; cs++) {
        if (*cs == '-' || *cs == '_')
            continue;
        n[k++] = (char)(*cs >= 'A' && *cs <= 'Z' ? *cs - 'A' + 'a' : *cs);
    }
    if (*cs)
        return 0;
    n[k] = '\0';
    return strcmp(n, "utf8") == 0;
}

#endif
