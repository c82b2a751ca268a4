/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/api: the REST resources of zkbiod and the fingerprint service's WebSocket messages:
 * HTTP <-> modules, with every JSON body built here.
 *
 *   admin.c       the management API of the terminal listener (/api/v1/..., /health) over store
 *   fingerprint.c the fingerprint service's REST routes (docs/fingerprint-service.md) over
 * fpservice ws.c          the fingerprint service's WebSocket (auth, subscribe, scan:start/stop,
 * events) reply.c       the one reply path: JSON responses with their headers, ETag and 304
 *   errors.c      the error shapes and the /api/v1 contract's code table (below)
 *   page.c        lists of /api/v1: query parameters, keyset paging, the list reply
 *   openapi_doc.c GET /api/v1/openapi.yaml: docs/openapi.yaml, embedded at build time
 *                 (embed_text.py)
 *
 * Handlers are `int handler(zreq *)` and are reached only through the route table of daemon/http
 * (http/routes.c), which has already checked the route's permission (daemon/auth) and filled the
 * request context; a handler returns the HTTP status it sent.
 *
 * Errors, two families (zapi_fail): a code of the fingerprint-service contract's numeric table
 * (errors.c: enum fp_code, plus the management-only codes below) is written per route family:
 *   ZAPI_ADMIN  the /api/v1 envelope below, its code mapped through the contract's one code table
 *               (FP_NOT_FOUND -> "NOT_FOUND", ...; zapi_v1_code_of)           (/api/v1, /health)
 *   ZAPI_FPS    {"error":{"code":6005,"name":"NOT_FOUND","message":"...","details":{...}}}
 * so the fingerprint service keeps its documented body and numeric codes. New /api/v1 code calls
 * zapi_v1_fail() with the contract's code directly.
 *
 * Thread-safety: handlers run on civetweb worker threads concurrently; zapi and the modules it
 * points to are safe for that. Dependencies: core, auth, store, push, fpservice, jobs.
 */
#ifndef ZKBIOD_API_H
#define ZKBIOD_API_H

#include <time.h>

#include <civetweb.h>
#include <jansson.h>

#include "auth.h"
#include "core.h"
#include "fleet.h"
#include "forward.h"
#include "fpservice.h"
#include "jobs.h"
#include "push.h"
#include "store.h"

/* Codes of the management API that the contract has no equivalent for (never sent by the
 * fingerprint service's routes). */
enum zapi_code {
    ZAPI_BAD_JSON = 9001,            /* "bad_json" */
    ZAPI_COMMAND_NOT_ALLOWED = 9002, /* "command_not_allowed" */
    ZAPI_API_DISABLED = 9003,        /* "api_disabled" */
};

typedef enum zapi_family {
    ZAPI_ADMIN = 0, /* terminal listener: /api/v1/..., /health */
    ZAPI_FPS = 1,   /* fingerprint service listener */
    /* terminal listener, issue 16 (docs/integrations.md): */
    ZAPI_BIOTIME = 2, /* the BioTime-compatible API: /jwt-api-token-auth/, /api-token-auth/,
                         /personnel/api/..., /iclock/api/... (DRF error shapes; api/bt_*.c) */
    ZAPI_FRAPPE = 3,  /* inbound Frappe-style punches: /api/method/... (Frappe error bodies;
                         api/frappe_in.c) */
} zapi_family;

typedef struct zapi_ws zapi_ws; /* the WebSocket clients of the fingerprint service (ws.c) */

/* What the handlers need; read-only after start-up (the pointed-to modules lock themselves). */
typedef struct zapi {
    const zkbiod_config *cfg;
    zauth *auth;
    zs_store *store;   /* zkbiod's database */
    const zpush *push; /* the terminal listener's PUSH settings */
    const char *version;
    fp_service *fps; /* the fingerprint service, NULL when off */
    char crt[1024];  /* the service certificate (<data-dir>/service.crt), "" without TLS */
    int cert_ok;     /* the certificate below was read at start-up */
    char cert_fp[96], cert_from[24], cert_to[24];
    zapi_ws *ws;   /* NULL when the service is off */
    zfleet *fleet; /* 4370 terminals (daemon/fleet); NULL until opened */
    zjobs *jobs; /* the durable job queue (daemon/jobs); NULL: the /api/v1/jobs routes answer 503 */
    zfwd *forward; /* issue 16: the forwarding engine (daemon/forward); NULL: no kicks */
} zapi;

#define ZAPI_ARG_MAX 1024

/* One request, as the route table hands it to a handler. */
typedef struct zreq {
    struct mg_connection *c;
    const zapi *app;
    zapi_family family;
    const char *method;
    const char *path;   /* the route-relative path (the fingerprint family drops a leading /api) */
    const char *arg[2]; /* what the route pattern's `*` and `**` matched (still URL-encoded) */
    char argbuf[2][ZAPI_ARG_MAX];
    const char *origin; /* allowed Origin to echo (CORS), or NULL */
    int slot;           /* API key slot, -1 when none */
    int rl_limit, rl_remaining;
    time_t rl_reset;
    int retry_after;
    int www_authenticate; /* add `WWW-Authenticate: Bearer` */
    char request_id[33];  /* /api/v1: the request's id (hex), made on first use; X-Request-Id */
    zauth_principal who;  /* /api/v1: the checked bearer credential (role NONE on public routes) */
} zreq;

typedef int (*zapi_handler)(zreq *r);

/* ---- the issue 16 families: credentials and error bodies (called by http/routes.c) ---------- */

/* BioTime family (api/bt_reply.c): `Authorization: JWT|Bearer <access token>` (an account's
 * token, daemon/auth), `Token <t>` (a static token from /api-token-auth/, table api_tokens) or
 * `Basic` (an account's username or e-mail and password); fills r->who and checks the role `need`
 * (ZAUTH_VIEWER/OPERATOR/ADMIN). 0, or the status of the DRF-shaped refusal sent: 401
 * {"detail":...} with WWW-Authenticate, 403 {"detail":...} for a role below need. */
int zapi_bt_check(zreq *r, uint32_t need);
/* A DRF error reply {"detail": msg} (details, an object of field lists, replaces it when given;
 * takes details). Returns status. */
int zapi_bt_fail(zreq *r, int status, const char *msg, json_t *details);
/* Frappe family (api/frappe_reply.c): `Authorization: token key:secret` against the table
 * integration_keys. 0, or the status of the Frappe-shaped 401 sent. */
int zapi_frappe_check(zreq *r);
/* A Frappe error reply as Frappe v15 sends it for /api/method (integrations.md §2.4): exc_type
 * from the status (401 AuthenticationError, 403 PermissionError, 404 DoesNotExistError,
 * 417/400 ValidationError, 429 RateLimitExceededError, else ServerError) and the message in the
 * doubly-encoded _server_messages. Returns status. */
int zapi_frappe_fail(zreq *r, int status, const char *msg);

/* ---- inbound punches in the Frappe real-time shape (inbound part, issue 16; docs/integrations.md
 * "Inbound punches (Frappe real-time shape)", docs/openapi/frappe.yaml) ------------------------ */
/* _server_messages of msgs[0..n): a JSON string of a list of JSON strings, each a message dict
 * {message, title, indicator, raise_exception} (malloc'd; NULL when out of memory). */
char *zapi_frappe_server_messages(const char *const *msgs, size_t n);
/* A method's answer as Frappe sends it: {"message": message} (takes message; NULL = null), plus
 * _server_messages of msgs[0..n) when n > 0. Returns status. */
int zapi_frappe_reply(zreq *r, int status, json_t *message, const char *const *msgs, size_t n);
/* POST|GET /api/method/<dotted.path>: dispatched on the path's last component (frappe_in.c):
 * receive_attendance_log, receive_bulk_attendance_logs, test_connection; else 404
 * DoesNotExistError. arg[0] = the dotted path. */
int zapi_frappe_method(zreq *r);

/* The body parser of the inbound methods (frappe_parse.c; fuzzed by tests/fuzz/fuzz-frappe-in.c).
 * Bounds-checked for any input; no I/O. */
#define ZAPI_FRAPPE_BULK_MAX   1000 /* logs per bulk request (integrations.md §2.5) */
#define ZAPI_FRAPPE_DEVID_MAX  100  /* bytes of device_id kept */
#define ZAPI_FRAPPE_STATUS_IN  0    /* log_type IN -> punch state 0 (check-in) */
#define ZAPI_FRAPPE_STATUS_OUT 1    /* OUT -> 1 (check-out) */
#define ZAPI_FRAPPE_STATUS_ANY 255  /* AUTO (or absent, or another text) -> 255: unspecified */
#define ZAPI_FRAPPE_VERIFY     200  /* verify type of a punch received over the API */
typedef struct zapi_frappe_punch {
    char pin[25]; /* employee_id: 1..24 printable ASCII bytes, no space */
    char sn[41];  /* device_serial, else device_id: zkbio_push_sn_valid() */
    char device_id[ZAPI_FRAPPE_DEVID_MAX + 1]; /* as given (control characters -> ' ') */
    char wall[20];        /* the timestamp's "YYYY-MM-DD HH:MM:SS" (fraction dropped) */
    int has_offset;       /* the timestamp carried Z or an offset */
    int offset_min;       /* that offset, minutes east of UTC */
    int status;           /* ZAPI_FRAPPE_STATUS_* */
    const char *log_type; /* "IN", "OUT" or "AUTO" (static text) */
    int has_geo;          /* latitude and longitude given */
    double lat, lon;
} zapi_frappe_punch;
/* One log object o into *p: 0, or -1 with the message the peer app gives (e.g. "Missing required
 * fields: employee_id, timestamp") in err (errsz bytes). */
int zapi_frappe_parse_punch(const json_t *o, zapi_frappe_punch *p, char *err, size_t errsz);
/* A timestamp: "YYYY-MM-DD HH:MM[:SS[.fraction]]" with ' ' or 'T', then optionally "Z" or an
 * offset "+HH:MM", "+HHMM", "+HH" (or '-'); fields in range (the day within its month). 1 with
 * wall and the offset, 0 when malformed. */
int zapi_frappe_parse_time(const char *s, size_t len, char wall[20], int *has_offset,
                           int *offset_min);
/* wall (at offset from_min) as the wall clock at offset to_min, into out. 1, or 0 when wall is
 * not "YYYY-MM-DD HH:MM:SS" or the result leaves years 0001..9999. */
int zapi_frappe_shift(const char *wall, int from_min, int to_min, char out[20]);
/* A form-encoded body (application/x-www-form-urlencoded) as a JSON object of the inbound fields
 * present, as strings (values URL-decoded, at most 1 KiB each; not UTF-8 -> left out). A new
 * object; NULL when out of memory. */
json_t *zapi_frappe_form(const char *body, size_t len);
/* ---- BioTime bodies, auth and personnel (wt-btpeople: api/bt_body.c, bt_login.c,
 * bt_org.c, bt_employees.c; docs/biotime-api.md "Authentication", "Personnel") ------------------
 */
#define ZAPI_BT_BODY_MAX (256 * 1024)
/* A DRF field error: 400 {"<field>": ["<msg>"]}. Returns 400. */
int zapi_bt_field_error(zreq *r, const char *field, const char *msg);
/* A form body (application/x-www-form-urlencoded) as a new JSON object: each name's value a
 * string, a name given several times or ending in "[]" an array of strings; '+' and %XX decoded.
 * NULL when malformed (a bad escape, a NUL byte, a name or value not UTF-8, an empty name) or out
 * of memory. Bounds-checked; fuzzed by tests/fuzz/fuzz-bt-body.c. */
json_t *zapi_bt_form_parse(const char *body, size_t len);
/* The request body of r as a JSON object into *out (the caller decrefs): JSON when Content-Type
 * names json or the body starts with '{' or '[', else a form; an empty body is {}. 0, or the
 * status of the DRF error sent: 400 {"detail":"JSON parse error - ..."} or {"non_field_errors":
 * ["Invalid data. Expected a dictionary, but got list."]}, 400 for a malformed form, 413 over
 * ZAPI_BT_BODY_MAX, 415 for multipart. */
int zapi_bt_body(zreq *r, json_t **out);
/* POST /jwt-api-token-auth/, /api-token-auth/, /jwt-api-token-refresh/ (public). */
int zapi_bt_jwt_auth(zreq *r);
int zapi_bt_token_auth(zreq *r);
int zapi_bt_jwt_refresh(zreq *r);
/* Personnel helpers (bt_org.c). A store error as DRF: 404 "Not found." (ZKBIO_ENOENT), 503, else
 * 500 (logged). Returns the status sent. */
int zapi_bt_store_fail(zreq *r, int rc);
/* arg[0] as a positive decimal id: 0 with *id, else the status of the 404 sent. */
int zapi_bt_path_id(zreq *r, int64_t *id);
/* A primary key on write: an integer > 0, a decimal string, or an object with such an "id" (an
 * expanded object sent back). 1 with *id; 0 for null or ""; -1 not a positive id; -2 another
 * type. */
int zapi_bt_pk(const json_t *v, int64_t *id);
/* A text member (a string, or an integer written in decimal; null = ""): no control characters,
 * at most max characters and fewer than size bytes, into out. 0, or -1 with DRF's message in err
 * (errsz bytes). */
int zapi_bt_text(const json_t *v, char *out, size_t size, size_t max, char *err, size_t errsz);
/* {id, <kind>_code, <kind>_name} of a unit (the expanded reference of employees). */
json_t *zapi_bt_unit_json(zs_org_kind kind, const zs_org_unit *u);
/* /personnel/api/{departments,positions,areas}/ and their {id}/: list, get (viewer), create
 * (operator, 201), update (PATCH and tolerant PUT, operator), delete (operator, 204; 400 when
 * still used). */
int zapi_bt_departments_list(zreq *r);
int zapi_bt_departments_get(zreq *r);
int zapi_bt_departments_create(zreq *r);
int zapi_bt_departments_update(zreq *r);
int zapi_bt_departments_delete(zreq *r);
int zapi_bt_positions_list(zreq *r);
int zapi_bt_positions_get(zreq *r);
int zapi_bt_positions_create(zreq *r);
int zapi_bt_positions_update(zreq *r);
int zapi_bt_positions_delete(zreq *r);
int zapi_bt_areas_list(zreq *r);
int zapi_bt_areas_get(zreq *r);
int zapi_bt_areas_create(zreq *r);
int zapi_bt_areas_update(zreq *r);
int zapi_bt_areas_delete(zreq *r);
/* /personnel/api/employees/ and {id}/ (bt_employees.c): the same five, with the terminal sync of
 * store_personnel.h and jobs for 4370 terminals. */
int zapi_bt_employees_list(zreq *r);
int zapi_bt_employees_get(zreq *r);
int zapi_bt_employees_create(zreq *r);
int zapi_bt_employees_update(zreq *r);
int zapi_bt_employees_delete(zreq *r);
/* POST /personnel/api/employees/adjust_{area,department,position}/ (operator): {"employees": ids,
 * "areas"|"department"|"position": ids} with ids an array or a comma-separated string; each
 * employee saved as by PATCH (area: the list replaced). 200 {"code":0,"msg":"","count":n}. */
int zapi_bt_employees_adjust_area(zreq *r);
int zapi_bt_employees_adjust_department(zreq *r);
int zapi_bt_employees_adjust_position(zreq *r);

/* ---- BioTime lists (api/bt_list.c; docs/biotime-api.md) ------------------------------------
 * The envelope {"count","next","previous","msg":"","code":0,"data":[...]}, page numbers from 1,
 * the size from `page_size` (BioTime 8.x) or `limit` (9.x), `next`/`previous` absolute URLs
 * built from the request (X-Forwarded-Proto/-Host, else Host) with only `page` replaced. */
typedef struct zapi_bt_page {
    int64_t page;      /* 1-based */
    int64_t page_size; /* rows per page */
    int64_t offset;    /* (page - 1) * page_size */
} zapi_bt_page;
/* Paging parameters of r into *p. 0, or the status of the DRF 404 {"detail":"Invalid page."}
 * sent for a page that is not a positive integer. */
int zapi_bt_page_params(zreq *r, zapi_bt_page *p);
/* One query parameter of r, URL-decoded, into buf: 1 present, 0 absent, -1 longer than size. */
int zapi_bt_query(zreq *r, const char *name, char *buf, size_t size);
/* Sends the list envelope for one page (count = every matching row); takes items. Returns 200, or
 * the 404 "Invalid page." sent for a page past the last. */
int zapi_bt_list_reply(zreq *r, const zapi_bt_page *p, int64_t count, json_t *items);
/* The query part of a next/previous link (bt_list.c): `query` (raw, without '?'; NULL = "") with
 * every parameter but `page` kept in order, decoded and percent-encoded again, then page=N when
 * page > 1; "" or "?..." into out. Its length, or -1 (out "") when it does not fit in size bytes.
 * Bounds-checked; fuzzed by tests/fuzz/fuzz-bt-query.c. */
int zapi_bt_link_query(const char *query, int64_t page, char *out, size_t size);
/* A BioTime time filter value (bt_transactions.c): "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.f]]" (or
 * 'T' for the space) into out as "YYYY-MM-DD HH:MM:SS"; a date alone is its first second, or its
 * last when end (so is a missing second: :59). 1, or 0 when v is not such a time. Fuzzed too. */
int zapi_bt_time_bound(const char *v, int end, char out[20]);

/* ---- BioTime transactions and terminals (bttx part: api/bt_transactions.c, bt_terminals.c;
 * docs/biotime-api.md). Detail routes take the id in arg[0]; a non-numeric id is 404. */
int zapi_bt_tx_list(zreq *r);   /* GET /iclock/api/transactions/ (viewer) */
int zapi_bt_tx_get(zreq *r);    /* GET /iclock/api/transactions/{id}/ (viewer) */
int zapi_bt_tx_create(zreq *r); /* POST /iclock/api/transactions/ (operator): 201 new, 200 dup */
int zapi_bt_tx_delete(zreq *r); /* DELETE /iclock/api/transactions/{id}/ (admin): 204, audit */
int zapi_bt_terminals_list(zreq *r); /* GET /iclock/api/terminals/ (viewer) */
int zapi_bt_terminal_get(zreq *r);   /* GET /iclock/api/terminals/{id}/ (viewer) */
/* PATCH, PUT /iclock/api/terminals/{id}/ (admin): alias, area, terminal_tz */
int zapi_bt_terminal_update(zreq *r);

/* ---- replies (reply.c) and errors (errors.c) ------------------------------------------------ */

/* A JSON response with the route family's headers (no-store, Vary: Origin, nosniff, CORS for an
 * allowed origin, X-RateLimit-*, Retry-After, WWW-Authenticate); takes ownership of body.
 * Status 204 with a NULL body: no body at all. Returns status. */
int zapi_reply(zreq *r, int status, json_t *body);
/* The one error reply: `code` from the table, rendered for r->family; takes details. */
int zapi_fail(zreq *r, int status, int code, const char *msg, json_t *details);
int zapi_failf(zreq *r, int status, int code, const char *fmt, ...) ZC_PRINTF(4, 5);
/* 429 RATE_LIMIT_EXCEEDED with Retry-After and retryAfter (seconds). */
int zapi_rate_limited(zreq *r, int retry, int limit, const char *scope);
/* CORS response headers for an allowed Origin (nothing without one). */
void zapi_cors_headers(zreq *r);
/* The error body for a family (a new object; takes details). */
json_t *zapi_error_body(zapi_family family, int code, const char *message, json_t *details);
/* The constant name of a code ("DEVICE_NOT_FOUND"); "UNKNOWN" for others. */
const char *zapi_code_name(int code);
/* The /api/v1 contract's code for a fingerprint-service code (FP_NOT_FOUND -> "NOT_FOUND", from the
 * one table in errors.c); "VALIDATION_ERROR" for other ZAPI_* codes, "INTERNAL_ERROR" otherwise. */
const char *zapi_v1_code_of(int code);
/* The status a contract code is normally sent with (NOT_FOUND -> 404); 500 for unknown codes. */
int zapi_v1_status_of(const char *code);
/* HTTP status for a contract code where the contract gives none. */
int zapi_http_of(int code);
/* A key's permissions as the contract's names (a new array). */
json_t *zapi_perms_json(uint32_t perms);

/* ---- the /api/v1 contract envelope (family ZAPI_ADMIN; docs/management-api.md) ---------------
 * Success: {"status":true,"message":M,"data":D}. Error: {"status":false,"message":M,
 * "error":{"code":C,"type":T,"details":D},"metadata":{"timestamp":ISO-8601,"request_id":ID,
 * "api_version":"v1"}}. Every /api/v1 response uses it; zapi_fail() renders this shape for the
 * family too. */
/* A success reply; takes ownership of data (NULL = JSON null). Returns status. */
int zapi_ok(zreq *r, int status, const char *message, json_t *data);
/* An error reply: `code` an UPPER_SNAKE name (INVALID_CREDENTIALS, VALIDATION_ERROR, NOT_FOUND...);
 * the type follows from the code, else from the status (errors.c). Takes details (may be NULL).
 * Returns status. */
int zapi_v1_fail(zreq *r, int status, const char *code, const char *message, json_t *details);
int zapi_v1_failf(zreq *r, int status, const char *code, const char *fmt, ...) ZC_PRINTF(4, 5);
/* The request id of r, sent as X-Request-Id on every reply of the family and as
 * metadata.request_id: the client's X-Request-Id when it is 1..32 of [A-Za-z0-9._-], else 16 random
 * hex digits (made on first call). */
const char *zapi_request_id(zreq *r);

/* ---- lists of /api/v1: paging, query parameters (page.c; docs/management-api.md) -------------
 * One convention for every list: keyset paging. Query `limit` (1..1000, default 100) and `after`
 * (the opaque cursor of the previous page, absent on the first); `page`/`offset` are refused (400).
 * Reply: zapi_ok's data = {"items":[...],"paging":{"limit":L,"next":CURSOR|null,"total":N|null}}:
 * `next` is null exactly when no row follows (fetch limit+1 rows to know), `total` counts the rows
 * matching the filters (null where counting is expensive; each list's doc says which).
 * GET replies with status 200 on this family carry a strong ETag (reply.c) and a matching
 * If-None-Match is answered 304 without a body: every list and every single resource gets it. */
#define ZAPI_PAGE_DEFAULT 100
#define ZAPI_PAGE_MAX     1000
#define ZAPI_CURSOR_MAX   128
typedef struct zapi_paging {
    int limit;                   /* 1..ZAPI_PAGE_MAX */
    char after[ZAPI_CURSOR_MAX]; /* the cursor as given (URL-decoded, printable ASCII); "" first */
} zapi_paging;
/* Read limit and after of r into *pg. 0, or the status of the 400 VALIDATION_ERROR sent (limit not
 * 1..1000, a page/offset parameter, a cursor too long or with spaces/control bytes). */
int zapi_page_params(zreq *r, zapi_paging *pg);
/* The cursor of a list paged by numeric id (the decimal id of the last row): *id (0 = first page).
 * 0, or the status of the 400 sent when pg->after is not such a cursor. */
int zapi_page_after_id(zreq *r, const zapi_paging *pg, int64_t *id);
/* The list reply (200): takes items (a JSON array; NULL = []); next = the cursor of the next page
 * or NULL at the end (copied); total < 0 = null. Returns the status sent. */
int zapi_page(zreq *r, const zapi_paging *pg, json_t *items, const char *next, int64_t total);
/* zapi_page with a numeric cursor: next is used only when has_next. */
int zapi_page_id(zreq *r, const zapi_paging *pg, json_t *items, int has_next, int64_t next,
                 int64_t total);
/* Query parameter `name` of r, URL-decoded, into buf (size bytes): 1 present and non-empty, 0
 * absent or empty (buf = ""), -1 after sending 400 VALIDATION_ERROR (longer than size-1). */
int zapi_query(zreq *r, const char *name, char *buf, size_t size);
/* 400 VALIDATION_ERROR naming a bad query parameter: details {"parameter","reason"}. Returns 400.
 */
int zapi_bad_param(zreq *r, const char *name, const char *why);

/* ---- request text of /api/v1 (params.c): bounds-checked, fuzzed (tests/fuzz/fuzz-api-params.c) --
 * Each returns 1 when the input is valid (outputs written), 0 otherwise (outputs undefined). */
/* A filter time: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (' ' for 'T' too), no
 * zone, fields in range (day 1..31 whatever the month), into out "YYYY-MM-DD HH:MM:SS"; the missing
 * part is the first (or, with end_of_day, the last) second. */
int zapi_parse_wall_time(const char *in, char out[20], int end_of_day);
/* The day number (core's zc_days_from_civil) of a normalised "YYYY-MM-DD..." from
 * zapi_parse_wall_time.
 */
int64_t zapi_wall_day(const char *t);
/* An If-None-Match value (a comma list of entity tags, W/ prefixes compared weakly, or "*") names
 * etag (a quoted strong tag). NULL inm: 0. */
int zapi_etag_matches(const char *inm, const char *etag);
/* The attendance list's cursor "YYYYMMDDHHMMSS.<id>" from a row's "YYYY-MM-DD HH:MM:SS" and id, and
 * back (time into "YYYY-MM-DD HH:MM:SS"). */
int zapi_cursor_punch_make(const char *time, int64_t id, char *out, size_t size);
int zapi_cursor_punch_parse(const char *cur, char time[20], int64_t *id);
/* A text key's cursor (lower-case hex of its bytes; keys without NUL), and back into key (size
 * bytes). */
int zapi_cursor_key_make(const char *key, char *out, size_t size);
int zapi_cursor_key_parse(const char *cur, char *key, size_t size);
/* The daily summary's cursor "YYYYMMDD.<hex of the PIN>" and back (date "YYYY-MM-DD"). */
int zapi_cursor_day_make(const char *date, const char *pin, char *out, size_t size);
int zapi_cursor_day_parse(const char *cur, char date[11], char *pin, size_t pinsize);

/* ---- the management API (admin.c): family ZAPI_ADMIN ---------------------------------------- */
int zapi_health(zreq *r);
int zapi_devices_list(zreq *r);
int zapi_device_get(zreq *r);     /* arg[0] = device id, or SN (a number is tried as an id first) */
int zapi_device_patch(zreq *r);   /* arg[0] as above */
int zapi_device_command(zreq *r); /* arg[0] as above */
/* issue 15 (v1_admission.c): POST .../approve, .../reject; arg[0] as above */
int zapi_device_approve(zreq *r);
int zapi_device_reject(zreq *r);
int zapi_users(zreq *r);
int zapi_attendance(zreq *r);
int zapi_attendance_get(zreq *r); /* arg[0] = punch id */
int zapi_attendance_summary(zreq *r);
int zapi_commands(zreq *r);
/* Is d online: a tcp4370 terminal's session state, a PUSH terminal heard from within its poll
 * window (admin.c). */
int zapi_device_online(const zreq *r, const zs_device *d);
/* GET /api/v1/openapi.yaml (openapi_doc.c): docs/openapi.yaml, embedded at build time; open. */
int zapi_openapi_doc(zreq *r);

/* ---- accounts, tokens and the audit log (v1_auth.c): family ZAPI_ADMIN ---------------------
 * Bodies and replies in docs/management-api.md ("Accounts, tokens and roles"). */
int zapi_auth_login(zreq *r);    /* public; 429 + Retry-After past the login limit */
int zapi_auth_refresh(zreq *r);  /* public */
int zapi_auth_logout(zreq *r);   /* viewer */
int zapi_auth_register(zreq *r); /* admin; 201 */
int zapi_auth_me(zreq *r);       /* viewer */
int zapi_audit_list(zreq *r);    /* admin */

/* ---- integration keys of the inbound punch methods (v1_intkeys.c, inbound part of issue 16):
 * family ZAPI_ADMIN, admin; docs/integrations.md. arg[0] = the key's id. */
int zapi_intkeys_list(zreq *r);  /* GET /api/v1/integration-keys?limit=&after= */
int zapi_intkey_create(zreq *r); /* POST /api/v1/integration-keys: 201 with the secret, once */
int zapi_intkey_revoke(zreq *r); /* DELETE /api/v1/integration-keys/{id} */

/* ---- the terminal fleet (v1_fleet.c, v1_fleet_users.c): family ZAPI_ADMIN, arg[0] = the numeric
 * devices.id, arg[1] = a user id (URL-encoded) ---------------------------------------------- */
int zapi_fleet_device_add(zreq *r);       /* POST /api/v1/devices */
int zapi_fleet_device_delete(zreq *r);    /* DELETE /api/v1/devices/{id} */
int zapi_fleet_device_status(zreq *r);    /* GET /api/v1/devices/{id}/status */
int zapi_fleet_device_info(zreq *r);      /* GET /api/v1/devices/{id}/info */
int zapi_fleet_device_restart(zreq *r);   /* POST /api/v1/devices/{id}/restart */
int zapi_fleet_device_unlock(zreq *r);    /* POST /api/v1/devices/{id}/unlock */
int zapi_fleet_device_time(zreq *r);      /* POST /api/v1/devices/{id}/time */
int zapi_fleet_cache_clear(zreq *r);      /* POST /api/v1/cache/clear */
int zapi_fleet_users_list(zreq *r);       /* GET /api/v1/users/device/{id} */
int zapi_fleet_user_add(zreq *r);         /* POST /api/v1/users/device/{id} */
int zapi_fleet_user_delete(zreq *r);      /* DELETE /api/v1/users/device/{id}/{user_id} */
int zapi_fleet_sync_to_db(zreq *r);       /* POST /api/v1/users/device/{id}/syncUserToDb */
int zapi_fleet_sync_to_device(zreq *r);   /* POST /api/v1/users/device/{id}/syncUserToDevice */
int zapi_fleet_attendance_sync(zreq *r);  /* POST /api/v1/attendance/device/{id}/sync */
int zapi_fleet_attendance_clear(zreq *r); /* POST /api/v1/attendance/device/{id}/clear */

/* ---- jobs and the queue (v1_jobs.c): family ZAPI_ADMIN -------------------------------------
 * docs/management-api.md "Jobs and the queue". A job's payload is never served. */
int zapi_jobs_list(zreq *r);   /* GET /api/v1/jobs?device_id=&queue=&state=&limit=&after= */
int zapi_job_get(zreq *r);     /* GET /api/v1/jobs/{id}: arg[0] = id */
int zapi_job_cancel(zreq *r);  /* POST /api/v1/jobs/{id}/cancel, DELETE /api/v1/jobs/{id} */
int zapi_queue_stats(zreq *r); /* GET /api/v1/queue/stats */
/* One job as the API shows it: id/job_id, queue, kind, device_id, state (and status, the same),
 * priority, attempts, max_attempts, cancel_requested, progress {done, total|null, percent|null},
 * downloaded/inserted/duplicates (when the result has them), result, error (the last failure's
 * message, null when none or completed), errors [{at, attempt, code, message}], created_by,
 * created_at/queued_at, run_at, started_at, finished_at (ISO-8601 UTC or null). A new reference. */
json_t *zapi_job_json(const zjob *j);
/* The body of a sync's 202: {job_id, device_id, status (the job's state: "queued" for a new one),
 * queued_at, queue, kind, existing}. A new reference. */
json_t *zapi_job_queued_json(const zjob *j, int existing);
/* Reply 202 with zapi_job_queued_json of job_id (as zjobs_enqueue returned it, with its `existing`
 * flag); 404/503 in the envelope when it cannot be read. Returns the status sent. */
int zapi_job_accepted(zreq *r, int64_t job_id, int existing);

/* ---- forwarding targets (v1_forwarders.c; issue 16): family ZAPI_ADMIN, all admin, arg[0] = the
 * forwarder id. docs/management-api.md "Forwarders", docs/integrations.md "Forwarding". ---------
 */
int zapi_forwarders_list(zreq *r);   /* GET /api/v1/forwarders?limit=&after= */
int zapi_forwarder_create(zreq *r);  /* POST /api/v1/forwarders (201) */
int zapi_forwarder_get(zreq *r);     /* GET /api/v1/forwarders/{id} */
int zapi_forwarder_patch(zreq *r);   /* PATCH /api/v1/forwarders/{id} */
int zapi_forwarder_delete(zreq *r);  /* DELETE /api/v1/forwarders/{id} */
int zapi_forwarder_test(zreq *r);    /* POST /api/v1/forwarders/{id}/test */
int zapi_forwarder_pause(zreq *r);   /* POST /api/v1/forwarders/{id}/pause */
int zapi_forwarder_resume(zreq *r);  /* POST /api/v1/forwarders/{id}/resume */
int zapi_forwarder_outbox(zreq *r);  /* GET /api/v1/forwarders/{id}/outbox?state=&limit=&after= */
int zapi_forwarder_requeue(zreq *r); /* POST /api/v1/forwarders/{id}/outbox/requeue */
int zapi_forwarder_drop(zreq *r);    /* POST /api/v1/forwarders/{id}/outbox/drop */

/* ---- the fingerprint service's REST routes (fingerprint.c): family ZAPI_FPS ------------------ */
int zapi_fp_health_bare(zreq *r); /* /health */
int zapi_fp_health(zreq *r);      /* /api/health */
int zapi_fp_v1_elsewhere(zreq *r);
int zapi_fp_devices(zreq *r);
int zapi_fp_device_info(zreq *r); /* arg[0] = device id */
int zapi_fp_device_test(zreq *r);
int zapi_fp_device_other(zreq *r); /* anything else under /devices/<id>: 404 */
int zapi_fp_enroll(zreq *r);
int zapi_fp_verify(zreq *r);
int zapi_fp_identify(zreq *r);
int zapi_fp_capture(zreq *r);
int zapi_fp_scan_start(zreq *r);
int zapi_fp_scan_status(zreq *r);   /* arg[0] = scan id */
int zapi_fp_gallery(zreq *r);       /* GET, POST, PUT, DELETE */
int zapi_fp_templates_del(zreq *r); /* arg[0] = user id */
int zapi_fp_ssl_status(zreq *r);
int zapi_fp_ssl_download(zreq *r);
int zapi_fp_ssl_info(zreq *r);
int zapi_fp_ssl_other(zreq *r);

/* ---- the WebSocket (ws.c) --------------------------------------------------------------------
 * Owns one thread (keep-alive: {"type":"ping"} every 30 s, unauthenticated sockets closed after
 * FP_WS_AUTH_S, finished scans reaped). */
#define FP_WS_AUTH_S 15
#define FP_MAX_SUBS  8
/* max_clients: open sockets allowed (each holds a worker thread). 0 or -1. */
int zapi_ws_start(zapi *app, int max_clients);
/* Tell the clients the service stops, stop the thread (before the listener stops). */
void zapi_ws_stop(zapi *app);
void zapi_ws_free(zapi *app);
/* The fingerprint service's event callback (fps_emit_fn); user = the zapi. */
void zapi_ws_emit(void *user, const char *dev_id, uint64_t owner, json_t *ev);
/* civetweb WebSocket callbacks, after the gate of daemon/http accepted the upgrade (cbdata = the
 * zapi). zapi_ws_connect returns 0 to accept, 1 after refusing (503 when full). */
int zapi_ws_connect(struct mg_connection *c, const zapi *app);
void zapi_ws_ready(struct mg_connection *c, void *cbdata);
int zapi_ws_data(struct mg_connection *c, int bits, char *data, size_t len, void *cbdata);
void zapi_ws_close(const struct mg_connection *c, void *cbdata);

#endif /* ZKBIOD_API_H */
