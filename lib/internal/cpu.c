/* SPDX-License-Identifier: Apache-2.0 */
/* zki_cpu_count (internal/thread.h): sysconf on POSIX, GetSystemInfo on Windows. */
#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "internal/thread.h"

unsigned zki_cpu_count(void)
{
#ifdef _WIN32
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? (unsigned)si.dwNumberOfProcessors : 1u;
#else
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : (unsigned)n;
#endif
}
