/* SPDX-License-Identifier: Apache-2.0 */
/* The reader core through the sim backend: ZKBIO_SIM parsing, dir playlists (PGM, order, the end,
 * files without a loader), socket frames and control messages, timeouts, cancel from another
 * thread, busy handles, unplug during a capture (error within 1 s) and replug, hotplug events,
 * finger-present with the simulated lift, outputs, timing, and protocol errors. Needs no data. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../support/test.h"
#include "zkbio/reader.h"

static char tmp[256];

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void write_pgm(const char *name, unsigned w, unsigned h, uint8_t fill)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/dir/%s", tmp, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fprintf(f, "P5\n# test\n%u %u\n255\n", w, h);
    for (unsigned i = 0; i < w * h; i++)
        fputc(fill, f);
    fclose(f);
}

static zkbio_reader_ctx *make_ctx(const char *spec)
{
    zkbio_reader_config c;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.sim = spec;
    c.backends = ZKBIO_READER_BACKEND_SIM;
    c.hotplug_poll_ms = 5000; /* sim events must arrive without the poll */
    zkbio_reader_ctx *ctx = NULL;
    int rc = zkbio_reader_ctx_new(&c, &ctx);
    if (rc != ZKBIO_OK)
        fprintf(stderr, "ctx_new(%s): %s: %s\n", spec, zkbio_error_name(rc),
                zkbio_reader_last_error());
    return ctx;
}

static void test_config(void)
{
    zkbio_reader_config c;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    zkbio_reader_ctx *ctx = NULL;
    c.sim = "usb:/x";
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c, &ctx), ZKBIO_EINVAL);
    CHECK(strstr(zkbio_reader_last_error(), "dir:PATH") != NULL);
    c.sim = "dir:";
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c, &ctx), ZKBIO_EINVAL);
    c.sim = "dir:/nonexistent/zkbio-test";
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c, &ctx), ZKBIO_EIO);
    CHECK(ctx == NULL);
    c.size = 0;
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c, &ctx), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_reader_ctx_new(NULL, NULL), ZKBIO_EINVAL);
    /* Empty entries are skipped; the environment is used when cfg->sim is NULL. */
    char spec[600];
    snprintf(spec, sizeof(spec), ";dir:%s/dir;;", tmp);
    setenv("ZKBIO_SIM", spec, 1);
    c.size = sizeof(c);
    c.sim = NULL;
    c.backends = ZKBIO_READER_BACKEND_SIM;
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c, &ctx), ZKBIO_OK);
    zkbio_reader_info *v = NULL;
    size_t n = 0;
    CHECK_EQ_INT(zkbio_reader_enumerate(ctx, &v, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_STR(v[0].id, "sim:0");
        CHECK_STR(v[0].backend, "sim");
        CHECK_EQ_INT(v[0].dpi, 500);
        CHECK(v[0].caps & ZKBIO_READER_CAP_FINGER);
    }
    zkbio_reader_info_free(v);
    zkbio_reader *r = NULL;
    CHECK_EQ_INT(zkbio_reader_open(ctx, "sim:1", &r), ZKBIO_ENODEV);
    CHECK_EQ_INT(zkbio_reader_open(ctx, "zk9999:1", &r), ZKBIO_ENODEV);
    CHECK_EQ_INT(zkbio_reader_open(ctx, "sim:x", &r), ZKBIO_ENODEV);
    zkbio_reader_ctx_free(ctx);
    unsetenv("ZKBIO_SIM");
    /* A stale socket file (nobody listening) is replaced. */
    char stale[512], sspec[600];
    snprintf(stale, sizeof(stale), "%s/stale.sock", tmp);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (strlen(stale) < sizeof(addr.sun_path))
        memcpy(addr.sun_path, stale, strlen(stale) + 1);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    close(fd);
    snprintf(sspec, sizeof(sspec), "socket:%s", stale);
    ctx = make_ctx(sspec);
    CHECK(ctx != NULL);
    zkbio_reader_ctx_free(ctx);
    /* A regular file at the path is never removed. */
    FILE *f = fopen(stale, "w");
    if (f)
        fclose(f);
    c.sim = sspec;
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c, &ctx), ZKBIO_EIO);
    struct stat st;
    CHECK(stat(stale, &st) == 0 && S_ISREG(st.st_mode));
    unlink(stale);
    /* No readers at all: opening "the first" says so. */
    ctx = make_ctx("");
    CHECK_EQ_INT(zkbio_reader_open(ctx, NULL, &r), ZKBIO_ENODEV);
    CHECK(strstr(zkbio_reader_last_error(), "no fingerprint reader") != NULL);
    zkbio_reader_ctx_free(ctx);
}

static void test_dir(void)
{
    char spec[600];
    snprintf(spec, sizeof(spec), "dir:%s/dir", tmp);
    zkbio_reader_ctx *ctx = make_ctx(spec);
    if (!ctx) {
        CHECK(0);
        return;
    }
    zkbio_reader *r = NULL, *r2 = NULL;
    CHECK_EQ_INT(zkbio_reader_open(ctx, NULL, &r), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_open(ctx, "sim:0", &r2), ZKBIO_EBUSY);
    zkbio_image *img = NULL;
    int present = -1;
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 1);
    /* Name order: a.pgm (40x30, 10), b.pgm (50x20, 20), then c.txt (no loader), then the end. */
    CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_OK);
    if (img) {
        CHECK_EQ_INT(img->width, 40);
        CHECK_EQ_INT(img->height, 30);
        CHECK_EQ_INT(img->pixels[0], 10);
        CHECK_EQ_INT(img->dpi, 500);
        zkbio_image_free(img);
        img = NULL;
    }
    zkbio_reader_info info;
    CHECK_EQ_INT(zkbio_reader_info_get(r, &info), ZKBIO_OK);
    CHECK_EQ_INT(info.width, 40);
    /* The simulated lift: no finger once after a capture, then the next one is there. */
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 0);
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 1);
    CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_OK);
    if (img) {
        CHECK_EQ_INT(img->width, 50);
        CHECK_EQ_INT(img->pixels[0], 20);
        zkbio_image_free(img);
        img = NULL;
    }
    CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_ENOTSUP);
    CHECK(strstr(zkbio_reader_last_error(), "c.txt") != NULL);
    uint64_t t0 = now_ms();
    CHECK_EQ_INT(zkbio_reader_capture(r, 150, &img), ZKBIO_ETIMEDOUT);
    uint64_t dt = now_ms() - t0;
    CHECK(dt >= 140 && dt < 1000);
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 0);
    CHECK_EQ_INT(zkbio_reader_output_set(r, ZKBIO_READER_LED_GREEN, 1), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_output_set(r, 7, 1), ZKBIO_EINVAL);
    zkbio_reader_timing t;
    CHECK_EQ_INT(zkbio_reader_timing_get(r, &t), ZKBIO_OK);
    CHECK(t.total_us >= t.backend_us);
    zkbio_reader_close(r);
    zkbio_reader_ctx_free(ctx);
}

typedef struct capture_job {
    zkbio_reader *r;
    int timeout_ms;
    int rc;
    uint64_t done_ms;
    zkbio_image *img;
} capture_job;

static void *capture_thread(void *arg)
{
    capture_job *j = arg;
    j->rc = zkbio_reader_capture(j->r, j->timeout_ms, &j->img);
    j->done_ms = now_ms();
    return NULL;
}

typedef struct events {
    pthread_mutex_t lock;
    int arrived, left;
    char last[64];
} events;

static void on_event(int event, const zkbio_reader_info *info, void *user)
{
    events *e = user;
    pthread_mutex_lock(&e->lock);
    if (event == ZKBIO_READER_ARRIVED)
        e->arrived++;
    else if (event == ZKBIO_READER_LEFT)
        e->left++;
    snprintf(e->last, sizeof(e->last), "%s", info->id);
    pthread_mutex_unlock(&e->lock);
}

static int wait_events(events *e, int arrived, int left)
{
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&e->lock);
        int ok = e->arrived == arrived && e->left == left;
        pthread_mutex_unlock(&e->lock);
        if (ok)
            return 1;
        sleep_ms(5);
    }
    return 0;
}

static void test_socket(void)
{
    char sock[512], spec[600];
    snprintf(sock, sizeof(sock), "%s/r.sock", tmp);
    snprintf(spec, sizeof(spec), "socket:%s", sock);
    zkbio_reader_ctx *ctx = make_ctx(spec);
    if (!ctx) {
        CHECK(0);
        return;
    }
    struct stat st;
    CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0077) == 0);
    /* A second context on the same live socket is refused (it would steal the path). */
    zkbio_reader_config c2;
    memset(&c2, 0, sizeof(c2));
    c2.size = sizeof(c2);
    c2.sim = spec;
    c2.backends = ZKBIO_READER_BACKEND_SIM;
    zkbio_reader_ctx *ctx2 = NULL;
    CHECK_EQ_INT(zkbio_reader_ctx_new(&c2, &ctx2), ZKBIO_EBUSY);
    CHECK(strstr(zkbio_reader_last_error(), "another reader") != NULL);
    events ev = {.arrived = 0};
    pthread_mutex_init(&ev.lock, NULL);
    CHECK_EQ_INT(zkbio_reader_hotplug_set(ctx, on_event, &ev), ZKBIO_OK);
    CHECK(wait_events(&ev, 1, 0));

    zkbio_reader *r = NULL;
    CHECK_EQ_INT(zkbio_reader_open(ctx, "sim:0", &r), ZKBIO_OK);
    zkbio_image *frame = NULL, *img = NULL;
    CHECK_EQ_INT(zkbio_image_new(64, 32, 500, &frame), ZKBIO_OK);
    frame->pixels[5] = 7;
    int present = -1;
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 0);
    CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 1);
    CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_OK);
    if (img) {
        CHECK_EQ_INT(img->width, 64);
        CHECK_EQ_INT(img->height, 32);
        CHECK_EQ_INT(img->pixels[5], 7);
        CHECK_EQ_INT(img->pixels[6], 255);
        zkbio_image_free(img);
        img = NULL;
    }
    /* Finger on/off messages. */
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_FINGER, 1), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 0); /* the lift after the capture */
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 1);
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_FINGER, 0), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 0);
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_FINGER, 2), ZKBIO_EPROTO);

    /* Injected errors and device timeouts go to the next capture. */
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_ERROR, ZKBIO_EIO), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_EIO);
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_ERROR, 5), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_TIMEOUT, 0), ZKBIO_OK);
    uint64_t t0 = now_ms();
    CHECK_EQ_INT(zkbio_reader_capture(r, 5000, &img), ZKBIO_ETIMEDOUT);
    CHECK(now_ms() - t0 < 1000);

    /* A waiting capture gets a frame sent later; a second capture meanwhile is busy. */
    capture_job j = {.r = r, .timeout_ms = 3000};
    pthread_t th;
    pthread_create(&th, NULL, capture_thread, &j);
    sleep_ms(50);
    CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_EBUSY);
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_EBUSY);
    CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_OK);
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.rc, ZKBIO_OK);
    zkbio_image_free(j.img);

    /* Cancel from another thread: returns within 100 ms. */
    j = (capture_job){.r = r, .timeout_ms = -1};
    pthread_create(&th, NULL, capture_thread, &j);
    sleep_ms(80);
    uint64_t tc = now_ms();
    CHECK_EQ_INT(zkbio_reader_cancel(r), ZKBIO_OK);
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.rc, ZKBIO_ECANCELED);
    CHECK(j.done_ms - tc < 100);
    /* A cancel with no capture running does not affect the next one. */
    CHECK_EQ_INT(zkbio_reader_cancel(r), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_OK);
    zkbio_image_free(img);
    img = NULL;

    /* Queue limit. */
    for (int i = 0; i < ZKBIO_SIM_QUEUE_MAX; i++)
        CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_ENOSPC);

    /* Unplug during a capture: the unplugged error within 1 s, the reader leaves; replug: it
     * arrives, the old handle stays unplugged, a new one works. */
    for (int i = 0; i < ZKBIO_SIM_QUEUE_MAX; i++) {
        CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_OK);
        zkbio_image_free(img);
        img = NULL;
    }
    j = (capture_job){.r = r, .timeout_ms = -1};
    pthread_create(&th, NULL, capture_thread, &j);
    sleep_ms(50);
    uint64_t tu = now_ms();
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_UNPLUG, 0), ZKBIO_OK);
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.rc, ZKBIO_EUNPLUGGED);
    CHECK(j.done_ms - tu < 1000);
    CHECK(wait_events(&ev, 1, 1));
    CHECK_STR(ev.last, "sim:0");
    zkbio_reader_info *v = NULL;
    size_t n = 9;
    CHECK_EQ_INT(zkbio_reader_enumerate(ctx, &v, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 0);
    CHECK(v == NULL);
    CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_ENODEV);
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, ZKBIO_SIM_REPLUG, 0), ZKBIO_OK);
    CHECK(wait_events(&ev, 2, 1));
    CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_EUNPLUGGED);
    zkbio_reader *r2 = NULL;
    CHECK_EQ_INT(zkbio_reader_open(ctx, "sim:0", &r2), ZKBIO_EBUSY); /* old handle still open */
    zkbio_reader_close(r);
    CHECK_EQ_INT(zkbio_reader_open(ctx, "sim:0", &r2), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_reader_capture(r2, 1000, &img), ZKBIO_OK);
    zkbio_image_free(img);
    img = NULL;

    /* Protocol errors: a bad size, an unknown command; the reader keeps working. */
    CHECK_EQ_INT(zkbio_sim_send(sock, NULL, -9, 0), ZKBIO_EINVAL);
    frame->width = 8; /* below ZKBIO_IMAGE_DIM_MIN: refused by the client helper */
    CHECK_EQ_INT(zkbio_sim_send(sock, frame, 0, 0), ZKBIO_EINVAL);
    frame->width = 64;
    CHECK_EQ_INT(zkbio_sim_send("/nonexistent/zkbio.sock", frame, 0, 0), ZKBIO_ECONN);

    CHECK_EQ_INT(zkbio_reader_hotplug_set(ctx, NULL, NULL), ZKBIO_OK);
    zkbio_reader_close(r2);
    zkbio_image_free(frame);
    zkbio_reader_ctx_free(ctx);
    CHECK(stat(sock, &st) != 0); /* the socket file is removed */
    pthread_mutex_destroy(&ev.lock);
}

typedef struct reentry {
    zkbio_reader_ctx *ctx;
    volatile int rc, called;
} reentry;

static void on_event_reenter(int event, const zkbio_reader_info *info, void *user)
{
    (void)event;
    (void)info;
    reentry *re = user;
    re->rc = zkbio_reader_hotplug_set(re->ctx, NULL, NULL);
    re->called = 1;
}

/* Changing the callback from inside it is refused instead of deadlocking. */
static void test_hotplug_reentry(void)
{
    char spec[600];
    snprintf(spec, sizeof(spec), "dir:%s/dir", tmp);
    reentry re = {.ctx = make_ctx(spec)};
    if (!re.ctx) {
        CHECK(0);
        return;
    }
    CHECK_EQ_INT(zkbio_reader_hotplug_set(re.ctx, on_event_reenter, &re), ZKBIO_OK);
    for (int i = 0; i < 200 && !re.called; i++)
        sleep_ms(5);
    CHECK_EQ_INT(re.called, 1);
    CHECK_EQ_INT(re.rc, ZKBIO_EINVAL);
    zkbio_reader_ctx_free(re.ctx);
}

int main(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp, sizeof(tmp), "%s/zkbio-reader-XXXXXX", base);
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/dir", tmp);
    mkdir(dir, 0700);
    write_pgm("b.pgm", 50, 20, 20);
    write_pgm("a.pgm", 40, 30, 10);
    write_pgm(".hidden.pgm", 40, 30, 30);
    char path[600];
    snprintf(path, sizeof(path), "%s/c.txt", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("not an image\n", f);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/sub", dir);
    mkdir(path, 0700);

    test_config();
    test_dir();
    test_socket();
    test_hotplug_reentry();

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return TEST_DONE();
}
