/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the base64 check the PUSH parser applies to template text (lib/fp/base64.c). */
#ifndef ZKI_BASE64_H
#define ZKI_BASE64_H

#include <stddef.h>

/* 1 when text[0..len) is base64 that zkbio_base64_decode() reads, with or without its '='
 * padding (terminals send both), ignoring whether the unused bits of the last character are zero;
 * 0 for a character outside the alphabet, a length of 4n+1 characters, or misplaced or incomplete
 * padding. The text itself is never changed: it is stored and sent on exactly as it came. */
int zki_base64_valid(const char *text, size_t len);

#endif
