/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loopback ERPNext target of `zkbio bench forward` (cli/bench/fwd_target.c): its request head
 * parser and its answers to JSON bodies. The first input byte picks the parser: 0 the head (the
 * rest, NUL-terminated as the server keeps it), 1 add_log_based_on_employee_field, 2
 * receive_bulk_attendance_logs, 3 receive_attendance_log (the rest is the JSON body).
 *   build-fuzz/tests/fuzz/fuzz-fwd-target -max_total_time=60 tests/fuzz/corpus/fwd-target
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fwd_target *target(void)
{
    static fwd_target *t; /* one per process: its arrival table fills up, which is fine */
    if (!t) {
        const fwd_target_config c = {.n = 1000,
                                     .users = 50,
                                     .base_epoch = 1735689600,
                                     .latency_ms = 0,
                                     .key = "k",
                                     .secret = "s"};
        if (fwd_target_create(&c, &t) != 0)
            abort();
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    if (data[0] % 4 == 0) {
        char *buf = malloc(n + 1);
        if (!buf)
            return 0;
        memcpy(buf, rest, n);
        buf[n] = '\0';
        fwd_http_head h;
        int rc = fwd_http_head_parse(buf, n, &h);
        if (rc == 0 && (h.head_len > n || strlen(h.path) >= sizeof(h.path) ||
                        strlen(h.auth) >= sizeof(h.auth) || h.body_len > (16u << 20)))
            abort();
        free(buf);
        return 0;
    }
    static const char *const paths[] = {
        "",
        ("/api/method/"
         "hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field"),
        "/api/method/bench.api.receive_bulk_attendance_logs",
        "/api/method/bench.api.receive_attendance_log"};
    int status = 0;
    char *out = fwd_target_answer(target(), paths[data[0] % 4], "token k:s", rest, n, &status);
    if (out && status != 200 && status != 400 && status != 417)
        abort();
    free(out);
    return 0;
}
