/* SPDX-License-Identifier: Apache-2.0 */
/* Private state of the 4370 emulator (emu.c, emu_cmds.c, emu_store.c). Every function here runs
 * with e->mu held. */
#ifndef ZKI_ZK_EMU_H
#define ZKI_ZK_EMU_H

#include "internal/thread.h"
#include <stddef.h>
#include <stdint.h>
#include "internal/net.h"

#include "zk4370/zki_zk4370.h"
#include "zkbio/zk4370_emu.h"

#define ZKI_EMU_MAX_SESS 32
#define ZKI_EMU_FAULTS   8
#define ZKI_EMU_EVQ      256
#define ZKI_EMU_OPTS     64
#define ZKI_EMU_RBUF     (2 * (ZKBIO_ZK_TCP_WRAP_SIZE + ZKBIO_ZK_MAX_PACKET))
#define ZKI_EMU_MAX_UP   ((size_t)16 << 20) /* largest upload buffer accepted */

typedef struct zki_emu_sess {
    int used;
    int dead;
    int fd; /* TCP connection, -1 for a UDP peer */
    struct sockaddr_storage peer;
    socklen_t plen;
    uint16_t id;
    int authed;
    uint32_t mask;
    int64_t last_ms;
    int fault; /* fault applied to the packet being answered */
    uint8_t *bulk;
    size_t bulk_len;
    uint8_t *up;
    size_t up_len, up_cap;
    uint8_t *rbuf;
    size_t rlen;
    uint8_t *cork; /* ZKBIO_ZK_FAULT_COALESCE: packets of one answer, written at its end */
    size_t cork_len, cork_cap;
    int enroll_step;
    int64_t enroll_next;
    char enroll_uid[25];
    uint8_t enroll_fid;
    int enroll_bad; /* ZKBIO_ZK_FAULT_BAD_SAMPLE armed on the STARTENROLL */
} zki_emu_sess;

typedef struct zki_emu_fault {
    int kind;
    uint16_t cmd;
    unsigned count;
    int delay_ms;
} zki_emu_fault;

typedef struct zki_emu_tmpl {
    uint16_t uid;
    uint8_t fid, flag;
    uint8_t *data;
    size_t len;
} zki_emu_tmpl;

typedef struct zki_emu_opt {
    char key[48];
    char val[96];
} zki_emu_opt;

struct zkbio_zk_emu {
    pthread_t thread;
    pthread_mutex_t mu;
    int running, stop;
    int wake[2];
    int lfd, ufd;
    uint16_t port;
    uint32_t rng;
    /* configuration */
    int profile;
    size_t usize, asize;
    uint32_t comm_key;
    int strict;
    int punch_every_ms;
    size_t inline_max;
    int link_rate; /* bytes/s of a bulk transfer; 0 = unpaced */
    char charset[32];
    /* stored data: raw records of the profile's sizes */
    uint8_t *users;
    size_t nusers, ucap;
    zki_emu_tmpl *tm;
    size_t ntm, tmcap;
    uint8_t *att;
    size_t natt, acap;
    zki_emu_opt opts[ZKI_EMU_OPTS];
    size_t nopts;
    int64_t time_offset; /* device clock = host local time + offset (seconds) */
    int enabled;
    zki_emu_fault faults[ZKI_EMU_FAULTS];
    zkbio_zk_emu_stats stats;
    zkbio_zk_event evq[ZKI_EMU_EVQ];
    size_t nev;
    int64_t next_punch;
    unsigned long punch_counter;
    zki_emu_sess sess[ZKI_EMU_MAX_SESS];
    uint8_t out[3 * ZKBIO_ZK_TCP_WRAP_SIZE + 3 * ZKBIO_ZK_HEADER_SIZE + ZKBIO_ZK_MAX_PACKET + 64];
    uint8_t in[ZKBIO_ZK_MAX_PACKET + 16];
};

int64_t zki_emu_now_ms(void);
uint32_t zki_emu_rand(zkbio_zk_emu *e);
/* Build a packet (wrapper on TCP) into out, applying the session's current fault. */
size_t zki_emu_build(zkbio_zk_emu *e, zki_emu_sess *s, uint8_t *out, uint16_t cmd,
                     uint16_t sessfield, uint16_t reply, const uint8_t *data, size_t len);
/* Write one packet: one send() per packet on TCP (TCP_NODELAY), as firmware does, so that segment
 * boundaries fall where a terminal's would; one datagram on UDP. Under ZKBIO_ZK_FAULT_COALESCE
 * the TCP packets are gathered and written together by zki_emu_flush. */
int zki_emu_send_raw(zkbio_zk_emu *e, zki_emu_sess *s, const uint8_t *p, size_t n);
/* Write the gathered packets of a coalesced answer (no-op otherwise). */
int zki_emu_flush(zkbio_zk_emu *e, zki_emu_sess *s);
/* Send one packet of a bulk transfer, then wait as long as it takes on the terminal's link
 * (e->link_rate; at least ZKBIO_ZK_EMU_PACKET_US, or ZKBIO_ZK_EMU_TURN_US after the last packet
 * of an answer), with e->mu released meanwhile. */
int zki_emu_send_paced(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t cmd, uint16_t reply,
                       const uint8_t *data, size_t len, int last);
/* Send one packet with the session's id. */
int zki_emu_send(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t cmd, uint16_t reply,
                 const uint8_t *data, size_t len);
void zki_emu_broadcast(zkbio_zk_emu *e, const zkbio_zk_event *ev);
void zki_emu_sess_free(zki_emu_sess *s);
/* Answer one packet from a client. */
void zki_emu_handle(zkbio_zk_emu *e, zki_emu_sess *s, const uint8_t *pkt, size_t len);
void zki_emu_enroll_step(zkbio_zk_emu *e, zki_emu_sess *s, int64_t now);

/* emu_store.c */
int zki_emu_store_init(zkbio_zk_emu *e, const zkbio_zk_emu_options *o);
void zki_emu_store_free(zkbio_zk_emu *e);
/* Device clock now. */
void zki_emu_clock(zkbio_zk_emu *e, zkbio_zk_time *t);
int zki_emu_set_clock(zkbio_zk_emu *e, const zkbio_zk_time *t);
int zki_emu_add_punch(zkbio_zk_emu *e, const char *user_id, uint8_t verify, uint8_t state,
                      zkbio_zk_event *ev);
/* Store a user record of 28 or 72 bytes (converted to the profile's size). */
int zki_emu_put_user(zkbio_zk_emu *e, const uint8_t *rec, size_t size);
int zki_emu_find_uid(zkbio_zk_emu *e, uint16_t uid);
int zki_emu_find_pin(zkbio_zk_emu *e, const char *user_id);
int zki_emu_delete_user(zkbio_zk_emu *e, uint16_t uid);
int zki_emu_put_template(zkbio_zk_emu *e, uint16_t uid, uint8_t fid, uint8_t flag,
                         const uint8_t *data, size_t len);
int zki_emu_find_template(zkbio_zk_emu *e, uint16_t uid, uint8_t fid);
int zki_emu_delete_template(zkbio_zk_emu *e, uint16_t uid, uint8_t fid);
/* Dataset (u32 records_bytes + records) for 1503 / legacy reads: 0 users, 1 attendance,
 * 2 templates, 3 oplog. malloc'ed. */
int zki_emu_dataset(zkbio_zk_emu *e, int kind, uint8_t **buf, size_t *len);
const char *zki_emu_get_opt(zkbio_zk_emu *e, const char *key);
int zki_emu_set_opt(zkbio_zk_emu *e, const char *key, const char *val);
void zki_emu_make_template(uint16_t uid, uint8_t fid, uint8_t *out, size_t len);

#endif /* ZKI_ZK_EMU_H */
