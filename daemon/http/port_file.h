/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file port_file.h
 * @brief zkbiod --port-file: tell a supervisor or a test which ports the listeners are bound to.
 *
 * The file holds one line per bound listening socket, the terminal listener's first, then the
 * fingerprint service's, each in the order of the listen / service-listen values:
 *
 *     listen 41234
 *     service 41235
 *
 * A line is `KIND PORT` with KIND `listen` or `service` and PORT the decimal port number; a reader
 * should ignore further space-separated words on a line (room for later additions). The file is
 * written to `FILE.tmp` and renamed over FILE, so a reader that sees FILE sees all of it.
 */
#ifndef ZHTTP_PORT_FILE_H
#define ZHTTP_PORT_FILE_H

#include <stddef.h>

struct mg_context;

/**
 * Write the ports of the listening sockets of listen_ctx and service_ctx (either may be NULL: no
 * lines for it) to path. Returns 0, or -1 with a one-line message in err.
 */
int zkbiod_port_file_write(const char *path, struct mg_context *listen_ctx,
                           struct mg_context *service_ctx, char *err, size_t errsz);

#endif /* ZHTTP_PORT_FILE_H */
