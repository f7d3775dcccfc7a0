#!/usr/bin/env bash
# Runs every check and every test suite of edgelog, then prints one closing line
# "N passed, N failed" with totals over every runner. Each non-test check (type check,
# import rules, lint, fmt, doc lint, publish dry run, no runtime error lines in the runners'
# output) counts as one test. The time of each step and runner is printed before that line.
# Exit status 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

export DENO_DIR="${DENO_DIR:-$HOME/.cache/edgelog-deno}"
export DENO_NO_UPDATE_CHECK=1
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
deno=./node_modules/.bin/deno
reports=.reports
rm -rf "$reports" && mkdir -p "$reports"
: >"$reports/checks.txt"
: >"$reports/timings.txt"

# step NAME COMMAND...: runs a check, records "pass NAME" or "fail NAME", and its time.
step() {
  local name=$1 started=$SECONDS
  shift
  echo "::: $name"
  if "$@"; then echo "pass $name" >>"$reports/checks.txt"; else echo "fail $name" >>"$reports/checks.txt"; fi
  echo "$((SECONDS - started)) s  $name" >>"$reports/timings.txt"
}

# took NAME STARTED: records the time of a test runner begun at $SECONDS = STARTED.
took() {
  echo "$((SECONDS - $2)) s  $1" >>"$reports/timings.txt"
}

# Every file typed for Deno or Node; worker/ (but its Deno tests) and test/worker are typed for
# workerd, which tsc checks below; src/console (but its Deno tests) is typed for browsers (DOM).
mapfile -t worker_deno_tests < <(find worker -name '*_test.ts')
mapfile -t deno_src < <(find src -mindepth 1 -maxdepth 1 ! -name console)
mapfile -t console_deno_tests < <(find src/console -name '*_test.ts')
step "deno check" "$deno" check mod.ts "${deno_src[@]}" testing bench scripts vitest.config.ts vitest.streams.config.ts test/e2e/*_test.ts \
  "${worker_deno_tests[@]}" "${console_deno_tests[@]}"
step "tsc console" ./node_modules/.bin/tsc -p tsconfig.console.json
step "import rules" "$deno" run --allow-read --allow-env scripts/import_rules.ts
step "deno lint" "$deno" lint
step "deno fmt --check" "$deno" fmt --check
step "deno doc --lint" "$deno" doc --lint mod.ts src/conformance/mod.ts src/client/mod.ts src/cli/cli.ts src/protocol/token.ts
step "deno publish --dry-run" "$deno" publish --dry-run --allow-dirty
# Unit, conformance, property and doc tests, and test/e2e/*_test.ts against wrangler dev (one server
# per file, on free ports, so that files run side by side: --parallel, one per core); results
# counted from the JUnit report.
# Each runner's output is also kept in $reports/*.log: summarize.mjs fails the check "no runtime
# error lines" when it holds workerd's uncaught exceptions and the like.
started=$SECONDS
"$deno" test -A --doc --parallel --reporter=dot --junit-path="$reports/deno.xml" 2>&1 | tee "$reports/deno.log" || true
took "deno test" $started

step "tsc worker" ./node_modules/.bin/tsc -p tsconfig.worker.json --noEmit
step "wrangler deploy --dry-run" ./node_modules/.bin/wrangler deploy --dry-run --outdir "$reports/dist"
# Worker tests inside workerd; results counted from the JSON report.
started=$SECONDS
./node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile="$reports/vitest.json" 2>&1 |
  tee "$reports/vitest.log" || true
took "vitest (workerd)" $started
# The examples/ project, installed as a user installs it (edgelog from this folder, whose dist/
# the build makes), type-checked and tested inside workerd; results counted from its JSON report.
step "npm run build" npm run -s build
step "examples/my-worker: npm ci" npm ci --prefix examples/my-worker --prefer-offline --no-audit \
  --no-fund --loglevel=error
step "examples/my-worker: tsc" ./node_modules/.bin/tsc -p examples/my-worker
started=$SECONDS
(cd examples/my-worker && ./node_modules/.bin/vitest run --reporter=default --reporter=json \
  --outputFile="../../$reports/example.vitest.json") 2>&1 | tee "$reports/example.log" || true
took "vitest (examples/my-worker)" $started
# The Durable Streams conformance suite (pinned) against /v1/stream/ on the real local server
# (vitest.streams.config.ts starts and stops it); its `Fork - ` tests are skipped, with the
# reason written in the config. Results counted from the JSON report.
started=$SECONDS
./node_modules/.bin/vitest run -c vitest.streams.config.ts --reporter=dot --reporter=json \
  --outputFile="$reports/streams.vitest.json" 2>&1 | tee "$reports/streams.log" || true
took "vitest (Durable Streams conformance)" $started
# End-to-end tests against the real local server (node's test runner), three files at a time:
# each starts its own server on free ports, and much of their time is spent waiting (a server
# starting, an object idling until it is evicted), which the other files fill.
started=$SECONDS
node --test --test-concurrency=3 --test-reporter=spec --test-reporter=junit --test-reporter-destination=stdout \
  --test-reporter-destination="$reports/e2e.xml" test/e2e/ 2>&1 | tee "$reports/e2e.log" || true
took "node --test (e2e)" $started
# The web console in headless Chromium (Debian's chromium, driven by playwright-core) against the
# real local server, one server and one browser per file (node's test runner); the files run side by
# side, as most of their time is waiting (an idle tail, the servers' start).
started=$SECONDS
node --test --test-concurrency=2 --test-reporter=spec --test-reporter=junit --test-reporter-destination=stdout \
  --test-reporter-destination="$reports/browser.xml" test/browser/ 2>&1 | tee "$reports/browser.log" || true
took "node --test (browser)" $started

echo "::: times"
cat "$reports/timings.txt"

node scripts/summarize.mjs "$reports"
