/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file config.h
 * @brief zkbiod's configuration: flags, ZKBIOD_* environment variables and a config file.
 *
 * One table of options (config.c) drives the flags (`--name VALUE`, `--name=VALUE`), the
 * environment (`ZKBIOD_NAME`: dashes as underscores, upper case; empty counts as unset), the file
 * (`name = value` lines) and the `--help` text. Precedence, highest first: flags, environment,
 * config file (`--config FILE` or ZKBIOD_CONFIG), defaults. A repeatable option (listen, allow-sn)
 * takes all its values from the highest source that gives any; within one source the values
 * accumulate, and one value may hold several separated by commas.
 *
 * Thread-safety: load/free/prepare are not thread-safe; a loaded config is read-only and may be
 * shared by any number of threads.
 */
#ifndef ZKBIOD_CONFIG_H
#define ZKBIOD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"

typedef enum zkbiod_admission {
    /** Any SN is registered on first contact. */
    ZKBIOD_ADMISSION_AUTO = 0,
    /** Only SNs in allow_sn (or enabled in the database) are served; others get 403. */
    ZKBIOD_ADMISSION_ALLOW_LIST = 1,
    /** Issue 15, the default: an unknown SN is registered pending; it is served nothing and its
     * uploads are held until an operator approves it (docs/admission.md). */
    ZKBIOD_ADMISSION_PENDING = 2,
} zkbiod_admission;

/**
 * The effective configuration. Every string and list is owned by the struct (freed by
 * zkbiod_config_free()) and never NULL after a successful load; every list is NULL-terminated as
 * well as counted.
 */
typedef struct zkbiod_config {
    /** Listeners in civetweb syntax: `0.0.0.0:8081`, `[::]:8081`, `[::1]:8443s` (s = TLS). */
    char **listen;
    size_t listen_count; /**< >= 1 */
    char *data_dir;      /**< resolved data directory */
    /** The `db` option as given: `sqlite`, `sqlite:PATH`, `mariadb://...` (may hold a password). */
    char *db;
    /** Resolved URI for zs_open(): `sqlite:<data-dir>/zkbiod.db` for plain `sqlite`. Secret. */
    char *db_uri;
    /** "" = management API disabled; from admin-token or admin-token-file. Secret: never log it. */
    char *admin_token;
    char *admin_token_file;     /**< "" when not used (or overridden by a higher admin-token) */
    zlog_level log_level;       /**< default ZLOG_INFO */
    zkbiod_admission admission; /**< default ZKBIOD_ADMISSION_PENDING */
    int pending_max;            /**< pending mode: most pending devices at once, 1..100000 */
    int unknown_rate; /**< pending mode: new SNs registered per source address per minute */
    char **allow_sn;  /**< SNs admitted in allow-list mode, each [A-Za-z0-9_-]{1,40} */
    size_t allow_sn_count;
    int delay;                /**< seconds between getrequest polls (Delay), 1..3600 */
    int error_delay;          /**< seconds before a retry after an error (ErrorDelay), 1..3600 */
    int timezone_min;         /**< device time zone, minutes east of UTC; default: local offset */
    int realtime;             /**< 1 = devices upload each record at once (Realtime) */
    int trans_interval;       /**< minutes between batched uploads (TransInterval), 0..1440 */
    char *trans_times;        /**< fixed upload times (TransTimes), "HH:MM;HH:MM" */
    int commands_per_poll;    /**< commands handed out per getrequest, 1..100 */
    int command_timeout;      /**< seconds before an unacknowledged command is re-sent */
    int command_max_attempts; /**< attempts before a command is marked failed */
    size_t max_body;          /**< bytes; larger uploads get 413 */
    int full_sync;            /**< 1 = a newly registered device gets every user and template */
    int threads;              /**< HTTP worker threads */
    int job_workers;          /**< jobs run at once (daemon/jobs workers), 1..256 */
    char *attphoto_dir;       /**< ATTPHOTO uploads; default <data-dir>/attphoto */
    char *config_file;        /**< the config file that was read, "" when none */
    /** Fingerprint service listeners (civetweb syntax, s = TLS); empty = service off. */
    char **service_listen;
    size_t service_listen_count;
    char **api_key; /**< fingerprint service API keys from the configuration. Secret. */
    size_t api_key_count;
    char **allow_origin; /**< allowed web origins, exact `scheme://host[:port]` */
    size_t allow_origin_count;
    int service_threads;     /**< civetweb worker threads of the service listener */
    size_t service_max_body; /**< bytes; larger service request bodies get 400 */
    int rate_limit;          /**< service requests per minute per API key */
    int scan_rate_limit;     /**< fingerprint operations per minute per reader */
    int match_threshold;     /**< verify/identify decision score */
    int fp_store;            /**< 1 = the service keeps templates in the database (default 0) */
    /** "" = none; else the bound ports are written there once listening (daemon/http/port_file.h).
     */
    char *port_file;
    /* 4370 terminals (daemon/fleet) */
    int fleet_workers;       /**< pool threads, 1..256 */
    int fleet_timeout_ms;    /**< per exchange with a terminal */
    int fleet_info_cache_ms; /**< 0 = no cache */
    int fleet_pull_interval; /**< seconds, 0 = only after reconnects */
    int fleet_heartbeat;     /**< seconds */
    int fleet_listen;        /**< 1 = realtime listeners */
    /* issue 16: forwarding (daemon/forward) */
    int forward_workers; /**< targets delivered at once, 1..64 */
    int forward_poll_ms; /**< due rows looked for this often, 10..60000 */
    /** Forwarders of the config file: "NAME.KEY=VALUE" entries from its `forwarder.NAME.KEY =
     * VALUE` lines, in file order (only the file declares forwarders; zfwd_config_apply() reads
     * them). May hold secrets (api_secret, secret): never log them. */
    char **forwarder;
    size_t forwarder_count;
} zkbiod_config;

/**
 * Fill *cfg from argv (argv[0] is skipped), the environment and the config file, then validate and
 * resolve it. Returns 0 on success; 1 after printing the help text to stdout (`--help`, `-h`); 2
 * for `--version` (`-V`; the caller prints the version); ZKBIO_EINVAL with a one-line message in
 * err (for example `--delay: not an integer: "x"` or `/etc/zkbiod.conf:12: unknown option
 * "dealy"`), or ZKBIO_ENOMEM. On every return *cfg may be passed to zkbiod_config_free(); on errors
 * it holds nothing. Reads files (the config file, admin-token-file) but creates nothing.
 */
int zkbiod_config_load(zkbiod_config *cfg, int argc, char **argv, char *err, size_t errsz);

/** Free everything *cfg owns and zero it. NULL and repeated calls are accepted. */
void zkbiod_config_free(zkbiod_config *cfg);

/**
 * Create the data directory and the attphoto directory (with missing parents) with mode 0700 if
 * missing, and check they are writable directories. Returns 0 or ZKBIO_EIO with a message in err.
 */
int zkbiod_config_prepare_data_dir(const zkbiod_config *cfg, char *err, size_t errsz);

/**
 * Write the effective configuration to f in config-file syntax (`name = value`, one line per list
 * value). Secrets are shown as `***`: the admin token, and the password of a mariadb:// URI.
 */
void zkbiod_config_dump(const zkbiod_config *cfg, FILE *f);

/** Write the `--help` text (every option, its environment variable and its default) to f. */
void zkbiod_config_print_help(FILE *f);

/** Number of options in the table, and the name of option i (NULL when out of range). */
size_t zkbiod_config_option_count(void);
const char *zkbiod_config_option_name(size_t i);

#endif /* ZKBIOD_CONFIG_H */
