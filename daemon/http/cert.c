/* SPDX-License-Identifier: Apache-2.0 */
/* Self-signed certificate of the fingerprint service and trust-store installation (http.h). */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifndef _WIN32
#include <sys/wait.h>
#endif

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "core.h"

#if defined(_WIN32)
#include <windows.h> /* after core.h: winsock2.h comes first (plat.h) */
#include <wincrypt.h>
#endif

#define VALID_DAYS 825
#define RENEW_DAYS 30
#define NSS_NICK   "zkbiod localhost"
#define SYSTEM_CRT "/usr/local/share/ca-certificates/zkbiod-localhost.crt"

/* SubjectAltName: dNSName localhost, iPAddress 127.0.0.1, iPAddress ::1 (RFC 5280 §4.2.1.6).
 * mbedtls 2.28 has no SAN/EKU setters (service.md §4): the DER is written by hand, backwards. */
static int write_san(unsigned char *buf, size_t size, unsigned char **start)
{
    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char v4[4] = {127, 0, 0, 1};
    unsigned char *p = buf + size;
    size_t len = 0;
    int r;
#define W(call)                                                                                    \
    do {                                                                                           \
        if ((r = (call)) < 0)                                                                      \
            return r;                                                                              \
        len += (size_t)r;                                                                          \
    } while (0)
    size_t l = 0;
    W(mbedtls_asn1_write_raw_buffer(&p, buf, v6, sizeof(v6)));
    W(mbedtls_asn1_write_len(&p, buf, sizeof(v6)));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7));
    W(mbedtls_asn1_write_raw_buffer(&p, buf, v4, sizeof(v4)));
    W(mbedtls_asn1_write_len(&p, buf, sizeof(v4)));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7));
    W(mbedtls_asn1_write_raw_buffer(&p, buf, (const unsigned char *)"localhost", 9));
    W(mbedtls_asn1_write_len(&p, buf, 9));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2));
    l = len;
    W(mbedtls_asn1_write_len(&p, buf, l));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    *start = p;
    return (int)len;
}

/* ExtendedKeyUsage: SEQUENCE { id-kp-serverAuth }. */
static int write_eku(unsigned char *buf, size_t size, unsigned char **start)
{
    unsigned char *p = buf + size;
    size_t len = 0;
    int r;
    W(mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_SERVER_AUTH,
                             MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)));
    size_t l = len;
    W(mbedtls_asn1_write_len(&p, buf, l));
    W(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
#undef W
    *start = p;
    return (int)len;
}

static void x509_time(time_t t, char out[16])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

/* Write data to path atomically with the given mode. */
static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
                        size_t errsz)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | ZC_O_BINARY, mode);
    if (fd < 0) {
        snprintf(err, errsz, "cannot create %.300s: %s", tmp, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w <= 0) {
            snprintf(err, errsz, "cannot write %.300s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    if (zc_fd_chmod(fd, (unsigned)mode) != 0 || zc_fsync(fd) != 0 || close(fd) != 0 ||
        zc_rename_replace(tmp, path) != 0) {
        snprintf(err, errsz, "cannot write %.300s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* mbedTLS's f_rng from core's one random source (no DRBG of our own). */
static int os_rng(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    return zc_random(buf, len) == 0 ? 0 : -1;
}

static int generate(const char *pem_path, const char *crt_path, char *err, size_t errsz)
{
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);
    unsigned char keypem[1024], crtpem[4096], ext[128]; /* on the stack: no hidden state */
    int rc = -1, r;
    const char *step = "key";
    if ((r = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) ||
        (r = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), os_rng, NULL)))
        goto out;
    step = "serial";
    unsigned char sbytes[16];
    if ((r = os_rng(NULL, sbytes, sizeof(sbytes))))
        goto out;
    sbytes[0] &= 0x7f; /* positive */
    sbytes[0] |= 0x01; /* and 16 bytes long */
    if ((r = mbedtls_mpi_read_binary(&serial, sbytes, sizeof(sbytes))))
        goto out;
    step = "certificate";
    time_t now = time(NULL);
    char from[16], to[16];
    x509_time(now - 86400, from); /* a day of slack for clocks a little behind */
    x509_time(now + (time_t)VALID_DAYS * 86400, to);
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    unsigned char *p;
    if ((r = mbedtls_x509write_crt_set_serial(&crt, &serial)) ||
        (r = mbedtls_x509write_crt_set_validity(&crt, from, to)) ||
        (r = mbedtls_x509write_crt_set_subject_name(&crt, "CN=localhost,O=zkbiod local service")) ||
        (r = mbedtls_x509write_crt_set_issuer_name(&crt, "CN=localhost,O=zkbiod local service")) ||
        (r = mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1)) ||
        (r = mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) ||
        (r = mbedtls_x509write_crt_set_subject_key_identifier(&crt)) ||
        (r = mbedtls_x509write_crt_set_authority_key_identifier(&crt)))
        goto out;
    if ((r = write_san(ext, sizeof(ext), &p)) < 0 ||
        (r = mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                 MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                                 p, (size_t)r)))
        goto out;
    if ((r = write_eku(ext, sizeof(ext), &p)) < 0 ||
        (r = mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                 MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
                                                 0, p, (size_t)r)))
        goto out;
    step = "PEM";
    if ((r = mbedtls_pk_write_key_pem(&key, keypem, sizeof(keypem))) ||
        (r = mbedtls_x509write_crt_pem(&crt, crtpem, sizeof(crtpem), os_rng, NULL)))
        goto out;
    size_t kl = strlen((char *)keypem), cl = strlen((char *)crtpem);
    unsigned char both[sizeof(keypem) + sizeof(crtpem)];
    memcpy(both, keypem, kl);
    memcpy(both + kl, crtpem, cl);
    if (write_atomic(crt_path, crtpem, cl, 0644, err, errsz) == 0 &&
        write_atomic(pem_path, both, kl + cl, 0600, err, errsz) == 0)
        rc = 0;
    memset(both, 0, sizeof(both));
    memset(keypem, 0, sizeof(keypem));
    r = 0;
out:
    if (r)
        snprintf(err, errsz, "certificate generation failed (%s): mbedTLS error -0x%04x", step,
                 (unsigned)-r);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    return rc;
}

static time_t tm_of(const mbedtls_x509_time *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = t->year - 1900;
    tm.tm_mon = t->mon - 1;
    tm.tm_mday = t->day;
    tm.tm_hour = t->hour;
    tm.tm_min = t->min;
    tm.tm_sec = t->sec;
    return zc_timegm(&tm);
}

static int load_crt(const char *path, mbedtls_x509_crt *c)
{
    mbedtls_x509_crt_init(c);
    return mbedtls_x509_crt_parse_file(c, path) == 0 ? 0 : -1;
}

int zhttp_cert_info(const char *crt_path, char fingerprint[96], char *valid_from, char *valid_to)
{
    mbedtls_x509_crt c;
    if (load_crt(crt_path, &c) != 0) {
        mbedtls_x509_crt_free(&c);
        return -1;
    }
    uint8_t h[32];
    zc_sha256(c.raw.p, c.raw.len, NULL, 0, h);
    for (int i = 0; i < 32; i++)
        snprintf(fingerprint + 3 * i, 4, "%02X%s", h[i], i < 31 ? ":" : "");
    if (valid_from)
        zc_iso_time(tm_of(&c.valid_from), valid_from, 24);
    if (valid_to)
        zc_iso_time(tm_of(&c.valid_to), valid_to, 24);
    mbedtls_x509_crt_free(&c);
    return 0;
}

static void paths(const char *dir, char *pem, size_t pemsz, char crt[PATH_MAX])
{
    snprintf(pem, pemsz, "%s/service.pem", dir);
    snprintf(crt, PATH_MAX, "%s/service.crt", dir);
}

int zhttp_cert_ensure(const char *data_dir, char *pem, size_t size, char *err, size_t errsz)
{
    char crt[PATH_MAX];
    paths(data_dir, pem, size, crt);
    mbedtls_x509_crt c;
    mbedtls_x509_crt_init(&c);
    int ok = access(pem, R_OK) == 0 && load_crt(crt, &c) == 0;
    if (ok) {
        time_t end = tm_of(&c.valid_to);
        ok = end > time(NULL) + (time_t)RENEW_DAYS * 86400;
        if (!ok)
            fprintf(stderr, "zkbiod: the service certificate expires soon: making a new one "
                            "(run `zkbiod cert install` again)\n");
    }
    mbedtls_x509_crt_free(&c);
    if (ok)
        return 0;
    return generate(pem, crt, err, errsz);
}

/* ---- trust stores ------------------------------------------------------------------------- */

#ifndef _WIN32
/* Run a program (no shell) and return its exit status, -1 when it could not run. Output is
 * shown only when `quiet` is 0. */
static int run(char *const argv[], int quiet)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int nss_dir(char *out, size_t size)
{
    const char *home = getenv("HOME");
    if (!home || home[0] != '/')
        return -1;
    snprintf(out, size, "sql:%s/.pki/nssdb", home);
    return 0;
}

static int nss_install(const char *crt)
{
    char db[PATH_MAX + 8], dir[PATH_MAX + 8];
    if (nss_dir(db, sizeof(db)) != 0) {
        fprintf(stderr, "nss: HOME is not set\n");
        return -1;
    }
    snprintf(dir, sizeof(dir), "%s", db + 4);
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        char parent[PATH_MAX + 8];
        snprintf(parent, sizeof(parent), "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash)
            *slash = '\0';
        mkdir(parent, 0700);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "nss: cannot create %s: %s\n", dir, strerror(errno));
            return -1;
        }
        char *init[] = {"certutil", "-d", db, "-N", "--empty-password", NULL};
        if (run(init, 0) != 0) {
            fprintf(stderr, "nss: certutil -N failed (is libnss3-tools installed?)\n");
            return -1;
        }
    }
    char *del[] = {"certutil", "-d", db, "-D", "-n", NSS_NICK, NULL};
    run(del, 1); /* replace an older one; absence is fine */
    /* A self-signed leaf is trusted as a peer ("P,,"); as a CA ("C,,") Chromium rejects a
     * CA:FALSE certificate (service.md §0 #3). */
    char *add[] = {"certutil", "-d",     db,   "-A",        "-t", "P,,",
                   "-n",       NSS_NICK, "-i", (char *)crt, NULL};
    int rc = run(add, 0);
    if (rc != 0) {
        fprintf(stderr, "nss: certutil -A failed (%d)\n", rc);
        return -1;
    }
    printf("nss: trusted in %s (Chromium, Chrome; restart the browser)\n", db);
    return 0;
}

static int nss_uninstall(void)
{
    char db[PATH_MAX + 8];
    if (nss_dir(db, sizeof(db)) != 0)
        return -1;
    char *del[] = {"certutil", "-d", db, "-D", "-n", NSS_NICK, NULL};
    int rc = run(del, 1);
    printf("nss: %s\n", rc == 0 ? "removed" : "not present");
    return 0;
}

#ifdef __APPLE__
/*
 * macOS: Apple's security(1) tool (man security: `add-trusted-cert [-d] [-r resultType]
 * [-k keychain] certFile`, `remove-trusted-cert [-d] certFile`, `delete-certificate [-Z hash]
 * [keychain]`; the calls service.md §1.1 notes for QZ Tray). As root: -d, the admin trust settings,
 * and the System keychain, for every user of the Mac; as a user: the user's trust settings and
 * default (login) keychain, for which macOS asks the user's password (no -k: the default keychain,
 * whatever HOME says). The certificate is self-signed, so its result type is trustRoot (trustAsRoot
 * is for certificates that are not). Removal drops the trust setting first, then the certificate
 * by its SHA-1 hash: by name (-c localhost) it could remove another localhost certificate, and it
 * fails when several match.
 */
static int sha1_hex(const char *crt, char out[41])
{
    mbedtls_x509_crt c;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    unsigned char h[20];
    int ok = md && load_crt(crt, &c) == 0 && mbedtls_md(md, c.raw.p, c.raw.len, h) == 0;
    mbedtls_x509_crt_free(&c);
    if (!ok)
        return -1;
    zc_hex(h, sizeof(h), out);
    return 0;
}

static int mac_install(const char *crt, int remove)
{
    int root = geteuid() == 0;
    char *kc = root ? "/Library/Keychains/System.keychain" : NULL;
    if (remove) {
        char sha1[41];
        if (sha1_hex(crt, sha1) != 0) {
            fprintf(stderr, "keychain: cannot read %s\n", crt);
            return -1;
        }
        char *untrust_root[] = {"security", "remove-trusted-cert", "-d", (char *)crt, NULL};
        char *untrust_user[] = {"security", "remove-trusted-cert", (char *)crt, NULL};
        run(root ? untrust_root : untrust_user, 1); /* absent trust settings are fine */
        char *del[] = {"security", "delete-certificate", "-Z", sha1, kc, NULL};
        int rc = run(del, 0);
        printf("keychain: %s\n", rc == 0 ? "removed" : "not present");
        return 0;
    }
    char *add_root[] = {"security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k",
                        kc,         (char *)crt,        NULL};
    char *add_user[] = {"security", "add-trusted-cert", "-r", "trustRoot", (char *)crt, NULL};
    int rc = run(root ? add_root : add_user, 0);
    if (rc == 0)
        printf("keychain: trusted in %s (Safari, Chrome, Edge; Firefox 120+)\n",
               root ? "the System keychain, for every user" : "your login keychain");
    return rc == 0 ? 0 : -1;
}
#else
static int system_install(const char *crt, int remove)
{
    if (geteuid() != 0) {
        printf("system: skipped (needs root)\n");
        return 0;
    }
    if (remove) {
        if (unlink(SYSTEM_CRT) != 0 && errno != ENOENT)
            return -1;
    } else {
        FILE *in = fopen(crt, "rb");
        if (!in)
            return -1;
        char buf[8192];
        size_t n = fread(buf, 1, sizeof(buf), in);
        fclose(in);
        char err[256];
        if (write_atomic(SYSTEM_CRT, buf, n, 0644, err, sizeof(err)) != 0) {
            fprintf(stderr, "system: %s\n", err);
            return -1;
        }
    }
    char *upd[] = {"update-ca-certificates", remove ? "--fresh" : NULL, NULL};
    int rc = run(upd, 1);
    printf("system: %s %s (update-ca-certificates %s)\n", remove ? "removed" : "installed",
           SYSTEM_CRT, rc == 0 ? "ok" : "failed");
    return rc == 0 ? 0 : -1;
}
#endif
#else /* _WIN32 */
/* Add the certificate to, or remove it from, the ROOT store at `where`. 1 done, 0 not there
 * (remove) or not allowed, -1 on another error. The registry-backed store itself
 * (CERT_STORE_PROV_SYSTEM_REGISTRY, where CertOpenStore's system provider adds too), not the
 * logical collection: the user's collection also lists the machine's certificates, and deleting
 * through the collection did not last under Wine 8 (tests/windows/service-wine.sh). */
static int win_store(DWORD where, const mbedtls_x509_crt *c, int remove)
{
    HCERTSTORE st = CertOpenStore(CERT_STORE_PROV_SYSTEM_REGISTRY_W, 0, 0, where, L"ROOT");
    if (!st)
        return GetLastError() == ERROR_ACCESS_DENIED ? 0 : -1;
    int rc;
    if (!remove) {
        rc = CertAddEncodedCertificateToStore(st, X509_ASN_ENCODING, c->raw.p, (DWORD)c->raw.len,
                                              CERT_STORE_ADD_REPLACE_EXISTING, NULL)
                 ? 1
             : GetLastError() == (DWORD)E_ACCESSDENIED || GetLastError() == ERROR_ACCESS_DENIED
                 ? 0
                 : -1;
    } else {
        PCCERT_CONTEXT ctx =
            CertCreateCertificateContext(X509_ASN_ENCODING, c->raw.p, (DWORD)c->raw.len);
        PCCERT_CONTEXT found = ctx ? CertFindCertificateInStore(st, X509_ASN_ENCODING, 0,
                                                                CERT_FIND_EXISTING, ctx, NULL)
                                   : NULL;
        rc = !found ? 0 : CertDeleteCertificateFromStore(found) ? 1 : 0; /* frees found */
        if (ctx)
            CertFreeCertificateContext(ctx);
    }
    CertCloseStore(st, 0);
    return rc;
}

/*
 * Windows: the ROOT store (CertAddEncodedCertificateToStore, replacing an older copy). From an
 * administrator console, the machine's store (CERT_SYSTEM_STORE_LOCAL_MACHINE): every user's
 * browsers trust it (Edge, Chrome; Firefox 120+ reads the OS roots) and Windows asks nothing. That
 * is the store a desk PC wants: the service runs as LocalService, not as the person whose browser
 * calls it, so the current user's store of whoever installs it may be the wrong user. Without
 * administrator rights, the current user's store (CERT_SYSTEM_STORE_CURRENT_USER), where Windows
 * asks that user to confirm (service.md §1.1). uninstall removes it from both where it may.
 */
static int win_install(const char *crt, int remove)
{
    mbedtls_x509_crt c;
    if (load_crt(crt, &c) != 0) {
        mbedtls_x509_crt_free(&c);
        fprintf(stderr, "windows: cannot read %s\n", crt);
        return -1;
    }
    int rc = -1;
    if (remove) {
        /* the machine's first: the user's ROOT store also shows the machine's certificates */
        int m = win_store(CERT_SYSTEM_STORE_LOCAL_MACHINE, &c, 1);
        int u = win_store(CERT_SYSTEM_STORE_CURRENT_USER, &c, 1);
        if (m > 0)
            printf("windows: removed from the machine's ROOT store\n");
        if (u > 0)
            printf("windows: removed from your ROOT store\n");
        if (m <= 0 && u <= 0)
            printf("windows: not present in a ROOT store\n");
        rc = m < 0 || u < 0 ? -1 : 0;
    } else {
        int m = zc_is_admin() ? win_store(CERT_SYSTEM_STORE_LOCAL_MACHINE, &c, 0) : 0;
        if (m > 0) {
            printf("windows: trusted in the machine's ROOT store, for every user\n");
            rc = 0;
        } else if (win_store(CERT_SYSTEM_STORE_CURRENT_USER, &c, 0) > 0) {
            printf("windows: trusted in your ROOT store (run from an administrator console to "
                   "trust it for every user)\n");
            rc = 0;
        } else {
            fprintf(stderr, "windows: cannot add it to a ROOT store (error %lu)\n",
                    (unsigned long)GetLastError());
        }
    }
    mbedtls_x509_crt_free(&c);
    return rc;
}
#endif

static void show(const char *crt)
{
    mbedtls_x509_crt c;
    if (load_crt(crt, &c) != 0) {
        printf("no certificate at %s (zkbiod creates it on first start of the service)\n", crt);
        mbedtls_x509_crt_free(&c);
        return;
    }
    char info[4096], fp[96], from[24], to[24];
    mbedtls_x509_crt_info(info, sizeof(info), "  ", &c);
    mbedtls_x509_crt_free(&c);
    zhttp_cert_info(crt, fp, from, to);
    printf("certificate: %s\nSHA-256 fingerprint: %s\nvalid: %s .. %s\n%s", crt, fp, from, to,
           info);
}

int zhttp_cert_cli(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs("Usage: zkbiod cert install|uninstall|show [--store all|system|nss]\n"
              "                  [--data-dir DIR | --config FILE]\n"
              "The fingerprint service's self-signed certificate (<data-dir>/service.crt).\n"
              "install adds it to the trust stores browsers use: Linux: the system store\n"
              "(/usr/local/share/ca-certificates, as root) and the user's NSS database\n"
              "(~/.pki/nssdb: Chromium, Chrome; run as the desktop user); macOS: the System\n"
              "keychain as root, else the login keychain (security add-trusted-cert); Windows:\n"
              "the machine's ROOT store from an administrator console, else the user's. The\n"
              "certificate is created first when missing.\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *store = "all";
    char **cargv = calloc((size_t)argc + 1, sizeof(char *));
    if (!cargv)
        return 1;
    int cargc = 0;
    cargv[cargc++] = "zkbiod";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store = argv[++i];
        else
            cargv[cargc++] = argv[i];
    }
    zkbiod_config cfg;
    char err[512];
    int rc = zkbiod_config_load(&cfg, cargc, cargv, err, sizeof(err));
    free(cargv);
    if (rc != 0) {
        if (rc > 0)
            return 0;
        fprintf(stderr, "zkbiod cert: %s\n", err);
        return 2;
    }
    int want_sys = strcmp(store, "all") == 0 || strcmp(store, "system") == 0;
    int want_nss = strcmp(store, "all") == 0 || strcmp(store, "nss") == 0;
    char pem[PATH_MAX], crt[PATH_MAX];
    paths(cfg.data_dir, pem, sizeof(pem), crt);
    int status = 0;
    if (!want_sys && !want_nss) {
        fprintf(stderr, "zkbiod cert: --store is all, system or nss\n");
        status = 2;
    } else if (strcmp(sub, "show") == 0) {
        show(crt);
    } else if (strcmp(sub, "install") == 0 || strcmp(sub, "uninstall") == 0) {
        int remove = sub[0] == 'u';
        if (!remove && (zkbiod_config_prepare_data_dir(&cfg, err, sizeof(err)) != 0 ||
                        zhttp_cert_ensure(cfg.data_dir, pem, sizeof(pem), err, sizeof(err)) != 0)) {
            fprintf(stderr, "zkbiod cert: %s\n", err);
            status = 1;
        } else {
#ifdef _WIN32
            (void)want_nss;
            status = want_sys && win_install(crt, remove) != 0;
#else
#ifdef __APPLE__
            if (want_sys && mac_install(crt, remove) != 0)
                status = 1;
#else
            if (want_sys && system_install(crt, remove) != 0)
                status = 1;
#endif
            if (want_nss && (remove ? nss_uninstall() : nss_install(crt)) != 0)
                status = 1;
#endif
        }
    } else {
        fprintf(stderr, "zkbiod cert: unknown command \"%s\" (install, uninstall, show)\n", sub);
        status = 2;
    }
    zkbiod_config_free(&cfg);
    return status;
}
