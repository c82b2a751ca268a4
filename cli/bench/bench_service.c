/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench service`: the fingerprint service of zkbiod under a web app's calls (REST).
 * Starts zkbiod on loopback (service listener only, a temporary data directory, a sim `dir:` reader
 * whose playlist never runs dry) and measures:
 *  - verify: POST /api/fingerprint/verify round trips; reported without the capture time (the
 *    reader waiting for a finger, `captureTime` in the reply): HTTP + JSON + base64 + extraction +
 *    1:1 match; p50/p99/mean;
 *  - identify: a gallery of N templates (default 10,000, replicated from the directory's images
 *    under distinct ids) uploaded once through POST /api/fingerprint/gallery, then identify round
 *    trips with the probe template in the request (no capture): p50/p99 and the server's
 *    identificationTime.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "zkbio/extract.h"
#include "zkbio/imageio.h"
#include "zkbio/template.h"

#include "bench_service.h"
#include "zkbiod_child.h"
#include "util.h"

#define KEY "benchkey_0123456789abcdef"

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t on_body(char *d, size_t sz, size_t nm, void *u)
{
    buf *b = u;
    size_t add = sz * nm;
    char *np = realloc(b->p, b->n + add + 1);
    if (!np)
        return 0;
    memcpy(np + b->n, d, add);
    b->p = np;
    b->n += add;
    b->p[b->n] = '\0';
    return add;
}

typedef struct client {
    CURL *c;
    struct curl_slist *h;
    int port;
    int tls;
} client;

static int client_init(client *cl, int port)
{
    cl->c = curl_easy_init();
    cl->h = curl_slist_append(NULL, "X-API-Key: " KEY);
    cl->h = curl_slist_append(cl->h, "Content-Type: application/json");
    cl->h = curl_slist_append(cl->h, "Host: localhost");
    cl->h = curl_slist_append(cl->h, "Expect:");
    cl->port = port;
    if (cl->c) {
        /* the service's own self-signed certificate: measured, not verified */
        curl_easy_setopt(cl->c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(cl->c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return cl->c && cl->h ? 0 : -1;
}

static void client_free(client *cl)
{
    curl_slist_free_all(cl->h);
    curl_easy_cleanup(cl->c);
}

/* POST body to path; the parsed reply (NULL on error), *ms the round trip. */
static json_t *post(client *cl, const char *path, const char *body, double *ms, long *status)
{
    char url[256];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d%s", cl->tls ? "https" : "http", cl->port, path);
    buf b = {NULL, 0};
    curl_easy_setopt(cl->c, CURLOPT_URL, url);
    curl_easy_setopt(cl->c, CURLOPT_HTTPHEADER, cl->h);
    curl_easy_setopt(cl->c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(cl->c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(cl->c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(cl->c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(cl->c, CURLOPT_TIMEOUT, 120L);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CURLcode rc = curl_easy_perform(cl->c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    *status = 0;
    curl_easy_getinfo(cl->c, CURLINFO_RESPONSE_CODE, status);
    json_t *j = rc == CURLE_OK && b.p ? json_loads(b.p, 0, NULL) : NULL;
    free(b.p);
    return j;
}

/* GET /api/devices: 1 when a reader is listed. */
static int ready(client *cl)
{
    char url[256];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d/api/devices", cl->tls ? "https" : "http",
             cl->port);
    buf b = {NULL, 0};
    curl_easy_setopt(cl->c, CURLOPT_URL, url);
    curl_easy_setopt(cl->c, CURLOPT_HTTPHEADER, cl->h);
    curl_easy_setopt(cl->c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(cl->c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(cl->c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(cl->c, CURLOPT_TIMEOUT, 5L);
    json_t *j = curl_easy_perform(cl->c) == CURLE_OK && b.p ? json_loads(b.p, 0, NULL) : NULL;
    free(b.p);
    int ok = json_array_size(j) > 0;
    json_decref(j);
    return ok;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static int is_image_name(const char *path)
{
    const char *dot = strrchr(cli_basename(path), '.');
    return dot && (!strcmp(dot, ".tif") || !strcmp(dot, ".png") || !strcmp(dot, ".bmp") ||
                   !strcmp(dot, ".pgm"));
}

/* The first `max` image files of dir by name (cli_list_dir()). 0, or -1 when there is none. */
static int list_images(const char *dir, char ***out, size_t *count, size_t max)
{
    char **v = NULL;
    size_t all = 0, n = 0;
    if (cli_list_dir(dir, NULL, &v, &all) != ZKBIO_OK)
        return -1;
    for (size_t i = 0; i < all; i++) {
        if (n < max && is_image_name(v[i]))
            v[n++] = v[i];
        else
            free(v[i]);
    }
    if (n == 0) {
        free(v);
        return -1;
    }
    *out = v;
    *count = n;
    return 0;
}

static char *template_b64(const char *path)
{
    zkbio_image *img = NULL;
    zkbio_template *t = NULL;
    zkbio_extract_info info;
    char *out = NULL;
    if (zkbio_image_load(path, 500, &img) == 0 && zkbio_extract(img, &t, &info) == 0) {
        uint8_t rec[ZKBIO_NATIVE_MAX];
        size_t len = 0;
        if (zkbio_template_export_native(t, rec, sizeof(rec), &len) == 0) {
            out = malloc(len * 4 / 3 + 8);
            if (out && zkbio_base64_encode(rec, len, out, len * 4 / 3 + 8, NULL) != 0) {
                free(out);
                out = NULL;
            }
        }
    }
    zkbio_template_free(t);
    zkbio_image_free(img);
    return out;
}

static void usage(FILE *f)
{
    fputs("Usage: zkbio bench service DIR [--verifies N] [--identifies N] [--gallery N]\n"
          "                            [--tls] [--zkbiod PATH] [--json]\n"
          "Measures zkbiod's fingerprint service through its REST API on loopback (plain HTTP,\n"
          "or HTTPS with --tls),\n"
          "with a sim reader serving DIR's images: verify round trips without the capture time\n"
          "(p50/p99), and identify against a gallery of N templates (default 10000, replicated\n"
          "from DIR's images) uploaded once. DIR: e.g. ../shared/data/fvc/FVC2002_DB1_B.\n",
          f);
}

int zkbio_cli_bench_service(int argc, char **argv)
{
    int verifies = 200, identifies = 50, gallery = 10000, json_out = 0, tls = 0;
    const char *zkbiod_opt = NULL;
    static const struct option longopts[] = {
        {"verifies", required_argument, NULL, 'v'}, {"identifies", required_argument, NULL, 'i'},
        {"gallery", required_argument, NULL, 'g'},  {"zkbiod", required_argument, NULL, 'z'},
        {"json", no_argument, NULL, 'j'},           {"tls", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'v':
            verifies = atoi(optarg);
            break;
        case 'i':
            identifies = atoi(optarg);
            break;
        case 'g':
            gallery = atoi(optarg);
            break;
        case 'z':
            zkbiod_opt = optarg;
            break;
        case 'j':
            json_out = 1;
            break;
        case 't':
            tls = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc || verifies < 1 || identifies < 1 || gallery < 1 || gallery > 1000000) {
        usage(stderr);
        return 2;
    }
    const char *dir = argv[optind];
    char **files = NULL;
    size_t nfiles = 0;
    if (list_images(dir, &files, &nfiles, 400) != 0) {
        fprintf(stderr, "zkbio bench service: no images in %s\n", dir);
        return 1;
    }
    char exe[PATH_MAX];
    if (bench_find_zkbiod(zkbiod_opt, exe, sizeof(exe)) != 0)
        snprintf(exe, sizeof(exe), "%s", zkbiod_opt ? zkbiod_opt : "zkbiod");

    /* templates of the directory's images (the gallery's distinct entries, and the references) */
    char **tpl = calloc(nfiles, sizeof(char *));
    size_t ntpl = 0;
    for (size_t i = 0; tpl && i < nfiles; i++)
        if ((tpl[ntpl] = template_b64(files[i])))
            ntpl++;
    if (ntpl == 0) {
        fprintf(stderr, "zkbio bench service: no usable image in %s\n", dir);
        return 1;
    }

    /* the sim reader's playlist: links to the images, enough for every capture */
    char tmp[] = "/tmp/zkbio-bench-service-XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    char reader[PATH_MAX], data[PATH_MAX], log[PATH_MAX];
    snprintf(reader, sizeof(reader), "%s/reader", tmp);
    snprintf(data, sizeof(data), "%s/data", tmp);
    snprintf(log, sizeof(log), "%s/zkbiod.log", tmp);
    mkdir(reader, 0700);
    for (int i = 0; i < verifies + 8; i++) {
        char link[PATH_MAX + 32];
        char target[PATH_MAX]; /* absolute: a relative DIR would dangle from the reader folder */
        snprintf(link, sizeof(link), "%s/%06d.tif", reader, i);
        if (!realpath(files[(size_t)i % nfiles], target) || symlink(target, link) != 0)
            break;
    }
    /* port 0: the system picks the port as zkbiod binds it, and zkbiod writes it to the port file
     */
    char sim[PATH_MAX + 8], ports[PATH_MAX];
    const char *listen = tls ? "127.0.0.1:0s" : "127.0.0.1:0";
    snprintf(sim, sizeof(sim), "dir:%s", reader);
    snprintf(ports, sizeof(ports), "%s/zkbiod.ports", tmp);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("ZKBIO_SIM", sim, 1);
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        execl(exe, exe, "--listen", "off", "--service-listen", listen, "--port-file", ports,
              "--data-dir", data, "--api-key", KEY, "--rate-limit", "1000000", "--scan-rate-limit",
              "100000", "--service-max-body", "256M", "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    int exited = 0, wstatus = 0; /* wstatus: unused beyond the reap */
    int port = pid > 0 ? bench_port_file_wait(ports, "service", pid, 10000, &exited, &wstatus) : -1;
    curl_global_init(CURL_GLOBAL_ALL);
    client cl;
    client_init(&cl, port > 0 ? port : 1);
    cl.tls = tls;
    int rc = 1, up = 0;
    for (int i = 0; port > 0 && i < 100 && !up; i++) {
        up = ready(&cl);
        if (!up) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    double *rtt = calloc((size_t)(verifies > identifies ? verifies : identifies), sizeof(double));
    double *srv = calloc((size_t)(verifies > identifies ? verifies : identifies), sizeof(double));
    if (!up || !rtt || !srv) {
        fprintf(stderr, "zkbio bench service: zkbiod did not start (%s; log %s)\n", exe, log);
        goto out;
    }

    /* verify: each capture is the next playlist image; the reference is that image's finger
     * (the same image: a genuine comparison, the matching work of a real verify) */
    size_t nv = 0, matches = 0;
    char *body = malloc(16384);
    for (int i = 0; body && i < verifies; i++) {
        snprintf(body, 16384, "{\"userId\":\"u\",\"deviceId\":\"sim:0\",\"template\":\"%s\"}",
                 tpl[(size_t)i % ntpl]);
        double ms;
        long st;
        json_t *r = post(&cl, "/api/fingerprint/verify", body, &ms, &st);
        if (st == 200 && r) {
            double cap = (double)json_integer_value(json_object_get(r, "captureTime"));
            rtt[nv] = ms - cap;
            srv[nv] = (double)json_integer_value(json_object_get(r, "verificationTime"));
            matches += json_is_true(json_object_get(r, "match"));
            nv++;
        }
        json_decref(r);
    }
    qsort(rtt, nv, sizeof(double), cmp_double);
    double v50 = pct(rtt, nv, 0.5), v99 = pct(rtt, nv, 0.99);

    /* the gallery, supplied once */
    size_t cap = (size_t)gallery * 2200 + 64, len = 0;
    char *g = malloc(cap);
    double load_ms = 0;
    long st = 0;
    if (g) {
        len += (size_t)snprintf(g + len, cap - len, "{\"templates\":[");
        for (int i = 0; i < gallery && len + 2200 < cap; i++)
            len += (size_t)snprintf(g + len, cap - len,
                                    "%s{\"id\":\"t%d\",\"userId\":\"user%d\",\"template\":\"%s\"}",
                                    i ? "," : "", i, i, tpl[(size_t)i % ntpl]);
        snprintf(g + len, cap - len, "]}");
        json_t *r = post(&cl, "/api/fingerprint/gallery", g, &load_ms, &st);
        json_decref(r);
        free(g);
    }
    if (st != 200) {
        fprintf(stderr, "zkbio bench service: gallery upload failed (HTTP %ld)\n", st);
        goto out;
    }
    size_t ni = 0, found = 0;
    double srv_sum = 0;
    for (int i = 0; body && i < identifies; i++) {
        snprintf(body, 16384, "{\"template\":\"%s\"}", tpl[(size_t)(i * 7 + 3) % ntpl]);
        double ms;
        json_t *r = post(&cl, "/api/fingerprint/identify", body, &ms, &st);
        if (st == 200 && r) {
            rtt[ni] = ms;
            srv_sum += (double)json_integer_value(json_object_get(r, "identificationTime"));
            found += json_is_true(json_object_get(r, "match"));
            ni++;
        }
        json_decref(r);
    }
    free(body);
    qsort(rtt, ni, sizeof(double), cmp_double);
    double i50 = pct(rtt, ni, 0.5), i99 = pct(rtt, ni, 0.99);
    if (json_out) {
        printf("{\"tls\":%s,\"verify\":{\"n\":%zu,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"matches\":%zu},"
               "\"gallery\":{\"templates\":%d,\"upload_ms\":%.0f},"
               "\"identify\":{\"n\":%zu,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"server_mean_ms\":%.2f,"
               "\"matches\":%zu}}\n",
               tls ? "true" : "false", nv, v50, v99, matches, gallery, load_ms, ni, i50, i99,
               ni ? srv_sum / (double)ni : 0, found);
    } else {
        printf("zkbio bench service: zkbiod %s, REST on loopback (%s, keep-alive)\n", exe,
               tls ? "HTTPS" : "plain HTTP");
        printf("verify round trip without capture: n=%zu p50 %.2f ms p99 %.2f ms (%zu matches)\n",
               nv, v50, v99, matches);
        printf("gallery upload: %d templates (%zu distinct) in %.0f ms\n", gallery, ntpl, load_ms);
        printf("identify 1:%d (probe in the request): n=%zu p50 %.2f ms p99 %.2f ms, server "
               "identificationTime mean %.2f ms (%zu matches)\n",
               gallery, ni, i50, i99, ni ? srv_sum / (double)ni : 0, found);
    }
    rc = nv == (size_t)verifies && ni == (size_t)identifies ? 0 : 1;
out:
    free(rtt);
    free(srv);
    client_free(&cl);
    if (pid > 0 && !exited) { /* never kill(-1, ...) after a failed fork, nor a reaped pid */
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    for (size_t i = 0; i < ntpl; i++)
        free(tpl[i]);
    free(tpl);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "zkbio bench service: cannot remove %s\n", tmp);
    return rc;
}
