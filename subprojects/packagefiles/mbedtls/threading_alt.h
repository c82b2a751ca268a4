/* zkbio's MBEDTLS_THREADING_ALT mutex for Windows (zkbio_mbedtls_config.h): a Win32 SRWLOCK, which is one
 * pointer initialised to zero, kept here as a void * so that mbedTLS's headers need not include <windows.h>
 * (whose position relative to <winsock2.h> matters to their includers). zkbio_threading_win32.c installs the
 * functions with mbedtls_threading_set_alt() before main() runs. */
#ifndef ZKBIO_MBEDTLS_THREADING_ALT_H
#define ZKBIO_MBEDTLS_THREADING_ALT_H

typedef struct mbedtls_threading_mutex_t {
    void *srwlock; /* SRWLOCK storage (SRWLOCK_INIT is all zero) */
    char is_valid;
} mbedtls_threading_mutex_t;

#endif
