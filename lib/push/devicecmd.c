/* SPDX-License-Identifier: Apache-2.0 */
/* Command results: POST /iclock/devicecmd bodies (push.md §5) and the device-side result line. */
#include <stdlib.h>
#include <string.h>

#include "push/zki_push.h"

typedef struct res_impl {
    zkbio_push_cmd_results pub; /* first: the public pointer is the impl pointer */
    zki_arena arena;
    size_t cap;
} res_impl;

void zkbio_push_cmd_results_free(zkbio_push_cmd_results *results)
{
    if (!results)
        return;
    res_impl *r = (res_impl *)results;
    free(r->pub.results);
    zki_arena a = r->arena;
    zki_arena_free(&a);
}

typedef struct kvspan {
    zki_span k, v;
} kvspan;

/* One record being gathered. */
typedef struct rec_state {
    int open;
    zki_span id, ret, cmd;
    int has_id, has_ret, has_cmd;
    kvspan *extra;
    size_t n_extra, cap_extra;
    const char *content;
    size_t content_len;
    int has_content;
} rec_state;

static int is_id_line(zki_span l)
{
    zki_span head = {l.p, l.n < 3 ? l.n : 3};
    return l.n >= 3 && zki_span_ieq(head, "ID=");
}

static int add_extra(rec_state *st, zki_span k, zki_span v)
{
    if (st->n_extra == st->cap_extra) {
        size_t ncap = st->cap_extra ? st->cap_extra * 2 : 16;
        kvspan *p = realloc(st->extra, ncap * sizeof(*p));
        if (!p)
            return -1;
        st->extra = p;
        st->cap_extra = ncap;
    }
    st->extra[st->n_extra].k = k;
    st->extra[st->n_extra].v = v;
    st->n_extra++;
    return 0;
}

/* Content runs from `start` to the next line that starts with ID= (or the end of the body), minus
 * the line break that precedes it. Returns the position where parsing continues. */
static size_t content_run(const char *body, size_t len, const char *start, size_t pos,
                          rec_state *st)
{
    size_t end = len, next = len;
    size_t p = pos;
    zki_span l;
    size_t line_start = p;
    while (zki_next_line(body, len, &p, &l)) {
        if (is_id_line(l)) {
            end = line_start;
            next = line_start;
            break;
        }
        line_start = p;
    }
    const char *e = body + end;
    if (e > start && e[-1] == '\n')
        e--;
    if (e > start && e[-1] == '\r')
        e--;
    st->content = start;
    st->content_len = e > start ? (size_t)(e - start) : 0;
    st->has_content = 1;
    return next;
}

/* Apply one key=value of a record; returns -1 on out of memory. */
static int apply_kv(rec_state *st, zki_span k, zki_span v)
{
    k = zki_span_trim(k);
    if (!st->has_id && zki_span_ieq(k, "ID")) {
        st->id = v;
        st->has_id = 1;
    } else if (!st->has_ret && zki_span_ieq(k, "Return")) {
        st->ret = v;
        st->has_ret = 1;
    } else if (!st->has_cmd && zki_span_ieq(k, "CMD")) {
        st->cmd = v;
        st->has_cmd = 1;
    } else {
        if (k.n && k.p[0] == '~') {
            k.p++;
            k.n--;
        }
        if (k.n == 0)
            return 0;
        return add_extra(st, k, v);
    }
    return 0;
}

static zkbio_push_cmd_result *res_push(res_impl *r)
{
    if (r->pub.count == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 8;
        zkbio_push_cmd_result *p = realloc(r->pub.results, ncap * sizeof(*p));
        if (!p)
            return NULL;
        r->pub.results = p;
        r->cap = ncap;
    }
    return &r->pub.results[r->pub.count];
}

/* Close the open record: validate, copy into the arena. ZKBIO_OK or ZKBIO_ENOMEM. */
static int finish(res_impl *r, rec_state *st)
{
    if (!st->open)
        return ZKBIO_OK;
    st->open = 0;
    zki_span id = zki_span_trim(zki_span_cut_nul(st->id));
    int64_t ret = 0;
    if (!st->has_id || id.n == 0 || !st->has_ret ||
        zki_parse_int(st->ret, INT32_MIN, INT32_MAX, &ret) != 1) {
        r->pub.n_malformed++;
        return ZKBIO_OK;
    }
    zkbio_push_cmd_result *res = res_push(r);
    if (!res)
        return ZKBIO_ENOMEM;
    memset(res, 0, sizeof(*res));
    zki_arena *a = &r->arena;
    res->id = zki_text_dup(a, id, NULL);
    res->ret = (int32_t)ret;
    res->cmd = zki_text_dup(a, zki_span_trim(st->has_cmd ? st->cmd : (zki_span){"", 0}), NULL);
    if (!res->id || !res->cmd)
        return ZKBIO_ENOMEM;
    size_t n = st->n_extra;
    const char **keys = zki_arena_alloc(a, (n ? n : 1) * sizeof(char *));
    const char **vals = zki_arena_alloc(a, (n ? n : 1) * sizeof(char *));
    if (!keys || !vals)
        return ZKBIO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        keys[i] = zki_text_dup(a, st->extra[i].k, NULL);
        vals[i] = zki_text_dup(a, st->extra[i].v, NULL);
        if (!keys[i] || !vals[i])
            return ZKBIO_ENOMEM;
    }
    res->extra.count = n;
    res->extra.keys = keys;
    res->extra.values = vals;
    if (st->has_content) {
        char *c = zki_arena_alloc(a, st->content_len + 1);
        if (!c)
            return ZKBIO_ENOMEM;
        if (st->content_len)
            memcpy(c, st->content, st->content_len);
        c[st->content_len] = '\0';
        res->content = c;
        res->content_len = st->content_len;
    }
    r->pub.count++;
    return ZKBIO_OK;
}

static void start(rec_state *st)
{
    kvspan *keep = st->extra;
    size_t cap = st->cap_extra;
    memset(st, 0, sizeof(*st));
    st->extra = keep;
    st->cap_extra = cap;
    st->open = 1;
}

int zkbio_push_devicecmd_parse(const char *body, size_t len, zkbio_push_cmd_results **out)
{
    if (!out || (!body && len))
        return ZKBIO_EINVAL;
    *out = NULL;
    zki_arena a;
    zki_arena_init(&a, len + 256);
    res_impl *r = zki_arena_alloc(&a, sizeof(*r));
    if (!r) {
        zki_arena_free(&a);
        return ZKBIO_ENOMEM;
    }
    memset(r, 0, sizeof(*r));
    r->arena = a;

    rec_state st;
    memset(&st, 0, sizeof(st));
    int rc = ZKBIO_OK;
    size_t pos = 0;
    zki_span line;
    while (rc == ZKBIO_OK && body && pos < len) {
        size_t line_end_pos = pos;
        zki_next_line(body, len, &line_end_pos, &line);
        size_t next = line_end_pos;
        if (is_id_line(line)) {
            rc = finish(r, &st);
            if (rc != ZKBIO_OK)
                break;
            start(&st);
            if (memchr(line.p, '&', line.n)) {
                /* one-line record ID=..&Return=..&CMD=..[&k=v...] */
                zki_span rest = line, piece;
                while (zki_next_field(&rest, '&', &piece)) {
                    zki_span k, v;
                    zki_kv_split(piece, &k, &v);
                    if (st.has_id && zki_span_ieq(zki_span_trim(k), "Content")) {
                        next = content_run(body, len, v.p, line_end_pos, &st);
                        break;
                    }
                    if (apply_kv(&st, k, v) != 0)
                        rc = ZKBIO_ENOMEM;
                }
            } else {
                zki_span k, v;
                zki_kv_split(line, &k, &v);
                st.id = v;
                st.has_id = 1;
            }
        } else if (zki_span_blank(line)) {
            /* blank lines separate nothing */
        } else if (!st.open) {
            r->pub.n_malformed++; /* a result line without ID= */
        } else {
            zki_span k, v;
            if (zki_kv_split(line, &k, &v)) {
                if (zki_span_ieq(zki_span_trim(k), "Content"))
                    next = content_run(body, len, v.p, line_end_pos, &st);
                else if (apply_kv(&st, k, v) != 0)
                    rc = ZKBIO_ENOMEM;
            }
        }
        pos = next;
    }
    if (rc == ZKBIO_OK)
        rc = finish(r, &st);
    free(st.extra);
    if (rc != ZKBIO_OK) {
        zkbio_push_cmd_results_free(&r->pub);
        return rc;
    }
    *out = &r->pub;
    return ZKBIO_OK;
}

int zkbio_push_cmd_result_format(const char *id, int32_t ret, const char *cmd, char *buf,
                                 size_t size, size_t *len)
{
    if (!id || !zki_val_len(id) || strpbrk(id, "&=") || (cmd && strchr(cmd, '&')) || (!buf && size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "ID=");
    zki_w_val(&w, id);
    zki_w_str(&w, "&Return=");
    zki_w_int(&w, ret);
    zki_w_str(&w, "&CMD=");
    zki_w_val(&w, cmd);
    return zki_w_finish(&w, len);
}
