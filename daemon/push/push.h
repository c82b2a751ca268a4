/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/push: the endpoints ZKTeco terminals poll (/iclock/cdata, getrequest, devicecmd, fdata,
 * ping; push.md §1-§6): handshake, uploads stored through daemon/store (which fans users and
 * templates out to the other terminals as commands), and the command queue handed out and
 * acknowledged. Replies are plain text with a GMT Date header.
 *
 * Access rule: a documented open endpoint for devices, identified by SN only, subject to the
 * admission policy of the store (auto or allow-list). daemon/http routes every path containing
 * "/iclock/" here (any prefix, `.aspx` variants).
 *
 * Thread-safety: zpush_iclock may run on any number of civetweb workers at once; the zpush settings
 * are read-only after start-up. Dependencies: core, store.
 */
#ifndef ZKBIOD_PUSH_H
#define ZKBIOD_PUSH_H

#include <stddef.h>

#include <civetweb.h>

#include "zkbio/push.h"

#include "store.h"

/* What the /iclock handlers need. One per terminal listener, read-only after start-up. */
typedef struct zpush {
    zs_store *store;
    zkbio_push_server_options push; /* handshake reply settings (strings owned by the config) */
    size_t max_body;                /* bytes; larger uploads get 413 */
    int commands_per_poll;          /* commands handed out per getrequest */
    const char *attphoto_dir;       /* attendance photos: <attphoto_dir>/<SN>/<file name> */
} zpush;

/* Answer one /iclock request: `endpoint` is the text after the last "/iclock/" of the path
 * (cdata, cdata.aspx, getrequest, ...). Returns the HTTP status sent. */
int zpush_iclock(struct mg_connection *c, const zpush *d, const char *endpoint);

/* `zkbiod device list [--pending] | approve SN|ID | reject SN|ID [zkbiod options]` (device_cli.c,
 * issue 15): PUSH terminal admission from the command line, on the configured database. argv[0]
 * is "device". Returns the process exit status (0 ok, 1 failed, 2 usage). */
int zpush_device_cli(int argc, char **argv);

#endif /* ZKBIOD_PUSH_H */
