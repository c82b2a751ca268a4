/* SPDX-License-Identifier: Apache-2.0 */
/* ANSI INCITS 378-2004 minutiae records and ISO/ANSI detection (fingerprint.md §4.2). The record
 * codec itself is shared with ISO 19794-2:2005 in iso19794_2.c. */

#include "fp/formats/zki_fmr.h"
#include "internal/bytes.h"

int zkbio_template_import_ansi(const uint8_t *data, size_t len, zkbio_template **out,
                               zkbio_error_info *err)
{
    return zki_fmr_import(data, len, true, out, err);
}

int zkbio_template_export_ansi(const zkbio_template *t, uint8_t *buf, size_t size, size_t *len)
{
    return zki_fmr_export(t, true, buf, size, len);
}

int zkbio_template_import_auto(const uint8_t *data, size_t len, zkbio_template **out,
                               zkbio_error_info *err)
{
    bool ansi = false;
    /* §4.2 heuristic: bytes 8-9 >= 26 -> ANSI 2-byte length; 1..25 -> ISO (the high half of a
     * 4-byte length); 0 -> bytes 10-11 >= 24 -> ISO, else ANSI 6-byte length form. Too short to
     * tell: ISO, which then reports the truncation. */
    if (data && len >= 12) {
        uint16_t hi = zki_be16(data + 8);
        if (hi >= 26)
            ansi = true;
        else if (hi == 0)
            ansi = zki_be16(data + 10) < 24;
    }
    return zki_fmr_import(data, len, ansi, out, err);
}
