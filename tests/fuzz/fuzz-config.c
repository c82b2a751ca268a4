/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz zkbiod's config file parser (daemon/core/config.c): the input is written to a temporary
 * file and loaded with `zkbiod --config FILE --data-dir /tmp/...`. A load either fails with a
 * message or gives a complete configuration (every list NULL-terminated, every string set, the
 * flag's data directory); the configuration is dumped and freed. ZKBIOD_* variables are removed
 * from the environment first so only the input decides. The loader creates nothing; a file named
 * by admin-token-file in the input is only read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern char **environ;

#define DATA_DIR "/tmp/zkbio-fuzz-config.d" /* never created: zkbiod_config_load() only reads */

static char path[64];
static int fd = -1;
static FILE *sink;

static void remove_file(void)
{
    if (fd >= 0)
        close(fd);
    if (path[0])
        unlink(path);
    if (sink)
        fclose(sink);
}

/* Remove every ZKBIOD_* variable (they override the file). */
static void clear_env(void)
{
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; e && *e; e++) {
            if (strncmp(*e, "ZKBIOD_", 7) != 0)
                continue;
            char name[256];
            size_t len = strcspn(*e, "=");
            if (len >= sizeof(name))
                abort();
            memcpy(name, *e, len);
            name[len] = '\0';
            unsetenv(name);
            again = 1; /* environ changed under us: scan again */
            break;
        }
    }
}

static int init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/zkbio-fuzz-config-XXXXXX",
             tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    fd = mkstemp(path);
    if (fd < 0) {
        perror(path);
        abort();
    }
    sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
    atexit(remove_file);
    clear_env();
    return 0;
}

static void check_list(char **list, size_t count, const char *what)
{
    if (!list || list[count] != NULL) {
        fprintf(stderr, "%s: list not NULL-terminated\n", what);
        abort();
    }
    for (size_t i = 0; i < count; i++)
        if (!list[i]) {
            fprintf(stderr, "%s: NULL entry %zu\n", what, i);
            abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready)
        ready = init() == 0;
    if (ftruncate(fd, 0) != 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }

    char *argv[] = {"zkbiod", "--config", path, "--data-dir", DATA_DIR, NULL};
    char err[512];
    zkbiod_config cfg;
    int rc = zkbiod_config_load(&cfg, 5, argv, err, sizeof(err));
    if (rc != 0) {
        if (rc == 1 || rc == 2 || !memchr(err, '\0', sizeof(err)) || !err[0]) {
            fprintf(stderr, "load returned %d with message \"%s\"\n", rc, err);
            abort();
        }
        zkbiod_config_free(&cfg); /* holds nothing; must be harmless */
        return 0;
    }
    if (cfg.listen_count + cfg.service_listen_count < 1 || !cfg.data_dir ||
        strcmp(cfg.data_dir, DATA_DIR) != 0 || !cfg.db || !cfg.db_uri || !cfg.admin_token ||
        !cfg.admin_token_file || !cfg.trans_times || !cfg.attphoto_dir || !cfg.config_file ||
        strcmp(cfg.config_file, path) != 0) {
        fprintf(stderr, "incomplete configuration after a successful load\n");
        abort();
    }
    check_list(cfg.listen, cfg.listen_count, "listen");
    check_list(cfg.allow_sn, cfg.allow_sn_count, "allow-sn");
    check_list(cfg.service_listen, cfg.service_listen_count, "service-listen");
    check_list(cfg.api_key, cfg.api_key_count, "api-key");
    check_list(cfg.allow_origin, cfg.allow_origin_count, "allow-origin");
    zkbiod_config_dump(&cfg, sink);
    zkbiod_config_free(&cfg);
    zkbiod_config_free(&cfg); /* repeated calls are accepted */
    return 0;
}
