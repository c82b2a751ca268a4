/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Account passwords (daemon/auth/password.c): argon2id PHC strings with the OWASP parameters,
 * wrong passwords, length limits, imported crypt(3) hashes ($2y$ as PHP writes them, $2b$, $y$)
 * made here with libxcrypt's crypt_rn and flagged for rehashing, older argon2id parameters flagged
 * too, unknown formats refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#ifdef ZAUTH_HAVE_XCRYPT
#include <crypt.h>
#endif

#include "auth.h"

#include "../support/test.h"

#define NEED(cond) REQUIRE(cond, "REQUIRE(%s) failed", #cond)
#define PW(s)      s, strlen(s)

static void test_argon2id(void)
{
    char h[ZAUTH_HASH_MAX], h2[ZAUTH_HASH_MAX];
    NEED(zauth_password_hash(PW("correct horse"), h, sizeof(h)) == 0);
    CHECK(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    NEED(zauth_password_hash(PW("correct horse"), h2, sizeof(h2)) == 0);
    CHECK(strcmp(h, h2) != 0); /* a fresh salt each time */
    int rehash = -1;
    CHECK(zauth_password_verify(PW("correct horse"), h, &rehash) == 0);
    CHECK_EQ_INT(rehash, 0);
    CHECK(zauth_password_verify(PW("correct horsE"), h, &rehash) == ZKBIO_EACCES);
    CHECK(zauth_password_verify(PW("correct horse "), h, NULL) == ZKBIO_EACCES);
    /* Limits: 8..1024 bytes, for hashing and checking alike. */
    CHECK(zauth_password_hash(PW("short"), h2, sizeof(h2)) == ZKBIO_EINVAL);
    CHECK(zauth_password_verify(PW("short"), h, NULL) == ZKBIO_EINVAL);
    char *big = malloc(1026);
    NEED(big);
    memset(big, 'x', 1025);
    big[1025] = '\0';
    CHECK(zauth_password_hash(big, 1025, h2, sizeof(h2)) == ZKBIO_EINVAL);
    CHECK(zauth_password_hash(big, 1024, h2, sizeof(h2)) == 0);
    CHECK(zauth_password_verify(big, 1024, h2, NULL) == 0);
    CHECK(zauth_password_verify(big, 1023, h2, NULL) == ZKBIO_EACCES);
    free(big);
    CHECK(zauth_password_hash(PW("correct horse"), h2, 20) == ZKBIO_ENOSPC);
    /* Embedded NUL bytes are part of the password. */
    CHECK(zauth_password_hash("abcd\0efgh", 9, h2, sizeof(h2)) == 0);
    CHECK(zauth_password_verify("abcd\0efgh", 9, h2, NULL) == 0);
    CHECK(zauth_password_verify("abcd\0efgX", 9, h2, NULL) == ZKBIO_EACCES);
    /* An argon2id hash with other (older, weaker) parameters verifies and asks for a rehash. */
    char old[ZAUTH_HASH_MAX];
    NEED(argon2id_hash_encoded(1, 4096, 1, "password1", 9, "saltsaltsaltsalt", 16, 32, old,
                               sizeof(old)) == ARGON2_OK);
    CHECK(zauth_password_verify(PW("password1"), old, &rehash) == 0);
    CHECK_EQ_INT(rehash, 1);
    /* Unknown or broken formats. */
    CHECK(zauth_password_verify(PW("password1"), "$1$abc$def", NULL) == ZKBIO_ENOTSUP);
    CHECK(zauth_password_verify(PW("password1"), "plaintext", NULL) == ZKBIO_ENOTSUP);
    CHECK(zauth_password_verify(PW("password1"), "$argon2id$v=19$garbage", NULL) == ZKBIO_ENOTSUP);
    CHECK(zauth_password_verify(PW("password1"), NULL, NULL) == ZKBIO_ENOTSUP);
out:;
}

static void test_imported(void)
{
#ifdef ZAUTH_HAVE_XCRYPT
    CHECK(zauth_password_crypt_available() == 1);
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    NEED(cd);
    /* bcrypt, cost 5 (the test's speed), as PHP's password_hash writes it: "$2y$". */
    NEED(crypt_gensalt_rn("$2b$", 5, NULL, 0, salt, sizeof(salt)) != NULL);
    const char *h = crypt_rn("s3cret-pass", salt, cd, (int)sizeof(*cd));
    NEED(h && strncmp(h, "$2b$05$", 7) == 0);
    char b2y[128];
    snprintf(b2y, sizeof(b2y), "%s", h);
    b2y[2] = 'y';
    int rehash = 0;
    CHECK(zauth_password_verify(PW("s3cret-pass"), b2y, &rehash) == 0);
    CHECK_EQ_INT(rehash, 1);
    CHECK(zauth_password_verify(PW("s3cret-pasS"), b2y, &rehash) == ZKBIO_EACCES);
    b2y[2] = 'b';
    CHECK(zauth_password_verify(PW("s3cret-pass"), b2y, &rehash) == 0 && rehash == 1);
    /* A damaged bcrypt hash never matches. */
    b2y[strlen(b2y) - 3] = b2y[strlen(b2y) - 3] == 'a' ? 'b' : 'a';
    CHECK(zauth_password_verify(PW("s3cret-pass"), b2y, NULL) == ZKBIO_EACCES);
    /* yescrypt ($y$), Debian's default crypt method. */
    NEED(crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) != NULL);
    h = crypt_rn("another-pass", salt, cd, (int)sizeof(*cd));
    NEED(h && strncmp(h, "$y$", 3) == 0);
    char y[256];
    snprintf(y, sizeof(y), "%s", h);
    CHECK(zauth_password_verify(PW("another-pass"), y, &rehash) == 0 && rehash == 1);
    CHECK(zauth_password_verify(PW("another-pasS"), y, NULL) == ZKBIO_EACCES);
    /* The rehash the login does: argon2id of the same password, which then needs nothing more. */
    char fresh[ZAUTH_HASH_MAX];
    NEED(zauth_password_hash(PW("s3cret-pass"), fresh, sizeof(fresh)) == 0);
    CHECK(zauth_password_verify(PW("s3cret-pass"), fresh, &rehash) == 0 && rehash == 0);
out:
    free(cd);
#else
    CHECK(zauth_password_crypt_available() == 0);
    CHECK(zauth_password_verify(PW("s3cret-pass"),
                                "$2y$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
                                NULL) == ZKBIO_ENOTSUP);
#endif
}

int main(void)
{
    test_argon2id();
    test_imported();
    return TEST_DONE();
}
