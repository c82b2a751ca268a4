/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file auth_password.h
 * @brief Account passwords (part of auth.h): argon2id for every new hash, crypt(3) hashes imported
 * from other systems accepted and flagged for rehashing.
 *
 * New hashes: argon2id (libargon2) with the OWASP Password Storage Cheat Sheet's first choice,
 * m = 19 MiB, t = 2, p = 1, a 16-byte random salt and a 32-byte tag, stored as the PHC string
 * "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<tag>". One hash takes about 0.1 s and 19 MiB: callers
 * bound how many run at once (zauth does, see auth.h; the functions here do not).
 * Imported hashes: bcrypt "$2y$" (PHP's password_hash), "$2b$", "$2a$" and yescrypt "$y$" are
 * verified with libxcrypt's crypt_rn (its ~32 KiB crypt_data on the heap, never the stack) when
 * zkbiod was built with libxcrypt (ZAUTH_HAVE_XCRYPT); a good login then rehashes to argon2id.
 * Passwords are 8..1024 bytes (ZAUTH_PASSWORD_MIN/MAX); bcrypt reads only the first 72.
 * Thread-safety: reentrant. Nothing here logs; passwords and hashes are secrets.
 */
#ifndef ZKBIOD_AUTH_PASSWORD_H
#define ZKBIOD_AUTH_PASSWORD_H

#include <stddef.h>

#define ZAUTH_PASSWORD_MIN 8
#define ZAUTH_PASSWORD_MAX 1024
#define ZAUTH_HASH_MAX     256 /**< buffer for a stored hash (accounts.password_hash) */

/** 1 when an imported crypt(3) hash can be checked (built with libxcrypt). */
int zauth_password_crypt_available(void);

/**
 * Hash `pw` (len bytes, ZAUTH_PASSWORD_MIN..MAX) as argon2id into out (outsz >= ZAUTH_HASH_MAX).
 * 0, ZKBIO_EINVAL (length), ZKBIO_EIO (no randomness), ZKBIO_ENOMEM (argon2 failed) or
 * ZKBIO_ENOTSUP (a build without libargon2: Windows for now, issue 17).
 */
int zauth_password_hash(const char *pw, size_t len, char *out, size_t outsz);

/**
 * Check `pw` against a stored hash. 0 when it matches (then *rehash = 1 when the stored hash is not
 * argon2id with the current parameters: store zauth_password_hash()'s result in its place);
 * ZKBIO_EACCES when it does not match; ZKBIO_ENOTSUP for a hash format that cannot be checked
 * (unknown, or crypt(3) without libxcrypt) — treat as a mismatch; ZKBIO_EINVAL for a password
 * outside the length limits; ZKBIO_ENOMEM. rehash may be NULL.
 */
int zauth_password_verify(const char *pw, size_t len, const char *stored, int *rehash);

#endif /* ZKBIOD_AUTH_PASSWORD_H */
