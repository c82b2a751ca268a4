/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a process costs at a moment: its threads, resident memory and CPU time, for `zkbio bench
 * api --scenario fleet`. The one platform-specific reader of the benchmarks: on Linux it reads
 * /proc/<pid>/status (Threads, VmRSS, VmHWM) and /proc/<pid>/stat (utime, stime); elsewhere it
 * reports "not available" and the benchmark prints "n/a".
 */
#ifndef ZKBIO_CLI_BENCH_PROCSTAT_H
#define ZKBIO_CLI_BENCH_PROCSTAT_H

#include <sys/types.h>

typedef struct bench_proc {
    long threads;     /* threads of the process */
    long rss_kib;     /* resident set now, KiB */
    long hwm_kib;     /* peak resident set since start, KiB */
    double cpu_s;     /* user + system CPU time since start, seconds */
    double sampled_s; /* monotonic clock when sampled, seconds (cli_now_s) */
} bench_proc;

/* Sample pid into *out. 0; -1 when the process cannot be read (gone, or no permission); -2 where
 * this platform has no reader (the caller prints "n/a"). */
int bench_proc_sample(pid_t pid, bench_proc *out);

/* CPU use between two samples of one process, in percent of one core (200 = two cores busy); a
 * negative value when the interval is empty. */
double bench_proc_cpu_percent(const bench_proc *before, const bench_proc *after);

#endif /* ZKBIO_CLI_BENCH_PROCSTAT_H */
