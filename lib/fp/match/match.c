/* SPDX-License-Identifier: Apache-2.0 */
/* STUB: replaced by the matcher implementation. */
#include "zkbio/match.h"
#include "fp/match/zki_match.h"

int zkbio_match(const zkbio_template *probe, const zkbio_template *candidate, double *score)
{
    (void)probe;
    (void)candidate;
    (void)score;
    return ZKBIO_ENOTSUP;
}
