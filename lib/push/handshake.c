/* SPDX-License-Identifier: Apache-2.0 */
/* Handshake request and reply (push.md §2.1, §2.2, §2.5), device language, getrequest INFO (§4.1).
 */
#include <stdio.h>
#include <string.h>

#include "internal/errinfo.h"
#include "internal/opts.h"
#include "push/zki_push.h"

/* Drop control bytes from a decoded query value (they would end up in logs and the database). */
static void strip_ctl(char *s)
{
    char *o = s;
    for (; *s; s++)
        if ((unsigned char)*s >= 0x20 && *s != 0x7f)
            *o++ = *s;
    *o = '\0';
}

static int get_int(const char *q, size_t qlen, const char *key, int def)
{
    char v[24];
    int64_t x;
    if (zkbio_push_query_get(q, qlen, key, v, sizeof(v)) != ZKBIO_OK)
        return def;
    zki_span s = {v, strlen(v)};
    return zki_parse_int(s, INT32_MIN, INT32_MAX, &x) == 1 ? (int)x : def;
}

int zkbio_push_handshake_parse(const char *query, size_t query_len, zkbio_push_handshake *out,
                               zkbio_error_info *err)
{
    if (!out || (!query && query_len)) {
        zki_errinfo_set(err, ZKBIO_EINVAL, 0, "NULL argument");
        return ZKBIO_EINVAL;
    }
    zkbio_push_handshake h;
    memset(&h, 0, sizeof(h));
    int rc = zkbio_push_query_get(query, query_len, "SN", h.sn, sizeof(h.sn));
    if (rc == ZKBIO_ENOENT || (rc == ZKBIO_OK && !h.sn[0])) {
        zki_errinfo_set(err, ZKBIO_EPROTO, 0, "SN missing");
        return ZKBIO_EPROTO;
    }
    if (rc != ZKBIO_OK || !zkbio_push_sn_valid(h.sn)) {
        zki_errinfo_set(err, ZKBIO_EPROTO, 0, "SN too long or not [A-Za-z0-9_-]");
        return ZKBIO_EPROTO;
    }
    /* optional fields: a value too long for its buffer is truncated */
    if (zkbio_push_query_get(query, query_len, "pushver", h.pushver, sizeof(h.pushver)) ==
        ZKBIO_ENOENT)
        h.pushver[0] = '\0';
    strip_ctl(h.pushver);
    if (!h.pushver[0])
        snprintf(h.pushver, sizeof(h.pushver), "2.2.14");
    h.language = get_int(query, query_len, "language", -1);
    if (zkbio_push_query_get(query, query_len, "DeviceType", h.device_type,
                             sizeof(h.device_type)) == ZKBIO_ENOENT)
        h.device_type[0] = '\0';
    strip_ctl(h.device_type);
    if (zkbio_push_query_get(query, query_len, "pushcommkey", h.pushcommkey,
                             sizeof(h.pushcommkey)) == ZKBIO_ENOENT)
        h.pushcommkey[0] = '\0';
    strip_ctl(h.pushcommkey);
    h.push_options_flag = get_int(query, query_len, "PushOptionsFlag", 0);

    int major = 0;
    for (const char *p = h.pushver; *p >= '0' && *p <= '9' && major < 1000; p++)
        major = major * 10 + (*p - '0');
    h.generation = (major >= 3 || zki_strieq(h.device_type, "acc")) ? 3 : 2;
    *out = h;
    return ZKBIO_OK;
}

/* The options as 0.3 had them: the first version with a size field. */
#define ZKI_PUSH_SERVER_OPTIONS_0_3 ZKI_OPTS_END(zkbio_push_server_options, multi_bio_data_support)

static void server_defaults(zkbio_push_server_options *o)
{
    memset(o, 0, sizeof(*o));
    o->size = (uint32_t)sizeof(*o);
    o->error_delay_s = 30;
    o->delay_s = 10;
    o->trans_interval_min = 1;
    o->timezone_min = 0;
    o->realtime = 1;
}

/* The caller's options over the defaults, as far as its size goes; -1 when the size is wrong. */
static int server_read(const zkbio_push_server_options *opts, zkbio_push_server_options *o)
{
    server_defaults(o);
    if (opts->size < ZKI_PUSH_SERVER_OPTIONS_0_3)
        return -1;
    memcpy(o, opts, opts->size < sizeof(*o) ? opts->size : sizeof(*o));
    return 0;
}

int zkbio_push_server_options_reset(zkbio_push_server_options *opts)
{
    if (!opts || opts->size < ZKI_PUSH_SERVER_OPTIONS_0_3)
        return ZKBIO_EINVAL;
    zkbio_push_server_options d;
    server_defaults(&d);
    const uint32_t size = opts->size;
    /* only the bytes the caller has, and not its size field */
    memcpy((char *)opts + sizeof(d.size), (const char *)&d + sizeof(d.size),
           (size < sizeof(d) ? size : sizeof(d)) - sizeof(d.size));
    return ZKBIO_OK;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void kv_line(zki_wbuf *w, const char *key, const char *value)
{
    zki_w_str(w, "\n");
    zki_w_str(w, key);
    zki_w_str(w, "=");
    zki_w_val(w, value);
}

static void kv_int(zki_wbuf *w, const char *key, int64_t v)
{
    zki_w_str(w, "\n");
    zki_w_str(w, key);
    zki_w_str(w, "=");
    zki_w_int(w, v);
}

static const char *stamp_or_none(const char *s)
{
    return s && zki_val_len(s) ? s : "None";
}

/* TransFlag: digits (format I) verbatim; otherwise names split on HT, space or comma, written as
 * format II. */
static void trans_flag(zki_wbuf *w, const char *tf)
{
    static const char all[] =
        "TransData AttLog\tOpLog\tAttPhoto\tEnrollUser\tChgUser\tEnrollFP\tChgFP\tFACE\t"
        "UserPic\tBioPhoto\tFVEIN";
    zki_w_str(w, "\nTransFlag=");
    if (!tf || !zki_val_len(tf)) {
        zki_w_str(w, all);
        return;
    }
    size_t digits = strspn(tf, "01");
    if (tf[digits] == '\0') {
        zki_w_str(w, tf);
        return;
    }
    const char *p = tf;
    int first = 1;
    zki_w_str(w, "TransData ");
    while (*p) {
        p += strspn(p, "\t\r\n ,");
        size_t n = strcspn(p, "\t\r\n ,");
        if (n == 0)
            break;
        if (!(n == 9 && memcmp(p, "TransData", 9) == 0)) {
            if (!first)
                zki_w_str(w, "\t");
            zki_w_raw(w, p, n);
            first = 0;
        }
        p += n;
    }
}

int zkbio_push_handshake_reply_build(const zkbio_push_server_options *opts, const char *sn,
                                     char *buf, size_t size, size_t *len)
{
    zkbio_push_server_options o;
    if (!opts || !zkbio_push_sn_valid(sn) || (!buf && size) || server_read(opts, &o) != 0)
        return ZKBIO_EINVAL;
    opts = &o;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "GET OPTION FROM: ");
    zki_w_str(&w, sn);
    kv_line(&w, "ATTLOGStamp", stamp_or_none(opts->attlog_stamp));
    kv_line(&w, "OPERLOGStamp", stamp_or_none(opts->operlog_stamp));
    kv_line(&w, "ATTPHOTOStamp", stamp_or_none(opts->attphoto_stamp));
    kv_line(&w, "BIODATAStamp", stamp_or_none(opts->biodata_stamp));
    kv_line(&w, "Stamp", stamp_or_none(opts->attlog_stamp));
    kv_line(&w, "OpStamp", stamp_or_none(opts->operlog_stamp));
    kv_line(&w, "PhotoStamp", stamp_or_none(opts->attphoto_stamp));
    kv_int(&w, "ErrorDelay", clamp(opts->error_delay_s, 1, 3600));
    kv_int(&w, "Delay", clamp(opts->delay_s, 1, 3600));
    kv_line(&w, "TransTimes",
            opts->trans_times && zki_val_len(opts->trans_times) ? opts->trans_times
                                                                : "00:00;14:05");
    kv_int(&w, "TransInterval", opts->trans_interval_min < 0 ? 0 : opts->trans_interval_min);
    trans_flag(&w, opts->trans_flag);
    int tz = clamp(opts->timezone_min, -24 * 60, 24 * 60);
    /* Whole hours within (-12, 12) go as hours; anything else as minutes (push.md §2.2 TimeZone).
     */
    kv_int(&w, "TimeZone", tz % 60 == 0 && tz / 60 > -12 && tz / 60 < 12 ? tz / 60 : tz);
    kv_int(&w, "Realtime", opts->realtime ? 1 : 0);
    kv_int(&w, "Encrypt", 0);
    if (opts->server_ver && zki_val_len(opts->server_ver))
        kv_line(&w, "ServerVer", opts->server_ver);
    kv_line(&w, "PushProtVer",
            opts->push_prot_ver && zki_val_len(opts->push_prot_ver) ? opts->push_prot_ver
                                                                    : "2.4.1");
    if (opts->push_options_flag)
        kv_int(&w, "PushOptionsFlag", 1);
    if (opts->push_options && zki_val_len(opts->push_options))
        kv_line(&w, "PushOptions", opts->push_options);
    if (opts->multi_bio_data_support && zki_val_len(opts->multi_bio_data_support))
        kv_line(&w, "MultiBioDataSupport", opts->multi_bio_data_support);
    return zki_w_finish(&w, len);
}

const char *zkbio_push_language_charset(int language)
{
    switch (language) {
    case 83:
        return "GB18030";
    case 84:
        return "BIG5";
    default:
        return "UTF-8";
    }
}

/* Copy a field into a fixed buffer, dropping control bytes, truncating when needed. */
static void copy_field(zki_span f, char *dst, size_t size)
{
    f = zki_span_trim(zki_span_cut_nul(f));
    size_t o = 0;
    for (size_t i = 0; i < f.n && o + 1 < size; i++) {
        unsigned char c = (unsigned char)f.p[i];
        if (c >= 0x20 && c != 0x7f)
            dst[o++] = (char)c;
    }
    dst[o] = '\0';
}

static long field_long(zki_span f)
{
    int64_t v;
    return zki_parse_int(f, -2147483647L - 1, 2147483647L, &v) == 1 ? (long)v : -1;
}

int zkbio_push_info_parse(const char *info, size_t info_len, zkbio_push_info *out)
{
    if (!out || (!info && info_len))
        return ZKBIO_EINVAL;
    zkbio_push_info r;
    memset(&r, 0, sizeof(r));
    r.user_count = r.fp_count = r.att_count = -1;
    r.fp_alg_ver = r.face_alg_ver = r.faces_needed = r.face_count = -1;
    zki_span rest = {info ? info : "", info ? info_len : 0};
    zki_span f;
    unsigned i = 0;
    while (zki_next_field(&rest, ',', &f)) {
        switch (i++) {
        case 0:
            copy_field(f, r.firmware, sizeof(r.firmware));
            break;
        case 1:
            r.user_count = field_long(f);
            break;
        case 2:
            r.fp_count = field_long(f);
            break;
        case 3:
            r.att_count = field_long(f);
            break;
        case 4:
            copy_field(f, r.ip, sizeof(r.ip));
            break;
        case 5:
            r.fp_alg_ver = field_long(f);
            break;
        case 6:
            r.face_alg_ver = field_long(f);
            break;
        case 7:
            r.faces_needed = field_long(f);
            break;
        case 8:
            r.face_count = field_long(f);
            break;
        case 9:
            copy_field(f, r.function_bits, sizeof(r.function_bits));
            break;
        default:
            break; /* newer firmware append more fields */
        }
    }
    *out = r;
    return ZKBIO_OK;
}
