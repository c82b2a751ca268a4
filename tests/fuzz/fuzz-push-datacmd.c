/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz DATA UPDATE|DELETE|QUERY parsing (device side); format every parsed record as a command
 * again and check that it parses back to the same record kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void back(const char *buf, size_t len, zkbio_push_rec_type expect)
{
    zkbio_push_data_cmd *dc = NULL;
    if (zkbio_push_data_cmd_parse(buf, len, &dc) != ZKBIO_OK)
        abort();
    if (dc->records->count != 1 || dc->records->records[0].type != expect)
        abort();
    zkbio_push_data_cmd_free(dc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_push_data_cmd *dc = NULL;
    if (zkbio_push_data_cmd_parse((const char *)data, size, &dc) != ZKBIO_OK)
        return 0;
    char buf[8192];
    size_t len;
    if (dc->records) {
        for (size_t i = 0; i < dc->records->count; i++) {
            const zkbio_push_record *r = &dc->records->records[i];
            switch (r->type) {
            case ZKBIO_PUSH_REC_USER:
                if (zkbio_push_cmd_user_update(&r->u.user, 0, buf, sizeof(buf), &len) == ZKBIO_OK)
                    back(buf, len, ZKBIO_PUSH_REC_USER);
                break;
            case ZKBIO_PUSH_REC_FP:
            case ZKBIO_PUSH_REC_FACE:
            case ZKBIO_PUSH_REC_FVEIN:
            case ZKBIO_PUSH_REC_BIODATA:
                if (r->type != ZKBIO_PUSH_REC_BIODATA || r->u.tmpl.type >= 0) {
                    zkbio_push_data_table t = dc->table;
                    if (zkbio_push_cmd_template_update(t, &r->u.tmpl, buf, sizeof(buf), &len) ==
                        ZKBIO_OK)
                        back(buf, len, r->type);
                }
                break;
            case ZKBIO_PUSH_REC_USERPIC:
            case ZKBIO_PUSH_REC_BIOPHOTO:
                if (zkbio_push_cmd_photo_update(dc->table, &r->u.photo, buf, sizeof(buf), &len) ==
                    ZKBIO_OK)
                    back(buf, len, r->type);
                break;
            default:
                abort(); /* DATA UPDATE only yields the kinds above */
            }
        }
    } else if (dc->cond) {
        const char *pin = zkbio_push_kvlist_get(dc->cond, "PIN");
        if (pin)
            (void)zkbio_push_cmd_delete(dc->table, pin, -1, -1, buf, sizeof(buf), &len);
        (void)zkbio_push_cmd_query(dc->table, pin, zkbio_push_kvlist_get(dc->cond, "StartTime"),
                                   zkbio_push_kvlist_get(dc->cond, "EndTime"), 1, 0, buf,
                                   sizeof(buf), &len);
    } else {
        abort();
    }
    zkbio_push_data_cmd_free(dc);
    return 0;
}
