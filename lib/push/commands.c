/* SPDX-License-Identifier: Apache-2.0 */
/* Server commands (push.md §4.2, §4.3): formatters, framing, the device-side getrequest and DATA
 * parsers, and the device-side upload line formatters (§3.1, §3.2). */
#include <stdlib.h>
#include <string.h>

#include "push/zki_push.h"

/* ------------------------------------------------------------------------------------------------------------
 */
/* helpers */
/* ------------------------------------------------------------------------------------------------------------
 */

static int pin_arg_ok(const char *pin)
{
    return pin && zki_pin_ok(pin, strlen(pin));
}

static int bad_buf(const char *buf, size_t size)
{
    return !buf && size;
}

/* `<sep><key>=<value>` with the value sanitised */
static void f_str(zki_wbuf *w, const char *sep, const char *key, const char *value)
{
    zki_w_str(w, sep);
    zki_w_str(w, key);
    zki_w_str(w, "=");
    zki_w_val(w, value);
}

static void f_int(zki_wbuf *w, const char *sep, const char *key, int64_t v)
{
    zki_w_str(w, sep);
    zki_w_str(w, key);
    zki_w_str(w, "=");
    zki_w_int(w, v);
}

static int nonempty(const char *s)
{
    return s && zki_val_len(s) > 0;
}

static int32_t or_default(int32_t v, int32_t def)
{
    return v < 0 ? def : v;
}

const char *zkbio_push_data_table_name(zkbio_push_data_table table)
{
    switch (table) {
    case ZKBIO_PUSH_DT_USERINFO:
        return "USERINFO";
    case ZKBIO_PUSH_DT_FINGERTMP:
        return "FINGERTMP";
    case ZKBIO_PUSH_DT_FACE:
        return "FACE";
    case ZKBIO_PUSH_DT_FVEIN:
        return "FVEIN";
    case ZKBIO_PUSH_DT_BIODATA:
        return "BIODATA";
    case ZKBIO_PUSH_DT_USERPIC:
        return "USERPIC";
    case ZKBIO_PUSH_DT_BIOPHOTO:
        return "BIOPHOTO";
    case ZKBIO_PUSH_DT_ATTLOG:
        return "ATTLOG";
    case ZKBIO_PUSH_DT_ATTPHOTO:
        return "ATTPHOTO";
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* DATA UPDATE / DELETE / QUERY */
/* ------------------------------------------------------------------------------------------------------------
 */

/* USER fields in command order; used by the command and by the OPERLOG line (`all` = write every
 * field). */
static void user_fields(zki_wbuf *w, const zkbio_push_user *u, unsigned flags, int all)
{
    f_str(w, "", "PIN", u->pin);
    f_str(w, "\t", "Name", u->name);
    const char *pri = (flags & ZKBIO_PUSH_FMT_PRIVILEGE) ? "Privilege" : "Pri";
    if (all || u->privilege >= 0)
        f_int(w, "\t", pri, u->privilege);
    if (all || nonempty(u->password))
        f_str(w, "\t", "Passwd", u->password);
    if (all || nonempty(u->card))
        f_str(w, "\t", "Card", u->card);
    if (all || nonempty(u->group))
        f_str(w, "\t", "Grp", u->group);
    if (all || nonempty(u->tz))
        f_str(w, "\t", "TZ", u->tz);
    if (all || u->verify != -1)
        f_int(w, "\t", "Verify", u->verify);
    if (all || nonempty(u->vice_card))
        f_str(w, "\t", "ViceCard", u->vice_card);
}

int zkbio_push_cmd_user_update(const zkbio_push_user *user, unsigned flags, char *buf, size_t size,
                               size_t *len)
{
    if (!user || !pin_arg_ok(user->pin) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "DATA UPDATE USERINFO ");
    user_fields(&w, user, flags, 0);
    return zki_w_finish(&w, len);
}

static int tmpl_type_ok(zkbio_push_data_table table, int32_t type)
{
    switch (table) {
    case ZKBIO_PUSH_DT_FINGERTMP:
        return type == -1 || type == 1;
    case ZKBIO_PUSH_DT_FACE:
        return type == -1 || type == 2;
    case ZKBIO_PUSH_DT_FVEIN:
        return type == -1 || type == 7;
    case ZKBIO_PUSH_DT_BIODATA:
        return type >= 0;
    default:
        return 0;
    }
}

/* Template fields in wire order for a DATA UPDATE table (`upload` selects the OPERLOG line
 * spelling). */
static void tmpl_fields(zki_wbuf *w, zkbio_push_data_table table, const zkbio_push_template *t,
                        int upload)
{
    int64_t size = (int64_t)zki_val_len(t->tmp);
    int32_t no = or_default(t->no, 0), index = or_default(t->index, 0),
            valid = or_default(t->valid, 1);
    switch (table) {
    case ZKBIO_PUSH_DT_FINGERTMP:
        f_str(w, "", "PIN", t->pin);
        f_int(w, "\t", "FID", no);
        f_int(w, "\t", "Size", size);
        f_int(w, "\t", "Valid", valid);
        f_str(w, "\t", "TMP", t->tmp);
        break;
    case ZKBIO_PUSH_DT_FACE:
        f_str(w, "", "PIN", t->pin);
        f_int(w, "\t", "FID", no);
        if (upload) { /* the OPERLOG FACE line uses upper-case keys and Size before Valid (push.md
                         §3.2) */
            f_int(w, "\t", "SIZE", size);
            f_int(w, "\t", "VALID", valid);
        } else {
            f_int(w, "\t", "Valid", valid);
            f_int(w, "\t", "Size", size);
        }
        f_str(w, "\t", "TMP", t->tmp);
        break;
    case ZKBIO_PUSH_DT_FVEIN:
        f_str(w, "", "Pin", t->pin);
        f_int(w, "\t", "FID", no);
        f_int(w, "\t", "Index", index);
        if (upload) {
            f_int(w, "\t", "Size", size);
            f_int(w, "\t", "Valid", valid);
        } else {
            f_int(w, "\t", "Valid", valid);
            f_int(w, "\t", "Size", size);
        }
        f_str(w, "\t", "Tmp", t->tmp);
        break;
    default: /* BIODATA */
        f_str(w, "", "Pin", t->pin);
        f_int(w, "\t", "No", no);
        f_int(w, "\t", "Index", index);
        f_int(w, "\t", "Valid", valid);
        f_int(w, "\t", "Duress", or_default(t->duress, 0));
        f_int(w, "\t", "Type", t->type);
        f_int(w, "\t", "MajorVer", or_default(t->major_ver, 0));
        f_int(w, "\t", "MinorVer", or_default(t->minor_ver, 0));
        f_int(w, "\t", "Format", or_default(t->format, 0));
        f_str(w, "\t", "Tmp", t->tmp);
        break;
    }
}

int zkbio_push_cmd_template_update(zkbio_push_data_table table, const zkbio_push_template *tmpl,
                                   char *buf, size_t size, size_t *len)
{
    if (!tmpl || !pin_arg_ok(tmpl->pin) || !nonempty(tmpl->tmp) ||
        !tmpl_type_ok(table, tmpl->type) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "DATA UPDATE ");
    zki_w_str(&w, zkbio_push_data_table_name(table));
    zki_w_str(&w, " ");
    tmpl_fields(&w, table, tmpl, 0);
    return zki_w_finish(&w, len);
}

int zkbio_push_cmd_photo_update(zkbio_push_data_table table, const zkbio_push_photo *photo,
                                char *buf, size_t size, size_t *len)
{
    if (!photo || !pin_arg_ok(photo->pin) || !nonempty(photo->content) ||
        (table != ZKBIO_PUSH_DT_USERPIC && table != ZKBIO_PUSH_DT_BIOPHOTO) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "DATA UPDATE ");
    zki_w_str(&w, zkbio_push_data_table_name(table));
    f_str(&w, " ", "PIN", photo->pin);
    if (table == ZKBIO_PUSH_DT_BIOPHOTO && photo->type >= 0)
        f_int(&w, "\t", "Type", photo->type);
    f_int(&w, "\t", "Size", (int64_t)zki_val_len(photo->content));
    f_str(&w, "\t", "Content", photo->content);
    return zki_w_finish(&w, len);
}

int zkbio_push_cmd_delete(zkbio_push_data_table table, const char *pin, int32_t type, int32_t no,
                          char *buf, size_t size, size_t *len)
{
    if (!pin_arg_ok(pin) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "DATA DELETE ");
    switch (table) {
    case ZKBIO_PUSH_DT_USERINFO:
    case ZKBIO_PUSH_DT_FACE:
    case ZKBIO_PUSH_DT_USERPIC:
    case ZKBIO_PUSH_DT_BIOPHOTO:
        zki_w_str(&w, zkbio_push_data_table_name(table));
        f_str(&w, " ", "PIN", pin);
        break;
    case ZKBIO_PUSH_DT_FINGERTMP:
    case ZKBIO_PUSH_DT_FVEIN: /* the same fields, but FVEIN spells its key `Pin` */
        zki_w_str(&w, zkbio_push_data_table_name(table));
        f_str(&w, " ", table == ZKBIO_PUSH_DT_FVEIN ? "Pin" : "PIN", pin);
        if (no >= 0)
            f_int(&w, "\t", "FID", no);
        break;
    case ZKBIO_PUSH_DT_BIODATA:
        zki_w_str(&w, "BIODATA");
        f_str(&w, " ", "Pin", pin);
        if (type >= 0) {
            f_int(&w, "\t", "Type", type);
            if (no >= 0)
                f_int(&w, "\t", "No", no);
        }
        break;
    default:
        return ZKBIO_EINVAL;
    }
    return zki_w_finish(&w, len);
}

static int time_arg(const char *s, char out[20])
{
    if (!s)
        return -1;
    zki_span sp = {s, strlen(s)};
    return zki_parse_time(sp, out);
}

int zkbio_push_cmd_query(zkbio_push_data_table table, const char *pin, const char *start_time,
                         const char *end_time, int32_t type, int32_t no, char *buf, size_t size,
                         size_t *len)
{
    if (bad_buf(buf, size))
        return ZKBIO_EINVAL;
    char t0[20], t1[20];
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "DATA QUERY ");
    switch (table) {
    case ZKBIO_PUSH_DT_ATTLOG:
    case ZKBIO_PUSH_DT_ATTPHOTO:
        if (time_arg(start_time, t0) != 0 || time_arg(end_time, t1) != 0)
            return ZKBIO_EINVAL;
        zki_w_str(&w, zkbio_push_data_table_name(table));
        f_str(&w, " ", "StartTime", t0);
        f_str(&w, "\t", "EndTime", t1);
        break;
    case ZKBIO_PUSH_DT_USERINFO:
        if (pin && *pin && !pin_arg_ok(pin))
            return ZKBIO_EINVAL;
        zki_w_str(&w, "USERINFO");
        if (pin && *pin)
            f_str(&w, " ", "PIN", pin);
        break;
    case ZKBIO_PUSH_DT_FINGERTMP:
        if (!pin_arg_ok(pin))
            return ZKBIO_EINVAL;
        zki_w_str(&w, "FINGERTMP");
        f_str(&w, " ", "PIN", pin);
        if (no >= 0)
            f_int(&w, "\t", "FingerID", no);
        break;
    case ZKBIO_PUSH_DT_BIODATA:
        if (type < 0 || (pin && *pin && !pin_arg_ok(pin)))
            return ZKBIO_EINVAL;
        zki_w_str(&w, "BIODATA");
        f_int(&w, " ", "Type", type);
        if (pin && *pin) {
            f_str(&w, "\t", "PIN", pin);
            if (no >= 0)
                f_int(&w, "\t", "No", no);
        }
        break;
    default:
        return ZKBIO_EINVAL;
    }
    return zki_w_finish(&w, len);
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* other commands */
/* ------------------------------------------------------------------------------------------------------------
 */

int zkbio_push_cmd_simple(zkbio_push_simple_cmd cmd, char *buf, size_t size, size_t *len)
{
    static const char *const names[] = {
        NULL,        "CHECK",       "INFO",       "LOG",           "REBOOT",
        "CLEAR LOG", "CLEAR PHOTO", "CLEAR DATA", "CLEAR BIODATA", "RELOAD OPTIONS",
        "AC_UNLOCK", "AC_UNALARM"};
    if ((int)cmd < 1 || (size_t)cmd >= sizeof(names) / sizeof(names[0]) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, names[cmd]);
    return zki_w_finish(&w, len);
}

int zkbio_push_cmd_set_option(const char *key, const char *value, char *buf, size_t size,
                              size_t *len)
{
    if (!key || !*key || !value || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    for (const char *p = key; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '~'))
            return ZKBIO_EINVAL;
    }
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "SET OPTION ");
    f_str(&w, "", key, value);
    return zki_w_finish(&w, len);
}

int zkbio_push_cmd_enroll_fp(const char *pin, int32_t fid, int32_t retry, int overwrite, char *buf,
                             size_t size, size_t *len)
{
    if (!pin_arg_ok(pin) || fid < 0 || retry < 0 || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "ENROLL_FP");
    f_str(&w, " ", "PIN", pin);
    f_int(&w, "\t", "FID", fid);
    f_int(&w, "\t", "RETRY", retry);
    f_int(&w, "\t", "OVERWRITE", overwrite ? 1 : 0);
    return zki_w_finish(&w, len);
}

int zkbio_push_cmd_enroll_bio(int32_t type, const char *pin, int32_t retry, int overwrite,
                              char *buf, size_t size, size_t *len)
{
    if (!pin_arg_ok(pin) || type < 0 || retry < 0 || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "ENROLL_BIO");
    f_int(&w, " ", "TYPE", type);
    f_str(&w, "\t", "PIN", pin);
    f_int(&w, "\t", "RETRY", retry);
    f_int(&w, "\t", "OVERWRITE", overwrite ? 1 : 0);
    return zki_w_finish(&w, len);
}

int zkbio_push_cmd_verify_sum(const char *start_time, const char *end_time, char *buf, size_t size,
                              size_t *len)
{
    char t0[20], t1[20];
    if (time_arg(start_time, t0) != 0 || time_arg(end_time, t1) != 0 || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "VERIFY SUM ATTLOG");
    f_str(&w, " ", "StartTime", t0);
    f_str(&w, "\t", "EndTime", t1);
    return zki_w_finish(&w, len);
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* framing */
/* ------------------------------------------------------------------------------------------------------------
 */

int zkbio_push_command_frame(const char *id, const char *command, char *buf, size_t size,
                             size_t *len)
{
    if (!zkbio_push_cmdid_valid(id) || !command || !buf || !len || *len >= size)
        return ZKBIO_EINVAL;
    /* command text: CR dropped, inner LFs kept (record continuations), leading/trailing LFs dropped
     */
    size_t b = 0, e = strlen(command);
    while (b < e && (command[b] == '\n' || command[b] == '\r'))
        b++;
    while (e > b && (command[e - 1] == '\n' || command[e - 1] == '\r'))
        e--;
    if (b == e)
        return ZKBIO_EINVAL;
    size_t n = 0;
    int line_start = 0, seen_c = 0;
    for (size_t i = b; i < e; i++) {
        char ch = command[i];
        if (ch == '\r')
            continue;
        n++;
        /* a continuation line must not read as a new `C:` command once CRs are gone */
        if (line_start && ch == 'C') {
            seen_c = 1;
            line_start = 0;
            continue;
        }
        if (seen_c && ch == ':')
            return ZKBIO_EINVAL;
        seen_c = 0;
        line_start = ch == '\n';
    }
    size_t need = 2 + strlen(id) + 1 + n + 1; /* C:<id>:<command>\n */
    if (need > size - *len - 1)
        return ZKBIO_ENOSPC;
    char *o = buf + *len;
    *o++ = 'C';
    *o++ = ':';
    memcpy(o, id, strlen(id));
    o += strlen(id);
    *o++ = ':';
    for (size_t i = b; i < e; i++)
        if (command[i] != '\r')
            *o++ = command[i];
    *o++ = '\n';
    *o = '\0';
    *len += need;
    return ZKBIO_OK;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* device side: getrequest replies and DATA commands */
/* ------------------------------------------------------------------------------------------------------------
 */

typedef struct cmds_impl {
    zkbio_push_commands pub;
    zki_arena arena;
} cmds_impl;

void zkbio_push_commands_free(zkbio_push_commands *cmds)
{
    if (!cmds)
        return;
    cmds_impl *c = (cmds_impl *)cmds;
    zki_arena a = c->arena;
    zki_arena_free(&a);
}

int zkbio_push_commands_parse(const char *body, size_t len, zkbio_push_commands **out)
{
    if (!out || (!body && len))
        return ZKBIO_EINVAL;
    *out = NULL;
    /* pass 1: validate and size */
    size_t ncmd = 0, total = 0, pos = 0;
    int seen_cmd = 0;
    zki_span line;
    while (body && zki_next_line(body, len, &pos, &line)) {
        line = zki_span_cut_nul(line);
        if (zki_span_blank(line))
            continue;
        if (line.n >= 2 && line.p[0] == 'C' && line.p[1] == ':') {
            const char *c2 = memchr(line.p + 2, ':', line.n - 2);
            if (!c2 || c2 == line.p + 2)
                return ZKBIO_EPROTO; /* `C:` without an id and a second colon */
            ncmd++;
            total += line.n + 1;
            seen_cmd = 1;
        } else if (!seen_cmd) {
            if (!zki_span_ieq(zki_span_trim(line), "OK"))
                return ZKBIO_EPROTO;
        } else {
            total += line.n + 1;
        }
    }
    zki_arena a;
    zki_arena_init(&a, total + ncmd * sizeof(zkbio_push_command) + sizeof(cmds_impl) + 64);
    cmds_impl *c = zki_arena_alloc(&a, sizeof(*c));
    zkbio_push_command *cmds = zki_arena_alloc(&a, (ncmd ? ncmd : 1) * sizeof(*cmds));
    if (!c || !cmds) {
        zki_arena_free(&a);
        return ZKBIO_ENOMEM;
    }
    memset(c, 0, sizeof(*c));
    /* pass 2: copy; a command's text is sized by looking ahead over its continuation lines */
    size_t k = 0;
    char *text = NULL;
    size_t tlen = 0;
    pos = 0;
    while (body && zki_next_line(body, len, &pos, &line)) {
        line = zki_span_cut_nul(line);
        if (zki_span_blank(line))
            continue;
        if (line.n >= 2 && line.p[0] == 'C' && line.p[1] == ':') {
            const char *c2 = memchr(line.p + 2, ':', line.n - 2);
            zki_span id = {line.p + 2, (size_t)(c2 - (line.p + 2))};
            size_t first = line.n - (size_t)(c2 + 1 - line.p);
            size_t need = first, ahead = pos;
            zki_span l2;
            while (zki_next_line(body, len, &ahead, &l2)) {
                l2 = zki_span_cut_nul(l2);
                if (zki_span_blank(l2))
                    continue;
                if (l2.n >= 2 && l2.p[0] == 'C' && l2.p[1] == ':')
                    break;
                need += 1 + l2.n;
            }
            char *ids = zki_arena_strndup(&a, id.p, id.n);
            text = zki_arena_alloc(&a, need + 1);
            if (!ids || !text) {
                zki_arena_free(&a);
                return ZKBIO_ENOMEM;
            }
            memcpy(text, c2 + 1, first);
            tlen = first;
            text[tlen] = '\0';
            cmds[k].id = ids;
            cmds[k].text = text;
            k++;
        } else if (text) {
            text[tlen++] = '\n';
            memcpy(text + tlen, line.p, line.n);
            tlen += line.n;
            text[tlen] = '\0';
        }
    }
    c->pub.count = k;
    c->pub.cmds = cmds;
    c->arena = a;
    *out = &c->pub;
    return ZKBIO_OK;
}

void zkbio_push_data_cmd_free(zkbio_push_data_cmd *cmd)
{
    if (!cmd)
        return;
    zkbio_push_batch_free(cmd->records);
    zkbio_push_kvlist_free(cmd->cond);
    free(cmd);
}

/* Next word of s (separated by spaces or HT); s advances past it and one separator. */
static zki_span next_word(zki_span *s)
{
    while (s->n && (s->p[0] == ' ' || s->p[0] == '\t')) {
        s->p++;
        s->n--;
    }
    size_t i = 0;
    while (i < s->n && s->p[i] != ' ' && s->p[i] != '\t' && s->p[i] != '\n' && s->p[i] != '\r')
        i++;
    zki_span w = {s->p, i};
    s->p += i;
    s->n -= i;
    if (s->n && (s->p[0] == ' ' || s->p[0] == '\t')) {
        s->p++;
        s->n--;
    }
    return w;
}

/* Tables of push.md §4.3/§4.4 that this codec knows by name but does not model. */
static int known_unmodelled(zki_span t)
{
    static const char *const names[] = {
        "SMS",           "USER_SMS",  "WORKCODE",    "ADPIC",       "ShortcutKey",   "IDCARD",
        "Blacklist",     "AccGroup",  "AccTimeZone", "AccHoliday",  "AccUnLockComb", "user",
        "userauthorize", "timezone",  "holiday",     "templatev10", "extuser",       "identitycard",
        "OPTIONS",       "FIRSTCARD", "MULTIMCARD",  "INOUTFUN"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (zki_span_ieq(t, names[i]))
            return 1;
    return 0;
}

int zkbio_push_data_cmd_parse(const char *text, size_t len, zkbio_push_data_cmd **out)
{
    if (!out || (!text && len))
        return ZKBIO_EINVAL;
    *out = NULL;
    zki_span s = zki_span_cut_nul((zki_span){text ? text : "", text ? len : 0});
    zki_span w = next_word(&s);
    if (!zki_span_ieq(w, "DATA"))
        return ZKBIO_EPROTO;
    w = next_word(&s);
    zkbio_push_data_verb verb;
    if (zki_span_ieq(w, "UPDATE"))
        verb = ZKBIO_PUSH_DATA_UPDATE;
    else if (zki_span_ieq(w, "DELETE"))
        verb = ZKBIO_PUSH_DATA_DELETE;
    else if (zki_span_ieq(w, "QUERY"))
        verb = ZKBIO_PUSH_DATA_QUERY;
    else
        return ZKBIO_EPROTO;
    w = next_word(&s);
    zkbio_push_data_table table = 0;
    for (int t = ZKBIO_PUSH_DT_USERINFO; t <= ZKBIO_PUSH_DT_ATTPHOTO; t++) {
        if (zki_span_ieq(w, zkbio_push_data_table_name((zkbio_push_data_table)t))) {
            table = (zkbio_push_data_table)t;
            break;
        }
    }
    if (!table)
        return known_unmodelled(w) ? ZKBIO_ENOTSUP : ZKBIO_EPROTO;

    zkbio_push_data_cmd *dc = calloc(1, sizeof(*dc));
    if (!dc)
        return ZKBIO_ENOMEM;
    dc->verb = verb;
    dc->table = table;
    int rc;
    if (verb == ZKBIO_PUSH_DATA_UPDATE) {
        static const zkbio_push_rec_type kinds[] = {
            0,
            ZKBIO_PUSH_REC_USER,    /* USERINFO */
            ZKBIO_PUSH_REC_FP,      /* FINGERTMP */
            ZKBIO_PUSH_REC_FACE,    /* FACE */
            ZKBIO_PUSH_REC_FVEIN,   /* FVEIN */
            ZKBIO_PUSH_REC_BIODATA, /* BIODATA */
            ZKBIO_PUSH_REC_USERPIC, /* USERPIC */
            ZKBIO_PUSH_REC_BIOPHOTO /* BIOPHOTO */
        };
        if (table == ZKBIO_PUSH_DT_ATTLOG || table == ZKBIO_PUSH_DT_ATTPHOTO) {
            free(dc);
            return ZKBIO_ENOTSUP;
        }
        rc = zki_parse_records(ZKI_MODE_FORCED, kinds[table], s.p, s.n, NULL, 0, &dc->records);
        if (rc == ZKBIO_OK && dc->records->count == 0)
            rc = ZKBIO_EPROTO;
    } else {
        rc = zki_kvlist_from_fields(s.p, s.n, &dc->cond);
    }
    if (rc != ZKBIO_OK) {
        zkbio_push_data_cmd_free(dc);
        return rc;
    }
    *out = dc;
    return ZKBIO_OK;
}

/* ------------------------------------------------------------------------------------------------------------
 */
/* device side: upload lines */
/* ------------------------------------------------------------------------------------------------------------
 */

int zkbio_push_attlog_format(const zkbio_push_attlog *rec, char *buf, size_t size, size_t *len)
{
    char t[20];
    if (!rec || !pin_arg_ok(rec->pin) || time_arg(rec->time, t) != 0 ||
        (rec->n_extra && !rec->extra) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_val(&w, rec->pin);
    zki_w_str(&w, "\t");
    zki_w_str(&w, t);
    zki_w_str(&w, "\t");
    if (rec->status != -1)
        zki_w_int(&w, rec->status);
    zki_w_str(&w, "\t");
    if (rec->verify != -1)
        zki_w_int(&w, rec->verify);
    zki_w_str(&w, "\t");
    zki_w_val(&w, rec->workcode);
    zki_w_str(&w, "\t0\t0");
    for (size_t i = 0; i < rec->n_extra; i++) {
        zki_w_str(&w, "\t");
        zki_w_val(&w, rec->extra[i]);
    }
    return zki_w_finish(&w, len);
}

int zkbio_push_user_format(const zkbio_push_user *user, char *buf, size_t size, size_t *len)
{
    if (!user || !pin_arg_ok(user->pin) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "USER ");
    user_fields(&w, user, 0, 1);
    if (nonempty(user->start_datetime))
        f_str(&w, "\t", "StartDatetime", user->start_datetime);
    if (nonempty(user->end_datetime))
        f_str(&w, "\t", "EndDatetime", user->end_datetime);
    return zki_w_finish(&w, len);
}

int zkbio_push_template_format(zkbio_push_rec_type rec_type, const zkbio_push_template *tmpl,
                               char *buf, size_t size, size_t *len)
{
    zkbio_push_data_table table;
    const char *tag;
    switch (rec_type) {
    case ZKBIO_PUSH_REC_FP:
        table = ZKBIO_PUSH_DT_FINGERTMP;
        tag = "FP ";
        break;
    case ZKBIO_PUSH_REC_FACE:
        table = ZKBIO_PUSH_DT_FACE;
        tag = "FACE ";
        break;
    case ZKBIO_PUSH_REC_FVEIN:
        table = ZKBIO_PUSH_DT_FVEIN;
        tag = "FVEIN ";
        break;
    case ZKBIO_PUSH_REC_BIODATA:
        table = ZKBIO_PUSH_DT_BIODATA;
        tag = "BIODATA ";
        break;
    default:
        return ZKBIO_EINVAL;
    }
    if (!tmpl || !pin_arg_ok(tmpl->pin) || !nonempty(tmpl->tmp) ||
        (table == ZKBIO_PUSH_DT_BIODATA && tmpl->type < 0) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, tag);
    tmpl_fields(&w, table, tmpl, 1);
    return zki_w_finish(&w, len);
}

int zkbio_push_oplog_format(const zkbio_push_oplog *rec, char *buf, size_t size, size_t *len)
{
    char t[20];
    if (!rec || time_arg(rec->time, t) != 0 || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, "OPLOG ");
    zki_w_int(&w, rec->op_type);
    zki_w_str(&w, "\t");
    if (nonempty(rec->admin))
        zki_w_val(&w, rec->admin);
    else
        zki_w_str(&w, "0");
    zki_w_str(&w, "\t");
    zki_w_str(&w, t);
    const int64_t v[4] = {rec->v1, rec->v2, rec->v3, rec->reserved};
    for (size_t i = 0; i < 4; i++) {
        zki_w_str(&w, "\t");
        zki_w_int(&w, v[i]);
    }
    return zki_w_finish(&w, len);
}

int zkbio_push_photo_format(zkbio_push_rec_type rec_type, const zkbio_push_photo *photo, char *buf,
                            size_t size, size_t *len)
{
    if ((rec_type != ZKBIO_PUSH_REC_USERPIC && rec_type != ZKBIO_PUSH_REC_BIOPHOTO) || !photo ||
        !pin_arg_ok(photo->pin) || !nonempty(photo->content) || bad_buf(buf, size))
        return ZKBIO_EINVAL;
    zki_wbuf w;
    zki_w_init(&w, buf, size);
    zki_w_str(&w, rec_type == ZKBIO_PUSH_REC_USERPIC ? "USERPIC" : "BIOPHOTO");
    f_str(&w, " ", "PIN", photo->pin);
    f_str(&w, "\t", "FileName", photo->file_name);
    if (rec_type == ZKBIO_PUSH_REC_BIOPHOTO && photo->type >= 0)
        f_int(&w, "\t", "Type", photo->type);
    f_int(&w, "\t", "Size", (int64_t)zki_val_len(photo->content));
    f_str(&w, "\t", "Content", photo->content);
    return zki_w_finish(&w, len);
}
