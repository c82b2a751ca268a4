/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the fingerprint service's own parsers (daemon/http, daemon/auth): the first byte picks one.
 *   even: the Host header check (zhttp_host_allowed) on the rest as a string; an allowed value must
 *         start with one of the three localhost names;
 *   1 mod 4: a line of the API keys file (zauth_keys_parse_line); a parsed record has id >= 1,
 *         NUL-terminated text fields and a non-empty permission set within ZAUTH_PERM_ALL;
 *   3 mod 8: a permission list (zauth_perms_parse); a parsed set is non-empty and survives
 *         zauth_perms_format and a second parse unchanged;
 *   7 mod 16: a request path against every pattern of the route table (zhttp_match, what
 *         zhttp_dispatch runs on every request); what a `*` or `**` matched is NUL-terminated,
 *         shorter than ZAPI_ARG_MAX and a part of the path;
 *   15 mod 16: a database URI (zc_dburi_parse, daemon/core/dburi.c); a parsed URI has its
 *         dialect's fields (SQLite a path, MariaDB a user, host and database name), a refused one
 *         is zeroed with a NUL-terminated message.
 * Request bodies are parsed by jansson and templates by libzkbio (fuzz-native, fuzz-template,
 * fuzz-base64).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static void fuzz_route(const char *path)
{
    size_t n;
    const zroute *routes = zhttp_routes(&n);
    for (size_t i = 0; i < n; i++) {
        zreq r;
        memset(&r, 0, sizeof(r));
        if (!zhttp_match(routes[i].pattern, path, &r))
            continue;
        for (int a = 0; a < 2; a++)
            if (r.arg[a] &&
                (memchr(r.arg[a], '\0', ZAPI_ARG_MAX) == NULL || strstr(path, r.arg[a]) == NULL))
                abort();
    }
}

static void fuzz_dburi(const char *uri)
{
    zc_dburi u;
    char err[256];
    memset(err, 'x', sizeof(err));
    if (zc_dburi_parse(uri, &u, err, sizeof(err)) == 0) {
        if (u.dialect == ZC_DBURI_SQLITE ? !u.path
                                         : (u.dialect != ZC_DBURI_MARIADB || !u.user || !*u.user ||
                                            !u.host || !u.dbname || !*u.dbname || !u.pass))
            abort();
        zc_dburi_free(&u);
        if (u.user || u.pass || u.path)
            abort();
        return;
    }
    if (u.user || u.pass || u.path || u.host || u.dbname || u.socket ||
        memchr(err, '\0', sizeof(err)) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4096)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if ((data[0] & 1) == 0) {
        if (zhttp_host_allowed(s) && strncasecmp(s, "localhost", 9) != 0 &&
            strncmp(s, "127.0.0.1", 9) != 0 && strncmp(s, "[::1]", 5) != 0)
            abort();
    } else if ((data[0] & 2) == 0) {
        zauth_key_record r;
        if (zauth_keys_parse_line(s, &r) == 0) {
            if (r.id < 1 || memchr(r.name, '\0', sizeof(r.name)) == NULL ||
                memchr(r.shown, '\0', sizeof(r.shown)) == NULL || r.perms == 0 ||
                (r.perms & ~(uint32_t)ZAUTH_PERM_ALL) != 0)
                abort();
        } else if (r.id != 0) {
            abort();
        }
    } else if ((data[0] & 7) == 7) {
        if (data[0] & 8)
            fuzz_dburi(s);
        else
            fuzz_route(s);
    } else {
        uint32_t p = 0, q = 0;
        char bad[80], text[512];
        if (zauth_perms_parse(s, &p, bad, sizeof(bad)) == 0) {
            zauth_perms_format(p, text, sizeof(text));
            if (p == 0 || (p & ~(uint32_t)ZAUTH_PERM_ALL) != 0 ||
                zauth_perms_parse(text, &q, NULL, 0) != 0 || q != p)
                abort();
        } else if (p != 0 || memchr(bad, '\0', sizeof(bad)) == NULL) {
            abort();
        }
    }
    free(s);
    return 0;
}
