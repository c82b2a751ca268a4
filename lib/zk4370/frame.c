/* SPDX-License-Identifier: Apache-2.0 */
/* 4370 packets: checksum, header, TCP wrapper and stream reassembly (tcp4370.md §1). */
#include <string.h>

#include "internal/bytes.h"
#include "zkbio/zk4370.h"

#define MAGIC1 0x5050u
#define MAGIC2 0x7D82u

/* One's-complement sum of little-endian 16-bit words, folded to 16 bits (§1.3). */
static uint32_t ocsum(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        sum += zki_le16(p + i);
        if (sum > 0xFFFFu)
            sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    if (i < n) {
        sum += p[i];
        if (sum > 0xFFFFu)
            sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return sum;
}

int zkbio_zk_checksum(const uint8_t *p, size_t n, uint16_t *out)
{
    if (!out || (!p && n))
        return ZKBIO_EINVAL;
    *out = (uint16_t)(~ocsum(0, p, n) & 0xFFFFu);
    return ZKBIO_OK;
}

int zkbio_zk_packet_build(uint16_t cmd, uint16_t session, uint16_t reply, const uint8_t *data,
                          size_t len, int tcp, uint8_t *out, size_t outsize, size_t *outlen)
{
    if ((!data && len) || !outlen || (!out && outsize))
        return ZKBIO_EINVAL;
    if (len > ZKBIO_ZK_MAX_DATA)
        return ZKBIO_ETOOBIG;
    size_t wrap = tcp ? ZKBIO_ZK_TCP_WRAP_SIZE : 0;
    size_t total = wrap + ZKBIO_ZK_HEADER_SIZE + len;
    *outlen = total;
    if (outsize < total)
        return ZKBIO_ENOSPC;
    if (tcp) {
        zki_put_le16(out, MAGIC1);
        zki_put_le16(out + 2, MAGIC2);
        zki_put_le32(out + 4, (uint32_t)(ZKBIO_ZK_HEADER_SIZE + len));
    }
    uint8_t *h = out + wrap;
    zki_put_le16(h, cmd);
    zki_put_le16(h + 2, 0);
    zki_put_le16(h + 4, session);
    zki_put_le16(h + 6, reply);
    if (len)
        memmove(h + ZKBIO_ZK_HEADER_SIZE, data, len);
    uint16_t sum;
    zkbio_zk_checksum(h, ZKBIO_ZK_HEADER_SIZE + len, &sum);
    zki_put_le16(h + 2, sum);
    return ZKBIO_OK;
}

int zkbio_zk_packet_parse(const uint8_t *pkt, size_t len, zkbio_zk_header *hdr,
                          const uint8_t **data, size_t *datalen, int *checksum_ok)
{
    if (!pkt || !hdr || !data || !datalen)
        return ZKBIO_EINVAL;
    if (len < ZKBIO_ZK_HEADER_SIZE || len > ZKBIO_ZK_MAX_PACKET)
        return ZKBIO_EPROTO;
    hdr->cmd = zki_le16(pkt);
    hdr->checksum = zki_le16(pkt + 2);
    hdr->session = zki_le16(pkt + 4);
    hdr->reply = zki_le16(pkt + 6);
    *data = pkt + ZKBIO_ZK_HEADER_SIZE;
    *datalen = len - ZKBIO_ZK_HEADER_SIZE;
    if (checksum_ok) {
        /* a received packet sums to 0xFFFF (complement 0) when intact; 0x0000 is the other
         * representation of zero in one's-complement arithmetic */
        uint32_t s = ocsum(0, pkt, len);
        *checksum_ok = s == 0xFFFFu || s == 0;
    }
    return ZKBIO_OK;
}

int zkbio_zk_tcp_frame(const uint8_t *buf, size_t len, const uint8_t **pkt, size_t *pktlen,
                       size_t *consumed)
{
    if ((!buf && len) || !pkt || !pktlen || !consumed)
        return ZKBIO_EINVAL;
    /* check the magic as soon as its bytes are there, so garbage is refused early */
    static const uint8_t magic[4] = {0x50, 0x50, 0x82, 0x7D};
    size_t m = len < 4 ? len : 4;
    if (m && memcmp(buf, magic, m) != 0)
        return ZKBIO_EPROTO;
    if (len < ZKBIO_ZK_TCP_WRAP_SIZE)
        return 0;
    uint32_t n = zki_le32(buf + 4);
    if (n < ZKBIO_ZK_HEADER_SIZE)
        return ZKBIO_EPROTO;
    if (n > ZKBIO_ZK_MAX_PACKET)
        return ZKBIO_ETOOBIG;
    if (len - ZKBIO_ZK_TCP_WRAP_SIZE < n)
        return 0;
    *pkt = buf + ZKBIO_ZK_TCP_WRAP_SIZE;
    *pktlen = n;
    *consumed = ZKBIO_ZK_TCP_WRAP_SIZE + (size_t)n;
    return 1;
}

/* ---- comm key (§3) ---- */

int zkbio_zk_commkey(uint32_t key, uint16_t session, uint8_t ticks, uint8_t out[4])
{
    if (!out)
        return ZKBIO_EINVAL;
    uint32_t k = 0;
    for (int i = 0; i < 32; i++)
        k = (k << 1) | ((key >> i) & 1u);
    k += session; /* mod 2^32 */
    uint8_t c[4];
    zki_put_le32(c, k);
    c[0] ^= 'Z';
    c[1] ^= 'K';
    c[2] ^= 'S';
    c[3] ^= 'O';
    /* swap the 16-bit halves: c2 c3 c0 c1, then XOR with the tick byte except byte 2 */
    out[0] = (uint8_t)(c[2] ^ ticks);
    out[1] = (uint8_t)(c[3] ^ ticks);
    out[2] = ticks;
    out[3] = (uint8_t)(c[1] ^ ticks);
    return ZKBIO_OK;
}
