/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers shared by the 4370 codec, client and emulator (lib/zk4370/). Not installed. */
#ifndef ZKI_ZK4370_H
#define ZKI_ZK4370_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/zk4370.h"

/* Copy a NUL-padded field as plain ASCII-ish text (PINs, passwords): stops at NUL, drops control
 * bytes, out always terminated. */
void zki_zk_field_copy(const uint8_t *p, size_t n, char *out, size_t outsize);
/* Decimal u32; 0 on success, -1 when not a number or out of range. Empty is -1. */
int zki_zk_parse_u32(const char *s, uint32_t *out);

#endif /* ZKI_ZK4370_H */
