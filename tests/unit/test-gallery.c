/* SPDX-License-Identifier: Apache-2.0 */
/* 1:N gallery (include/zkbio/gallery.h): argument errors, add/remove/count/clear, identify order
 * and equality with 1:1 scores, identical results for 1, 2 and 4 threads, and identifies running
 * in two threads while a third adds and removes.
 * argv[1]: the test data folder (tests/data): its FVC .iso templates (all 160 of FVC2002_DB1_B and
 * FVC2004_DB1_B) are the gallery; a missing one is a failure (the remaining checks then run on
 * made-up templates). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/fp-test.h"
#include "../support/test.h"
#include "zkbio/gallery.h"
#include "zkbio/match.h"
#include "zkbio/template.h"

#define TPL_MAX 256
#define COPIES  8 /* every template is enrolled COPIES times, so the gallery has several shards */

static zkbio_template *tpl[TPL_MAX];
static size_t ntpl;

static void load_dir(const char *dir)
{
    char *files[128];
    size_t n = test_list_files(dir, ".iso", files, 128); /* sorted: the same ids on every run */
    for (size_t i = 0; i < n; i++) {
        zkbio_template *t = ntpl < TPL_MAX ? test_load_template(files[i]) : NULL;
        if (t)
            tpl[ntpl++] = t;
        free(files[i]);
    }
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static void make_synthetic(void)
{
    for (size_t k = 0; k < 40; k++) {
        zkbio_template *t = NULL;
        if (zkbio_template_new(30 + k % 20, &t) != ZKBIO_OK)
            continue;
        t->width = 388;
        t->height = 374;
        t->xres = t->yres = 197;
        for (size_t i = 0; i < t->count; i++) {
            t->minutiae[i].x = (uint16_t)(rnd() % 380);
            t->minutiae[i].y = (uint16_t)(rnd() % 370);
            t->minutiae[i].angle = (uint8_t)rnd();
            t->minutiae[i].type = (uint8_t)(1 + rnd() % 2);
            t->minutiae[i].quality = 60;
        }
        tpl[ntpl++] = t;
    }
}

/* id of copy c of template i */
static uint32_t id_of(size_t i, size_t c)
{
    return (uint32_t)(1000 + c * 1000 + i);
}

static void test_errors(void)
{
    zkbio_gallery *g = NULL;
    size_t n = 99;
    CHECK_EQ_INT(zkbio_gallery_new(65, &g), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_new(1, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_new(0, &g), ZKBIO_OK); /* one per core */
    if (!g)
        return;
    CHECK_EQ_INT(zkbio_gallery_count(g, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(zkbio_gallery_count(NULL, &n), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_count(g, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_add(NULL, 1, tpl[0]), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_add(g, 1, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_add(g, 0, tpl[0]), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_remove(NULL, 1), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_remove(g, 1), ZKBIO_ENOENT);
    CHECK_EQ_INT(zkbio_gallery_clear(NULL), ZKBIO_EINVAL);

    /* an invalid template: a type above 2 */
    zkbio_template *bad = NULL;
    CHECK_EQ_INT(zkbio_template_new(3, &bad), ZKBIO_OK);
    if (bad) {
        bad->minutiae[1].type = 3;
        CHECK_EQ_INT(zkbio_gallery_add(g, 5, bad), ZKBIO_EINVAL);
        bad->minutiae[1].type = 1;
        bad->minutiae[2].view = 2; /* view beyond view_count */
        CHECK_EQ_INT(zkbio_gallery_add(g, 5, bad), ZKBIO_EINVAL);
        zkbio_template_free(bad);
    }

    zkbio_candidate top[4];
    size_t found = 7;
    CHECK_EQ_INT(zkbio_gallery_identify(g, tpl[0], 0, top, 4, &found), ZKBIO_ENOENT); /* empty */
    CHECK_EQ_INT(found, 0);
    CHECK_EQ_INT(zkbio_gallery_identify(g, tpl[0], 0, top, 0, &found), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify(g, NULL, 0, top, 4, &found), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify(g, tpl[0], 0, NULL, 4, &found), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify(g, tpl[0], 0, top, 4, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_gallery_identify(NULL, tpl[0], 0, top, 4, &found), ZKBIO_EINVAL);

    /* add / EEXIST / remove / ENOENT / count / clear, with swap-removes in between */
    for (uint32_t id = 1; id <= 200; id++)
        CHECK_EQ_INT(zkbio_gallery_add(g, id * 7919u, tpl[id % ntpl]), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_gallery_add(g, 7919u, tpl[1]), ZKBIO_EEXIST);
    CHECK_EQ_INT(zkbio_gallery_count(g, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 200);
    for (uint32_t id = 1; id <= 200; id += 3)
        CHECK_EQ_INT(zkbio_gallery_remove(g, id * 7919u), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_gallery_remove(g, 7919u), ZKBIO_ENOENT);
    CHECK_EQ_INT(zkbio_gallery_count(g, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 200 - 67);
    int ok = 1;
    for (uint32_t id = 1; id <= 200; id++) {
        int rc = zkbio_gallery_add(g, id * 7919u, tpl[0]);
        if (rc != (id % 3 == 1 ? ZKBIO_OK : ZKBIO_EEXIST))
            ok = 0;
    }
    CHECK(ok);
    CHECK_EQ_INT(zkbio_gallery_count(g, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 200);
    CHECK_EQ_INT(zkbio_gallery_clear(g), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_gallery_count(g, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(zkbio_gallery_remove(g, 7919u), ZKBIO_ENOENT);
    CHECK_EQ_INT(zkbio_gallery_add(g, 7919u, tpl[0]), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_gallery_add(g, UINT32_MAX, tpl[0]), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_gallery_count(g, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 2);
    zkbio_gallery_free(g);
    zkbio_gallery_free(NULL);
}

/* random adds and removes against a reference set; identify with k = count returns exactly the
 * ids present (exercises the hash map's backward-shift deletion and the swap-removes) */
static void test_churn_reference(void)
{
    enum { IDS = 3000, OPS = 12000 };
    static unsigned char present[IDS];
    memset(present, 0, sizeof(present));
    zkbio_gallery *g = NULL;
    CHECK_EQ_INT(zkbio_gallery_new(2, &g), ZKBIO_OK);
    if (!g)
        return;
    size_t n = 0;
    int ok = 1;
    for (int op = 0; op < OPS; op++) {
        /* ids that collide in the map: multiples of a power of two spread over few slots */
        uint32_t id = 1 + (rnd() % IDS);
        uint32_t key = id * 4096u;
        if (rnd() % 3) {
            int rc = zkbio_gallery_add(g, key, tpl[id % ntpl]);
            if (rc != (present[id - 1] ? ZKBIO_EEXIST : ZKBIO_OK))
                ok = 0;
            if (!present[id - 1]) {
                present[id - 1] = 1;
                n++;
            }
        } else {
            int rc = zkbio_gallery_remove(g, key);
            if (rc != (present[id - 1] ? ZKBIO_OK : ZKBIO_ENOENT))
                ok = 0;
            if (present[id - 1]) {
                present[id - 1] = 0;
                n--;
            }
        }
    }
    CHECK(ok);
    size_t count = 0;
    CHECK_EQ_INT(zkbio_gallery_count(g, &count), ZKBIO_OK);
    CHECK_EQ_INT(count, n);
    zkbio_candidate *all = malloc((n + 1) * sizeof(*all));
    size_t f = 0;
    if (all && n > 0) {
        CHECK_EQ_INT(zkbio_gallery_identify(g, tpl[0], 0.0, all, n + 1, &f), ZKBIO_OK);
        CHECK_EQ_INT(f, n);
        static unsigned char seen[IDS];
        memset(seen, 0, sizeof(seen));
        int exact = 1;
        for (size_t i = 0; i < f; i++) {
            uint32_t id = all[i].id / 4096u;
            if (all[i].id % 4096u || id < 1 || id > IDS || !present[id - 1] || seen[id - 1])
                exact = 0;
            else
                seen[id - 1] = 1;
        }
        CHECK(exact);
    }
    free(all);
    zkbio_gallery_free(g);
}

static zkbio_gallery *filled(unsigned threads)
{
    zkbio_gallery *g = NULL;
    if (zkbio_gallery_new(threads, &g) != ZKBIO_OK)
        return NULL;
    for (size_t c = 0; c < COPIES; c++)
        for (size_t i = 0; i < ntpl; i++)
            if (zkbio_gallery_add(g, id_of(i, c), tpl[i]) != ZKBIO_OK) {
                zkbio_gallery_free(g);
                return NULL;
            }
    return g;
}

#define K 12

/* identify results equal the 1:1 scores: the best K by (score desc, id asc) */
static void test_identify(void)
{
    zkbio_gallery *g[3] = {filled(1), filled(2), filled(4)};
    CHECK(g[0] && g[1] && g[2]);
    if (!g[0] || !g[1] || !g[2])
        goto out;
    double *s = malloc(ntpl * sizeof(double));
    size_t probes = ntpl < 24 ? ntpl : 24;
    int same_threads = 1, same_1to1 = 1, order_ok = 1, self_first = 1;
    for (size_t p = 0; p < probes; p++) {
        const zkbio_template *probe = tpl[p * 7 % ntpl];
        for (size_t i = 0; i < ntpl; i++)
            if (zkbio_match(probe, tpl[i], &s[i]) != ZKBIO_OK)
                s[i] = -1;
        zkbio_candidate top[3][K];
        size_t found[3];
        for (int t = 0; t < 3; t++) {
            int rc = zkbio_gallery_identify(g[t], probe, 0.0, top[t], K, &found[t]);
            CHECK_EQ_INT(rc, ZKBIO_OK);
            CHECK_EQ_INT(found[t], K);
        }
        for (int t = 1; t < 3; t++) {
            if (found[t] != found[0])
                same_threads = 0;
            for (size_t r = 0; r < found[0] && r < found[t]; r++)
                if (top[t][r].id != top[0][r].id || top[t][r].score != top[0][r].score)
                    same_threads = 0;
        }
        for (size_t r = 0; r < found[0]; r++) {
            const zkbio_candidate *c = &top[0][r];
            size_t i = (c->id - 1000) % 1000;
            if (i >= ntpl || c->score != s[i])
                same_1to1 = 0;
            if (r > 0 && (c->score > top[0][r - 1].score ||
                          (c->score == top[0][r - 1].score && c->id < top[0][r - 1].id)))
                order_ok = 0;
        }
        /* the probe's own copies come first, lowest id first */
        if (top[0][0].id != id_of(p * 7 % ntpl, 0) || top[0][1].id != id_of(p * 7 % ntpl, 1))
            self_first = 0;

        /* threshold: nothing above an impossible one, and found counts what passes */
        size_t f = 9;
        CHECK_EQ_INT(zkbio_gallery_identify(g[1], probe, 1e9, top[1], K, &f), ZKBIO_ENOENT);
        CHECK_EQ_INT(f, 0);
        double thr = top[0][K / 2].score;
        size_t passing = 0;
        for (size_t i = 0; i < ntpl; i++)
            passing += s[i] >= thr ? COPIES : 0;
        CHECK_EQ_INT(zkbio_gallery_identify(g[2], probe, thr, top[2], K, &f), ZKBIO_OK);
        CHECK_EQ_INT(f, passing < K ? passing : K);
    }
    CHECK(same_threads);
    CHECK(same_1to1);
    CHECK(order_ok);
    CHECK(self_first);

    /* k larger than the gallery */
    zkbio_candidate *all = malloc((ntpl * COPIES + 5) * sizeof(*all));
    size_t f = 0;
    CHECK_EQ_INT(zkbio_gallery_identify(g[2], tpl[0], 0.0, all, ntpl * COPIES + 5, &f), ZKBIO_OK);
    CHECK_EQ_INT(f, ntpl * COPIES);
    free(all);

    /* removed ids are never returned; the moved entries still are */
    for (size_t c = 0; c < COPIES; c += 2)
        CHECK_EQ_INT(zkbio_gallery_remove(g[1], id_of(3, c)), ZKBIO_OK);
    zkbio_candidate top[K];
    CHECK_EQ_INT(zkbio_gallery_identify(g[1], tpl[3], 0.0, top, COPIES / 2, &f), ZKBIO_OK);
    CHECK_EQ_INT(f, COPIES / 2);
    int odd = 1;
    for (size_t r = 0; r < f; r++)
        if (top[r].id != id_of(3, 2 * r + 1))
            odd = 0;
    CHECK(odd);
    free(s);
out:
    for (int t = 0; t < 3; t++)
        zkbio_gallery_free(g[t]);
}

typedef struct conc {
    zkbio_gallery *g;
    size_t probe;
    int loops;
    int bad;
} conc;

static void *identify_loop(void *arg)
{
    conc *c = arg;
    for (int l = 0; l < c->loops; l++) {
        zkbio_candidate top[3];
        size_t f = 0;
        int rc = zkbio_gallery_identify(c->g, tpl[c->probe], 0.0, top, 3, &f);
        /* copy 0 of the probe is never removed: it is always first */
        if (rc != ZKBIO_OK || f != 3 || top[0].id != id_of(c->probe, 0))
            c->bad++;
    }
    return NULL;
}

static void *churn(void *arg)
{
    conc *c = arg;
    for (int l = 0; l < c->loops; l++) {
        size_t i = (size_t)l % ntpl;
        uint32_t id = id_of(i, COPIES); /* ids not in the filled gallery */
        if (zkbio_gallery_add(c->g, id, tpl[i]) != ZKBIO_OK)
            c->bad++;
        if (l % 2 && zkbio_gallery_remove(c->g, id) != ZKBIO_OK)
            c->bad++;
        if (l % 5 == 0) { /* a swap-remove of a filled entry, then back */
            uint32_t other = id_of((i + 1) % ntpl, 1);
            if (zkbio_gallery_remove(c->g, other) != ZKBIO_OK ||
                zkbio_gallery_add(c->g, other, tpl[(i + 1) % ntpl]) != ZKBIO_OK)
                c->bad++;
        }
    }
    return NULL;
}

static void test_concurrent(void)
{
    zkbio_gallery *g = filled(2);
    CHECK(g != NULL);
    if (!g)
        return;
    int churn_loops = ntpl < 100 ? (int)ntpl : 100; /* each churned id is added once */
    conc a = {g, 0, 20, 0}, b = {g, 5 % ntpl, 20, 0}, w = {g, 0, churn_loops, 0};
    pthread_t ta, tb, tw;
    CHECK_EQ_INT(pthread_create(&ta, NULL, identify_loop, &a), 0);
    CHECK_EQ_INT(pthread_create(&tb, NULL, identify_loop, &b), 0);
    CHECK_EQ_INT(pthread_create(&tw, NULL, churn, &w), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_join(tw, NULL);
    CHECK_EQ_INT(a.bad, 0);
    CHECK_EQ_INT(b.bad, 0);
    CHECK_EQ_INT(w.bad, 0);
    size_t n = 0;
    CHECK_EQ_INT(zkbio_gallery_count(g, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, ntpl * COPIES + (size_t)(w.loops + 1) / 2); /* even loops keep their add */
    zkbio_gallery_free(g);
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/fvc/FVC2002_DB1_B", argv[1]);
        load_dir(dir);
        snprintf(dir, sizeof(dir), "%s/fvc/FVC2004_DB1_B", argv[1]);
        load_dir(dir);
    }
    CHECK_EQ_INT(ntpl, 160); /* every .iso of the two sets (tests/data has them all) */
    if (ntpl == 0) {
        printf("no FVC templates: made-up ones for the remaining checks\n");
        make_synthetic();
    }
    CHECK(ntpl >= 20);
    if (ntpl < 20)
        return TEST_DONE();
    printf("%zu templates x %d copies\n", ntpl, COPIES);
    test_errors();
    test_churn_reference();
    double score;
    CHECK_EQ_INT(zkbio_match(tpl[0], tpl[1], &score), ZKBIO_OK);
    test_identify();
    test_concurrent();
    for (size_t i = 0; i < ntpl; i++)
        zkbio_template_free(tpl[i]);
    return TEST_DONE();
}
