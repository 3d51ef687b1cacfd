#!/usr/bin/env bash
# Fulcrum vs HAProxy vs NGINX stream vs a direct connection, on one Linux machine, over loopback, in one run.
#
#   bench/compare.sh            full run (every case 3 times, 6 s each): about 20 minutes on 2 cores, plus up to
#                               10 minutes waiting for an idle machine
#   bench/compare.sh --quick    smoke run for CI: one short run per case, few configurations (about 2 minutes)
#   bench/compare.sh --help     every option
#
# Writes bench/results/latest.md (the table), bench/results/latest.csv (every run's raw numbers), a dated copy of
# both, and bench/results/logs/ (configurations and logs of the last run). Prints the table on stdout.
#
# Load generators (Debian packages): iperf3 (bulk TCP), wrk (HTTP against an nginx backend, through the proxy),
# and bench/loadgen.c (UDP request/reply datagrams, idle connections), compiled at start.
# Every process this script starts is tracked by PID and stopped on exit; nothing else is touched.
set -euo pipefail

readonly BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly REPO_DIR=$(dirname "$BENCH_DIR")

runs=""
duration=""
idle_conns=""
idle_threshold=80      # percent of all CPUs idle before a run starts
idle_wait_max=20       # seconds to wait for that, then run anyway (the idle share is recorded)
idle_wait_budget=600   # seconds of such waiting over the whole script: a machine that stays busy is not waited for
overall_timeout=3600   # seconds; past it no new run starts and the table shows what was measured
quick=0
build=1
install=1
fulcrum_bin=""
only_configs=""
only_cases=""
results_dir="$BENCH_DIR/results"
port_base=25100

usage() {
    cat <<EOF
usage: bench/compare.sh [options]
  --quick              one short run per case (2 s), configurations direct, fulcrum-tN, haproxy-splice-tN, nginx-wN,
                       500 idle connections; checks the script works, numbers are not meant to be read
  --runs N             runs per case and configuration (default 3, at least 2 outside --quick)
  --duration S         seconds per run (default 6)
  --idle-conns N       idle connections held through each proxy (default 5000)
  --idle-threshold P   wait until P % of the CPUs are idle before each run (default $idle_threshold)
  --idle-wait S        but wait at most S seconds (default $idle_wait_max)
  --idle-budget S      and at most S seconds over the whole run (default $idle_wait_budget)
  --timeout S          overall time budget in seconds (default $overall_timeout)
  --configs LIST       comma-separated subset of: direct,fulcrum-tN,fulcrum-t1,haproxy-splice-tN,haproxy-splice-t1,
                       haproxy-nosplice-tN,haproxy-nosplice-t1,nginx-wN,nginx-w1
  --cases LIST         comma-separated subset of: idle,bulk1,bulk4,http-ka,http-close,http-1m,udp
  --fulcrum PATH       use this fulcrum binary (implies --no-build)
  --no-build           do not run swift build (use .build-release/release/fulcrum as it is)
  --no-install         never run apt-get; fail if a tool is missing
  --out DIR            results directory (default bench/results)
  --port-base P        first of the loopback ports used (default $port_base; uses P..P+200)
EOF
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1 ;;
        --runs) runs=$2; shift ;;
        --duration) duration=$2; shift ;;
        --idle-conns) idle_conns=$2; shift ;;
        --idle-threshold) idle_threshold=$2; shift ;;
        --idle-wait) idle_wait_max=$2; shift ;;
        --idle-budget) idle_wait_budget=$2; shift ;;
        --timeout) overall_timeout=$2; shift ;;
        --configs) only_configs=$2; shift ;;
        --cases) only_cases=$2; shift ;;
        --fulcrum) fulcrum_bin=$2; build=0; shift ;;
        --no-build) build=0 ;;
        --no-install) install=0 ;;
        --out) results_dir=$2; shift ;;
        --port-base) port_base=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

if [[ $quick == 1 ]]; then
    runs=${runs:-1}
    duration=${duration:-2}
    idle_conns=${idle_conns:-500}
    idle_wait_max=0
    [[ -z $only_configs ]] && only_configs="direct,fulcrum-tN,haproxy-splice-tN,nginx-wN"
fi
runs=${runs:-3}
duration=${duration:-6}
idle_conns=${idle_conns:-5000}
if [[ $quick == 0 && $runs -lt 2 ]]; then
    echo "compare.sh: --runs must be at least 2 (medians need it); use --quick for a smoke run" >&2
    exit 2
fi

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

readonly ncpu=$(nproc)
readonly start_epoch=$(date +%s)
readonly loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
readonly deadline=$((start_epoch + overall_timeout))

# Loopback ports: backends, then the proxy front ends (the same for every proxy; one proxy runs at a time).
readonly port_iperf_backend=$((port_base + 1))
readonly port_http_backend=$((port_base + 2))
readonly port_udp_backend=$((port_base + 3))
readonly port_iperf_front=$((port_base + 11))
readonly port_http_front=$((port_base + 12))
readonly port_udp_front=$((port_base + 13))

# ---------------------------------------------------------------------------------------------------------------
# Processes: every PID this script starts goes into started_pids and is stopped on exit, newest first.

started_pids=()
work=""

stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$? i
    trap - EXIT INT TERM
    for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
        stop_pid "${started_pids[i]}"
    done
    if [[ -n $work && -d $work ]]; then
        if [[ -d $results_dir ]]; then
            rm -rf "$results_dir/logs"
            mkdir -p "$results_dir/logs"
            cp "$work"/*.log "$work"/*.conf "$work"/*.cfg "$work"/*.yaml "$results_dir/logs/" 2>/dev/null || true
        fi
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg LOGFILE COMMAND...: runs COMMAND in the background, tracked; sets $last_pid.
start_bg() {
    local logfile=$1
    shift
    # Truncate here, not in the child: a reader right after start_bg must not see the previous run's output.
    : >"$logfile"
    "$@" >>"$logfile" 2>&1 &
    last_pid=$!
    started_pids+=("$last_pid")
}

forget_pid() {
    local pid=$1 i
    for i in "${!started_pids[@]}"; do
        [[ ${started_pids[i]} == "$pid" ]] && unset 'started_pids[i]'
    done
    started_pids=("${started_pids[@]}")
}

# The children of a PID (nginx workers), from /proc, without pgrep's name matching.
children_of() {
    local parent=$1 stat
    for stat in /proc/[0-9]*/stat; do
        local line
        line=$(cat "$stat" 2>/dev/null) || continue
        line=${line##*) }
        set -- $line
        [[ ${2:-} == "$parent" ]] && { local p=${stat#/proc/}; echo "${p%/stat}"; }
    done
    return 0
}

wait_port() { # wait_port tcp|udp PORT SECONDS
    local proto=$1 port=$2 limit=$3 i
    for ((i = 0; i < limit * 10; i++)); do
        if [[ $proto == tcp ]]; then
            [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]] && return 0
        else
            [[ -n $(ss -Hlun "sport = :$port" 2>/dev/null) ]] && return 0
        fi
        sleep 0.1
    done
    return 1
}

port_in_use() {
    [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) || -n $(ss -Hlun "sport = :$1" 2>/dev/null) ]]
}

# ---------------------------------------------------------------------------------------------------------------
# Tools

need_install=()
for tool in haproxy nginx iperf3 wrk cc python3 ss timeout; do
    command -v "$tool" >/dev/null 2>&1 || need_install+=("$tool")
done
stream_module=""
find_stream_module() {
    local candidate
    for candidate in /usr/lib/nginx/modules/ngx_stream_module.so /usr/lib64/nginx/modules/ngx_stream_module.so \
        /usr/share/nginx/modules/ngx_stream_module.so; do
        [[ -f $candidate ]] && { stream_module=$candidate; return 0; }
    done
    return 1
}
find_stream_module || need_install+=("libnginx-mod-stream")

if [[ ${#need_install[@]} -gt 0 ]]; then
    log "missing: ${need_install[*]}"
    [[ $install == 1 ]] || die "missing tools and --no-install given"
    [[ $(id -u) == 0 ]] ||
        die "missing tools; run as root (apt-get) or install: haproxy nginx libnginx-mod-stream iperf3 wrk gcc"
    command -v apt-get >/dev/null || die "missing tools and no apt-get on this machine"
    # Keep apt from starting the distribution's haproxy and nginx services: we start our own on loopback.
    policy_added=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_added=1
    fi
    set +e
    apt-get update -q >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            haproxy nginx libnginx-mod-stream iperf3 wrk gcc libc6-dev python3 iproute2 coreutils >&2
    apt_status=$?
    set -e
    [[ $policy_added == 1 ]] && rm -f /usr/sbin/policy-rc.d
    [[ $apt_status == 0 ]] || die "apt-get install failed"
    find_stream_module || die "ngx_stream_module.so not found after installing libnginx-mod-stream"
fi

# More descriptors: 5,000 idle connections are 10,000 sockets in a proxy. Children inherit the limit.
hard_nofile=$(ulimit -Hn)
[[ $hard_nofile == unlimited ]] && hard_nofile=1048576
ulimit -n "$hard_nofile"
if ((hard_nofile < 2 * idle_conns + 1000)); then
    idle_conns=$(((hard_nofile - 1000) / 2))
    log "open-file hard limit is $hard_nofile: holding $idle_conns idle connections instead"
fi
# HAProxy reserves 2 descriptors per connection plus pipes for splicing (maxconn / 4 pairs): 2.5 per connection.
readonly haproxy_maxconn=$(((hard_nofile - 500) * 2 / 5))

for port in $port_iperf_backend $port_http_backend $port_udp_backend $port_iperf_front $port_http_front \
    $port_udp_front; do
    port_in_use "$port" && die "port $port is in use on this machine; pick another --port-base"
done

mkdir -p "$results_dir"
work=$(mktemp -d /tmp/fulcrum-bench.XXXXXX)
# nginx workers drop to an unprivileged user when started as root: they must be able to read the files.
chmod 755 "$work"

# ---------------------------------------------------------------------------------------------------------------
# What to run

all_configs=(direct fulcrum-tN fulcrum-t1 haproxy-splice-tN haproxy-splice-t1 haproxy-nosplice-tN
    haproxy-nosplice-t1 nginx-wN nginx-w1)
all_cases=(idle bulk1 bulk4 http-ka http-close http-1m udp)

configs=()
for config in "${all_configs[@]}"; do
    [[ -n $only_configs && ",$only_configs," != *",$config,"* ]] && continue
    # On one CPU, N = 1: the t1/w1 configurations would repeat the tN/wN ones.
    [[ $ncpu == 1 && $config == *-t1 || $ncpu == 1 && $config == *-w1 ]] && continue
    configs+=("$config")
done
cases=()
for case_name in "${all_cases[@]}"; do
    [[ -n $only_cases && ",$only_cases," != *",$case_name,"* ]] && continue
    cases+=("$case_name")
done
[[ ${#configs[@]} -gt 0 && ${#cases[@]} -gt 0 ]] || die "nothing to run (check --configs and --cases)"

# ---------------------------------------------------------------------------------------------------------------
# Fulcrum

uses_fulcrum=0
[[ " ${configs[*]} " == *" fulcrum-"* ]] && uses_fulcrum=1
fulcrum_threads_flag=1
fulcrum_udp=0
fulcrum_udp_note=""
fulcrum_source="binary given with --fulcrum"
if [[ $uses_fulcrum == 1 && -z $fulcrum_bin ]]; then
    fulcrum_bin="$REPO_DIR/.build-release/release/fulcrum"
    fulcrum_source="as built earlier (--no-build); HEAD is now $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null)"
    if [[ $build == 1 ]]; then
        # The commit the binary is built from, taken now: others may commit while the benchmark runs.
        fulcrum_source="built from commit $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
        [[ -n $(git -C "$REPO_DIR" status --porcelain -- Sources Package.swift 2>/dev/null) ]] &&
            fulcrum_source+=" with uncommitted changes"
        log "building fulcrum (swift build -c release --scratch-path $REPO_DIR/.build-release)"
        (cd "$REPO_DIR" && swift build -c release --scratch-path "$REPO_DIR/.build-release" --product fulcrum) \
            >"$work/swift-build.log" 2>&1 || { tail -30 "$work/swift-build.log" >&2; die "swift build failed"; }
    fi
fi
if [[ $uses_fulcrum == 1 ]]; then
    [[ -x $fulcrum_bin ]] || die "no fulcrum binary at $fulcrum_bin"
    if ! "$fulcrum_bin" run --help 2>&1 | grep -q -- '--threads'; then
        fulcrum_threads_flag=0
        log "fulcrum run has no --threads: fulcrum-t1 is skipped"
        for i in "${!configs[@]}"; do [[ ${configs[i]} == fulcrum-t1 ]] && unset 'configs[i]'; done
        configs=("${configs[@]}")
    fi

    # Fulcrum UDP is being built: measure it only once `validate` accepts a udp service.
    cat >"$work/fulcrum-udp-probe.yaml" <<EOF
services:
  udp_probe:
    protocol: udp
    listen: "127.0.0.1:$port_udp_front"
    backends:
      - address: "127.0.0.1:$port_udp_backend"
EOF
    if udp_validate=$("$fulcrum_bin" validate --config "$work/fulcrum-udp-probe.yaml" 2>&1); then
        fulcrum_udp=1
        fulcrum_udp_note=""
    else
        fulcrum_udp_note=$(echo "$udp_validate" | head -1 | sed "s|$work/||")
        log "fulcrum refuses a udp service, the Fulcrum UDP row is skipped: $fulcrum_udp_note"
    fi
fi

# ---------------------------------------------------------------------------------------------------------------
# Backends: iperf3 server, nginx serving 1 KiB and 1 MiB files, UDP echo. They live for the whole script.

log "compiling bench/loadgen.c"
cc -O2 -o "$work/loadgen" "$BENCH_DIR/loadgen.c" || die "cannot compile bench/loadgen.c"

mkdir -p "$work/www" "$work/nginx-temp"
head -c 1024 /dev/zero | tr '\0' 'a' >"$work/www/1k"
head -c 1048576 /dev/zero | tr '\0' 'b' >"$work/www/1m"
chmod -R a+rX "$work/www"

nginx_user_line=""
[[ $(id -u) == 0 ]] && nginx_user_line="user nobody nogroup;"
getent group nogroup >/dev/null 2>&1 || nginx_user_line="${nginx_user_line/nogroup/nobody}"

nginx_common() { # nginx_common NAME WORKERS
    cat <<EOF
$nginx_user_line
worker_processes $2;
worker_rlimit_nofile $hard_nofile;
daemon off;
master_process on;
pid $work/$1.pid;
error_log $work/$1-error.log warn;
EOF
}

{
    nginx_common backend-nginx "$ncpu"
    cat <<EOF
events { worker_connections $hard_nofile; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_header_timeout 300s;
    default_type application/octet-stream;
    client_body_temp_path $work/nginx-temp/body;
    proxy_temp_path $work/nginx-temp/proxy;
    fastcgi_temp_path $work/nginx-temp/fastcgi;
    uwsgi_temp_path $work/nginx-temp/uwsgi;
    scgi_temp_path $work/nginx-temp/scgi;
    server {
        listen 127.0.0.1:$port_http_backend backlog=4096;
        root $work/www;
    }
}
EOF
} >"$work/backend-nginx.conf"

log "starting backends (iperf3 :$port_iperf_backend, nginx :$port_http_backend, udp echo :$port_udp_backend)"
start_bg "$work/backend-iperf3.log" iperf3 -s -B 127.0.0.1 -p "$port_iperf_backend"
iperf_server_pid=$last_pid
start_bg "$work/backend-nginx.log" nginx -e "$work/backend-nginx-error.log" -p "$work" -c "$work/backend-nginx.conf"
backend_nginx_pid=$last_pid
start_bg "$work/backend-udp-echo.log" "$work/loadgen" udp-echo "$port_udp_backend" "$((overall_timeout + 600))"
wait_port tcp "$port_iperf_backend" 10 || die "iperf3 server did not start (see $work/backend-iperf3.log)"
wait_port tcp "$port_http_backend" 10 || die "backend nginx did not start: $(cat "$work"/backend-nginx*.log)"
wait_port udp "$port_udp_backend" 10 || die "udp echo backend did not start"
for pid in $(children_of "$backend_nginx_pid"); do started_pids+=("$pid"); done

restart_iperf_server() {
    forget_pid "$iperf_server_pid"
    stop_pid "$iperf_server_pid"
    start_bg "$work/backend-iperf3.log" iperf3 -s -B 127.0.0.1 -p "$port_iperf_backend"
    iperf_server_pid=$last_pid
    wait_port tcp "$port_iperf_backend" 10 || die "iperf3 server did not restart"
}

# ---------------------------------------------------------------------------------------------------------------
# Proxies. start_proxy CONFIG sets proxy_pids (the processes whose CPU and memory are counted) and the front ports.

threads_of() { # fulcrum-t1 -> 1, haproxy-splice-tN -> nproc
    case "$1" in
        *-t1 | *-w1) echo 1 ;;
        *) echo "$ncpu" ;;
    esac
}

proxy_pids=()
proxy_main_pid=""

start_proxy() {
    local config=$1 threads
    threads=$(threads_of "$config")
    proxy_pids=()
    proxy_main_pid=""
    case "$config" in
        direct)
            iperf_target=$port_iperf_backend
            http_target=$port_http_backend
            udp_target=$port_udp_backend
            return 0
            ;;
        fulcrum-*)
            {
                echo "shutdown_grace: 1s"
                echo "services:"
                echo "  iperf:"
                echo "    listen: \"127.0.0.1:$port_iperf_front\""
                echo "    backends:"
                echo "      - address: \"127.0.0.1:$port_iperf_backend\""
                echo "  http:"
                echo "    listen: \"127.0.0.1:$port_http_front\""
                echo "    backends:"
                echo "      - address: \"127.0.0.1:$port_http_backend\""
                if [[ $fulcrum_udp == 1 ]]; then
                    echo "  udp:"
                    echo "    protocol: udp"
                    echo "    listen: \"127.0.0.1:$port_udp_front\""
                    echo "    backends:"
                    echo "      - address: \"127.0.0.1:$port_udp_backend\""
                fi
            } >"$work/$config.yaml"
            "$fulcrum_bin" validate --config "$work/$config.yaml" >"$work/$config-validate.log" 2>&1 ||
                die "fulcrum validate refused $work/$config.yaml: $(cat "$work/$config-validate.log")"
            local thread_args=()
            [[ $fulcrum_threads_flag == 1 ]] && thread_args=(--threads "$threads")
            start_bg "$work/$config.log" "$fulcrum_bin" run --config "$work/$config.yaml" --log-format json \
                --log-level warning "${thread_args[@]}"
            ;;
        haproxy-*)
            local splice=""
            [[ $config == haproxy-splice-* ]] && splice=$'    option splice-request\n    option splice-response'
            cat >"$work/$config.cfg" <<EOF
global
    nbthread $threads
    maxconn $haproxy_maxconn
defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s
$splice
listen iperf
    bind 127.0.0.1:$port_iperf_front
    server b1 127.0.0.1:$port_iperf_backend
listen http
    bind 127.0.0.1:$port_http_front
    server b1 127.0.0.1:$port_http_backend
EOF
            haproxy -c -q -f "$work/$config.cfg" >"$work/$config-check.log" 2>&1 ||
                die "haproxy -c refused $work/$config.cfg: $(cat "$work/$config-check.log")"
            start_bg "$work/$config.log" haproxy -db -f "$work/$config.cfg"
            ;;
        nginx-*)
            {
                nginx_common "$config" "$threads"
                cat <<EOF
load_module $stream_module;
events { worker_connections $hard_nofile; }
stream {
    server {
        listen 127.0.0.1:$port_iperf_front backlog=4096;
        proxy_pass 127.0.0.1:$port_iperf_backend;
        proxy_timeout 300s;
    }
    server {
        listen 127.0.0.1:$port_http_front backlog=4096;
        proxy_pass 127.0.0.1:$port_http_backend;
        proxy_timeout 300s;
    }
    server {
        listen 127.0.0.1:$port_udp_front udp reuseport;
        proxy_pass 127.0.0.1:$port_udp_backend;
        proxy_timeout 10s;
    }
}
EOF
            } >"$work/$config.conf"
            start_bg "$work/$config.log" nginx -e "$work/$config-error.log" -p "$work" -c "$work/$config.conf"
            ;;
        *) die "unknown configuration $config" ;;
    esac
    proxy_main_pid=$last_pid
    iperf_target=$port_iperf_front
    http_target=$port_http_front
    udp_target=$port_udp_front
    if ! wait_port tcp "$port_http_front" 15 || ! wait_port tcp "$port_iperf_front" 5; then
        log "$config did not start listening; its log:"
        tail -20 "$work/$config.log" >&2
        return 1
    fi
    proxy_pids=("$proxy_main_pid")
    if [[ $config == nginx-* ]]; then
        local pid
        sleep 0.3
        for pid in $(children_of "$proxy_main_pid"); do
            proxy_pids+=("$pid")
            started_pids+=("$pid")
        done
    fi
    return 0
}

stop_proxy() {
    [[ -z $proxy_main_pid ]] && return 0
    local pid
    for pid in "${proxy_pids[@]}"; do
        [[ $pid == "$proxy_main_pid" ]] && continue
        forget_pid "$pid"
    done
    forget_pid "$proxy_main_pid"
    stop_pid "$proxy_main_pid"
    for pid in "${proxy_pids[@]}"; do stop_pid "$pid"; done
    proxy_pids=()
    proxy_main_pid=""
}

proxy_alive() {
    [[ -z $proxy_main_pid ]] || kill -0 "$proxy_main_pid" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------------------------
# Measurements

readonly clock_ticks=$(getconf CLK_TCK)

proxy_cpu_ticks() { # utime + stime of every counted process (all threads), in clock ticks
    local total=0 pid line
    for pid in "${proxy_pids[@]}"; do
        line=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        line=${line##*) }
        set -- $line
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}

proxy_rss_kib() {
    local total=0 pid value
    for pid in "${proxy_pids[@]}"; do
        value=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

cpu_sample() { # "busy total" jiffies of the whole machine
    awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total }' /proc/stat
}

idle_percent_over() { # idle_percent_over SECONDS
    local b0 t0 b1 t1
    read -r b0 t0 < <(cpu_sample)
    sleep "$1"
    read -r b1 t1 < <(cpu_sample)
    echo $(((100 * ((t1 - t0) - (b1 - b0))) / ((t1 - t0) > 0 ? (t1 - t0) : 1)))
}

# Waits (bounded per run and in total) until the machine is idle; sets idle_before to the last measured idle share.
idle_waited_total=0
wait_for_idle() {
    local waited=0
    while :; do
        idle_before=$(idle_percent_over 1)
        ((idle_before >= idle_threshold || waited >= idle_wait_max || idle_waited_total >= idle_wait_budget)) && break
        waited=$((waited + 1))
        idle_waited_total=$((idle_waited_total + 1))
    done
}

csv="$work/runs.csv"
echo "run,config,case,metric,value" >"$csv"
record() { echo "$current_run,$current_config,$current_case,$1,$2" >>"$csv"; }

# Run one load generator in the background, sampling proxy memory halfway, and account proxy CPU and machine load.
# measured COMMAND... ; output in $work/out.txt
measured() {
    local c0 c1 b0 t0 b1 t1 rss_mid=0 gen_pid
    c0=$(proxy_cpu_ticks)
    read -r b0 t0 < <(cpu_sample)
    start_bg "$work/out.txt" timeout -k 5 "$((duration + 30))" "$@"
    gen_pid=$last_pid
    sleep "$(awk -v d="$duration" 'BEGIN { print d / 2 }')"
    rss_mid=$(proxy_rss_kib)
    local status=0
    wait "$gen_pid" || status=$?
    forget_pid "$gen_pid"
    c1=$(proxy_cpu_ticks)
    read -r b1 t1 < <(cpu_sample)
    # Keep what the load generators said (iperf3's long JSON only when it failed).
    if [[ $1 != iperf3 || $status != 0 ]]; then
        { echo "== run $current_run $current_config $current_case (exit $status)"; cat "$work/out.txt"; } \
            >>"$work/loadgen.log"
    fi
    if [[ ${#proxy_pids[@]} -gt 0 ]]; then
        record proxy_cpu_s "$(awk -v t="$((c1 - c0))" -v hz="$clock_ticks" 'BEGIN { printf "%.3f", t / hz }')"
        record proxy_rss_kib "$rss_mid"
    fi
    record machine_busy_pct $(((100 * (b1 - b0)) / ((t1 - t0) > 0 ? (t1 - t0) : 1)))
    record idle_before_pct "$idle_before"
    return "$status"
}

run_bulk() { # run_bulk STREAMS
    local status=0
    measured iperf3 -c 127.0.0.1 -p "$iperf_target" -t "$duration" -P "$1" -J || status=$?
    local parsed
    parsed=$(python3 - "$work/out.txt" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as error:
    print(f"error=iperf3-output-unreadable"); sys.exit()
if doc.get("error"):
    print("error=" + doc["error"].replace(",", ";").replace(" ", "_")); sys.exit()
received = doc["end"]["sum_received"]
print(f"gbps={received['bits_per_second'] / 1e9:.3f}")
print(f"bytes={int(received['bytes'])}")
print(f"retransmits={doc['end'].get('sum_sent', {}).get('retransmits', 0)}")
EOF
)
    local key value
    while IFS== read -r key value; do
        [[ -n $key ]] && record "$key" "$value"
    done <<<"$parsed"
    if [[ $status != 0 || $parsed == error=* ]]; then
        log "  bulk$1 failed (exit $status): $(head -c 300 "$work/out.txt" | tr '\n' ' ')"
        restart_iperf_server
        return 1
    fi
}

run_wrk() { # run_wrk KIND PATH CONNECTIONS [HEADER]
    local kind=$1 path=$2 connections=$3 header=${4:-} status=0
    local args=(wrk -t "$ncpu" -c "$connections" -d "${duration}s" --timeout 3s --latency
        -s "$BENCH_DIR/wrk-report.lua")
    [[ -n $header ]] && args+=(-H "$header")
    measured "${args[@]}" "http://127.0.0.1:$http_target/$path" || status=$?
    local line
    line=$(grep '^WRK ' "$work/out.txt" || true)
    if [[ -z $line ]]; then
        record error wrk-no-summary
        log "  $kind failed (exit $status): $(head -c 300 "$work/out.txt" | tr '\n' ' ')"
        return 1
    fi
    local requests bytes duration_us p50 p99 errors=0 field
    for field in ${line#WRK }; do
        case "$field" in
            requests=*) requests=${field#*=} ;;
            bytes=*) bytes=${field#*=} ;;
            duration_us=*) duration_us=${field#*=} ;;
            p50_us=*) p50=${field#*=} ;;
            p99_us=*) p99=${field#*=} ;;
            *=*) errors=$((errors + ${field#*=})) ;;
        esac
    done
    record requests "$requests"
    record bytes "$bytes"
    record errors "$errors"
    local seconds
    seconds=$(awk -v d="$duration_us" 'BEGIN { printf "%.6f", d / 1e6 }')
    case "$kind" in
        http-ka)
            record rps "$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }')"
            record p50_ms "$(awk -v v="$p50" 'BEGIN { printf "%.3f", v / 1000 }')"
            record p99_ms "$(awk -v v="$p99" 'BEGIN { printf "%.3f", v / 1000 }')"
            ;;
        http-close)
            record cps "$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }')"
            ;;
        http-1m)
            record gbps "$(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.3f", b * 8 / s / 1e9 }')"
            ;;
    esac
    if ((errors > 0)); then
        log "  $kind: $errors socket errors or non-2xx responses ($line)"
    fi
    ((requests > 0)) || return 1
}

run_udp() {
    local status=0
    measured "$work/loadgen" udp-load "$udp_target" "$duration" 4 32 64 || status=$?
    local line field
    line=$(grep '^sent=' "$work/out.txt" || true)
    if [[ -z $line ]]; then
        record error udp-no-summary
        log "  udp failed (exit $status): $(head -c 300 "$work/out.txt" | tr '\n' ' ')"
        return 1
    fi
    for field in $line; do
        case "$field" in
            rate=*) record dps "${field#*=}" ;;
            sent=* | received=* | lost=*) record "${field%%=*}" "${field#*=}" ;;
        esac
    done
}

run_idle() {
    local rss0 rss1 held=0 i established
    sleep 0.5
    rss0=$(proxy_rss_kib)
    start_bg "$work/hold.log" timeout -k 5 120 "$work/loadgen" hold "$http_target" "$idle_conns" 90
    local hold_pid=$last_pid
    for ((i = 0; i < 600; i++)); do
        grep -q '^held' "$work/hold.log" 2>/dev/null && break
        kill -0 "$hold_pid" 2>/dev/null || break
        sleep 0.1
    done
    held=$(awk '/^held/ { print $2 }' "$work/hold.log" 2>/dev/null)
    held=${held:-0}
    sleep 2
    rss1=$(proxy_rss_kib)
    established=$(ss -Htn state established "( sport = :$port_http_backend )" 2>/dev/null | wc -l)
    forget_pid "$hold_pid"
    stop_pid "$hold_pid"
    { echo "== run $current_run $current_config idle"; cat "$work/hold.log"; } >>"$work/loadgen.log"
    record held "$held"
    record backend_established "$established"
    record rss_before_kib "$rss0"
    record rss_held_kib "$rss1"
    record idle_before_pct "$idle_before"
    if ((held < idle_conns)); then
        log "  idle: only $held of $idle_conns connections opened: $(grep -v '^held' "$work/hold.log" | head -3)"
        return 1
    fi
    record bytes_per_conn "$(((rss1 - rss0) * 1024 / held))"
    # Let the proxy close the 2 x N sockets before the next case.
    sleep 2
}

run_case() {
    case "$current_case" in
        idle) run_idle ;;
        bulk1) run_bulk 1 ;;
        bulk4) run_bulk 4 ;;
        http-ka) run_wrk http-ka 1k 64 ;;
        http-close) run_wrk http-close 1k 32 "Connection: close" ;;
        http-1m) run_wrk http-1m 1m 8 ;;
        udp) run_udp ;;
    esac
}

applies() { # applies CONFIG CASE
    case "$1:$2" in
        direct:idle) return 1 ;;
        haproxy-*:udp) return 1 ;;
        fulcrum-*:udp) [[ $fulcrum_udp == 1 ]] ;;
        *) return 0 ;;
    esac
}

# ---------------------------------------------------------------------------------------------------------------
# The run: rounds outermost, so every configuration sees the same drift of a shared machine.

log "configurations: ${configs[*]}; cases: ${cases[*]}; runs: $runs x ${duration}s; nproc $ncpu"
timed_out=0
failures=0
for ((current_run = 1; current_run <= runs; current_run++)); do
    for current_config in "${configs[@]}"; do
        if (($(date +%s) >= deadline)); then timed_out=1; break 2; fi
        if ! start_proxy "$current_config"; then
            current_case=start
            record error proxy-did-not-start
            failures=$((failures + 1))
            stop_proxy
            continue
        fi
        for current_case in "${cases[@]}"; do
            applies "$current_config" "$current_case" || continue
            if (($(date +%s) >= deadline)); then timed_out=1; break 3; fi
            wait_for_idle
            log "run $current_run/$runs $current_config $current_case (idle ${idle_before}%)"
            if ! run_case; then
                failures=$((failures + 1))
                record failed 1
            fi
            if ! proxy_alive; then
                log "  $current_config exited during $current_case; its log:"
                tail -20 "$work/$current_config.log" >&2
                record error proxy-exited
                failures=$((failures + 1))
                break
            fi
        done
        stop_proxy
    done
done
((timed_out == 1)) && log "overall timeout (${overall_timeout}s) reached: the table shows the runs made so far"

elapsed=$(($(date +%s) - start_epoch))

# ---------------------------------------------------------------------------------------------------------------
# Report

version_of() { "$@" 2>&1 | head -1 | tr -d '\r' || true; }
{
    echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "nproc=$ncpu"
    echo "kernel=$(uname -r)"
    echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "haproxy=$(version_of haproxy -v)"
    echo "nginx=$(version_of nginx -v)"
    echo "iperf3=$(version_of iperf3 --version)"
    echo "wrk=$(version_of wrk --version)"
    echo "swift=$(version_of swift --version)"
    [[ $uses_fulcrum == 1 ]] && echo "fulcrum=$(version_of "$fulcrum_bin" --version) ($fulcrum_source)"
    echo "runs=$runs"
    echo "duration=$duration"
    echo "idle_conns=$idle_conns"
    echo "quick=$quick"
    echo "elapsed=$elapsed"
    echo "loadavg=$loadavg_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo "failures=$failures"
    echo "timed_out=$timed_out"
    echo "fulcrum_udp=$fulcrum_udp"
    echo "fulcrum_udp_note=$fulcrum_udp_note"
    echo "configs=${configs[*]}"
} >"$work/meta.txt"

cp "$csv" "$results_dir/latest.csv"
python3 "$BENCH_DIR/report.py" "$csv" "$work/meta.txt" >"$results_dir/latest.md"
# Keep every run's table and numbers too, so a later run does not erase an earlier one.
stamp=$(date +%Y%m%d-%H%M%S)$([[ $quick == 1 ]] && echo -quick)
cp "$results_dir/latest.csv" "$results_dir/$stamp.csv"
cp "$results_dir/latest.md" "$results_dir/$stamp.md"
cat "$results_dir/latest.md"
log "wrote $results_dir/latest.md and $results_dir/latest.csv in ${elapsed}s ($failures failed runs)"
((timed_out == 0)) || exit 3
