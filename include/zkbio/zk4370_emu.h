/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file zk4370_emu.h
 * @brief An emulated ZKTeco terminal speaking the 4370 protocol over TCP and UDP, for tests and
 * `zkbio emulate`.
 *
 * It answers every packet as firmware does (tcp4370.md §10): random session ids, reply ids echoed,
 * comm-key check (§3), bulk data inline below 1 KiB and through 1503/1504 above (PREPARE_DATA +
 * DATA + ACK_OK per chunk on TCP, ≤ 1024-byte DATA datagrams on UDP, §4.2), the legacy direct
 * reads (§4.1 mode C), uploads (§4.3, §7.2, §7.3), realtime events to registered sessions (§6),
 * and a remote enroll sequence (FINGER, FPFTR × 3, ENROLLFINGER, §7.4). Writes are stored in
 * memory. Faults can be injected to test clients against misbehaving devices.
 *
 * Profiles (§10.7): 8 = "ZK8" (72-byte users, 40-byte attendance, 32-byte ATTLOG events), 6 =
 * "ZK6" (28-byte users, 8-byte attendance, 10-byte ATTLOG events, numeric PINs).
 *
 * Threading: zkbio_zk_emu_start() runs the device on its own thread; every other function may be
 * called from any thread while it runs.
 * Since: 0.1
 */
#ifndef ZKBIO_ZK4370_EMU_H
#define ZKBIO_ZK4370_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/zk4370.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Emulator settings. Start from zkbio_zk_emu_options_init() (all zero, `size` set) and set what you
 * need; strings are copied. The struct only grows at its end: `size` tells the library which fields
 * the caller knows, and fields past it take their defaults. Since: 0.1 (`size`: 0.3)
 */
typedef struct zkbio_zk_emu_options {
    uint32_t size;       /**< sizeof(zkbio_zk_emu_options) as the caller compiled it; a size below
                              that of 0.3 is ZKBIO_EINVAL. Since: 0.3 */
    const char *host;    /**< address to bind; NULL = 127.0.0.1 */
    uint16_t port;       /**< port for TCP and UDP; 0 = any free port (see zkbio_zk_emu_port) */
    int no_tcp;          /**< do not serve TCP (a UDP-only device) */
    int no_udp;          /**< do not serve UDP */
    uint32_t comm_key;   /**< 0 = none */
    int profile;         /**< 8 (default) or 6 */
    size_t users;        /**< users generated at start (uid and PIN 1..N) */
    size_t punches;      /**< attendance records generated at start (one minute apart from
                              2024-01-01 08:00, cycling through the users) */
    size_t fingers;      /**< templates generated per user, 0..10 */
    int punch_every_ms;  /**< store and announce a punch every N ms; 0 = never */
    int strict_checksum; /**< drop packets whose checksum is wrong (default: accept and count) */
    const char *serial;  /**< ~SerialNumber; NULL = "ZKEMU0000001" */
    const char *charset; /**< device codepage of names; NULL = UTF-8 */
    size_t inline_max;   /**< datasets below this size are sent inline (mode A); 0 = 1024 */
    int link_rate;       /**< bytes per second the terminal's link carries in a bulk transfer
                              (the answers to 1504 and the legacy streams): after each packet the
                              emulator waits as long as the packet takes on such a link, and at
                              least ZKBIO_ZK_EMU_PACKET_US (ZKBIO_ZK_EMU_TURN_US after the last
                              packet of an answer), as a terminal cannot send the next one
                              sooner. Clients such as node-zklib, which handle one packet per
                              socket read, depend on it. 0 = ZKBIO_ZK_EMU_LINK_RATE, -1 = none
                              (as fast as the host can). Since: 0.3 */
    size_t att_size;     /**< attendance record size: 8 (uid, state, time; the zk6 default), 16
                              (uid, time, state, verify: what node-zklib reads over UDP) or 40
                              (the zk8 default); 0 = the profile's. Since: 0.3 */
} zkbio_zk_emu_options;

/** Default zkbio_zk_emu_options.link_rate: 1 MB/s, the order of a terminal's bulk download
 *  (an embedded CPU behind a 10/100 Mbit/s port). */
#define ZKBIO_ZK_EMU_LINK_RATE 1000000
/** Least time between two packets of a paced bulk transfer, in microseconds: a terminal's CPU
 *  prepares each packet (and reads the next request) before it sends it. */
#define ZKBIO_ZK_EMU_PACKET_US 2000
/** Least time between the last packet of a paced bulk answer and the next answer, in
 *  microseconds: a terminal reads the next request and prepares the next chunk meanwhile. */
#define ZKBIO_ZK_EMU_TURN_US 20000

/** Zero every field of *o and set o->size to the size this header gives the struct. Since: 0.3 */
static inline void zkbio_zk_emu_options_init(zkbio_zk_emu_options *o)
{
    const zkbio_zk_emu_options zero = {0};
    *o = zero;
    o->size = (uint32_t)sizeof(*o);
}

/** A running emulator. */
typedef struct zkbio_zk_emu zkbio_zk_emu;

/**
 * Bind, generate the data and start the device thread. Only the first `o->size` bytes of *o are
 * read. *out written on ZKBIO_OK only. Errors: ZKBIO_EINVAL (bad options, `o->size` below the size
 * of the struct in 0.3, e.g. 0 when it was not set), ZKBIO_ECONN (cannot bind), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_zk_emu_start(const zkbio_zk_emu_options *o, zkbio_zk_emu **out);

/** Stop the thread, close every connection and free. Accepts NULL. */
ZKBIO_API void zkbio_zk_emu_stop(zkbio_zk_emu *e);

/** The port bound (useful with port 0). */
ZKBIO_API int zkbio_zk_emu_port(zkbio_zk_emu *e, uint16_t *port);

/** Faults the emulator can inject. */
typedef enum zkbio_zk_fault {
    ZKBIO_ZK_FAULT_DROP_REPLY = 1, /**< do not answer the packet */
    ZKBIO_ZK_FAULT_DELAY,          /**< answer after delay_ms */
    ZKBIO_ZK_FAULT_CLOSE_MID,      /**< 1504: send half the chunk, then close (TCP) / stop (UDP) */
    ZKBIO_ZK_FAULT_BAD_CHECKSUM,   /**< answer with a wrong checksum */
    ZKBIO_ZK_FAULT_HUGE_SIZE,      /**< 1503: announce a 2 GiB dataset */
    ZKBIO_ZK_FAULT_ENDLESS,        /**< 1504: send DATA packets without end */
    ZKBIO_ZK_FAULT_WRONG_LENGTH,   /**< TCP: wrapper length above 64 KiB; UDP: DATA longer than
                                        asked */
    ZKBIO_ZK_FAULT_GARBAGE,        /**< answer with bytes that are not a 4370 packet */
    ZKBIO_ZK_FAULT_UNKNOWN,        /**< answer ACK_UNKNOWN, as firmware without the command (old
                                        firmware without 1503, §8 pitfall 5) */
    ZKBIO_ZK_FAULT_FLOOD,          /**< send event packets without pause for 1 s, then answer */
    ZKBIO_ZK_FAULT_COALESCE,       /**< TCP: write all packets of the answer (e.g. PREPARE_DATA,
                                        DATA and ACK_OK of a 1504) in one send(), as a careless
                                        server would; firmware writes one packet per send().
                                        Since: 0.3 */
    ZKBIO_ZK_FAULT_BAD_SAMPLE      /**< CMD_STARTENROLL: the second press is a bad sample (FPFTR
                                        score 0) and the enrollment fails (ENROLLFINGER result 4,
                                        nothing stored), as a finger pressed too lightly.
                                        Since: 0.4 */
} zkbio_zk_fault;

/**
 * Arm a fault for the next `count` packets with command `cmd` (0 = any command) from clients.
 * `delay_ms` is used by ZKBIO_ZK_FAULT_DELAY. Up to 8 faults are armed at once; arming with count
 * 0 clears them all. Errors: ZKBIO_EINVAL, ZKBIO_ENOSPC (8 armed).
 */
ZKBIO_API int zkbio_zk_emu_fault(zkbio_zk_emu *e, int fault, uint16_t cmd, unsigned count,
                                 int delay_ms);

/**
 * Store a punch of `user_id` now (device clock) and send it as an EF_ATTLOG event to every session
 * that registered for it. Errors: ZKBIO_EINVAL, ZKBIO_ERANGE (non-numeric PIN on profile 6).
 */
ZKBIO_API int zkbio_zk_emu_punch(zkbio_zk_emu *e, const char *user_id, uint8_t verify,
                                 uint8_t state);

/** Send any event (door, alarm, verify, ...) to the sessions registered for ev->flag. */
ZKBIO_API int zkbio_zk_emu_event(zkbio_zk_emu *e, const zkbio_zk_event *ev);

/** What the device holds and what happened to it. */
typedef struct zkbio_zk_emu_stats {
    size_t users, templates, records;
    unsigned long packets;       /**< packets received */
    unsigned long bad_checksums; /**< packets received with a wrong checksum */
    unsigned long auth_failures; /**< CMD_AUTH with a wrong key */
    unsigned restarts, poweroffs, unlocks;
    uint32_t last_unlock;          /**< wire value of the last CMD_UNLOCK (deciseconds) */
    int enabled;                   /**< 0 after DISABLEDEVICE until ENABLEDEVICE */
    int sessions;                  /**< open sessions (TCP connections and UDP peers) */
    unsigned long sessions_opened; /**< sessions opened since start (TCP connections accepted,
                                        UDP peers seen first), closed or not: a client that
                                        keeps one session open leaves it at 1, one that
                                        reconnects raises it. Since: 0.3 */
} zkbio_zk_emu_stats;

ZKBIO_API int zkbio_zk_emu_stats_get(zkbio_zk_emu *e, zkbio_zk_emu_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_ZK4370_EMU_H */
