/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the sim backend's per-reader state, shared by sim.c (the backend callbacks and the
 * ZKBIO_SIM configuration), sim_dir.c (playlists) and sim_socket.c (the socket or pipe server). */
#ifndef ZKI_READER_SIM_H
#define ZKI_READER_SIM_H

#include "reader/backend.h"
#include "reader/sim_proto.h"

enum { ZKI_SIM_DIR = 1, ZKI_SIM_SOCKET = 2 };

/* Most sim readers one context configures. */
#define ZKI_SIM_ENTRIES_MAX 16

typedef struct zki_sim_server zki_sim_server;

typedef struct zki_sim_entry {
    int index;
    int kind;
    char *path;
    zkbio_reader_ctx *ctx;
    zkbio_reader_image_loader loader;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t cond;  /* signalled on every state change and by cancel */
    zkbio_image *queue[ZKBIO_SIM_QUEUE_MAX];
    size_t qhead, qlen;
    int finger;        /* finger on (socket FINGER message) */
    int lifted;        /* a capture happened and no "no finger" was reported since */
    int pending_error; /* error the pending or next capture returns, 0 = none */
    int unplugged;
    unsigned generation; /* bumped by every unplug: older handles are unplugged for good */
    uint32_t outputs;    /* bit i = output i on */
    char **files;        /* dir: the playlist, sorted */
    size_t nfiles, pos;
    zki_sim_server *server;
} zki_sim_entry;

/* Playlist of folder `path`: regular, non-hidden files sorted by name. */
int zki_sim_dir_scan(const char *path, char ***files, size_t *count);
void zki_sim_dir_free(char **files, size_t count);
/* Load one playlist file: PGM natively, anything else through loader (may be NULL). */
int zki_sim_dir_load(const char *path, zkbio_reader_image_loader loader, zkbio_image **out);

/* Start or stop the server of a socket entry (creates and removes the socket file). */
int zki_sim_server_start(zki_sim_entry *e);
void zki_sim_server_stop(zki_sim_entry *e);

/* Apply one parsed message to e; returns the status sent back to the client. */
int zki_sim_apply(zki_sim_entry *e, const zki_sim_msg *msg);

#endif /* ZKI_READER_SIM_H */
