/* SPDX-License-Identifier: Apache-2.0 */
/* The zk4500 backend through the real libusb code path, with umockdev emulating a ZK4500
 * (1b55:0840): the test answers the usbfs ioctls libusb issues (SUBMITURB, REAPURB, DISCARDURB,
 * CLAIMINTERFACE, CLEAR_HALT...) from an in-process handler, serving 640x480 frames on endpoint
 * 0x82 after each 0xE5 request (fingerprint.md §2.3). Checked: enumeration, the stale first frame
 * dropped, finger detection, timeout, LEDs/buzzer requests, cancel, a stalled endpoint, unplug
 * during a capture (ZKBIO_EUNPLUGGED within 1 s, hotplug "left") and replug (works again).
 * Must run under umockdev's preload (umockdev-wrapper); exits 77 (skip) otherwise. */
#include <errno.h>
#include <linux/ioctl.h> /* before usbdevice_fs.h: it uses _IOR without including it */
#include <linux/usbdevice_fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <umockdev.h>

#include "../support/test.h"
#include "zkbio/reader.h"

#define FRAME_W     640
#define FRAME_H     480
#define FRAME_BYTES (FRAME_W * FRAME_H)
#define DEVNODE     "/dev/bus/usb/001/005"
#define SYSPATH     "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3"

/* How the emulated reader answers bulk reads. */
enum mode { MODE_FINGER, MODE_EMPTY, MODE_HOLD };

typedef struct emu {
    pthread_mutex_t lock;
    UMockdevTestbed *tb;
    UMockdevIoctlBase *handler;
    GList *flying;    /* submitted URBs (UMockdevIoctlData *), answered in order */
    GList *discarded; /* URBs discarded by libusb, reaped with -ENOENT */
    enum mode mode;
    int stall_next, unplugged, claim_busy;
    int frames;       /* 0xE5 requests, each starting a new frame */
    uint8_t *frame;   /* the frame being read (libusb may split the read into several URBs) */
    size_t frame_off; /* bytes of it already served */
    int clear_halts;
    int last_req, last_value, last_index;
} emu;

static emu E;

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

/* A frame: ridges (a sine grating, 8 px period) over a central disc for a finger, a flat grey with
 * faint noise without one. Pixel 0 carries the frame number. */
static void fill_frame(uint8_t *px, int finger, int number)
{
    static const uint8_t wave[8] = {128, 200, 240, 200, 128, 56, 16, 56};
    uint32_t seed = (uint32_t)number * 2654435761u;
    for (int y = 0; y < FRAME_H; y++)
        for (int x = 0; x < FRAME_W; x++) {
            int dx = x - FRAME_W / 2, dy = y - FRAME_H / 2;
            seed = seed * 1103515245u + 12345u;
            uint8_t noise = (uint8_t)((seed >> 16) & 3);
            if (finger && dx * dx + dy * dy < 180 * 180)
                px[y * FRAME_W + x] = wave[(x + y) & 7];
            else
                px[y * FRAME_W + x] = (uint8_t)(196 + noise);
        }
    px[0] = (uint8_t)number;
}

/* Give a finished URB back to libusb through the REAPURB argument. */
static void reap(UMockdevIoctlClient *client, UMockdevIoctlData *arg, UMockdevIoctlData *urb_data)
{
    UMockdevIoctlData *ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), NULL);
    umockdev_ioctl_data_set_ptr(ptr, 0, urb_data);
    umockdev_ioctl_data_unref(ptr);
    umockdev_ioctl_client_complete(client, 0, 0);
}

/* With E.lock held: can this URB be answered now (and fill it when so)? */
static int answer(UMockdevIoctlData *urb_data)
{
    struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_data->data;
    if (E.unplugged) {
        urb->status = -ENODEV;
        urb->actual_length = 0;
        return 1;
    }
    if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
        urb->status = 0;
        urb->actual_length = 0;
        return 1;
    }
    if (urb->endpoint != 0x82)
        return 0;
    if (E.stall_next) {
        E.stall_next = 0;
        urb->status = -EPIPE;
        urb->actual_length = 0;
        return 1;
    }
    if (E.mode == MODE_HOLD)
        return 0;
    size_t n = FRAME_BYTES - E.frame_off;
    if (n > (size_t)urb->buffer_length)
        n = (size_t)urb->buffer_length;
    memcpy(urb->buffer, E.frame + E.frame_off, n); /* libusb's buffer, same address space */
    E.frame_off += n;
    urb->status = 0;
    urb->actual_length = (int)n;
    return 1;
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user)
{
    (void)handler;
    (void)user;
    gulong request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    gboolean handled = TRUE;
    pthread_mutex_lock(&E.lock);
    switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
        *(guint32 *)d->data = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                              USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        umockdev_ioctl_data_unref(d);
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    }
    case USBDEVFS_CLEAR_HALT:
        E.clear_halts++;
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_CLAIMINTERFACE:
        if (E.claim_busy) { /* another program holds the interface */
            umockdev_ioctl_client_complete(client, -1, EBUSY);
            break;
        }
        /* fall through */
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_RESET:
    case USBDEVFS_RESETEP:
        if (E.unplugged)
            umockdev_ioctl_client_complete(client, -1, ENODEV);
        else
            umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_SUBMITURB: {
        if (E.unplugged) {
            umockdev_ioctl_client_complete(client, -1, ENODEV);
            break;
        }
        UMockdevIoctlData *urb_data =
            umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
        struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_data->data;
        if (urb->type == USBDEVFS_URB_TYPE_CONTROL && urb->buffer_length >= 8) {
            const uint8_t *setup = urb->buffer;
            E.last_req = setup[1];
            E.last_value = setup[2] | setup[3] << 8;
            E.last_index = setup[4] | setup[5] << 8;
            if (setup[1] == 0xE5) {
                E.frames++;
                fill_frame(E.frame, E.mode != MODE_EMPTY, E.frames);
                E.frame_off = 0;
            }
        }
        E.flying = g_list_append(E.flying, urb_data); /* keeps the reference */
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    }
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: {
        if (E.discarded) {
            UMockdevIoctlData *urb_data = E.discarded->data;
            E.discarded = g_list_delete_link(E.discarded, E.discarded);
            ((struct usbdevfs_urb *)urb_data->data)->status = -ENOENT;
            reap(client, arg, urb_data);
            umockdev_ioctl_data_unref(urb_data);
            break;
        }
        if (E.flying && answer(E.flying->data)) {
            UMockdevIoctlData *urb_data = E.flying->data;
            E.flying = g_list_delete_link(E.flying, E.flying);
            reap(client, arg, urb_data);
            umockdev_ioctl_data_unref(urb_data);
            break;
        }
        umockdev_ioctl_client_complete(client, -1, E.unplugged ? ENODEV : EAGAIN);
        break;
    }
    case USBDEVFS_DISCARDURB: {
        /* The argument is the URB's address in libusb's memory. */
        void *addr = *(void **)arg->data;
        GList *l = E.flying;
        while (l && ((UMockdevIoctlData *)l->data)->client_addr != (gulong)addr)
            l = l->next;
        if (l) {
            E.discarded = g_list_append(E.discarded, l->data);
            E.flying = g_list_delete_link(E.flying, l);
            umockdev_ioctl_client_complete(client, 0, 0);
        } else {
            umockdev_ioctl_client_complete(client, -1, EINVAL);
        }
        break;
    }
    default:
        handled = FALSE;
    }
    pthread_mutex_unlock(&E.lock);
    return handled;
}

static void plug(void)
{
    umockdev_testbed_attach_ioctl(E.tb, DEVNODE, E.handler, NULL);
    /* Device descriptor 1b55:0840 (no strings), one configuration, interface 0 (vendor class)
     * with a bulk IN endpoint 0x82 of 64 bytes. */
    umockdev_testbed_add_from_string(E.tb,
                                     "P: /devices/pci0000:00/0000:00:14.0/usb1/1-3\n"
                                     "N: bus/usb/001/005\n"
                                     "E: SUBSYSTEM=usb\n"
                                     "E: DEVTYPE=usb_device\n"
                                     "E: DRIVER=usb\n"
                                     "E: BUSNUM=001\n"
                                     "E: DEVNUM=005\n"
                                     "E: DEVNAME=/dev/bus/usb/001/005\n"
                                     "E: PRODUCT=1b55/840/100\n"
                                     "A: busnum=1\\n\n"
                                     "A: devnum=5\\n\n"
                                     "A: bConfigurationValue=1\\n\n"
                                     "A: speed=480\\n\n"
                                     "A: idVendor=1b55\\n\n"
                                     "A: idProduct=0840\\n\n"
                                     "H: descriptors="
                                     "12010002ff000040551b400800010000"
                                     "0001"
                                     "0902190001010080320904000001ff00"
                                     "0000070582024000"
                                     "00\n",
                                     NULL);
}

static void unplug(void)
{
    pthread_mutex_lock(&E.lock);
    E.unplugged = 1;
    pthread_mutex_unlock(&E.lock);
    umockdev_testbed_uevent(E.tb, SYSPATH, "remove");
    umockdev_testbed_remove_device(E.tb, SYSPATH);
    umockdev_testbed_detach_ioctl(E.tb, DEVNODE, NULL);
}

typedef struct job {
    zkbio_reader *r;
    int timeout_ms, rc;
    uint64_t done_ms;
    zkbio_image *img;
} job;

static void *capture_thread(void *arg)
{
    job *j = arg;
    j->rc = zkbio_reader_capture(j->r, j->timeout_ms, &j->img);
    j->done_ms = now_ms();
    return NULL;
}

typedef struct events {
    pthread_mutex_t lock;
    int arrived, left;
} events;

static void on_event(int event, const zkbio_reader_info *info, void *user)
{
    (void)info;
    events *e = user;
    pthread_mutex_lock(&e->lock);
    if (event == ZKBIO_READER_ARRIVED)
        e->arrived++;
    else
        e->left++;
    pthread_mutex_unlock(&e->lock);
}

static int wait_events(events *e, int arrived, int left, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        pthread_mutex_lock(&e->lock);
        int ok = e->arrived == arrived && e->left == left;
        pthread_mutex_unlock(&e->lock);
        if (ok)
            return 1;
        sleep_ms(10);
    }
    fprintf(stderr, "events: arrived %d left %d, wanted %d %d\n", e->arrived, e->left, arrived,
            left);
    return 0;
}

static void set_mode(enum mode m)
{
    pthread_mutex_lock(&E.lock);
    E.mode = m;
    pthread_mutex_unlock(&E.lock);
}

int main(void)
{
    const char *preload = getenv("LD_PRELOAD");
    if (!preload || !strstr(preload, "libumockdev-preload")) {
        printf("not running under umockdev-wrapper / libumockdev-preload: skipped\n");
        return 77;
    }
    pthread_mutex_init(&E.lock, NULL);
    E.frame = malloc(FRAME_BYTES);
    if (!E.frame)
        return 1;
    E.tb = umockdev_testbed_new();
    E.handler = umockdev_ioctl_base_new();
    g_signal_connect_after(E.handler, "handle-ioctl", G_CALLBACK(on_ioctl), NULL);
    plug();

    zkbio_reader_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.backends = ZKBIO_READER_BACKEND_ZK4500;
    cfg.hotplug_poll_ms = 200;
    zkbio_reader_ctx *ctx = NULL;
    int rc = zkbio_reader_ctx_new(&cfg, &ctx);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    if (rc != ZKBIO_OK)
        return TEST_DONE();
    zkbio_reader_info *v = NULL;
    size_t n = 0;
    CHECK_EQ_INT(zkbio_reader_enumerate(ctx, &v, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 1);
    char id[ZKBIO_READER_STR_MAX] = "";
    if (n == 1) {
        snprintf(id, sizeof(id), "%s", v[0].id);
        CHECK(strncmp(id, "zk4500:1-", 9) == 0);
        CHECK_EQ_INT(v[0].vendor_id, 0x1b55);
        CHECK_EQ_INT(v[0].product_id, 0x0840);
        CHECK_EQ_INT(v[0].width, 640);
        CHECK_EQ_INT(v[0].height, 480);
        CHECK_STR(v[0].model, "ZK4500");
    }
    zkbio_reader_info_free(v);
    events ev = {.arrived = 0};
    pthread_mutex_init(&ev.lock, NULL);
    CHECK_EQ_INT(zkbio_reader_hotplug_set(ctx, on_event, &ev), ZKBIO_OK);
    CHECK(wait_events(&ev, 1, 0, 2000));

    zkbio_reader *r = NULL;
    rc = zkbio_reader_open(ctx, id, &r);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "open: %s\n", zkbio_reader_last_error());
        return TEST_DONE();
    }
    /* The stale first frame was read at open and is never returned; after a pause the buffered
     * frame is dropped again, so the capture returns frame 3. */
    CHECK_EQ_INT(E.frames, 1);
    sleep_ms(150);
    zkbio_image *img = NULL;
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_OK);
    CHECK_EQ_INT(E.frames, 3);
    if (img) {
        CHECK_EQ_INT(img->width, 640);
        CHECK_EQ_INT(img->height, 480);
        CHECK_EQ_INT(img->dpi, 500);
        CHECK_EQ_INT(img->pixels[0], 3);
        zkbio_image_free(img);
        img = NULL;
    }
    /* The library's own time around the backend's capture (issue 4: under 5 ms). */
    zkbio_reader_timing tm;
    CHECK_EQ_INT(zkbio_reader_timing_get(r, &tm), ZKBIO_OK);
    CHECK(tm.backend_us > 0 && tm.total_us >= tm.backend_us && tm.total_us - tm.backend_us < 5000);
    printf("zk4500 capture: total %llu us, backend %llu us, library overhead %llu us\n",
           (unsigned long long)tm.total_us, (unsigned long long)tm.backend_us,
           (unsigned long long)(tm.total_us - tm.backend_us));
    CHECK_EQ_INT(E.last_req, 0xE5);
    int present = -1;
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 1);

    /* No finger: finger_present says so, a capture times out after about its timeout. */
    set_mode(MODE_EMPTY);
    CHECK_EQ_INT(zkbio_reader_finger_present(r, &present), ZKBIO_OK);
    CHECK_EQ_INT(present, 0);
    uint64_t t0 = now_ms();
    CHECK_EQ_INT(zkbio_reader_capture(r, 300, &img), ZKBIO_ETIMEDOUT);
    uint64_t dt = now_ms() - t0;
    CHECK(dt >= 290 && dt < 2000);

    /* LEDs and buzzer: request 0xE1, wValue on/off, wIndex = the output. */
    CHECK_EQ_INT(zkbio_reader_output_set(r, ZKBIO_READER_LED_GREEN, 1), ZKBIO_OK);
    CHECK_EQ_INT(E.last_req, 0xE1);
    CHECK_EQ_INT(E.last_value, 1);
    CHECK_EQ_INT(E.last_index, 0);
    CHECK_EQ_INT(zkbio_reader_output_set(r, ZKBIO_READER_BUZZER, 0), ZKBIO_OK);
    CHECK_EQ_INT(E.last_value, 0);
    CHECK_EQ_INT(E.last_index, 2);

    /* Cancel from another thread while no finger is on. */
    job j = {.r = r, .timeout_ms = -1};
    pthread_t th;
    pthread_create(&th, NULL, capture_thread, &j);
    sleep_ms(150);
    uint64_t tc = now_ms();
    zkbio_reader_cancel(r);
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.rc, ZKBIO_ECANCELED);
    CHECK(j.done_ms - tc < 1000);

    /* Cancel while a frame read is in flight (the reader does not answer): within 200 ms. */
    set_mode(MODE_HOLD);
    j = (job){.r = r, .timeout_ms = -1};
    pthread_create(&th, NULL, capture_thread, &j);
    sleep_ms(150);
    tc = now_ms();
    zkbio_reader_cancel(r);
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.rc, ZKBIO_ECANCELED);
    CHECK(j.done_ms - tc < 200);

    /* A stalled endpoint: ZKBIO_EIO, the halt is cleared, the next capture works. */
    set_mode(MODE_FINGER);
    pthread_mutex_lock(&E.lock);
    E.stall_next = 1;
    pthread_mutex_unlock(&E.lock);
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_EIO);
    CHECK(strstr(zkbio_reader_last_error(), "stalled") != NULL);
    CHECK_EQ_INT(E.clear_halts, 1);
    CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_OK);
    zkbio_image_free(img);
    img = NULL;

    /* Unplug during a capture: the unplugged error within 1 s, the reader leaves. */
    set_mode(MODE_HOLD);
    j = (job){.r = r, .timeout_ms = -1};
    pthread_create(&th, NULL, capture_thread, &j);
    sleep_ms(150);
    uint64_t tu = now_ms();
    unplug();
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.rc, ZKBIO_EUNPLUGGED);
    CHECK(j.done_ms - tu < 1000);
    CHECK(wait_events(&ev, 1, 1, 3000));
    CHECK_EQ_INT(zkbio_reader_capture(r, 0, &img), ZKBIO_EUNPLUGGED);
    CHECK_EQ_INT(zkbio_reader_enumerate(ctx, &v, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 0);
    zkbio_reader_info_free(v);
    zkbio_reader_close(r);

    /* Replug: it arrives again and works. */
    pthread_mutex_lock(&E.lock);
    E.unplugged = 0;
    E.mode = MODE_FINGER;
    while (E.flying) {
        umockdev_ioctl_data_unref(E.flying->data);
        E.flying = g_list_delete_link(E.flying, E.flying);
    }
    pthread_mutex_unlock(&E.lock);
    plug();
    CHECK(wait_events(&ev, 2, 1, 3000));
    r = NULL;
    /* Claimed by another program: busy, with a message saying so. */
    pthread_mutex_lock(&E.lock);
    E.claim_busy = 1;
    pthread_mutex_unlock(&E.lock);
    CHECK_EQ_INT(zkbio_reader_open(ctx, id, &r), ZKBIO_EBUSY);
    CHECK(strstr(zkbio_reader_last_error(), "another program") != NULL);
    pthread_mutex_lock(&E.lock);
    E.claim_busy = 0;
    pthread_mutex_unlock(&E.lock);
    rc = zkbio_reader_open(ctx, id, &r);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    if (rc != ZKBIO_OK)
        fprintf(stderr, "reopen: %s\n", zkbio_reader_last_error());
    if (r) {
        CHECK_EQ_INT(zkbio_reader_capture(r, 1000, &img), ZKBIO_OK);
        zkbio_image_free(img);
        zkbio_reader_close(r);
    }
    CHECK_EQ_INT(zkbio_reader_hotplug_set(ctx, NULL, NULL), ZKBIO_OK);
    zkbio_reader_ctx_free(ctx);
    g_object_unref(E.handler);
    g_object_unref(E.tb);
    free(E.frame);
    return TEST_DONE();
}
