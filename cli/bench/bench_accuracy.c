/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbio bench accuracy`: FVC-style verification accuracy of libzkbio's extraction and matcher on
 * folders of `{finger}_{impression}.{tif,iso}` files (shared/data/README.md protocol):
 *   - genuine pairs: every unordered pair of impressions of the same finger (28 per finger);
 *   - impostor pairs: every unordered pair of impressions of different fingers;
 * all within one folder (set). Each unordered pair is matched once: the probe is the template
 * that sorts later (higher finger, then higher impression), the candidate the earlier one; with
 * --rotate the probe is the rotated template. The all-vs-all matrix (every template as probe
 * against every template of every set) is computed once and the protocol reads its cells.
 * A failed extraction counts as a non-match: score 0 in all of its pairs.
 * Reported per set and as the mean over sets: EER (where FMR and FNMR cross, interpolated
 * linearly between the two thresholds around the crossing), FMR100, FMR1000 and ZeroFMR (the
 * lowest FNMR at FMR <= 1 %, <= 0.1 % and = 0). Results do not depend on the thread count. */
#include "bench_accuracy.h"
#include "accuracy.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zkbio/extract.h"
#include "zkbio/image.h"
#include "zkbio/imageio.h"
#include "zkbio/match.h"
#include "zkbio/template.h"

#include "perturb.h"
#include "util.h"

#ifdef ZKM_TUNE
void zkbio_tune_hook(size_t r, size_t k, size_t n, int sr, int fr, int sk, int fk);
#endif

static void ba_usage(FILE *out)
{
    fprintf(out,
            "Usage: zkbio bench accuracy [--iso] [--no-ofield] [--scores FILE]\n"
            "                            [--rotate 0|90|180|270] [--threads N]\n"
            "                            [--perturb LIST [--perturb-dump DIR]] [--reject X,...]\n"
            "                            DIR...\n"
            "  DIR       a set: {finger}_{impression}.tif images (and .iso templates beside them)\n"
            "  --iso     match the .iso templates instead of extracting the images\n"
            "  --no-ofield  drop the orientation fields of the extracted templates, so the\n"
            "            matcher scores minutiae alone (as for ISO/ANSI templates)\n"
            "  --scores  write the all-vs-all score matrix (row = probe) as CSV; rows and\n"
            "            columns are named SET-{finger}_{impression}, SET being the set's parent\n"
            "            and own folder (FVC2002/DB1_B); two sets of one name are refused\n"
            "  --rotate  rotate the probe images clockwise by this many degrees\n"
            "  --threads worker threads (default: online CPUs)\n"
            "  --perturb KIND[:LEVEL][,...]|all  the robustness suite: after the clean run, run\n"
            "            again with every probe image perturbed (candidates clean; combined with\n"
            "            --rotate, the perturbed image is then rotated), one table per\n"
            "            perturbation and a summary. KIND (default levels): elastic (8,16,24 px\n"
            "            largest displacement), contrast (50,25 %% kept), dry (1,2), wet (1,2),\n"
            "            partial (60,40 %% of the foreground box kept), rotate (20,45 degrees),\n"
            "            noise (10,20 grey levels standard deviation); all = every kind\n"
            "  --perturb-dump DIR  write the first two perturbed probes of each set as PGM\n"
            "  --reject X[,X...]  error versus reject: EER and FMR1000 with the worst X %% of\n"
            "            each set's captures by extraction quality dropped (1..90)\n");
}

static int ba_cmp_item(const void *a, const void *b)
{
    const ba_item *x = a, *y = b;
    if (x->set != y->set)
        return x->set < y->set ? -1 : 1;
    if (x->finger != y->finger)
        return x->finger < y->finger ? -1 : 1;
    return (x->impression > y->impression) - (x->impression < y->impression);
}

/* The name of a set in the report and the --scores file: the folder's last two path components
 * once resolved ("FVC2002/DB1_B"), so that sets of different collections with the same folder
 * name stay apart. Returns 0, or -1 (message printed) when the folder cannot be resolved or its
 * name does not fit. */

static int ba_set_name(const char *dir, char *out, size_t size)
{
    char *full = realpath(dir, NULL);
    if (!full) {
        fprintf(stderr, "zkbio bench accuracy: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    const char *start = full + strlen(full);
    for (int slashes = 0; start > full;) {
        if (start[-1] == '/' && ++slashes == 2)
            break;
        start--;
    }
    if (*start == '/')
        start++;
    int n = snprintf(out, size, "%s", start);
    free(full);
    if (n < 0 || (size_t)n >= size || !*out) {
        fprintf(stderr, "zkbio bench accuracy: %s: set name too long or empty\n", dir);
        return -1;
    }
    return 0;
}

/* Add the {finger}_{impression}EXT files of one set, named SETNAME-{finger}_{impression}.
 * Returns 0 or -1 (message printed). */
static int ba_scan(const char *dir, const char *setname, int set, const char *ext, ba_item **items,
                   size_t *n, size_t *cap)
{
    char **paths = NULL;
    size_t npaths = 0, before = *n;
    int rc = cli_list_dir(dir, NULL, &paths, &npaths);
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "zkbio bench accuracy: %s: %s\n", dir,
                rc == ZKBIO_EIO ? strerror(errno) : zkbio_strerror(rc));
        return -1;
    }
    for (size_t k = 0; k < npaths; k++) {
        const char *file = cli_basename(paths[k]);
        int f, i, used = 0;
        if (sscanf(file, "%d_%d%n", &f, &i, &used) != 2 || strcmp(file + used, ext) != 0)
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 128;
            ba_item *ni = realloc(*items, nc * sizeof(*ni));
            if (!ni)
                goto nomem;
            *items = ni;
            *cap = nc;
        }
        ba_item *it = &(*items)[(*n)++];
        memset(it, 0, sizeof(*it));
        it->set = set;
        it->finger = f;
        it->impression = i;
        it->path = paths[k];
        paths[k] = NULL;
        size_t nl = strlen(setname) + 32;
        it->name = malloc(nl);
        if (!it->name)
            goto nomem;
        snprintf(it->name, nl, "%s-%d_%d", setname, f, i);
    }
    cli_free_list(paths, npaths);
    if (*n == before) {
        fprintf(stderr, "zkbio bench accuracy: %s: no {finger}_{impression}%s files\n", dir, ext);
        return -1;
    }
    return 0;
nomem:
    cli_free_list(paths, npaths);
    fprintf(stderr, "zkbio bench accuracy: out of memory\n");
    return -1;
}

static int ba_load_iso(const char *path, zkbio_template **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ZKBIO_EIO;
    uint8_t buf[1 << 16];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return zkbio_template_import_auto(buf, len, out, NULL);
}

static size_t ba_take(ba_ctx *c)
{
    pthread_mutex_lock(&c->lock);
    size_t k = c->next++;
    pthread_mutex_unlock(&c->lock);
    return k;
}

static void *ba_prepare_worker(void *arg)
{
    ba_ctx *c = arg;
    for (size_t k; (k = ba_take(c)) < c->n;) {
        ba_item *it = &c->items[k];
        if (c->iso) {
            if (ba_load_iso(it->path, &it->tpl) != ZKBIO_OK)
                it->tpl = NULL;
            it->probe = it->tpl;
        } else {
            zkbio_image *img = NULL;
            if (zkbio_image_load(it->path, 500, &img) == ZKBIO_OK) {
                zkbio_extract_info info;
                memset(&info, 0, sizeof(info));
                if (zkbio_extract(img, &it->tpl, &info) != ZKBIO_OK)
                    it->tpl = NULL;
                it->quality = info.quality;
                if (c->rotate) {
                    zkbio_image *rot = NULL;
                    if (zkbio_image_rotate(img, c->rotate, &rot) == ZKBIO_OK &&
                        zkbio_extract(rot, &it->probe, NULL) != ZKBIO_OK)
                        it->probe = NULL;
                    zkbio_image_free(rot);
                } else {
                    it->probe = it->tpl;
                }
            }
            if (c->keep_images)
                it->img = img;
            else
                zkbio_image_free(img);
        }
        it->failed = !it->tpl || !it->probe;
        if (!it->tpl)
            it->quality = 0;
        for (unsigned v = 0; c->no_ofield && v < ZKBIO_TEMPLATE_VIEWS_MAX; v++) {
            if (it->tpl)
                zkbio_template_ofield_set(it->tpl, v, 0, 0, 0, 0, NULL);
            if (it->probe && it->probe != it->tpl)
                zkbio_template_ofield_set(it->probe, v, 0, 0, 0, 0, NULL);
        }
    }
    return NULL;
}

/* The dump file of one perturbed probe: DIR/KIND_LEVEL-SET-{finger}_{impression}.pgm, the set's
 * '/' turned into '_'. Dumped: the first two images of each set. */
static void ba_dump(const ba_ctx *c, size_t k, const zkbio_image *img)
{
    const ba_item *it = &c->items[k];
    if (k >= 2 && c->items[k - 2].set == it->set)
        return;
    char spec[32], path[4096];
    bp_spec_name(c->perturb, spec, sizeof(spec));
    spec[strcspn(spec, ":")] = '_';
    int n = snprintf(path, sizeof(path), "%s/%s-%s.pgm", c->dump_dir, spec, it->name);
    if (n < 0 || (size_t)n >= sizeof(path))
        return;
    for (char *p = path + strlen(c->dump_dir) + 1; *p; p++)
        if (*p == '/')
            *p = '_';
    if (bp_write_pgm(img, path) != 0)
        fprintf(stderr, "zkbio bench accuracy: %s: %s\n", path, strerror(errno));
}

/* Extract the probe of every item under c->perturb: the clean image perturbed (seeded by the
 * item's name and the perturbation), then rotated by --rotate. */
static void *ba_perturb_worker(void *arg)
{
    ba_ctx *c = arg;
    for (size_t k; (k = ba_take(c)) < c->n;) {
        ba_item *it = &c->items[k];
        zkbio_template_free(it->pprobe);
        it->pprobe = NULL;
        zkbio_image *pimg = NULL;
        if (it->img &&
            bp_apply(it->img, c->perturb, bp_seed(it->name, c->perturb), &pimg) == ZKBIO_OK) {
            if (c->dump_dir)
                ba_dump(c, k, pimg);
            zkbio_image *rot = NULL;
            if (c->rotate && zkbio_image_rotate(pimg, c->rotate, &rot) != ZKBIO_OK)
                rot = NULL;
            if ((!c->rotate || rot) &&
                zkbio_extract(rot ? rot : pimg, &it->pprobe, NULL) != ZKBIO_OK)
                it->pprobe = NULL;
            zkbio_image_free(rot);
        }
        zkbio_image_free(pimg);
        for (unsigned v = 0; c->no_ofield && it->pprobe && v < ZKBIO_TEMPLATE_VIEWS_MAX; v++)
            zkbio_template_ofield_set(it->pprobe, v, 0, 0, 0, 0, NULL);
        it->pfailed = it->failed || !it->pprobe;
    }
    return NULL;
}

static void *ba_match_worker(void *arg)
{
    ba_ctx *c = arg;
    for (size_t r; (r = ba_take(c)) < c->n;) {
        double *row = &c->matrix[r * c->n];
        const ba_item *p = &c->items[r];
        zkbio_matcher *m = NULL;
        int failed = c->perturb ? p->pfailed : p->failed;
        if (failed || zkbio_matcher_new(c->perturb ? p->pprobe : p->probe, &m) != ZKBIO_OK) {
            for (size_t k = 0; k < c->n; k++)
                row[k] = 0;
            continue;
        }
        for (size_t k = 0; k < c->n; k++) {
            const ba_item *g = &c->items[k];
            if (c->perturb && (g->set != p->set || k >= r)) {
                row[k] = 0; /* a perturbation reads the same-set pairs with the later as probe */
                continue;
            }
            row[k] = 0;
            if (!g->failed && zkbio_matcher_match(m, g->tpl, &row[k]) != ZKBIO_OK) {
                row[k] = 0;
                c->error = 1;
            }
#ifdef ZKM_TUNE
            zkbio_tune_hook(r, k, c->n, c->items[r].set, c->items[r].finger, c->items[k].set,
                            c->items[k].finger);
#endif
        }
        zkbio_matcher_free(m);
    }
    return NULL;
}

static int ba_run(ba_ctx *c, int threads, void *(*fn)(void *))
{
    pthread_t tid[64];
    int started = 0;
    c->next = 0;
    for (int t = 0; t < threads && t < 64; t++) {
        if (pthread_create(&tid[t], NULL, fn, c) != 0)
            break;
        started++;
    }
    if (started == 0)
        fn(c);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    return 0;
}

#define BA_PERTURB_MAX 64
#define BA_REJECT_MAX  16

/* "5,10,20" into rejects[0..*n), each 1..90. Returns 0 or -1. */
static int ba_parse_rejects(const char *list, int *rejects, int *n)
{
    *n = 0;
    const char *p = list;
    while (*p) {
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 90 || *n >= BA_REJECT_MAX || (*end && *end != ','))
            return -1;
        rejects[(*n)++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return *n ? 0 : -1;
}

/* The robustness suite: for each perturbation, every probe image perturbed (candidates clean),
 * extracted again, matched against its own set's earlier items, and reported as a table; then the
 * summary of mean EER per perturbation. */
static int ba_run_perturb(ba_ctx *c, int threads, int nsets, char (*setnames)[BA_SET_NAME_MAX],
                          int namew, const ba_result *clean, const ba_result *clean_mean,
                          const bp_spec *specs, size_t nspecs)
{
    double *eer = calloc(nspecs * (size_t)(nsets + 1), sizeof(double));
    int *fails = calloc(nspecs, sizeof(int));
    if (!eer || !fails) {
        free(eer);
        free(fails);
        return -1;
    }
    printf(
        "\nrobustness suite: each probe image perturbed (seeded by its name; candidates clean)%s, "
        "then extracted and matched as above\n",
        c->rotate ? ", then rotated by --rotate" : "");
    for (size_t k = 0; k < nspecs; k++) {
        char name[32];
        bp_spec_name(&specs[k], name, sizeof(name));
        c->perturb = &specs[k];
        double t0 = cli_now_s();
        ba_run(c, threads, ba_perturb_worker);
        double t1 = cli_now_s();
        ba_run(c, threads, ba_match_worker);
        double t2 = cli_now_s();
        printf("\nperturbation %s: extraction %.2f s, matching %.2f s\n", name, t1 - t0, t2 - t1);
        printf("perturb %-11s %-*s %5s %6s %5s %8s %8s %8s %8s\n", "kind:level", namew, "set",
               "gen", "imp", "fail", "EER%", "FMR100%", "FMR1000%", "ZeroFMR%");
        ba_result mean;
        memset(&mean, 0, sizeof(mean));
        double *pool = malloc((c->n * c->n / 2 + 1) * sizeof(double));
        size_t npool = 0;
        for (int s = 0; s < nsets; s++) {
            ba_result r;
            double *im = NULL;
            size_t ni = 0;
            if (!pool || ba_set_metrics(c, s, NULL, &r, &im, &ni) != 0) {
                free(pool);
                free(eer);
                free(fails);
                c->perturb = NULL;
                return -1;
            }
            memcpy(pool + npool, im, ni * sizeof(double));
            npool += ni;
            free(im);
            printf("perturb %-11s %-*s %5zu %6zu %5d %8.2f %8.2f %8.2f %8.2f\n", name, namew,
                   setnames[s], r.gen, r.imp, r.failures, 100 * r.eer, 100 * r.fmr100,
                   100 * r.fmr1000, 100 * r.zerofmr);
            ba_mean_add(&mean, &r, nsets);
            eer[k * (size_t)(nsets + 1) + (size_t)s] = r.eer;
        }
        printf("perturb %-11s %-*s %5zu %6zu %5d %8.2f %8.2f %8.2f %8.2f\n", name, namew, "mean",
               mean.gen, mean.imp, mean.failures, 100 * mean.eer, 100 * mean.fmr100,
               100 * mean.fmr1000, 100 * mean.zerofmr);
        eer[k * (size_t)(nsets + 1) + (size_t)nsets] = mean.eer;
        fails[k] = mean.failures;
        /* perturbed probes against clean candidates: do small or damaged prints give outlier
         * impostor scores? (the tail table's columns, pooled over the sets) */
        char label[48];
        snprintf(label, sizeof(label), "ptail %-11s", name);
        ba_print_tail(label, "pooled", namew, pool, npool);
        free(pool);
    }
    c->perturb = NULL;
    printf("\nrobustness summary: EER%% per perturbation (per set, mean, change of the mean from "
           "none = unperturbed), failed extractions\n");
    printf("summary %-11s", "kind:level");
    for (int s = 0; s < nsets; s++)
        printf(" %7s%d", "EER%s", s + 1);
    printf(" %8s %8s %5s\n", "EER%mean", "change", "fail");
    printf("summary %-11s", "none");
    for (int s = 0; s < nsets; s++)
        printf(" %8.2f", 100 * clean[s].eer);
    printf(" %8.2f %8s %5d\n", 100 * clean_mean->eer, "", clean_mean->failures);
    for (size_t k = 0; k < nspecs; k++) {
        char name[32];
        printf("summary %-11s", bp_spec_name(&specs[k], name, sizeof(name)));
        for (int s = 0; s < nsets; s++)
            printf(" %8.2f", 100 * eer[k * (size_t)(nsets + 1) + (size_t)s]);
        double m = eer[k * (size_t)(nsets + 1) + (size_t)nsets];
        printf(" %8.2f %+8.2f %5d\n", 100 * m, 100 * (m - clean_mean->eer), fails[k]);
    }
    for (int s = 0; s < nsets; s++)
        printf("  s%d = %s\n", s + 1, setnames[s]);
    free(eer);
    free(fails);
    return 0;
}

static int ba_write_csv(const ba_ctx *c, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "zkbio bench accuracy: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t k = 0; k < c->n; k++) {
        fputc(',', f);
        cli_csv_field(f, c->items[k].name);
    }
    fputc('\n', f);
    for (size_t r = 0; r < c->n; r++) {
        cli_csv_field(f, c->items[r].name);
        for (size_t k = 0; k < c->n; k++)
            fprintf(f, ",%.2f", c->matrix[r * c->n + k]);
        fputc('\n', f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

int zkbio_cli_bench_accuracy(int argc, char **argv)
{
    static const struct option opts[] = {
        {"iso", no_argument, NULL, 'i'},
        {"scores", required_argument, NULL, 's'},
        {"rotate", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'},
        {"no-ofield", no_argument, NULL, 'n'},
        {"perturb", required_argument, NULL, 'p'},
        {"perturb-dump", required_argument, NULL, 'd'},
        {"reject", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int iso = 0, rotate = 0, no_ofield = 0;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    const char *scores = NULL, *dump_dir = NULL;
    bp_spec specs[BA_PERTURB_MAX];
    size_t nspecs = 0;
    int rejects[BA_REJECT_MAX], nrejects = 0;
    char err[160];
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "is:r:t:nh", opts, NULL)) != -1) {
        switch (o) {
        case 'p':
            if (bp_parse(optarg, specs, BA_PERTURB_MAX, &nspecs, err, sizeof(err)) != 0) {
                fprintf(stderr, "zkbio bench accuracy: --perturb: %s\n", err);
                return 2;
            }
            break;
        case 'd':
            dump_dir = optarg;
            break;
        case 'j':
            if (ba_parse_rejects(optarg, rejects, &nrejects) != 0) {
                fprintf(stderr,
                        "zkbio bench accuracy: --reject takes up to %d comma-separated "
                        "percentages 1..90\n",
                        BA_REJECT_MAX);
                return 2;
            }
            break;
        case 'i':
            iso = 1;
            break;
        case 's':
            scores = optarg;
            break;
        case 'r': {
            int deg = atoi(optarg);
            if (deg != 0 && deg != 90 && deg != 180 && deg != 270) {
                fprintf(stderr, "zkbio bench accuracy: --rotate takes 0, 90, 180 or 270\n");
                return 2;
            }
            rotate = deg / 90;
            break;
        }
        case 't':
            threads = atol(optarg);
            if (threads < 1 || threads > 64) {
                fprintf(stderr, "zkbio bench accuracy: --threads takes 1..64\n");
                return 2;
            }
            break;
        case 'n':
            no_ofield = 1;
            break;
        case 'h':
            ba_usage(stdout);
            return 0;
        default:
            ba_usage(stderr);
            return 2;
        }
    }
    if (threads < 1)
        threads = 1;
    if (threads > 64)
        threads = 64;
    if (optind >= argc) {
        ba_usage(stderr);
        return 2;
    }
    if (iso && rotate) {
        fprintf(stderr, "zkbio bench accuracy: --rotate needs images (not --iso)\n");
        return 2;
    }
    if (iso && nspecs) {
        fprintf(stderr, "zkbio bench accuracy: --perturb needs images (not --iso)\n");
        return 2;
    }
    if (dump_dir && !nspecs) {
        fprintf(stderr, "zkbio bench accuracy: --perturb-dump needs --perturb\n");
        return 2;
    }
    if (dump_dir && mkdir(dump_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "zkbio bench accuracy: %s: %s\n", dump_dir, strerror(errno));
        return 2;
    }
    if (argc - optind > 64) {
        fprintf(stderr, "zkbio bench accuracy: at most 64 sets\n");
        return 2;
    }
    int nsets = argc - optind;
    ba_ctx c;
    memset(&c, 0, sizeof(c));
    c.iso = iso;
    c.rotate = rotate;
    c.no_ofield = no_ofield;
    c.keep_images = nspecs > 0;
    c.dump_dir = dump_dir;
    pthread_mutex_init(&c.lock, NULL);
    size_t cap = 0;
    int status = 0;
    char(*setnames)[BA_SET_NAME_MAX] = calloc((size_t)nsets, sizeof(*setnames));
    if (!setnames) {
        status = 1;
        goto out;
    }
    for (int s = 0; s < nsets; s++) {
        if (ba_set_name(argv[optind + s], setnames[s], sizeof(setnames[s])) != 0) {
            status = 2;
            goto out;
        }
        for (int e = 0; e < s; e++)
            if (strcmp(setnames[e], setnames[s]) == 0) {
                fprintf(stderr,
                        "zkbio bench accuracy: %s and %s are both set '%s': give each set once "
                        "(sets are named by their parent and own folder)\n",
                        argv[optind + e], argv[optind + s], setnames[s]);
                status = 2;
                goto out;
            }
    }
    size_t namew = 20;
    for (int s = 0; s < nsets; s++)
        if (strlen(setnames[s]) > namew)
            namew = strlen(setnames[s]);
    for (int s = 0; s < nsets; s++)
        if (ba_scan(argv[optind + s], setnames[s], s, iso ? ".iso" : ".tif", &c.items, &c.n,
                    &cap) != 0) {
            status = 2;
            goto out;
        }
    qsort(c.items, c.n, sizeof(ba_item), ba_cmp_item);

    double t0 = cli_now_s();
    ba_run(&c, (int)threads, ba_prepare_worker);
    double t1 = cli_now_s();
    c.matrix = malloc(c.n * c.n * sizeof(double));
    if (!c.matrix) {
        status = 1;
        goto out;
    }
    ba_run(&c, (int)threads, ba_match_worker);
    double t2 = cli_now_s();

    printf("zkbio bench accuracy: %zu templates in %d set(s), %s%s, %ld thread(s)\n", c.n, nsets,
           iso         ? "ISO templates (.iso)"
           : no_ofield ? "zkbio_extract on the images, orientation fields dropped"
                       : "zkbio_extract on the images",
           rotate ? (rotate == 1   ? ", probes rotated 90"
                     : rotate == 2 ? ", probes rotated 180"
                                   : ", probes rotated 270")
                  : "",
           threads);
    printf("protocol: per set, genuine = every pair of impressions of one finger, impostor = every "
           "pair of impressions of different fingers; each unordered pair once, the later "
           "impression (or the rotated one) as probe; a failed extraction scores 0\n");
    printf("%s: %.2f s; matching all-vs-all: %zu comparisons in %.2f s (%.0f ns each per "
           "thread)\n",
           iso ? "loading" : "extraction", t1 - t0, c.n * c.n, t2 - t1,
           (t2 - t1) * 1e9 * (double)threads / (double)(c.n * c.n));
    printf("\n%-*s %5s %6s %5s %8s %8s %8s %8s\n", (int)namew, "set", "gen", "imp", "fail", "EER%",
           "FMR100%", "FMR1000%", "ZeroFMR%");
    ba_result mean, clean[64];
    memset(&mean, 0, sizeof(mean));
    /* impostor scores of every set, kept for the tail table */
    double *imps[64] = {NULL};
    size_t nimps[64] = {0};
    for (int s = 0; s < nsets; s++) {
        ba_result r;
        if (ba_set_metrics(&c, s, NULL, &r, &imps[s], &nimps[s]) != 0) {
            status = 1;
            goto out_report;
        }
        clean[s] = r;
        printf("%-*s %5zu %6zu %5d %8.2f %8.2f %8.2f %8.2f\n", (int)namew, setnames[s], r.gen,
               r.imp, r.failures, 100 * r.eer, 100 * r.fmr100, 100 * r.fmr1000, 100 * r.zerofmr);
        ba_mean_add(&mean, &r, nsets);
    }
    printf("%-*s %5zu %6zu %5d %8.2f %8.2f %8.2f %8.2f\n", (int)namew, "mean", mean.gen, mean.imp,
           mean.failures, 100 * mean.eer, 100 * mean.fmr100, 100 * mean.fmr1000,
           100 * mean.zerofmr);
    printf("\nscore calibration (threshold %.0f = FMR 1e-4): %s\n", ZKBIO_MATCH_THRESHOLD,
           ZKBIO_MATCH_CALIBRATION);
    if (scores && ba_write_csv(&c, scores) != 0)
        status = 1;
    if (ba_report_tail(nsets, setnames, (int)namew, imps, nimps) != 0 ||
        ba_report_presel(&c, nsets, setnames, (int)namew) != 0 ||
        (nrejects && ba_print_reject(&c, nsets, setnames, rejects, nrejects) != 0) ||
        (nspecs && ba_run_perturb(&c, (int)threads, nsets, setnames, (int)namew, clean, &mean,
                                  specs, nspecs) != 0)) {
        status = 1;
        goto out_report;
    }
    if (c.error)
        status = 1;
out_report:
    for (int s = 0; s < nsets && s < 64; s++)
        free(imps[s]);
out:
    for (size_t k = 0; k < c.n; k++) {
        zkbio_template_free(c.items[k].pprobe);
        zkbio_image_free(c.items[k].img);
        if (c.items[k].probe != c.items[k].tpl)
            zkbio_template_free(c.items[k].probe);
        zkbio_template_free(c.items[k].tpl);
        free(c.items[k].path);
        free(c.items[k].name);
    }
    free(c.items);
    free(c.matrix);
    free(setnames);
    pthread_mutex_destroy(&c.lock);
    return status;
}
