/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: the stages of minutiae extraction (extract.h) and the workspace they share.
 *
 * Frame: the image is already at 500 dpi. Blocks are ZKI_BLK x ZKI_BLK pixels; block (bx, by)
 * covers pixels [bx*ZKI_BLK, bx*ZKI_BLK+ZKI_BLK). Angles are 16-bit binary angles (65536 per turn)
 * counter-clockwise in a y-up frame; ridge orientations are taken modulo half a turn (0..32767). */
#ifndef ZKI_EXTRACT_H
#define ZKI_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/image.h"

#define ZKI_BLK 8

/* Tuning hook: constants read from ZKI_<name> environment variables in tuning builds only. */
#ifdef ZKI_TUNING
#include <stdlib.h>
#define ZKI_TUNE(name, def) (getenv("ZKI_" #name) ? atoi(getenv("ZKI_" #name)) : (def))
#else
#define ZKI_TUNE(name, def) (def)
#endif

typedef struct zki_xmin {
    int32_t x, y;    /* pixels */
    uint16_t angle;  /* 16-bit binary angle, y up */
    uint8_t type;    /* zkbio_minutia_type */
    uint8_t quality; /* 0..100 */
    uint8_t dead;    /* removed by a filter */
} zki_xmin;

typedef struct zki_xws {
    const uint8_t *px; /* 500-dpi pixels, stride w */
    int w, h;          /* pixels */
    int bw, bh;        /* blocks */
    /* per block */
    uint16_t *ori;    /* ridge orientation, 0..32767 */
    uint8_t *coh;     /* orientation coherence, 0..255 */
    uint8_t *fg;      /* foreground mask 0/1 */
    uint32_t *energy; /* gradient energy (mean per pixel) */
    /* per pixel */
    uint8_t *ridge; /* binarised ridges 0/1, then the skeleton */
    int fg_blocks;
    int period; /* ridge period of the enhancement filter, pixels (clamped to the table's range) */
    zki_xmin *min;
    size_t nmin, capmin;
} zki_xws;

/* orient.c: gradients, block orientation and coherence, and the gradient energy. */
int zki_orientation(zki_xws *ws);
/* segment.c: foreground mask from energy and coherence; returns the number of foreground blocks. */
int zki_segment(zki_xws *ws);
/* enhance.c: oriented filtering and binarisation into ws->ridge (foreground only). */
int zki_enhance(zki_xws *ws);
/* thin.c: thin ws->ridge to a one-pixel skeleton. */
int zki_thin(uint8_t *img, int w, int h);
/* minutiae.c: detect, trace and filter minutiae on the skeleton. */
int zki_minutiae(zki_xws *ws);

#endif /* ZKI_EXTRACT_H */
