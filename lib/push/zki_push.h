/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private helpers of the PUSH codec (lib/push/). Not installed.
 *
 * - zki_arena: a chunked bump allocator; every string of a parsed result lives in the result's
 * arena, so a 100-line body costs a handful of mallocs instead of one per field.
 * - zki_span: a (pointer, length) view into caller input; never assumed NUL-terminated.
 * - zki_wbuf: an snprintf-like writer that counts the full length even when the caller buffer is
 * too small.
 * - zki_conv: a per-batch iconv handle converting device text to UTF-8 with U+FFFD for bad bytes.
 */
#ifndef ZKI_PUSH_H
#define ZKI_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/push.h"

/* ---- arena ---- */

typedef struct zki_arena_chunk zki_arena_chunk;

typedef struct zki_arena {
    zki_arena_chunk *head; /* newest chunk first */
    size_t next_cap;       /* capacity of the next chunk */
    void *last;            /* most recent allocation (for zki_arena_shrink_last) */
} zki_arena;

/* Start an empty arena whose first chunk holds about `first_cap` bytes. Allocates nothing yet. */
void zki_arena_init(zki_arena *a, size_t first_cap);
/* n bytes aligned for any scalar type; NULL when out of memory. n == 0 returns a valid pointer. */
void *zki_arena_alloc(zki_arena *a, size_t n);
/* Give back the tail of the most recent allocation `p` so it occupies `n` bytes (no-op for older
 * blocks). */
void zki_arena_shrink_last(zki_arena *a, void *p, size_t n);
/* Copy n bytes and add a NUL. */
char *zki_arena_strndup(zki_arena *a, const char *s, size_t n);
/* Free every chunk; the arena may live inside one of them (the head pointer is read first). */
void zki_arena_free(zki_arena *a);

/* ---- spans ---- */

typedef struct zki_span {
    const char *p;
    size_t n;
} zki_span;

/* Next LF-terminated line of body[*pos..len): CR before the LF removed, LF not included. 0 at end
 * of input. */
int zki_next_line(const char *body, size_t len, size_t *pos, zki_span *line);
/* Next field of *rest separated by `sep`; *rest advances past the separator. 0 when *rest is
 * exhausted (rest->p NULL). An empty *rest with non-NULL p yields one empty field, then 0. */
int zki_next_field(zki_span *rest, char sep, zki_span *field);
/* Split on the first '=': 1 and key/value when there is one, else 0 (key = whole span, value
 * empty). */
int zki_kv_split(zki_span s, zki_span *key, zki_span *value);
/* Remove leading/trailing spaces (and HT, CR). */
zki_span zki_span_trim(zki_span s);
/* Cut at the first NUL byte (a NUL ends a value). */
zki_span zki_span_cut_nul(zki_span s);
/* ASCII case-insensitive equality with a C string. */
int zki_span_ieq(zki_span s, const char *lit);
/* ASCII case-insensitive string compare (strcasecmp without locale). */
int zki_strieq(const char *a, const char *b);
/* True when the span holds only spaces, HT and CR (or nothing). */
int zki_span_blank(zki_span s);

/* Integer with range check: surrounding spaces allowed, optional sign, decimal digits only.
 * Returns 1 (parsed into *out), 0 (empty or blank: *out untouched), -1 (not a number or outside
 * [min, max]). */
int zki_parse_int(zki_span s, int64_t min, int64_t max, int64_t *out);

/* Date and time "YYYY-MM-DD HH:MM:SS" (also '/' in the date, one space, HT or 'T' between date and
 * time, one- or two-digit month/day/hour/minute/second). Checks ranges (month 1-12, day within the
 * month, hour < 24, minute and second < 60). Writes the normalised 19-character form plus NUL to
 * out. 0 or -1. */
int zki_parse_time(zki_span s, char out[20]);

/* PIN rule shared by parsers and formatters: 1..ZKBIO_PUSH_PIN_MAX bytes of printable ASCII
 * other than space. */
int zki_pin_ok(const char *p, size_t n);

/* ---- text conversion ---- */

typedef struct zki_conv {
    void *cd; /* zki_iconv_t (internal/iconv.h), or NULL for UTF-8 input */
} zki_conv;

/* Open a converter from `charset` to UTF-8 (NULL, "UTF-8", "utf8" mean UTF-8: no iconv).
 * ZKBIO_EENCODING when iconv does not know the charset. */
int zki_conv_open(zki_conv *c, const char *charset);
void zki_conv_close(zki_conv *c);

/* Copy a value into the arena as NUL-terminated UTF-8: cut at the first NUL, convert with `conv`
 * (may be NULL = UTF-8 input) and replace every invalid byte by U+FFFD. NULL only when out of
 * memory. */
char *zki_text_dup(zki_arena *a, zki_span s, zki_conv *conv);

/* ---- output ---- */

typedef struct zki_wbuf {
    char *buf;
    size_t size;
    size_t len; /* bytes that the full output needs (may exceed size) */
} zki_wbuf;

void zki_w_init(zki_wbuf *w, char *buf, size_t size);
void zki_w_raw(zki_wbuf *w, const char *s, size_t n);
void zki_w_str(zki_wbuf *w, const char *s); /* literal text, written as is */
void zki_w_val(zki_wbuf *w, const char *s); /* a value: HT, CR, LF dropped; NULL writes nothing */
void zki_w_int(zki_wbuf *w, int64_t v);
/* NUL-terminate; ZKBIO_OK or ZKBIO_ENOSPC (buf holds a truncated, terminated prefix). *len =
 * w->len. */
int zki_w_finish(zki_wbuf *w, size_t *len);
/* Length of s once HT/CR/LF are dropped (what zki_w_val writes). */
size_t zki_val_len(const char *s);

/* ---- records (upload.c) shared with the DATA command parser ---- */

typedef enum zki_parse_mode {
    ZKI_MODE_ATTLOG, /* bare punch lines */
    ZKI_MODE_TAGGED, /* `TAG k=v...` lines; untagged k=v lines are read as `kind` when kind != 0 */
    ZKI_MODE_FORCED  /* every line is an untagged record of `kind` (DATA UPDATE bodies) */
} zki_parse_mode;

int zki_parse_records(zki_parse_mode mode, zkbio_push_rec_type kind, const char *body, size_t len,
                      const char *charset, size_t max_records, zkbio_push_batch **out);

/* kvlist from HT-separated k=v fields of a text (DELETE/QUERY conditions). */
int zki_kvlist_from_fields(const char *text, size_t len, zkbio_push_kvlist **out);

#endif /* ZKI_PUSH_H */
