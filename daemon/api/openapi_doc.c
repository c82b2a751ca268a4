/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /api/v1/openapi.yaml (open): the OpenAPI document of the management API, docs/openapi.yaml,
 * embedded at build time (daemon/api/meson.build runs embed_text.py), so the running zkbiod serves
 * the contract of its own version.
 */
#include <stdio.h>

#include "api.h"

extern const unsigned char zapi_openapi_yaml[];
extern const size_t zapi_openapi_yaml_len;

int zapi_openapi_doc(zreq *r)
{
    char num[32];
    snprintf(num, sizeof(num), "%zu", zapi_openapi_yaml_len);
    mg_response_header_start(r->c, 200);
    mg_response_header_add(r->c, "Content-Type", "application/yaml; charset=utf-8", -1);
    mg_response_header_add(r->c, "Content-Length", num, -1);
    mg_response_header_add(r->c, "Cache-Control", "no-cache", -1);
    mg_response_header_add(r->c, "X-Content-Type-Options", "nosniff", -1);
    zapi_cors_headers(r);
    mg_response_header_send(r->c);
    if (mg_write(r->c, zapi_openapi_yaml, zapi_openapi_yaml_len) < 0)
        zlog_debug("api: openapi.yaml: the client went away");
    return 200;
}
