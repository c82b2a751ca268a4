/* SPDX-License-Identifier: Apache-2.0 */
/* Private: reading a caller's growable options struct, whose first member `uint32_t size` is the
 * sizeof the caller compiled it with (zkbio_zk_client_options, zkbio_zk_emu_options). */
#ifndef ZKI_OPTS_H
#define ZKI_OPTS_H

#include <stddef.h>
#include <string.h>

/* Bytes a struct has up to the end of `field`: the smallest `size` of a version whose last field
 * is `field`. */
#define ZKI_OPTS_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* Copy the options `src` (NULL = all defaults), which says it has `have` bytes, into `dst` of
 * `dst_size` bytes: the fields both know are copied, the rest of dst is zero (the defaults), and
 * fields of a newer caller that dst does not have are not read. Returns 0, or -1 when `have` is
 * below `min` (the size of the first version with a size field: 0 means it was never set). */
static inline int zki_opts_copy(void *dst, size_t dst_size, const void *src, size_t have,
                                size_t min)
{
    memset(dst, 0, dst_size);
    if (!src)
        return 0;
    if (have < min)
        return -1;
    memcpy(dst, src, have < dst_size ? have : dst_size);
    return 0;
}

#endif
