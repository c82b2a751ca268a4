/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the `zkbiod user` and `zkbiod integration-key` commands share (auth_impl.h): their value
 * flags taken out of argv, the rest read as zkbiod's own configuration, then the data directory,
 * the store and this module opened as the daemon opens them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_impl.h"

/* Index of argv's flag among flags[0..n), or -1. */
static int flag_of(const char *arg, const char *const *flags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg, flags[i]) == 0)
            return (int)i;
    return -1;
}

int zauth_cmd_open(int argc, char **argv, const char *tool, const char *const *flags, size_t n,
                   const char **values, zauth_cmd *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < n; i++)
        values[i] = NULL;
    char **cargv = calloc((size_t)argc + 1, sizeof(char *));
    if (!cargv)
        return 1;
    int cargc = 0;
    cargv[cargc++] = "zkbiod";
    for (int i = 2; i < argc; i++) {
        int f = flag_of(argv[i], flags, n);
        if (f >= 0 && i + 1 < argc)
            values[f] = argv[++i];
        else if (f >= 0) {
            fprintf(stderr, "zkbiod %s: %s needs a value\n", tool, argv[i]);
            free(cargv);
            return 2;
        } else
            cargv[cargc++] = argv[i];
    }
    char err[512];
    int rc = zkbiod_config_load(&c->cfg, cargc, cargv, err, sizeof(err));
    free(cargv);
    if (rc != 0) {
        if (rc > 0) /* --help or --version was answered */
            return 0;
        fprintf(stderr, "zkbiod %s: %s\n", tool, err);
        return 2;
    }
    c->loaded = 1;
    zlog_set_level(c->cfg.log_level);
    zs_policy pol = {.full_sync = c->cfg.full_sync,
                     .command_timeout_s = c->cfg.command_timeout,
                     .max_attempts = c->cfg.command_max_attempts,
                     .auto_admit = c->cfg.admission == ZKBIOD_ADMISSION_AUTO};
    if (zkbiod_config_prepare_data_dir(&c->cfg, err, sizeof(err)) != 0 ||
        zs_open(c->cfg.db_uri, &pol, &c->st, err, sizeof(err)) != 0 ||
        zauth_open(&c->cfg, 0, &c->a, err, sizeof(err)) != 0 ||
        zauth_attach_store(c->a, c->st, c->cfg.data_dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "zkbiod %s: %s\n", tool, err);
        zauth_cmd_close(c);
        return 1;
    }
    return -1;
}

void zauth_cmd_close(zauth_cmd *c)
{
    zauth_close(c->a);
    zs_close(c->st);
    if (c->loaded)
        zkbiod_config_free(&c->cfg);
    memset(c, 0, sizeof(*c));
}
