/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file error.h
 * @brief The one error enum shared by every libzkbio function.
 *
 * Every public function that can fail returns an `int`: ZKBIO_OK (0) on success, or one of the
 * negative codes below. Codes are appended and never renumbered (ABI), like curl's. Messages are
 * static UTF-8 strings that the caller never frees. No function of libzkbio aborts or exits the
 * host process.
 *
 * Thread-safety: every function in this header is thread-safe and allocation-free.
 * Since: 0.1
 */
#ifndef ZKBIO_ERROR_H
#define ZKBIO_ERROR_H

#include <stddef.h>

#include "zkbio/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message). Append only. */
#define ZKBIO_ERROR_MAP(X)                                                                         \
    X(OK, 0, "Success")                                                                            \
    X(EINVAL, -1, "Invalid argument")                                                              \
    X(ENOMEM, -2, "Out of memory")                                                                 \
    X(ENOSPC, -3, "Output buffer too small")                                                       \
    X(EPROTO, -4, "Malformed or unexpected protocol data")                                         \
    X(ENOENT, -5, "Not found")                                                                     \
    X(ENOTSUP, -6, "Not supported")                                                                \
    X(EIO, -7, "Input/output error")                                                               \
    X(ETIMEDOUT, -8, "Timed out")                                                                  \
    X(ERANGE, -9, "Value out of range")                                                            \
    X(EENCODING, -10, "Text encoding conversion failed")                                           \
    X(EBUSY, -11, "Resource busy")                                                                 \
    X(EDB, -12, "Database error")                                                                  \
    X(EEXIST, -13, "Already exists")                                                               \
    X(EACCES, -14, "Permission denied")                                                            \
    X(ECANCELED, -15, "Operation cancelled")                                                       \
    X(ENODEV, -16, "Device not found or unplugged")                                                \
    X(ETOOBIG, -17, "Input larger than the configured limit")                                      \
    X(ECONN, -18, "Connection failed or lost")                                                     \
    X(EUNAVAIL, -19, "Service temporarily unavailable; retry later")                               \
    X(ELOWQUALITY, -20, "Fingerprint image unusable or of too low quality")                        \
    X(EMISMATCH, -21, "Captures are not of the same finger")                                       \
    X(EUNPLUGGED, -22, "Reader unplugged")                                                         \
    X(EBACKEND, -23, "Reader backend unavailable (driver or vendor library missing)")

/** Error codes. 0 is success, errors are negative. */
typedef enum zkbio_error {
#define ZKBIO_ERR_ENUM_(name, value, msg) ZKBIO_##name = value,
    ZKBIO_ERROR_MAP(ZKBIO_ERR_ENUM_)
#undef ZKBIO_ERR_ENUM_
} zkbio_error;

/**
 * Position and text of a codec error, filled by parsers that take one (like jansson's
 * json_error_t). All fields are written on failure; on success the struct is left untouched.
 * Caller-owned, no pointers inside.
 */
typedef struct zkbio_error_info {
    int code;       /**< the zkbio_error returned */
    size_t offset;  /**< byte offset into the input where the problem was found */
    unsigned line;  /**< 1-based line number for text protocols, 0 when not applicable */
    char text[160]; /**< NUL-terminated English description */
} zkbio_error_info;

/**
 * Short symbolic name of an error code, e.g. "ZKBIO_EPROTO". Unknown codes give "ZKBIO_UNKNOWN".
 * Returns a static string; never NULL.
 */
ZKBIO_API const char *zkbio_error_name(int code);

/**
 * English description of an error code, e.g. "Malformed or unexpected protocol data".
 * Returns a static string; never NULL.
 */
ZKBIO_API const char *zkbio_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_ERROR_H */
