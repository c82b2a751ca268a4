/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench accuracy`: verification accuracy (EER, FMR100, FMR1000, ZeroFMR) of libzkbio's
 * extraction and matcher on FVC-style folders. */
#ifndef ZKBIO_CLI_BENCH_ACCURACY_H
#define ZKBIO_CLI_BENCH_ACCURACY_H

/* `zkbio bench accuracy [--iso] [--scores FILE] [--rotate 0|90|180|270] [--threads N] DIR...`:
 * argv[0] is "accuracy". Returns a process exit status: 0 on success, 1 when a comparison failed
 * or the score file could not be written, 2 on bad usage or unreadable folders. */
int zkbio_cli_bench_accuracy(int argc, char **argv);

#endif /* ZKBIO_CLI_BENCH_ACCURACY_H */
