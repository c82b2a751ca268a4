/* SPDX-License-Identifier: Apache-2.0 */
/* Fingerprint readers from the command line: `zkbio readers`, `capture`, `enroll`, `verify` and
 * `zkbio bench capture` (reader.h). Exit status: 0 success, 1 a negative answer (no finger, no
 * match, enrollment refused), 2 bad usage or an error. Sim readers come from ZKBIO_SIM (or
 * --sim SPEC); files of `dir:` readers are read through libzkbio-imageio. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_cmds.h"
#include "reader_cmds.h"
#include "util.h"
#include "zkbio/extract.h"
#include "zkbio/quality.h"
#include "zkbio/imageio.h"
#include "zkbio/match.h"
#include "zkbio/merge.h"
#include "zkbio/reader.h"
#include "zkbio/template.h"

#define DEFAULT_TIMEOUT_MS 20000
#define ENROLL_CAPTURES    3
#define ENROLL_ATTEMPTS    6 /* captures tried in all before giving up */
#define LIFT_TIMEOUT_MS    10000

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !cli_stopped())
        ;
}

/* A context for the commands: every backend, sim readers from `sim` (NULL: ZKBIO_SIM). */
static int open_ctx(const char *cmd, const char *sim, zkbio_reader_ctx **ctx)
{
    zkbio_reader_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.sim = sim;
    cfg.load_image = zkbio_image_load;
    int rc = zkbio_reader_ctx_new(&cfg, ctx);
    if (rc != ZKBIO_OK)
        cli_fail(cmd, rc, "%s", zkbio_reader_last_error());
    return rc;
}

static int open_reader(const char *cmd, zkbio_reader_ctx *ctx, const char *id, zkbio_reader **r)
{
    int rc = zkbio_reader_open(ctx, id, r);
    if (rc != ZKBIO_OK)
        cli_fail(cmd, rc, "%s", zkbio_reader_last_error());
    return rc;
}

/* Capture with a message on failure; exit-status class: 1 for "no finger", 2 otherwise. */
static int capture(const char *cmd, zkbio_reader *r, long timeout_ms, zkbio_image **img)
{
    int rc = zkbio_reader_capture(r, (int)timeout_ms, img);
    if (rc != ZKBIO_OK)
        cli_fail(cmd, rc, "capture: %s", zkbio_reader_last_error());
    return rc;
}

/* Wait until the finger is lifted (readers without finger detection: return at once). */
static void wait_lift(zkbio_reader *r)
{
    for (long waited = 0; waited < LIFT_TIMEOUT_MS && !cli_stopped(); waited += 100) {
        int present = 0;
        if (zkbio_reader_finger_present(r, &present) != ZKBIO_OK || !present)
            return;
        if (waited == 0)
            fprintf(stderr, "  lift your finger...\n");
        sleep_ms(100);
    }
}

/* Common options of capture, enroll and verify. */
typedef struct reader_opts {
    const char *reader, *out, *sim;
    long timeout_ms;
    double threshold;
    int format; /* enroll: 0 native, 1 iso, 2 ansi */
    int help;
} reader_opts;

enum { OPT_READER = 256, OPT_TIMEOUT, OPT_SIM, OPT_THRESHOLD, OPT_FORMAT };

static int parse_opts(const char *cmd, int argc, char **argv, reader_opts *o, int *first_arg)
{
    static const struct option opts[] = {
        {"reader", required_argument, NULL, OPT_READER},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"sim", required_argument, NULL, OPT_SIM},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
    o->threshold = ZKBIO_MATCH_THRESHOLD;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_READER:
            o->reader = optarg;
            break;
        case OPT_TIMEOUT:
            if (cli_parse_long(optarg, -1, 86400000L, &o->timeout_ms) != 0) {
                cli_fail(cmd, 0, "bad --timeout '%s' (milliseconds, -1 = forever)", optarg);
                return -1;
            }
            break;
        case OPT_SIM:
            o->sim = optarg;
            break;
        case OPT_THRESHOLD:
            if (cli_parse_double(optarg, 0, 1000, &o->threshold) != 0) {
                cli_fail(cmd, 0, "bad --threshold '%s'", optarg);
                return -1;
            }
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "native") == 0)
                o->format = 0;
            else if (strcmp(optarg, "iso") == 0)
                o->format = 1;
            else if (strcmp(optarg, "ansi") == 0)
                o->format = 2;
            else {
                cli_fail(cmd, 0, "bad --format '%s' (native, iso or ansi)", optarg);
                return -1;
            }
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'h':
            o->help = 1;
            break;
        default:
            return -1;
        }
    }
    *first_arg = optind;
    return 0;
}

static const char *ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return NULL;
    for (size_t i = 0; i < m; i++)
        if ((s[n - m + i] | 0x20) != suffix[i])
            return NULL;
    return s + n - m;
}

/* ---- readers ------------------------------------------------------------------------------ */

static void print_info(const char *prefix, const zkbio_reader_info *i)
{
    char size[32];
    if (i->width)
        snprintf(size, sizeof(size), "%ux%u", i->width, i->height);
    else
        snprintf(size, sizeof(size), "varies");
    printf("%s%-24s %-7s %04x:%04x  %-28s %-14s %s @ %u dpi\n", prefix, i->id, i->backend,
           i->vendor_id, i->product_id, i->model, i->serial[0] ? i->serial : "-", size, i->dpi);
    fflush(stdout);
}

static void on_hotplug(int event, const zkbio_reader_info *info, void *user)
{
    (void)user;
    print_info(event == ZKBIO_READER_ARRIVED ? "arrived " : "left    ", info);
}

int zkbio_cli_readers(int argc, char **argv)
{
    static const struct option opts[] = {
        {"watch", no_argument, NULL, 'w'},
        {"sim", required_argument, NULL, 's'},
        {"for", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int watch = 0, c;
    long for_ms = -1;
    const char *sim = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "wh", opts, NULL)) != -1) {
        if (c == 'w')
            watch = 1;
        else if (c == 's')
            sim = optarg;
        else if (c == 'f') {
            if (cli_parse_long(optarg, 0, 86400000L, &for_ms) != 0) {
                cli_fail("readers", 0, "bad --for '%s' (milliseconds)", optarg);
                return 2;
            }
        } else if (c == 'h') {
            printf("Usage: zkbio readers [--watch [--for MS]] [--sim SPEC]\n\n"
                   "List the fingerprint readers attached (id, backend, USB vid:pid, model, "
                   "serial,\nimage size and resolution). --watch then prints \"arrived\" and "
                   "\"left\" lines\nas readers are plugged in and out, until Ctrl-C (or for MS "
                   "milliseconds).\nSim readers: --sim or ZKBIO_SIM, e.g. "
                   "'dir:/path/to/images;socket:/tmp/r.sock'.\n");
            return 0;
        } else {
            return 2;
        }
    }
    zkbio_reader_ctx *ctx = NULL;
    if (open_ctx("readers", sim, &ctx) != ZKBIO_OK)
        return 2;
    char note[256];
    snprintf(note, sizeof(note), "%s", zkbio_reader_last_error());
    if (!watch) {
        zkbio_reader_info *v = NULL;
        size_t n = 0;
        int rc = zkbio_reader_enumerate(ctx, &v, &n);
        if (rc != ZKBIO_OK) {
            cli_fail("readers", rc, "%s", zkbio_reader_last_error());
            zkbio_reader_ctx_free(ctx);
            return 2;
        }
        for (size_t i = 0; i < n; i++)
            print_info("", &v[i]);
        if (n == 0)
            fprintf(stderr, "no fingerprint reader found%s%s\n", note[0] ? "; " : "", note);
        zkbio_reader_info_free(v);
        zkbio_reader_ctx_free(ctx);
        return 0;
    }
    cli_catch_signals();
    int rc = zkbio_reader_hotplug_set(ctx, on_hotplug, NULL);
    if (rc != ZKBIO_OK) {
        cli_fail("readers", rc, "%s", zkbio_reader_last_error());
        zkbio_reader_ctx_free(ctx);
        return 2;
    }
    for (long t = 0; !cli_stopped() && (for_ms < 0 || t < for_ms); t += 50)
        sleep_ms(50);
    zkbio_reader_hotplug_set(ctx, NULL, NULL);
    zkbio_reader_ctx_free(ctx);
    return 0;
}

/* ---- capture ------------------------------------------------------------------------------ */

int zkbio_cli_capture(int argc, char **argv)
{
    reader_opts o;
    int first;
    if (parse_opts("capture", argc, argv, &o, &first) != 0)
        return 2;
    if (o.help) {
        printf("Usage: zkbio capture [--reader ID] -o IMAGE [--timeout MS] [--sim SPEC]\n\n"
               "Wait for a finger on the reader (the first one listed by `zkbio readers` "
               "unless\n--reader) and save the image: PGM when IMAGE ends in .pgm, else PNG. "
               "--timeout\nin milliseconds (default %d, -1 waits forever).\n"
               "Exit status: 0 captured, 1 no finger before the timeout, 2 error.\n",
               DEFAULT_TIMEOUT_MS);
        return 0;
    }
    if (!o.out || first != argc) {
        cli_fail("capture", 0, "-o IMAGE is required (see zkbio capture --help)");
        return 2;
    }
    zkbio_reader_ctx *ctx = NULL;
    zkbio_reader *r = NULL;
    if (open_ctx("capture", o.sim, &ctx) != ZKBIO_OK)
        return 2;
    int status = 2;
    if (open_reader("capture", ctx, o.reader, &r) == ZKBIO_OK) {
        zkbio_reader_info info;
        zkbio_reader_info_get(r, &info);
        fprintf(stderr, "place a finger on %s (%s)...\n", info.id, info.model);
        zkbio_image *img = NULL;
        int rc = capture("capture", r, o.timeout_ms, &img);
        if (rc == ZKBIO_OK) {
            rc = ends_with_ci(o.out, ".pgm") ? zkbio_image_save_pgm(img, o.out)
                                             : zkbio_image_save_png(img, o.out);
            if (rc != ZKBIO_OK)
                cli_fail("capture", rc, "cannot write %s", o.out);
            else
                printf("captured %ux%u at %u dpi from %s -> %s\n", img->width, img->height,
                       img->dpi, info.id, o.out);
            status = rc == ZKBIO_OK ? 0 : 2;
        } else {
            status = rc == ZKBIO_ETIMEDOUT ? 1 : 2;
        }
        zkbio_image_free(img);
        zkbio_reader_close(r);
    }
    zkbio_reader_ctx_free(ctx);
    return status;
}

/* ---- enroll ------------------------------------------------------------------------------- */

/* Capture and extract one usable image; 0 ok, 1 unusable (try again), 2 error, 3 no finger
 * before the timeout. */
static int capture_template(const char *cmd, zkbio_reader *r, long timeout_ms, zkbio_template **t)
{
    zkbio_image *img = NULL;
    int rc = capture(cmd, r, timeout_ms, &img);
    if (rc != ZKBIO_OK)
        return rc == ZKBIO_ETIMEDOUT ? 3 : 2;
    zkbio_extract_info info;
    memset(&info, 0, sizeof(info));
    zkbio_capture_report rep; /* why to retake (quality.h) */
    memset(&rep, 0, sizeof(rep));
    rep.size = sizeof(rep);
    rc = zkbio_extract_report(img, t, &info, &rep);
    zkbio_image_free(img);
    if (rc == ZKBIO_ELOWQUALITY) {
        fprintf(stderr, "  image unusable (%s, quality %u, %s): %s\n",
                zkbio_unusable_name(info.reason), info.quality, zkbio_retake_name(rep.retake),
                zkbio_retake_message(rep.retake));
        return 1;
    }
    if (rc != ZKBIO_OK) {
        cli_fail(cmd, rc, "extraction failed");
        return 2;
    }
    fprintf(stderr, "  quality %u, %u minutiae\n", info.quality, info.minutiae);
    if (rep.retake != ZKBIO_RETAKE_NONE) /* usable, but a better capture would help */
        fprintf(stderr, "  hint (%s): %s\n", zkbio_retake_name(rep.retake),
                zkbio_retake_message(rep.retake));
    return 0;
}

static int write_template(const char *cmd, const zkbio_template *t, int format, const char *path)
{
    uint8_t *buf = malloc(ZKBIO_NATIVE_MAX * 4);
    if (!buf)
        return ZKBIO_ENOMEM;
    size_t len = 0;
    int rc = format == 1   ? zkbio_template_export_iso(t, buf, ZKBIO_NATIVE_MAX * 4, &len)
             : format == 2 ? zkbio_template_export_ansi(t, buf, ZKBIO_NATIVE_MAX * 4, &len)
                           : zkbio_template_export_native(t, buf, ZKBIO_NATIVE_MAX * 4, &len);
    if (rc == ZKBIO_OK) {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(buf, 1, len, f) != len)
            rc = ZKBIO_EIO;
        if (f && fclose(f) != 0)
            rc = ZKBIO_EIO;
    }
    if (rc != ZKBIO_OK)
        cli_fail(cmd, rc, "cannot write the template to %s", path);
    free(buf);
    return rc;
}

int zkbio_cli_enroll(int argc, char **argv)
{
    reader_opts o;
    int first;
    if (parse_opts("enroll", argc, argv, &o, &first) != 0)
        return 2;
    if (o.help) {
        printf("Usage: zkbio enroll [--reader ID] -o TEMPLATE [--format native|iso|ansi] "
               "[--timeout MS] [--sim SPEC]\n\n"
               "Enrol one finger: three captures (each must be usable and match an earlier one "
               "at\n%.0f or above), merged into one template (zkbio_merge) written to TEMPLATE "
               "(native\nformat by default). Progress goes to stderr; up to %d captures are "
               "tried.\nExit status: 0 enrolled, 1 refused (unusable images, captures of "
               "different\nfingers, no finger), 2 error.\n",
               ZKBIO_MERGE_SAME_FINGER, ENROLL_ATTEMPTS);
        return 0;
    }
    if (!o.out || first != argc) {
        cli_fail("enroll", 0, "-o TEMPLATE is required (see zkbio enroll --help)");
        return 2;
    }
    zkbio_reader_ctx *ctx = NULL;
    zkbio_reader *r = NULL;
    if (open_ctx("enroll", o.sim, &ctx) != ZKBIO_OK)
        return 2;
    if (open_reader("enroll", ctx, o.reader, &r) != ZKBIO_OK) {
        zkbio_reader_ctx_free(ctx);
        return 2;
    }
    zkbio_reader_info info;
    zkbio_reader_info_get(r, &info);
    cli_catch_signals();
    zkbio_template *caps[ENROLL_CAPTURES] = {NULL, NULL, NULL};
    int have = 0, status = 1;
    for (int attempt = 0; attempt < ENROLL_ATTEMPTS && have < ENROLL_CAPTURES && !cli_stopped();
         attempt++) {
        fprintf(stderr, "capture %d/%d: place your finger on %s\n", have + 1, ENROLL_CAPTURES,
                info.id);
        zkbio_template *t = NULL;
        int rc = capture_template("enroll", r, o.timeout_ms, &t);
        if (rc >= 2) {
            status = rc == 3 ? 1 : 2;
            break;
        }
        if (rc == 0 && have > 0) {
            double best = 0;
            for (int i = 0; i < have; i++) {
                double s = 0;
                if (zkbio_match(caps[i], t, &s) == ZKBIO_OK && s > best)
                    best = s;
            }
            if (best < ZKBIO_MERGE_SAME_FINGER) {
                fprintf(stderr,
                        "  not the same finger as the earlier capture(s) (score %.1f < %.0f): "
                        "try again\n",
                        best, ZKBIO_MERGE_SAME_FINGER);
                zkbio_template_free(t);
                t = NULL;
                rc = 1;
            } else {
                fprintf(stderr, "  same finger (score %.1f)\n", best);
            }
        }
        if (rc == 0)
            caps[have++] = t;
        zkbio_reader_output_set(r, rc == 0 ? ZKBIO_READER_LED_GREEN : ZKBIO_READER_LED_RED, 1);
        wait_lift(r);
        zkbio_reader_output_set(r, rc == 0 ? ZKBIO_READER_LED_GREEN : ZKBIO_READER_LED_RED, 0);
    }
    if (have == ENROLL_CAPTURES) {
        zkbio_template *merged = NULL;
        const zkbio_template *const in[3] = {caps[0], caps[1], caps[2]};
        int rc = zkbio_merge(in, &merged);
        if (rc == ZKBIO_OK) {
            rc = write_template("enroll", merged, o.format, o.out);
            if (rc == ZKBIO_OK)
                printf("enrolled: %u views, %zu minutiae -> %s\n", merged->view_count,
                       merged->count, o.out);
            status = rc == ZKBIO_OK ? 0 : 2;
        } else {
            cli_fail("enroll", rc, "merge refused");
            status = rc == ZKBIO_EMISMATCH || rc == ZKBIO_ELOWQUALITY ? 1 : 2;
        }
        zkbio_template_free(merged);
    } else if (status == 1) {
        fprintf(stderr,
                "zkbio enroll: enrollment failed: %d of %d usable captures of one "
                "finger\n",
                have, ENROLL_CAPTURES);
    }
    for (int i = 0; i < ENROLL_CAPTURES; i++)
        zkbio_template_free(caps[i]);
    zkbio_reader_close(r);
    zkbio_reader_ctx_free(ctx);
    return status;
}

/* ---- verify ------------------------------------------------------------------------------- */

int zkbio_cli_verify(int argc, char **argv)
{
    reader_opts o;
    int first;
    if (parse_opts("verify", argc, argv, &o, &first) != 0)
        return 2;
    if (o.help) {
        printf("Usage: zkbio verify [--reader ID] TEMPLATE [--threshold S] [--timeout MS] "
               "[--sim SPEC]\n\n"
               "Capture a finger and compare it with TEMPLATE (native, ISO 19794-2, ANSI 378 "
               "or\nthe base64 of one). Prints the score and \"match\" or \"no match\" "
               "(threshold\ndefault %.0f, FMR 1e-4).\nExit status: 0 match, 1 no match (or "
               "no finger, or an unusable image), 2 error.\n",
               ZKBIO_MATCH_THRESHOLD);
        return 0;
    }
    if (first + 1 != argc) {
        cli_fail("verify", 0, "one TEMPLATE file is required (see zkbio verify --help)");
        return 2;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = cli_read_file(argv[first], &data, &len);
    zkbio_template *ref = NULL;
    zkbio_error_info err;
    if (rc == ZKBIO_OK)
        rc = engine_import_template(data, len, &ref, &err);
    free(data);
    if (rc != ZKBIO_OK) {
        cli_fail("verify", rc, "cannot read the template %s", argv[first]);
        return 2;
    }
    zkbio_reader_ctx *ctx = NULL;
    zkbio_reader *r = NULL;
    int status = 2;
    if (open_ctx("verify", o.sim, &ctx) == ZKBIO_OK &&
        open_reader("verify", ctx, o.reader, &r) == ZKBIO_OK) {
        zkbio_reader_info info;
        zkbio_reader_info_get(r, &info);
        fprintf(stderr, "place your finger on %s\n", info.id);
        zkbio_template *probe = NULL;
        rc = capture_template("verify", r, o.timeout_ms, &probe);
        if (rc == 0) {
            double score = 0;
            rc = zkbio_match(probe, ref, &score);
            if (rc == ZKBIO_OK) {
                int match = score >= o.threshold;
                printf("score %.2f: %s\n", score, match ? "match" : "no match");
                zkbio_reader_output_set(r, match ? ZKBIO_READER_LED_GREEN : ZKBIO_READER_LED_RED,
                                        1);
                status = match ? 0 : 1;
            } else {
                cli_fail("verify", rc, "comparison failed");
            }
        } else {
            status = rc == 2 ? 2 : 1; /* no finger or an unusable image: not verified */
        }
        zkbio_template_free(probe);
    }
    zkbio_reader_close(r);
    zkbio_reader_ctx_free(ctx);
    zkbio_template_free(ref);
    return status;
}

/* ---- bench capture ------------------------------------------------------------------------ */
/* Part of `zkbio bench` (ZKBIO_CLI_BENCH: not on Windows, cli/meson.build). */
#ifdef ZKBIO_CLI_BENCH

typedef struct bench_job {
    zkbio_reader *r;
    int frames, rc;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done; /* captures finished */
    uint64_t *ret_us;
    uint64_t *overhead_us, *backend_us;
} bench_job;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *bench_capture_thread(void *arg)
{
    bench_job *j = arg;
    for (int i = 0; i < j->frames; i++) {
        zkbio_image *img = NULL;
        int rc = zkbio_reader_capture(j->r, 5000, &img);
        uint64_t t = now_us();
        zkbio_reader_timing tm = {0, 0};
        zkbio_reader_timing_get(j->r, &tm);
        zkbio_image_free(img);
        pthread_mutex_lock(&j->lock);
        j->ret_us[i] = t;
        j->overhead_us[i] = tm.total_us - tm.backend_us;
        j->backend_us[i] = tm.backend_us;
        if (rc != ZKBIO_OK)
            j->rc = rc;
        j->done = i + 1;
        pthread_cond_broadcast(&j->cond);
        pthread_mutex_unlock(&j->lock);
        if (rc != ZKBIO_OK)
            break;
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void stats(const char *what, uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_u64);
    uint64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    printf("  %-34s mean %8.1f us  p50 %6llu us  p99 %6llu us  max %6llu us\n", what,
           (double)sum / n, (unsigned long long)v[n / 2], (unsigned long long)v[(n * 99) / 100],
           (unsigned long long)v[n - 1]);
}

int zkbio_cli_bench_capture(int argc, char **argv)
{
    static const struct option opts[] = {
        {"frames", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long frames = 200;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'n') {
            if (cli_parse_long(optarg, 1, 100000, &frames) != 0) {
                cli_fail("bench capture", 0, "bad --frames '%s'", optarg);
                return 2;
            }
        } else if (c == 'h') {
            printf("Usage: zkbio bench capture [--frames N]\n\n"
                   "Capture N 640x480 frames (the ZK4500 frame size) from a sim socket reader "
                   "while\nanother thread sends them, one at a time. Prints per capture: the "
                   "library's own\noverhead over the backend (zkbio_reader_timing_get(): total - "
                   "backend), the backend\ntime, and the end-to-end latency from sending a frame "
                   "to the capture's return.\nExit status 1 when the p99 overhead is 5 ms or "
                   "more.\n");
            return 0;
        } else {
            return 2;
        }
    }
    char dir[] = "/tmp/zkbio-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        cli_fail("bench capture", ZKBIO_EIO, "mkdtemp");
        return 2;
    }
    char sock[64], spec[80];
    snprintf(sock, sizeof(sock), "%s/r.sock", dir);
    snprintf(spec, sizeof(spec), "socket:%s", sock);
    zkbio_reader_ctx *ctx = NULL;
    zkbio_reader *r = NULL;
    zkbio_reader_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.sim = spec;
    cfg.backends = ZKBIO_READER_BACKEND_SIM;
    int rc = zkbio_reader_ctx_new(&cfg, &ctx);
    if (rc == ZKBIO_OK)
        rc = zkbio_reader_open(ctx, "sim:0", &r);
    zkbio_image *frame = NULL;
    if (rc == ZKBIO_OK)
        rc = zkbio_image_new(640, 480, 500, &frame);
    uint64_t *sent = calloc((size_t)frames, sizeof(uint64_t));
    bench_job j = {.r = r, .frames = (int)frames};
    j.ret_us = calloc((size_t)frames, sizeof(uint64_t));
    j.overhead_us = calloc((size_t)frames, sizeof(uint64_t));
    j.backend_us = calloc((size_t)frames, sizeof(uint64_t));
    if (rc == ZKBIO_OK && (!sent || !j.ret_us || !j.overhead_us || !j.backend_us))
        rc = ZKBIO_ENOMEM;
    int status = 2;
    if (rc == ZKBIO_OK) {
        for (uint32_t i = 0; i < 640u * 480u; i++)
            frame->pixels[i] = (uint8_t)(i * 7);
        pthread_mutex_init(&j.lock, NULL);
        pthread_cond_init(&j.cond, NULL);
        pthread_t th;
        pthread_create(&th, NULL, bench_capture_thread, &j);
        for (int i = 0; i < frames && rc == ZKBIO_OK; i++) {
            sleep_ms(1); /* let the capture thread wait for the frame */
            sent[i] = now_us();
            rc = zkbio_sim_send(sock, frame, 0, 0);
            pthread_mutex_lock(&j.lock);
            while (rc == ZKBIO_OK && j.done <= i && j.rc == ZKBIO_OK)
                pthread_cond_wait(&j.cond, &j.lock);
            if (j.rc != ZKBIO_OK)
                rc = j.rc;
            pthread_mutex_unlock(&j.lock);
        }
        if (rc != ZKBIO_OK)
            zkbio_reader_cancel(r);
        pthread_join(th, NULL);
        if (rc == ZKBIO_OK) {
            for (int i = 0; i < frames; i++)
                sent[i] = j.ret_us[i] - sent[i];
            printf("bench capture: %ld frames of 640x480 from a sim socket reader\n", frames);
            stats("library overhead (total - backend)", j.overhead_us, (int)frames);
            uint64_t p99 = j.overhead_us[(frames * 99) / 100];
            stats("backend capture", j.backend_us, (int)frames);
            stats("end to end (send -> capture return)", sent, (int)frames);
            printf("overhead p99 %s 5 ms: %s\n",
                   p99 < 5000 ? "<" : ">=", p99 < 5000 ? "ok" : "FAIL");
            status = p99 < 5000 ? 0 : 1;
        } else {
            cli_fail("bench capture", rc, "%s", zkbio_reader_last_error());
        }
        pthread_cond_destroy(&j.cond);
        pthread_mutex_destroy(&j.lock);
    } else {
        cli_fail("bench capture", rc, "%s", zkbio_reader_last_error());
    }
    free(sent);
    free(j.ret_us);
    free(j.overhead_us);
    free(j.backend_us);
    zkbio_image_free(frame);
    zkbio_reader_close(r);
    zkbio_reader_ctx_free(ctx);
    rmdir(dir);
    return status;
}
#endif /* ZKBIO_CLI_BENCH */
