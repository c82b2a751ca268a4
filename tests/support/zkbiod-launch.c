/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: zkbiod on port 0, the bound ports read back from --port-file (see the header). */
#define _POSIX_C_SOURCE 200809L
#include "zkbiod-launch.h"
#include "zkbiod_child.h" /* bench_port_file_read: the one reader of the port file */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_ARGS = 96 };

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int zkl_read_ports(const char *path, zkl_ports *ports)
{
    memset(ports, 0, sizeof(*ports));
    int nl = bench_port_file_read(path, "listen", ports->listen, ZKL_MAX_PORTS);
    int ns = bench_port_file_read(path, "service", ports->service, ZKL_MAX_PORTS);
    if (nl < 0 || ns < 0)
        return -1;
    ports->n_listen = nl < ZKL_MAX_PORTS ? nl : ZKL_MAX_PORTS;
    ports->n_service = ns < ZKL_MAX_PORTS ? ns : ZKL_MAX_PORTS;
    return 0;
}

static void child(const zkl_opts *o, char *const *argv)
{
    if (o->log) {
        int fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
    }
    for (int i = 0; o->env && o->env[i]; i++) {
        const char *eq = strchr(o->env[i], '=');
        if (!eq) {
            unsetenv(o->env[i]);
            continue;
        }
        char name[128];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - o->env[i]), o->env[i]);
        setenv(name, eq + 1, 1);
    }
    execvp(argv[0], argv);
    fprintf(stderr, "zkbiod-launch: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int zkl_start(const zkl_opts *o, pid_t *pid, zkl_ports *ports)
{
    *pid = 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/zkbiod.ports", o->dir);
    remove(path); /* a restart must not read the previous run's file */
    char *argv[MAX_ARGS + 3];
    int n = 0;
    for (; o->argv[n] && n < MAX_ARGS; n++)
        argv[n] = (char *)o->argv[n];
    argv[n++] = "--port-file";
    argv[n++] = path;
    argv[n] = NULL;
    fflush(NULL);
    pid_t p = fork();
    if (p < 0) {
        fprintf(stderr, "zkbiod-launch: fork: %s\n", strerror(errno));
        return -1;
    }
    if (p == 0)
        child(o, argv);
    int waited = 0, limit = o->timeout_ms > 0 ? o->timeout_ms : 20000;
    for (;;) {
        struct stat st;
        if (stat(path, &st) == 0 && zkl_read_ports(path, ports) == 0) {
            *pid = p;
            return 0;
        }
        int status;
        if (waitpid(p, &status, WNOHANG) == p) {
            fprintf(stderr, "zkbiod-launch: %s exited (status 0x%x) before listening%s%s\n",
                    argv[0], (unsigned)status, o->log ? "; see " : "", o->log ? o->log : "");
            return -1;
        }
        if (waited >= limit)
            break;
        sleep_ms(20);
        waited += 20;
    }
    fprintf(stderr, "zkbiod-launch: %s wrote no port file in %d ms%s%s\n", argv[0], limit,
            o->log ? "; see " : "", o->log ? o->log : "");
    kill(p, SIGKILL);
    while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
        ;
    return -1;
}
