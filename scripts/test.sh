#!/usr/bin/env bash
# README command 2 (and CI): installs what is needed, starts Kafka and checks PostgreSQL, builds, runs every
# package's tests against the real broker and database, and ends with one summary line.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
set -e
bash scripts/setup.sh
bash scripts/ensure-postgres.sh
bash infra/up.sh
set +e
started=$(date +%s)
rm -rf reports/jest
pnpm turbo run build --output-logs=errors-only
build_rc=$?
test_rc=1
static_rc=1
if [ $build_rc -eq 0 ]; then
  # Static checks first (Jest's transform does not typecheck): every package's types, tests included, and lint.
  pnpm turbo run typecheck lint --output-logs=errors-only
  static_rc=$?
  # One package at a time: the integration specs share 2 cores with the broker and the database.
  pnpm turbo run test --concurrency=1 --continue
  test_rc=$?
fi
expected=$(ls packages/*/jest.config.cjs apps/*/jest.config.cjs tests/*/jest.config.cjs 2>/dev/null | wc -l)
echo
echo "test run took $(( $(date +%s) - started )) s"
[ $static_rc -eq 0 ] && echo "typecheck and lint: ok" || echo "typecheck and lint: FAILED (see above)"
node scripts/test-summary.cjs "$expected"
summary_rc=$?
[ $build_rc -eq 0 ] && [ $static_rc -eq 0 ] && [ $test_rc -eq 0 ] && [ $summary_rc -eq 0 ]
