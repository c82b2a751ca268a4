/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the reader core's structures and the backend table (style.md §1, §8: one const table of
 * callbacks per backend, optional members may be NULL, the core allocates the handle's private
 * state). Not installed; not part of the API. */
#ifndef ZKI_READER_BACKEND_H
#define ZKI_READER_BACKEND_H

#include "internal/thread.h"
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "internal/errinfo.h"
#include "zkbio/reader.h"

typedef struct zki_reader_backend zki_reader_backend;

/* A growable list of reader descriptions that enumerate() appends to. */
typedef struct zki_info_list {
    zkbio_reader_info *v;
    size_t n, cap;
} zki_info_list;

/* Append a copy of *info; ZKBIO_OK or ZKBIO_ENOMEM. */
int zki_info_list_add(zki_info_list *l, const zkbio_reader_info *info);

/* Bounded string copy into a fixed field (always NUL-terminated, truncated when needed). */
void zki_strlcpy(char *dst, const char *src, size_t size);

/* One backend started in a context. */
typedef struct zki_backend_slot {
    const zki_reader_backend *be;
    void *state; /* from be->start(), NULL when the backend did not start */
} zki_backend_slot;

#define ZKI_BACKENDS_MAX 3

struct zkbio_reader_ctx {
    zki_backend_slot slots[ZKI_BACKENDS_MAX];
    size_t nslots;
    int poll_ms;
    zkbio_reader_image_loader load_image;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;  /* the monitor waits on it; zki_ctx_rescan() signals it */
    zkbio_reader **open;  /* open handles (an id is opened once per context) */
    size_t nopen, capopen;
    /* hotplug monitor */
    pthread_t monitor;
    int monitor_running, monitor_stop, rescan;
    zkbio_reader_hotplug_cb cb; /* fixed while the monitor runs (set_hotplug restarts it) */
    void *cb_user;
};

struct zkbio_reader {
    zkbio_reader_ctx *ctx;
    const zki_reader_backend *be;
    void *bstate;         /* the backend's context state */
    pthread_mutex_t lock; /* guards info, busy, timing */
    zkbio_reader_info info;
    int busy;          /* a capture, finger or output call runs */
    atomic_int cancel; /* set by zkbio_reader_cancel() while a capture runs */
    atomic_int capturing;
    zkbio_reader_timing timing;
    void *priv; /* be->priv_size bytes, zeroed, allocated with the handle */
};

/* The backend contract. Every callback except start/stop/enumerate/cancel runs with the handle
 * marked busy (one at a time per handle). Callbacks return ZKBIO_OK or a zkbio error and set
 * zki_set_error() details on failure. */
struct zki_reader_backend {
    unsigned version; /* 1 */
    const char *name; /* "sim", "zk4500", "zkfp" */
    uint32_t flag;    /* ZKBIO_READER_BACKEND_* */
    size_t priv_size; /* bytes of zkbio_reader.priv */
    /* Start the backend for ctx. *state is the backend's; a failure skips the backend (last_error
     * says why) unless the return is ZKBIO_EINVAL/ZKBIO_EIO/ZKBIO_ENOMEM with fatal set. */
    int (*start)(zkbio_reader_ctx *ctx, const zkbio_reader_config *cfg, void **state, int *fatal);
    void (*stop)(void *state);
    /* Append the readers present now. */
    int (*enumerate)(void *state, zki_info_list *out);
    /* Open reader `id` (known to belong to this backend): fill r->info and r->priv. */
    int (*open)(void *state, const char *id, zkbio_reader *r);
    void (*close)(zkbio_reader *r);
    /* Capture; poll r->cancel (or be woken by cancel()) and return ZKBIO_ECANCELED. */
    int (*capture)(zkbio_reader *r, int timeout_ms, zkbio_image **out);
    void (*cancel)(zkbio_reader *r);                        /* optional: wake a waiting capture */
    int (*finger)(zkbio_reader *r, int *present);           /* optional */
    int (*set_output)(zkbio_reader *r, int output, int on); /* optional */
};

extern const zki_reader_backend zki_backend_sim;
#ifdef ZKBIO_HAVE_LIBUSB
extern const zki_reader_backend zki_backend_zk4500;
#endif
extern const zki_reader_backend zki_backend_zkfp;

/* Thread-local error detail (zkbio_reader_last_error()); returns rc for chaining. */
int zki_set_error(int rc, const char *fmt, ...) ZKI_PRINTF(2, 3);
void zki_clear_error(void);

/* Every reader of every started backend, sorted by id within a backend (reader.c). */
int zki_enumerate_all(zkbio_reader_ctx *ctx, zki_info_list *l);

/* Ask the hotplug monitor to rescan now (any thread, any lock state except ctx->lock). */
void zki_ctx_rescan(zkbio_reader_ctx *ctx);

/* Monotonic clock in microseconds. */
uint64_t zki_now_us(void);

/* Absolute deadline for a condition wait of ms milliseconds from now, on the clock of
 * zki_cond_init_monotonic's condition variables (CLOCK_MONOTONIC; CLOCK_REALTIME on Windows). */
void zki_deadline(struct timespec *ts, long ms);

/* Initialise a condition variable that waits on CLOCK_MONOTONIC (Windows: CLOCK_REALTIME,
 * winpthreads has no other). */
int zki_cond_init_monotonic(pthread_cond_t *c);

/* Finger presence from image content: 1 when the image holds ridge structure over a large enough
 * area (see finger.c), else 0. */
int zki_finger_in_image(const uint8_t *px, uint32_t width, uint32_t height, uint32_t stride);

#endif /* ZKI_READER_BACKEND_H */
