#!/usr/bin/env bash
# Fuzzes Fulcrum's parsers with libFuzzer and AddressSanitizer for SECONDS (default 60) each.
#   Fuzz/run.sh [seconds] [proxy|dns|all]
#     proxy  the PROXY protocol parser (ProxyHeaderFuzzer), the default
#     dns    the DNS message codec, answer interpretation and resolv.conf reader (DNSMessageFuzzer)
#     all    each of them in turn, SECONDS each
# Not part of CI. Each corpus grows in $FUZZ_BUILD_PATH (default Fuzz/.build: corpus/ for proxy, corpus-dns/ for
# dns) and is reused by later runs; the DNS seeds committed in Fuzz/corpus/dns are read but never written. A failing
# input is saved in $FUZZ_BUILD_PATH/artifacts/ and reproduced with
#   "$(swift build --package-path Fuzz --show-bin-path)/ProxyHeaderFuzzer" <file>    (or DNSMessageFuzzer)
set -euo pipefail

seconds="${1:-60}"
target="${2:-proxy}"
here="$(cd "$(dirname "$0")" && pwd)"
build="${FUZZ_BUILD_PATH:-$here/.build}"
# Coverage is asked for explicitly: with -sanitize=fuzzer alone, Swift 6.3's batch compile jobs emit no
# SanitizerCoverage, so libFuzzer saw no coverage ("Is the code instrumented for coverage?") and mutated blindly.
flags=(--package-path "$here" --scratch-path "$build" -c debug --sanitize fuzzer --sanitize address
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table)
artifacts="$build/artifacts"
mkdir -p "$artifacts"

case "$target" in
proxy | dns) targets=("$target") ;;
all) targets=(proxy dns) ;;
*)
    echo "usage: $0 [seconds] [proxy|dns|all]" >&2
    exit 2
    ;;
esac

# Prints the path of the built fuzzer PRODUCT.
build_fuzzer() {
    # gold warns once per ASan helper symbol ("Cannot export local symbol"); the warnings are harmless noise.
    swift build "${flags[@]}" --product "$1" 2>&1 | { grep -v 'Cannot export local symbol' || true; } >&2
    local fuzzer startup
    fuzzer="$(swift build "${flags[@]}" --show-bin-path)/$1"
    # Refuse to fuzz blind (a build directory from before the coverage flags may hold uninstrumented objects).
    startup="$("$fuzzer" -runs=0 2>&1 || true)"
    if [[ "$startup" != *"inline 8-bit counters"* ]]; then
        echo "$fuzzer has no coverage instrumentation; remove $build and run again" >&2
        return 1
    fi
    echo "$fuzzer"
}

fuzz_proxy() {
    local fuzzer corpus signature
    fuzzer="$(build_fuzzer ProxyHeaderFuzzer)"
    corpus="$build/corpus"
    mkdir -p "$corpus"
    # Seeds: one valid header of each kind, so the fuzzer starts from deep inside both grammars.
    signature='\r\n\r\n\x00\r\nQUIT\n'
    printf 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n' >"$corpus/seed-v1-tcp4"
    printf 'PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1 65535\r\n' >"$corpus/seed-v1-tcp6"
    printf 'PROXY UNKNOWN ffff:f::f 1.2.3.4 0 0\r\n' >"$corpus/seed-v1-unknown"
    printf "${signature}"'\x21\x11\x00\x0c\x7f\x00\x00\x05\x7f\x00\x00\x01\x9c\x40\x1f\x90payload' >"$corpus/seed-v2-tcp4"
    printf "${signature}"'\x21\x22\x00\x2b\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01'`
        `'\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x35\x14\xe9\x01\x00\x02h2\x04\x00\x00' \
        >"$corpus/seed-v2-udp6-tlvs"
    printf "${signature}"'\x21\x11\x00\x13\x0a\x00\x00\x01\x0a\x00\x00\x02\x00\x01\x00\x02\x03\x00\x04\x00\x00\x00\x00' \
        >"$corpus/seed-v2-crc"
    printf "${signature}"'\x20\x00\x00\x00' >"$corpus/seed-v2-local"

    "$fuzzer" "$corpus" \
        -max_total_time="$seconds" \
        -dict="$here/proxy-protocol.dict" \
        -artifact_prefix="$artifacts/" \
        -max_len=4096 \
        -print_final_stats=1
}

fuzz_dns() {
    local fuzzer corpus
    fuzzer="$(build_fuzzer DNSMessageFuzzer)"
    corpus="$build/corpus-dns"
    mkdir -p "$corpus"
    # New inputs go to the first directory only; the committed seeds are read from the second.
    "$fuzzer" "$corpus" "$here/corpus/dns" \
        -max_total_time="$seconds" \
        -dict="$here/dns.dict" \
        -artifact_prefix="$artifacts/dns-" \
        -max_len=4096 \
        -print_final_stats=1
}

for name in "${targets[@]}"; do
    "fuzz_$name"
done
