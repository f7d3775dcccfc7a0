#!/usr/bin/env bash
# Runs every check and every test suite of edgelog, then prints one closing line
# "N passed, N failed" with totals over every runner. Each non-test check (type check,
# lint, fmt, doc lint, publish dry run) counts as one test. Exit status 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

export DENO_DIR="${DENO_DIR:-$HOME/.cache/edgelog-deno}"
export DENO_NO_UPDATE_CHECK=1
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
deno=./node_modules/.bin/deno
reports=.reports
rm -rf "$reports" && mkdir -p "$reports"
: >"$reports/checks.txt"

# step NAME COMMAND...: runs a check, records "pass NAME" or "fail NAME".
step() {
  local name=$1
  shift
  echo "::: $name"
  if "$@"; then echo "pass $name" >>"$reports/checks.txt"; else echo "fail $name" >>"$reports/checks.txt"; fi
}

# test/worker and test/e2e are typed for workerd and Node: tsc and node check them.
step "deno check" "$deno" check mod.ts src bench test/e2e/*_test.ts
step "deno lint" "$deno" lint
step "deno fmt --check" "$deno" fmt --check
step "deno doc --lint" "$deno" doc --lint mod.ts src/conformance/mod.ts src/client/mod.ts src/cli/cli.ts src/protocol/token.ts
step "deno publish --dry-run" "$deno" publish --dry-run --allow-dirty
# Unit, conformance, property and doc tests, and test/e2e/*_test.ts against wrangler dev (one server
# per file); results counted from the JUnit report.
"$deno" test -A --doc --reporter=dot --junit-path="$reports/deno.xml" || true

if [ -f tsconfig.worker.json ]; then
  step "tsc worker" ./node_modules/.bin/tsc -p tsconfig.worker.json --noEmit
fi
if [ -f wrangler.toml ]; then
  step "wrangler deploy --dry-run" ./node_modules/.bin/wrangler deploy --dry-run --outdir "$reports/dist"
fi
if [ -f vitest.config.ts ]; then
  # Worker tests inside workerd; results counted from the JSON report.
  ./node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile="$reports/vitest.json" || true
fi
if [ -d test/e2e ]; then
  # End-to-end tests against the real local server (node's test runner).
  node --test --test-reporter=spec --test-reporter=junit --test-reporter-destination=stdout \
    --test-reporter-destination="$reports/e2e.xml" test/e2e/ || true
fi

node scripts/summarize.mjs "$reports"
