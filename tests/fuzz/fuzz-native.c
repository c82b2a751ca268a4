/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz native template import ("ZKBT", template.h) and import_any: a failure is a negative zkbio
 * code with an offset inside the input; an imported template exports again to exactly the bytes of
 * the record read, and those bytes import to the same template. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const zkbio_template *a, const zkbio_template *b)
{
    if (a->count != b->count || a->view_count != b->view_count || a->width != b->width ||
        a->height != b->height || a->finger_quality != b->finger_quality ||
        a->finger_position != b->finger_position)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        const zkbio_minutia *x = &a->minutiae[i], *y = &b->minutiae[i];
        if (x->x != y->x || x->y != y->y || x->angle != y->angle || x->type != y->type ||
            x->quality != y->quality || x->view != y->view)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_template *t = NULL;
    zkbio_error_info err;
    int rc = zkbio_template_import_native(data, size, &t, &err);
    if (rc != ZKBIO_OK) {
        if (rc >= 0 || t != NULL || err.code != rc || err.offset > size)
            abort();
    } else {
        uint8_t buf[ZKBIO_NATIVE_MAX];
        size_t len = 0;
        if (zkbio_template_export_native(t, buf, sizeof(buf), &len) != ZKBIO_OK ||
            len > ZKBIO_NATIVE_MAX || len > size || memcmp(buf, data, len) != 0)
            abort();
        zkbio_template *u = NULL;
        if (zkbio_template_import_native(buf, len, &u, NULL) != ZKBIO_OK || !same(t, u))
            abort();
        zkbio_template_free(u);
        zkbio_template_free(t);
    }
    t = NULL;
    rc = zkbio_template_import_any(data, size, &t, &err);
    if (rc == ZKBIO_OK) {
        /* whatever was read (native, ISO or ANSI) has a native form */
        uint8_t buf[ZKBIO_NATIVE_MAX];
        size_t len = 0;
        if (zkbio_template_export_native(t, buf, sizeof(buf), &len) != ZKBIO_OK)
            abort();
        zkbio_template_free(t);
    } else if (rc >= 0 || t != NULL || err.offset > size) {
        abort();
    }
    return 0;
}
