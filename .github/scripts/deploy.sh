#!/usr/bin/env bash
# Deploy the checked-out commit to one environment (staging|production), run by the deploy
# workflow on that environment's host (a self-hosted runner holding supabase/env/<env>.env and
# the secrets folder it names). Every safeguard of docs/development.md "Deploying migrations":
#   1. the environment's settings are fit (rfl config check);
#   2. the pending migrations sort after every applied one and pass the lint (rfl migrate --lint);
#   3. staging: the database is first restored from the latest backup, so the dry run meets
#      production's schema and data; production: a backup is taken right before migrating and
#      its label printed with the way back (rfl restore --to-label LABEL);
#   4. the images are built, the migration applied, then the API nodes restarted one at a time,
#      each back on /ready before the next goes down (nginx sends traffic to the other), then
#      given the API documentation site it serves at /docs (rfl docs build).
set -euo pipefail
cd "$(dirname "$0")/../.."
env=${1:?usage: deploy.sh staging|production}
case "$env" in staging | production) ;; *) echo "unknown environment: $env" >&2; exit 2 ;; esac
RFL=.venv/bin/rfl
export RFL_ENV_FILE=${RFL_ENV_FILE:-$PWD/supabase/env/$env.env}
NODES=${RFL_API_NODES:-api1 api2}
READY_SECONDS=${RFL_READY_SECONDS:-120}

scripts/bootstrap.sh
$RFL config check --env "$env" --file "$RFL_ENV_FILE"
$RFL migrate --lint
if [ "$env" = staging ]; then
  $RFL restore --latest --force
  $RFL migrate --dry-run
  $RFL migrate
else
  $RFL migrate --dry-run
  $RFL migrate --backup-first
fi
scripts/containers.sh build

for node in $NODES; do
  echo "==> restarting $node"
  scripts/containers.sh compose up -d --no-deps --force-recreate "$node"
  deadline=$((SECONDS + READY_SECONDS))
  until scripts/containers.sh compose exec -T "$node" \
    python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready')" \
    >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$node not ready after ${READY_SECONDS}s: stopping the rollout" >&2
      exit 1
    fi
    sleep 2
  done
  # The API documentation this node serves at /docs, built from what it now runs.
  scripts/containers.sh compose exec -T "$node" python -m native_platform docs build
done
scripts/containers.sh compose up -d --no-deps indexer
echo "deployed $(git rev-parse --short HEAD) to $env"
