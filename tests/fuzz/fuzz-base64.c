/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz base64 (template.h): the input as text must decode to bytes that encode back to the input
 * without its whitespace (with padding added when it had none), or be rejected with ZKBIO_EPROTO;
 * the input as bytes must encode and decode back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    size_t need = 0;
    int rc = zkbio_base64_decode((const char *)data, size, NULL, 0, &need);
    if (rc != ZKBIO_OK && rc != ZKBIO_ENOSPC && rc != ZKBIO_EPROTO)
        abort();
    if (rc != ZKBIO_EPROTO) {
        uint8_t *dec = malloc(need + 1);
        char *enc = malloc(need / 3 * 4 + 5);
        char *clean = malloc(size + 4);
        if (!dec || !enc || !clean)
            abort();
        size_t n = 0, m = 0, k = 0;
        if (zkbio_base64_decode((const char *)data, size, dec, need, &n) != ZKBIO_OK || n != need)
            abort();
        if (zkbio_base64_encode(dec, n, enc, need / 3 * 4 + 5, &m) != ZKBIO_OK ||
            m != (n + 2) / 3 * 4 || enc[m] != '\0')
            abort();
        for (size_t i = 0; i < size; i++)
            if (!is_space(data[i]))
                clean[k++] = (char)data[i];
        while (k % 4)
            clean[k++] = '=';
        if (k != m || memcmp(clean, enc, m) != 0)
            abort();
        free(dec);
        free(enc);
        free(clean);
    }

    size_t elen = (size + 2) / 3 * 4;
    char *enc = malloc(elen + 1);
    uint8_t *dec = malloc(size + 1);
    if (!enc || !dec)
        abort();
    size_t m = 0, n = 0;
    if (zkbio_base64_encode(data, size, enc, elen + 1, &m) != ZKBIO_OK || m != elen ||
        zkbio_base64_decode(enc, m, dec, size, &n) != ZKBIO_OK || n != size ||
        memcmp(dec, data, size) != 0)
        abort();
    free(enc);
    free(dec);
    return 0;
}
