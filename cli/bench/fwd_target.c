/* SPDX-License-Identifier: Apache-2.0 */
/* The loopback forwarding target of `zkbio bench forward` (fwd_target.h). */
#include "fwd_target.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util.h"

#define MAX_HEAD  (16u << 10)
#define MAX_BODY  (16u << 20)
#define MAX_CONNS 256
#define MAX_BULK  1000 /* integrations.md §2.5 */

typedef struct conn {
    fwd_target *t;
    int fd;
    pthread_t th;
    int used;
    atomic_int done;
} conn;

struct fwd_target {
    fwd_target_config c;
    char auth[256];   /* "token key:secret" */
    int lfd, started; /* the listening socket (-1: none), the accept thread runs */
    atomic_int stop;
    pthread_t accept_th;
    conn conns[MAX_CONNS];
    pthread_mutex_t mu; /* arrivals and the counters below */
    double *arrival;
    long arrived, duplicates, strays, bulk_requests, max_batch;
    double first_s, last_s;
    atomic_long requests, errors;
};

/* ---- punches ----------------------------------------------------------------------------------
 */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD HH:MM:SS" (exactly) to seconds; -1 when malformed. */
static int64_t parse_time(const char *s)
{
    if (!s || strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    static const int at[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
        if (s[at[i]] < '0' || s[at[i]] > '9')
            return -1;
#define NUM2(p) ((s[p] - '0') * 10 + (s[(p) + 1] - '0'))
    int y = NUM2(0) * 100 + NUM2(2), mo = NUM2(5), d = NUM2(8), h = NUM2(11), mi = NUM2(14),
        se = NUM2(17);
#undef NUM2
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

/* The employee value as text (a JSON string or integer) into out; 0 or -1. */
static int pin_text(json_t *v, char *out, size_t cap)
{
    if (json_is_string(v) && json_string_length(v) < cap) {
        snprintf(out, cap, "%s", json_string_value(v));
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    return -1;
}

typedef enum { P_NEW, P_DUP, P_STRAY } punch_fate;

/* Record one punch; the caller holds t->mu. */
static punch_fate record(fwd_target *t, json_t *emp, json_t *ts, double now)
{
    char pin[32];
    int64_t sec = parse_time(json_string_value(ts));
    if (pin_text(emp, pin, sizeof(pin)) != 0 || sec < 0) {
        t->strays++;
        return P_STRAY;
    }
    int64_t k = sec - t->c.base_epoch;
    char want[32];
    snprintf(want, sizeof(want), "%ld", k >= 0 ? (long)(k % t->c.users) + 1 : 0L);
    if (k < 0 || k >= t->c.n || strcmp(pin, want) != 0) {
        t->strays++;
        return P_STRAY;
    }
    if (t->arrival[k] > 0) {
        t->duplicates++;
        return P_DUP;
    }
    t->arrival[k] = now;
    t->arrived++;
    if (t->first_s == 0)
        t->first_s = now;
    t->last_s = now;
    return P_NEW;
}

/* ---- answers ----------------------------------------------------------------------------------
 */

static const char *const DUP_TEXT = "This employee already has a log with the same timestamp.";
static const char *const STRAY_TEXT = "No Employee found for the given employee field value.";

/* A Frappe v15 error body (exc_type, _server_messages decoded twice): integrations.md §2.4. */
static char *frappe_error(const char *exc_type, const char *msg)
{
    json_t *m = json_pack("{s:s,s:s,s:s,s:i}", "message", msg, "title", "Message", "indicator",
                          "red", "raise_exception", 1);
    char *ms = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_t *list = json_pack("[s]", ms ? ms : "");
    char *ls = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_t *b = json_pack("{s:s,s:s}", "exc_type", exc_type, "_server_messages", ls ? ls : "");
    char *out = b ? json_dumps(b, JSON_COMPACT) : NULL;
    free(ms);
    free(ls);
    json_decref(m);
    json_decref(list);
    json_decref(b);
    return out;
}

/* The answer to one request: *status and a malloc'd body (NULL on ENOMEM). */
char *fwd_target_answer(fwd_target *t, const char *path, const char *auth, const char *body,
                        size_t len, int *status)
{
    if (strcmp(auth, t->auth) != 0) {
        atomic_fetch_add(&t->errors, 1);
        *status = 401;
        return frappe_error("AuthenticationError", "Invalid API key or secret");
    }
    const char *m = strrchr(path, '.');
    if (strncmp(path, "/api/method/", 12) != 0 || !m) {
        *status = 404;
        return frappe_error("DoesNotExistError", "Page not found");
    }
    m++;
    if (!strcmp(m, "test_connection")) {
        *status = 200;
        return strdup("{\"message\":{\"success\":true,\"message\":\"Connection successful\","
                      "\"version\":\"bench\"}}");
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, 0, &je);
    char *out = NULL;
    double now = cli_now_s();
    if (!json_is_object(j)) {
        atomic_fetch_add(&t->errors, 1);
        *status = 417;
        out = frappe_error("ValidationError", "Invalid request body");
    } else if (!strcmp(m, "add_log_based_on_employee_field") ||
               !strcmp(m, "receive_attendance_log")) {
        int single = m[0] == 'a';
        json_t *emp = json_object_get(j, single ? "employee_field_value" : "employee_id");
        pthread_mutex_lock(&t->mu);
        punch_fate f = record(t, emp, json_object_get(j, "timestamp"), now);
        pthread_mutex_unlock(&t->mu);
        if (f == P_NEW) {
            *status = 200;
            json_t *r = single ? json_pack("{s:{s:s,s:s}}", "message", "name", "EMP-CKIN-bench",
                                           "doctype", "Employee Checkin")
                               : json_pack("{s:{s:b,s:s}}", "message", "success", 1, "checkin_id",
                                           "EMP-CKIN-bench");
            out = r ? json_dumps(r, JSON_COMPACT) : NULL;
            json_decref(r);
        } else {
            const char *msg = f == P_DUP ? DUP_TEXT : STRAY_TEXT;
            *status = single ? 417 : 400;
            if (single)
                out = frappe_error("ValidationError", msg);
            else {
                json_t *r = json_pack("{s:{s:b,s:s,s:s}}", "message", "success", 0, "error", msg,
                                      "error_type", "validation_error");
                out = r ? json_dumps(r, JSON_COMPACT) : NULL;
                json_decref(r);
            }
        }
    } else if (!strcmp(m, "receive_bulk_attendance_logs")) {
        json_t *logs = json_object_get(j, "logs");
        size_t n = json_array_size(logs);
        if (!json_is_array(logs) || n == 0 || n > MAX_BULK) {
            atomic_fetch_add(&t->errors, 1);
            *status = 417;
            out = frappe_error("ValidationError", n > MAX_BULK
                                                      ? "Maximum 1000 logs allowed per request"
                                                      : "logs must be a non-empty list");
        } else {
            json_t *results = json_array();
            long ok = 0;
            pthread_mutex_lock(&t->mu);
            t->bulk_requests++;
            if ((long)n > t->max_batch)
                t->max_batch = (long)n;
            for (size_t i = 0; i < n; i++) {
                json_t *it = json_array_get(logs, i), *emp = json_object_get(it, "employee_id");
                punch_fate f = record(t, emp, json_object_get(it, "timestamp"), now);
                json_t *r = f == P_NEW
                                ? json_pack("{s:b,s:O,s:s}", "success", 1, "employee_id", emp,
                                            "checkin_id", "EMP-CKIN-bench")
                                : json_pack("{s:b,s:O,s:s}", "success", 0, "employee_id", emp,
                                            "error", f == P_DUP ? DUP_TEXT : STRAY_TEXT);
                ok += f == P_NEW;
                json_array_append_new(results, r ? r : json_null());
            }
            pthread_mutex_unlock(&t->mu);
            json_t *r = json_pack("{s:{s:b,s:i,s:i,s:i,s:o}}", "message", "success", 1, "processed",
                                  (json_int_t)ok, "failed", (json_int_t)n - ok, "total",
                                  (json_int_t)n, "results", results);
            *status = 200;
            out = r ? json_dumps(r, JSON_COMPACT) : NULL;
            json_decref(r);
        }
    } else {
        *status = 417;
        out = frappe_error("ValidationError", "Failed to get method for command");
    }
    json_decref(j);
    return out;
}

/* ---- HTTP -------------------------------------------------------------------------------------
 */

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int reply(int fd, int status, const char *body, int close_after)
{
    const char *reason = status == 200   ? "OK"
                         : status == 400 ? "Bad Request"
                         : status == 401 ? "Unauthorized"
                         : status == 404 ? "Not Found"
                         : status == 413 ? "Payload Too Large"
                         : status == 417 ? "Expectation Failed"
                         : status == 431 ? "Request Header Fields Too Large"
                                         : "Error";
    size_t blen = body ? strlen(body) : 0;
    char head[256];
    int h = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: "
                     "%zu\r\n%s\r\n",
                     status, reason, blen, close_after ? "Connection: close\r\n" : "");
    if (h < 0 || (size_t)h >= sizeof(head))
        return -1;
    if (send_all(fd, head, (size_t)h) != 0 || (blen && send_all(fd, body, blen) != 0))
        return -1;
    return 0;
}

/* The value of header `name` in head[0..len) (lines after the request line) into out; 1 if found.
 */
static int header(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");
    while (p && p[2] != '\r' && p[2] != '\0') {
        p += 2;
        const char *e = strstr(p, "\r\n");
        if (!e)
            break;
        if ((size_t)(e - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            size_t n = (size_t)(e - v);
            if (n >= cap)
                return 0;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        p = e;
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int fwd_http_head_parse(const char *buf, size_t len, fwd_http_head *h)
{
    memset(h, 0, sizeof(*h));
    const char *end = len >= 4 ? strstr(buf, "\r\n\r\n") : NULL;
    if (!end)
        return len >= MAX_HEAD ? 431 : 1;
    if ((size_t)(end - buf) + 4 > MAX_HEAD)
        return 431;
    h->head_len = (size_t)(end - buf) + 4;
    size_t line = (size_t)(strstr(buf, "\r\n") - buf); /* the request line */
    const char *sp1 = memchr(buf, ' ', line);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', line - (size_t)(sp1 + 1 - buf)) : NULL;
    if (!sp1 || !sp2 || sp2 == sp1 + 1 || (size_t)(sp2 - sp1 - 1) >= sizeof(h->path) ||
        strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
        return 400;
    memcpy(h->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    h->path[sp2 - sp1 - 1] = '\0';
    char *q = strchr(h->path, '?');
    if (q)
        *q = '\0';
    char v[64];
    h->close = header(buf, "Connection", v, sizeof(v)) && !strcasecmp(v, "close");
    header(buf, "Authorization", h->auth, sizeof(h->auth));
    if (header(buf, "Transfer-Encoding", v, sizeof(v)))
        return 400; /* libcurl sends a length with its POST bodies */
    if (header(buf, "Content-Length", v, sizeof(v))) {
        char *e = NULL;
        if (v[0] < '0' || v[0] > '9' || strlen(v) > 9)
            return 413;
        unsigned long n = strtoul(v, &e, 10);
        if (*e || n > MAX_BODY)
            return 413;
        h->body_len = (size_t)n;
    }
    return 0;
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    fwd_target *t = c->t;
    size_t cap = MAX_HEAD + 1, len = 0;
    char *buf = malloc(cap);
    while (buf && !atomic_load(&t->stop)) {
        /* the head */
        while (len < 4 || !strstr(buf, "\r\n\r\n")) {
            if (len >= MAX_HEAD) {
                atomic_fetch_add(&t->errors, 1);
                reply(c->fd, 431, NULL, 1);
                goto done;
            }
            ssize_t r = recv(c->fd, buf + len, MAX_HEAD - len, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                goto done;
            len += (size_t)r;
            buf[len] = '\0';
        }
        fwd_http_head h;
        int pr = fwd_http_head_parse(buf, len, &h);
        if (pr != 0) {
            atomic_fetch_add(&t->errors, 1);
            reply(c->fd, pr, NULL, 1);
            goto done;
        }
        size_t hlen = h.head_len, blen = h.body_len;
        int close_after = h.close;
        /* the body */
        if (hlen + blen + 1 > cap) {
            char *nb = realloc(buf, hlen + blen + 1);
            if (!nb)
                goto done;
            buf = nb;
            cap = hlen + blen + 1;
        }
        while (len < hlen + blen) {
            ssize_t r = recv(c->fd, buf + len, hlen + blen - len, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                goto done;
            len += (size_t)r;
        }
        int status = 0;
        char *out = fwd_target_answer(t, h.path, h.auth, buf + h.head_len, h.body_len, &status);
        if (t->c.latency_ms > 0)
            sleep_ms(t->c.latency_ms);
        atomic_fetch_add(&t->requests, 1);
        int rc = reply(c->fd, status, out ? out : "{}", close_after);
        free(out);
        if (rc != 0 || close_after)
            goto done;
        /* keep what follows (a pipelined request), in a buffer back at its head size */
        size_t rest = len - hlen - blen;
        memmove(buf, buf + hlen + blen, rest);
        len = rest;
        buf[len] = '\0';
    }
done:
    free(buf);
    shutdown(c->fd, SHUT_RDWR); /* the peer sees the end now; the reaper closes the fd */
    atomic_store(&c->done, 1);
    return NULL;
}

static void *accept_main(void *arg)
{
    fwd_target *t = arg;
    while (!atomic_load(&t->stop)) {
        struct pollfd p = {.fd = t->lfd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept(t->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conn *slot = NULL;
        for (int i = 0; i < MAX_CONNS && !slot; i++) {
            conn *c = &t->conns[i];
            if (c->used && atomic_load(&c->done)) {
                pthread_join(c->th, NULL);
                close(c->fd);
                c->used = 0;
            }
            if (!c->used)
                slot = c;
        }
        if (!slot) {
            atomic_fetch_add(&t->errors, 1);
            close(fd);
            continue;
        }
        slot->t = t;
        slot->fd = fd;
        atomic_store(&slot->done, 0);
        slot->used = 1;
        if (pthread_create(&slot->th, NULL, conn_main, slot) != 0) {
            slot->used = 0;
            close(fd);
        }
    }
    return NULL;
}

int fwd_target_create(const fwd_target_config *c, fwd_target **out)
{
    if (!c || c->n < 1 || c->users < 1 || c->latency_ms < 0 || !c->key || !c->secret) {
        errno = EINVAL;
        return -1;
    }
    fwd_target *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    t->c = *c;
    t->lfd = -1;
    snprintf(t->auth, sizeof(t->auth), "token %s:%s", c->key, c->secret);
    t->arrival = calloc((size_t)c->n, sizeof(double));
    if (!t->arrival) {
        free(t);
        errno = ENOMEM;
        return -1;
    }
    pthread_mutex_init(&t->mu, NULL);
    *out = t;
    return 0;
}

int fwd_target_start(const fwd_target_config *c, fwd_target **out, int *port)
{
    fwd_target *t = NULL;
    if (fwd_target_create(c, &t) != 0)
        return -1;
    t->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (t->lfd < 0 || bind(t->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(t->lfd, 256) != 0 || getsockname(t->lfd, (struct sockaddr *)&a, &al) != 0 ||
        pthread_create(&t->accept_th, NULL, accept_main, t) != 0) {
        int e = errno;
        fwd_target_stop(t);
        errno = e;
        return -1;
    }
    t->started = 1;
    *port = ntohs(a.sin_port);
    *out = t;
    return 0;
}

void fwd_target_stats_get(fwd_target *t, fwd_target_stats *s)
{
    pthread_mutex_lock(&t->mu);
    s->arrived = t->arrived;
    s->duplicates = t->duplicates;
    s->strays = t->strays;
    s->bulk_requests = t->bulk_requests;
    s->max_batch = t->max_batch;
    s->first_s = t->first_s;
    s->last_s = t->last_s;
    pthread_mutex_unlock(&t->mu);
    s->requests = atomic_load(&t->requests);
    s->errors = atomic_load(&t->errors);
}

double fwd_target_arrival(fwd_target *t, long k)
{
    if (k < 0 || k >= t->c.n)
        return 0;
    pthread_mutex_lock(&t->mu);
    double v = t->arrival[k];
    pthread_mutex_unlock(&t->mu);
    return v;
}

void fwd_target_stop(fwd_target *t)
{
    if (!t)
        return;
    atomic_store(&t->stop, 1);
    if (t->started)
        pthread_join(t->accept_th, NULL);
    if (t->lfd >= 0)
        close(t->lfd);
    for (int i = 0; i < MAX_CONNS; i++) {
        conn *c = &t->conns[i];
        if (!c->used)
            continue;
        shutdown(c->fd, SHUT_RDWR); /* the fd stays open until joined: never another's */
        pthread_join(c->th, NULL);
        close(c->fd);
    }
    pthread_mutex_destroy(&t->mu);
    free(t->arrival);
    free(t);
}
