/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio extract`, `zkbio match`, `zkbio merge` and `zkbio identify`: the fingerprint engine of
 * libzkbio on image and template files, and the template loading that `zkbio bench speed` and the
 * reader commands share. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zkbio/error.h"
#include "zkbio/extract.h"
#include "zkbio/gallery.h"
#include "zkbio/imageio.h"
#include "zkbio/match.h"
#include "zkbio/merge.h"
#include "zkbio/quality.h"
#include "zkbio/template.h"

#include "engine_cmds.h"
#include "util.h"

/* ---------------------------------------------------------------------------------------------- */
/* template and image files */
/* ---------------------------------------------------------------------------------------------- */

static int has_record_magic(const uint8_t *data, size_t len)
{
    return len >= 4 && (memcmp(data, "ZKBT", 4) == 0 || memcmp(data, "FMR\0", 4) == 0);
}

/* base64 text (with optional whitespace) short enough to hold a template */
static int looks_base64(const uint8_t *data, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (isspace(c))
            continue;
        if (!(isalnum(c) || c == '+' || c == '/' || c == '='))
            return 0;
        chars++;
    }
    /* the base64 of a record of at most 64 KiB */
    return chars >= 8 && chars <= 4 * ((65536 + 2) / 3);
}

int engine_import_template(const uint8_t *data, size_t len, zkbio_template **out,
                           zkbio_error_info *err)
{
    if (has_record_magic(data, len))
        return zkbio_template_import_any(data, len, out, err);
    if (!looks_base64(data, len))
        return ZKBIO_ENOTSUP;
    uint8_t *raw = malloc(len);
    if (!raw)
        return ZKBIO_ENOMEM;
    size_t n = 0;
    int rc = zkbio_base64_decode((const char *)data, len, raw, len, &n);
    if (rc == ZKBIO_OK)
        rc = has_record_magic(raw, n) ? zkbio_template_import_any(raw, n, out, err) : ZKBIO_ENOTSUP;
    else
        rc = ZKBIO_ENOTSUP; /* base64-looking text that is not base64: not ours */
    free(raw);
    return rc;
}

int engine_is_template(const uint8_t *data, size_t len)
{
    if (has_record_magic(data, len))
        return 1;
    if (!looks_base64(data, len))
        return 0;
    uint8_t head[8];
    size_t n = 0;
    /* decode only what is needed to see the magic: the first 8 significant characters */
    char first[9];
    size_t k = 0;
    for (size_t i = 0; i < len && k < 8; i++)
        if (!isspace(data[i]))
            first[k++] = (char)data[i];
    first[k] = 0;
    if (zkbio_base64_decode(first, k, head, sizeof(head), &n) != ZKBIO_OK)
        return 0;
    return has_record_magic(head, n);
}

static void msgf(char *msg, size_t size, const char *fmt, ...) CLI_PRINTF(3, 4);
static void msgf(char *msg, size_t size, const char *fmt, ...)
{
    if (!msg || !size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, size, fmt, ap);
    va_end(ap);
}

/* "Description (ZKBIO_NAME)" of rc, for messages. */
#define ERRTXT(rc) zkbio_strerror(rc), zkbio_error_name(rc)

int engine_load(const char *path, uint16_t dpi, zkbio_template **out, engine_loaded *loaded,
                char *msg, size_t msgsize)
{
    engine_loaded l;
    memset(&l, 0, sizeof(l));
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = cli_read_file(path, &data, &len);
    if (rc == ZKBIO_EIO) {
        msgf(msg, msgsize, "%s: cannot read: %s: %s (%s)", path, strerror(errno), ERRTXT(rc));
        return rc;
    }
    if (rc != ZKBIO_OK) {
        msgf(msg, msgsize, "%s: cannot read: %s (%s)", path, ERRTXT(rc));
        return rc;
    }
    zkbio_error_info err;
    memset(&err, 0, sizeof(err));
    rc = engine_import_template(data, len, out, &err);
    if (rc != ZKBIO_ENOTSUP || engine_is_template(data, len)) {
        free(data);
        if (rc != ZKBIO_OK)
            msgf(msg, msgsize, "%s: bad template%s%s: %s (%s)", path, err.text[0] ? ": " : "",
                 err.text, ERRTXT(rc));
        else if (loaded)
            *loaded = l;
        return rc;
    }
    zkbio_image *img = NULL;
    rc = zkbio_image_load_mem(data, len, ZKBIO_IMAGE_DPI_NORMAL, &img);
    free(data);
    if (rc == ZKBIO_ENOTSUP) {
        msgf(msg, msgsize,
             "%s: neither an image (PNG, TIFF, BMP, PGM) nor a template (native, ISO 19794-2, "
             "ANSI 378, base64): %s (%s)",
             path, ERRTXT(rc));
        return rc;
    }
    if (rc != ZKBIO_OK) {
        msgf(msg, msgsize, "%s: cannot load the image: %s (%s)", path, ERRTXT(rc));
        return rc;
    }
    if (dpi)
        img->dpi = dpi;
    l.from_image = 1;
    l.width = img->width;
    l.height = img->height;
    l.dpi = img->dpi;
    rc = zkbio_extract(img, out, &l.info);
    zkbio_image_free(img);
    if (rc == ZKBIO_ELOWQUALITY)
        msgf(msg, msgsize,
             "%s: unusable image: %s (quality %u, %u minutiae, %u px foreground): %s (%s)", path,
             zkbio_unusable_name(l.info.reason), l.info.quality, l.info.minutiae, l.info.foreground,
             ERRTXT(rc));
    else if (rc != ZKBIO_OK)
        msgf(msg, msgsize, "%s: extraction failed: %s (%s)", path, ERRTXT(rc));
    if (loaded && (rc == ZKBIO_OK || rc == ZKBIO_ELOWQUALITY))
        *loaded = l;
    return rc;
}

/* Write len bytes to path. On failure prints the message and returns ZKBIO_EIO. */
static int write_file(const char *cmd, const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL;
    if (ok)
        ok = fwrite(data, 1, len, f) == len;
    int e = errno;
    if (f && fclose(f) != 0)
        ok = 0, e = errno;
    if (!ok) {
        cli_fail(cmd, ZKBIO_EIO, "%s: cannot write: %s", path, strerror(e));
        return ZKBIO_EIO;
    }
    return ZKBIO_OK;
}

enum { FMT_NATIVE, FMT_ISO, FMT_ANSI };
static const char *const fmt_names[] = {"native", "iso", "ansi"};

static int parse_format(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strcasecmp(s, fmt_names[i]) == 0)
            return i;
    return -1;
}

/* Export t in fmt to a malloc'd buffer. */
static int export_template(const zkbio_template *t, int fmt, uint8_t **buf, size_t *len)
{
    int (*fn)(const zkbio_template *, uint8_t *, size_t, size_t *) =
        fmt == FMT_ISO    ? zkbio_template_export_iso
        : fmt == FMT_ANSI ? zkbio_template_export_ansi
                          : zkbio_template_export_native;
    size_t need = 0;
    int rc = fn(t, NULL, 0, &need);
    if (rc != ZKBIO_ENOSPC && rc != ZKBIO_OK)
        return rc;
    uint8_t *b = malloc(need ? need : 1);
    if (!b)
        return ZKBIO_ENOMEM;
    rc = fn(t, b, need, len);
    if (rc != ZKBIO_OK) {
        free(b);
        return rc;
    }
    *buf = b;
    return ZKBIO_OK;
}

/* Print data as one base64 line on stdout. */
static int print_base64(const uint8_t *data, size_t len)
{
    size_t need = 0;
    int rc = zkbio_base64_encode(data, len, NULL, 0, &need);
    if (rc != ZKBIO_ENOSPC && rc != ZKBIO_OK)
        return rc;
    char *text = malloc(need + 1);
    if (!text)
        return ZKBIO_ENOMEM;
    rc = zkbio_base64_encode(data, len, text, need + 1, NULL);
    if (rc == ZKBIO_OK)
        printf("%s\n", text);
    free(text);
    return rc;
}

/* Write t to `out` (may be NULL) and/or as base64 to stdout; prints a message on failure. */
static int save_template(const char *cmd, const zkbio_template *t, int fmt, const char *out,
                         int base64, size_t *written)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = export_template(t, fmt, &buf, &len);
    if (rc != ZKBIO_OK) {
        cli_fail(cmd, rc, "cannot encode the template as %s", fmt_names[fmt]);
        return rc;
    }
    if (out)
        rc = write_file(cmd, out, buf, len);
    if (rc == ZKBIO_OK && base64) {
        rc = print_base64(buf, len);
        if (rc != ZKBIO_OK)
            cli_fail(cmd, rc, "cannot encode the template as base64");
    }
    free(buf);
    *written = len;
    return rc;
}

static uint16_t opt_dpi(const char *cmd, const char *s, int *bad)
{
    long v;
    if (cli_parse_long(s, ZKBIO_IMAGE_DPI_MIN, ZKBIO_IMAGE_DPI_MAX, &v) != 0) {
        fprintf(stderr, "zkbio %s: bad --dpi '%s' (%d..%d)\n", cmd, s, ZKBIO_IMAGE_DPI_MIN,
                ZKBIO_IMAGE_DPI_MAX);
        *bad = 1;
        return 0;
    }
    return (uint16_t)v;
}

static double opt_threshold(const char *cmd, const char *s, int *bad)
{
    double v;
    if (cli_parse_double(s, 0.0, 1e6, &v) != 0) {
        fprintf(stderr, "zkbio %s: bad --threshold '%s' (a score >= 0)\n", cmd, s);
        *bad = 1;
        return 0;
    }
    return v;
}

static void print_minutiae(FILE *out, const zkbio_template *t)
{
    static const char *const types[] = {"other", "ending", "bifurcation"};
    fprintf(out, "  %5s %5s %7s %-11s %4s %4s\n", "x", "y", "angle", "type", "qual", "view");
    for (size_t i = 0; i < t->count; i++) {
        const zkbio_minutia *m = &t->minutiae[i];
        fprintf(out, "  %5u %5u %7.2f %-11s %4u %4u\n", m->x, m->y, m->angle * 360.0 / 256,
                m->type < 3 ? types[m->type] : "?", m->quality, m->view);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* extract                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void extract_usage(FILE *out)
{
    fprintf(out,
            "Usage: zkbio extract IMAGE [-o TEMPLATE] [--format native|iso|ansi] [--dpi N] "
            "[--base64]\n\n"
            "Extract the minutiae of a fingerprint image (PNG, TIFF, BMP or PGM) and print the "
            "image\nquality and the minutiae count; write the template with -o.\n\n"
            "Options:\n"
            "  -o, --output FILE  write the template to FILE\n"
            "  -f, --format F     template format: native (default, libzkbio's compact record),\n"
            "                     iso (ISO/IEC 19794-2:2005) or ansi (ANSI INCITS 378-2004)\n"
            "  --dpi N            resolution of the image, %d..%d; overrides the file's (TIFFs\n"
            "                     usually have none; default: the file's, else 500)\n"
            "  --base64           print the template as one base64 line on stdout (the summary\n"
            "                     then goes to stderr)\n"
            "  -v, --verbose      also list the minutiae\n"
            "  -h, --help         show this help\n\n"
            "Exit status: 0 template extracted, 1 image unusable (the reason is printed), 2 "
            "error.\n",
            ZKBIO_IMAGE_DPI_MIN, ZKBIO_IMAGE_DPI_MAX);
}

/* The capture check of `zkbio extract` (quality.h): the retake reason and the signals. */
static void print_capture_report(FILE *f, const zkbio_capture_report *r)
{
    fprintf(f, "capture:    %s%s%s\n", zkbio_retake_name(r->retake), r->retake ? ": " : "",
            r->retake ? zkbio_retake_message(r->retake) : "");
    fprintf(f,
            "signals:    dryness %u, wetness %u, contrast %u, smear %u, edge cut %u %%, "
            "centroid offset %+d,%+d px\n",
            r->dryness, r->wetness, r->contrast, r->smear, r->edge_cut, r->offset_x, r->offset_y);
}
int zkbio_cli_extract(int argc, char **argv)
{
    enum { OPT_DPI = 256, OPT_B64 };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"base64", no_argument, NULL, OPT_B64},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int fmt = FMT_NATIVE, base64 = 0, verbose = 0, bad = 0, c;
    uint16_t dpi = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            if ((fmt = parse_format(optarg)) < 0) {
                fprintf(stderr, "zkbio extract: bad --format '%s' (native, iso or ansi)\n", optarg);
                return 2;
            }
            break;
        case OPT_DPI:
            dpi = opt_dpi("extract", optarg, &bad);
            break;
        case OPT_B64:
            base64 = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            extract_usage(stdout);
            return 0;
        default:
            extract_usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "zkbio extract: %s\n\n",
                argc == optind ? "IMAGE is required" : "one IMAGE only");
        extract_usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    FILE *info_out = base64 ? stderr : stdout;

    uint8_t *data = NULL;
    size_t len = 0;
    int rc = cli_read_file(path, &data, &len);
    if (rc != ZKBIO_OK) {
        if (rc == ZKBIO_EIO)
            cli_fail("extract", rc, "%s: cannot read: %s", path, strerror(errno));
        else
            cli_fail("extract", rc, "%s: cannot read", path);
        return 2;
    }
    if (engine_is_template(data, len)) {
        free(data);
        cli_fail("extract", ZKBIO_EINVAL,
                 "%s: is a template, not an image (zkbio match and merge read templates)", path);
        return 2;
    }
    zkbio_image *img = NULL;
    rc = zkbio_image_load_mem(data, len, ZKBIO_IMAGE_DPI_NORMAL, &img);
    free(data);
    if (rc != ZKBIO_OK) {
        cli_fail("extract", rc, "%s: %s", path,
                 rc == ZKBIO_ENOTSUP ? "not an image this tool reads (PNG, TIFF, BMP, PGM)"
                                     : "cannot load the image");
        return 2;
    }
    if (dpi)
        img->dpi = dpi;
    fprintf(info_out, "image:      %s, %ux%u px, %u dpi\n", path, img->width, img->height,
            img->dpi);
    zkbio_template *t = NULL;
    zkbio_extract_info info;
    memset(&info, 0, sizeof(info));
    zkbio_capture_report rep;
    memset(&rep, 0, sizeof(rep));
    rep.size = sizeof(rep);
    rc = zkbio_extract_report(img, &t, &info, &rep);
    zkbio_image_free(img);
    if (rc == ZKBIO_OK || rc == ZKBIO_ELOWQUALITY)
        print_capture_report(info_out, &rep);
    if (rc == ZKBIO_ELOWQUALITY) {
        fprintf(info_out, "quality:    %u\nminutiae:   %u\nforeground: %u px\n", info.quality,
                info.minutiae, info.foreground);
        cli_fail("extract", rc, "%s: unusable image: %s", path, zkbio_unusable_name(info.reason));
        return 1;
    }
    if (rc != ZKBIO_OK) {
        cli_fail("extract", rc, "%s: extraction failed", path);
        return 2;
    }
    fprintf(info_out, "quality:    %u\nminutiae:   %u (%zu kept)\nforeground: %u px\n",
            info.quality, info.minutiae, t->count, info.foreground);
    if (t->ofield[0].cols)
        fprintf(info_out, "orientation field: %u x %u cells of %d px%s\n", t->ofield[0].cols,
                t->ofield[0].rows, ZKBIO_OFIELD_CELL,
                fmt != FMT_NATIVE ? " (not carried by ISO/ANSI records)" : "");
    else
        fprintf(info_out, "orientation field: none\n");
    int status = 0;
    if (out || base64) {
        size_t written = 0;
        if (save_template("extract", t, fmt, out, base64, &written) != ZKBIO_OK)
            status = 2;
        else if (out)
            fprintf(info_out, "template:   %s, %zu bytes, %s\n", fmt_names[fmt], written, out);
    }
    if (verbose)
        print_minutiae(info_out, t);
    zkbio_template_free(t);
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* match                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static void match_usage(FILE *out)
{
    fprintf(out,
            "Usage: zkbio match A B [--threshold S] [--dpi N] [-v]\n\n"
            "Compare two fingerprints. A and B are each an image (PNG, TIFF, BMP, PGM; extracted "
            "first)\nor a template file (native, ISO 19794-2, ANSI 378, or the base64 text of "
            "one). Prints the\nscore (10 * log10(1 / false match rate): 40 = FMR 1e-4) and "
            "\"match\" or \"no match\".\n\n"
            "Options:\n"
            "  -t, --threshold S  decision threshold (default %.0f)\n"
            "  --dpi N            resolution of image arguments (default: the file's, else 500)\n"
            "  -v, --verbose      print what was read from each file\n"
            "  -h, --help         show this help\n\n"
            "Exit status: 0 match, 1 no match, 2 error.\n",
            ZKBIO_MATCH_THRESHOLD);
}

static void describe(FILE *out, const char *path, const zkbio_template *t, const engine_loaded *l)
{
    if (l->from_image)
        fprintf(out, "%s: image %ux%u px %u dpi, quality %u, %zu minutiae\n", path, l->width,
                l->height, l->dpi, l->info.quality, t->count);
    else
        fprintf(out, "%s: template, %u view(s), %zu minutiae\n", path,
                t->view_count ? t->view_count : 1, t->count);
}

int zkbio_cli_match(int argc, char **argv)
{
    enum { OPT_DPI = 256 };
    static const struct option opts[] = {
        {"threshold", required_argument, NULL, 't'},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double threshold = ZKBIO_MATCH_THRESHOLD;
    uint16_t dpi = 0;
    int verbose = 0, bad = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:vh", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            threshold = opt_threshold("match", optarg, &bad);
            break;
        case OPT_DPI:
            dpi = opt_dpi("match", optarg, &bad);
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            match_usage(stdout);
            return 0;
        default:
            match_usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "zkbio match: two files are needed, A and B\n\n");
        match_usage(stderr);
        return 2;
    }
    zkbio_template *t[2] = {NULL, NULL};
    engine_loaded l[2];
    char msg[768];
    int status = 2;
    for (int i = 0; i < 2; i++) {
        if (engine_load(argv[optind + i], dpi, &t[i], &l[i], msg, sizeof(msg)) != ZKBIO_OK) {
            fprintf(stderr, "zkbio match: %s\n", msg);
            goto out;
        }
        if (verbose)
            describe(stdout, argv[optind + i], t[i], &l[i]);
    }
    double score = 0;
    int rc = zkbio_match(t[0], t[1], &score);
    if (rc != ZKBIO_OK) {
        cli_fail("match", rc, "comparing %s with %s", argv[optind], argv[optind + 1]);
        goto out;
    }
    status = score >= threshold ? 0 : 1;
    printf("score %.2f: %s (threshold %.2f)\n", score, status == 0 ? "match" : "no match",
           threshold);
out:
    zkbio_template_free(t[0]);
    zkbio_template_free(t[1]);
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* merge                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static void merge_usage(FILE *out)
{
    fprintf(out,
            "Usage: zkbio merge A B C -o TEMPLATE [--format native|iso|ansi] [--dpi N] "
            "[--base64]\n\n"
            "Enrol a finger: merge three captures of it (images or one-view template files) into "
            "one\nmulti-view enrollment template, as a terminal's 3-press enrollment "
            "does. The\ncaptures must be of one finger and of sufficient quality.\n\n"
            "Options:\n"
            "  -o, --output FILE  write the merged template to FILE\n"
            "  -f, --format F     native (default), iso or ansi (one finger view per capture)\n"
            "  --base64           print the merged template as one base64 line on stdout\n"
            "  --dpi N            resolution of image arguments (default: the file's, else 500)\n"
            "  -h, --help         show this help\n\n"
            "Exit status: 0 merged, 1 refused (captures of different fingers, or too poor), 2 "
            "error.\n");
}

int zkbio_cli_merge(int argc, char **argv)
{
    enum { OPT_DPI = 256, OPT_B64 };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},  {"format", required_argument, NULL, 'f'},
        {"dpi", required_argument, NULL, OPT_DPI}, {"base64", no_argument, NULL, OPT_B64},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    uint16_t dpi = 0;
    int fmt = FMT_NATIVE, base64 = 0, bad = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            if ((fmt = parse_format(optarg)) < 0) {
                fprintf(stderr, "zkbio merge: bad --format '%s' (native, iso or ansi)\n", optarg);
                return 2;
            }
            break;
        case OPT_DPI:
            dpi = opt_dpi("merge", optarg, &bad);
            break;
        case OPT_B64:
            base64 = 1;
            break;
        case 'h':
            merge_usage(stdout);
            return 0;
        default:
            merge_usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (argc - optind != 3 || (!out && !base64)) {
        fprintf(stderr, "zkbio merge: %s\n\n",
                argc - optind != 3 ? "exactly three captures are needed"
                                   : "-o TEMPLATE (or --base64) is required");
        merge_usage(stderr);
        return 2;
    }
    zkbio_template *t[3] = {NULL, NULL, NULL};
    zkbio_template *merged = NULL;
    char msg[768];
    int status = 2;
    for (int i = 0; i < 3; i++) {
        int rc = engine_load(argv[optind + i], dpi, &t[i], NULL, msg, sizeof(msg));
        if (rc != ZKBIO_OK) {
            fprintf(stderr, "zkbio merge: %s\n", msg);
            status = rc == ZKBIO_ELOWQUALITY ? 1 : 2;
            goto out;
        }
    }
    const zkbio_template *const caps[3] = {t[0], t[1], t[2]};
    int rc = zkbio_merge(caps, &merged);
    if (rc != ZKBIO_OK) {
        cli_fail("merge", rc, "%s",
                 rc == ZKBIO_EMISMATCH     ? "refused: the captures are not of one finger"
                 : rc == ZKBIO_ELOWQUALITY ? "refused: a capture is of too low quality"
                 : rc == ZKBIO_EINVAL      ? "cannot merge (a capture holds several views?)"
                                           : "cannot merge");
        status = rc == ZKBIO_EMISMATCH || rc == ZKBIO_ELOWQUALITY ? 1 : 2;
        goto out;
    }
    size_t written = 0;
    if (save_template("merge", merged, fmt, out, base64, &written) != ZKBIO_OK)
        goto out;
    fprintf(base64 ? stderr : stdout, "merged:     %u view(s), %zu minutiae, %s, %zu bytes%s%s\n",
            merged->view_count ? merged->view_count : 1, merged->count, fmt_names[fmt], written,
            out ? ", " : "", out ? out : "");
    status = 0;
out:
    for (int i = 0; i < 3; i++)
        zkbio_template_free(t[i]);
    zkbio_template_free(merged);
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* identify                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static void identify_usage(FILE *out)
{
    fprintf(out,
            "Usage: zkbio identify PROBE GALLERY_DIR [--top K] [--threshold S | --fpir R]\n"
            "                      [--threads N] [--ext EXT]\n\n"
            "Search a gallery for the probe (an image or a template file). Every image and "
            "template file\nof GALLERY_DIR (sorted by name; hidden files skipped, unreadable or "
            "unusable ones skipped\nwith a warning) is enrolled with id = its position in that "
            "order, from 1. Prints the best\ncandidates scoring at least the threshold, best "
            "first.\n\n"
            "Options:\n"
            "  -k, --top K        candidates to print, 1..1000 (default 5)\n"
            "  -t, --threshold S  lowest score to report (default %.0f, a 1:1 threshold)\n"
            "  --fpir R           instead of a threshold, the false positive identification "
            "rate to\n"
            "                     accept, 0 < R < 1: threshold 10 log10(N / R) for the N "
            "templates\n"
            "                     enrolled (zkbio_gallery_identify_fpir; e.g. 1e-3)\n"
            "  -j, --threads N    search threads, 0..64 (default 0 = one per online core)\n"
            "  --ext EXT          only files named *.EXT (e.g. tif, iso)\n"
            "  --dpi N            resolution of images (default: the file's, else 500)\n"
            "  -h, --help         show this help\n\n"
            "Exit status: 0 a candidate was found, 1 none scored at least the threshold, 2 "
            "error.\n",
            ZKBIO_MATCH_THRESHOLD);
}

int zkbio_cli_identify(int argc, char **argv)
{
    enum { OPT_DPI = 256, OPT_EXT, OPT_FPIR };
    static const struct option opts[] = {
        {"top", required_argument, NULL, 'k'},
        {"threshold", required_argument, NULL, 't'},
        {"fpir", required_argument, NULL, OPT_FPIR},
        {"threads", required_argument, NULL, 'j'},
        {"ext", required_argument, NULL, OPT_EXT},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long top = 5, threads = 0;
    double threshold = ZKBIO_MATCH_THRESHOLD, fpir = 0;
    int have_threshold = 0;
    uint16_t dpi = 0;
    const char *ext = NULL;
    int bad = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:t:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (cli_parse_long(optarg, 1, 1000, &top) != 0) {
                fprintf(stderr, "zkbio identify: bad --top '%s' (1..1000)\n", optarg);
                bad = 1;
            }
            break;
        case 't':
            threshold = opt_threshold("identify", optarg, &bad);
            have_threshold = 1;
            break;
        case OPT_FPIR:
            if (cli_parse_double(optarg, 0.0, 1.0, &fpir) != 0 || !(fpir > 0 && fpir < 1)) {
                fprintf(stderr, "zkbio identify: bad --fpir '%s' (0 < R < 1)\n", optarg);
                bad = 1;
            }
            break;
        case 'j':
            if (cli_parse_long(optarg, 0, 64, &threads) != 0) {
                fprintf(stderr, "zkbio identify: bad --threads '%s' (0..64)\n", optarg);
                bad = 1;
            }
            break;
        case OPT_EXT:
            ext = optarg[0] == '.' ? optarg + 1 : optarg;
            break;
        case OPT_DPI:
            dpi = opt_dpi("identify", optarg, &bad);
            break;
        case 'h':
            identify_usage(stdout);
            return 0;
        default:
            identify_usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (have_threshold && fpir > 0) {
        fprintf(stderr, "zkbio identify: --threshold and --fpir exclude each other\n");
        return 2;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "zkbio identify: PROBE and GALLERY_DIR are needed\n\n");
        identify_usage(stderr);
        return 2;
    }
    const char *probe_path = argv[optind], *dir = argv[optind + 1];
    char msg[768];
    char **paths = NULL;
    size_t npaths = 0, enrolled = 0, skipped = 0, found = 0;
    zkbio_template *probe = NULL;
    zkbio_gallery *g = NULL;
    zkbio_candidate *cand = NULL;
    int status = 2;

    int rc = engine_load(probe_path, dpi, &probe, NULL, msg, sizeof(msg));
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "zkbio identify: probe %s\n", msg);
        goto out;
    }
    rc = cli_list_dir(dir, ext, &paths, &npaths);
    if (rc != ZKBIO_OK) {
        cli_fail("identify", rc, "%s: cannot list the directory%s%s", dir,
                 rc == ZKBIO_EIO ? ": " : "", rc == ZKBIO_EIO ? strerror(errno) : "");
        goto out;
    }
    if (npaths > UINT32_MAX - 1) {
        cli_fail("identify", ZKBIO_ETOOBIG, "%s: too many files", dir);
        goto out;
    }
    rc = zkbio_gallery_new((unsigned)threads, &g);
    if (rc != ZKBIO_OK) {
        cli_fail("identify", rc, "cannot create the gallery");
        goto out;
    }
    for (size_t i = 0; i < npaths; i++) {
        zkbio_template *t = NULL;
        rc = engine_load(paths[i], dpi, &t, NULL, msg, sizeof(msg));
        if (rc == ZKBIO_ENOMEM) {
            fprintf(stderr, "zkbio identify: %s\n", msg);
            goto out;
        }
        if (rc != ZKBIO_OK) {
            fprintf(stderr, "zkbio identify: skipping %s\n", msg);
            skipped++;
            continue;
        }
        rc = zkbio_gallery_add(g, (uint32_t)(i + 1), t);
        zkbio_template_free(t);
        if (rc != ZKBIO_OK) {
            cli_fail("identify", rc, "%s: cannot add it to the gallery", paths[i]);
            goto out;
        }
        enrolled++;
    }
    if (enrolled == 0) {
        cli_fail("identify", ZKBIO_ENOENT, "%s: no usable image or template file%s%s", dir,
                 ext ? " named *." : "", ext ? ext : "");
        goto out;
    }
    cand = calloc((size_t)top, sizeof(*cand));
    if (!cand) {
        cli_fail("identify", ZKBIO_ENOMEM, "allocating");
        goto out;
    }
    double t0 = cli_now_s();
    if (fpir > 0)
        rc = zkbio_gallery_identify_fpir(g, probe, fpir, cand, (size_t)top, &found, &threshold);
    else
        rc = zkbio_gallery_identify(g, probe, threshold, cand, (size_t)top, &found);
    double ms = (cli_now_s() - t0) * 1000;
    if (rc != ZKBIO_OK && rc != ZKBIO_ENOENT) {
        cli_fail("identify", rc, "identifying %s", probe_path);
        goto out;
    }
    printf("gallery: %zu template(s) from %s (%zu file(s) skipped); identify took %.1f ms\n",
           enrolled, dir, skipped, ms);
    if (fpir > 0)
        printf("threshold %.2f for FPIR %g over %zu template(s)\n", threshold, fpir, enrolled);
    if (rc == ZKBIO_ENOENT || found == 0) {
        printf("no candidate scored at least %.2f\n", threshold);
        status = 1;
        goto out;
    }
    printf("%4s %8s %9s  %s\n", "rank", "id", "score", "file");
    for (size_t i = 0; i < found; i++) {
        uint32_t id = cand[i].id;
        const char *name = id >= 1 && id <= npaths ? cli_basename(paths[id - 1]) : "?";
        printf("%4zu %8u %9.2f  %s\n", i + 1, id, cand[i].score, name);
    }
    status = 0;
out:
    free(cand);
    zkbio_gallery_free(g);
    zkbio_template_free(probe);
    cli_free_list(paths, npaths);
    return status;
}
