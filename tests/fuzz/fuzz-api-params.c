/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the /api/v1 request text parsers (daemon/api/params.c, api_json.c): the first byte picks
 * one, the rest is the text (NUL-terminated copy). 0: a filter time (zapi_parse_wall_time, both
 * bounds): a valid one is normalised to 19 characters that parse again to themselves; 1:
 * If-None-Match (zapi_etag_matches) against a fixed tag and against the text's first tag; 2: the
 * attendance cursor: a parsed one is made again and parses to the same time and id; 3: a key cursor
 * (hex): parse and make round-trip to the same key; 4: the summary cursor: parse and make
 * round-trip; 5: a time zone (zapi_tz_valid, zapi_tz_offset) and the wall clock to UTC of a fixed
 * time. Seeds in corpus/api-params were written by hand.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 6) {
    case 0:
        for (int end = 0; end < 2; end++) {
            char out[20], again[20];
            if (zapi_parse_wall_time(s, out, end) &&
                (strlen(out) != 19 || !zapi_parse_wall_time(out, again, end) ||
                 strcmp(out, again) != 0))
                abort();
        }
        break;
    case 1: {
        (void)zapi_etag_matches(s, "\"0123456789abcdef0123456789abcdef\"");
        char tag[64];
        size_t l = strcspn(s, ",");
        if (l < sizeof(tag)) {
            memcpy(tag, s, l);
            tag[l] = '\0';
            if (tag[0] == '"' && l > 1 && tag[l - 1] == '"' && !strchr(tag + 1, ' ') &&
                !zapi_etag_matches(s, tag))
                abort(); /* the first tag of the list matches itself */
        }
        break;
    }
    case 2: {
        char t[20], t2[20], cur[48];
        int64_t id, id2;
        if (zapi_cursor_punch_parse(s, t, &id)) {
            if (!zapi_cursor_punch_make(t, id, cur, sizeof(cur)) ||
                !zapi_cursor_punch_parse(cur, t2, &id2) || strcmp(t, t2) != 0 || id != id2)
                abort();
        }
        break;
    }
    case 3: {
        char key[64], cur[2 * 64 + 1], key2[64];
        if (zapi_cursor_key_parse(s, key, sizeof(key))) {
            if (!zapi_cursor_key_make(key, cur, sizeof(cur)) ||
                !zapi_cursor_key_parse(cur, key2, sizeof(key2)) || strcmp(key, key2) != 0)
                abort();
        }
        break;
    }
    case 4: {
        char date[11], pin[32], cur[80], date2[11], pin2[32];
        if (zapi_cursor_day_parse(s, date, pin, sizeof(pin))) {
            if (!zapi_cursor_day_make(date, pin, cur, sizeof(cur)) ||
                !zapi_cursor_day_parse(cur, date2, pin2, sizeof(pin2)) || strcmp(date, date2) ||
                strcmp(pin, pin2))
                abort();
        }
        break;
    }
    default: {
        int m = 0;
        int off = zc_tz_offset(s, &m);
        if (off && (!zapi_tz_valid(s) || m < -14 * 60 - 59 || m > 14 * 60 + 59))
            abort();
        char utc[32];
        if (off && !zapi_wall_to_utc("2025-03-01 08:00:00", m, utc, sizeof(utc)))
            abort();
        (void)zapi_wall_to_utc(s, 0, utc, sizeof(utc));
        break;
    }
    }
    free(s);
    return 0;
}
