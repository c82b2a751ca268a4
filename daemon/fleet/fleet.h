/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/fleet: terminals zkbiod connects to over TCP/UDP 4370 (placeholder: issue 14 fills it).
 * Dependencies: jobs, store, core.
 */
#ifndef ZKBIOD_FLEET_H
#define ZKBIOD_FLEET_H

#include "jobs.h"

#endif /* ZKBIOD_FLEET_H */
