// Prints the closing "N passed, N failed" line over every runner's report and exits 1 if
// anything failed or a runner that should have reported did not.
import { existsSync, readFileSync } from "node:fs";
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

const vitest = join(dir, "vitest.json");
if (!existsSync(vitest)) {
  failed++;
  problems.push(`no report: ${vitest}`);
} else {
  const report = JSON.parse(readFileSync(vitest, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numTotalTests === 0 || !report.success) {
    if (report.numFailedTests === 0) failed++;
    problems.push("vitest reported failure");
  }
}

for (const p of problems) console.log(p);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
