/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny assertion helper shared by the unit tests: every check is counted, failures are printed
 * with their line, and TEST_DONE() prints "N passed, M failed" and gives the exit status (nonzero
 * on failure). */
#ifndef ZKBIO_TEST_H
#define ZKBIO_TEST_H

#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#define TEST_UNUSED_ __attribute__((unused))
#else
#define TEST_UNUSED_
#endif

static int test_passed_ TEST_UNUSED_;
static int test_failed_ TEST_UNUSED_;

#define TEST_FAIL_(...)                                                                            \
    do {                                                                                           \
        test_failed_++;                                                                            \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond)                                                                                  \
            test_passed_++;                                                                        \
        else                                                                                       \
            TEST_FAIL_("CHECK(%s) failed", #cond);                                                 \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ == b_)                                                                              \
            test_passed_++;                                                                        \
        else                                                                                       \
            TEST_FAIL_("%s == %s failed: %lld != %lld", #a, #b, a_, b_);                           \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ && b_ && strcmp(a_, b_) == 0)                                                       \
            test_passed_++;                                                                        \
        else                                                                                       \
            TEST_FAIL_("%s == %s failed: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",            \
                       b_ ? b_ : "(null)");                                                        \
    } while (0)

#define TEST_DONE()                                                                                \
    (printf("%d passed, %d failed\n", test_passed_, test_failed_), test_failed_ != 0)

#endif /* ZKBIO_TEST_H */
