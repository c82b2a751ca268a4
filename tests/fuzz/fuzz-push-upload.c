/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz zkbio_push_upload_parse for one table (FUZZ_TABLE, set by meson) and run the device-side
 * formatters on every parsed record. A first byte 0x01 selects GB18030 text (the iconv path), 0x02
 * BIG5; otherwise UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

#ifndef FUZZ_TABLE
#define FUZZ_TABLE ZKBIO_PUSH_TABLE_OPERLOG
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static void reformat(const zkbio_push_record *r)
{
    char buf[512];
    size_t len = 0;
    int rc = ZKBIO_OK;
    switch (r->type) {
    case ZKBIO_PUSH_REC_ATTLOG:
        check(r->u.attlog.pin[0] != '\0' && strlen(r->u.attlog.time) == 19);
        rc = zkbio_push_attlog_format(&r->u.attlog, buf, sizeof(buf), &len);
        break;
    case ZKBIO_PUSH_REC_OPLOG:
        rc = zkbio_push_oplog_format(&r->u.oplog, buf, sizeof(buf), &len);
        break;
    case ZKBIO_PUSH_REC_USER:
        rc = zkbio_push_user_format(&r->u.user, buf, sizeof(buf), &len);
        if (rc == ZKBIO_OK || rc == ZKBIO_ENOSPC)
            rc = zkbio_push_cmd_user_update(&r->u.user, 0, buf, sizeof(buf), &len);
        break;
    case ZKBIO_PUSH_REC_FP:
    case ZKBIO_PUSH_REC_FACE:
    case ZKBIO_PUSH_REC_FVEIN:
    case ZKBIO_PUSH_REC_BIODATA:
        check(r->u.tmpl.tmp[0] != '\0');
        rc = zkbio_push_template_format(r->type, &r->u.tmpl, buf, sizeof(buf), &len);
        if (r->type == ZKBIO_PUSH_REC_BIODATA && r->u.tmpl.type < 0)
            check(rc == ZKBIO_EINVAL);
        else if (rc == ZKBIO_EINVAL)
            abort();
        break;
    case ZKBIO_PUSH_REC_USERPIC:
    case ZKBIO_PUSH_REC_BIOPHOTO:
        rc = zkbio_push_photo_format(r->type, &r->u.photo, buf, sizeof(buf), &len);
        check(rc != ZKBIO_EINVAL);
        break;
    default:
        return;
    }
    /* a parsed record always formats (or only lacks room) */
    if (r->type != ZKBIO_PUSH_REC_BIODATA)
        check(rc == ZKBIO_OK || rc == ZKBIO_ENOSPC);
    if (rc == ZKBIO_OK)
        check(strlen(buf) == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *charset = NULL;
    if (size > 0 && data[0] == 0x01)
        charset = "GB18030";
    else if (size > 0 && data[0] == 0x02)
        charset = "BIG5";
    if (charset) {
        data++;
        size--;
    }
    zkbio_push_batch *b = NULL;
    int rc = zkbio_push_upload_parse(FUZZ_TABLE, (const char *)data, size, charset, 0, &b);
    if (rc != ZKBIO_OK) {
        check(b == NULL);
        return 0;
    }
    check(b->n_malformed <= size + 1);
    for (size_t i = 0; i < b->count; i++)
        reformat(&b->records[i]);
    zkbio_push_batch_free(b);
    /* a record limit either succeeds or reports ETOOBIG */
    rc = zkbio_push_upload_parse(FUZZ_TABLE, (const char *)data, size, charset, 2, &b);
    check(rc == ZKBIO_OK || rc == ZKBIO_ETOOBIG);
    zkbio_push_batch_free(b);
    return 0;
}
