/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one schema of zkbiod, written once with a few dialect tokens, and its migrations.
 *
 * Tokens: @ID@ auto-increment primary key, @BLOB@ large binary, @TEXT@ large text, @T@ table
 * options. Migration N runs when schema_version < N, inside one transaction where the dialect
 * allows (MariaDB commits DDL implicitly; every statement is idempotent with IF NOT EXISTS so a
 * crash mid-way is repaired on restart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

static const char *const migration_1 =
    "CREATE TABLE IF NOT EXISTS devices ("
    " sn VARCHAR(40) NOT NULL PRIMARY KEY,"
    " model VARCHAR(64) NOT NULL DEFAULT '',"
    " firmware VARCHAR(128) NOT NULL DEFAULT '',"
    " push_version VARCHAR(24) NOT NULL DEFAULT '',"
    " device_type VARCHAR(16) NOT NULL DEFAULT '',"
    " language INTEGER NOT NULL DEFAULT -1,"
    " sync_group VARCHAR(64) NOT NULL DEFAULT 'default',"
    " enabled INTEGER NOT NULL DEFAULT 1,"
    " ip VARCHAR(48) NOT NULL DEFAULT '',"
    " info @TEXT@,"
    " options @TEXT@,"
    " attlog_stamp VARCHAR(32) NOT NULL DEFAULT '',"
    " operlog_stamp VARCHAR(32) NOT NULL DEFAULT '',"
    " attphoto_stamp VARCHAR(32) NOT NULL DEFAULT '',"
    " biodata_stamp VARCHAR(32) NOT NULL DEFAULT '',"
    " registered_at BIGINT NOT NULL DEFAULT 0,"
    " last_seen BIGINT NOT NULL DEFAULT 0"
    ")@T@;"
    "CREATE TABLE IF NOT EXISTS users ("
    " pin VARCHAR(24) NOT NULL PRIMARY KEY,"
    " name VARCHAR(128) NOT NULL DEFAULT '',"
    " privilege INTEGER NOT NULL DEFAULT 0,"
    " password VARCHAR(64) NOT NULL DEFAULT '',"
    " card VARCHAR(32) NOT NULL DEFAULT '',"
    " grp VARCHAR(16) NOT NULL DEFAULT '',"
    " tz VARCHAR(32) NOT NULL DEFAULT '',"
    " verify INTEGER NOT NULL DEFAULT -1,"
    " vice_card VARCHAR(32) NOT NULL DEFAULT '',"
    " start_datetime VARCHAR(32) NOT NULL DEFAULT '',"
    " end_datetime VARCHAR(32) NOT NULL DEFAULT '',"
    " sync_group VARCHAR(64) NOT NULL DEFAULT 'default',"
    " hash CHAR(64) NOT NULL,"
    " source_sn VARCHAR(40) NOT NULL DEFAULT '',"
    " updated_at BIGINT NOT NULL DEFAULT 0"
    ")@T@;"
    "CREATE TABLE IF NOT EXISTS templates ("
    " pin VARCHAR(24) NOT NULL,"
    " kind VARCHAR(8) NOT NULL," /* FP, FACE, FVEIN, BIODATA: the wire form it came in */
    " type INTEGER NOT NULL,"
    " no INTEGER NOT NULL,"
    " idx INTEGER NOT NULL,"
    " valid INTEGER NOT NULL DEFAULT 1,"
    " duress INTEGER NOT NULL DEFAULT 0,"
    " major_ver INTEGER NOT NULL DEFAULT -1,"
    " minor_ver INTEGER NOT NULL DEFAULT -1,"
    " format INTEGER NOT NULL DEFAULT -1,"
    " tmp @TEXT@ NOT NULL,"
    " hash CHAR(64) NOT NULL,"
    " source_sn VARCHAR(40) NOT NULL DEFAULT '',"
    " updated_at BIGINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (pin, kind, type, no, idx)"
    ")@T@;"
    "CREATE TABLE IF NOT EXISTS photos ("
    " pin VARCHAR(24) NOT NULL,"
    " kind VARCHAR(8) NOT NULL," /* USERPIC, BIOPHOTO */
    " type INTEGER NOT NULL,"
    " file_name VARCHAR(128) NOT NULL DEFAULT '',"
    " content @TEXT@ NOT NULL,"
    " hash CHAR(64) NOT NULL,"
    " source_sn VARCHAR(40) NOT NULL DEFAULT '',"
    " updated_at BIGINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (pin, kind, type)"
    ")@T@;"
    "CREATE TABLE IF NOT EXISTS attendance ("
    " id @ID@,"
    " sn VARCHAR(40) NOT NULL,"
    " pin VARCHAR(24) NOT NULL,"
    " punch_time CHAR(19) NOT NULL," /* device wall-clock, no zone */
    " status INTEGER NOT NULL,"
    " verify INTEGER NOT NULL,"
    " workcode VARCHAR(32) NOT NULL DEFAULT '',"
    " extra VARCHAR(255) NOT NULL DEFAULT '',"
    " received_at BIGINT NOT NULL,"
    " UNIQUE (sn, pin, punch_time, status)"
    ")@T@;"
    "CREATE INDEX IF NOT EXISTS attendance_pin ON attendance (pin, punch_time);"
    "CREATE INDEX IF NOT EXISTS attendance_time ON attendance (punch_time);"
    "CREATE TABLE IF NOT EXISTS operlog ("
    " id @ID@,"
    " sn VARCHAR(40) NOT NULL,"
    " op_type INTEGER NOT NULL,"
    " admin VARCHAR(24) NOT NULL,"
    " op_time CHAR(19) NOT NULL,"
    " v1 BIGINT NOT NULL, v2 BIGINT NOT NULL, v3 BIGINT NOT NULL,"
    " received_at BIGINT NOT NULL,"
    " UNIQUE (sn, op_type, op_time, admin, v1, v2, v3)"
    ")@T@;"
    "CREATE TABLE IF NOT EXISTS errorlog ("
    " id @ID@,"
    " sn VARCHAR(40) NOT NULL,"
    " err_code VARCHAR(32) NOT NULL, err_msg VARCHAR(255) NOT NULL, data_origin VARCHAR(16) NOT "
    "NULL,"
    " cmd_id VARCHAR(32) NOT NULL, additional @TEXT@,"
    " received_at BIGINT NOT NULL"
    ")@T@;"
    "CREATE TABLE IF NOT EXISTS attphotos ("
    " id @ID@,"
    " sn VARCHAR(40) NOT NULL,"
    " name VARCHAR(128) NOT NULL,"
    " path VARCHAR(1024) NOT NULL," /* file under attphoto-dir */
    " size BIGINT NOT NULL,"
    " received_at BIGINT NOT NULL,"
    " UNIQUE (sn, name)"
    ")@T@;"
    "CREATE TABLE IF NOT EXISTS commands ("
    " id @ID@,"
    " sn VARCHAR(40) NOT NULL,"
    " kind VARCHAR(8) NOT NULL," /* user, tmpl, photo, delete, admin */
    " pin VARCHAR(24) NOT NULL DEFAULT '',"
    " item_key VARCHAR(96) NOT NULL DEFAULT '',"
    " item_hash CHAR(64) NOT NULL DEFAULT '',"
    " text @TEXT@ NOT NULL,"
    " status VARCHAR(12) NOT NULL," /* queued, sent, done, failed, superseded */
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " return_code INTEGER,"
    " result @TEXT@,"
    " created_at BIGINT NOT NULL,"
    " sent_at BIGINT,"
    " done_at BIGINT"
    ")@T@;"
    "CREATE INDEX IF NOT EXISTS commands_due ON commands (sn, status, id);"
    "CREATE INDEX IF NOT EXISTS commands_item ON commands (sn, item_key, status);"
    "CREATE TABLE IF NOT EXISTS device_items ("
    " sn VARCHAR(40) NOT NULL,"
    " item_key VARCHAR(96) NOT NULL,"
    " pin VARCHAR(24) NOT NULL,"
    " hash CHAR(64) NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " PRIMARY KEY (sn, item_key)"
    ")@T@;"
    "CREATE INDEX IF NOT EXISTS device_items_pin ON device_items (sn, pin);";

/* 2: templates of the fingerprint service for web apps, kept only with --fp-store
 * (docs/fingerprint-service.md). One row per user and finger; `template` is a native libzkbio
 * record; template_id is what identify reports as matchedTemplate. */
static const char *const migration_2 = "CREATE TABLE IF NOT EXISTS fp_templates ("
                                       " user_id VARCHAR(128) NOT NULL,"
                                       " finger_id INTEGER NOT NULL,"
                                       " template_id VARCHAR(128) NOT NULL,"
                                       " template @BLOB@ NOT NULL,"
                                       " quality INTEGER NOT NULL DEFAULT 0,"
                                       " created_at BIGINT NOT NULL,"
                                       " PRIMARY KEY (user_id, finger_id)"
                                       ")@T@;";

static const char *const migrations[] = {migration_1, migration_2};

/* Expand the dialect tokens into a new string. */
static char *expand(const char *sql, zdb_dialect d)
{
    static const struct {
        const char *tok, *sqlite, *mariadb;
    } map[] = {
        {"@ID@", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"},
        {"@BLOB@", "BLOB", "LONGBLOB"},
        {"@TEXT@", "TEXT", "MEDIUMTEXT"},
        {"@T@", "", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"},
    };
    size_t cap = strlen(sql) * 2 + 1024, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = sql; *p;) {
        int hit = 0;
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
            size_t tl = strlen(map[i].tok);
            if (strncmp(p, map[i].tok, tl) == 0) {
                const char *rep = d == ZDB_MARIADB ? map[i].mariadb : map[i].sqlite;
                size_t rl = strlen(rep);
                if (n + rl + 1 > cap) {
                    free(out);
                    return NULL;
                }
                memcpy(out + n, rep, rl);
                n += rl;
                p += tl;
                hit = 1;
                break;
            }
        }
        if (!hit) {
            if (n + 2 > cap) {
                free(out);
                return NULL;
            }
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

int zs_schema_migrate(zdb *db, char *err, size_t errsz)
{
    int rc = zdb_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    if (rc != 0)
        goto fail;
    zdb_stmt *q;
    int64_t version = 0;
    int have_row = 0;
    rc = zdb_prepare(db, "SELECT version FROM schema_version", &q);
    if (rc != 0)
        goto fail;
    rc = zdb_step(q);
    if (rc == ZDB_ROW) {
        version = zdb_col_int64(q, 0);
        have_row = 1;
    } else if (rc < 0) {
        goto fail;
    }
    zdb_reset(q);

    const int64_t target = (int64_t)(sizeof(migrations) / sizeof(migrations[0]));
    if (version > target) {
        snprintf(err, errsz, "database schema version %lld is newer than this zkbiod (%lld)",
                 (long long)version, (long long)target);
        return ZKBIO_EDB;
    }
    for (int64_t v = version; v < target; v++) {
        char *sql = expand(migrations[v], zdb_dialect_of(db));
        if (!sql)
            return ZKBIO_ENOMEM;
        rc = zdb_begin(db);
        if (rc == 0)
            rc = zdb_exec(db, sql);
        free(sql);
        if (rc == 0) {
            zdb_stmt *u;
            rc = zdb_prepare(db,
                             have_row ? "UPDATE schema_version SET version = ?"
                                      : "INSERT INTO schema_version (version) VALUES (?)",
                             &u);
            if (rc == 0) {
                zdb_bind_int64(u, 1, v + 1);
                rc = zdb_step(u);
                zdb_reset(u);
                have_row = 1;
            }
        }
        if (rc == 0)
            rc = zdb_commit(db);
        if (rc < 0) {
            zdb_rollback(db);
            goto fail;
        }
    }
    return 0;
fail:
    snprintf(err, errsz, "schema migration failed: %s", zdb_errmsg(db));
    return rc < 0 ? rc : ZKBIO_EDB;
}
