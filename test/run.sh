#!/bin/sh
# npm test: dependencies -> engines -> type-check -> lint -> vitest -> one summary line.
# Works on a fresh clone: installs node_modules when missing or stale and builds the engines
# into $HOME/.cache/vsphere-cloud-provider (see README "What gets built where").
set -eu
cd "$(dirname "$0")/.."

fail() {
  echo "npm test: $1" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
}

stamp=node_modules/.vscp-lock-stamp
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp"; then
  echo "== npm ci"
  npm ci --no-audit --no-fund || fail "npm ci failed"
  cp package-lock.json "$stamp"
fi

echo "== engines"
npx tsx test/env/cli.ts install || fail "building the engines failed (see the message above)"

echo "== type-check"
npx tsc --noEmit -p tsconfig.json || fail "tsc --noEmit found type errors"

echo "== lint"
npx eslint . || fail "eslint found problems"
npx prettier --check . >/dev/null || { npx prettier --check . || true; fail "prettier: run 'npm run format'"; }

echo "== tests"
report_dir=$(mktemp -d)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report_dir/vitest.json" "$@" || status=$?
if [ ! -s "$report_dir/vitest.json" ]; then
  rm -rf "$report_dir"
  fail "vitest wrote no report (exit $status)"
fi
summary_status=0
npx tsx test/summary.ts "$report_dir/vitest.json" || summary_status=$?
rm -rf "$report_dir"
[ "$status" -eq 0 ] && [ "$summary_status" -eq 0 ]
