/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd readiness notification (daemon/core/sdnotify.c, issue 17): datagrams to a path
 * socket and to an abstract one, $NOTIFY_SOCKET unset or invalid; then zkbiod itself (argv[1]),
 * started with NOTIFY_SOCKET, must send READY=1 once it listens and STOPPING=1 on SIGTERM.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core.h"
#include "test.h"
#include "zkbiod-launch.h"

/* A datagram socket bound to name ("/path" or "@abstract"); -1 on failure. */
static int listen_at(const char *name)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    size_t n = strlen(name);
    if (n >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@')
        sa.sun_path[0] = '\0';
    else
        n++;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) !=
        0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The next datagram within ms milliseconds into buf (NUL-terminated); its length or -1. */
static ssize_t next_datagram(int fd, char *buf, size_t size, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) != 1)
        return -1;
    ssize_t n = recv(fd, buf, size - 1, 0);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static void test_path_and_abstract(const char *dir)
{
    char path[256], buf[64];
    snprintf(path, sizeof(path), "%s/notify", dir);
    int fd = listen_at(path);
    CHECK(fd >= 0);
    CHECK_EQ_INT(zc_sd_notify_to(path, "READY=1"), 1);
    CHECK(next_datagram(fd, buf, sizeof(buf), 2000) == 7);
    CHECK_STR(buf, "READY=1");
    close(fd);
    unlink(path);

    char abstract[64];
    snprintf(abstract, sizeof(abstract), "@zkbio-test-sdnotify-%ld", (long)getpid());
    fd = listen_at(abstract);
    CHECK(fd >= 0);
    CHECK(setenv("NOTIFY_SOCKET", abstract, 1) == 0);
    CHECK_EQ_INT(zc_sd_notify("STOPPING=1"), 1);
    CHECK(next_datagram(fd, buf, sizeof(buf), 2000) == 10);
    CHECK_STR(buf, "STOPPING=1");
    close(fd);
}

static void test_no_socket(const char *dir)
{
    char path[256];
    unsetenv("NOTIFY_SOCKET");
    CHECK_EQ_INT(zc_sd_notify("READY=1"), 0); /* not started by systemd: nothing to do */
    CHECK(setenv("NOTIFY_SOCKET", "", 1) == 0);
    CHECK_EQ_INT(zc_sd_notify("READY=1"), 0);
    CHECK_EQ_INT(zc_sd_notify_to(NULL, "READY=1"), 0);
    CHECK_EQ_INT(zc_sd_notify_to("relative/name", "READY=1"), -1);
    snprintf(path, sizeof(path), "%s/nobody-listens", dir);
    CHECK_EQ_INT(zc_sd_notify_to(path, "READY=1"), -1);
    char longname[200];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[0] = '/';
    longname[sizeof(longname) - 1] = '\0';
    CHECK_EQ_INT(zc_sd_notify_to(longname, "READY=1"), -1); /* longer than sun_path */
    unsetenv("NOTIFY_SOCKET");
}

/* zkbiod with NOTIFY_SOCKET: READY=1 after its port file (every listener up), STOPPING=1 then a
 * clean exit on SIGTERM. */
static void test_zkbiod(const char *zkbiod, const char *dir)
{
    char abstract[64], env[96], buf[64], log[300];
    snprintf(abstract, sizeof(abstract), "@zkbio-test-sdnotify-d%ld", (long)getpid());
    snprintf(env, sizeof(env), "NOTIFY_SOCKET=%s", abstract);
    snprintf(log, sizeof(log), "%s/zkbiod.log", dir);
    int fd = listen_at(abstract);
    REQUIRE(fd >= 0, "cannot bind %s: %s", abstract, strerror(errno));
    const char *argv[] = {zkbiod, "--listen",   "127.0.0.1:0", "--service-listen",
                          "off",  "--data-dir", dir,           NULL};
    const char *envv[] = {env, NULL};
    zkl_opts o = {.argv = argv, .dir = dir, .log = log, .env = envv};
    pid_t pid = 0;
    zkl_ports ports;
    REQUIRE(zkl_start(&o, &pid, &ports) == 0, "zkbiod did not start (log: %s)", log);
    CHECK(next_datagram(fd, buf, sizeof(buf), 10000) > 0);
    CHECK_STR(buf, "READY=1");
    CHECK(kill(pid, SIGTERM) == 0);
    CHECK(next_datagram(fd, buf, sizeof(buf), 10000) > 0);
    CHECK_STR(buf, "STOPPING=1");
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
out:
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test-sdnotify ZKBIOD\n");
        return 2;
    }
    char dir[] = "/tmp/zkbio-sdnotify-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_path_and_abstract(dir);
    test_no_socket(dir);
    test_zkbiod(argv[1], dir);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_DONE();
}
