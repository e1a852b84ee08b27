#!/usr/bin/env bash
# Installs what the local estate needs beyond the virtualenv, only when it is missing:
#   - PostgreSQL server binaries (Debian's postgresql package) as the Redshift stand-in;
#   - dynalite (npm) as the DynamoDB endpoint, into estate/node/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "installing PostgreSQL server (apt)…"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

if [ -f estate/node/package.json ] && [ ! -d estate/node/node_modules/dynalite ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "installing Node.js and npm (apt)…"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "installing dynalite (npm)…"
  if [ -f estate/node/package-lock.json ]; then
    npm ci --prefix estate/node --no-audit --no-fund --loglevel=error
  else
    npm install --prefix estate/node --no-audit --no-fund --loglevel=error
  fi
fi
