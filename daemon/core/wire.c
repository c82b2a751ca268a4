/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/error.h"

#include "core.h"

#include <civetweb.h>

int zc_send(struct mg_connection *c, int status, const char *ctype, const char *body, size_t len)
{
    char clen[32];
    snprintf(clen, sizeof(clen), "%zu", len);
    mg_response_header_start(c, status);
    mg_response_header_add(c, "Content-Type", ctype, -1);
    mg_response_header_add(c, "Content-Length", clen, -1);
    mg_response_header_add(c, "Cache-Control", "no-store", -1);
    mg_response_header_add(c, "Pragma", "no-cache", -1);
    mg_response_header_send(c);
    if (len)
        mg_write(c, body, len);
    return status;
}

int zc_text(struct mg_connection *c, int status, const char *text)
{
    return zc_send(c, status, "text/plain", text, strlen(text));
}

int zc_read_body(struct mg_connection *c, size_t max, char **out, size_t *len)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    *out = NULL;
    *len = 0;
    long long announced = ri->content_length;
    if (announced > 0 && (unsigned long long)announced > max)
        return ZKBIO_ETOOBIG;
    size_t cap = announced > 0 ? (size_t)announced + 1 : 4096;
    char *buf = malloc(cap);
    if (!buf)
        return ZKBIO_ENOMEM;
    size_t n = 0;
    for (;;) {
        if (n + 1 >= cap) {
            if (announced > 0)
                break; /* read exactly what was announced */
            if (cap > max + 1) {
                free(buf);
                return ZKBIO_ETOOBIG;
            }
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *p = realloc(buf, ncap);
            if (!p) {
                free(buf);
                return ZKBIO_ENOMEM;
            }
            buf = p;
            cap = ncap;
        }
        int r = mg_read(c, buf + n, cap - 1 - n);
        if (r < 0) {
            free(buf);
            return ZKBIO_EIO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            free(buf);
            return ZKBIO_ETOOBIG;
        }
    }
    if (announced > 0 && n != (size_t)announced) {
        free(buf);
        return ZKBIO_EIO;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

void zc_client_ip(const struct mg_connection *c, char *out, size_t size)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    snprintf(out, size, "%s", ri && ri->remote_addr[0] ? ri->remote_addr : "");
}
