/* SPDX-License-Identifier: Apache-2.0 */
#include "zkbio/error.h"

const char *zkbio_error_name(int code)
{
    switch (code) {
#define ZKBIO_ERR_NAME_(name, value, msg)                                                          \
    case value:                                                                                    \
        return "ZKBIO_" #name;
        ZKBIO_ERROR_MAP(ZKBIO_ERR_NAME_)
#undef ZKBIO_ERR_NAME_
    }
    return "ZKBIO_UNKNOWN";
}

const char *zkbio_strerror(int code)
{
    switch (code) {
#define ZKBIO_ERR_MSG_(name, value, msg)                                                           \
    case value:                                                                                    \
        return msg;
        ZKBIO_ERROR_MAP(ZKBIO_ERR_MSG_)
#undef ZKBIO_ERR_MSG_
    }
    return "Unknown error";
}
