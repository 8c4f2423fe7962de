#!/usr/bin/env bash
# Runs a command against a throw-away real PostgreSQL (Debian package, installed
# when missing): temp data dir, free port on 127.0.0.1, torn down afterwards.
# Usage: scripts/with-postgres.sh <command...>   (DATABASE_URL is exported to it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/ensure-apt.sh" '/usr/lib/postgresql/*/bin/postgres' postgresql
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

dir="$(mktemp -d /tmp/rukun-pg.XXXXXX)"
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	# initdb refuses to run as root.
	chown postgres:postgres "$dir"
	as_pg=(runuser -u postgres --)
fi
cleanup() {
	"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" stop -m fast >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
	-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
