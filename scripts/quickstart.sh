#!/usr/bin/env bash
# One command from a fresh clone to real artifacts: system tools, npm packages, then a build of the example
# Debian web server into ./out/debian-web-server (OCI image, rootfs, SBOM, checksums).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/install-system-deps.sh; else sudo bash scripts/install-system-deps.sh; fi
HUSKY=0 npm ci --no-audit --no-fund
npm run build
node bin/lbe.js validate examples/debian-web-server.yaml
node bin/lbe.js build examples/debian-web-server.yaml --out out/debian-web-server
