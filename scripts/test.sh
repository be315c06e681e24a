#!/usr/bin/env bash
# The whole suite, from a fresh clone: installs what the tests need (npm packages, the native
# addon, the real BGP daemons), then type-checks, lints and runs every test. Ends with a plain
# "N passed, N failed, N skipped" line read from vitest's JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1 FORCE_COLOR=0
bash scripts/install-peers.sh
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm run --silent typecheck
npm run --silent lint
mkdir -p .test-results
rc=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json "$@" || rc=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".test-results/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || { echo "0 passed, 1 failed"; rc=1; }
exit $rc
