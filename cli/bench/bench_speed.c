/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench speed DIR...`: how fast the fingerprint engine runs on this machine. Extraction time
 * per image (one thread), 1:1 comparisons per second on one core (zkbio_match, and a prepared
 * zkbio_matcher), and 1:N search speed over a gallery replicated from the templates of every DIR to
 * --gallery templates, searched on every online core; the probes drawn across the DIRs (sets). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zkbio/error.h"
#include "zkbio/extract.h"
#include "zkbio/gallery.h"
#include "zkbio/imageio.h"
#include "zkbio/match.h"
#include "zkbio/template.h"

#include "engine_cmds.h"
#include "util.h"

#define CMD            "bench speed"
#define SPEED_SETS_MAX 64 /* DIR arguments */

/* Every figure is one line: a label in a fixed-width column, then the figures. */
static void label(const char *text)
{
    printf("%-31s ", text);
}

static volatile double score_sink; /* keeps the compared scores observable */

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: zkbio bench speed DIR... [--gallery N] [--seconds S] [--threads N] [--dpi N]\n\n"
        "Measure the fingerprint engine on the images (and template files) of each DIR (a set):\n"
        "  extraction     ms per image on one thread, mean and p95 (at least one pass over "
        "the images)\n"
        "  1:1            comparisons per second on one core: zkbio_match() (each call "
        "prepares\n"
        "                 both templates) and zkbio_matcher_match() (probe prepared once)\n"
        "  1:N            a gallery of at least N templates, all the templates replicated, "
        "searched\n"
        "                 on every online core: templates/s and ms per identify\n"
        "The templates come from the images (or from the template files when there is no "
        "image).\n"
        "Probes (1:1 and 1:N) are drawn round-robin across the sets and, within a set, every\n"
        "k-th template by name (k coprime with the set's size, about 0.618 of it), so they mix\n"
        "sets and fingers; the choice is deterministic and printed.\n\n"
        "Options:\n"
        "  -g, --gallery N    1:N gallery size, 1..10000000 (default 100000)\n"
        "  -s, --seconds S    time spent in each timed phase (default 3)\n"
        "  -j, --threads N    1:N search threads, 1..64 (default: online cores)\n"
        "  --dpi N            resolution of the images (default: the file's, else 500)\n"
        "  --no-ofield        drop the extracted templates' orientation fields (1:1 and 1:N\n"
        "                     then score minutiae alone, as for ISO/ANSI templates)\n"
        "  -h, --help         show this help\n\n"
        "Exit status: 0 every phase ran, 1 a phase failed (e.g. the engine is not built), 2 "
        "bad usage\nor no usable input.\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* p-th percentile (0..100) of n sorted values, nearest rank */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

static void cpu_model(char *buf, size_t size)
{
    buf[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                colon++;
                while (*colon == ' ' || *colon == '\t')
                    colon++;
                colon[strcspn(colon, "\n")] = 0;
                snprintf(buf, size, "%s", colon);
            }
            break;
        }
    }
    fclose(f);
}

typedef struct inputs {
    zkbio_image **images;
    char **image_names; /* paths, owned by the listing */
    int *image_set;     /* index of the DIR argument */
    size_t nimages;
    zkbio_template **files; /* template files */
    char **file_names;
    int *file_set;
    size_t nfiles;
} inputs;

static void free_inputs(inputs *in)
{
    for (size_t i = 0; i < in->nimages; i++)
        zkbio_image_free(in->images[i]);
    free(in->images);
    free(in->image_names);
    free(in->image_set);
    for (size_t i = 0; i < in->nfiles; i++)
        zkbio_template_free(in->files[i]);
    free(in->files);
    free(in->file_names);
    free(in->file_set);
}

/* Read every image and template file of the listing (paths[i] from set sets[i]); others are
 * skipped (counted). */
static int load_inputs(char **paths, const int *sets, size_t n, uint16_t dpi, inputs *in,
                       size_t *other)
{
    in->images = calloc(n ? n : 1, sizeof(*in->images));
    in->image_names = calloc(n ? n : 1, sizeof(*in->image_names));
    in->image_set = calloc(n ? n : 1, sizeof(*in->image_set));
    in->files = calloc(n ? n : 1, sizeof(*in->files));
    in->file_names = calloc(n ? n : 1, sizeof(*in->file_names));
    in->file_set = calloc(n ? n : 1, sizeof(*in->file_set));
    if (!in->images || !in->image_names || !in->image_set || !in->files || !in->file_names ||
        !in->file_set)
        return ZKBIO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint8_t *data = NULL;
        size_t len = 0;
        int rc = cli_read_file(paths[i], &data, &len);
        if (rc == ZKBIO_ENOMEM)
            return rc;
        if (rc != ZKBIO_OK) {
            cli_fail(CMD, rc, "skipping %s", paths[i]);
            (*other)++;
            continue;
        }
        if (engine_is_template(data, len)) {
            zkbio_template *t = NULL;
            rc = engine_import_template(data, len, &t, NULL);
            free(data);
            if (rc == ZKBIO_ENOMEM)
                return rc;
            if (rc != ZKBIO_OK) {
                cli_fail(CMD, rc, "skipping %s: bad template", paths[i]);
                (*other)++;
                continue;
            }
            in->file_names[in->nfiles] = paths[i];
            in->file_set[in->nfiles] = sets[i];
            in->files[in->nfiles++] = t;
            continue;
        }
        zkbio_image *img = NULL;
        rc = zkbio_image_load_mem(data, len, ZKBIO_IMAGE_DPI_NORMAL, &img);
        free(data);
        if (rc == ZKBIO_ENOMEM)
            return rc;
        if (rc != ZKBIO_OK) {
            if (rc != ZKBIO_ENOTSUP) /* ENOTSUP: neither image nor template, e.g. a README */
                cli_fail(CMD, rc, "skipping %s: cannot load the image", paths[i]);
            (*other)++;
            continue;
        }
        if (dpi)
            img->dpi = dpi;
        in->image_names[in->nimages] = paths[i];
        in->image_set[in->nimages] = sets[i];
        in->images[in->nimages++] = img;
    }
    return ZKBIO_OK;
}

/* Extraction phase: passes over the images until `seconds` have gone (at least one). Fills
 * templates[0..*ntemplates) from the first pass, with the set and name of each one's image in
 * tset[] and tname[]. Returns ZKBIO_OK or the first hard error. */
static int bench_extract(const inputs *in, double seconds, zkbio_template **templates, int *tset,
                         const char **tname, size_t *ntemplates)
{
    size_t cap = in->nimages * 4 + 16, n = 0, unusable = 0, passes = 0;
    double *ms = malloc(cap * sizeof(*ms));
    if (!ms)
        return ZKBIO_ENOMEM;
    int rc = ZKBIO_OK;
    double start = cli_now_s();
    do {
        for (size_t i = 0; i < in->nimages; i++) {
            zkbio_template *t = NULL;
            zkbio_extract_info info;
            double t0 = cli_now_s();
            int r = zkbio_extract(in->images[i], &t, &info);
            double dt = cli_now_s() - t0;
            if (r != ZKBIO_OK && r != ZKBIO_ELOWQUALITY) {
                cli_fail(CMD, r, "extraction: %s", in->image_names[i]);
                rc = r;
                goto done;
            }
            if (n == cap) {
                double *nm = realloc(ms, cap * 2 * sizeof(*ms));
                if (!nm) {
                    zkbio_template_free(t);
                    rc = ZKBIO_ENOMEM;
                    goto done;
                }
                ms = nm;
                cap *= 2;
            }
            ms[n++] = dt * 1000;
            if (passes == 0) {
                if (r == ZKBIO_OK) {
                    tset[*ntemplates] = in->image_set[i];
                    tname[*ntemplates] = in->image_names[i];
                    templates[(*ntemplates)++] = t;
                } else {
                    unusable++;
                }
            } else {
                zkbio_template_free(t);
            }
        }
        passes++;
    } while (cli_now_s() - start < seconds);
done:
    if (rc == ZKBIO_OK && n > 0) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += ms[i];
        qsort(ms, n, sizeof(*ms), cmp_double);
        double mean = sum / (double)n;
        label("extraction (1 thread):");
        printf("mean %.2f ms/image, p50 %.2f ms, p95 %.2f ms, max "
               "%.2f ms (%zu extractions, %zu pass(es)); %.1f images/s\n",
               mean, percentile(ms, n, 50), percentile(ms, n, 95), ms[n - 1], n, passes,
               1000.0 / mean);
        label("extraction result:");
        printf("%zu usable, %zu unusable of %zu images\n", *ntemplates, unusable, in->nimages);
    }
    free(ms);
    return rc;
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The step through a set of m templates in name order: coprime with m (so every template comes
 * once) and about 0.618 m, so that consecutive probes of an FVC set ({finger}_{impression}, eight
 * impressions a finger) are different fingers. */
static size_t set_stride(size_t m)
{
    if (m <= 2)
        return 1;
    size_t k = (size_t)((double)m * 0.618);
    while (gcd(k, m) != 1)
        k++;
    return k;
}

/* The probe order, order[0..n): a permutation of the templates (set_of[i] is template i's set,
 * 0..nsets-1; within a set, templates are in name order). Round k takes, from each set in turn
 * that still has one, its template at position k * stride mod size. Deterministic. strides[s]
 * and sizes[s] report each set's step and size. */
static void probe_order(const int *set_of, size_t n, int nsets, size_t *order, size_t *strides,
                        size_t *sizes, size_t *scratch)
{
    size_t *start = scratch; /* nsets + 1 offsets into members */
    size_t *members = scratch + nsets + 1;
    for (int s = 0; s <= nsets; s++)
        start[s] = 0;
    for (size_t i = 0; i < n; i++)
        start[set_of[i] + 1]++;
    for (int s = 0; s < nsets; s++) {
        sizes[s] = start[s + 1];
        strides[s] = set_stride(sizes[s]);
        start[s + 1] += start[s];
    }
    size_t fill[SPEED_SETS_MAX];
    for (int s = 0; s < nsets; s++)
        fill[s] = start[s];
    for (size_t i = 0; i < n; i++)
        members[fill[set_of[i]]++] = i;
    size_t k = 0;
    for (size_t round = 0; k < n; round++)
        for (int s = 0; s < nsets; s++)
            if (round < sizes[s])
                order[k++] = members[start[s] + (round * strides[s]) % sizes[s]];
}

/* 1:1 with zkbio_match(): every ordered pair (a, b), a != b, in turn, for `seconds`. */
static int bench_match(zkbio_template **t, size_t n, double seconds)
{
    size_t count = 0, a = 0, b = 1;
    double sum = 0, start = cli_now_s(), elapsed = 0;
    do {
        for (int k = 0; k < 16; k++) {
            double s = 0;
            int rc = zkbio_match(t[a], t[b], &s);
            if (rc != ZKBIO_OK) {
                cli_fail(CMD, rc, "1:1 zkbio_match");
                return rc;
            }
            sum += s;
            count++;
            if (++b == a)
                b++;
            if (b >= n) {
                a = (a + 1) % n;
                b = a == 0 ? 1 : 0;
            }
        }
        elapsed = cli_now_s() - start;
    } while (elapsed < seconds);
    score_sink = sum;
    label("1:1 zkbio_match (1 thread):");
    printf("%.0f comparisons/s, %.2f us each (%zu comparisons, "
           "unprepared: both templates indexed per call)\n",
           (double)count / elapsed, elapsed * 1e6 / (double)count, count);
    return ZKBIO_OK;
}

/* 1:1 with a prepared matcher: each template in turn is the probe against all others. */
static int bench_matcher(zkbio_template **t, size_t n, double seconds)
{
    size_t count = 0, probes = 0;
    double sum = 0, prep = 0, match_time = 0, start = cli_now_s();
    for (size_t a = 0; cli_now_s() - start < seconds || probes == 0; a = (a + 1) % n) {
        zkbio_matcher *m = NULL;
        double t0 = cli_now_s();
        int rc = zkbio_matcher_new(t[a], &m);
        double t1 = cli_now_s();
        if (rc != ZKBIO_OK) {
            cli_fail(CMD, rc, "1:1 zkbio_matcher_new");
            return rc;
        }
        prep += t1 - t0;
        probes++;
        for (size_t b = 0; b < n; b++) {
            if (b == a)
                continue;
            double s = 0;
            rc = zkbio_matcher_match(m, t[b], &s);
            if (rc != ZKBIO_OK) {
                zkbio_matcher_free(m);
                cli_fail(CMD, rc, "1:1 zkbio_matcher_match");
                return rc;
            }
            sum += s;
            count++;
        }
        match_time += cli_now_s() - t1;
        zkbio_matcher_free(m);
    }
    score_sink = sum;
    label("1:1 zkbio_matcher (1 thread):");
    printf("%.0f comparisons/s, %.2f us each (%zu comparisons, "
           "probe prepared once: %.1f us per probe)\n",
           (double)count / match_time, match_time * 1e6 / (double)count, count,
           prep * 1e6 / (double)probes);
    return ZKBIO_OK;
}

/* 1:N: a gallery of `size` templates (t replicated), identifies for `seconds` (at least 3). */
static int bench_gallery(zkbio_template **t, size_t n, size_t size, unsigned threads,
                         double seconds)
{
    zkbio_gallery *g = NULL;
    int rc = zkbio_gallery_new(threads, &g);
    if (rc != ZKBIO_OK) {
        cli_fail(CMD, rc, "1:N zkbio_gallery_new");
        return rc;
    }
    fflush(stdout);
    fprintf(stderr, "zkbio bench speed: enrolling %zu templates...\n", size);
    double t0 = cli_now_s();
    for (size_t i = 0; i < size; i++) {
        rc = zkbio_gallery_add(g, (uint32_t)(i + 1), t[i % n]);
        if (rc != ZKBIO_OK) {
            cli_fail(CMD, rc, "1:N zkbio_gallery_add (template %zu)", i + 1);
            zkbio_gallery_free(g);
            return rc;
        }
    }
    double enrol = cli_now_s() - t0;
    size_t count = 0;
    rc = zkbio_gallery_count(g, &count);
    if (rc != ZKBIO_OK) {
        cli_fail(CMD, rc, "1:N zkbio_gallery_count");
        zkbio_gallery_free(g);
        return rc;
    }
    label("1:N gallery:");
    printf("%zu templates (%zu distinct, replicated), %u search "
           "thread(s); enrolled in %.2f s (%.0f templates/s)\n",
           count, n, threads, enrol, (double)size / enrol);

    double ms[1000];
    size_t runs = 0, found = 0;
    zkbio_candidate top[10];
    /* one identify not timed: it faults the gallery's memory in and starts the workers */
    rc = zkbio_gallery_identify(g, t[n - 1], ZKBIO_MATCH_THRESHOLD, top, 10, &found);
    if (rc != ZKBIO_OK && rc != ZKBIO_ENOENT) {
        cli_fail(CMD, rc, "1:N zkbio_gallery_identify");
        zkbio_gallery_free(g);
        return rc;
    }
    double total = 0, start = cli_now_s();
    while (runs < sizeof(ms) / sizeof(ms[0]) && (runs < 3 || cli_now_s() - start < seconds)) {
        double a = cli_now_s();
        rc = zkbio_gallery_identify(g, t[runs % n], ZKBIO_MATCH_THRESHOLD, top, 10, &found);
        double dt = cli_now_s() - a;
        if (rc != ZKBIO_OK && rc != ZKBIO_ENOENT) {
            cli_fail(CMD, rc, "1:N zkbio_gallery_identify");
            zkbio_gallery_free(g);
            return rc;
        }
        ms[runs++] = dt * 1000;
        total += dt;
    }
    zkbio_gallery_free(g);
    qsort(ms, runs, sizeof(ms[0]), cmp_double);
    double mean_ms = total * 1000 / (double)runs;
    char what[64];
    snprintf(what, sizeof(what), "1:N identify (%u thread(s)):", threads);
    label(what);
    double rate = (double)count * (double)runs / total;
    printf("%.0f templates/s (%.0f per thread), mean %.1f ms per identify, p50 %.1f ms, max %.1f "
           "ms (%zu identifies of %zu templates, after one untimed)\n",
           rate, rate / threads, mean_ms, percentile(ms, runs, 50), ms[runs - 1], runs, count);
    return ZKBIO_OK;
}

int zkbio_cli_bench_speed(int argc, char **argv)
{
    enum { OPT_DPI = 256, OPT_NO_OFIELD };
    static const struct option opts[] = {
        {"gallery", required_argument, NULL, 'g'},
        {"seconds", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 'j'},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"no-ofield", no_argument, NULL, OPT_NO_OFIELD},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int no_ofield = 0;
    long gallery = 100000, threads = 0, dpi = 0;
    double seconds = 3;
    int c, bad = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "g:s:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'g':
            bad = cli_parse_long(optarg, 1, 10000000, &gallery);
            break;
        case 's':
            bad = cli_parse_double(optarg, 0.001, 3600, &seconds);
            break;
        case 'j':
            bad = cli_parse_long(optarg, 1, 64, &threads);
            break;
        case OPT_DPI:
            bad = cli_parse_long(optarg, ZKBIO_IMAGE_DPI_MIN, ZKBIO_IMAGE_DPI_MAX, &dpi);
            break;
        case OPT_NO_OFIELD:
            no_ofield = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zkbio bench speed: bad value '%s' for -%c (see --help)\n", optarg,
                    c == OPT_DPI ? 'D' : c);
            return 2;
        }
    }
    int nsets = argc - optind;
    if (nsets < 1 || nsets > SPEED_SETS_MAX) {
        fprintf(stderr, "zkbio bench speed: %s\n\n",
                nsets < 1 ? "at least one DIR is needed" : "too many DIRs (at most 64)");
        usage(stderr);
        return 2;
    }
    char *const *dirs = argv + optind;
    long online = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    if (online < 1)
        online = 1;
    if (threads == 0)
        threads = online > 64 ? 64 : online;

    char **paths = NULL;
    int *path_set = NULL;
    size_t npaths = 0, other = 0, ntemplates = 0;
    inputs in;
    memset(&in, 0, sizeof(in));
    zkbio_template **templates = NULL, **set = NULL;
    int *tset = NULL;
    const char **tname = NULL, **setname = NULL;
    size_t *order = NULL, *scratch = NULL;
    int status = 2, failed = 0, rc;
    for (int d = 0; d < nsets; d++) {
        char **p = NULL;
        size_t np = 0;
        rc = cli_list_dir(dirs[d], NULL, &p, &np);
        if (rc != ZKBIO_OK) {
            cli_fail(CMD, rc, "%s: cannot list the directory%s%s", dirs[d],
                     rc == ZKBIO_EIO ? ": " : "", rc == ZKBIO_EIO ? strerror(errno) : "");
            goto out;
        }
        char **np_paths = realloc(paths, (npaths + np + 1) * sizeof(*paths));
        int *np_set = realloc(path_set, (npaths + np + 1) * sizeof(*path_set));
        if (np_paths)
            paths = np_paths;
        if (np_set)
            path_set = np_set;
        if (!np_paths || !np_set) {
            cli_free_list(p, np);
            cli_fail(CMD, ZKBIO_ENOMEM, "listing %s", dirs[d]);
            goto out;
        }
        for (size_t i = 0; i < np; i++) {
            paths[npaths] = p[i];
            path_set[npaths++] = d;
        }
        free(p);
    }
    rc = load_inputs(paths, path_set, npaths, (uint16_t)dpi, &in, &other);
    if (rc != ZKBIO_OK) {
        cli_fail(CMD, rc, "reading the files");
        goto out;
    }
    if (in.nimages == 0 && in.nfiles == 0) {
        cli_fail(CMD, ZKBIO_ENOENT, "%s%s: no image or template file", dirs[0],
                 nsets > 1 ? " ..." : "");
        goto out;
    }

    char model[256];
    cpu_model(model, sizeof(model));
    printf("zkbio bench speed:");
    for (int d = 0; d < nsets; d++)
        printf(" %s", dirs[d]);
    printf("\n");
    label("machine:");
    printf("%ld online core(s) (%ld configured)%s%s\n", online, conf, model[0] ? ", " : "", model);
    if (in.nimages > 0) {
        uint32_t w0 = in.images[0]->width, h0 = in.images[0]->height, wmin = w0, wmax = w0,
                 hmin = h0, hmax = h0;
        uint16_t dpi0 = in.images[0]->dpi;
        for (size_t i = 1; i < in.nimages; i++) {
            const zkbio_image *im = in.images[i];
            wmin = im->width < wmin ? im->width : wmin;
            wmax = im->width > wmax ? im->width : wmax;
            hmin = im->height < hmin ? im->height : hmin;
            hmax = im->height > hmax ? im->height : hmax;
        }
        label("images:");
        if (wmin == wmax && hmin == hmax)
            printf("%zu, %ux%u px at %u dpi", in.nimages, w0, h0, dpi0);
        else
            printf("%zu, %u..%u x %u..%u px at %u dpi", in.nimages, wmin, wmax, hmin, hmax, dpi0);
        printf(" (not used: %zu template file(s), %zu other file(s))\n", in.nfiles, other);
    } else {
        label("images:");
        printf("none; %zu template file(s) used\n", in.nfiles);
    }

    size_t cap = (in.nimages > in.nfiles ? in.nimages : in.nfiles) + 1;
    templates = calloc(cap, sizeof(*templates));
    set = calloc(cap, sizeof(*set));
    tset = calloc(cap, sizeof(*tset));
    tname = calloc(cap, sizeof(*tname));
    setname = calloc(cap, sizeof(*setname));
    order = calloc(cap, sizeof(*order));
    scratch = calloc(cap + (size_t)nsets + 1, sizeof(*scratch));
    if (!templates || !set || !tset || !tname || !setname || !order || !scratch) {
        cli_fail(CMD, ZKBIO_ENOMEM, "allocating");
        goto out;
    }
    if (in.nimages > 0 &&
        bench_extract(&in, seconds, templates, tset, tname, &ntemplates) != ZKBIO_OK)
        failed = 1;
    for (size_t i = 0; no_ofield && i < ntemplates; i++)
        for (unsigned v = 0; v < ZKBIO_TEMPLATE_VIEWS_MAX; v++)
            zkbio_template_ofield_set(templates[i], v, 0, 0, 0, 0, NULL);
    zkbio_template **pool = ntemplates > 0 ? templates : in.files;
    const int *pool_set = ntemplates > 0 ? tset : in.file_set;
    const char *const *pool_name = ntemplates > 0 ? tname : (const char *const *)in.file_names;
    size_t nset = ntemplates > 0 ? ntemplates : in.nfiles;
    if (nset < 2) {
        cli_fail(CMD, ZKBIO_ENOENT, "%s%s: fewer than 2 templates: no 1:1 or 1:N figures", dirs[0],
                 nsets > 1 ? " ..." : "");
        status = failed ? 1 : 2;
        goto out;
    }
    if (ntemplates == 0) {
        label("templates:");
        printf("%zu from template files\n", nset);
    }
    size_t strides[SPEED_SETS_MAX], sizes[SPEED_SETS_MAX];
    probe_order(pool_set, nset, nsets, order, strides, sizes, scratch);
    for (size_t i = 0; i < nset; i++) {
        set[i] = pool[order[i]];
        setname[i] = pool_name[order[i]];
    }
    label("probes:");
    printf("round-robin across %d set(s), within each every k-th template by name:", nsets);
    for (int d = 0; d < nsets; d++)
        printf("%s %s k=%zu of %zu", d ? ";" : "", dirs[d], strides[d], sizes[d]);
    printf("\n");
    label("first probes:");
    for (size_t i = 0; i < nset && i < 6; i++)
        printf("%s%s", i ? ", " : "", setname[i]);
    printf("%s\n", nset > 6 ? ", ..." : "");
    if (bench_match(set, nset, seconds) != ZKBIO_OK)
        failed = 1;
    if (bench_matcher(set, nset, seconds) != ZKBIO_OK)
        failed = 1;
    if (bench_gallery(set, nset, (size_t)gallery, (unsigned)threads, seconds) != ZKBIO_OK)
        failed = 1;
    status = failed ? 1 : 0;
out:
    for (size_t i = 0; i < ntemplates; i++)
        zkbio_template_free(templates[i]);
    free(templates);
    free(set);
    free(tset);
    free(tname);
    free(setname);
    free(order);
    free(scratch);
    free_inputs(&in);
    cli_free_list(paths, npaths);
    free(path_set);
    return status;
}
