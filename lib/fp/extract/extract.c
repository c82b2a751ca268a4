/* SPDX-License-Identifier: Apache-2.0 */
/* zkbio_extract(): normalise to 500 dpi, run the stages of zki_extract.h, rate the image, and
 * build the template. */
#include <stdlib.h>
#include <string.h>

#include "fp/extract/zki_extract.h"
#include "zkbio/extract.h"

const char *zkbio_unusable_name(int reason)
{
    switch (reason) {
    case ZKBIO_USABLE:
        return "usable";
    case ZKBIO_UNUSABLE_BLANK:
        return "blank";
    case ZKBIO_UNUSABLE_SMALL_AREA:
        return "small area";
    case ZKBIO_UNUSABLE_FEW_MINUTIAE:
        return "few minutiae";
    default:
        return "unknown";
    }
}

static int cmp_quality(const void *pa, const void *pb)
{
    const zki_xmin *a = pa, *b = pb;
    if (a->quality != b->quality)
        return a->quality > b->quality ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    return a->x < b->x ? -1 : a->x > b->x;
}

static void ws_free(zki_xws *ws)
{
    free(ws->ori);
    free(ws->coh);
    free(ws->fg);
    free(ws->energy);
    free(ws->ridge);
    free(ws->min);
}

/* Image quality 0..100: mean coherence of the foreground (how clear the ridges are), scaled by
 * how much of a typical 12 x 15 mm (236 x 295 px) contact area is present, and by the minutiae
 * count up to 30. */
static uint8_t rate(const zki_xws *ws, uint32_t area, size_t nmin)
{
    uint64_t coh = 0;
    size_t n = 0;
    for (size_t i = 0; i < (size_t)ws->bw * ws->bh; i++)
        if (ws->fg[i]) {
            coh += ws->coh[i];
            n++;
        }
    if (!n)
        return 0;
    uint64_t q = coh * 100 / (n * 255) * 2; /* mean coherence ~0.5 is already good */
    if (q > 100)
        q = 100;
    uint64_t full = 236 * 295;
    if (area < full)
        q = q * area / full;
    if (nmin < 30)
        q = q * nmin / 30;
    return (uint8_t)q;
}

int zkbio_extract(const zkbio_image *img, zkbio_template **out, zkbio_extract_info *info)
{
    if (!img || !out || !img->pixels)
        return ZKBIO_EINVAL;
    if (img->width < ZKBIO_IMAGE_DIM_MIN || img->height < ZKBIO_IMAGE_DIM_MIN ||
        img->width > ZKBIO_IMAGE_DIM_MAX || img->height > ZKBIO_IMAGE_DIM_MAX ||
        img->stride < img->width || img->dpi < ZKBIO_IMAGE_DPI_MIN ||
        img->dpi > ZKBIO_IMAGE_DPI_MAX)
        return ZKBIO_ERANGE;

    zkbio_image *norm = NULL;
    int rc = img->dpi == ZKBIO_IMAGE_DPI_NORMAL && img->stride == img->width
                 ? ZKBIO_OK
                 : zkbio_image_resample(img, ZKBIO_IMAGE_DPI_NORMAL, &norm);
    if (rc)
        return rc;
    const zkbio_image *im = norm ? norm : img;

    zki_xws ws;
    memset(&ws, 0, sizeof(ws));
    ws.px = im->pixels;
    ws.w = (int)im->width;
    ws.h = (int)im->height;
    ws.bw = (ws.w + ZKI_BLK - 1) / ZKI_BLK;
    ws.bh = (ws.h + ZKI_BLK - 1) / ZKI_BLK;
    ws.period = 8;
#ifdef ZKI_TUNING
    if (getenv("ZKI_PERIOD"))
        ws.period = atoi(getenv("ZKI_PERIOD"));
#endif
    size_t nb = (size_t)ws.bw * ws.bh;
    ws.ori = malloc(nb * sizeof(*ws.ori));
    ws.coh = malloc(nb);
    ws.fg = malloc(nb);
    ws.energy = malloc(nb * sizeof(*ws.energy));
    ws.ridge = malloc((size_t)ws.w * ws.h);
    zkbio_extract_info inf = {0, ZKBIO_USABLE, 0, 0};
    zkbio_template *t = NULL;
    if (!ws.ori || !ws.coh || !ws.fg || !ws.energy || !ws.ridge) {
        rc = ZKBIO_ENOMEM;
        goto done;
    }
    if ((rc = zki_orientation(&ws)) != ZKBIO_OK)
        goto done;
    rc = zki_segment(&ws);
    if (rc < 0)
        goto done;
    inf.foreground = (uint32_t)rc * ZKI_BLK * ZKI_BLK;
    rc = ZKBIO_OK;
    if (inf.foreground < ZKBIO_EXTRACT_AREA_MIN / 4) { /* a few specks of texture: nothing there */
        inf.reason = ZKBIO_UNUSABLE_BLANK;
        rc = ZKBIO_ELOWQUALITY;
        goto done;
    }
    if (inf.foreground < ZKBIO_EXTRACT_AREA_MIN) {
        inf.reason = ZKBIO_UNUSABLE_SMALL_AREA;
        rc = ZKBIO_ELOWQUALITY;
        goto done;
    }
    if ((rc = zki_enhance(&ws)) != ZKBIO_OK || (rc = zki_thin(ws.ridge, ws.w, ws.h)) != ZKBIO_OK ||
        (rc = zki_minutiae(&ws)) != ZKBIO_OK)
        goto done;
    inf.minutiae = (uint32_t)ws.nmin;
    inf.quality = rate(&ws, inf.foreground, ws.nmin);
    if (ws.nmin < ZKBIO_EXTRACT_MINUTIAE_MIN) {
        inf.reason = ZKBIO_UNUSABLE_FEW_MINUTIAE;
        rc = ZKBIO_ELOWQUALITY;
        goto done;
    }
    qsort(ws.min, ws.nmin, sizeof(*ws.min), cmp_quality);
    size_t n = ws.nmin > ZKBIO_EXTRACT_MINUTIAE_MAX ? ZKBIO_EXTRACT_MINUTIAE_MAX : ws.nmin;
    if ((rc = zkbio_template_new(n, &t)) != ZKBIO_OK)
        goto done;
    t->width = (uint16_t)ws.w;
    t->height = (uint16_t)ws.h;
    t->xres = t->yres = 197;
    t->finger_quality = inf.quality;
    t->view_count = 1;
    for (size_t i = 0; i < n; i++) {
        const zki_xmin *m = &ws.min[i];
        t->minutiae[i].x = (uint16_t)m->x;
        t->minutiae[i].y = (uint16_t)m->y;
        t->minutiae[i].angle = (uint8_t)((m->angle + 128) >> 8);
        t->minutiae[i].type = m->type;
        t->minutiae[i].quality = m->quality;
        t->minutiae[i].view = 0;
    }
    *out = t;
done:
    if (info && (rc == ZKBIO_OK || rc == ZKBIO_ELOWQUALITY))
        *info = inf;
    ws_free(&ws);
    zkbio_image_free(norm);
    return rc;
}
