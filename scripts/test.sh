#!/usr/bin/env bash
# `npm test`: every suite, on real parts. Installs what it needs (Debian Chromium,
# PostgreSQL) when missing. Order: fast static checks first, browsers last. On two
# cores some steps share the machine where one of them mostly waits (a built app
# answering HTTP, a type checker beside a linter): those run side by side, each with
# its output kept apart and printed whole when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each heading shows the minutes since the start: the time of each step is the difference.
step() { printf '\n\033[1m== %s (at %d:%02d) ==\033[0m\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# together NAME CMD… (background) … then `settle NAME…`: prints each one's output in
# order and fails when any failed.
declare -A running=()
together() {
	local name=$1
	shift
	("$@") >"$logs/$name.log" 2>&1 &
	running[$name]=$!
}
settle() {
	local failed=0 name
	for name in "$@"; do
		if wait "${running[$name]}"; then status=passed; else status=FAILED; failed=1; fi
		step "$name ($status)"
		cat "$logs/$name.log"
	done
	return $failed
}

# The embedded runs clear DATABASE_URL and MQTT_URL: a value left in the shell would
# otherwise switch them to an outside database or broker (or wipe its data).
embedded() { env -u DATABASE_URL -u MQTT_URL "$@"; }

# The build (for the HTTP and e2e suites) beside the two checkers: each of the three is
# mostly one thread.
step "svelte-check, eslint and the build"
# One `svelte-kit sync` first, and svelte-check without its own: a sync writes a new app
# version into .svelte-kit/generated, and one beside the build (as `npm run check` does)
# could leave the server and the client of the build with different versions: pages
# that never hydrate.
npx svelte-kit sync
together svelte-check npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings
together eslint npm run --silent lint
together build npx vite build --logLevel warn
settle svelte-check build eslint
step "Debian packages the suites use (Mosquitto, PostgreSQL, Poppler, OpenSSL)"
bash scripts/ensure-apt.sh /usr/sbin/mosquitto mosquitto '/usr/lib/postgresql/*/bin/postgres' postgresql /usr/bin/pdftoppm poppler-utils /usr/bin/openssl openssl
step "unit + integration (PGlite)"
embedded npx vitest run --project unit --project integration
step "integration on a real PostgreSQL"
embedded bash scripts/with-postgres.sh npx vitest run --project integration
step "HTTP against the built app, on PGlite and on a real PostgreSQL"
together "HTTP (PGlite)" embedded npx vitest run --project http
together "HTTP (PostgreSQL)" embedded bash scripts/with-postgres.sh npx vitest run --project http
settle "HTTP (PGlite)" "HTTP (PostgreSQL)"
step "e2e in Debian Chromium (two apps, a half of the journeys each, side by side)"
bash scripts/ensure-chromium.sh
embedded npx playwright test
step "all suites passed"
