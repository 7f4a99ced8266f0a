#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests with the race detector, then a
# short run of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

go test -race -count=1 -timeout 15m ./...

fuzz() { # package target
  go test -run '^$' -fuzz "^$2\$" -fuzztime "${FUZZTIME:-10s}" "$1"
}
fuzz ./internal/config FuzzParse
fuzz ./internal/router FuzzParseChannelsPath
fuzz ./internal/format FuzzTemplate
fuzz ./internal/wsframe FuzzParser
fuzz ./internal/httpd FuzzRequest
