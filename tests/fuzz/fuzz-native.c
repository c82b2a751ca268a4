/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz native template import ("ZKBT", template.h, versions 1 and 2 with orientation fields) and
 * import_any: a failure is a negative zkbio code with an offset inside the input; an imported
 * template exports to a record of at most ZKBIO_NATIVE_MAX bytes - exactly the bytes read for a
 * version 2 record - that imports to the same template (fields included) and exports again to
 * identical bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "zkbio/template.h"

/* CRC-32 as the native record uses it (IEEE 802.3, zlib's crc32()), from zlib itself: an oracle
 * independent of the library's own code, to forge records with a valid CRC. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(0L, p, (uInt)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_field(const zkbio_ofield *a, const zkbio_ofield *b)
{
    if (a->x0 != b->x0 || a->y0 != b->y0 || a->cols != b->cols || a->rows != b->rows ||
        !a->cells != !b->cells)
        return 0;
    return !a->cells || memcmp(a->cells, b->cells, (size_t)a->cols * a->rows) == 0;
}

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
    for (unsigned v = 0; v < ZKBIO_TEMPLATE_VIEWS_MAX; v++)
        if (!same_field(&a->ofield[v], &b->ofield[v]))
            return 0;
    return 1;
}

/* Import data[0..size) as a native record and check the properties above. */
static void check_native(const uint8_t *data, size_t size)
{
    zkbio_template *t = NULL;
    zkbio_error_info err;
    int rc = zkbio_template_import_native(data, size, &t, &err);
    if (rc != ZKBIO_OK) {
        if (rc >= 0 || t != NULL || err.code != rc || err.offset > size)
            abort();
        return;
    }
    uint8_t buf[ZKBIO_NATIVE_MAX], again[ZKBIO_NATIVE_MAX];
    size_t len = 0, len2 = 0;
    if (zkbio_template_export_native(t, buf, sizeof(buf), &len) != ZKBIO_OK ||
        len > ZKBIO_NATIVE_MAX)
        abort();
    /* version 2 is canonical: the same bytes; version 1 gains empty field blocks */
    if (data[4] >= 2 ? len > size || memcmp(buf, data, len) != 0
                     : len > size + 4u * t->view_count || memcmp(buf + 5, data + 5, 9) != 0)
        abort();
    zkbio_template *u = NULL;
    if (zkbio_template_import_native(buf, len, &u, NULL) != ZKBIO_OK || !same(t, u))
        abort();
    if (zkbio_template_export_native(u, again, sizeof(again), &len2) != ZKBIO_OK || len2 != len ||
        memcmp(again, buf, len) != 0)
        abort();
    zkbio_template_free(u);
    zkbio_template_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_native(data, size);
    /* the same input as a whole record with a valid CRC in its last 4 bytes, so that mutations
     * reach the checks after the CRC (header, minutiae, orientation fields) */
    if (size >= 18 && size <= 4 * ZKBIO_NATIVE_MAX) {
        uint8_t *copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        uint32_t c = crc32_ieee(copy, size - 4);
        for (int i = 0; i < 4; i++)
            copy[size - 4 + i] = (uint8_t)(c >> (8 * i));
        check_native(copy, size);
        free(copy);
    }
    zkbio_template *t = NULL;
    zkbio_error_info err;
    int rc = zkbio_template_import_any(data, size, &t, &err);
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
