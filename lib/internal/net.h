/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the sockets of the 4370 client and emulator (lib/zk4370) behind one small layer, so the
 * protocol code has no Linux- or Windows-only call (docs/windows.md). net_posix.c implements it on
 * POSIX, net_win32.c with Winsock 2.
 *
 * Descriptors are ints, -1 for none. On Windows a SOCKET is a kernel handle, and 64-bit Windows
 * keeps only the low 32 bits of a handle significant (handles are shared with 32-bit processes),
 * so a SOCKET round-trips through an int.
 * Errors: functions return -1 and set errno to a POSIX value (EINTR, EAGAIN/EWOULDBLOCK,
 * EINPROGRESS, ECONNREFUSED, ECONNRESET, ETIMEDOUT, ... ; Winsock codes are mapped), so callers
 * test errno as on POSIX; zki_net_strerror() describes such a value on every system. Thread-safety:
 * all functions may be called from any thread; a descriptor follows the usual rules. */
#ifndef ZKI_NET_H
#define ZKI_NET_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef SSIZE_T zki_ssize;
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
typedef ssize_t zki_ssize;
#endif

/* Start the socket library once per process (Windows: WSAStartup through InitOnceExecuteOnce; it
 * stays started until the process exits, so there is no matching cleanup call). POSIX: nothing.
 * Called by every function below that opens a socket; ZKBIO_OK or ZKBIO_ECONN. */
int zki_net_init(void);

/* A socket not inherited by child processes (SOCK_CLOEXEC / WSA_FLAG_NO_HANDLE_INHERIT). */
int zki_sock_open(int family, int type, int protocol);
int zki_sock_close(int fd);
int zki_sock_nonblock(int fd);
/* An int socket option (TCP_NODELAY, SO_RCVBUF, SO_REUSEADDR, ...). */
int zki_sock_setint(int fd, int level, int name, int value);
/* Blocking sends give up after ms milliseconds. */
int zki_sock_sndtimeo(int fd, int ms);
/* connect(); a nonblocking socket still connecting gives -1 with errno EINPROGRESS. */
int zki_sock_connect(int fd, const struct sockaddr *addr, socklen_t len);
/* The pending error of a socket (SO_ERROR) as an errno value, 0 for none. */
int zki_sock_error(int fd);
int zki_sock_accept(int fd);
/* send() without SIGPIPE on a closed peer. */
zki_ssize zki_sock_send(int fd, const void *p, size_t n);
zki_ssize zki_sock_sendto(int fd, const void *p, size_t n, const struct sockaddr *to,
                          socklen_t tolen);
/* recv(); dontwait: do not block (POSIX MSG_DONTWAIT; on Windows the callers only read after
 * zki_poll reported the socket readable). A datagram socket whose peer port is closed gives
 * ECONNREFUSED on every system. */
zki_ssize zki_sock_recv(int fd, void *p, size_t n, int dontwait);
zki_ssize zki_sock_recvfrom(int fd, void *p, size_t n, int dontwait, struct sockaddr *from,
                            socklen_t *fromlen);
/* poll() / WSAPoll(). WSAPoll reports a failed connect only since Windows 10 2004 (platforms.md
 * §3.4): callers keep their own connect deadline. */
int zki_poll(struct pollfd *fds, unsigned n, int timeout_ms);

/* A wake-up channel for a poll loop: w[0] is polled for POLLIN, zki_wake_signal(w[1]) makes it
 * readable, zki_wake_drain(w[0]) empties it. POSIX: a nonblocking pipe; Windows: two connected
 * loopback UDP sockets (WSAPoll takes sockets only). */
int zki_wake_open(int w[2]);
void zki_wake_signal(int w1);
void zki_wake_drain(int w0);
void zki_wake_close(int w[2]);

/* A description of an errno value set by the functions above. */
const char *zki_net_strerror(int e);

#endif
