/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file push.h
 * @brief Codec of the ZKTeco PUSH protocol (ADMS, `/iclock/...`), Attendance PUSH 2.x.
 *
 * Pure functions: no sockets, no files, no global mutable state. A server (zkbiod) uses the parsers
 * on what terminals send and the formatters for what it answers; a device simulator uses the other
 * direction.
 *
 * Sources: shared reference `push.md` (vendor "Attendance PUSH Communication Protocol" 2020-03-25,
 * cited there as [D24], plus field observations). Section numbers below refer to push.md.
 *
 * Common rules for every function here:
 * - Text input is given as pointer + length and need not be NUL-terminated; it may contain NUL
 * bytes (they end a field's value). Records are separated by LF or CRLF; fields by HT (TAB);
 * `key=value` pairs are split on the first `=` only (base64 values end in `=`), keys are matched
 * case-insensitively (`PIN`, `Pin`, `pin`); when a key appears twice in one record the first wins.
 * Lines holding only spaces, HT or CR are skipped (not malformed).
 * - Numbers: decimal with an optional sign and surrounding spaces. An empty field is "absent". A
 * numeric field that is not a decimal integer, or does not fit its type (int32_t; int64_t for OPLOG
 * operands), makes its record malformed: numbers are never clamped or truncated silently.
 * - PINs (parsers and formatters): 1..ZKBIO_PUSH_PIN_MAX bytes of printable ASCII other than space
 * (digits, or letters with StringPinFunOn); surrounding spaces are trimmed on input.
 * - Parsed strings are NUL-terminated UTF-8 owned by the returned object and live until its
 * `*_free()`. Free text (user Name, ERRORLOG ErrMsg, ATTLOG workcode and extra fields) in a device
 * codepage (see zkbio_push_language_charset()) is converted to UTF-8 with iconv; every other value
 * is checked as UTF-8. Bytes that are not valid in the source encoding are replaced by U+FFFD,
 * never dropped silently.
 * - Each result object (batch, kvlist, results, commands, data command) owns one arena holding all
 * its strings; parsing a body costs a few allocations, not one per field.
 * - Formatters write into a caller buffer `buf` of `size` bytes and always NUL-terminate when size
 * > 0. `*len` (may be NULL) receives the length without the NUL. When the buffer is too small they
 * return ZKBIO_ENOSPC and set `*len` to the length needed, like snprintf. Values have HT, CR, LF
 * and NUL removed before they are written (push.md §4.2: a TAB or newline in a value would open a
 * new field, record or command).
 * - Thread-safety: all functions are reentrant; distinct objects may be used from distinct threads.
 * One object must not be freed while another thread reads it.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_PUSH_H
#define ZKBIO_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------------------------
 */
/* Query strings and the handshake (push.md §2.1, §2.2, §4.1) */
/* ------------------------------------------------------------------------------------------------------------
 */

/** Longest SN accepted, in bytes (real serials are 10–20 characters; push.md §9.2 suggests ≤ 40).
 */
#define ZKBIO_PUSH_SN_MAX 40
/** Longest PIN accepted, in bytes (device database column is varchar(24), push.md §6). */
#define ZKBIO_PUSH_PIN_MAX 24
/** Longest command id (CmdID) a device accepts, in characters (push.md §4.2). */
#define ZKBIO_PUSH_CMDID_MAX 16

/**
 * Look up one parameter of a URL query string (`a=1&SN=X%20Y&...`), URL-decoding its value (`%XX`
 * and `+`). The key is matched case-insensitively; the first occurrence wins; a parameter without
 * `=` has the value "". `query` excludes the leading `?` (one is tolerated); a `#fragment` is
 * ignored. A malformed `%` escape is kept as text; a decoded NUL (`%00`) ends the value. Writes the
 * NUL-terminated value to `out` (`outsize` bytes). Errors: ZKBIO_ENOENT (key absent), ZKBIO_ENOSPC
 * (value longer than outsize-1; out holds a truncated copy), ZKBIO_EINVAL (NULL arguments or
 * outsize 0).
 */
ZKBIO_API int zkbio_push_query_get(const char *query, size_t query_len, const char *key, char *out,
                                   size_t outsize);

/**
 * True (1) when `sn` is an acceptable serial number: 1..ZKBIO_PUSH_SN_MAX bytes of `A-Z a-z 0-9 _
 * -` (push.md §9.2). Returns 0 otherwise (including NULL).
 */
ZKBIO_API int zkbio_push_sn_valid(const char *sn);

/** What a terminal says about itself in `GET /iclock/cdata?SN=..&options=all&...` (push.md §2.1).
 */
typedef struct zkbio_push_handshake {
    char sn[ZKBIO_PUSH_SN_MAX + 1]; /**< serial number; the device's only identity */
    char pushver[24];               /**< newest PUSH version of the device; "2.2.14" when absent */
    int language;          /**< Appendix-2 language code (83 = zh-CN, 69 = English); -1 absent */
    char device_type[16];  /**< `DeviceType` (att, acc, ...), empty when absent */
    char pushcommkey[80];  /**< opaque licensing blob, empty when absent (truncated when longer) */
    int push_options_flag; /**< `PushOptionsFlag`, 0 when absent */
    int generation; /**< 2 (Attendance PUSH) or 3 (Security PUSH: pushver 3.x or DeviceType=acc) */
} zkbio_push_handshake;

/**
 * Parse the query string of a handshake request. `options=all` is not required (some firmware omits
 * it). Control bytes are dropped from pushver, DeviceType and pushcommkey; values longer than their
 * field are truncated; a language or PushOptionsFlag that is not a number counts as absent. On
 * success *out is filled; on failure it is left unchanged and `err` (may be NULL) says why. Errors:
 * ZKBIO_EPROTO (SN missing or not zkbio_push_sn_valid()), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_push_handshake_parse(const char *query, size_t query_len,
                                         zkbio_push_handshake *out, zkbio_error_info *err);

/**
 * Server settings sent back in the handshake reply (push.md §2.2). Strings are borrowed for the
 * call. Start from zkbio_push_server_options_init() (the defaults, `size` set). The struct only
 * grows at its end: `size` tells the library which fields the caller knows, and fields past it take
 * their defaults. Since: 0.1 (`size`: 0.3)
 */
typedef struct zkbio_push_server_options {
    uint32_t size; /**< sizeof(zkbio_push_server_options) as the caller compiled it; a size below
                      that of 0.3 is ZKBIO_EINVAL. Since: 0.3 */
    const char *attlog_stamp;   /**< resume cursor for ATTLOG; NULL = "None" */
    const char *operlog_stamp;  /**< resume cursor for OPERLOG; NULL = "None" */
    const char *attphoto_stamp; /**< resume cursor for ATTPHOTO; NULL = "None" */
    const char *biodata_stamp;  /**< resume cursor for BIODATA; NULL = "None" */
    int error_delay_s; /**< `ErrorDelay`, seconds before retry after a network error (clamped
                          to 1..3600; the vendor recommends 30..300, push.md §2.2) */
    int delay_s; /**< `Delay`, seconds between getrequest polls (clamped to 1..3600; the vendor
                    recommends 2..60) */
    const char *trans_times; /**< `TransTimes`, "HH:MM;HH:MM"; NULL = "00:00;14:05" */
    int trans_interval_min;  /**< `TransInterval`, minutes (0 = off; negative sent as 0) */
    const char *trans_flag;  /**< `TransFlag`: format II names separated by HT, space or comma (sent
                                as  `TransData ` + HT-separated names), or a format I digit string
                                sent as is;  NULL = `TransData AttLog OpLog AttPhoto EnrollUser
                                ChgUser EnrollFP ChgFP FACE  UserPic BioPhoto FVEIN` */
    int timezone_min; /**< server zone in minutes east of UTC (clamped to ±1440); sent as hours when
                         a whole number of hours, else as minutes (push.md §2.2 TimeZone row) */
    int realtime;     /**< `Realtime` 1 = upload each record at once */
    const char *server_ver;    /**< `ServerVer`; NULL = omit */
    const char *push_prot_ver; /**< `PushProtVer`; NULL = "2.4.1" */
    int push_options_flag;    /**< `PushOptionsFlag` (1 = ask the device to POST table=options); 0 =
                                 omit */
    const char *push_options; /**< `PushOptions` comma list; NULL = omit */
    const char *multi_bio_data_support; /**< e.g. "0:1:1:0:0:0:0:1:0:1"; NULL = omit */
} zkbio_push_server_options;

/**
 * Set the fields of *opts that `opts->size` covers to the defaults named in
 * zkbio_push_server_options (Delay 10, ErrorDelay 30, TransInterval 1, Realtime 1, the rest 0 or
 * NULL); `size` and any bytes past it are left alone. Since: 0.3 (called by
 * zkbio_push_server_options_init(), which sets `size` first). Errors: ZKBIO_EINVAL (NULL opts,
 * `size` below that of 0.3).
 */
ZKBIO_API int zkbio_push_server_options_reset(zkbio_push_server_options *opts);

/** Fill *opts with the defaults, `size` set to the size this header gives the struct. Accepts
 * NULL. Since: 0.1 (a function of the library until 0.2) */
static inline void zkbio_push_server_options_init(zkbio_push_server_options *opts)
{
    if (!opts)
        return;
    opts->size = (uint32_t)sizeof(*opts);
    (void)zkbio_push_server_options_reset(opts);
}

/**
 * Build the handshake reply body: `GET OPTION FROM: <sn>` then `key=value` lines joined by LF (no
 * final LF), with both the long (`ATTLOGStamp`, `OPERLOGStamp`, `ATTPHOTOStamp`, `BIODATAStamp`)
 * and short (`Stamp`, `OpStamp`, `PhotoStamp`) stamp names, `Encrypt=0`. Empty option strings count
 * as NULL; values have HT/CR/LF removed. Only the first `opts->size` bytes of *opts are read (the
 * defaults stand for fields past them). Errors: ZKBIO_ENOSPC (see header rules), ZKBIO_EINVAL (sn
 * invalid, NULL arguments, `opts->size` below that of 0.3).
 */
ZKBIO_API int zkbio_push_handshake_reply_build(const zkbio_push_server_options *opts,
                                               const char *sn, char *buf, size_t size, size_t *len);

/**
 * Device language code (Appendix 2) → iconv charset name of the text it sends: "GB18030" (a
 * superset of GB2312) for 83, "BIG5" for 84, "UTF-8" for everything else and for -1. Static string,
 * never NULL.
 */
ZKBIO_API const char *zkbio_push_language_charset(int language);

/**
 * Parse the `INFO=` value a 2.x device appends to getrequest (push.md §4.1; already URL-decoded),
 * positional and tolerant of missing or extra fields. Missing, non-numeric or out-of-range (int32)
 * numbers are -1; missing strings are empty; longer strings are truncated and lose control bytes.
 * Errors: ZKBIO_EINVAL.
 */
typedef struct zkbio_push_info {
    char firmware[64];
    long user_count, fp_count, att_count;
    char ip[48];
    long fp_alg_ver, face_alg_ver, faces_needed, face_count;
    char function_bits[16];
} zkbio_push_info;
ZKBIO_API int zkbio_push_info_parse(const char *info, size_t info_len, zkbio_push_info *out);

/* ------------------------------------------------------------------------------------------------------------
 */
/* Uploads: ATTLOG, OPERLOG, BIODATA, options (push.md §3) */
/* ------------------------------------------------------------------------------------------------------------
 */

/** Kinds of record a device uploads. */
typedef enum zkbio_push_rec_type {
    ZKBIO_PUSH_REC_ATTLOG = 1, /**< punch (table=ATTLOG line) */
    ZKBIO_PUSH_REC_OPLOG,      /**< operation log line (OPLOG) */
    ZKBIO_PUSH_REC_USER,       /**< USER line */
    ZKBIO_PUSH_REC_FP,         /**< FP line: fingerprint template (ZK format ≤ v10) */
    ZKBIO_PUSH_REC_FACE,       /**< FACE line: face template */
    ZKBIO_PUSH_REC_FVEIN,      /**< FVEIN line: finger-vein template */
    ZKBIO_PUSH_REC_BIODATA,    /**< BIODATA line: unified template (push.md §3.3) */
    ZKBIO_PUSH_REC_USERPIC,    /**< USERPIC line: user photo */
    ZKBIO_PUSH_REC_BIOPHOTO,   /**< BIOPHOTO line: comparison photo */
    ZKBIO_PUSH_REC_ERRORLOG,   /**< ERRORLOG line */
    ZKBIO_PUSH_REC_OTHER /**< a well-formed line with another tag (WORKCODE, SMS, IDCARD, ...) */
} zkbio_push_rec_type;

/** One punch. `time` is device wall-clock, no zone: store it with the device's zone (push.md §2.3).
 */
typedef struct zkbio_push_attlog {
    const char *pin; /**< user PIN, non-empty */
    const char *
        time; /**< normalised "YYYY-MM-DD HH:MM:SS". Accepted on input: one space, HT or `T` between
                   date and time (an HT makes them two fields), `/` in the date, 1-digit month, day,
                   hour, minute, second; ranges are checked (day within its month, hour < 24...) */
    int32_t status; /**< 0 check-in, 1 check-out, 2 break-out, 3 break-in, 4 OT-in, 5 OT-out, 255
                       auto; -1 absent */
    int32_t verify; /**< verify mode (Appendix 7), -1 absent */
    const char *workcode; /**< work code, "" when absent */
    size_t n_extra;       /**< fields after the 7th (empty ones included), kept verbatim */
    const char *const *extra;
} zkbio_push_attlog;

/** One operation-log line: `OPLOG <OpType>HT<OpWho>HT<OpTime>HT<V1>HT<V2>HT<V3>HT<Reserved>`. */
typedef struct zkbio_push_oplog {
    int32_t op_type;              /**< Appendix 3: 9 delete user, 10 delete FP, 6 enroll FP, ... */
    const char *admin;            /**< OpWho: admin PIN or 0 */
    const char *time;             /**< "YYYY-MM-DD HH:MM:SS" */
    int64_t v1, v2, v3, reserved; /**< operands (Appendix 4); 0 when absent */
} zkbio_push_oplog;

/** One user (`USER PIN=..HT Name=..`, or `DATA UPDATE USERINFO` fields). Absent numbers are -1,
 * strings "". */
typedef struct zkbio_push_user {
    const char *pin;
    const char *name;     /**< UTF-8 (converted from the device codepage) */
    int32_t privilege;    /**< `Pri` or `Privilege`: 0 user, 2 registrar, 6 admin, 14 super admin */
    const char *password; /**< `Passwd`: sensitive, never log */
    const char *card;     /**< `Card`: decimal or `[%02x%02x%02x%02x]` */
    const char *group;    /**< `Grp` */
    const char *tz;       /**< `TZ`: 16 digits */
    int32_t verify;       /**< `Verify`: -1 = group mode */
    const char *vice_card;      /**< `ViceCard` */
    const char *start_datetime; /**< `StartDatetime`, "" absent */
    const char *end_datetime;   /**< `EndDatetime`, "" absent */
} zkbio_push_user;

/**
 * One biometric template of any kind. FP: `no` = FID (0–9), `index` 0. FACE: `no` = FID, `index` 0.
 * FVEIN: `no` = FID, `index` = Index. BIODATA: all fields as sent. `type` is the BIODATA type (1
 * FP, 2 NIR face, 7 finger vein, 9 visible-light face ...) and is always set for FP (1), FACE (2)
 * and FVEIN (7).
 */
typedef struct zkbio_push_template {
    const char *pin;
    int32_t no, index, valid, duress, type, major_ver, minor_ver, format; /**< -1 when absent */
    int32_t size;    /**< announced `Size`, -1 when absent (it is the base64 length, not checked) */
    const char *tmp; /**< base64 template text exactly as sent, '=' padding or not (never empty
                        for a valid record) */
} zkbio_push_template;

/** A user photo or a biometric photo. `content` is the base64 JPEG as sent. */
typedef struct zkbio_push_photo {
    const char *pin;
    const char *file_name; /**< "" when absent */
    int32_t type;          /**< BIOPHOTO type, -1 for USERPIC */
    int32_t size;          /**< announced size, -1 when absent */
    const char *content;
} zkbio_push_photo;

/** An ERRORLOG line (push.md §3.5). */
typedef struct zkbio_push_errorlog {
    const char *err_code, *err_msg, *data_origin, *cmd_id, *additional;
} zkbio_push_errorlog;

/** One parsed upload record. `line` is the 1-based line number in the body. */
typedef struct zkbio_push_record {
    zkbio_push_rec_type type;
    unsigned line;
    const char *tag; /**< the record tag as sent ("USER", "FP", "user"...); "ATTLOG" for punches;
                        for untagged lines (DATA UPDATE records, USERINFO/BIODATA/ERRORLOG bodies)
                        the kind's tag ("USER"...) */
    union {
        zkbio_push_attlog attlog;
        zkbio_push_oplog oplog;
        zkbio_push_user user;
        zkbio_push_template tmpl; /**< FP, FACE, FVEIN, BIODATA */
        zkbio_push_photo photo;   /**< USERPIC, BIOPHOTO */
        zkbio_push_errorlog errorlog;
    } u;
} zkbio_push_record;

/** Most malformed line numbers a batch remembers (the count is always exact). */
#define ZKBIO_PUSH_MALFORMED_MAX 16

/** The records of one upload body. Free with zkbio_push_batch_free(). */
typedef struct zkbio_push_batch {
    size_t count; /**< well-formed records */
    zkbio_push_record *records;
    size_t n_malformed; /**< lines that were skipped because they were malformed (blank lines are
                           not counted) */
    unsigned malformed_lines[ZKBIO_PUSH_MALFORMED_MAX]; /**< first malformed line numbers */
} zkbio_push_batch;

/** Upload tables the body parser knows. */
typedef enum zkbio_push_table {
    ZKBIO_PUSH_TABLE_UNKNOWN = 0,
    ZKBIO_PUSH_TABLE_ATTLOG,
    ZKBIO_PUSH_TABLE_OPERLOG,
    ZKBIO_PUSH_TABLE_BIODATA,
    ZKBIO_PUSH_TABLE_OPTIONS,
    ZKBIO_PUSH_TABLE_ERRORLOG,
    ZKBIO_PUSH_TABLE_ATTPHOTO,
    ZKBIO_PUSH_TABLE_USERINFO, /**< some firmware answer DATA QUERY USERINFO with table=USERINFO */
    ZKBIO_PUSH_TABLE_IDCARD
} zkbio_push_table;

/** Table name from the `table=` parameter, case-insensitive ("attlog", "OPERLOG", ...). */
ZKBIO_API zkbio_push_table zkbio_push_table_from_name(const char *name);

/**
 * Parse an upload body of `table` (ATTLOG, OPERLOG, BIODATA, USERINFO, ERRORLOG or IDCARD) into
 * records. OPERLOG, BIODATA, USERINFO, ERRORLOG and IDCARD bodies are tag-multiplexed and accept
 * every tag of push.md §3.2: the first word is the tag (any case), separated from the fields by a
 * space or HT. In USERINFO, BIODATA and ERRORLOG bodies a line without a tag (its first word holds
 * `=`) is read as USER, BIODATA or ERRORLOG. Another tag that is a word (`[A-Za-z][A-Za-z0-9_]*`, ≤
 * 32 bytes) followed by at least one `k=v` field gives a ZKBIO_PUSH_REC_OTHER record (tag only).
 * ATTLOG bodies are bare punch lines. Malformed lines are counted in n_malformed and skipped; the
 * rest are returned. A line is malformed when: ATTLOG has no valid PIN or time; USER has no valid
 * PIN; FP/FACE/FVEIN/BIODATA have no valid PIN or a TMP/Tmp that is empty or not base64 (a
 * character outside the standard alphabet, 4n+1 characters, misplaced padding; the '=' padding
 * is optional, as some firmware leaves it out, and the text is kept as sent); USERPIC/BIOPHOTO have
 * no valid PIN or an empty Content; OPLOG has fewer than 3 fields, a non-numeric OpType or a bad
 * time; ERRORLOG has no ErrCode; any numeric field is not a number in range; the tag is not a word
 * or the line has no fields. `charset` names the encoding of free text (NULL = UTF-8). At most
 * `max_records` records are parsed (0 = no limit); one well-formed record more gives ZKBIO_ETOOBIG.
 * On success *out is a new batch (possibly with count 0); on error *out is NULL. Errors:
 * ZKBIO_EINVAL (NULL arguments, ZKBIO_PUSH_TABLE_UNKNOWN or a value outside the enum),
 * ZKBIO_ENOTSUP (OPTIONS, ATTPHOTO: not text records), ZKBIO_ETOOBIG, ZKBIO_ENOMEM, ZKBIO_EENCODING
 * (charset unknown to iconv).
 */
ZKBIO_API int zkbio_push_upload_parse(zkbio_push_table table, const char *body, size_t len,
                                      const char *charset, size_t max_records,
                                      zkbio_push_batch **out);

/** Free a batch; NULL is accepted. */
ZKBIO_API void zkbio_push_batch_free(zkbio_push_batch *batch);

/** A list of `key=value` pairs. Free with zkbio_push_kvlist_free(). */
typedef struct zkbio_push_kvlist {
    size_t count;
    const char **keys; /**< without a leading `~` */
    const char **values;
} zkbio_push_kvlist;

/**
 * Parse a `table=options` body: `k=v,k=v,...` (a leading `~` on a key is removed; a piece without
 * `=`, or with an empty key, is joined to the previous value with a comma, so values may contain
 * commas; empty pieces are dropped; LF/CRLF also separate pairs). Keys are trimmed of spaces,
 * values are kept as sent. Errors: ZKBIO_EINVAL, ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_push_options_parse(const char *body, size_t len, zkbio_push_kvlist **out);

/** Value of `key` (case-insensitive) in a kvlist, or NULL. The string lives as long as the list. */
ZKBIO_API const char *zkbio_push_kvlist_get(const zkbio_push_kvlist *list, const char *key);

/** Free a kvlist; NULL is accepted. */
ZKBIO_API void zkbio_push_kvlist_free(zkbio_push_kvlist *list);

/**
 * Split an ATTPHOTO body (`PIN=<name>.jpg\nSN=..\nsize=..\nCMD=uploadphoto\0<JPEG>`, push.md §3.4):
 * writes the file name to `name` (`name_size` bytes) and the offset and length of the binary photo
 * inside `body`. The length is `size` when given (bytes after it are ignored), else the rest of the
 * body. Errors: ZKBIO_EPROTO (no NUL separator; no PIN; a name that is empty, `.`, `..` or holds
 * `/`, `\` or control bytes; `size` not a number or larger than the bytes after the NUL),
 * ZKBIO_ENOSPC (name does not fit; a truncated copy is written), ZKBIO_EINVAL.
 */
ZKBIO_API int zkbio_push_attphoto_parse(const char *body, size_t len, char *name, size_t name_size,
                                        size_t *photo_offset, size_t *photo_len);

/* ------------------------------------------------------------------------------------------------------------
 */
/* Command results: POST /iclock/devicecmd (push.md §5) */
/* ------------------------------------------------------------------------------------------------------------
 */

/** One command result. */
typedef struct zkbio_push_cmd_result {
    const char *id;  /**< the CmdID the server sent */
    int32_t ret;     /**< `Return`: ≥ 0 success (count or size), < 0 error (push.md §5 table) */
    const char *cmd; /**< echoed command name (`DATA`, `INFO`, `CLEAR_LOG`, ...), "" when absent */
    zkbio_push_kvlist extra; /**< other `&k=v` fields or `Key=Value` lines of a multi-line reply
                                (INFO, VERIFY SUM)*/
    const char *content;     /**< `Content=` of Shell/GetFile replies (may hold binary; see
                                content_len), or NULL */
    size_t content_len;
} zkbio_push_cmd_result;

/** The results of one devicecmd body. Free with zkbio_push_cmd_results_free(). */
typedef struct zkbio_push_cmd_results {
    size_t count;
    zkbio_push_cmd_result *results;
    size_t n_malformed; /**< records without a usable ID or Return */
} zkbio_push_cmd_results;

/**
 * Parse a devicecmd body holding one or more results: one-line `ID=..&Return=..&CMD=..` records,
 * and multi-line records (`ID=..` alone on a line, then `Key=Value` lines until the next line
 * starting with `ID=`). Lines after a one-line record also belong to it (an INFO reply is
 * `ID=1&Return=0&CMD=INFO` then `Key=Value` lines). `ID`, `Return` and `CMD` are matched
 * case-insensitively; other keys (a leading `~` removed) go to `extra`; lines without `=` inside a
 * record are ignored. `Content=` runs to the next line starting with `ID=` (or the end of the
 * body), keeps CR, LF, `&` and NUL bytes, and loses only the line break before that line; it is
 * also NUL-terminated. A record without a non-empty ID, or whose Return is missing or not an int32,
 * is counted in n_malformed, as is each non-blank line before the first record. Duplicate IDs are
 * returned as sent (the caller decides idempotency). Errors: ZKBIO_EINVAL, ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_push_devicecmd_parse(const char *body, size_t len,
                                         zkbio_push_cmd_results **out);

/** Free results; NULL is accepted. */
ZKBIO_API void zkbio_push_cmd_results_free(zkbio_push_cmd_results *results);

/**
 * Format one result line as a device sends it: `ID=<id>&Return=<ret>&CMD=<cmd>` (no newline; cmd
 * NULL = ""). Errors: ZKBIO_ENOSPC, ZKBIO_EINVAL (id NULL, empty, or holding `&` or `=`; cmd
 * holding `&`).
 */
ZKBIO_API int zkbio_push_cmd_result_format(const char *id, int32_t ret, const char *cmd, char *buf,
                                           size_t size, size_t *len);

/* ------------------------------------------------------------------------------------------------------------
 */
/* Server commands: GET /iclock/getrequest (push.md §4.2, §4.3) */
/* ------------------------------------------------------------------------------------------------------------
 */

/** Data tables of `DATA UPDATE|DELETE|QUERY`. */
typedef enum zkbio_push_data_table {
    ZKBIO_PUSH_DT_USERINFO = 1,
    ZKBIO_PUSH_DT_FINGERTMP,
    ZKBIO_PUSH_DT_FACE,
    ZKBIO_PUSH_DT_FVEIN,
    ZKBIO_PUSH_DT_BIODATA,
    ZKBIO_PUSH_DT_USERPIC,
    ZKBIO_PUSH_DT_BIOPHOTO,
    ZKBIO_PUSH_DT_ATTLOG,
    ZKBIO_PUSH_DT_ATTPHOTO
} zkbio_push_data_table;

/** Wire name of a data table ("USERINFO", "FINGERTMP", ...), static, or NULL for an unknown value.
 */
ZKBIO_API const char *zkbio_push_data_table_name(zkbio_push_data_table table);

/** User dialects of DATA UPDATE USERINFO (push.md §4.3: some firmware want `Privilege=` instead of
 * `Pri=`). */
#define ZKBIO_PUSH_FMT_PRIVILEGE 0x1u

/**
 * `DATA UPDATE USERINFO PIN=..HT Name=..HT Pri=..HT Passwd=..HT Card=..HT Grp=..HT TZ=..HT
 * Verify=..HT ViceCard=..` Fields that are NULL or "" (strings) or -1 (numbers; any negative Pri)
 * are left out, except PIN (required) and Name (always written, possibly empty).
 * StartDatetime/EndDatetime are not written. `flags`: ZKBIO_PUSH_FMT_PRIVILEGE. Errors:
 * ZKBIO_EINVAL (no valid PIN), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_push_cmd_user_update(const zkbio_push_user *user, unsigned flags, char *buf,
                                         size_t size, size_t *len);

/**
 * `DATA UPDATE FINGERTMP|FACE|FVEIN|BIODATA ...` for a template; `table` picks the wire form
 * (push.md §4.3): `FINGERTMP PIN=..HT FID=..HT Size=..HT Valid=..HT TMP=..`, `FACE PIN=..HT
 * FID=..HT Valid=..HT Size=..HT TMP=..`, `FVEIN Pin=..HT FID=..HT Index=..HT Valid=..HT Size=..HT
 * Tmp=..`, `BIODATA Pin=..HT No=..HT Index=..HT Valid=..HT Duress=..HT Type=..HT MajorVer=..HT
 * MinorVer=..HT Format=..HT Tmp=..`. `type` must be 1 or -1 for FINGERTMP, 2 or -1 for FACE, 7 or
 * -1 for FVEIN, ≥ 0 for BIODATA. Size is recomputed from the base64 length; other negative numbers
 * are written as defaults (No/FID 0, Index 0, Valid 1, Duress 0, MajorVer 0, MinorVer 0, Format 0).
 * Errors: ZKBIO_EINVAL (bad table or type, no valid PIN, empty tmp), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_push_cmd_template_update(zkbio_push_data_table table,
                                             const zkbio_push_template *tmpl, char *buf,
                                             size_t size, size_t *len);

/** `DATA UPDATE USERPIC PIN=..HT Size=..HT Content=..` or `DATA UPDATE BIOPHOTO PIN=..HT Type=..HT
 * Size=..HT Content=..` (table USERPIC or BIOPHOTO; Type left out when negative; Size = length of
 * the content). Errors: ZKBIO_EINVAL (bad table, no valid PIN, empty content), ZKBIO_ENOSPC. */
ZKBIO_API int zkbio_push_cmd_photo_update(zkbio_push_data_table table,
                                          const zkbio_push_photo *photo, char *buf, size_t size,
                                          size_t *len);

/**
 * `DATA DELETE FINGERTMP PIN=<pin>[HT FID=<no>]`, `DATA DELETE USERINFO|FACE|USERPIC|BIOPHOTO
 * PIN=<pin>`, `DATA DELETE BIODATA Pin=<pin>[HT Type=<type>[HT No=<no>]]`, `DATA DELETE FVEIN
 * Pin=<pin>[HT FID=<no>]` (push.md §4.3). `no` and `type` < 0 are left out. Errors: ZKBIO_EINVAL
 * (other tables, no valid PIN), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_push_cmd_delete(zkbio_push_data_table table, const char *pin, int32_t type,
                                    int32_t no, char *buf, size_t size, size_t *len);

/**
 * `DATA QUERY ATTLOG|ATTPHOTO StartTime=..HT EndTime=..` (times "YYYY-MM-DD HH:MM:SS", checked and
 * normalised like ATTLOG times), `DATA QUERY USERINFO[ PIN=..]`, `DATA QUERY FINGERTMP PIN=..[HT
 * FingerID=..]`, `DATA QUERY BIODATA Type=..[HT PIN=..[HT No=..]]`. Unused arguments are NULL / -1.
 * Errors: ZKBIO_EINVAL (other tables, missing or invalid time, PIN or type), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_push_cmd_query(zkbio_push_data_table table, const char *pin,
                                   const char *start_time, const char *end_time, int32_t type,
                                   int32_t no, char *buf, size_t size, size_t *len);

/** Commands without arguments. */
typedef enum zkbio_push_simple_cmd {
    ZKBIO_PUSH_CMD_CHECK = 1,      /**< `CHECK`: re-read config, re-upload per stamps */
    ZKBIO_PUSH_CMD_INFO,           /**< `INFO`: report device information */
    ZKBIO_PUSH_CMD_LOG,            /**< `LOG`: upload new data now */
    ZKBIO_PUSH_CMD_REBOOT,         /**< `REBOOT` */
    ZKBIO_PUSH_CMD_CLEAR_LOG,      /**< `CLEAR LOG`: wipe attendance */
    ZKBIO_PUSH_CMD_CLEAR_PHOTO,    /**< `CLEAR PHOTO` */
    ZKBIO_PUSH_CMD_CLEAR_DATA,     /**< `CLEAR DATA`: wipe everything */
    ZKBIO_PUSH_CMD_CLEAR_BIODATA,  /**< `CLEAR BIODATA`: wipe templates */
    ZKBIO_PUSH_CMD_RELOAD_OPTIONS, /**< `RELOAD OPTIONS` */
    ZKBIO_PUSH_CMD_AC_UNLOCK,      /**< `AC_UNLOCK`: door-open pulse */
    ZKBIO_PUSH_CMD_AC_UNALARM      /**< `AC_UNALARM`: cancel alarm */
} zkbio_push_simple_cmd;

/** Format a command without arguments. Errors: ZKBIO_EINVAL (unknown value), ZKBIO_ENOSPC. */
ZKBIO_API int zkbio_push_cmd_simple(zkbio_push_simple_cmd cmd, char *buf, size_t size, size_t *len);

/** `SET OPTION <key>=<value>` (one key per command; key must be [A-Za-z0-9_~]+; value not NULL).
 * Errors: EINVAL, ENOSPC. */
ZKBIO_API int zkbio_push_cmd_set_option(const char *key, const char *value, char *buf, size_t size,
                                        size_t *len);

/** `ENROLL_FP PIN=..HT FID=..HT RETRY=..HT OVERWRITE=0|1` (on-device enrollment; fid, retry ≥ 0;
 * overwrite nonzero = 1). Errors: EINVAL, ENOSPC. */
ZKBIO_API int zkbio_push_cmd_enroll_fp(const char *pin, int32_t fid, int32_t retry, int overwrite,
                                       char *buf, size_t size, size_t *len);

/** `ENROLL_BIO TYPE=..HT PIN=..HT RETRY=..HT OVERWRITE=0|1` (face/palm; type, retry ≥ 0). Errors:
 * EINVAL, ENOSPC. */
ZKBIO_API int zkbio_push_cmd_enroll_bio(int32_t type, const char *pin, int32_t retry, int overwrite,
                                        char *buf, size_t size, size_t *len);

/** `VERIFY SUM ATTLOG StartTime=..HT EndTime=..` (times checked and normalised). Errors: EINVAL,
 * ENOSPC. */
ZKBIO_API int zkbio_push_cmd_verify_sum(const char *start_time, const char *end_time, char *buf,
                                        size_t size, size_t *len);

/**
 * True (1) when `id` is a valid CmdID: 1..ZKBIO_PUSH_CMDID_MAX characters of [A-Za-z0-9] (push.md
 * §4.2).
 */
ZKBIO_API int zkbio_push_cmdid_valid(const char *id);

/**
 * Append one framed command line `C:<id>:<command>\n` to a getrequest reply being built in buf (buf
 * holds
 * `*len` bytes already; pass *len = 0 to start) and NUL-terminate. Multi-record DATA commands keep
 * their inner LFs; CRs and leading/trailing LFs of the command are dropped. On ZKBIO_ENOSPC, buf
 * and *len are unchanged (this function does not report the needed length). Errors: ZKBIO_EINVAL
 * (id not zkbio_push_cmdid_valid(), empty command, NULL, *len ≥ size), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_push_command_frame(const char *id, const char *command, char *buf, size_t size,
                                       size_t *len);

/* ---- the device side: what a terminal (or zkbio push-sim) does with a getrequest reply ---- */

/** One command from a getrequest reply. */
typedef struct zkbio_push_command {
    const char *id;   /**< CmdID */
    const char *text; /**< the command after `C:<id>:`, with continuation lines joined by LF */
} zkbio_push_command;

/** The commands of one getrequest reply (body `OK` gives count 0). Free with
 * zkbio_push_commands_free(). */
typedef struct zkbio_push_commands {
    size_t count;
    zkbio_push_command *cmds;
} zkbio_push_commands;

/** Parse a getrequest reply body: `C:<id>:<text>` lines; a line not starting with `C:` continues
 * the previous command (joined with LF); blank lines are skipped; a NUL ends its line. Errors:
 * ZKBIO_EPROTO (text before the first `C:` other than `OK`; a `C:` line with an empty id or without
 * the second colon), ZKBIO_EINVAL, ZKBIO_ENOMEM. */
ZKBIO_API int zkbio_push_commands_parse(const char *body, size_t len, zkbio_push_commands **out);

/** Free commands; NULL is accepted. */
ZKBIO_API void zkbio_push_commands_free(zkbio_push_commands *cmds);

/** Verbs of a DATA command. */
typedef enum zkbio_push_data_verb {
    ZKBIO_PUSH_DATA_UPDATE = 1,
    ZKBIO_PUSH_DATA_DELETE,
    ZKBIO_PUSH_DATA_QUERY
} zkbio_push_data_verb;

/**
 * A parsed `DATA UPDATE|DELETE|QUERY <table> k=v...` command. For UPDATE, `records` holds one
 * record per line (USERINFO → ZKBIO_PUSH_REC_USER, FINGERTMP → FP, FACE, FVEIN, BIODATA, USERPIC,
 * BIOPHOTO); for DELETE and QUERY, `cond` holds the conditions. Free with
 * zkbio_push_data_cmd_free().
 */
typedef struct zkbio_push_data_cmd {
    zkbio_push_data_verb verb;
    zkbio_push_data_table table;
    zkbio_push_batch *records; /**< UPDATE only, else NULL */
    zkbio_push_kvlist *cond;   /**< DELETE / QUERY only, else NULL */
} zkbio_push_data_cmd;

/** Parse the text of a DATA command (verb and table matched case-insensitively). UPDATE lines are
 * parsed like untagged upload lines (malformed ones counted in `records`); DELETE/QUERY conditions
 * are the HT-separated `k=v` fields. Errors: ZKBIO_EPROTO (not a DATA command, unknown verb or
 * table, UPDATE without a well-formed record), ZKBIO_ENOTSUP (a table of push.md §4.3/§4.4 this
 * codec does not model, e.g. WORKCODE or SMS, or UPDATE of ATTLOG or ATTPHOTO), ZKBIO_EINVAL,
 * ZKBIO_ENOMEM. */
ZKBIO_API int zkbio_push_data_cmd_parse(const char *text, size_t len, zkbio_push_data_cmd **out);

/** Free a data command; NULL is accepted. */
ZKBIO_API void zkbio_push_data_cmd_free(zkbio_push_data_cmd *cmd);

/* ---- upload formatting (device side) ----
 * Each returns ZKBIO_EINVAL for a NULL record, an invalid PIN or time, or a missing
 * template/content, and ZKBIO_ENOSPC as the other formatters. */

/** Format one ATTLOG line `PIN HT time HT status HT verify HT workcode HT 0 HT 0[HT extra...]` (no
 * newline); a status or verify of -1 is written as an empty field. */
ZKBIO_API int zkbio_push_attlog_format(const zkbio_push_attlog *rec, char *buf, size_t size,
                                       size_t *len);

/** Format one OPERLOG `USER PIN=..HT Name=..HT Pri=..HT Passwd=..HT Card=..HT Grp=..HT TZ=..HT
 * Verify=..HT ViceCard=..[HT StartDatetime=..][HT EndDatetime=..]` line (no newline; every field
 * written, numbers as is). */
ZKBIO_API int zkbio_push_user_format(const zkbio_push_user *user, char *buf, size_t size,
                                     size_t *len);

/** Format one OPERLOG `FP`, `FACE`, `FVEIN` or `BIODATA` line for `rec_type` (no newline; push.md
 * §3.2 key order and case; Size recomputed and defaults as in zkbio_push_cmd_template_update();
 * BIODATA needs type ≥ 0). */
ZKBIO_API int zkbio_push_template_format(zkbio_push_rec_type rec_type,
                                         const zkbio_push_template *tmpl, char *buf, size_t size,
                                         size_t *len);

/** Format one OPERLOG `OPLOG` line (no newline; an empty admin is written as 0). */
ZKBIO_API int zkbio_push_oplog_format(const zkbio_push_oplog *rec, char *buf, size_t size,
                                      size_t *len);

/** Format one OPERLOG `USERPIC PIN=..HT FileName=..HT Size=..HT Content=..` or `BIOPHOTO PIN=..HT
 * FileName=..HT Type=..HT Size=..HT Content=..` line for `rec_type` (no newline; Size = content
 * length). */
ZKBIO_API int zkbio_push_photo_format(zkbio_push_rec_type rec_type, const zkbio_push_photo *photo,
                                      char *buf, size_t size, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_PUSH_H */
