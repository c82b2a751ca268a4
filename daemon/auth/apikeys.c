/* SPDX-License-Identifier: Apache-2.0 */
/* API key store of the fingerprint service (see zauth_keys.h). */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "core.h"

struct zauth_keys {
    zauth_key_record *e;
    size_t n;
};

#define KEYS_FILE  "apikeys"
#define KEY_PREFIX "ak_live_"
#define KEY_RANDOM 32

static const char *const perm_names[ZAUTH_PERM_COUNT] = {
    "fingerprint:enroll", "fingerprint:verify", "fingerprint:identify", "fingerprint:delete",
    "fingerprint:scan",   "device:read",        "device:manage",        "database:read",
    "database:export",    "database:import",
};

const char *zauth_perm_name(int i)
{
    return i >= 0 && i < ZAUTH_PERM_COUNT ? perm_names[i] : NULL;
}

int zauth_perms_parse(const char *list, uint32_t *out, char *bad, size_t badsz)
{
    uint32_t p = 0;
    int any = 0;
    *out = 0;
    if (bad && badsz)
        bad[0] = '\0';
    for (const char *s = list; s && *s;) {
        while (*s == ' ')
            s++;
        size_t l = strcspn(s, ",");
        size_t t = l;
        while (t > 0 && s[t - 1] == ' ')
            t--;
        int found = 0;
        if (t == 1 && s[0] == '*') {
            p |= ZAUTH_PERM_ALL;
            found = 1;
        }
        for (int i = 0; !found && i < ZAUTH_PERM_COUNT; i++)
            if (strlen(perm_names[i]) == t && strncmp(s, perm_names[i], t) == 0) {
                p |= 1u << i;
                found = 1;
            }
        if (!found) {
            if (bad && badsz)
                snprintf(bad, badsz, "%.*s", (int)(t < 64 ? t : 64), s);
            return -1;
        }
        any = 1;
        s += l;
        if (*s == ',')
            s++;
    }
    if (!any)
        return -1;
    *out = p;
    return 0;
}

void zauth_perms_format(uint32_t perms, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if ((perms & ZAUTH_PERM_ALL) == ZAUTH_PERM_ALL) {
        snprintf(buf, size, "*");
        return;
    }
    size_t n = 0;
    for (int i = 0; i < ZAUTH_PERM_COUNT; i++)
        if (perms & (1u << i)) {
            int w = snprintf(buf + n, size - n, "%s%s", n ? "," : "", perm_names[i]);
            if (w < 0 || (size_t)w >= size - n)
                return;
            n += (size_t)w;
        }
}

int zauth_keys_parse_line(char *line, zauth_key_record *e)
{
    line[strcspn(line, "\r\n")] = '\0';
    char *fields[8];
    size_t nf = 0;
    memset(e, 0, sizeof(*e));
    for (char *p = line;;) {
        fields[nf++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        if (nf == 8)
            return -1; /* a ninth field */
        *tab = '\0';
        p = tab + 1;
    }
    if (nf != 7 && nf != 8)
        return -1;
    uint32_t perms = ZAUTH_PERM_ALL; /* lines from before permissions: every permission */
    if (nf == 8 && zauth_perms_parse(fields[7], &perms, NULL, 0) != 0) {
        memset(e, 0, sizeof(*e));
        return -1;
    }
    char *end;
    errno = 0;
    long id = strtol(fields[0], &end, 10);
    if (errno || end == fields[0] || *end || id < 1 || id > INT_MAX || strlen(fields[4]) != 32 ||
        strlen(fields[5]) != 64 || zc_unhex(fields[4], e->salt, 16) ||
        zc_unhex(fields[5], e->hash, 32))
        return -1;
    e->id = (int)id;
    snprintf(e->name, sizeof(e->name), "%s", fields[1]);
    snprintf(e->created, sizeof(e->created), "%s", fields[2]);
    e->revoked = strcmp(fields[3], "-") != 0;
    snprintf(e->revoked_at, sizeof(e->revoked_at), "%s", fields[3]);
    snprintf(e->shown, sizeof(e->shown), "%s", fields[6]);
    e->perms = perms;
    return 0;
}

static int read_file(const char *path, zauth_key_record **out, size_t *count, char *err,
                     size_t errsz)
{
    *out = NULL;
    *count = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsz, "cannot read %.300s: %s", path, strerror(errno));
        return -1;
    }
    char line[512];
    unsigned lineno = 0;
    zauth_key_record *v = NULL;
    size_t n = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        zauth_key_record e;
        if (zauth_keys_parse_line(line, &e) != 0) {
            snprintf(err, errsz, "%.300s:%u: malformed key line", path, lineno);
            free(v);
            fclose(f);
            return -1;
        }
        zauth_key_record *nv = realloc(v, (n + 1) * sizeof(*v));
        if (!nv) {
            free(v);
            fclose(f);
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        v = nv;
        v[n++] = e;
    }
    fclose(f);
    *out = v;
    *count = n;
    return 0;
}

static int write_file(const char *path, const zauth_key_record *v, size_t n, char *err,
                      size_t errsz)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errsz, "cannot write %.300s: %s", tmp, strerror(errno));
        return -1;
    }
    fputs(
        "# zkbiod API keys: id, name, created, revoked, salt, sha256(salt || key), shown prefix,\n"
        "# permissions.\n"
        "# The keys themselves are not stored.\n",
        f);
    for (size_t i = 0; i < n; i++) {
        char salt[33], hash[65], perms[256];
        zc_hex(v[i].salt, 16, salt);
        zc_hex(v[i].hash, 32, hash);
        zauth_perms_format(v[i].perms, perms, sizeof(perms));
        fprintf(f, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v[i].id, v[i].name, v[i].created,
                v[i].revoked ? v[i].revoked_at : "-", salt, hash, v[i].shown, perms);
    }
    int bad = fflush(f) != 0 || zc_fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || zc_rename_replace(tmp, path) != 0) {
        snprintf(err, errsz, "cannot write %.300s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int zauth_keys_load(const char *data_dir, char *const *cfg_keys, size_t n, zauth_keys **out,
                    char *err, size_t errsz)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", data_dir, KEYS_FILE);
    zauth_keys *k = calloc(1, sizeof(*k));
    if (!k) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    zauth_key_record *file = NULL;
    size_t nfile = 0;
    if (read_file(path, &file, &nfile, err, errsz) != 0) {
        free(k);
        return -1;
    }
    k->e = calloc(nfile + n + 1, sizeof(*k->e));
    if (!k->e) {
        free(file);
        free(k);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        zauth_key_record *e = &k->e[k->n++];
        if (zc_random(e->salt, sizeof(e->salt)) != 0) {
            free(file);
            zauth_keys_free(k);
            snprintf(err, errsz, "no random numbers");
            return -1;
        }
        zc_sha256(e->salt, sizeof(e->salt), cfg_keys[i], strlen(cfg_keys[i]), e->hash);
        snprintf(e->name, sizeof(e->name), "configured");
        e->perms = ZAUTH_PERM_ALL; /* --api-key: full access */
    }
    if (nfile)
        memcpy(k->e + k->n, file, nfile * sizeof(*file));
    k->n += nfile;
    free(file);
    *out = k;
    return 0;
}

void zauth_keys_free(zauth_keys *k)
{
    if (!k)
        return;
    if (k->e)
        memset(k->e, 0, k->n * sizeof(*k->e));
    free(k->e);
    free(k);
}

size_t zauth_keys_active(const zauth_keys *k)
{
    size_t a = 0;
    for (size_t i = 0; k && i < k->n; i++)
        a += !k->e[i].revoked;
    return a;
}

uint32_t zauth_keys_perms(const zauth_keys *k, int slot)
{
    if (!k || slot < 0 || (size_t)slot >= k->n)
        return 0;
    return k->e[slot].perms;
}

int zauth_keys_slots(const zauth_keys *k)
{
    return k ? (int)k->n : 0;
}

int zauth_keys_check(const zauth_keys *k, const char *key, int *slot)
{
    if (!k || !key)
        return -1;
    size_t len = strlen(key);
    if (len == 0 || len > 256)
        return -1;
    int found = -1, rc = -1;
    for (size_t i = 0; i < k->n; i++) {
        uint8_t h[32];
        zc_sha256(k->e[i].salt, sizeof(k->e[i].salt), key, len, h);
        if (zc_ct_equal(h, k->e[i].hash, 32) && found < 0) {
            found = (int)i;
            rc = k->e[i].revoked ? 1 : 0;
        }
    }
    if (found >= 0 && slot)
        *slot = found;
    return rc;
}

/* ---- zkbiod apikey ------------------------------------------------------------------------- */

static void cli_usage(FILE *f)
{
    fputs(
        "Usage: zkbiod apikey create [--name NAME] [--permissions P,P...] [--data-dir DIR | "
        "--config FILE]\n"
        "       zkbiod apikey list [--data-dir DIR | --config FILE]\n"
        "       zkbiod apikey revoke ID [--data-dir DIR | --config FILE]\n"
        "API keys of the fingerprint service, kept hashed (salted SHA-256) in <data-dir>/apikeys.\n"
        "create prints the new key once (ak_live_ + 32 random characters); zkbiod reads the\n"
        "file at start-up, so restart it after a change.\n"
        "Permissions (default *, all): fingerprint:enroll, fingerprint:verify,\n"
        "fingerprint:identify, fingerprint:delete, fingerprint:scan, device:read, device:manage,\n"
        "database:read, database:export, database:import.\n",
        f);
}

/* An audit row (store_audit.h) for a key change made on the command line: best effort, since the
 * keys file is the record and a database that cannot be opened must not block key management. */
static void audit_key_change(const zkbiod_config *cfg, const char *action, int id, const char *name,
                             const char *perms)
{
    zs_policy pol = {.command_timeout_s = cfg->command_timeout,
                     .max_attempts = cfg->command_max_attempts,
                     .auto_admit = cfg->admission == ZKBIOD_ADMISSION_AUTO};
    zs_store *st = NULL;
    char err[256], target[96];
    if (zs_open(cfg->db_uri, &pol, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "zkbiod apikey: not audited (database: %s)\n", err);
        return;
    }
    snprintf(target, sizeof(target), "apikey %d", id);
    json_t *d = json_pack("{s:i,s:s,s:s}", "key_id", id, "name", name ? name : "", "permissions",
                          perms ? perms : "");
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (zs_audit_begin(st, "cli", 0, "", action, target, 0, "ok", text, NULL) != 0)
        fprintf(stderr, "zkbiod apikey: not audited (%s)\n", zs_errmsg(st));
    free(text);
    zs_close(st);
}

/* Split argv into the subcommand's own arguments and the zkbiod options (passed to the config). */
int zauth_cli(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *name = "key";
    uint32_t perms = ZAUTH_PERM_ALL;
    long revoke_id = 0;
    char **cargv = calloc((size_t)argc + 1, sizeof(char *));
    if (!cargv)
        return 1;
    int cargc = 0;
    cargv[cargc++] = "zkbiod";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else if (strcmp(sub, "create") == 0 && strncmp(argv[i], "--permissions", 13) == 0 &&
                   (argv[i][13] == '=' || (argv[i][13] == '\0' && i + 1 < argc))) {
            const char *list = argv[i][13] == '=' ? argv[i] + 14 : argv[++i];
            char bad[80];
            if (zauth_perms_parse(list, &perms, bad, sizeof(bad)) != 0) {
                fprintf(stderr, "zkbiod apikey create: --permissions: unknown permission \"%s\"\n",
                        bad);
                free(cargv);
                return 2;
            }
        } else if (strcmp(sub, "revoke") == 0 && revoke_id == 0 && argv[i][0] != '-') {
            char *end;
            revoke_id = strtol(argv[i], &end, 10);
            if (*end || revoke_id < 1) {
                fprintf(stderr, "zkbiod apikey revoke: bad id \"%s\"\n", argv[i]);
                free(cargv);
                return 2;
            }
        } else {
            cargv[cargc++] = argv[i];
        }
    }
    zkbiod_config cfg;
    char err[512];
    int rc = zkbiod_config_load(&cfg, cargc, cargv, err, sizeof(err));
    free(cargv);
    if (rc != 0) {
        if (rc > 0)
            return 0;
        fprintf(stderr, "zkbiod apikey: %s\n", err);
        return 2;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", cfg.data_dir, KEYS_FILE);
    zauth_key_record *v = NULL;
    size_t n = 0;
    int status = 0;
    if (zkbiod_config_prepare_data_dir(&cfg, err, sizeof(err)) != 0 ||
        read_file(path, &v, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "zkbiod apikey: %s\n", err);
        zkbiod_config_free(&cfg);
        return 1;
    }
    if (strcmp(sub, "create") == 0) {
        zauth_key_record *nv = realloc(v, (n + 1) * sizeof(*v));
        char key[sizeof(KEY_PREFIX) + KEY_RANDOM];
        if (!nv) {
            status = 1;
        } else {
            v = nv;
            zauth_key_record *e = &v[n];
            memset(e, 0, sizeof(*e));
            int id = 0;
            for (size_t i = 0; i < n; i++)
                if (v[i].id > id)
                    id = v[i].id;
            e->id = id + 1;
            e->perms = perms;
            size_t k = 0;
            for (const char *p = name; *p && k + 1 < sizeof(e->name); p++)
                e->name[k++] = (isalnum((unsigned char)*p) || strchr("._-", *p)) ? *p : '_';
            zc_iso_time(0, e->created, sizeof(e->created));
            memcpy(key, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
            if (zc_random_alnum(key + sizeof(KEY_PREFIX) - 1, KEY_RANDOM) != 0 ||
                zc_random(e->salt, sizeof(e->salt)) != 0) {
                fprintf(stderr, "zkbiod apikey: no random numbers\n");
                status = 1;
            } else {
                zc_sha256(e->salt, sizeof(e->salt), key, strlen(key), e->hash);
                snprintf(e->shown, sizeof(e->shown), "%.12s", key);
                if (write_file(path, v, n + 1, err, sizeof(err)) != 0) {
                    fprintf(stderr, "zkbiod apikey: %s\n", err);
                    status = 1;
                } else {
                    printf("%s\n", key);
                    fprintf(
                        stderr,
                        "key %d (%s) created; it is shown only now. Restart zkbiod to use it.\n",
                        e->id, e->name);
                    char pl[256];
                    zauth_perms_format(e->perms, pl, sizeof(pl));
                    audit_key_change(&cfg, "apikey.create", e->id, e->name, pl);
                }
            }
            memset(key, 0, sizeof(key));
        }
    } else if (strcmp(sub, "list") == 0) {
        printf("%-4s %-20s %-16s %-21s %-21s %s\n", "ID", "NAME", "KEY", "CREATED", "REVOKED",
               "PERMISSIONS");
        for (size_t i = 0; i < n; i++) {
            char pl[256];
            zauth_perms_format(v[i].perms, pl, sizeof(pl));
            printf("%-4d %-20s %-16s %-21s %-21s %s\n", v[i].id, v[i].name, v[i].shown,
                   v[i].created, v[i].revoked ? v[i].revoked_at : "-", pl);
        }
    } else if (strcmp(sub, "revoke") == 0) {
        size_t i = 0;
        while (i < n && v[i].id != revoke_id)
            i++;
        if (revoke_id == 0 || i == n) {
            fprintf(stderr, "zkbiod apikey revoke: no key with id %ld\n", revoke_id);
            status = 1;
        } else {
            v[i].revoked = 1;
            zc_iso_time(0, v[i].revoked_at, sizeof(v[i].revoked_at));
            if (write_file(path, v, n, err, sizeof(err)) != 0) {
                fprintf(stderr, "zkbiod apikey: %s\n", err);
                status = 1;
            } else {
                fprintf(stderr, "key %ld revoked; restart zkbiod to apply.\n", revoke_id);
                audit_key_change(&cfg, "apikey.revoke", (int)revoke_id, v[i].name, NULL);
            }
        }
    } else {
        cli_usage(stderr);
        status = 2;
    }
    free(v);
    zkbiod_config_free(&cfg);
    return status;
}
