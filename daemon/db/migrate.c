/* SPDX-License-Identifier: Apache-2.0 */
/* Schema migrations (db.h): the steps are embedded at build time from migrations/NNNN_name.sql. */
#include <stdio.h>

#include "db_impl.h"

int zdb_migrate(zdb *db, const zdb_migration *list, size_t n, int64_t *version, char *err,
                size_t errsz)
{
    if (version)
        *version = 0;
    if (!db || (!list && n)) {
        zc_errf(err, errsz, "zdb_migrate: NULL argument");
        return ZKBIO_EINVAL;
    }
    int64_t have = 0;
    int rc = zdb_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    if (rc == 0)
        rc = zdb_query_int64(db, "SELECT version FROM schema_version", &have, NULL);
    int have_row = rc == 0;
    if (rc == ZKBIO_ENOENT)
        rc = 0;
    if (rc != 0)
        goto fail;
    if (have > (int64_t)n) {
        zc_errf(err, errsz, "database schema version %lld is newer than this zkbiod (%lld)",
                (long long)have, (long long)n);
        return ZKBIO_EDB;
    }
    for (int64_t v = have; v < (int64_t)n; v++) {
        const zdb_migration *m = &list[v];
        if (m->version != v + 1) {
            zc_errf(err, errsz, "migration %lld is numbered %d", (long long)(v + 1), m->version);
            return ZKBIO_EINVAL;
        }
        rc = zdb_begin(db);
        if (rc == 0)
            rc = zdb_exec(db, zdb_dialect_of(db) == ZDB_MARIADB ? m->mariadb_sql : m->sqlite_sql);
        if (rc == 0)
            rc = have_row
                     ? zdb_run(db, "UPDATE schema_version SET version = ?", "l", v + 1)
                     : zdb_run(db, "INSERT INTO schema_version (version) VALUES (?)", "l", v + 1);
        if (rc == 0) {
            have_row = 1;
            rc = zdb_commit(db);
        }
        if (rc != 0) {
            zdb_rollback(db);
            zc_errf(err, errsz, "schema migration %04d_%s failed: %s", m->version, m->name,
                    zdb_errmsg(db));
            return rc < 0 ? rc : ZKBIO_EDB;
        }
        if (version)
            *version = v + 1;
    }
    if (version)
        *version = have > (int64_t)n ? have : (int64_t)n;
    return 0;
fail:
    zc_errf(err, errsz, "schema migration failed: %s", zdb_errmsg(db));
    return rc < 0 ? rc : ZKBIO_EDB;
}
