/* SPDX-License-Identifier: Apache-2.0 */
/* JSON of the management API from the store's rows (api_json.h). */
#include "api_json.h"

json_t *zapi_device_json(const zs_device *d, int with_commands)
{
    json_t *o = json_object();
    json_object_set_new(o, "sn", json_string(d->sn));
    json_object_set_new(o, "model", json_string(d->model));
    json_object_set_new(o, "firmware", json_string(d->firmware));
    json_object_set_new(o, "push_version", json_string(d->push_version));
    json_object_set_new(o, "device_type", json_string(d->device_type));
    json_object_set_new(o, "language", json_integer(d->language));
    json_object_set_new(o, "sync_group", json_string(d->sync_group));
    json_object_set_new(o, "enabled", json_boolean(d->enabled));
    json_object_set_new(o, "ip", json_string(d->ip));
    json_object_set_new(o, "registered_at", json_integer(d->registered_at));
    json_object_set_new(o, "last_seen", json_integer(d->last_seen));
    json_object_set_new(o, "info", json_string(d->info));
    json_t *opts = d->options ? json_loads(d->options, 0, NULL) : NULL;
    json_object_set_new(o, "options", opts ? opts : json_object());
    json_t *stamps = json_object();
    json_object_set_new(stamps, "ATTLOG", json_string(d->attlog_stamp));
    json_object_set_new(stamps, "OPERLOG", json_string(d->operlog_stamp));
    json_object_set_new(o, "stamps", stamps);
    if (with_commands) {
        json_t *c = json_object();
        json_object_set_new(c, "queued", json_integer(d->commands_queued));
        json_object_set_new(c, "sent", json_integer(d->commands_sent));
        json_object_set_new(c, "failed", json_integer(d->commands_failed));
        json_object_set_new(o, "commands", c);
    }
    return o;
}

json_t *zapi_devices_json(const zs_device *list, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, zapi_device_json(&list[i], 0));
    return json_pack("{s:o}", "devices", arr);
}

static json_t *user_json(const zs_user *u)
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

json_t *zapi_users_json(const zs_user_page *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n; i++)
        json_array_append_new(arr, user_json(&p->users[i]));
    return json_pack("{s:o,s:o}", "users", arr, "next",
                     p->next ? json_string(p->next) : json_null());
}

json_t *zapi_punches_json(const zs_punch_page *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const zs_punch *r = &p->punches[i];
        json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:s,s:I}", "id",
                                             (json_int_t)r->id, "sn", r->sn, "pin", r->pin, "time",
                                             r->time, "status", (json_int_t)r->status, "verify",
                                             (json_int_t)r->verify, "workcode", r->workcode,
                                             "received_at", (json_int_t)r->received_at));
    }
    return json_pack("{s:o,s:o}", "records", arr, "next",
                     p->has_next ? json_integer(p->next) : json_null());
}

json_t *zapi_commands_json(const zs_command_page *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const zs_command *r = &p->commands[i];
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
        json_array_append_new(arr, c);
    }
    return json_pack("{s:o,s:o}", "commands", arr, "next",
                     p->has_next ? json_integer(p->next) : json_null());
}
