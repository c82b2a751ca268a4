/* SPDX-License-Identifier: Apache-2.0 */
/* The running service: what every handler needs. One instance per process, read-only after
 * start-up. */
#ifndef ZKBIOD_ZKBIOD_H
#define ZKBIOD_ZKBIOD_H

#include <stddef.h>

#include <civetweb.h>

#include "zkbio/push.h"

#include "store.h"

typedef struct zkbiod {
    zs_store *store;
    zkbio_push_server_options push; /* handshake reply settings (strings owned by the config) */
    size_t max_body;                /* bytes; larger uploads get 413 */
    int commands_per_poll;          /* commands handed out per getrequest */
    const char *admin_token;        /* "" or NULL = management API disabled */
    const char *version;
    const char *attphoto_dir; /* attendance photos: <attphoto_dir>/<SN>/<file name> */
} zkbiod;

/* /iclock/... (PUSH protocol). Registered for every path containing "/iclock/". */
int zkbiod_iclock(struct mg_connection *c, const zkbiod *d, const char *endpoint);

/* /api/v1/... and /health. */
int zkbiod_api(struct mg_connection *c, const zkbiod *d, const char *path);

#endif /* ZKBIOD_ZKBIOD_H */
