# shellcheck shell=sh
# Test support for shell tests: start zkbiod with port 0 listeners and read the bound ports back from
# --port-file (format: daemon/server/port_file.h). Source this file, then:
#   zkbiod_launch DIR LOG ZKBIOD [ARGS...]
# starts ZKBIOD ARGS... --port-file DIR/zkbiod.ports in the background (stdout and stderr to LOG), waits up
# to 20 s for the port file and sets ZKBIOD_PID, LISTEN_PORTS and SERVICE_PORTS (space-separated ports in
# listener order). Returns 1, with a message on stderr, when zkbiod exits or writes no port file in time.
zkbiod_launch() {
    _zl_dir=$1 _zl_log=$2
    shift 2
    rm -f "$_zl_dir/zkbiod.ports"
    "$@" --port-file "$_zl_dir/zkbiod.ports" >>"$_zl_log" 2>&1 &
    ZKBIOD_PID=$!
    _zl_i=0
    while [ ! -f "$_zl_dir/zkbiod.ports" ]; do
        if ! kill -0 "$ZKBIOD_PID" 2>/dev/null; then
            echo "zkbiod-launch: $1 exited before listening; its log:" >&2
            cat "$_zl_log" >&2
            ZKBIOD_PID=
            return 1
        fi
        _zl_i=$((_zl_i + 1))
        if [ $_zl_i -gt 400 ]; then
            echo "zkbiod-launch: $1 wrote no port file in 20 s" >&2
            kill -9 "$ZKBIOD_PID" 2>/dev/null
            ZKBIOD_PID=
            return 1
        fi
        sleep 0.05
    done
    # (tr: zkbiod.exe writes the file with CRLF line ends, tests/windows/smoke.sh)
    LISTEN_PORTS=$(tr -d '\r' <"$_zl_dir/zkbiod.ports" | awk '$1 == "listen" { printf "%s%s", sep, $2; sep = " " }')
    SERVICE_PORTS=$(tr -d '\r' <"$_zl_dir/zkbiod.ports" | awk '$1 == "service" { printf "%s%s", sep, $2; sep = " " }')
    return 0
}
