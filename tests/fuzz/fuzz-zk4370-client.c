/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the 4370 client against a hostile device: the input is everything a "device" on loopback
 * TCP sends after accepting the connection (then it closes its side). The client connects, reads
 * the info, users, attendance and templates, and closes. Whatever the bytes, every call must
 * return (a reply id mismatch, a short frame or the end of the stream ends it) and nothing may
 * leak or read out of bounds. Seeds in corpus/zk4370-client are well-formed exchanges (inline and
 * chunked datasets) for this exact call sequence. */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zkbio/zk4370_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct device {
    int lfd;
    const uint8_t *data;
    size_t size;
} device;

static void *serve(void *arg)
{
    device *d = arg;
    struct pollfd p = {d->lfd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) /* the client always connects first; never wait for ever */
        return NULL;
    int fd = accept(d->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    size_t off = 0;
    while (off < d->size) {
        ssize_t w = send(fd, d->data + off, d->size - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char sink[4096];
    while (recv(fd, sink, sizeof(sink), 0) > 0) /* until the client closes */
        ;
    close(fd);
    return NULL;
}

static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int lfd = -1;
    static uint16_t port;
    if (lfd < 0 && (lfd = listener(&port)) < 0)
        return 0;
    device d = {lfd, data, size};
    pthread_t th;
    if (pthread_create(&th, NULL, serve, &d) != 0)
        return 0;
    zkbio_zk_client_options o;
    zkbio_zk_client_options_init(&o);
    o.transport = ZKBIO_ZK_TCP;
    o.timeout_ms = 300;
    o.retries = 1;
    o.max_dataset = 1 << 20;
    zkbio_zk_client *c = NULL;
    if (zkbio_zk_client_open("127.0.0.1", port, &o, &c) == ZKBIO_OK) {
        zkbio_zk_info info;
        zkbio_zk_user *u = NULL;
        zkbio_zk_att *a = NULL;
        zkbio_zk_template *t = NULL;
        size_t nu = 0, na = 0, nt = 0;
        int r1 = zkbio_zk_users_get(c, &u, &nu);
        for (size_t i = 0; r1 == ZKBIO_OK && i < nu; i++)
            if (strlen(u[i].name) >= sizeof(u[i].name))
                abort();
        int r2 = zkbio_zk_attendance_get(c, NULL, &a, &na);
        if (r2 == ZKBIO_OK && na && !a)
            abort();
        int r3 = zkbio_zk_templates_get(c, &t, &nt);
        for (size_t i = 0; r3 == ZKBIO_OK && i < nt; i++)
            if (t[i].len && !t[i].data)
                abort();
        int r4 = zkbio_zk_info_get(c, &info);
        if (getenv("ZKBIO_FUZZ_VERBOSE")) /* to check what the seeds reach */
            fprintf(stderr, "users %s (%zu), attendance %s (%zu), templates %s (%zu), info %s\n",
                    zkbio_error_name(r1), nu, zkbio_error_name(r2), na, zkbio_error_name(r3), nt,
                    zkbio_error_name(r4));
        zkbio_zk_free(u);
        zkbio_zk_free(a);
        zkbio_zk_free(t);
        zkbio_zk_client_close(c);
    }
    pthread_join(th, NULL);
    return 0;
}
