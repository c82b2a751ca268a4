/* SPDX-License-Identifier: Apache-2.0 */
/* Read zkbiod's --port-file (port_file.h). */
#include "port_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

int bench_port_file_read(const char *path, const char *kind)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int port = 0;
    while (!port && fgets(line, sizeof(line), f)) {
        char k[32];
        int p;
        if (sscanf(line, "%31s %d", k, &p) == 2 && p > 0 && p <= 65535 && strcmp(k, kind) == 0)
            port = p;
    }
    fclose(f);
    return port;
}

int bench_port_file_wait(const char *path, const char *kind, pid_t pid, int timeout_ms, int *exited,
                         int *status)
{
    for (int waited = 0;; waited += 20) {
        int port = bench_port_file_read(path, kind);
        if (port >= 0)
            return port > 0 ? port : -1;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            *exited = 1;
            *status = st;
            return -1;
        }
        if (waited >= timeout_ms)
            return -1;
        struct timespec ts = {0, 20 * 1000 * 1000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}
