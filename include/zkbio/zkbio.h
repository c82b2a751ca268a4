/* SPDX-License-Identifier: Apache-2.0 */
/** @file zkbio.h @brief Umbrella header: includes every public libzkbio module. Since: 0.1 */
#ifndef ZKBIO_ZKBIO_H
#define ZKBIO_ZKBIO_H

#include "zkbio/error.h"
#include "zkbio/version.h"
#include "zkbio/push.h"
#include "zkbio/base64.h"
#include "zkbio/template.h"
#include "zkbio/image.h"
#include "zkbio/extract.h"
#include "zkbio/quality.h"
#include "zkbio/match.h"
#include "zkbio/merge.h"
#include "zkbio/gallery.h"
#include "zkbio/reader.h"
#include "zkbio/zk4370.h"
#include "zkbio/zk4370_client.h"
#include "zkbio/zk4370_emu.h"

#endif /* ZKBIO_ZKBIO_H */
