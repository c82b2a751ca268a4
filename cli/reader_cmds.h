/* SPDX-License-Identifier: Apache-2.0 */
/* Fingerprint readers from the command line (reader_cmds.c): `zkbio readers`, `capture`, `enroll`,
 * `verify` and `zkbio bench capture`. Each takes argv[0] = the command name and returns the exit
 * status: 0 success, 1 a negative answer (no finger, no match, enrollment refused), 2 bad usage or
 * an error. */
#ifndef ZKBIO_CLI_READER_CMDS_H
#define ZKBIO_CLI_READER_CMDS_H

int zkbio_cli_readers(int argc, char **argv);
int zkbio_cli_capture(int argc, char **argv);
int zkbio_cli_enroll(int argc, char **argv);
int zkbio_cli_verify(int argc, char **argv);
int zkbio_cli_bench_capture(int argc, char **argv);

#endif /* ZKBIO_CLI_READER_CMDS_H */
