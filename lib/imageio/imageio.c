/* SPDX-License-Identifier: Apache-2.0 */
/* Image file codecs: PNG through libpng's simplified API, TIFF through libtiff with an in-memory
 * client, BMP and PGM parsed here with bounds checks. A build without libpng or libtiff (meson
 * option imageio=disabled, the Windows cross build: docs/windows.md) reads BMP and PGM only and
 * answers ZKBIO_ENOTSUP for PNG and TIFF. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef ZKBIO_HAVE_PNG
#include <png.h>
#endif
#ifdef ZKBIO_HAVE_TIFF
#include <tiffio.h>
#endif

#include "zkbio/imageio.h"

#define MAX_FILE_BYTES ((size_t)256 << 20)

static int dims_ok(uint64_t w, uint64_t h)
{
    return w >= ZKBIO_IMAGE_DIM_MIN && w <= ZKBIO_IMAGE_DIM_MAX && h >= ZKBIO_IMAGE_DIM_MIN &&
           h <= ZKBIO_IMAGE_DIM_MAX;
}

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Pixels per metre to dpi, rounded; 0 when absent or unreasonable. */
static uint32_t ppm_to_dpi(uint32_t ppm)
{
    return (uint32_t)(((uint64_t)ppm * 254 + 5000) / 10000);
}

static uint8_t grey_of(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((r * 299 + g * 587 + b * 114 + 500) / 1000);
}

static int pick_dpi(uint32_t file_dpi, uint16_t default_dpi, uint16_t *dpi)
{
    if (file_dpi == 0) {
        *dpi = default_dpi;
        return ZKBIO_OK;
    }
    if (file_dpi < ZKBIO_IMAGE_DPI_MIN || file_dpi > ZKBIO_IMAGE_DPI_MAX)
        return ZKBIO_ERANGE;
    *dpi = (uint16_t)file_dpi;
    return ZKBIO_OK;
}

/* ---- PGM (P5) ---- */

static int pgm_number(const uint8_t *d, size_t len, size_t *pos, uint32_t *v)
{
    for (;;) {
        while (*pos < len && (d[*pos] == ' ' || d[*pos] == '\t' || d[*pos] == '\n' ||
                              d[*pos] == '\r' || d[*pos] == '\v' || d[*pos] == '\f'))
            (*pos)++;
        if (*pos < len && d[*pos] == '#') {
            while (*pos < len && d[*pos] != '\n')
                (*pos)++;
            continue;
        }
        break;
    }
    if (*pos >= len || d[*pos] < '0' || d[*pos] > '9')
        return ZKBIO_EPROTO;
    uint64_t n = 0;
    while (*pos < len && d[*pos] >= '0' && d[*pos] <= '9') {
        n = n * 10 + (uint64_t)(d[*pos] - '0');
        if (n > 0xffffffffu)
            return ZKBIO_ERANGE;
        (*pos)++;
    }
    *v = (uint32_t)n;
    return ZKBIO_OK;
}

static int load_pgm(const uint8_t *d, size_t len, uint16_t dpi, zkbio_image **out)
{
    size_t pos = 2;
    uint32_t w, h, maxval;
    int rc;
    if ((rc = pgm_number(d, len, &pos, &w)) != ZKBIO_OK ||
        (rc = pgm_number(d, len, &pos, &h)) != ZKBIO_OK ||
        (rc = pgm_number(d, len, &pos, &maxval)) != ZKBIO_OK)
        return rc;
    if (pos >= len)
        return ZKBIO_EPROTO;
    pos++; /* the single whitespace byte after maxval */
    if (maxval != 255)
        return maxval == 0 || maxval > 65535 ? ZKBIO_EPROTO : ZKBIO_ENOTSUP;
    if (!dims_ok(w, h))
        return ZKBIO_ERANGE;
    if (len - pos < (size_t)w * h)
        return ZKBIO_EPROTO;
    return zkbio_image_from_buffer(d + pos, w, h, w, dpi, out);
}

/* ---- BMP (8-bit palette, 24-bit; uncompressed) ---- */

static int load_bmp(const uint8_t *d, size_t len, uint16_t default_dpi, zkbio_image **out)
{
    if (len < 54)
        return ZKBIO_EPROTO;
    uint32_t off = rd32le(d + 10), dib = rd32le(d + 14);
    if (dib < 40 || dib > len - 14)
        return ZKBIO_EPROTO;
    int32_t w = (int32_t)rd32le(d + 18), hs = (int32_t)rd32le(d + 22);
    unsigned planes = d[26] | (unsigned)d[27] << 8, bpp = d[28] | (unsigned)d[29] << 8;
    uint32_t comp = rd32le(d + 30), xppm = rd32le(d + 38), ncolors = rd32le(d + 46);
    if (planes != 1)
        return ZKBIO_EPROTO;
    if (comp != 0 || (bpp != 8 && bpp != 24))
        return ZKBIO_ENOTSUP;
    if (w <= 0 || hs == 0 || hs == INT32_MIN)
        return ZKBIO_EPROTO;
    uint32_t h = (uint32_t)(hs < 0 ? -hs : hs);
    if (!dims_ok((uint32_t)w, h))
        return ZKBIO_ERANGE;
    uint16_t dpi;
    int rc = pick_dpi(xppm ? ppm_to_dpi(xppm) : 0, default_dpi, &dpi);
    if (rc != ZKBIO_OK)
        return rc;
    uint8_t pal[256];
    if (bpp == 8) {
        if (ncolors == 0)
            ncolors = 256;
        if (ncolors > 256)
            return ZKBIO_EPROTO;
        size_t pstart = 14 + (size_t)dib;
        if (len - pstart < (size_t)ncolors * 4)
            return ZKBIO_EPROTO;
        memset(pal, 0, sizeof(pal));
        for (uint32_t i = 0; i < ncolors; i++) {
            const uint8_t *e = d + pstart + (size_t)i * 4;
            pal[i] = grey_of(e[2], e[1], e[0]);
        }
    }
    size_t row = (((size_t)w * bpp + 31) / 32) * 4;
    if (off > len || (len - off) / row < h)
        return ZKBIO_EPROTO;
    zkbio_image *img = NULL;
    rc = zkbio_image_new((uint32_t)w, h, dpi, &img);
    if (rc != ZKBIO_OK)
        return rc;
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *src = d + off + (size_t)(hs > 0 ? h - 1 - y : y) * row;
        uint8_t *dst = img->pixels + (size_t)y * img->stride;
        for (uint32_t x = 0; x < (uint32_t)w; x++)
            dst[x] = bpp == 8 ? pal[src[x]] : grey_of(src[3 * x + 2], src[3 * x + 1], src[3 * x]);
    }
    *out = img;
    return ZKBIO_OK;
}

#ifdef ZKBIO_HAVE_PNG
/* ---- PNG ---- */

static uint32_t rd32be(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/* The pHYs chunk, found by walking the chunk list with bounds checks; 0 when absent. */
static uint32_t png_dpi(const uint8_t *d, size_t len)
{
    size_t pos = 8;
    while (len - pos >= 12) {
        uint32_t n = rd32be(d + pos);
        if (n > len - pos - 12)
            return 0;
        if (memcmp(d + pos + 4, "pHYs", 4) == 0 && n == 9 && d[pos + 16] == 1)
            return ppm_to_dpi(rd32be(d + pos + 8));
        if (memcmp(d + pos + 4, "IDAT", 4) == 0 || memcmp(d + pos + 4, "IEND", 4) == 0)
            return 0;
        pos += 12 + (size_t)n;
    }
    return 0;
}

static int load_png(const uint8_t *d, size_t len, uint16_t default_dpi, zkbio_image **out)
{
    png_image pi;
    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, d, len))
        return ZKBIO_EPROTO;
    if (!dims_ok(pi.width, pi.height)) {
        png_image_free(&pi);
        return ZKBIO_ERANGE;
    }
    uint16_t dpi;
    int rc = pick_dpi(png_dpi(d, len), default_dpi, &dpi);
    if (rc != ZKBIO_OK) {
        png_image_free(&pi);
        return rc;
    }
    zkbio_image *img = NULL;
    rc = zkbio_image_new(pi.width, pi.height, dpi, &img);
    if (rc != ZKBIO_OK) {
        png_image_free(&pi);
        return rc;
    }
    pi.format = PNG_FORMAT_GRAY;
    png_color bg = {255, 255, 255};
    if (!png_image_finish_read(&pi, &bg, img->pixels, (png_int_32)img->stride, NULL)) {
        png_image_free(&pi);
        zkbio_image_free(img);
        return ZKBIO_EPROTO;
    }
    *out = img;
    return ZKBIO_OK;
}
#else
static int load_png(const uint8_t *d, size_t len, uint16_t default_dpi, zkbio_image **out)
{
    (void)d, (void)len, (void)default_dpi, (void)out;
    return ZKBIO_ENOTSUP; /* built without libpng */
}
#endif

#ifdef ZKBIO_HAVE_TIFF
/* ---- TIFF ---- */

struct memfile {
    const uint8_t *data;
    size_t len, pos;
};

static tmsize_t mf_read(thandle_t h, void *buf, tmsize_t n)
{
    struct memfile *m = h;
    if (n <= 0)
        return 0;
    size_t left = m->len - m->pos, k = (size_t)n < left ? (size_t)n : left;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (tmsize_t)k;
}

static tmsize_t mf_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h;
    (void)buf;
    (void)n;
    return -1;
}

static toff_t mf_seek(thandle_t h, toff_t off, int whence)
{
    struct memfile *m = h;
    uint64_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->len : 0;
    uint64_t p = base + off;
    if (p > m->len)
        p = m->len;
    m->pos = (size_t)p;
    return (toff_t)p;
}

static int mf_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t mf_size(thandle_t h)
{
    return ((struct memfile *)h)->len;
}

static int mf_map(thandle_t h, void **base, toff_t *size)
{
    (void)h;
    (void)base;
    (void)size;
    return 0;
}

static void mf_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h;
    (void)base;
    (void)size;
}

static int load_tiff(const uint8_t *d, size_t len, uint16_t default_dpi, zkbio_image **out)
{
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
    struct memfile m = {d, len, 0};
    TIFF *tif = TIFFClientOpen("mem", "rm", &m, mf_read, mf_write, mf_seek, mf_close, mf_size,
                               mf_map, mf_unmap);
    if (!tif)
        return ZKBIO_EPROTO;
    uint32_t w = 0, h = 0;
    int rc = ZKBIO_OK;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h))
        rc = ZKBIO_EPROTO;
    else if (!dims_ok(w, h))
        rc = ZKBIO_ERANGE;
    uint16_t dpi = default_dpi;
    if (rc == ZKBIO_OK) {
        float xres = 0;
        uint16_t unit = RESUNIT_INCH;
        uint32_t file_dpi = 0;
        if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && xres > 0 && xres < 1e6f) {
            TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
            if (unit == RESUNIT_INCH)
                file_dpi = (uint32_t)(xres + 0.5f);
            else if (unit == RESUNIT_CENTIMETER)
                file_dpi = (uint32_t)(xres * 2.54f + 0.5f);
        }
        rc = pick_dpi(file_dpi, default_dpi, &dpi);
    }
    zkbio_image *img = NULL;
    uint32_t *raster = NULL;
    if (rc == ZKBIO_OK) {
        raster = malloc((size_t)w * h * sizeof(uint32_t));
        rc = raster ? zkbio_image_new(w, h, dpi, &img) : ZKBIO_ENOMEM;
    }
    if (rc == ZKBIO_OK) {
        if (!TIFFReadRGBAImageOriented(tif, w, h, raster, ORIENTATION_TOPLEFT, 0)) {
            rc = ZKBIO_EPROTO;
        } else {
            for (size_t i = 0; i < (size_t)w * h; i++) {
                uint32_t p = raster[i];
                img->pixels[i] = grey_of(TIFFGetR(p), TIFFGetG(p), TIFFGetB(p));
            }
        }
    }
    free(raster);
    TIFFClose(tif);
    if (rc != ZKBIO_OK) {
        zkbio_image_free(img);
        return rc;
    }
    *out = img;
    return ZKBIO_OK;
}
#else
static int load_tiff(const uint8_t *d, size_t len, uint16_t default_dpi, zkbio_image **out)
{
    (void)d, (void)len, (void)default_dpi, (void)out;
    return ZKBIO_ENOTSUP; /* built without libtiff */
}
#endif

ZKBIO_API int zkbio_image_load_mem(const uint8_t *data, size_t len, uint16_t default_dpi,
                                   zkbio_image **out)
{
    if ((!data && len) || !out || default_dpi < ZKBIO_IMAGE_DPI_MIN ||
        default_dpi > ZKBIO_IMAGE_DPI_MAX)
        return ZKBIO_EINVAL;
    if (len < 8)
        return len >= 2 && data[0] == 'P' && data[1] == '5' ? ZKBIO_EPROTO : ZKBIO_ENOTSUP;
    if (memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        return load_png(data, len, default_dpi, out);
    if (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0)
        return load_tiff(data, len, default_dpi, out);
    if (data[0] == 'B' && data[1] == 'M')
        return load_bmp(data, len, default_dpi, out);
    if (data[0] == 'P' && data[1] == '5')
        return load_pgm(data, len, default_dpi, out);
    return ZKBIO_ENOTSUP;
}

ZKBIO_API int zkbio_image_load(const char *path, uint16_t default_dpi, zkbio_image **out)
{
    if (!path || !out)
        return ZKBIO_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ZKBIO_EIO;
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    int rc = buf ? ZKBIO_OK : ZKBIO_ENOMEM;
    while (rc == ZKBIO_OK) {
        if (len == cap) {
            if (cap >= MAX_FILE_BYTES) {
                rc = ZKBIO_ERANGE;
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = ZKBIO_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                rc = ZKBIO_EIO;
            break;
        }
    }
    fclose(f);
    if (rc == ZKBIO_OK)
        rc = zkbio_image_load_mem(buf, len, default_dpi, out);
    free(buf);
    return rc;
}

static int img_ok(const zkbio_image *img)
{
    return img && img->pixels && dims_ok(img->width, img->height) && img->stride >= img->width;
}

ZKBIO_API int zkbio_image_save_png(const zkbio_image *img, const char *path)
{
    if (!img_ok(img) || !path)
        return ZKBIO_EINVAL;
#ifndef ZKBIO_HAVE_PNG
    return ZKBIO_ENOTSUP; /* built without libpng */
#else
    png_image pi;
    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    pi.width = img->width;
    pi.height = img->height;
    pi.format = PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&pi, path, 0, img->pixels, (png_int_32)img->stride, NULL)) {
        png_image_free(&pi);
        return ZKBIO_EIO;
    }
    return ZKBIO_OK;
#endif
}

ZKBIO_API int zkbio_image_save_pgm(const zkbio_image *img, const char *path)
{
    if (!img_ok(img) || !path)
        return ZKBIO_EINVAL;
    FILE *f = fopen(path, "wb");
    if (!f)
        return ZKBIO_EIO;
    int ok = fprintf(f, "P5\n%u %u\n255\n", (unsigned)img->width, (unsigned)img->height) > 0;
    for (uint32_t y = 0; ok && y < img->height; y++)
        ok = fwrite(img->pixels + (size_t)y * img->stride, 1, img->width, f) == img->width;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? ZKBIO_OK : ZKBIO_EIO;
}
