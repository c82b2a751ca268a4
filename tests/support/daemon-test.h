/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the daemon tests taking `ZKBIOD [ARGS...] [URI]` share (header only, after test.h, so that
 * the checks count in the including test): a temporary directory and the database URI, the clean
 * stop of the zkbiod they ran, and the end of main (the directory removed when every check passed,
 * else kept and named).
 */
#ifndef ZKBIO_DAEMON_TEST_H
#define ZKBIO_DAEMON_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"

/* Make the directory dir (a mkdtemp template, changed in place) and the database URI in db (dbsz
 * bytes): argv[nfixed + 1] when given, else "sqlite:<dir>/zkbiod.db". argv[1..nfixed] are the
 * test's fixed arguments (ZKBIOD first), named in `usage`. 0, or 2 (said on stderr). */
static TEST_UNUSED_ int td_setup(int argc, char **argv, int nfixed, const char *usage, char *dir,
                                 char *db, size_t dbsz)
{
    if (argc < nfixed + 1) {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return 2;
    }
    if (!mkdtemp(dir))
        return 2;
    if (argc > nfixed + 1)
        snprintf(db, dbsz, "%s", argv[nfixed + 1]);
    else
        snprintf(db, dbsz, "sqlite:%s/zkbiod.db", dir);
    return 0;
}

/* Check that zkbiod's log at `log` holds no sanitizer report (the ASan+UBSan build of CI). */
static TEST_UNUSED_ void td_check_log_clean(const char *log)
{
    FILE *lf = fopen(log, "r");
    if (!lf)
        return;
    char line[1024];
    while (fgets(line, sizeof(line), lf))
        CHECK_MSG(!strstr(line, "AddressSanitizer") && !strstr(line, "LeakSanitizer") &&
                      !strstr(line, "runtime error:"),
                  "a sanitizer report in %s: %s", log, line);
    fclose(lf);
}

/* The end of main: the counts printed, dir removed when every check passed (else kept and named
 * on stderr). The exit status. */
static TEST_UNUSED_ int td_finish(const char *dir)
{
    int failed = TEST_DONE();
    if (!failed) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        fprintf(stderr, "kept %s (zkbiod.log, cli.err)\n", dir);
    }
    return failed;
}

#endif /* ZKBIO_DAEMON_TEST_H */
