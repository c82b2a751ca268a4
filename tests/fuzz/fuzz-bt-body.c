/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the BioTime family's form-body parser (daemon/api/bt_body.c, zapi_bt_form_parse): any bytes
 * are either refused (NULL) or become a JSON object whose members are strings or non-empty arrays
 * of strings, which jansson can dump and load back to an equal object. Seeds in corpus/bt-body
 * were written by hand (login and employee forms, PHP-style lists, escapes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    json_t *o = zapi_bt_form_parse((const char *)data, size);
    if (!o)
        return 0;
    if (!json_is_object(o))
        abort();
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (!*k)
            abort();
        if (json_is_array(v)) {
            if (json_array_size(v) == 0)
                abort();
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) if (!json_is_string(e)) abort();
        } else if (!json_is_string(v)) {
            abort();
        }
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *back = s ? json_loads(s, 0, NULL) : NULL;
    if (!s || !back || !json_equal(o, back))
        abort();
    free(s);
    json_decref(back);
    json_decref(o);
    return 0;
}
