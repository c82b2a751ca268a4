/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the positional INFO parser (push.md §4.1) on raw bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_push_info in;
    if (zkbio_push_info_parse((const char *)data, size, &in) != ZKBIO_OK)
        abort();
    if (strlen(in.firmware) >= sizeof(in.firmware) || strlen(in.ip) >= sizeof(in.ip) ||
        strlen(in.function_bits) >= sizeof(in.function_bits))
        abort();
    return 0;
}
