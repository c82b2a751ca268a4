/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkbiod: the ZKTeco PUSH server (/iclock), the management API and /health, and the fingerprint
 * service for web apps. main wires the modules (docs/architecture.md) and starts and stops them:
 * core (configuration, logging) -> store -> forward (issue 16: delivery to ERPNext and webhooks) ->
 * jobs (the queue) -> fleet (4370 terminals: it registers its job kinds, then the queue starts) ->
 * auth -> fpservice -> api (handler context) -> http (listeners); shutdown runs the other way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "zkbio/version.h"

#include "api.h"
#include "auth.h"
#include "core.h"
#include "fleet.h"
#include "forward.h"
#include "fpservice.h"
#include "http.h"
#include "jobs.h"
#include "push.h"
#include "service.h"
#include "store.h"

/* The job queue and the 4370 terminal fleet (issue 14): the fleet registers its job handlers
 * before the queue starts; 0 or -1 with err. */
static int fleet_open(const zkbiod_config *cfg, zs_store *store, zjobs **jobs, zfleet **fleet,
                      char *err, size_t errsz)
{
    zfleet_options fo = {
        .workers = cfg->fleet_workers,
        .timeout_ms = cfg->fleet_timeout_ms,
        .info_cache_ms = cfg->fleet_info_cache_ms > 0 ? cfg->fleet_info_cache_ms : -1,
        .pull_interval_s = cfg->fleet_pull_interval > 0 ? cfg->fleet_pull_interval : -1,
        .heartbeat_s = cfg->fleet_heartbeat,
        .listen = cfg->fleet_listen,
    };
    zjobs_options jo = {.workers = cfg->job_workers};
    if (zjobs_open(store, &jo, jobs, err, errsz) != 0)
        return -1;
    if (zfleet_open(store, *jobs, &fo, fleet, err, errsz) != 0 || zjobs_start(*jobs) != 0 ||
        zfleet_start(*fleet) != 0) {
        if (!err[0])
            snprintf(err, errsz, "cannot start the job queue or the terminal fleet");
        zfleet_stop(*fleet);
        zjobs_close(*jobs);
        zfleet_close(*fleet);
        *jobs = NULL;
        *fleet = NULL;
        return -1;
    }
    return 0;
}

/* Stop the fleet (no new terminal work), then the queue (running handlers end), then free. */
static void fleet_close(zjobs *jobs, zfleet *fleet)
{
    zfleet_stop(fleet);
    zjobs_close(jobs);
    zfleet_close(fleet);
}

/* Issue 16: the forwarding engine; the config file's forwarders are created or updated first.
 * 0 or -1 with err. */
static int forward_open(const zkbiod_config *cfg, zs_store *store, zfwd **out, char *err,
                        size_t errsz)
{
    if (zfwd_config_apply(store, (const char *const *)cfg->forwarder, cfg->forwarder_count,
                          cfg->config_file, err, errsz) != 0)
        return -1;
    zfwd_options o = {.workers = cfg->forward_workers, .poll_ms = cfg->forward_poll_ms};
    if (zfwd_open(store, &o, out, err, errsz) != 0)
        return -1;
    if (zfwd_start(*out) != 0) {
        snprintf(err, errsz, "cannot start the forwarding engine");
        zfwd_close(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* The store's operator messages (issue 15: an approved device heard from a new address). */
static void admission_notify(const char *line)
{
    zlog_warn("%s", line);
}

int main(int argc, char **argv)
{
#if !defined(_WIN32) /* Windows: the ACL of the data directory (zkbiod service install) */
    umask(077);      /* the database, photos and certificates hold personal data: owner only */
#endif
    if (argc > 1 && strcmp(argv[1], "service") == 0) /* issue 17: the Windows service (service.h) */
        return zkbiod_service_cli(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "apikey") == 0)
        return zauth_cli(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "user") == 0) /* accounts of /api/v1 (auth_accounts.h) */
        return zauth_user_cli(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "integration-key") == 0) /* issue 16 (auth_intkeys.h) */
        return zauth_intkey_cli(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "device") == 0) /* PUSH admission (issue 15, push.h) */
        return zpush_device_cli(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "cert") == 0)
        return zhttp_cert_cli(argc - 1, argv + 1);
    return zkbiod_serve(argc, argv, NULL, NULL);
}

int zkbiod_serve(int argc, char **argv, void (*ready)(void *arg), void *arg)
{
    if (zc_net_init() != 0) {
        fprintf(stderr, "zkbiod: cannot start the socket layer\n");
        return 1;
    }
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
        .pending = cfg.admission == ZKBIOD_ADMISSION_PENDING, /* issue 15 */
        .pending_max = cfg.pending_max,
        .unknown_rate = cfg.unknown_rate,
        .notify = admission_notify,
    };
    if (cfg.admission == ZKBIOD_ADMISSION_AUTO)
        zlog_warn("admission auto: any serial number that reaches this port is registered and sent "
                  "every user and fingerprint template of its sync group (docs/admission.md); use "
                  "--admission pending unless every terminal network is trusted");
    zs_store *store = NULL;
    rc = zs_open(cfg.db_uri, &pol, &store, err, sizeof(err));
    free(allow); /* zs_open copies it */
    if (rc != 0) {
        zlog_error("cannot open the database: %s", err);
        zkbiod_config_free(&cfg);
        return 1;
    }
    zpush push;
    memset(&push, 0, sizeof(push));
    push.store = store;
    zkbio_push_server_options_init(&push.push);
    push.push.delay_s = cfg.delay;
    push.push.error_delay_s = cfg.error_delay;
    push.push.timezone_min = cfg.timezone_min;
    push.push.realtime = cfg.realtime;
    push.push.trans_interval_min = cfg.trans_interval;
    push.push.trans_times = cfg.trans_times;
    push.push.server_ver = zkbio_version();
    push.max_body = cfg.max_body;
    push.commands_per_poll = cfg.commands_per_poll;
    push.attphoto_dir = cfg.attphoto_dir;

    static zapi app; /* handlers hold pointers to it until the listeners stopped */
    memset(&app, 0, sizeof(app));
    app.cfg = &cfg;
    app.store = store;
    app.push = &push;
    app.version = zkbio_version();
    err[0] = '\0';
    if (forward_open(&cfg, store, &app.forward, err, sizeof(err)) != 0) {
        zlog_error("%s", err);
        zs_close(store);
        zkbiod_config_free(&cfg);
        return 1;
    }
    if (fleet_open(&cfg, store, &app.jobs, &app.fleet, err, sizeof(err)) != 0) {
        zlog_error("%s", err);
        zfwd_close(app.forward);
        zs_close(store);
        zkbiod_config_free(&cfg);
        return 1;
    }
    zhttp *h = NULL;
    int service = cfg.service_listen_count > 0;
    if (zauth_open(&cfg, service, &app.auth, err, sizeof(err)) != 0 ||
        zauth_attach_store(app.auth, store, cfg.data_dir, err, sizeof(err)) != 0 ||
        (service && fps_start(&cfg, store, zauth_keys_slots(zauth_keys_of(app.auth)), zapi_ws_emit,
                              &app, &app.fps, err, sizeof(err)) != 0) ||
        zhttp_start(&cfg, &app, &h, err, sizeof(err)) != 0) {
        zlog_error("%s", err);
        fps_stop(app.fps);
        fps_free(app.fps);
        zauth_close(app.auth);
        fleet_close(app.jobs, app.fleet);
        zfwd_close(app.forward);
        zs_close(store);
        zkbiod_config_free(&cfg);
        return 1;
    }

    if (cfg.port_file && *cfg.port_file &&
        zhttp_port_file_write(h, cfg.port_file, err, sizeof(err)) != 0) {
        zlog_error("%s", err);
        zhttp_quiesce(h);
        fps_stop(app.fps);
        zhttp_stop(h);
        fps_free(app.fps);
        zauth_close(app.auth);
        fleet_close(app.jobs, app.fleet);
        zfwd_close(app.forward);
        zs_close(store);
        zkbiod_config_free(&cfg);
        return 1;
    }

    zc_stop_on_signals(); /* SIGINT/SIGTERM or the console's Ctrl-C; SIGPIPE ignored (plat.h) */

    zlog_info("zkbiod %s listening on %s; database %s", zkbio_version(), zhttp_ports(h),
              strncmp(cfg.db_uri, "mariadb:", 8) == 0 ? "MariaDB" : "SQLite");
    if (!zauth_admin_enabled(app.auth))
        zlog_info("management API disabled (no admin token)");
    /* Type=notify (data/systemd/zkbiod.service.in): ready once every listener is up. */
    if (zc_sd_notify("READY=1") < 0)
        zlog_warn("could not notify the service manager ($NOTIFY_SOCKET)");
    if (ready)
        ready(arg);
    while (!zc_stop_requested())
        zc_sleep_ms(1000);
    zlog_info("stopping");
    zc_sd_notify("STOPPING=1");
    zhttp_quiesce(h);                 /* WebSocket clients told, keep-alive thread stopped */
    fps_stop(app.fps);                /* jobs cancelled: REST handlers waiting on them return */
    zhttp_stop(h);                    /* listeners stopped */
    fleet_close(app.jobs, app.fleet); /* terminal sessions closed, running jobs re-queued */
    zfwd_close(app.forward);          /* deliveries in flight abandoned: their rows stay pending */
    fps_free(app.fps);
    zauth_close(app.auth);
    zs_close(store);
    zkbiod_config_free(&cfg);
    return 0;
}
