/* SPDX-License-Identifier: Apache-2.0 */
/* zkbio_sim_send(): a client for sim socket readers (message layout: reader.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal/bytes.h"
#include "reader/backend.h"
#include "reader/sim_proto.h"

/* The message as one buffer (header, then the pixels row by row). */
static int encode(const zkbio_image *img, int command, int value, uint8_t **out, size_t *len)
{
    size_t n = ZKI_SIM_HEADER + (img ? (size_t)img->width * img->height : 0);
    uint8_t *buf = malloc(n);
    if (!buf)
        return ZKBIO_ENOMEM;
    if (img) {
        zki_sim_header(buf, (int32_t)img->width, (int32_t)img->height);
        for (uint32_t y = 0; y < img->height; y++)
            memcpy(buf + ZKI_SIM_HEADER + (size_t)y * img->width,
                   img->pixels + (size_t)y * img->stride, img->width);
    } else {
        zki_sim_header(buf, command, value);
    }
    *out = buf;
    *len = n;
    return ZKBIO_OK;
}

static int check_args(const char *path, const zkbio_image *img, int command)
{
    if (!path)
        return ZKBIO_EINVAL;
    if (img) {
        if (!img->pixels || img->width < ZKBIO_IMAGE_DIM_MIN || img->width > ZKBIO_IMAGE_DIM_MAX ||
            img->height < ZKBIO_IMAGE_DIM_MIN || img->height > ZKBIO_IMAGE_DIM_MAX ||
            img->stride < img->width)
            return ZKBIO_EINVAL;
    } else if (command > ZKBIO_SIM_FINGER || command < ZKBIO_SIM_REPLUG) {
        return ZKBIO_EINVAL;
    }
    return ZKBIO_OK;
}

#ifndef _WIN32

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int zkbio_sim_send(const char *path, const zkbio_image *img, int command, int value)
{
    zki_clear_error();
    int rc = check_args(path, img, command);
    if (rc != ZKBIO_OK)
        return zki_set_error(rc, "zkbio_sim_send: bad argument");
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr.sun_path))
        return zki_set_error(ZKBIO_EINVAL, "zkbio_sim_send: path too long");
    memcpy(addr.sun_path, path, strlen(path) + 1);
    uint8_t *buf;
    size_t len;
    if ((rc = encode(img, command, value, &buf, &len)) != ZKBIO_OK)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        free(buf);
        return zki_set_error(ZKBIO_ECONN, "sim socket %s: %s", path, strerror(err));
    }
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    size_t off = 0;
    while (off < len) {
        ssize_t put = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0) {
            rc = zki_set_error(ZKBIO_EIO, "sim socket %s: send: %s", path, strerror(errno));
            break;
        }
        off += (size_t)put;
    }
    free(buf);
    uint8_t st[4];
    size_t got = 0;
    while (rc == ZKBIO_OK && got < 4) {
        ssize_t r = recv(fd, st + got, 4 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            rc = zki_set_error(ZKBIO_EIO, "sim socket %s: no status answered", path);
        else
            got += (size_t)r;
    }
    close(fd);
    if (rc == ZKBIO_OK) {
        rc = (int32_t)zki_le32(st);
        if (rc != ZKBIO_OK)
            zki_set_error(rc, "sim socket %s refused the message: %s", path, zkbio_strerror(rc));
    }
    return rc;
}

#else

#include <windows.h>

int zkbio_sim_send(const char *path, const zkbio_image *img, int command, int value)
{
    zki_clear_error();
    int rc = check_args(path, img, command);
    if (rc != ZKBIO_OK)
        return zki_set_error(rc, "zkbio_sim_send: bad argument");
    char name[300];
    if (strlen(path) > 250)
        return zki_set_error(ZKBIO_EINVAL, "zkbio_sim_send: path too long");
    strcpy(name, "\\\\.\\pipe\\");
    strcat(name, path);
    uint8_t *buf;
    size_t len;
    if ((rc = encode(img, command, value, &buf, &len)) != ZKBIO_OK)
        return rc;
    if (!WaitNamedPipeA(name, 2000)) {
        free(buf);
        return zki_set_error(ZKBIO_ECONN, "sim pipe %s: no reader listening", path);
    }
    HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        free(buf);
        return zki_set_error(ZKBIO_ECONN, "sim pipe %s: cannot connect", path);
    }
    DWORD put = 0, got = 0;
    uint8_t st[4];
    if (!WriteFile(h, buf, (DWORD)len, &put, NULL) || put != len)
        rc = zki_set_error(ZKBIO_EIO, "sim pipe %s: write failed", path);
    else if (!ReadFile(h, st, 4, &got, NULL) || got != 4)
        rc = zki_set_error(ZKBIO_EIO, "sim pipe %s: no status answered", path);
    else
        rc = (int32_t)zki_le32(st);
    CloseHandle(h);
    free(buf);
    return rc;
}

#endif
