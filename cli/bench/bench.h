/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench ...`: load benchmarks against zkbiod. */
#ifndef ZKBIO_CLI_BENCH_H
#define ZKBIO_CLI_BENCH_H

/* `zkbio bench push [options]`: argv[0] is "push". Returns a process exit status: 0 when every
 * phase ran without an error, 1 when some request failed (or zkbiod did not stop cleanly), 2 on bad
 * usage or when the benchmark could not start. */
int zkbio_cli_bench_push(int argc, char **argv);

#endif /* ZKBIO_CLI_BENCH_H */
