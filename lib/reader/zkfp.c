/* SPDX-License-Identifier: Apache-2.0 */
/* The zkfp backend: placeholder until the dlopen implementation lands. */
#include "reader/backend.h"

static int zkfp_start(zkbio_reader_ctx *ctx, const zkbio_reader_config *cfg, void **state,
                      int *fatal)
{
    (void)ctx;
    (void)cfg;
    (void)state;
    *fatal = 0;
    return zki_set_error(ZKBIO_EBACKEND, "zkfp: not implemented yet");
}

static void zkfp_stop(void *state)
{
    (void)state;
}

const zki_reader_backend zki_backend_zkfp = {
    .version = 1,
    .name = "zkfp",
    .flag = ZKBIO_READER_BACKEND_ZKFP,
    .start = zkfp_start,
    .stop = zkfp_stop,
};
