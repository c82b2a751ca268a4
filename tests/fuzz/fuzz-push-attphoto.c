/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the ATTPHOTO splitter: the photo must lie inside the body, the name must be safe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[128];
    size_t off = 0, len = 0;
    if (size == 0)
        return 0;
    if (zkbio_push_attphoto_parse((const char *)data, size, name, sizeof(name), &off, &len) !=
        ZKBIO_OK)
        return 0;
    if (off > size || len > size - off || !name[0] || strchr(name, '/') || strchr(name, '\\'))
        abort();
    return 0;
}
