/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What daemon/main.c and daemon/service.c share (issue 17): the server itself, and the
 * `zkbiod service` command that runs it under the Windows service control manager.
 */
#ifndef ZKBIOD_SERVICE_H
#define ZKBIOD_SERVICE_H

/*
 * Run zkbiod with these arguments (argv[0] is the program; the flags of `zkbiod --help`) until a
 * stop is requested (zc_stop_request(): a signal, the console's Ctrl-C, the service's STOP).
 * ready(arg) is called once, on the calling thread, when the listeners are up (NULL = none).
 * Returns the process exit status: 0 after a clean stop, 1 when start-up failed, 2 for bad flags.
 * Not reentrant: one server per process.
 */
int zkbiod_serve(int argc, char **argv, void (*ready)(void *arg), void *arg);

/*
 * `zkbiod service install|uninstall|start|stop|run [FLAGS...]` (argv[0] = "service"). On Windows:
 * install registers zkbiod with the service control manager (own process, automatic start,
 * NT AUTHORITY\LocalService, restart on failure) with FLAGS as its arguments and prepares
 * %ProgramData%\zkbio; run is what the service manager starts. Elsewhere it prints how to use
 * systemd or launchd and returns 2. Returns the exit status; messages go to stdout/stderr.
 */
int zkbiod_service_cli(int argc, char **argv);

#endif
