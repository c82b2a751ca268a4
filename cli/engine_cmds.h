/* SPDX-License-Identifier: Apache-2.0 */
/* The fingerprint engine from the command line: `zkbio extract|match|merge|identify`
 * (engine_cmds.c) and `zkbio bench speed` (bench_speed.c), plus the file helpers they share. */
#ifndef ZKBIO_CLI_ENGINE_CMDS_H
#define ZKBIO_CLI_ENGINE_CMDS_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/extract.h"
#include "zkbio/image.h"
#include "zkbio/template.h"

/* Each takes argv[0] = the command name ("extract", ..., "speed" for bench speed) and returns a
 * process exit status: 0 success, 1 a negative answer (unusable image, no match, merge refused,
 * nothing identified, a benchmark phase failed), 2 bad usage or an error. */
int zkbio_cli_extract(int argc, char **argv);
int zkbio_cli_match(int argc, char **argv);
int zkbio_cli_merge(int argc, char **argv);
int zkbio_cli_identify(int argc, char **argv);
int zkbio_cli_bench_speed(int argc, char **argv);

/* Largest file the commands read, bytes (an uncompressed 4096 x 4096 RGBA image is 64 MiB). */
#define FPC_FILE_MAX ((size_t)80 << 20)

/* Read all of `path` into a malloc'd buffer (*data, *len; a NUL byte follows the data). Returns
 * ZKBIO_OK, ZKBIO_EIO (errno tells why), ZKBIO_ETOOBIG (above FPC_FILE_MAX) or ZKBIO_ENOMEM. */
int fpc_read_file(const char *path, uint8_t **data, size_t *len);

/* Whether data[0..len) is a template this tool reads: a native ("ZKBT") or ISO/ANSI ("FMR\0")
 * record, or the base64 text of one. */
int fpc_is_template(const uint8_t *data, size_t len);

/* Import the template in data[0..len) (see fpc_is_template()). Same contract as
 * zkbio_template_import_any(); ZKBIO_ENOTSUP when the data is no template at all. */
int fpc_import_template(const uint8_t *data, size_t len, zkbio_template **out,
                        zkbio_error_info *err);

/* What fpc_load() found in a file. */
typedef struct fpc_loaded {
    int from_image;          /* 1: an image, extracted; 0: a template file */
    uint32_t width, height;  /* image size in pixels, as loaded (images only) */
    uint16_t dpi;            /* image resolution used (images only) */
    zkbio_extract_info info; /* extraction result (images only) */
} fpc_loaded;

/* Load `path` as a template: a template file is imported, an image is loaded (at `dpi` when
 * nonzero, otherwise at the file's resolution or 500 dpi) and extracted. On failure returns the
 * zkbio error and writes a one-line English explanation starting with the path into msg (which
 * includes zkbio_strerror()); an unusable image gives ZKBIO_ELOWQUALITY with the reason named.
 * `loaded` may be NULL. */
int fpc_load(const char *path, uint16_t dpi, zkbio_template **out, fpc_loaded *loaded, char *msg,
             size_t msgsize);

/* The regular, non-hidden files of `dir`, sorted by name (byte order), optionally only those whose
 * name ends in "." ext (case-insensitive). *paths is a malloc'd array of malloc'd "dir/name"
 * strings; free with fpc_free_list(). Returns ZKBIO_OK, ZKBIO_EIO (errno tells why) or
 * ZKBIO_ENOMEM. */
int fpc_list_dir(const char *dir, const char *ext, char ***paths, size_t *count);
void fpc_free_list(char **paths, size_t count);

/* The last path component of `path`. */
const char *fpc_basename(const char *path);

/* Print "zkbio CMD: <message>" and, when rc is nonzero, ": <zkbio_strerror(rc)> (<name>)" on one
 * line to stderr. */
void fpc_fail(const char *cmd, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Strict number parsing: the whole string, within [min, max]. 0 on success, -1 otherwise. */
int fpc_parse_long(const char *s, long min, long max, long *out);
int fpc_parse_double(const char *s, double min, double max, double *out);

#endif /* ZKBIO_CLI_ENGINE_CMDS_H */
