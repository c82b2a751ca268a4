/* SPDX-License-Identifier: Apache-2.0 */
/* The 1:N decision rule (include/zkbio/gallery.h zkbio_gallery_threshold_compute): the score
 * threshold that keeps the false positive identification rate of a search over N templates at
 * most FPIR. The scale is score = 10 log10(1 / FMR) (match.h), and by Boole's inequality a search
 * whose N comparisons each pass an impostor with probability FMR passes one with probability at
 * most N x FMR (equal to first order when N x FMR is small, shared reference fingerprint.md §6),
 * so FMR = FPIR / N and threshold = 10 log10(N / FPIR). The logarithm is computed here with IEEE
 * double arithmetic only (no libm), so the threshold has the same bits on every platform. */
#include <stddef.h>

#include "fp/zki_fpir.h"
#include "zkbio/gallery.h"

/* Natural logarithm of a finite x > 0: x = m 2^e with m in [1/sqrt 2, sqrt 2), then
 * ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series (s^2 < 0.03: 14 terms
 * leave an error far below one unit in the last place of the result's use). */
static double zkf_ln(double x)
{
    const double ln2 = 0.69314718055994530942, sqrt2 = 1.41421356237309504880;
    int e = 0;
    while (x >= sqrt2) {
        x *= 0.5;
        e++;
    }
    while (x < sqrt2 / 2) {
        x *= 2;
        e--;
    }
    const double s = (x - 1) / (x + 1), s2 = s * s;
    double term = s, sum = 0;
    for (int k = 1; k <= 29; k += 2) {
        sum += term / k;
        term *= s2;
    }
    return 2 * sum + e * ln2;
}

double zki_fpir_threshold(double fpir, size_t n)
{
    const double ln10 = 2.30258509299404568402;
    /* ln N - ln FPIR rather than ln(N / FPIR), which can overflow to infinity */
    const double t = 10 * (zkf_ln((double)(n ? n : 1)) - zkf_ln(fpir)) / ln10;
    /* to hundredths, upwards (a score reaches the threshold when its hundredths are >= it),
     * after rounding to 1e-6 so that 10 log10(1e4) gives 40.00 and not 40.01 */
    double u = (double)(long long)(t * 1e6 + 0.5) / 1e4;
    long long c = (long long)u;
    if ((double)c < u)
        c++;
    return (double)c / 100;
}

int zkbio_gallery_threshold_compute(double fpir, size_t gallery_size, double *threshold)
{
    if (!threshold || !(fpir > 0 && fpir < 1))
        return ZKBIO_EINVAL;
    *threshold = zki_fpir_threshold(fpir, gallery_size);
    return ZKBIO_OK;
}
