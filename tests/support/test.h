/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one assertion header of the C tests. Every check is counted; a failed one prints
 * `file:line: ` and the expression (or the message given) on stderr. Two kinds:
 *
 *   CHECK(cond), CHECK_EQ_INT(a, b), CHECK_STR(a, b), CHECK_MSG(cond, fmt, ...)
 *       count the failure and go on, so one run reports every broken property;
 *   REQUIRE(cond, fmt, ...)
 *       counts the failure and jumps to the enclosing function's `out:` label, for steps that
 *       make the rest pointless (an end-to-end scenario whose server did not start).
 *
 * TEST_FAIL_(fmt, ...) records a failure with a message; TEST_DONE() prints "N passed, M failed"
 * and is nonzero when something failed (the exit status). A check that cannot run says so and
 * exits with TEST_SKIP (77, meson's visible skip).
 *
 * A runner may define TEST_REPORT(file, line, fmt, ...) before including this header to receive
 * every failure message (tests/daemon/harness.h keeps the last one for its summary line).
 *
 * The counters are per translation unit and atomic, so checks may run in several threads.
 */
#ifndef ZKBIO_TEST_H
#define ZKBIO_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__MINGW32__) /* mingw's C99 printf (__USE_MINGW_ANSI_STDIO, docs/windows.md) */
#define TEST_UNUSED_         __attribute__((unused))
#define TEST_PRINTF_(fi, va) __attribute__((format(gnu_printf, fi, va)))
#elif defined(__GNUC__)
#define TEST_UNUSED_         __attribute__((unused))
#define TEST_PRINTF_(fi, va) __attribute__((format(printf, fi, va)))
#else
#define TEST_UNUSED_
#define TEST_PRINTF_(fi, va)
#endif

#define TEST_SKIP 77

static _Atomic int test_passed_ TEST_UNUSED_;
static _Atomic int test_failed_ TEST_UNUSED_;

static void test_report_(const char *file, int line, const char *fmt, ...)
    TEST_PRINTF_(3, 4) TEST_UNUSED_;
static void test_report_(const char *file, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

#ifndef TEST_REPORT
#define TEST_REPORT test_report_
#endif

#define TEST_FAIL_(...)                                                                            \
    do {                                                                                           \
        test_failed_++;                                                                            \
        TEST_REPORT(__FILE__, __LINE__, __VA_ARGS__);                                              \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond)                                                                                  \
            test_passed_++;                                                                        \
        else                                                                                       \
            TEST_FAIL_("CHECK(%s) failed", #cond);                                                 \
    } while (0)

/* CHECK with a message (printf format) instead of the bare expression. */
#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (cond)                                                                                  \
            test_passed_++;                                                                        \
        else                                                                                       \
            TEST_FAIL_(__VA_ARGS__);                                                               \
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

/* A check the rest depends on: on failure, count it, report the message and `goto out`. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (cond) {                                                                                \
            test_passed_++;                                                                        \
        } else {                                                                                   \
            TEST_FAIL_(__VA_ARGS__);                                                               \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

#define TEST_DONE()                                                                                \
    (printf("%d passed, %d failed\n", (int)test_passed_, (int)test_failed_), test_failed_ != 0)

#endif /* ZKBIO_TEST_H */
