#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The tests' one MariaDB wrapper: a private, throwaway mariadbd on loopback for a test.
#
#   tests/support/mariadb.sh run PROGRAM [ARGS...]
#                                       start a server in a new temporary directory, run PROGRAM ARGS... URI (the
#                                       server's URI appended as the last argument, ZKBIO_TEST_MARIADB_SOCKET set
#                                       to its Unix socket), stop the server, remove the directory, and exit with
#                                       PROGRAM's status (the end of the server's log is shown when it fails).
#   tests/support/mariadb.sh start DIR  start mariadbd with its datadir, socket and logs under DIR (created if
#                                       missing), wait until it accepts connections (at most 30 s) and print the
#                                       URI to use on stdout: mariadb://zkbio:PASS@127.0.0.1:PORT/zkbio_test
#                                       (PASS is percent-encoded; it contains '@' and ':' on purpose).
#   tests/support/mariadb.sh start DIR --same-port
#                                       the same, but listen on the port of the previous start in DIR (DIR/port)
#                                       instead of a new free one, so clients holding the URI find the server
#                                       again after a stop (outage tests). Fails if that port stays taken.
#   tests/support/mariadb.sh stop DIR   shut that server down (no-op if it is not running); removes nothing.
#
# The server listens on 127.0.0.1 only, on a free port, with --no-defaults (no /etc/mysql config is read) and
# small memory settings. It has real accounts: root@localhost with a random password (kept in DIR/root.pw, used
# only through the socket) and zkbio@localhost / zkbio@127.0.0.1 with ALL on zkbio_test.* plus SHUTDOWN (the
# driver tests stop the server from SQL to check how clients survive it).
#
# Works as root (mariadbd then runs with --user=root; CI runs as root) and as an ordinary user. It installs
# nothing: scripts/setup-deps.sh installs mariadb-server. Without mariadbd it exits 77, a skip that meson shows.
# Exit status: 0 ok, 77 no mariadbd installed, 1 any other failure (details on stderr and in DIR/mariadbd.err).
set -u

die() {
    echo "mariadb.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 run PROGRAM [ARGS...] | start DIR [--same-port] | stop DIR" >&2
    exit 2
}

# run PROGRAM [ARGS...]: this script's start and stop around the program, in a temporary directory.
if [ $# -ge 2 ] && [ "$1" = run ]; then
    shift
    self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-mariadb-XXXXXX") || exit 1
    cleanup() {
        "$self" stop "$tmp" >/dev/null 2>&1
        rm -rf "$tmp"
    }
    uri=$("$self" start "$tmp")
    rc=$?
    if [ $rc -eq 77 ]; then
        rm -rf "$tmp"
        exit 77
    fi
    if [ $rc -ne 0 ] || [ -z "$uri" ]; then
        echo "mariadb.sh: could not start mariadbd (status $rc)" >&2
        [ -f "$tmp/mariadbd.err" ] && tail -n 30 "$tmp/mariadbd.err" >&2
        cleanup
        exit 1
    fi
    trap cleanup INT TERM
    ZKBIO_TEST_MARIADB_SOCKET="$tmp/mysqld.sock" "$@" "$uri"
    rc=$?
    if [ $rc -ne 0 ] && [ -f "$tmp/mariadbd.err" ]; then
        echo "--- mariadbd.err (last lines) ---" >&2
        tail -n 20 "$tmp/mariadbd.err" >&2
    fi
    cleanup
    exit $rc
fi

[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = start ] && [ "$3" = --same-port ]; } || usage
cmd=$1
dir=$2
same_port=0
[ $# -eq 3 ] && same_port=1

find_prog() { # first existing executable among the names, on PATH or in the sbin/libexec dirs
    for name in "$@"; do
        p=$(command -v "$name" 2>/dev/null) && [ -x "$p" ] && { echo "$p"; return 0; }
        for d in /usr/sbin /usr/local/sbin /usr/libexec /sbin; do
            [ -x "$d/$name" ] && { echo "$d/$name"; return 0; }
        done
    done
    return 1
}

find_tools() {
    mysqld=$(find_prog mariadbd mysqld) || return 1
    installdb=$(find_prog mariadb-install-db mysql_install_db) || return 1
    client=$(find_prog mariadb mysql) || return 1
    return 0
}

is_running() { # pid file present and that process alive
    [ -f "$dir/mariadbd.pid" ] || return 1
    pid=$(cat "$dir/mariadbd.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

port_in_use() { # $1 = port; looks at listening TCP sockets (IPv4 and IPv6) in /proc
    hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v h=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }'
}

random_number() { # unsigned 32-bit random number
    od -An -N4 -tu4 /dev/urandom | tr -d ' \n'
}

random_hex() { # $1 bytes as hex
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

sql_root() { # run SQL (stdin) as root through the socket
    MYSQL_PWD=$(cat "$dir/root.pw" 2>/dev/null) "$client" --no-defaults --protocol=socket \
        --socket="$dir/mysqld.sock" -uroot --batch --skip-column-names
}

start() {
    if ! find_tools; then
        echo "mariadb.sh: mariadbd, mariadb-install-db or the mariadb client is not installed" \
            "(scripts/setup-deps.sh installs them): skipped" >&2
        exit 77
    fi
    mkdir -p "$dir" || die "cannot create $dir"
    dir=$(cd "$dir" && pwd) || die "cannot enter $dir"
    if is_running; then
        die "a server is already running in $dir (pid $pid)"
    fi
    if [ $same_port -eq 1 ]; then
        if [ ! -d "$dir/data/mysql" ] || [ ! -f "$dir/port" ]; then
            die "--same-port: no previous start in $dir"
        fi
        prev_port=$(cat "$dir/port") || die "cannot read $dir/port"
    fi
    sock="$dir/mysqld.sock"
    # sun_path holds 108 bytes.
    [ ${#sock} -lt 100 ] || die "socket path too long: $sock"

    userarg=
    if [ "$(id -u)" -eq 0 ]; then userarg=--user=root; fi

    # Options shared by the bootstrap and the server: small and fast; durability is not needed here.
    common="--no-defaults --datadir=$dir/data --tmpdir=$dir/tmp --innodb-buffer-pool-size=64M
        --innodb-log-file-size=16M --innodb-log-buffer-size=4M --innodb-flush-log-at-trx-commit=2
        --innodb-doublewrite=0 --innodb-use-native-aio=0 --key-buffer-size=1M --aria-pagecache-buffer-size=8M
        --performance-schema=OFF --skip-log-bin --character-set-server=utf8mb4
        --collation-server=utf8mb4_unicode_ci --max-allowed-packet=64M $userarg"

    mkdir -p "$dir/tmp"
    if [ ! -d "$dir/data/mysql" ]; then
        # shellcheck disable=SC2086
        "$installdb" $common --auth-root-authentication-method=normal --skip-test-db \
            >"$dir/install-db.log" 2>&1 || {
            cat "$dir/install-db.log" >&2
            die "mariadb-install-db failed (log: $dir/install-db.log)"
        }
        fresh=1
    else
        fresh=0
    fi

    started=0
    for _ in 1 2 3 4 5 6 7 8; do
        if [ $same_port -eq 1 ]; then
            port=$prev_port
            # A stopped server's port may take a moment to be free again.
            if port_in_use "$port"; then
                sleep 1
                continue
            fi
        else
            port=$((20000 + $(random_number) % 40000))
            port_in_use "$port" && continue
        fi
        rm -f "$dir/mariadbd.pid"
        : >"$dir/mariadbd.err"
        # shellcheck disable=SC2086
        "$mysqld" $common --bind-address=127.0.0.1 --port="$port" --socket="$sock" \
            --pid-file="$dir/mariadbd.pid" --log-error="$dir/mariadbd.err" --skip-name-resolve \
            --max-connections=300 --innodb-lock-wait-timeout=10 </dev/null >/dev/null 2>&1 &
        spid=$!
        # Wait (<= 30 s) until it answers on the socket, or dies (a port race is retried with another port).
        deadline=$(($(date +%s) + 30))
        while [ "$(date +%s)" -lt $deadline ]; do
            if ! kill -0 "$spid" 2>/dev/null; then break; fi
            if [ -S "$sock" ] && echo "SELECT 1" | sql_root >/dev/null 2>&1; then
                started=1
                break
            fi
            sleep 0.1
        done
        [ $started -eq 1 ] && break
        if kill -0 "$spid" 2>/dev/null; then
            kill -TERM "$spid" 2>/dev/null
            sleep 1
            kill -KILL "$spid" 2>/dev/null
            cat "$dir/mariadbd.err" >&2
            die "mariadbd did not accept connections within 30 s"
        fi
        grep -qi "address already in use\|Do you already have another" "$dir/mariadbd.err" || {
            cat "$dir/mariadbd.err" >&2
            die "mariadbd exited during startup (log: $dir/mariadbd.err)"
        }
        [ $same_port -eq 1 ] && sleep 1
    done
    if [ $started -ne 1 ]; then
        [ $same_port -eq 1 ] && die "port $prev_port stayed in use; cannot start on it again"
        die "could not find a free port for mariadbd"
    fi
    echo "$port" >"$dir/port"

    if [ $fresh -eq 1 ]; then
        rootpw=$(random_hex 12)
        # The zkbio password contains '@' and ':' so the printed URI exercises percent-decoding.
        pw="zk@b:$(random_hex 8)"
        sql_root <<EOF || die "could not create the test database and user"
ALTER USER 'root'@'localhost' IDENTIFIED BY '$rootpw';
DELETE FROM mysql.global_priv WHERE User = '';
CREATE DATABASE IF NOT EXISTS zkbio_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'zkbio'@'localhost' IDENTIFIED BY '$pw';
CREATE USER 'zkbio'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL ON zkbio_test.* TO 'zkbio'@'localhost';
GRANT ALL ON zkbio_test.* TO 'zkbio'@'127.0.0.1';
GRANT SHUTDOWN ON *.* TO 'zkbio'@'localhost';
GRANT SHUTDOWN ON *.* TO 'zkbio'@'127.0.0.1';
FLUSH PRIVILEGES;
EOF
        (umask 077 && echo "$rootpw" >"$dir/root.pw" && echo "$pw" >"$dir/zkbio.pw") ||
            die "cannot write the password files"
    fi
    pw=$(cat "$dir/zkbio.pw") || die "missing $dir/zkbio.pw"
    enc=$(printf '%s' "$pw" | sed -e 's/%/%25/g' -e 's/@/%40/g' -e 's/:/%3A/g' -e 's,/,%2F,g' -e 's/?/%3F/g')
    echo "mariadb://zkbio:$enc@127.0.0.1:$port/zkbio_test"
}

stop() {
    [ -d "$dir" ] || exit 0
    is_running || exit 0
    kill -TERM "$pid" 2>/dev/null
    deadline=$(($(date +%s) + 30))
    while [ "$(date +%s)" -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "mariadb.sh: mariadbd (pid $pid) ignored SIGTERM for 30 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    exit 0
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
