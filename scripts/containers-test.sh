#!/usr/bin/env bash
# `make test-deploy`: the container deployment end to end (docs/deployment.md).
#   1. installs the container tooling and builds the images (layer-cached: a warm run reuses
#      every layer whose inputs did not change), timing the build;
#   2. writes throwaway secrets and a self-signed TLS certificate under .local/deploy (never
#      committed), validates docker-compose.yml with `podman-compose config`;
#   3. brings the stack up and times start-to-ready (GET https://…/health through nginx);
#   4. runs tests/deploy with the official clients through the proxy: sign up, campaign, roll,
#      the roll over realtime, search, then one API replica and one realtime node killed
#      mid-run;
#   5. tears the stack down (volumes included), also on failure (RFL_DEPLOY_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE="$ROOT/.local/deploy"
export RFL_SECRETS_DIR="$STATE/secrets" RFL_TLS_DIR="$STATE/tls"
export RFL_HTTPS_PORT=${RFL_HTTPS_PORT:-25443} RFL_SEED=true
PROJECT=rfl-deploy-test
compose() { scripts/containers.sh compose --project-name "$PROJECT" "$@"; }
now() { date +%s%N; }
elapsed() { local ms=$((($(now) - $1) / 1000000)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

scripts/containers.sh install
start=$(now)
scripts/containers.sh build
echo "figure: image build $(elapsed "$start") s"

write_secrets() {
  rm -rf "$STATE"
  install -d -m 0700 "$STATE" "$RFL_SECRETS_DIR" "$RFL_TLS_DIR"
  .venv/bin/python - "$RFL_SECRETS_DIR" <<'PY'
import secrets, sys
from pathlib import Path
import orjson

from native_platform.envfile import api_key
from native_platform.signing_keys import generate_jwk

folder = Path(sys.argv[1])
jwt_secret = secrets.token_urlsafe(48)
postgres = secrets.token_urlsafe(24)
authenticator = secrets.token_urlsafe(24)
values = {
    "postgres_password": postgres,
    "authenticator_password": authenticator,
    "authenticator_url": f"postgresql://authenticator:{authenticator}@db:5432/postgres",
    "jwt_secret": jwt_secret,
    "jwt_keys": orjson.dumps([generate_jwk("ES256")]).decode(),
    "typesense_api_key": secrets.token_urlsafe(24),
    "cms_webhook_secret": secrets.token_urlsafe(24),
    "anon_key": api_key("anon", jwt_secret),
    "service_role_key": api_key("service_role", jwt_secret),
    "database_url": f"postgresql://postgres:{postgres}@db:5432/postgres",
    "backup_cipher_pass": secrets.token_urlsafe(32),
}
for name, value in values.items():
    path = folder / name
    path.write_text(value + "\n")
    path.chmod(0o644)  # read by the containers' own users; the folder is 0700
PY
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$RFL_TLS_DIR/tls.key" -out "$RFL_TLS_DIR/tls.crt" 2>/dev/null
  # nginx runs as uid 10003 (deploy/images/nginx/Containerfile): the key is its alone.
  chmod 0755 "$RFL_TLS_DIR"
  chmod 0644 "$RFL_TLS_DIR/tls.crt"
  chown 10003 "$RFL_TLS_DIR/tls.key"
  chmod 0600 "$RFL_TLS_DIR/tls.key"
}

teardown() {
  if [ "${RFL_DEPLOY_KEEP:-}" = 1 ]; then
    echo "stack kept: scripts/containers.sh compose --project-name $PROJECT down -v"
    return
  fi
  compose down --volumes --timeout 5 >/dev/null 2>&1 || true
}

compose down --volumes --timeout 5 >/dev/null 2>&1 || true
write_secrets
compose config --quiet
echo "podman-compose config: docker-compose.yml is valid"
trap teardown EXIT

start=$(now)
{
  compose up --detach db typesense
  compose run --rm migrate
  compose up --detach api1 api2 functions1 functions2 realtime1 realtime2 indexer \
    storage-reconcile nginx postgres-exporter prometheus
} >"$STATE/up.log" 2>&1 || { cat "$STATE/up.log"; exit 1; }
url="https://127.0.0.1:$RFL_HTTPS_PORT"
for _ in $(seq 1 180); do
  # The API's health, a function, then each realtime node's readiness (round robin: two in a
  # row).
  if curl --silent --fail --fail-early --cacert "$RFL_TLS_DIR/tls.crt" "$url/health" \
    "$url/functions/v1/dice/odds?expression=1d6" \
    "$url/realtime/v1/ready" "$url/realtime/v1/ready" >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "${ready:-}" ]; then
  echo "stack not ready after 90 s" >&2
  compose ps >&2 || true
  compose logs --tail 30 >&2 || true
  exit 1
fi
echo "figure: compose start-to-ready $(elapsed "$start") s"

export RFL_DEPLOY_URL="$url" RFL_DEPLOY_PROJECT="$PROJECT" SSL_CERT_FILE="$RFL_TLS_DIR/tls.crt"
RFL_DEPLOY_ANON_KEY=$(<"$RFL_SECRETS_DIR/anon_key")
export RFL_DEPLOY_ANON_KEY
status=0
.venv/bin/pytest tests/deploy -q -p no:cacheprovider "$@" || status=$?
if [ "$status" -ne 0 ]; then compose logs --tail 40 >&2 || true; fi
exit "$status"
