#!/usr/bin/env bash
# campaign.sh [SECONDS] [TARGET...]: runs each fuzz target (default: all) for SECONDS (default
# 600) from its seeds plus the corpus kept in fuzz/corpus/TARGET, one after the other, and prints
# one summary line per target: executions, coverage, corpus size and crashes.
# Crashes are left in fuzz/artifacts/TARGET/; logs in fuzz/artifacts/TARGET.campaign.log.
set -euo pipefail
SECS=${1:-600}
shift || true
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/fuzz"
targets=${*:-$(cargo +nightly fuzz list)}
cargo +nightly fuzz build -O >/dev/null
for t in $targets; do
    corpus="$ROOT/fuzz/corpus/$t"
    mkdir -p "$corpus" "$ROOT/fuzz/artifacts"
    "$ROOT/fuzz/seed.sh" "$t" "$corpus"
    dict=()
    d=$("$ROOT/fuzz/dict.sh" "$t")
    [ -n "$d" ] && dict=(-dict="$d")
    log="$ROOT/fuzz/artifacts/$t.campaign.log"
    status=ok
    cargo +nightly fuzz run -O "$t" "$corpus" -- -max_total_time="$SECS" -rss_limit_mb=2048 \
        -max_len=65536 "${dict[@]}" >"$log" 2>&1 || status=FAILED
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    crashes=$(ls "$ROOT/fuzz/artifacts/$t" 2>/dev/null | grep -c -E '^(crash|oom|timeout|leak)-' || true)
    printf '%-14s %-6s %s | corpus files %s | crash/oom/timeout files %s\n' \
        "$t" "$status" "${done_line:-no DONE line}" "$(ls "$corpus" | wc -l)" "$crashes"
done
