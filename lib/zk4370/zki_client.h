/* SPDX-License-Identifier: Apache-2.0 */
/* Private state and transport helpers of the 4370 client (client.c, client_ops.c). */
#ifndef ZKI_ZK_CLIENT_H
#define ZKI_ZK_CLIENT_H

#include "internal/thread.h"
#include <stddef.h>
#include <stdint.h>

#include "internal/errinfo.h"
#include "zk4370/zki_zk4370.h"
#include "zkbio/zk4370_client.h"

#define ZKI_ZK_EVENTQ 64

struct zkbio_zk_client {
    pthread_mutex_t mu;
    int fd;
    int tcp;
    int broken;
    int lenient;
    uint16_t session;
    uint16_t reply; /* reply id of the last request sent */
    int timeout_ms;
    int retries;
    size_t max_dataset;
    uint32_t comm_key;
    char *charset;
    size_t user_size; /* detected user record size, 0 = unknown */
    unsigned bad_checksums;
    /* TCP stream reassembly: at most one partial frame plus one recv */
    uint8_t rbuf[2 * (ZKBIO_ZK_TCP_WRAP_SIZE + ZKBIO_ZK_MAX_PACKET)];
    size_t rpos, rlen;
    uint8_t pkt[ZKBIO_ZK_MAX_PACKET + 1]; /* the current packet (header + data) */
    size_t pkt_len;
    uint8_t sbuf[ZKBIO_ZK_TCP_WRAP_SIZE + ZKBIO_ZK_MAX_PACKET];
    zkbio_zk_progress_cb progress; /* bulk read progress (zkbio_zk_client_progress_set) */
    void *progress_user;
    zkbio_zk_event events[ZKI_ZK_EVENTQ];
    size_t ev_head, nevents;
    char err[192];
};

int64_t zki_zk_now_ms(void);
/* Record a failure message; marks the handle broken for ECONN (and EPROTO on TCP). Returns rc. */
int zki_zk_fail(zkbio_zk_client *c, int rc, const char *fmt, ...) ZKI_PRINTF(3, 4);
/* Send one packet with the given reply id. */
int zki_zk_send(zkbio_zk_client *c, uint16_t cmd, uint16_t reply, const uint8_t *data, size_t len,
                int64_t deadline);
/* Next non-event packet (events are acknowledged and queued unless keep_events). */
int zki_zk_recv(zkbio_zk_client *c, int64_t deadline, int keep_events, zkbio_zk_header *h,
                const uint8_t **data, size_t *len);
/* Next packet carrying `reply`. */
int zki_zk_reply_for(zkbio_zk_client *c, uint16_t reply, int64_t deadline, zkbio_zk_header *h,
                     const uint8_t **data, size_t *len);
/* Send a command with the next reply id and wait for its answer (timeout of the handle). The data
 * points into c->pkt, valid until the next receive. */
int zki_zk_request(zkbio_zk_client *c, uint16_t cmd, const uint8_t *data, size_t len,
                   zkbio_zk_header *h, const uint8_t **rdata, size_t *rlen);
/* Request expecting a bare ACK_OK: ZKBIO_EIO when refused, ZKBIO_EACCES on ACK_UNAUTH. */
int zki_zk_simple(zkbio_zk_client *c, uint16_t cmd, const uint8_t *data, size_t len);
int zki_zk_pop_event(zkbio_zk_client *c, zkbio_zk_event *ev);
int zki_zk_wait_event(zkbio_zk_client *c, int slice_ms, zkbio_zk_event *ev);
/* Next reply id (also used for chunk requests). */
uint16_t zki_zk_next_reply(zkbio_zk_client *c);
/* CMD_GET_FREE_SIZES (client_ops.c). */
int zki_zk_get_sizes(zkbio_zk_client *c, zkbio_zk_sizes *s);
/* CMD_FREE_DATA (client_bulk.c). */
int zki_zk_free_data(zkbio_zk_client *c);
/* Every user, handle locked (client_bulk.c); learns the user record size. */
int zki_zk_users_locked(zkbio_zk_client *c, zkbio_zk_user **users, size_t *count);

#endif /* ZKI_ZK_CLIENT_H */
