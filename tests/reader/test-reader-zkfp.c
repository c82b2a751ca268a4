/* SPDX-License-Identifier: Apache-2.0 */
/* The zkfp backend against a stub libzkfp.so built by the test suite (zkfp-stub.c): an absent
 * library (backend unavailable, clear message), parameters (size, dpi, VID/PID, names), images
 * served from tests/data (FVC2002 DB1_B converted to PGM for the stub), polling through "no
 * finger" answers, timeout, cancel, LED/buzzer parameters, error-code mapping and a device that
 * goes away. Usage: test-reader-zkfp STUB.so DATA_DIR (missing images are a failure). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../support/test.h"
#include "zkbio/imageio.h"
#include "zkbio/reader.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static zkbio_reader_ctx *make_ctx(const char *lib)
{
    zkbio_reader_config c;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.backends = ZKBIO_READER_BACKEND_ZKFP;
    c.zkfp_library = lib;
    c.hotplug_poll_ms = 100;
    zkbio_reader_ctx *ctx = NULL;
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c, &ctx), ZKBIO_OK);
    return ctx;
}

typedef struct job {
    zkbio_reader *r;
    int rc;
    uint64_t done;
    zkbio_image *img;
} job;

static void *capture_thread(void *arg)
{
    job *j = arg;
    j->rc = zkbio_reader_capture(j->r, -1, &j->img);
    j->done = now_ms();
    return NULL;
}

typedef struct events {
    pthread_mutex_t lock;
    int arrived, left;
} events;

static void on_event(int event, const zkbio_reader_info *info, void *user)
{
    events *e = user;
    pthread_mutex_lock(&e->lock);
    if (event == ZKBIO_READER_ARRIVED && strcmp(info->id, "zkfp:0") == 0)
        e->arrived++;
    else if (event == ZKBIO_READER_LEFT)
        e->left++;
    pthread_mutex_unlock(&e->lock);
}

static int wait_events(events *e, int arrived, int left)
{
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&e->lock);
        int ok = e->arrived == arrived && e->left == left;
        pthread_mutex_unlock(&e->lock);
        if (ok)
            return 1;
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "events: arrived %d left %d, wanted %d %d\n", e->arrived, e->left, arrived,
            left);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s STUB.so DATA_DIR\n", argv[0]);
        return 2;
    }
    const char *stub = argv[1];
    char src[2][600];
    snprintf(src[0], sizeof(src[0]), "%s/fvc/FVC2002_DB1_B/101_1.tif", argv[2]);
    snprintf(src[1], sizeof(src[1]), "%s/fvc/FVC2002_DB1_B/102_1.tif", argv[2]);
    if (access(src[0], R_OK) != 0 || access(src[1], R_OK) != 0) {
        fprintf(stderr, "no FVC images under %s (tests/data)\n", argv[2]);
        return 1;
    }

    /* 1. No library: the context works, the backend lists nothing and says why. */
    zkbio_reader_ctx *ctx = make_ctx("/nonexistent/libzkfp.so");
    CHECK(strstr(zkbio_reader_last_error(), "/nonexistent/libzkfp.so") != NULL);
    CHECK(strstr(zkbio_reader_last_error(), "ZKBIO_ZKFP_LIBRARY") != NULL);
    zkbio_reader_info *v = NULL;
    size_t n = 5;
    CHECK_EQ_INT(zkbio_reader_enumerate(ctx, &v, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 0);
    zkbio_reader *r = NULL;
    CHECK_EQ_INT(zkbio_reader_open(ctx, "zkfp:0", &r), ZKBIO_EBACKEND);
    zkbio_reader_ctx_free(ctx);

    /* The stub serves two FVC images as PGM. */
    char tmp[] = "/tmp/zkbio-zkfp-XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    zkbio_image *ref[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        char out[700];
        snprintf(out, sizeof(out), "%s/%d.pgm", tmp, i);
        CHECK_EQ_INT(zkbio_image_load(src[i], 500, &ref[i]), ZKBIO_OK);
        if (ref[i])
            CHECK_EQ_INT(zkbio_image_save_pgm(ref[i], out), ZKBIO_OK);
    }
    setenv("ZKFP_STUB_DIR", tmp, 1);
    void *hooks = dlopen(stub, RTLD_NOW | RTLD_LOCAL); /* the same instance the backend loads */
    void (*set_devices)(int) = NULL, (*fail_next)(int) = NULL;
    void (*last_param)(int *, int *) = NULL;
    if (hooks) {
        *(void **)&set_devices = dlsym(hooks, "zkfp_stub_set_devices");
        *(void **)&fail_next = dlsym(hooks, "zkfp_stub_fail_next");
        *(void **)&last_param = dlsym(hooks, "zkfp_stub_last_param");
    }
    CHECK(set_devices && fail_next && last_param);
    if (!set_devices || !fail_next || !last_param || !ref[0] || !ref[1])
        return TEST_DONE();

    ctx = make_ctx(stub);
    CHECK_EQ_INT(zkbio_reader_enumerate(ctx, &v, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_STR(v[0].id, "zkfp:0");
        CHECK_STR(v[0].backend, "zkfp");
        CHECK_EQ_INT(v[0].vendor_id, 0x1b55);
        CHECK_EQ_INT(v[0].product_id, 0x0120);
        CHECK_STR(v[0].model, "Live20R (stub)");
        CHECK_STR(v[0].serial, "STUB0001");
        CHECK_EQ_INT(v[0].width, ref[0]->width);
        CHECK_EQ_INT(v[0].height, ref[0]->height);
        CHECK_EQ_INT(v[0].dpi, 500);
    }
    zkbio_reader_info_free(v);
    CHECK_EQ_INT(zkbio_reader_open(ctx, "zkfp:0", &r), ZKBIO_OK);
    if (!r)
        return TEST_DONE();
    /* Two "no finger" answers, then the first image, pixel for pixel. */
    zkbio_image *img = NULL;
    CHECK_EQ_INT(zkbio_reader_capture(r, 2000, &img), ZKBIO_OK);
    if (img) {
        CHECK_EQ_INT(img->width, ref[0]->width);
        CHECK_EQ_INT(img->height, ref[0]->height);
        CHECK(memcmp(img->pixels, ref[0]->pixels, (size_t)img->width * img->height) == 0);
        zkbio_image_free(img);
        img = NULL;
    }
    zkbio_reader_timing tm;
    CHECK_EQ_INT(zkbio_reader_timing_get(r, &tm), ZKBIO_OK);
    CHECK(tm.backend_us > 0 && tm.total_us >= tm.backend_us && tm.total_us - tm.backend_us < 5000);
    printf("zkfp capture: total %llu us, backend %llu us, library overhead %llu us\n",
           (unsigned long long)tm.total_us, (unsigned long long)tm.backend_us,
           (unsigned long long)(tm.total_us - tm.backend_us));
    /* Timeout while the stub says "no finger". */
    uint64_t t0 = now_ms();
    CHECK_EQ_INT(zkbio_reader_capture(r, 30, &img), ZKBIO_ETIMEDOUT);
    CHECK(now_ms() - t0 < 1000);
    CHECK_EQ_INT(zkbio_reader_capture(r, 2000, &img), ZKBIO_OK);
    if (img) {
        CHECK(memcmp(img->pixels, ref[1]->pixels, (size_t)img->width * img->height) == 0);
        zkbio_image_free(img);
        img = NULL;
    }
    int present = -1;
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 0);

    /* LEDs and buzzer: parameters 102 (green), 104 (buzzer), 4-byte little-endian values. */
    int code = 0, value = -1;
    CHECK_EQ_INT(zkbio_reader_output_set(r, ZKBIO_READER_LED_GREEN, 1), ZKBIO_OK);
    last_param(&code, &value);
    CHECK_EQ_INT(code, 102);
    CHECK_EQ_INT(value, 1);
    CHECK_EQ_INT(zkbio_reader_output_set(r, ZKBIO_READER_BUZZER, 0), ZKBIO_OK);
    last_param(&code, &value);
    CHECK_EQ_INT(code, 104);
    CHECK_EQ_INT(value, 0);

    /* Error codes: -12 busy, -28 timeout, -7 invalid handle (the reader went away). */
    fail_next(-12);
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_EBUSY);
    CHECK(strstr(zkbio_reader_last_error(), "-12") != NULL);
    fail_next(-28);
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_ETIMEDOUT);
    fail_next(-7);
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_EUNPLUGGED);

    /* Cancel from another thread. */
    job j = {.r = r};
    pthread_t th;
    pthread_create(&th, NULL, capture_thread, &j);
    struct timespec ts = {0, 150000000L};
    nanosleep(&ts, NULL);
    uint64_t tc = now_ms();
    zkbio_reader_cancel(r);
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.rc, ZKBIO_ECANCELED);
    CHECK(j.done - tc < 500);
    zkbio_reader_close(r);

    /* The device count drops to 0: enumeration follows. */
    /* The vendor library has no events: hotplug polls it (every 100 ms here). */
    events ev = {.arrived = 0};
    pthread_mutex_init(&ev.lock, NULL);
    CHECK_EQ_INT(zkbio_reader_hotplug_set(ctx, on_event, &ev), ZKBIO_OK);
    CHECK(wait_events(&ev, 1, 0));
    set_devices(0);
    CHECK(wait_events(&ev, 1, 1));
    set_devices(1);
    CHECK(wait_events(&ev, 2, 1));
    set_devices(0);
    CHECK(wait_events(&ev, 2, 2));
    CHECK_EQ_INT(zkbio_reader_hotplug_set(ctx, NULL, NULL), ZKBIO_OK);
    pthread_mutex_destroy(&ev.lock);
    CHECK_EQ_INT(zkbio_reader_enumerate(ctx, &v, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 0);
    zkbio_reader_info_free(v);
    CHECK_EQ_INT(zkbio_reader_open(ctx, "zkfp:0", &r), ZKBIO_ENODEV);
    zkbio_reader_ctx_free(ctx);
    dlclose(hooks);
    for (int i = 0; i < 2; i++) {
        char out[700];
        snprintf(out, sizeof(out), "%s/%d.pgm", tmp, i);
        unlink(out);
        zkbio_image_free(ref[i]);
    }
    rmdir(tmp);
    return TEST_DONE();
}
