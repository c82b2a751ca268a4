/* SPDX-License-Identifier: Apache-2.0 */
/* Synthetic perturbations of fingerprint images for `zkbio bench accuracy --perturb` (issue 18's
 * robustness suite): elastic distortion, contrast loss, dry and wet prints, partial captures,
 * arbitrary rotations and additive noise. Test tooling, not library API.
 *
 * Every perturbation is deterministic: the output bytes depend only on the input pixels, the
 * kind, the level and the 64-bit seed (a splitmix64 generator, no libc rand), and all arithmetic
 * is integer or fixed point, so every build on every platform gives the same bytes.
 * Thread-safety: all functions are reentrant (no global mutable state). */
#ifndef ZKBIO_CLI_PERTURB_H
#define ZKBIO_CLI_PERTURB_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/image.h"

typedef enum bp_kind {
    BP_ELASTIC = 0, /* level: largest displacement, px at 500 dpi (default 8, 16, 24) */
    BP_CONTRAST,    /* level: contrast kept, % of the original (default 50, 25) */
    BP_DRY,         /* level: 1 light, 2 heavy */
    BP_WET,         /* level: 1 light, 2 heavy */
    BP_PARTIAL,     /* level: share of the foreground's bounding box kept, % (default 60, 40) */
    BP_ROTATE,      /* level: degrees clockwise, any -180..180 (default 20, 45) */
    BP_NOISE,       /* level: noise standard deviation, grey levels (default 10, 20) */
    BP_KIND_COUNT
} bp_kind;

/* One perturbation: a kind at a level. */
typedef struct bp_spec {
    bp_kind kind;
    int level;
} bp_spec;

/* The kind's name ("elastic", ...), a static string; NULL for an unknown kind. */
const char *bp_kind_name(bp_kind kind);

/* Parse a comma-separated list of KIND or KIND:LEVEL items ("all" = every kind at its default
 * levels; a bare KIND = that kind at its default levels) into specs[0..*n), at most cap.
 * Returns 0, or -1 with a message in err (size errsize) on an unknown kind, a level out of its
 * range (elastic 1..64, contrast 5..95, dry and wet 1..2, partial 10..95, rotate -180..180,
 * noise 1..64) or more than cap specs. */
int bp_parse(const char *list, bp_spec *specs, size_t cap, size_t *n, char *err, size_t errsize);

/* "kind:level" into buf (size at least 24). Returns buf. */
const char *bp_spec_name(const bp_spec *spec, char *buf, size_t size);

/* A seed for one image and one kind of perturbation: FNV-1a of the image's name, mixed with the
 * kind, so each image gets its own and runs repeat exactly. The level is left out on purpose: the
 * levels of one kind perturb an image the same way at different strengths (the same elastic
 * field scaled, the same partial window position, the same noise pattern), so the EERs of the
 * levels differ by the strength, not by the luck of the draw. */
uint64_t bp_seed(const char *name, const bp_spec *spec);

/* Apply spec to in (borrowed) with seed; *out is a new image (zkbio_image_free), written only on
 * ZKBIO_OK. The size is in's, except for rotate (the canvas grows to hold the rotated image; the
 * new corners are background white). Errors: ZKBIO_EINVAL (NULL pointer, bad spec), ZKBIO_ERANGE
 * (in's size), ZKBIO_ENOMEM. */
int bp_apply(const zkbio_image *in, const bp_spec *spec, uint64_t seed, zkbio_image **out);

/* The elastic displacement field that bp_apply uses for BP_ELASTIC at this level and seed on a
 * width x height image (whose foreground box is x0..x1 x y0..y1, exclusive ends): dx and dy
 * (width * height each, caller-allocated) receive, for every output pixel, the offset in Q8 px
 * (1/256 px) from which the input is sampled. Its largest magnitude is level px (within 1/256).
 * Exposed for the tests. Returns 0, or -1 on bad arguments. */
int bp_elastic_field(uint32_t width, uint32_t height, uint32_t x0, uint32_t y0, uint32_t x1,
                     uint32_t y1, int level, uint64_t seed, int32_t *dx, int32_t *dy);

/* The foreground's bounding box of img (blocks of 16 px whose grey-level spread is that of ridges),
 * exclusive ends; the whole image when no block qualifies. */
void bp_foreground_box(const zkbio_image *img, uint32_t *x0, uint32_t *y0, uint32_t *x1,
                       uint32_t *y1);

/* The window that partial keeps: a box of share % of the foreground box's area (same aspect),
 * at a seeded position inside it. Exposed for the tests. */
void bp_partial_window(uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1, int share, uint64_t seed,
                       uint32_t *wx0, uint32_t *wy0, uint32_t *wx1, uint32_t *wy1);

/* Write img as a binary PGM (P5). Returns 0 or -1 (errno set). */
int bp_write_pgm(const zkbio_image *img, const char *path);

#endif /* ZKBIO_CLI_PERTURB_H */
