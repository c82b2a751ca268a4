/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz query-string lookup, the handshake parser, the handshake reply built from what was parsed,
 * and INFO. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    char v[64];
    static const char *const keys[] = {"SN",      "table", "Stamp",  "INFO",
                                       "pushver", "ID",    "Return", "x"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        int rc = zkbio_push_query_get(q, size, keys[i], v, sizeof(v));
        if (rc != ZKBIO_OK && rc != ZKBIO_ENOENT && rc != ZKBIO_ENOSPC)
            abort();
        if (strlen(v) >= sizeof(v))
            abort();
    }
    zkbio_push_handshake h;
    zkbio_error_info err;
    if (zkbio_push_handshake_parse(q, size, &h, &err) == ZKBIO_OK) {
        if (!zkbio_push_sn_valid(h.sn) || (h.generation != 2 && h.generation != 3))
            abort();
        zkbio_push_server_options o;
        zkbio_push_server_options_init(&o);
        o.attlog_stamp = h.pushcommkey;
        o.trans_flag = h.device_type;
        o.server_ver = h.pushver;
        o.timezone_min = (h.language % 4096) * 7;
        char buf[2048];
        size_t len;
        int rc = zkbio_push_handshake_reply_build(&o, h.sn, buf, sizeof(buf), &len);
        if (rc != ZKBIO_OK || strlen(buf) != len || strncmp(buf, "GET OPTION FROM: ", 17) != 0)
            abort();
        (void)zkbio_push_language_charset(h.language);
    }
    char info[256];
    if (zkbio_push_query_get(q, size, "INFO", info, sizeof(info)) != ZKBIO_ENOENT) {
        zkbio_push_info in;
        if (zkbio_push_info_parse(info, strlen(info), &in) != ZKBIO_OK)
            abort();
    }
    return 0;
}
