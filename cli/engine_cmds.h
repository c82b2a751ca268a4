/* SPDX-License-Identifier: Apache-2.0 */
/* The fingerprint engine from the command line: `zkbio extract|match|merge|identify`
 * (engine_cmds.c) and `zkbio bench speed` (bench/bench_speed.c), plus the template loading they
 * share with the reader commands. */
#ifndef ZKBIO_CLI_ENGINE_CMDS_H
#define ZKBIO_CLI_ENGINE_CMDS_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/extract.h"
#include "zkbio/image.h"
#include "zkbio/template.h"

#include "util.h"

/* Each takes argv[0] = the command name ("extract", ..., "speed" for bench speed) and returns a
 * process exit status: 0 success, 1 a negative answer (unusable image, no match, merge refused,
 * nothing identified, a benchmark phase failed), 2 bad usage or an error. */
int zkbio_cli_extract(int argc, char **argv);
int zkbio_cli_match(int argc, char **argv);
int zkbio_cli_merge(int argc, char **argv);
int zkbio_cli_identify(int argc, char **argv);
int zkbio_cli_bench_speed(int argc, char **argv);

/* Whether data[0..len) is a template this tool reads: a native ("ZKBT") or ISO/ANSI ("FMR\0")
 * record, or the base64 text of one. */
int engine_is_template(const uint8_t *data, size_t len);

/* Import the template in data[0..len) (see engine_is_template()). Same contract as
 * zkbio_template_import_any(); ZKBIO_ENOTSUP when the data is no template at all. */
int engine_import_template(const uint8_t *data, size_t len, zkbio_template **out,
                           zkbio_error_info *err);

/* What engine_load() found in a file. */
typedef struct engine_loaded {
    int from_image;          /* 1: an image, extracted; 0: a template file */
    uint32_t width, height;  /* image size in pixels, as loaded (images only) */
    uint16_t dpi;            /* image resolution used (images only) */
    zkbio_extract_info info; /* extraction result (images only) */
} engine_loaded;

/* Load `path` as a template: a template file is imported, an image is loaded (at `dpi` when
 * nonzero, otherwise at the file's resolution or 500 dpi) and extracted. On failure returns the
 * zkbio error and writes a one-line English explanation starting with the path into msg (which
 * includes zkbio_strerror()); an unusable image gives ZKBIO_ELOWQUALITY with the reason named.
 * `loaded` may be NULL. */
int engine_load(const char *path, uint16_t dpi, zkbio_template **out, engine_loaded *loaded,
                char *msg, size_t msgsize);

#endif /* ZKBIO_CLI_ENGINE_CMDS_H */
