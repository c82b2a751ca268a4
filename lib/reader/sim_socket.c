/* SPDX-License-Identifier: Apache-2.0 */
/* Sim `socket:` readers: a server thread per reader reading messages (sim_proto.h) from its
 * clients and answering each with a 4-byte status. POSIX: a Unix-domain stream socket, mode 0600.
 * Windows: a named pipe (\\.\pipe\NAME), one client at a time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal/bytes.h"
#include "reader/sim.h"

/* Largest message: a frame of ZKBIO_IMAGE_DIM_MAX squared. */
#define SIM_MSG_MAX (ZKI_SIM_HEADER + (size_t)ZKBIO_IMAGE_DIM_MAX * ZKBIO_IMAGE_DIM_MAX)

/* A client's receive buffer. */
typedef struct sim_rx {
    uint8_t *buf;
    size_t len, cap;
} sim_rx;

/* Take the complete messages out of rx, apply them and encode their statuses into st (up to
 * *nst of them; *nst receives the count). Returns 0, or -1 when the client must be dropped
 * (a protocol error, answered first). */
static int rx_process(zki_sim_entry *e, sim_rx *rx, uint8_t *st, size_t *nst, size_t maxst)
{
    size_t off = 0, n = 0;
    int drop = 0;
    while (n < maxst) {
        zki_sim_msg msg;
        size_t size;
        int rc = zki_sim_parse(rx->buf + off, rx->len - off, &msg, &size);
        if (rc == 1)
            break;
        if (rc < 0) {
            zki_put_le32(st + 4 * n++, (uint32_t)(int32_t)rc);
            drop = 1;
            break;
        }
        rc = zki_sim_apply(e, &msg);
        zki_put_le32(st + 4 * n++, (uint32_t)(int32_t)rc);
        off += size;
        if (rc == ZKBIO_EPROTO) {
            drop = 1;
            break;
        }
    }
    memmove(rx->buf, rx->buf + off, rx->len - off);
    rx->len -= off;
    *nst = n;
    return drop ? -1 : 0;
}

/* Make room for at least the bytes the pending message needs (bounded by SIM_MSG_MAX). */
static int rx_reserve(sim_rx *rx)
{
    zki_sim_msg msg;
    size_t need = ZKI_SIM_HEADER;
    if (zki_sim_parse(rx->buf, rx->len, &msg, &need) < 0)
        need = ZKI_SIM_HEADER;
    if (need < rx->len + 4096)
        need = rx->len + 4096;
    if (need > SIM_MSG_MAX)
        need = SIM_MSG_MAX;
    if (rx->cap >= need)
        return 0;
    uint8_t *nb = realloc(rx->buf, need);
    if (!nb)
        return -1;
    rx->buf = nb;
    rx->cap = need;
    return 0;
}

#ifndef _WIN32

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SIM_CLIENTS_MAX 8

struct zki_sim_server {
    int listen_fd;
    int stop_pipe[2];
    pthread_t thread;
    int clients[SIM_CLIENTS_MAX];
    sim_rx rx[SIM_CLIENTS_MAX];
};

static void drop_client(zki_sim_server *s, int i)
{
    close(s->clients[i]);
    s->clients[i] = -1;
    free(s->rx[i].buf);
    memset(&s->rx[i], 0, sizeof(s->rx[i]));
}

/* Read what client i sent; answer complete messages. -1: drop the client. */
static int serve_client(zki_sim_entry *e, zki_sim_server *s, int i)
{
    sim_rx *rx = &s->rx[i];
    if (rx_reserve(rx) != 0)
        return -1;
    ssize_t got = recv(s->clients[i], rx->buf + rx->len, rx->cap - rx->len, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (got <= 0)
        return -1;
    rx->len += (size_t)got;
    for (;;) {
        uint8_t st[4 * 64];
        size_t nst = 0;
        int drop = rx_process(e, rx, st, &nst, 64);
        /* Statuses are best effort: a client that never reads them must not stall the reader. */
        if (nst > 0 && send(s->clients[i], st, 4 * nst, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
            errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        if (drop)
            return -1;
        if (nst < 64)
            return 0;
    }
}

static void *server_main(void *arg)
{
    zki_sim_entry *e = arg;
    zki_sim_server *s = e->server;
    for (;;) {
        struct pollfd pf[2 + SIM_CLIENTS_MAX];
        int map[2 + SIM_CLIENTS_MAX];
        nfds_t n = 0;
        pf[n].fd = s->stop_pipe[0];
        pf[n++].events = POLLIN;
        pf[n].fd = s->listen_fd;
        pf[n++].events = POLLIN;
        for (int i = 0; i < SIM_CLIENTS_MAX; i++)
            if (s->clients[i] >= 0) {
                map[n] = i;
                pf[n].fd = s->clients[i];
                pf[n++].events = POLLIN;
            }
        if (poll(pf, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[0].revents)
            break;
        for (nfds_t k = 2; k < n; k++)
            if (pf[k].revents && serve_client(e, s, map[k]) != 0)
                drop_client(s, map[k]);
        if (pf[1].revents & POLLIN) {
            int fd = accept(s->listen_fd, NULL, NULL);
            if (fd >= 0) {
                int slot = -1;
                for (int i = 0; i < SIM_CLIENTS_MAX && slot < 0; i++)
                    if (s->clients[i] < 0)
                        slot = i;
                if (slot < 0) {
                    close(fd);
                } else {
                    fcntl(fd, F_SETFD, FD_CLOEXEC);
                    s->clients[slot] = fd;
                }
            }
        }
    }
    return NULL;
}

int zki_sim_server_start(zki_sim_entry *e)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (strlen(e->path) >= sizeof(addr.sun_path))
        return zki_set_error(ZKBIO_EINVAL, "sim socket:%s: path longer than %zu bytes", e->path,
                             sizeof(addr.sun_path) - 1);
    memcpy(addr.sun_path, e->path, strlen(e->path) + 1);
    zki_sim_server *s = calloc(1, sizeof(*s));
    if (!s)
        return ZKBIO_ENOMEM;
    for (int i = 0; i < SIM_CLIENTS_MAX; i++)
        s->clients[i] = -1;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    /* Replace a stale socket left by a previous run, never a live one (another context or process
     * serving it) nor any other kind of file. */
    struct stat st;
    if (lstat(e->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0;
        if (probe >= 0)
            close(probe);
        if (live) {
            free(s);
            return zki_set_error(ZKBIO_EBUSY, "sim socket:%s: another reader is listening there",
                                 e->path);
        }
        unlink(e->path);
    }
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        chmod(e->path, 0600) != 0 || listen(s->listen_fd, 8) != 0 || pipe(s->stop_pipe) != 0) {
        int err = errno;
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        if (s->stop_pipe[0] >= 0) {
            close(s->stop_pipe[0]);
            close(s->stop_pipe[1]);
        }
        free(s);
        return zki_set_error(ZKBIO_EIO, "sim socket:%s: %s", e->path, strerror(err));
    }
    e->server = s;
    if (pthread_create(&s->thread, NULL, server_main, e) != 0) {
        close(s->listen_fd);
        close(s->stop_pipe[0]);
        close(s->stop_pipe[1]);
        unlink(e->path);
        free(s);
        e->server = NULL;
        return zki_set_error(ZKBIO_EIO, "sim socket:%s: cannot start its thread", e->path);
    }
    return ZKBIO_OK;
}

void zki_sim_server_stop(zki_sim_entry *e)
{
    zki_sim_server *s = e->server;
    if (!s)
        return;
    ssize_t w = write(s->stop_pipe[1], "x", 1);
    (void)w;
    pthread_join(s->thread, NULL);
    for (int i = 0; i < SIM_CLIENTS_MAX; i++)
        if (s->clients[i] >= 0)
            drop_client(s, i);
    close(s->listen_fd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    unlink(e->path);
    free(s);
    e->server = NULL;
}

#else /* _WIN32: a named pipe, one client at a time (not built or tested in CI) */

#include <wchar.h>
#include <windows.h>

struct zki_sim_server {
    HANDLE pipe;
    HANDLE stop; /* manual-reset event */
    pthread_t thread;
    wchar_t name[300];
};

/* Wait for an overlapped operation or the stop event; returns bytes moved or -1. */
static long wait_io(zki_sim_server *s, OVERLAPPED *ov, BOOL started)
{
    DWORD n = 0;
    if (!started && GetLastError() != ERROR_IO_PENDING && GetLastError() != ERROR_PIPE_CONNECTED)
        return -1;
    if (!started && GetLastError() == ERROR_PIPE_CONNECTED)
        return 0;
    HANDLE h[2] = {ov->hEvent, s->stop};
    if (WaitForMultipleObjects(2, h, FALSE, INFINITE) != WAIT_OBJECT_0) {
        CancelIo(s->pipe);
        return -1;
    }
    if (!GetOverlappedResult(s->pipe, ov, &n, FALSE))
        return -1;
    return (long)n;
}

static void *server_main(void *arg)
{
    zki_sim_entry *e = arg;
    zki_sim_server *s = e->server;
    OVERLAPPED ov;
    memset(&ov, 0, sizeof(ov));
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    while (WaitForSingleObject(s->stop, 0) != WAIT_OBJECT_0) {
        ResetEvent(ov.hEvent);
        if (wait_io(s, &ov, ConnectNamedPipe(s->pipe, &ov)) < 0) {
            DisconnectNamedPipe(s->pipe);
            continue;
        }
        sim_rx rx = {0};
        for (;;) {
            if (rx_reserve(&rx) != 0)
                break;
            ResetEvent(ov.hEvent);
            DWORD got = 0;
            BOOL ok = ReadFile(s->pipe, rx.buf + rx.len, (DWORD)(rx.cap - rx.len), &got, &ov);
            long r = ok ? (long)got : wait_io(s, &ov, FALSE);
            if (r <= 0)
                break;
            rx.len += (size_t)r;
            uint8_t st[4 * 64];
            size_t nst = 0;
            int drop = rx_process(e, &rx, st, &nst, 64);
            if (nst > 0) {
                ResetEvent(ov.hEvent);
                DWORD put = 0;
                if (!WriteFile(s->pipe, st, (DWORD)(4 * nst), &put, &ov) &&
                    wait_io(s, &ov, FALSE) < 0)
                    break;
            }
            if (drop)
                break;
        }
        free(rx.buf);
        DisconnectNamedPipe(s->pipe);
    }
    CloseHandle(ov.hEvent);
    return NULL;
}

int zki_sim_server_start(zki_sim_entry *e)
{
    zki_sim_server *s = calloc(1, sizeof(*s));
    if (!s)
        return ZKBIO_ENOMEM;
    wchar_t wname[256];
    if (MultiByteToWideChar(CP_UTF8, 0, e->path, -1, wname, 256) == 0) {
        free(s);
        return zki_set_error(ZKBIO_EINVAL, "sim socket:%s: bad pipe name", e->path);
    }
    wcscpy(s->name, L"\\\\.\\pipe\\");
    wcsncat(s->name, wname, 256);
    /* FILE_FLAG_FIRST_PIPE_INSTANCE: fail rather than share the name with another reader. */
    s->pipe = CreateNamedPipeW(
        s->name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 4096,
        1 << 20, 0, NULL);
    s->stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (s->pipe == INVALID_HANDLE_VALUE || !s->stop) {
        int busy = s->pipe == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED;
        if (s->pipe != INVALID_HANDLE_VALUE)
            CloseHandle(s->pipe);
        if (s->stop)
            CloseHandle(s->stop);
        free(s);
        if (busy)
            return zki_set_error(ZKBIO_EBUSY, "sim socket:%s: another reader serves this pipe",
                                 e->path);
        return zki_set_error(ZKBIO_EIO, "sim socket:%s: cannot create the named pipe", e->path);
    }
    e->server = s;
    if (pthread_create(&s->thread, NULL, server_main, e) != 0) {
        CloseHandle(s->pipe);
        CloseHandle(s->stop);
        free(s);
        e->server = NULL;
        return zki_set_error(ZKBIO_EIO, "sim socket:%s: cannot start its thread", e->path);
    }
    return ZKBIO_OK;
}

void zki_sim_server_stop(zki_sim_entry *e)
{
    zki_sim_server *s = e->server;
    if (!s)
        return;
    SetEvent(s->stop);
    pthread_join(s->thread, NULL);
    CloseHandle(s->pipe);
    CloseHandle(s->stop);
    free(s);
    e->server = NULL;
}

#endif
