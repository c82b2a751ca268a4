/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The classifier of a target's answers (forward.h, zfwd_classify): a pure function over the status
 * and the body. Facts (shared reference integrations.md): Frappe's status comes from the exception
 * class (§2.4: ValidationError 417, AuthenticationError 401, PermissionError 403,
 * DoesNotExistError 404, DuplicateEntryError 409, TooManyRequestsError 429, SessionStopped 503);
 * an API error body carries exc_type (v15+), exception (last traceback line, when tracebacks are
 * allowed), exc (a JSON string of a list of tracebacks) and _server_messages (a JSON string of a
 * list of JSON strings of message dicts: decoded twice). HRMS's texts (§2.1, §2.2):
 * "This employee already has a log with the same timestamp", "No Employee found for the given
 * employee field value", "Transactions cannot be created for an Inactive Employee", "Log Type is
 * required for check-ins falling in the shift", "Latitude and longitude values are required for
 * checking in." and CheckinRadiusExceededError. The texts are English (translated for a user whose
 * language is not), hence exc_type first and the text only as a fallback.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "forward.h"

const char *zfwd_verdict_name(zfwd_verdict v)
{
    static const char *const names[] = {"delivered", "duplicate", "parked",
                                        "failed",    "retry",     "paused"};
    return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown";
}

/* Case-insensitive substring search. */
static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return 1;
    return 0;
}

static const struct {
    const char *text;
    zfwd_verdict v;
} texts[] = {
    {"already has a log with the same timestamp", ZFWD_DUPLICATE},
    {"No Employee found", ZFWD_PARK},
    {"Inactive Employee", ZFWD_PARK},
    {"Log Type is required", ZFWD_PARK},
    {"Latitude and longitude values are required", ZFWD_PARK},
    {"geolocation", ZFWD_PARK},
    {"outside the allowed radius", ZFWD_PARK},
};

/* The verdict of a text, or -1. */
static int text_verdict(const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (contains(s, texts[i].text))
            return (int)texts[i].v;
    return -1;
}

zfwd_verdict zfwd_classify_text(const char *text)
{
    int v = text_verdict(text);
    return v < 0 ? ZFWD_FAIL : (zfwd_verdict)v;
}

static const struct {
    const char *exc;
    zfwd_verdict v;
} excs[] = {
    {"InactiveEmployeeStatusError", ZFWD_PARK},
    {"CheckinRadiusExceededError", ZFWD_PARK},
    {"AuthenticationError", ZFWD_PAUSE},
    {"PermissionError", ZFWD_PAUSE},
    {"CSRFTokenError", ZFWD_PAUSE},
    {"TooManyRequestsError", ZFWD_RETRY},
    {"RateLimitExceededError", ZFWD_RETRY},
    {"QueryDeadlockError", ZFWD_RETRY},
    {"QueryTimeoutError", ZFWD_RETRY},
    {"SessionStopped", ZFWD_RETRY},
};

/* Copy s into out without HTML tags, collapsing white space, at most outsz - 1 bytes. */
static void plain(const char *s, char *out, size_t outsz)
{
    size_t n = 0;
    int tag = 0, space = 0;
    for (; s && *s && n + 1 < outsz; s++) {
        if (*s == '<') {
            tag = 1;
            continue;
        }
        if (tag) {
            if (*s == '>')
                tag = 0;
            continue;
        }
        if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s)) {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < outsz)
            out[n++] = ' ';
        space = 0;
        out[n++] = *s;
    }
    if (outsz)
        out[n < outsz ? n : outsz - 1] = '\0';
}

/* The messages of a Frappe body, most specific first, into msgs[] (borrowed from the JSON values
 * kept in keep[], which the caller decrefs). */
typedef struct found {
    const char *exc_type;
    const char *msgs[12];
    size_t n;
    json_t *keep[12];
    size_t nkeep;
} found;

static void add_msg(found *f, const char *s)
{
    if (s && *s && f->n < sizeof(f->msgs) / sizeof(f->msgs[0]))
        f->msgs[f->n++] = s;
}

/* Decode a JSON text held in a string value (Frappe's double encoding); kept for the borrow. */
static json_t *decode_kept(found *f, const char *s)
{
    if (!s || f->nkeep >= sizeof(f->keep) / sizeof(f->keep[0]))
        return NULL;
    json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
    if (v)
        f->keep[f->nkeep++] = v;
    return v;
}

static void collect(json_t *root, found *f)
{
    f->exc_type = json_string_value(json_object_get(root, "exc_type"));
    /* _server_messages: "[\"{\\\"message\\\": \\\"...\\\"}\"]" */
    json_t *sm = decode_kept(f, json_string_value(json_object_get(root, "_server_messages")));
    if (json_is_array(sm)) {
        size_t i;
        json_t *e;
        json_array_foreach(sm, i, e)
        {
            json_t *d = json_is_string(e) ? decode_kept(f, json_string_value(e)) : e;
            if (json_is_object(d))
                add_msg(f, json_string_value(json_object_get(d, "message")));
            else if (json_is_string(d))
                add_msg(f, json_string_value(d));
            if (i >= 4)
                break;
        }
    }
    add_msg(f, json_string_value(json_object_get(root, "exception")));
    json_t *exc = decode_kept(f, json_string_value(json_object_get(root, "exc")));
    if (json_is_array(exc))
        add_msg(f, json_string_value(json_array_get(exc, 0)));
    else if (json_is_string(json_object_get(root, "exc")) && !exc)
        add_msg(f, json_string_value(json_object_get(root, "exc")));
    json_t *m = json_object_get(root, "message");
    if (json_is_string(m))
        add_msg(f, json_string_value(m));
    else if (json_is_object(m)) {
        add_msg(f, json_string_value(json_object_get(m, "error")));
        add_msg(f, json_string_value(json_object_get(m, "message")));
    }
    add_msg(f, json_string_value(json_object_get(root, "_error_message")));
    add_msg(f, json_string_value(json_object_get(root, "error")));
    /* API v2: errors: [{type, message}] */
    json_t *errs = json_object_get(root, "errors");
    if (json_is_array(errs)) {
        json_t *e0 = json_array_get(errs, 0);
        if (!f->exc_type)
            f->exc_type = json_string_value(json_object_get(e0, "type"));
        add_msg(f, json_string_value(json_object_get(e0, "message")));
    }
}

zfwd_verdict zfwd_classify(int status, const char *body, size_t len, char *reason, size_t reasonsz)
{
    found f;
    memset(&f, 0, sizeof(f));
    json_t *root = NULL;
    if (body && len > 0 && len < 4u * 1024 * 1024) {
        root = json_loadb(body, len, 0, NULL);
        if (json_is_object(root))
            collect(root, &f);
    }
    int v = -1;
    if (status >= 200 && status < 300)
        v = ZFWD_DELIVERED;
    else if (status == 0)
        v = ZFWD_RETRY;
    /* 1. exc_type */
    for (size_t i = 0; v < 0 && f.exc_type && i < sizeof(excs) / sizeof(excs[0]); i++)
        if (strcmp(f.exc_type, excs[i].exc) == 0)
            v = (int)excs[i].v;
    /* 2. the message texts */
    for (size_t i = 0; v < 0 && i < f.n; i++)
        /* A method path the site does not have (hrms. on a v13 site, erpnext. on v14+): Frappe's
         * handler answers 417 ValidationError "Failed to get method for command ... with No module
         * named ..." rather than a 404, for every punch alike: the target's configuration is wrong
         * (a whole answer only: a bulk answer's per-item texts, zfwd_classify_text, never pause).
         */
        v = contains(f.msgs[i], "Failed to get method") ? ZFWD_PAUSE : text_verdict(f.msgs[i]);
    /* 3. the status */
    if (v < 0) {
        if (status == 401 || status == 403 || status == 404)
            v = ZFWD_PAUSE;
        else if (status == 408 || status == 409 || status == 425 || status == 429 || status >= 500)
            v = ZFWD_RETRY;
        else
            v = ZFWD_FAIL;
    }
    if (reason && reasonsz) {
        char msg[384] = "";
        if (f.n > 0)
            plain(f.msgs[0], msg, sizeof(msg));
        else if (body && len > 0 && !root) {
            char raw[200];
            size_t k = len < sizeof(raw) - 1 ? len : sizeof(raw) - 1;
            memcpy(raw, body, k);
            raw[k] = '\0';
            plain(raw, msg, sizeof(msg));
        }
        if (status == 0)
            snprintf(reason, reasonsz, "no answer");
        else
            snprintf(reason, reasonsz, "HTTP %d%s%s%s%s", status, f.exc_type ? " " : "",
                     f.exc_type ? f.exc_type : "", msg[0] ? ": " : "", msg);
    }
    json_decref(root);
    for (size_t i = 0; i < f.nkeep; i++)
        json_decref(f.keep[i]);
    return (zfwd_verdict)v;
}
