#!/usr/bin/env bash
# dict.sh TARGET: prints the libFuzzer dictionary of one fuzz target (nothing if it has none).
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)/dict
case "$1" in
    http_response | cr_request | digest_header) name=http ;;
    *) name=$1 ;;
esac
if [ -f "$DIR/$name.dict" ]; then echo "$DIR/$name.dict"; fi
