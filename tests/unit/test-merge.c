/* SPDX-License-Identifier: Apache-2.0 */
/* 3-capture enrollment merge (include/zkbio/merge.h) and the internal consolidated variant
 * (lib/fp/zki_merge.h), on FVC2002 DB1_B .iso templates from argv[1] (tests/data); missing
 * templates are a failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp/zki_merge.h"
#include "../support/fp-test.h"
#include "../support/test.h"
#include "zkbio/extract.h"
#include "zkbio/match.h"
#include "zkbio/merge.h"
#include "zkbio/template.h"

static const char *root;

static zkbio_template *load(int finger, int impression)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fvc/FVC2002_DB1_B/%d_%d.iso", root, finger, impression);
    return test_load_template(path);
}

static zkbio_template *copy(const zkbio_template *t)
{
    zkbio_template *c = NULL;
    return zkbio_template_dup(t, &c) == ZKBIO_OK ? c : NULL;
}

static double score(const zkbio_template *a, const zkbio_template *b)
{
    double s = -1;
    if (zkbio_match(a, b, &s) != ZKBIO_OK)
        return -1;
    return s;
}

static void test_same_finger(zkbio_template *const t[3], zkbio_template *probe)
{
    const zkbio_template *const caps[3] = {t[0], t[1], t[2]};
    zkbio_template *m = NULL;
    int rc = zkbio_merge(caps, &m);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    if (!m)
        return;
    CHECK_EQ_INT(m->view_count, 3);
    CHECK_EQ_INT(m->count, t[0]->count + t[1]->count + t[2]->count);
    /* grouped by view; each view is one capture; the first matches the other two best */
    size_t per[3] = {0, 0, 0};
    int grouped = 1;
    for (size_t i = 0; i < m->count; i++) {
        if (i > 0 && m->minutiae[i].view < m->minutiae[i - 1].view)
            grouped = 0;
        if (m->minutiae[i].view < 3)
            per[m->minutiae[i].view]++;
    }
    CHECK(grouped);
    double pair[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            pair[i][j] = i == j ? 0 : score(t[i], t[j]);
    double sum[3];
    for (int i = 0; i < 3; i++)
        sum[i] = pair[i][0] + pair[i][1] + pair[i][2];
    int best = 0;
    for (int i = 1; i < 3; i++)
        if (sum[i] > sum[best])
            best = i;
    CHECK_EQ_INT(per[0], t[best]->count);
    printf("pairwise scores %.2f %.2f %.2f; view 0 = capture %d\n", pair[0][1], pair[0][2],
           pair[1][2], best);

    /* exports and re-imports as three ISO finger views and as a native record */
    uint8_t buf[ZKBIO_NATIVE_MAX];
    size_t n = 0;
    CHECK_EQ_INT(zkbio_template_export_native(m, buf, sizeof(buf), &n), ZKBIO_OK);
    zkbio_template *u = NULL;
    CHECK_EQ_INT(zkbio_template_import_native(buf, n, &u, NULL), ZKBIO_OK);
    CHECK(u && u->view_count == 3 && u->count == m->count);
    zkbio_template_free(u);
    u = NULL;
    CHECK_EQ_INT(zkbio_template_export_iso(m, buf, sizeof(buf), &n), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_import_iso(buf, n, &u, NULL), ZKBIO_OK);
    CHECK(u && u->view_count == 3 && u->count == m->count);
    zkbio_template_free(u);

    /* multi-view score = best over views */
    if (probe) {
        double sm = score(probe, m), best1 = 0;
        for (int i = 0; i < 3; i++) {
            double s = score(probe, t[i]);
            best1 = s > best1 ? s : best1;
        }
        printf("4th impression vs merged %.2f, vs best single capture %.2f\n", sm, best1);
        CHECK(sm >= best1 - 0.01);
    }

    /* a merged template is not a capture */
    const zkbio_template *const again[3] = {m, t[1], t[2]};
    zkbio_template *x = NULL;
    CHECK_EQ_INT(zkbio_merge(again, &x), ZKBIO_EINVAL);
    zkbio_template_free(m);

    /* consolidated: one view of at most 150 minutiae that still matches every capture */
    zkbio_template *c = NULL;
    CHECK_EQ_INT(zki_merge_consolidated(caps, &c), ZKBIO_OK);
    if (c) {
        CHECK_EQ_INT(c->view_count, 1);
        CHECK(c->count >= ZKBIO_EXTRACT_MINUTIAE_MIN && c->count <= ZKI_MERGE_CONSOLIDATED_MAX);
        CHECK_EQ_INT(zkbio_template_export_iso(c, buf, sizeof(buf), &n), ZKBIO_OK);
        double s0 = score(c, t[0]), s1 = score(c, t[1]), s2 = score(c, t[2]);
        printf("consolidated: %zu minutiae (captures %zu %zu %zu); vs captures %.2f %.2f %.2f",
               c->count, t[0]->count, t[1]->count, t[2]->count, s0, s1, s2);
        if (probe)
            printf("; vs 4th impression %.2f", score(probe, c));
        printf("\n");
        CHECK(s0 >= ZKBIO_MATCH_THRESHOLD);
        zkbio_template_free(c);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        TEST_FAIL_("usage: test-merge DATA_DIR (tests/data)");
        return TEST_DONE();
    }
    root = argv[1];
    zkbio_template *a[4] = {load(101, 1), load(101, 2), load(101, 3), load(101, 4)};
    zkbio_template *other = load(102, 1);
    if (!a[0] || !a[1] || !a[2] || !a[3] || !other) {
        TEST_FAIL_("FVC2002_DB1_B .iso files missing in %s", root);
        return TEST_DONE();
    }
    /* argument checks do not need the matcher */
    zkbio_template *m = NULL;
    const zkbio_template *const nulls[3] = {a[0], NULL, a[2]};
    CHECK_EQ_INT(zkbio_merge(nulls, &m), ZKBIO_EINVAL);
    const zkbio_template *const caps[3] = {a[0], a[1], a[2]};
    CHECK_EQ_INT(zkbio_merge(caps, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_merge(NULL, &m), ZKBIO_EINVAL);
    CHECK_EQ_INT(zki_merge_consolidated(nulls, &m), ZKBIO_EINVAL);

    /* too few minutiae, too low a quality: rejected before matching */
    zkbio_template *few = copy(a[1]);
    if (few) {
        few->count = ZKBIO_EXTRACT_MINUTIAE_MIN - 1;
        const zkbio_template *const c3[3] = {a[0], few, a[2]};
        CHECK_EQ_INT(zkbio_merge(c3, &m), ZKBIO_ELOWQUALITY);
        few->count = a[1]->count;
        few->finger_quality = ZKBIO_MERGE_QUALITY_MIN - 1;
        CHECK_EQ_INT(zkbio_merge(c3, &m), ZKBIO_ELOWQUALITY);
        few->finger_quality = 0; /* not reported: accepted */
    }

    double s;
    CHECK_EQ_INT(zkbio_match(a[0], a[1], &s), ZKBIO_OK);

    test_same_finger(a, a[3]);

    /* a foreign finger */
    const zkbio_template *const foreign[3] = {a[0], a[1], other};
    m = NULL;
    CHECK_EQ_INT(zkbio_merge(foreign, &m), ZKBIO_EMISMATCH);
    CHECK(m == NULL);
    const zkbio_template *const foreign0[3] = {other, a[1], a[2]};
    CHECK_EQ_INT(zkbio_merge(foreign0, &m), ZKBIO_EMISMATCH);

    zkbio_template_free(few);
    for (int i = 0; i < 4; i++)
        zkbio_template_free(a[i]);
    zkbio_template_free(other);
    return TEST_DONE();
}
