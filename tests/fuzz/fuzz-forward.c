/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what daemon/forward reads from outside (issue 16): a target's answer to the classifier
 * (zfwd_classify: the first two bytes pick the HTTP status, the rest is the body, any bytes) and
 * the same bytes as one error text (zfwd_classify_text); the bytes as a settings object of each
 * kind (zfwd_settings_check, zfwd_settings_public) and as a device time and zone
 * (zfwd_convert_time). A verdict is always one of the six, the reason always a NUL-terminated text
 * within its buffer, and a converted time always 19 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int status = ((data[0] << 8) | data[1]) % 600;
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    char reason[64];
    memset(reason, 'x', sizeof(reason));
    zfwd_verdict v = zfwd_classify(status, body, len, reason, sizeof(reason));
    if ((int)v < ZFWD_DELIVERED || v > ZFWD_PAUSE || !memchr(reason, 0, sizeof(reason)))
        abort();
    if (status >= 200 && status < 300 && v != ZFWD_DELIVERED)
        abort();
    char *text = malloc(len + 1);
    if (!text)
        return 0;
    memcpy(text, body, len);
    text[len] = '\0';
    v = zfwd_classify_text(text);
    if (v != ZFWD_DUPLICATE && v != ZFWD_PARK && v != ZFWD_FAIL)
        abort();
    static const char *const kinds[] = {"erpnext", "erpnext-realtime", "webhook"};
    char field[96], msg[256];
    if (zfwd_settings_check(kinds[data[0] % 3], "https://erp.example.com", text, field,
                            sizeof(field), msg, sizeof(msg)) != 0 &&
        (!memchr(field, 0, sizeof(field)) || !memchr(msg, 0, sizeof(msg))))
        abort();
    free(zfwd_settings_public(text));
    char out[20], utc[21];
    const char *tz = len > 19 ? text + 19 : "";
    if (len >= 19) {
        char wall[20];
        memcpy(wall, text, 19);
        wall[19] = '\0';
        if (zfwd_convert_time(wall, tz, data[1] & 1 ? "+05:30" : "", out, utc) == 0 &&
            strlen(out) != 19)
            abort();
    }
    free(text);
    return 0;
}
