#!/usr/bin/env bash
# Installs what netrunbook needs on a fresh Debian 12 machine: Debian packages (when missing) and npm packages.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  dnsutils curl openssl git traceroute iputils-ping iputils-tracepath iproute2 tshark
  bind9 bind9-utils nginx-light
  jupyter-client jupyter-nbconvert python3-nbclient python3-nbformat python3-jupyter-kernel-test
  jupyter-notebook python3-jupyter-server jupyter-console chromium poppler-utils
  bgpdump bzip2
  clickhouse-server clickhouse-client
  nftables tcpreplay
  frr frr-rpki-rtrlib stayrtr mtr-tiny bird2
  faketime
  libjs-mathjax fonts-mathjax
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections || true
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # bind9 and nginx start as system services on install; tests start their own instances.
  (systemctl stop named nginx clickhouse-server frr stayrtr bird 2>/dev/null || service named stop 2>/dev/null || true; service clickhouse-server stop 2>/dev/null; service frr stop 2>/dev/null; service stayrtr stop 2>/dev/null; service bird stop 2>/dev/null; pkill -x named; pkill -x nginx; pkill -f '/etc/clickhouse-server/config.xml') >/dev/null 2>&1 || true
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # `npm install` rather than `npm ci`: npm 11 leaves other platforms' optional binaries
  # (@duckdb/node-bindings-*) out of the lock file and `npm ci` then refuses it. The lock
  # still pins every version.
  npm install --no-audit --no-fund --loglevel=error
fi
npm run -s build
