/* zkbio's mbedTLS mutexes on Windows (MBEDTLS_THREADING_ALT, threading_alt.h): Win32 SRWLOCKs, installed by a
 * constructor so that every program linking this mbedTLS gets working locks without calling
 * mbedtls_threading_set_alt() itself. Linked whole (packagefiles/mbedtls/meson.build) so the constructor is kept. */
#include <string.h>
#include <windows.h>

#include "mbedtls/threading.h"

_Static_assert(sizeof(SRWLOCK) == sizeof(void *), "SRWLOCK is one pointer");

static PSRWLOCK lock_of(mbedtls_threading_mutex_t *m)
{
    return (PSRWLOCK)(void *)&m->srwlock;
}

static void zkbio_mutex_init(mbedtls_threading_mutex_t *m)
{
    if (!m)
        return;
    InitializeSRWLock(lock_of(m));
    m->is_valid = 1;
}

static void zkbio_mutex_free(mbedtls_threading_mutex_t *m)
{
    if (m)
        m->is_valid = 0; /* an SRWLOCK holds no resources */
}

static int zkbio_mutex_lock(mbedtls_threading_mutex_t *m)
{
    if (!m || !m->is_valid)
        return MBEDTLS_ERR_THREADING_BAD_INPUT_DATA;
    AcquireSRWLockExclusive(lock_of(m));
    return 0;
}

static int zkbio_mutex_unlock(mbedtls_threading_mutex_t *m)
{
    if (!m || !m->is_valid)
        return MBEDTLS_ERR_THREADING_BAD_INPUT_DATA;
    ReleaseSRWLockExclusive(lock_of(m));
    return 0;
}

__attribute__((constructor)) static void zkbio_mbedtls_threading_install(void)
{
    mbedtls_threading_set_alt(zkbio_mutex_init, zkbio_mutex_free, zkbio_mutex_lock, zkbio_mutex_unlock);
}
