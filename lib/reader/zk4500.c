/* SPDX-License-Identifier: Apache-2.0 */
/* The zk4500 backend: a native libusb driver for the ZKTeco ZK4500 (USB 1b55:0840), using the
 * open protocol of the shared reference fingerprint.md §2.3:
 *   open     SetConfiguration(1), ClaimInterface(0)
 *   capture  vendor OUT control 0x40, bRequest 0xE5, wValue 0, wIndex 0, no data; then a bulk IN
 *            read of exactly 640 x 480 = 307,200 bytes on endpoint 0x82, timeout 1000 ms
 *   quirk    the first frame after open is stale (an old buffered image): read and dropped
 *   outputs  vendor OUT control 0x40, bRequest 0xE1, wValue 1 on / 0 off, wIndex 0 green, 1 red,
 *            2 buzzer, 3 white
 * The protocol has no finger flag: finger presence is judged from the frame (finger.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb.h>

#include "reader/backend.h"

#define ZK_VID                 0x1b55
#define ZK4500_PID             0x0840
#define ZK4500_W               640
#define ZK4500_H               480
#define ZK4500_FRAME           (ZK4500_W * ZK4500_H)
#define ZK4500_EP_IN           0x82
#define ZK4500_REQ_LED         0xE1
#define ZK4500_REQ_CAPTURE     0xE5
#define ZK4500_TIMEOUT_MS      1000
#define ZK4500_CTRL_TIMEOUT_MS 500
#define ZK4500_CANCEL_POLL_MS  50
#define ZK4500_STALE_US        100000 /* a pause after which the buffered frame is old, us */

typedef struct zk_state {
    zkbio_reader_ctx *ctx;
    libusb_context *usb;
    libusb_hotplug_callback_handle hotplug;
    int has_hotplug;
    pthread_t events;
    int events_running;
    atomic_int stop;
} zk_state;

typedef struct zk_handle {
    libusb_device_handle *h;
    uint8_t *frame; /* ZK4500_FRAME bytes */
    uint32_t outputs_on;
    int gone;
    uint64_t last_grab_us; /* when the last frame was read (zki_now_us) */
} zk_handle;

static int LIBUSB_CALL on_hotplug(libusb_context *usb, libusb_device *dev,
                                  libusb_hotplug_event event, void *user)
{
    (void)usb;
    (void)dev;
    (void)event;
    zk_state *s = user;
    zki_ctx_rescan(s->ctx);
    return 0; /* stay registered */
}

/* libusb delivers hotplug callbacks from its event handling: one thread runs it for the context
 * (synchronous transfers in other threads share it through libusb's event lock). */
static void *event_main(void *arg)
{
    zk_state *s = arg;
    while (!atomic_load(&s->stop)) {
        struct timeval tv = {0, 200000};
        libusb_handle_events_timeout_completed(s->usb, &tv, NULL);
    }
    return NULL;
}

static void zk_stop(void *state)
{
    zk_state *s = state;
    if (s->has_hotplug)
        libusb_hotplug_deregister_callback(s->usb, s->hotplug);
    if (s->events_running) {
        atomic_store(&s->stop, 1);
        libusb_interrupt_event_handler(s->usb);
        pthread_join(s->events, NULL);
    }
    libusb_exit(s->usb);
    free(s);
}

static int zk_start(zkbio_reader_ctx *ctx, const zkbio_reader_config *cfg, void **state, int *fatal)
{
    (void)cfg;
    *fatal = 0;
    zk_state *s = calloc(1, sizeof(*s));
    if (!s)
        return ZKBIO_ENOMEM;
    s->ctx = ctx;
    int rc = libusb_init(&s->usb);
    if (rc != 0) {
        free(s);
        return zki_set_error(ZKBIO_EBACKEND, "zk4500: libusb_init failed: %s", libusb_strerror(rc));
    }
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) &&
        libusb_hotplug_register_callback(
            s->usb, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0,
            ZK_VID, ZK4500_PID, LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, s, &s->hotplug) == 0)
        s->has_hotplug = 1;
    if (pthread_create(&s->events, NULL, event_main, s) == 0)
        s->events_running = 1;
    *state = s;
    return ZKBIO_OK;
}

/* "zk4500:BUS-PORT.PORT..." (the port path), or "zk4500:BUS-aADDR" without one. */
static void device_id(libusb_device *dev, char *id, size_t size)
{
    uint8_t ports[8];
    int n = libusb_get_port_numbers(dev, ports, 8);
    int len = snprintf(id, size, "zk4500:%u-", libusb_get_bus_number(dev));
    if (n <= 0) {
        snprintf(id + len, size - (size_t)len, "a%u", libusb_get_device_address(dev));
        return;
    }
    for (int i = 0; i < n && (size_t)len < size; i++)
        len += snprintf(id + len, size - (size_t)len, i ? ".%u" : "%u", ports[i]);
}

static int is_zk4500(libusb_device *dev)
{
    struct libusb_device_descriptor d;
    return libusb_get_device_descriptor(dev, &d) == 0 && d.idVendor == ZK_VID &&
           d.idProduct == ZK4500_PID;
}

static void fill_info(libusb_device *dev, zkbio_reader_info *info)
{
    memset(info, 0, sizeof(*info));
    device_id(dev, info->id, sizeof(info->id));
    zki_strlcpy(info->backend, "zk4500", sizeof(info->backend));
    info->vendor_id = ZK_VID;
    info->product_id = ZK4500_PID;
    zki_strlcpy(info->model, "ZK4500", sizeof(info->model));
    info->width = ZK4500_W;
    info->height = ZK4500_H;
    info->dpi = 500;
    info->caps = ZKBIO_READER_CAP_LED_GREEN | ZKBIO_READER_CAP_LED_RED |
                 ZKBIO_READER_CAP_LED_WHITE | ZKBIO_READER_CAP_BUZZER | ZKBIO_READER_CAP_FINGER;
}

static int zk_enumerate(void *state, zki_info_list *out)
{
    zk_state *s = state;
    libusb_device **list = NULL;
    ssize_t n = libusb_get_device_list(s->usb, &list);
    if (n < 0)
        return zki_set_error(ZKBIO_EIO, "zk4500: cannot list USB devices: %s",
                             libusb_strerror((int)n));
    int rc = ZKBIO_OK;
    for (ssize_t i = 0; i < n && rc == ZKBIO_OK; i++) {
        if (!is_zk4500(list[i]))
            continue;
        zkbio_reader_info info;
        fill_info(list[i], &info);
        rc = zki_info_list_add(out, &info);
    }
    libusb_free_device_list(list, 1);
    return rc;
}

/* Map a libusb error of an open handle to a zkbio error with a detail. */
static int usb_error(zkbio_reader *r, int err, const char *what)
{
    zk_handle *h = r->priv;
    switch (err) {
    case LIBUSB_ERROR_NO_DEVICE:
        h->gone = 1;
        return zki_set_error(ZKBIO_EUNPLUGGED, "reader %s was unplugged (%s)", r->info.id, what);
    case LIBUSB_ERROR_TIMEOUT:
        return zki_set_error(ZKBIO_EIO, "reader %s: %s timed out", r->info.id, what);
    case LIBUSB_ERROR_PIPE:
        libusb_clear_halt(h->h, ZK4500_EP_IN);
        return zki_set_error(ZKBIO_EIO, "reader %s: %s: endpoint stalled (cleared)", r->info.id,
                             what);
    case LIBUSB_ERROR_BUSY:
        return zki_set_error(ZKBIO_EBUSY, "reader %s: %s: busy", r->info.id, what);
    default:
        return zki_set_error(ZKBIO_EIO, "reader %s: %s: %s", r->info.id, what,
                             libusb_strerror(err));
    }
}

static void LIBUSB_CALL on_bulk_done(struct libusb_transfer *t)
{
    *(int *)t->user_data = 1;
}

/* The frame read as an asynchronous transfer, so that zkbio_reader_cancel() aborts it within
 * ZK4500_CANCEL_POLL_MS instead of after the transfer timeout. Returns 0 (*got set), 1 when it
 * was cancelled, or a LIBUSB_ERROR_* code. */
static int bulk_read(zkbio_reader *r, int *got)
{
    zk_handle *h = r->priv;
    zk_state *s = r->bstate;
    struct libusb_transfer *t = libusb_alloc_transfer(0);
    if (!t)
        return LIBUSB_ERROR_NO_MEM;
    int completed = 0, cancelled = 0;
    libusb_fill_bulk_transfer(t, h->h, ZK4500_EP_IN, h->frame, ZK4500_FRAME, on_bulk_done,
                              &completed, ZK4500_TIMEOUT_MS);
    int rc = libusb_submit_transfer(t);
    if (rc < 0) {
        libusb_free_transfer(t);
        return rc;
    }
    while (!completed) {
        struct timeval tv = {0, ZK4500_CANCEL_POLL_MS * 1000};
        rc = libusb_handle_events_timeout_completed(s->usb, &tv, &completed);
        if (!completed && !cancelled &&
            (atomic_load(&r->cancel) || (rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED))) {
            libusb_cancel_transfer(t);
            cancelled = atomic_load(&r->cancel) ? 1 : 2;
        }
    }
    switch (t->status) {
    case LIBUSB_TRANSFER_COMPLETED:
        *got = t->actual_length;
        rc = 0;
        break;
    case LIBUSB_TRANSFER_CANCELLED:
        rc = cancelled == 1 ? 1 : LIBUSB_ERROR_IO;
        break;
    case LIBUSB_TRANSFER_TIMED_OUT:
        rc = LIBUSB_ERROR_TIMEOUT;
        break;
    case LIBUSB_TRANSFER_STALL:
        rc = LIBUSB_ERROR_PIPE;
        break;
    case LIBUSB_TRANSFER_NO_DEVICE:
        rc = LIBUSB_ERROR_NO_DEVICE;
        break;
    case LIBUSB_TRANSFER_OVERFLOW:
        rc = LIBUSB_ERROR_OVERFLOW;
        break;
    default:
        rc = LIBUSB_ERROR_IO;
    }
    libusb_free_transfer(t);
    return rc;
}

/* One frame: request 0xE5, then the 307,200-byte bulk read. */
static int grab(zkbio_reader *r)
{
    zk_handle *h = r->priv;
    if (h->gone)
        return zki_set_error(ZKBIO_EUNPLUGGED, "reader %s was unplugged", r->info.id);
    int rc = libusb_control_transfer(h->h, LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_ENDPOINT_OUT,
                                     ZK4500_REQ_CAPTURE, 0, 0, NULL, 0, ZK4500_CTRL_TIMEOUT_MS);
    if (rc < 0)
        return usb_error(r, rc, "capture request");
    int got = 0;
    rc = bulk_read(r, &got);
    if (rc == 1)
        return zki_set_error(ZKBIO_ECANCELED, "capture on %s cancelled", r->info.id);
    if (rc < 0)
        return usb_error(r, rc, "frame read");
    if (got != ZK4500_FRAME)
        return zki_set_error(ZKBIO_EIO, "reader %s: short frame (%d of %d bytes)", r->info.id, got,
                             ZK4500_FRAME);
    h->last_grab_us = zki_now_us();
    return ZKBIO_OK;
}

/* A frame taken now: the reader hands out an old buffered image first (§2.3), so after a pause
 * (not while frames are read back to back) one frame is read and dropped before the real one. */
static int grab_fresh(zkbio_reader *r)
{
    zk_handle *h = r->priv;
    if (zki_now_us() - h->last_grab_us > ZK4500_STALE_US) {
        int rc = grab(r);
        if (rc != ZKBIO_OK)
            return rc;
    }
    return grab(r);
}

static int zk_open(void *state, const char *id, zkbio_reader *r)
{
    zk_state *s = state;
    zk_handle *h = r->priv;
    libusb_device **list = NULL;
    ssize_t n = libusb_get_device_list(s->usb, &list);
    if (n < 0)
        return zki_set_error(ZKBIO_EIO, "zk4500: cannot list USB devices");
    libusb_device *dev = NULL;
    for (ssize_t i = 0; i < n && !dev; i++) {
        char did[ZKBIO_READER_STR_MAX];
        if (!is_zk4500(list[i]))
            continue;
        device_id(list[i], did, sizeof(did));
        if (strcmp(did, id) == 0)
            dev = libusb_ref_device(list[i]);
    }
    libusb_free_device_list(list, 1);
    if (!dev)
        return zki_set_error(ZKBIO_ENODEV, "no reader with id '%s'", id);
    fill_info(dev, &r->info);
    int rc = libusb_open(dev, &h->h);
    unsigned bus = libusb_get_bus_number(dev), addr = libusb_get_device_address(dev);
    (void)bus; /* used by the Linux permission hint only */
    (void)addr;
    libusb_unref_device(dev);
    if (rc == LIBUSB_ERROR_ACCESS)
#ifdef _WIN32
        return zki_set_error(ZKBIO_EACCES,
                             "no access to reader %s: bind it to the WinUSB driver (Zadig), "
                             "see docs/reader.md",
                             id);
#else
        return zki_set_error(ZKBIO_EACCES,
                             "no permission for /dev/bus/usb/%03u/%03u (reader %s): install "
                             "60-zkbio.rules into /etc/udev/rules.d (docs/reader.md), run "
                             "'udevadm control --reload' and replug the reader",
                             bus, addr, id);
#endif
    if (rc == LIBUSB_ERROR_NO_DEVICE)
        return zki_set_error(ZKBIO_ENODEV, "reader %s went away", id);
    if (rc != 0)
        return zki_set_error(ZKBIO_EIO, "cannot open reader %s: %s", id, libusb_strerror(rc));
    struct libusb_device_descriptor desc;
    if (libusb_get_device_descriptor(libusb_get_device(h->h), &desc) == 0 && desc.iSerialNumber) {
        unsigned char serial[ZKBIO_READER_STR_MAX];
        if (libusb_get_string_descriptor_ascii(h->h, desc.iSerialNumber, serial, sizeof(serial)) >
            0)
            zki_strlcpy(r->info.serial, (const char *)serial, sizeof(r->info.serial));
    }
    int config = 0;
    rc = libusb_get_configuration(h->h, &config);
    if (rc == 0 && config != 1)
        rc = libusb_set_configuration(h->h, 1);
    if (rc == 0)
        rc = libusb_claim_interface(h->h, 0);
    if (rc == 0 && !(h->frame = malloc(ZK4500_FRAME)))
        rc = LIBUSB_ERROR_NO_MEM;
    if (rc == 0) {
        /* The stale first frame (§2.3); only an unplug is an error here. */
        int g = grab(r);
        if (g == ZKBIO_EUNPLUGGED)
            rc = LIBUSB_ERROR_NO_DEVICE;
    }
    if (rc != 0) {
        int err =
            rc == LIBUSB_ERROR_BUSY
                ? zki_set_error(ZKBIO_EBUSY, "reader %s is in use by another program", id)
            : rc == LIBUSB_ERROR_NO_MEM ? ZKBIO_ENOMEM
            : rc == LIBUSB_ERROR_NO_DEVICE
                ? zki_set_error(ZKBIO_ENODEV, "reader %s went away while opening", id)
                : zki_set_error(ZKBIO_EIO, "cannot set up reader %s: %s", id, libusb_strerror(rc));
        free(h->frame);
        h->frame = NULL;
        libusb_close(h->h);
        h->h = NULL;
        return err;
    }
    return ZKBIO_OK;
}

static void zk_close(zkbio_reader *r)
{
    zk_handle *h = r->priv;
    if (!h->h)
        return;
    for (int o = 0; o <= ZKBIO_READER_LED_WHITE && !h->gone; o++)
        if (h->outputs_on & (1u << o))
            libusb_control_transfer(h->h, LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_ENDPOINT_OUT,
                                    ZK4500_REQ_LED, 0, (uint16_t)o, NULL, 0,
                                    ZK4500_CTRL_TIMEOUT_MS);
    libusb_release_interface(h->h, 0);
    libusb_close(h->h);
    free(h->frame);
}

static int zk_capture(zkbio_reader *r, int timeout_ms, zkbio_image **out)
{
    zk_handle *h = r->priv;
    uint64_t start = zki_now_us();
    for (;;) {
        if (atomic_load(&r->cancel))
            return zki_set_error(ZKBIO_ECANCELED, "capture on %s cancelled", r->info.id);
        int rc = grab_fresh(r);
        if (rc != ZKBIO_OK)
            return rc;
        if (atomic_load(&r->cancel))
            return zki_set_error(ZKBIO_ECANCELED, "capture on %s cancelled", r->info.id);
        if (zki_finger_in_image(h->frame, ZK4500_W, ZK4500_H, ZK4500_W))
            return zkbio_image_from_buffer(h->frame, ZK4500_W, ZK4500_H, ZK4500_W, 500, out);
        if (timeout_ms >= 0 && zki_now_us() - start >= (uint64_t)timeout_ms * 1000u)
            return zki_set_error(ZKBIO_ETIMEDOUT, "no finger on %s", r->info.id);
    }
}

static int zk_finger(zkbio_reader *r, int *present)
{
    zk_handle *h = r->priv;
    int rc = grab_fresh(r);
    if (rc == ZKBIO_OK)
        *present = zki_finger_in_image(h->frame, ZK4500_W, ZK4500_H, ZK4500_W);
    return rc;
}

static int zk_set_output(zkbio_reader *r, int output, int on)
{
    zk_handle *h = r->priv;
    if (h->gone)
        return zki_set_error(ZKBIO_EUNPLUGGED, "reader %s was unplugged", r->info.id);
    int rc = libusb_control_transfer(h->h, LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_ENDPOINT_OUT,
                                     ZK4500_REQ_LED, (uint16_t)(on ? 1 : 0), (uint16_t)output, NULL,
                                     0, ZK4500_CTRL_TIMEOUT_MS);
    if (rc < 0)
        return usb_error(r, rc, "LED/buzzer request");
    if (on)
        h->outputs_on |= 1u << output;
    else
        h->outputs_on &= ~(1u << output);
    return ZKBIO_OK;
}

const zki_reader_backend zki_backend_zk4500 = {
    .version = 1,
    .name = "zk4500",
    .flag = ZKBIO_READER_BACKEND_ZK4500,
    .priv_size = sizeof(zk_handle),
    .start = zk_start,
    .stop = zk_stop,
    .enumerate = zk_enumerate,
    .open = zk_open,
    .close = zk_close,
    .capture = zk_capture,
    .finger = zk_finger,
    .set_output = zk_set_output,
};
