#!/bin/bash
# Run the Typesense server; its API key from TYPESENSE_API_KEY or the file TYPESENSE_API_KEY_FILE
# names (a compose secret), passed through the environment (the server reads TYPESENSE_*).
set -euo pipefail
if [ -n "${TYPESENSE_API_KEY_FILE:-}" ]; then
  TYPESENSE_API_KEY=$(<"$TYPESENSE_API_KEY_FILE")
  export TYPESENSE_API_KEY
fi
[ -n "${TYPESENSE_API_KEY:-}" ] || { echo "set TYPESENSE_API_KEY(_FILE)" >&2; exit 2; }
exec /usr/local/bin/typesense-server --data-dir=/data --api-address=0.0.0.0 --api-port=8108 \
  --peering-port=8107 --snapshot-interval-seconds=300 "$@"
