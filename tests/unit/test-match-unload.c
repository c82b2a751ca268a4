/* SPDX-License-Identifier: Apache-2.0 */
/* zkbio_match() keeps a scratch area per thread in a pthread key whose destructor frees it when
 * the thread exits (lib/fp/match/match.c). This test unloads the library while a thread that
 * matched is still alive, then lets that thread exit: the library must have deleted its key on
 * unload, or the exiting thread jumps into the unmapped destructor (a crash; the Node binding hit
 * it when koffi unloaded libzkbio at exit, bindings/node/lib/native.js).
 * The library is dlopen()ed, not linked, so that dlclose() really unmaps it.
 * argv[1]: the built shared library (libzkbio.so.0); argv[2]: the test data folder (tests/data).
 * Exits 77 (skip) when dlclose() leaves the library mapped: then there is nothing to test. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "zkbio/match.h"
#include "zkbio/template.h"

#include "../support/fp-test.h"
#include "../support/test.h"

typedef int (*import_fn)(const uint8_t *, size_t, zkbio_template **, zkbio_error_info *);
typedef void (*free_fn)(zkbio_template *);
typedef int (*match_fn)(const zkbio_template *, const zkbio_template *, double *);

static match_fn match_p;
static zkbio_template *probe_t, *cand_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int matched;  /* the thread has called zkbio_match() */
static int may_exit; /* the library is unloaded: the thread may end */
static int match_rc = -100;
static double score = -1;

static void *matcher(void *arg)
{
    (void)arg;
    int rc = match_p(probe_t, cand_t, &score);
    pthread_mutex_lock(&mu);
    match_rc = rc;
    matched = 1;
    pthread_cond_broadcast(&cv);
    while (!may_exit)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL; /* the thread's keys are destroyed now, after the library is gone */
}

static zkbio_template *load(import_fn import, const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint8_t buf[4096];
    size_t len = test_read_file(path, buf, sizeof(buf));
    zkbio_template *t = NULL;
    return import(buf, len, &t, NULL) == ZKBIO_OK ? t : NULL;
}

int main(int argc, char **argv)
{
    pthread_t th;
    int started = 0;
    void *lib = NULL;
    if (argc < 3) {
        fprintf(stderr, "usage: %s LIBZKBIO TESTDATA\n", argv[0]);
        return 2;
    }
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    REQUIRE(lib != NULL, "dlopen(%s): %s", argv[1], dlerror());
    import_fn import = (import_fn)(uintptr_t)dlsym(lib, "zkbio_template_import_any");
    free_fn tfree = (free_fn)(uintptr_t)dlsym(lib, "zkbio_template_free");
    match_p = (match_fn)(uintptr_t)dlsym(lib, "zkbio_match");
    REQUIRE(import && tfree && match_p, "dlsym: %s", dlerror());
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/fvc/FVC2002_DB1_B", argv[2]);
    probe_t = load(import, dir, "101_1.iso");
    cand_t = load(import, dir, "101_2.iso");
    REQUIRE(probe_t && cand_t, "cannot load 101_1.iso and 101_2.iso from %s", dir);

    REQUIRE(pthread_create(&th, NULL, matcher, NULL) == 0, "pthread_create");
    started = 1;
    pthread_mutex_lock(&mu);
    while (!matched)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    CHECK_EQ_INT(match_rc, ZKBIO_OK);
    CHECK_MSG(score >= 40, "genuine pair scored %.2f", score);
    tfree(probe_t);
    tfree(cand_t);

    /* unload while the matching thread lives; it must be really gone for the test to mean it */
    CHECK_EQ_INT(dlclose(lib), 0);
    lib = NULL;
    void *still = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
    if (still) {
        printf("dlclose() left the library mapped: nothing to test\n");
        return TEST_SKIP; /* the thread stays blocked; exit() ends it without running its keys */
    }

out:
    if (started) {
        pthread_mutex_lock(&mu);
        may_exit = 1;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
        CHECK_EQ_INT(pthread_join(th, NULL), 0); /* without the fix: SIGSEGV in the thread's exit */
    }
    if (lib)
        dlclose(lib);
    return TEST_DONE();
}
