/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkbiod configuration (see config.h). The option table below is the single list of options: flags,
 * environment variables, the config file, --help and the dump are all driven from it.
 */
#include "config.h"

#if !defined(_WIN32)
#include <arpa/inet.h> /* inet_pton; Windows: ws2tcpip.h through core.h (plat.h) */
#endif
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zkbio/error.h"

#include "core.h"

_Static_assert(sizeof(zlog_level) == sizeof(int), "enum fields are stored through int pointers");
_Static_assert(sizeof(zkbiod_admission) == sizeof(int),
               "enum fields are stored through int pointers");

/* ----------------------------------------------------------------------------------------------
 * The option table
 */

typedef enum opt_type {
    T_STR,        /* free text */
    T_PATH,       /* file or directory; "" = the computed default */
    T_INT,        /* decimal integer in [min, max] */
    T_BOOL,       /* 1/0/true/false/yes/no/on/off */
    T_SIZE,       /* bytes with an optional k/M/G suffix, in [min, max] */
    T_ENUM,       /* one of choices[], stored as its index */
    T_LISTEN,     /* list of ADDR:PORT[s] */
    T_SNLIST,     /* list of device serial numbers */
    T_DB,         /* sqlite | sqlite:PATH | mariadb://user:pass@host:port/db */
    T_TZ,         /* UTC | +HH:MM | -HH:MM | minutes */
    T_TIMES,      /* HH:MM[;HH:MM]... */
    T_KEYLIST,    /* list of API keys (16..128 of A-Z a-z 0-9 _ - .) */
    T_ORIGINLIST, /* list of web origins: http(s)://host[:port] */
} opt_type;

#define IS_LIST(t) ((t) == T_LISTEN || (t) == T_SNLIST || (t) == T_KEYLIST || (t) == T_ORIGINLIST)

#define F_SECRET 1u /* value never echoed in messages; shown as *** in the dump */
#define F_NOFILE 2u /* not allowed in the config file (config itself) */
#define F_OFF    4u /* list: the value "off" means an empty list (listener disabled) */

typedef struct opt {
    const char *name;
    opt_type type;
    unsigned flags;
    const char *arg;      /* metavariable in --help */
    const char *def;      /* default as text; NULL = computed at load time (def_text says how) */
    const char *def_text; /* what --help shows as the default when def is NULL ("" = none shown) */
    const char *help;     /* may contain '\n'; each line is indented in --help */
    size_t off;           /* field in zkbiod_config */
    size_t count_off;     /* lists: the size_t count field */
    long long min, max;   /* T_INT, T_SIZE */
    const char *const *choices; /* T_ENUM, NULL-terminated */
} opt;

static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};
static const char *const admission_names[] = {"auto", "allow-list", "pending", NULL};

#define FIELD(f) offsetof(zkbiod_config, f)

static const opt options[] = {
    {"config", T_PATH, F_NOFILE, "FILE", NULL, "",
     "Read options from FILE: \"name = value\" lines, '#' comments, values may be quoted.",
     FIELD(config_file), 0, 0, 0, NULL},
    {"listen", T_LISTEN, F_OFF, "ADDR:PORT", "0.0.0.0:8081", NULL,
     "Terminal listener (/iclock/, /api/v1/, /health): 0.0.0.0:8081, [::]:8081, [::1]:8081; a\n"
     "trailing 's' means TLS (key and certificate in <data-dir>/zkbiod.pem). Repeatable; commas\n"
     "separate several; off disables it.",
     FIELD(listen), FIELD(listen_count), 0, 0, NULL},
    {"data-dir", T_PATH, 0, "DIR", NULL,
#if defined(_WIN32)
     "%ProgramData%\\zkbio",
#else
     "/var/lib/zkbiod as root, else $XDG_DATA_HOME/zkbiod or ~/.local/share/zkbiod",
#endif
     "Directory for the SQLite database and attendance photos (created 0700 if missing).",
     FIELD(data_dir), 0, 0, 0, NULL},
    {"db", T_DB, F_SECRET, "URI", "sqlite", NULL,
     "Database: sqlite (<data-dir>/zkbiod.db), sqlite:PATH, or\n"
     "mariadb://USER:PASS@HOST:PORT/DB.",
     FIELD(db), 0, 0, 0, NULL},
    {"admin-token", T_STR, F_SECRET, "TOKEN", "", "none",
     "Bearer token for the management API /api/v1/, with the admin role. With neither a token\n"
     "nor an account (zkbiod user add) the API is disabled.",
     FIELD(admin_token), 0, 0, 0, NULL},
    {"admin-token-file", T_PATH, 0, "FILE", "", "",
     "Read the admin token from the first line of FILE (keeps it out of ps and the environment).",
     FIELD(admin_token_file), 0, 0, 0, NULL},
    {"log-level", T_ENUM, 0, "LEVEL", "info", NULL,
     "Log level on stderr: error, warn, info or debug.", FIELD(log_level), 0, 0, 0, level_names},
    {"admission", T_ENUM, 0, "MODE", "pending", NULL,
     "Which devices are served: pending (an unknown SN is registered pending: it gets no users,\n"
     "templates or commands and its uploads are held until approved, see zkbiod device),\n"
     "auto (any SN is registered and synced on first contact: anyone reaching the port can\n"
     "copy every template) or allow-list (only the SNs given with allow-sn; others get 403).",
     FIELD(admission), 0, 0, 0, admission_names},
    {"pending-max", T_INT, 0, "N", "100", NULL,
     "Pending mode: most devices waiting for approval at once; more new SNs are refused.",
     FIELD(pending_max), 0, 1, 100000, NULL},
    {"unknown-rate", T_INT, 0, "N", "10", NULL,
     "Pending mode: new SNs registered per source address per minute; more are refused.",
     FIELD(unknown_rate), 0, 1, 100000, NULL},
    {"allow-sn", T_SNLIST, 0, "SN", "", "none",
     "Serial number admitted in allow-list mode ([A-Za-z0-9_-], 1 to 40 characters).\n"
     "Repeatable; commas separate several.",
     FIELD(allow_sn), FIELD(allow_sn_count), 0, 0, NULL},
    {"delay", T_INT, 0, "SECONDS", "10", NULL,
     "Seconds between a device's command polls (Delay sent to devices), 1..3600.", FIELD(delay), 0,
     1, 3600, NULL},
    {"error-delay", T_INT, 0, "SECONDS", "30", NULL,
     "Seconds a device waits after a failed request (ErrorDelay), 1..3600.", FIELD(error_delay), 0,
     1, 3600, NULL},
    {"timezone", T_TZ, 0, "ZONE", NULL, "this server's UTC offset",
     "Time zone sent to devices: UTC, +HH:MM, -HH:MM, or minutes east of UTC.", FIELD(timezone_min),
     0, 0, 0, NULL},
    {"realtime", T_BOOL, 0, "BOOL", "true", NULL, "Devices upload each record at once (Realtime).",
     FIELD(realtime), 0, 0, 0, NULL},
    {"trans-interval", T_INT, 0, "MINUTES", "1", NULL,
     "Minutes between batched uploads (TransInterval), 0..1440.", FIELD(trans_interval), 0, 0, 1440,
     NULL},
    {"trans-times", T_TIMES, 0, "TIMES", "00:00;14:05", NULL,
     "Fixed daily upload times (TransTimes), HH:MM separated by ';'.", FIELD(trans_times), 0, 0, 0,
     NULL},
    {"commands-per-poll", T_INT, 0, "N", "10", NULL,
     "Commands handed to a device per getrequest poll, 1..100.", FIELD(commands_per_poll), 0, 1,
     100, NULL},
    {"command-timeout", T_INT, 0, "SECONDS", "120", NULL,
     "A sent command not acknowledged within this time is sent again, 1..86400.",
     FIELD(command_timeout), 0, 1, 86400, NULL},
    {"command-max-attempts", T_INT, 0, "N", "5", NULL,
     "Attempts before a command is marked failed, 1..1000.", FIELD(command_max_attempts), 0, 1,
     1000, NULL},
    {"max-body", T_SIZE, 0, "BYTES", "10M", NULL,
     "Largest upload accepted; larger ones get 413. Suffixes k, M, G (powers of 1024).",
     FIELD(max_body), 0, 1024, 1024LL * 1024 * 1024, NULL},
    {"full-sync", T_BOOL, 0, "BOOL", "true", NULL,
     "A newly registered device is sent every user and template of its sync group.",
     FIELD(full_sync), 0, 0, 0, NULL},
    {"threads", T_INT, 0, "N", "64", NULL, "HTTP worker threads, 1..1024.", FIELD(threads), 0, 1,
     1024, NULL},
    {"job-workers", T_INT, 0, "N", "4", NULL,
     "Jobs (terminal syncs) run at once, each on a different terminal, 1..256.", FIELD(job_workers),
     0, 1, 256, NULL},
    {"attphoto-dir", T_PATH, 0, "DIR", NULL, "<data-dir>/attphoto",
     "Directory for attendance photos (ATTPHOTO uploads).", FIELD(attphoto_dir), 0, 0, 0, NULL},
    {"service-listen", T_LISTEN, F_OFF, "ADDR:PORT", "127.0.0.1:8080s", NULL,
     "Fingerprint service listener for web apps (/api/..., WebSocket on / and /ws): loopback\n"
     "only is advised; a trailing 's' means HTTPS/WSS with the self-signed certificate created\n"
     "in <data-dir>/service.pem on first start. Repeatable; off disables the service.",
     FIELD(service_listen), FIELD(service_listen_count), 0, 0, NULL},
    {"api-key", T_KEYLIST, F_SECRET, "KEY", "", "none",
     "API key accepted by the fingerprint service (X-API-Key header, WebSocket auth), 16 to 128\n"
     "of A-Z a-z 0-9 _ - . in addition to the keys of `zkbiod apikey create`. Repeatable.\n"
     "With no key at all every fingerprint call is refused except health.",
     FIELD(api_key), FIELD(api_key_count), 0, 0, NULL},
    {"allow-origin", T_ORIGINLIST, 0, "ORIGIN", "", "none (no browser origin allowed)",
     "Web origin allowed to call the fingerprint service (CORS and WebSocket), exactly as the\n"
     "browser sends it: https://app.example.com or http://localhost:3000. Repeatable.",
     FIELD(allow_origin), FIELD(allow_origin_count), 0, 0, NULL},
    {"service-threads", T_INT, 0, "N", "256", NULL,
     "Fingerprint service worker threads, 8..4096; each open WebSocket holds one, and a\n"
     "quarter of them are kept for REST calls.",
     FIELD(service_threads), 0, 8, 4096, NULL},
    {"service-max-body", T_SIZE, 0, "BYTES", "32M", NULL,
     "Largest fingerprint service request body (a gallery upload); larger ones get 400.",
     FIELD(service_max_body), 0, 1024, 1024LL * 1024 * 1024, NULL},
    {"rate-limit", T_INT, 0, "N", "100", NULL,
     "Fingerprint service requests per minute per API key, 1..1000000 (429 beyond).",
     FIELD(rate_limit), 0, 1, 1000000, NULL},
    {"scan-rate-limit", T_INT, 0, "N", "10", NULL,
     "Fingerprint operations (scan, enroll, verify, identify, capture) per minute per reader,\n"
     "1..100000 (429 beyond).",
     FIELD(scan_rate_limit), 0, 1, 100000, NULL},
    {"match-threshold", T_INT, 0, "SCORE", "40", NULL,
     "Verify/identify decision threshold on the engine's score (10*log10(1/FMR)), 10..200.",
     FIELD(match_threshold), 0, 10, 200, NULL},
    {"fp-store", T_BOOL, 0, "BOOL", "false", NULL,
     "Fingerprint service: keep enrolled templates and gallery uploads in the database (db)\n"
     "and search them in identify; off, zkbiod stores no template in this mode.",
     FIELD(fp_store), 0, 0, 0, NULL},
    {"fleet-workers", T_INT, 0, "N", "4", NULL,
     "Threads that work 4370 terminals (operations, live punches, pulls), 1..256; a terminal\n"
     "is served by one of them at a time, however many terminals there are.",
     FIELD(fleet_workers), 0, 1, 256, NULL},
    {"fleet-timeout-ms", T_INT, 0, "MS", "5000", NULL,
     "Longest wait for a 4370 terminal's answer to one exchange, 100..120000; a terminal that\n"
     "hangs fails its operation after it.",
     FIELD(fleet_timeout_ms), 0, 100, 120000, NULL},
    {"fleet-info-cache-ms", T_INT, 0, "MS", "5000", NULL,
     "How long a 4370 terminal's live information is served from cache, 0..600000 (0: none).",
     FIELD(fleet_info_cache_ms), 0, 0, 600000, NULL},
    {"fleet-pull-interval", T_INT, 0, "SECONDS", "600", NULL,
     "Catch-up attendance pull of every listened 4370 terminal every SECONDS (and after each\n"
     "reconnect), 0..86400; 0: only after reconnects.",
     FIELD(fleet_pull_interval), 0, 0, 86400, NULL},
    {"fleet-heartbeat", T_INT, 0, "SECONDS", "15", NULL,
     "A 4370 session silent this long is checked (a clock read); no answer: reconnect.\n"
     "1..3600.",
     FIELD(fleet_heartbeat), 0, 1, 3600, NULL},
    {"fleet-listen", T_BOOL, 0, "BOOL", "true", NULL,
     "Keep a session open to every enabled 4370 terminal and store its punches as they happen;\n"
     "off: sessions are opened per operation and punches come by pulls only.",
     FIELD(fleet_listen), 0, 0, 0, NULL},
    {"forward-workers", T_INT, 0, "N", "4", NULL,
     "Forwarding targets (ERPNext, webhooks) delivered at once by this process, 1..64.",
     FIELD(forward_workers), 0, 1, 64, NULL},
    {"forward-poll-ms", T_INT, 0, "MS", "200", NULL,
     "How often the forwarder looks for punches to deliver, 10..60000 (a punch stored by this\n"
     "process is sent at once). Forwarders themselves are declared in the config file with\n"
     "forwarder.NAME.KEY = VALUE lines or through /api/v1/forwarders (docs/integrations.md).",
     FIELD(forward_poll_ms), 0, 10, 60000, NULL},
    {"port-file", T_PATH, 0, "FILE", "", "",
     "Once the listeners are bound, write their ports to FILE (a temporary file renamed into\n"
     "place): one line per bound socket, \"listen PORT\" then \"service PORT\", in listener\n"
     "order. With port 0 in listen or service-listen the system picks a free port: this says\n"
     "which.",
     FIELD(port_file), 0, 0, 0, NULL},
};

#define N_OPTS (sizeof(options) / sizeof(options[0]))

/* Where a value came from; a higher source overrides a lower one. */
enum { SRC_UNSET = -1, SRC_DEFAULT = 0, SRC_FILE = 1, SRC_ENV = 2, SRC_FLAG = 3 };

size_t zkbiod_config_option_count(void)
{
    return N_OPTS;
}

const char *zkbiod_config_option_name(size_t i)
{
    return i < N_OPTS ? options[i].name : NULL;
}

static const opt *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        const char *n = options[i].name;
        if (strlen(n) != len)
            continue;
        size_t k = 0;
        /* "data_dir" is accepted for "data-dir" (config files written by hand, env-style names). */
        while (k < len && (n[k] == name[k] || (n[k] == '-' && name[k] == '_')))
            k++;
        if (k == len)
            return &options[i];
    }
    return NULL;
}

static void env_name(const opt *o, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "ZKBIOD_");
    for (const char *p = o->name; *p && n + 1 < size; p++)
        buf[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    buf[n < size ? n : size - 1] = '\0';
}

/* ----------------------------------------------------------------------------------------------
 * Small helpers
 */

static int fail(char *err, size_t errsz, const char *fmt, ...) ZC_PRINTF(3, 4);

static int fail(char *err, size_t errsz, const char *fmt, ...)
{
    if (err && errsz) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errsz, fmt, ap);
        va_end(ap);
    }
    return ZKBIO_EINVAL;
}

static int oom(char *err, size_t errsz)
{
    if (err && errsz)
        snprintf(err, errsz, "out of memory");
    return ZKBIO_ENOMEM;
}

static char **str_field(zkbiod_config *cfg, const opt *o)
{
    return (char **)(void *)((char *)cfg + o->off);
}

static const char *cstr_field(const zkbiod_config *cfg, const opt *o)
{
    return *(char *const *)(const void *)((const char *)cfg + o->off);
}

static int *int_field(zkbiod_config *cfg, const opt *o)
{
    return (int *)(void *)((char *)cfg + o->off);
}

static int cint_field(const zkbiod_config *cfg, const opt *o)
{
    return *(const int *)(const void *)((const char *)cfg + o->off);
}

static char ***list_field(zkbiod_config *cfg, const opt *o)
{
    return (char ***)(void *)((char *)cfg + o->off);
}

static size_t *count_field(zkbiod_config *cfg, const opt *o)
{
    return (size_t *)(void *)((char *)cfg + o->count_off);
}

static int set_string(char **field, const char *value, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        return ZKBIO_ENOMEM;
    memcpy(s, value, len);
    s[len] = '\0';
    free(*field);
    *field = s;
    return 0;
}

static void list_clear(char ***list, size_t *count)
{
    if (*list)
        for (size_t i = 0; i < *count; i++)
            free((*list)[i]);
    free(*list);
    *list = NULL;
    *count = 0;
}

/* Append, keeping the list NULL-terminated. */
static int list_add(char ***list, size_t *count, const char *value, size_t len)
{
    char **l = realloc(*list, (*count + 2) * sizeof(*l));
    if (!l)
        return ZKBIO_ENOMEM;
    *list = l;
    l[*count] = NULL;
    if (set_string(&l[*count], value, len) != 0)
        return ZKBIO_ENOMEM;
    l[++*count] = NULL;
    return 0;
}

/* Never NULL: lists get an empty NULL-terminated array. */
static int list_ensure(char ***list)
{
    if (*list)
        return 0;
    *list = calloc(1, sizeof(**list));
    return *list ? 0 : ZKBIO_ENOMEM;
}

static int parse_long(const char *s, long long *out)
{
    if (!*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int parse_size(const char *s, long long *out)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned long long mul = 1;
    if (*end) {
        switch (*end) {
        case 'k':
        case 'K':
            mul = 1024ULL;
            break;
        case 'm':
        case 'M':
            mul = 1024ULL * 1024;
            break;
        case 'g':
        case 'G':
            mul = 1024ULL * 1024 * 1024;
            break;
        default:
            return -1;
        }
        end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return -1;
    }
    if (v > (unsigned long long)LLONG_MAX / mul)
        return -1;
    *out = (long long)(v * mul);
    return 0;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

/* "8081", "0.0.0.0:8081", "[::]:8081", each optionally followed by 's' (TLS). 0 or -1 with a
 * reason. */
static int check_listen(const char *v, size_t len, const char **why)
{
    if (len && v[len - 1] == 's')
        len--;
    const char *port = v;
    char addr[INET6_ADDRSTRLEN + 1];
    if (len && v[0] == '[') {
        const char *close = memchr(v, ']', len);
        if (!close || close + 1 >= v + len || close[1] != ':') {
            *why = "expected [IPV6]:PORT";
            return -1;
        }
        size_t alen = (size_t)(close - v - 1);
        unsigned char buf[16];
        if (alen == 0 || alen >= sizeof(addr)) {
            *why = "bad IPv6 address";
            return -1;
        }
        memcpy(addr, v + 1, alen);
        addr[alen] = '\0';
        if (inet_pton(AF_INET6, addr, buf) != 1) {
            *why = "bad IPv6 address";
            return -1;
        }
        port = close + 2;
    } else {
        const char *colon = memchr(v, ':', len);
        if (colon) {
            size_t alen = (size_t)(colon - v);
            unsigned char buf[4];
            if (alen == 0 || alen >= sizeof(addr)) {
                *why = "bad IPv4 address (IPv6 goes in brackets: [::]:8081)";
                return -1;
            }
            memcpy(addr, v, alen);
            addr[alen] = '\0';
            if (inet_pton(AF_INET, addr, buf) != 1) {
                *why = "bad IPv4 address (IPv6 goes in brackets: [::]:8081)";
                return -1;
            }
            port = colon + 1;
        }
    }
    size_t plen = (size_t)(v + len - port);
    if (!digits(port, plen) || plen > 5) {
        *why = "expected ADDR:PORT with a numeric port";
        return -1;
    }
    long p = 0;
    for (size_t i = 0; i < plen; i++)
        p = p * 10 + (port[i] - '0');
    if (p > 65535) { /* 0: the system picks a free port (port-file says which) */
        *why = "port out of range 0..65535";
        return -1;
    }
    return 0;
}

static int check_sn(const char *v, size_t len)
{
    if (len < 1 || len > 40)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!isalnum(c) && c != '_' && c != '-')
            return -1;
    }
    return 0;
}

/* An API key: 16..128 of [A-Za-z0-9_.-] (the contract's keys are "ak_live_" + 32 characters). */
static int check_key(const char *v, size_t len)
{
    if (len < 16 || len > 128)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!isalnum(c) && c != '_' && c != '-' && c != '.')
            return -1;
    }
    return 0;
}

/* A serialised web origin (RFC 6454 §6.1): http or https, a host, an optional port, no path. */
static int check_origin(const char *v, size_t len)
{
    size_t skip;
    if (len > 8 && strncmp(v, "https://", 8) == 0)
        skip = 8;
    else if (len > 7 && strncmp(v, "http://", 7) == 0)
        skip = 7;
    else
        return -1;
    if (len > 255)
        return -1;
    size_t colons = 0;
    for (size_t i = skip; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == ':')
            colons++;
        else if (!isalnum(c) && c != '.' && c != '-' && c != '[' && c != ']')
            return -1;
        if (isupper(c))
            return -1; /* browsers send the host in lower case */
    }
    return v[skip] == ':' || v[len - 1] == ':' || (colons > 1 && v[skip] != '[') ? -1 : 0;
}

/* sqlite | sqlite:PATH | mariadb://USER[:PASS]@[HOST][:PORT]/DB[?socket=PATH]: the driver's
 * own parser (dburi.c: zc_dburi_parse), so what starts is what the driver opens. The message in
 * why never holds the password. */
static int check_db(const char *v, char *why, size_t whysz)
{
    if (strcmp(v, "sqlite") == 0)
        return 0;
    if (strncmp(v, "sqlite:", 7) == 0 && !v[7]) {
        snprintf(why, whysz, "sqlite: needs a path (or use plain sqlite)");
        return -1;
    }
    if (strncmp(v, "sqlite:", 7) != 0 && strncmp(v, "mariadb://", 10) != 0) {
        snprintf(why, whysz, "expected sqlite, sqlite:PATH or mariadb://USER:PASS@HOST:PORT/DB");
        return -1;
    }
    zc_dburi u;
    int rc = zc_dburi_parse(v, &u, why, whysz);
    zc_dburi_free(&u);
    return rc == 0 ? 0 : -1;
}

/* UTC | Z | +HH:MM | -HH:MM | [+-]MINUTES */
static int parse_tz(const char *v, int *out)
{
    if (strcasecmp(v, "UTC") == 0 || strcasecmp(v, "GMT") == 0 || strcmp(v, "Z") == 0) {
        *out = 0;
        return 0;
    }
    int minutes;
    if ((v[0] == '+' || v[0] == '-') && strlen(v) == 6 && digits(v + 1, 2) && v[3] == ':' &&
        digits(v + 4, 2)) {
        int hh = (v[1] - '0') * 10 + (v[2] - '0');
        int mm = (v[4] - '0') * 10 + (v[5] - '0');
        if (mm > 59)
            return -1;
        minutes = (v[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    } else {
        long long m;
        if (parse_long(v, &m) != 0 || m < INT_MIN || m > INT_MAX)
            return -1;
        minutes = (int)m;
    }
    if (minutes < -12 * 60 || minutes > 14 * 60)
        return -1;
    *out = minutes;
    return 0;
}

static int check_times(const char *v)
{
    size_t n = 0;
    for (const char *p = v;; p += 6) {
        if (!(digits(p, 2) && p[2] == ':' && digits(p + 3, 2)))
            return -1;
        int hh = (p[0] - '0') * 10 + (p[1] - '0');
        int mm = (p[3] - '0') * 10 + (p[4] - '0');
        if (hh > 23 || mm > 59 || ++n > 24)
            return -1;
        if (p[5] == '\0')
            return 0;
        if (p[5] != ';')
            return -1;
    }
}

static int local_utc_offset_min(void)
{
    return zc_utc_offset_min(time(NULL)); /* tm_gmtoff is not POSIX (plat.h) */
}

/* ----------------------------------------------------------------------------------------------
 * Setting one value
 */

typedef struct load_state {
    int src[N_OPTS]; /* SRC_* of the value each option holds now */
} load_state;

/* Store `value` (from `where`, at source level `src`) into the option's field. */
static int set_value(zkbiod_config *cfg, load_state *st, const opt *o, const char *value, int src,
                     const char *where, char *err, size_t errsz)
{
    size_t idx = (size_t)(o - options);
    const char *shown = (o->flags & F_SECRET) ? "***" : value;
    const char *why = NULL;
    char dbwhy[160];
    long long n;
    int b, rc;

    if (src < st->src[idx])
        return 0; /* a higher source already set it */
    switch (o->type) {
    case T_STR:
    case T_PATH:
        if (o->flags & F_SECRET) {
            for (const char *p = value; *p; p++)
                if (iscntrl((unsigned char)*p) || *p == ' ')
                    return fail(err, errsz, "%s: must not contain spaces or control characters",
                                where);
        }
        if (set_string(str_field(cfg, o), value, strlen(value)) != 0)
            return oom(err, errsz);
        break;
    case T_DB:
        if (check_db(value, dbwhy, sizeof(dbwhy)) != 0)
            return fail(err, errsz, "%s: %s", where, dbwhy);
        if (set_string(str_field(cfg, o), value, strlen(value)) != 0)
            return oom(err, errsz);
        break;
    case T_TIMES:
        if (check_times(value) != 0)
            return fail(err, errsz, "%s: expected HH:MM times separated by ';': \"%s\"", where,
                        value);
        if (set_string(str_field(cfg, o), value, strlen(value)) != 0)
            return oom(err, errsz);
        break;
    case T_INT:
        if (parse_long(value, &n) != 0)
            return fail(err, errsz, "%s: not an integer: \"%s\"", where, shown);
        if (n < o->min || n > o->max)
            return fail(err, errsz, "%s: %lld is out of range %lld..%lld", where, n, o->min,
                        o->max);
        *int_field(cfg, o) = (int)n;
        break;
    case T_SIZE:
        if (parse_size(value, &n) != 0)
            return fail(err, errsz, "%s: not a size (bytes, or a number with k, M or G): \"%s\"",
                        where, shown);
        if (n < o->min || n > o->max)
            return fail(err, errsz, "%s: %lld bytes is out of range %lld..%lld", where, n, o->min,
                        o->max);
        *(size_t *)(void *)((char *)cfg + o->off) = (size_t)n;
        break;
    case T_BOOL:
        if (parse_bool(value, &b) != 0)
            return fail(err, errsz, "%s: not a boolean (true/false, yes/no, on/off, 1/0): \"%s\"",
                        where, shown);
        *int_field(cfg, o) = b;
        break;
    case T_ENUM:
        for (b = 0; o->choices[b]; b++)
            if (strcasecmp(value, o->choices[b]) == 0)
                break;
        if (!o->choices[b]) {
            char list[128] = "";
            for (int i = 0; o->choices[i]; i++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                         o->choices[i]);
            return fail(err, errsz, "%s: expected one of %s: \"%s\"", where, list, shown);
        }
        *int_field(cfg, o) = b;
        break;
    case T_TZ:
        if (parse_tz(value, &b) != 0)
            return fail(err, errsz,
                        "%s: expected UTC, +HH:MM, -HH:MM or minutes (-720..840): \"%s\"", where,
                        shown);
        *int_field(cfg, o) = b;
        break;
    case T_LISTEN:
    case T_SNLIST:
    case T_KEYLIST:
    case T_ORIGINLIST:
        if (src > st->src[idx]) /* a higher source replaces the whole list */
            list_clear(list_field(cfg, o), count_field(cfg, o));
        if ((o->flags & F_OFF) && strcmp(value, "off") == 0)
            break; /* disabled: an empty list */
        for (const char *p = value;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            while (len && isspace((unsigned char)*p)) {
                p++;
                len--;
            }
            while (len && isspace((unsigned char)p[len - 1]))
                len--;
            if (len == 0 && o->type != T_LISTEN && !comma && p == value)
                break; /* an empty value is an empty list */
            if (o->type == T_KEYLIST && check_key(p, len) != 0)
                return fail(err, errsz, "%s: an API key is 16 to 128 of A-Z a-z 0-9 _ - .", where);
            if (o->type == T_ORIGINLIST && check_origin(p, len) != 0)
                return fail(err, errsz,
                            "%s: an origin is http(s)://HOST[:PORT] without a path: \"%.*s\"",
                            where, (int)len, p);
            if (o->type == T_LISTEN && check_listen(p, len, &why) != 0)
                return fail(err, errsz, "%s: %s: \"%.*s\"", where, why, (int)len, p);
            if (o->type == T_SNLIST && check_sn(p, len) != 0)
                return fail(err, errsz,
                            "%s: a serial number is 1 to 40 of A-Z a-z 0-9 _ -: \"%.*s\"", where,
                            (int)len, p);
            rc = list_add(list_field(cfg, o), count_field(cfg, o), p, len);
            if (rc != 0)
                return oom(err, errsz);
            if (!comma)
                break;
            p = comma + 1;
        }
        break;
    }
    st->src[idx] = src;
    return 0;
}

/* ----------------------------------------------------------------------------------------------
 * Sources
 */

/* Parse one config file. Value syntax: bare (trimmed), "double quoted" with \" and \\, or 'single
 * quoted'. */
static int load_file(zkbiod_config *cfg, load_state *st, const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errsz, "cannot read config file %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && zc_getline(&line, &cap, f) >= 0) {
        lineno++;
        char *p = line;
        size_t len = strlen(p);
        while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
            p[--len] = '\0';
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char *key = p;
        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        size_t klen = (size_t)(p - key);
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=') {
            rc = fail(err, errsz, "%s:%u: expected \"name = value\"", path, lineno);
            break;
        }
        p++;
        while (isspace((unsigned char)*p))
            p++;
        char *val = p;
        if (*p == '"' || *p == '\'') {
            char q = *p++;
            char *w = val;
            while (*p && *p != q) {
                if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                *w++ = *p++;
            }
            if (*p != q) {
                rc = fail(err, errsz, "%s:%u: unterminated quoted value", path, lineno);
                break;
            }
            p++;
            while (isspace((unsigned char)*p))
                p++;
            if (*p && *p != '#') {
                rc =
                    fail(err, errsz, "%s:%u: unexpected text after the quoted value", path, lineno);
                break;
            }
            *w = '\0';
        } else {
            /* An unquoted value ends at a '#' that follows white space (a trailing comment), as
             * after a quoted value; quote values that contain " #". */
            for (char *h = val + 1; *val && *h; h++)
                if (*h == '#' && isspace((unsigned char)h[-1])) {
                    *h = '\0';
                    break;
                }
            size_t vlen = strlen(val);
            while (vlen && isspace((unsigned char)val[vlen - 1]))
                val[--vlen] = '\0';
        }
        if (klen > 10 && strncmp(key, "forwarder.", 10) == 0) {
            /* issue 16: forwarder.NAME.KEY = VALUE, kept as "NAME.KEY=VALUE" for daemon/forward */
            size_t vlen = strlen(val);
            char *e = malloc(klen - 10 + 1 + vlen + 1);
            if (!e) {
                rc = oom(err, errsz);
                break;
            }
            memcpy(e, key + 10, klen - 10);
            e[klen - 10] = '=';
            memcpy(e + klen - 10 + 1, val, vlen + 1);
            rc = list_add(&cfg->forwarder, &cfg->forwarder_count, e, strlen(e));
            memset(e, 0, strlen(e));
            free(e);
            if (rc != 0)
                rc = oom(err, errsz);
            continue;
        }
        const opt *o = find_option(key, klen);
        if (!o) {
            rc = fail(err, errsz, "%s:%u: unknown option \"%.*s\"", path, lineno, (int)klen, key);
            break;
        }
        if (o->flags & F_NOFILE) {
            rc =
                fail(err, errsz, "%s:%u: %s cannot be set in a config file", path, lineno, o->name);
            break;
        }
        char where[PATH_MAX + 64];
        snprintf(where, sizeof(where), "%s:%u: %s", path, lineno, o->name);
        rc = set_value(cfg, st, o, val, SRC_FILE, where, err, errsz);
    }
    free(line);
    fclose(f);
    return rc;
}

static int load_env(zkbiod_config *cfg, load_state *st, char *err, size_t errsz)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        char name[64];
        env_name(&options[i], name, sizeof(name));
        const char *v = getenv(name);
        if (!v || !*v) /* an empty variable counts as unset */
            continue;
        int rc = set_value(cfg, st, &options[i], v, SRC_ENV, name, err, errsz);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * Walk argv. With apply == 0 only look for --help/--version and --config (no errors); with apply ==
 * 1 set every value. A bool flag given without a value means true (`--full-sync`), unless a value
 * follows (`--full-sync no`).
 */
static int load_argv(zkbiod_config *cfg, load_state *st, int argc, char **argv, int apply,
                     int *special, const char **config, char *err, size_t errsz)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            if (!apply && !*special)
                *special = 1;
            continue;
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            if (!apply && !*special)
                *special = 2;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            if (!apply)
                continue;
            return fail(err, errsz,
                        "unexpected argument \"%s\" (options start with --; see --help)", a);
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const opt *o = find_option(name, nlen);
        if (o && strchr(o->name, '-') && memchr(name, '_', nlen))
            o = NULL; /* flags are spelled with dashes only */
        if (!o) {
            if (!apply)
                continue;
            return fail(err, errsz, "unknown option --%.*s (see --help)", (int)nlen, name);
        }
        const char *value;
        if (eq) {
            value = eq + 1;
        } else if (o->type == T_BOOL && (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            if (!apply)
                continue;
            return fail(err, errsz, "--%s needs a value (%s)", o->name, o->arg);
        }
        if (!apply) {
            if (strcmp(o->name, "config") == 0)
                *config = value;
            continue;
        }
        char where[80];
        snprintf(where, sizeof(where), "--%s", o->name);
        int rc = set_value(cfg, st, o, value, SRC_FLAG, where, err, errsz);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------------
 * Resolution of computed values
 */

/* /var/lib/zkbiod as root, else $XDG_DATA_HOME/zkbiod or ~/.local/share/zkbiod; on Windows
 * %ProgramData%\zkbio (plat.h: zc_default_data_dir). */
static int default_data_dir(char **out)
{
    char buf[PATH_MAX];
    if (zc_default_data_dir(buf, sizeof(buf)) != 0)
        return ZKBIO_EINVAL;
    return set_string(out, buf, strlen(buf));
}

static int read_token_file(const char *path, char **out, char *err, size_t errsz)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errsz, "admin-token-file: cannot read %s: %s", path, strerror(errno));
    /* A token is one short line: read at most 4 KiB (admin-token-file = /dev/zero must not eat
     * memory). */
    size_t cap = 4096;
    char *line = calloc(1, cap + 1);
    if (!line) {
        fclose(f);
        return oom(err, errsz);
    }
    size_t len = fread(line, 1, cap, f);
    fclose(f);
    char *nl = memchr(line, '\n', len);
    if (nl)
        len = (size_t)(nl - line);
    else if (len == cap) {
        memset(line, 0, cap);
        free(line);
        return fail(err, errsz, "admin-token-file: the first line of %s is longer than 4 KiB",
                    path);
    }
    while (len && isspace((unsigned char)line[len - 1]))
        len--;
    int rc = 0;
    if (len == 0) {
        rc = fail(err, errsz, "admin-token-file: the first line of %s is empty", path);
    } else {
        for (size_t i = 0; i < len && rc == 0; i++)
            if (iscntrl((unsigned char)line[i]) || line[i] == ' ')
                rc = fail(err, errsz,
                          "admin-token-file: the token in %s contains spaces or control characters",
                          path);
        if (rc == 0 && set_string(out, line, len) != 0)
            rc = oom(err, errsz);
    }
    if (line) {
        memset(line, 0, cap); /* do not leave the token in freed memory */
        free(line);
    }
    return rc;
}

static const opt *opt_named(const char *name)
{
    return find_option(name, strlen(name));
}

static int resolve(zkbiod_config *cfg, load_state *st, char *err, size_t errsz)
{
    char buf[PATH_MAX + 32];
    if (!cfg->data_dir || !*cfg->data_dir) {
        if (default_data_dir(&cfg->data_dir) != 0)
            return fail(err, errsz,
                        "cannot choose a data directory (HOME is not set): use --data-dir");
    }
    if (!cfg->attphoto_dir || !*cfg->attphoto_dir) {
        snprintf(buf, sizeof(buf), "%s/attphoto", cfg->data_dir);
        if (set_string(&cfg->attphoto_dir, buf, strlen(buf)) != 0)
            return oom(err, errsz);
    }
    if (st->src[opt_named("timezone") - options] == SRC_UNSET)
        cfg->timezone_min = local_utc_offset_min();

    if (strcmp(cfg->db, "sqlite") == 0) {
        snprintf(buf, sizeof(buf), "sqlite:%s/zkbiod.db", cfg->data_dir);
        if (set_string(&cfg->db_uri, buf, strlen(buf)) != 0)
            return oom(err, errsz);
    } else if (set_string(&cfg->db_uri, cfg->db, strlen(cfg->db)) != 0) {
        return oom(err, errsz);
    }

    /* admin-token-file: the higher source of the two wins; both from one source is an error. */
    int src_tok = st->src[opt_named("admin-token") - options];
    int src_file = st->src[opt_named("admin-token-file") - options];
    if (*cfg->admin_token_file) {
        if (src_tok > src_file && *cfg->admin_token) {
            cfg->admin_token_file[0] = '\0';
        } else if (src_tok == src_file && *cfg->admin_token) {
            return fail(err, errsz, "give admin-token or admin-token-file, not both");
        } else {
            int rc = read_token_file(cfg->admin_token_file, &cfg->admin_token, err, errsz);
            if (rc != 0)
                return rc;
        }
    }

    if (cfg->listen_count == 0 && cfg->service_listen_count == 0)
        return fail(err, errsz, "listen, service-listen: at least one address is needed");
    if (list_ensure(&cfg->listen) != 0 || list_ensure(&cfg->allow_sn) != 0 ||
        list_ensure(&cfg->service_listen) != 0 || list_ensure(&cfg->api_key) != 0 ||
        list_ensure(&cfg->allow_origin) != 0 || list_ensure(&cfg->forwarder) != 0)
        return oom(err, errsz);
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt *o = &options[i];
        if ((o->type == T_STR || o->type == T_PATH || o->type == T_DB || o->type == T_TIMES) &&
            !*str_field(cfg, o) && set_string(str_field(cfg, o), "", 0) != 0)
            return oom(err, errsz);
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------------
 * Public functions
 */

int zkbiod_config_load(zkbiod_config *cfg, int argc, char **argv, char *err, size_t errsz)
{
    load_state st;
    int special = 0, rc = 0;
    const char *config = NULL;

    if (err && errsz)
        err[0] = '\0';
    if (!cfg)
        return fail(err, errsz, "no config");
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < N_OPTS; i++)
        st.src[i] = SRC_UNSET;

    load_argv(cfg, &st, argc, argv, 0, &special, &config, NULL, 0);
    if (special == 1) {
        zkbiod_config_print_help(stdout);
        fflush(stdout);
        return 1;
    }
    if (special == 2)
        return 2;

    for (size_t i = 0; i < N_OPTS && rc == 0; i++)
        if (options[i].def)
            rc = set_value(cfg, &st, &options[i], options[i].def, SRC_DEFAULT, options[i].name, err,
                           errsz);
    if (rc == 0 && !config) {
        config = getenv("ZKBIOD_CONFIG");
        if (config && !*config)
            config = NULL;
    }
    if (rc == 0 && config)
        rc = load_file(cfg, &st, config, err, errsz);
    if (rc == 0)
        rc = load_env(cfg, &st, err, errsz);
    if (rc == 0)
        rc = load_argv(cfg, &st, argc, argv, 1, &special, &config, err, errsz);
    if (rc == 0)
        rc = resolve(cfg, &st, err, errsz);
    if (rc != 0)
        zkbiod_config_free(cfg);
    return rc;
}

void zkbiod_config_free(zkbiod_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt *o = &options[i];
        if (IS_LIST(o->type)) {
            char ***l = list_field(cfg, o);
            if (*l && (o->flags & F_SECRET))
                for (size_t k = 0; (*l)[k]; k++)
                    memset((*l)[k], 0, strlen((*l)[k]));
            list_clear(l, count_field(cfg, o));
        } else if (o->type == T_STR || o->type == T_PATH || o->type == T_DB || o->type == T_TIMES) {
            char **s = str_field(cfg, o);
            if (*s && (o->flags & F_SECRET))
                memset(*s, 0, strlen(*s));
            free(*s);
            *s = NULL;
        }
    }
    if (cfg->db_uri)
        memset(cfg->db_uri, 0, strlen(cfg->db_uri));
    free(cfg->db_uri);
    for (size_t k = 0; cfg->forwarder && k < cfg->forwarder_count; k++)
        memset(cfg->forwarder[k], 0, strlen(cfg->forwarder[k])); /* may hold secrets */
    list_clear(&cfg->forwarder, &cfg->forwarder_count);
    memset(cfg, 0, sizeof(*cfg));
}

static int mkdir_p(const char *path, char *err, size_t errsz)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(buf)) {
        fail(err, errsz, "bad directory name \"%s\"", path);
        return ZKBIO_EIO;
    }
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (!zc_is_path_sep((unsigned char)buf[i]) && buf[i] != '\0')
            continue;
        if (i > 0 && buf[i - 1] == ':') /* a Windows drive, "C:\" */
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (zc_mkdir_private(buf) != 0 && errno != EEXIST) {
            fail(err, errsz, "cannot create %s: %s", buf, strerror(errno));
            return ZKBIO_EIO;
        }
        buf[i] = c;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fail(err, errsz, "%s is not a directory", path);
        return ZKBIO_EIO;
    }
#if defined(_WIN32)
    int want = W_OK; /* the Windows runtime's access() has no X_OK */
#else
    int want = W_OK | X_OK;
#endif
    if (access(path, want) != 0) {
        fail(err, errsz, "%s is not writable: %s", path, strerror(errno));
        return ZKBIO_EIO;
    }
    return 0;
}

int zkbiod_config_prepare_data_dir(const zkbiod_config *cfg, char *err, size_t errsz)
{
    if (!cfg || !cfg->data_dir || !cfg->attphoto_dir) {
        fail(err, errsz, "configuration not loaded");
        return ZKBIO_EINVAL;
    }
    int rc = mkdir_p(cfg->data_dir, err, errsz);
    if (rc == 0)
        rc = mkdir_p(cfg->attphoto_dir, err, errsz);
    return rc;
}

/* Quote a value for the config file when it would not survive as a bare word. */
static void put_value(FILE *f, const char *v)
{
    int bare = *v && !isspace((unsigned char)v[0]) && !isspace((unsigned char)v[strlen(v) - 1]) &&
               v[0] != '"' && v[0] != '\'';
    if (bare) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* A mariadb:// URI with its password replaced by ***. */
static void put_db(FILE *f, const char *v)
{
    if (strncmp(v, "mariadb://", 10) != 0) {
        put_value(f, v);
        return;
    }
    const char *auth = v + 10;
    const char *slash = strchr(auth, '/');
    const char *at = NULL;
    for (const char *p = auth; *p && (!slash || p < slash); p++)
        if (*p == '@')
            at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) {
        put_value(f, v);
        return;
    }
    fprintf(f, "%.*s***%s", (int)(colon + 1 - v), v, at);
}

void zkbiod_config_dump(const zkbiod_config *cfg, FILE *f)
{
    if (!cfg || !f)
        return;
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt *o = &options[i];
        if (o->flags & F_NOFILE) { /* config: informational only */
            const char *s = cstr_field(cfg, o);
            fprintf(f, "# %s = %s\n", o->name, s && *s ? s : "(none)");
            continue;
        }
        if (IS_LIST(o->type)) {
            char **l = *(char **const *)(const void *)((const char *)cfg + o->off);
            size_t n = *(const size_t *)(const void *)((const char *)cfg + o->count_off);
            if (n == 0)
                fprintf(f, "%s = %s\n", o->name, (o->flags & F_OFF) ? "off" : "\"\"");
            for (size_t k = 0; k < n; k++) {
                fprintf(f, "%s = ", o->name);
                if (o->flags & F_SECRET)
                    fputs("***", f);
                else
                    put_value(f, l[k]);
                fputc('\n', f);
            }
            continue;
        }
        fprintf(f, "%s = ", o->name);
        int v;
        const char *s;
        switch (o->type) {
        case T_STR:
        case T_PATH:
        case T_TIMES:
            s = cstr_field(cfg, o);
            if (!s)
                s = "";
            if ((o->flags & F_SECRET) && *s)
                fputs("***", f);
            else
                put_value(f, s);
            break;
        case T_DB:
            put_db(f, cstr_field(cfg, o) ? cstr_field(cfg, o) : "");
            break;
        case T_INT:
            fprintf(f, "%d", cint_field(cfg, o));
            break;
        case T_SIZE:
            fprintf(f, "%zu", *(const size_t *)(const void *)((const char *)cfg + o->off));
            break;
        case T_BOOL:
            fputs(cint_field(cfg, o) ? "true" : "false", f);
            break;
        case T_ENUM:
            v = cint_field(cfg, o);
            fputs(v >= 0 && v < 8 && o->choices[v] ? o->choices[v] : "?", f);
            break;
        case T_TZ:
            v = cint_field(cfg, o);
            fprintf(f, "%c%02d:%02d", v < 0 ? '-' : '+', abs(v) / 60, abs(v) % 60);
            break;
        case T_LISTEN:
        case T_SNLIST:
        case T_KEYLIST:
        case T_ORIGINLIST:
            break;
        }
        fputc('\n', f);
    }
    fputs("# db-uri = ", f);
    put_db(f, cfg->db_uri ? cfg->db_uri : "");
    fputc('\n', f);
}

void zkbiod_config_print_help(FILE *f)
{
    static const char intro[] =
        "Usage: zkbiod [--OPTION VALUE]...\n"
        "ZKTeco PUSH server: /iclock/ for attendance terminals, /api/v1/ for management, /health;\n"
        "and the fingerprint service for web apps: /api/..., WebSocket (service-listen).\n"
        "Subcommands: zkbiod apikey create|list|revoke, zkbiod user add|list|passwd|remove,\n"
        "zkbiod cert install|uninstall|show, zkbiod device list|approve|reject\n"
        "zkbiod integration-key create|list|revoke\n"
        "(each with --help).\n"
        "\n"
        "Every option is a flag (--name VALUE or --name=VALUE), an environment variable\n"
        "(ZKBIOD_NAME, dashes as underscores) or a \"name = value\" line of the config file.\n"
        "Flags override the environment, which overrides the config file, which overrides the\n"
        "defaults. A BOOL flag given alone means true; an empty environment variable is unset.\n"
        "\n";
    fputs(intro, f);
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt *o = &options[i];
        char flag[64], env[64];
        snprintf(flag, sizeof(flag), "--%s %s", o->name, o->arg);
        env_name(o, env, sizeof(env));
        fprintf(f, "  %-32s %s\n", flag, env);
        for (const char *p = o->help; *p;) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(f, "      %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
        const char *def = o->def ? o->def : o->def_text;
        if (o->def && o->def_text)
            def = o->def_text;
        if (def && *def)
            fprintf(f, "      Default: %s\n", def);
    }
    fputs("  -h, --help\n"
          "      Print this help and exit.\n"
          "  -V, --version\n"
          "      Print the version and exit.\n",
          f);
}
