/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkbiod's access-token parser (daemon/auth/jwt.c) on hostile bytes. The input is checked as a
 * whole token; and, when it has the "header.payload" shape, it is also signed with the harness's
 * key first, so the fuzzer reaches the header rules and the claims parser behind the MAC. Also
 * the base64url decoder alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEY[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz!";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ZAUTH_JWT_MAX + 64)
        return 0;
    char *tok = malloc(size + 64);
    if (!tok)
        return 0;
    memcpy(tok, data, size);
    tok[size] = '\0';
    zauth_claims c;
    int rc = zauth_jwt_verify(KEY, sizeof(KEY), tok, 1700000000, &c);
    if (rc == ZAUTH_JWT_OK && (c.sub <= 0 || c.role < ZAUTH_ROLE_VIEWER))
        abort(); /* an accepted token always has a subject and a role */
    uint8_t out[ZAUTH_JWT_MAX];
    size_t n = 0;
    zauth_b64url_decode(tok, strlen(tok), out, sizeof(out), &n);
    /* "header.payload": sign it and check again (the content rules behind the MAC). */
    size_t len = strlen(tok);
    const char *dot = memchr(tok, '.', len);
    if (dot && !memchr(dot + 1, '.', len - (size_t)(dot + 1 - tok))) {
        uint8_t mac[32];
        if (zauth_hs256(KEY, sizeof(KEY), tok, len, mac) == 0) {
            tok[len] = '.';
            zauth_b64url_encode(mac, sizeof(mac), tok + len + 1, 63, NULL);
            rc = zauth_jwt_verify(KEY, sizeof(KEY), tok, 1700000000, &c);
            if (rc == ZAUTH_JWT_OK && (c.sub <= 0 || c.role < ZAUTH_ROLE_VIEWER || c.ver < 1))
                abort();
        }
    }
    free(tok);
    return 0;
}
