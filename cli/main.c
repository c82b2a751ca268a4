/* SPDX-License-Identifier: Apache-2.0 */
/* zkbio: the command-line tool. `zkbio <command> [options]`; each command is one row of the table
 * below. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "zkbio/version.h"

#ifdef ZKBIO_CLI_BENCH
#include "pushsim.h"

#include "bench.h"
#include "bench_accuracy.h"
#include "bench_api.h"
#include "bench_forward.h"
#include "bench_service.h"
#endif
#include "engine_cmds.h"
#include "reader_cmds.h"
#include "util.h"
#include "zk4370_cmds.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit status */
    const char *help;                  /* one line for `zkbio --help` */
} subcommand;

/* push-sim and bench need libcurl, fork/exec and /proc: built where ZKBIO_CLI_BENCH is defined
 * (cli/meson.build), not on Windows (docs/windows.md). */
#ifdef ZKBIO_CLI_BENCH
static int cmd_push_sim(int argc, char **argv);
static int cmd_bench(int argc, char **argv);
#endif

static const subcommand commands[] = {
#ifdef ZKBIO_CLI_BENCH
    {"push-sim", cmd_push_sim, "simulate a ZKTeco terminal (Attendance PUSH 2.x) against a server"},
    {"bench", cmd_bench,
     "benchmarks: `bench push` (zkbiod under simulated devices), `bench accuracy`, `bench speed`, "
     "`bench capture`, `bench service`, `bench zk4370`, `bench api`"},
#endif
    {"extract", zkbio_cli_extract, "fingerprint image -> minutiae template, quality"},
    {"match", zkbio_cli_match, "compare two fingerprints (images or templates): score, decision"},
    {"merge", zkbio_cli_merge, "enrol: merge three captures of one finger into one template"},
    {"identify", zkbio_cli_identify, "search a directory of fingerprints for a probe (1:N)"},
    {"device", zkbio_cli_device, "a terminal on TCP/UDP 4370: info, users, attendance, listen"},
    {"emulate", zkbio_cli_emulate, "emulate a terminal on TCP/UDP 4370 (tests, node-zklib)"},
    {"readers", zkbio_cli_readers, "list fingerprint readers (--watch: hotplug events)"},
    {"capture", zkbio_cli_capture, "capture one fingerprint image from a reader"},
    {"enroll", zkbio_cli_enroll, "enrol a finger from a reader: three captures, one template"},
    {"verify", zkbio_cli_verify, "capture a finger and compare it with a template"},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: zkbio <command> [options]\n"
                 "       zkbio <command> --help\n"
                 "       zkbio --help | --version\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (strcmp(name, "help") == 0 && argc > 2) {
            for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *sub[] = {argv[2], "--help", NULL};
                    return commands[i].run(2, sub);
                }
        }
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("zkbio %s\n", zkbio_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "zkbio: unknown command '%s'\n\n", name);
    usage(stderr);
    return 2;
}

#ifdef ZKBIO_CLI_BENCH
/* ----------------------------------------------------------------------------------------------------------
 */
/* bench */
/* ----------------------------------------------------------------------------------------------------------
 */

static int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "Usage: zkbio bench push [options]   (zkbio bench push --help)\n"
                "       zkbio bench accuracy [options] DIR... (zkbio bench accuracy --help)\n"
                "       zkbio bench zk4370 [options] (zkbio bench zk4370 --help)\n"
                "       zkbio bench speed DIR... [options] (zkbio bench speed --help)\n"
                "       zkbio bench capture [--frames N] (zkbio bench capture --help)\n"
                "       zkbio bench service DIR [options] (zkbio bench service --help)\n"
                "       zkbio bench api [options] (zkbio bench api --help)\n"
                "       zkbio bench forward [options] (zkbio bench forward --help)\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "push") == 0)
        return zkbio_cli_bench_push(argc - 1, argv + 1);
    if (strcmp(argv[1], "service") == 0)
        return zkbio_cli_bench_service(argc - 1, argv + 1);
    if (strcmp(argv[1], "speed") == 0)
        return zkbio_cli_bench_speed(argc - 1, argv + 1);
    if (strcmp(argv[1], "capture") == 0)
        return zkbio_cli_bench_capture(argc - 1, argv + 1);
    if (strcmp(argv[1], "zk4370") == 0)
        return zkbio_cli_bench_zk4370(argc - 1, argv + 1);
    if (strcmp(argv[1], "api") == 0)
        return zkbio_cli_bench_api(argc - 1, argv + 1);
    if (strcmp(argv[1], "forward") == 0)
        return zkbio_cli_bench_forward(argc - 1, argv + 1);
    if (strcmp(argv[1], "accuracy") == 0)
        return zkbio_cli_bench_accuracy(argc - 1, argv + 1);
    fprintf(stderr, "zkbio bench: unknown benchmark '%s' (see zkbio bench --help)\n", argv[1]);
    return 2;
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* push-sim */
/* ----------------------------------------------------------------------------------------------------------
 */

static volatile sig_atomic_t interrupted; /* set by the SIGINT/SIGTERM handler only */

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void push_sim_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: zkbio push-sim --url http://HOST:PORT[/prefix] --sn SN [options]\n\n"
        "Behave like a ZKTeco terminal speaking Attendance PUSH 2.x: handshake, post its options, "
        "upload\n"
        "users, fingerprint/face templates and punches, then poll for commands, apply the DATA "
        "commands\n"
        "to its in-memory tables and post the results (one devicecmd body per poll).\n\n"
        "Options:\n"
        "  --url URL        server base address; requests go to URL/iclock/... (required)\n"
        "  --sn SN          serial number of the simulated terminal (required)\n"
        "  --users N        enrol and upload N users, PINs FIRST..FIRST+N-1 (default 0)\n"
        "  --first-pin P    first PIN of the enrolled users (default 1)\n"
        "  --fingers F      fingerprint templates per user, 0..10 (default 0; ~1.5 kB base64 "
        "each)\n"
        "  --faces          also one face template per user\n"
        "  --punches P      upload P punches for those users, one minute apart, 100 per post "
        "(default 0)\n"
        "  --polls K        poll K times for commands; 0 = until SIGINT (default 1)\n"
        "  --delay-ms D     wait between polls in ms (default: the server's Delay from the "
        "handshake)\n"
        "  --keep-alive     reuse the connection (default: Connection: close, as most firmware)\n"
        "  --dump-json      print the terminal's tables as JSON on stdout at the end\n"
        "  -v, --verbose    print every HTTP exchange on stderr\n"
        "  -h, --help       show this help\n\n"
        "Progress goes to stderr. Exit status: 0 success, 1 a request failed, 2 bad usage.\n"
        "Example: zkbio push-sim --url http://127.0.0.1:8081 --sn SIM0001 --users 10 --fingers 2 "
        "\\\n"
        "             --punches 250 --polls 5 --dump-json\n");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (!interrupted && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int cmd_push_sim(int argc, char **argv)
{
    enum {
        OPT_URL = 256,
        OPT_SN,
        OPT_USERS,
        OPT_FIRST,
        OPT_FINGERS,
        OPT_FACES,
        OPT_PUNCHES,
        OPT_POLLS,
        OPT_DELAY,
        OPT_KEEP,
        OPT_DUMP
    };
    static const struct option opts[] = {
        {"url", required_argument, NULL, OPT_URL},
        {"sn", required_argument, NULL, OPT_SN},
        {"users", required_argument, NULL, OPT_USERS},
        {"first-pin", required_argument, NULL, OPT_FIRST},
        {"fingers", required_argument, NULL, OPT_FINGERS},
        {"faces", no_argument, NULL, OPT_FACES},
        {"punches", required_argument, NULL, OPT_PUNCHES},
        {"polls", required_argument, NULL, OPT_POLLS},
        {"delay-ms", required_argument, NULL, OPT_DELAY},
        {"keep-alive", no_argument, NULL, OPT_KEEP},
        {"dump-json", no_argument, NULL, OPT_DUMP},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *sn = NULL;
    long users = 0, first = 1, fingers = 0, punches = 0, polls = 1, delay_ms = -1;
    int faces = 0, keep = 0, dump = 0, verbose = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case OPT_URL:
            url = optarg;
            break;
        case OPT_SN:
            sn = optarg;
            break;
        case OPT_USERS:
            bad = cli_parse_long(optarg, 0, 1000000, &users);
            break;
        case OPT_FIRST:
            bad = cli_parse_long(optarg, 0, LONG_MAX / 2, &first);
            break;
        case OPT_FINGERS:
            bad = cli_parse_long(optarg, 0, 10, &fingers);
            break;
        case OPT_FACES:
            faces = 1;
            break;
        case OPT_PUNCHES:
            bad = cli_parse_long(optarg, 0, 10000000, &punches);
            break;
        case OPT_POLLS:
            bad = cli_parse_long(optarg, 0, LONG_MAX, &polls);
            break;
        case OPT_DELAY:
            bad = cli_parse_long(optarg, 0, 3600000, &delay_ms);
            break;
        case OPT_KEEP:
            keep = 1;
            break;
        case OPT_DUMP:
            dump = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            push_sim_usage(stdout);
            return 0;
        default:
            push_sim_usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zkbio push-sim: bad value '%s' for --%s\n", optarg,
                    opts[c - OPT_URL].name);
            return 2;
        }
    }
    if (optind < argc || !url || !sn) {
        fprintf(stderr, "zkbio push-sim: %s\n\n",
                optind < argc ? "unexpected argument" : "--url and --sn are required");
        push_sim_usage(stderr);
        return 2;
    }

    pushsim_config cfg = {.url = url, .sn = sn, .keep_alive = keep, .verbose = verbose};
    pushsim *sim = NULL;
    int rc = pushsim_new(&cfg, &sim);
    if (rc != 0) {
        fprintf(stderr, "zkbio push-sim: %s (check --url and --sn)\n", zkbio_strerror(rc));
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int status = 1;
    size_t acc = 0;
    if ((rc = pushsim_handshake(sim)) != 0)
        goto out;
    fprintf(stderr, "push-sim %s: handshake ok, Delay=%d s\n", sn, pushsim_delay_s(sim));
    if ((rc = pushsim_post_options(sim)) != 0)
        goto out;
    if (users > 0) {
        if ((rc = pushsim_enroll_fake(sim, first, (size_t)users, (int)fingers, faces)) != 0 ||
            (rc = pushsim_upload_pending(sim, &acc)) != 0)
            goto out;
        fprintf(
            stderr,
            "push-sim %s: uploaded %ld user(s), %zu template(s): server accepted %zu record(s)\n",
            sn, users, pushsim_template_count(sim), acc);
    }
    if (punches > 0) {
        if ((rc = pushsim_add_fake_punches(sim, first, users > 0 ? (size_t)users : 1,
                                           (size_t)punches, NULL)) != 0 ||
            (rc = pushsim_upload_punches(sim, &acc)) != 0)
            goto out;
        fprintf(stderr, "push-sim %s: uploaded %ld punch(es): server accepted %zu\n", sn, punches,
                acc);
    }
    long wait = delay_ms >= 0 ? delay_ms : 1000L * pushsim_delay_s(sim);
    for (long i = 0; !interrupted && (polls == 0 || i < polls); i++) {
        size_t n = 0;
        rc = pushsim_poll(sim, &n);
        if (rc != 0 && !interrupted)
            goto out;
        if (n)
            fprintf(stderr, "push-sim %s: poll %ld: %zu command(s) applied\n", sn, i + 1, n);
        if (polls == 0 || i + 1 < polls)
            sleep_ms(wait);
    }
    status = 0;
out:
    if (status != 0 && !interrupted)
        fprintf(stderr, "zkbio push-sim: %s: %s\n", zkbio_strerror(rc), pushsim_last_error(sim));
    if (interrupted)
        status = 0;
    if (dump) {
        json_t *j = pushsim_to_json(sim);
        if (j) {
            json_dumpf(j, stdout, JSON_INDENT(2));
            fputc('\n', stdout);
            json_decref(j);
        }
    }
    pushsim_free(sim);
    pushsim_global_cleanup();
    return status;
}
#endif /* ZKBIO_CLI_BENCH */
