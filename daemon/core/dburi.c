/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one parser of zkbiod's database URIs (core.h: zc_dburi_parse), used by the driver
 * (daemon/db: zdb_open) and by the configuration check at start-up (config.c). `mariadb://` URIs
 * are split by libcurl's URL parser (curl_url()); the parts are then percent-decoded here, so that
 * a malformed escape or an encoded NUL is refused rather than passed on. `sqlite:PATH` is not a
 * URL: PATH is taken as written.
 */
#if defined(ZKBIOD_HAVE_CURL)
#include <curl/curl.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/error.h"

#include "core.h"

void zc_dburi_free(zc_dburi *u)
{
    if (!u)
        return;
    free(u->path);
    free(u->user);
    if (u->pass) {
        memset(u->pass, 0, strlen(u->pass));
        free(u->pass);
    }
    free(u->host);
    free(u->dbname);
    free(u->socket);
    memset(u, 0, sizeof(*u));
}

#if defined(ZKBIOD_HAVE_CURL)
/* Percent-decode s[0..n) into a new string. NULL on a malformed escape or an encoded NUL, or with
 * *nomem set when out of memory. */
static char *pct_decode(const char *s, size_t n, int *nomem)
{
    char *out = malloc(n + 1);
    if (!out) {
        *nomem = 1;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        if (n - i < 3 || zc_hexdigit((unsigned char)s[i + 1]) < 0 ||
            zc_hexdigit((unsigned char)s[i + 2]) < 0) {
            free(out);
            return NULL;
        }
        int v = zc_hexdigit((unsigned char)s[i + 1]) * 16 + zc_hexdigit((unsigned char)s[i + 2]);
        if (v == 0) {
            free(out);
            return NULL;
        }
        out[o++] = (char)v;
        i += 2;
    }
    out[o] = '\0';
    return out;
}

/* One part of a parsed URL, not decoded; NULL when absent. */
static char *part(CURLU *h, CURLUPart what, int *nomem)
{
    char *s = NULL;
    CURLUcode rc = curl_url_get(h, what, &s, 0);
    if (rc == CURLUE_OUT_OF_MEMORY)
        *nomem = 1;
    if (rc != CURLUE_OK)
        return NULL;
    char *copy = strdup(s);
    curl_free(s);
    if (!copy)
        *nomem = 1;
    return copy;
}

/*
 * curl_url() wants a host; the driver accepts an empty one (then "localhost", used with
 * ?socket=). Returns the URI with "localhost" put in an empty host, or a plain copy.
 */
static char *fill_host(const char *uri)
{
    const char *a = uri + strlen("mariadb://");
    size_t alen = strcspn(a, "/?#");
    const char *h = a;
    for (const char *p = a; p < a + alen; p++)
        if (*p == '@')
            h = p + 1;
    size_t n = strlen(uri);
    int empty = h == a + alen || *h == ':';
    char *out = malloc(n + (empty ? 10 : 1));
    if (!out)
        return NULL;
    size_t pre = (size_t)(h - uri);
    memcpy(out, uri, pre);
    if (empty) {
        memcpy(out + pre, "localhost", 9);
        memcpy(out + pre + 9, h, n - pre + 1);
    } else {
        memcpy(out + pre, h, n - pre + 1);
    }
    return out;
}

static int parse_mariadb(const char *uri, zc_dburi *u, char *err, size_t errsz)
{
    int nomem = 0, rc = ZKBIO_EINVAL;
    char *filled = fill_host(uri);
    CURLU *h = curl_url();
    char *user = NULL, *pass = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL,
         *frag = NULL;
    if (!filled || !h) {
        nomem = 1;
        goto out;
    }
    const char *auth = uri + strlen("mariadb://");
    size_t alen = strcspn(auth, "/?#");
    if (alen && auth[alen - 1] == ':') { /* curl would take an empty port for the default */
        zc_errf(err, errsz, "mariadb URI has a bad port (1..65535)");
        goto out;
    }
    CURLUcode cu = curl_url_set(h, CURLUPART_URL, filled, CURLU_NON_SUPPORT_SCHEME);
    if (cu == CURLUE_OUT_OF_MEMORY) {
        nomem = 1;
        goto out;
    }
    if (cu == CURLUE_BAD_PORT_NUMBER) {
        zc_errf(err, errsz, "mariadb URI has a bad port (1..65535)");
        goto out;
    }
    if (cu != CURLUE_OK) {
        zc_errf(err, errsz, "mariadb URI is malformed (%s)", curl_url_strerror(cu));
        goto out;
    }
    user = part(h, CURLUPART_USER, &nomem);
    pass = part(h, CURLUPART_PASSWORD, &nomem);
    host = part(h, CURLUPART_HOST, &nomem);
    port = part(h, CURLUPART_PORT, &nomem);
    path = part(h, CURLUPART_PATH, &nomem);
    query = part(h, CURLUPART_QUERY, &nomem);
    frag = part(h, CURLUPART_FRAGMENT, &nomem);
    if (nomem)
        goto out;
    if (!user || !*user) {
        zc_errf(err, errsz, "mariadb URI needs USER[:PASS]@ before the host");
        goto out;
    }
    if (frag) {
        zc_errf(err, errsz, "mariadb URI may not have a #fragment");
        goto out;
    }
    u->port = 3306;
    if (port) {
        long p = strtol(port, NULL, 10);
        if (p < 1 || p > 65535) {
            zc_errf(err, errsz, "mariadb URI has a bad port (1..65535)");
            goto out;
        }
        u->port = (unsigned)p;
    }
    if (!path || path[0] != '/' || !path[1] || strchr(path + 1, '/')) {
        zc_errf(err, errsz,
                "mariadb URI needs a database name: mariadb://USER[:PASS]@HOST[:PORT]/DB");
        goto out;
    }
    size_t hl = host ? strlen(host) : 0;
    const char *hs = host;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* IPv6 literal */
        hs = host + 1;
        hl -= 2;
    }
    if (!(u->user = pct_decode(user, strlen(user), &nomem)) ||
        !(u->pass = pct_decode(pass ? pass : "", pass ? strlen(pass) : 0, &nomem)) ||
        !(u->host = pct_decode(hs ? hs : "", hl, &nomem)) ||
        !(u->dbname = pct_decode(path + 1, strlen(path + 1), &nomem)))
        goto bad_escape;
    for (const char *q = query; q && *q;) {
        size_t n = strcspn(q, "&");
        if (n > 7 && strncmp(q, "socket=", 7) == 0 && !u->socket) {
            if (!(u->socket = pct_decode(q + 7, n - 7, &nomem)))
                goto bad_escape;
        } else if (n > 0) {
            zc_errf(err, errsz,
                    "mariadb URI: unsupported or repeated query parameter (only socket=PATH)");
            goto out;
        }
        q += n;
        if (*q == '&')
            q++;
    }
    rc = 0;
    goto out;
bad_escape:
    if (!nomem)
        zc_errf(err, errsz, "mariadb URI has a malformed percent-escape");
out:
    if (nomem) {
        zc_errf(err, errsz, "out of memory");
        rc = ZKBIO_ENOMEM;
    }
    if (pass)
        memset(pass, 0, strlen(pass));
    if (filled)
        memset(filled, 0, strlen(filled));
    free(user);
    free(pass);
    free(host);
    free(port);
    free(path);
    free(query);
    free(frag);
    free(filled);
    curl_url_cleanup(h);
    return rc;
}
#else
/* A build without libcurl (issue 17: the first Windows builds, where MariaDB is off too) has no
 * URL parser for mariadb:// URIs. */
static int parse_mariadb(const char *uri, zc_dburi *u, char *err, size_t errsz)
{
    (void)uri;
    (void)u;
    zc_errf(err, errsz, "mariadb:// URIs need a zkbiod built with libcurl (this one has none)");
    return ZKBIO_EINVAL;
}
#endif

int zc_dburi_parse(const char *uri, zc_dburi *u, char *err, size_t errsz)
{
    zc_errf(err, errsz, "%s", "");
    if (!u)
        return ZKBIO_EINVAL;
    memset(u, 0, sizeof(*u));
    if (!uri) {
        zc_errf(err, errsz, "no database URI");
        return ZKBIO_EINVAL;
    }
    if (strncmp(uri, "sqlite:", 7) == 0) {
        if (!uri[7]) {
            zc_errf(err, errsz, "sqlite URI needs a path (sqlite:PATH or sqlite::memory:)");
            return ZKBIO_EINVAL;
        }
        u->dialect = ZC_DBURI_SQLITE;
        if (!(u->path = strdup(uri + 7))) {
            zc_errf(err, errsz, "out of memory");
            return ZKBIO_ENOMEM;
        }
        return 0;
    }
    if (strncmp(uri, "mariadb://", 10) != 0) {
        zc_errf(err, errsz, "unknown database URI scheme (expected sqlite:PATH or mariadb://...)");
        return ZKBIO_EINVAL;
    }
    u->dialect = ZC_DBURI_MARIADB;
    int rc = parse_mariadb(uri, u, err, errsz);
    if (rc != 0)
        zc_dburi_free(u);
    return rc;
}
