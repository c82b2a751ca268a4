/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine and the test call of a build without libcurl (forward.h; issue 17: the first Windows
 * builds). Forwarding is unavailable there: the engine opens and stops like the real one but
 * delivers nothing (stored rows stay pending), a forwarder cannot be created or changed
 * (zfwd_settings_check refuses it, settings.c), and the test call answers why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/error.h"

#include "core.h"
#include "forward_impl.h"

struct zfwd {
    zs_store *st; /* borrowed */
};

int zfwd_open(zs_store *st, const zfwd_options *o, zfwd **out, char *err, size_t errsz)
{
    (void)o;
    if (!st || !out) {
        zc_errf(err, errsz, "forward: bad arguments");
        return -1;
    }
    zfwd *f = calloc(1, sizeof(*f));
    if (!f) {
        zc_errf(err, errsz, "forward: out of memory");
        return -1;
    }
    f->st = st;
    *out = f;
    zlog_warn("%s: stored punches are not forwarded", FWD_UNAVAILABLE);
    return 0;
}

int zfwd_start(zfwd *f)
{
    return f ? 0 : ZKBIO_EINVAL;
}

void zfwd_kick(zfwd *f)
{
    (void)f;
}

void zfwd_close(zfwd *f)
{
    free(f);
}

int zfwd_probe_run(const zs_forwarder *fw, zfwd_probe *out)
{
    if (!fw || !out)
        return ZKBIO_EINVAL;
    memset(out, 0, sizeof(*out));
    snprintf(out->message, sizeof(out->message), "%s", FWD_UNAVAILABLE);
    return 0;
}
