/* SPDX-License-Identifier: Apache-2.0 */
/* Private: hexadecimal digits. */
#ifndef ZKI_HEX_H
#define ZKI_HEX_H

/* 0..15 for a hex digit (either case), -1 otherwise. */
static inline int zki_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
