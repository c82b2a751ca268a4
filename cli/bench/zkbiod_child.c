/* SPDX-License-Identifier: Apache-2.0 */
/* The zkbiod a benchmark starts: where it is, and its --port-file (zkbiod_child.h). */
#include "zkbiod_child.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int bench_port_file_read(const char *path, const char *kind, int *ports, int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        char k[32];
        int p;
        if (sscanf(line, "%31s %d", k, &p) == 2 && p > 0 && p <= 65535 && strcmp(k, kind) == 0) {
            if (n < max)
                ports[n] = p;
            n++;
        }
    }
    fclose(f);
    return n;
}

int bench_port_file_wait(const char *path, const char *kind, pid_t pid, int timeout_ms, int *exited,
                         int *status)
{
    for (int waited = 0;; waited += 20) {
        int port = 0, n = bench_port_file_read(path, kind, &port, 1);
        if (n >= 0)
            return n > 0 ? port : -1;
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

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int bench_find_zkbiod(const char *opt, char *out, size_t cap)
{
    if (opt) {
        snprintf(out, cap, "%s", opt);
        return executable(out) ? 0 : -1;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"/../daemon/zkbiod", "/../zkbiod", "/zkbiod",
                                              "/../sbin/zkbiod"};
            for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
                snprintf(out, cap, "%s%s", self, rel[i]);
                if (executable(out))
                    return 0;
            }
        }
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t l = strcspn(path, ":");
        if (l) {
            snprintf(out, cap, "%.*s/zkbiod", (int)l, path);
            if (executable(out))
                return 0;
        }
        path += l;
        if (*path == ':')
            path++;
    }
    return -1;
}
