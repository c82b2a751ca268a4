/* SPDX-License-Identifier: Apache-2.0 */
/* The zkfp backend: ZKTeco's ZKFinger library (libzkfp.so / libzkfp.dll) loaded at run time for
 * readers whose USB protocol is not public. Contract, parameter and error codes: the shared
 * reference fingerprint.md §1.3 (functions), §1.4 (parameters), §1.5 (errors). The library is
 * proprietary, optional and never linked: without it this backend simply lists no readers.
 * Every call into it is serialized by one lock per context (its thread-safety is undocumented). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/bytes.h"
#include "reader/backend.h"

#ifdef _WIN32
#include <windows.h>
#define ZKFP_CALL        __stdcall
#define ZKFP_DEFAULT_LIB "libzkfp.dll"
#else
#include <dlfcn.h>
#define ZKFP_CALL
#define ZKFP_DEFAULT_LIB "libzkfp.so"
#endif

/* §1.4 parameter codes */
#define ZKFP_PARAM_WIDTH      1
#define ZKFP_PARAM_HEIGHT     2
#define ZKFP_PARAM_DPI        3
#define ZKFP_PARAM_LED_WHITE  101
#define ZKFP_PARAM_LED_GREEN  102
#define ZKFP_PARAM_LED_RED    103
#define ZKFP_PARAM_BUZZER     104
#define ZKFP_PARAM_IMAGE_SIZE 106
#define ZKFP_PARAM_VID_PID    1015
#define ZKFP_PARAM_VENDOR     1101
#define ZKFP_PARAM_PRODUCT    1102
#define ZKFP_PARAM_SERIAL     1103

/* §1.5 error codes used below */
#define ZKFP_ERR_ALREADY_INIT 1
#define ZKFP_ERR_NO_FINGER    (-8)

/* Poll period of the capture loop (the vendor demos sleep 100-200 ms between attempts, §1.3). */
#define ZKFP_POLL_MS 50

typedef void *zkfp_handle;

typedef struct zkfp_api {
    int(ZKFP_CALL *init)(void);
    int(ZKFP_CALL *terminate)(void);
    int(ZKFP_CALL *count)(void);
    zkfp_handle(ZKFP_CALL *open)(int index);
    int(ZKFP_CALL *close)(zkfp_handle h);
    int(ZKFP_CALL *get)(zkfp_handle h, int code, unsigned char *buf, unsigned int *len);
    int(ZKFP_CALL *set)(zkfp_handle h, int code, unsigned char *buf, unsigned int len);
    int(ZKFP_CALL *acquire_image)(zkfp_handle h, unsigned char *img, unsigned int size);
} zkfp_api;

typedef struct zkfp_state {
    pthread_mutex_t lock; /* every call into the library */
    void *lib;
    zkfp_api api;
    int inited;
    /* description of each device index, refreshed when the device count changes */
    zkbio_reader_info *infos;
    int ninfos;
} zkfp_state;

typedef struct zkfp_dev {
    zkfp_state *s;
    zkfp_handle h;
    uint8_t *buf; /* image buffer, width * height bytes */
    uint32_t width, height, size;
    uint16_t dpi;
} zkfp_dev;

/* §1.5 code -> zkbio error and name. `capturing`: device errors mean the reader went away. */
static int map_error(int code, int capturing, const char **name)
{
    static const struct {
        int code;
        int err;
        const char *name;
    } table[] = {
        {-1, ZKBIO_EBACKEND, "algorithm library init failed"},
        {-2, ZKBIO_EBACKEND, "capture library init failed"},
        {-3, ZKBIO_ENODEV, "no device"},
        {-4, ZKBIO_ENOTSUP, "not supported"},
        {-5, ZKBIO_EINVAL, "invalid parameter"},
        {-6, ZKBIO_EIO, "open failed"},
        {-7, ZKBIO_ENODEV, "invalid handle"},
        {-8, ZKBIO_ETIMEDOUT, "capture failed (no finger)"},
        {-10, ZKBIO_ECANCELED, "aborted"},
        {-11, ZKBIO_ENOMEM, "out of memory"},
        {-12, ZKBIO_EBUSY, "busy capturing"},
        {-18, ZKBIO_ECANCELED, "capture cancelled"},
        {-23, ZKBIO_ENODEV, "device not opened"},
        {-24, ZKBIO_EBACKEND, "not initialised"},
        {-25, ZKBIO_EBUSY, "device already opened"},
        {-26, ZKBIO_EIO, "load image failed"},
        {-27, ZKBIO_EIO, "analyse image failed"},
        {-28, ZKBIO_ETIMEDOUT, "timeout"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].code == code) {
            *name = table[i].name;
            if (capturing && table[i].err == ZKBIO_ENODEV)
                return ZKBIO_EUNPLUGGED;
            return table[i].err;
        }
    *name = "unknown error";
    return ZKBIO_EIO;
}

static int fail(int code, int capturing, const char *what)
{
    const char *name;
    int rc = map_error(code, capturing, &name);
    return zki_set_error(rc, "zkfp: %s: ZKFinger error %d (%s)", what, code, name);
}

static void *lib_open(const char *path)
{
#ifdef _WIN32
    return (void *)LoadLibraryA(path);
#else
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
#endif
}

static void *lib_sym(void *lib, const char *name)
{
#ifdef _WIN32
    return (void *)GetProcAddress((HMODULE)lib, name);
#else
    return dlsym(lib, name);
#endif
}

static void lib_close(void *lib)
{
#ifdef _WIN32
    FreeLibrary((HMODULE)lib);
#else
    dlclose(lib);
#endif
}

static const char *lib_error(void)
{
#ifdef _WIN32
    return "LoadLibrary failed";
#else
    const char *e = dlerror();
    return e ? e : "unknown dlopen error";
#endif
}

static void zkfp_stop(void *state)
{
    zkfp_state *s = state;
    if (s->inited)
        s->api.terminate();
    lib_close(s->lib);
    free(s->infos);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Copy one symbol into a function pointer slot (object and function pointers share a
 * representation on every platform this builds on; memcpy avoids the ISO C cast warning). */
static int load_sym(void *lib, const char *name, void *slot, size_t size)
{
    void *p = lib_sym(lib, name);
    if (!p)
        return zki_set_error(ZKBIO_EBACKEND, "zkfp: the library lacks %s", name);
    memcpy(slot, &p, size);
    return ZKBIO_OK;
}

static int zkfp_start(zkbio_reader_ctx *ctx, const zkbio_reader_config *cfg, void **state,
                      int *fatal)
{
    (void)ctx;
    *fatal = 0;
    const char *path = cfg->zkfp_library;
    if (!path || !*path)
        path = getenv("ZKBIO_ZKFP_LIBRARY");
    if (!path || !*path)
        path = ZKFP_DEFAULT_LIB;
    void *lib = lib_open(path);
    if (!lib)
        return zki_set_error(ZKBIO_EBACKEND,
                             "zkfp: vendor library %s not loaded (%s); install the ZKFinger SDK "
                             "or set ZKBIO_ZKFP_LIBRARY to its path",
                             path, lib_error());
    zkfp_state *s = calloc(1, sizeof(*s));
    if (!s) {
        lib_close(lib);
        return ZKBIO_ENOMEM;
    }
    s->lib = lib;
    int rc = ZKBIO_OK;
#define SYM(field, name)                                                                           \
    if (rc == ZKBIO_OK)                                                                            \
    rc = load_sym(lib, name, &s->api.field, sizeof(s->api.field))
    SYM(init, "ZKFPM_Init");
    SYM(terminate, "ZKFPM_Terminate");
    SYM(count, "ZKFPM_GetDeviceCount");
    SYM(open, "ZKFPM_OpenDevice");
    SYM(close, "ZKFPM_CloseDevice");
    SYM(get, "ZKFPM_GetParameters");
    SYM(set, "ZKFPM_SetParameters");
    SYM(acquire_image, "ZKFPM_AcquireFingerprintImage");
#undef SYM
    if (rc == ZKBIO_OK && pthread_mutex_init(&s->lock, NULL) != 0)
        rc = ZKBIO_ENOMEM;
    if (rc != ZKBIO_OK) {
        lib_close(lib);
        free(s);
        return rc;
    }
    int r = s->api.init();
    s->inited = r == 0 || r == ZKFP_ERR_ALREADY_INIT; /* retried at each enumeration otherwise */
    *state = s;
    return ZKBIO_OK;
}

static int get_int(zkfp_state *s, zkfp_handle h, int code, uint32_t *out)
{
    unsigned char buf[4] = {0};
    unsigned int len = 4;
    if (s->api.get(h, code, buf, &len) != 0 || len < 4)
        return -1;
    *out = zki_le32(buf);
    return 0;
}

static void get_str(zkfp_state *s, zkfp_handle h, int code, char *out, size_t size)
{
    unsigned char buf[ZKBIO_READER_STR_MAX + 1];
    unsigned int len = ZKBIO_READER_STR_MAX;
    memset(buf, 0, sizeof(buf));
    if (s->api.get(h, code, buf, &len) != 0)
        return;
    if (len > ZKBIO_READER_STR_MAX)
        len = ZKBIO_READER_STR_MAX;
    buf[len] = '\0';
    zki_strlcpy(out, (const char *)buf, size);
}

/* With s->lock held: describe the open device h at index i. */
static void describe(zkfp_state *s, zkfp_handle h, int i, zkbio_reader_info *info)
{
    memset(info, 0, sizeof(*info));
    snprintf(info->id, sizeof(info->id), "zkfp:%d", i);
    zki_strlcpy(info->backend, "zkfp", sizeof(info->backend));
    uint32_t v;
    if (get_int(s, h, ZKFP_PARAM_WIDTH, &v) == 0)
        info->width = v;
    if (get_int(s, h, ZKFP_PARAM_HEIGHT, &v) == 0)
        info->height = v;
    info->dpi = 500;
    if (get_int(s, h, ZKFP_PARAM_DPI, &v) == 0 && v >= ZKBIO_IMAGE_DPI_MIN &&
        v <= ZKBIO_IMAGE_DPI_MAX)
        info->dpi = (uint16_t)v;
    unsigned char ids[4];
    unsigned int len = 4;
    if (s->api.get(h, ZKFP_PARAM_VID_PID, ids, &len) == 0 && len >= 4) {
        info->vendor_id = zki_le16(ids);
        info->product_id = zki_le16(ids + 2);
    }
    get_str(s, h, ZKFP_PARAM_PRODUCT, info->model, sizeof(info->model));
    if (!info->model[0])
        zki_strlcpy(info->model, "ZKFinger reader", sizeof(info->model));
    get_str(s, h, ZKFP_PARAM_SERIAL, info->serial, sizeof(info->serial));
    info->caps = ZKBIO_READER_CAP_LED_GREEN | ZKBIO_READER_CAP_LED_RED |
                 ZKBIO_READER_CAP_LED_WHITE | ZKBIO_READER_CAP_BUZZER | ZKBIO_READER_CAP_FINGER;
}

static int zkfp_enumerate(void *state, zki_info_list *out)
{
    zkfp_state *s = state;
    pthread_mutex_lock(&s->lock);
    if (!s->inited) {
        int r = s->api.init();
        s->inited = r == 0 || r == ZKFP_ERR_ALREADY_INIT;
    }
    int n = s->inited ? s->api.count() : 0;
    if (n < 0)
        n = 0;
    if (n > 64)
        n = 64;
    if (n != s->ninfos) {
        /* Devices came or went: describe each again (opening it briefly when it is not open). */
        zkbio_reader_info *v = n ? calloc((size_t)n, sizeof(*v)) : NULL;
        if (n && !v) {
            pthread_mutex_unlock(&s->lock);
            return ZKBIO_ENOMEM;
        }
        for (int i = 0; i < n; i++) {
            if (i < s->ninfos && s->infos[i].width) {
                v[i] = s->infos[i];
                continue;
            }
            zkfp_handle h = s->api.open(i);
            if (h) {
                describe(s, h, i, &v[i]);
                s->api.close(h);
            } else {
                snprintf(v[i].id, sizeof(v[i].id), "zkfp:%d", i);
                zki_strlcpy(v[i].backend, "zkfp", sizeof(v[i].backend));
                zki_strlcpy(v[i].model, "ZKFinger reader (in use)", sizeof(v[i].model));
                v[i].dpi = 500;
            }
        }
        free(s->infos);
        s->infos = v;
        s->ninfos = n;
    }
    int rc = ZKBIO_OK;
    for (int i = 0; i < n && rc == ZKBIO_OK; i++)
        rc = zki_info_list_add(out, &s->infos[i]);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int zkfp_open(void *state, const char *id, zkbio_reader *r)
{
    zkfp_state *s = state;
    zkfp_dev *d = r->priv;
    char *end;
    long idx = strtol(id + 5, &end, 10);
    if (*end || end == id + 5 || idx < 0 || idx > 64)
        return zki_set_error(ZKBIO_ENODEV, "no reader with id '%s'", id);
    pthread_mutex_lock(&s->lock);
    int rc = ZKBIO_OK;
    if (!s->inited || idx >= s->api.count()) {
        rc = zki_set_error(ZKBIO_ENODEV, "no reader with id '%s'", id);
    } else if (!(d->h = s->api.open((int)idx))) {
        rc = zki_set_error(ZKBIO_EIO, "zkfp: ZKFPM_OpenDevice(%ld) failed (in use, or no driver)",
                           idx);
    } else {
        describe(s, d->h, (int)idx, &r->info);
        uint32_t size = r->info.width * r->info.height, v;
        if (get_int(s, d->h, ZKFP_PARAM_IMAGE_SIZE, &v) == 0 && v >= size)
            size = v;
        if (r->info.width < ZKBIO_IMAGE_DIM_MIN || r->info.width > ZKBIO_IMAGE_DIM_MAX ||
            r->info.height < ZKBIO_IMAGE_DIM_MIN || r->info.height > ZKBIO_IMAGE_DIM_MAX)
            rc = zki_set_error(ZKBIO_EIO, "zkfp: reader %s reports an image size of %ux%u", id,
                               r->info.width, r->info.height);
        else if (!(d->buf = malloc(size)))
            rc = ZKBIO_ENOMEM;
        if (rc != ZKBIO_OK) {
            s->api.close(d->h);
            d->h = NULL;
        }
        d->width = r->info.width;
        d->height = r->info.height;
        d->size = size;
        d->dpi = r->info.dpi;
    }
    pthread_mutex_unlock(&s->lock);
    d->s = s;
    return rc;
}

static void zkfp_close(zkbio_reader *r)
{
    zkfp_dev *d = r->priv;
    pthread_mutex_lock(&d->s->lock);
    d->s->api.close(d->h);
    pthread_mutex_unlock(&d->s->lock);
    free(d->buf);
}

static int acquire(zkfp_dev *d)
{
    pthread_mutex_lock(&d->s->lock);
    int r = d->s->api.acquire_image(d->h, d->buf, d->size);
    pthread_mutex_unlock(&d->s->lock);
    return r;
}

static int zkfp_capture(zkbio_reader *r, int timeout_ms, zkbio_image **out)
{
    zkfp_dev *d = r->priv;
    uint64_t start = zki_now_us();
    for (;;) {
        if (atomic_load(&r->cancel))
            return zki_set_error(ZKBIO_ECANCELED, "capture on %s cancelled", r->info.id);
        int code = acquire(d);
        if (code == 0)
            return zkbio_image_from_buffer(d->buf, d->width, d->height, d->width, d->dpi, out);
        if (code != ZKFP_ERR_NO_FINGER)
            return fail(code, 1, "ZKFPM_AcquireFingerprintImage");
        uint64_t waited = (zki_now_us() - start) / 1000u;
        if (timeout_ms >= 0 && waited >= (uint64_t)timeout_ms)
            return zki_set_error(ZKBIO_ETIMEDOUT, "no finger on %s", r->info.id);
        long nap = ZKFP_POLL_MS;
        if (timeout_ms >= 0 && (uint64_t)timeout_ms - waited < (uint64_t)nap)
            nap = (long)((uint64_t)timeout_ms - waited);
        struct timespec ts = {0, nap * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int zkfp_finger(zkbio_reader *r, int *present)
{
    zkfp_dev *d = r->priv;
    int code = acquire(d);
    if (code != 0 && code != ZKFP_ERR_NO_FINGER)
        return fail(code, 1, "ZKFPM_AcquireFingerprintImage");
    *present = code == 0;
    return ZKBIO_OK;
}

static int zkfp_set_output(zkbio_reader *r, int output, int on)
{
    static const int param[] = {ZKFP_PARAM_LED_GREEN, ZKFP_PARAM_LED_RED, ZKFP_PARAM_BUZZER,
                                ZKFP_PARAM_LED_WHITE};
    zkfp_dev *d = r->priv;
    unsigned char v[4];
    zki_put_le32(v, on ? 1u : 0u);
    pthread_mutex_lock(&d->s->lock);
    int code = d->s->api.set(d->h, param[output], v, 4);
    pthread_mutex_unlock(&d->s->lock);
    return code == 0 ? ZKBIO_OK : fail(code, 1, "ZKFPM_SetParameters");
}

const zki_reader_backend zki_backend_zkfp = {
    .version = 1,
    .name = "zkfp",
    .flag = ZKBIO_READER_BACKEND_ZKFP,
    .priv_size = sizeof(zkfp_dev),
    .start = zkfp_start,
    .stop = zkfp_stop,
    .enumerate = zkfp_enumerate,
    .open = zkfp_open,
    .close = zkfp_close,
    .capture = zkfp_capture,
    .finger = zkfp_finger,
    .set_output = zkfp_set_output,
};
