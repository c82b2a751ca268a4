/* test-db: see test-db.h. */
#include "test-db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int test_db_init(test_db *t, const char *arg, const char *prefix, const char *file)
{
    memset(t, 0, sizeof(*t));
    if (strcmp(arg, "sqlite:tmp") != 0) {
        snprintf(t->uri, sizeof(t->uri), "%s", arg);
        return 0;
    }
    char dir[sizeof(t->dir)];
    snprintf(dir, sizeof(dir), "/tmp/%s-XXXXXX", prefix);
    if (!mkdtemp(dir))
        return -1;
    snprintf(t->dir, sizeof(t->dir), "%s", dir);
    snprintf(t->file, sizeof(t->file), "%s", file);
    snprintf(t->uri, sizeof(t->uri), "sqlite:%s/%s", t->dir, t->file);
    return 0;
}

void test_db_cleanup(test_db *t)
{
    if (!t->dir[0])
        return;
    static const char *const sfx[] = {"", "-wal", "-shm"};
    char path[sizeof(t->dir) + sizeof(t->file) + 8];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s%s", t->dir, t->file, sfx[i]);
        unlink(path);
    }
    rmdir(t->dir);
    t->dir[0] = '\0';
}
