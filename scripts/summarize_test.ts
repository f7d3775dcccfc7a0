// scripts/summarize.mjs: the closing line over the runners' reports, and the check that the
// runners' output holds no runtime error lines.
import assert from "node:assert/strict";

const SUMMARIZE = new URL("./summarize.mjs", import.meta.url).pathname;

/** A reports folder with one passing test per runner and the given runner output. */
async function reports(logs: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  const junit = '<testsuites><testsuite><testcase name="a"/></testsuite></testsuites>';
  await Deno.writeTextFile(`${dir}/checks.txt`, "pass deno lint\n");
  await Deno.writeTextFile(`${dir}/deno.xml`, junit);
  await Deno.writeTextFile(`${dir}/e2e.xml`, junit);
  await Deno.writeTextFile(`${dir}/browser.xml`, junit);
  for (const report of ["vitest.json", "example.vitest.json", "streams.vitest.json"]) {
    await Deno.writeTextFile(
      `${dir}/${report}`,
      JSON.stringify({ numPassedTests: 1, numFailedTests: 0, numTotalTests: 1, success: true }),
    );
  }
  for (const [name, text] of Object.entries(logs)) await Deno.writeTextFile(`${dir}/${name}`, text);
  return dir;
}

async function summarize(dir: string) {
  const output = await new Deno.Command("node", { args: [SUMMARIZE, dir], stdout: "piped" })
    .output();
  await Deno.remove(dir, { recursive: true });
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

Deno.test("summarize.mjs counts clean runner output as the passed check of runtime errors", async () => {
  const result = await summarize(await reports({ "vitest.log": " ✓ 864 passed\n" }));
  assert.equal(result.code, 0, result.stdout);
  assert.equal(result.stdout, "8 passed, 0 failed\n");
});

Deno.test("summarize.mjs fails and lists the runtime error lines of a passing run", async () => {
  const result = await summarize(
    await reports({
      "deno.log": "....\n",
      "vitest.log": [
        " \x1b[32m✓\x1b[39m test/worker/refused_bodies.test.ts (6 tests)",
        "  ✔ left no uncaught exception in the runtime's log (1.006424ms)",
        "uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.",
        "workerd/io/worker.c++:2000: error: Can't read from request stream after response has been sent.",
      ].join("\n"),
    }),
  );
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout,
    [
      "check failed: no runtime error lines (2 found)",
      "  vitest.log:3: uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.",
      "  vitest.log:4: workerd/io/worker.c++:2000: error: Can't read from request stream after response has been sent.",
      "7 passed, 1 failed",
      "",
    ].join("\n"),
  );
});

Deno.test("summarize.mjs fails when no runner output was kept", async () => {
  const result = await summarize(await reports({}));
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^no runner output \(\*\.log\)/);
});

Deno.test("summarize.mjs fails when the examples/ project's vitest report is missing", async () => {
  const dir = await reports({ "vitest.log": "\n" });
  await Deno.remove(`${dir}/example.vitest.json`);
  const result = await summarize(dir);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /no report: .*example\.vitest\.json/);
});

Deno.test("summarize.mjs fails when the browser tests' report is missing or failed", async () => {
  const dir = await reports({ "browser.log": "\n" });
  await Deno.remove(`${dir}/browser.xml`);
  const missing = await summarize(dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /no report: .*browser\.xml/);
  const failed = await reports({ "browser.log": "\n" });
  await Deno.writeTextFile(
    `${failed}/browser.xml`,
    '<testsuites><testcase name="console pages back"><failure message="x"/></testcase></testsuites>',
  );
  const result = await summarize(failed);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /failed: console pages back\n7 passed, 1 failed\n$/);
});
