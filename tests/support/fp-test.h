/* SPDX-License-Identifier: Apache-2.0 */
/* Fingerprint-engine test helpers (header only): the files of a test data folder, a file's bytes,
 * a template file read and imported. */
#ifndef ZKBIO_TEST_FP_TEST_H
#define ZKBIO_TEST_FP_TEST_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/template.h"

/* The files of `dir` whose names end in `ext`, as "dir/name" strings sorted by name (so ids
 * given in that order are the same on every run), at most `max`, into out[0..n); each string is
 * caller-owned (free). Returns n (0 when the folder cannot be read). */
static inline size_t test_list_files(const char *dir, const char *ext, char **out, size_t max)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0, el = strlen(ext);
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l > el && strcmp(e->d_name + l - el, ext) == 0) {
            size_t sz = strlen(dir) + l + 2;
            out[n] = malloc(sz);
            if (out[n])
                snprintf(out[n++], sz, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(out[j], out[j - 1]) < 0; j--) {
            char *t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* The first `size` bytes at most of file `path` into buf; their count, or 0 when the file cannot
 * be opened. */
static inline size_t test_read_file(const char *path, uint8_t *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t len = fread(buf, 1, size, f);
    fclose(f);
    return len;
}

/* The template in file `path` (ISO, ANSI or native, at most 4,096 bytes), imported with
 * zkbio_template_import_auto(); caller-owned (zkbio_template_free). NULL when the file cannot be
 * read or does not import. */
static inline zkbio_template *test_load_template(const char *path)
{
    uint8_t buf[4096];
    size_t len = test_read_file(path, buf, sizeof(buf));
    zkbio_template *t = NULL;
    if (zkbio_template_import_auto(buf, len, &t, NULL) != ZKBIO_OK)
        return NULL;
    return t;
}

#endif
