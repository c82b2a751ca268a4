/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz devicecmd result bodies; re-format each result and parse it back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_push_cmd_results *r = NULL;
    if (zkbio_push_devicecmd_parse((const char *)data, size, &r) != ZKBIO_OK)
        return 0;
    for (size_t i = 0; i < r->count; i++) {
        const zkbio_push_cmd_result *x = &r->results[i];
        if (!x->id[0])
            abort();
        if (x->content && x->content_len > size)
            abort();
        for (size_t k = 0; k < x->extra.count; k++)
            if (!x->extra.keys[k] || !x->extra.values[k])
                abort();
        char buf[512];
        size_t len;
        if (zkbio_push_cmd_result_format(x->id, x->ret, x->cmd, buf, sizeof(buf), &len) ==
            ZKBIO_OK) {
            zkbio_push_cmd_results *back = NULL;
            if (zkbio_push_devicecmd_parse(buf, len, &back) != ZKBIO_OK)
                abort();
            if (back->count == 1 && back->results[0].ret != x->ret)
                abort();
            zkbio_push_cmd_results_free(back);
        }
    }
    zkbio_push_cmd_results_free(r);
    return 0;
}
