/* SPDX-License-Identifier: Apache-2.0 */
/* The platform layer's files (plat.h): private directories and files, fsync, atomic replace, the
 * default data directory. */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)

#include <direct.h>
#include <io.h>
#include <windows.h>
#include <shlobj.h>

int zc_mkdir_private(const char *path)
{
    return _mkdir(path);
}

int zc_fd_chmod(int fd, unsigned mode)
{
    (void)fd; /* ACL-free: the file inherits its folder's ACL (plat.h) */
    (void)mode;
    return 0;
}

int zc_fsync(int fd)
{
    return _commit(fd);
}

int zc_fsync_dir(const char *dir)
{
    (void)dir; /* MoveFileEx(MOVEFILE_WRITE_THROUGH) returns once the rename is on disk */
    return 0;
}

int zc_rename_replace(const char *from, const char *to)
{
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return 0;
    DWORD e = GetLastError();
    errno = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? ENOENT
            : e == ERROR_ACCESS_DENIED                             ? EACCES
                                                                   : EIO;
    return -1;
}

int zc_is_path_sep(int c)
{
    return c == '/' || c == '\\';
}

long zc_getline(char **line, size_t *cap, FILE *f)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF) {
        if (n + 2 > *cap || !*line) {
            size_t nc = *cap < 120 ? 128 : *cap * 2;
            char *nl = realloc(*line, nc);
            if (!nl) {
                errno = ENOMEM;
                return -1;
            }
            *line = nl;
            *cap = nc;
        }
        (*line)[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return -1;
    (*line)[n] = '\0';
    return (long)n;
}

int zc_default_data_dir(char *buf, size_t n)
{
    PWSTR wide = NULL;
    if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &wide) != S_OK) {
        CoTaskMemFree(wide);
        return -1;
    }
    char base[MAX_PATH * 3];
    int len = WideCharToMultiByte(CP_ACP, 0, wide, -1, base, (int)sizeof(base), NULL, NULL);
    CoTaskMemFree(wide);
    if (len <= 0)
        return -1;
    int w = snprintf(buf, n, "%s\\zkbio", base);
    return w > 0 && (size_t)w < n ? 0 : -1;
}

#else

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int zc_mkdir_private(const char *path)
{
    return mkdir(path, 0700);
}

int zc_fd_chmod(int fd, unsigned mode)
{
    return fchmod(fd, (mode_t)mode);
}

int zc_fsync(int fd)
{
    return fsync(fd);
}

int zc_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int zc_rename_replace(const char *from, const char *to)
{
    return rename(from, to);
}

int zc_is_path_sep(int c)
{
    return c == '/';
}

long zc_getline(char **line, size_t *cap, FILE *f)
{
    return (long)getline(line, cap, f);
}

int zc_default_data_dir(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int w;
    if (geteuid() == 0)
        w = snprintf(buf, n, "/var/lib/zkbiod");
    else if (xdg && xdg[0] == '/')
        w = snprintf(buf, n, "%s/zkbiod", xdg);
    else if (home && home[0] == '/')
        w = snprintf(buf, n, "%s/.local/share/zkbiod", home);
    else
        return -1;
    return w > 0 && (size_t)w < n ? 0 : -1;
}

#endif
