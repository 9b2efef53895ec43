#!/usr/bin/env bash
# seed.sh TARGET DIR: copies the seed inputs of one fuzz target into DIR.
# Seeds come from the real-world vectors in testdata/ and from fuzz/seeds/TARGET/ (committed
# inputs taken from the tests).
set -euo pipefail
t=$1
dir=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
V="$ROOT/testdata/vectors"
mkdir -p "$dir"
copy() { for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(echo "$f" | sed "s|$ROOT/||; s|/|_|g")"; done; return 0; }
shopt -s nullglob
case "$t" in
    soap_parse) copy "$V"/genieacs/*/*_acs_*.xml "$V"/genieacs/*/*_cpe_*.xml ;;
    ubus_frame) copy "$V"/ubus/*/*.bin ;;
    cr_request) copy "$V"/genieacs/*/*_cr_request.http ;;
    http_response) copy "$V"/genieacs/*/*_cr_response.http ;;
    digest_header) ;;
    control_json) ;; # seeds in fuzz/seeds/control_json
    uci_config) copy "$ROOT"/testdata/uci/cwmp.* ;;
    session) ;; # seeds in fuzz/seeds/session: operation records (see the target's docs)
    snapshot) ;; # seeds in fuzz/seeds/snapshot
    param_store) copy "$ROOT"/daemon/openwrt/cwmpd-params.json ;; # more in fuzz/seeds/param_store
esac
if [ -d "$ROOT/fuzz/seeds/$t" ]; then
    copy "$ROOT/fuzz/seeds/$t"/*
fi
