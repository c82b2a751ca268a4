/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio device HOST[:PORT] COMMAND` and `zkbio emulate`: the 4370 client and emulator of libzkbio
 * (include/zkbio/zk4370_client.h, zk4370_emu.h) from the command line. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util.h"
#include "zk4370_cmds.h"
#include "zkbio/template.h"
#include "zkbio/zk4370_client.h"
#include "zkbio/zk4370_emu.h"

/* HOST, HOST:PORT, [V6], [V6]:PORT into host (hsize bytes) and *port (0 = default). */
static int split_host(const char *arg, char *host, size_t hsize, uint16_t *port)
{
    const char *p = NULL;
    size_t hl;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close)
            return -1;
        hl = (size_t)(close - arg - 1);
        arg++;
        if (close[1] == ':')
            p = close + 2;
        else if (close[1])
            return -1;
    } else {
        const char *colon = strchr(arg, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* a bare IPv6 address */
        hl = colon ? (size_t)(colon - arg) : strlen(arg);
        if (colon)
            p = colon + 1;
    }
    if (hl == 0 || hl >= hsize)
        return -1;
    memcpy(host, arg, hl);
    host[hl] = '\0';
    *port = 0;
    if (p) {
        long v;
        if (cli_parse_long(p, 1, 65535, &v) != 0)
            return -1;
        *port = (uint16_t)v;
    }
    return 0;
}

/* ---- output ---- */

enum { OUT_TEXT, OUT_JSON, OUT_CSV };

static void csv_field(FILE *f, const char *s, int last)
{
    cli_csv_field(f, s);
    fputc(last ? '\n' : ',', f);
}

static void print_json(json_t *j, int compact)
{
    if (!j)
        return;
    json_dumpf(j, stdout, compact ? JSON_COMPACT : JSON_INDENT(2));
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(j);
}

static json_t *time_json(const zkbio_zk_time *t)
{
    char s[20];
    zkbio_zk_time_format(t, s);
    return json_string(s);
}

static int out_info(zkbio_zk_client *c, int fmt)
{
    zkbio_zk_info in;
    int rc = zkbio_zk_info_get(c, &in);
    if (rc != ZKBIO_OK)
        return rc;
    const zkbio_zk_sizes *z = &in.sizes;
    if (fmt == OUT_JSON) {
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
            "serial", in.serial, "model", in.model, "firmware", in.firmware, "platform",
            in.platform, "mac", in.mac, "vendor", in.vendor, "fp_version", in.fp_version,
            "pin_width", in.pin_width, "counts", "users", (json_int_t)z->users, "fingers",
            (json_int_t)z->fingers, "records", (json_int_t)z->records, "admins",
            (json_int_t)z->admins, "faces", (json_int_t)z->faces, "users_cap",
            (json_int_t)z->users_cap, "fingers_cap", (json_int_t)z->fingers_cap, "records_cap",
            (json_int_t)z->records_cap);
        print_json(j, 0);
        return ZKBIO_OK;
    }
    printf("serial:     %s\nmodel:      %s\nfirmware:   %s\nplatform:   %s\nmac:        %s\n"
           "vendor:     %s\nfp version: %s\npin width:  %d\n"
           "users:      %lu of %lu\nfingers:    %lu of %lu\nrecords:    %lu of %lu\n"
           "admins:     %lu\nfaces:      %lu\n",
           in.serial, in.model, in.firmware, in.platform, in.mac, in.vendor, in.fp_version,
           in.pin_width, (unsigned long)z->users, (unsigned long)z->users_cap,
           (unsigned long)z->fingers, (unsigned long)z->fingers_cap, (unsigned long)z->records,
           (unsigned long)z->records_cap, (unsigned long)z->admins, (unsigned long)z->faces);
    return ZKBIO_OK;
}

static int out_users(zkbio_zk_client *c, int fmt)
{
    zkbio_zk_user *u = NULL;
    size_t n = 0;
    int rc = zkbio_zk_users_get(c, &u, &n);
    if (rc != ZKBIO_OK)
        return rc;
    json_t *arr = fmt == OUT_JSON ? json_array() : NULL;
    if (fmt == OUT_CSV)
        printf("uid,user_id,name,privilege,card,group\n");
    else if (fmt == OUT_TEXT)
        printf("%-6s %-12s %-24s %-4s %-10s %s\n", "uid", "user_id", "name", "priv", "card",
               "group");
    for (size_t i = 0; i < n; i++) {
        char num[5][24];
        snprintf(num[0], sizeof(num[0]), "%u", (unsigned)u[i].uid);
        snprintf(num[1], sizeof(num[1]), "%u", (unsigned)u[i].privilege);
        snprintf(num[2], sizeof(num[2]), "%lu", (unsigned long)u[i].card);
        snprintf(num[3], sizeof(num[3]), "%u", (unsigned)u[i].group);
        if (fmt == OUT_JSON) {
            json_array_append_new(
                arr, json_pack("{s:i, s:s, s:s, s:i, s:I, s:i, s:b}", "uid", (int)u[i].uid,
                               "user_id", u[i].user_id, "name", u[i].name, "privilege",
                               (int)u[i].privilege, "card", (json_int_t)u[i].card, "group",
                               (int)u[i].group, "disabled", (int)(u[i].privilege & 1)));
        } else if (fmt == OUT_CSV) {
            csv_field(stdout, num[0], 0);
            csv_field(stdout, u[i].user_id, 0);
            csv_field(stdout, u[i].name, 0);
            csv_field(stdout, num[1], 0);
            csv_field(stdout, num[2], 0);
            csv_field(stdout, num[3], 1);
        } else {
            printf("%-6s %-12s %-24s %-4s %-10s %s\n", num[0], u[i].user_id, u[i].name, num[1],
                   num[2], num[3]);
        }
    }
    if (arr)
        print_json(arr, 0);
    zkbio_zk_free(u);
    return ZKBIO_OK;
}

static int out_templates(zkbio_zk_client *c, int fmt, int with_data)
{
    zkbio_zk_template *t = NULL;
    size_t n = 0;
    int rc = zkbio_zk_templates_get(c, &t, &n);
    if (rc != ZKBIO_OK)
        return rc;
    json_t *arr = fmt == OUT_JSON ? json_array() : NULL;
    if (fmt == OUT_CSV)
        printf("uid,fid,flag,size%s\n", with_data ? ",data" : "");
    else if (fmt == OUT_TEXT)
        printf("%-6s %-4s %-5s %s\n", "uid", "fid", "flag", "size");
    for (size_t i = 0; i < n; i++) {
        char *b64 = NULL;
        if (with_data && fmt != OUT_TEXT) {
            size_t need = 4 * ((t[i].len + 2) / 3) + 1;
            b64 = malloc(need);
            if (b64 && zkbio_base64_encode(t[i].data, t[i].len, b64, need, NULL) != ZKBIO_OK) {
                free(b64);
                b64 = NULL;
            }
        }
        if (fmt == OUT_JSON) {
            json_t *o =
                json_pack("{s:i, s:i, s:i, s:I}", "uid", (int)t[i].uid, "fid", (int)t[i].fid,
                          "flag", (int)t[i].flag, "size", (json_int_t)t[i].len);
            if (b64)
                json_object_set_new(o, "data", json_string(b64));
            json_array_append_new(arr, o);
        } else if (fmt == OUT_CSV) {
            printf("%u,%u,%u,%zu%s%s\n", (unsigned)t[i].uid, (unsigned)t[i].fid,
                   (unsigned)t[i].flag, t[i].len, b64 ? "," : "", b64 ? b64 : "");
        } else {
            printf("%-6u %-4u %-5u %zu\n", (unsigned)t[i].uid, (unsigned)t[i].fid,
                   (unsigned)t[i].flag, t[i].len);
        }
        free(b64);
    }
    if (arr)
        print_json(arr, 0);
    zkbio_zk_free(t);
    return ZKBIO_OK;
}

/* Whether s is UTF-8 as jansson requires of a JSON string: no overlong forms, no surrogates, at
 * most U+10FFFF. */
static int utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned cp = *s, min;
        size_t len;
        if (cp < 0x80) {
            s++;
            continue;
        } else if ((cp & 0xE0) == 0xC0) {
            len = 2;
            cp &= 0x1F;
            min = 0x80;
        } else if ((cp & 0xF0) == 0xE0) {
            len = 3;
            cp &= 0x0F;
            min = 0x800;
        } else if ((cp & 0xF8) == 0xF0) {
            len = 4;
            cp &= 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        for (size_t i = 1; i < len; i++) { /* a NUL ends the check here, before reading past it */
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        s += len;
    }
    return 1;
}

/* s as a JSON string, escaped as jansson's json_dumpf() escapes it (quote, backslash, the short
 * escapes, other control characters as \u00XX; everything else as is). */
static void json_put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04X", (unsigned)*p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* One attendance record as an element of a JSON array, in the layout json_dumpf(JSON_INDENT(2))
 * gave the whole array (so the streamed output reads as it did when the array was built in memory
 * first), without allocating. `first`: no comma before it. A user_id that is not valid UTF-8
 * cannot be a JSON string: that record is left out, as json_pack() left it out of the array
 * before. Returns 1 when the element was written, 0 when left out. */
static int json_att_element(const zkbio_zk_att *a, const char *ts, int first)
{
    if (!utf8_valid((const unsigned char *)a->user_id))
        return 0;
    printf("%s\n  {\n    \"user_id\": ", first ? "" : ",");
    json_put_string(stdout, a->user_id);
    printf(
        ",\n    \"time\": \"%s\",\n    \"verify\": %u,\n    \"state\": %u,\n    \"uid\": %u\n  }",
        ts, (unsigned)a->verify, (unsigned)a->state, (unsigned)a->uid);
    return 1;
}

static int out_attendance(zkbio_zk_client *c, int fmt, const zkbio_zk_time *since)
{
    zkbio_zk_att *a = NULL;
    size_t n = 0;
    int rc = zkbio_zk_attendance_get(c, since, &a, &n);
    if (rc != ZKBIO_OK)
        return rc;
    size_t printed = 0; /* JSON elements written */
    if (fmt == OUT_JSON)
        fputc('[', stdout);
    else if (fmt == OUT_CSV)
        printf("user_id,time,verify,state,uid\n");
    else if (fmt == OUT_TEXT)
        printf("%-12s %-19s %-6s %-5s %s\n", "user_id", "time", "verify", "state", "uid");
    for (size_t i = 0; i < n; i++) {
        char ts[20];
        zkbio_zk_time_format(&a[i].time, ts);
        if (fmt == OUT_JSON) {
            printed += (size_t)json_att_element(&a[i], ts, printed == 0);
        } else if (fmt == OUT_CSV) {
            csv_field(stdout, a[i].user_id, 0);
            printf("%s,%u,%u,%u\n", ts, (unsigned)a[i].verify, (unsigned)a[i].state,
                   (unsigned)a[i].uid);
        } else {
            printf("%-12s %-19s %-6u %-5u %u\n", a[i].user_id, ts, (unsigned)a[i].verify,
                   (unsigned)a[i].state, (unsigned)a[i].uid);
        }
    }
    if (fmt == OUT_JSON) {
        fputs(printed ? "\n]\n" : "]\n", stdout);
        fflush(stdout);
    }
    zkbio_zk_free(a);
    return ZKBIO_OK;
}

static const char *event_name(uint16_t flag)
{
    switch (flag) {
    case ZKBIO_ZK_EF_ATTLOG:
        return "attendance";
    case ZKBIO_ZK_EF_FINGER:
        return "finger";
    case ZKBIO_ZK_EF_ENROLLUSER:
        return "enroll-user";
    case ZKBIO_ZK_EF_ENROLLFINGER:
        return "enroll-finger";
    case ZKBIO_ZK_EF_BUTTON:
        return "button";
    case ZKBIO_ZK_EF_UNLOCK:
        return "door";
    case ZKBIO_ZK_EF_VERIFY:
        return "verify";
    case ZKBIO_ZK_EF_FPFTR:
        return "finger-score";
    case ZKBIO_ZK_EF_ALARM:
        return "alarm";
    default:
        return "unknown";
    }
}

typedef struct listen_state {
    long count, max;
} listen_state;

static int on_event(const zkbio_zk_event *ev, void *user)
{
    listen_state *ls = user;
    if (ev->flag == 0) /* idle tick */
        return cli_stopped();
    json_t *j = json_pack("{s:s, s:i}", "event", event_name(ev->flag), "flag", (int)ev->flag);
    switch (ev->flag) {
    case ZKBIO_ZK_EF_ATTLOG:
        json_object_set_new(j, "user_id", json_string(ev->user_id));
        json_object_set_new(j, "time", time_json(&ev->time));
        json_object_set_new(j, "verify", json_integer(ev->verify));
        json_object_set_new(j, "state", json_integer(ev->state));
        break;
    case ZKBIO_ZK_EF_ENROLLFINGER:
        json_object_set_new(j, "result", json_integer(ev->result));
        json_object_set_new(j, "user_id", json_string(ev->user_id));
        json_object_set_new(j, "fid", json_integer(ev->fid));
        break;
    case ZKBIO_ZK_EF_VERIFY:
    case ZKBIO_ZK_EF_ENROLLUSER:
        json_object_set_new(j, "user_sn", json_integer((json_int_t)ev->user_sn));
        break;
    case ZKBIO_ZK_EF_FPFTR:
        json_object_set_new(j, "score", json_integer(ev->score));
        break;
    case ZKBIO_ZK_EF_ALARM:
        json_object_set_new(j, "alarm", json_integer(ev->result));
        break;
    default:
        json_object_set_new(j, "value", json_integer((json_int_t)ev->value));
        break;
    }
    print_json(j, 1);
    ls->count++;
    return cli_stopped() || (ls->max > 0 && ls->count >= ls->max);
}

/* ---- zkbio device ---- */

static void device_usage(FILE *f)
{
    fprintf(f,
            "Usage: zkbio device HOST[:PORT] COMMAND [options]\n\n"
            "Talk to a ZKTeco terminal over the 4370 protocol (TCP, or UDP).\n\n"
            "Commands:\n"
            "  info                  serial, model, firmware, platform, MAC, counts, capacities\n"
            "  time [--set T]        device clock (naive local time); --set 'YYYY-MM-DD HH:MM:SS' "
            "or now\n"
            "  users                 every user\n"
            "  templates [--data]    every fingerprint template (--data: base64 bytes too, with "
            "--json/--csv)\n"
            "  attendance [--since T]  attendance records, those at or after T\n"
            "  clear-attendance      delete every attendance record\n"
            "  unlock [--seconds N]  open the door for N seconds (default 3)\n"
            "  restart               restart the terminal\n"
            "  listen [--count N] [--duration S]  realtime events as JSON lines until Ctrl-C\n\n"
            "Options:\n"
            "  --udp | --tcp         transport (default: TCP, then UDP when TCP is refused)\n"
            "  --comm-key K          numeric comm key (Comm Password), default 0 or "
            "$ZKBIO_COMM_KEY\n"
            "  --timeout MS          per exchange, default 5000\n"
            "  --charset CS          codepage of names (GB18030, BIG5, CP1256, ...), default "
            "UTF-8\n"
            "  --json | --csv        output format of data commands (default: text)\n"
            "  -h, --help            this help\n\n"
            "Exit status: 0 success, 1 the device failed or refused, 2 bad usage.\n");
}

int zkbio_cli_device(int argc, char **argv)
{
    enum {
        O_UDP = 256,
        O_TCP,
        O_KEY,
        O_TIMEOUT,
        O_CHARSET,
        O_JSON,
        O_CSV,
        O_SINCE,
        O_SECONDS,
        O_SET,
        O_COUNT,
        O_DURATION,
        O_DATA
    };
    static const struct option opts[] = {
        {"udp", no_argument, NULL, O_UDP},
        {"tcp", no_argument, NULL, O_TCP},
        {"comm-key", required_argument, NULL, O_KEY},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"charset", required_argument, NULL, O_CHARSET},
        {"json", no_argument, NULL, O_JSON},
        {"csv", no_argument, NULL, O_CSV},
        {"since", required_argument, NULL, O_SINCE},
        {"seconds", required_argument, NULL, O_SECONDS},
        {"set", required_argument, NULL, O_SET},
        {"count", required_argument, NULL, O_COUNT},
        {"duration", required_argument, NULL, O_DURATION},
        {"data", no_argument, NULL, O_DATA},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    zkbio_zk_client_options co;
    zkbio_zk_client_options_init(&co);
    int fmt = OUT_TEXT, with_data = 0, key_given = 0;
    long seconds = 3, count = 0, duration = -1, v;
    const char *since_s = NULL, *set_s = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_UDP:
            co.transport = ZKBIO_ZK_UDP;
            break;
        case O_TCP:
            co.transport = ZKBIO_ZK_TCP;
            break;
        case O_KEY:
            bad = cli_parse_long(optarg, 0, 999999999, &v);
            co.comm_key = (uint32_t)v;
            key_given = 1;
            break;
        case O_TIMEOUT:
            bad = cli_parse_long(optarg, 1, 3600000, &v);
            co.timeout_ms = (int)v;
            break;
        case O_CHARSET:
            co.charset = optarg;
            break;
        case O_JSON:
            fmt = OUT_JSON;
            break;
        case O_CSV:
            fmt = OUT_CSV;
            break;
        case O_SINCE:
            since_s = optarg;
            break;
        case O_SECONDS:
            bad = cli_parse_long(optarg, 1, 25, &seconds); /* the door relay: short openings only */
            break;
        case O_SET:
            set_s = optarg;
            break;
        case O_COUNT:
            bad = cli_parse_long(optarg, 1, LONG_MAX, &count);
            break;
        case O_DURATION:
            bad = cli_parse_long(optarg, 0, 86400 * 365, &duration);
            break;
        case O_DATA:
            with_data = 1;
            break;
        case 'h':
            device_usage(stdout);
            return 0;
        default:
            device_usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zkbio device: bad value '%s'\n", optarg);
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "zkbio device: need HOST[:PORT] and a command\n\n");
        device_usage(stderr);
        return 2;
    }
    const char *target = argv[optind], *cmd = argv[optind + 1];
    static const char *const known[] = {"info",      "time",       "users",
                                        "templates", "attendance", "clear-attendance",
                                        "unlock",    "restart",    "listen"};
    size_t k = 0;
    while (k < sizeof(known) / sizeof(known[0]) && strcmp(known[k], cmd) != 0)
        k++;
    if (k == sizeof(known) / sizeof(known[0])) {
        fprintf(stderr, "zkbio device: unknown command '%s'\n\n", cmd);
        device_usage(stderr);
        return 2;
    }
    char host[256];
    uint16_t port;
    if (split_host(target, host, sizeof(host), &port) != 0) {
        fprintf(stderr, "zkbio device: bad address '%s' (HOST, HOST:PORT or [IPv6]:PORT)\n",
                target);
        return 2;
    }
    zkbio_zk_time since, set;
    if (since_s && zkbio_zk_time_parse(since_s, &since) != ZKBIO_OK) {
        fprintf(stderr, "zkbio device: bad --since '%s' (YYYY-MM-DD[ HH:MM[:SS]])\n", since_s);
        return 2;
    }
    if (set_s && strcmp(set_s, "now") == 0) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        set = (zkbio_zk_time){
            (uint16_t)(tm.tm_year + 1900), (uint8_t)(tm.tm_mon + 1), (uint8_t)tm.tm_mday,
            (uint8_t)tm.tm_hour,           (uint8_t)tm.tm_min,       (uint8_t)tm.tm_sec};
    } else if (set_s && zkbio_zk_time_parse(set_s, &set) != ZKBIO_OK) {
        fprintf(stderr, "zkbio device: bad --set '%s'\n", set_s);
        return 2;
    }

    const char *env_key = getenv("ZKBIO_COMM_KEY"); /* keeps the key out of ps */
    if (!key_given && env_key && *env_key) {
        if (cli_parse_long(env_key, 0, 999999999, &v) != 0) {
            fprintf(stderr, "zkbio device: bad ZKBIO_COMM_KEY\n");
            return 2;
        }
        co.comm_key = (uint32_t)v;
    }
    cli_catch_signals();
    zkbio_zk_client *cl = NULL;
    int rc = zkbio_zk_client_open(host, port, &co, &cl);
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "zkbio device: cannot connect to %s: %s%s\n", target, zkbio_strerror(rc),
                rc == ZKBIO_EACCES ? " (the device rejected the comm key)" : "");
        return 1;
    }
    if (strcmp(cmd, "info") == 0) {
        rc = out_info(cl, fmt);
    } else if (strcmp(cmd, "time") == 0) {
        zkbio_zk_time t;
        if (set_s)
            rc = zkbio_zk_time_set(cl, &set);
        if (rc == ZKBIO_OK)
            rc = zkbio_zk_time_get(cl, &t);
        if (rc == ZKBIO_OK) {
            char s[20];
            zkbio_zk_time_format(&t, s);
            if (fmt == OUT_JSON)
                print_json(json_pack("{s:s}", "time", s), 0);
            else
                printf("%s\n", s);
        }
    } else if (strcmp(cmd, "users") == 0) {
        rc = out_users(cl, fmt);
    } else if (strcmp(cmd, "templates") == 0) {
        rc = out_templates(cl, fmt, with_data);
    } else if (strcmp(cmd, "attendance") == 0) {
        rc = out_attendance(cl, fmt, since_s ? &since : NULL);
    } else if (strcmp(cmd, "clear-attendance") == 0) {
        rc = zkbio_zk_attendance_clear(cl);
        if (rc == ZKBIO_OK)
            fprintf(stderr, "attendance cleared\n");
    } else if (strcmp(cmd, "unlock") == 0) {
        rc = zkbio_zk_unlock(cl, (uint32_t)seconds * 10u);
        if (rc == ZKBIO_OK)
            fprintf(stderr, "door unlocked for %ld s\n", seconds);
    } else if (strcmp(cmd, "restart") == 0) {
        rc = zkbio_zk_restart(cl);
        if (rc == ZKBIO_OK)
            fprintf(stderr, "restart sent\n");
    } else { /* listen */
        listen_state ls = {0, count};
        uint32_t mask = 0xFFFF;
        rc = zkbio_zk_listen(cl, mask, duration >= 0 ? (int)(duration * 1000) : -1, on_event, &ls);
        if (cli_stopped() && rc != ZKBIO_OK)
            rc = ZKBIO_OK;
    }
    if (rc != ZKBIO_OK) {
        char detail[200];
        zkbio_zk_client_last_error(cl, detail, sizeof(detail));
        fprintf(stderr, "zkbio device %s: %s%s%s\n", cmd, zkbio_strerror(rc), detail[0] ? ": " : "",
                detail);
    }
    zkbio_zk_client_close(cl);
    return rc == ZKBIO_OK ? 0 : 1;
}

/* ---- zkbio emulate ---- */

static void emulate_usage(FILE *f)
{
    fprintf(f,
            "Usage: zkbio emulate [options]\n\n"
            "Emulate a ZKTeco terminal on the 4370 protocol (TCP and UDP on one port) until "
            "Ctrl-C.\n"
            "Prints \"listening on HOST:PORT\" on stdout when ready.\n\n"
            "Options:\n"
            "  --host ADDR         address to bind (default 127.0.0.1)\n"
            "  --port P            port (default 4370; 0 = any free port)\n"
            "  --udp | --tcp       serve only UDP (a UDP-only terminal) or only TCP\n"
            "  --comm-key K        numeric comm key the clients must know (default 0 = none)\n"
            "  --profile zk8|zk6   record sizes: zk8 72-byte users, 40-byte attendance (default);\n"
            "                      zk6 28-byte users, 8-byte attendance, numeric PINs\n"
            "  --att-size 8|16|40  attendance record size (default: the profile's; node-zklib\n"
            "                      reads 16-byte records over UDP)\n"
            "  --users N           users 1..N (default 10)\n"
            "  --punches N         attendance records (default 100)\n"
            "  --fingers N         templates per user, 0..10 (default 1)\n"
            "  --punch-every MS    store and announce a realtime punch every MS milliseconds\n"
            "  --serial SN         serial number (default ZKEMU0000001)\n"
            "  --charset CS        codepage of names (default UTF-8)\n"
            "  --seconds N         stop after N seconds (default: run until Ctrl-C)\n"
            "  --link-rate B       bytes/s a bulk transfer is paced at, as a terminal's link\n"
            "                      carries it (default 1000000; 0 = unpaced, as fast as the host)\n"
            "  --fault KIND[:CMD[:COUNT[:DELAY_MS]]]  inject a fault into the next COUNT (1) "
            "answers\n"
            "                      to command CMD (0 = any): drop, delay (DELAY_MS, default "
            "1000),\n"
            "                      close-mid, bad-checksum, huge-size, endless, wrong-length, "
            "garbage,\n"
            "                      unknown (answer ACK_UNKNOWN: firmware without the command),\n"
            "                      flood (1 s of event packets before the answer),\n"
            "                      coalesce (TCP: all packets of an answer in one write, unlike\n"
            "                      firmware; e.g. coalesce:1504:1000000 for every chunk),\n"
            "                      bad-sample (61: the next remote enrollment fails on a bad\n"
            "                      second press);\n"
            "                      e.g. --fault drop:1504 --fault delay:201:2:3000 "
            "(repeatable, 8 at most)\n"
            "  -h, --help          this help\n");
}

typedef struct fault_spec {
    int kind;
    long cmd, count, delay;
} fault_spec;

/* KIND[:CMD[:COUNT[:DELAY_MS]]], e.g. drop:1504:1, delay:201:3:2000, close-mid:1504 */
static int parse_fault(const char *arg, fault_spec *f)
{
    static const char *const kinds[] = {"drop",      "delay",   "close-mid",    "bad-checksum",
                                        "huge-size", "endless", "wrong-length", "garbage",
                                        "unknown",   "flood",   "coalesce",     "bad-sample"};
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", arg);
    char *save = NULL, *tok = strtok_r(buf, ":", &save);
    f->kind = 0;
    for (size_t i = 0; tok && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(tok, kinds[i]) == 0)
            f->kind = (int)i + ZKBIO_ZK_FAULT_DROP_REPLY;
    if (!f->kind)
        return -1;
    f->cmd = 0;
    f->count = 1;
    f->delay = 1000;
    long *dst[3] = {&f->cmd, &f->count, &f->delay};
    static const long max[3] = {65535, 1000000, 600000};
    for (int i = 0; i < 3 && (tok = strtok_r(NULL, ":", &save)); i++)
        if (cli_parse_long(tok, i == 1 ? 1 : 0, max[i], dst[i]) != 0)
            return -1;
    return strtok_r(NULL, ":", &save) ? -1 : 0;
}

int zkbio_cli_emulate(int argc, char **argv)
{
    enum {
        O_HOST = 256,
        O_PORT,
        O_UDP,
        O_TCP,
        O_KEY,
        O_PROFILE,
        O_USERS,
        O_PUNCHES,
        O_FINGERS,
        O_EVERY,
        O_SERIAL,
        O_CHARSET,
        O_SECONDS,
        O_FAULT,
        O_RATE,
        O_ATT
    };
    static const struct option opts[] = {
        {"host", required_argument, NULL, O_HOST},
        {"port", required_argument, NULL, O_PORT},
        {"udp", no_argument, NULL, O_UDP},
        {"tcp", no_argument, NULL, O_TCP},
        {"comm-key", required_argument, NULL, O_KEY},
        {"profile", required_argument, NULL, O_PROFILE},
        {"users", required_argument, NULL, O_USERS},
        {"punches", required_argument, NULL, O_PUNCHES},
        {"fingers", required_argument, NULL, O_FINGERS},
        {"punch-every", required_argument, NULL, O_EVERY},
        {"serial", required_argument, NULL, O_SERIAL},
        {"charset", required_argument, NULL, O_CHARSET},
        {"seconds", required_argument, NULL, O_SECONDS},
        {"fault", required_argument, NULL, O_FAULT},
        {"link-rate", required_argument, NULL, O_RATE},
        {"att-size", required_argument, NULL, O_ATT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    fault_spec faults[8];
    int nfaults = 0;
    zkbio_zk_emu_options o;
    zkbio_zk_emu_options_init(&o);
    o.port = 4370;
    o.users = 10;
    o.punches = 100;
    o.fingers = 1;
    long v, seconds = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_HOST:
            o.host = optarg;
            break;
        case O_PORT:
            bad = cli_parse_long(optarg, 0, 65535, &v);
            o.port = (uint16_t)v;
            break;
        case O_UDP:
            o.no_tcp = 1;
            break;
        case O_TCP:
            o.no_udp = 1;
            break;
        case O_KEY:
            bad = cli_parse_long(optarg, 0, 999999999, &v);
            o.comm_key = (uint32_t)v;
            break;
        case O_PROFILE:
            if (strcmp(optarg, "zk8") == 0)
                o.profile = 8;
            else if (strcmp(optarg, "zk6") == 0)
                o.profile = 6;
            else
                bad = 1;
            break;
        case O_USERS:
            bad = cli_parse_long(optarg, 0, 65534, &v);
            o.users = (size_t)v;
            break;
        case O_PUNCHES:
            bad = cli_parse_long(optarg, 0, 10000000, &v);
            o.punches = (size_t)v;
            break;
        case O_FINGERS:
            bad = cli_parse_long(optarg, 0, 10, &v);
            o.fingers = (size_t)v;
            break;
        case O_EVERY:
            bad = cli_parse_long(optarg, 0, 86400000, &v);
            o.punch_every_ms = (int)v;
            break;
        case O_SERIAL:
            o.serial = optarg;
            break;
        case O_CHARSET:
            o.charset = optarg;
            break;
        case O_SECONDS:
            bad = cli_parse_long(optarg, 0, 86400 * 365, &seconds);
            break;
        case O_RATE: {
            long rate = 0;
            bad = cli_parse_long(optarg, 0, 1000000000, &rate);
            o.link_rate = rate == 0 ? -1 : (int)rate;
            break;
        }
        case O_ATT: {
            long sz = 0;
            bad = cli_parse_long(optarg, 8, 40, &sz) || (sz != 8 && sz != 16 && sz != 40);
            o.att_size = (size_t)sz;
            break;
        }
        case O_FAULT:
            bad = nfaults == 8 || parse_fault(optarg, &faults[nfaults]) != 0;
            nfaults += !bad;
            break;
        case 'h':
            emulate_usage(stdout);
            return 0;
        default:
            emulate_usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zkbio emulate: bad value '%s'\n", optarg);
            return 2;
        }
    }
    if (optind < argc || (o.no_tcp && o.no_udp)) {
        emulate_usage(stderr);
        return 2;
    }
    cli_catch_signals();
    zkbio_zk_emu *e = NULL;
    int rc = zkbio_zk_emu_start(&o, &e);
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "zkbio emulate: %s (port in use, or a bad --host?)\n", zkbio_strerror(rc));
        return 1;
    }
    for (int i = 0; i < nfaults; i++)
        zkbio_zk_emu_fault(e, faults[i].kind, (uint16_t)faults[i].cmd, (unsigned)faults[i].count,
                           (int)faults[i].delay);
    uint16_t port = 0;
    zkbio_zk_emu_port(e, &port);
    const char *h = o.host ? o.host : "127.0.0.1";
    int v6 = strchr(h, ':') != NULL;
    printf("listening on %s%s%s:%u%s%s\n", v6 ? "[" : "", h, v6 ? "]" : "", (unsigned)port,
           o.no_tcp ? "" : " tcp", o.no_udp ? "" : " udp");
    fflush(stdout);
    time_t end = seconds > 0 ? time(NULL) + seconds : 0;
    while (!cli_stopped() && (!end || time(NULL) < end))
        usleep(100 * 1000);
    zkbio_zk_emu_stats st;
    zkbio_zk_emu_stats_get(e, &st);
    fprintf(stderr,
            "zkbio emulate: %lu packets (%lu with a bad checksum), %lu failed logins; %zu users, "
            "%zu templates, %zu records\n",
            st.packets, st.bad_checksums, st.auth_failures, st.users, st.templates, st.records);
    zkbio_zk_emu_stop(e);
    return 0;
}
