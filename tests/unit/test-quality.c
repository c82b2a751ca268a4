/* SPDX-License-Identifier: Apache-2.0 */
/* The capture quality check (quality.h): names and messages; argument errors; the report of
 * zkbio_extract_report() matches zkbio_extract()'s template and info byte for byte and is
 * deterministic; and on synthetic degradations of FVC images of tests/data (argv[1]) the
 * reason names the degradation: lightened, broken ridges -> too_dry; darkened, blurred -> too_wet;
 * a crop -> too_small; the print shifted into a corner -> off_centre; a directional blur ->
 * moved; the clean image -> none. Prints the confusion of reasons over the synthetic set (rows:
 * the degradation made; columns: the reason reported). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/extract.h"
#include "zkbio/imageio.h"
#include "zkbio/quality.h"

enum { CLEAN, DRY, WET, SMALL, OFFC, MOVED, NKIND };
static const char *const kind_name[NKIND] = {"clean", "dry", "wet", "small", "off-centre", "moved"};
static const int kind_want[NKIND] = {ZKBIO_RETAKE_NONE,       ZKBIO_RETAKE_TOO_DRY,
                                     ZKBIO_RETAKE_TOO_WET,    ZKBIO_RETAKE_TOO_SMALL,
                                     ZKBIO_RETAKE_OFF_CENTRE, ZKBIO_RETAKE_MOVED};

static uint32_t hash(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    return x ^ (x >> 16);
}

/* Mean grey of the image's border rows and columns: the sensor's background. */
static uint8_t border_grey(const zkbio_image *im)
{
    uint64_t s = 0, n = 0;
    for (uint32_t x = 0; x < im->width; x++) {
        s += im->pixels[x] + im->pixels[(size_t)(im->height - 1) * im->stride + x];
        n += 2;
    }
    return (uint8_t)(s / n);
}

/* A degraded copy of `in` (kind), or NULL. */
static zkbio_image *degrade(const zkbio_image *in, int kind)
{
    const uint32_t w = in->width, h = in->height;
    zkbio_image *out = NULL;
    if (kind == SMALL) { /* a 110 x 110 px window around the print's middle */
        const uint32_t cw = 110, ch = 110;
        if (zkbio_image_from_buffer(in->pixels + (size_t)(h - ch) / 2 * in->stride + (w - cw) / 2,
                                    cw, ch, in->stride, in->dpi, &out) != ZKBIO_OK)
            return NULL;
        return out;
    }
    if (zkbio_image_new(w, h, in->dpi, &out) != ZKBIO_OK)
        return NULL;
    const uint8_t bg = border_grey(in);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *row = in->pixels + (size_t)y * in->stride;
            int p = row[x];
            switch (kind) {
            case DRY: { /* lighter ridges, broken every few pixels by white gaps */
                p = 255 - (255 - p) / 2;
                uint32_t cell = hash((y / 5) * 4099u + x / 5);
                if (cell % 100 < 35)
                    p = 255 - (255 - p) / 5;
                break;
            }
            case WET: { /* inside the print: a 5 x 5 blur blended in, darkened: valleys fill */
                int s = 0, n = 0, ls = 0, ln = 0;
                for (int dy = -7; dy <= 7; dy++)
                    for (int dx = -7; dx <= 7; dx++) {
                        int yy = (int)y + dy, xx = (int)x + dx;
                        if (yy < 0 || xx < 0 || yy >= (int)h || xx >= (int)w)
                            continue;
                        int q = in->pixels[(size_t)yy * in->stride + xx];
                        ls += q;
                        ln++;
                        if (dy >= -2 && dy <= 2 && dx >= -2 && dx <= 2) {
                            s += q;
                            n++;
                        }
                    }
                if (ls / ln < bg - 15)
                    p = (p + 2 * (s / n)) / 3 * 3 / 5;
                break;
            }
            case OFFC: { /* shifted down-right by half the frame, background elsewhere */
                int sx = (int)x - (int)w * 2 / 5, sy = (int)y - (int)h * 2 / 5;
                p = sx >= 0 && sy >= 0 ? in->pixels[(size_t)sy * in->stride + sx] : bg;
                break;
            }
            case MOVED: { /* motion blur over 9 px along a 30-degree line */
                static const int mx[9] = {-4, -3, -2, -1, 0, 1, 2, 3, 4};
                static const int my[9] = {-2, -2, -1, -1, 0, 1, 1, 2, 2};
                int s = 0, n = 0;
                for (int k = 0; k < 9; k++) {
                    int yy = (int)y + my[k], xx = (int)x + mx[k];
                    if (yy < 0 || xx < 0 || yy >= (int)h || xx >= (int)w)
                        continue;
                    s += in->pixels[(size_t)yy * in->stride + xx];
                    n++;
                }
                p = s / n;
                break;
            }
            default:
                break;
            }
            out->pixels[(size_t)y * w + x] = (uint8_t)p;
        }
    return out;
}

static void names(void)
{
    CHECK_EQ_INT((int)sizeof(zkbio_capture_report), 24);
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_NONE), "none");
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_TOO_DRY), "too_dry");
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_TOO_WET), "too_wet");
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_TOO_SMALL), "too_small");
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_OFF_CENTRE), "off_centre");
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_MOVED), "moved");
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_LOW_CONTRAST), "low_contrast");
    CHECK_STR(zkbio_retake_name(ZKBIO_RETAKE_NO_FINGER), "no_finger");
    CHECK_STR(zkbio_retake_name(99), "unknown");
    CHECK_STR(zkbio_retake_name(-1), "unknown");
    for (int r = -1; r <= 8; r++)
        CHECK(zkbio_retake_message(r) != NULL && zkbio_retake_message(r)[0] != '\0');
}

static void blank_and_errors(void)
{
    zkbio_image *img = NULL;
    zkbio_template *t = NULL;
    zkbio_capture_report rep;
    memset(&rep, 0, sizeof(rep));
    rep.size = 4;
    CHECK(zkbio_image_new(300, 300, 500, &img) == ZKBIO_OK);
    CHECK_EQ_INT(zkbio_extract_report(img, &t, NULL, &rep), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_extract_report(NULL, &t, NULL, NULL), ZKBIO_EINVAL);
    rep.size = sizeof(rep);
    CHECK_EQ_INT(zkbio_extract_report(img, &t, NULL, &rep), ZKBIO_ELOWQUALITY);
    CHECK_EQ_INT(rep.retake, ZKBIO_RETAKE_NO_FINGER);
    CHECK_EQ_INT(rep.size, (int)sizeof(rep));
    /* an older caller's shorter struct: only its bytes are written */
    uint8_t buf[sizeof(zkbio_capture_report) + 8];
    memset(buf, 0xab, sizeof(buf));
    zkbio_capture_report *small = (zkbio_capture_report *)(void *)buf;
    small->size = 8;
    CHECK_EQ_INT(zkbio_extract_report(img, &t, NULL, small), ZKBIO_ELOWQUALITY);
    CHECK_EQ_INT(small->size, 8);
    CHECK_EQ_INT(small->retake, ZKBIO_RETAKE_NO_FINGER);
    CHECK_EQ_INT(buf[8], 0xab);
    CHECK_EQ_INT(buf[sizeof(buf) - 1], 0xab);
    zkbio_image_free(img);
}

/* The report's template and info are zkbio_extract()'s; two runs give the same report. */
static void same_as_extract(const zkbio_image *img)
{
    zkbio_template *a = NULL, *b = NULL;
    zkbio_extract_info ia, ib;
    zkbio_capture_report r1, r2;
    memset(&ia, 0, sizeof(ia));
    memset(&ib, 0, sizeof(ib));
    memset(&r1, 0, sizeof(r1));
    memset(&r2, 0xcd, sizeof(r2));
    r1.size = r2.size = sizeof(r1);
    CHECK_EQ_INT(zkbio_extract(img, &a, &ia), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_extract_report(img, &b, &ib, &r1), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_extract_report(img, NULL, NULL, &r2), ZKBIO_EINVAL);
    zkbio_template *c = NULL;
    CHECK_EQ_INT(zkbio_extract_report(img, &c, NULL, &r2), ZKBIO_OK);
    CHECK(ia.quality == ib.quality && ia.reason == ib.reason && ia.foreground == ib.foreground &&
          ia.minutiae == ib.minutiae);
    CHECK(memcmp(&r1, &r2, sizeof(r1)) == 0);
    if (a && b) {
        CHECK_EQ_INT((int)a->count, (int)b->count);
        CHECK(memcmp(a->minutiae, b->minutiae, a->count * sizeof(a->minutiae[0])) == 0);
    }
    zkbio_template_free(a);
    zkbio_template_free(b);
    zkbio_template_free(c);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test-quality TESTDATA_DIR\n");
        return 2;
    }
    names();
    blank_and_errors();
    static const char *const files[] = {
        "fvc/FVC2002_DB1_B/101_1.tif", "fvc/FVC2002_DB1_B/102_1.tif", "fvc/FVC2002_DB1_B/104_1.tif",
        "fvc/FVC2002_DB1_B/106_1.tif", "fvc/FVC2004_DB1_B/101_1.tif", "fvc/FVC2004_DB1_B/102_1.tif",
    };
    const int nf = (int)(sizeof(files) / sizeof(files[0]));
    int confusion[NKIND][8];
    memset(confusion, 0, sizeof(confusion));
    int verbose = getenv("ZKBIO_TEST_VERBOSE") != NULL;
    for (int f = 0; f < nf; f++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", argv[1], files[f]);
        zkbio_image *img = NULL;
        if (zkbio_image_load(path, 500, &img) != ZKBIO_OK) {
            TEST_FAIL_("%s: cannot load", path);
            continue;
        }
        if (f == 0)
            same_as_extract(img);
        for (int k = 0; k < NKIND; k++) {
            zkbio_image *d = k == CLEAN ? img : degrade(img, k);
            if (!d) {
                TEST_FAIL_("%s: cannot degrade (%s)", path, kind_name[k]);
                continue;
            }
            zkbio_template *t = NULL;
            zkbio_extract_info info;
            zkbio_capture_report rep;
            memset(&rep, 0, sizeof(rep));
            rep.size = sizeof(rep);
            int rc = zkbio_extract_report(d, &t, &info, &rep);
            CHECK(rc == ZKBIO_OK || rc == ZKBIO_ELOWQUALITY);
            CHECK(rc == ZKBIO_OK || rep.retake != ZKBIO_RETAKE_NONE);
            CHECK(rep.retake == ZKBIO_RETAKE_NONE || (rep.reasons & (1u << rep.retake)) ||
                  rc == ZKBIO_ELOWQUALITY || rep.quality < ZKBIO_CAPTURE_QUALITY_RETAKE);
            confusion[k][rep.retake < 8 ? rep.retake : 0]++;
            if (k == SMALL || k == OFFC) /* geometry: never missed */
                CHECK_MSG(rep.retake == kind_want[k], "%s %s: retake %s, want %s", files[f],
                          kind_name[k], zkbio_retake_name(rep.retake),
                          zkbio_retake_name(kind_want[k]));
            if (k != CLEAN) /* a degraded capture is never passed as fine */
                CHECK_MSG(rep.retake != ZKBIO_RETAKE_NONE || k == WET || k == MOVED,
                          "%s %s: passed", files[f], kind_name[k]);
            if (verbose || rep.retake != kind_want[k])
                fprintf(stderr,
                        "  %-28s %-10s rc %d q %3u/%3u retake %-12s reasons %03x dry %3u wet %3u "
                        "con %3u smear %3u edge %3u off %+d,%+d fg %u\n",
                        files[f], kind_name[k], rc, info.quality, rep.quality,
                        zkbio_retake_name(rep.retake), rep.reasons, rep.dryness, rep.wetness,
                        rep.contrast, rep.smear, rep.edge_cut, rep.offset_x, rep.offset_y,
                        rep.foreground);
            zkbio_template_free(t);
            if (d != img)
                zkbio_image_free(d);
        }
        zkbio_image_free(img);
    }
    printf("confusion (rows: degradation; columns: reason reported)\n%-11s", "");
    for (int r = 0; r < 8; r++)
        printf(" %5.5s", zkbio_retake_name(r));
    printf("\n");
    for (int k = 0; k < NKIND; k++) {
        printf("%-11s", kind_name[k]);
        for (int r = 0; r < 8; r++)
            printf(" %5d", confusion[k][r]);
        printf("\n");
    }
    /* the photometric and motion signals are heuristics: most, not all, of each kind */
    for (int k = 0; k < NKIND; k++)
        CHECK_MSG(confusion[k][kind_want[k]] * 3 >= nf * 2, "%s: %d of %d named %s", kind_name[k],
                  confusion[k][kind_want[k]], nf, zkbio_retake_name(kind_want[k]));
    return TEST_DONE();
}
