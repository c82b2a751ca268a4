/* SPDX-License-Identifier: Apache-2.0 */
/* internal/net.h on Windows (Winsock 2, mingw-w64). WSAStartup runs once per process through
 * InitOnceExecuteOnce and is never undone (a library cannot know when its host is done with
 * Winsock; the process exit releases it). Winsock error codes become errno values. */
#include <errno.h>
#include <string.h>

#include "internal/net.h"
#include "zkbio/error.h"

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;
static int wsa_ok; /* written once inside InitOnceExecuteOnce, read after it */

static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once, (void)param, (void)ctx;
    WSADATA d;
    wsa_ok = WSAStartup(MAKEWORD(2, 2), &d) == 0;
    return TRUE;
}

int zki_net_init(void)
{
    InitOnceExecuteOnce(&wsa_once, wsa_start, NULL, NULL);
    return wsa_ok ? ZKBIO_OK : ZKBIO_ECONN;
}

static int map_wsa(int w)
{
    switch (w) {
    case WSAEWOULDBLOCK:
        return EWOULDBLOCK;
    case WSAEINPROGRESS:
        return EINPROGRESS;
    case WSAEINTR:
        return EINTR;
    case WSAECONNREFUSED:
        return ECONNREFUSED;
    case WSAECONNRESET:
        return ECONNRESET;
    case WSAECONNABORTED:
        return ECONNABORTED;
    case WSAETIMEDOUT:
        return ETIMEDOUT;
    case WSAEADDRINUSE:
        return EADDRINUSE;
    case WSAEADDRNOTAVAIL:
        return EADDRNOTAVAIL;
    case WSAENETUNREACH:
        return ENETUNREACH;
    case WSAEHOSTUNREACH:
        return EHOSTUNREACH;
    case WSAENOTCONN:
        return ENOTCONN;
    case WSAEMSGSIZE:
        return EMSGSIZE;
    case WSAEAFNOSUPPORT:
        return EAFNOSUPPORT;
    case WSAEINVAL:
        return EINVAL;
    case WSAENOTSOCK:
        return EBADF;
    case WSAENOBUFS:
        return ENOBUFS;
    case WSAEACCES:
        return EACCES;
    case 0:
        return 0;
    default:
        return EIO;
    }
}

/* -1 with errno set from WSAGetLastError() */
static int fail(void)
{
    errno = map_wsa(WSAGetLastError());
    return -1;
}

static SOCKET sock(int fd)
{
    return (SOCKET)(uintptr_t)(unsigned)fd;
}

int zki_sock_open(int family, int type, int protocol)
{
    if (zki_net_init() != ZKBIO_OK) {
        errno = EIO;
        return -1;
    }
    SOCKET s = WSASocketW(family, type, protocol, NULL, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return fail();
    return (int)s;
}

int zki_sock_close(int fd)
{
    return closesocket(sock(fd)) == 0 ? 0 : fail();
}

int zki_sock_nonblock(int fd)
{
    u_long on = 1;
    return ioctlsocket(sock(fd), FIONBIO, &on) == 0 ? 0 : fail();
}

int zki_sock_setint(int fd, int level, int name, int value)
{
    return setsockopt(sock(fd), level, name, (const char *)&value, sizeof(value)) == 0 ? 0 : fail();
}

int zki_sock_sndtimeo(int fd, int ms)
{
    DWORD v = (DWORD)ms; /* Winsock takes milliseconds, not a timeval */
    return setsockopt(sock(fd), SOL_SOCKET, SO_SNDTIMEO, (const char *)&v, sizeof(v)) == 0 ? 0
                                                                                           : fail();
}

int zki_sock_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (connect(sock(fd), addr, len) == 0)
        return 0;
    int w = WSAGetLastError();
    errno = w == WSAEWOULDBLOCK ? EINPROGRESS : map_wsa(w);
    return -1;
}

int zki_sock_error(int fd)
{
    int err = 0;
    int l = sizeof(err);
    if (getsockopt(sock(fd), SOL_SOCKET, SO_ERROR, (char *)&err, &l) != 0)
        return map_wsa(WSAGetLastError());
    return map_wsa(err);
}

int zki_sock_accept(int fd)
{
    SOCKET c = accept(sock(fd), NULL, NULL);
    if (c == INVALID_SOCKET)
        return fail();
    SetHandleInformation((HANDLE)c, HANDLE_FLAG_INHERIT, 0);
    return (int)c;
}

static int clamp(size_t n)
{
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

zki_ssize zki_sock_send(int fd, const void *p, size_t n)
{
    int w = send(sock(fd), (const char *)p, clamp(n), 0); /* Windows has no SIGPIPE */
    return w == SOCKET_ERROR ? fail() : w;
}

zki_ssize zki_sock_sendto(int fd, const void *p, size_t n, const struct sockaddr *to,
                          socklen_t tolen)
{
    int w = sendto(sock(fd), (const char *)p, clamp(n), 0, to, tolen);
    return w == SOCKET_ERROR ? fail() : w;
}

/* A datagram socket reports an ICMP port unreachable as WSAECONNRESET; POSIX says ECONNREFUSED. */
static int recv_fail(int fd)
{
    int w = WSAGetLastError();
    int type = 0, l = sizeof(type);
    if (w == WSAECONNRESET && getsockopt(sock(fd), SOL_SOCKET, SO_TYPE, (char *)&type, &l) == 0 &&
        type == SOCK_DGRAM) {
        errno = ECONNREFUSED;
        return -1;
    }
    errno = map_wsa(w);
    return -1;
}

zki_ssize zki_sock_recv(int fd, void *p, size_t n, int dontwait)
{
    (void)dontwait; /* callers read after zki_poll said readable */
    int r = recv(sock(fd), (char *)p, clamp(n), 0);
    return r == SOCKET_ERROR ? recv_fail(fd) : r;
}

zki_ssize zki_sock_recvfrom(int fd, void *p, size_t n, int dontwait, struct sockaddr *from,
                            socklen_t *fromlen)
{
    (void)dontwait;
    int r = recvfrom(sock(fd), (char *)p, clamp(n), 0, from, fromlen);
    return r == SOCKET_ERROR ? recv_fail(fd) : r;
}

int zki_poll(struct pollfd *fds, unsigned n, int timeout_ms)
{
    if (n == 0) { /* WSAPoll refuses an empty set */
        Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
        return 0;
    }
    int r = WSAPoll(fds, (ULONG)n, timeout_ms);
    return r == SOCKET_ERROR ? fail() : r;
}

int zki_wake_open(int w[2])
{
    w[0] = w[1] = -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 2; i++) {
        w[i] = zki_sock_open(AF_INET, SOCK_DGRAM, 0);
        if (w[i] < 0 || bind(sock(w[i]), (struct sockaddr *)&a, sizeof(a)) != 0)
            goto fail;
    }
    struct sockaddr_in b[2];
    for (int i = 0; i < 2; i++) {
        int l = sizeof(b[i]);
        if (getsockname(sock(w[i]), (struct sockaddr *)&b[i], &l) != 0)
            goto fail;
    }
    if (connect(sock(w[0]), (struct sockaddr *)&b[1], sizeof(b[1])) != 0 ||
        connect(sock(w[1]), (struct sockaddr *)&b[0], sizeof(b[0])) != 0 ||
        zki_sock_nonblock(w[0]) != 0 || zki_sock_nonblock(w[1]) != 0)
        goto fail;
    return 0;
fail:
    zki_wake_close(w);
    errno = EIO;
    return -1;
}

void zki_wake_signal(int w1)
{
    (void)send(sock(w1), "w", 1, 0);
}

void zki_wake_drain(int w0)
{
    char b[64];
    while (recv(sock(w0), b, sizeof(b), 0) > 0) {
    }
}

void zki_wake_close(int w[2])
{
    for (int i = 0; i < 2; i++) {
        if (w[i] >= 0)
            closesocket(sock(w[i]));
        w[i] = -1;
    }
}

const char *zki_net_strerror(int e)
{
    switch (e) { /* msvcrt's strerror knows only the classic C errno values */
    case EWOULDBLOCK:
        return "operation would block";
    case EINPROGRESS:
        return "operation in progress";
    case ECONNREFUSED:
        return "connection refused";
    case ECONNRESET:
        return "connection reset by peer";
    case ECONNABORTED:
        return "connection aborted";
    case ETIMEDOUT:
        return "connection timed out";
    case EADDRINUSE:
        return "address already in use";
    case EADDRNOTAVAIL:
        return "address not available";
    case ENETUNREACH:
        return "network unreachable";
    case EHOSTUNREACH:
        return "host unreachable";
    case ENOTCONN:
        return "socket not connected";
    case EMSGSIZE:
        return "message too long";
    default:
        return strerror(e);
    }
}
