/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the table=options parser; every key must be found again by kvlist_get. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_push_kvlist *kv = NULL;
    if (zkbio_push_options_parse((const char *)data, size, &kv) != ZKBIO_OK)
        return 0;
    for (size_t i = 0; i < kv->count; i++) {
        if (!kv->keys[i][0] || !zkbio_push_kvlist_get(kv, kv->keys[i]))
            abort();
        char buf[256];
        size_t len;
        (void)zkbio_push_cmd_set_option(kv->keys[i], kv->values[i], buf, sizeof(buf), &len);
    }
    zkbio_push_kvlist_free(kv);
    return 0;
}
