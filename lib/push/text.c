/* SPDX-License-Identifier: Apache-2.0 */
/* Shared internals of the PUSH codec: arena, spans, numbers, times, UTF-8/iconv, output buffer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal/iconv.h"
#include "internal/charset.h"
#include "internal/date.h"
#include "internal/utf8.h"
#include "push/zki_push.h"

/* ------------------------------------------------------------------------------------------------------------
 */
/* arena */
/* ------------------------------------------------------------------------------------------------------------
 */

#define ARENA_ALIGN     16u
#define ARENA_MAX_CHUNK ((size_t)1 << 20)

struct zki_arena_chunk {
    zki_arena_chunk *next;
    size_t cap;
    size_t used;
    size_t pad_; /* keeps data 16-byte aligned on 64-bit and 32-bit targets */
};

static size_t align_up(size_t n)
{
    return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

static unsigned char *chunk_data(zki_arena_chunk *c)
{
    return (unsigned char *)c + align_up(sizeof(*c));
}

void zki_arena_init(zki_arena *a, size_t first_cap)
{
    a->head = NULL;
    a->last = NULL;
    if (first_cap < 256)
        first_cap = 256;
    if (first_cap > 4 * ARENA_MAX_CHUNK)
        first_cap = 4 * ARENA_MAX_CHUNK;
    a->next_cap = first_cap;
}

void *zki_arena_alloc(zki_arena *a, size_t n)
{
    size_t need = align_up(n ? n : 1);
    if (need < n)
        return NULL; /* overflow */
    zki_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = a->next_cap;
        if (cap < need)
            cap = need;
        if (cap > SIZE_MAX - align_up(sizeof(*c)))
            return NULL;
        c = malloc(align_up(sizeof(*c)) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        if (a->next_cap < ARENA_MAX_CHUNK)
            a->next_cap *= 2;
        if (a->next_cap > ARENA_MAX_CHUNK)
            a->next_cap = ARENA_MAX_CHUNK;
    }
    void *p = chunk_data(c) + c->used;
    c->used += need;
    a->last = p;
    return p;
}

void zki_arena_shrink_last(zki_arena *a, void *p, size_t n)
{
    zki_arena_chunk *c = a->head;
    if (!c || p != a->last)
        return;
    size_t off = (size_t)((unsigned char *)p - chunk_data(c));
    size_t end = off + align_up(n ? n : 1);
    if (end < c->used)
        c->used = end;
}

char *zki_arena_strndup(zki_arena *a, const char *s, size_t n)
{
    char *d = zki_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void zki_arena_free(zki_arena *a)
{
    zki_arena_chunk *c = a->head;
    while (c) {
        zki_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* spans */
/* ------------------------------------------------------------------------------------------------------------
 */

int zki_next_line(const char *body, size_t len, size_t *pos, zki_span *line)
{
    if (*pos >= len)
        return 0;
    const char *start = body + *pos;
    size_t left = len - *pos;
    const char *lf = memchr(start, '\n', left);
    size_t n = lf ? (size_t)(lf - start) : left;
    *pos += lf ? n + 1 : n;
    if (n > 0 && start[n - 1] == '\r')
        n--;
    line->p = start;
    line->n = n;
    return 1;
}

int zki_next_field(zki_span *rest, char sep, zki_span *field)
{
    if (!rest->p)
        return 0;
    const char *s = memchr(rest->p, sep, rest->n);
    if (s) {
        field->p = rest->p;
        field->n = (size_t)(s - rest->p);
        rest->n -= field->n + 1;
        rest->p = s + 1;
    } else {
        *field = *rest;
        rest->p = NULL;
        rest->n = 0;
    }
    return 1;
}

int zki_kv_split(zki_span s, zki_span *key, zki_span *value)
{
    const char *eq = s.n ? memchr(s.p, '=', s.n) : NULL;
    if (!eq) {
        *key = s;
        value->p = s.p + s.n;
        value->n = 0;
        return 0;
    }
    key->p = s.p;
    key->n = (size_t)(eq - s.p);
    value->p = eq + 1;
    value->n = s.n - key->n - 1;
    return 1;
}

static int is_sp(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

zki_span zki_span_trim(zki_span s)
{
    while (s.n && is_sp(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_sp(s.p[s.n - 1]))
        s.n--;
    return s;
}

zki_span zki_span_cut_nul(zki_span s)
{
    const char *z = s.n ? memchr(s.p, '\0', s.n) : NULL;
    if (z)
        s.n = (size_t)(z - s.p);
    return s;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int zki_span_ieq(zki_span s, const char *lit)
{
    size_t i = 0;
    for (; i < s.n; i++) {
        if (!lit[i] || lower((unsigned char)s.p[i]) != lower((unsigned char)lit[i]))
            return 0;
    }
    return lit[i] == '\0';
}

int zki_strieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
        if (!*a)
            return 1;
    }
}

int zki_span_blank(zki_span s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!is_sp(s.p[i]))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* numbers, times, PINs */
/* ------------------------------------------------------------------------------------------------------------
 */

int zki_parse_int(zki_span s, int64_t min, int64_t max, int64_t *out)
{
    s = zki_span_trim(zki_span_cut_nul(s));
    if (s.n == 0)
        return 0;
    size_t i = 0;
    int neg = 0;
    if (s.p[0] == '-' || s.p[0] == '+') {
        neg = s.p[0] == '-';
        i = 1;
    }
    if (i == s.n)
        return -1;
    uint64_t v = 0;
    const uint64_t limit = (uint64_t)INT64_MAX + 1u;
    for (; i < s.n; i++) {
        unsigned d = (unsigned)((unsigned char)s.p[i] - '0');
        if (d > 9)
            return -1;
        if (v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    int64_t r;
    if (neg) {
        r = v == limit ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return -1;
        r = (int64_t)v;
    }
    if (r < min || r > max)
        return -1;
    *out = r;
    return 1;
}

/* 1..maxd digits at *i; -1 when none. */
static int digits(zki_span s, size_t *i, size_t mind, size_t maxd)
{
    size_t k = 0;
    int v = 0;
    while (*i < s.n && k < maxd && s.p[*i] >= '0' && s.p[*i] <= '9') {
        v = v * 10 + (s.p[*i] - '0');
        (*i)++;
        k++;
    }
    return k < mind ? -1 : v;
}

static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

int zki_parse_time(zki_span s, char out[20])
{
    s = zki_span_trim(zki_span_cut_nul(s));
    size_t i = 0;
    int y = digits(s, &i, 4, 4);
    if (y < 0 || i >= s.n || (s.p[i] != '-' && s.p[i] != '/'))
        return -1;
    char ds = s.p[i++];
    int mo = digits(s, &i, 1, 2);
    if (mo < 0 || i >= s.n || s.p[i] != ds)
        return -1;
    i++;
    int d = digits(s, &i, 1, 2);
    if (d < 0 || i >= s.n || (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != 'T'))
        return -1;
    i++;
    int h = digits(s, &i, 1, 2);
    if (h < 0 || i >= s.n || s.p[i] != ':')
        return -1;
    i++;
    int mi = digits(s, &i, 1, 2);
    if (mi < 0 || i >= s.n || s.p[i] != ':')
        return -1;
    i++;
    int se = digits(s, &i, 1, 2);
    if (se < 0 || i != s.n)
        return -1;
    if (y < 1000 || mo < 1 || mo > 12 || d < 1 ||
        d > (int)zki_days_in_month((unsigned)y, (unsigned)mo) || h > 23 || mi > 59 || se > 59)
        return -1;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    put2(out + 5, mo);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = ' ';
    put2(out + 11, h);
    out[13] = ':';
    put2(out + 14, mi);
    out[16] = ':';
    put2(out + 17, se);
    out[19] = '\0';
    return 0;
}

int zki_pin_ok(const char *p, size_t n)
{
    if (n == 0 || n > ZKBIO_PUSH_PIN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f) /* printable ASCII: a PIN is a join key, never re-encoded */
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* text conversion */
/* ------------------------------------------------------------------------------------------------------------
 */

int zki_conv_open(zki_conv *c, const char *charset)
{
    c->cd = NULL;
    if (zki_charset_is_utf8(charset))
        return ZKBIO_OK;
    zki_iconv_t cd = zki_iconv_open("UTF-8", charset);
    if (!cd)
        return ZKBIO_EENCODING;
    c->cd = (void *)cd;
    return ZKBIO_OK;
}

void zki_conv_close(zki_conv *c)
{
    if (c->cd)
        zki_iconv_close((zki_iconv_t)c->cd);
    c->cd = NULL;
}

static char *utf8_repair(zki_arena *a, const char *p, size_t n)
{
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = zki_arena_alloc(a, 3 * n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = zki_utf8_seq((const unsigned char *)p + i, n - i);
        if (k) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, ZKI_UTF8_REPL, ZKI_UTF8_REPL_LEN);
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    zki_arena_shrink_last(a, out, o + 1);
    return out;
}

static char *iconv_dup(zki_arena *a, zki_iconv_t cd, const char *p, size_t n)
{
    if (n > (SIZE_MAX - 8) / 4)
        return NULL;
    size_t cap = 3 * n + 8;
    char *out = zki_arena_alloc(a, cap);
    if (!out)
        return NULL;
    char *in = (char *)p;
    size_t inleft = n;
    char *o = out;
    size_t oleft = cap - 1;
    zki_iconv(cd, NULL, NULL, NULL, NULL);
    while (inleft > 0) {
        size_t r = zki_iconv(cd, &in, &inleft, &o, &oleft);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG || oleft < 8) {
            /* some charsets expand more than 3x: continue in a bigger block */
            size_t done = (size_t)(o - out);
            if (cap > SIZE_MAX / 2)
                return NULL;
            size_t ncap = cap * 2;
            char *bigger = zki_arena_alloc(a, ncap);
            if (!bigger)
                return NULL;
            memcpy(bigger, out, done);
            out = bigger;
            cap = ncap;
            o = out + done;
            oleft = cap - 1 - done;
            continue;
        }
        /* EILSEQ (invalid) or EINVAL (truncated sequence): one byte becomes U+FFFD */
        memcpy(o, ZKI_UTF8_REPL, ZKI_UTF8_REPL_LEN);
        o += 3;
        oleft -= 3;
        in++;
        inleft--;
        zki_iconv(cd, NULL, NULL, NULL, NULL);
    }
    if (oleft > 0)
        zki_iconv(cd, NULL, NULL, &o, &oleft);
    *o = '\0';
    size_t used = (size_t)(o - out);
    zki_arena_shrink_last(a, out, used + 1);
    return out;
}

char *zki_text_dup(zki_arena *a, zki_span s, zki_conv *conv)
{
    s = zki_span_cut_nul(s);
    size_t i = 0;
    while (i < s.n && (unsigned char)s.p[i] < 0x80)
        i++;
    if (i == s.n)
        return zki_arena_strndup(a, s.p, s.n);
    if (conv && conv->cd)
        return iconv_dup(a, (zki_iconv_t)conv->cd, s.p, s.n);
    return utf8_repair(a, s.p, s.n);
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* output */
/* ------------------------------------------------------------------------------------------------------------
 */

void zki_w_init(zki_wbuf *w, char *buf, size_t size)
{
    w->buf = buf;
    w->size = buf ? size : 0;
    w->len = 0;
}

void zki_w_raw(zki_wbuf *w, const char *s, size_t n)
{
    if (w->len < w->size) {
        size_t room = w->size - w->len;
        memcpy(w->buf + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

void zki_w_str(zki_wbuf *w, const char *s)
{
    zki_w_raw(w, s, strlen(s));
}

void zki_w_val(zki_wbuf *w, const char *s)
{
    if (!s)
        return;
    while (*s) {
        size_t n = strcspn(s, "\t\r\n");
        zki_w_raw(w, s, n);
        s += n;
        if (*s)
            s++;
    }
}

size_t zki_val_len(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; *s; s++)
        if (*s != '\t' && *s != '\r' && *s != '\n')
            n++;
    return n;
}

void zki_w_int(zki_wbuf *w, int64_t v)
{
    char tmp[24];
    size_t k = sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--k] = '-';
    zki_w_raw(w, tmp + k, sizeof(tmp) - k);
}

int zki_w_finish(zki_wbuf *w, size_t *len)
{
    if (len)
        *len = w->len;
    if (w->size == 0)
        return ZKBIO_ENOSPC;
    if (w->len < w->size) {
        w->buf[w->len] = '\0';
        return ZKBIO_OK;
    }
    w->buf[w->size - 1] = '\0';
    return ZKBIO_ENOSPC;
}
