/* SPDX-License-Identifier: Apache-2.0 */
#include "svc.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include "zkbiod-launch.h"

void svc_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int svc_start(svc *s, const char *sim, const char *const *extra)
{
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_ALL);
        mg_init_library(MG_FEATURES_TLS);
        curl_ready = 1;
    }
    snprintf(s->dir, sizeof(s->dir), "%s/zkbio-svc-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(s->dir))
        return -1;
    char listen[64], log[300];
    /* port 0: zkbiod binds a free port and says which through --port-file */
    snprintf(listen, sizeof(listen), "127.0.0.1:0%s", s->tls ? "s" : "");
    snprintf(log, sizeof(log), "%s/zkbiod.log", s->dir);
    const char *zkbiod = getenv("ZKBIOD") ? getenv("ZKBIOD") : "zkbiod";
    const char *argv[64];
    int n = 0;
    argv[n++] = zkbiod;
    argv[n++] = "--listen";
    argv[n++] = "off";
    argv[n++] = "--service-listen";
    argv[n++] = listen;
    argv[n++] = "--data-dir";
    argv[n++] = s->dir;
    argv[n++] = "--allow-origin";
    argv[n++] = SVC_ORIGIN;
    argv[n++] = "--log-level";
    argv[n++] = "debug";
    int nokey = 0;
    for (int i = 0; extra && extra[i] && n < 60; i++) {
        if (strcmp(extra[i], "-nokey") == 0)
            nokey = 1;
        else
            argv[n++] = extra[i];
    }
    if (!nokey) {
        argv[n++] = "--api-key";
        argv[n++] = SVC_KEY;
    }
    argv[n] = NULL;
    char sim_env[4096];
    snprintf(sim_env, sizeof(sim_env), "ZKBIO_SIM=%s", sim ? sim : "");
    const char *env[] = {sim ? sim_env : "ZKBIO_SIM", NULL};
    zkl_opts o = {.argv = argv, .dir = s->dir, .log = log, .env = env};
    zkl_ports ports;
    if (zkl_start(&o, &s->pid, &ports) != 0 || ports.n_service < 1) {
        if (s->pid > 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
        s->pid = 0;
        return -1;
    }
    s->port = ports.service[0];
    for (int i = 0; i < 100; i++) {
        resp r;
        if (svc_http(s, "GET", "/health", NULL, NULL, &r) == 0 && r.status == 200) {
            resp_free(&r);
            return 0;
        }
        resp_free(&r);
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        svc_sleep_ms(100);
    }
    return -1;
}

int svc_stop(svc *s)
{
    int st = -1, killed = 0;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        /* a loaded CI machine can take a few seconds to stop the listeners and close the store */
        for (int i = 0; i < 200; i++) {
            if (waitpid(s->pid, &st, WNOHANG) == s->pid)
                break;
            svc_sleep_ms(100);
            if (i == 199) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &st, 0);
                killed = 1;
            }
        }
        s->pid = 0;
    }
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (rc != 0 && s->dir[0]) { /* say why: the status and the end of zkbiod's log */
        fprintf(stderr, "zkbiod did not stop cleanly (%s, status 0x%x); end of its log:\n",
                killed ? "killed after 20 s" : "exited", (unsigned)st);
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "tail -n 20 '%s/zkbiod.log' >&2", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "(no log)\n");
    }
    if (getenv("KEEP_TMP") == NULL && s->dir[0]) {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", s->dir);
    } else if (s->dir[0]) {
        fprintf(stderr, "kept %s\n", s->dir);
    }
    return rc;
}

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t on_body(char *d, size_t sz, size_t nm, void *u)
{
    buf *b = u;
    size_t add = sz * nm;
    char *np = realloc(b->p, b->n + add + 1);
    if (!np)
        return 0;
    memcpy(np + b->n, d, add);
    b->p = np;
    b->n += add;
    b->p[b->n] = '\0';
    return add;
}

static size_t on_header(char *d, size_t sz, size_t nm, void *u)
{
    resp *r = u;
    size_t add = sz * nm, have = strlen(r->headers);
    if (have + add + 1 < sizeof(r->headers)) {
        memcpy(r->headers + have, d, add);
        r->headers[have + add] = '\0';
    }
    return add;
}

int svc_http(const svc *s, const char *method, const char *path, const char *body,
             const char *const *headers, resp *out)
{
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    char url[512];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d%s", s->tls ? "https" : "http", s->port, path);
    struct curl_slist *h = NULL;
    int key = 1, host = 0;
    for (int i = 0; headers && headers[i]; i++) {
        if (strcmp(headers[i], "-key") == 0)
            key = 0;
        else
            h = curl_slist_append(h, headers[i]);
        if (strncasecmp(headers[i], "Host:", 5) == 0)
            host = 1;
    }
    if (key)
        h = curl_slist_append(h, "X-API-Key: " SVC_KEY);
    if (!host)
        h = curl_slist_append(h, "Host: localhost");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    buf b = {NULL, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    out->body = b.p ? b.p : calloc(1, 1);
    if (b.n)
        out->json = json_loads(out->body, 0, NULL);
    return rc == CURLE_OK ? 0 : -1;
}

void resp_free(resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

int resp_header(const resp *r, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    for (const char *p = r->headers; *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(out, size, "%.*s", (int)(len - (size_t)(v - p)), v);
            return 1;
        }
        if (!eol)
            break;
        p = eol + 2;
    }
    return 0;
}

int resp_code(const resp *r)
{
    return (int)json_integer_value(json_object_get(json_object_get(r->json, "error"), "code"));
}

static int on_ws_data(struct mg_connection *c, int flags, char *data, size_t len, void *ud)
{
    (void)c;
    wsc *w = ud;
    if ((flags & 0x0f) != MG_WEBSOCKET_OPCODE_TEXT)
        return 1;
    json_t *m = json_loadb(data, len, 0, NULL);
    pthread_mutex_lock(&w->m);
    if (m)
        json_array_append_new(w->msgs, m);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->m);
    return 1;
}

static void on_ws_close(const struct mg_connection *c, void *ud)
{
    (void)c;
    wsc *w = ud;
    pthread_mutex_lock(&w->m);
    w->closed = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->m);
}

wsc *wsc_open(const svc *s, const char *path, const char *origin, char *err, size_t errsz)
{
    wsc *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    pthread_mutex_init(&w->m, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->msgs = json_array();
    w->c = mg_connect_websocket_client("localhost", s->port, s->tls, err, errsz, path, origin,
                                       on_ws_data, on_ws_close, w);
    if (!w->c) {
        json_decref(w->msgs);
        free(w);
        return NULL;
    }
    return w;
}

int wsc_send(wsc *w, const char *fmt, ...)
{
    char txt[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(txt, sizeof(txt), fmt, ap);
    va_end(ap);
    return mg_websocket_client_write(w->c, MG_WEBSOCKET_OPCODE_TEXT, txt, strlen(txt)) > 0 ? 0 : -1;
}

json_t *wsc_wait(wsc *w, const char *type, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    json_t *found = NULL;
    pthread_mutex_lock(&w->m);
    for (;;) {
        for (size_t i = 0; i < json_array_size(w->msgs); i++) {
            json_t *m = json_array_get(w->msgs, i);
            const char *t = json_string_value(json_object_get(m, "type"));
            if (t && strcmp(t, type) == 0) {
                found = json_incref(m);
                json_array_remove(w->msgs, i);
                break;
            }
        }
        if (found || w->closed)
            break;
        if (pthread_cond_timedwait(&w->cv, &w->m, &dl) != 0)
            break;
    }
    pthread_mutex_unlock(&w->m);
    return found;
}

int wsc_auth(wsc *w)
{
    if (wsc_send(w, "{\"type\":\"auth\",\"apiKey\":\"%s\"}", SVC_KEY) != 0)
        return -1;
    json_t *m = wsc_wait(w, "auth:success", 5000);
    int ok = m != NULL;
    json_decref(m);
    return ok ? 0 : -1;
}

void wsc_close(wsc *w)
{
    if (!w)
        return;
    mg_close_connection(w->c);
    json_decref(w->msgs);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->m);
    free(w);
}
