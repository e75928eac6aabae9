# Roll for Language backend: the single entry point. Every target delegates to `rfl`
# (native_platform/cli.py) after scripts/bootstrap.sh has installed what is missing.
RFL := .venv/bin/rfl

.PHONY: help setup up down status logs psql reset migrate test bench images test-deploy
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## install Debian packages and the locked virtualenv (idempotent)
	@scripts/bootstrap.sh

up: setup ## start the whole stack with seed data and print URLs and keys
	@$(RFL) up

down: setup ## stop every service of the stack
	@$(RFL) down

status: setup ## show each component and whether it runs
	@$(RFL) status

logs: setup ## show the last lines of every service log
	@$(RFL) logs

psql: setup ## superuser psql on the local database
	@$(RFL) psql

reset: setup ## drop and recreate the database, reapply migrations and seed
	@$(RFL) reset

migrate: setup ## apply pending migrations (DRY_RUN=1 for a rolled-back trial)
	@$(RFL) migrate $(if $(DRY_RUN),--dry-run)

test: setup ## lint, type-check, pgTAP and pytest against a dedicated test stack
	@$(RFL) test

bench: setup ## run every benchmark in bench/ (each prints ratios against its baseline)
	@scripts/bench.sh

images: setup ## build the container images (cached; docs/deployment.md)
	@scripts/containers.sh install
	@scripts/containers.sh build

test-deploy: setup ## build the images, run the compose stack end to end through nginx, tear down
	@scripts/containers-test.sh
