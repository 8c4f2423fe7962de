#!/usr/bin/env bash
# `npm test`: every suite, on real parts. Installs what it needs (Debian Chromium,
# PostgreSQL) when missing. Order: fast static checks first, browsers last.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "svelte-check"
npm run --silent check
step "eslint"
npm run --silent lint
step "Debian packages the suites use (Mosquitto, PostgreSQL, Poppler, OpenSSL)"
bash scripts/ensure-apt.sh /usr/sbin/mosquitto mosquitto '/usr/lib/postgresql/*/bin/postgres' postgresql /usr/bin/pdftoppm poppler-utils /usr/bin/openssl openssl
# The embedded runs clear DATABASE_URL and MQTT_URL: a value left in the shell would
# otherwise switch them to an outside database or broker (or wipe its data).
embedded() { env -u DATABASE_URL -u MQTT_URL "$@"; }
step "unit + integration (PGlite)"
embedded npx vitest run --project unit --project integration
step "integration on a real PostgreSQL"
embedded bash scripts/with-postgres.sh npx vitest run --project integration
step "build"
npx vite build --logLevel warn
step "HTTP against the built app (PGlite)"
embedded npx vitest run --project http
step "HTTP against the built app on a real PostgreSQL"
embedded bash scripts/with-postgres.sh npx vitest run --project http
step "e2e in Debian Chromium"
bash scripts/ensure-chromium.sh
embedded npx playwright test
step "all suites passed"
