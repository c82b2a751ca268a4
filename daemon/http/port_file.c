/* SPDX-License-Identifier: Apache-2.0 */
/* zkbiod --port-file: the bound ports, written atomically (temporary file + rename). */
#include "port_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <civetweb.h>

#include "core.h" /* zc_rename_replace */

enum { MAX_PORTS = 32 };

static int put_ports(FILE *f, const char *kind, struct mg_context *ctx)
{
    if (!ctx)
        return 0;
    struct mg_server_port ports[MAX_PORTS];
    memset(ports, 0, sizeof(ports));
    int n = mg_get_server_ports(ctx, MAX_PORTS, ports);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (fprintf(f, "%s %d\n", kind, ports[i].port) < 0)
            return -1;
    return 0;
}

int zkbiod_port_file_write(const char *path, struct mg_context *listen_ctx,
                           struct mg_context *service_ctx, char *err, size_t errsz)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(err, errsz, "port-file: path too long");
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errsz, "port-file: cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = put_ports(f, "listen", listen_ctx);
    if (rc == 0)
        rc = put_ports(f, "service", service_ctx);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        snprintf(err, errsz, "port-file: cannot write %s", tmp);
        remove(tmp);
        return -1;
    }
    if (zc_rename_replace(tmp, path) != 0) {
        snprintf(err, errsz, "port-file: cannot rename %s to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
