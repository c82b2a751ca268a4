/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The benchmarks' reader of zkbiod's --port-file: they start zkbiod with port 0 (the system picks
 * a free port as it binds, so there is no pick-then-bind race) and read the bound port back. The
 * format is zkbiod's (daemon/http/port_file.h): one "KIND PORT" line per bound socket, KIND
 * `listen` or `service`, further words ignored; the file appears complete (written, then renamed).
 * The CLI links no daemon or test code, so this small reader is its own.
 */
#ifndef ZKBIO_CLI_BENCH_PORT_FILE_H
#define ZKBIO_CLI_BENCH_PORT_FILE_H

#include <sys/types.h>

/* The first port of `kind` in the port file at path: 1..65535, 0 when the file has no such line,
 * -1 when it cannot be read (not there yet). */
int bench_port_file_read(const char *path, const char *kind);

/* Wait up to timeout_ms for zkbiod (pid) to write the port file, polling every 20 ms. Returns the
 * port of `kind`, or -1: on timeout, when the file has no such line, or when zkbiod exited first
 * (then reaped: *exited is set to 1 and its wait status is in *status). */
int bench_port_file_wait(const char *path, const char *kind, pid_t pid, int timeout_ms, int *exited,
                         int *status);

#endif /* ZKBIO_CLI_BENCH_PORT_FILE_H */
