/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the body parser of the inbound Frappe-style methods (daemon/api/frappe_parse.c) and the
 * integration key header parser (daemon/auth/intkeys.c). The first byte picks one, the rest is
 * the input:
 *   0: a JSON body: a single log object, or {"logs": [...]} item by item (zapi_frappe_parse_punch);
 *      every accepted punch has a PIN of 1..24 printable bytes, a valid SN, a 19-character wall
 *      clock that parses again, a status of 0/1/255;
 *   1: a timestamp (zapi_frappe_parse_time, on an exact-size buffer without a NUL): an accepted
 *      one parses again to itself, and shifting it by an offset and back gives it again;
 *   2: a form-encoded body (zapi_frappe_form) then zapi_frappe_parse_punch;
 *   3: an Authorization value (zauth_intkey_parse): parsed parts are non-empty and bounded.
 * Seeds in corpus/frappe-in were written by hand.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_punch(const json_t *o)
{
    zapi_frappe_punch p;
    char err[256];
    if (zapi_frappe_parse_punch(o, &p, err, sizeof(err)) != 0) {
        if (strlen(err) == 0)
            abort(); /* a refusal always says why */
        return;
    }
    size_t pl = strlen(p.pin);
    char again[20];
    int ho, om;
    if (pl == 0 || pl > 24 || !zkbio_push_sn_valid(p.sn) || strlen(p.wall) != 19 ||
        !zapi_frappe_parse_time(p.wall, 19, again, &ho, &om) || strcmp(again, p.wall) != 0 ||
        (p.status != 0 && p.status != 1 && p.status != 255) || !p.log_type)
        abort();
}

static void check_json(const uint8_t *d, size_t n)
{
    json_t *j = json_loadb((const char *)d, n, 0, NULL);
    if (!j)
        return;
    const json_t *logs = json_object_get(j, "logs");
    if (json_is_array(logs)) {
        size_t i;
        const json_t *it;
        json_array_foreach(logs, i, it)
        {
            if (i >= 64)
                break;
            check_punch(it);
        }
    } else {
        check_punch(j);
    }
    json_decref(j);
}

static void check_time(const uint8_t *d, size_t n)
{
    char *s = malloc(n ? n : 1); /* exact size, no NUL: an overread is caught by ASan */
    if (!s)
        return;
    memcpy(s, d, n);
    char wall[20], again[20], there[20], back[20];
    int ho, om, ho2, om2;
    if (zapi_frappe_parse_time(s, n, wall, &ho, &om)) {
        if (strlen(wall) != 19 || !zapi_frappe_parse_time(wall, 19, again, &ho2, &om2) ||
            strcmp(wall, again) != 0 || ho2 || om < -14 * 60 - 59 || om > 14 * 60 + 59)
            abort();
        if (zapi_frappe_shift(wall, om, 180, there) &&
            (!zapi_frappe_shift(there, 180, om, back) || strcmp(back, wall) != 0))
            abort();
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0:
        check_json(d, n);
        break;
    case 1:
        check_time(d, n);
        break;
    case 2: {
        json_t *o = zapi_frappe_form((const char *)d, n);
        if (o)
            check_punch(o);
        json_decref(o);
        break;
    }
    default: {
        char *s = malloc(n + 1);
        if (!s)
            return 0;
        memcpy(s, d, n);
        s[n] = '\0';
        char key[ZS_INTKEY_KEY_MAX + 1], secret[ZAUTH_INTKEY_SECRET_MAX + 1];
        int rc = zauth_intkey_parse(s, key, sizeof(key), secret, sizeof(secret));
        if (rc == 0 && (!key[0] || !secret[0] || strlen(key) > ZS_INTKEY_KEY_MAX ||
                        strlen(secret) > ZAUTH_INTKEY_SECRET_MAX || strchr(key, ':')))
            abort();
        free(s);
        break;
    }
    }
    return 0;
}
