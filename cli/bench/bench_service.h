/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench service`: zkbiod's fingerprint service under REST verify and identify calls. */
#ifndef ZKBIO_CLI_BENCH_SERVICE_H
#define ZKBIO_CLI_BENCH_SERVICE_H

/* argv[0] = "service"; returns the exit status. */
int zkbio_cli_bench_service(int argc, char **argv);

#endif
