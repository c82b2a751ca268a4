/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in for ZKTeco's libzkfp.so, built by the test suite: the ZKFPM_* functions the zkfp
 * backend uses, with the contract of the shared reference fingerprint.md §1.3-§1.5 (written from
 * that description; no vendor code). It serves the binary PGM files of $ZKFP_STUB_DIR in name order
 * (all of one size), answering -8 (no finger) twice before each, then -8 for ever. Test hooks:
 * zkfp_stub_set_devices(n), zkfp_stub_fail_next(code), zkfp_stub_last_param(&code, &value). */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STUB_MAX_FILES 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int inited, devices = 1, opened, fail_next, no_finger_left = 2;
static char *files[STUB_MAX_FILES];
static int nfiles, next_file;
static unsigned width, height;
static int last_code, last_value;
static char handle_token;

/* Exported test hooks (the backend never calls them). */
void zkfp_stub_set_devices(int n);
void zkfp_stub_fail_next(int code);
void zkfp_stub_last_param(int *code, int *value);
int ZKFPM_Init(void);
int ZKFPM_Terminate(void);
int ZKFPM_GetDeviceCount(void);
void *ZKFPM_OpenDevice(int index);
int ZKFPM_CloseDevice(void *h);
int ZKFPM_GetParameters(void *h, int code, unsigned char *buf, unsigned int *len);
int ZKFPM_SetParameters(void *h, int code, unsigned char *buf, unsigned int len);
int ZKFPM_AcquireFingerprintImage(void *h, unsigned char *img, unsigned int size);

void zkfp_stub_set_devices(int n)
{
    pthread_mutex_lock(&lock);
    devices = n;
    pthread_mutex_unlock(&lock);
}

void zkfp_stub_fail_next(int code)
{
    pthread_mutex_lock(&lock);
    fail_next = code;
    pthread_mutex_unlock(&lock);
}

void zkfp_stub_last_param(int *code, int *value)
{
    pthread_mutex_lock(&lock);
    *code = last_code;
    *value = last_value;
    pthread_mutex_unlock(&lock);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a PGM header: width, height; returns the pixel offset or -1. */
static long pgm_header(FILE *f, unsigned *w, unsigned *h)
{
    unsigned maxval;
    if (fscanf(f, "P5 %u %u %u", w, h, &maxval) != 3 || maxval != 255 || fgetc(f) == EOF)
        return -1;
    return ftell(f);
}

int ZKFPM_Init(void)
{
    pthread_mutex_lock(&lock);
    int rc = inited ? 1 : 0;
    if (!inited) {
        const char *dir = getenv("ZKFP_STUB_DIR");
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL && nfiles < STUB_MAX_FILES) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".pgm") != 0)
                continue;
            char *p = malloc(strlen(dir) + n + 2);
            if (!p)
                break;
            sprintf(p, "%s/%s", dir, de->d_name);
            files[nfiles++] = p;
        }
        if (d)
            closedir(d);
        qsort(files, (size_t)nfiles, sizeof(files[0]), cmp);
        width = 300;
        height = 400;
        FILE *f = nfiles ? fopen(files[0], "rb") : NULL;
        if (f) {
            pgm_header(f, &width, &height);
            fclose(f);
        }
        inited = 1;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int ZKFPM_Terminate(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nfiles; i++)
        free(files[i]);
    nfiles = next_file = 0;
    inited = 0;
    pthread_mutex_unlock(&lock);
    return 0;
}

int ZKFPM_GetDeviceCount(void)
{
    pthread_mutex_lock(&lock);
    int n = inited ? devices : -24;
    pthread_mutex_unlock(&lock);
    return n;
}

void *ZKFPM_OpenDevice(int index)
{
    pthread_mutex_lock(&lock);
    void *h = NULL;
    if (inited && index >= 0 && index < devices && !opened) {
        opened = 1;
        h = &handle_token;
    }
    pthread_mutex_unlock(&lock);
    return h;
}

int ZKFPM_CloseDevice(void *h)
{
    pthread_mutex_lock(&lock);
    if (h == &handle_token)
        opened = 0;
    pthread_mutex_unlock(&lock);
    return 0;
}

static void put_le32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

int ZKFPM_GetParameters(void *h, int code, unsigned char *buf, unsigned int *len)
{
    if (h != &handle_token || !buf || !len)
        return -7;
    const char *s = NULL;
    unsigned v = 0;
    switch (code) {
    case 1:
        v = width;
        break;
    case 2:
        v = height;
        break;
    case 3:
        v = 500;
        break;
    case 106:
        v = width * height;
        break;
    case 1015:
        v = 0x1b55u | 0x0120u << 16; /* VID then PID, 2 bytes each */
        break;
    case 1101:
        s = "ZKTeco Inc.";
        break;
    case 1102:
        s = "Live20R (stub)";
        break;
    case 1103:
        s = "STUB0001";
        break;
    default:
        return -4;
    }
    if (s) {
        unsigned n = (unsigned)strlen(s);
        if (*len < n)
            return -5;
        memcpy(buf, s, n);
        *len = n;
        return 0;
    }
    if (*len < 4)
        return -5;
    put_le32(buf, v);
    *len = 4;
    return 0;
}

int ZKFPM_SetParameters(void *h, int code, unsigned char *buf, unsigned int len)
{
    if (h != &handle_token || !buf || len < 4)
        return -7;
    if (code < 101 || code > 104)
        return -4;
    pthread_mutex_lock(&lock);
    last_code = code;
    last_value = buf[0] | buf[1] << 8 | buf[2] << 16 | buf[3] << 24;
    pthread_mutex_unlock(&lock);
    return 0;
}

int ZKFPM_AcquireFingerprintImage(void *h, unsigned char *img, unsigned int size)
{
    if (h != &handle_token)
        return -7;
    pthread_mutex_lock(&lock);
    int rc = -8;
    if (fail_next) {
        rc = fail_next;
        fail_next = 0;
    } else if (size < width * height) {
        rc = -5;
    } else if (no_finger_left > 0) {
        no_finger_left--;
    } else if (next_file < nfiles) {
        FILE *f = fopen(files[next_file++], "rb");
        unsigned w, hh;
        if (f && pgm_header(f, &w, &hh) >= 0 && w == width && hh == height &&
            fread(img, 1, (size_t)w * hh, f) == (size_t)w * hh)
            rc = 0;
        else
            rc = -26;
        if (f)
            fclose(f);
        no_finger_left = 2;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}
