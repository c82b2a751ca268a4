/* zkbio's additions to mbedTLS 2.28's default configuration (include/mbedtls/config.h), read through
 * MBEDTLS_USER_CONFIG_FILE by the library and by everything that includes its headers. Threading as Debian 12
 * builds it (debian/rules enables MBEDTLS_THREADING_C and _PTHREAD): civetweb's workers share one SSL config. On
 * Windows the pthread calls are mingw-w64's winpthreads (the cross file links it statically). */
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD
