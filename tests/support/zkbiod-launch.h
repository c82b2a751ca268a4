/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test support: start a zkbiod whose listeners ask for port 0 and learn the ports it was given.
 *
 * The caller passes zkbiod's arguments with port 0 in --listen / --service-listen (for example
 * `127.0.0.1:0`); zkl_start() adds `--port-file DIR/zkbiod.ports`, starts the process and waits
 * until zkbiod has written that file (it does so once every listener is bound), then reads the
 * ports back. No port is picked in advance, so two tests can never race for one. Format of the
 * file: daemon/server/port_file.h.
 */
#ifndef ZKBIO_TEST_ZKBIOD_LAUNCH_H
#define ZKBIO_TEST_ZKBIOD_LAUNCH_H

#include <sys/types.h>

#define ZKL_MAX_PORTS 8

typedef struct zkl_ports {
    int listen[ZKL_MAX_PORTS]; /**< terminal listener ports, in --listen order */
    int n_listen;
    int service[ZKL_MAX_PORTS]; /**< fingerprint service ports, in --service-listen order */
    int n_service;
} zkl_ports;

typedef struct zkl_opts {
    /** zkbiod and its arguments, NULL-terminated (without --port-file); argv[0] is looked up in
     * PATH when it has no slash. */
    const char *const *argv;
    const char *dir; /**< an existing directory for the port file (the data directory will do) */
    /** File that receives zkbiod's stdout and stderr (appended); NULL = inherited. */
    const char *log;
    /** Environment changes in the child: "NAME=value" sets, "NAME" unsets; NULL-terminated or
     * NULL. */
    const char *const *env;
    int timeout_ms; /**< how long to wait for the port file; 0 = 20 s */
} zkl_opts;

/**
 * Start zkbiod and wait for its port file. 0 with *pid and *ports set; -1 when the process could
 * not be started, exited, or wrote no port file in time (the process is then killed and reaped,
 * and *pid is 0). A message goes to stderr on failure.
 */
int zkl_start(const zkl_opts *o, pid_t *pid, zkl_ports *ports);

/** Parse a port file (format of daemon/server/port_file.h). 0, or -1 when unreadable. */
int zkl_read_ports(const char *path, zkl_ports *ports);

#endif
