/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench accuracy`: verification accuracy (EER, FMR100, FMR1000, ZeroFMR) of libzkbio's
 * extraction and matcher on FVC-style folders. */
#ifndef ZKBIO_CLI_BENCH_ACCURACY_H
#define ZKBIO_CLI_BENCH_ACCURACY_H

/* `zkbio bench accuracy [--iso] [--no-ofield] [--scores FILE] [--rotate 0|90|180|270]
 * [--threads N] [--perturb LIST [--perturb-dump DIR]] [--reject X,...] DIR...`: argv[0] is
 * "accuracy". Prints the main table, the impostor tail, and on request the error-versus-reject
 * curve and the robustness suite (docs/fingerprint-engine.md, "Measuring"). Returns a process exit
 * status: 0 on success, 1 when a comparison failed, memory ran out or the score file could not be
 * written, 2 on bad usage or unreadable folders. */
int zkbio_cli_bench_accuracy(int argc, char **argv);

#endif /* ZKBIO_CLI_BENCH_ACCURACY_H */
