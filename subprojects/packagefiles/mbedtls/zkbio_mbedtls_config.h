/* zkbio's additions to mbedTLS 2.28's default configuration (include/mbedtls/config.h), read through
 * MBEDTLS_USER_CONFIG_FILE by the library and by everything that includes its headers. Threading as Debian 12
 * builds it (debian/rules enables MBEDTLS_THREADING_C and _PTHREAD): civetweb's workers share one SSL config.
 * Windows: MBEDTLS_THREADING_ALT with Win32 slim reader/writer locks (threading_alt.h, zkbio_threading_win32.c),
 * because mbedTLS's pthread mode would include <pthread.h> into civetweb.c, which defines its own pthread
 * emulation on _WIN32 and cannot be built beside winpthreads' declarations. */
#define MBEDTLS_THREADING_C
#ifdef _WIN32
#define MBEDTLS_THREADING_ALT
#else
#define MBEDTLS_THREADING_PTHREAD
#endif
