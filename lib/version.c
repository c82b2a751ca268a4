/* SPDX-License-Identifier: Apache-2.0 */
#include "zkbio/version.h"

const char *zkbio_version(void)
{
    return ZKBIO_VERSION_STRING;
}
