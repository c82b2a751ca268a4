/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The zkbiod that `zkbio bench push` and `bench service` start: where it is, and the reader of its
 * --port-file. The benchmarks they start zkbiod with port 0 (the system picks
 * a free port as it binds, so there is no pick-then-bind race) and read the bound port back. The
 * format is zkbiod's (daemon/http/port_file.h): one "KIND PORT" line per bound socket, KIND
 * `listen` or `service`, further words ignored; the file appears complete (written, then renamed).
 * The CLI links no daemon or test code, so this small reader is its own; the tests' launcher uses
 * it.
 */
#ifndef ZKBIO_CLI_BENCH_ZKBIOD_CHILD_H
#define ZKBIO_CLI_BENCH_ZKBIOD_CHILD_H

#include <stddef.h>
#include <sys/types.h>

/* The zkbiod to run into out (cap bytes): `opt` (--zkbiod) when given, else next to this program
 * (build tree: ../daemon/zkbiod seen from cli/, or installed: ../sbin/zkbiod), else the first on
 * PATH. 0, or -1 when none is an executable file. */
int bench_find_zkbiod(const char *opt, char *out, size_t cap);

/* The ports of `kind` in the port file at path, in file order, into ports[0..max) (1..65535 each):
 * returns how many lines of that kind the file has (only the first max are stored), or -1 when it
 * cannot be read (not there yet). tests/support/zkbiod-launch.c reads the file through it too. */
int bench_port_file_read(const char *path, const char *kind, int *ports, int max);

/* Wait up to timeout_ms for zkbiod (pid) to write the port file, polling every 20 ms. Returns the
 * port of `kind`, or -1: on timeout, when the file has no such line, or when zkbiod exited first
 * (then reaped: *exited is set to 1 and its wait status is in *status). */
int bench_port_file_wait(const char *path, const char *kind, pid_t pid, int timeout_ms, int *exited,
                         int *status);

#endif /* ZKBIO_CLI_BENCH_ZKBIOD_CHILD_H */
