/* SPDX-License-Identifier: Apache-2.0 */
/* The platform layer's processes (plat.h): the stop request from signals or the Windows console,
 * sleeping, process ids and liveness, the host name. */
#include "core.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

/* The one process-wide stop flag (plat.h): set from a signal or console handler, or by the
 * Windows service's STOP; read by the main loop. */
static volatile sig_atomic_t stop_flag;

void zc_stop_request(void)
{
    stop_flag = 1;
}

int zc_stop_requested(void)
{
    return stop_flag != 0;
}

#if defined(_WIN32)

#include <windows.h>

/* Runs on a thread of its own (the console's); TRUE = handled, so the process is not killed at
 * once: Windows waits (up to about 5 s for close/logoff/shutdown) while the main loop stops. */
static BOOL WINAPI on_console(DWORD type)
{
    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        zc_stop_request();
        return TRUE;
    default:
        return FALSE;
    }
}

int zc_stop_on_signals(void)
{
    return SetConsoleCtrlHandler(on_console, TRUE) ? 0 : -1; /* no SIGPIPE on Windows */
}

void zc_sleep_ms(unsigned ms)
{
    Sleep(ms);
}

long zc_pid(void)
{
    return (long)GetCurrentProcessId();
}

int zc_pid_gone(long pid)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (!h)
        return GetLastError() == ERROR_INVALID_PARAMETER; /* no such process id */
    DWORD code = 0;
    int gone = GetExitCodeProcess(h, &code) && code != STILL_ACTIVE;
    CloseHandle(h);
    return gone;
}

int zc_is_admin(void)
{
    SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
    PSID admins = NULL;
    BOOL member = FALSE;
    if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0,
                                  0, 0, 0, 0, 0, &admins))
        return 0;
    if (!CheckTokenMembership(NULL, admins, &member))
        member = FALSE;
    FreeSid(admins);
    return member ? 1 : 0;
}

const char *zc_platform_name(void)
{
    return "win32";
}

int zc_hostname(char *buf, size_t n)
{
    if (!buf || n == 0 || n > 0xFFFFFFFFu)
        return -1;
    DWORD len = (DWORD)n;
    if (!GetComputerNameExA(ComputerNameDnsHostname, buf, &len)) {
        buf[0] = '\0';
        return -1;
    }
    return 0;
}

#else

#include <unistd.h>

static void on_signal(int sig)
{
    (void)sig;
    zc_stop_request();
}

int zc_stop_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    int rc = sigaction(SIGINT, &sa, NULL) | sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    rc |= sigaction(SIGPIPE, &sa, NULL);
    return rc == 0 ? 0 : -1;
}

void zc_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

long zc_pid(void)
{
    return (long)getpid();
}

int zc_pid_gone(long pid)
{
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int zc_is_admin(void)
{
    return geteuid() == 0;
}

const char *zc_platform_name(void)
{
#if defined(__APPLE__)
    return "darwin";
#elif defined(__linux__)
    return "linux";
#elif defined(__FreeBSD__)
    return "freebsd";
#else
    return "posix";
#endif
}

int zc_hostname(char *buf, size_t n)
{
    if (!buf || n == 0)
        return -1;
    if (gethostname(buf, n - 1) != 0) {
        buf[0] = '\0';
        return -1;
    }
    buf[n - 1] = '\0';
    return 0;
}

#endif
