/* SPDX-License-Identifier: Apache-2.0 */
/* 1:N gallery (include/zkbio/gallery.h).
 *
 * Layout: templates are prepared once (zki_prep) and kept in two flat arrays, ids[] and preps[],
 * indexed 0..n-1; an open-addressing hash map (linear probing, backward-shift deletion) maps an id
 * to its index, so add is an append and remove a swap with the last entry, both O(1).
 *
 * Locking: `lock` (reader-writer) guards the arrays and the map. An identify holds it for reading
 * from start to end, so it sees one consistent gallery; add/remove/clear hold it for writing only
 * for the array and map update (preparing and freeing templates happen outside it). `mu` guards
 * the job queue of the worker pool. Order: `lock` before `mu`; pool threads take only `mu`, never
 * `lock` (they run under the read lock of the identify that queued the job), so there is no cycle.
 *
 * Identify: the probe is built once; the gallery is cut into contiguous shards; the shards of one
 * identify form a job. The calling thread queues the job, wakes the pool, then claims shards of
 * its own job until none is left and waits for the shards the pool threads took. Because the
 * caller always works on its own job, every identify progresses even when the pool is busy with
 * other callers' jobs, and several identifies share the pool fairly (FIFO by job). Each shard
 * keeps its own top-k (a min-heap); the shard lists are then merged and sorted by (score desc, id
 * asc), a total order, so the result does not depend on the thread count or the shard cut. */
#define _GNU_SOURCE 1 /* pthread_rwlockattr_setkind_np (glibc) */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fp/formats/zki_fmr.h"
#include "internal/thread.h"
#include "fp/match/zki_match.h"
#include "fp/zki_fpir.h"
#include "zkbio/gallery.h"

#define THREADS_MAX     64
#define SHARDS_PER_TASK 4   /* shards per participating thread: load balance between callers */
#define SHARD_MIN       256 /* smallest shard worth a queue round trip */

typedef struct shard_top {
    zkbio_candidate *c; /* min-heap by goodness: c[0] is the worst kept */
    size_t n, cap;
} shard_top;

typedef struct gal_job {
    struct gal_job *next; /* in the pool queue while shards are unclaimed */
    const uint32_t *ids;
    zki_prep *const *preps;
    const zki_probe *probe;
    int32_t min_score;
    size_t count, shard_size;
    unsigned nshards, claimed, done; /* claimed and done are guarded by the gallery's mu */
    shard_top *tops;
    pthread_cond_t done_cv;
} gal_job;

typedef struct ws_cache {
    struct ws_cache *next;
    zki_match_ws *ws;
} ws_cache;

struct zkbio_gallery {
    pthread_rwlock_t lock;
    uint32_t *ids;
    zki_prep **preps;
    size_t n, cap;
    uint32_t *hkeys; /* 0 = empty slot (ids are > 0) */
    uint32_t *hvals;
    size_t hcap; /* power of two, or 0 */
    unsigned hbits;

    pthread_mutex_t mu;
    pthread_cond_t work_cv;
    gal_job *qhead, *qtail;
    bool stop;
    unsigned threads;  /* participants in one identify: the caller plus threads - 1 pool threads */
    unsigned nworkers; /* pool threads started */
    pthread_t *workers;
    zki_match_ws **worker_ws;
    ws_cache *spare; /* scratch of callers, reused */
};

/* ---- id -> index map ---------------------------------------------------------------------- */

static size_t h_slot(const zkbio_gallery *g, uint32_t id)
{
    return (size_t)((uint32_t)(id * 2654435769u) >> (32 - g->hbits));
}

/* Slot holding `id`, or SIZE_MAX. */
static size_t h_find(const zkbio_gallery *g, uint32_t id)
{
    if (!g->hcap)
        return SIZE_MAX;
    size_t mask = g->hcap - 1;
    for (size_t s = h_slot(g, id);; s = (s + 1) & mask) {
        if (g->hkeys[s] == id)
            return s;
        if (g->hkeys[s] == 0)
            return SIZE_MAX;
    }
}

static void h_put(zkbio_gallery *g, uint32_t id, uint32_t val)
{
    size_t mask = g->hcap - 1, s = h_slot(g, id);
    while (g->hkeys[s] != 0 && g->hkeys[s] != id)
        s = (s + 1) & mask;
    g->hkeys[s] = id;
    g->hvals[s] = val;
}

/* Remove the entry in slot s, shifting back the entries of its probe run (no tombstones). */
static void h_erase(zkbio_gallery *g, size_t s)
{
    size_t mask = g->hcap - 1, hole = s;
    for (size_t i = (s + 1) & mask; g->hkeys[i] != 0; i = (i + 1) & mask) {
        size_t home = h_slot(g, g->hkeys[i]);
        /* move i into the hole when its home is not cyclically in (hole, i] */
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            g->hkeys[hole] = g->hkeys[i];
            g->hvals[hole] = g->hvals[i];
            hole = i;
        }
    }
    g->hkeys[hole] = 0;
}

/* Make room for `need` entries at a load factor of at most 1/2. */
static int h_reserve(zkbio_gallery *g, size_t need)
{
    if (need * 2 <= g->hcap)
        return ZKBIO_OK;
    unsigned bits = g->hbits ? g->hbits : 4;
    while (((size_t)1 << bits) < need * 2)
        bits++;
    if (bits > 31)
        return ZKBIO_ENOMEM;
    size_t cap = (size_t)1 << bits;
    uint32_t *keys = calloc(cap, sizeof(uint32_t)), *vals = malloc(cap * sizeof(uint32_t));
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return ZKBIO_ENOMEM;
    }
    uint32_t *okeys = g->hkeys, *ovals = g->hvals;
    size_t ocap = g->hcap;
    g->hkeys = keys;
    g->hvals = vals;
    g->hcap = cap;
    g->hbits = bits;
    for (size_t i = 0; i < ocap; i++)
        if (okeys[i])
            h_put(g, okeys[i], ovals[i]);
    free(okeys);
    free(ovals);
    return ZKBIO_OK;
}

/* ---- top-k -------------------------------------------------------------------------------- */

/* a ranks before b: higher score, then lower id */
static bool cand_better(const zkbio_candidate *a, const zkbio_candidate *b)
{
    return a->score > b->score || (a->score == b->score && a->id < b->id);
}

static void top_sift_down(shard_top *t, size_t i)
{
    for (;;) {
        size_t w = i, l = 2 * i + 1, r = l + 1;
        if (l < t->n && cand_better(&t->c[w], &t->c[l]))
            w = l;
        if (r < t->n && cand_better(&t->c[w], &t->c[r]))
            w = r;
        if (w == i)
            return;
        zkbio_candidate tmp = t->c[i];
        t->c[i] = t->c[w];
        t->c[w] = tmp;
        i = w;
    }
}

static void top_push(shard_top *t, zkbio_candidate c)
{
    if (t->n < t->cap) {
        size_t i = t->n++;
        t->c[i] = c;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!cand_better(&t->c[p], &t->c[i]))
                break;
            zkbio_candidate tmp = t->c[i];
            t->c[i] = t->c[p];
            t->c[p] = tmp;
            i = p;
        }
    } else if (cand_better(&c, &t->c[0])) {
        t->c[0] = c;
        top_sift_down(t, 0);
    }
}

static int cand_cmp(const void *a, const void *b)
{
    const zkbio_candidate *x = a, *y = b;
    if (cand_better(x, y))
        return -1;
    return cand_better(y, x) ? 1 : 0;
}

/* ---- pool --------------------------------------------------------------------------------- */

static void run_shard(gal_job *j, unsigned s, zki_match_ws *ws)
{
    size_t lo = (size_t)s * j->shard_size, hi = lo + j->shard_size;
    if (hi > j->count)
        hi = j->count;
    shard_top *t = &j->tops[s];
    const zki_probe *probe = j->probe;
    const int32_t min = j->min_score;
    if (lo < hi)
        zki_prep_prefetch_head(j->preps[lo]);
    if (lo + 1 < hi)
        zki_prep_prefetch_head(j->preps[lo + 1]);
    for (size_t i = lo; i < hi; i++) {
        /* the gallery is far larger than the caches: fetch ahead (see zki_prep_prefetch) */
        if (i + 2 < hi)
            zki_prep_prefetch_head(j->preps[i + 2]);
        if (i + 1 < hi)
            zki_prep_prefetch(j->preps[i + 1]);
        int32_t sc = zki_match_score(probe, j->preps[i], ws, min);
        if (sc < min)
            continue;
        /* kept scores are the integers x 100 until the final merge, exact as doubles */
        if (t->n == t->cap && (double)sc < t->c[0].score)
            continue;
        zkbio_candidate c = {j->ids[i], (double)sc};
        top_push(t, c);
    }
}

/* Take the next unclaimed shard of j (mu held); dequeue j when it was the last one. */
static unsigned claim_shard(zkbio_gallery *g, gal_job *j)
{
    unsigned s = j->claimed++;
    if (j->claimed == j->nshards) {
        gal_job **pp = &g->qhead, *prev = NULL;
        while (*pp && *pp != j) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = j->next;
            if (g->qtail == j)
                g->qtail = prev;
        }
    }
    return s;
}

typedef struct worker_arg {
    zkbio_gallery *g;
    zki_match_ws *ws;
} worker_arg;

static void *worker_main(void *arg)
{
    zkbio_gallery *g = ((worker_arg *)arg)->g;
    zki_match_ws *ws = ((worker_arg *)arg)->ws;
    free(arg);
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        gal_job *j = g->qhead;
        if (!j) {
            pthread_cond_wait(&g->work_cv, &g->mu);
            continue;
        }
        unsigned s = claim_shard(g, j);
        pthread_mutex_unlock(&g->mu);
        run_shard(j, s, ws);
        pthread_mutex_lock(&g->mu);
        if (++j->done == j->nshards)
            pthread_cond_signal(&j->done_cv); /* j is not touched after this */
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

static void stop_workers(zkbio_gallery *g)
{
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_broadcast(&g->work_cv);
    pthread_mutex_unlock(&g->mu);
    for (unsigned i = 0; i < g->nworkers; i++)
        pthread_join(g->workers[i], NULL);
    g->nworkers = 0;
}

int zkbio_gallery_new(unsigned threads, zkbio_gallery **out)
{
    if (!out || threads > THREADS_MAX)
        return ZKBIO_EINVAL;
    if (threads == 0) {
        unsigned n = zki_cpu_count();
        threads = n > THREADS_MAX ? THREADS_MAX : n;
    }
    zkbio_gallery *g = calloc(1, sizeof(*g));
    if (!g)
        return ZKBIO_ENOMEM;
    g->threads = threads;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
#if defined(__GLIBC__) && defined(__USE_GNU)
    /* writers are not starved by back-to-back identifies; no identify nests read locks */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    int e = pthread_rwlock_init(&g->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (e != 0) {
        free(g);
        return ZKBIO_ENOMEM;
    }
    if (pthread_mutex_init(&g->mu, NULL) != 0) {
        pthread_rwlock_destroy(&g->lock);
        free(g);
        return ZKBIO_ENOMEM;
    }
    if (pthread_cond_init(&g->work_cv, NULL) != 0) {
        pthread_mutex_destroy(&g->mu);
        pthread_rwlock_destroy(&g->lock);
        free(g);
        return ZKBIO_ENOMEM;
    }
    int rc = ZKBIO_OK;
    unsigned want = threads - 1;
    if (want > 0) {
        g->workers = calloc(want, sizeof(pthread_t));
        g->worker_ws = calloc(want, sizeof(zki_match_ws *));
        if (!g->workers || !g->worker_ws)
            rc = ZKBIO_ENOMEM;
    }
    for (unsigned i = 0; rc == ZKBIO_OK && i < want; i++) {
        rc = zki_match_ws_new(&g->worker_ws[i]);
        if (rc != ZKBIO_OK)
            break;
        worker_arg *a = malloc(sizeof(*a));
        if (!a) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        a->g = g;
        a->ws = g->worker_ws[i];
        if (pthread_create(&g->workers[i], NULL, worker_main, a) != 0) {
            free(a);
            rc = ZKBIO_EIO;
            break;
        }
        g->nworkers++;
    }
    if (rc != ZKBIO_OK) {
        zkbio_gallery_free(g);
        return rc;
    }
    *out = g;
    return ZKBIO_OK;
}

void zkbio_gallery_free(zkbio_gallery *g)
{
    if (!g)
        return;
    stop_workers(g);
    for (size_t i = 0; i < g->n; i++)
        zki_prep_free(g->preps[i]);
    if (g->worker_ws)
        for (unsigned i = 0; i < g->threads - 1; i++)
            if (g->worker_ws[i])
                zki_match_ws_free(g->worker_ws[i]);
    while (g->spare) {
        ws_cache *c = g->spare;
        g->spare = c->next;
        zki_match_ws_free(c->ws);
        free(c);
    }
    free(g->worker_ws);
    free(g->workers);
    free(g->ids);
    free(g->preps);
    free(g->hkeys);
    free(g->hvals);
    pthread_cond_destroy(&g->work_cv);
    pthread_mutex_destroy(&g->mu);
    pthread_rwlock_destroy(&g->lock);
    free(g);
}

/* ---- add / remove ------------------------------------------------------------------------- */

int zkbio_gallery_add(zkbio_gallery *g, uint32_t id, const zkbio_template *t)
{
    if (!g || !t || id == 0)
        return ZKBIO_EINVAL;
    size_t per_view[ZKBIO_TEMPLATE_VIEWS_MAX];
    if (zki_template_check(t, per_view) != ZKBIO_OK)
        return ZKBIO_EINVAL;
    zki_prep *p;
    int rc = zki_prep_build(t, &p);
    if (rc != ZKBIO_OK)
        return rc;
    pthread_rwlock_wrlock(&g->lock);
    if (h_find(g, id) != SIZE_MAX) {
        rc = ZKBIO_EEXIST;
    } else if (g->n >= UINT32_MAX - 1) {
        rc = ZKBIO_ENOMEM;
    } else {
        if (g->n == g->cap) {
            size_t cap = g->cap ? g->cap * 2 : 64;
            uint32_t *ids = realloc(g->ids, cap * sizeof(*ids));
            if (ids)
                g->ids = ids;
            zki_prep **preps = ids ? realloc(g->preps, cap * sizeof(*preps)) : NULL;
            if (preps) {
                g->preps = preps;
                g->cap = cap;
            } else {
                rc = ZKBIO_ENOMEM;
            }
        }
        if (rc == ZKBIO_OK)
            rc = h_reserve(g, g->n + 1);
        if (rc == ZKBIO_OK) {
            g->ids[g->n] = id;
            g->preps[g->n] = p;
            h_put(g, id, (uint32_t)g->n);
            g->n++;
            p = NULL;
        }
    }
    pthread_rwlock_unlock(&g->lock);
    zki_prep_free(p);
    return rc;
}

int zkbio_gallery_remove(zkbio_gallery *g, uint32_t id)
{
    if (!g)
        return ZKBIO_EINVAL;
    if (id == 0)
        return ZKBIO_ENOENT;
    zki_prep *gone = NULL;
    pthread_rwlock_wrlock(&g->lock);
    size_t s = h_find(g, id);
    if (s != SIZE_MAX) {
        size_t i = g->hvals[s], last = g->n - 1;
        gone = g->preps[i];
        h_erase(g, s);
        if (i != last) {
            g->ids[i] = g->ids[last];
            g->preps[i] = g->preps[last];
            h_put(g, g->ids[i], (uint32_t)i);
        }
        g->n--;
    }
    pthread_rwlock_unlock(&g->lock);
    if (!gone)
        return ZKBIO_ENOENT;
    zki_prep_free(gone);
    return ZKBIO_OK;
}

int zkbio_gallery_clear(zkbio_gallery *g)
{
    if (!g)
        return ZKBIO_EINVAL;
    pthread_rwlock_wrlock(&g->lock);
    zki_prep **preps = g->preps;
    uint32_t *ids = g->ids, *keys = g->hkeys, *vals = g->hvals;
    size_t n = g->n;
    g->preps = NULL;
    g->ids = NULL;
    g->hkeys = g->hvals = NULL;
    g->n = g->cap = g->hcap = 0;
    g->hbits = 0;
    pthread_rwlock_unlock(&g->lock);
    for (size_t i = 0; i < n; i++)
        zki_prep_free(preps[i]);
    free(preps);
    free(ids);
    free(keys);
    free(vals);
    return ZKBIO_OK;
}

int zkbio_gallery_count(const zkbio_gallery *g, size_t *count)
{
    if (!g || !count)
        return ZKBIO_EINVAL;
    zkbio_gallery *m = (zkbio_gallery *)(uintptr_t)g; /* the lock is not part of the value */
    pthread_rwlock_rdlock(&m->lock);
    *count = m->n;
    pthread_rwlock_unlock(&m->lock);
    return ZKBIO_OK;
}

/* ---- identify ----------------------------------------------------------------------------- */

/* Smallest integer score x 100 whose public score (x / 100.0) is >= threshold. */
static int32_t min_score_for(double threshold)
{
    if (!(threshold > 0))
        return 0;
    if (threshold >= (double)INT32_MAX / 100.0)
        return INT32_MAX;
    int64_t m = (int64_t)(threshold * 100.0);
    while ((double)m / 100.0 < threshold)
        m++;
    while (m > 0 && (double)(m - 1) / 100.0 >= threshold)
        m--;
    return (int32_t)m;
}

static zki_match_ws *ws_take(zkbio_gallery *g)
{
    pthread_mutex_lock(&g->mu);
    ws_cache *c = g->spare;
    if (c)
        g->spare = c->next;
    pthread_mutex_unlock(&g->mu);
    if (c) {
        zki_match_ws *ws = c->ws;
        free(c);
        return ws;
    }
    zki_match_ws *ws = NULL;
    return zki_match_ws_new(&ws) == ZKBIO_OK ? ws : NULL;
}

static void ws_give(zkbio_gallery *g, zki_match_ws *ws)
{
    ws_cache *c = malloc(sizeof(*c));
    if (!c) {
        zki_match_ws_free(ws);
        return;
    }
    c->ws = ws;
    pthread_mutex_lock(&g->mu);
    c->next = g->spare;
    g->spare = c;
    pthread_mutex_unlock(&g->mu);
}

/* zkbio_gallery_identify, or with fpir > 0 zkbio_gallery_identify_fpir (the threshold from the
 * count under the lock, written to *thr_out when not NULL). */
static int identify_impl(zkbio_gallery *g, const zkbio_template *probe, double threshold,
                         double fpir, zkbio_candidate *top, size_t k, size_t *found,
                         double *thr_out)
{
    if (found)
        *found = 0;
    if (!g || !probe || !top || k == 0 || !found || threshold != threshold)
        return ZKBIO_EINVAL;
    size_t per_view[ZKBIO_TEMPLATE_VIEWS_MAX];
    if (zki_template_check(probe, per_view) != ZKBIO_OK)
        return ZKBIO_EINVAL;
    zki_probe *pr;
    int rc = zki_probe_build(probe, &pr);
    if (rc != ZKBIO_OK)
        return rc;
    zki_match_ws *ws = ws_take(g);
    if (!ws) {
        zki_probe_free(pr);
        return ZKBIO_ENOMEM;
    }

    pthread_rwlock_rdlock(&g->lock);
    size_t n = g->n;
    if (fpir > 0)
        threshold = zki_fpir_threshold(fpir, n);
    if (thr_out)
        *thr_out = threshold;
    gal_job j;
    memset(&j, 0, sizeof(j));
    j.ids = g->ids;
    j.preps = g->preps;
    j.probe = pr;
    j.min_score = min_score_for(threshold);
    j.count = n;
    size_t want = (size_t)g->threads * (g->threads > 1 ? SHARDS_PER_TASK : 1);
    if (want > n / SHARD_MIN)
        want = n / SHARD_MIN;
    if (want < 1)
        want = 1;
    j.shard_size = n ? (n + want - 1) / want : 1;
    j.nshards = n ? (unsigned)((n + j.shard_size - 1) / j.shard_size) : 0;
    zkbio_candidate *pool = NULL;
    if (n) {
        j.tops = calloc(j.nshards, sizeof(shard_top));
        size_t per = k < j.shard_size ? k : j.shard_size;
        pool = j.tops ? malloc((size_t)j.nshards * per * sizeof(zkbio_candidate)) : NULL;
        if (!pool) {
            rc = ZKBIO_ENOMEM;
        } else {
            for (unsigned s = 0; s < j.nshards; s++) {
                j.tops[s].c = pool + (size_t)s * per;
                j.tops[s].cap = per;
            }
        }
    }
    if (rc == ZKBIO_OK && j.nshards == 1) {
        run_shard(&j, 0, ws);
    } else if (rc == ZKBIO_OK && j.nshards > 1) {
        pthread_cond_init(&j.done_cv, NULL);
        pthread_mutex_lock(&g->mu);
        if (g->nworkers) {
            if (g->qtail)
                g->qtail->next = &j;
            else
                g->qhead = &j;
            g->qtail = &j;
            pthread_cond_broadcast(&g->work_cv);
        }
        while (j.claimed < j.nshards) {
            unsigned s = g->nworkers ? claim_shard(g, &j) : j.claimed++;
            pthread_mutex_unlock(&g->mu);
            run_shard(&j, s, ws);
            pthread_mutex_lock(&g->mu);
            j.done++;
        }
        while (j.done < j.nshards)
            pthread_cond_wait(&j.done_cv, &g->mu);
        pthread_mutex_unlock(&g->mu);
        pthread_cond_destroy(&j.done_cv);
    }
    pthread_rwlock_unlock(&g->lock);
    ws_give(g, ws);
    zki_probe_free(pr);

    if (rc == ZKBIO_OK) {
        /* gather every shard's list at the front of the pool, sort, keep k */
        size_t total = 0;
        for (unsigned s = 0; s < j.nshards; s++) {
            memmove(pool + total, j.tops[s].c, j.tops[s].n * sizeof(zkbio_candidate));
            total += j.tops[s].n;
        }
        if (total > 1)
            qsort(pool, total, sizeof(zkbio_candidate), cand_cmp);
        size_t m = total < k ? total : k;
        for (size_t i = 0; i < m; i++) {
            top[i].id = pool[i].id;
            top[i].score = pool[i].score / 100.0;
        }
        *found = m;
        rc = m ? ZKBIO_OK : ZKBIO_ENOENT;
    }
    free(pool);
    free(j.tops);
    return rc;
}

int zkbio_gallery_identify(zkbio_gallery *g, const zkbio_template *probe, double threshold,
                           zkbio_candidate *top, size_t k, size_t *found)
{
    return identify_impl(g, probe, threshold, 0, top, k, found, NULL);
}

int zkbio_gallery_identify_fpir(zkbio_gallery *g, const zkbio_template *probe, double fpir,
                                zkbio_candidate *top, size_t k, size_t *found,
                                double *threshold_used)
{
    if (!(fpir > 0 && fpir < 1)) {
        if (found)
            *found = 0;
        return ZKBIO_EINVAL;
    }
    return identify_impl(g, probe, 0, fpir, top, k, found, threshold_used);
}
