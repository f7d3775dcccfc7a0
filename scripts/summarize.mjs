// Prints the closing "N passed, N failed" line over every runner's report and exits 1 if
// anything failed or a runner that should have reported did not.
//
// One more check, "no runtime error lines": the runners' output (the *.log files that
// scripts/check.sh tees into the reports folder) must hold no line of a runtime error that a
// passing run should not print, such as workerd's "uncaught exception" or "Can't read from
// request stream": each is a bug of ours (a body left unread, a promise left unhandled) or
// a test that should catch what it provokes. The lines found are listed.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? ".reports";
let passed = 0;
let failed = 0;
const problems = [];

for (const line of readFileSync(join(dir, "checks.txt"), "utf8").split("\n").filter(Boolean)) {
  const [verdict, ...name] = line.split(" ");
  if (verdict === "pass") passed++;
  else {
    failed++;
    problems.push(`check failed: ${name.join(" ")}`);
  }
}

/** Counts test cases and failures in a JUnit XML report; a missing report is a failure. */
function junit(file) {
  if (!existsSync(file)) {
    failed++;
    problems.push(`no report: ${file}`);
    return;
  }
  const xml = readFileSync(file, "utf8");
  const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  if (cases.length === 0) {
    failed++;
    problems.push(`no tests ran: ${file}`);
  }
  for (const c of cases) {
    if (/<(failure|error)\b/.test(c)) {
      failed++;
      problems.push(`failed: ${(c.match(/name="([^"]*)"/) ?? [])[1]}`);
    } else if (!/<skipped\b/.test(c)) passed++;
  }
}

junit(join(dir, "deno.xml"));
junit(join(dir, "e2e.xml"));
// The web console in headless Chromium (test/browser/).
junit(join(dir, "browser.xml"));

// The workerd tests of the repository, those of the examples/ project, and the Durable
// Streams conformance suite against the local server.
for (const name of ["vitest.json", "example.vitest.json", "streams.vitest.json"]) {
  const vitest = join(dir, name);
  if (!existsSync(vitest)) {
    failed++;
    problems.push(`no report: ${vitest}`);
    continue;
  }
  const report = JSON.parse(readFileSync(vitest, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numTotalTests === 0 || !report.success) {
    if (report.numFailedTests === 0) failed++;
    problems.push(`vitest reported failure: ${name}`);
  }
}

/**
 * Lines of runtime errors that a passing run must not print, as workerd prints them
 * ("uncaught exception; source = ...", "Error: Network connection lost.", a source path such
 * as "workerd/io/worker.c++:"), so that a test named after one ("left no uncaught exception
 * in the runtime's log") is not taken for one.
 */
const RUNTIME_ERROR =
  /uncaught exception;|Can't read from request stream|Error: Network connection lost|\bworkerd\/[\w/-]+\.c\+\+/;
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const logs = readdirSync(dir).filter((f) => f.endsWith(".log")).sort();
const runtimeErrors = [];
for (const log of logs) {
  const lines = readFileSync(join(dir, log), "utf8").split("\n");
  lines.forEach((line, i) => {
    const plain = line.replace(ANSI, "");
    if (RUNTIME_ERROR.test(plain)) runtimeErrors.push(`${log}:${i + 1}: ${plain.trim()}`);
  });
}
if (logs.length === 0) {
  failed++;
  problems.push(`no runner output (*.log) in ${dir}: cannot check for runtime error lines`);
} else if (runtimeErrors.length === 0) {
  passed++;
} else {
  failed++;
  problems.push(`check failed: no runtime error lines (${runtimeErrors.length} found)`);
  for (const line of runtimeErrors.slice(0, 40)) problems.push(`  ${line}`);
  if (runtimeErrors.length > 40) problems.push(`  ... and ${runtimeErrors.length - 40} more`);
}

for (const p of problems) console.log(p);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
