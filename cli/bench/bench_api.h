/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench api`: zkbiod's fleet management API (/api/v1) under the issue-14 workloads. */
#ifndef ZKBIO_CLI_BENCH_API_H
#define ZKBIO_CLI_BENCH_API_H

/* argv[0] = "api"; returns the exit status: 0 every scenario ran without an error, 1 an error
 * (a failed request, a count that does not match, zkbiod not stopping cleanly), 2 bad usage or a
 * benchmark that could not start. */
int zkbio_cli_bench_api(int argc, char **argv);

#endif
