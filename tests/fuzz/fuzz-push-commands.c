/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz getrequest replies (device side): frame every parsed command again, re-parse the frame, and
 * run the DATA parser on each command text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_push_commands *c = NULL;
    if (zkbio_push_commands_parse((const char *)data, size, &c) != ZKBIO_OK)
        return 0;
    size_t cap = size * 2 + 64, len = 0;
    char *frame = malloc(cap);
    if (!frame)
        abort();
    size_t framed = 0;
    for (size_t i = 0; i < c->count; i++) {
        const zkbio_push_command *x = &c->cmds[i];
        if (!x->id[0] || strchr(x->id, '\n'))
            abort();
        if (zkbio_push_command_frame(x->id, x->text, frame, cap, &len) == ZKBIO_OK)
            framed++;
        zkbio_push_data_cmd *dc = NULL;
        if (zkbio_push_data_cmd_parse(x->text, strlen(x->text), &dc) == ZKBIO_OK) {
            if ((dc->verb == ZKBIO_PUSH_DATA_UPDATE) != (dc->records != NULL))
                abort();
            zkbio_push_data_cmd_free(dc);
        }
    }
    zkbio_push_commands *again = NULL;
    if (framed && zkbio_push_commands_parse(frame, len, &again) != ZKBIO_OK)
        abort();
    if (again && again->count != framed)
        abort();
    zkbio_push_commands_free(again);
    free(frame);
    zkbio_push_commands_free(c);
    return 0;
}
