/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file template.h
 * @brief Fingerprint minutiae templates: an in-memory type (one or up to three finger views), the
 * ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 record formats and the native libzkbio record.
 * Base64, for storing records as text, is in base64.h (included here for older code).
 *
 * Sources: shared reference `fingerprint.md` §4.1 (ISO 19794-2:2005 record format), §4.2 (ANSI
 * 378-2004 differences and the ISO/ANSI detection heuristic), §5 (test data). Section numbers below
 * refer to that file.
 *
 * Common rules for the ISO and ANSI functions (the native record is described at its
 * declarations below):
 * - Both formats are big-endian (§4.1). Multi-view records: import reads the first
 * ZKBIO_TEMPLATE_VIEWS_MAX finger views (the view count must be at least 1) into one template whose
 * minutiae are grouped by view (zkbio_minutia.view = 0, 1, 2 in record order, whatever view numbers
 * the record carries); further views are not read. A view whose minutiae would take the total past
 * ZKBIO_TEMPLATE_MINUTIAE_MAX is not kept either (nor those after it). The template-level fields
 * (finger position, impression type, finger quality) come from the first view. Exports write every
 * view of the template as its own finger view, view number j in the high nibble of byte 1 of the
 * view header, each with the template's finger position, impression type and finger quality.
 * - Import is tolerant where real files differ (§4.1 caveats): bytes after the record length (for
 * example zero padding to a fixed size) are ignored; extended data blocks are skipped using the
 * outer extended-data length, so a block length that does or does not include its 4-byte header are
 * both accepted; extended data is not kept. Anything that does not fit (a record length larger than
 * the input, a minutiae count whose 6-byte records run past the record, extended data running past
 * the record, a finger view, among the first three, cut short) is ZKBIO_EPROTO with the byte offset
 * in `err->offset` (when `err` is not NULL).
 * - Ownership: imported templates are caller-owned and freed with zkbio_template_free(). A template
 * is one allocation: `minutiae` points inside it and must not be freed separately (orientation
 * fields, zkbio_ofield, are separate allocations owned by the template: zkbio_template_free() frees
 * them too).
 * - Thread-safety: all functions of this header are reentrant; a template may be read from several
 * threads at once.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_TEMPLATE_H
#define ZKBIO_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/base64.h" /* before 0.3 base64 was declared here */
#include "zkbio/error.h"
#include "zkbio/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Minutia type, as the 2-bit field of ISO/ANSI minutiae (§4.1). */
typedef enum zkbio_minutia_type {
    ZKBIO_MINUTIA_OTHER = 0,      /**< "other" (type bits 00) */
    ZKBIO_MINUTIA_ENDING = 1,     /**< ridge ending (type bits 01) */
    ZKBIO_MINUTIA_BIFURCATION = 2 /**< ridge bifurcation (type bits 10) */
} zkbio_minutia_type;

/** Largest x or y a record can carry: coordinates are 14-bit fields (§4.1). */
#define ZKBIO_MINUTIA_COORD_MAX 16383
/** Most minutiae one finger view can carry: the count is one byte (§4.1). */
#define ZKBIO_TEMPLATE_MINUTIAE_MAX 255

/** One minutia. */
typedef struct zkbio_minutia {
    uint16_t x;    /**< pixels from the left edge at the template's resolution,
                      0..ZKBIO_MINUTIA_COORD_MAX */
    uint16_t y;    /**< pixels from the top edge (downwards), 0..ZKBIO_MINUTIA_COORD_MAX */
    uint8_t angle; /**< direction in ISO units of 360/256 = 1.40625 degrees, counter-clockwise from
                      the horizontal-right axis (§4.1): degrees = angle * 360.0 / 256, radians =
                      angle * 2*pi / 256. ANSI records (2 degrees per unit, 0..179, §4.2) are
                      converted on import and export by rounding to the nearest unit; ANSI -> ISO ->
                      ANSI is exact. */
    uint8_t type;  /**< a zkbio_minutia_type */
    uint8_t quality; /**< 0..100, 0 = not reported (§4.1); larger values found in a record are kept
                        as read */
    uint8_t view;    /**< finger view (capture) this minutia belongs to, 0..view_count-1 of its
                        template; minutiae are grouped by view in ascending order */
} zkbio_minutia;

/** Most finger views (captures of the same finger) one template holds: a 3-capture enrollment. */
#define ZKBIO_TEMPLATE_VIEWS_MAX 3

/** Side of an orientation-field cell, pixels at 500 dpi. */
#define ZKBIO_OFIELD_CELL 16
/** Most cells along each side of an orientation field (64 cells = 1024 px at 500 dpi). */
#define ZKBIO_OFIELD_DIM_MAX 64
/** Orientation levels of a cell: level k (1..15) is a ridge orientation of (k - 1) * 12 degrees,
 * counter-clockwise from the horizontal-right axis with y up, modulo 180 degrees. */
#define ZKBIO_OFIELD_LEVELS 15

/**
 * Ridge orientation field of one finger view: the coarse flow of the ridges, which the matcher
 * compares after aligning two views by their minutiae (match.h). It is zkbio's own data: the
 * native record carries it (version 2), ISO/ANSI records do not. A field covers the foreground's
 * bounding box in cells of ZKBIO_OFIELD_CELL x ZKBIO_OFIELD_CELL px at 500 dpi, in the frame of
 * the view's minutiae: cell (i, j) of the field (column i, row j) covers pixels x in
 * [(x0 + i) * 16, (x0 + i) * 16 + 16) and y in [(y0 + j) * 16, (y0 + j) * 16 + 16).
 */
typedef struct zkbio_ofield {
    uint8_t x0, y0;     /**< cells from the image's left and top edges to the field's first cell */
    uint8_t cols, rows; /**< cells, each 1..ZKBIO_OFIELD_DIM_MAX; 0 x 0 (cells NULL) = no field */
    uint8_t *cells;     /**< cols * rows bytes, row-major, top row first: 0 = background (no
                           reliable ridge flow), 1..ZKBIO_OFIELD_LEVELS = orientation level. Owned by
                           the template (set with zkbio_template_ofield_set(), freed by
                           zkbio_template_free()) */
} zkbio_ofield;

/** A minutiae template: one finger view, or up to ZKBIO_TEMPLATE_VIEWS_MAX views of one finger. */
typedef struct zkbio_template {
    uint16_t width;  /**< image width in pixels (§4.1; informative, some extractors write a fixed
                        value) */
    uint16_t height; /**< image height in pixels */
    uint16_t
        xres; /**< horizontal resolution in pixels per cm (500 dpi = 197), as ISO/ANSI carry it */
    uint16_t yres;      /**< vertical resolution in pixels per cm */
    uint16_t equipment; /**< capture equipment field: certification bits (top 4) + device type id
                           (low 12) */
    uint32_t ansi_product_id; /**< ANSI CBEFF product id: owner << 16 | type (§4.2); not written in
                                 ISO records */
    uint8_t finger_position;  /**< 0 unknown, 1..5 right thumb..little, 6..10 left thumb..little
                                 (§4.1) */
    uint8_t impression_type;  /**< 0 live plain, 1 live rolled, 2 non-live plain, 3 non-live rolled,
                                 8 swipe */
    uint8_t finger_quality;   /**< 0..100 */
    size_t count; /**< number of minutiae over all views, 0..ZKBIO_TEMPLATE_MINUTIAE_MAX */
    zkbio_minutia *minutiae; /**< `count` minutiae, inside the template's own allocation */
    uint8_t view_count;      /**< finger views held: 1 for one capture, up to
                                ZKBIO_TEMPLATE_VIEWS_MAX for a merged enrollment (multi-view,
                                see merge.h); 0 is read as 1 */
    zkbio_ofield ofield[ZKBIO_TEMPLATE_VIEWS_MAX]; /**< orientation field of each view, absent
                                                      (0 x 0) when unknown; Since: 0.2 */
} zkbio_template;

/**
 * Allocate a template with room for `count` minutiae, all fields zero except `count`, `minutiae`
 * and `view_count` (1). Since: 0.1 *out is written only on ZKBIO_OK and freed with
 * zkbio_template_free(). Errors: ZKBIO_EINVAL (out NULL or count > ZKBIO_TEMPLATE_MINUTIAE_MAX),
 * ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_template_new(size_t count, zkbio_template **out);

/**
 * Give view `view` of `t` an orientation field: a copy of `cells[0 .. cols * rows)` at cell offset
 * (x0, y0) (zkbio_ofield), replacing the view's field if it had one; cols = rows = 0 (cells may
 * then be NULL) removes it. The copy is owned by `t`; `cells` is only read during the call.
 * Thread-safety: it modifies `t`, so no other thread may use `t` meanwhile. Since: 0.2
 * Errors: ZKBIO_EINVAL (NULL t, view >= ZKBIO_TEMPLATE_VIEWS_MAX, only one of cols and rows 0,
 * cols or rows above ZKBIO_OFIELD_DIM_MAX, x0 + cols or y0 + rows above 255, NULL cells with
 * cols > 0, a cell above ZKBIO_OFIELD_LEVELS), ZKBIO_ENOMEM (t unchanged).
 */
ZKBIO_API int zkbio_template_ofield_set(zkbio_template *t, unsigned view, uint8_t x0, uint8_t y0,
                                        uint8_t cols, uint8_t rows, const uint8_t *cells);

/**
 * Deep copy of `t`: every field, the minutiae and the orientation field of each view (a view with
 * cols = rows = 0 has none in the copy, whatever its x0, y0). The copy is one new allocation plus
 * one per orientation field, like an imported template; it shares nothing with `t`. Since: 0.3
 * Ownership: *out is caller-owned, written only on ZKBIO_OK, freed with zkbio_template_free();
 * `t` is only read. Thread-safety: reentrant; `t` may be read by other threads meanwhile, not
 * modified. Errors: ZKBIO_EINVAL (NULL t or out, count above ZKBIO_TEMPLATE_MINUTIAE_MAX, NULL
 * minutiae with count > 0, an orientation field zkbio_template_ofield_set() would refuse),
 * ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_template_dup(const zkbio_template *t, zkbio_template **out);

/** Free a template from this header's functions, with its orientation fields. Accepts NULL.
 * Since: 0.1 */
ZKBIO_API void zkbio_template_free(zkbio_template *t);

/**
 * Import an ISO/IEC 19794-2:2005 record (magic "FMR\0", version " 20\0", 4-byte record length,
 * 24-byte header, §4.1) from `data[0..len)`. Since: 0.1 Up to ZKBIO_TEMPLATE_VIEWS_MAX finger views
 * are taken (see the file notes). *out is
 * written only on ZKBIO_OK (free with zkbio_template_free()); `err` (may be NULL) is filled on
 * failure. Errors: ZKBIO_EINVAL (NULL data with len > 0, NULL out), ZKBIO_EPROTO (bad magic or
 * version, including the 2011 edition "030\0"; truncated or inconsistent record; no finger view;
 * minutia type 11), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_template_import_iso(const uint8_t *data, size_t len, zkbio_template **out,
                                        zkbio_error_info *err);

/**
 * Import an ANSI INCITS 378-2004 record (same magic and version as ISO, 2-byte record length or 0
 * followed by a 4-byte one, CBEFF product id, 26- or 28-byte header, angles in 2-degree units,
 * §4.2). Since: 0.1 Same contract and errors as zkbio_template_import_iso().
 */
ZKBIO_API int zkbio_template_import_ansi(const uint8_t *data, size_t len, zkbio_template **out,
                                         zkbio_error_info *err);

/**
 * Import an ISO 19794-2:2005 or an ANSI 378-2004 record, telling them apart by the record length
 * fields (§4.2): bytes 8–9 ≥ 26 → ANSI (2-byte length); 1–25 → ISO; 0 → bytes 10–11 ≥ 24 → ISO,
 * otherwise ANSI with the 6-byte length form. Since: 0.1 Same contract and errors as
 * zkbio_template_import_iso().
 */
ZKBIO_API int zkbio_template_import_auto(const uint8_t *data, size_t len, zkbio_template **out,
                                         zkbio_error_info *err);

/**
 * Write `t` as an ISO/IEC 19794-2:2005 record with one finger view per template view and no
 * extended data (§4.1): 24 + 6 * view_count + 6 * count bytes (24 + 4 + 6 * count + 2 for one
 * view). Since: 0.1 `buf` of `size` bytes may be NULL when size is 0. `*len` (may be NULL) receives
 * the record length; when `size` is too small nothing is written, ZKBIO_ENOSPC is returned and
 * `*len` is the length needed, like snprintf. Errors: ZKBIO_EINVAL (NULL t, count >
 * ZKBIO_TEMPLATE_MINUTIAE_MAX, NULL minutiae with count > 0, a coordinate above
 * ZKBIO_MINUTIA_COORD_MAX, a type above 2, view_count above ZKBIO_TEMPLATE_VIEWS_MAX, a view >=
 * view_count, views not grouped in ascending order, an inconsistent orientation field of a view
 * below view_count: see zkbio_template_export_native(); fields are not written), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_template_export_iso(const zkbio_template *t, uint8_t *buf, size_t size,
                                        size_t *len);

/**
 * Write `t` as an ANSI INCITS 378-2004 record with one finger view per template view and no
 * extended data (§4.2): 26 + 6 * view_count + 6 * count bytes, 2-byte length form, angles converted
 * to 2-degree units. Since: 0.1
 * Same contract and errors as zkbio_template_export_iso().
 */
ZKBIO_API int zkbio_template_export_ansi(const zkbio_template *t, uint8_t *buf, size_t size,
                                         size_t *len);

/* ---- Native format ---------------------------------------------------------------------------
 * The compact libzkbio record, versioned, at most ZKBIO_NATIVE_MAX bytes so that it fits the
 * columns and buffers sized for ZKFinger templates (MAX_TEMPLATE_SIZE = 2048, fingerprint.md
 * §1.3). All fields little-endian:
 *   0  4  magic "ZKBT"
 *   4  1  format version (ZKBIO_NATIVE_VERSION)
 *   5  1  view_count (1..ZKBIO_TEMPLATE_VIEWS_MAX)
 *   6  2  width, 8 2 height (pixels at 500 dpi), 10 1 finger_quality, 11 1 finger_position
 *  12  1  minutiae count n (0..255)
 *  13  1  reserved 0
 *  14  6n minutiae: x (u16: 14 bits x, top 2 bits type), y (u16: 14 bits y, top 2 bits view),
 *         angle (u8, 360/256 degree units), quality (u8)
 *  14+6n   orientation fields (version 2), for each view 0..view_count-1 in turn: x0, y0, cols,
 *         rows (u8 each; zkbio_ofield; 0, 0, 0, 0 = no field), then ceil(cols * rows / 2) bytes of
 *         cells, row-major, two a byte: the even-numbered cell in the low nibble, the odd one
 *         in the high nibble (0 = background, 1..ZKBIO_OFIELD_LEVELS), a final unused high
 *         nibble 0 (a view without a field takes 4 bytes, one with a field 4 + ceil(cols * rows
 *         / 2))
 *  then 4 CRC-32 (IEEE 802.3, as zlib's crc32) of every preceding byte
 * Coordinates are pixels at 500 dpi (as zkbio_extract() writes them; export writes them as they
 * are, import sets xres = yres = 197). Not stored: equipment, impression type, ANSI product id
 * (import sets them to 0). Version 1 records (no orientation fields, the CRC right after the
 * minutiae; 18 + 6 * n bytes, at most 1548) are still read. Without fields a version 2 record takes
 * 18 + 6 * n + 4 * view_count bytes, at most 1560. When the fields would take the record past
 * ZKBIO_NATIVE_MAX, export leaves out the field of the last view that still has one (writing 0, 0,
 * 0, 0 for it), then of the one before, until the record fits (a 3-view enrollment of large
 * prints); the minutiae are always written whole. At most 2026 bytes of cells fit (one view, no
 * minutiae), so a 64 x 64 field (2048 bytes) is never written; 64 x 63 (2016) is the largest
 * field a record holds. Import refuses a record longer than ZKBIO_NATIVE_MAX. */

/** Largest native record, bytes. */
#define ZKBIO_NATIVE_MAX 2048
/** Native format version written by this library (readers accept versions up to it). */
#define ZKBIO_NATIVE_VERSION 2

/**
 * Write `t` (one or several views) as a native record of version ZKBIO_NATIVE_VERSION (2), with
 * the orientation field of each view below view_count (fields of views at or above view_count are
 * neither written nor checked; a 0 x 0 field is written 0, 0, 0, 0 whatever its x0 and y0). Since:
 * 0.1 (fields: 0.2) Same buffer contract as zkbio_template_export_iso() (`*len` receives the
 * needed length; ZKBIO_ENOSPC when `size` is too small). The length never exceeds
 * ZKBIO_NATIVE_MAX: fields that would take it past are left out by the budget rule of the
 * "Native format" notes (last views first), so a buffer of ZKBIO_NATIVE_MAX bytes always suffices
 * and the record is deterministic (same template, same bytes). Errors: ZKBIO_EINVAL (NULL t, NULL
 * buf with size > 0, count > ZKBIO_TEMPLATE_MINUTIAE_MAX, a coordinate above
 * ZKBIO_MINUTIA_COORD_MAX, a type above 2, a view >= view_count, view_count above
 * ZKBIO_TEMPLATE_VIEWS_MAX, views not grouped in ascending order, an inconsistent orientation field
 * of a view below view_count: only one of cols and rows 0, cols or rows above
 * ZKBIO_OFIELD_DIM_MAX, x0 + cols or y0 + rows above 255, NULL cells with cols > 0, a cell above
 * ZKBIO_OFIELD_LEVELS), ZKBIO_ENOSPC.
 */
ZKBIO_API int zkbio_template_export_native(const zkbio_template *t, uint8_t *buf, size_t size,
                                           size_t *len);
/**
 * Read a native record of version 1 (no orientation fields) or 2 from `data[0..len)`. Bytes after
 * the record are ignored. Since: 0.1 (version 2: 0.2) *out is caller-owned (zkbio_template_free),
 * written only on ZKBIO_OK, with the orientation fields of a version 2 record (none from version
 * 1); `err` (may be NULL) is filled on failure with the byte offset of the problem. Checked in this
 * order: magic, version, length (for version 2 this walks the field blocks, so it needs the view
 * count, 1..ZKBIO_TEMPLATE_VIEWS_MAX, and each block's cols and rows), CRC, then the header and
 * minutiae fields, then the orientation fields view by view. Export -> import -> export gives
 * identical bytes, and a version 2 record that imports exports again to exactly its own bytes.
 * Errors: ZKBIO_EINVAL (NULL out, NULL data with len > 0), ZKBIO_EPROTO (bad magic, version 0,
 * truncated (offset `len`), a version 2 record whose field blocks take it past ZKBIO_NATIVE_MAX
 * bytes (offset of that view's block), CRC mismatch (offset of the CRC), view count 0 or above
 * ZKBIO_TEMPLATE_VIEWS_MAX (offset 5), reserved byte not 0, a view or type out of range, views out
 * of order (offset of the minutia); in an orientation field block: x0 or y0 not 0 with
 * cols = rows = 0 (offset of the block), only one of cols and rows 0 (offset of the 0 byte), cols
 * or rows above ZKBIO_OFIELD_DIM_MAX (offset of that byte), x0 + cols or y0 + rows above 255
 * (offset of x0 or y0), a cell above ZKBIO_OFIELD_LEVELS or a non-zero final padding nibble (offset
 * of its byte)), ZKBIO_ENOTSUP (a newer format version; checked before the length and CRC, whose
 * layout may change), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_template_import_native(const uint8_t *data, size_t len, zkbio_template **out,
                                           zkbio_error_info *err);
/**
 * Import any record this library reads: native (magic "ZKBT"), ISO 19794-2:2005 or ANSI 378-2004
 * (zkbio_template_import_auto()). Since: 0.1 Same contract and errors as the format's import.
 */
ZKBIO_API int zkbio_template_import_any(const uint8_t *data, size_t len, zkbio_template **out,
                                        zkbio_error_info *err);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_TEMPLATE_H */
