#!/usr/bin/env bash
# Installs Debian packages the test suites need, only when their binary is missing.
# Usage: scripts/ensure-apt.sh <binary-path> <package> [<binary-path> <package> ...]
set -euo pipefail
missing=()
while [ $# -ge 2 ]; do
	# shellcheck disable=SC2086
	if ! ls $1 >/dev/null 2>&1; then missing+=("$2"); fi
	shift 2
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
	echo "Missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install -y ${missing[*]})" >&2
	exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
