/* SPDX-License-Identifier: Apache-2.0 */
/* Print the punches of a ZKTeco terminal on port 4370 since a date, then wait for new ones.
 *
 *   zk4370-punches HOST [PORT [SINCE [COMM_KEY]]]      e.g. zk4370-punches 192.168.1.201 4370
 * 2025-01-01
 *
 * Uses only the public API: zkbio_zk_client_open() (TCP, then UDP), zkbio_zk_attendance_get()
 * and zkbio_zk_listen(). Try it against `zkbio emulate --port 4370 --punch-every 2000`. */
#include <stdio.h>
#include <stdlib.h>

#include "zkbio/zk4370_client.h"

static int on_event(const zkbio_zk_event *ev, void *user)
{
    (void)user;
    if (ev->flag == ZKBIO_ZK_EF_ATTLOG) {
        char t[20];
        zkbio_zk_time_format(&ev->time, t);
        printf("live\t%s\t%s\tverify=%u state=%u\n", ev->user_id, t, ev->verify, ev->state);
        fflush(stdout);
    }
    return 0; /* keep listening */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HOST [PORT [SINCE [COMM_KEY]]]\n", argv[0]);
        return 2;
    }
    zkbio_zk_client_options o;
    zkbio_zk_client_options_init(&o); /* zero, with o.size set */
    o.timeout_ms = 5000;
    o.comm_key = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0;
    zkbio_zk_time since, *psince = NULL;
    if (argc > 3) {
        if (zkbio_zk_time_parse(argv[3], &since) != ZKBIO_OK) {
            fprintf(stderr, "SINCE is YYYY-MM-DD[ HH:MM[:SS]]\n");
            return 2;
        }
        psince = &since;
    }
    zkbio_zk_client *c;
    int rc = zkbio_zk_client_open(argv[1], argc > 2 ? (uint16_t)atoi(argv[2]) : 0, &o, &c);
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "connect: %s\n", zkbio_strerror(rc));
        return 1;
    }
    zkbio_zk_att *a;
    size_t n;
    rc = zkbio_zk_attendance_get(c, psince, &a, &n);
    for (size_t i = 0; rc == ZKBIO_OK && i < n; i++) {
        char t[20];
        zkbio_zk_time_format(&a[i].time, t);
        printf("stored\t%s\t%s\tverify=%u state=%u\n", a[i].user_id, t, a[i].verify, a[i].state);
    }
    if (rc == ZKBIO_OK) {
        zkbio_zk_free(a);
        fflush(stdout);
        rc = zkbio_zk_listen(c, ZKBIO_ZK_EF_ATTLOG, -1, on_event, NULL); /* until an error */
    }
    if (rc != ZKBIO_OK)
        fprintf(stderr, "%s\n", zkbio_strerror(rc));
    zkbio_zk_client_close(c);
    return rc == ZKBIO_OK ? 0 : 1;
}
