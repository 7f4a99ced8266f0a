#!/usr/bin/env bash
# Real-browser end-to-end tests: installs what is missing (Debian's chromium,
# the npm packages), builds pushstream and runs the node test files.
# Prints node's test summary; exits non-zero when a test fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (apt-get)" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

cd "$here"
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

bin_dir="$(mktemp -d)"
trap 'rm -rf "$bin_dir"' EXIT
(cd "$root" && go build -o "$bin_dir/pushstream" ./cmd/pushstream)

export PUSHSTREAM_BIN="$bin_dir/pushstream"
# One file at a time: each starts its own server and browser on a 2-core machine.
node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=spec ./*.test.mjs
