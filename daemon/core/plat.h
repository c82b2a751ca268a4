/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/core, part of core.h: the platform layer of zkbiod (issue 17). Every call that differs
 * between Linux, macOS and Windows (mingw-w64) goes through here, so the other modules are plain
 * C11 + POSIX.1-2008 (+ winpthreads on Windows, the threads of the whole daemon: pthreads on
 * POSIX, mingw-w64's libwinpthread on Windows, linked statically by the cross build). One file per
 * concern:
 *
 *   plat_net.c   sockets: WSAStartup, close, poll, a connect with a timeout
 *   plat_proc.c  the stop request (SIGINT/SIGTERM or the console's Ctrl-C/close), sleeping, process
 *                ids and liveness, the host name
 *   plat_fs.c    private directories and files (0700/0600; ACL-free on Windows), fsync, atomic
 *                replace (rename / MoveFileEx), getline, the default data directory
 *   plat_time.c  timegm, gmtime_r/localtime_r and the local UTC offset
 *
 * Linux behaviour is what the daemon did before the layer existed. macOS takes the POSIX branches
 * (checked by the strict-POSIX job, scripts/ci/posix.sh). The Windows branches follow platforms.md
 * §3.4 and §5.2.
 *
 * Thread-safety: every function may be called from any thread. The stop request is the one piece
 * of process-wide mutable state (a signal or console handler cannot carry a context): a
 * sig_atomic_t flag set by zc_stop_request() and read by zc_stop_requested().
 * Errors: 0 or -1 with errno set (EIO on Windows when no errno maps), unless documented otherwise.
 * Nothing here logs or exits.
 */
#ifndef ZKBIOD_PLAT_H
#define ZKBIOD_PLAT_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <poll.h>
#include <sys/socket.h>
#endif

/* printf-style format checking: mingw-w64 with __USE_MINGW_ANSI_STDIO prints C99 formats (%zu,
 * %lld) but GCC's "printf" archetype means the Microsoft runtime's there (platforms.md §3.4), so
 * the daemon's own printf-like functions declare gnu_printf on Windows. */
#if defined(__MINGW32__)
#define ZC_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define ZC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ZC_PRINTF(f, a)
#endif

/* ---- sockets (plat_net.c) ---------------------------------------------------------------------
 */

/* A socket as the daemon stores it: an int descriptor on POSIX, a SOCKET (an unsigned handle
 * that fits intptr_t) on Windows. ZC_NO_SOCKET is the invalid value on both. */
typedef intptr_t zc_sock;
#define ZC_NO_SOCKET ((zc_sock)-1)

/* Start the socket layer once per process (WSAStartup 2.2 on Windows; nothing elsewhere). Safe to
 * call many times and from many threads. 0 or -1. */
int zc_net_init(void);

/* Close a socket (closesocket on Windows, close elsewhere); ZC_NO_SOCKET is ignored. 0 or -1. */
int zc_sock_close(zc_sock s);

/* poll(2) over n descriptors (WSAPoll on Windows: sockets only). timeout_ms < 0 waits forever.
 * Returns what poll returns: the number of ready entries, 0 on timeout, -1 on error. */
int zc_poll(struct pollfd *fds, size_t n, int timeout_ms);

/* Connect a stream socket s to sa within timeout_ms milliseconds (> 0): s is made non-blocking,
 * connected, waited for with poll and a deadline (a failed connect is read from SO_ERROR; Windows
 * before 10 2004 may not report it through WSAPoll, so the deadline is what ends the wait,
 * platforms.md §3.4), then made blocking again. 0, or -1 with errno ETIMEDOUT, ECONNREFUSED... */
int zc_connect_timeout(zc_sock s, const struct sockaddr *sa, socklen_t salen, int timeout_ms);

/* ---- the stop request, processes (plat_proc.c) ---------------------------------------------- */

/* Route SIGINT and SIGTERM (Windows: the console's Ctrl-C, Ctrl-Break, close, logoff and
 * shutdown events, SetConsoleCtrlHandler) to zc_stop_request(), and ignore SIGPIPE where it
 * exists (a peer that closed its socket must not end the process). 0 or -1. */
int zc_stop_on_signals(void);

/* Ask the process to stop (async-signal-safe; also what the Windows service's STOP does). */
void zc_stop_request(void);

/* 1 once a stop was requested, else 0. */
int zc_stop_requested(void);

/* Sleep ms milliseconds (may return early on a signal). */
void zc_sleep_ms(unsigned ms);

/* This process's id. */
long zc_pid(void);

/* 1 when no process with this id exists on this host (kill(pid, 0) is ESRCH; Windows:
 * OpenProcess finds none), 0 when it exists or cannot be told (e.g. another user's, EPERM). */
int zc_pid_gone(long pid);

/* 1 when this process has administrator rights (root: geteuid() == 0; Windows: a member of
 * BUILTIN\Administrators with an elevated token), else 0. */
int zc_is_admin(void);

/* The system's name as Node.js spells it: "linux", "darwin", "win32" (or "freebsd"...; "posix"
 * for any other). A static string. */
const char *zc_platform_name(void);

/* This host's name, NUL-terminated and truncated to n - 1 bytes (gethostname; on Windows
 * GetComputerNameExA). 0 or -1. */
int zc_hostname(char *buf, size_t n);

/* ---- files (plat_fs.c) ------------------------------------------------------------------------
 */

/* open(2) flags: ZC_O_BINARY (Windows' runtime translates newlines unless O_BINARY; 0 elsewhere)
 * and ZC_O_CLOEXEC (O_CLOEXEC; Windows: O_NOINHERIT, the descriptor is not inherited). */
#if defined(_WIN32)
#define ZC_O_BINARY  O_BINARY
#define ZC_O_CLOEXEC O_NOINHERIT
#else
#define ZC_O_BINARY  0
#define ZC_O_CLOEXEC O_CLOEXEC
#endif

/* Create a directory only its owner may use: mode 0700 on POSIX; on Windows _mkdir (the folder
 * inherits its parent's ACL: the data directory under %ProgramData%\zkbio is created by the
 * service installer, docs/windows-service.md). 0, or -1 with errno (EEXIST when it exists). */
int zc_mkdir_private(const char *path);

/* Make an open file readable and writable by its owner only (fchmod 0600 or the given mode on
 * POSIX; nothing on Windows, where the ACL of the folder applies). 0 or -1. */
int zc_fd_chmod(int fd, unsigned mode);

/* Flush a file's data to stable storage (fsync; _commit on Windows). 0 or -1. */
int zc_fsync(int fd);

/* Make a rename in directory dir durable (fsync of the directory on POSIX; nothing on Windows,
 * where zc_rename_replace writes through). 0 or -1. */
int zc_fsync_dir(const char *dir);

/* Atomically replace `to` with `from` (rename(2); Windows: MoveFileExA with
 * MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH, since rename fails there when `to` exists).
 * 0 or -1. */
int zc_rename_replace(const char *from, const char *to);

/* getline(3): one line of f, newline kept, into *line (realloc'd; *cap its size). The length, or
 * -1 at end of file or on error (ENOMEM). mingw-w64 has no getline; this is it there. */
long zc_getline(char **line, size_t *cap, FILE *f);

/* 1 when c separates path components here ('/'; on Windows '/' or '\\'). */
int zc_is_path_sep(int c);

/* The default data directory into buf (n bytes): Windows: %ProgramData%\zkbio
 * (SHGetKnownFolderPath(FOLDERID_ProgramData)); elsewhere /var/lib/zkbiod as root, else
 * $XDG_DATA_HOME/zkbiod or ~/.local/share/zkbiod. 0, or -1 when none can be chosen (no HOME) or
 * it does not fit. */
int zc_default_data_dir(char *buf, size_t n);

/* ---- time (plat_time.c) -----------------------------------------------------------------------
 */

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31), exact for every
 * year time_t holds (H. Hinnant's civil-from-days inverse; no table, no time zone). */
int64_t zc_days_from_civil(int64_t y, int m, int d);

/* The inverse of gmtime: *tm read as UTC (tm_wday, tm_yday, tm_isdst ignored), fields out of
 * range normalised as mktime does. (time_t)-1 when not representable. */
time_t zc_timegm(const struct tm *tm);

/* gmtime_r / localtime_r (gmtime_s / localtime_s on Windows). 0 or -1. */
int zc_gmtime(time_t t, struct tm *out);
int zc_localtime(time_t t, struct tm *out);

/* Minutes east of UTC of the local time zone at t (daylight saving included), from localtime and
 * zc_timegm (tm_gmtoff is not POSIX). */
int zc_utc_offset_min(time_t t);

#endif
