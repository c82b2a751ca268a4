/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/integration-keys (admin): the keys of the inbound Frappe-style punch endpoints
 * (daemon/auth auth_intkeys.h; docs/integrations.md "Inbound punches (Frappe real-time shape)").
 *   GET    list, keyset-paged by id (limit, after); never a secret or its hash
 *   POST   {"name": "..."} -> 201 {id, api_key, api_secret, name, created_at, ...}: the secret is
 *          in this answer only
 *   DELETE /{id} -> 200 the key, revoked (again: 200, unchanged); 404 for no such key
 * Audit rows intkey.create / intkey.revoke come from daemon/auth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "api.h"

#define INTKEY_BODY_MAX (16 * 1024)

static json_t *ms_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char b[32];
    zc_iso_time((time_t)(ms / 1000), b, sizeof(b));
    return json_string(b);
}

static json_t *key_json(const zs_intkey *k)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", (json_int_t)k->id, "api_key",
                     k->api_key, "name", k->name, "state", k->revoked_at ? "revoked" : "active",
                     "created_by", k->created_by, "created_at", ms_or_null(k->created_at),
                     "last_used_at", ms_or_null(k->last_used_at), "revoked_at",
                     ms_or_null(k->revoked_at));
}

static int unavailable(zreq *r)
{
    return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "database unavailable, retry later", NULL);
}

int zapi_intkeys_list(zreq *r)
{
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    int64_t after = 0;
    if ((st = zapi_page_after_id(r, &pg, &after)) != 0)
        return st;
    zs_intkey_page p;
    if (zs_intkey_list(r->app->store, after, pg.limit, &p) != 0)
        return unavailable(r);
    json_t *items = json_array();
    for (size_t i = 0; items && i < p.n; i++)
        json_array_append_new(items, key_json(&p.rows[i]));
    int has_next = p.has_next;
    int64_t next = p.next, total = p.total;
    zs_intkey_page_free(&p);
    return zapi_page_id(r, &pg, items, has_next, next, total);
}

int zapi_intkey_create(zreq *r)
{
    char *body = NULL;
    size_t len = 0;
    int rc = zc_read_body(r->c, INTKEY_BODY_MAX, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        free(body);
        return zapi_v1_failf(r, 413, "PAYLOAD_TOO_LARGE", "request body over %d bytes",
                             INTKEY_BODY_MAX);
    }
    json_t *j = rc == 0 ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(body);
    if (!json_is_object(j)) {
        json_decref(j);
        return zapi_v1_fail(r, 400, "BAD_JSON", "the body must be a JSON object", NULL);
    }
    const json_t *nm = json_object_get(j, "name");
    if (!json_is_string(nm) || json_string_length(nm) == 0 ||
        json_string_length(nm) > ZS_INTKEY_NAME_MAX) {
        json_decref(j);
        const char *why = "name: a string of 1 to 128 bytes is required";
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR", why,
                            json_pack("{s:s,s:s}", "field", "name", "reason", why));
    }
    char ip[48], secret[ZAUTH_INTKEY_SECRET_LEN + 1];
    zc_client_ip(r->c, ip, sizeof(ip));
    zs_intkey k;
    rc = zauth_intkey_create(r->app->auth, &r->who, ip, json_string_value(nm), &k, secret,
                             sizeof(secret));
    json_decref(j);
    if (rc == ZAUTH_INVALID) {
        const char *why = "name: no control characters";
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR", why,
                            json_pack("{s:s,s:s}", "field", "name", "reason", why));
    }
    if (rc != ZAUTH_OK)
        return unavailable(r);
    json_t *d = key_json(&k);
    if (d)
        json_object_set_new(d, "api_secret", json_string(secret));
    mbedtls_platform_zeroize(secret, sizeof(secret));
    return zapi_ok(r, 201, "integration key created: the api_secret is shown only this once", d);
}

int zapi_intkey_revoke(zreq *r)
{
    const char *a = r->arg[0] ? r->arg[0] : "";
    size_t l = strlen(a);
    if (l == 0 || l > 18 || strspn(a, "0123456789") != l)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such integration key", NULL);
    char ip[48];
    zc_client_ip(r->c, ip, sizeof(ip));
    zs_intkey k;
    int was = 0;
    int rc = zauth_intkey_revoke(r->app->auth, &r->who, ip, strtoll(a, NULL, 10), &k, &was);
    if (rc == ZAUTH_NOT_FOUND)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such integration key", NULL);
    if (rc != ZAUTH_OK)
        return unavailable(r);
    return zapi_ok(r, 200, was ? "integration key revoked" : "integration key was already revoked",
                   key_json(&k));
}
