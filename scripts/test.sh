#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests with the race detector, a short
# run of each fuzz target, then the real-browser tests. Installs redis-server
# and chromium (Debian packages) when they are missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

go test -race -count=1 -timeout 15m ./...

# An execution count, not a duration: with a duration Go 1.26's fuzz
# coordinator can fail a clean run with "context deadline exceeded" when its
# deadline races a busy worker (golang/go#75804). 100000 runs take 4-16 s here.
fuzz() { # package target
  go test -run '^$' -fuzz "^$2\$" -fuzztime "${FUZZTIME:-100000x}" "$1"
}
fuzz ./internal/config FuzzParse
fuzz ./internal/router FuzzParseChannelsPath
fuzz ./internal/format FuzzTemplate
fuzz ./internal/format FuzzParseHTTPDate
fuzz ./internal/wsframe FuzzParser
fuzz ./internal/httpd FuzzRequest
fuzz ./internal/httpd FuzzReadRequest
fuzz ./internal/auth FuzzParseClaims
fuzz ./internal/auth FuzzVerify

# Real-browser tests (headless Chromium via playwright-core).
bash test/browser/run.sh
