#!/usr/bin/env bash
# Installs (npm ci, into test/jupyterlab/node_modules only) and bundles JupyterLab's notebook
# frontend for test/browser/jupyterlab.test.ts. Quick no-op when build/ matches the sources.
set -euo pipefail
cd "$(dirname "$0")"

stamp=$( (cat package-lock.json build.mjs src/*; node --version) | sha256sum | cut -d' ' -f1)
if [ -f build/index.js ] && [ "$(cat build/.stamp 2>/dev/null)" = "$stamp" ]; then exit 0; fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "jupyterlab frontend: installing npm packages (test/jupyterlab/node_modules)"
  # esbuild's binary comes from its optional @esbuild/linux-x64 package: no install script needed.
  # One retry: npm 11's reify has failed here once with a transient ENOTDIR.
  npm ci --no-audit --no-fund --loglevel=error || { rm -rf node_modules; npm ci --no-audit --no-fund --loglevel=error; }
fi
node build.mjs
echo "$stamp" > build/.stamp
