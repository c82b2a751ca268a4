/* SPDX-License-Identifier: Apache-2.0 */
/* A simulated Attendance PUSH 2.x terminal (see pushsim.h). Wire text goes through the libzkbio
 * PUSH codec. */
#include "pushsim.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "zkbio/push.h"

#define DEFAULT_FIRMWARE   "Ver 8.0.4.7-zkbio-sim"
#define DEFAULT_TIMEOUT_MS 10000L
#define ATTLOG_BATCH       100 /* lines per ATTLOG post, as firmware sends */

/* ----------------------------------------------------------------------------------------------------------
 */
/* Small helpers */
/* ----------------------------------------------------------------------------------------------------------
 */

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static int sb_reserve(strbuf *sb, size_t extra)
{
    if (sb->cap - sb->len > extra)
        return 0;
    size_t cap = sb->cap ? sb->cap : 1024;
    while (cap - sb->len <= extra)
        cap *= 2;
    char *p = realloc(sb->p, cap);
    if (!p)
        return ZKBIO_ENOMEM;
    sb->p = p;
    sb->cap = cap;
    sb->p[sb->len] = '\0';
    return 0;
}

static int sb_add(strbuf *sb, const char *s, size_t n)
{
    if (sb_reserve(sb, n + 1) != 0)
        return ZKBIO_ENOMEM;
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
    return 0;
}

static int sb_puts(strbuf *sb, const char *s)
{
    return sb_add(sb, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(sb, (size_t)n + 1) != 0)
        return ZKBIO_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return 0;
}

/* Append what a codec formatter writes: try in the room left, grow to the size it asks for, try
 * again. */
#define SB_FORMAT(sb, rc, fn, ...)                                                                 \
    do {                                                                                           \
        size_t n_ = 0;                                                                             \
        (rc) = sb_reserve((sb), 512);                                                              \
        if ((rc) == 0)                                                                             \
            (rc) = fn(__VA_ARGS__, (sb)->p + (sb)->len, (sb)->cap - (sb)->len, &n_);               \
        if ((rc) == ZKBIO_ENOSPC && sb_reserve((sb), n_ + 1) == 0)                                 \
            (rc) = fn(__VA_ARGS__, (sb)->p + (sb)->len, (sb)->cap - (sb)->len, &n_);               \
        if ((rc) == 0)                                                                             \
            (sb)->len += n_;                                                                       \
    } while (0)

static int grow(void **p, size_t *cap, size_t need, size_t elsize)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elsize);
    if (!q)
        return ZKBIO_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

static int streq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void now_text(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* State */
/* ----------------------------------------------------------------------------------------------------------
 */

typedef struct kv {
    char *k, *v;
} kv;

typedef struct user_row {
    pushsim_user u;
    int dirty, mark;
} user_row;

typedef struct tmpl_row {
    pushsim_template t;
    int dirty, mark;
} tmpl_row;

typedef struct photo_row {
    pushsim_photo p;
    int dirty, mark;
} photo_row;

struct pushsim {
    char *url;
    char sn[ZKBIO_PUSH_SN_MAX + 1];
    char *firmware;
    int keep_alive;
    long timeout_ms;
    int verbose;
    CURL *curl;

    /* last exchange */
    long status;
    strbuf reply;
    int saw_date;
    char err[256];

    kv *sopt; /* handshake reply */
    size_t n_sopt, cap_sopt;
    kv *opt; /* SET OPTION */
    size_t n_opt, cap_opt;

    user_row *users;
    size_t n_users, cap_users;
    tmpl_row *tmpls;
    size_t n_tmpls, cap_tmpls;
    photo_row *photos;
    size_t n_photos, cap_photos;
    pushsim_punch *punches;
    size_t n_punches, cap_punches;
    pushsim_cmd_entry *cmds;
    size_t n_cmds, cap_cmds;
    char **applied; /* distinct command ids applied */
    size_t n_applied, cap_applied;
    size_t duplicates;

    unsigned long stamp_att, stamp_op, stamp_bio;
    int drop_ack, lose_att, fail_count;
    int32_t fail_ret;
    unsigned handshakes;
    int need_handshake;
};

static int curl_ready;

int pushsim_global_init(void)
{
    if (curl_ready)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ZKBIO_EIO;
    curl_ready = 1;
    return 0;
}

void pushsim_global_cleanup(void)
{
    if (curl_ready)
        curl_global_cleanup();
    curl_ready = 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(pushsim *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
    if (s->verbose)
        fprintf(stderr, "[%s] error: %s\n", s->sn, s->err);
    return rc;
}

static int set_url(pushsim *s, const char *url)
{
    if (!url || strncmp(url, "http", 4) != 0)
        return ZKBIO_EINVAL;
    char *u = strdup(url);
    if (!u)
        return ZKBIO_ENOMEM;
    size_t n = strlen(u);
    while (n && u[n - 1] == '/')
        u[--n] = '\0';
    free(s->url);
    s->url = u;
    return 0;
}

int pushsim_set_url(pushsim *sim, const char *url)
{
    if (!sim)
        return ZKBIO_EINVAL;
    return set_url(sim, url);
}

int pushsim_new(const pushsim_config *cfg, pushsim **out)
{
    if (!cfg || !out || !cfg->url || !cfg->sn || !zkbio_push_sn_valid(cfg->sn))
        return ZKBIO_EINVAL;
    if (pushsim_global_init() != 0)
        return ZKBIO_EIO;
    pushsim *s = calloc(1, sizeof(*s));
    if (!s)
        return ZKBIO_ENOMEM;
    int rc = set_url(s, cfg->url);
    if (rc != 0) {
        free(s);
        return rc;
    }
    snprintf(s->sn, sizeof(s->sn), "%s", cfg->sn);
    s->firmware = xstrdup(cfg->firmware ? cfg->firmware : DEFAULT_FIRMWARE);
    s->keep_alive = cfg->keep_alive;
    s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    s->verbose = cfg->verbose;
    s->curl = curl_easy_init();
    s->stamp_att = s->stamp_op = s->stamp_bio = 1;
    if (!s->firmware || !s->curl || sb_reserve(&s->reply, 64) != 0) {
        rc = s->curl ? ZKBIO_ENOMEM : ZKBIO_EIO;
        pushsim_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static void free_user(pushsim_user *u)
{
    free(u->pin);
    free(u->name);
    free(u->password);
    free(u->card);
    free(u->group);
    free(u->tz);
}

static void free_tmpl(pushsim_template *t)
{
    free(t->pin);
    free(t->tmp);
}

static void free_kvs(kv *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].k);
        free(a[i].v);
    }
}

void pushsim_free(pushsim *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    free(s->url);
    free(s->firmware);
    free(s->reply.p);
    free_kvs(s->sopt, s->n_sopt);
    free(s->sopt);
    free_kvs(s->opt, s->n_opt);
    free(s->opt);
    for (size_t i = 0; i < s->n_users; i++)
        free_user(&s->users[i].u);
    free(s->users);
    for (size_t i = 0; i < s->n_tmpls; i++)
        free_tmpl(&s->tmpls[i].t);
    free(s->tmpls);
    for (size_t i = 0; i < s->n_photos; i++) {
        free(s->photos[i].p.pin);
        free(s->photos[i].p.content);
    }
    free(s->photos);
    for (size_t i = 0; i < s->n_punches; i++)
        free(s->punches[i].pin);
    free(s->punches);
    for (size_t i = 0; i < s->n_cmds; i++) {
        free(s->cmds[i].id);
        free(s->cmds[i].text);
    }
    free(s->cmds);
    for (size_t i = 0; i < s->n_applied; i++)
        free(s->applied[i]);
    free(s->applied);
    free(s);
}

const char *pushsim_sn(const pushsim *sim)
{
    return sim ? sim->sn : "";
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* HTTP */
/* ----------------------------------------------------------------------------------------------------------
 */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    pushsim *s = userdata;
    size_t n = size * nmemb;
    if (sb_add(&s->reply, data, n) != 0)
        return 0; /* makes curl fail with a write error */
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    pushsim *s = userdata;
    size_t n = size * nmemb;
    if (n >= 5 && strncasecmp(data, "Date:", 5) == 0) {
        const char *v = data + 5;
        while (v < data + n && (*v == ' ' || *v == '\t'))
            v++;
        if (v < data + n && *v != '\r' && *v != '\n')
            s->saw_date = 1;
    }
    return n;
}

/* One exchange. `path` is appended to the base URL (it starts with "/iclock/"). body == NULL means
 * GET. Returns 0 on HTTP 200, else the error of the file comment of pushsim.h. With `any_status`,
 * every status with a Date header returns 0. */
static int http(pushsim *s, const char *path, const char *body, size_t len, int any_status)
{
    s->status = 0;
    s->reply.len = 0;
    s->reply.p[0] = '\0';
    s->saw_date = 0;
    s->err[0] = '\0';

    strbuf url = {0};
    if (sb_puts(&url, s->url) != 0 || sb_puts(&url, path) != 0) {
        free(url.p);
        return fail(s, ZKBIO_ENOMEM, "out of memory");
    }
    struct curl_slist *h = NULL, *t;
    const char *hdrs[] = {"Accept: */*", "Expect:", body ? "Content-Type: text/plain" : NULL, NULL};
    for (size_t i = 0; hdrs[i]; i++) {
        t = curl_slist_append(h, hdrs[i]);
        if (!t)
            break;
        h = t;
    }
    if (!s->keep_alive && (t = curl_slist_append(h, "Connection: close")) != NULL)
        h = t;

    CURL *c = s->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.p);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "iClock Proxy/1.09");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    if (!s->keep_alive)
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(h);
    if (cc != CURLE_OK) {
        int rc = cc == CURLE_OPERATION_TIMEDOUT ? ZKBIO_ETIMEDOUT : ZKBIO_ECONN;
        fail(s, rc, "%s %s%s: %s", body ? "POST" : "GET", s->url, path, curl_easy_strerror(cc));
        free(url.p);
        return rc;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
    if (s->verbose)
        fprintf(stderr, "[%s] %s %s (%zu bytes) -> %ld %.*s\n", s->sn, body ? "POST" : "GET", path,
                len, s->status, (int)(s->reply.len > 200 ? 200 : s->reply.len), s->reply.p);
    free(url.p);
    if (!s->saw_date)
        return fail(s, ZKBIO_EPROTO, "%s %s: HTTP %ld answer without a Date header",
                    body ? "POST" : "GET", path, s->status);
    if (s->status == 200 || any_status)
        return 0;
    int rc = s->status == 403   ? ZKBIO_EACCES
             : s->status == 413 ? ZKBIO_ETOOBIG
             : s->status == 503 ? ZKBIO_EUNAVAIL
                                : ZKBIO_EPROTO;
    return fail(s, rc, "%s %s: HTTP %ld %.*s", body ? "POST" : "GET", path, s->status,
                (int)(s->reply.len > 120 ? 120 : s->reply.len), s->reply.p);
}

long pushsim_last_status(const pushsim *sim)
{
    return sim ? sim->status : 0;
}

const char *pushsim_last_reply(const pushsim *sim)
{
    return sim && sim->reply.p ? sim->reply.p : "";
}

long pushsim_last_ok_count(const pushsim *sim)
{
    const char *r = pushsim_last_reply(sim);
    if (strncmp(r, "OK:", 3) != 0)
        return -1;
    char *end;
    errno = 0;
    long n = strtol(r + 3, &end, 10);
    if (end == r + 3 || errno || n < 0)
        return -1;
    while (*end == ' ' || *end == '\r' || *end == '\n')
        end++;
    return *end ? -1 : n;
}

const char *pushsim_last_error(const pushsim *sim)
{
    return sim ? sim->err : "";
}

/* POST an upload body to table=`table` and add its `OK: <n>` to *accepted. */
static int post_table(pushsim *s, const char *table, unsigned long *stamp, const char *body,
                      size_t len, size_t *accepted)
{
    char path[160];
    if (stamp)
        snprintf(path, sizeof(path), "/iclock/cdata?SN=%s&table=%s&Stamp=%lu", s->sn, table,
                 *stamp);
    else
        snprintf(path, sizeof(path), "/iclock/cdata?SN=%s&table=%s", s->sn, table);
    int rc = http(s, path, body, len, 0);
    if (rc != 0)
        return rc;
    if (stamp)
        (*stamp)++;
    if (accepted) {
        long n = pushsim_last_ok_count(s);
        if (n < 0)
            return fail(s, ZKBIO_EPROTO, "table=%s: expected 'OK: <n>', got '%.60s'", table,
                        s->reply.p);
        *accepted += (size_t)n;
    }
    return 0;
}

int pushsim_post_raw(pushsim *sim, const char *table, const char *body, size_t len)
{
    if (!sim || !table || (!body && len))
        return ZKBIO_EINVAL;
    char path[160];
    char *t = curl_easy_escape(sim->curl, table, 0);
    if (!t)
        return ZKBIO_ENOMEM;
    snprintf(path, sizeof(path), "/iclock/cdata?SN=%s&table=%s&Stamp=%lu", sim->sn, t,
             sim->stamp_op);
    curl_free(t);
    return http(sim, path, body ? body : "", len, 1);
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* Handshake and options */
/* ----------------------------------------------------------------------------------------------------------
 */

static int kv_set(kv **arr, size_t *n, size_t *cap, const char *k, size_t kl, const char *v,
                  size_t vl)
{
    for (size_t i = 0; i < *n; i++) {
        if (strlen((*arr)[i].k) == kl && strncasecmp((*arr)[i].k, k, kl) == 0) {
            char *nv = strndup(v, vl);
            if (!nv)
                return ZKBIO_ENOMEM;
            free((*arr)[i].v);
            (*arr)[i].v = nv;
            return 0;
        }
    }
    if (grow((void **)arr, cap, *n + 1, sizeof(kv)) != 0)
        return ZKBIO_ENOMEM;
    char *nk = strndup(k, kl), *nv = strndup(v, vl);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return ZKBIO_ENOMEM;
    }
    (*arr)[*n].k = nk;
    (*arr)[*n].v = nv;
    (*n)++;
    return 0;
}

static const char *kv_get(const kv *arr, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(arr[i].k, k) == 0)
            return arr[i].v;
    return NULL;
}

int pushsim_handshake(pushsim *s)
{
    if (!s)
        return ZKBIO_EINVAL;
    char path[160];
    snprintf(path, sizeof(path), "/iclock/cdata?SN=%s&options=all&pushver=2.4.1&language=69",
             s->sn);
    int rc = http(s, path, NULL, 0, 0);
    if (rc != 0)
        return rc;
    s->handshakes++;
    s->need_handshake = 0;
    const char *p = s->reply.p, *end = s->reply.p + s->reply.len;
    char first[80];
    snprintf(first, sizeof(first), "GET OPTION FROM: %s", s->sn);
    size_t fl = strlen(first);
    if ((size_t)(end - p) < fl || strncmp(p, first, fl) != 0 ||
        (p + fl < end && p[fl] != '\n' && p[fl] != '\r'))
        return fail(s, ZKBIO_EPROTO, "handshake reply does not start with '%s': '%.60s'", first, p);
    free_kvs(s->sopt, s->n_sopt);
    s->n_sopt = 0;
    p += fl;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *ve = le > p && le[-1] == '\r' ? le - 1 : le;
        const char *eq = memchr(p, '=', (size_t)(ve - p));
        if (eq && eq > p &&
            kv_set(&s->sopt, &s->n_sopt, &s->cap_sopt, p, (size_t)(eq - p), eq + 1,
                   (size_t)(ve - eq - 1)) != 0)
            return fail(s, ZKBIO_ENOMEM, "out of memory");
        p = nl ? nl + 1 : end;
    }
    return 0;
}

const char *pushsim_server_option(const pushsim *sim, const char *key)
{
    return sim && key ? kv_get(sim->sopt, sim->n_sopt, key) : NULL;
}

int pushsim_delay_s(const pushsim *sim)
{
    const char *d = pushsim_server_option(sim, "Delay");
    int v = d ? atoi(d) : 0;
    return v > 0 ? v : 10;
}

static size_t count_kind(const pushsim *s, pushsim_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_tmpls; i++)
        n += s->tmpls[i].t.kind == k ||
             (s->tmpls[i].t.kind == PUSHSIM_BIODATA && k == PUSHSIM_FP && s->tmpls[i].t.type == 1);
    return n;
}

static size_t count_faces(const pushsim *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_tmpls; i++) {
        const pushsim_template *t = &s->tmpls[i].t;
        n += t->kind == PUSHSIM_FACE ||
             (t->kind == PUSHSIM_BIODATA && (t->type == 2 || t->type == 9) && t->index == 0);
    }
    return n;
}

int pushsim_post_options(pushsim *s)
{
    if (!s)
        return ZKBIO_EINVAL;
    strbuf b = {0};
    int rc = sb_printf(&b,
                       "~DeviceName=zkbio-sim,MAC=00:17:61:%02x:%02x:%02x,TransactionCount=%zu,"
                       "~MaxUserCount=10000,~MaxAttLogCount=200000,~MaxUserFingerCount=10,"
                       "UserCount=%zu,FPCount=%zu,FaceCount=%zu,FPVersion=10,FaceVersion=7,"
                       "FWVersion=%s,PushVersion=Ver 2.4.1-zkbio-sim,FingerFunOn=1,FaceFunOn=1,"
                       "IPAddress=127.0.0.1,Platform=ZKBIO_SIM",
                       (unsigned)(fnv1a(s->sn, strlen(s->sn)) & 0xff),
                       (unsigned)((fnv1a(s->sn, strlen(s->sn)) >> 8) & 0xff),
                       (unsigned)((fnv1a(s->sn, strlen(s->sn)) >> 16) & 0xff), s->n_punches,
                       s->n_users, count_kind(s, PUSHSIM_FP), count_faces(s), s->firmware);
    if (rc == 0)
        rc = post_table(s, "options", NULL, b.p, b.len, NULL);
    else
        rc = fail(s, rc, "out of memory");
    free(b.p);
    return rc;
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* Local tables */
/* ----------------------------------------------------------------------------------------------------------
 */

static user_row *find_user(const pushsim *s, const char *pin)
{
    for (size_t i = 0; i < s->n_users; i++)
        if (strcmp(s->users[i].u.pin, pin) == 0)
            return &s->users[i];
    return NULL;
}

static int same_tmpl_key(const pushsim_template *a, const pushsim_template *b)
{
    return a->kind == b->kind && strcmp(a->pin, b->pin) == 0 && a->no == b->no &&
           a->index == b->index && (a->kind != PUSHSIM_BIODATA || a->type == b->type);
}

static tmpl_row *find_tmpl(const pushsim *s, const pushsim_template *key)
{
    for (size_t i = 0; i < s->n_tmpls; i++)
        if (same_tmpl_key(&s->tmpls[i].t, key))
            return &s->tmpls[i];
    return NULL;
}

static photo_row *find_photo(const pushsim *s, const char *pin)
{
    for (size_t i = 0; i < s->n_photos; i++)
        if (strcmp(s->photos[i].p.pin, pin) == 0)
            return &s->photos[i];
    return NULL;
}

static int put_user(pushsim *s, const pushsim_user *u, int dirty)
{
    if (!u || !u->pin || !*u->pin)
        return ZKBIO_EINVAL;
    pushsim_user n = {
        .pin = xstrdup(u->pin),
        .name = xstrdup(u->name),
        .privilege = u->privilege,
        .password = xstrdup(u->password),
        .card = xstrdup(u->card),
        .group = xstrdup(u->group),
        .tz = xstrdup(u->tz),
        .verify = u->verify,
    };
    if (!n.pin || !n.name || !n.password || !n.card || !n.group || !n.tz) {
        free_user(&n);
        return ZKBIO_ENOMEM;
    }
    user_row *r = find_user(s, u->pin);
    if (!r) {
        if (grow((void **)&s->users, &s->cap_users, s->n_users + 1, sizeof(user_row)) != 0) {
            free_user(&n);
            return ZKBIO_ENOMEM;
        }
        r = &s->users[s->n_users++];
    } else {
        free_user(&r->u);
    }
    r->u = n;
    r->dirty = dirty;
    r->mark = 0;
    return 0;
}

static int put_tmpl(pushsim *s, const pushsim_template *t, int dirty)
{
    if (!t || !t->pin || !*t->pin || !t->tmp || !*t->tmp || t->kind < PUSHSIM_FP ||
        t->kind > PUSHSIM_BIODATA)
        return ZKBIO_EINVAL;
    pushsim_template n = *t;
    n.pin = xstrdup(t->pin);
    n.tmp = xstrdup(t->tmp);
    if (!n.pin || !n.tmp) {
        free_tmpl(&n);
        return ZKBIO_ENOMEM;
    }
    tmpl_row *r = find_tmpl(s, t);
    if (!r) {
        if (grow((void **)&s->tmpls, &s->cap_tmpls, s->n_tmpls + 1, sizeof(tmpl_row)) != 0) {
            free_tmpl(&n);
            return ZKBIO_ENOMEM;
        }
        r = &s->tmpls[s->n_tmpls++];
    } else {
        free_tmpl(&r->t);
    }
    r->t = n;
    r->dirty = dirty;
    r->mark = 0;
    return 0;
}

static int put_photo(pushsim *s, const char *pin, const char *content, int dirty)
{
    if (!pin || !*pin || !content || !*content)
        return ZKBIO_EINVAL;
    char *c = strdup(content);
    if (!c)
        return ZKBIO_ENOMEM;
    photo_row *r = find_photo(s, pin);
    if (!r) {
        char *p = strdup(pin);
        if (!p ||
            grow((void **)&s->photos, &s->cap_photos, s->n_photos + 1, sizeof(photo_row)) != 0) {
            free(p);
            free(c);
            return ZKBIO_ENOMEM;
        }
        r = &s->photos[s->n_photos++];
        r->p.pin = p;
    } else {
        free(r->p.content);
    }
    r->p.content = c;
    r->dirty = dirty;
    r->mark = 0;
    return 0;
}

/* Remove templates matching pin / kind (0 = all) / no (-1 = all) / type (-1 = all). Returns how
 * many. */
static size_t del_tmpls(pushsim *s, const char *pin, pushsim_kind kind, int32_t no, int32_t type)
{
    size_t removed = 0, j = 0;
    for (size_t i = 0; i < s->n_tmpls; i++) {
        pushsim_template *t = &s->tmpls[i].t;
        int match = (!pin || strcmp(t->pin, pin) == 0) && (!kind || t->kind == kind) &&
                    (no < 0 || t->no == no) && (type < 0 || t->type == type);
        if (match) {
            free_tmpl(t);
            removed++;
        } else {
            s->tmpls[j++] = s->tmpls[i];
        }
    }
    s->n_tmpls = j;
    return removed;
}

static int del_photo(pushsim *s, const char *pin)
{
    photo_row *r = find_photo(s, pin);
    if (!r)
        return 0;
    free(r->p.pin);
    free(r->p.content);
    size_t i = (size_t)(r - s->photos);
    memmove(r, r + 1, (s->n_photos - i - 1) * sizeof(*r));
    s->n_photos--;
    return 1;
}

/* Delete a user with everything that belongs to them; 1 if the user existed. */
static int del_user(pushsim *s, const char *pin)
{
    user_row *r = find_user(s, pin);
    del_tmpls(s, pin, 0, -1, -1);
    del_photo(s, pin);
    if (!r)
        return 0;
    free_user(&r->u);
    size_t i = (size_t)(r - s->users);
    memmove(r, r + 1, (s->n_users - i - 1) * sizeof(*r));
    s->n_users--;
    return 1;
}

static void clear_punches(pushsim *s)
{
    for (size_t i = 0; i < s->n_punches; i++)
        free(s->punches[i].pin);
    s->n_punches = 0;
}

int pushsim_add_user(pushsim *sim, const pushsim_user *u)
{
    return sim ? put_user(sim, u, 1) : ZKBIO_EINVAL;
}

int pushsim_add_template(pushsim *sim, const pushsim_template *t)
{
    return sim ? put_tmpl(sim, t, 1) : ZKBIO_EINVAL;
}

int pushsim_add_photo(pushsim *sim, const char *pin, const char *content_b64)
{
    return sim ? put_photo(sim, pin, content_b64, 1) : ZKBIO_EINVAL;
}

static int valid_time(const char *t)
{
    int y, mo, d, h, mi, se;
    char tail;
    return t && strlen(t) == 19 &&
           sscanf(t, "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) == 6 &&
           mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 59;
}

int pushsim_add_punch(pushsim *sim, const char *pin, const char *time_text, int32_t status,
                      int32_t verify)
{
    if (!sim || !pin || !*pin || !valid_time(time_text))
        return ZKBIO_EINVAL;
    if (grow((void **)&sim->punches, &sim->cap_punches, sim->n_punches + 1,
             sizeof(pushsim_punch)) != 0)
        return ZKBIO_ENOMEM;
    pushsim_punch *p = &sim->punches[sim->n_punches];
    p->pin = strdup(pin);
    if (!p->pin)
        return ZKBIO_ENOMEM;
    snprintf(p->time, sizeof(p->time), "%s", time_text);
    p->status = status;
    p->verify = verify;
    p->uploaded = 0;
    sim->n_punches++;
    return 0;
}

char *pushsim_fake_b64(uint64_t seed, size_t bytes)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char *raw = malloc(bytes ? bytes : 1);
    char *out = malloc((bytes + 2) / 3 * 4 + 1);
    if (!raw || !out) {
        free(raw);
        free(out);
        return NULL;
    }
    uint64_t st = seed;
    for (size_t i = 0; i < bytes; i += 8) {
        uint64_t r = splitmix64(&st);
        for (size_t k = 0; k < 8 && i + k < bytes; k++)
            raw[i + k] = (unsigned char)(r >> (8 * k));
    }
    if (bytes >= 4) { /* look a little like a ZK template header */
        raw[0] = 'J';
        raw[1] = 'F';
        raw[2] = 'M';
        raw[3] = 0x53;
    }
    size_t o = 0;
    for (size_t i = 0; i < bytes; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16;
        if (i + 1 < bytes)
            v |= (uint32_t)raw[i + 1] << 8;
        if (i + 2 < bytes)
            v |= raw[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < bytes ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < bytes ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    free(raw);
    return out;
}

static uint64_t tmpl_seed(const char *pin, int kind, int no)
{
    return fnv1a(pin, strlen(pin)) ^ ((uint64_t)kind << 56) ^ ((uint64_t)(no + 1) << 40);
}

int pushsim_enroll_fake(pushsim *sim, long first_pin, size_t n_users, int fingers, int face)
{
    if (!sim || first_pin < 0 || fingers < 0 || fingers > 10)
        return ZKBIO_EINVAL;
    for (size_t i = 0; i < n_users; i++) {
        char pin[24], name[40];
        snprintf(pin, sizeof(pin), "%ld", first_pin + (long)i);
        snprintf(name, sizeof(name), "User %s", pin);
        pushsim_user u = {.pin = pin,
                          .name = name,
                          .privilege = 0,
                          .password = "",
                          .card = "",
                          .group = "1",
                          .tz = "0000000100000000",
                          .verify = -1};
        int rc = pushsim_add_user(sim, &u);
        for (int f = 0; rc == 0 && f < fingers + (face ? 1 : 0); f++) {
            int is_face = f == fingers;
            pushsim_template t = {.kind = is_face ? PUSHSIM_FACE : PUSHSIM_FP,
                                  .pin = pin,
                                  .no = is_face ? 0 : f,
                                  .index = 0,
                                  .type = is_face ? 2 : 1,
                                  .valid = 1,
                                  .duress = -1,
                                  .major_ver = -1,
                                  .minor_ver = -1,
                                  .format = -1};
            /* ZK FP v10 ~1.1 kB raw (≈1.5 kB base64); a NIR face template ~1.6 kB raw. */
            t.tmp = pushsim_fake_b64(tmpl_seed(pin, t.kind, t.no), is_face ? 1650 : 1150);
            if (!t.tmp)
                return ZKBIO_ENOMEM;
            rc = pushsim_add_template(sim, &t);
            free(t.tmp);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int pushsim_add_fake_punches(pushsim *sim, long first_pin, size_t n_pins, size_t n,
                             const char *start_time)
{
    if (!sim || n_pins == 0 || first_pin < 0)
        return ZKBIO_EINVAL;
    const char *st = start_time ? start_time : "2025-01-02 08:00:00";
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!valid_time(st) || sscanf(st, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return ZKBIO_EINVAL;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t base = timegm(&tm);
    for (size_t i = 0; i < n; i++) {
        time_t t = base + (time_t)i * 60;
        struct tm o;
        gmtime_r(&t, &o);
        char when[32], pin[24];
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &o);
        snprintf(pin, sizeof(pin), "%ld", first_pin + (long)(i % n_pins));
        int rc = pushsim_add_punch(sim, pin, when, (int32_t)(i % 2), 1);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* Uploads */
/* ----------------------------------------------------------------------------------------------------------
 */

static zkbio_push_rec_type rec_type_of(pushsim_kind k)
{
    switch (k) {
    case PUSHSIM_FP:
        return ZKBIO_PUSH_REC_FP;
    case PUSHSIM_FACE:
        return ZKBIO_PUSH_REC_FACE;
    case PUSHSIM_FVEIN:
        return ZKBIO_PUSH_REC_FVEIN;
    case PUSHSIM_BIODATA:
        return ZKBIO_PUSH_REC_BIODATA;
    }
    return ZKBIO_PUSH_REC_OTHER;
}

static int add_line_user(strbuf *b, const pushsim_user *u)
{
    zkbio_push_user pu = {.pin = u->pin,
                          .name = u->name,
                          .privilege = u->privilege,
                          .password = u->password,
                          .card = u->card,
                          .group = u->group,
                          .tz = u->tz,
                          .verify = u->verify,
                          .vice_card = "",
                          .start_datetime = "",
                          .end_datetime = ""};
    int rc;
    SB_FORMAT(b, rc, zkbio_push_user_format, &pu);
    return rc == 0 ? sb_puts(b, "\n") : rc;
}

static int add_line_tmpl(strbuf *b, const pushsim_template *t)
{
    zkbio_push_template pt = {.pin = t->pin,
                              .no = t->no,
                              .index = t->index,
                              .valid = t->valid,
                              .duress = t->duress,
                              .type = t->type,
                              .major_ver = t->major_ver,
                              .minor_ver = t->minor_ver,
                              .format = t->format,
                              .size = (int32_t)strlen(t->tmp),
                              .tmp = t->tmp};
    int rc;
    SB_FORMAT(b, rc, zkbio_push_template_format, rec_type_of(t->kind), &pt);
    return rc == 0 ? sb_puts(b, "\n") : rc;
}

static int add_line_photo(strbuf *b, const pushsim_photo *p)
{
    char file[64];
    snprintf(file, sizeof(file), "%s.jpg", p->pin);
    zkbio_push_photo pp = {.pin = p->pin,
                           .file_name = file,
                           .type = -1,
                           .size = (int32_t)strlen(p->content),
                           .content = p->content};
    int rc;
    SB_FORMAT(b, rc, zkbio_push_photo_format, ZKBIO_PUSH_REC_USERPIC, &pp);
    return rc == 0 ? sb_puts(b, "\n") : rc;
}

/* Put the user (when marked) and that user's marked non-BIODATA templates and photo into the
 * OPERLOG body. */
static int add_user_block(pushsim *s, strbuf *op, const char *pin, int with_user)
{
    int rc = 0;
    user_row *u = find_user(s, pin);
    if (with_user && u) {
        u->mark = 1;
        rc = add_line_user(op, &u->u);
    }
    for (size_t i = 0; rc == 0 && i < s->n_tmpls; i++) {
        tmpl_row *t = &s->tmpls[i];
        if (t->mark == 1 && t->t.kind != PUSHSIM_BIODATA && strcmp(t->t.pin, pin) == 0) {
            t->mark = 2; /* emitted */
            rc = add_line_tmpl(op, &t->t);
        }
    }
    photo_row *p = find_photo(s, pin);
    if (rc == 0 && p && p->mark == 1) {
        p->mark = 2;
        rc = add_line_photo(op, &p->p);
    }
    return rc;
}

/* Upload what is marked: users first, each followed by their templates/photo, then the rest;
 * BIODATA in its own table. Clears dirty flags of what was acknowledged. */
static int upload_marked(pushsim *s, size_t *accepted)
{
    strbuf op = {0}, bio = {0};
    int rc = 0;
    size_t acc = 0;
    for (size_t i = 0; rc == 0 && i < s->n_users; i++)
        if (s->users[i].mark)
            rc = add_user_block(s, &op, s->users[i].u.pin, 1);
    for (size_t i = 0; rc == 0 && i < s->n_tmpls; i++)
        if (s->tmpls[i].mark == 1 && s->tmpls[i].t.kind != PUSHSIM_BIODATA)
            rc = add_user_block(s, &op, s->tmpls[i].t.pin, 0);
    for (size_t i = 0; rc == 0 && i < s->n_photos; i++)
        if (s->photos[i].mark == 1)
            rc = add_user_block(s, &op, s->photos[i].p.pin, 0);
    for (size_t i = 0; rc == 0 && i < s->n_tmpls; i++)
        if (s->tmpls[i].mark == 1 && s->tmpls[i].t.kind == PUSHSIM_BIODATA) {
            s->tmpls[i].mark = 2;
            rc = add_line_tmpl(&bio, &s->tmpls[i].t);
        }
    if (rc != 0)
        rc = fail(s, rc, "formatting an upload failed: %s", zkbio_strerror(rc));
    if (rc == 0 && op.len)
        rc = post_table(s, "OPERLOG", &s->stamp_op, op.p, op.len, &acc);
    if (rc == 0 && bio.len)
        rc = post_table(s, "BIODATA", &s->stamp_bio, bio.p, bio.len, &acc);
    free(op.p);
    free(bio.p);
    for (size_t i = 0; i < s->n_users; i++) {
        if (rc == 0 && s->users[i].mark)
            s->users[i].dirty = 0;
        s->users[i].mark = 0;
    }
    for (size_t i = 0; i < s->n_tmpls; i++) {
        if (rc == 0 && s->tmpls[i].mark)
            s->tmpls[i].dirty = 0;
        s->tmpls[i].mark = 0;
    }
    for (size_t i = 0; i < s->n_photos; i++) {
        if (rc == 0 && s->photos[i].mark)
            s->photos[i].dirty = 0;
        s->photos[i].mark = 0;
    }
    if (rc == 0 && accepted)
        *accepted = acc;
    return rc;
}

int pushsim_upload_pending(pushsim *sim, size_t *accepted)
{
    if (!sim)
        return ZKBIO_EINVAL;
    for (size_t i = 0; i < sim->n_users; i++)
        sim->users[i].mark = sim->users[i].dirty;
    for (size_t i = 0; i < sim->n_tmpls; i++)
        sim->tmpls[i].mark = sim->tmpls[i].dirty;
    for (size_t i = 0; i < sim->n_photos; i++)
        sim->photos[i].mark = sim->photos[i].dirty;
    return upload_marked(sim, accepted);
}

int pushsim_upload_user(pushsim *sim, const char *pin, size_t *accepted)
{
    if (!sim || !pin)
        return ZKBIO_EINVAL;
    user_row *u = find_user(sim, pin);
    if (!u)
        return fail(sim, ZKBIO_ENOENT, "no user %s", pin);
    u->mark = 1;
    for (size_t i = 0; i < sim->n_tmpls; i++)
        sim->tmpls[i].mark = strcmp(sim->tmpls[i].t.pin, pin) == 0;
    photo_row *p = find_photo(sim, pin);
    if (p)
        p->mark = 1;
    return upload_marked(sim, accepted);
}

static int post_attlog(pushsim *s, const char *body, size_t len, size_t *acc)
{
    if (s->lose_att > 0) {
        s->lose_att--;
        unsigned long stamp = s->stamp_att;
        size_t ignored = 0;
        int rc =
            post_table(s, "ATTLOG", &stamp, body, len, &ignored); /* answer lost on the way back */
        if (rc == ZKBIO_ENOMEM)
            return rc;
    }
    return post_table(s, "ATTLOG", &s->stamp_att, body, len, acc);
}

int pushsim_upload_punches(pushsim *sim, size_t *accepted)
{
    if (!sim)
        return ZKBIO_EINVAL;
    size_t total = 0, i = 0;
    int rc = 0;
    strbuf b = {0};
    while (rc == 0) {
        while (i < sim->n_punches && sim->punches[i].uploaded)
            i++;
        if (i >= sim->n_punches)
            break;
        size_t idx[ATTLOG_BATCH], n = 0;
        b.len = 0;
        for (; i < sim->n_punches && n < ATTLOG_BATCH && rc == 0; i++) {
            pushsim_punch *p = &sim->punches[i];
            if (p->uploaded)
                continue;
            zkbio_push_attlog a = {.pin = p->pin,
                                   .time = p->time,
                                   .status = p->status,
                                   .verify = p->verify,
                                   .workcode = "0",
                                   .n_extra = 0,
                                   .extra = NULL};
            SB_FORMAT(&b, rc, zkbio_push_attlog_format, &a);
            if (rc == 0)
                rc = sb_puts(&b, "\n");
            idx[n++] = i;
        }
        if (rc != 0) {
            rc = fail(sim, rc, "formatting ATTLOG failed: %s", zkbio_strerror(rc));
            break;
        }
        size_t acc = 0;
        rc = post_attlog(sim, b.p, b.len, &acc);
        if (rc == 0) {
            for (size_t k = 0; k < n; k++)
                sim->punches[idx[k]].uploaded = 1;
            total += acc;
        }
    }
    free(b.p);
    if (accepted)
        *accepted = total;
    return rc;
}

void pushsim_unmark_punches(pushsim *sim, size_t first, size_t n)
{
    for (size_t i = first; sim && i < sim->n_punches && i - first < n; i++)
        sim->punches[i].uploaded = 0;
}

int pushsim_delete_user(pushsim *sim, const char *pin)
{
    if (!sim || !pin || !*pin)
        return ZKBIO_EINVAL;
    if (!del_user(sim, pin))
        return fail(sim, ZKBIO_ENOENT, "no user %s", pin);
    char when[20];
    now_text(when);
    strbuf b = {0};
    int rc;
    char *end;
    errno = 0;
    long long v1 = strtoll(pin, &end, 10);
    if (*end == '\0' && errno == 0) {
        zkbio_push_oplog o = {
            .op_type = 9, .admin = "0", .time = when, .v1 = v1, .v2 = 0, .v3 = 0, .reserved = 0};
        SB_FORMAT(&b, rc, zkbio_push_oplog_format, &o);
    } else { /* the OPLOG operand is numeric on firmware; keep the text PIN as is */
        rc = sb_printf(&b, "OPLOG 9\t0\t%s\t%s\t0\t0\t0", when, pin);
    }
    if (rc == 0)
        rc = sb_puts(&b, "\n");
    if (rc == 0)
        rc = post_table(sim, "OPERLOG", &sim->stamp_op, b.p, b.len, NULL);
    else
        rc = fail(sim, rc, "formatting OPLOG failed");
    free(b.p);
    return rc;
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* Commands */
/* ----------------------------------------------------------------------------------------------------------
 */

static int starts_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    return strncmp(text, word, n) == 0 && (text[n] == '\0' || text[n] == ' ' || text[n] == '\t' ||
                                           text[n] == '\n' || text[n] == '\r');
}

static int32_t cond_int(const zkbio_push_kvlist *c, const char *key)
{
    const char *v = c ? zkbio_push_kvlist_get(c, key) : NULL;
    return v && *v ? (int32_t)atol(v) : -1;
}

static int32_t apply_update(pushsim *s, const zkbio_push_data_cmd *dc)
{
    if (!dc->records)
        return -1;
    for (size_t i = 0; i < dc->records->count; i++) {
        const zkbio_push_record *r = &dc->records->records[i];
        int rc = 0;
        switch (r->type) {
        case ZKBIO_PUSH_REC_USER: {
            const zkbio_push_user *pu = &r->u.user;
            pushsim_user u = {.pin = (char *)pu->pin,
                              .name = (char *)pu->name,
                              .privilege = pu->privilege,
                              .password = (char *)pu->password,
                              .card = (char *)pu->card,
                              .group = (char *)pu->group,
                              .tz = (char *)pu->tz,
                              .verify = pu->verify};
            rc = put_user(s, &u, 0);
            break;
        }
        case ZKBIO_PUSH_REC_FP:
        case ZKBIO_PUSH_REC_FACE:
        case ZKBIO_PUSH_REC_FVEIN:
        case ZKBIO_PUSH_REC_BIODATA: {
            const zkbio_push_template *pt = &r->u.tmpl;
            pushsim_template t = {.pin = (char *)pt->pin,
                                  .no = pt->no < 0 ? 0 : pt->no,
                                  .index = pt->index < 0 ? 0 : pt->index,
                                  .type = pt->type,
                                  .valid = pt->valid,
                                  .duress = pt->duress,
                                  .major_ver = pt->major_ver,
                                  .minor_ver = pt->minor_ver,
                                  .format = pt->format,
                                  .tmp = (char *)pt->tmp};
            if (pt->size >= 0 && (size_t)pt->size != strlen(pt->tmp))
                return -9; /* template data length differs from Size (Appendix 1) */
            if (r->type == ZKBIO_PUSH_REC_FP) {
                t.kind = PUSHSIM_FP;
                t.index = 0;
                t.type = 1;
            } else if (r->type == ZKBIO_PUSH_REC_FACE) {
                t.kind = PUSHSIM_FACE;
                t.index = 0;
                t.type = pt->type >= 0 ? pt->type : 2;
            } else if (r->type == ZKBIO_PUSH_REC_FVEIN) {
                t.kind = PUSHSIM_FVEIN;
                t.type = 7;
            } else {
                t.kind = PUSHSIM_BIODATA;
            }
            rc = put_tmpl(s, &t, 0);
            break;
        }
        case ZKBIO_PUSH_REC_USERPIC:
            rc = put_photo(s, r->u.photo.pin, r->u.photo.content, 0);
            break;
        default: /* BIOPHOTO and others: accepted, not modelled */
            break;
        }
        if (rc == ZKBIO_ENOMEM)
            return -1007; /* memory error */
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int32_t apply_delete(pushsim *s, const zkbio_push_data_cmd *dc)
{
    const char *pin = dc->cond ? zkbio_push_kvlist_get(dc->cond, "PIN") : NULL;
    switch (dc->table) {
    case ZKBIO_PUSH_DT_USERINFO:
        if (!pin || !*pin)
            return -1;
        del_user(s, pin);
        return 0;
    case ZKBIO_PUSH_DT_FINGERTMP:
        if (!pin || !*pin)
            return -1;
        del_tmpls(s, pin, PUSHSIM_FP, cond_int(dc->cond, "FID"), -1);
        return 0;
    case ZKBIO_PUSH_DT_FACE:
        if (!pin || !*pin)
            return -1;
        del_tmpls(s, pin, PUSHSIM_FACE, -1, -1);
        return 0;
    case ZKBIO_PUSH_DT_FVEIN:
        if (!pin || !*pin)
            return -1;
        del_tmpls(s, pin, PUSHSIM_FVEIN, cond_int(dc->cond, "FID"), -1);
        return 0;
    case ZKBIO_PUSH_DT_BIODATA:
        if (!pin || !*pin)
            return -1;
        del_tmpls(s, pin, PUSHSIM_BIODATA, cond_int(dc->cond, "No"), cond_int(dc->cond, "Type"));
        return 0;
    case ZKBIO_PUSH_DT_USERPIC:
        if (!pin || !*pin)
            return -1;
        del_photo(s, pin);
        return 0;
    case ZKBIO_PUSH_DT_ATTLOG:
        clear_punches(s);
        return 0;
    default:
        return 0;
    }
}

/* Apply one command; writes its result line(s) (no final LF) to `res`. */
static int apply_command(pushsim *s, const char *id, const char *text, int32_t *ret_out,
                         strbuf *res)
{
    int32_t ret = 0;
    char cmd[32] = "";
    strbuf extra = {0};
    int rc = 0;

    if (starts_word(text, "DATA"))
        snprintf(cmd, sizeof(cmd), "DATA");
    else if (starts_word(text, "CLEAR")) {
        const char *w = text + 6;
        size_t n = strcspn(w, " \t\r\n");
        snprintf(cmd, sizeof(cmd), "CLEAR_%.*s", (int)(n > 20 ? 20 : n), w);
    } else if (starts_word(text, "SET") || starts_word(text, "RELOAD") ||
               starts_word(text, "VERIFY")) {
        const char *sp = strchr(text, ' ');
        size_t n = sp ? strcspn(sp + 1, " \t\r\n") + (size_t)(sp - text) + 1 : strlen(text);
        snprintf(cmd, sizeof(cmd), "%.*s", (int)(n > 30 ? 30 : n), text);
    } else {
        size_t n = strcspn(text, " \t\r\n");
        snprintf(cmd, sizeof(cmd), "%.*s", (int)(n > 30 ? 30 : n), text);
    }

    if (s->fail_count != 0) {
        if (s->fail_count > 0)
            s->fail_count--;
        ret = s->fail_ret;
    } else if (starts_word(text, "DATA")) {
        zkbio_push_data_cmd *dc = NULL;
        int prc = zkbio_push_data_cmd_parse(text, strlen(text), &dc);
        if (prc == ZKBIO_ENOMEM)
            ret = -1007;
        else if (prc != 0)
            ret = -1002; /* invalid syntax, as firmware answers (push.md §4.3) */
        else if (dc->verb == ZKBIO_PUSH_DATA_UPDATE)
            ret = apply_update(s, dc);
        else if (dc->verb == ZKBIO_PUSH_DATA_DELETE)
            ret = apply_delete(s, dc);
        else
            ret = 0; /* QUERY: results would follow as uploads; nothing to add for a simulator */
        zkbio_push_data_cmd_free(dc);
    } else if (strcmp(text, "CHECK") == 0 || strcmp(text, "REBOOT") == 0) {
        s->need_handshake = 1;
    } else if (strcmp(text, "INFO") == 0) {
        size_t fp = count_kind(s, PUSHSIM_FP), faces = count_faces(s);
        rc = sb_printf(
            &extra,
            "\nDeviceName=zkbio-sim\nMAC=00:17:61:00:00:01\nTransactionCount=%zu\nUserCount=%zu"
            "\nFPCount=%zu\nFaceCount=%zu\nFWVersion=%s\nFPVersion=10\nFaceVersion=7"
            "\nIPAddress=127.0.0.1\nPushVersion=Ver 2.4.1-zkbio-sim",
            s->n_punches, s->n_users, fp, faces, s->firmware);
    } else if (strcmp(text, "CLEAR LOG") == 0) {
        clear_punches(s);
    } else if (strcmp(text, "CLEAR DATA") == 0) {
        clear_punches(s);
        while (s->n_users)
            del_user(s, s->users[0].u.pin);
        del_tmpls(s, NULL, 0, -1, -1);
        while (s->n_photos)
            del_photo(s, s->photos[0].p.pin);
    } else if (strcmp(text, "CLEAR BIODATA") == 0) {
        del_tmpls(s, NULL, 0, -1, -1);
    } else if (strcmp(text, "CLEAR PHOTO") == 0 || strcmp(text, "LOG") == 0 ||
               strcmp(text, "RELOAD OPTIONS") == 0 || strcmp(text, "AC_UNLOCK") == 0 ||
               strcmp(text, "AC_UNALARM") == 0) {
        ret = 0;
    } else if (strncmp(text, "SET OPTION ", 11) == 0) {
        const char *k = text + 11, *eq = strchr(k, '=');
        if (!eq || eq == k)
            ret = -1;
        else if (kv_set(&s->opt, &s->n_opt, &s->cap_opt, k, (size_t)(eq - k), eq + 1,
                        strlen(eq + 1)) != 0)
            ret = -1007;
    } else if (strncmp(text, "VERIFY SUM ATTLOG", 17) == 0) {
        rc = sb_printf(&extra, "&AttlogSum=%zu", s->n_punches);
    } else if (starts_word(text, "ENROLL_FP") || starts_word(text, "ENROLL_BIO")) {
        ret = 6; /* nobody at the simulated sensor: enrollment cancelled (push.md §4.3) */
    } else {
        ret = -1002; /* unknown or unsupported command */
    }

    char line[128];
    size_t n = 0;
    if (rc == 0)
        rc = zkbio_push_cmd_result_format(id, ret, cmd, line, sizeof(line), &n);
    if (rc == 0 && res->len)
        rc = sb_puts(res, "\n");
    if (rc == 0)
        rc = sb_add(res, line, n);
    if (rc == 0 && extra.len && ret == 0)
        rc = sb_add(res, extra.p, extra.len);
    free(extra.p);
    *ret_out = ret;
    return rc;
}

static int log_command(pushsim *s, const char *id, const char *text)
{
    if (grow((void **)&s->cmds, &s->cap_cmds, s->n_cmds + 1, sizeof(pushsim_cmd_entry)) != 0)
        return ZKBIO_ENOMEM;
    pushsim_cmd_entry *e = &s->cmds[s->n_cmds];
    e->id = strdup(id);
    e->text = strdup(text);
    e->ret = 0;
    e->acked = 0;
    if (!e->id || !e->text) {
        free(e->id);
        free(e->text);
        return ZKBIO_ENOMEM;
    }
    s->n_cmds++;
    for (size_t i = 0; i < s->n_applied; i++)
        if (strcmp(s->applied[i], id) == 0) {
            s->duplicates++;
            return 0;
        }
    if (grow((void **)&s->applied, &s->cap_applied, s->n_applied + 1, sizeof(char *)) != 0)
        return ZKBIO_ENOMEM;
    if (!(s->applied[s->n_applied] = strdup(id)))
        return ZKBIO_ENOMEM;
    s->n_applied++;
    return 0;
}

int pushsim_poll(pushsim *s, size_t *n_out)
{
    if (!s)
        return ZKBIO_EINVAL;
    if (n_out)
        *n_out = 0;
    if (s->need_handshake) {
        int hrc = pushsim_handshake(s);
        if (hrc != 0)
            return hrc;
    }
    size_t fp = count_kind(s, PUSHSIM_FP), faces = count_faces(s);
    char info[256];
    snprintf(info, sizeof(info), "%s,%zu,%zu,%zu,127.0.0.1,10,7,15,%zu,111", s->firmware,
             s->n_users, fp, s->n_punches, faces);
    char *esc = curl_easy_escape(s->curl, info, 0);
    if (!esc)
        return fail(s, ZKBIO_ENOMEM, "out of memory");
    char path[512];
    snprintf(path, sizeof(path), "/iclock/getrequest?SN=%s&INFO=%s", s->sn, esc);
    curl_free(esc);
    int rc = http(s, path, NULL, 0, 0);
    if (rc != 0)
        return rc;

    const char *body = s->reply.p;
    size_t len = s->reply.len;
    while (len && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
        len--;
    if (len == 2 && memcmp(body, "OK", 2) == 0)
        return 0;
    zkbio_push_commands *cmds = NULL;
    rc = zkbio_push_commands_parse(s->reply.p, s->reply.len, &cmds);
    if (rc != 0)
        return fail(s, rc == ZKBIO_ENOMEM ? rc : ZKBIO_EPROTO,
                    "unparsable getrequest reply (%s): '%.80s'", zkbio_strerror(rc), s->reply.p);
    strbuf res = {0};
    size_t first = s->n_cmds;
    for (size_t i = 0; rc == 0 && i < cmds->count; i++) {
        rc = log_command(s, cmds->cmds[i].id, cmds->cmds[i].text);
        if (rc == 0)
            rc = apply_command(s, cmds->cmds[i].id, cmds->cmds[i].text, &s->cmds[s->n_cmds - 1].ret,
                               &res);
    }
    size_t count = cmds->count;
    zkbio_push_commands_free(cmds);
    if (rc != 0) {
        free(res.p);
        return fail(s, rc, "applying commands: %s", zkbio_strerror(rc));
    }
    if (n_out)
        *n_out = count;
    if (count == 0) {
        free(res.p);
        return 0;
    }
    if (s->drop_ack > 0) {
        s->drop_ack--;
        if (s->verbose)
            fprintf(stderr, "[%s] fault: results of %zu command(s) not posted\n", s->sn, count);
    } else {
        char dpath[96];
        snprintf(dpath, sizeof(dpath), "/iclock/devicecmd?SN=%s", s->sn);
        rc = http(s, dpath, res.p, res.len, 0);
        if (rc == 0)
            for (size_t i = first; i < s->n_cmds; i++)
                s->cmds[i].acked = 1;
    }
    free(res.p);
    if (rc == 0 && s->need_handshake)
        rc = pushsim_handshake(s);
    return rc;
}

int pushsim_poll_until_quiet(pushsim *sim, int quiet, int max_polls, int delay_ms, size_t *total)
{
    if (!sim || quiet < 1 || max_polls < 1)
        return ZKBIO_EINVAL;
    size_t sum = 0;
    int calm = 0;
    for (int i = 0; i < max_polls; i++) {
        size_t n = 0;
        int rc = pushsim_poll(sim, &n);
        if (rc != 0) {
            if (total)
                *total = sum;
            return rc;
        }
        sum += n;
        calm = n ? 0 : calm + 1;
        if (calm >= quiet) {
            if (total)
                *total = sum;
            return 0;
        }
        if (!n && delay_ms > 0) {
            struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
        }
    }
    if (total)
        *total = sum;
    return fail(sim, ZKBIO_ETIMEDOUT, "still receiving commands after %d polls", max_polls);
}

int pushsim_set_fault(pushsim *sim, pushsim_fault fault, int arg)
{
    if (!sim)
        return ZKBIO_EINVAL;
    int n = arg > 0 ? arg : 1;
    switch (fault) {
    case PUSHSIM_FAULT_DROP_ACK:
        sim->drop_ack = n;
        return 0;
    case PUSHSIM_FAULT_LOSE_ATTLOG_REPLY:
        sim->lose_att = n;
        return 0;
    case PUSHSIM_FAULT_FAIL_CMD:
        sim->fail_count = 1;
        sim->fail_ret = arg;
        return 0;
    }
    return ZKBIO_EINVAL;
}

void pushsim_set_fail(pushsim *sim, int count, int32_t ret)
{
    if (!sim)
        return;
    sim->fail_count = count;
    sim->fail_ret = ret;
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* Getters */
/* ----------------------------------------------------------------------------------------------------------
 */

size_t pushsim_user_count(const pushsim *sim)
{
    return sim ? sim->n_users : 0;
}

const pushsim_user *pushsim_user_at(const pushsim *sim, size_t i)
{
    return sim && i < sim->n_users ? &sim->users[i].u : NULL;
}

const pushsim_user *pushsim_find_user(const pushsim *sim, const char *pin)
{
    user_row *r = sim && pin ? find_user(sim, pin) : NULL;
    return r ? &r->u : NULL;
}

size_t pushsim_template_count(const pushsim *sim)
{
    return sim ? sim->n_tmpls : 0;
}

const pushsim_template *pushsim_template_at(const pushsim *sim, size_t i)
{
    return sim && i < sim->n_tmpls ? &sim->tmpls[i].t : NULL;
}

size_t pushsim_templates_of(const pushsim *sim, const char *pin)
{
    size_t n = 0;
    for (size_t i = 0; sim && pin && i < sim->n_tmpls; i++)
        n += strcmp(sim->tmpls[i].t.pin, pin) == 0;
    return n;
}

size_t pushsim_photo_count(const pushsim *sim)
{
    return sim ? sim->n_photos : 0;
}

const pushsim_photo *pushsim_photo_at(const pushsim *sim, size_t i)
{
    return sim && i < sim->n_photos ? &sim->photos[i].p : NULL;
}

size_t pushsim_punch_count(const pushsim *sim)
{
    return sim ? sim->n_punches : 0;
}

const pushsim_punch *pushsim_punch_at(const pushsim *sim, size_t i)
{
    return sim && i < sim->n_punches ? &sim->punches[i] : NULL;
}

size_t pushsim_cmd_count(const pushsim *sim)
{
    return sim ? sim->n_cmds : 0;
}

const pushsim_cmd_entry *pushsim_cmd_at(const pushsim *sim, size_t i)
{
    return sim && i < sim->n_cmds ? &sim->cmds[i] : NULL;
}

size_t pushsim_duplicate_cmd_count(const pushsim *sim)
{
    return sim ? sim->duplicates : 0;
}

unsigned pushsim_handshake_count(const pushsim *sim)
{
    return sim ? sim->handshakes : 0;
}

const char *pushsim_option(const pushsim *sim, const char *key)
{
    return sim && key ? kv_get(sim->opt, sim->n_opt, key) : NULL;
}

static const char *kind_name(pushsim_kind k)
{
    switch (k) {
    case PUSHSIM_FP:
        return "FP";
    case PUSHSIM_FACE:
        return "FACE";
    case PUSHSIM_FVEIN:
        return "FVEIN";
    case PUSHSIM_BIODATA:
        return "BIODATA";
    }
    return "?";
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
differ(char *diff, size_t size, const char *fmt, ...)
{
    if (diff && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diff, size, fmt, ap);
        va_end(ap);
    }
    return 0;
}

int pushsim_tables_equal(const pushsim *a, const pushsim *b, char *diff, size_t size)
{
    if (diff && size)
        diff[0] = '\0';
    if (!a || !b)
        return differ(diff, size, "NULL simulator");
    for (int pass = 0; pass < 2; pass++) {
        const pushsim *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; i < x->n_users; i++) {
            const pushsim_user *u = &x->users[i].u;
            const user_row *r = find_user(y, u->pin);
            if (!r)
                return differ(diff, size, "user %s is on %s but not on %s", u->pin, x->sn, y->sn);
            const pushsim_user *v = &r->u;
            if (pass == 0 &&
                (!streq(u->name, v->name) || u->privilege != v->privilege ||
                 !streq(u->password, v->password) || !streq(u->card, v->card) ||
                 !streq(u->group, v->group) || !streq(u->tz, v->tz) || u->verify != v->verify))
                return differ(diff, size,
                              "user %s differs: %s has name='%s' pri=%d card='%s' grp='%s' tz='%s' "
                              "verify=%d; "
                              "%s has name='%s' pri=%d card='%s' grp='%s' tz='%s' verify=%d",
                              u->pin, x->sn, u->name, u->privilege, u->card, u->group, u->tz,
                              u->verify, y->sn, v->name, v->privilege, v->card, v->group, v->tz,
                              v->verify);
        }
        for (size_t i = 0; i < x->n_tmpls; i++) {
            const pushsim_template *t = &x->tmpls[i].t;
            const tmpl_row *r = find_tmpl(y, t);
            if (!r)
                return differ(diff, size,
                              "%s template pin %s no %d index %d type %d is on %s but not on %s",
                              kind_name(t->kind), t->pin, t->no, t->index, t->type, x->sn, y->sn);
            const pushsim_template *o = &r->t;
            if (pass == 0 && (!streq(t->tmp, o->tmp) ||
                              (t->kind == PUSHSIM_BIODATA &&
                               (t->major_ver != o->major_ver || t->minor_ver != o->minor_ver ||
                                t->format != o->format))))
                return differ(diff, size,
                              "%s template pin %s no %d index %d differs between %s and %s",
                              kind_name(t->kind), t->pin, t->no, t->index, x->sn, y->sn);
        }
        for (size_t i = 0; i < x->n_photos; i++) {
            const pushsim_photo *p = &x->photos[i].p;
            const photo_row *r = find_photo(y, p->pin);
            if (!r)
                return differ(diff, size, "photo of %s is on %s but not on %s", p->pin, x->sn,
                              y->sn);
            if (pass == 0 && !streq(p->content, r->p.content))
                return differ(diff, size, "photo of %s differs between %s and %s", p->pin, x->sn,
                              y->sn);
        }
    }
    return 1;
}

static json_t *kvs_json(const kv *arr, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, arr[i].k, json_string(arr[i].v));
    return o;
}

json_t *pushsim_to_json(const pushsim *s)
{
    if (!s)
        return NULL;
    json_t *users = json_array(), *att = json_array(), *cmds = json_array();
    for (size_t i = 0; users && i < s->n_users; i++) {
        const pushsim_user *u = &s->users[i].u;
        json_t *ts = json_array();
        for (size_t k = 0; ts && k < s->n_tmpls; k++) {
            const pushsim_template *t = &s->tmpls[k].t;
            if (strcmp(t->pin, u->pin) != 0)
                continue;
            char hash[24];
            snprintf(hash, sizeof(hash), "%016llx",
                     (unsigned long long)fnv1a(t->tmp, strlen(t->tmp)));
            json_array_append_new(
                ts, json_pack("{s:s,s:i,s:i,s:i,s:i,s:I,s:s}", "kind", kind_name(t->kind), "no",
                              (int)t->no, "index", (int)t->index, "type", (int)t->type, "valid",
                              (int)t->valid, "size", (json_int_t)strlen(t->tmp), "hash", hash));
        }
        const photo_row *p = find_photo(s, u->pin);
        json_t *photo = json_null();
        if (p) {
            char hash[24];
            snprintf(hash, sizeof(hash), "%016llx",
                     (unsigned long long)fnv1a(p->p.content, strlen(p->p.content)));
            photo = json_pack("{s:I,s:s}", "size", (json_int_t)strlen(p->p.content), "hash", hash);
        }
        json_array_append_new(
            users, json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:i,s:o,s:o}", "pin", u->pin, "name",
                             u->name, "privilege", (int)u->privilege, "card", u->card, "group",
                             u->group, "tz", u->tz, "verify", (int)u->verify, "templates",
                             ts ? ts : json_array(), "photo", photo ? photo : json_null()));
    }
    for (size_t i = 0; att && i < s->n_punches; i++) {
        const pushsim_punch *p = &s->punches[i];
        json_array_append_new(att, json_pack("{s:s,s:s,s:i,s:i,s:b}", "pin", p->pin, "time",
                                             p->time, "status", (int)p->status, "verify",
                                             (int)p->verify, "uploaded", p->uploaded));
    }
    for (size_t i = 0; cmds && i < s->n_cmds; i++) {
        const pushsim_cmd_entry *c = &s->cmds[i];
        size_t n = strcspn(c->text, "\t\n");
        json_array_append_new(cmds, json_pack("{s:s,s:s%,s:i,s:b}", "id", c->id, "command", c->text,
                                              n, "return", (int)c->ret, "acked", c->acked));
    }
    json_t *stats = json_pack("{s:I,s:I,s:I,s:I,s:I,s:i}", "users", (json_int_t)s->n_users,
                              "templates", (json_int_t)s->n_tmpls, "photos",
                              (json_int_t)s->n_photos, "punches", (json_int_t)s->n_punches,
                              "commands", (json_int_t)s->n_cmds, "handshakes", (int)s->handshakes);
    json_t *j =
        json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "sn", s->sn, "options",
                  kvs_json(s->opt, s->n_opt), "server_options", kvs_json(s->sopt, s->n_sopt),
                  "users", users ? users : json_array(), "attendance", att ? att : json_array(),
                  "commands", cmds ? cmds : json_array(), "stats", stats ? stats : json_object());
    return j;
}
