#!/usr/bin/env bash
# Installs chDB into test/chdb/node_modules (once): the current-ClickHouse side of the SQL backend's
# differential test (test/classify/chdb.test.ts). Its ~550 MB stay out of the main install.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/chdb ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
