/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service's TLS certificate (shared reference `service.md` §4, §1.5): a
 * self-signed ECDSA P-256 leaf for localhost, 127.0.0.1 and ::1 (CA:FALSE, key usage
 * digitalSignature, extended key usage serverAuth), valid 825 days (Apple's limit for TLS server
 * certificates), made with mbedTLS on first start. Files in the data directory:
 *   service.pem  private key + certificate (civetweb reads both from one file), mode 0600
 *   service.crt  the certificate alone (public; what `zkbiod cert install` adds to trust stores)
 * A certificate that expires within 30 days is replaced at start-up (install it again then).
 */
#ifndef ZKBIOD_FP_CERT_H
#define ZKBIOD_FP_CERT_H

#include <stddef.h>

/* Make sure <data_dir>/service.pem and service.crt exist and are valid for 30 more days; create
 * them otherwise. pem (size bytes) receives the path of service.pem. 0, or -1 with err. */
int fp_cert_ensure(const char *data_dir, char *pem, size_t size, char *err, size_t errsz);

/* SHA-256 fingerprint of the certificate file as colon-hex "AA:BB:..." (96 bytes), and its
 * validity as ISO-8601 strings (24 bytes each; may be NULL). 0 or -1. */
int fp_cert_info(const char *crt_path, char fingerprint[96], char *valid_from, char *valid_to);

/* `zkbiod cert install|uninstall|show` (argv[0] = "cert"); returns the exit status. */
int fp_cert_cli(int argc, char **argv);

#endif /* ZKBIOD_FP_CERT_H */
