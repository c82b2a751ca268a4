/* SPDX-License-Identifier: Apache-2.0 */
/* Sim `dir:` playlists: the folder's regular, non-hidden files in name order; PGM read natively,
 * other formats through the caller's loader hook (so libzkbio itself needs no libpng/libtiff). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reader/sim.h"

/* Largest playlist file read, bytes. */
#define SIM_FILE_MAX ((size_t)64 << 20)

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void zki_sim_dir_free(char **files, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(files[i]);
    free(files);
}

int zki_sim_dir_scan(const char *path, char ***files, size_t *count)
{
    DIR *d = opendir(path);
    if (!d)
        return ZKBIO_EIO;
    char **v = NULL;
    size_t n = 0, cap = 0;
    int rc = ZKBIO_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        size_t len = strlen(path) + 1 + strlen(de->d_name) + 1;
        char *full = malloc(len);
        if (!full) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        snprintf(full, len, "%s/%s", path, de->d_name);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(full);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(v, cap * sizeof(*nv));
            if (!nv) {
                free(full);
                rc = ZKBIO_ENOMEM;
                break;
            }
            v = nv;
        }
        v[n++] = full;
    }
    closedir(d);
    if (rc != ZKBIO_OK) {
        zki_sim_dir_free(v, n);
        return rc;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_str);
    *files = v;
    *count = n;
    return ZKBIO_OK;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ZKBIO_EIO;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = ZKBIO_OK;
    for (;;) {
        if (n == cap) {
            if (cap >= SIM_FILE_MAX) {
                rc = ZKBIO_ETOOBIG;
                break;
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                rc = ZKBIO_ENOMEM;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = ZKBIO_EIO;
            break;
        }
    }
    fclose(f);
    if (rc != ZKBIO_OK) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return ZKBIO_OK;
}

int zki_sim_dir_load(const char *path, zkbio_reader_image_loader loader, zkbio_image **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ZKBIO_EIO;
    char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    if (got == 2 && magic[0] == 'P' && magic[1] == '5') {
        uint8_t *data;
        size_t len;
        int rc = read_file(path, &data, &len);
        if (rc != ZKBIO_OK)
            return rc;
        rc = zki_pgm_parse(data, len, 500, out);
        free(data);
        return rc;
    }
    if (!loader)
        return ZKBIO_ENOTSUP;
    zkbio_image *img = NULL;
    int rc = loader(path, 500, &img);
    if (rc == ZKBIO_OK && !img)
        rc = ZKBIO_EIO;
    if (rc == ZKBIO_OK)
        *out = img;
    return rc;
}
