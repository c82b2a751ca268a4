/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: the 1:N decision rule of lib/fp/fpir.c, for the gallery. */
#ifndef ZKI_FPIR_H
#define ZKI_FPIR_H

#include <stddef.h>

/* Threshold (calibrated score, hundredths, rounded up) for an FPIR of fpir (0 < fpir < 1, not
 * checked) over n templates (0 counts as 1): 10 log10(n / fpir). */
double zki_fpir_threshold(double fpir, size_t n);

#endif /* ZKI_FPIR_H */
