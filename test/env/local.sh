#!/bin/sh
# npm run local [-- down]: works on a fresh clone. Installs node_modules when missing or stale
# (the same stamp as test/run.sh), then runs test/env/local.ts, which builds what is missing
# (engines, images; containerd and runc through apt-get) and brings the local cluster up or down.
set -eu
cd "$(dirname "$0")/../.."

stamp=node_modules/.vscp-lock-stamp
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp"; then
  echo "[local] npm ci (node_modules missing or older than package-lock.json) ..."
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
exec npx tsx test/env/local.ts "$@"
