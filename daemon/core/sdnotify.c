/* SPDX-License-Identifier: Apache-2.0 */
/* systemd's readiness protocol without libsystemd (issue 17; platforms.md §5.1, sd_notify(3)):
 * one datagram "READY=1" or "STOPPING=1" to the AF_UNIX socket named by $NOTIFY_SOCKET, a path or,
 * when it starts with '@', a Linux abstract name. Linux only; a no-op (0) elsewhere. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int zc_sd_notify_to(const char *socket_name, const char *state)
{
    if (socket_name == NULL || *socket_name == '\0')
        return 0;
    if (state == NULL || (socket_name[0] != '/' && socket_name[0] != '@'))
        return -1;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    size_t n = strlen(socket_name);
    if (n >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, socket_name, n);
    if (sa.sun_path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract name: no NUL terminator, the length says where it ends */
    else
        n++; /* a path: count its NUL */
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    size_t slen = strlen(state);
    ssize_t sent;
    do
        sent = sendto(fd, state, slen, MSG_NOSIGNAL, (const struct sockaddr *)&sa, len);
    while (sent < 0 && errno == EINTR);
    close(fd);
    return sent == (ssize_t)slen ? 1 : -1;
}
#else
int zc_sd_notify_to(const char *socket_name, const char *state)
{
    (void)socket_name;
    (void)state;
    return 0;
}
#endif

int zc_sd_notify(const char *state)
{
    return zc_sd_notify_to(getenv("NOTIFY_SOCKET"), state);
}
