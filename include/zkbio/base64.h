/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file base64.h
 * @brief Base64 (RFC 4648 §4, standard alphabet) for carrying template records and other binary
 * data as text: database text columns, JSON, PUSH uploads.
 *
 * Thread-safety: both functions are reentrant and keep no state.
 *
 * Since: 0.1 (in template.h until 0.2; template.h still includes this header)
 */
#ifndef ZKBIO_BASE64_H
#define ZKBIO_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Base64 (RFC 4648 §4, standard alphabet, '=' padding) of `data[0..len)` into `buf` as a
 * NUL-terminated string, so templates can be stored in text columns and JSON like ZKFinger's
 * BlobToBase64. Since: 0.1 `*out_len` (may be NULL) receives the string length without the NUL;
 * when `size` is too small (it needs 4 * ceil(len / 3) + 1 bytes) nothing is written and
 * ZKBIO_ENOSPC is returned with `*out_len` set to the needed length without the NUL.
 * Errors: ZKBIO_EINVAL (NULL data with len > 0, NULL buf with size > 0), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_base64_encode(const uint8_t *data, size_t len, char *buf, size_t size,
                                  size_t *out_len);

/**
 * Decode base64 text `text[0..len)` (standard alphabet; the final '=' padding is optional (some
 * terminals leave it out) but, when present, complete; ASCII whitespace anywhere is ignored) into
 * `buf`. Since: 0.1 `buf` may be NULL when `size` is 0 (to ask for the length). `*out_len` receives
 * the decoded length; when `size` is too small nothing is written and ZKBIO_ENOSPC is returned with
 * `*out_len` set to the needed length. Only the canonical encoding is accepted (RFC 4648 §3.5: the
 * unused bits of the last character must be zero), so decode and encode round-trip exactly. Errors:
 * ZKBIO_EINVAL (NULL out_len, NULL text with len > 0, NULL buf with size > 0), ZKBIO_EPROTO (a
 * character outside the alphabet, data after padding, incomplete padding, non-zero unused bits, a
 * length that is not a valid base64 length), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_base64_decode(const char *text, size_t len, uint8_t *buf, size_t size,
                                  size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_BASE64_H */
