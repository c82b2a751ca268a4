/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbiod integration-key create|list|revoke` (auth_intkeys.h): the keys of the inbound
 * Frappe-style endpoints from the command line, on the database of the normal configuration. The
 * secret is printed once, on standard output, and never logged. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "auth_impl.h"

static void usage(FILE *f)
{
    fputs("Usage: zkbiod integration-key create --name NAME [zkbiod options]\n"
          "       zkbiod integration-key list [zkbiod options]\n"
          "       zkbiod integration-key revoke --id ID [zkbiod options]\n"
          "Keys of the inbound punch endpoints (POST /api/method/...receive_attendance_log and\n"
          "...receive_bulk_attendance_logs; docs/integrations.md), in zkbiod's database (--db,\n"
          "--data-dir, --config as for the server). create prints the key's id, api_key and\n"
          "api_secret: the secret is shown this once and stored only as a hash. Clients send\n"
          "`Authorization: token <api_key>:<api_secret>`. revoke refuses the key at once.\n",
          f);
}

static void iso_ms(int64_t ms, char *out, size_t size)
{
    if (ms <= 0)
        snprintf(out, size, "-");
    else
        zc_iso_time((time_t)(ms / 1000), out, size);
}

static int cmd_list(zs_store *st)
{
    printf("%-6s %-18s %-24s %-8s %-21s %-21s %s\n", "ID", "API KEY", "NAME", "STATE", "CREATED",
           "LAST USED", "CREATED BY");
    int64_t after = 0;
    for (;;) {
        zs_intkey_page p;
        int rc = zs_intkey_list(st, after, 1000, &p);
        if (rc != 0) {
            fprintf(stderr, "zkbiod integration-key list: %s\n", zkbio_strerror(rc));
            return 1;
        }
        for (size_t i = 0; i < p.n; i++) {
            const zs_intkey *k = &p.rows[i];
            char c[32], u[32];
            iso_ms(k->created_at, c, sizeof(c));
            iso_ms(k->last_used_at, u, sizeof(u));
            printf("%-6" PRId64 " %-18s %-24s %-8s %-21s %-21s %s\n", k->id, k->api_key, k->name,
                   k->revoked_at ? "revoked" : "active", c, u, k->created_by);
        }
        int more = p.has_next;
        after = p.next;
        zs_intkey_page_free(&p);
        if (!more)
            return 0;
    }
}

static int run(zauth *a, zs_store *st, const char *sub, const char *name, const char *id_text)
{
    if (strcmp(sub, "list") == 0)
        return cmd_list(st);
    if (strcmp(sub, "create") == 0) {
        if (!name) {
            fprintf(stderr, "zkbiod integration-key create: --name is required\n");
            return 2;
        }
        zs_intkey k;
        char secret[ZAUTH_INTKEY_SECRET_LEN + 1];
        int rc = zauth_intkey_create(a, NULL, "", name, &k, secret, sizeof(secret));
        if (rc == ZAUTH_INVALID) {
            fprintf(stderr,
                    "zkbiod integration-key create: --name: 1 to %d bytes without "
                    "control characters\n",
                    ZS_INTKEY_NAME_MAX);
            return 2;
        }
        if (rc != ZAUTH_OK) {
            fprintf(stderr, "zkbiod integration-key create: the database is unavailable\n");
            return 1;
        }
        printf("id: %" PRId64 "\napi_key: %s\napi_secret: %s\n", k.id, k.api_key, secret);
        fflush(stdout);
        mbedtls_platform_zeroize(secret, sizeof(secret));
        fprintf(stderr,
                "integration key %" PRId64 " (%s) created; the secret is shown only this once\n",
                k.id, k.name);
        return 0;
    }
    /* revoke */
    char *end = NULL;
    long long id = id_text ? strtoll(id_text, &end, 10) : 0;
    if (!id_text || !*id_text || *end || id <= 0) {
        fprintf(stderr, "zkbiod integration-key revoke: --id ID (a positive number) is required\n");
        return 2;
    }
    int was = 0;
    zs_intkey k;
    int rc = zauth_intkey_revoke(a, NULL, "", (int64_t)id, &k, &was);
    if (rc == ZAUTH_NOT_FOUND) {
        fprintf(stderr, "zkbiod integration-key revoke: no key %lld\n", id);
        return 1;
    }
    if (rc != ZAUTH_OK) {
        fprintf(stderr, "zkbiod integration-key revoke: the database is unavailable\n");
        return 1;
    }
    fprintf(stderr, "integration key %lld (%s) %s\n", id, k.name,
            was ? "revoked" : "was already revoked");
    return 0;
}

int zauth_intkey_cli(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "revoke")) {
        usage(stderr);
        return 2;
    }
    static const char *const flags[] = {"--name", "--id"};
    const char *v[2];
    zauth_cmd c;
    int status = zauth_cmd_open(argc, argv, "integration-key", flags, 2, v, &c);
    if (status >= 0)
        return status;
    status = run(c.a, c.st, sub, v[0], v[1]);
    zauth_cmd_close(&c);
    return status;
}
