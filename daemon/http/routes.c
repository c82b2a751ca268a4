/* SPDX-License-Identifier: Apache-2.0 */
/*
 * THE route table of zkbiod's JSON APIs, and its dispatcher (see http.h). To add a route: add a
 * line below (method, pattern, family, permission, handler) and write the handler in daemon/api.
 * /iclock paths never come here (listener.c sends them to daemon/push).
 */
#include <stdio.h>
#include <string.h>

#include "http.h"

#define A      ZAPI_ADMIN
#define F      ZAPI_FPS
#define B      ZAPI_BIOTIME /* issue 16: docs/openapi/biotime.yaml */
#define R      ZAPI_FRAPPE  /* issue 16: docs/openapi/frappe.yaml */
#define INTEG  ZAUTH_INTEGRATION, "integration_key"
#define PUB    ZAUTH_PUBLIC, "none"
#define ADM    ZAUTH_ADMIN, "admin"
#define OPER   ZAUTH_OPERATOR, "operator" /* operator or admin (auth.h) */
#define VIEW   ZAUTH_VIEWER, "viewer"     /* any signed-in role */
#define ANYKEY ZAUTH_PERM_ALL, "api_key"
#define SCAN_ANY                                                                                   \
    ZAUTH_PERM_SCAN | ZAUTH_PERM_ENROLL | ZAUTH_PERM_VERIFY | ZAUTH_PERM_IDENTIFY,                 \
        "fingerprint:scan"

/* Order matters only between patterns that match the same path: the first wins. "*" as a method
 * takes every method. "[/api]" at the start of a pattern: the path may or may not start with /api
 * (the contract's example apps call /devices and /fingerprint/... without it). */
static const zroute routes[] = {
    /* terminal listener: /health and the management API (docs: README, Management API) */
    {"*", "/health", A, PUB, zapi_health, 0},
    /* Roles (docs/management-api.md, "Accounts, tokens and roles"): reads are VIEW, device
     * configuration and raw device commands (which can reboot, unlock or wipe) are ADM. */
    {"GET", "/api/v1/devices", A, VIEW, zapi_devices_list, 0},
    {"GET", "/api/v1/devices/", A, VIEW, zapi_devices_list, 0},
    {"GET", "/api/v1/devices/*", A, VIEW, zapi_device_get, 0},
    {"PATCH", "/api/v1/devices/*", A, ADM, zapi_device_patch, 0},
    {"PUT", "/api/v1/devices/*", A, ADM, zapi_device_patch, 1},
    {"POST", "/api/v1/devices/*/commands", A, ADM, zapi_device_command, 0},
    {"GET", "/api/v1/users", A, VIEW, zapi_users, 0},
    {"GET", "/api/v1/attendance", A, VIEW, zapi_attendance, 0},
    {"GET", "/api/v1/commands", A, VIEW, zapi_commands, 0},
    /* envelope part: attendance reads (docs/management-api.md) */
    {"GET", "/api/v1/attendance/summary", A, VIEW, zapi_attendance_summary, 0},
    {"GET", "/api/v1/attendance/*", A, VIEW, zapi_attendance_get, 0},
    /* auth part: accounts, tokens and the audit log (api/v1_auth.c) */
    {"POST", "/api/v1/auth/login", A, PUB, zapi_auth_login, 0},
    {"POST", "/api/v1/auth/refresh", A, PUB, zapi_auth_refresh, 0},
    {"POST", "/api/v1/auth/logout", A, VIEW, zapi_auth_logout, 0},
    {"POST", "/api/v1/auth/register", A, ADM, zapi_auth_register, 0},
    {"GET", "/api/v1/auth/me", A, VIEW, zapi_auth_me, 0},
    {"GET", "/api/v1/audit", A, ADM, zapi_audit_list, 0},
    /* inbound part (issue 16): keys of the Frappe-style punch methods (api/v1_intkeys.c) */
    {"GET", "/api/v1/integration-keys", A, ADM, zapi_intkeys_list, 0},
    {"POST", "/api/v1/integration-keys", A, ADM, zapi_intkey_create, 0},
    {"DELETE", "/api/v1/integration-keys/*", A, ADM, zapi_intkey_revoke, 0},
    /* the terminal fleet (issue 14, fleet part: daemon/api/v1_fleet*.c); ids are devices.id */
    {"POST", "/api/v1/devices", A, ADM, zapi_fleet_device_add, 0},
    {"DELETE", "/api/v1/devices/*", A, ADM, zapi_fleet_device_delete, 0},
    {"GET", "/api/v1/devices/*/status", A, VIEW, zapi_fleet_device_status, 0},
    {"GET", "/api/v1/devices/*/info", A, VIEW, zapi_fleet_device_info, 0},
    {"POST", "/api/v1/devices/*/restart", A, ADM, zapi_fleet_device_restart, 0},
    {"POST", "/api/v1/devices/*/unlock", A, ADM, zapi_fleet_device_unlock, 0},
    {"POST", "/api/v1/devices/*/time", A, OPER, zapi_fleet_device_time, 0},
    {"POST", "/api/v1/users/device/*/syncUserToDb", A, OPER, zapi_fleet_sync_to_db, 0},
    {"POST", "/api/v1/users/device/*/syncUserToDevice", A, OPER, zapi_fleet_sync_to_device, 0},
    {"GET", "/api/v1/users/device/*", A, VIEW, zapi_fleet_users_list, 0},
    {"POST", "/api/v1/users/device/*", A, OPER, zapi_fleet_user_add, 0},
    {"DELETE", "/api/v1/users/device/*/*", A, OPER, zapi_fleet_user_delete, 0},
    {"POST", "/api/v1/attendance/device/*/sync", A, OPER, zapi_fleet_attendance_sync, 0},
    {"POST", "/api/v1/attendance/device/*/clear", A, ADM, zapi_fleet_attendance_clear, 0},
    {"POST", "/api/v1/cache/clear", A, ADM, zapi_fleet_cache_clear, 0},
    /* issue 15, admission: approve or reject a pending terminal (api/v1_admission.c) */
    {"POST", "/api/v1/devices/*/approve", A, ADM, zapi_device_approve, 0},
    {"POST", "/api/v1/devices/*/reject", A, ADM, zapi_device_reject, 0},
    /* jobs part: the durable job queue (daemon/jobs; docs/management-api.md "Jobs and the queue")
     */
    {"GET", "/api/v1/jobs", A, VIEW, zapi_jobs_list, 0},
    {"GET", "/api/v1/jobs/*", A, VIEW, zapi_job_get, 0},
    {"DELETE", "/api/v1/jobs/*", A, OPER, zapi_job_cancel, 0},
    {"POST", "/api/v1/jobs/*/cancel", A, OPER, zapi_job_cancel, 0},
    {"GET", "/api/v1/queue/stats", A, VIEW, zapi_queue_stats, 0},
    /* issue 16, forwarding part (wt-forward): targets and their outbox (api/v1_forwarders.c;
     * docs/integrations.md "Forwarding") */
    {"GET", "/api/v1/forwarders", A, ADM, zapi_forwarders_list, 0},
    {"POST", "/api/v1/forwarders", A, ADM, zapi_forwarder_create, 0},
    {"GET", "/api/v1/forwarders/*", A, ADM, zapi_forwarder_get, 0},
    {"PATCH", "/api/v1/forwarders/*", A, ADM, zapi_forwarder_patch, 0},
    {"DELETE", "/api/v1/forwarders/*", A, ADM, zapi_forwarder_delete, 0},
    {"POST", "/api/v1/forwarders/*/test", A, ADM, zapi_forwarder_test, 0},
    {"POST", "/api/v1/forwarders/*/pause", A, ADM, zapi_forwarder_pause, 0},
    {"POST", "/api/v1/forwarders/*/resume", A, ADM, zapi_forwarder_resume, 0},
    {"GET", "/api/v1/forwarders/*/outbox", A, ADM, zapi_forwarder_outbox, 0},
    {"POST", "/api/v1/forwarders/*/outbox/requeue", A, ADM, zapi_forwarder_requeue, 0},
    {"POST", "/api/v1/forwarders/*/outbox/drop", A, ADM, zapi_forwarder_drop, 0},
    /* the OpenAPI document of /api/v1 (docs/openapi.yaml, embedded at build time) */
    {"GET", "/api/v1/openapi.yaml", A, PUB, zapi_openapi_doc, 0},

    /* issue 16, BioTime-compatible API: auth and personnel (wt-btpeople; api/bt_login.c,
     * api/bt_org.c, api/bt_employees.c; docs/biotime-api.md). Each path also without its trailing
     * slash (hidden). Reads VIEW, personnel writes OPER. */
    {"POST", "/jwt-api-token-auth/", B, PUB, zapi_bt_jwt_auth, 0},
    {"POST", "/jwt-api-token-auth", B, PUB, zapi_bt_jwt_auth, 1},
    {"POST", "/api-token-auth/", B, PUB, zapi_bt_token_auth, 0},
    {"POST", "/api-token-auth", B, PUB, zapi_bt_token_auth, 1},
    {"POST", "/jwt-api-token-refresh/", B, PUB, zapi_bt_jwt_refresh, 0},
    {"POST", "/jwt-api-token-refresh", B, PUB, zapi_bt_jwt_refresh, 1},
    {"GET", "/personnel/api/departments/", B, VIEW, zapi_bt_departments_list, 0},
    {"POST", "/personnel/api/departments/", B, OPER, zapi_bt_departments_create, 0},
    {"GET", "/personnel/api/departments", B, VIEW, zapi_bt_departments_list, 1},
    {"POST", "/personnel/api/departments", B, OPER, zapi_bt_departments_create, 1},
    {"GET", "/personnel/api/departments/*/", B, VIEW, zapi_bt_departments_get, 0},
    {"PATCH", "/personnel/api/departments/*/", B, OPER, zapi_bt_departments_update, 0},
    {"PUT", "/personnel/api/departments/*/", B, OPER, zapi_bt_departments_update, 0},
    {"DELETE", "/personnel/api/departments/*/", B, OPER, zapi_bt_departments_delete, 0},
    {"GET", "/personnel/api/departments/*", B, VIEW, zapi_bt_departments_get, 1},
    {"PATCH", "/personnel/api/departments/*", B, OPER, zapi_bt_departments_update, 1},
    {"PUT", "/personnel/api/departments/*", B, OPER, zapi_bt_departments_update, 1},
    {"DELETE", "/personnel/api/departments/*", B, OPER, zapi_bt_departments_delete, 1},
    {"GET", "/personnel/api/positions/", B, VIEW, zapi_bt_positions_list, 0},
    {"POST", "/personnel/api/positions/", B, OPER, zapi_bt_positions_create, 0},
    {"GET", "/personnel/api/positions", B, VIEW, zapi_bt_positions_list, 1},
    {"POST", "/personnel/api/positions", B, OPER, zapi_bt_positions_create, 1},
    {"GET", "/personnel/api/positions/*/", B, VIEW, zapi_bt_positions_get, 0},
    {"PATCH", "/personnel/api/positions/*/", B, OPER, zapi_bt_positions_update, 0},
    {"PUT", "/personnel/api/positions/*/", B, OPER, zapi_bt_positions_update, 0},
    {"DELETE", "/personnel/api/positions/*/", B, OPER, zapi_bt_positions_delete, 0},
    {"GET", "/personnel/api/positions/*", B, VIEW, zapi_bt_positions_get, 1},
    {"PATCH", "/personnel/api/positions/*", B, OPER, zapi_bt_positions_update, 1},
    {"PUT", "/personnel/api/positions/*", B, OPER, zapi_bt_positions_update, 1},
    {"DELETE", "/personnel/api/positions/*", B, OPER, zapi_bt_positions_delete, 1},
    {"GET", "/personnel/api/areas/", B, VIEW, zapi_bt_areas_list, 0},
    {"POST", "/personnel/api/areas/", B, OPER, zapi_bt_areas_create, 0},
    {"GET", "/personnel/api/areas", B, VIEW, zapi_bt_areas_list, 1},
    {"POST", "/personnel/api/areas", B, OPER, zapi_bt_areas_create, 1},
    {"GET", "/personnel/api/areas/*/", B, VIEW, zapi_bt_areas_get, 0},
    {"PATCH", "/personnel/api/areas/*/", B, OPER, zapi_bt_areas_update, 0},
    {"PUT", "/personnel/api/areas/*/", B, OPER, zapi_bt_areas_update, 0},
    {"DELETE", "/personnel/api/areas/*/", B, OPER, zapi_bt_areas_delete, 0},
    {"GET", "/personnel/api/areas/*", B, VIEW, zapi_bt_areas_get, 1},
    {"PATCH", "/personnel/api/areas/*", B, OPER, zapi_bt_areas_update, 1},
    {"PUT", "/personnel/api/areas/*", B, OPER, zapi_bt_areas_update, 1},
    {"DELETE", "/personnel/api/areas/*", B, OPER, zapi_bt_areas_delete, 1},
    {"POST", "/personnel/api/employees/adjust_area/", B, OPER, zapi_bt_employees_adjust_area, 0},
    {"POST", "/personnel/api/employees/adjust_area", B, OPER, zapi_bt_employees_adjust_area, 1},
    {"POST", "/personnel/api/employees/adjust_department/", B, OPER,
     zapi_bt_employees_adjust_department, 0},
    {"POST", "/personnel/api/employees/adjust_department", B, OPER,
     zapi_bt_employees_adjust_department, 1},
    {"POST", "/personnel/api/employees/adjust_position/", B, OPER,
     zapi_bt_employees_adjust_position, 0},
    {"POST", "/personnel/api/employees/adjust_position", B, OPER, zapi_bt_employees_adjust_position,
     1},
    {"GET", "/personnel/api/employees/", B, VIEW, zapi_bt_employees_list, 0},
    {"POST", "/personnel/api/employees/", B, OPER, zapi_bt_employees_create, 0},
    {"GET", "/personnel/api/employees", B, VIEW, zapi_bt_employees_list, 1},
    {"POST", "/personnel/api/employees", B, OPER, zapi_bt_employees_create, 1},
    {"GET", "/personnel/api/employees/*/", B, VIEW, zapi_bt_employees_get, 0},
    {"PATCH", "/personnel/api/employees/*/", B, OPER, zapi_bt_employees_update, 0},
    {"PUT", "/personnel/api/employees/*/", B, OPER, zapi_bt_employees_update, 0},
    {"DELETE", "/personnel/api/employees/*/", B, OPER, zapi_bt_employees_delete, 0},
    {"GET", "/personnel/api/employees/*", B, VIEW, zapi_bt_employees_get, 1},
    {"PATCH", "/personnel/api/employees/*", B, OPER, zapi_bt_employees_update, 1},
    {"PUT", "/personnel/api/employees/*", B, OPER, zapi_bt_employees_update, 1},
    {"DELETE", "/personnel/api/employees/*", B, OPER, zapi_bt_employees_delete, 1},
    /* issue 16, bttx part: BioTime transactions and terminals (api/bt_transactions.c,
     * bt_terminals.c; docs/openapi/biotime.yaml). The slash-less twins are the same routes. */
    {"GET", "/iclock/api/transactions/", B, VIEW, zapi_bt_tx_list, 0},
    {"POST", "/iclock/api/transactions/", B, OPER, zapi_bt_tx_create, 0},
    {"GET", "/iclock/api/transactions", B, VIEW, zapi_bt_tx_list, 0},
    {"POST", "/iclock/api/transactions", B, OPER, zapi_bt_tx_create, 0},
    {"GET", "/iclock/api/transactions/*/", B, VIEW, zapi_bt_tx_get, 0},
    {"DELETE", "/iclock/api/transactions/*/", B, ADM, zapi_bt_tx_delete, 0},
    {"GET", "/iclock/api/transactions/*", B, VIEW, zapi_bt_tx_get, 0},
    {"DELETE", "/iclock/api/transactions/*", B, ADM, zapi_bt_tx_delete, 0},
    {"GET", "/iclock/api/terminals/", B, VIEW, zapi_bt_terminals_list, 0},
    {"GET", "/iclock/api/terminals", B, VIEW, zapi_bt_terminals_list, 0},
    {"GET", "/iclock/api/terminals/*/", B, VIEW, zapi_bt_terminal_get, 0},
    {"GET", "/iclock/api/terminals/*", B, VIEW, zapi_bt_terminal_get, 0},
    {"PATCH", "/iclock/api/terminals/*/", B, ADM, zapi_bt_terminal_update, 0},
    {"PUT", "/iclock/api/terminals/*/", B, ADM, zapi_bt_terminal_update, 0},
    {"PATCH", "/iclock/api/terminals/*", B, ADM, zapi_bt_terminal_update, 0},
    {"PUT", "/iclock/api/terminals/*", B, ADM, zapi_bt_terminal_update, 0},

    /* fingerprint service listener (docs/fingerprint-service.md) */
    {"*", "/health", F, PUB, zapi_fp_health_bare, 0},
    {"*", "/api/health", F, PUB, zapi_fp_health, 0},
    {"*", "/api/v1", F, PUB, zapi_fp_v1_elsewhere, 0},
    {"*", "/api/v1/**", F, PUB, zapi_fp_v1_elsewhere, 0},
    {"*", "/api/ssl/info", F, ANYKEY, zapi_fp_ssl_info, 0},
    {"*", "/api/ssl/status", F, PUB, zapi_fp_ssl_status, 0},
    {"*", "/api/ssl/download", F, PUB, zapi_fp_ssl_download, 0},
    {"*", "/api/ssl/**", F, PUB, zapi_fp_ssl_other, 0},
    {"GET", "[/api]/devices", F, ZAUTH_PERM_DEVICE_READ, "device:read", zapi_fp_devices, 0},
    {"GET", "[/api]/devices/*/info", F, ZAUTH_PERM_DEVICE_READ, "device:read", zapi_fp_device_info,
     0},
    {"POST", "[/api]/devices/*/test", F, ZAUTH_PERM_DEVICE_MANAGE, "device:manage",
     zapi_fp_device_test, 0},
    {"*", "[/api]/devices/**", F, ZAUTH_PERM_DEVICE_READ, "device:read", zapi_fp_device_other, 0},
    {"POST", "[/api]/fingerprint/enroll", F, ZAUTH_PERM_ENROLL, "fingerprint:enroll",
     zapi_fp_enroll, 0},
    {"POST", "[/api]/fingerprint/verify", F, ZAUTH_PERM_VERIFY, "fingerprint:verify",
     zapi_fp_verify, 0},
    {"POST", "[/api]/fingerprint/identify", F, ZAUTH_PERM_IDENTIFY, "fingerprint:identify",
     zapi_fp_identify, 0},
    {"POST", "[/api]/fingerprint/capture", F, SCAN_ANY, zapi_fp_capture, 0},
    {"GET", "[/api]/fingerprint/capture", F, SCAN_ANY, zapi_fp_capture, 0},
    {"POST", "[/api]/fingerprint/scan/start", F, SCAN_ANY, zapi_fp_scan_start, 0},
    {"GET", "[/api]/fingerprint/scan/start", F, SCAN_ANY, zapi_fp_scan_start, 0},
    {"GET", "[/api]/fingerprint/scan/status/**", F, SCAN_ANY, zapi_fp_scan_status, 0},
    {"GET", "[/api]/fingerprint/gallery", F, ZAUTH_PERM_IDENTIFY, "fingerprint:identify",
     zapi_fp_gallery, 0},
    {"POST", "[/api]/fingerprint/gallery", F, ZAUTH_PERM_ENROLL, "fingerprint:enroll",
     zapi_fp_gallery, 0},
    {"PUT", "[/api]/fingerprint/gallery", F, ZAUTH_PERM_ENROLL, "fingerprint:enroll",
     zapi_fp_gallery, 0},
    {"DELETE", "[/api]/fingerprint/gallery", F, ZAUTH_PERM_DELETE, "fingerprint:delete",
     zapi_fp_gallery, 0},
    {"*", "[/api]/fingerprint/gallery", F, ZAUTH_PERM_ENROLL, "fingerprint:enroll", zapi_fp_gallery,
     1}, /* other methods: the handler's 405 names the ones it takes */
    {"DELETE", "[/api]/fingerprint/templates/**", F, ZAUTH_PERM_DELETE, "fingerprint:delete",
     zapi_fp_templates_del, 0},

    /* inbound part (issue 16): punches in the Frappe real-time shape, dispatched on the dotted
     * method's last component (api/frappe_in.c; docs/openapi/frappe.yaml) */
    {"POST", "/api/method/*", R, INTEG, zapi_frappe_method, 0},
    {"GET", "/api/method/*", R, INTEG, zapi_frappe_method, 0},
};

const zroute *zhttp_routes(size_t *count)
{
    *count = sizeof(routes) / sizeof(routes[0]);
    return routes;
}

static void set_arg(zreq *r, int *n, const char *p, size_t len)
{
    if (!r || *n >= 2)
        return;
    if (len >= sizeof(r->argbuf[0]))
        len = sizeof(r->argbuf[0]) - 1;
    memcpy(r->argbuf[*n], p, len);
    r->argbuf[*n][len] = '\0';
    r->arg[*n] = r->argbuf[*n];
    (*n)++;
}

int zhttp_match(const char *pat, const char *path, zreq *r)
{
    int n = 0;
    if (strncmp(pat, "[/api]", 6) == 0) {
        pat += 6;
        if (strncmp(path, "/api/", 5) == 0)
            path += 4;
    }
    while (*pat) {
        if (pat[0] == '*' && pat[1] == '*') { /* the rest, possibly empty */
            if (strlen(path) >= ZAPI_ARG_MAX)
                return 0;
            set_arg(r, &n, path, strlen(path));
            return 1;
        }
        if (pat[0] == '*') { /* one non-empty segment */
            size_t l = strcspn(path, "/");
            if (l == 0 || l >= ZAPI_ARG_MAX)
                return 0;
            set_arg(r, &n, path, l);
            path += l;
            pat++;
            continue;
        }
        if (*pat != *path)
            return 0;
        pat++;
        path++;
    }
    return *path == '\0';
}

/* What an unmatched path needs before the 404/405 is told: a prober without credentials learns
 * nothing about the protected part of the tree. */
static uint32_t guard(zapi_family fam, const char *path)
{
    if (fam == ZAPI_BIOTIME || fam == ZAPI_FRAPPE) /* DRF and Frappe answer 404 to anyone */
        return ZAUTH_PUBLIC;
    if (fam == ZAPI_ADMIN)
        return strncmp(path, "/api/v1/", 8) == 0 ? ZAUTH_VIEWER : ZAUTH_PUBLIC;
    if (strncmp(path, "/api/", 5) == 0 || strncmp(path, "/fingerprint/", 13) == 0 ||
        strncmp(path, "/devices", 8) == 0)
        return ZAUTH_PERM_ALL;
    return ZAUTH_PUBLIC;
}

/* The bearer of a /api/v1 route needing `need` (ZAUTH_VIEWER/OPERATOR/ADMIN): the admin token or
 * an account's access token (daemon/auth), which fills r->who; then the role. 0 or the status of
 * the refusal sent: 401 (WWW-Authenticate: Bearer) UNAUTHORIZED without a bearer, TOKEN_EXPIRED,
 * TOKEN_INVALID for anything else presented; 403 FORBIDDEN for a role below `need`; 403
 * API_DISABLED with neither an admin token nor any account; 503 when the accounts cannot be read.
 */
static int check_bearer(zreq *r, uint32_t need)
{
    int rc = zauth_bearer_check(r->app->auth, mg_get_header(r->c, "Authorization"), &r->who);
    switch (rc) {
    case ZAUTH_BEARER_OK:
        if (zauth_role_allows(r->who.role, need))
            return 0;
        return zapi_v1_fail(r, 403, "FORBIDDEN", "your role may not do this",
                            json_pack("{s:s,s:s}", "required",
                                      need & ZAUTH_ADMIN      ? "admin"
                                      : need & ZAUTH_OPERATOR ? "operator"
                                                              : "viewer",
                                      "role", zauth_role_name(r->who.role)));
    case ZAUTH_BEARER_DISABLED:
        return zapi_v1_fail(r, 403, "API_DISABLED",
                            "the management API is disabled: configure an admin token or add an "
                            "account (zkbiod user add)",
                            NULL);
    case ZAUTH_BEARER_UNAVAIL:
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "database unavailable, retry later",
                            NULL);
    case ZAUTH_BEARER_EXPIRED:
        r->www_authenticate = 1;
        return zapi_v1_fail(r, 401, "TOKEN_EXPIRED", "the access token has expired: refresh it",
                            NULL);
    case ZAUTH_BEARER_INVALID:
        r->www_authenticate = 1;
        return zapi_v1_fail(r, 401, "TOKEN_INVALID", "the bearer token is not valid", NULL);
    default:
        r->www_authenticate = 1;
        return zapi_v1_fail(r, 401, "UNAUTHORIZED", "missing bearer token", NULL);
    }
}

/* The API key (X-API-Key) and its rate limit; 0 or the status of the refusal sent. */
static int check_key(zreq *r)
{
    const zauth_keys *keys = zauth_keys_of(r->app->auth);
    if (zauth_keys_slots(keys) == 0)
        return zapi_fail(r, 401, FP_INVALID_API_KEY,
                         "no API key is configured on this service: every call is refused (zkbiod "
                         "apikey create)",
                         json_pack("{s:s}", "header", "X-API-Key"));
    const char *key = mg_get_header(r->c, "X-API-Key");
    int slot = -1;
    int kr = key ? zauth_keys_check(keys, key, &slot) : -1;
    if (kr == 1)
        return zapi_fail(r, 401, FP_API_KEY_REVOKED, "API key revoked",
                         json_pack("{s:s}", "reason", "revoked by the operator"));
    if (kr != 0)
        return zapi_fail(r, 401, FP_INVALID_API_KEY, "missing or invalid API key",
                         json_pack("{s:s}", "header", "X-API-Key"));
    r->slot = slot;
    int limit = 0;
    int wait = zauth_rate_hit(r->app->auth, slot, &limit, &r->rl_remaining, &r->rl_reset);
    r->rl_limit = limit;
    if (wait > 0)
        return zapi_rate_limited(r, wait, limit, "api_key");
    return 0;
}

int zhttp_dispatch(zreq *r, const char *path)
{
    const zroute *hit = NULL;
    int known = 0;
    uint32_t known_perm = 0; /* a path taken by other methods: what its first route needs */
    char allowed[64] = "";
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const zroute *rt = &routes[i];
        if (rt->family != r->family || !zhttp_match(rt->pattern, path, NULL))
            continue;
        if (!known)
            known_perm = rt->perm;
        known = 1;
        if (strcmp(rt->method, "*") == 0 || strcmp(rt->method, r->method) == 0) {
            hit = rt;
            break;
        }
        if (!rt->hidden && !strstr(allowed, rt->method)) {
            size_t l = strlen(allowed);
            snprintf(allowed + l, sizeof(allowed) - l, "%s%s", l ? " or " : "", rt->method);
        }
    }
    uint32_t need = hit                              ? hit->perm
                    : known && r->family != ZAPI_FPS ? known_perm
                                                     : guard(r->family, path);
    int st;
    if (need & (ZAUTH_ADMIN | ZAUTH_OPERATOR | ZAUTH_VIEWER)) {
        st = r->family == ZAPI_BIOTIME ? zapi_bt_check(r, need) : check_bearer(r, need);
        if (st != 0)
            return st;
    }
    if ((need & ZAUTH_INTEGRATION) && (st = zapi_frappe_check(r)) != 0)
        return st;
    if ((need & ZAUTH_PERM_ALL) && (st = check_key(r)) != 0)
        return st;
    if (!hit) {
        if (r->family == ZAPI_BIOTIME) {
            if (!known)
                return zapi_bt_fail(r, 404, "Not found.", NULL);
            char m[96];
            snprintf(m, sizeof(m), "Method \"%s\" not allowed.", r->method);
            return zapi_bt_fail(r, 405, m, NULL);
        }
        if (r->family == ZAPI_FRAPPE)
            return zapi_frappe_fail(r, known ? 405 : 404,
                                    known ? "Method not allowed" : "No such method");
        if (r->family == ZAPI_ADMIN)
            return known ? zapi_failf(r, 405, FP_METHOD_NOT_ALLOWED, "use %s", allowed)
                         : zapi_fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
        /* the service answers 405 for anything else under /fingerprint/ and /devices (contract) */
        const char *rel = strncmp(path, "/api/", 5) == 0 ? path + 4 : path;
        if (known || strncmp(rel, "/fingerprint/", 13) == 0 || strcmp(rel, "/devices") == 0)
            return zapi_fail(r, 405, FP_METHOD_NOT_ALLOWED, "method not allowed here", NULL);
        return zapi_fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
    }
    uint32_t perms = hit->perm & ZAUTH_PERM_ALL;
    if (perms && perms != ZAUTH_PERM_ALL) {
        uint32_t have = zauth_keys_perms(zauth_keys_of(r->app->auth), r->slot);
        if (!(have & perms))
            return zapi_fail(r, 403, FP_UNAUTHORIZED,
                             "this API key lacks the permission for this call",
                             json_pack("{s:s,s:s,s:o}", "required", hit->perm_name, "provided",
                                       "api_key", "permissions", zapi_perms_json(have)));
    }
    zhttp_match(hit->pattern, path, r);
    return hit->handler(r);
}
