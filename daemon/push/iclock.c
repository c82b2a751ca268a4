/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PUSH endpoints terminals poll (push.md §1–§6, Attendance PUSH 2.x). Access rule: documented
 * open endpoint for devices, identified by SN only, subject to the admission policy (pending,
 * auto or allow-list; docs/admission.md).
 *
 * Every reply is plain text with a GMT Date header. Data is acknowledged (`OK: n`) only after
 * COMMIT; a database outage answers 503 so the device keeps its data and retries after ErrorDelay.
 */
#include <errno.h>
#include <fcntl.h>
#if !defined(_WIN32)
#include <iconv.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>

#include "core.h"
#include "push.h"

#if defined(_WIN32)
#include <windows.h> /* after core.h: winsock2.h comes first (plat.h) */
#endif

#define GETREQUEST_MAX_BYTES (512 * 1024) /* keep replies well below 1 MB (push.md §4.2) */

static int store_error(struct mg_connection *c, const zpush *d, const char *sn, int rc)
{
    if (rc == ZKBIO_EUNAVAIL)
        zlog_warn("%s: storage unavailable, device will retry (%s)", sn, zs_errmsg(d->store));
    else
        zlog_error("%s: storage error: %s (%s)", sn, zkbio_strerror(rc), zs_errmsg(d->store));
    return zc_text(c, 503, "ERROR: storage unavailable, retry later");
}

/* Refused requests (issue 15): logged once per source address and minute, not per request, so a
 * flood of made-up SNs cannot flood the log; a pinned device's refusal is audited as often. */
static int deny(struct mg_connection *c, const zpush *d, const char *sn, const char *ip,
                zs_admit admit)
{
    const char *why = "not on the allow-list", *reply = "ERROR: device not admitted";
    int status = 403;
    switch (admit) {
    case ZS_ADMIT_DISABLED:
        why = "device disabled";
        reply = "DEVICE DISABLED";
        break;
    case ZS_ADMIT_REJECTED:
        why = "device rejected by an operator";
        break;
    case ZS_ADMIT_PINNED:
        why = "request from outside the device's pinned address";
        break;
    case ZS_ADMIT_LIMITED:
        why = "too many unknown serial numbers from this address";
        reply = "ERROR: too many requests, retry later";
        status = 429;
        break;
    case ZS_ADMIT_FULL:
        why = "too many devices waiting for approval";
        reply = "ERROR: too many pending devices, retry later";
        status = 503;
        break;
    default:
        break;
    }
    if (zs_refusal_log_first(d->store, ip)) {
        zlog_warn("%s: refused from %s (%s); further refusals of this address are not logged "
                  "for a minute",
                  sn, ip, why);
        if (admit == ZS_ADMIT_PINNED)
            zs_audit_begin(d->store, "system", 0, ip, "device.pin_refused", sn, 0, "denied", NULL,
                           NULL);
    }
    return zc_text(c, status, reply);
}

static const char *query_of(struct mg_connection *c, size_t *len)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *q = ri->query_string ? ri->query_string : "";
    *len = strlen(q);
    return q;
}

static int handshake(struct mg_connection *c, const zpush *d, const char *ip)
{
    size_t qlen;
    const char *q = query_of(c, &qlen);
    zkbio_push_handshake hs;
    zkbio_error_info err;
    if (zkbio_push_handshake_parse(q, qlen, &hs, &err) != 0)
        return zc_text(c, 400, "ERROR: missing or invalid SN");
    zs_admit admit;
    char stamps[4][32];
    int rc = zs_device_hello(d->store, &hs, ip, &admit, stamps);
    if (rc != 0)
        return store_error(c, d, hs.sn, rc);
    if (admit != ZS_ADMIT_OK && admit != ZS_ADMIT_PENDING)
        return deny(c, d, hs.sn, ip, admit);
    zkbio_push_server_options o = d->push;
    o.attlog_stamp = stamps[ZS_STAMP_ATTLOG][0] ? stamps[ZS_STAMP_ATTLOG] : NULL;
    o.operlog_stamp = stamps[ZS_STAMP_OPERLOG][0] ? stamps[ZS_STAMP_OPERLOG] : NULL;
    o.attphoto_stamp = stamps[ZS_STAMP_ATTPHOTO][0] ? stamps[ZS_STAMP_ATTPHOTO] : NULL;
    o.biodata_stamp = stamps[ZS_STAMP_BIODATA][0] ? stamps[ZS_STAMP_BIODATA] : NULL;
    char body[2048];
    size_t len;
    if (zkbio_push_handshake_reply_build(&o, hs.sn, body, sizeof(body), &len) != 0)
        return zc_text(c, 500, "ERROR: handshake reply");
    if (admit == ZS_ADMIT_PENDING)
        zlog_info("%s: handshake from %s: waiting for approval (zkbiod device approve %s)", hs.sn,
                  ip, hs.sn);
    else
        zlog_info("%s: handshake from %s (push %s, language %d)", hs.sn, ip, hs.pushver,
                  hs.language);
    return zc_send(c, 200, "text/plain", body, len);
}

/* Write an attendance photo durably to <dir>/<sn>/<name> (temporary file, fsync, rename, fsync of
 * the folder). `name` comes from the device: only [A-Za-z0-9._-] is kept and it may not start with
 * a dot. */
static int save_photo(const char *dir, const char *sn, const char *name, const char *data,
                      size_t len, char *path, size_t psize)
{
    char clean[128];
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < sizeof(clean); p++) {
        char ch = *p;
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 ch == '-' || ch == '_' || (ch == '.' && n > 0);
        clean[n++] = ok ? ch : '_';
    }
    clean[n] = '\0';
    if (n == 0)
        return ZKBIO_EINVAL;
    char sub[1024], tmp[1100];
    if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, sn) >= sizeof(sub) ||
        (size_t)snprintf(path, psize, "%s/%s", sub, clean) >= psize ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", sub, clean) >= sizeof(tmp))
        return ZKBIO_EINVAL;
    if (zc_mkdir_private(sub) != 0 && errno != EEXIST)
        return ZKBIO_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | ZC_O_CLOEXEC | ZC_O_BINARY, 0600);
    if (fd < 0)
        return ZKBIO_EIO;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = off == len && zc_fsync(fd) == 0;
    close(fd);
    if (!ok || zc_rename_replace(tmp, path) != 0) {
        unlink(tmp);
        return ZKBIO_EIO;
    }
    zc_fsync_dir(sub); /* best effort, as before */
    return 0;
}

static int upload(struct mg_connection *c, const zpush *d, const char *sn, const char *ip,
                  const char *default_table)
{
    size_t qlen;
    const char *q = query_of(c, &qlen);
    char table[32] = "", stamp[32] = "";
    if (zkbio_push_query_get(q, qlen, "table", table, sizeof(table)) != 0) {
        if (!default_table)
            return zc_text(c, 400, "ERROR: missing table");
        snprintf(table, sizeof(table), "%s", default_table);
    }
    zkbio_push_query_get(q, qlen, "Stamp", stamp, sizeof(stamp));

    zs_admit admit;
    int language = -1;
    int rc = zs_device_admit(d->store, sn, ip, &admit, &language);
    if (rc != 0)
        return store_error(c, d, sn, rc);
    if (admit != ZS_ADMIT_OK && admit != ZS_ADMIT_PENDING)
        return deny(c, d, sn, ip, admit);
    int pending = admit == ZS_ADMIT_PENDING;

    char *body;
    size_t len;
    rc = zc_read_body(c, d->max_body, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        zlog_warn("%s: %s upload larger than max-body (%zu bytes) refused", sn, table, d->max_body);
        return zc_text(c, 413, "ERROR: body too large");
    }
    if (rc != 0)
        return zc_text(c, 400, "ERROR: could not read body");
    zs_device_seen(d->store, sn, ip, NULL);

    zkbio_push_table t = zkbio_push_table_from_name(table);
    char reply[64] = "OK";
    switch (t) {
    case ZKBIO_PUSH_TABLE_ATTLOG:
    case ZKBIO_PUSH_TABLE_OPERLOG:
    case ZKBIO_PUSH_TABLE_BIODATA:
    case ZKBIO_PUSH_TABLE_USERINFO:
    case ZKBIO_PUSH_TABLE_ERRORLOG:
    case ZKBIO_PUSH_TABLE_IDCARD: {
        zkbio_push_batch *b = NULL;
        rc = zkbio_push_upload_parse(t, body, len, zkbio_push_language_charset(language), 0, &b);
        if (rc != 0) {
            free(body);
            zlog_warn("%s: %s body rejected: %s", sn, table, zkbio_strerror(rc));
            return zc_text(c, 400, "ERROR: malformed body");
        }
        if (b->n_malformed)
            zlog_warn("%s: %s: %zu malformed line(s) skipped (first at line %u)", sn, table,
                      b->n_malformed, b->malformed_lines[0]);
        size_t accepted = 0;
        if (pending) { /* issue 15: held as received until approved (store_admission.h) */
            accepted = b->count;
            zkbio_push_batch_free(b);
            rc = zs_pending_stage(d->store, sn, table, stamp, body, len);
            if (rc == ZKBIO_ETOOBIG) {
                free(body);
                if (zs_refusal_log_first(d->store, ip))
                    zlog_warn("%s: pending device holds %d bytes of uploads already; refused "
                              "until approved",
                              sn, ZS_PENDING_BYTES_MAX);
                return zc_text(c, 503, "ERROR: waiting for approval, retry later");
            }
            if (rc != 0) {
                free(body);
                return store_error(c, d, sn, rc);
            }
            snprintf(reply, sizeof(reply), t == ZKBIO_PUSH_TABLE_ERRORLOG ? "OK" : "OK: %zu",
                     accepted);
            break;
        }
        if (t == ZKBIO_PUSH_TABLE_ATTLOG)
            rc = zs_ingest_attlog(d->store, sn, b, stamp, &accepted);
        else
            rc = zs_ingest_operlog(
                d->store, sn, b,
                t == ZKBIO_PUSH_TABLE_BIODATA ? ZS_STAMP_BIODATA : ZS_STAMP_OPERLOG,
                t == ZKBIO_PUSH_TABLE_ERRORLOG || t == ZKBIO_PUSH_TABLE_IDCARD ? NULL : stamp,
                &accepted);
        zkbio_push_batch_free(b);
        if (rc != 0) {
            free(body);
            return store_error(c, d, sn, rc);
        }
        zlog_debug("%s: %s: %zu record(s) stored", sn, table, accepted);
        if (t == ZKBIO_PUSH_TABLE_ERRORLOG)
            snprintf(reply, sizeof(reply), "OK");
        else
            snprintf(reply, sizeof(reply), "OK: %zu", accepted);
        break;
    }
    case ZKBIO_PUSH_TABLE_OPTIONS: {
        zkbio_push_kvlist *kv = NULL;
        rc = zkbio_push_options_parse(body, len, &kv);
        if (rc == 0) {
            rc = zs_device_options(d->store, sn, kv);
            zkbio_push_kvlist_free(kv);
            if (rc != 0) {
                free(body);
                return store_error(c, d, sn, rc);
            }
        }
        break;
    }
    case ZKBIO_PUSH_TABLE_ATTPHOTO: {
        if (pending) { /* photos of an unapproved device are not kept (docs/admission.md) */
            zlog_debug("%s: attendance photo of a pending device not stored", sn);
            break;
        }
        char name[128];
        size_t off, plen;
        rc = zkbio_push_attphoto_parse(body, len, name, sizeof(name), &off, &plen);
        if (rc != 0) {
            free(body);
            zlog_warn("%s: ATTPHOTO body rejected: %s", sn, zkbio_strerror(rc));
            return zc_text(c, 400, "ERROR: malformed photo");
        }
        char path[1200];
        rc = save_photo(d->attphoto_dir, sn, name, body + off, plen, path, sizeof(path));
        if (rc != 0) {
            free(body);
            zlog_error("%s: cannot store attendance photo under %s", sn, d->attphoto_dir);
            return zc_text(c, 503, "ERROR: storage unavailable, retry later");
        }
        rc = zs_ingest_attphoto(d->store, sn, name, path, plen);
        if (rc != 0) {
            free(body);
            return store_error(c, d, sn, rc);
        }
        break;
    }
    default:
        /* Answer OK so the device does not resend forever; the data is not kept (logged). */
        zlog_warn("%s: upload to unsupported table '%s' (%zu bytes) not stored", sn, table, len);
        break;
    }
    free(body);
    return zc_text(c, 200, reply);
}

/* Commands are stored as UTF-8; a device whose language implies another codepage (83 → GB18030, 84
 * → BIG5, push.md §6 "Encoding of names") gets them in that codepage. Characters the codepage lacks
 * become '?'. Returns a malloc'd converted copy, or NULL to send the original. */
#if defined(_WIN32)
/* Windows (issue 17: no iconv in mingw-w64): UTF-8 -> UTF-16 -> the codepage (GB18030 = 54936,
 * BIG5 = 950), unconvertible characters as '?' like the iconv path. */
static char *to_device_charset(const char *text, size_t len, int language, size_t *outlen)
{
    const char *cs = zkbio_push_language_charset(language);
    UINT cp = strcmp(cs, "GB18030") == 0 ? 54936 : strcmp(cs, "BIG5") == 0 ? 950 : 0;
    if (cp == 0 || len == 0 || len > 0x3FFFFFFF)
        return NULL;
    int wn = MultiByteToWideChar(CP_UTF8, 0, text, (int)len, NULL, 0);
    wchar_t *w = wn > 0 ? malloc((size_t)wn * sizeof(*w)) : NULL;
    if (!w)
        return NULL;
    MultiByteToWideChar(CP_UTF8, 0, text, (int)len, w, wn);
    /* GB18030 (54936) takes no default character: every code point has a mapping there. Where the
     * system lacks 54936 (Wine 8), GBK (936), its two-byte subset, with '?' for the rest. */
    BOOL *used = NULL;
    const char *dflt = cp == 54936 ? NULL : "?";
    int on = WideCharToMultiByte(cp, 0, w, wn, NULL, 0, dflt, used);
    if (on <= 0 && cp == 54936) {
        cp = 936;
        dflt = "?";
        on = WideCharToMultiByte(cp, 0, w, wn, NULL, 0, dflt, used);
    }
    char *out = on > 0 ? malloc((size_t)on + 1) : NULL;
    if (!out) {
        free(w);
        return NULL;
    }
    WideCharToMultiByte(cp, 0, w, wn, out, on, dflt, used);
    free(w);
    out[on] = '\0';
    *outlen = (size_t)on;
    return out;
}
#else
static char *to_device_charset(const char *text, size_t len, int language, size_t *outlen)
{
    const char *cs = zkbio_push_language_charset(language);
    if (strcmp(cs, "UTF-8") == 0)
        return NULL;
    iconv_t cd = iconv_open(cs, "UTF-8");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = len * 2 + 16;
    char *out = malloc(cap);
    if (!out) {
        iconv_close(cd);
        return NULL;
    }
    char *in = (char *)text, *o = out;
    size_t inleft = len, oleft = cap - 1;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1)
            break;
        if (errno != EILSEQ && errno != EINVAL)
            break; /* E2BIG cannot happen: 2 bytes out per byte in is enough for GB18030 and BIG5 */
        /* Skip one unconvertible UTF-8 character and write '?'. */
        size_t skip = 1;
        while (skip < inleft && ((unsigned char)in[skip] & 0xC0) == 0x80)
            skip++;
        in += skip;
        inleft -= skip;
        if (oleft == 0)
            break;
        *o++ = '?';
        oleft--;
    }
    iconv_close(cd);
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}
#endif

static int getrequest(struct mg_connection *c, const zpush *d, const char *sn, const char *ip)
{
    size_t qlen;
    const char *q = query_of(c, &qlen);
    zs_admit admit;
    int language = -1, due = 0;
    int rc = zs_device_poll(d->store, sn, ip, &admit, &language, &due);
    if (rc != 0)
        return store_error(c, d, sn, rc);
    if (admit != ZS_ADMIT_OK && admit != ZS_ADMIT_PENDING)
        return deny(c, d, sn, ip, admit);
    char info[256];
    int has_info = zkbio_push_query_get(q, qlen, "INFO", info, sizeof(info)) == 0;
    zs_device_seen(d->store, sn, ip, has_info ? info : NULL);
    if (!due || admit != ZS_ADMIT_OK) /* idle, or pending: one database statement in all */
        return zc_text(c, 200, "OK");
    char *body;
    size_t len;
    rc = zs_commands_take(d->store, sn, d->commands_per_poll, GETREQUEST_MAX_BYTES, &body, &len);
    if (rc != 0)
        return store_error(c, d, sn, rc);
    if (!body)
        return zc_text(c, 200, "OK");
    zlog_debug("%s: %zu bytes of commands handed out", sn, len);
    size_t clen = 0;
    char *conv = to_device_charset(body, len, language, &clen);
    if (conv)
        zc_send(c, 200, "text/plain", conv, clen);
    else
        zc_send(c, 200, "text/plain", body, len);
    free(conv);
    free(body);
    return 200;
}

static int devicecmd(struct mg_connection *c, const zpush *d, const char *sn, const char *ip)
{
    zs_admit admit;
    int rc = zs_device_admit(d->store, sn, ip, &admit, NULL);
    if (rc != 0)
        return store_error(c, d, sn, rc);
    if (admit != ZS_ADMIT_OK && admit != ZS_ADMIT_PENDING)
        return deny(c, d, sn, ip, admit);
    char *body;
    size_t len;
    rc = zc_read_body(c, d->max_body, &body, &len);
    if (rc == ZKBIO_ETOOBIG)
        return zc_text(c, 413, "ERROR: body too large");
    if (rc != 0)
        return zc_text(c, 400, "ERROR: could not read body");
    if (len == 0) {
        /* Some firmware put ID/Return/CMD in the query string with an empty body (push.md §5). */
        size_t qlen;
        const char *q = query_of(c, &qlen);
        char id[32], ret[16], cmd[32] = "";
        if (zkbio_push_query_get(q, qlen, "ID", id, sizeof(id)) == 0 &&
            zkbio_push_query_get(q, qlen, "Return", ret, sizeof(ret)) == 0) {
            zkbio_push_query_get(q, qlen, "CMD", cmd, sizeof(cmd));
            free(body);
            body = malloc(128);
            if (!body)
                return zc_text(c, 500, "ERROR: out of memory");
            len = (size_t)snprintf(body, 128, "ID=%s&Return=%s&CMD=%s", id, ret, cmd);
        }
    }
    if (admit == ZS_ADMIT_PENDING) { /* it was sent nothing: nothing to acknowledge */
        free(body);
        zs_device_seen(d->store, sn, ip, NULL);
        return zc_text(c, 200, "OK");
    }
    zkbio_push_cmd_results *res = NULL;
    rc = zkbio_push_devicecmd_parse(body, len, &res);
    free(body);
    if (rc != 0)
        return zc_text(c, 400, "ERROR: malformed results");
    if (res->n_malformed)
        zlog_warn("%s: devicecmd: %zu malformed result(s) skipped", sn, res->n_malformed);
    size_t matched = 0;
    rc = zs_commands_ack(d->store, sn, res, &matched);
    size_t count = res->count;
    zkbio_push_cmd_results_free(res);
    if (rc != 0)
        return store_error(c, d, sn, rc);
    zs_device_seen(d->store, sn, ip, NULL);
    zlog_debug("%s: %zu result(s), %zu matched", sn, count, matched);
    return zc_text(c, 200, "OK");
}

int zpush_iclock(struct mg_connection *c, const zpush *d, const char *endpoint)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    char ip[48];
    zc_client_ip(c, ip, sizeof(ip));
    char ep[32];
    snprintf(ep, sizeof(ep), "%s", endpoint);
    size_t el = strlen(ep);
    if (el > 5 && strcasecmp(ep + el - 5, ".aspx") == 0)
        ep[el - 5] = '\0';
    int is_get = strcmp(ri->request_method, "GET") == 0;
    int is_post = strcmp(ri->request_method, "POST") == 0;

    size_t qlen;
    const char *q = query_of(c, &qlen);
    char sn[ZKBIO_PUSH_SN_MAX + 1] = "";
    int have_sn =
        zkbio_push_query_get(q, qlen, "SN", sn, sizeof(sn)) == 0 && zkbio_push_sn_valid(sn);

    if (strcmp(ep, "cdata") == 0 || strcmp(ep, "fdata") == 0) {
        if (!have_sn)
            return zc_text(c, 400, "ERROR: missing or invalid SN");
        char table[32];
        int has_table = zkbio_push_query_get(q, qlen, "table", table, sizeof(table)) == 0;
        if (is_get && !has_table)
            return handshake(c, d, ip);
        if (is_get) /* RemoteAtt and other GET lookups: nothing to offer yet */
            return zc_text(c, 200, "OK");
        if (is_post) /* /iclock/fdata carries attendance photos (push.md §3.4) */
            return upload(c, d, sn, ip, strcmp(ep, "fdata") == 0 ? "ATTPHOTO" : NULL);
        return zc_text(c, 405, "ERROR: method not allowed");
    }
    if (strcmp(ep, "getrequest") == 0) {
        if (!have_sn)
            return zc_text(c, 400, "ERROR: missing or invalid SN");
        return getrequest(c, d, sn, ip);
    }
    if (strcmp(ep, "devicecmd") == 0) {
        if (!have_sn)
            return zc_text(c, 400, "ERROR: missing or invalid SN");
        if (!is_post)
            return zc_text(c, 405, "ERROR: method not allowed");
        return devicecmd(c, d, sn, ip);
    }
    if (strcmp(ep, "ping") == 0) {
        if (have_sn)
            zs_device_seen(d->store, sn, ip, NULL);
        return zc_text(c, 200, "OK");
    }
    /* Unknown paths under /iclock/: logged and answered OK so firmware keeps working (push.md §1).
     */
    zlog_info("%s: unhandled %s /iclock/%s from %s", have_sn ? sn : "-", ri->request_method,
              endpoint, ip);
    return zc_text(c, 200, "OK");
}
