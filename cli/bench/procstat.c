/* SPDX-License-Identifier: Apache-2.0 */
/* Threads, memory and CPU time of a process (procstat.h): /proc on Linux, "n/a" elsewhere. */
#include "procstat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifdef __linux__
/* "Name:\t  1234 kB" lines of /proc/<pid>/status. */
static int read_status(pid_t pid, bench_proc *out)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        long v;
        if (sscanf(line, "Threads: %ld", &v) == 1) {
            out->threads = v;
            found |= 1;
        } else if (sscanf(line, "VmRSS: %ld", &v) == 1) {
            out->rss_kib = v;
            found |= 2;
        } else if (sscanf(line, "VmHWM: %ld", &v) == 1) {
            out->hwm_kib = v;
            found |= 4;
        }
    }
    fclose(f);
    return found == 7 ? 0 : -1;
}

/* Fields 14 and 15 (utime, stime, clock ticks) of /proc/<pid>/stat; field 2, the command name in
 * parentheses, may hold spaces and parentheses, so parsing starts after its last ')'. */
static int read_stat(pid_t pid, bench_proc *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* after ")": field 3 (state) ... field 13, then utime (14) and stime (15) */
    unsigned long long ut, st;
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return -1;
    out->cpu_s = (double)(ut + st) / (double)hz;
    return 0;
}

int bench_proc_sample(pid_t pid, bench_proc *out)
{
    memset(out, 0, sizeof(*out));
    out->sampled_s = cli_now_s();
    if (read_status(pid, out) != 0 || read_stat(pid, out) != 0)
        return -1;
    return 0;
}
#else
int bench_proc_sample(pid_t pid, bench_proc *out)
{
    (void)pid;
    memset(out, 0, sizeof(*out));
    out->sampled_s = cli_now_s();
    return -2;
}
#endif

double bench_proc_cpu_percent(const bench_proc *before, const bench_proc *after)
{
    double wall = after->sampled_s - before->sampled_s;
    if (!(wall > 0))
        return -1;
    return (after->cpu_s - before->cpu_s) / wall * 100.0;
}
