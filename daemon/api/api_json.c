/* SPDX-License-Identifier: Apache-2.0 */
/* JSON of the management API from the store's rows (api_json.h). */
#include <stdio.h>
#include <string.h>

#include "zkbio/push.h"

#include "api_json.h"
#include "core.h"

/* An instant as ISO-8601 UTC, or null when unknown (0). */
static json_t *iso_or_null(int64_t t)
{
    if (t <= 0)
        return json_null();
    char buf[32];
    zc_iso_time((time_t)t, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *count_or_null(int64_t n)
{
    return n >= 0 ? json_integer(n) : json_null();
}

/* A device's wall clock "YYYY-MM-DD HH:MM:SS" as "YYYY-MM-DDTHH:MM:SS". */
static json_t *wall_json(const char *t)
{
    char buf[20];
    if (!t || strlen(t) != 19)
        return json_string(t ? t : "");
    memcpy(buf, t, 20);
    buf[10] = 'T';
    return json_string(buf);
}

json_t *zapi_device_json(const zs_device *d, int online, int detail)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "sn", json_string(d->sn));
    json_object_set_new(o, "serial_number", json_string(d->sn));
    json_object_set_new(o, "transport", json_string(d->transport));
    json_object_set_new(o, "name", json_string(d->name));
    json_object_set_new(o, "location", json_string(d->location));
    json_object_set_new(o, "ip", json_string(d->ip));
    json_object_set_new(o, "port", d->port > 0 ? json_integer(d->port) : json_null());
    json_object_set_new(o, "udp", json_boolean(d->udp));
    json_object_set_new(o, "comm_key_set", json_boolean(d->comm_key_set));
    json_object_set_new(o, "tz", json_string(d->tz));
    json_object_set_new(o, "online", json_boolean(online));
    json_object_set_new(o, "state", json_string(d->state));
    json_object_set_new(o, "last_contact", iso_or_null(d->last_seen));
    json_object_set_new(o, "last_error", json_string(d->last_error));
    /* counts: what a tcp4370 terminal last reported, else a PUSH terminal's INFO line */
    int64_t users = d->user_count, fps = d->fp_count, punches = d->punch_count;
    zkbio_push_info info;
    if ((users < 0 || fps < 0 || punches < 0) && d->info && d->info[0] &&
        zkbio_push_info_parse(d->info, strlen(d->info), &info) == 0) {
        if (users < 0)
            users = info.user_count;
        if (fps < 0)
            fps = info.fp_count;
        if (punches < 0)
            punches = info.att_count;
    }
    json_object_set_new(o, "counts",
                        json_pack("{s:o,s:o,s:o}", "users", count_or_null(users), "fingerprints",
                                  count_or_null(fps), "punches", count_or_null(punches)));
    json_object_set_new(o, "model", json_string(d->model));
    json_object_set_new(o, "firmware", json_string(d->firmware));
    json_object_set_new(o, "push_version", json_string(d->push_version));
    json_object_set_new(o, "device_type", json_string(d->device_type));
    json_object_set_new(o, "language", json_integer(d->language));
    json_object_set_new(o, "sync_group", json_string(d->sync_group));
    json_object_set_new(o, "enabled", json_boolean(d->enabled));
    json_object_set_new(o, "registered_at", iso_or_null(d->registered_at));
    json_object_set_new(o, "created_by", json_string(d->created_by));
    /* issue 15: admission, address pinning, the 4370 serial-number flag */
    json_object_set_new(o, "admission", json_string(d->admission ? d->admission : "approved"));
    json_object_set_new(o, "pin_address", json_string(d->pin_address ? d->pin_address : ""));
    json_object_set_new(o, "flag", json_string(d->flag ? d->flag : ""));
    json_object_set_new(o, "reported_sn", json_string(d->reported_sn ? d->reported_sn : ""));
    json_object_set_new(o, "info", json_string(d->info));
    json_t *opts = d->options ? json_loads(d->options, 0, NULL) : NULL;
    json_object_set_new(o, "options", opts ? opts : json_object());
    json_t *stamps = json_object();
    json_object_set_new(stamps, "ATTLOG", json_string(d->attlog_stamp));
    json_object_set_new(stamps, "OPERLOG", json_string(d->operlog_stamp));
    json_object_set_new(o, "stamps", stamps);
    if (detail) {
        json_t *c = json_object();
        json_object_set_new(c, "queued", json_integer(d->commands_queued));
        json_object_set_new(c, "sent", json_integer(d->commands_sent));
        json_object_set_new(c, "failed", json_integer(d->commands_failed));
        json_object_set_new(o, "commands", c);
    }
    return o;
}

json_t *zapi_user_json(const zs_user *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "pin", json_string(u->pin));
    json_object_set_new(o, "name", json_string(u->name));
    json_object_set_new(o, "privilege", json_integer(u->privilege));
    json_object_set_new(o, "card", json_string(u->card));
    json_object_set_new(o, "group", json_string(u->group));
    json_object_set_new(o, "verify", json_integer(u->verify));
    json_object_set_new(o, "sync_group", json_string(u->sync_group));
    json_object_set_new(o, "source_sn", json_string(u->source_sn));
    json_object_set_new(o, "updated_at", json_integer(u->updated_at));
    json_t *ts = json_array();
    for (size_t i = 0; i < u->ntemplates; i++) {
        const zs_user_template *t = &u->templates[i];
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string(t->kind));
        json_object_set_new(j, "type", json_integer(t->type));
        json_object_set_new(j, "no", json_integer(t->no));
        json_object_set_new(j, "index", json_integer(t->index));
        json_object_set_new(j, "valid", json_integer(t->valid));
        json_object_set_new(j, "duress", json_integer(t->duress));
        json_object_set_new(j, "major_ver", json_integer(t->major_ver));
        json_object_set_new(j, "minor_ver", json_integer(t->minor_ver));
        json_object_set_new(j, "format", json_integer(t->format));
        json_object_set_new(j, "size", json_integer(t->size));
        json_object_set_new(j, "source_sn", json_string(t->source_sn));
        json_object_set_new(j, "updated_at", json_integer(t->updated_at));
        json_array_append_new(ts, j);
    }
    json_object_set_new(o, "templates", ts);
    json_t *ps = json_array();
    for (size_t i = 0; i < u->nphotos; i++)
        json_array_append_new(ps, json_pack("{s:s,s:I,s:s}", "kind", u->photos[i].kind, "type",
                                            (json_int_t)u->photos[i].type, "file_name",
                                            u->photos[i].file_name));
    json_object_set_new(o, "photos", ps);
    return o;
}

const char *zapi_punch_state_name(int64_t status)
{
    /* ZKTeco punch states (BioTime's punch_state codes 0..5) */
    static const char *const names[] = {"check_in", "check_out",   "break_out",
                                        "break_in", "overtime_in", "overtime_out"};
    return status >= 0 && status < 6 ? names[status] : "other";
}

static int two(const char *p, int *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return 0;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

int zapi_tz_valid(const char *tz)
{
    int m;
    return tz && (!*tz || zc_tz_offset(tz, &m));
}

int zapi_wall_to_utc(const char *wall, int offset_min, char *out, size_t size)
{
    int y1, y2, mo, d, h, mi, s;
    if (!wall || strlen(wall) != 19 || !two(wall, &y1) || !two(wall + 2, &y2) ||
        !two(wall + 5, &mo) || !two(wall + 8, &d) || !two(wall + 11, &h) || !two(wall + 14, &mi) ||
        !two(wall + 17, &s) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return 0;
    int64_t t = zc_days_from_civil(y1 * 100 + y2, mo, d) * 86400 + h * 3600 + mi * 60 + s -
                (int64_t)offset_min * 60;
    if (t < 0)
        return 0;
    zc_iso_time((time_t)t, out, size);
    return 1;
}

json_t *zapi_punch_json(const zs_punch *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(p->id));
    json_object_set_new(o, "device_id",
                        p->device_id > 0 ? json_integer(p->device_id) : json_null());
    json_object_set_new(o, "sn", json_string(p->sn));
    json_object_set_new(o, "user_id", json_string(p->pin));
    json_object_set_new(o, "punch_time", wall_json(p->time));
    int off;
    char utc[32];
    json_object_set_new(o, "punch_time_utc",
                        zc_tz_offset(p->tz, &off) &&
                                zapi_wall_to_utc(p->time, off, utc, sizeof(utc))
                            ? json_string(utc)
                            : json_null());
    json_object_set_new(o, "tz", json_string(p->tz));
    json_object_set_new(o, "status", json_integer(p->status));
    json_object_set_new(o, "punch_state", json_string(zapi_punch_state_name(p->status)));
    json_object_set_new(o, "verify", json_integer(p->verify));
    json_object_set_new(o, "workcode", json_string(p->workcode));
    json_object_set_new(o, "received_at", iso_or_null(p->received_at));
    return o;
}

json_t *zapi_punch_day_json(const zs_punch_day *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "user_id", json_string(d->pin));
    json_object_set_new(o, "date", json_string(d->date));
    json_object_set_new(o, "first_in", wall_json(d->first));
    json_object_set_new(o, "last_out", d->count > 1 ? wall_json(d->last) : json_null());
    json_object_set_new(o, "punch_count", json_integer(d->count));
    return o;
}

json_t *zapi_command_json(const zs_command *r)
{
    json_t *c = json_object();
    json_object_set_new(c, "id", json_integer(r->id));
    json_object_set_new(c, "sn", json_string(r->sn));
    json_object_set_new(c, "kind", json_string(r->kind));
    json_object_set_new(c, "pin", json_string(r->pin));
    json_object_set_new(c, "status", json_string(r->status));
    json_object_set_new(c, "attempts", json_integer(r->attempts));
    json_object_set_new(c, "return_code",
                        r->has_return_code ? json_integer(r->return_code) : json_null());
    json_t *res = r->result ? json_loads(r->result, 0, NULL) : NULL;
    json_object_set_new(c, "result", res ? res : json_null());
    json_object_set_new(c, "created_at", json_integer(r->created_at));
    json_object_set_new(c, "sent_at", r->has_sent_at ? json_integer(r->sent_at) : json_null());
    json_object_set_new(c, "done_at", r->has_done_at ? json_integer(r->done_at) : json_null());
    json_object_set_new(c, "command", json_string(r->command));
    return c;
}
