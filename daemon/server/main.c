/* SPDX-License-Identifier: Apache-2.0 */
/* zkbiod: the ZKTeco PUSH server (/iclock), the management API and /health, over civetweb. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <civetweb.h>

#include "zkbio/version.h"

#include "config.h"
#include "fp_cert.h"
#include "fp_keys.h"
#include "fp_service.h"
#include "http.h"
#include "log.h"
#include "port_file.h"
#include "zkbiod.h"

static volatile sig_atomic_t stop_requested; /* set by the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int handler(struct mg_connection *c, void *cbdata)
{
    const zkbiod *d = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *path = ri->local_uri ? ri->local_uri : "/";
    /* PUSH: any prefix before /iclock/ is accepted (`/<company>/iclock/cdata`,
     * `/iclock/iclock/cdata`). */
    const char *ic = NULL;
    for (const char *p = strstr(path, "/iclock/"); p; p = strstr(p + 1, "/iclock/"))
        ic = p;
    if (ic)
        return zkbiod_iclock(c, d, ic + 8);
    return zkbiod_api(c, d, path);
}

static int log_message(const struct mg_connection *c, const char *msg)
{
    (void)c;
    zlog_warn("http: %s", msg);
    return 1;
}

int main(int argc, char **argv)
{
    umask(077); /* the database, photos and certificates hold personal data: owner only */
    if (argc > 1 && strcmp(argv[1], "apikey") == 0)
        return fp_keys_cli(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "cert") == 0)
        return fp_cert_cli(argc - 1, argv + 1);
    zkbiod_config cfg;
    char err[512];
    int rc = zkbiod_config_load(&cfg, argc, argv, err, sizeof(err));
    if (rc == 1 || rc == 2) { /* --help / --version printed */
        if (rc == 2)
            printf("zkbiod %s\n", zkbio_version());
        zkbiod_config_free(&cfg);
        return 0;
    }
    if (rc != 0) {
        fprintf(stderr, "zkbiod: %s\n", err);
        return 2;
    }
    zlog_set_level(cfg.log_level);
    if (zkbiod_config_prepare_data_dir(&cfg, err, sizeof(err)) != 0) {
        zlog_error("%s", err);
        zkbiod_config_free(&cfg);
        return 1;
    }

    /* The store wants a NULL-terminated list. */
    const char **allow = calloc(cfg.allow_sn_count + 1, sizeof(char *));
    if (!allow) {
        zkbiod_config_free(&cfg);
        return 1;
    }
    for (size_t i = 0; i < cfg.allow_sn_count; i++)
        allow[i] = cfg.allow_sn[i];
    zs_policy pol = {
        .full_sync = cfg.full_sync,
        .command_timeout_s = cfg.command_timeout,
        .max_attempts = cfg.command_max_attempts,
        .auto_admit = cfg.admission == ZKBIOD_ADMISSION_AUTO,
        .allow_sn = allow,
    };
    zkbiod d;
    memset(&d, 0, sizeof(d));
    rc = zs_open(cfg.db_uri, &pol, &d.store, err, sizeof(err));
    free(allow); /* zs_open copies it */
    if (rc != 0) {
        zlog_error("cannot open the database: %s", err);
        zkbiod_config_free(&cfg);
        return 1;
    }
    zkbio_push_server_options_init(&d.push);
    d.push.delay_s = cfg.delay;
    d.push.error_delay_s = cfg.error_delay;
    d.push.timezone_min = cfg.timezone_min;
    d.push.realtime = cfg.realtime;
    d.push.trans_interval_min = cfg.trans_interval;
    d.push.trans_times = cfg.trans_times;
    d.push.server_ver = zkbio_version();
    d.max_body = cfg.max_body;
    d.commands_per_poll = cfg.commands_per_poll;
    d.admin_token = cfg.admin_token;
    d.version = zkbio_version();
    d.attphoto_dir = cfg.attphoto_dir;

    /* Listeners: civetweb's comma-separated list; a trailing 's' is TLS and needs
     * <data-dir>/zkbiod.pem (key + certificate in one PEM file). */
    char ports[1024] = "", pem[1024] = "";
    int tls = 0, service_tls = 0;
    for (size_t i = 0; i < cfg.service_listen_count; i++) {
        size_t l = strlen(cfg.service_listen[i]);
        service_tls |= l && cfg.service_listen[i][l - 1] == 's';
    }
    for (size_t i = 0; i < cfg.listen_count; i++) {
        size_t l = strlen(cfg.listen[i]);
        if (l && cfg.listen[i][l - 1] == 's')
            tls = 1;
        snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%s", i ? "," : "",
                 cfg.listen[i]);
    }
    if (tls) {
        snprintf(pem, sizeof(pem), "%s/zkbiod.pem", cfg.data_dir);
        if (access(pem, R_OK) != 0) {
            zlog_error("a TLS listener needs %s (private key and certificate in one PEM file)",
                       pem);
            zs_close(d.store);
            zkbiod_config_free(&cfg);
            return 1;
        }
    }
    char threads[16];
    snprintf(threads, sizeof(threads), "%d", cfg.threads);
    const char *options[] = {
        "listening_ports", ports, "num_threads", threads, "request_timeout_ms", "10000",
        "enable_keep_alive", "yes", "keep_alive_timeout_ms", "15000", "access_control_allow_origin",
        "",
        /* Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the
           peer's delayed ACK adds ~40 ms to every keep-alive response. */
        "tcp_nodelay", "1", tls ? "ssl_certificate" : NULL, tls ? pem : NULL, NULL, NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.log_message = log_message;

    mg_init_library(tls || service_tls ? MG_FEATURES_TLS : 0);
    /* The terminal listener (/iclock, /api/v1, /health) and the fingerprint service for web apps
     * are two civetweb contexts: each has its own access rule and its own worker threads. */
    struct mg_context *ctx = cfg.listen_count ? mg_start(&cb, &d, options) : NULL;
    fp_service *svc = NULL;
    if ((cfg.listen_count && !ctx) ||
        fp_service_start(&cfg, d.store, &svc, err, sizeof(err)) != 0) {
        if (cfg.listen_count && !ctx)
            zlog_error("cannot listen on %s", ports);
        else
            zlog_error("%s", err);
        mg_stop(ctx);
        mg_exit_library();
        zs_close(d.store);
        zkbiod_config_free(&cfg);
        return 1;
    }
    if (ctx)
        mg_set_request_handler(ctx, "/", handler, &d);
    if (*cfg.port_file && zkbiod_port_file_write(cfg.port_file, ctx, fp_service_context(svc), err,
                                                 sizeof(err)) != 0) {
        zlog_error("%s", err);
        fp_service_stop(svc);
        mg_stop(ctx);
        mg_exit_library();
        zs_close(d.store);
        zkbiod_config_free(&cfg);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    zlog_info("zkbiod %s listening on %s; database %s", zkbio_version(),
              cfg.listen_count ? ports : "(no terminal listener)",
              strncmp(cfg.db_uri, "mariadb:", 8) == 0 ? "MariaDB" : "SQLite");
    if (!cfg.admin_token || !*cfg.admin_token)
        zlog_info("management API disabled (no admin token)");
    while (!stop_requested)
        sleep(1);
    zlog_info("stopping");
    fp_service_stop(svc);
    mg_stop(ctx);
    mg_exit_library();
    zs_close(d.store);
    zkbiod_config_free(&cfg);
    return 0;
}
