/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: deterministic integer trigonometry (no libm), shared by extraction and matching.
 * Angles: "binary angle" units. A full turn is 256 units in the 8-bit form (ISO minutia angle
 * units, fingerprint.md §4.1) and 65536 in the 16-bit form; angles grow counter-clockwise in a
 * y-up frame, i.e. for image coordinates (y down) pass -dy to zki_atan2. */
#ifndef ZKI_FIXMATH_H
#define ZKI_FIXMATH_H

#include <stdint.h>

/* round(16384 * sin(2 pi i / 256)), i = 0..255. */
extern const int16_t zki_sin256[256];

static inline int32_t zki_sin8(unsigned a)
{
    return zki_sin256[a & 255];
}
static inline int32_t zki_cos8(unsigned a)
{
    return zki_sin256[(a + 64) & 255];
}

/* atan2(y, x) in 16-bit binary angle units (0..65535, 0 = +x axis, counter-clockwise when y is
 * up); (0, 0) gives 0. Error below 0.02 degrees. */
uint16_t zki_atan2(int32_t y, int32_t x);

/* floor(sqrt(v)). */
uint32_t zki_isqrt(uint64_t v);

/* Smallest absolute difference of two 8-bit angles, 0..128. */
static inline int zki_angle_diff8(int a, int b)
{
    int d = (a - b) & 255;
    return d > 128 ? 256 - d : d;
}

/* Smallest absolute difference of two 16-bit angles, 0..32768. */
static inline int zki_angle_diff16(uint16_t a, uint16_t b)
{
    int d = (uint16_t)(a - b);
    return d > 32768 ? 65536 - d : d;
}

#endif /* ZKI_FIXMATH_H */
