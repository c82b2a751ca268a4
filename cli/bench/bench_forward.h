/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench forward`: zkbiod forwarding punches to ERPNext (issue 16) against a loopback target
 * (docs/bench-forward.md). */
#ifndef ZKBIO_CLI_BENCH_FORWARD_H
#define ZKBIO_CLI_BENCH_FORWARD_H

/* argv[0] = "forward"; returns the exit status: 0 every scenario ran without an error, 1 an error
 * (a punch lost, duplicated or foreign at the target, a failed request, zkbiod not stopping
 * cleanly), 2 bad usage or a benchmark that could not start (also a zkbiod without
 * /api/v1/forwarders), 130 interrupted. */
int zkbio_cli_bench_forward(int argc, char **argv);

#endif
