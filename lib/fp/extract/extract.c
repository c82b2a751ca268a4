/* SPDX-License-Identifier: Apache-2.0 */
/* STUB: replaced by the extractor. */
#include "zkbio/extract.h"

int zkbio_extract(const zkbio_image *img, zkbio_template **out, zkbio_extract_info *info)
{
    (void)img;
    (void)out;
    (void)info;
    return ZKBIO_ENOTSUP;
}
