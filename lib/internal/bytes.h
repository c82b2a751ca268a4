/* SPDX-License-Identifier: Apache-2.0 */
/* Private: big- and little-endian reads and writes, and a bounded reader that never reads past its
 * end (style.md §8). */
#ifndef ZKI_BYTES_H
#define ZKI_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t zki_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t zki_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void zki_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void zki_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint16_t zki_le16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static inline uint32_t zki_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline void zki_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void zki_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Bounded reader over p[0..len). A read that would pass the end returns 0, leaves pos unchanged and
 * sets `fail`; later reads keep failing, so a caller may check `fail` once after a group of reads.
 */
typedef struct zki_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    bool fail;
} zki_reader;

static inline void zki_reader_init(zki_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->fail = false;
}

static inline size_t zki_reader_left(const zki_reader *r)
{
    return r->len - r->pos;
}

/* True when n more bytes can be read; sets fail otherwise. */
static inline bool zki_reader_need(zki_reader *r, size_t n)
{
    if (r->fail || n > r->len - r->pos) {
        r->fail = true;
        return false;
    }
    return true;
}

static inline uint8_t zki_rd_u8(zki_reader *r)
{
    if (!zki_reader_need(r, 1))
        return 0;
    return r->p[r->pos++];
}

static inline uint16_t zki_rd_be16(zki_reader *r)
{
    if (!zki_reader_need(r, 2))
        return 0;
    uint16_t v = zki_be16(r->p + r->pos);
    r->pos += 2;
    return v;
}

static inline uint32_t zki_rd_be32(zki_reader *r)
{
    if (!zki_reader_need(r, 4))
        return 0;
    uint32_t v = zki_be32(r->p + r->pos);
    r->pos += 4;
    return v;
}

static inline uint16_t zki_rd_le16(zki_reader *r)
{
    if (!zki_reader_need(r, 2))
        return 0;
    uint16_t v = zki_le16(r->p + r->pos);
    r->pos += 2;
    return v;
}

static inline uint32_t zki_rd_le32(zki_reader *r)
{
    if (!zki_reader_need(r, 4))
        return 0;
    uint32_t v = zki_le32(r->p + r->pos);
    r->pos += 4;
    return v;
}

static inline bool zki_rd_skip(zki_reader *r, size_t n)
{
    if (!zki_reader_need(r, n))
        return false;
    r->pos += n;
    return true;
}

#endif /* ZKI_BYTES_H */
