#!/usr/bin/env bash
# Fuzzes the PROXY protocol parser with libFuzzer and AddressSanitizer for SECONDS (default 60).
#   Fuzz/run.sh [seconds]
# Not part of CI. The corpus grows in $FUZZ_BUILD_PATH/corpus (default Fuzz/.build) and is reused by later runs;
# a failing input is saved in $FUZZ_BUILD_PATH/artifacts/ and reproduced with
#   "$(swift build --package-path Fuzz --show-bin-path)/ProxyHeaderFuzzer" <file>
set -euo pipefail

seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
build="${FUZZ_BUILD_PATH:-$here/.build}"
flags=(--package-path "$here" --scratch-path "$build" -c debug --sanitize fuzzer --sanitize address)

# gold warns once per ASan helper symbol ("Cannot export local symbol"); the warnings are harmless noise.
swift build "${flags[@]}" --product ProxyHeaderFuzzer 2>&1 | { grep -v 'Cannot export local symbol' || true; }
fuzzer="$(swift build "${flags[@]}" --show-bin-path)/ProxyHeaderFuzzer"

corpus="$build/corpus"
artifacts="$build/artifacts"
mkdir -p "$corpus" "$artifacts"
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
