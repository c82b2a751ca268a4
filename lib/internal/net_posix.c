/* SPDX-License-Identifier: Apache-2.0 */
/* internal/net.h on POSIX: the calls themselves, SOCK_CLOEXEC and MSG_NOSIGNAL where the system
 * has them (Linux, the BSDs), FD_CLOEXEC and SO_NOSIGPIPE otherwise (macOS). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "internal/net.h"
#include "zkbio/error.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

int zki_net_init(void)
{
    return ZKBIO_OK;
}

int zki_sock_open(int family, int type, int protocol)
{
#ifdef SOCK_CLOEXEC
    return socket(family, type | SOCK_CLOEXEC, protocol);
#else
    int fd = socket(family, type, protocol);
    if (fd >= 0)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
    if (fd >= 0)
        (void)zki_sock_setint(fd, SOL_SOCKET, SO_NOSIGPIPE, 1);
#endif
    return fd;
#endif
}

int zki_sock_close(int fd)
{
    return close(fd);
}

int zki_sock_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int zki_sock_setint(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof(value));
}

int zki_sock_sndtimeo(int fd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int zki_sock_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    return connect(fd, addr, len);
}

int zki_sock_error(int fd)
{
    int err = 0;
    socklen_t l = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0)
        return errno;
    return err;
}

int zki_sock_accept(int fd)
{
    int c = accept(fd, NULL, NULL);
    if (c >= 0)
        (void)fcntl(c, F_SETFD, FD_CLOEXEC);
    return c;
}

zki_ssize zki_sock_send(int fd, const void *p, size_t n)
{
    return send(fd, p, n, MSG_NOSIGNAL);
}

zki_ssize zki_sock_sendto(int fd, const void *p, size_t n, const struct sockaddr *to,
                          socklen_t tolen)
{
    return sendto(fd, p, n, MSG_NOSIGNAL, to, tolen);
}

zki_ssize zki_sock_recv(int fd, void *p, size_t n, int dontwait)
{
    return recv(fd, p, n, dontwait ? MSG_DONTWAIT : 0);
}

zki_ssize zki_sock_recvfrom(int fd, void *p, size_t n, int dontwait, struct sockaddr *from,
                            socklen_t *fromlen)
{
    return recvfrom(fd, p, n, dontwait ? MSG_DONTWAIT : 0, from, fromlen);
}

int zki_poll(struct pollfd *fds, unsigned n, int timeout_ms)
{
    return poll(fds, (nfds_t)n, timeout_ms);
}

int zki_wake_open(int w[2])
{
    if (pipe(w) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        (void)fcntl(w[i], F_SETFL, O_NONBLOCK);
        (void)fcntl(w[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

void zki_wake_signal(int w1)
{
    ssize_t r = write(w1, "w", 1);
    (void)r; /* a full pipe already wakes the loop */
}

void zki_wake_drain(int w0)
{
    char b[64];
    while (read(w0, b, sizeof(b)) > 0) {
    }
}

void zki_wake_close(int w[2])
{
    for (int i = 0; i < 2; i++) {
        if (w[i] >= 0)
            close(w[i]);
        w[i] = -1;
    }
}

const char *zki_net_strerror(int e)
{
    return strerror(e);
}
