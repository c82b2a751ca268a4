/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz ISO 19794-2 / ANSI 378 template import (auto, ISO and ANSI paths) and re-export of what was
 * imported: an imported template must always export, and the export must import again to the same
 * minutiae count. */
#include <stdint.h>
#include <stdlib.h>

#include "zkbio/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(zkbio_template *t, int ansi)
{
    uint8_t buf[2048];
    size_t len = 0;
    int rc = ansi ? zkbio_template_export_ansi(t, buf, sizeof(buf), &len)
                  : zkbio_template_export_iso(t, buf, sizeof(buf), &len);
    if (rc != ZKBIO_OK || len > sizeof(buf))
        abort();
    zkbio_template *u = NULL;
    rc = ansi ? zkbio_template_import_ansi(buf, len, &u, NULL)
              : zkbio_template_import_iso(buf, len, &u, NULL);
    if (rc != ZKBIO_OK || u->count != t->count)
        abort();
    zkbio_template_free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zkbio_template *t = NULL;
    zkbio_error_info err;
    if (zkbio_template_import_auto(data, size, &t, &err) == ZKBIO_OK) {
        check(t, 0);
        check(t, 1);
        zkbio_template_free(t);
    } else if (err.offset > size) {
        abort();
    }
    t = NULL;
    if (zkbio_template_import_iso(data, size, &t, NULL) == ZKBIO_OK) {
        check(t, 1);
        zkbio_template_free(t);
    }
    t = NULL;
    if (zkbio_template_import_ansi(data, size, &t, NULL) == ZKBIO_OK) {
        check(t, 0);
        zkbio_template_free(t);
    }
    return 0;
}
