/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbiod service` (service.h; issue 17): zkbiod under the Windows service control manager, the
 * pattern of mosquitto, qemu-ga and civetweb (platforms.md §5.2): `install` registers
 * "<exe>" service run [FLAGS] as an own-process, automatic-start service running as
 * NT AUTHORITY\LocalService with restart-on-failure actions; the service manager starts
 * `service run`, which hands the process to StartServiceCtrlDispatcher; ServiceMain runs the server
 * (zkbiod_serve) on a thread of its own and reports START_PENDING, RUNNING once the listeners are
 * up, and on STOP or SHUTDOWN STOP_PENDING with a check-point each second until the server has
 * shut down, then STOPPED. On Linux and macOS the command explains systemd and launchd instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "service.h"

#define SVC_NAME    "zkbiod"
#define SVC_DISPLAY "zkbiod attendance and fingerprint service"
#define SVC_DESCRIPTION                                                                            \
    "ZKTeco terminals (PUSH and TCP/UDP 4370), the management API and the fingerprint service "    \
    "for web apps on this PC (docs/windows-service.md)."

static int usage(FILE *f)
{
    fputs("Usage: zkbiod service install [FLAGS...]   register the Windows service (FLAGS: those\n"
          "                                         of zkbiod, e.g. --service-listen ...)\n"
          "       zkbiod service uninstall             stop and remove it (data is kept)\n"
          "       zkbiod service start|stop            start or stop it\n"
          "       zkbiod service run [FLAGS...]        what the service manager starts\n"
          "The service runs as NT AUTHORITY\\LocalService with its data and configuration in\n"
          "%ProgramData%\\zkbio (zkbiod.conf there is read when no --config is given).\n",
          f);
    return f == stderr ? 2 : 0;
}

#if defined(_WIN32)

#include <windows.h> /* after core.h: winsock2.h comes first (plat.h) */
#include <aclapi.h>
#include <fcntl.h>
#include <io.h>
#include <sddl.h>
#include <sys/stat.h>

/* The data directory's ACL: full control for SYSTEM, Administrators and LocalService (the service
 * account), inherited by what is created in it, nothing inherited from %ProgramData% (whose
 * Users may read): the Windows form of the 0700 the daemon uses elsewhere. */
#define DATA_DIR_SDDL "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;LS)"

/* The arguments ServiceMain hands to the server. The dispatcher passes ServiceMain no context, so
 * they live here: written once by service_run() before StartServiceCtrlDispatcher, read-only
 * afterwards. */
static struct {
    int argc;
    char **argv;
} svc_args;

typedef struct svc_state {
    SERVICE_STATUS_HANDLE h;
    CRITICAL_SECTION mu; /* guards st: the control handler, ServiceMain and ready() write it */
    SERVICE_STATUS st;
} svc_state;

static const char *win_error(DWORD e, char *buf, size_t n)
{
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0, buf,
                        (DWORD)n, NULL))
        snprintf(buf, n, "error %lu", (unsigned long)e);
    size_t l = strlen(buf);
    while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r' || buf[l - 1] == '.'))
        buf[--l] = '\0';
    return buf;
}

static int fail(const char *what)
{
    char b[256];
    DWORD e = GetLastError();
    fprintf(stderr, "zkbiod service: %s: %s%s\n", what, win_error(e, b, sizeof(b)),
            e == ERROR_ACCESS_DENIED ? " (run it from an administrator console)" : "");
    return 1;
}

/* Set the state; START_PENDING and STOP_PENDING advance the check-point on each call. */
static void set_status(svc_state *s, DWORD state, DWORD exit_code, DWORD hint_ms)
{
    EnterCriticalSection(&s->mu);
    int pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
    s->st.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    s->st.dwCheckPoint = pending && s->st.dwCurrentState == state ? s->st.dwCheckPoint + 1
                         : pending                                ? 1
                                                                  : 0;
    s->st.dwCurrentState = state;
    s->st.dwControlsAccepted =
        state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    s->st.dwWin32ExitCode = exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
    s->st.dwServiceSpecificExitCode = exit_code;
    s->st.dwWaitHint = hint_ms;
    SetServiceStatus(s->h, &s->st);
    LeaveCriticalSection(&s->mu);
}

static DWORD current_state(svc_state *s)
{
    EnterCriticalSection(&s->mu);
    DWORD st = s->st.dwCurrentState;
    LeaveCriticalSection(&s->mu);
    return st;
}

static DWORD WINAPI on_control(DWORD control, DWORD type, LPVOID data, LPVOID ctx)
{
    (void)type;
    (void)data;
    svc_state *s = ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        set_status(s, SERVICE_STOP_PENDING, 0, 10000);
        zc_stop_request(); /* the server's loop ends; it shuts down top-down (main.c) */
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static void on_ready(void *arg)
{
    svc_state *s = arg;
    if (!zc_stop_requested() && current_state(s) == SERVICE_START_PENDING)
        set_status(s, SERVICE_RUNNING, 0, 0);
}

typedef struct run_ctx {
    svc_state *s;
    int rc;
} run_ctx;

static DWORD WINAPI serve_thread(LPVOID p)
{
    run_ctx *r = p;
    r->rc = zkbiod_serve(svc_args.argc, svc_args.argv, on_ready, r->s);
    return 0;
}

/* A service has no console: its log (descriptor 2, where log.c writes whole lines) goes to
 * %ProgramData%\zkbio\zkbiod.log, appended. */
static void log_to_file(void)
{
    char dir[1024], path[1100];
    if (zc_default_data_dir(dir, sizeof(dir)) != 0)
        return;
    snprintf(path, sizeof(path), "%s\\zkbiod.log", dir);
    int fd = _open(path, _O_WRONLY | _O_CREAT | _O_APPEND, _S_IREAD | _S_IWRITE);
    if (fd < 0)
        return;
    if (fd != 2) {
        _dup2(fd, 2);
        _close(fd);
    }
}

static void WINAPI service_main(DWORD n, LPSTR *args)
{
    (void)n;
    (void)args; /* start parameters are not used: the flags were fixed by install */
    svc_state s;
    memset(&s, 0, sizeof(s));
    InitializeCriticalSection(&s.mu);
    s.h = RegisterServiceCtrlHandlerExA(SVC_NAME, on_control, &s);
    if (!s.h) {
        DeleteCriticalSection(&s.mu);
        return;
    }
    set_status(&s, SERVICE_START_PENDING, 0, 10000);
    log_to_file();
    run_ctx r = {.s = &s, .rc = 1};
    HANDLE t = CreateThread(NULL, 0, serve_thread, &r, 0, NULL);
    if (t) {
        while (WaitForSingleObject(t, 1000) == WAIT_TIMEOUT) {
            DWORD cur = current_state(&s);
            if (cur == SERVICE_START_PENDING || cur == SERVICE_STOP_PENDING)
                set_status(&s, cur, 0, 10000); /* the next check-point */
        }
        CloseHandle(t);
    }
    set_status(&s, SERVICE_STOPPED, (DWORD)r.rc, 0);
    DeleteCriticalSection(&s.mu);
}

/* Does args hold --config (or ZKBIOD_CONFIG name one)? */
static int has_config(int argc, char **argv)
{
    const char *env = getenv("ZKBIOD_CONFIG");
    if (env && *env)
        return 1;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 || strncmp(argv[i], "--config=", 9) == 0)
            return 1;
    return 0;
}

static int service_run(int argc, char **argv)
{
    /* argv: "run" FLAGS... -> "zkbiod" FLAGS... [--config %ProgramData%\zkbio\zkbiod.conf] */
    char conf[1100]; /* lives while the dispatcher runs: it returns when the service stopped */
    char dir[1024];
    char **v = calloc((size_t)argc + 3, sizeof(char *));
    if (!v)
        return 1;
    int c = 0;
    v[c++] = "zkbiod";
    for (int i = 1; i < argc; i++)
        v[c++] = argv[i];
    if (!has_config(argc - 1, argv + 1) && zc_default_data_dir(dir, sizeof(dir)) == 0) {
        snprintf(conf, sizeof(conf), "%s\\zkbiod.conf", dir);
        if (GetFileAttributesA(conf) != INVALID_FILE_ATTRIBUTES) {
            v[c++] = "--config";
            v[c++] = conf;
        }
    }
    svc_args.argc = c;
    svc_args.argv = v;
    SERVICE_TABLE_ENTRYA table[] = {{(LPSTR)SVC_NAME, service_main}, {NULL, NULL}};
    int rc = 0;
    if (!StartServiceCtrlDispatcherA(table)) {
        if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
            fprintf(stderr, "zkbiod service run: only the service manager starts this; in a "
                            "console run zkbiod [FLAGS] instead\n");
        else
            fail("StartServiceCtrlDispatcher");
        rc = 2;
    }
    free(v);
    return rc;
}

/* %ProgramData%\zkbio, created or re-protected with DATA_DIR_SDDL. 0 or 1. */
static int prepare_data_dir(char *dir, size_t n)
{
    if (zc_default_data_dir(dir, n) != 0) {
        fprintf(stderr, "zkbiod service: cannot find %%ProgramData%%\n");
        return 1;
    }
    PSECURITY_DESCRIPTOR sd = NULL;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(DATA_DIR_SDDL, SDDL_REVISION_1, &sd,
                                                              NULL))
        return fail("security descriptor");
    int rc = 0;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), sd, FALSE};
    if (!CreateDirectoryA(dir, &sa) && GetLastError() != ERROR_ALREADY_EXISTS) {
        rc = fail(dir);
    } else {
        /* an existing folder (a reinstall) gets the same ACL, pushed down to what it holds */
        BOOL present = FALSE, defaulted = FALSE;
        PACL dacl = NULL;
        DWORD e = ERROR_INVALID_SECURITY_DESCR;
        if (GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) && present)
            e = SetNamedSecurityInfoA(dir, SE_FILE_OBJECT,
                                      DACL_SECURITY_INFORMATION |
                                          PROTECTED_DACL_SECURITY_INFORMATION,
                                      NULL, NULL, dacl, NULL);
        if (e != ERROR_SUCCESS) {
            SetLastError(e);
            rc = fail("the data directory's access list");
        }
    }
    LocalFree(sd);
    return rc;
}

static int service_install(int argc, char **argv)
{
    char exe[MAX_PATH];
    DWORD el = GetModuleFileNameA(NULL, exe, sizeof(exe));
    if (el == 0 || el >= sizeof(exe))
        return fail("the path of zkbiod.exe");
    char cmd[4096];
    size_t w = (size_t)snprintf(cmd, sizeof(cmd), "\"%s\" service run", exe);
    for (int i = 1; i < argc && w < sizeof(cmd); i++) {
        if (strchr(argv[i], '"')) {
            fprintf(stderr, "zkbiod service install: a flag may not hold '\"'\n");
            return 2;
        }
        w += (size_t)snprintf(cmd + w, sizeof(cmd) - w, " \"%s\"", argv[i]);
    }
    if (w >= sizeof(cmd)) {
        fprintf(stderr, "zkbiod service install: the flags are too long\n");
        return 2;
    }
    char dir[1024];
    if (prepare_data_dir(dir, sizeof(dir)) != 0)
        return 1;
    SC_HANDLE scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
    if (!scm)
        return fail("the service manager");
    /* LocalService: "minimum privileges on the local computer, anonymous credentials on the
     * network" (platforms.md §5.2); enough for the LAN's terminals and local listeners. The
     * account's name must be the non-localized NT AUTHORITY\LocalService; it has no password. */
    SC_HANDLE svc =
        CreateServiceA(scm, SVC_NAME, SVC_DISPLAY, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                       SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL,
                       "NT AUTHORITY\\LocalService", NULL);
    if (!svc) {
        DWORD e = GetLastError();
        int rc = e == ERROR_SERVICE_EXISTS
                     ? (fprintf(stderr, "zkbiod service: already installed (zkbiod service "
                                        "uninstall first)\n"),
                        1)
                 : e == ERROR_SERVICE_MARKED_FOR_DELETE
                     ? (fprintf(stderr, "zkbiod service: the old service is still being removed: "
                                        "close the Services console and try again\n"),
                        1)
                     : fail("CreateService");
        CloseServiceHandle(scm);
        return rc;
    }
    SERVICE_DESCRIPTIONA desc = {(LPSTR)SVC_DESCRIPTION};
    ChangeServiceConfig2A(svc, SERVICE_CONFIG_DESCRIPTION, &desc);
    /* Restart after 5 s, 30 s, then every 60 s; the count resets after a day without failure. A
     * start-up that fails (STOPPED with an exit code) counts as a failure too. */
    SC_ACTION acts[3] = {
        {SC_ACTION_RESTART, 5000}, {SC_ACTION_RESTART, 30000}, {SC_ACTION_RESTART, 60000}};
    SERVICE_FAILURE_ACTIONSA fa = {86400, NULL, NULL, 3, acts};
    SERVICE_FAILURE_ACTIONS_FLAG flag = {TRUE};
    if (!ChangeServiceConfig2A(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa) ||
        !ChangeServiceConfig2A(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag))
        fprintf(stderr, "zkbiod service: the restart-on-failure actions were not set\n");
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    printf("installed service %s: %s\nas NT AUTHORITY\\LocalService, automatic start; data and "
           "zkbiod.conf in %s\nstart it now with: zkbiod service start\n",
           SVC_NAME, cmd, dir);
    return 0;
}

/* Wait up to 30 s for the service to leave `pending`; the final state. */
static DWORD wait_state(SC_HANDLE svc, DWORD pending)
{
    SERVICE_STATUS st;
    for (int i = 0; i < 300; i++) {
        if (!QueryServiceStatus(svc, &st))
            return 0;
        if (st.dwCurrentState != pending)
            return st.dwCurrentState;
        Sleep(100);
    }
    return pending;
}

static SC_HANDLE open_service(SC_HANDLE *scm, DWORD access)
{
    *scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
    if (!*scm) {
        fail("the service manager");
        return NULL;
    }
    SC_HANDLE svc = OpenServiceA(*scm, SVC_NAME, access);
    if (!svc) {
        fail(GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST ? "not installed" : "OpenService");
        CloseServiceHandle(*scm);
    }
    return svc;
}

/* Stop it when running. 0 when stopped (or it was), 1 when it did not stop. */
static int stop_service(SC_HANDLE svc)
{
    SERVICE_STATUS st;
    if (!ControlService(svc, SERVICE_CONTROL_STOP, &st)) {
        if (GetLastError() == ERROR_SERVICE_NOT_ACTIVE)
            return 0;
        return fail("stop");
    }
    if (wait_state(svc, SERVICE_STOP_PENDING) != SERVICE_STOPPED) {
        fprintf(stderr, "zkbiod service: did not stop within 30 s\n");
        return 1;
    }
    return 0;
}

static int service_control(const char *cmd)
{
    SC_HANDLE scm;
    DWORD access = SERVICE_QUERY_STATUS | SERVICE_START | SERVICE_STOP | DELETE;
    SC_HANDLE svc = open_service(&scm, access);
    if (!svc)
        return 1;
    int rc = 0;
    if (strcmp(cmd, "start") == 0) {
        if (!StartServiceA(svc, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
            rc = fail("start");
        } else if (wait_state(svc, SERVICE_START_PENDING) != SERVICE_RUNNING) {
            fprintf(stderr, "zkbiod service: did not start (see %%ProgramData%%\\zkbio\\"
                            "zkbiod.log)\n");
            rc = 1;
        } else {
            printf("service %s running\n", SVC_NAME);
        }
    } else if (strcmp(cmd, "stop") == 0) {
        rc = stop_service(svc);
        if (rc == 0)
            printf("service %s stopped\n", SVC_NAME);
    } else { /* uninstall */
        rc = stop_service(svc);
        if (rc == 0 && !DeleteService(svc))
            rc = fail("DeleteService");
        if (rc == 0)
            printf("service %s removed; its data in %%ProgramData%%\\zkbio is kept\n", SVC_NAME);
    }
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return rc;
}

int zkbiod_service_cli(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return usage(stdout);
    if (strcmp(cmd, "run") == 0)
        return service_run(argc - 1, argv + 1);
    if (strcmp(cmd, "install") == 0)
        return service_install(argc - 1, argv + 1);
    if (strcmp(cmd, "uninstall") == 0 || strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0)
        return service_control(cmd);
    fprintf(stderr, "zkbiod service: unknown command \"%s\"\n", cmd);
    return usage(stderr);
}

#else /* Linux, macOS: the system's own service manager */

int zkbiod_service_cli(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        usage(stdout);
    fputs("zkbiod service: the Windows service manager only. Here use the system's own:\n"
#if defined(__APPLE__)
          "  launchd: install the plist as /Library/LaunchDaemons/org.zkbio.zkbiod.plist, then\n"
          "    sudo launchctl bootstrap system /Library/LaunchDaemons/org.zkbio.zkbiod.plist\n"
          "    sudo launchctl bootout system/org.zkbio.zkbiod   (to stop and unload it)\n"
#else
          "  systemd: the zkbiod.service unit (installed with the package), then\n"
          "    sudo systemctl enable --now zkbiod    /    sudo systemctl disable --now zkbiod\n"
#endif
          "zkbiod itself runs in the foreground and stops on SIGTERM.\n",
          stderr);
    return 2;
}

#endif
