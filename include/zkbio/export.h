/* SPDX-License-Identifier: Apache-2.0 */
/** @file export.h @brief Symbol visibility for libzkbio (internal use by the public headers).
 * Since: 0.1 */
#ifndef ZKBIO_EXPORT_H
#define ZKBIO_EXPORT_H

#if defined(_WIN32) && !defined(ZKBIO_STATIC)
#ifdef ZKBIO_BUILDING
#define ZKBIO_API __declspec(dllexport)
#else
#define ZKBIO_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define ZKBIO_API __attribute__((visibility("default")))
#else
#define ZKBIO_API
#endif

#endif /* ZKBIO_EXPORT_H */
