/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_commands.h
 * @brief The command queue as C structs, for the management API (part of store.h).
 *
 * A command's text may hold templates or passwords: only its verb is returned.
 * Ownership: a zs_command_page owns everything it points to; free it with zs_command_page_free().
 */
#ifndef ZKBIOD_STORE_COMMANDS_H
#define ZKBIOD_STORE_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;
typedef struct zs_filter zs_filter;

/** One row of `commands`. Nullable columns come with a has_ flag (or a NULL pointer). */
typedef struct zs_command {
    int64_t id;
    char *sn;
    char *kind; /**< user, tmpl, photo, delete, admin */
    char *pin;
    char *status; /**< queued, sent, done, failed, superseded */
    int64_t attempts;
    int has_return_code;
    int64_t return_code;
    char *result; /**< the device's result as a JSON object text, or NULL */
    int64_t created_at;
    int has_sent_at;
    int64_t sent_at;
    int has_done_at;
    int64_t done_at;
    char *command; /**< the command's verb only ("DATA UPDATE USERINFO", "REBOOT", ...) */
} zs_command;

/** One page of commands, ordered by id. */
typedef struct zs_command_page {
    zs_command *commands;
    size_t n;
    int has_next;  /**< 1 when more rows follow `next` (exact: one more row is read) */
    int64_t next;  /**< the last id of the page (pass as zs_filter.after) when has_next */
    int64_t total; /**< with zs_filter.want_total the matching rows, else -1 */
} zs_command_page;

/** Commands matching f (sn, status, after, limit), into *out (zeroed first). */
int zs_list_commands(zs_store *st, const zs_filter *f, zs_command_page *out);
/** Free everything of *p and zero it; NULL accepted. */
void zs_command_page_free(zs_command_page *p);

#endif /* ZKBIOD_STORE_COMMANDS_H */
