/* SPDX-License-Identifier: Apache-2.0 */
/* Upload bodies (push.md §3): ATTLOG punches, the tag-multiplexed
 * OPERLOG/BIODATA/USERINFO/ERRORLOG/IDCARD streams, table=options and ATTPHOTO. One arena per batch
 * holds every string; the record array grows by doubling. */
#include <stdlib.h>
#include <string.h>

#include "internal/base64.h"
#include "push/zki_push.h"

/* ------------------------------------------------------------------------------------------------------------
 */
/* batch object */
/* ------------------------------------------------------------------------------------------------------------
 */

typedef struct batch_impl {
    zkbio_push_batch pub; /* first: the public pointer is the impl pointer */
    zki_arena arena;
    size_t cap;
} batch_impl;

static const char EMPTY[] = "";

void zkbio_push_batch_free(zkbio_push_batch *batch)
{
    if (!batch)
        return;
    batch_impl *b = (batch_impl *)batch;
    free(b->pub.records);
    zki_arena a = b->arena;
    zki_arena_free(&a);
}

static batch_impl *batch_new(size_t body_len)
{
    zki_arena a;
    zki_arena_init(&a, body_len + body_len / 4 + 512);
    batch_impl *b = zki_arena_alloc(&a, sizeof(*b));
    if (!b) {
        zki_arena_free(&a);
        return NULL;
    }
    memset(b, 0, sizeof(*b));
    b->arena = a;
    return b;
}

/* The arena struct lives inside the batch; allocate through it. */
#define ARENA(b) (&(b)->arena)

static zkbio_push_record *batch_push(batch_impl *b)
{
    if (b->pub.count == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 16;
        if (ncap > SIZE_MAX / sizeof(zkbio_push_record))
            return NULL;
        zkbio_push_record *r = realloc(b->pub.records, ncap * sizeof(*r));
        if (!r)
            return NULL;
        b->pub.records = r;
        b->cap = ncap;
    }
    zkbio_push_record *r = &b->pub.records[b->pub.count];
    memset(r, 0, sizeof(*r));
    return r;
}

static void malformed(batch_impl *b, unsigned line)
{
    if (b->pub.n_malformed < ZKBIO_PUSH_MALFORMED_MAX)
        b->pub.malformed_lines[b->pub.n_malformed] = line;
    b->pub.n_malformed++;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* per-line parsers: return 1 (record filled), 0 (malformed), ZKBIO_ENOMEM */
/* ------------------------------------------------------------------------------------------------------------
 */

typedef struct pctx {
    batch_impl *b;
    zki_conv *conv;
} pctx;

/* string field: "" when absent */
static int dup_str(pctx *c, zki_span v, int present, const char **dst, int convert)
{
    if (!present) {
        *dst = EMPTY;
        return 1;
    }
    char *s = zki_text_dup(ARENA(c->b), v, convert ? c->conv : NULL);
    if (!s)
        return ZKBIO_ENOMEM;
    *dst = s;
    return 1;
}

/* int32 field: `def` when absent or empty, 0 (malformed) when not a number in range */
static int get_i32(zki_span v, int present, int32_t def, int32_t *dst)
{
    int64_t x;
    if (!present) {
        *dst = def;
        return 1;
    }
    int r = zki_parse_int(v, INT32_MIN, INT32_MAX, &x);
    if (r < 0)
        return 0;
    *dst = r == 0 ? def : (int32_t)x;
    return 1;
}

static int dup_pin(pctx *c, zki_span v, int present, const char **dst)
{
    if (!present)
        return 0;
    v = zki_span_trim(zki_span_cut_nul(v));
    if (!zki_pin_ok(v.p, v.n))
        return 0;
    char *s = zki_text_dup(ARENA(c->b), v, NULL);
    if (!s)
        return ZKBIO_ENOMEM;
    *dst = s;
    return 1;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int r_ = (expr);                                                                           \
        if (r_ != 1)                                                                               \
            return r_;                                                                             \
    } while (0)

/* ATTLOG: PIN HT time HT status HT verify HT workcode HT reserved HT reserved [HT extra...] */
static int parse_attlog(pctx *c, zki_span line, zkbio_push_record *rec)
{
    zki_span f[7];
    size_t nf = 0;
    zki_span rest = line, fld;
    /* first pass: PIN and time (date and time may be split by HT on odd firmware) */
    if (!zki_next_field(&rest, '\t', &f[0]) || !zki_next_field(&rest, '\t', &f[1]))
        return 0;
    char tbuf[20];
    if (zki_parse_time(f[1], tbuf) != 0) {
        zki_span t2;
        char joined[48];
        zki_span d = zki_span_trim(f[1]);
        if (!zki_next_field(&rest, '\t', &t2))
            return 0;
        t2 = zki_span_trim(t2);
        if (d.n + t2.n + 1 > sizeof(joined))
            return 0;
        memcpy(joined, d.p, d.n);
        joined[d.n] = ' ';
        memcpy(joined + d.n + 1, t2.p, t2.n);
        zki_span js = {joined, d.n + 1 + t2.n};
        if (zki_parse_time(js, tbuf) != 0)
            return 0;
    }
    nf = 2;
    /* remaining fields: count first to size the extra array */
    zki_span after = rest;
    size_t nrest = 0;
    if (after.p) {
        nrest = 1;
        for (const char *p = after.p;
             (p = memchr(p, '\t', (size_t)(after.p + after.n - p))) != NULL; p++)
            nrest++;
    }
    while (nf < 7 && zki_next_field(&rest, '\t', &fld))
        f[nf++] = fld;
    size_t n_extra = nrest > 5 ? nrest - 5 : 0;

    zkbio_push_attlog *a = &rec->u.attlog;
    TRY(dup_pin(c, f[0], 1, &a->pin));
    char *t = zki_arena_strndup(ARENA(c->b), tbuf, 19);
    if (!t)
        return ZKBIO_ENOMEM;
    a->time = t;
    TRY(get_i32(nf > 2 ? f[2] : f[0], nf > 2, -1, &a->status));
    TRY(get_i32(nf > 3 ? f[3] : f[0], nf > 3, -1, &a->verify));
    if (nf > 4) {
        TRY(dup_str(c, zki_span_trim(f[4]), 1, &a->workcode, 1));
    } else {
        a->workcode = EMPTY;
    }
    a->n_extra = n_extra;
    a->extra = NULL;
    if (n_extra) {
        const char **ex = zki_arena_alloc(ARENA(c->b), n_extra * sizeof(*ex));
        if (!ex)
            return ZKBIO_ENOMEM;
        for (size_t i = 0; i < n_extra && zki_next_field(&rest, '\t', &fld); i++)
            TRY(dup_str(c, fld, 1, &ex[i], 1));
        a->extra = ex;
    }
    rec->type = ZKBIO_PUSH_REC_ATTLOG;
    rec->tag = "ATTLOG";
    return 1;
}

/* OPLOG <OpType>HT<OpWho>HT<OpTime>HT<V1>HT<V2>HT<V3>HT<Reserved> */
static int parse_oplog(pctx *c, zki_span rest, zkbio_push_record *rec)
{
    zki_span f[7];
    size_t nf = 0;
    zki_span fld;
    while (nf < 7 && zki_next_field(&rest, '\t', &fld))
        f[nf++] = fld;
    if (nf < 3)
        return 0;
    zkbio_push_oplog *o = &rec->u.oplog;
    int64_t x;
    if (zki_parse_int(f[0], INT32_MIN, INT32_MAX, &x) != 1)
        return 0;
    o->op_type = (int32_t)x;
    TRY(dup_str(c, zki_span_trim(f[1]), 1, &o->admin, 0));
    char tbuf[20];
    if (zki_parse_time(f[2], tbuf) != 0)
        return 0;
    char *t = zki_arena_strndup(ARENA(c->b), tbuf, 19);
    if (!t)
        return ZKBIO_ENOMEM;
    o->time = t;
    int64_t *vals[4] = {&o->v1, &o->v2, &o->v3, &o->reserved};
    for (size_t i = 0; i < 4; i++) {
        *vals[i] = 0;
        if (3 + i < nf) {
            int r = zki_parse_int(f[3 + i], INT64_MIN, INT64_MAX, &x);
            if (r < 0)
                return 0;
            if (r == 1)
                *vals[i] = x;
        }
    }
    return 1;
}

/* key=value records: scan the fields once, remember the value span of each known key (first one
 * wins). */
typedef struct keydef {
    const char *name;
    int slot;
} keydef;

enum { MAX_SLOTS = 12 };

typedef struct slots {
    zki_span v[MAX_SLOTS];
    unsigned char set[MAX_SLOTS];
    unsigned n_kv; /* fields that had a '=' */
} slots;

static void scan_kv(zki_span rest, const keydef *keys, slots *s)
{
    memset(s, 0, sizeof(*s));
    zki_span fld;
    while (zki_next_field(&rest, '\t', &fld)) {
        zki_span k, v;
        if (!zki_kv_split(fld, &k, &v))
            continue; /* a piece without '=' carries nothing */
        s->n_kv++;
        k = zki_span_trim(k);
        for (const keydef *d = keys; d->name; d++) {
            if (zki_span_ieq(k, d->name)) {
                if (!s->set[d->slot]) {
                    s->set[d->slot] = 1;
                    s->v[d->slot] = v;
                }
                break;
            }
        }
    }
}

enum { U_PIN, U_NAME, U_PRI, U_PASSWD, U_CARD, U_GRP, U_TZ, U_VERIFY, U_VICE, U_START, U_END };
static const keydef user_keys[] = {
    {"PIN", U_PIN},       {"Name", U_NAME},           {"Pri", U_PRI},         {"Privilege", U_PRI},
    {"Passwd", U_PASSWD}, {"Password", U_PASSWD},     {"Card", U_CARD},       {"CardNo", U_CARD},
    {"Grp", U_GRP},       {"Group", U_GRP},           {"TZ", U_TZ},           {"Verify", U_VERIFY},
    {"ViceCard", U_VICE}, {"StartDatetime", U_START}, {"EndDatetime", U_END}, {NULL, 0}};

static int parse_user(pctx *c, zki_span rest, zkbio_push_record *rec)
{
    slots s;
    scan_kv(rest, user_keys, &s);
    zkbio_push_user *u = &rec->u.user;
    TRY(dup_pin(c, s.v[U_PIN], s.set[U_PIN], &u->pin));
    TRY(dup_str(c, s.v[U_NAME], s.set[U_NAME], &u->name, 1));
    TRY(get_i32(s.v[U_PRI], s.set[U_PRI], -1, &u->privilege));
    TRY(dup_str(c, s.v[U_PASSWD], s.set[U_PASSWD], &u->password, 0));
    TRY(dup_str(c, zki_span_trim(s.v[U_CARD]), s.set[U_CARD], &u->card, 0));
    TRY(dup_str(c, zki_span_trim(s.v[U_GRP]), s.set[U_GRP], &u->group, 0));
    TRY(dup_str(c, zki_span_trim(s.v[U_TZ]), s.set[U_TZ], &u->tz, 0));
    TRY(get_i32(s.v[U_VERIFY], s.set[U_VERIFY], -1, &u->verify));
    TRY(dup_str(c, zki_span_trim(s.v[U_VICE]), s.set[U_VICE], &u->vice_card, 0));
    TRY(dup_str(c, zki_span_trim(s.v[U_START]), s.set[U_START], &u->start_datetime, 0));
    TRY(dup_str(c, zki_span_trim(s.v[U_END]), s.set[U_END], &u->end_datetime, 0));
    return 1;
}

enum { T_PIN, T_NO, T_INDEX, T_VALID, T_DURESS, T_TYPE, T_MAJOR, T_MINOR, T_FORMAT, T_SIZE, T_TMP };
static const keydef tmpl_keys[] = {
    {"PIN", T_PIN},        {"FID", T_NO},        {"No", T_NO},
    {"FingerID", T_NO},    {"Index", T_INDEX},   {"Valid", T_VALID},
    {"Duress", T_DURESS},  {"Type", T_TYPE},     {"MajorVer", T_MAJOR},
    {"MinorVer", T_MINOR}, {"Format", T_FORMAT}, {"Size", T_SIZE},
    {"TMP", T_TMP},        {"Template", T_TMP},  {NULL, 0}};

/* Format: a number (0 ZK, 1 ISO, 2 ANSI; PUSH protocol 3.x, BIODATA table) or, as SpeedFace
 * firmware (MajorVer=10) sends it, the name itself ("Format=ZK"), case-insensitive. Unknown names
 * are malformed. */
static int get_format(zki_span v, int present, int32_t *dst)
{
    static const char *const names[] = {"ZK", "ISO", "ANSI"};
    zki_span t = zki_span_trim(zki_span_cut_nul(v));
    for (size_t i = 0; present && i < sizeof(names) / sizeof(names[0]); i++)
        if (zki_span_ieq(t, names[i])) {
            *dst = (int32_t)i;
            return 1;
        }
    return get_i32(v, present, -1, dst);
}

static int parse_tmpl(pctx *c, zkbio_push_rec_type kind, zki_span rest, zkbio_push_record *rec)
{
    slots s;
    scan_kv(rest, tmpl_keys, &s);
    zkbio_push_template *t = &rec->u.tmpl;
    TRY(dup_pin(c, s.v[T_PIN], s.set[T_PIN], &t->pin));
    zki_span tmp = zki_span_trim(zki_span_cut_nul(s.v[T_TMP]));
    /* padded or not (SpeedFace firmware drops the '='), but base64 */
    if (!s.set[T_TMP] || tmp.n == 0 || !zki_base64_valid(tmp.p, tmp.n))
        return 0;
    int32_t *nums[] = {&t->no,        &t->index,     &t->valid,  &t->duress, &t->type,
                       &t->major_ver, &t->minor_ver, &t->format, &t->size};
    static const int slot_of[] = {T_NO,    T_INDEX, T_VALID,  T_DURESS, T_TYPE,
                                  T_MAJOR, T_MINOR, T_FORMAT, T_SIZE};
    for (size_t i = 0; i < sizeof(slot_of) / sizeof(slot_of[0]); i++)
        if (slot_of[i] != T_FORMAT)
            TRY(get_i32(s.v[slot_of[i]], s.set[slot_of[i]], -1, nums[i]));
    TRY(get_format(s.v[T_FORMAT], s.set[T_FORMAT], &t->format));
    switch (kind) {
    case ZKBIO_PUSH_REC_FP:
        t->type = 1;
        t->index = 0;
        break;
    case ZKBIO_PUSH_REC_FACE:
        t->type = 2;
        t->index = 0;
        break;
    case ZKBIO_PUSH_REC_FVEIN:
        t->type = 7;
        break;
    default:
        break;
    }
    TRY(dup_str(c, tmp, 1, &t->tmp, 0));
    return 1;
}

enum { P_PIN, P_FILE, P_TYPE, P_SIZE, P_CONTENT };
static const keydef photo_keys[] = {{"PIN", P_PIN},   {"FileName", P_FILE},   {"Type", P_TYPE},
                                    {"Size", P_SIZE}, {"Content", P_CONTENT}, {NULL, 0}};

static int parse_photo(pctx *c, zkbio_push_rec_type kind, zki_span rest, zkbio_push_record *rec)
{
    slots s;
    scan_kv(rest, photo_keys, &s);
    zkbio_push_photo *ph = &rec->u.photo;
    TRY(dup_pin(c, s.v[P_PIN], s.set[P_PIN], &ph->pin));
    zki_span content = zki_span_trim(zki_span_cut_nul(s.v[P_CONTENT]));
    if (!s.set[P_CONTENT] || content.n == 0)
        return 0;
    TRY(dup_str(c, zki_span_trim(s.v[P_FILE]), s.set[P_FILE], &ph->file_name, 0));
    TRY(get_i32(s.v[P_TYPE], s.set[P_TYPE], -1, &ph->type));
    if (kind == ZKBIO_PUSH_REC_USERPIC)
        ph->type = -1;
    TRY(get_i32(s.v[P_SIZE], s.set[P_SIZE], -1, &ph->size));
    TRY(dup_str(c, content, 1, &ph->content, 0));
    return 1;
}

enum { E_CODE, E_MSG, E_ORIGIN, E_CMDID, E_ADD };
static const keydef err_keys[] = {{"ErrCode", E_CODE},      {"ErrMsg", E_MSG},
                                  {"DataOrigin", E_ORIGIN}, {"CmdId", E_CMDID},
                                  {"Additional", E_ADD},    {NULL, 0}};

static int parse_errorlog(pctx *c, zki_span rest, zkbio_push_record *rec)
{
    slots s;
    scan_kv(rest, err_keys, &s);
    zkbio_push_errorlog *e = &rec->u.errorlog;
    zki_span code = zki_span_trim(zki_span_cut_nul(s.v[E_CODE]));
    if (!s.set[E_CODE] || code.n == 0)
        return 0;
    TRY(dup_str(c, code, 1, &e->err_code, 0));
    TRY(dup_str(c, s.v[E_MSG], s.set[E_MSG], &e->err_msg, 1));
    TRY(dup_str(c, zki_span_trim(s.v[E_ORIGIN]), s.set[E_ORIGIN], &e->data_origin, 0));
    TRY(dup_str(c, zki_span_trim(s.v[E_CMDID]), s.set[E_CMDID], &e->cmd_id, 0));
    TRY(dup_str(c, s.v[E_ADD], s.set[E_ADD], &e->additional, 0));
    return 1;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* tags */
/* ------------------------------------------------------------------------------------------------------------
 */

static const struct {
    const char *tag;
    zkbio_push_rec_type type;
} tags[] = {
    {"OPLOG", ZKBIO_PUSH_REC_OPLOG},
    {"USER", ZKBIO_PUSH_REC_USER},
    {"FP", ZKBIO_PUSH_REC_FP},
    {"FACE", ZKBIO_PUSH_REC_FACE},
    {"FVEIN", ZKBIO_PUSH_REC_FVEIN},
    {"BIODATA", ZKBIO_PUSH_REC_BIODATA},
    {"USERPIC", ZKBIO_PUSH_REC_USERPIC},
    {"BIOPHOTO", ZKBIO_PUSH_REC_BIOPHOTO},
    {"ERRORLOG", ZKBIO_PUSH_REC_ERRORLOG},
};

static const char *canonical_tag(zkbio_push_rec_type t)
{
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
        if (tags[i].type == t)
            return tags[i].tag;
    return "OTHER";
}

/* A tag of another kind is well-formed when it looks like a word: [A-Za-z][A-Za-z0-9_]{0,31}. */
static int tag_word(zki_span t)
{
    if (t.n == 0 || t.n > 32)
        return 0;
    for (size_t i = 0; i < t.n; i++) {
        char ch = t.p[i];
        int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
        if (!alpha && !(i > 0 && ((ch >= '0' && ch <= '9') || ch == '_')))
            return 0;
    }
    return 1;
}

static int parse_kind(pctx *c, zkbio_push_rec_type kind, zki_span rest, zkbio_push_record *rec)
{
    switch (kind) {
    case ZKBIO_PUSH_REC_OPLOG:
        return parse_oplog(c, rest, rec);
    case ZKBIO_PUSH_REC_USER:
        return parse_user(c, rest, rec);
    case ZKBIO_PUSH_REC_FP:
    case ZKBIO_PUSH_REC_FACE:
    case ZKBIO_PUSH_REC_FVEIN:
    case ZKBIO_PUSH_REC_BIODATA:
        return parse_tmpl(c, kind, rest, rec);
    case ZKBIO_PUSH_REC_USERPIC:
    case ZKBIO_PUSH_REC_BIOPHOTO:
        return parse_photo(c, kind, rest, rec);
    case ZKBIO_PUSH_REC_ERRORLOG:
        return parse_errorlog(c, rest, rec);
    default:
        return 0;
    }
}

static int parse_tagged(pctx *c, zki_parse_mode mode, zkbio_push_rec_type dflt, zki_span line,
                        zkbio_push_record *rec)
{
    if (mode == ZKI_MODE_FORCED) {
        rec->type = dflt;
        rec->tag = canonical_tag(dflt);
        return parse_kind(c, dflt, line, rec);
    }
    /* the tag ends at the first space (or HT); a first word holding '=' means an untagged k=v line
     */
    size_t i = 0;
    while (i < line.n && line.p[i] != ' ' && line.p[i] != '\t')
        i++;
    zki_span tag = {line.p, i};
    if (memchr(tag.p, '=', tag.n)) {
        if (!dflt)
            return 0;
        rec->type = dflt;
        rec->tag = canonical_tag(dflt);
        return parse_kind(c, dflt, line, rec);
    }
    if (i < line.n)
        i++;
    while (i < line.n && line.p[i] == ' ')
        i++;
    zki_span rest = {line.p + i, line.n - i};
    for (size_t k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
        if (zki_span_ieq(tag, tags[k].tag)) {
            rec->type = tags[k].type;
            if (tag.n && memcmp(tag.p, tags[k].tag, tag.n) == 0) {
                rec->tag = tags[k].tag;
            } else {
                char *t = zki_arena_strndup(ARENA(c->b), tag.p, tag.n);
                if (!t)
                    return ZKBIO_ENOMEM;
                rec->tag = t;
            }
            return parse_kind(c, tags[k].type, rest, rec);
        }
    }
    /* OTHER: a word tag followed by at least one k=v field (WORKCODE, SMS, USER_SMS, IDCARD, ...)
     */
    if (!tag_word(tag) || rest.n == 0 || !memchr(rest.p, '=', rest.n))
        return 0;
    char *t = zki_arena_strndup(ARENA(c->b), tag.p, tag.n);
    if (!t)
        return ZKBIO_ENOMEM;
    rec->type = ZKBIO_PUSH_REC_OTHER;
    rec->tag = t;
    return 1;
}

int zki_parse_records(zki_parse_mode mode, zkbio_push_rec_type kind, const char *body, size_t len,
                      const char *charset, size_t max_records, zkbio_push_batch **out)
{
    if (!out || (!body && len))
        return ZKBIO_EINVAL;
    *out = NULL;
    zki_conv conv;
    int rc = zki_conv_open(&conv, charset);
    if (rc != ZKBIO_OK)
        return rc;
    batch_impl *b = batch_new(len);
    if (!b) {
        zki_conv_close(&conv);
        return ZKBIO_ENOMEM;
    }
    pctx c = {b, &conv};
    size_t pos = 0;
    unsigned lineno = 0;
    zki_span line;
    rc = ZKBIO_OK;
    while (body && zki_next_line(body, len, &pos, &line)) {
        lineno++;
        if (zki_span_blank(line))
            continue;
        zkbio_push_record *rec = batch_push(b);
        if (!rec) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        int r = mode == ZKI_MODE_ATTLOG ? parse_attlog(&c, line, rec)
                                        : parse_tagged(&c, mode, kind, line, rec);
        if (r == ZKBIO_ENOMEM) {
            rc = r;
            break;
        }
        if (r != 1) {
            malformed(b, lineno);
            continue;
        }
        if (max_records && b->pub.count == max_records) {
            rc = ZKBIO_ETOOBIG; /* one well-formed record more than allowed */
            break;
        }
        rec->line = lineno;
        b->pub.count++;
    }
    zki_conv_close(&conv);
    if (rc != ZKBIO_OK) {
        zkbio_push_batch_free(&b->pub);
        return rc;
    }
    *out = &b->pub;
    return ZKBIO_OK;
}

zkbio_push_table zkbio_push_table_from_name(const char *name)
{
    static const struct {
        const char *name;
        zkbio_push_table t;
    } names[] = {
        {"ATTLOG", ZKBIO_PUSH_TABLE_ATTLOG},     {"OPERLOG", ZKBIO_PUSH_TABLE_OPERLOG},
        {"BIODATA", ZKBIO_PUSH_TABLE_BIODATA},   {"options", ZKBIO_PUSH_TABLE_OPTIONS},
        {"ERRORLOG", ZKBIO_PUSH_TABLE_ERRORLOG}, {"ATTPHOTO", ZKBIO_PUSH_TABLE_ATTPHOTO},
        {"USERINFO", ZKBIO_PUSH_TABLE_USERINFO}, {"IDCARD", ZKBIO_PUSH_TABLE_IDCARD},
    };
    if (!name)
        return ZKBIO_PUSH_TABLE_UNKNOWN;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (zki_strieq(name, names[i].name))
            return names[i].t;
    return ZKBIO_PUSH_TABLE_UNKNOWN;
}

int zkbio_push_upload_parse(zkbio_push_table table, const char *body, size_t len,
                            const char *charset, size_t max_records, zkbio_push_batch **out)
{
    if (out)
        *out = NULL;
    switch (table) {
    case ZKBIO_PUSH_TABLE_ATTLOG:
        return zki_parse_records(ZKI_MODE_ATTLOG, 0, body, len, charset, max_records, out);
    case ZKBIO_PUSH_TABLE_OPERLOG:
    case ZKBIO_PUSH_TABLE_IDCARD:
        return zki_parse_records(ZKI_MODE_TAGGED, 0, body, len, charset, max_records, out);
    case ZKBIO_PUSH_TABLE_BIODATA:
        return zki_parse_records(ZKI_MODE_TAGGED, ZKBIO_PUSH_REC_BIODATA, body, len, charset,
                                 max_records, out);
    case ZKBIO_PUSH_TABLE_USERINFO:
        return zki_parse_records(ZKI_MODE_TAGGED, ZKBIO_PUSH_REC_USER, body, len, charset,
                                 max_records, out);
    case ZKBIO_PUSH_TABLE_ERRORLOG:
        return zki_parse_records(ZKI_MODE_TAGGED, ZKBIO_PUSH_REC_ERRORLOG, body, len, charset,
                                 max_records, out);
    case ZKBIO_PUSH_TABLE_OPTIONS:
    case ZKBIO_PUSH_TABLE_ATTPHOTO:
        return ZKBIO_ENOTSUP;
    default:
        return ZKBIO_EINVAL;
    }
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* kvlist: table=options bodies and DATA DELETE/QUERY conditions */
/* ------------------------------------------------------------------------------------------------------------
 */

typedef struct kv_impl {
    zkbio_push_kvlist pub;
    zki_arena arena;
} kv_impl;

void zkbio_push_kvlist_free(zkbio_push_kvlist *list)
{
    if (!list)
        return;
    kv_impl *k = (kv_impl *)list;
    zki_arena a = k->arena;
    zki_arena_free(&a);
}

const char *zkbio_push_kvlist_get(const zkbio_push_kvlist *list, const char *key)
{
    if (!list || !key)
        return NULL;
    for (size_t i = 0; i < list->count; i++)
        if (zki_strieq(list->keys[i], key))
            return list->values[i];
    return NULL;
}

/* Pairs are gathered as spans (a value may be several pieces joined by commas) and copied at the
 * end. */
typedef struct kv_piece {
    zki_span key;
    zki_span val; /* first piece of the value */
    size_t extra; /* pieces appended to it */
    size_t first; /* index of its first appended piece in the piece list */
} kv_piece;

typedef struct kv_build {
    kv_piece *pairs;
    size_t n, cap;
    zki_span *more; /* appended pieces, in order */
    size_t nm, capm;
} kv_build;

static int kvb_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 32;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem)
        return -1;
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = ncap;
    return 0;
}

static int kvb_piece(kv_build *kb, zki_span piece, int join)
{
    zki_span k, v;
    piece = zki_span_cut_nul(piece);
    if (zki_span_blank(piece))
        return 0; /* empty pieces (",,", a trailing comma) are dropped */
    if (!zki_kv_split(piece, &k, &v) || (join && zki_span_trim(k).n == 0)) {
        /* no '=': the value of the previous pair continues (values may hold commas) */
        if (!join || kb->n == 0)
            return 0;
        if (kvb_grow((void **)&kb->more, &kb->capm, kb->nm + 1, sizeof(*kb->more)))
            return -1;
        kv_piece *last = &kb->pairs[kb->n - 1];
        if (last->extra == 0)
            last->first = kb->nm;
        if (last->first + last->extra != kb->nm)
            return 0; /* cannot happen: pieces are appended in order */
        kb->more[kb->nm++] = piece;
        last->extra++;
        return 0;
    }
    k = zki_span_trim(k);
    if (k.n && k.p[0] == '~') {
        k.p++;
        k.n--;
    }
    if (k.n == 0)
        return 0;
    if (kvb_grow((void **)&kb->pairs, &kb->cap, kb->n + 1, sizeof(*kb->pairs)))
        return -1;
    kv_piece *p = &kb->pairs[kb->n++];
    p->key = k;
    p->val = v;
    p->extra = 0;
    p->first = 0;
    return 0;
}

static int kvb_finish(kv_build *kb, size_t hint, zkbio_push_kvlist **out)
{
    zki_arena a;
    zki_arena_init(&a, hint + kb->n * (2 * sizeof(char *) + 2) + 256);
    kv_impl *k = zki_arena_alloc(&a, sizeof(*k));
    const char **keys = zki_arena_alloc(&a, (kb->n ? kb->n : 1) * sizeof(char *));
    const char **vals = zki_arena_alloc(&a, (kb->n ? kb->n : 1) * sizeof(char *));
    if (!k || !keys || !vals)
        goto nomem;
    for (size_t i = 0; i < kb->n; i++) {
        kv_piece *p = &kb->pairs[i];
        keys[i] = zki_text_dup(&a, p->key, NULL);
        if (!keys[i])
            goto nomem;
        if (p->extra == 0) {
            vals[i] = zki_text_dup(&a, p->val, NULL);
        } else {
            /* join the pieces with commas, then validate as one value */
            size_t total = p->val.n;
            for (size_t j = 0; j < p->extra; j++)
                total += 1 + kb->more[p->first + j].n;
            char *tmp = malloc(total + 1);
            if (!tmp)
                goto nomem;
            memcpy(tmp, p->val.p, p->val.n);
            size_t o = p->val.n;
            for (size_t j = 0; j < p->extra; j++) {
                zki_span m = kb->more[p->first + j];
                tmp[o++] = ',';
                memcpy(tmp + o, m.p, m.n);
                o += m.n;
            }
            zki_span js = {tmp, o};
            vals[i] = zki_text_dup(&a, js, NULL);
            free(tmp);
        }
        if (!vals[i])
            goto nomem;
    }
    memset(k, 0, sizeof(*k));
    k->pub.count = kb->n;
    k->pub.keys = keys;
    k->pub.values = vals;
    k->arena = a;
    *out = &k->pub;
    return ZKBIO_OK;
nomem:
    zki_arena_free(&a);
    return ZKBIO_ENOMEM;
}

static void kvb_free(kv_build *kb)
{
    free(kb->pairs);
    free(kb->more);
}

int zkbio_push_options_parse(const char *body, size_t len, zkbio_push_kvlist **out)
{
    if (!out || (!body && len))
        return ZKBIO_EINVAL;
    *out = NULL;
    kv_build kb = {0};
    size_t pos = 0;
    zki_span line;
    int rc = ZKBIO_OK;
    while (body && zki_next_line(body, len, &pos, &line)) {
        zki_span rest = line, piece;
        while (zki_next_field(&rest, ',', &piece)) {
            if (kvb_piece(&kb, piece, 1) != 0) {
                rc = ZKBIO_ENOMEM;
                goto done;
            }
        }
    }
    rc = kvb_finish(&kb, len, out);
done:
    kvb_free(&kb);
    return rc;
}

int zki_kvlist_from_fields(const char *text, size_t len, zkbio_push_kvlist **out)
{
    kv_build kb = {0};
    int rc = ZKBIO_OK;
    size_t pos = 0;
    zki_span line;
    while (text && zki_next_line(text, len, &pos, &line)) {
        zki_span rest = line, piece;
        while (zki_next_field(&rest, '\t', &piece)) {
            if (kvb_piece(&kb, piece, 0) != 0) {
                rc = ZKBIO_ENOMEM;
                goto done;
            }
        }
    }
    rc = kvb_finish(&kb, len, out);
done:
    kvb_free(&kb);
    return rc;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* ATTPHOTO */
/* ------------------------------------------------------------------------------------------------------------
 */

/* A photo name is stored and may become a file name: refuse path separators, "..", control bytes.
 */
static int photo_name_ok(zki_span n)
{
    if (n.n == 0 || (n.n == 1 && n.p[0] == '.') || (n.n == 2 && n.p[0] == '.' && n.p[1] == '.'))
        return 0;
    for (size_t i = 0; i < n.n; i++) {
        unsigned char ch = (unsigned char)n.p[i];
        if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\')
            return 0;
    }
    return 1;
}

int zkbio_push_attphoto_parse(const char *body, size_t len, char *name, size_t name_size,
                              size_t *photo_offset, size_t *photo_len)
{
    if (!body || !name || name_size == 0 || !photo_offset || !photo_len)
        return ZKBIO_EINVAL;
    name[0] = '\0';
    const char *nul = memchr(body, '\0', len);
    if (!nul)
        return ZKBIO_EPROTO;
    size_t hlen = (size_t)(nul - body);
    size_t off = hlen + 1;
    size_t avail = len - off;
    zki_span pin = {NULL, 0};
    int have_pin = 0, have_size = 0;
    int64_t size = 0;
    size_t pos = 0;
    zki_span line;
    while (zki_next_line(body, hlen, &pos, &line)) {
        zki_span k, v;
        if (!zki_kv_split(line, &k, &v))
            continue;
        k = zki_span_trim(k);
        if (!have_pin && zki_span_ieq(k, "PIN")) {
            pin = zki_span_trim(v);
            have_pin = 1;
        } else if (!have_size && zki_span_ieq(k, "size")) {
            if (zki_parse_int(v, 0, INT64_MAX, &size) != 1)
                return ZKBIO_EPROTO;
            have_size = 1;
        }
    }
    if (!have_pin || !photo_name_ok(pin))
        return ZKBIO_EPROTO;
    if (have_size && (uint64_t)size > avail)
        return ZKBIO_EPROTO;
    if (pin.n + 1 > name_size) {
        memcpy(name, pin.p, name_size - 1);
        name[name_size - 1] = '\0';
        return ZKBIO_ENOSPC;
    }
    memcpy(name, pin.p, pin.n);
    name[pin.n] = '\0';
    *photo_offset = off;
    *photo_len = have_size ? (size_t)size : avail;
    return ZKBIO_OK;
}
