/* SPDX-License-Identifier: Apache-2.0 */
/* Fingerprint-engine test helpers (header only): a template file read and imported. */
#ifndef ZKBIO_TEST_FP_TEST_H
#define ZKBIO_TEST_FP_TEST_H

#include <stdint.h>
#include <stdio.h>

#include "zkbio/template.h"

/* The template in file `path` (ISO, ANSI or native, at most 4,096 bytes), imported with
 * zkbio_template_import_auto(); caller-owned (zkbio_template_free). NULL when the file cannot be
 * read or does not import. */
static inline zkbio_template *test_load_template(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t buf[4096];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    zkbio_template *t = NULL;
    if (zkbio_template_import_auto(buf, len, &t, NULL) != ZKBIO_OK)
        return NULL;
    return t;
}

#endif
