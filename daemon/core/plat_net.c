/* SPDX-License-Identifier: Apache-2.0 */
/* The platform layer's sockets (plat.h): WSAStartup, close, poll and a connect with a deadline. */
#include "core.h"

#include <errno.h>

#if defined(_WIN32)

#include <windows.h>

static INIT_ONCE net_once = INIT_ONCE_STATIC_INIT;
static int net_ok; /* written once, under net_once */

static BOOL CALLBACK net_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    WSADATA wsa;
    net_ok = WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
    return TRUE;
}

int zc_net_init(void)
{
    InitOnceExecuteOnce(&net_once, net_start, NULL, NULL);
    return net_ok ? 0 : -1;
}

int zc_sock_close(zc_sock s)
{
    if (s == ZC_NO_SOCKET)
        return 0;
    return closesocket((SOCKET)s) == 0 ? 0 : -1;
}

int zc_poll(struct pollfd *fds, size_t n, int timeout_ms)
{
    if (n == 0) { /* WSAPoll rejects an empty set */
        if (timeout_ms > 0)
            Sleep((DWORD)timeout_ms);
        return 0;
    }
    return WSAPoll(fds, (ULONG)n, timeout_ms);
}

static int set_blocking(zc_sock s, int blocking)
{
    u_long nb = blocking ? 0 : 1;
    return ioctlsocket((SOCKET)s, FIONBIO, &nb) == 0 ? 0 : -1;
}

static int connect_in_progress(void)
{
    int e = WSAGetLastError();
    return e == WSAEWOULDBLOCK || e == WSAEINPROGRESS;
}

static int sock_error(zc_sock s)
{
    int e = 0;
    int len = (int)sizeof(e);
    if (getsockopt((SOCKET)s, SOL_SOCKET, SO_ERROR, (char *)&e, &len) != 0)
        return EIO;
    return e == 0 ? 0 : e == WSAECONNREFUSED ? ECONNREFUSED : e == WSAETIMEDOUT ? ETIMEDOUT : EIO;
}

#else

#include <fcntl.h>
#include <unistd.h>

int zc_net_init(void)
{
    return 0;
}

int zc_sock_close(zc_sock s)
{
    if (s == ZC_NO_SOCKET)
        return 0;
    return close((int)s);
}

int zc_poll(struct pollfd *fds, size_t n, int timeout_ms)
{
    return poll(fds, (nfds_t)n, timeout_ms);
}

static int set_blocking(zc_sock s, int blocking)
{
    int fl = fcntl((int)s, F_GETFL);
    if (fl < 0)
        return -1;
    fl = blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
    return fcntl((int)s, F_SETFL, fl);
}

static int connect_in_progress(void)
{
    return errno == EINPROGRESS || errno == EINTR;
}

static int sock_error(zc_sock s)
{
    int e = 0;
    socklen_t len = sizeof(e);
    if (getsockopt((int)s, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
        return errno;
    return e;
}

#endif

int zc_connect_timeout(zc_sock s, const struct sockaddr *sa, socklen_t salen, int timeout_ms)
{
    if (s == ZC_NO_SOCKET || !sa || timeout_ms <= 0) {
        errno = EINVAL;
        return -1;
    }
    if (set_blocking(s, 0) != 0)
        return -1;
    int err = 0;
#if defined(_WIN32)
    int rc = connect((SOCKET)s, sa, salen);
#else
    int rc = connect((int)s, sa, salen);
#endif
    if (rc != 0 && !connect_in_progress()) {
#if defined(_WIN32)
        err = WSAGetLastError() == WSAECONNREFUSED ? ECONNREFUSED : EIO;
#else
        err = errno;
#endif
    } else if (rc != 0) {
        /* Wait with a deadline: WSAPoll before Windows 10 2004 never reports a failed connect
         * (platforms.md §3.4), so the deadline, not the poll result, bounds the wait. */
        uint64_t end = zc_now_ms() + (uint64_t)timeout_ms;
        err = ETIMEDOUT;
        for (;;) {
            uint64_t now = zc_now_ms();
            if (now >= end)
                break;
            uint64_t left = end - now;
#if defined(_WIN32)
            struct pollfd p = {.fd = (SOCKET)s, .events = POLLOUT};
#else
            struct pollfd p = {.fd = (int)s, .events = POLLOUT};
#endif
            int pr = zc_poll(&p, 1, left > 100 ? 100 : (int)left);
            if (pr < 0 && errno != EINTR) {
                err = errno ? errno : EIO;
                break;
            }
            if (pr > 0) {
                err = sock_error(s);
                break;
            }
        }
    }
    if (set_blocking(s, 1) != 0 && err == 0)
        err = errno ? errno : EIO;
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}
