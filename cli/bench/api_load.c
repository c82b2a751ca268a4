/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The punch loader of `zkbio bench api --scenario attendance` and `--scenario biotime`
 * (api_common.h): punches stored through zkbiod's PUSH ingest (POST /iclock/cdata?table=ATTLOG,
 * API_LOAD_PER_POST per POST, one keep-alive connection per terminal) with the load generator of
 * `bench push`, the way punches really arrive.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "api_common.h"
#include "loadgen.h"
#include "util.h"

typedef struct load_ud {
    const api_opts *o;
    long step;
    char host[32];
} load_ud;

void api_fmt_time(long t_unix, char out[20])
{
    time_t t = (time_t)t_unix;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static size_t build_post(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap)
{
    const load_ud *l = ud;
    char body[API_LOAD_PER_POST * 48];
    size_t n = 0;
    for (unsigned j = 0; j < API_LOAD_PER_POST; j++) {
        long k = (long)seq * API_LOAD_PER_POST + (long)j;
        char ts[20];
        api_fmt_time(API_LOAD_BASE_EPOCH + k * l->step, ts);
        int w = snprintf(body + n, sizeof(body) - n, "%ld\t%s\t%ld\t1\t0\t0\t0\n",
                         k % l->o->users + 1, ts, k % 2);
        if (w < 0 || (size_t)w >= sizeof(body) - n)
            return 0;
        n += (size_t)w;
    }
    int h = snprintf(buf, cap,
                     "POST /iclock/cdata?SN=AB%s%04u&table=ATTLOG&Stamp=1 HTTP/1.1\r\nHost: %s\r\n"
                     "User-Agent: iClock Proxy/1.09\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     l->o->tag, device % (unsigned)l->o->devices + 1, l->host, n);
    if (h < 0 || (size_t)h + n > cap)
        return 0;
    memcpy(buf + h, body, n);
    return (size_t)h + n;
}

int api_load_punches(const api_opts *o, int port, long step, const char *what, double *secs,
                     double *rate)
{
    load_ud ud = {o, step, ""};
    snprintf(ud.host, sizeof(ud.host), "127.0.0.1:%d", port);
    lg_phase p;
    memset(&p, 0, sizeof(p));
    struct sockaddr_in *sin = (struct sockaddr_in *)&p.addr;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p.addrlen = sizeof(*sin);
    p.threads = 1;
    p.devices = (unsigned)o->devices;
    p.connections = p.devices;
    p.max_requests = (uint64_t)(o->stored / API_LOAD_PER_POST);
    p.seconds = 3600; /* a deadline */
    p.drain_s = (double)o->timeout_s;
    p.timeout_s = (double)o->timeout_s;
    p.req_cap = 1024 + API_LOAD_PER_POST * 48;
    p.build = build_post;
    p.ud = &ud;
    p.expect_body = "OK: 100";
    p.records_per_request = API_LOAD_PER_POST;
    lg_result r;
    double t0 = cli_now_s();
    if (lg_run(&p, &r) != 0) {
        fprintf(stderr, "zkbio bench api: %s: load: %s\n", what, strerror(errno));
        return -1;
    }
    *secs = cli_now_s() - t0;
    *rate = *secs > 0 ? (double)o->stored / *secs : 0;
    if (r.errors || r.ok_total != p.max_requests) {
        fprintf(stderr,
                "zkbio bench api: %s: load: %llu of %llu POSTs acknowledged, %llu errors "
                "(first: %s)\n",
                what, (unsigned long long)r.ok_total, (unsigned long long)p.max_requests,
                (unsigned long long)r.errors, r.first_error);
        return -1;
    }
    return 0;
}
