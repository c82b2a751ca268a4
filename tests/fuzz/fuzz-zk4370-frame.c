/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the 4370 TCP stream reassembly, the header parser and the event parser: the input is fed
 * to the framer in pieces of varying size (as recv() would), every frame found is parsed, and
 * event packets are decoded. The first byte selects the piece size. Frames re-built from what was
 * parsed must parse to the same header and data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/zk4370.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_packet(const uint8_t *pkt, size_t len)
{
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int ok;
    if (zkbio_zk_packet_parse(pkt, len, &h, &d, &n, &ok) != ZKBIO_OK)
        return;
    static uint8_t out[8 + ZKBIO_ZK_MAX_PACKET];
    size_t olen;
    if (zkbio_zk_packet_build(h.cmd, h.session, h.reply, d, n, 0, out, sizeof(out), &olen) ==
        ZKBIO_OK) {
        zkbio_zk_header h2;
        const uint8_t *d2;
        size_t n2;
        int ok2;
        if (zkbio_zk_packet_parse(out, olen, &h2, &d2, &n2, &ok2) != ZKBIO_OK || !ok2 ||
            h2.cmd != h.cmd || n2 != n || memcmp(d2, d, n) != 0)
            abort();
    }
    if (h.cmd == ZKBIO_ZK_CMD_REG_EVENT) {
        zkbio_zk_event ev;
        if (zkbio_zk_event_parse(h.session, d, n, &ev) == ZKBIO_OK) {
            uint8_t b[64];
            size_t bl;
            (void)zkbio_zk_event_build(&ev, 1, b, sizeof(b), &bl);
        }
    }
    if (h.cmd == ZKBIO_ZK_ACK_OK) {
        char v[64];
        zkbio_zk_sizes s;
        (void)zkbio_zk_option_value(d, n, v, sizeof(v));
        (void)zkbio_zk_sizes_parse(d, n, &s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t piece = (size_t)data[0] % 64 + 1;
    data++;
    size--;
    /* whole input as one UDP datagram */
    check_packet(data, size);
    /* TCP: reassemble from pieces */
    uint8_t *buf = malloc(size + 1);
    if (!buf)
        return 0;
    size_t have = 0, fed = 0;
    while (fed < size) {
        size_t k = size - fed < piece ? size - fed : piece;
        memcpy(buf + have, data + fed, k);
        have += k;
        fed += k;
        for (;;) {
            const uint8_t *pkt;
            size_t plen, used;
            int r = zkbio_zk_tcp_frame(buf, have, &pkt, &plen, &used);
            if (r < 0) {
                free(buf);
                return 0; /* a real client drops the connection here */
            }
            if (r == 0)
                break;
            if (used > have || plen + 8 != used)
                abort();
            check_packet(pkt, plen);
            memmove(buf, buf + used, have - used);
            have -= used;
        }
    }
    free(buf);
    return 0;
}
