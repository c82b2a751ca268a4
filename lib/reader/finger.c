/* SPDX-License-Identifier: Apache-2.0 */
/* Finger presence from image content (fingerprint.md §2.3: the ZK4500 protocol has no finger
 * flag, so the host judges the frame). A frame holds a finger when enough 16x16 blocks show ridge
 * contrast: a grey-level standard deviation of at least FINGER_BLOCK_STD over a block that is not
 * saturated. An empty optical sensor gives a flat or smoothly shaded frame (low deviation), sensor
 * noise alone stays well below the threshold, and even a small fingertip covers 10 % of a frame. */
#include "reader/backend.h"

#define FINGER_BLOCK        16
#define FINGER_BLOCK_STD    14 /* grey levels */
#define FINGER_AREA_PERCENT 10 /* of the blocks */

int zki_finger_in_image(const uint8_t *px, uint32_t width, uint32_t height, uint32_t stride)
{
    uint32_t bw = width / FINGER_BLOCK, bh = height / FINGER_BLOCK;
    if (bw == 0 || bh == 0)
        return 0;
    uint32_t ridge = 0;
    for (uint32_t by = 0; by < bh; by++)
        for (uint32_t bx = 0; bx < bw; bx++) {
            uint64_t sum = 0, sq = 0;
            for (uint32_t y = 0; y < FINGER_BLOCK; y++) {
                const uint8_t *row =
                    px + (size_t)(by * FINGER_BLOCK + y) * stride + (size_t)bx * FINGER_BLOCK;
                for (uint32_t x = 0; x < FINGER_BLOCK; x++) {
                    sum += row[x];
                    sq += (uint32_t)row[x] * row[x];
                }
            }
            const uint64_t n = FINGER_BLOCK * FINGER_BLOCK;
            /* variance * n^2 = n * sq - sum^2, compared without division */
            uint64_t var_n2 = n * sq - sum * sum;
            uint64_t mean = sum / n;
            if (mean > 8 && mean < 247 &&
                var_n2 >= (uint64_t)FINGER_BLOCK_STD * FINGER_BLOCK_STD * n * n)
                ridge++;
        }
    return (uint64_t)ridge * 100 >= (uint64_t)bw * bh * FINGER_AREA_PERCENT;
}
