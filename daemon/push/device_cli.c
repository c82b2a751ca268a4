/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbiod device list|approve|reject` (push.h; issue 15, docs/admission.md): PUSH terminal
 * admission from the command line, on the database of the normal configuration (--db,
 * --data-dir, --config). Safe while zkbiod runs: the server reads a device's admission from the
 * database on every request. Audited with the actor "cli". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "push.h"

static void usage(FILE *f)
{
    fputs("Usage: zkbiod device list [--pending] [zkbiod options]\n"
          "       zkbiod device approve SN|ID [zkbiod options]\n"
          "       zkbiod device reject SN|ID [zkbiod options]\n"
          "PUSH terminal admission (docs/admission.md). A terminal with an unknown serial\n"
          "number waits as pending (no users, templates or commands; its uploads held). approve\n"
          "lets its held uploads take effect and sends it its sync group's users and templates;\n"
          "reject drops what it sent and refuses it from then on. list --pending shows only the\n"
          "terminals waiting.\n",
          f);
}

static void when(int64_t t, char out[24])
{
    if (t <= 0) {
        snprintf(out, 24, "-");
        return;
    }
    zc_iso_time((time_t)t, out, 24);
}

static int list(zs_store *st, int pending)
{
    zs_device_filter f = {.online = -1, .limit = 1000, .admission = pending ? "pending" : NULL};
    printf("%-6s %-24s %-9s %-40s %-20s %s\n", "ID", "SN", "ADMISSION", "ADDRESS", "LAST SEEN",
           "FLAG");
    size_t shown = 0;
    for (;;) {
        zs_device_page page;
        int rc = zs_list_devices_page(st, &f, &page);
        if (rc != 0) {
            fprintf(stderr, "zkbiod device list: %s\n", zkbio_strerror(rc));
            return 1;
        }
        for (size_t i = 0; i < page.n; i++) {
            const zs_device *d = &page.devices[i];
            char seen[24];
            when(d->last_seen, seen);
            printf("%-6" PRId64 " %-24s %-9s %-40s %-20s %s\n", d->id, d->sn,
                   d->admission ? d->admission : "", d->ip ? d->ip : "", seen,
                   d->flag && d->flag[0] ? d->flag : "-");
        }
        shown += page.n;
        int more = page.has_next;
        f.after = page.next;
        zs_device_page_free(&page);
        if (!more)
            break;
    }
    fprintf(stderr, "%zu device(s)%s\n", shown, pending ? " pending" : "");
    return 0;
}

static int decide(zs_store *st, const char *sub, const char *ref)
{
    zs_device dev;
    int rc = zs_find_device(st, ref, &dev);
    if (rc != 0) {
        fprintf(stderr, "zkbiod device %s: %s\n", sub,
                rc == ZKBIO_ENOENT ? "no device with this serial number or id"
                                   : zkbio_strerror(rc));
        return 1;
    }
    int64_t aid = 0;
    int approve = strcmp(sub, "approve") == 0;
    zs_audit_begin(st, "cli", 0, "", approve ? "device.approve" : "device.reject", dev.sn, dev.id,
                   "pending", NULL, &aid);
    zs_approve_result res;
    memset(&res, 0, sizeof(res));
    rc = approve ? zs_device_approve(st, dev.id, &res) : zs_device_reject(st, dev.id);
    if (aid)
        zs_audit_end(st, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc == ZKBIO_EBUSY)
        fprintf(stderr,
                "zkbiod device reject: %s is approved; disable or delete it through the API\n",
                dev.sn);
    else if (rc != 0)
        fprintf(stderr, "zkbiod device %s: %s\n", sub, zkbio_strerror(rc));
    else if (approve)
        fprintf(stderr,
                "device %" PRId64 " (%s) approved: %" PRId64 " held upload(s), %" PRId64
                " record(s) stored%s\n",
                dev.id, dev.sn, res.uploads, res.records,
                res.failed ? "; some held uploads were malformed and dropped" : "");
    else
        fprintf(stderr, "device %" PRId64 " (%s) rejected; what it sent was dropped\n", dev.id,
                dev.sn);
    zs_device_clear(&dev);
    return rc == 0 ? 0 : 1;
}

int zpush_device_cli(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    int is_list = strcmp(sub, "list") == 0;
    if (!is_list && strcmp(sub, "approve") && strcmp(sub, "reject")) {
        usage(stderr);
        return 2;
    }
    const char *ref = NULL;
    int first = 2, pending = 0;
    if (!is_list) {
        if (argc < 3 || argv[2][0] == '-') {
            fprintf(stderr, "zkbiod device %s: name the device (its SN or id)\n", sub);
            return 2;
        }
        ref = argv[2];
        first = 3;
    }
    /* The rest are zkbiod options (as for the server), after the program name. */
    char **cargv = calloc((size_t)argc + 1, sizeof(char *));
    if (!cargv)
        return 1;
    int cargc = 0;
    cargv[cargc++] = "zkbiod";
    for (int i = first; i < argc; i++) {
        if (is_list && strcmp(argv[i], "--pending") == 0)
            pending = 1;
        else
            cargv[cargc++] = argv[i];
    }
    zkbiod_config cfg;
    char err[512];
    int rc = zkbiod_config_load(&cfg, cargc, cargv, err, sizeof(err));
    free(cargv);
    if (rc != 0) {
        if (rc > 0)
            return 0;
        fprintf(stderr, "zkbiod device: %s\n", err);
        return 2;
    }
    zlog_set_level(cfg.log_level);
    zs_policy pol = {.full_sync = cfg.full_sync,
                     .command_timeout_s = cfg.command_timeout,
                     .max_attempts = cfg.command_max_attempts};
    zs_store *st = NULL;
    int status = 1;
    if (zkbiod_config_prepare_data_dir(&cfg, err, sizeof(err)) != 0 ||
        zs_open(cfg.db_uri, &pol, &st, err, sizeof(err)) != 0)
        fprintf(stderr, "zkbiod device: %s\n", err);
    else
        status = is_list ? list(st, pending) : decide(st, sub, ref);
    zs_close(st);
    zkbiod_config_free(&cfg);
    return status;
}
