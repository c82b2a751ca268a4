/* SPDX-License-Identifier: Apache-2.0 */
/* Account passwords (auth_password.h): argon2id through libargon2, imported crypt(3) hashes through
 * libxcrypt's crypt_rn. */
#include "auth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(ZAUTH_HAVE_ARGON2)
#include <argon2.h>
#endif
#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>
#ifdef ZAUTH_HAVE_XCRYPT
#include <crypt.h>
#endif

#include "core.h"

/* OWASP Password Storage Cheat Sheet, argon2id first option: m=19 MiB, t=2, p=1. */
#define ARGON_T    2
#define ARGON_M    19456 /* KiB */
#define ARGON_P    1
#define ARGON_SALT 16
#define ARGON_TAG  32
/* The prefix a current hash starts with; anything else is rehashed after a good login. */
#define ARGON_PREFIX "$argon2id$v=19$m=19456,t=2,p=1$"

int zauth_password_crypt_available(void)
{
#ifdef ZAUTH_HAVE_XCRYPT
    return 1;
#else
    return 0;
#endif
}

static int len_ok(const char *pw, size_t len)
{
    return pw && len >= ZAUTH_PASSWORD_MIN && len <= ZAUTH_PASSWORD_MAX;
}

int zauth_password_hash(const char *pw, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    if (!len_ok(pw, len))
        return ZKBIO_EINVAL;
#if !defined(ZAUTH_HAVE_ARGON2)
    return ZKBIO_ENOTSUP; /* a build without libargon2 (issue 17: Windows for now) */
#else
    if (argon2_encodedlen(ARGON_T, ARGON_M, ARGON_P, ARGON_SALT, ARGON_TAG, Argon2_id) > outsz)
        return ZKBIO_ENOSPC;
    uint8_t salt[ARGON_SALT];
    if (zc_random(salt, sizeof(salt)) != 0)
        return ZKBIO_EIO;
    int rc = argon2id_hash_encoded(ARGON_T, ARGON_M, ARGON_P, pw, len, salt, sizeof(salt),
                                   ARGON_TAG, out, outsz);
    if (rc != ARGON2_OK) {
        out[0] = '\0';
        return ZKBIO_ENOMEM;
    }
    return 0;
#endif
}

/* crypt(3) formats libxcrypt checks for us (bcrypt variants, yescrypt). */
static int is_crypt_hash(const char *s)
{
    return strncmp(s, "$2y$", 4) == 0 || strncmp(s, "$2b$", 4) == 0 || strncmp(s, "$2a$", 4) == 0 ||
           strncmp(s, "$y$", 3) == 0;
}

static int crypt_verify(const char *pw, size_t len, const char *stored)
{
#ifdef ZAUTH_HAVE_XCRYPT
    /* crypt takes a C string: a password holding a NUL cannot match a hash made from it. */
    if (memchr(pw, '\0', len))
        return ZKBIO_EACCES;
    char *p = malloc(len + 1);
    struct crypt_data *cd = calloc(1, sizeof(*cd)); /* ~32 KiB: not on a worker's stack */
    if (!p || !cd) {
        free(p);
        free(cd);
        return ZKBIO_ENOMEM;
    }
    memcpy(p, pw, len);
    p[len] = '\0';
    const char *h = crypt_rn(p, stored, cd, (int)sizeof(*cd));
    size_t sl = strlen(stored);
    int rc = h && h[0] != '*' && strlen(h) == sl && mbedtls_ct_memcmp(h, stored, sl) == 0
                 ? 0
                 : ZKBIO_EACCES;
    mbedtls_platform_zeroize(p, len);
    mbedtls_platform_zeroize(cd, sizeof(*cd));
    free(p);
    free(cd);
    return rc;
#else
    (void)pw;
    (void)len;
    (void)stored;
    return ZKBIO_ENOTSUP;
#endif
}

int zauth_password_verify(const char *pw, size_t len, const char *stored, int *rehash)
{
    if (rehash)
        *rehash = 0;
    if (!len_ok(pw, len))
        return ZKBIO_EINVAL;
    if (!stored)
        return ZKBIO_ENOTSUP;
    int rc;
    if (strncmp(stored, "$argon2id$", 10) == 0) {
#if defined(ZAUTH_HAVE_ARGON2)
        int a = argon2id_verify(stored, pw, len);
        rc = a == ARGON2_OK                        ? 0
             : a == ARGON2_VERIFY_MISMATCH         ? ZKBIO_EACCES
             : a == ARGON2_MEMORY_ALLOCATION_ERROR ? ZKBIO_ENOMEM
                                                   : ZKBIO_ENOTSUP;
#else
        rc = ZKBIO_ENOTSUP;
#endif
    } else if (is_crypt_hash(stored)) {
        rc = crypt_verify(pw, len, stored);
    } else {
        rc = ZKBIO_ENOTSUP;
    }
    if (rc == 0 && rehash)
        *rehash = strncmp(stored, ARGON_PREFIX, sizeof(ARGON_PREFIX) - 1) != 0;
    return rc;
}
