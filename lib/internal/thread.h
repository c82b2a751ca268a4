/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the library's threads. The library uses POSIX threads everywhere it runs:
 *   - Linux, macOS, BSD: the system's pthreads;
 *   - Windows with mingw-w64 (the supported Windows build, docs/windows.md): winpthreads, the
 *     pthreads implementation of mingw-w64's -posix toolchain, linked statically into
 *     libzkbio-0.dll (cross/mingw-w64-x86_64.txt), so users ship no libwinpthread-1.dll.
 * Chosen over a Win32 (SRWLOCK/CONDITION_VARIABLE) layer because winpthreads gives the same
 * semantics the code was written and tested for (condition variables with CLOCK_MONOTONIC or
 * CLOCK_REALTIME deadlines, rwlocks, once, thread-specific data), with no second implementation to
 * keep right. An MSVC build would need that Win32 layer behind these same calls; C11 <threads.h>
 * is not an option (absent on mingw and macOS, platforms.md §3.4).
 * Include this header rather than <pthread.h> in lib/. */
#ifndef ZKI_THREAD_H
#define ZKI_THREAD_H

#include <pthread.h>

/* The number of online processors, at least 1. */
unsigned zki_cpu_count(void);

#endif
