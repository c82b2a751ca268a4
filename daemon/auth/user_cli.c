/* SPDX-License-Identifier: Apache-2.0 */
/* `zkbiod user add|list|passwd|remove` (auth_accounts.h): accounts of /api/v1 from the command
 * line, on the database and data directory of the normal configuration. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <termios.h>
#endif
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "auth_impl.h"

#if defined(_WIN32)
#include <windows.h> /* after core.h: winsock2.h comes first (plat.h) */
#endif

static void usage(FILE *f)
{
    fputs("Usage: zkbiod user add --email E --role admin|operator|viewer [--username U]\n"
          "                       [--password-file F] [zkbiod options]\n"
          "       zkbiod user list [zkbiod options]\n"
          "       zkbiod user passwd --email E [--password-file F] [zkbiod options]\n"
          "       zkbiod user disable|enable --email E [zkbiod options]\n"
          "       zkbiod user remove --email E [zkbiod options]\n"
          "Accounts of the management API (/api/v1), in zkbiod's database (--db, --data-dir,\n"
          "--config as for the server). Without --password-file the password is asked on the\n"
          "terminal (twice, not echoed), or read as one line from standard input when that is\n"
          "not a terminal. Passwords: 8 to 1024 bytes. passwd, disable and remove end every\n"
          "session of the account at once; a disabled account cannot sign in.\n",
          f);
}

/* Cut a trailing "\n" or "\r\n". */
static size_t chomp(char *s, size_t n)
{
    if (n && s[n - 1] == '\n')
        s[--n] = '\0';
    if (n && s[n - 1] == '\r')
        s[--n] = '\0';
    return n;
}

/* One line of at most ZAUTH_PASSWORD_MAX bytes from f into buf (ZAUTH_PASSWORD_MAX + 3 bytes).
 * Returns its length, or -1 (nothing, or too long). */
static long read_line(FILE *f, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, f))
        return -1;
    size_t n = strlen(buf);
    if (n == size - 1 && buf[n - 1] != '\n')
        return -1; /* longer than the buffer */
    return (long)chomp(buf, n);
}

static long read_password_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "zkbiod user: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    long n = read_line(f, buf, size);
    fclose(f);
    if (n < 0)
        fprintf(stderr, "zkbiod user: %s: empty, or a line longer than %d bytes\n", path,
                ZAUTH_PASSWORD_MAX);
    return n;
}

/* Ask on the terminal with echo off. */
#if defined(_WIN32)
static long prompt(const char *what, char *buf, size_t size)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD old = 0;
    int tty = in != INVALID_HANDLE_VALUE && GetConsoleMode(in, &old);
    if (tty)
        SetConsoleMode(in, old & ~(DWORD)ENABLE_ECHO_INPUT);
    fprintf(stderr, "%s: ", what);
    fflush(stderr);
    long n = read_line(stdin, buf, size);
    if (tty) {
        SetConsoleMode(in, old);
        fputc('\n', stderr); /* the newline the console did not echo */
    }
    return n;
}
#else
static long prompt(const char *what, char *buf, size_t size)
{
    struct termios old, quiet;
    int tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    fprintf(stderr, "%s: ", what);
    fflush(stderr);
    long n = read_line(stdin, buf, size);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return n;
}
#endif

/* The new password: from the file, the terminal (twice) or one line of standard input. */
static long get_password(const char *file, char *buf, size_t size)
{
    if (file)
        return read_password_file(file, buf, size);
    if (!isatty(STDIN_FILENO)) {
        long n = read_line(stdin, buf, size);
        if (n < 0)
            fprintf(stderr, "zkbiod user: no password on standard input\n");
        return n;
    }
    char again[ZAUTH_PASSWORD_MAX + 3];
    long n = prompt("New password", buf, size);
    long m = n < 0 ? -1 : prompt("Repeat it", again, sizeof(again));
    int same = n >= 0 && m == n && memcmp(buf, again, (size_t)n) == 0;
    mbedtls_platform_zeroize(again, sizeof(again));
    if (!same) {
        fprintf(stderr, "zkbiod user: the passwords differ\n");
        return -1;
    }
    return n;
}

static void iso_ms(int64_t ms, char *out, size_t size)
{
    if (ms <= 0)
        snprintf(out, size, "-");
    else
        zc_iso_time((time_t)(ms / 1000), out, size);
}

static int cmd_list(zs_store *st)
{
    printf("%-6s %-32s %-20s %-9s %-8s %-21s %s\n", "ID", "EMAIL", "USERNAME", "ROLE", "STATE",
           "CREATED", "LAST LOGIN");
    int64_t after = 0;
    for (;;) {
        zs_account_page p;
        int rc = zs_account_list(st, after, 1000, &p);
        if (rc != 0) {
            fprintf(stderr, "zkbiod user list: %s\n", zkbio_strerror(rc));
            return 1;
        }
        for (size_t i = 0; i < p.n; i++) {
            char c[32], l[32];
            iso_ms(p.rows[i].created_at, c, sizeof(c));
            iso_ms(p.rows[i].last_login_at, l, sizeof(l));
            printf("%-6" PRId64 " %-32s %-20s %-9s %-8s %-21s %s\n", p.rows[i].id, p.rows[i].email,
                   p.rows[i].username, p.rows[i].role, p.rows[i].disabled ? "disabled" : "active",
                   c, l);
        }
        int more = p.has_next;
        after = p.next;
        zs_account_page_free(&p);
        if (!more)
            return 0;
    }
}

static const char *why_of(int rc)
{
    switch (rc) {
    case ZAUTH_EXISTS:
        return "an account with this e-mail exists";
    case ZAUTH_NOT_FOUND:
        return "no account with this e-mail";
    case ZAUTH_INVALID:
        return "invalid value";
    default:
        return "the database is unavailable";
    }
}

/* Run one subcommand on an open store and zauth. */
static int run(zauth *a, zs_store *st, const char *sub, const char *email, const char *role,
               const char *username, const char *pwfile)
{
    if (strcmp(sub, "list") == 0)
        return cmd_list(st);
    if (!email) {
        fprintf(stderr, "zkbiod user %s: --email is required\n", sub);
        return 2;
    }
    char em[ZAUTH_EMAIL_MAX + 2];
    zauth_email_norm(email, em, sizeof(em));
    zs_account acct;
    int status = 0;
    if (strcmp(sub, "add") == 0) {
        if (!role || zauth_role_parse(role) == ZAUTH_ROLE_NONE) {
            fprintf(stderr, "zkbiod user add: --role admin|operator|viewer is required\n");
            return 2;
        }
        if (!zauth_email_valid(em)) {
            fprintf(stderr, "zkbiod user add: --email: not an e-mail address\n");
            return 2;
        }
        char uname[ZAUTH_USERNAME_MAX + 1];
        if (!username) { /* the e-mail's local part */
            snprintf(uname, sizeof(uname), "%.*s", (int)strcspn(em, "@"), em);
            username = uname;
        }
        char pw[ZAUTH_PASSWORD_MAX + 3];
        long n = get_password(pwfile, pw, sizeof(pw));
        if (n < 0)
            return 1;
        char why[160];
        int rc =
            zauth_register(a, NULL, "", username, em, pw, (size_t)n, role, &acct, why, sizeof(why));
        mbedtls_platform_zeroize(pw, sizeof(pw));
        if (rc != ZAUTH_OK) {
            fprintf(stderr, "zkbiod user add: %s\n", why[0] ? why : why_of(rc));
            return 1;
        }
        printf("%" PRId64 "\n", acct.id);
        fprintf(stderr, "account %" PRId64 " (%s, %s) created\n", acct.id, acct.email, acct.role);
        return 0;
    }
    int rc = zs_account_get_by_email(st, em, &acct);
    if (rc != 0) {
        fprintf(stderr, "zkbiod user %s: %s\n", sub,
                rc == ZKBIO_ENOENT || rc == ZKBIO_EINVAL ? "no account with this e-mail"
                                                         : zkbio_strerror(rc));
        return 1;
    }
    if (strcmp(sub, "passwd") == 0) {
        char pw[ZAUTH_PASSWORD_MAX + 3];
        long n = get_password(pwfile, pw, sizeof(pw));
        if (n < 0)
            return 1;
        rc = zauth_set_password(a, NULL, "", acct.id, pw, (size_t)n);
        mbedtls_platform_zeroize(pw, sizeof(pw));
        if (rc == ZAUTH_INVALID)
            fprintf(stderr, "zkbiod user passwd: passwords are %d to %d bytes\n",
                    ZAUTH_PASSWORD_MIN, ZAUTH_PASSWORD_MAX);
        else if (rc != ZAUTH_OK)
            fprintf(stderr, "zkbiod user passwd: %s\n", why_of(rc));
        else
            fprintf(stderr, "password of %s changed; its sessions ended\n", acct.email);
        status = rc == ZAUTH_OK ? 0 : 1;
    } else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
        int off = strcmp(sub, "disable") == 0;
        rc = zauth_set_disabled(a, NULL, "", acct.id, off);
        if (rc != ZAUTH_OK)
            fprintf(stderr, "zkbiod user %s: %s\n", sub, why_of(rc));
        else
            fprintf(stderr, "account %" PRId64 " (%s) %s\n", acct.id, acct.email,
                    off ? "disabled; its sessions ended" : "enabled");
        status = rc == ZAUTH_OK ? 0 : 1;
    } else if (strcmp(sub, "remove") == 0) {
        rc = zauth_remove_account(a, NULL, "", acct.id);
        if (rc != ZAUTH_OK)
            fprintf(stderr, "zkbiod user remove: %s\n", why_of(rc));
        else
            fprintf(stderr, "account %" PRId64 " (%s) removed\n", acct.id, acct.email);
        status = rc == ZAUTH_OK ? 0 : 1;
    } else {
        usage(stderr);
        status = 2;
    }
    return status;
}

int zauth_user_cli(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "passwd") &&
        strcmp(sub, "remove") && strcmp(sub, "disable") && strcmp(sub, "enable")) {
        usage(stderr);
        return 2;
    }
    static const char *const flags[] = {"--email", "--role", "--username", "--password-file"};
    const char *v[4];
    zauth_cmd c;
    int status = zauth_cmd_open(argc, argv, "user", flags, 4, v, &c);
    if (status >= 0)
        return status;
    status = run(c.a, c.st, sub, v[0], v[1], v[2], v[3]);
    zauth_cmd_close(&c);
    return status;
}
