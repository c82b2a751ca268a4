/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file zk4370.h
 * @brief Codec of the ZKTeco "standalone SDK" protocol on TCP/UDP port 4370 (the protocol of
 * zkemkeeper, pyzk and node-zklib).
 *
 * Pure functions: no sockets, no files, no global mutable state. The client (zk4370_client.h) and
 * the device emulator (zk4370_emu.h) are built on them.
 *
 * Source of every protocol fact: the shared reference `tcp4370.md` (sections cited as §n below),
 * which collects pyzk, adrobinoga/zk-protocol captures, node-zklib and the 2006 ZKSoftware
 * communication protocol manual.
 *
 * Common rules:
 * - All integers on the wire are little-endian (§0).
 * - Parsers take pointer + length, never read outside it, and return ZKBIO_EPROTO for malformed
 * input; outputs are written only on ZKBIO_OK unless stated.
 * - Text fields (`char[N]` on the wire) are NUL-padded bytes in the device codepage (§8 pitfall 8).
 * Parsed structs hold NUL-terminated UTF-8; `charset` arguments name the device codepage for iconv
 * ("GB18030", "BIG5", "CP1256", ...); NULL or "UTF-8" means UTF-8. Bytes invalid in the codepage
 * become U+FFFD. Builders convert UTF-8 back and truncate on a character boundary so the encoded
 * text fits its field with a NUL.
 * - Thread-safety: every function is reentrant.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_ZK4370_H
#define ZKBIO_ZK4370_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default port of the protocol. */
#define ZKBIO_ZK_PORT 4370
/** Size of the ZK header (command, checksum, session, reply id), §1.2. */
#define ZKBIO_ZK_HEADER_SIZE 8
/** Size of the TCP wrapper (magic 0x5050 0x7D82, u32 length), §1.1. */
#define ZKBIO_ZK_TCP_WRAP_SIZE 8
/** Largest data field accepted in one packet: the 16-bit length limit minus the header (§1.1). */
#define ZKBIO_ZK_MAX_DATA (65535 - ZKBIO_ZK_HEADER_SIZE)
/** Largest packet (header + data) accepted. */
#define ZKBIO_ZK_MAX_PACKET 65535
/** Chunk size for bulk reads over TCP (pyzk 0xFFC0) and over UDP (pyzk 16 KiB), §4.2. */
#define ZKBIO_ZK_CHUNK_TCP 65472
#define ZKBIO_ZK_CHUNK_UDP 16384
/** Data bytes per CMD_DATA datagram over UDP, §1.5. */
#define ZKBIO_ZK_UDP_DATA 1024

/** Command and reply codes (§2). */
enum zkbio_zk_cmd {
    ZKBIO_ZK_CMD_DB_RRQ = 7,
    ZKBIO_ZK_CMD_USER_WRQ = 8,
    ZKBIO_ZK_CMD_USERTEMP_RRQ = 9,
    ZKBIO_ZK_CMD_USERTEMP_WRQ = 10,
    ZKBIO_ZK_CMD_OPTIONS_RRQ = 11,
    ZKBIO_ZK_CMD_OPTIONS_WRQ = 12,
    ZKBIO_ZK_CMD_ATTLOG_RRQ = 13,
    ZKBIO_ZK_CMD_CLEAR_DATA = 14,
    ZKBIO_ZK_CMD_CLEAR_ATTLOG = 15,
    ZKBIO_ZK_CMD_DELETE_USER = 18,
    ZKBIO_ZK_CMD_DELETE_USERTEMP = 19,
    ZKBIO_ZK_CMD_CLEAR_ADMIN = 20,
    ZKBIO_ZK_CMD_USERGRP_RRQ = 21,
    ZKBIO_ZK_CMD_USERGRP_WRQ = 22,
    ZKBIO_ZK_CMD_USERTZ_RRQ = 23,
    ZKBIO_ZK_CMD_USERTZ_WRQ = 24,
    ZKBIO_ZK_CMD_GRPTZ_RRQ = 25,
    ZKBIO_ZK_CMD_GRPTZ_WRQ = 26,
    ZKBIO_ZK_CMD_TZ_RRQ = 27,
    ZKBIO_ZK_CMD_TZ_WRQ = 28,
    ZKBIO_ZK_CMD_ULG_RRQ = 29,
    ZKBIO_ZK_CMD_ULG_WRQ = 30,
    ZKBIO_ZK_CMD_UNLOCK = 31,
    ZKBIO_ZK_CMD_CLEAR_ACC = 32,
    ZKBIO_ZK_CMD_CLEAR_OPLOG = 33,
    ZKBIO_ZK_CMD_OPLOG_RRQ = 34,
    ZKBIO_ZK_CMD_GET_FREE_SIZES = 50,
    ZKBIO_ZK_CMD_ENABLE_CLOCK = 57,
    ZKBIO_ZK_CMD_STARTVERIFY = 60,
    ZKBIO_ZK_CMD_STARTENROLL = 61,
    ZKBIO_ZK_CMD_CANCELCAPTURE = 62,
    ZKBIO_ZK_CMD_STATE_RRQ = 64,
    ZKBIO_ZK_CMD_WRITE_LCD = 66,
    ZKBIO_ZK_CMD_CLEAR_LCD = 67,
    ZKBIO_ZK_CMD_GET_PINWIDTH = 69,
    ZKBIO_ZK_CMD_SMS_WRQ = 70,
    ZKBIO_ZK_CMD_SMS_RRQ = 71,
    ZKBIO_ZK_CMD_DELETE_SMS = 72,
    ZKBIO_ZK_CMD_UDATA_WRQ = 73,
    ZKBIO_ZK_CMD_DELETE_UDATA = 74,
    ZKBIO_ZK_CMD_DOORSTATE_RRQ = 75,
    ZKBIO_ZK_CMD_WRITE_MIFARE = 76,
    ZKBIO_ZK_CMD_EMPTY_MIFARE = 78,
    ZKBIO_ZK_CMD_VERIFY_WRQ = 79,
    ZKBIO_ZK_CMD_VERIFY_RRQ = 80,
    ZKBIO_ZK_CMD_TMP_WRITE = 87,
    ZKBIO_ZK_CMD_GET_USERTEMP = 88,
    ZKBIO_ZK_CMD_SAVE_USERTEMPS = 110,
    ZKBIO_ZK_CMD_CHECKSUM_BUFFER = 119,
    ZKBIO_ZK_CMD_DEL_FPTMP = 134,
    ZKBIO_ZK_CMD_GET_TIME = 201,
    ZKBIO_ZK_CMD_SET_TIME = 202,
    ZKBIO_ZK_CMD_REG_EVENT = 500,
    ZKBIO_ZK_CMD_CONNECT = 1000,
    ZKBIO_ZK_CMD_EXIT = 1001,
    ZKBIO_ZK_CMD_ENABLEDEVICE = 1002,
    ZKBIO_ZK_CMD_DISABLEDEVICE = 1003,
    ZKBIO_ZK_CMD_RESTART = 1004,
    ZKBIO_ZK_CMD_POWEROFF = 1005,
    ZKBIO_ZK_CMD_SLEEP = 1006,
    ZKBIO_ZK_CMD_RESUME = 1007,
    ZKBIO_ZK_CMD_CAPTUREFINGER = 1009,
    ZKBIO_ZK_CMD_TEST_TEMP = 1011,
    ZKBIO_ZK_CMD_CAPTUREIMAGE = 1012,
    ZKBIO_ZK_CMD_REFRESHDATA = 1013,
    ZKBIO_ZK_CMD_REFRESHOPTION = 1014,
    ZKBIO_ZK_CMD_TESTVOICE = 1017,
    ZKBIO_ZK_CMD_GET_VERSION = 1100,
    ZKBIO_ZK_CMD_CHANGE_SPEED = 1101,
    ZKBIO_ZK_CMD_AUTH = 1102,
    ZKBIO_ZK_CMD_PREPARE_DATA = 1500,
    ZKBIO_ZK_CMD_DATA = 1501,
    ZKBIO_ZK_CMD_FREE_DATA = 1502,
    ZKBIO_ZK_CMD_DATA_WRRQ = 1503,
    ZKBIO_ZK_CMD_DATA_RDY = 1504,
    ZKBIO_ZK_ACK_OK = 2000,
    ZKBIO_ZK_ACK_ERROR = 2001,
    ZKBIO_ZK_ACK_DATA = 2002,
    ZKBIO_ZK_ACK_RETRY = 2003,
    ZKBIO_ZK_ACK_REPEAT = 2004,
    ZKBIO_ZK_ACK_UNAUTH = 2005,
    ZKBIO_ZK_ACK_ERROR_DATA = 65531,
    ZKBIO_ZK_ACK_ERROR_INIT = 65532,
    ZKBIO_ZK_ACK_ERROR_CMD = 65533,
    ZKBIO_ZK_ACK_UNKNOWN = 65535
};

/** Realtime event flags (EF_*, §6.2): the REG_EVENT mask bits, and the session field of an event
 * packet. */
enum zkbio_zk_event_flag {
    ZKBIO_ZK_EF_ATTLOG = 0x001,
    ZKBIO_ZK_EF_FINGER = 0x002,
    ZKBIO_ZK_EF_ENROLLUSER = 0x004,
    ZKBIO_ZK_EF_ENROLLFINGER = 0x008,
    ZKBIO_ZK_EF_BUTTON = 0x010,
    ZKBIO_ZK_EF_UNLOCK = 0x020,
    ZKBIO_ZK_EF_VERIFY = 0x080,
    ZKBIO_ZK_EF_FPFTR = 0x100,
    ZKBIO_ZK_EF_ALARM = 0x200
};

/* ------------------------------------------------------------------------------------------------
 * Packets (§1)
 * ---------------------------------------------------------------------------------------------- */

/** The 8-byte ZK header (§1.2). In event packets `session` carries the EF_* flag. */
typedef struct zkbio_zk_header {
    uint16_t cmd;
    uint16_t checksum;
    uint16_t session;
    uint16_t reply;
} zkbio_zk_header;

/**
 * The protocol checksum (§1.3): one's-complement of the 16-bit one's-complement sum of `p[0..n)`
 * read as little-endian words (an odd last byte is added as is). Over a header whose checksum
 * field is 0 followed by the data it gives the value to store; over a received packet it gives 0
 * when the packet is intact. `p` may be NULL when n is 0. Writes *out; ZKBIO_EINVAL on NULL out.
 */
ZKBIO_API int zkbio_zk_checksum(const uint8_t *p, size_t n, uint16_t *out);

/**
 * Build one packet: [TCP wrapper when `tcp` is nonzero] + header + data, checksum filled in.
 * `data` may be NULL when len is 0; len ≤ ZKBIO_ZK_MAX_DATA. Writes into out (outsize bytes) and
 * the packet length into *outlen. Errors: ZKBIO_ENOSPC (out too small; *outlen = size needed),
 * ZKBIO_ETOOBIG (len too large), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_packet_build(uint16_t cmd, uint16_t session, uint16_t reply,
                                    const uint8_t *data, size_t len, int tcp, uint8_t *out,
                                    size_t outsize, size_t *outlen);

/**
 * Parse one ZK packet (a UDP datagram, or a TCP frame without its wrapper): header into *hdr,
 * data as a view into `pkt` (*data, *datalen; borrowed, valid while pkt is). *checksum_ok (may be
 * NULL) is set to 1 when the checksum verifies. Errors: ZKBIO_EPROTO (shorter than a header or
 * longer than ZKBIO_ZK_MAX_PACKET), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_packet_parse(const uint8_t *pkt, size_t len, zkbio_zk_header *hdr,
                                    const uint8_t **data, size_t *datalen, int *checksum_ok);

/**
 * TCP stream reassembly (§1.1): look at the start of `buf` (len bytes received and not yet
 * consumed). Returns 1 when a whole frame is there: *pkt and *pktlen point at its ZK packet (inside
 * buf) and *consumed is the frame's size including the wrapper. Returns 0 when more bytes are
 * needed (nothing written). Errors: ZKBIO_EPROTO (bad magic, or length < 8), ZKBIO_ETOOBIG (length
 * above ZKBIO_ZK_MAX_PACKET; the stream cannot be resynchronised), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_tcp_frame(const uint8_t *buf, size_t len, const uint8_t **pkt,
                                 size_t *pktlen, size_t *consumed);

/**
 * The 4 bytes of CMD_AUTH (§3, commpro.c MakeKey): from the numeric comm key, the session id of
 * the CONNECT reply and a tick byte (clients use 50). Writes out[4]. ZKBIO_EINVAL on NULL.
 */
ZKBIO_API int zkbio_zk_commkey(uint32_t key, uint16_t session, uint8_t ticks, uint8_t out[4]);

/* ------------------------------------------------------------------------------------------------
 * Time (§5.6)
 * ---------------------------------------------------------------------------------------------- */

/** Naive device-local wall time (no time zone). */
typedef struct zkbio_zk_time {
    uint16_t year; /**< 2000..2099 when encodable */
    uint8_t month; /**< 1..12 */
    uint8_t day;   /**< 1..31 (31-day months on the wire: Feb 31 is representable) */
    uint8_t hour, minute, second;
} zkbio_zk_time;

/**
 * Decode the packed u32 time of GET_TIME and stored records (uniform 31-day months, §5.6). Every
 * value decodes (never crashes on an invalid stored date). Returns ZKBIO_OK for a real calendar
 * date, ZKBIO_ERANGE when the fields (still written) name a day that does not exist (Feb 30).
 */
ZKBIO_API int zkbio_zk_time_decode(uint32_t t, zkbio_zk_time *out);

/** Encode a time; ZKBIO_ERANGE outside 2000-01-01..2099-12-31 or with out-of-range fields. */
ZKBIO_API int zkbio_zk_time_encode(const zkbio_zk_time *t, uint32_t *out);

/** Decode the 6-byte form of realtime events (Y-2000, M, D, h, m, s). ZKBIO_ERANGE as above. */
ZKBIO_API int zkbio_zk_timehex_decode(const uint8_t p[6], zkbio_zk_time *out);

/** Encode the 6-byte form. ZKBIO_ERANGE as zkbio_zk_time_encode. */
ZKBIO_API int zkbio_zk_timehex_encode(const zkbio_zk_time *t, uint8_t out[6]);

/** "YYYY-MM-DD HH:MM:SS" into out (20 bytes with the NUL). */
ZKBIO_API int zkbio_zk_time_format(const zkbio_zk_time *t, char out[20]);

/** Parse "YYYY-MM-DD[ HH:MM[:SS]]" (also 'T' between date and time). ZKBIO_EINVAL when malformed,
 * ZKBIO_ERANGE when not encodable. */
ZKBIO_API int zkbio_zk_time_parse(const char *s, zkbio_zk_time *out);

/** Compare two times: <0, 0, >0. */
ZKBIO_API int zkbio_zk_time_cmp(const zkbio_zk_time *a, const zkbio_zk_time *b);

/* ------------------------------------------------------------------------------------------------
 * Records (§5)
 * ---------------------------------------------------------------------------------------------- */

/** Record sizes (§5.1, §5.2, §5.4). */
#define ZKBIO_ZK_USER6_SIZE 28
#define ZKBIO_ZK_USER8_SIZE 72
#define ZKBIO_ZK_ATT8_SIZE  8
#define ZKBIO_ZK_ATT16_SIZE 16
#define ZKBIO_ZK_ATT40_SIZE 40

/** Privilege levels (§5.3, bits 1..3; bit 0 = disabled). */
#define ZKBIO_ZK_PRIV_USER     0
#define ZKBIO_ZK_PRIV_ENROLLER 2
#define ZKBIO_ZK_PRIV_MANAGER  6
#define ZKBIO_ZK_PRIV_ADMIN    14

/** One user (§5.1 28-byte and §5.2 72-byte records). Strings are NUL-terminated UTF-8. */
typedef struct zkbio_zk_user {
    uint16_t uid;      /**< internal index ("user sn"), 1..65535 */
    uint8_t privilege; /**< §5.3 byte as stored */
    char password[9];  /**< up to 8 bytes (5 on 28-byte records) */
    char name[100];    /**< UTF-8; 24 bytes in the device codepage on the wire (8 on 28-byte) */
    uint32_t card;     /**< card number */
    uint8_t group;     /**< 72-byte: group 1..99; 28-byte: group byte @21 */
    uint16_t tz_flag;  /**< 72-byte only: 0 group time zones, 1 own */
    uint16_t tz[3];    /**< 72-byte: three time zones; 28-byte: tz[0] = field @22 */
    char user_id[25];  /**< PIN as text (28-byte: decimal of the numeric u32) */
} zkbio_zk_user;

/**
 * Parse one user record of `size` bytes (28 or 72) at rec. Errors: ZKBIO_EINVAL (other sizes,
 * NULL), ZKBIO_EENCODING (charset unknown to iconv), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_zk_user_parse(const uint8_t *rec, size_t size, const char *charset,
                                  zkbio_zk_user *out);

/**
 * Build one user record of `size` bytes (28 or 72) into out (size bytes, fully written). On
 * 28-byte records user_id must be a decimal number that fits u32 (empty = uid). Errors:
 * ZKBIO_EINVAL, ZKBIO_ERANGE (numeric user_id needed / password too long), ZKBIO_EENCODING.
 */
ZKBIO_API int zkbio_zk_user_build(const zkbio_zk_user *u, size_t size, const char *charset,
                                  uint8_t *out);

/** One attendance record (§5.4). `verify` = pyzk `status` (verify method), `state` = `punch`. */
typedef struct zkbio_zk_att {
    uint16_t uid;       /**< user sn (8- and 40-byte records), 0 in 16-byte records */
    char user_id[25];   /**< PIN: 40-byte field; decimal of the u32 in 16-byte records; of the
                             uid in 8-byte records (map through the user list if needed) */
    uint8_t verify;     /**< verify type */
    uint8_t state;      /**< punch state 0..5, 255 none */
    uint32_t time_raw;  /**< packed time as stored */
    zkbio_zk_time time; /**< decoded time_raw */
    uint32_t workcode;  /**< 16-byte records; 0 otherwise */
} zkbio_zk_att;

/**
 * Parse one attendance record of `size` bytes (8, 16 or 40). 8-byte records use the `HBB4s`
 * layout, falling back to pyzk's `HB4sB` when the first gives an invalid date and the second a
 * valid one (§5.4). A stored date that does not exist is kept (time fields as decoded). Errors:
 * ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_att_parse(const uint8_t *rec, size_t size, zkbio_zk_att *out);

/** Build one attendance record of `size` bytes (8, 16 or 40) from a->uid, user_id, verify, state,
 * time_raw, workcode. Errors: ZKBIO_EINVAL, ZKBIO_ERANGE (16-byte: user_id not numeric). */
ZKBIO_API int zkbio_zk_att_build(const zkbio_zk_att *a, size_t size, uint8_t *out);

/**
 * Record stride of a dataset (§4.2 step 7): `records_bytes / count` when count > 0 and it is one
 * of the `n` sizes in `allowed`; with count 0 (unknown), the largest allowed size dividing
 * records_bytes. records_bytes 0 gives *stride = allowed[0]. Errors: ZKBIO_EPROTO (no size fits),
 * ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_stride(size_t records_bytes, uint32_t count, const size_t *allowed, size_t n,
                              size_t *stride);

/** One fingerprint template entry (§5.7); `data` is borrowed from the dataset parsed. */
typedef struct zkbio_zk_template {
    uint16_t uid;
    uint8_t fid;  /**< finger 0..9 */
    uint8_t flag; /**< 0 invalid, 1 valid, 3 duress */
    const uint8_t *data;
    size_t len;
} zkbio_zk_template;

/**
 * Iterate the entries of an all-templates dataset (the bytes after the u32 records_bytes prefix):
 * returns 1 and the entry at *pos (advancing *pos), 0 at the end, ZKBIO_EPROTO when an entry size
 * is < 6 or runs past len.
 */
ZKBIO_API int zkbio_zk_template_next(const uint8_t *p, size_t len, size_t *pos,
                                     zkbio_zk_template *out);

/** Build one template entry (6 + t->len bytes) into out. ZKBIO_ENOSPC (*outlen = needed),
 * ZKBIO_ETOOBIG (entry > 65535), ZKBIO_EINVAL. */
ZKBIO_API int zkbio_zk_template_build(const zkbio_zk_template *t, uint8_t *out, size_t outsize,
                                      size_t *outlen);

/** Counters of CMD_GET_FREE_SIZES (§5.8). */
typedef struct zkbio_zk_sizes {
    uint32_t users, fingers, records, oplogs, admins, passwords;
    uint32_t fingers_cap, users_cap, records_cap;
    uint32_t fingers_av, users_av, records_av;
    uint32_t faces, faces_cap; /**< 0 when the reply has no face block (80 bytes) */
} zkbio_zk_sizes;

/** Parse the reply (≥ 80 bytes; 92 with faces). ZKBIO_EPROTO when shorter. */
ZKBIO_API int zkbio_zk_sizes_parse(const uint8_t *p, size_t len, zkbio_zk_sizes *out);

/** Build the 92-byte reply into out. */
ZKBIO_API int zkbio_zk_sizes_build(const zkbio_zk_sizes *s, uint8_t out[92]);

/**
 * Value of an OPTIONS_RRQ reply `"Name=Value\0"` (§5.9): the bytes after the first '=' up to the
 * first NUL (a reply without '=' is taken as the value itself). Control bytes are dropped. Writes
 * a NUL-terminated copy to out. Errors: ZKBIO_ENOSPC (truncated copy written), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_option_value(const uint8_t *p, size_t len, char *out, size_t outsize);

/* ------------------------------------------------------------------------------------------------
 * Realtime events (§6)
 * ---------------------------------------------------------------------------------------------- */

/** A decoded event. Which fields are set depends on `flag`. */
typedef struct zkbio_zk_event {
    uint16_t flag;      /**< one ZKBIO_ZK_EF_* value (the packet's session field) */
    char user_id[25];   /**< ATTLOG: PIN (decimal of the uid in the 10/14-byte forms);
                             ENROLLFINGER: user id */
    uint8_t verify;     /**< ATTLOG verify type */
    uint8_t state;      /**< ATTLOG punch state */
    zkbio_zk_time time; /**< ATTLOG */
    uint32_t user_sn;   /**< VERIFY: user sn (0xFFFFFFFF unknown); ENROLLUSER, ALARM: user sn */
    uint16_t result;    /**< ENROLLFINGER: 0 success; ALARM: alarm type */
    uint16_t size;      /**< ENROLLFINGER: template size */
    uint8_t fid;        /**< ENROLLFINGER: finger */
    uint8_t score;      /**< FPFTR: 100 good sample */
    uint32_t value;     /**< BUTTON key, or the first byte of other payloads */
} zkbio_zk_event;

/**
 * Decode an event payload (§6.2): `flag` from the header's session field, `data` its data field.
 * Unknown flags and short payloads decode with only `flag` set (they are not errors: firmware adds
 * forms). ATTLOG payloads of 10, 12, 14, 32, 36, 37 and ≥ 52 bytes are understood; other lengths
 * give ZKBIO_EPROTO.
 */
ZKBIO_API int zkbio_zk_event_parse(uint16_t flag, const uint8_t *data, size_t len,
                                   zkbio_zk_event *out);

/**
 * Build an event payload into out (outsize ≥ 32): ATTLOG in the 32-byte form (`long_form`
 * nonzero) or the 10-byte form (u16 uid = decimal user_id), ENROLLFINGER (14 bytes, or 2 bytes
 * when result ≠ 0), FPFTR (1), VERIFY (5), FINGER (0), ALARM (4), ENROLLUSER (2), others empty.
 * *outlen receives the length. Errors: ZKBIO_ENOSPC, ZKBIO_EINVAL, ZKBIO_ERANGE.
 */
ZKBIO_API int zkbio_zk_event_build(const zkbio_zk_event *ev, int long_form, uint8_t *out,
                                   size_t outsize, size_t *outlen);

/* ------------------------------------------------------------------------------------------------
 * Text
 * ---------------------------------------------------------------------------------------------- */

/**
 * Device-codepage bytes (up to the first NUL or n) to NUL-terminated UTF-8 in out (outsize bytes).
 * Errors: ZKBIO_ENOSPC (truncated on a character boundary, still terminated), ZKBIO_EENCODING
 * (charset unknown), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_text_decode(const uint8_t *p, size_t n, const char *charset, char *out,
                                   size_t outsize);

/**
 * UTF-8 `s` to the device codepage into field[0..n): NUL-padded; truncated on a character boundary
 * so at least one NUL remains (n ≥ 1). Characters the codepage cannot represent become '?'.
 * Errors: ZKBIO_EENCODING (charset unknown), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_zk_text_encode(const char *s, const char *charset, uint8_t *field, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_ZK4370_H */
