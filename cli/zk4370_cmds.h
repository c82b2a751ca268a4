/* SPDX-License-Identifier: Apache-2.0 */
/* The 4370 protocol from the command line: `zkbio device` (a client), `zkbio emulate` (a device)
 * (zk4370_cmds.c) and `zkbio bench zk4370` (zk4370_bench.c). */
#ifndef ZKBIO_CLI_ZK4370_CMDS_H
#define ZKBIO_CLI_ZK4370_CMDS_H

/* Each takes argv[0] = the command name ("device", "emulate", "zk4370") and returns a process exit
 * status: 0 success, 1 the device or the benchmark failed, 2 bad usage. */
int zkbio_cli_device(int argc, char **argv);
int zkbio_cli_emulate(int argc, char **argv);
int zkbio_cli_bench_zk4370(int argc, char **argv);

#endif /* ZKBIO_CLI_ZK4370_CMDS_H */
