#!/usr/bin/env bash
# Static analysis of terraform/ with checkov, from its OWN virtualenv (.venv-checkov):
# checkov's pins (boto3, pydantic, …) conflict with the project's, so it never enters .venv.
# Usage: scripts/checkov.sh [--install-only] [extra checkov args…]
# Creates .venv-checkov on first use (a fresh CI machine included).
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CHECKOV_VENV:-$ROOT/.venv-checkov}"
PYTHON="${PYTHON:-python3.11}"
STAMP="$VENV/.checkov-$CHECKOV_VERSION"

if [[ ! -f "$STAMP" ]]; then
  started=$(date +%s)
  echo "checkov: installing checkov==$CHECKOV_VERSION into $VENV" >&2
  test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
  log="$VENV/install.log"
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  touch "$STAMP"
  echo "checkov: installed in $(( $(date +%s) - started )) s" >&2
fi

if [[ "${1:-}" == "--install-only" ]]; then
  exit 0
fi

cd "$ROOT"
# No network calls: no Bridgecrew platform, no version check, no external module downloads.
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
exec "$VENV/bin/checkov" -d terraform --framework terraform \
  --skip-download --download-external-modules false "$@"
