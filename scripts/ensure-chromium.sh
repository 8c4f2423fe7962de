#!/usr/bin/env bash
# Debian Chromium for Playwright (never Playwright's own browser download: no download host here).
set -euo pipefail
exec bash "$(dirname "$0")/ensure-apt.sh" /usr/bin/chromium chromium
