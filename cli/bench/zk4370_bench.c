/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench zk4370`: download N 40-byte attendance records from the emulator over loopback TCP
 * and UDP, and report the time and the peak memory of the downloading process.
 *
 * The emulator runs in a child process and each download in another child, so that the memory
 * figure is the client's alone: the peak resident size of the downloading process (getrusage
 * ru_maxrss) minus its size before the download, compared with the raw data size (N * 40 bytes). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util.h"
#include "zk4370_cmds.h"
#include "zkbio/zk4370_client.h"
#include "zkbio/zk4370_emu.h"

typedef struct result {
    int rc;
    size_t records;
    double seconds;
    long base_kib, peak_kib; /* ru_maxrss before and after the download */
} result;

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The emulator process: writes its port to `fd`, then serves until its stdin pipe closes. */
static void emulator_child(size_t records, long link_rate, int port_fd, int quit_fd)
{
    zkbio_zk_emu_options o;
    zkbio_zk_emu_options_init(&o);
    /* unpaced by default: the figure is the client's and the wire pattern's (one write per
     * packet), not the pace of the terminal the emulator plays by default */
    o.link_rate = link_rate > 0 ? (int)link_rate : -1;
    o.users = 1000;
    o.punches = records;
    o.profile = 8;
    zkbio_zk_emu *e = NULL;
    uint16_t port = 0;
    if (zkbio_zk_emu_start(&o, &e) == ZKBIO_OK)
        zkbio_zk_emu_port(e, &port);
    (void)write_all(port_fd, &port, sizeof(port));
    char b;
    while (read(quit_fd, &b, 1) < 0 && errno == EINTR)
        ;
    zkbio_zk_emu_stop(e);
    _exit(0);
}

/* One download in a child process; the result comes back through a pipe. */
static result run_download(uint16_t port, int transport, size_t records)
{
    result r;
    memset(&r, 0, sizeof(r));
    r.rc = ZKBIO_EIO;
    int pfd[2];
    if (pipe(pfd) != 0)
        return r;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        result m;
        memset(&m, 0, sizeof(m));
        zkbio_zk_client_options co;
        zkbio_zk_client_options_init(&co);
        co.transport = transport;
        co.timeout_ms = 5000;
        m.base_kib = maxrss_kib();
        double t0 = cli_now_s();
        zkbio_zk_client *c = NULL;
        m.rc = zkbio_zk_client_open("127.0.0.1", port, &co, &c);
        zkbio_zk_att *a = NULL;
        if (m.rc == ZKBIO_OK)
            m.rc = zkbio_zk_attendance_get(c, NULL, &a, &m.records);
        m.seconds = cli_now_s() - t0;
        m.peak_kib = maxrss_kib();
        if (m.rc == ZKBIO_OK && m.records != records)
            m.rc = ZKBIO_EPROTO;
        zkbio_zk_free(a);
        zkbio_zk_client_close(c);
        (void)write_all(pfd[1], &m, sizeof(m));
        _exit(0);
    }
    close(pfd[1]);
    if (pid > 0 && read_all(pfd[0], &r, sizeof(r)) != 0)
        r.rc = ZKBIO_EIO;
    close(pfd[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return r;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: zkbio bench zk4370 [--records N] [--transport tcp|udp|both] [--link-rate B] "
               "[--json]\n\n"
               "Download N 40-byte attendance records (default 100000) from an emulated terminal "
               "over\n"
               "loopback TCP and UDP (1503/1504 chunks: 65472 bytes on TCP, 16 KiB in 1 KiB "
               "datagrams on UDP).\n"
               "Prints the time (connect to parsed records) and the downloading process's peak "
               "memory above\n"
               "its size before the download, against the raw data size. Targets: < 1 s TCP, < 3 "
               "s UDP,\n"
               "peak memory < 3x raw. The emulator writes one packet per send() as firmware does, "
               "unpaced;\n"
               "--link-rate B paces it like a terminal's link (B bytes/s; see `zkbio emulate "
               "--help`).\n"
               "Exit status: 0 downloads complete, 1 a download failed, 2 bad usage.\n");
}

int zkbio_cli_bench_zk4370(int argc, char **argv)
{
    static const struct option opts[] = {
        {"records", required_argument, NULL, 'n'}, {"transport", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},          {"link-rate", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    long records = 100000, link_rate = 0;
    int json = 0, do_tcp = 1, do_udp = 1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'n':
            errno = 0;
            records = strtol(optarg, &end, 10);
            if (errno || *end || records < 1 || records > 1000000) {
                fprintf(stderr, "zkbio bench zk4370: --records 1..1000000\n");
                return 2;
            }
            break;
        case 't':
            do_tcp = strcmp(optarg, "udp") != 0;
            do_udp = strcmp(optarg, "tcp") != 0;
            if (strcmp(optarg, "tcp") && strcmp(optarg, "udp") && strcmp(optarg, "both")) {
                fprintf(stderr, "zkbio bench zk4370: --transport tcp|udp|both\n");
                return 2;
            }
            break;
        case 'j':
            json = 1;
            break;
        case 'r':
            errno = 0;
            link_rate = strtol(optarg, &end, 10);
            if (errno || *end || link_rate < 0 || link_rate > 1000000000) {
                fprintf(stderr, "zkbio bench zk4370: --link-rate 0..1000000000\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    int portp[2], quitp[2];
    if (pipe(portp) != 0 || pipe(quitp) != 0) {
        perror("pipe");
        return 1;
    }
    fflush(NULL);
    pid_t emu = fork();
    if (emu == 0) {
        close(portp[0]);
        close(quitp[1]);
        emulator_child((size_t)records, link_rate, portp[1], quitp[0]);
    }
    close(portp[1]);
    close(quitp[0]);
    uint16_t port = 0;
    if (emu < 0 || read_all(portp[0], &port, sizeof(port)) != 0 || port == 0) {
        fprintf(stderr, "zkbio bench zk4370: the emulator did not start\n");
        close(quitp[1]);
        if (emu > 0)
            waitpid(emu, NULL, 0);
        return 1;
    }
    close(portp[0]);
    double raw_mib = (double)records * 40.0 / (1024.0 * 1024.0);
    int status = 0;
    json_t *out = json_object();
    json_object_set_new(out, "records", json_integer(records));
    json_object_set_new(out, "raw_bytes", json_integer((json_int_t)records * 40));
    static const struct {
        const char *name;
        int transport;
        double target_s;
    } runs[] = {{"tcp", ZKBIO_ZK_TCP, 1.0}, {"udp", ZKBIO_ZK_UDP, 3.0}};
    for (size_t i = 0; i < 2; i++) {
        if ((i == 0 && !do_tcp) || (i == 1 && !do_udp))
            continue;
        result r = run_download(port, runs[i].transport, (size_t)records);
        double mem_mib = (double)(r.peak_kib - r.base_kib) / 1024.0;
        double ratio = mem_mib / raw_mib;
        if (r.rc != ZKBIO_OK) {
            status = 1;
            fprintf(stderr, "zkbio bench zk4370: %s download failed: %s\n", runs[i].name,
                    zkbio_strerror(r.rc));
        }
        if (json) {
            json_object_set_new(
                out, runs[i].name,
                json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:b, s:b}", "result",
                          zkbio_error_name(r.rc), "records_read", (json_int_t)r.records, "seconds",
                          r.seconds, "peak_mib_above_start", mem_mib, "process_peak_mib",
                          (double)r.peak_kib / 1024.0, "memory_ratio", ratio, "time_target_met",
                          r.seconds < runs[i].target_s, "memory_target_met", ratio < 3.0));
        } else {
            printf("%s: %zu records (%.1f MiB raw) in %.3f s (%.0f records/s, target < %.0f s: "
                   "%s); peak memory %.1f MiB above start = %.2fx raw (target < 3x: %s); "
                   "process peak %.1f MiB\n",
                   runs[i].name, r.records, raw_mib, r.seconds,
                   r.seconds > 0 ? (double)r.records / r.seconds : 0.0, runs[i].target_s,
                   r.seconds < runs[i].target_s ? "met" : "MISSED", mem_mib, ratio,
                   ratio < 3.0 ? "met" : "MISSED", (double)r.peak_kib / 1024.0);
        }
    }
    if (json) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(out);
    close(quitp[1]); /* the emulator stops */
    waitpid(emu, NULL, 0);
    return status;
}
